package postgres

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/internal/testenv"
)

// silentServer accepts TCP connections and never answers: a firewall
// that swallows packets, or a hung process.
func silentServer(t *testing.T) string {
	t.Helper()
	addr, _ := testenv.TCPServer(t, nil)
	return addr
}

// bannerServer greets every connection with another protocol's banner
// (an SSH server on the database port) and closes it.
func bannerServer(t *testing.T) string {
	t.Helper()
	addr, _ := testenv.TCPServer(t, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))
	})
	return addr
}

// TestBadInput: every way a server can be wrong ends in a clear error
// within the deadline, never a hang, a panic or a pass.
func TestBadInput(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{Password: "Right-Long-Password-42"})
	httpSrv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(httpSrv.Close)
	refused := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))

	for _, tc := range []struct {
		name, dsn string
		want      []string // every one appears in the error
	}{
		{"unreachable", "postgres://u@" + refused + "/db?sslmode=disable", []string{"connect postgres://" + refused + "/db", "refused"}},
		{"wrong password", pg.DSN("postgres", "Wrong-Password", "postgres"), []string{"password authentication failed", "28P01"}},
		{"silent server", "postgres://u:pw@" + silentServer(t) + "/db?sslmode=disable", []string{"connect", "deadline exceeded"}},
		{"http server", "postgres://u:pw@" + strings.TrimPrefix(httpSrv.URL, "http://") + "/db?sslmode=disable", []string{"connect", "deadline exceeded"}},
		{"ssh server", "postgres://u:pw@" + bannerServer(t) + "/db?sslmode=disable", []string{"connect"}},
		{"invalid dsn", "postgres://u:pw@host:notaport/db", []string{"postgres: invalid DSN: invalid port"}},
		{"password parsed as a port", "postgres://u:Canary-Secret-9@host/db?port=Canary-Secret-9", []string{"postgres: invalid DSN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			s := Open(tc.dsn, Options{})
			snap, err := s.Snapshot(ctx)
			require.Error(t, err)
			assert.Nil(t, snap)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "Wrong-Password")
			assert.NotContains(t, err.Error(), ":pw@")
			assert.NotContains(t, err.Error(), "Canary-Secret")
			t.Logf("%s: %v", tc.name, err)
		})
	}
}

// TestStatementColumns: pg_stat_statements before 1.8 (PostgreSQL 12 and
// older) names its time columns mean_time and total_time.
func TestStatementColumns(t *testing.T) {
	for v, want := range map[string]string{"1.7": "mean_time", "1.6": "mean_time", "1.8": "mean_exec_time", "1.10": "mean_exec_time", "2.0": "mean_exec_time"} {
		mean, total := statementColumns(v)
		assert.Equal(t, want, mean, v)
		assert.Equal(t, strings.Replace(want, "mean", "total", 1), total, v)
	}
}

func TestTargetOf(t *testing.T) {
	assert.Equal(t, "postgres://db.internal:5432/app", targetOf("db.internal", 5432, "app"))
	assert.Equal(t, "postgres://[::1]:5433/app", targetOf("::1", 5433, "app"))
	assert.Equal(t, "postgres://:5432/app?host=%2Fvar%2Frun%2Fpostgresql", targetOf("/var/run/postgresql", 5432, "app"))
	s := Open("postgres://app:Secret-Pass@db.internal:6432/app?sslmode=verify-full", Options{})
	assert.Equal(t, "postgres://db.internal:6432/app", s.Target())
	assert.Equal(t, "postgres://primary", Open("postgres://x@y/z", Options{Target: "postgres://primary"}).Target())
}

// TestBouncerInvalidDSN: the bouncer's DSN errors quote no part of it.
func TestBouncerInvalidDSN(t *testing.T) {
	b := OpenBouncer("postgres://stats:Canary-Secret-9@host/pgbouncer?port=Canary-Secret-9", BouncerOptions{})
	for _, c := range BouncerChecks(b) {
		r := c.Run(t.Context())
		assert.Equal(t, "error", r.Status.String(), c.Meta().ID)
		assert.Contains(t, r.Message, "postgres: pgbouncer: invalid DSN: invalid port")
		assert.NotContains(t, r.Message, "Canary-Secret")
	}
}
