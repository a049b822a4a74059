package integration

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/report"
)

// TestNoSecretLeaks renders every format over a run whose inputs hold
// canary secrets (literal values, URL passwords, a value that breaks the
// parser) and asserts that none reaches the output.
func TestNoSecretLeaks(t *testing.T) {
	testdata := filepath.Join("..", "..", "checks", "docker", "testdata")
	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, "compose.yaml"), []byte(
		"services:\n  api:\n    image: example/api:1.0.0\n    environment:\n      DB_PASSWORD: \"canary-interp-${\"\n      API_TOKEN: canary-after-error-5\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(broken, "Dockerfile"), []byte(
		"FROM alpine:3.20\nENV DB_PASSWORD=canary-df-broken-6\nNOTANINSTRUCTION canary-df-broken-7\n"), 0o644))

	// The same rules run on several inputs in one run: each check is
	// told apart by its target.
	var checks []check.Check
	for _, dir := range []string{filepath.Join(testdata, "compose", "secrets"), filepath.Join(testdata, "stacks", "insecure"), broken} {
		p := docker.Compose(docker.ComposeOptions{Dir: dir})
		checks = append(checks, docker.ComposeChecks(p, docker.ComposeChecksOptions{})...)
	}
	for _, file := range []string{filepath.Join(testdata, "dockerfile", "secrets", "Dockerfile"), filepath.Join(broken, "Dockerfile")} {
		checks = append(checks, docker.DockerfileChecks(docker.Dockerfile(docker.DockerfileOptions{Path: file}))...)
	}
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)

	var out bytes.Buffer
	opts := report.Options{MaxFindings: -1, MaxSize: -1}
	require.NoError(t, report.Text(&out, rep, opts))
	require.NoError(t, report.JSON(&out, rep, opts))
	require.NoError(t, report.JUnit(&out, rep, opts))
	require.NoError(t, report.Markdown(&out, rep, opts))

	targets := map[string]bool{}
	for _, o := range rep.Outcomes {
		targets[o.Meta.Target] = true
	}
	assert.Len(t, targets, 5, "each input is a target")
	for target := range targets {
		failing := 0
		for _, o := range rep.Outcomes {
			if o.Meta.Target == target && (o.Result.Status == check.StatusFail || o.Result.Status == check.StatusError) {
				failing++
			}
		}
		assert.NotZero(t, failing, "%s has something to report", target)
	}
	s := out.String()
	for _, canary := range []string{
		"canary-literal-pw-1", "canary-url-pw-2", "canary-pa$word-3", "canary-aws-secret-4",
		"canary-interp-", "canary-after-error-5", "canary-df-broken-6",
		"ghp_canary", "sk-canary", "hunter2-canary", "pg-canary", "rails-canary",
	} {
		assert.NotContains(t, s, canary)
	}
}
