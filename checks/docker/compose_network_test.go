package docker_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
)

// accuracyRun runs c over the compose project in testdata/accuracy/dir.
func accuracyRun(t *testing.T, opts docker.ComposeOptions, build func(*docker.ComposeProject) check.Check) check.Outcome {
	t.Helper()
	p := docker.Compose(opts)
	rep, err := (&check.Runner{}).Run(t.Context(), build(p))
	require.NoError(t, err)
	require.Len(t, rep.Outcomes, 1)
	return rep.Outcomes[0]
}

func TestComposeDatabaseNetworkMatrix(t *testing.T) {
	for _, tc := range []struct {
		dir       string
		status    check.Status
		resources []string // services at fault
	}{
		{"clients-only", check.StatusPass, nil},
		{"proxy-shares", check.StatusFail, []string{`service "proxy"`}},
		{"pooler", check.StatusPass, nil},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			o := accuracyRun(t, docker.ComposeOptions{Dir: filepath.Join("testdata", "accuracy", "network", tc.dir)},
				func(p *docker.ComposeProject) check.Check {
					return docker.ComposeDatabaseNetwork(p, docker.DatabaseOptions{})
				})
			require.Equal(t, tc.status, o.Result.Status, "%s: %v", o.Result.Message, o.Result.Findings)
			var got []string
			for _, f := range o.Result.Findings {
				got = append(got, f.Location.Resource)
				assert.NotZero(t, f.Location.Line)
				assert.NotEmpty(t, f.Expected)
			}
			assert.Equal(t, tc.resources, got)
		})
	}
}

func TestComposeDatabaseNetworkMessages(t *testing.T) {
	o := accuracyRun(t, docker.ComposeOptions{Dir: filepath.Join("testdata", "accuracy", "network", "pooler")},
		func(p *docker.ComposeProject) check.Check {
			return docker.ComposeDatabaseNetwork(p, docker.DatabaseOptions{})
		})
	assert.Contains(t, o.Result.Message, "data internal", "internal: true is credited")
	o = accuracyRun(t, docker.ComposeOptions{Dir: filepath.Join("testdata", "accuracy", "network", "proxy-shares")},
		func(p *docker.ComposeProject) check.Check {
			return docker.ComposeDatabaseNetwork(p, docker.DatabaseOptions{})
		})
	require.NotEmpty(t, o.Result.Findings)
	assert.Contains(t, o.Result.Findings[0].Message, `PostgreSQL service "db"`)
}

func TestComposeDatabasePoolerPorts(t *testing.T) {
	// A pooler counts as a database for the port rule.
	o := accuracyRun(t, docker.ComposeOptions{Dir: filepath.Join("testdata", "accuracy", "network", "pooler")},
		func(p *docker.ComposeProject) check.Check {
			return docker.ComposeDatabasePorts(p, docker.DatabaseOptions{})
		})
	assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
	assert.Contains(t, o.Result.Message, "2 services", "pgbouncer and db counted: %s", o.Result.Message)
}
