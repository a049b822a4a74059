package docker_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
)

func profilesDir(name string) string { return filepath.Join("testdata", "accuracy", "profiles", name) }

func pinned(p *docker.ComposeProject) check.Check {
	return docker.ComposeImagePinned(p, docker.ImagePinnedOptions{})
}

func TestComposeProfilesMatrix(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      docker.ComposeOptions
		status    check.Status
		resources []string
		message   string
	}{
		{"every profile by default", docker.ComposeOptions{Dir: profilesDir("all")}, check.StatusFail,
			[]string{`service "debug" (profile debug)`, `service "admin" (profiles ops, tools)`}, ""},
		{"the default profile only", docker.ComposeOptions{Dir: profilesDir("all"), ActiveProfilesOnly: true}, check.StatusPass,
			nil, "1 of 3 services checked; 2 start only under profiles debug, ops, tools (not active: admin, debug)"},
		{"COMPOSE_PROFILES in .env", docker.ComposeOptions{Dir: profilesDir("dotenv"), ActiveProfilesOnly: true}, check.StatusFail,
			[]string{`service "admin" (profiles ops, tools)`}, "2 of 3 services checked; 1 starts only under profile debug (not active: debug)"},
		{"Profiles narrow", docker.ComposeOptions{Dir: profilesDir("dotenv"), Profiles: []string{"debug"}}, check.StatusFail,
			[]string{`service "debug" (profile debug)`}, "2 of 3 services checked; 1 starts only under profiles ops, tools (not active: admin)"},
		{"Env over .env", docker.ComposeOptions{Dir: profilesDir("dotenv"), ActiveProfilesOnly: true, Env: map[string]string{"COMPOSE_PROFILES": "*"}}, check.StatusFail,
			[]string{`service "debug" (profile debug)`, `service "admin" (profiles ops, tools)`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := accuracyRun(t, tc.opts, pinned)
			require.Equal(t, tc.status, o.Result.Status, "%s: %v", o.Result.Message, o.Result.Findings)
			var got []string
			for _, f := range o.Result.Findings {
				got = append(got, f.Location.Resource)
			}
			assert.ElementsMatch(t, tc.resources, got)
			if tc.message != "" {
				assert.Contains(t, o.Result.Message, tc.message)
			} else {
				assert.NotContains(t, o.Result.Message, "checked;")
			}
		})
	}
}

func TestComposeEnvFileRequired(t *testing.T) {
	o := accuracyRun(t, docker.ComposeOptions{Dir: profilesDir("envfile-missing")}, pinned)
	require.Equal(t, check.StatusError, o.Result.Status, o.Result.Message)
	var ce *docker.ComposeError
	require.ErrorAs(t, o.Result.Err, &ce)
	assert.Equal(t, "compose.yaml", ce.File)
	assert.Equal(t, 4, ce.Line)
	assert.Contains(t, ce.Error(), `env_file "api.env" does not exist`)

	o = accuracyRun(t, docker.ComposeOptions{Dir: profilesDir("envfile-optional")}, pinned)
	assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
}

func TestComposeUnsetVariableNamed(t *testing.T) {
	o := accuracyRun(t, docker.ComposeOptions{Dir: profilesDir("unset-volume")}, pinned)
	require.Equal(t, check.StatusError, o.Result.Status, o.Result.Message)
	var ce *docker.ComposeError
	require.ErrorAs(t, o.Result.Err, &ce)
	assert.Equal(t, 5, ce.Line)
	assert.Contains(t, ce.Error(), "variable UPLOAD_LOCATION is unset")
}
