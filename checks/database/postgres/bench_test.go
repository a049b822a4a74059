package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func replaceHost(dsn, from, to string) string {
	return strings.Replace(dsn, "@"+from+"/", "@"+to+"/", 1)
}

// BenchmarkPostgresSuite runs every check of a Server against a local
// cluster, through a proxy that counts round trips: with the caller's
// pool, and with Open (connect, read, close at each run).
func BenchmarkPostgresSuite(b *testing.B) {
	pg := suiteCluster(b)
	proxy := newFlightProxy(b, pg.Addr)
	dsn := replaceHost(pg.DSN("postgres", "Bench-Long-Unguessable-Pass", "postgres"), pg.Addr, proxy.Addr())
	// pgxpool pings a connection idle for over a second before lending
	// it: its round trip, not the checks'. Counted apart from them here.
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(b, err)
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(b.Context(), cfg)
	require.NoError(b, err)
	b.Cleanup(pool.Close)

	for _, bc := range []struct {
		name string
		s    *Server
	}{
		{"pool", New(pool, Options{})},
		{"open", Open(dsn, Options{})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			checks := Checks(bc.s)
			var r check.Runner
			b.ReportAllocs()
			before := proxy.flights()
			for b.Loop() {
				rep, err := r.Run(b.Context(), checks...)
				if err != nil {
					b.Fatal(err)
				}
				for _, o := range rep.Outcomes {
					if o.Result.Status == check.StatusError {
						b.Fatalf("%s: %s", o.Meta.Name(), o.Result.Message)
					}
				}
			}
			b.ReportMetric(float64(proxy.flights()-before)/float64(b.N), "roundtrips/op")
			b.ReportMetric(float64(len(checks)), "checks")
		})
	}
}
