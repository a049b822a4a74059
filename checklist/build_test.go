package checklist

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func runPlan(t *testing.T, cfg *Config) (*Plan, *check.Report) {
	t.Helper()
	plan, err := Build(t.Context(), cfg, BuildOptions{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	rep, err := plan.Runner.Run(t.Context(), plan.Checks...)
	require.NoError(t, err)
	return plan, rep
}

func TestBuildNothingConfigured(t *testing.T) {
	plan, rep := runPlan(t, &Config{Root: t.TempDir(), Version: 1})
	byID := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		byID[o.Meta.ID] = o
	}
	for id, key := range map[string]string{
		"docker.compose.image-pinned": "targets.compose",
		"security.headers.csp":        "targets.urls",
		"security.tls.cert.expiry":    "targets.tls",
		"config.git.env-history":      "targets.git",
		"config.env.exists":           "targets.env",
		"postgres.hba.auth":           "targets.databases",
		"database.dsn.tls":            "targets.databases",
	} {
		o, ok := byID[id]
		require.True(t, ok, id)
		assert.Equal(t, check.StatusSkip, o.Result.Status, id)
		assert.Equal(t, "not configured: add "+key+" to prodcheck.yaml", o.Result.Message, id)
	}
	s := Summarize(plan.Items, rep)
	assert.Equal(t, len(Items()), len(s.Lines))
	assert.Equal(t, len(Items()), s.ByKind[Automated]+s.ByKind[Attested]+s.ByKind[NotAutomated])
	na := 0
	for _, it := range Items() {
		if it.Kind == NotAutomated {
			na++
			assert.Equal(t, check.StatusWarn, byID[PlaceholderPrefix+it.ID].Result.Status, it.ID)
		}
	}
	assert.Equal(t, na, s.ByKind[NotAutomated])
}

func TestBuildListsNamedByTarget(t *testing.T) {
	cfg, err := LoadConfig("testdata/config", "lists.yaml")
	require.NoError(t, err)
	_, rep := runPlan(t, cfg)
	targets := map[string][]string{}
	for _, o := range rep.Outcomes {
		targets[o.Meta.ID] = append(targets[o.Meta.ID], o.Meta.Target)
		if o.Meta.ID == "database.dsn.tls" || o.Meta.ID == "postgres.hba.auth" {
			assert.Equal(t, check.StatusError, o.Result.Status)
			assert.Contains(t, o.Result.Err.Error(), "PRODCHECK_TEST_UNSET_DSN is not set")
			assert.Equal(t, "main ($PRODCHECK_TEST_UNSET_DSN)", o.Meta.Target)
		}
	}
	assert.ElementsMatch(t, []string{"a/compose.yaml", "b/compose.yaml"}, targets["docker.compose.image-pinned"])
}

// TestBuildBackupEvidence: checks.postgres.backup.recent names the
// evidence of a pgBackRest or WAL-G catalogue; the backup check judges it
// even while the server itself is unreachable.
func TestBuildBackupEvidence(t *testing.T) {
	for _, tc := range []struct{ key, fixture string }{
		{"pgbackrest_info", "pgbackrest.json"},
		{"walg_info", "walg.json"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			root := t.TempDir()
			data, err := os.ReadFile(filepath.Join("../checks/database/postgres/testdata/backup", tc.fixture))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(root, "backup-info.json"), data, 0o600))
			cfg, err := ParseConfig(root, "prodcheck.yaml", []byte("version: 1\ntargets:\n  databases: [{name: main, dsn_env: DB}]\nchecks:\n  postgres.backup.recent: {"+tc.key+": backup-info.json, max_age: 26h}\n"))
			require.NoError(t, err)
			env := map[string]string{"DB": "postgres://app@127.0.0.1:1/app?sslmode=disable&connect_timeout=1"}
			for _, now := range []struct {
				at   time.Time
				want check.Status
			}{
				{time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC), check.StatusPass},
				{time.Date(2026, 1, 9, 12, 0, 0, 0, time.UTC), check.StatusFail},
			} {
				plan, err := Build(t.Context(), cfg, BuildOptions{Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now.at }})
				require.NoError(t, err)
				found := 0
				for _, c := range plan.Checks {
					if c.Meta().ID == "postgres.backup.recent" {
						found++
						r := c.Run(t.Context())
						assert.Equal(t, now.want, r.Status, "%s at %s: %s", tc.key, now.at, r.Message)
					}
				}
				require.Equal(t, 1, found)
			}
		})
	}
	cfg, err := ParseConfig(t.TempDir(), "prodcheck.yaml", []byte("version: 1\nchecks:\n  postgres.backup.recent: {dir: b, walg_info: w.json}\n"))
	require.NoError(t, err)
	_, err = Build(t.Context(), cfg, BuildOptions{Getenv: func(string) string { return "" }})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "name one evidence source")
}
