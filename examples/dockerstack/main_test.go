package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func stack(name string) string {
	return filepath.Join("..", "..", "checks", "docker", "testdata", "stacks", name)
}

func TestInsecureStackBlocksDeploy(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-dir", stack("insecure")}, &out, &errOut)
	assert.Equal(t, 1, code, errOut.String())
	assert.Contains(t, out.String(), "docker.compose.database-ports")
	assert.Contains(t, out.String(), `compose.yaml:`)
	assert.Contains(t, errOut.String(), "deploy blocked")
	assert.NotContains(t, out.String(), "canary-")
	// Checks are named by target: the compose file and the Dockerfile it builds.
	dir := filepath.ToSlash(stack("insecure"))
	assert.Contains(t, out.String(), "docker.compose.database-ports ["+dir+"/compose.yaml]")
	assert.Contains(t, out.String(), "docker.dockerfile.user ["+dir+"/api/Dockerfile]")
	assert.NotContains(t, errOut.String(), "level=", "no library log line")
}

// Every Dockerfile the compose file builds is checked in the same run.
func TestEveryBuiltDockerfileChecked(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := filepath.Join("..", "..", "checks", "docker", "testdata", "compose", "builds")
	code := run(t.Context(), []string{"-dir", dir, "-format", "junit"}, &out, &errOut)
	assert.Equal(t, 1, code, errOut.String())
	for _, df := range []string{"api/Dockerfile", "web/Dockerfile"} {
		for _, id := range []string{"docker.dockerfile.base-pinned", "docker.dockerfile.user", "docker.dockerfile.healthcheck", "docker.dockerfile.secrets", "docker.dockerfile.env-excluded"} {
			assert.Contains(t, out.String(), id+" ["+filepath.ToSlash(dir)+"/"+df+"]")
		}
	}
}

func TestHardenedStackPasses(t *testing.T) {
	for _, format := range []string{"text", "json", "junit", "markdown"} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{"-dir", stack("hardened"), "-format", format, "-fail-on", "info"}, &out, &errOut)
		assert.Equal(t, 0, code, "%s: %s%s", format, out.String(), errOut.String())
		assert.NotEmpty(t, out.String())
	}
}

func TestBadInput(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, run(t.Context(), []string{"-dir", t.TempDir()}, &out, &errOut), "no compose file is an Error, which always fails")
	assert.Contains(t, out.String(), "no compose file")
	assert.Equal(t, 2, run(t.Context(), []string{"-format", "yaml", "-dir", stack("hardened")}, &out, &errOut))
	assert.Equal(t, 2, run(t.Context(), []string{"-fail-on", "urgent"}, &out, &errOut))
}
