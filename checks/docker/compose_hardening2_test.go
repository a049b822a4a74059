package docker_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
)

const hardeningAccuracy = "testdata/accuracy/hardening"

// hardeningChecks are the rules of the hardening fixtures, by ID.
func hardeningChecks(p *docker.ComposeProject) []check.Check {
	return []check.Check{
		docker.ComposeDatabaseAuth(p, docker.DatabaseOptions{}),
		docker.ComposeNonRoot(p, docker.NonRootOptions{}),
		docker.ComposeConfinement(p, docker.ConfinementOptions{}),
		docker.ComposeDevices(p, docker.HostDevicesOptions{}),
		docker.ComposeHostPaths(p, docker.HostPathsOptions{}),
		docker.ComposeHostPathsReadOnly(p, docker.HostPathsOptions{}),
		docker.ComposeMountPropagation(p, docker.MountPropagationOptions{}),
		docker.ComposeCapDrop(p, docker.CapDropOptions{}),
		docker.ComposeNoRuntimeSocket(p, docker.HardeningOptions{}),
	}
}

func hardeningRun(t *testing.T, dir string) map[string]check.Outcome {
	t.Helper()
	p := docker.Compose(docker.ComposeOptions{Dir: filepath.Join(hardeningAccuracy, dir)})
	rep, err := (&check.Runner{}).Run(context.Background(), hardeningChecks(p)...)
	require.NoError(t, err)
	out := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o
	}
	return out
}

// TestHardeningStatusMatrix pins the verdict of each hardening rule on
// each dangerous fixture and its safe twin.
func TestHardeningStatusMatrix(t *testing.T) {
	const (
		P = check.StatusPass
		F = check.StatusFail
		W = check.StatusWarn
		S = check.StatusSkip
	)
	const (
		auth    = "docker.compose.database-auth"
		root    = "docker.compose.non-root"
		conf    = "docker.compose.confinement"
		devices = "docker.compose.devices"
		paths   = "docker.compose.host-paths"
		pathsRO = "docker.compose.host-paths-read-only"
		prop    = "docker.compose.mount-propagation"
		capDrop = "docker.compose.cap-drop"
		socket  = "docker.compose.no-runtime-socket"
	)
	cases := []struct {
		dir  string
		want map[string]check.Status
		// findings is the number of findings of the rule under test.
		findings map[string]int
	}{
		{"auth-postgres/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-postgres/good", map[string]check.Status{auth: P}, nil},
		{"auth-interpolated/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-interpolated/good", map[string]check.Status{auth: P}, nil},
		{"auth-pgbouncer/bad", map[string]check.Status{auth: F}, map[string]int{auth: 2}},
		{"auth-pgbouncer/good", map[string]check.Status{auth: P}, nil},
		{"auth-mysql/bad", map[string]check.Status{auth: F}, map[string]int{auth: 2}},
		{"auth-mysql/good", map[string]check.Status{auth: P}, nil},
		{"auth-bitnami/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-bitnami/good", map[string]check.Status{auth: P}, nil},
		{"auth-redis/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-redis/good", map[string]check.Status{auth: P}, nil},
		{"auth-redis-conf/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-redis-conf/good", map[string]check.Status{auth: P}, nil},
		{"auth-mongo/bad", map[string]check.Status{auth: F}, map[string]int{auth: 1}},
		{"auth-mongo/good", map[string]check.Status{auth: P}, nil},
		{"root/bad", map[string]check.Status{root: F, socket: F, auth: S}, map[string]int{root: 3}},
		{"root/good", map[string]check.Status{root: P, socket: P}, nil},
		{"confinement/bad", map[string]check.Status{conf: F}, map[string]int{conf: 5}},
		{"confinement/good", map[string]check.Status{conf: P}, nil},
		{"devices/bad", map[string]check.Status{devices: F}, map[string]int{devices: 4}},
		{"devices/good", map[string]check.Status{devices: P}, nil},
		{"host-paths/bad", map[string]check.Status{paths: F, pathsRO: P, socket: P}, map[string]int{paths: 6}},
		{"host-paths/good", map[string]check.Status{paths: P, pathsRO: P, socket: P}, nil},
		{"host-paths-ro/bad", map[string]check.Status{paths: P, pathsRO: W, socket: P}, map[string]int{pathsRO: 3}},
		{"host-paths-ro/good", map[string]check.Status{paths: P, pathsRO: P}, nil},
		{"socket-dir/bad", map[string]check.Status{socket: F, paths: P, pathsRO: P}, map[string]int{socket: 2}},
		{"socket-dir/good", map[string]check.Status{socket: P, paths: P}, nil},
		{"propagation/bad", map[string]check.Status{prop: F}, map[string]int{prop: 2}},
		{"propagation/good", map[string]check.Status{prop: P}, nil},
		{"cap-drop/bad", map[string]check.Status{capDrop: W}, map[string]int{capDrop: 2}},
		{"cap-drop/good", map[string]check.Status{capDrop: P}, nil},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			got := hardeningRun(t, c.dir)
			for id, want := range c.want {
				o, ok := got[id]
				require.True(t, ok, id)
				assert.Equal(t, want, o.Result.Status, "%s: %s %v", id, o.Result.Message, o.Result.Err)
				if n, ok := c.findings[id]; ok {
					assert.Len(t, o.Result.Findings, n, "%s findings", id)
				}
				for _, f := range o.Result.Findings {
					assert.NotEmpty(t, f.Location.File, "%s: %s", id, f.Message)
					assert.Positive(t, f.Location.Line, "%s: %s", id, f.Message)
					assert.True(t, strings.HasPrefix(f.Location.Resource, "service "), "%s: %s", id, f.Location.Resource)
					assert.NotEmpty(t, f.Expected, id)
					assert.NotEmpty(t, f.Actual, id)
				}
			}
		})
	}
}

// findingText is every finding of an outcome, one per line, with its
// location.
func findingText(o check.Outcome) string {
	var b strings.Builder
	for _, f := range o.Result.Findings {
		b.WriteString(f.Location.String() + " " + f.Message + " | " + f.Expected + " | " + f.Actual + "\n")
	}
	return b.String()
}

// TestHardeningMessages checks what the findings say: the database named,
// the aggravating mounts of a root service, the line of each mount.
func TestHardeningMessages(t *testing.T) {
	t.Run("database named", func(t *testing.T) {
		for dir, want := range map[string][]string{
			"auth-postgres/bad":     {"compose.yaml:6", "PostgreSQL", "trust"},
			"auth-interpolated/bad": {"compose.yaml:6", "PostgreSQL", "POSTGRES_HOST_AUTH_METHOD=trust"},
			"auth-pgbouncer/bad":    {"compose.yaml:6", "compose.yaml:10", "pgBouncer"},
			"auth-mysql/bad":        {"compose.yaml:6", "MySQL", "any non-empty value", "compose.yaml:10", "MariaDB"},
			"auth-bitnami/bad":      {"compose.yaml:5", "Redis"},
			"auth-redis/bad":        {"Redis is published on port 6379:6379"},
			"auth-redis-conf/bad":   {"compose.yaml:4", "Redis"},
			"auth-mongo/bad":        {"MongoDB", "MONGO_INITDB_ROOT_USERNAME"},
		} {
			text := findingText(hardeningRun(t, dir)["docker.compose.database-auth"])
			for _, w := range want {
				assert.Contains(t, text, w, dir)
			}
		}
	})
	t.Run("no secret printed", func(t *testing.T) {
		for _, dir := range []string{"auth-redis/good", "auth-mongo/good"} {
			for _, o := range hardeningRun(t, dir) {
				all := o.Result.Message + findingText(o)
				assert.NotContains(t, all, "unit-test-", dir)
			}
		}
	})
	t.Run("root with socket and capabilities", func(t *testing.T) {
		text := findingText(hardeningRun(t, "root/bad")["docker.compose.non-root"])
		assert.Contains(t, text, `compose.yaml:4 service "agent" runs as root (user: 0:0) together with the runtime socket mount /var/run/docker.sock and cap_add NET_ADMIN`)
		assert.Contains(t, text, `compose.yaml:10 service "worker" runs as root (user: root) |`)
		assert.Contains(t, text, `compose.yaml:13 service "cron"`)
	})
	t.Run("mount lines", func(t *testing.T) {
		text := findingText(hardeningRun(t, "host-paths/bad")["docker.compose.host-paths"])
		for _, w := range []string{
			`compose.yaml:5 service "a" mounts / writable: the host's whole filesystem, the Docker socket under /run included`,
			"compose.yaml:6 ", "compose.yaml:7 ", "compose.yaml:11 ", "compose.yaml:14 ",
			`compose.yaml:17 service "b" mounts ~/.ssh writable: credentials in the home directory (.ssh)`,
			"mounts /var/lib/docker writable: a host system path",
		} {
			assert.Contains(t, text, w)
		}
		text = findingText(hardeningRun(t, "socket-dir/bad")["docker.compose.no-runtime-socket"])
		assert.Contains(t, text, `compose.yaml:5 service "cadvisor" mounts /var/run, which holds the container runtime socket (read-only still allows every API call)`)
		assert.Contains(t, text, `compose.yaml:12 service "agent" mounts /run, which holds`)
	})
	t.Run("allow options", func(t *testing.T) {
		p := docker.Compose(docker.ComposeOptions{Dir: filepath.Join(hardeningAccuracy, "host-paths-ro/bad")})
		rep, err := (&check.Runner{}).Run(context.Background(),
			docker.ComposeHostPathsReadOnly(p, docker.HostPathsOptions{Allow: []string{"/proc", "/sys", "/"}}))
		require.NoError(t, err)
		assert.Equal(t, check.StatusPass, rep.Outcomes[0].Result.Status, rep.Outcomes[0].Result.Message)

		p = docker.Compose(docker.ComposeOptions{Dir: filepath.Join(hardeningAccuracy, "devices/bad")})
		rep, err = (&check.Runner{}).Run(context.Background(),
			docker.ComposeDevices(p, docker.HostDevicesOptions{Allow: []string{"/dev/sda"}}))
		require.NoError(t, err)
		assert.Len(t, rep.Outcomes[0].Result.Findings, 3)
	})
}
