package postgres

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// TestRealWorldHBA judges pg_hba.conf files shaped like the ones people
// run, loaded by a real server: the packaged default a reviewer accepts
// (peer on the socket, SCRAM on loopback, TLS for the private network)
// passes; a driver's test-suite file (trust, cleartext, "all" addresses,
// with hostnossl reject lines) fails on exactly its bad lines.
func TestRealWorldHBA(t *testing.T) {
	const pw = "Sup3r-Long-Unguessable-Pass!"
	for _, tc := range []struct {
		name string
		tls  bool
		hba  []string
		want map[string]check.Status
		bad  map[string][]int // ID -> the hba lines of its findings
	}{
		{
			name: "packaged default, hardened for a private network",
			tls:  true,
			hba: []string{
				"local all postgres peer",
				"local all all scram-sha-256",
				"host all all 127.0.0.1/32 scram-sha-256",
				"host all all ::1/128 scram-sha-256",
				"local replication all peer",
				"host replication all 127.0.0.1/32 scram-sha-256",
				"hostssl all app 10.0.0.0/8 scram-sha-256",
				"hostnossl all all 0.0.0.0/0 reject",
			},
			want: map[string]check.Status{
				"postgres.hba.auth": check.StatusPass, "postgres.tls.hba": check.StatusPass, "postgres.access.hba-open": check.StatusPass,
			},
		},
		{
			name: "driver test suite",
			hba: []string{
				"local all all trust",
				"host all md5user all md5",
				"host all clearuser all password",
				"host all scramuser all scram-sha-256",
				"hostnossl all tlsuser all reject",
				"hostssl all tlsuser all scram-sha-256",
				"host all all all trust",
			},
			want: map[string]check.Status{
				"postgres.hba.auth": check.StatusFail, "postgres.tls.hba": check.StatusFail, "postgres.access.hba-open": check.StatusFail,
			},
			// Line 1 is the file's comment; the reject line (6) is never a
			// finding, and the hostssl line (7) cannot match on this server,
			// whose ssl is off (pg_hba_file_rules says so; tls.server fails).
			bad: map[string][]int{
				"postgres.hba.auth":        {2, 4, 8},
				"postgres.tls.hba":         {3, 4, 5, 8},
				"postgres.access.hba-open": {3, 4, 5, 8},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testenv.PostgresOptions{Password: pw}
			if tc.tls {
				leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{})
				opts.TLS = &leaf
			}
			pg := testenv.Postgres(t, opts)
			writeHBA(t, pg, tc.hba)
			got := runSecurity(t, Open(pg.DSN("postgres", pw, "postgres"), Options{}))
			for id, want := range tc.want {
				r := got[id]
				assert.Equal(t, want, r.Status, "%s: %s %v", id, r.Message, r.Findings)
				var lines []int
				for _, f := range r.Findings {
					lines = append(lines, f.Location.Line)
				}
				if tc.bad != nil {
					require.Contains(t, tc.bad, id)
					assert.ElementsMatch(t, tc.bad[id], uniqueInts(lines), "%s: %v", id, r.Findings)
				}
			}
		})
	}
}

func uniqueInts(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
