package docker

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func TestDockerfileSecretsMatrix(t *testing.T) {
	build := func(src *DockerfileSource) check.Check { return DockerfileBuildSecrets(src, BuildSecretsOptions{}) }
	literal := func(src *DockerfileSource) check.Check { return DockerfileSecrets(src, DockerfileSecretsOptions{}) }
	for _, tc := range []struct {
		dir   string
		check func(*DockerfileSource) check.Check
		want  check.Status
		line  int // line of the first finding
	}{
		{"df-arg-bad", build, check.StatusFail, 3},
		{"df-arg-good", build, check.StatusPass, 0},
		{"df-env-bad", build, check.StatusFail, 3},
		{"df-env-good", build, check.StatusPass, 0},
		{"df-run-bad", build, check.StatusFail, 3},
		{"df-run-good", build, check.StatusPass, 0},
		{"df-copy-bad", build, check.StatusFail, 2},
		{"df-copy-good", build, check.StatusPass, 0},
		{"df-password-bad", build, check.StatusFail, 2},
		{"df-password-good", build, check.StatusPass, 0},
		{"df-envsecret-bad", literal, check.StatusFail, 2},
		{"df-envsecret-good", literal, check.StatusPass, 0},
	} {
		dir := filepath.Join(secretsTestdata, tc.dir)
		src := Dockerfile(DockerfileOptions{Path: filepath.Join(dir, "Dockerfile"), ContextDir: dir})
		rep, err := (&check.Runner{}).Run(context.Background(), tc.check(src))
		require.NoError(t, err)
		o := rep.Outcomes[0]
		require.Equal(t, tc.want, o.Result.Status, "%s %s: %s %v", o.Meta.ID, tc.dir, o.Result.Message, o.Result.Findings)
		if tc.line > 0 {
			assert.Equal(t, tc.line, o.Result.Findings[0].Location.Line, tc.dir)
		}
		for _, f := range o.Result.Findings {
			assert.NotContains(t, f.Message+f.Actual, "hunter2", tc.dir)
			assert.NotContains(t, f.Message+f.Actual, "Zq8v", tc.dir)
		}
	}
}

func TestDockerfileCredentialSources(t *testing.T) {
	for src, bad := range map[string]bool{
		".npmrc": true, "config/.pypirc": true, "id_rsa": true, "keys/server.pem": true, "tls.key": true,
		".aws/": true, "home/.ssh/config": true, "credentials": true,
		"certs/ca.pem": false, "fullchain.pem": false, "app/": false, "package.json": false,
	} {
		assert.Equal(t, bad, dfCredentialSource(src) != "", src)
	}
}
