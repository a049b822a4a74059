package docker

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func TestComposeTarget(t *testing.T) {
	cases := []struct {
		opts ComposeOptions
		want string
	}{
		{ComposeOptions{Dir: "testdata/compose/pass"}, "testdata/compose/pass/compose.yaml"},
		{ComposeOptions{Dir: "testdata/compose/multifile", Files: []string{"compose.yaml", "compose.prod.yaml"}}, "testdata/compose/multifile/compose.yaml"},
		{ComposeOptions{Files: []string{"testdata/compose/multifile/./compose.prod.yaml"}}, "testdata/compose/multifile/compose.prod.yaml"},
		{ComposeOptions{Dir: "/srv/app", Files: []string{"/etc/compose.yaml"}}, "/etc/compose.yaml"},
		{ComposeOptions{Dir: "testdata/compose/health/withhc"}, "testdata/compose/health/withhc"}, // no compose file
		{ComposeOptions{Dir: "testdata/compose/pass", Target: "pass-again"}, "pass-again"},
	}
	for _, c := range cases {
		p := Compose(c.opts)
		assert.Equal(t, c.want, p.Target())
		for _, ch := range ComposeChecks(p, ComposeChecksOptions{}) {
			assert.Equal(t, c.want, ch.Meta().Target, ch.Meta().ID)
		}
	}
	assert.Empty(t, (*ComposeProject)(nil).Target())
}

// Findings name files relative to the project directory, whatever form the
// caller used.
func TestComposeLocationRelativeToProject(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join(composeTestdata, "hardening", "compose.yaml"))
	require.NoError(t, err)
	for _, opts := range []ComposeOptions{
		{Files: []string{filepath.Join(composeTestdata, "hardening", "compose.yaml")}},
		{Dir: filepath.Join(composeTestdata, "hardening"), Files: []string{abs}},
	} {
		o := composeRun(t, ComposeUnprivileged(Compose(opts), HardeningOptions{})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status, o.Result.Message)
		assert.Equal(t, "compose.yaml", o.Result.Findings[0].Location.File)
	}
}

func TestDockerfileTarget(t *testing.T) {
	src := Dockerfile(DockerfileOptions{Path: "./testdata/dockerfile/named/Dockerfile.prod"})
	assert.Equal(t, "testdata/dockerfile/named/Dockerfile.prod", src.Target())
	for _, c := range DockerfileChecks(src) {
		assert.Equal(t, src.Target(), c.Meta().Target)
	}
	assert.Equal(t, "args with build args", Dockerfile(DockerfileOptions{Path: "Dockerfile", Target: "args with build args"}).Target())
	assert.Empty(t, Dockerfile(DockerfileOptions{}).Target())
	assert.Nil(t, src.Services())

	// Findings name files relative to the context: the Dockerfile, and the
	// ignore file; a Dockerfile outside its context is named with "..".
	rep := dfRunAll(t, Dockerfile(DockerfileOptions{Path: dfTestdata + "/envcopy/Dockerfile"}))
	env := dfOutcome(t, rep, "docker.dockerfile.env-excluded")
	require.Equal(t, check.StatusFail, env.Result.Status)
	assert.Equal(t, "Dockerfile", env.Result.Findings[0].Location.File)
	assert.Equal(t, "COPY .env", env.Result.Findings[0].Actual)
	out := Dockerfile(DockerfileOptions{Path: dfTestdata + "/nouser/Dockerfile", ContextDir: dfTestdata + "/good"})
	o := dfRunAll(t, out, DockerfileUser(out, DockerfileUserOptions{})).Outcomes[0]
	require.Equal(t, check.StatusFail, o.Result.Status)
	assert.Equal(t, "../nouser/Dockerfile", o.Result.Findings[0].Location.File)
}

func TestComposeBuilds(t *testing.T) {
	p := Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "builds")})
	builds, err := p.Builds(t.Context())
	require.NoError(t, err)
	require.Len(t, builds, 2, "api and worker share one build; db and sketch have no Dockerfile")

	api, web := builds[0], builds[1]
	assert.Equal(t, "testdata/compose/builds/api/Dockerfile", api.Target())
	assert.Equal(t, filepath.Join(composeTestdata, "builds", "api"), api.ContextDir())
	assert.Equal(t, []string{"api", "worker"}, api.Services())
	assert.Equal(t, "testdata/compose/builds/web/Dockerfile", web.Target())
	assert.Equal(t, []string{"web"}, web.Services())

	// One run checks the project and every Dockerfile it builds.
	checks := ComposeChecks(p, ComposeChecksOptions{})
	for _, b := range builds {
		checks = append(checks, DockerfileChecks(b)...)
	}
	rep := composeRun(t, checks...)
	pinned := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		if o.Meta.ID == "docker.dockerfile.base-pinned" {
			pinned[o.Meta.Target] = o
		}
	}
	// The build's args reach the Dockerfile: GO_VERSION=1.26.8.
	assert.Equal(t, check.StatusPass, pinned[api.Target()].Result.Status, pinned[api.Target()].Result.Message)
	require.Equal(t, check.StatusFail, pinned[web.Target()].Result.Status)
	assert.Equal(t, check.Location{File: "Dockerfile", Line: 1, Resource: "stage 0"}, pinned[web.Target()].Result.Findings[0].Location)

	// A relative -f file names the builds from the caller's directory too.
	p = Compose(ComposeOptions{Files: []string{filepath.Join(composeTestdata, "builds", "compose.yaml")}})
	builds, err = p.Builds(t.Context())
	require.NoError(t, err)
	require.Len(t, builds, 2)
	assert.Equal(t, "testdata/compose/builds/web/Dockerfile", builds[1].Target())
}

func TestComposeBuildsErrors(t *testing.T) {
	_, err := Compose(ComposeOptions{Dir: t.TempDir()}).Builds(t.Context())
	var ce *ComposeError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	_, err = Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "err-schema")}).Builds(t.Context())
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 5, ce.Line)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "builds")}).Builds(ctx)
	assert.ErrorIs(t, err, context.Canceled)

	_, err = (*ComposeProject)(nil).Builds(t.Context())
	assert.Error(t, err)

	// A project that builds nothing has no builds.
	builds, err := Compose(ComposeOptions{Dir: filepath.Join(composeTestdata, "pass")}).Builds(t.Context())
	require.NoError(t, err)
	assert.Empty(t, builds)
}

// TestTwoProjectsOneRun: two compose projects with identical files and the
// Dockerfiles they build run in one Runner run; every outcome is named by
// its target, and a waiver on a target pattern waives one project only.
func TestTwoProjectsOneRun(t *testing.T) {
	root := t.TempDir()
	for _, env := range []string{"prod", "legacy"} {
		require.NoError(t, os.CopyFS(filepath.Join(root, "deploy", env), os.DirFS(filepath.Join("testdata", "stacks", "insecure"))))
	}
	t.Chdir(root) // targets relative to the current directory, as a CLI gives them

	var checks []check.Check
	for _, env := range []string{"prod", "legacy"} {
		p := Compose(ComposeOptions{Dir: filepath.Join("deploy", env)})
		checks = append(checks, ComposeChecks(p, ComposeChecksOptions{})...)
		builds, err := p.Builds(t.Context())
		require.NoError(t, err)
		require.Len(t, builds, 1)
		checks = append(checks, DockerfileChecks(builds[0])...)
	}
	r := check.Runner{Waivers: []check.Waiver{{
		ID: "docker.*", Target: "**/legacy/**",
		Reason: "legacy stack is retired next quarter", Approver: "ops", Expires: time.Now().Add(30 * 24 * time.Hour),
	}}}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err, "one ID on two targets is no duplicate")
	require.Len(t, rep.Outcomes, 2*(len(ComposeChecks(nil, ComposeChecksOptions{}))+len(DockerfileChecks(nil))))

	names := map[string]bool{}
	byID := map[string][]check.Outcome{}
	for _, o := range rep.Outcomes {
		assert.False(t, names[o.Meta.Name()], "duplicate %s", o.Meta.Name())
		names[o.Meta.Name()] = true
		byID[o.Meta.ID] = append(byID[o.Meta.ID], o)
	}
	assert.True(t, names["docker.compose.image-pinned [deploy/prod/compose.yaml]"])
	assert.True(t, names["docker.dockerfile.user [deploy/legacy/api/Dockerfile]"])
	for id, pair := range byID {
		require.Len(t, pair, 2, id)
		prod, legacy := pair[0], pair[1]
		assert.NotEqual(t, prod.Meta.Target, legacy.Meta.Target, id)
		// Same files, same findings: the locations are read with the target.
		assert.Equal(t, prod.Result.Status, legacy.Result.Status, id)
		// Fingerprints are keyed per load: compare them masked.
		assert.Equal(t, targetsMaskFP(prod.Result.Findings), targetsMaskFP(legacy.Result.Findings), id)
		if s := prod.Result.Status; s == check.StatusFail || s == check.StatusWarn {
			assert.False(t, prod.Waived(), "%s: prod is not waived", prod.Meta.Name())
			assert.True(t, legacy.Waived(), "%s: legacy is waived", legacy.Meta.Name())
		}
	}
	assert.Empty(t, rep.UnmatchedWaivers)

	// Two projects on one first file collide, unless one is named apart.
	p1 := Compose(ComposeOptions{Dir: filepath.Join("deploy", "prod")})
	p2 := Compose(ComposeOptions{Dir: filepath.Join("deploy", "prod"), Files: []string{"compose.yaml", "compose.yaml"}})
	_, err = (&check.Runner{}).Run(t.Context(), ComposeUnprivileged(p1, HardeningOptions{}), ComposeUnprivileged(p2, HardeningOptions{}))
	require.ErrorIs(t, err, check.ErrInvalid)
	p2 = Compose(ComposeOptions{Dir: filepath.Join("deploy", "prod"), Target: "deploy/prod/compose.yaml (twice)"})
	_, err = (&check.Runner{}).Run(t.Context(), ComposeUnprivileged(p1, HardeningOptions{}), ComposeUnprivileged(p2, HardeningOptions{}))
	require.NoError(t, err)
}

// TestComposeLoadLogsNothing: loading a file with an obsolete version: key
// and YAML 1.1 booleans writes nothing through logrus's standard logger
// (compose-go's logger), and the notes become findings of
// docker.compose.syntax. A hook on the standard logger, present only
// during this test, records what would have reached stderr.
func TestComposeLoadLogsNothing(t *testing.T) {
	hook := logtest.NewGlobal()
	t.Cleanup(func() { logrus.StandardLogger().ReplaceHooks(make(logrus.LevelHooks)) })

	// compose-go warns once per file path per process: fresh paths.
	dir := t.TempDir()
	const file = `# notes compose-go logs
version: "3.8"
services:
  app:
    image: example/app:1.4.2
    privileged: "no"
    read_only: yes
networks:
  front:
    internal: off
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(file), 0o644))
	p := Compose(ComposeOptions{Dir: dir})
	rep := composeRunAll(t, p)
	assert.Empty(t, hook.AllEntries(), "compose-go logged through logrus")

	o := composeOutcome(t, rep, "docker.compose.syntax")
	require.Equal(t, check.StatusWarn, o.Result.Status, o.Result.Message)
	assert.Equal(t, check.SeverityInfo, o.Meta.Severity)
	assert.Equal(t, []string{
		"compose.yaml:2 top-level version",
		`compose.yaml:6 service "app"`,
		`compose.yaml:7 service "app"`,
		"compose.yaml:10 networks.front.internal",
	}, composeFindingLines(o))
	assertFindingsActionable(t, rep)
	// The values compose-go read are unchanged by the steering.
	proj, err := p.Load(t.Context())
	require.NoError(t, err)
	assert.False(t, proj.Services["app"].Privileged)
	assert.True(t, proj.Services["app"].ReadOnly)
	assert.True(t, proj.Networks["front"].Internal == false)
	assert.Equal(t, check.StatusPass, composeOutcome(t, rep, "docker.compose.read-only-rootfs").Result.Status)
	// Every document keeps its lines: a later finding points where it did.
	assert.Equal(t, []string{`compose.yaml:4 service "app"`}, composeFindingLines(composeOutcome(t, rep, "docker.compose.memory-limit")))

	// The hook does see compose-go's warning when the load is not steered.
	other := filepath.Join(t.TempDir(), "compose.yaml")
	require.NoError(t, os.WriteFile(other, []byte("version: \"3.8\"\nservices:\n  app:\n    image: example/app:1.4.2\n"), 0o644))
	_, err = loader.LoadWithContext(t.Context(), types.ConfigDetails{WorkingDir: filepath.Dir(other), ConfigFiles: []types.ConfigFile{{Filename: other}}},
		func(o *loader.Options) { o.SetProjectName("probe", true) })
	require.NoError(t, err)
	assert.NotEmpty(t, hook.AllEntries(), "the hook records compose-go's warnings")
}

// An escaped version key cannot be renamed in place: the file is
// re-encoded, and still nothing is logged.
func TestComposeVersionEscaped(t *testing.T) {
	hook := logtest.NewGlobal()
	t.Cleanup(func() { logrus.StandardLogger().ReplaceHooks(make(logrus.LevelHooks)) })
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("\"v\\x65rsion\": '3'\nservices:\n  app:\n    image: example/app:1.4.2\n"), 0o644))
	rep := composeRunAll(t, Compose(ComposeOptions{Dir: dir}))
	assert.Empty(t, hook.AllEntries())
	o := composeOutcome(t, rep, "docker.compose.syntax")
	require.Equal(t, check.StatusWarn, o.Result.Status, o.Result.Message)
	assert.Equal(t, []string{"compose.yaml:1 top-level version"}, composeFindingLines(o))
	for _, o := range rep.Outcomes {
		assert.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
	}
}

// One Dockerfile built from two contexts gives two sources, named apart.
func TestComposeBuildsSameDockerfileTwoContexts(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "api"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api", "Dockerfile"), []byte("FROM alpine:3.20\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(
		"services:\n  a:\n    build: ./api\n  b:\n    build:\n      context: .\n      dockerfile: api/Dockerfile\n"), 0o644))
	builds, err := Compose(ComposeOptions{Dir: dir}).Builds(t.Context())
	require.NoError(t, err)
	require.Len(t, builds, 2)
	assert.NotEqual(t, builds[0].Target(), builds[1].Target())
	var checks []check.Check
	for _, b := range builds {
		checks = append(checks, DockerfileChecks(b)...)
	}
	_, err = (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
}

// targetsFPRE matches the keyed hash of a fingerprint.
var targetsFPRE = regexp.MustCompile(`fp [0-9a-f]{8}`)

// targetsMaskFP returns fs with the keyed hashes of fingerprints masked.
func targetsMaskFP(fs []check.Finding) []check.Finding {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Actual = targetsFPRE.ReplaceAllString(out[i].Actual, "fp ********")
		out[i].Message = targetsFPRE.ReplaceAllString(out[i].Message, "fp ********")
	}
	return out
}
