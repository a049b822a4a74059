package checklist

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// TestWriteChecklist renders a run as the checklist: every heading and
// every line in the document's order, each marked from its outcomes.
func TestWriteChecklist(t *testing.T) {
	mk := func(id, target string, res check.Result) check.Check {
		return check.New(check.Meta{ID: id, Target: target, Severity: check.SeverityHigh}, func(context.Context) check.Result { return res })
	}
	items := Items()
	var checks []check.Check
	checks = append(checks,
		mk("docker.compose.image-pinned", "compose.yaml", check.Pass("pinned")),
		mk("docker.dockerfile.base-pinned", "Dockerfile", check.Pass("pinned")),
		mk("security.secrets.strength", ".env", check.Fail("weak", check.Finding{Message: "weak", Location: check.Location{File: ".env", Line: 4}})),
		mk("docker.compose.healthcheck", "compose.yaml", check.Skip("no long-running service")),
	)
	for _, it := range items {
		if it.Kind == NotAutomated {
			checks = append(checks, it.Placeholder())
		}
	}
	var r check.Runner
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, WriteChecklist(&b, Summarize(items, rep), rep, ChecklistOptions{}))
	out := b.String()

	for _, want := range []string{
		"## Security Hardening\n### Authentication\n",
		"- [ ] Use strong, random JWT_SECRET (64+ characters)  — FAILED: 1 of 1 check: security.secrets.strength [.env]\n",
		"- [x] Use production-ready images (no `:latest` tags)  — passed (2 checks)\n",
		"- [-] Implement health checks  — skipped: no long-running service\n",
		"- [~] Structured logging (JSON format)  — not yet automated: ",
		"- [?] Enable gzip compression  — not run: no check of this run serves it\n",
	} {
		assert.Contains(t, out, want)
	}
	// Every line of the document, once, in its order.
	lines := strings.Count(out, "\n- [")
	assert.Equal(t, len(items), lines)
	last := -1
	for _, it := range items {
		i := strings.Index(out, "] "+it.Text+"  — ")
		require.GreaterOrEqual(t, i, 0, it.Text)
		assert.Greater(t, i, last, "%q out of order", it.Text)
		last = i
	}
}
