package checklist

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// TestBuildLiveDatabases: prodcheck.yaml names two PostgreSQL databases
// and the pgBouncer in front of one by environment variables; the built
// run checks each real server, every outcome named by its server, and the
// bouncer's pool sizes are judged against its backend's max_connections.
func TestBuildLiveDatabases(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{Password: "Primary-Long-Unguessable-42"})
	other := testenv.Postgres(t, testenv.PostgresOptions{Password: "Other-Long-Unguessable-42"})
	bouncer := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
		Users:           map[string]string{"stats": "Stats-Long-Unguessable-42", "app": "App-Long-Unguessable-42"},
		StatsUsers:      []string{"stats"},
		DefaultPoolSize: 200, // more than the backend's 100 connections
	})
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "prodcheck.yaml"), []byte(`version: 1
targets:
  databases:
    - name: main
      dsn_env: MAIN_DATABASE_URL
    - name: reports
      dsn_env: REPORTS_DATABASE_URL
  pgbouncer:
    - name: pooler
      dsn_env: PGBOUNCER_ADMIN_URL
      pool_mode: transaction
      backend: main
`), 0o600))
	cfg, err := LoadConfig(root, "prodcheck.yaml")
	require.NoError(t, err)
	env := map[string]string{
		"MAIN_DATABASE_URL":    pg.DSN("postgres", "Primary-Long-Unguessable-42", "postgres"),
		"REPORTS_DATABASE_URL": other.DSN("postgres", "Other-Long-Unguessable-42", "postgres"),
		"PGBOUNCER_ADMIN_URL":  bouncer.DSN("stats", "Stats-Long-Unguessable-42", "pgbouncer"),
	}
	plan, err := Build(t.Context(), cfg, BuildOptions{Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	rep, err := plan.Runner.Run(t.Context(), plan.Checks...)
	require.NoError(t, err)

	byTarget := map[string]map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		if byTarget[o.Meta.Target] == nil {
			byTarget[o.Meta.Target] = map[string]check.Outcome{}
		}
		byTarget[o.Meta.Target][o.Meta.ID] = o
	}
	mainT := "postgres://" + pg.Addr + "/postgres"
	otherT := "postgres://" + other.Addr + "/postgres"
	poolT := "postgres://" + bouncer.Addr + "/pgbouncer"
	for _, target := range []string{mainT, otherT} {
		got := byTarget[target]
		require.NotNil(t, got, target)
		for _, id := range []string{"postgres.hba.auth", "postgres.wal.level", "postgres.tls.server", "database.dsn.tls"} {
			o, ok := got[id]
			require.True(t, ok, "%s %s", id, target)
			assert.NotEqual(t, check.StatusError, o.Result.Status, "%s [%s]: %s", id, target, o.Result.Message)
		}
		assert.Equal(t, check.StatusFail, got["postgres.tls.server"].Result.Status, "ssl is off on %s", target)
	}
	pool := byTarget[poolT]
	require.NotNil(t, pool, "no outcome named by the bouncer %s", poolT)
	assert.Equal(t, check.StatusPass, pool["postgres.pgbouncer.reachable"].Result.Status, pool["postgres.pgbouncer.reachable"].Result.Message)
	assert.Equal(t, check.StatusPass, pool["postgres.pgbouncer.pool-mode"].Result.Status)
	size := pool["postgres.pgbouncer.pool-size"].Result
	assert.Equal(t, check.StatusFail, size.Status, size.Message)
	for _, o := range rep.Outcomes {
		for _, pw := range []string{"Primary-Long-Unguessable-42", "Other-Long-Unguessable-42", "Stats-Long-Unguessable-42"} {
			assert.NotContains(t, o.Result.Message, pw)
			assert.NotContains(t, o.Meta.Target, pw)
		}
	}
}
