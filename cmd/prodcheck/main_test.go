package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checklist"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

const demoConfig = "../../examples/demo/prodcheck.yaml"

func needGit(t *testing.T) { testenv.Require(t, "git") }

func TestRunDemo(t *testing.T) {
	needGit(t)
	code, out, _ := cli(t, "run", "-c", demoConfig, "--demo")
	assert.Equal(t, 1, code)
	for _, section := range []string{"Security Hardening / Authentication", "Compliance & Governance", "Documentation", "Pre-Deployment Checklist"} {
		assert.Contains(t, out, "\n"+section+"\n")
	}
	assert.Contains(t, out, "expired waiver: docker.compose.image-pinned")
	assert.Contains(t, out, "SUMMARY: ")
	assert.Contains(t, out, "expired on 2025-07-01")

	// The checklist with its marks: every line of the document, once.
	for _, it := range checklist.Items() {
		assert.Equal(t, 1, strings.Count(out, "] "+it.Text+"  — "), it.Text)
	}
	assert.Contains(t, out, "- [ ] Incident response procedures  — FAILED")
	// Targets and findings name files as prodcheck.yaml does, never by
	// the demo's temporary copy.
	assert.NotContains(t, out, "prodcheck-demo-")

	code, _, _ = cli(t, "run", "-c", demoConfig, "--demo", "--report-only")
	assert.Equal(t, 0, code)
}

func TestRunMinSeverity(t *testing.T) {
	needGit(t)
	code, out, errs := cli(t, "run", "-c", demoConfig, "--min-severity", "critical", "--format", "json", "--report-only")
	require.Equal(t, 0, code, errs)
	var doc struct {
		Outcomes []struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
		} `json:"outcomes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotEmpty(t, doc.Outcomes)
	for _, o := range doc.Outcomes {
		assert.Equal(t, check.SeverityCritical.String(), o.Severity, o.ID)
	}
	code, _, errs = cli(t, "run", "-c", demoConfig, "--min-severity", "severe")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "min-severity")
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(yaml string) string {
		p := filepath.Join(dir, "prodcheck.yaml")
		require.NoError(t, os.WriteFile(p, []byte(yaml), 0o644))
		return p
	}
	os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  web:\n    image: nginx\n"), 0o644)
	cfg := write("version: 1\ntargets:\n  compose: [compose.yaml]\nfail_on: high\n")
	code, _, _ := cli(t, "run", "-c", cfg, "--only", "docker.compose.image-pinned")
	assert.Equal(t, 0, code, "a medium failure under fail_on high passes")
	code, _, _ = cli(t, "run", "-c", cfg, "--only", "docker.compose.image-pinned", "--fail-on", "medium")
	assert.Equal(t, 1, code)
	code, out, _ := cli(t, "run", "-c", cfg, "--only", "docker.compose.image-pinned", "--fail-on", "medium", "--format", "json", "--report-only")
	assert.Equal(t, 0, code)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "prodcheck/v1", doc["schema"])
	assert.Equal(t, 1, strings.Count(out, `"docker.compose.image-pinned"`))

	code, _, errs := cli(t, "run", "-c", write("version: 1\ntargest: {}\n"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "prodcheck.yaml:2:1")
	code, _, _ = cli(t, "run", "--format", "yaml", "-c", cfg)
	assert.Equal(t, 2, code)
	code, _, _ = cli(t, "nope")
	assert.Equal(t, 2, code)
}

func copyDemo(t *testing.T) string {
	dst := t.TempDir()
	src := "../../examples/demo"
	require.NoError(t, filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
	return dst
}

func TestInitRoundTrip(t *testing.T) {
	dir := copyDemo(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "prodcheck.yaml")))
	code, _, errs := cli(t, "init", "-dir", dir)
	require.Equal(t, 0, code, errs)
	code, _, _ = cli(t, "init", "-dir", dir)
	assert.Equal(t, 2, code, "refuses to overwrite")
	cfg, err := checklist.LoadConfig(dir, "prodcheck.yaml")
	require.NoError(t, err)
	assert.Equal(t, []string{"compose.yaml"}, cfg.Compose[0].Files)
	assert.Equal(t, "docs/runbook.md", cfg.Docs.Runbook)
	code, out, errs := cli(t, "run", "-c", filepath.Join(dir, "prodcheck.yaml"))
	assert.Equal(t, 1, code, errs)
	assert.Contains(t, out, "SUMMARY: ")
}

func TestListNotAutomated(t *testing.T) {
	code, out, _ := cli(t, "list", "--not-automated")
	require.Equal(t, 0, code)
	var want []string
	for _, it := range checklist.Items() {
		if it.Kind == checklist.NotAutomated {
			want = append(want, it.ID)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(want))
	for i, l := range lines {
		assert.Equal(t, want[i], strings.Fields(l)[0])
	}
}

func TestExplain(t *testing.T) {
	code, out, _ := cli(t, "explain", "docker.compose.image-pinned")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "remediation:")
	code, _, _ = cli(t, "explain", "no.such.id")
	assert.Equal(t, 2, code)
}

func TestAttestThenPass(t *testing.T) {
	dir := copyDemo(t)
	cfg := filepath.Join(dir, "prodcheck.yaml")
	id := "compliance.gdpr"
	code, out, _ := cli(t, "run", "-c", cfg, "--only", "attest."+id, "--format", "json", "--fail-on", "info")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `"fail"`)
	code, _, errs := cli(t, "attest", id, "--by", "ana@example.com", "--evidence", "docs/architecture.md", "--expires", "2099-01-01", "-c", cfg)
	require.Equal(t, 0, code, errs)
	data, err := os.ReadFile(filepath.Join(dir, "attestations.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "# This one expired", "comments are kept")
	code, out, errs = cli(t, "run", "-c", cfg, "--only", "attest."+id, "--fail-on", "info")
	assert.Equal(t, 0, code, out+errs)
}
