package docker

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The gaps of issue 3 on the Dockerfile side: hadolint's DL3002 fires only
// on an explicit USER root, and Trivy reports a missing USER and a missing
// HEALTHCHECK without a line number.
func TestDockerfileGapMissingUserAndHealthcheckLocated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(path, []byte(
		"# syntax=docker/dockerfile:1\n"+
			"FROM golang:1.26 AS build\n"+
			"RUN go build -o /app .\n"+
			"\n"+
			"FROM debian:12.8-slim\n"+
			"COPY --from=build /app /app\n"+
			"ENTRYPOINT [\"/app\"]\n"), 0o644))
	rep := dfRunAll(t, Dockerfile(DockerfileOptions{Path: path}))

	user := dfOutcome(t, rep, "docker.dockerfile.user")
	require.Equal(t, check.StatusFail, user.Result.Status, "no USER at all runs as root")
	require.Len(t, user.Result.Findings, 1)
	assert.Equal(t, 5, user.Result.Findings[0].Location.Line, "points at the final stage's FROM")
	assert.Equal(t, "Dockerfile", user.Result.Findings[0].Location.File, "relative to the build context")
	assert.Equal(t, filepath.ToSlash(path), user.Meta.Target)

	hc := dfOutcome(t, rep, "docker.dockerfile.healthcheck")
	require.Equal(t, check.StatusFail, hc.Result.Status)
	require.Len(t, hc.Result.Findings, 1)
	assert.Equal(t, 5, hc.Result.Findings[0].Location.Line)

	// A USER in the build stage only does not count: the final stage ships.
	require.NoError(t, os.WriteFile(path, []byte(
		"FROM golang:1.26 AS build\nUSER 10001\nRUN go build -o /app .\nFROM debian:12.8-slim\nCOPY --from=build /app /app\n"), 0o644))
	rep = dfRunAll(t, Dockerfile(DockerfileOptions{Path: path}))
	assert.Equal(t, check.StatusFail, dfOutcome(t, rep, "docker.dockerfile.user").Result.Status)
}
