package checklist

import (
	"testing"

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
