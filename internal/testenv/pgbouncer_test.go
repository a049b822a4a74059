package testenv

import (
	"crypto/tls"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPgbouncer pools a real cluster: an application user reaches
// PostgreSQL through the bouncer with scram-sha-256, a stats user reads
// the admin console (simple protocol), and client TLS, when asked for, is
// required and verifiable.
func TestPgbouncer(t *testing.T) {
	const pw = "Sup3r-Long-Unguessable-Pass"
	pg := Postgres(t, PostgresOptions{Password: pw})
	ca := NewCA(t)
	leaf := ca.Leaf(t, LeafOptions{})
	for _, tc := range []struct {
		name string
		tls  *Leaf
	}{
		{"plain", nil},
		{"tls", &leaf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Pgbouncer(t, pg, PgbouncerOptions{
				Users:      map[string]string{"postgres": pw, "mon": "Mon1tor-Pass"},
				StatsUsers: []string{"mon"},
				ClientTLS:  tc.tls,
				Databases:  map[string]string{"app": "dbname=postgres pool_size=3"},
			})
			ctx := t.Context()
			conn, err := pgx.Connect(ctx, b.DSN("postgres", pw, "app"))
			require.NoError(t, err, b.Log())
			defer conn.Close(ctx)
			var port int
			require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('port')::int").Scan(&port))
			assert.Equal(t, pg.Port, port, "the bouncer forwards to the cluster")
			_, isTLS := conn.PgConn().Conn().(*tls.Conn)
			assert.Equal(t, tc.tls != nil, isTLS)

			wrong, err := pgx.Connect(ctx, b.DSN("postgres", "wrong", "app"))
			if err == nil {
				_ = wrong.Close(ctx)
			}
			assert.Error(t, err, "a wrong password is refused")

			admin, err := pgx.Connect(ctx, b.DSN("mon", "Mon1tor-Pass", "pgbouncer")+"&default_query_exec_mode=simple_protocol")
			require.NoError(t, err, b.Log())
			defer admin.Close(ctx)
			var version string
			require.NoError(t, admin.QueryRow(ctx, "SHOW VERSION").Scan(&version))
			assert.Contains(t, version, "PgBouncer")

			if tc.tls != nil {
				plain := b.DSN("postgres", pw, "app")
				cfg, err := pgx.ParseConfig(plain)
				require.NoError(t, err)
				cfg.TLSConfig, cfg.Fallbacks = nil, nil
				c, err := pgx.ConnectConfig(ctx, cfg)
				if err == nil {
					_ = c.Close(ctx)
				}
				assert.Error(t, err, "client_tls_sslmode=require refuses plaintext")
			}
		})
	}
}

// TestPgbouncerStop stops the bouncer early; the cleanup then does nothing.
func TestPgbouncerStop(t *testing.T) {
	pg := Postgres(t, PostgresOptions{})
	b := Pgbouncer(t, pg, PgbouncerOptions{})
	b.Stop()
	_, err := pgx.Connect(t.Context(), b.DSN("postgres", "", "postgres"))
	assert.Error(t, err)
	assert.Contains(t, b.Log(), "PgBouncer")
}
