package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSecretLeaks renders every format over runs whose inputs hold canary
// secrets (literal values, URL passwords, a value that breaks the parser)
// and asserts that none reaches the output.
func TestNoSecretLeaks(t *testing.T) {
	testdata := filepath.Join("..", "checks", "docker", "testdata")
	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, "compose.yaml"), []byte(
		"services:\n  api:\n    image: example/api:1.0.0\n    environment:\n      DB_PASSWORD: \"canary-interp-${\"\n      API_TOKEN: canary-after-error-5\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(broken, "Dockerfile"), []byte(
		"FROM alpine:3.20\nENV DB_PASSWORD=canary-df-broken-6\nNOTANINSTRUCTION canary-df-broken-7\n"), 0o644))

	var checks []check.Check
	for _, dir := range []string{filepath.Join(testdata, "compose", "secrets"), filepath.Join(testdata, "stacks", "insecure"), broken} {
		p := docker.Compose(docker.ComposeOptions{Dir: dir})
		checks = append(checks, docker.ComposeChecks(p, docker.ComposeChecksOptions{})...)
	}
	for _, file := range []string{filepath.Join(testdata, "dockerfile", "secrets", "Dockerfile"), filepath.Join(broken, "Dockerfile")} {
		checks = append(checks, docker.DockerfileChecks(docker.Dockerfile(docker.DockerfileOptions{Path: file}))...)
	}
	// The same check IDs come from several inputs: run each input's checks
	// in its own run, and render every report.
	var out bytes.Buffer
	per := len(docker.ComposeChecks(docker.Compose(docker.ComposeOptions{}), docker.ComposeChecksOptions{}))
	perDF := len(docker.DockerfileChecks(docker.Dockerfile(docker.DockerfileOptions{})))
	groups := [][]check.Check{checks[:per], checks[per : 2*per], checks[2*per : 3*per], checks[3*per : 3*per+perDF], checks[3*per+perDF:]}
	for _, g := range groups {
		rep, err := (&check.Runner{}).Run(t.Context(), g...)
		require.NoError(t, err)
		require.NoError(t, report.Text(&out, rep, report.TextOptions{}))
		require.NoError(t, report.JSON(&out, rep))
		require.NoError(t, report.JUnit(&out, rep))
		require.NoError(t, report.Markdown(&out, rep))
		assert.NotZero(t, rep.Counts().Fail+rep.Counts().Error, "each input has something to report")
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
