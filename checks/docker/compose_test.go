package docker

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

const composeTestdata = "testdata/compose"

// composeCase is a compose project under testdata/compose/<name>.
type composeCase struct {
	name     string
	files    []string // nil: default discovery in the directory
	profiles []string
}

var composeCases = []composeCase{
	{name: "pass"},
	{name: "image"},
	{name: "health"},
	{name: "noversion"},
	{name: "version"},
	{name: "restart"},
	{name: "database"},
	{name: "secrets"},
	{name: "hardening"},
	{name: "logging"},
	{name: "variables"},
	{name: "extends"},
	{name: "multifile", files: []string{"compose.yaml", "compose.prod.yaml"}},
	{name: "include"},
	{name: "err-syntax"},
	{name: "err-schema"},
	{name: "err-required"},
	{name: "err-empty"},
}

func (c composeCase) project() *ComposeProject {
	p := Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, c.name), Files: c.files, Profiles: c.profiles})
	p.fpKey = []byte("golden fingerprint key") // stable fingerprints in golden files
	return p
}

// composeRun runs checks through a Runner.
func composeRun(t testing.TB, checks ...check.Check) *check.Report {
	t.Helper()
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	require.NoError(t, err)
	return rep
}

func composeRunAll(t testing.TB, p *ComposeProject) *check.Report {
	t.Helper()
	return composeRun(t, ComposeChecks(p, ComposeChecksOptions{})...)
}

func composeOutcome(t testing.TB, rep *check.Report, id string) check.Outcome {
	t.Helper()
	for _, o := range rep.Outcomes {
		if o.Meta.ID == id {
			return o
		}
	}
	t.Fatalf("no outcome for %s", id)
	return check.Outcome{}
}

func composeGoldenBytes(t testing.TB, rep *check.Report) []byte {
	t.Helper()
	return goldenOutcomes(t, rep)
}

// TestComposeGolden runs every compose check on each testdata project and
// compares the outcomes with testdata/compose/<case>.golden.
func TestComposeGolden(t *testing.T) {
	for _, c := range composeCases {
		t.Run(c.name, func(t *testing.T) {
			got := composeGoldenBytes(t, composeRunAll(t, c.project()))
			golden := filepath.Join(composeTestdata, c.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "missing golden file; run go test ./checks/docker -run %s -update", t.Name())
			assert.Equal(t, string(want), string(got), "golden %s differs; rerun with -update after checking the change", golden)
		})
	}
}

// composeFindingLines renders the findings of one outcome as
// "file:line resource" strings.
func composeFindingLines(o check.Outcome) []string {
	var out []string
	for _, f := range o.Result.Findings {
		out = append(out, f.Location.String())
	}
	return out
}

// statusLetter reads the one-letter statuses of the status matrices.
var statusLetter = map[byte]check.Status{'P': check.StatusPass, 'F': check.StatusFail, 'W': check.StatusWarn, 'S': check.StatusSkip}

// TestComposeStatuses pins the status of every check on every case, so that
// a golden refresh cannot silently flip one.
func TestComposeStatuses(t *testing.T) {
	ids := []string{
		"docker.compose.image-pinned", "docker.compose.image-major-only", "docker.compose.build-pull-policy",
		"docker.compose.healthcheck", "docker.compose.memory-limit", "docker.compose.cpu-limit", "docker.compose.pids-limit",
		"docker.compose.restart-policy", "docker.compose.database-ports", "docker.compose.database-network",
		"docker.compose.database-auth", "docker.compose.secrets", "docker.compose.secret-strength",
		"docker.compose.unprivileged", "docker.compose.no-runtime-socket", "docker.compose.no-host-namespaces",
		"docker.compose.non-root", "docker.compose.confinement", "docker.compose.devices", "docker.compose.host-paths",
		"docker.compose.host-paths-read-only", "docker.compose.mount-propagation", "docker.compose.no-new-privileges",
		"docker.compose.no-dangerous-capabilities", "docker.compose.cap-drop", "docker.compose.read-only-rootfs", "docker.compose.log-rotation",
		"docker.compose.variables", "docker.compose.syntax",
	}
	// One letter per check, in the order of ids: Pass, Fail, Warn, Skip.
	//                 pin maj pull hlth mem cpu pids rst dbport dbnet auth secr strg priv sock ns root conf dev hostp hostro prop nnp caps drop ro log vars syn
	want := map[string]string{
		"pass":      "PPSPPPPPPPPPPPPPPPPPPPPPPPPPP",
		"image":     "FPWFFFWFSSSPPPPPPPPPPPWPWWWFP",
		"health":    "PPSFFFWFSSSPPPPPPPPPPPWPWWWPP",
		"noversion": "PPSFFFWFSSSPPPPPPPPPPPWPWWWPP",
		"version":   "PPSFFFWFSSSPPPPPPPPPPPWPWWWPW",
		"restart":   "PPSFFFWFSSSPPPPPPPPPPPWPWWWPP",
		"database":  "PPSFFFWFFFFPPPPFPPPPPPWPWWWPP",
		"secrets":   "PPSFFFWFSSSFFPPPPPPPPPWPWWWPP",
		"hardening": "PPSFFFWFSSSPPFFFPPPPPPWFWWWPP",
		"logging":   "PPSFFFWFSSSPPPPPPPPPPPWPWWWPP",
		"variables": "PPSFFFWFSSSPPPPPPPPPPPWPWWWFP",
		"extends":   "FPSFPFWPSSSPPFPPPPPPPPWFWWWPP",
		"multifile": "FPSFFFWFFFPPPFPPPPPPPPWPWWWPP",
		"include":   "FPSFFFWPSSSPPPFPPPPPPPWPWWWPP",
	}
	for _, c := range composeCases {
		t.Run(c.name, func(t *testing.T) {
			rep := composeRunAll(t, c.project())
			letters, ok := want[c.name]
			if !ok { // an error case
				for _, o := range rep.Outcomes {
					assert.Equal(t, check.StatusError, o.Result.Status, o.Meta.ID)
				}
				return
			}
			require.Len(t, rep.Outcomes, len(ids))
			require.Len(t, letters, len(ids))
			for i, o := range rep.Outcomes {
				require.Equal(t, ids[i], o.Meta.ID)
				assert.Equal(t, statusLetter[letters[i]], o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				if o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn {
					assert.NotEmpty(t, o.Result.Findings, o.Meta.ID)
				}
			}
			assertFindingsActionable(t, rep)
		})
	}
}

// The gaps of the other tools (issue 3), each caught by a test.

// KICS's CPU and memory rules fire only with a top-level version: key.
func TestComposeGapNoVersionResources(t *testing.T) {
	rep := composeRunAll(t, composeCase{name: "noversion"}.project())
	for _, id := range []string{"docker.compose.memory-limit", "docker.compose.cpu-limit"} {
		o := composeOutcome(t, rep, id)
		require.Equal(t, check.StatusFail, o.Result.Status, id)
		assert.Equal(t, []string{`compose.yaml:22 service "unlimited"`}, composeFindingLines(o), id)
	}
	pids := composeOutcome(t, rep, "docker.compose.pids-limit")
	assert.Equal(t, check.StatusWarn, pids.Result.Status)
	assert.Equal(t, []string{`compose.yaml:21 service "quota"`, `compose.yaml:22 service "unlimited"`}, composeFindingLines(pids))

	// The same with version: "3.8".
	rep = composeRunAll(t, composeCase{name: "version"}.project())
	mem := composeOutcome(t, rep, "docker.compose.memory-limit")
	assert.Equal(t, []string{`compose.yaml:12 service "unlimited"`}, composeFindingLines(mem))
}

// KICS lets a service with no restart policy pass.
func TestComposeGapMissingRestart(t *testing.T) {
	o := composeOutcome(t, composeRunAll(t, composeCase{name: "restart"}.project()), "docker.compose.restart-policy")
	require.Equal(t, check.StatusFail, o.Result.Status)
	assert.Equal(t, []string{
		`compose.yaml:18 service "missing"`,
		`compose.yaml:22 service "explicit-no"`,
		`compose.yaml:27 service "deploy-none"`,
	}, composeFindingLines(o))
	assert.Contains(t, o.Result.Findings[0].Message, "no restart policy")
	// seed is a one-shot job: restart "no" and awaited with
	// service_completed_successfully.
	for _, f := range o.Result.Findings {
		assert.NotContains(t, f.Message, `"seed"`)
	}
}

// KICS has no compose image-tag rule: app:latest and app:${TAG:-latest} pass.
func TestComposeGapLatestTags(t *testing.T) {
	rep := composeRunAll(t, composeCase{name: "image"}.project())
	o := composeOutcome(t, rep, "docker.compose.image-pinned")
	require.Equal(t, check.StatusFail, o.Result.Status)
	byService := map[string]check.Finding{}
	for _, f := range o.Result.Findings {
		byService[f.Location.Resource] = f
	}
	// blank (example/app:${APP_TAG}, unset) cannot silently pull latest:
	// the variables rule reports the blank it leaves; built-latest is built
	// here, so the pull-policy rule speaks for it.
	assert.Equal(t, []string{
		`service "defaulted"`, `service "latest"`, `service "lts"`, `service "untagged"`,
	}, slices.Sorted(func(yield func(string) bool) {
		for k := range byService {
			if !yield(k) {
				return
			}
		}
	}))
	assert.Equal(t, "nginx:latest", byService[`service "latest"`].Actual)
	def := byService[`service "defaulted"`]
	assert.Equal(t, "registry.example.com:5000/team/app:latest", def.Actual)
	assert.Contains(t, def.Message, `${TAG:-latest}`)
	assert.Contains(t, def.Message, "TAG is not set")
	assert.Equal(t, 8, def.Location.Line)
	assert.Contains(t, byService[`service "untagged"`].Message, "no tag, which means :latest")
	assert.Contains(t, o.Result.Message, "APP_TAG", "the unknown tag is named, not judged")
	pull := composeOutcome(t, rep, "docker.compose.build-pull-policy")
	require.Equal(t, check.StatusWarn, pull.Result.Status)
	assert.Equal(t, []string{`compose.yaml:25 service "built-latest"`}, composeFindingLines(pull), "at its image: line")
	vars := composeOutcome(t, rep, "docker.compose.variables")
	require.Equal(t, check.StatusFail, vars.Result.Status)
	assert.Contains(t, composeFindingLines(vars), `compose.yaml:10 service "blank"`)
}

// Scanners give a published database port only the generic "not bound to
// host interface" finding.
func TestComposeGapDatabasePort(t *testing.T) {
	o := composeOutcome(t, composeRunAll(t, composeCase{name: "database"}.project()), "docker.compose.database-ports")
	require.Equal(t, check.StatusFail, o.Result.Status)
	f := o.Result.Findings[0]
	assert.Equal(t, check.Location{File: "compose.yaml", Line: 6, Resource: `service "pg"`}, f.Location)
	assert.Equal(t, `publishes PostgreSQL port 5432 as host port 5432 on all interfaces; Docker's iptables rules bypass host firewalls such as ufw`, f.Message)
	assert.Equal(t, "5432:5432", f.Actual)
	assert.Contains(t, f.Expected, "127.0.0.1:5432:5432")
	var lines []string
	for _, f := range o.Result.Findings {
		lines = append(lines, f.Location.String()+" "+f.Actual)
	}
	assert.Equal(t, []string{
		`compose.yaml:6 service "pg" 5432:5432`,
		`compose.yaml:15 service "cache" 6379`,
		`compose.yaml:20 service "mysql" 0.0.0.0:3307:3306`,
		`compose.yaml:29 service "mongo" network_mode host`,
		`compose.yaml:36 service "oracle" 0.0.0.0:1521:1521`,
	}, lines)
}

// TestComposeLocations checks where findings point across -f files,
// extends and include.
func TestComposeLocations(t *testing.T) {
	t.Run("multifile", func(t *testing.T) {
		rep := composeRunAll(t, composeCase{name: "multifile", files: []string{"compose.yaml", "compose.prod.yaml"}}.project())
		// A value points at the file that set it last.
		assert.Equal(t, []string{`compose.prod.yaml:3 service "api"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.image-pinned")))
		assert.Equal(t, []string{`compose.prod.yaml:7 service "db"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.unprivileged")))
		assert.Equal(t, []string{`compose.yaml:9 service "db"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.database-ports")))
		// Something missing points at the first file defining the service.
		assert.Equal(t, []string{`compose.yaml:3 service "api"`, `compose.yaml:7 service "db"`, `compose.prod.yaml:8 service "cache"`},
			composeFindingLines(composeOutcome(t, rep, "docker.compose.memory-limit")))
		// restart "no" in the base file is overridden by the later file;
		// cache, defined only there, has none.
		assert.Equal(t, []string{`compose.prod.yaml:8 service "cache"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.restart-policy")))
	})
	t.Run("extends", func(t *testing.T) {
		rep := composeRunAll(t, composeCase{name: "extends"}.project())
		assert.Equal(t, []string{`common.yaml:3 service "worker"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.image-pinned")))
		assert.Equal(t, []string{`common.yaml:5 service "worker"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.no-dangerous-capabilities")))
		assert.Equal(t, []string{`compose.yaml:11 service "api"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.unprivileged")))
		// base's memory limit reaches api; worker has its own from common.yaml.
		assert.Equal(t, check.StatusPass, composeOutcome(t, rep, "docker.compose.memory-limit").Result.Status)
	})
	t.Run("include", func(t *testing.T) {
		rep := composeRunAll(t, composeCase{name: "include"}.project())
		assert.Equal(t, []string{`monitoring.yaml:3 service "prometheus"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.image-pinned")))
		assert.Equal(t, []string{`monitoring.yaml:6 service "prometheus"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.no-runtime-socket")))
	})
	t.Run("anchors", func(t *testing.T) {
		rep := composeRunAll(t, composeCase{name: "pass"}.project())
		assert.LessOrEqual(t, rep.Worst(), check.StatusSkip, "no check fails or warns on testdata/compose/pass")
	})
}

// TestComposeVariables covers .env interpolation and unset variables.
func TestComposeVariables(t *testing.T) {
	rep := composeRunAll(t, composeCase{name: "variables"}.project())
	o := composeOutcome(t, rep, "docker.compose.variables")
	require.Equal(t, check.StatusFail, o.Result.Status)
	var got []string
	for _, f := range o.Result.Findings {
		got = append(got, f.Location.String()+": "+f.Actual)
	}
	// TAG comes from .env; REGION and FEATURE have a default or a
	// presence value; EMPTY is set (to nothing) in .env; LOG_LEVEL is
	// passed through to the container (a deliberate choice, not a
	// finding); BUSYBOX_TAG is used by a service that starts only under a
	// profile, checked all the same and marked.
	assert.Equal(t, []string{
		`compose.yaml:5 service "app": PORT unset`,
		`compose.yaml:13 service "web": NGINX_TAG unset`,
		`compose.yaml:15 service "debug" (profile debug): BUSYBOX_TAG unset`,
	}, got)
	assert.Contains(t, o.Result.Findings[1].Message, `"nginx:${NGINX_TAG}" is read as "nginx:"`)
	img := composeOutcome(t, rep, "docker.compose.image-pinned")
	assert.Empty(t, composeFindingLines(img), "example/app:${TAG} is pinned by .env; unset tags are unknown, not floating")

	// An explicit variable overrides .env; the profile enables debug.
	p := Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "variables"), Env: map[string]string{"TAG": "latest", "NGINX_TAG": "1.27.2", "PORT": "8080", "LOG_LEVEL": "info"}, Profiles: []string{"debug"}})
	rep = composeRunAll(t, p)
	assert.Equal(t, []string{`compose.yaml:4 service "app"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.image-pinned")))
	assert.Equal(t, []string{`compose.yaml:15 service "debug" (profile debug)`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.variables")))
}

func TestComposeProcessEnv(t *testing.T) {
	t.Setenv("NGINX_TAG", "latest")
	dir := filepath.Join(composeTestdata, "variables")
	// Not read unless asked: NGINX_TAG stays unknown.
	o := composeOutcome(t, composeRunAll(t, Compose(ComposeOptions{Dir: dir})), "docker.compose.image-pinned")
	assert.Empty(t, o.Result.Findings, o.Result.Message)
	assert.Contains(t, o.Result.Message, "NGINX_TAG")
	o = composeOutcome(t, composeRunAll(t, Compose(ComposeOptions{Dir: dir, UseProcessEnv: true})), "docker.compose.image-pinned")
	assert.Contains(t, o.Result.Findings[0].Message, "floating tag :latest")
	// Env wins over the process environment.
	o = composeOutcome(t, composeRunAll(t, Compose(ComposeOptions{Dir: dir, UseProcessEnv: true, Env: map[string]string{"NGINX_TAG": "1.27.2"}})), "docker.compose.image-pinned")
	assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
}

func TestComposeOptions(t *testing.T) {
	t.Run("RequireDigest", func(t *testing.T) {
		p := composeCase{name: "pass"}.project()
		o := composeRun(t, ComposeImagePinned(p, ImagePinnedOptions{RequireDigest: true})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status)
		assert.Equal(t, []string{`compose.yaml:16 service "web"`, `compose.yaml:34 service "api"`, `compose.yaml:52 service "migrate"`}, composeFindingLines(o))
		assert.Contains(t, o.Result.Findings[0].Message, "not pinned by digest")
	})
	t.Run("FloatingTags", func(t *testing.T) {
		p := composeCase{name: "image"}.project()
		o := composeRun(t, ComposeImagePinned(p, ImagePinnedOptions{FloatingTags: []string{"1.27.2"}})).Outcomes[0]
		assert.Contains(t, composeFindingLines(o), `compose.yaml:14 service "pinned"`)
		assert.NotContains(t, composeFindingLines(o), `compose.yaml:12 service "lts"`)
	})
	t.Run("OneShot", func(t *testing.T) {
		// Which services are one-shot jobs is a fact of the project, read
		// by every rule that cares.
		p := Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "restart"), OneShot: []string{"missing", "explicit-no"}})
		o := composeRun(t, ComposeRestartPolicy(p, RestartPolicyOptions{})).Outcomes[0]
		assert.Equal(t, []string{`compose.yaml:27 service "deploy-none"`}, composeFindingLines(o))
		p = Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "health"), OneShot: []string{"pulled", "disabled", "none-test", "bad-timing", "built-without"}})
		o = composeRun(t, ComposeHealthcheck(p, HealthcheckOptions{})).Outcomes[0]
		assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
	})
	t.Run("Databases", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  pg:\n    image: registry.acme.io/team/pg-custom:3\n    ports: [\"5432:5432\"]\n"), 0o644))
		p := Compose(ComposeOptions{Dir: dir})
		o := composeRun(t, ComposeDatabasePorts(p, DatabaseOptions{})).Outcomes[0]
		assert.Equal(t, check.StatusSkip, o.Result.Status)
		o = composeRun(t, ComposeDatabasePorts(p, DatabaseOptions{Images: []string{"pg-custom"}})).Outcomes[0]
		assert.Equal(t, check.StatusFail, o.Result.Status)
		assert.Contains(t, o.Result.Findings[0].Message, `database "pg-custom"`)
	})
	t.Run("Capabilities", func(t *testing.T) {
		p := composeCase{name: "hardening"}.project()
		o := composeRun(t, ComposeNoDangerousCapabilities(p, CapabilitiesOptions{Allow: []string{"cap_sys_admin", "ALL"}})).Outcomes[0]
		require.Len(t, o.Result.Findings, 1)
		assert.Equal(t, "cap_add CAP_NET_ADMIN", o.Result.Findings[0].Actual)
		assert.Equal(t, 27, o.Result.Findings[0].Location.Line)
	})
}

func TestComposeDatabaseMatching(t *testing.T) {
	for image, engine := range map[string]string{
		"postgres":                              "PostgreSQL",
		"postgres:16.4-alpine":                  "PostgreSQL",
		"docker.io/library/postgres:16":         "PostgreSQL",
		"bitnami/postgresql:16":                 "PostgreSQL",
		"postgis/postgis:16-3.4":                "PostgreSQL",
		"mysql/mysql-server:8.0":                "MySQL",
		"mariadb:11":                            "MariaDB",
		"mongo:7":                               "MongoDB",
		"redis/redis-stack-server:7.4.0":        "Redis",
		"valkey/valkey:8":                       "Valkey",
		"memcached:1.6":                         "Memcached",
		"gvenzl/oracle-xe:21":                   "Oracle Database",
		"mcr.microsoft.com/mssql/server":        "SQL Server",
		"quay.io/prometheus/prometheus":         "",
		"prometheuscommunity/postgres-exporter": "",
		"oliver006/redis_exporter":              "",
		"example/app:1.0":                       "",
		"not a reference":                       "",
	} {
		db, ok := composeDatabaseOf(image, nil)
		if engine == "" {
			assert.False(t, ok, image)
			continue
		}
		assert.True(t, ok, image)
		assert.Equal(t, engine, db.engine, image)
	}
}

// TestComposeSecretsNeverShown renders every outcome of the secrets case
// and asserts that no canary value leaks.
func TestComposeSecretsNeverShown(t *testing.T) {
	rep := composeRunAll(t, composeCase{name: "secrets"}.project())
	out := string(composeGoldenBytes(t, rep))
	for _, o := range rep.Outcomes {
		out += o.Result.Message
		for _, f := range o.Result.Findings {
			out += f.String()
		}
	}
	for _, canary := range []string{"canary-literal-pw-1", "canary-url-pw-2", "canary-pa$word-3", "canary-pa$$word-3", "canary-aws-secret-4", "from-dotenv-not-a-finding"} {
		assert.NotContains(t, out, canary)
	}
	o := composeOutcome(t, rep, "docker.compose.secrets")
	var keys []string
	for _, f := range o.Result.Findings {
		key, _, _ := strings.Cut(f.Actual, "=")
		key, _, _ = strings.Cut(key, " password")
		keys = append(keys, f.Location.String()+" "+key)
	}
	assert.Equal(t, []string{
		`compose.yaml:7 service "api" DB_PASSWORD`,
		`compose.yaml:12 service "api" DATABASE_URL: URL`,
		`compose.yaml:14 service "api" PAYMENT_SECRET`,
		`compose.yaml:21 service "worker" AWS_SECRET_ACCESS_KEY`,
	}, keys)
}

// TestComposeBadInput: each broken input is an Error naming the file, the
// line where known, and the parser's words; never a panic.
func TestComposeBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
		return name
	}
	big := make([]byte, 50<<20)
	for i := range big {
		big[i] = '#'
	}
	cases := []struct {
		name    string
		opts    ComposeOptions
		want    string // in the error text
		file    string
		line    int
		matches error
	}{
		{"syntax", ComposeOptions{Dir: filepath.Join(composeTestdata, "err-syntax")}, "did not find expected key", "compose.yaml", 4, nil},
		{"schema", ComposeOptions{Dir: filepath.Join(composeTestdata, "err-schema")}, "services.api.helthcheck false schema", "compose.yaml", 5, nil},
		{"required", ComposeOptions{Dir: filepath.Join(composeTestdata, "err-required")}, "required variable WEB_TAG is missing a value: set WEB_TAG to the release being deployed", "compose.yaml", 5, nil},
		{"empty", ComposeOptions{Dir: filepath.Join(composeTestdata, "err-empty")}, "empty compose file", "compose.yaml", 0, nil},
		{"missing", ComposeOptions{Dir: dir, Files: []string{"nope.yaml"}}, "no such file or directory", "nope.yaml", 0, fs.ErrNotExist},
		{"no default file", ComposeOptions{Dir: filepath.Join(composeTestdata, "health", "withhc")}, "no compose file in " + filepath.Join(composeTestdata, "health", "withhc"), "", 0, fs.ErrNotExist},
		{"directory", ComposeOptions{Dir: composeTestdata, Files: []string{"pass"}}, "not a regular file (a directory)", "pass", 0, nil},
		{"binary", ComposeOptions{Dir: dir, Files: []string{write("binary.yaml", []byte("services:\n  a:\n    image: x\x00\x01\x02"))}}, "binary content (NUL byte at offset 27)", "binary.yaml", 3, nil},
		{"not utf-8", ComposeOptions{Dir: dir, Files: []string{write("latin1.yaml", []byte("services:\n  caf\xe9:\n    image: x\n"))}}, "not UTF-8", "latin1.yaml", 0, nil},
		{"50 MB", ComposeOptions{Dir: dir, Files: []string{write("big.yaml", big)}}, "file too large: over the size limit of 8 MiB", "big.yaml", 0, ErrComposeTooLarge},
		{"small limit", ComposeOptions{Dir: filepath.Join(composeTestdata, "pass"), MaxFileSize: 100}, "file too large: over the size limit of 100 bytes", "compose.yaml", 0, ErrComposeTooLarge},
		{"not a mapping", ComposeOptions{Dir: dir, Files: []string{write("list.yaml", []byte("- a\n- b\n"))}}, "top-level object must be a mapping", "list.yaml", 0, nil},
		{"recursive alias", ComposeOptions{Dir: dir, Files: []string{write("self.yaml", []byte("services:\n  a:\n    image: x:1\nx-loop: &a {<<: *a}\n"))}}, "alias *a refers to a node that contains it", "self.yaml", 4, nil},
		{"billion laughs", ComposeOptions{Dir: dir, Files: []string{write("laughs.yaml", composeLaughs(7))}}, "aliases expand to more than 1048576 nodes", "laughs.yaml", 6, nil},
		{"bad port", ComposeOptions{Dir: dir, Files: []string{write("port.yaml", []byte("services:\n  a:\n    image: x:1\n    ports: [\"99999999:80\"]\n"))}}, "port", "port.yaml", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := composeRunAll(t, Compose(c.opts))
			for _, o := range rep.Outcomes {
				require.Equal(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				assert.True(t, strings.HasPrefix(o.Result.Message, "docker: compose: "), o.Result.Message)
				assert.Contains(t, o.Result.Message, c.want)
				var ce *ComposeError
				require.ErrorAs(t, o.Result.Err, &ce)
				assert.Equal(t, c.file, ce.File)
				if c.line > 0 {
					assert.Equal(t, c.line, ce.Line, o.Result.Message)
					require.Len(t, o.Result.Findings, 1)
					assert.Equal(t, check.Location{File: c.file, Line: c.line}, o.Result.Findings[0].Location)
				}
				if c.matches != nil {
					assert.ErrorIs(t, o.Result.Err, c.matches)
				}
				assert.NotContains(t, o.Result.Message, dir, "absolute paths are trimmed")
			}
		})
	}
}

// composeLaughs returns a document whose aliases expand tenfold per level.
func composeLaughs(levels int) []byte {
	var b strings.Builder
	b.WriteString("x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= levels; i++ {
		prev := "*l" + strconv.Itoa(i-1)
		b.WriteString("x-l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	return []byte(b.String())
}

func TestComposeLoadsOncePerRun(t *testing.T) {
	p := composeCase{name: "database"}.project()
	checks := ComposeChecks(p, ComposeChecksOptions{})
	composeRun(t, checks...)
	assert.Equal(t, int64(1), p.loads.Load(), "one load for %d checks", len(checks))
	composeRun(t, checks...)
	assert.Equal(t, int64(2), p.loads.Load(), "a new run loads again")
	// Run directly, outside a Runner, a check loads on each call.
	checks[0].Run(t.Context())
	assert.Equal(t, int64(3), p.loads.Load())
}

// TestComposeDeterminism: the same input gives identical findings across
// repeated and concurrent runs.
func TestComposeDeterminism(t *testing.T) {
	for _, c := range composeCases {
		t.Run(c.name, func(t *testing.T) {
			want := composeGoldenBytes(t, composeRunAll(t, c.project()))
			p := c.project() // one project shared by concurrent runs
			var wg sync.WaitGroup
			results := make([][]byte, 8)
			for i := range results {
				wg.Go(func() {
					rep, err := (&check.Runner{Limit: 2}).Run(context.Background(), ComposeChecks(p, ComposeChecksOptions{})...)
					if err == nil {
						results[i] = composeGoldenBytes(t, rep)
					}
				})
			}
			wg.Wait()
			for i, got := range results {
				assert.Equal(t, string(want), string(got), "run %d", i)
			}
		})
	}
}

func TestComposeContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p := composeCase{name: "pass"}.project()
	for _, c := range ComposeChecks(p, ComposeChecksOptions{}) {
		r := c.Run(ctx)
		assert.Equal(t, check.StatusError, r.Status, c.Meta().ID)
		assert.ErrorIs(t, r.Err, context.Canceled, c.Meta().ID)
	}
}

func TestComposeMeta(t *testing.T) {
	checklist, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "production-checklist.md"))
	if errors.Is(err, fs.ErrNotExist) {
		checklist = nil
	}
	seen := map[string]bool{}
	for _, c := range ComposeChecks(composeCase{name: "pass"}.project(), ComposeChecksOptions{}) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.False(t, seen[m.ID], "duplicate %s", m.ID)
		seen[m.ID] = true
		assert.True(t, strings.HasPrefix(m.ID, "docker."), m.ID)
		assert.NotEmpty(t, m.Title, m.ID)
		assert.NotEmpty(t, m.Remediation, m.ID)
		assert.NotEmpty(t, m.Item, m.ID)
		assert.Contains(t, []string{sectionInfra, sectionConfig, sectionNetwork, sectionLogging, sectionEnv}, m.Section, m.ID)
		assert.True(t, m.HasTag("compose"), m.ID)
		if checklist != nil {
			assert.Contains(t, string(checklist), "- [ ] "+m.Item, "%s: Item is a checklist line", m.ID)
		}
		if m.ID != "docker.compose.log-rotation" && m.ID != "docker.compose.variables" {
			assert.NotEmpty(t, m.Refs, m.ID)
		}
	}
	assert.Len(t, seen, 29)
}

// insecureBreaks are the rules the bundled insecure stack breaks.
var insecureBreaks = []string{
	"docker.compose.image-pinned", "docker.compose.healthcheck", "docker.compose.memory-limit", "docker.compose.cpu-limit",
	"docker.compose.pids-limit", "docker.compose.restart-policy", "docker.compose.database-ports", "docker.compose.database-network",
	"docker.compose.secrets", "docker.compose.unprivileged", "docker.compose.no-runtime-socket", "docker.compose.no-host-namespaces",
	"docker.compose.no-new-privileges", "docker.compose.no-dangerous-capabilities", "docker.compose.read-only-rootfs",
	"docker.compose.log-rotation", "docker.compose.syntax", "docker.compose.cap-drop", "docker.compose.build-pull-policy",
	"docker.dockerfile.base-pinned", "docker.dockerfile.user", "docker.dockerfile.healthcheck", "docker.dockerfile.secrets",
	"docker.dockerfile.env-excluded",
}

// TestComposeStacks runs the realistic stacks: the insecure one fails most
// checks, the hardened one passes every compose and Dockerfile check.
func TestComposeStacks(t *testing.T) {
	stack := func(name string) ([]check.Check, *ComposeProject) {
		dir := filepath.Join("testdata", "stacks", name)
		p := Compose(ComposeOptions{Dir: dir})
		p.fpKey = []byte("golden fingerprint key")
		checks := ComposeChecks(p, ComposeChecksOptions{})
		builds, err := p.Builds(t.Context())
		require.NoError(t, err)
		require.Len(t, builds, 1, "the stack builds api")
		require.Equal(t, dir+"/api/Dockerfile", builds[0].Target())
		return append(checks, DockerfileChecks(builds[0])...), p
	}
	t.Run("hardened", func(t *testing.T) {
		checks, _ := stack("hardened")
		rep := composeRun(t, checks...)
		// No finding above low severity; a rule that does not apply skips
		// with its reason.
		for _, o := range rep.Outcomes {
			switch o.Result.Status {
			case check.StatusPass:
			case check.StatusSkip:
				assert.NotEmpty(t, o.Result.Message, o.Meta.ID)
			case check.StatusWarn:
				assert.LessOrEqual(t, o.Meta.Severity, check.SeverityLow, "%s: %s %v", o.Meta.ID, o.Result.Message, o.Result.Findings)
			default:
				t.Errorf("%s: %s: %s %v", o.Meta.ID, o.Result.Status, o.Result.Message, o.Result.Findings)
			}
		}
	})
	t.Run("insecure", func(t *testing.T) {
		checks, _ := stack("insecure")
		rep := composeRun(t, checks...)
		failing := 0
		for _, o := range rep.Outcomes {
			assert.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
			if o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn {
				failing++
			}
		}
		// The stack breaks every rule of the first release; the rules added
		// since (auth, mounts, confinement, ...) have stacks of their own
		// under testdata/accuracy.
		for _, id := range insecureBreaks {
			o := composeOutcome(t, rep, id)
			assert.Contains(t, []check.Status{check.StatusFail, check.StatusWarn}, o.Result.Status, "%s: %s", id, o.Result.Message)
		}
		assert.GreaterOrEqual(t, failing, len(insecureBreaks))
		for _, s := range []string{"postgres", "redis"} {
			found := false
			for _, f := range composeOutcome(t, rep, "docker.compose.database-ports").Result.Findings {
				found = found || f.Location.Resource == `service "`+s+`"`
			}
			assert.True(t, found, "published %s port", s)
		}
		// The golden file holds the compose outcomes; the Dockerfile checks
		// have their own golden files.
		compose := &check.Report{}
		for _, o := range rep.Outcomes {
			if !strings.HasPrefix(o.Meta.ID, "docker.dockerfile.") {
				compose.Outcomes = append(compose.Outcomes, o)
			}
		}
		got := composeGoldenBytes(t, compose)
		golden := filepath.Join("testdata", "stacks", "insecure.golden")
		if *update {
			require.NoError(t, os.WriteFile(golden, got, 0o644))
			return
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err, "run with -update")
		assert.Equal(t, string(want), string(got))
	})
}

// TestComposeThirdParty runs every compose check on a compose file written
// by someone else: the web stack of compose-go's own test data (Apache-2.0,
// see testdata/thirdparty/compose-go/NOTICE), with the variables and
// profiles compose-go's golden test uses.
func TestComposeThirdParty(t *testing.T) {
	dir := filepath.Join("testdata", "thirdparty", "compose-go")
	p := Compose(ComposeOptions{
		Dir:      dir,
		Files:    []string{"web-stack.yaml"},
		Env:      map[string]string{"GOLDEN_TAG": "1.2.3", "GOLDEN_PORT": "8080"},
		Profiles: []string{"*"},
	})
	rep := composeRunAll(t, p)
	for _, o := range rep.Outcomes {
		require.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
	}
	got := composeGoldenBytes(t, rep)
	golden := filepath.Join(dir, "web-stack.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update")
	assert.Equal(t, string(want), string(got))

	// What a reviewer would flag by hand: cache has no healthcheck, and
	// neither db nor cache has limits or a restart policy. db and cache
	// publish no port; every service on their network uses them, so a
	// dedicated network would remove no path; db's healthcheck (every 10s,
	// Docker's default 30s timeout) works: the next probe waits for the
	// last.
	assert.Equal(t, check.StatusPass, composeOutcome(t, rep, "docker.compose.database-ports").Result.Status)
	assert.Equal(t, check.StatusPass, composeOutcome(t, rep, "docker.compose.database-network").Result.Status)
	assert.Equal(t, []string{`web-stack.yaml:100 service "cache"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.healthcheck")))
	assert.Equal(t, []string{`web-stack.yaml:85 service "db"`, `web-stack.yaml:100 service "cache"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.restart-policy")))
}
