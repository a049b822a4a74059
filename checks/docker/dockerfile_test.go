package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

const dfTestdata = "testdata/dockerfile"

// dfTestFingerprinter renders fingerprints with a fixed key, so that golden
// files do not change from run to run.
func dfTestFingerprinter() *secret.Fingerprinter {
	return secret.NewKeyedFingerprinter([]byte("prodcheck checks/docker golden files"))
}

// dfGoldenOutcome is what a golden file records of one check's outcome.
type dfGoldenOutcome struct {
	ID       string          `json:"id"`
	Target   string          `json:"target,omitempty"`
	Status   check.Status    `json:"status"`
	Message  string          `json:"message"`
	Findings []goldenFinding `json:"findings,omitempty"`
}

// goldenFinding and goldenLocation fix the JSON of a finding in golden
// files (the core types carry no JSON tags).
type goldenFinding struct {
	Message  string         `json:"message"`
	Location goldenLocation `json:"location"`
	Expected string         `json:"expected,omitempty"`
	Actual   string         `json:"actual,omitempty"`
}

type goldenLocation struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	URL      string `json:"url,omitempty"`
	Resource string `json:"resource,omitempty"`
}

// goldenOutcomes renders rep's outcomes for a golden file.
func goldenOutcomes(t testing.TB, rep *check.Report) []byte {
	t.Helper()
	out := make([]dfGoldenOutcome, 0, len(rep.Outcomes))
	for _, o := range rep.Outcomes {
		g := dfGoldenOutcome{ID: o.Meta.ID, Target: o.Meta.Target, Status: o.Result.Status, Message: o.Result.Message}
		for _, f := range o.Result.Findings {
			l := f.Location
			g.Findings = append(g.Findings, goldenFinding{
				Message:  f.Message,
				Location: goldenLocation{File: l.File, Line: l.Line, Col: l.Col, URL: l.URL, Resource: l.Resource},
				Expected: f.Expected,
				Actual:   f.Actual,
			})
		}
		out = append(out, g)
	}
	got, err := json.MarshalIndent(out, "", "  ")
	require.NoError(t, err)
	return append(got, '\n')
}

// dfRunAll runs every Dockerfile check on src through a Runner.
func dfRunAll(t testing.TB, src *DockerfileSource, checks ...check.Check) *check.Report {
	t.Helper()
	if len(checks) == 0 {
		checks = DockerfileChecks(src)
	}
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	require.NoError(t, err)
	return rep
}

func dfOutcome(t testing.TB, rep *check.Report, id string) check.Outcome {
	t.Helper()
	for _, o := range rep.Outcomes {
		if o.Meta.ID == id {
			return o
		}
	}
	t.Fatalf("no outcome for %s", id)
	return check.Outcome{}
}

func dfGolden(t *testing.T, name string, rep *check.Report) {
	t.Helper()
	got := goldenOutcomes(t, rep)
	golden := filepath.Join(dfTestdata, name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "missing golden file; run go test ./checks/docker -run %s -update", t.Name())
	assert.Equal(t, string(want), string(got), "golden %s differs; rerun with -update after checking the change", golden)
}

// TestDockerfileGolden runs every Dockerfile check on each testdata file
// and compares the outcomes with testdata/dockerfile/<case>.golden.
func TestDockerfileGolden(t *testing.T) {
	cases := []struct {
		name string
		opts DockerfileOptions
	}{
		{"good", DockerfileOptions{Path: dfTestdata + "/good/Dockerfile"}},
		{"latest", DockerfileOptions{Path: dfTestdata + "/latest/Dockerfile"}},
		{"args", DockerfileOptions{Path: dfTestdata + "/args/Dockerfile"}},
		{"args-buildargs", DockerfileOptions{Path: dfTestdata + "/args/Dockerfile", BuildArgs: map[string]string{
			"BASE": "debian:12.8-slim", "ALPINE_TAG": "3.20", "REGISTRY": "ghcr.io", "APP_USER": "root",
		}}},
		{"multistage", DockerfileOptions{Path: dfTestdata + "/multistage/Dockerfile"}},
		{"root", DockerfileOptions{Path: dfTestdata + "/root/Dockerfile"}},
		{"nouser", DockerfileOptions{Path: dfTestdata + "/nouser/Dockerfile"}},
		{"healthnone", DockerfileOptions{Path: dfTestdata + "/healthnone/Dockerfile"}},
		{"secrets", DockerfileOptions{Path: dfTestdata + "/secrets/Dockerfile"}},
		{"heredoc", DockerfileOptions{Path: dfTestdata + "/heredoc/Dockerfile"}},
		{"envcopy", DockerfileOptions{Path: dfTestdata + "/envcopy/Dockerfile"}},
		{"named-prod", DockerfileOptions{Path: dfTestdata + "/named/Dockerfile.prod"}},
		{"named-default", DockerfileOptions{Path: dfTestdata + "/named/Dockerfile"}},
		{"partial", DockerfileOptions{Path: dfTestdata + "/partial/Dockerfile"}},
		{"excludeflag", DockerfileOptions{Path: dfTestdata + "/excludeflag/Dockerfile"}},
		{"missing", DockerfileOptions{Path: dfTestdata + "/missing/Dockerfile"}},
		{"bad-unknown-instruction", DockerfileOptions{Path: dfTestdata + "/bad/unknown-instruction.Dockerfile"}},
		{"bad-unterminated-heredoc", DockerfileOptions{Path: dfTestdata + "/bad/unterminated-heredoc.Dockerfile"}},
		{"bad-unknown-flag", DockerfileOptions{Path: dfTestdata + "/bad/unknown-flag.Dockerfile"}},
		{"bad-no-from", DockerfileOptions{Path: dfTestdata + "/bad/no-from.Dockerfile"}},
		{"bad-empty", DockerfileOptions{Path: dfTestdata + "/bad/empty.Dockerfile"}},
		{"bad-healthcheck-no-cmd", DockerfileOptions{Path: dfTestdata + "/bad/healthcheck-no-cmd.Dockerfile"}},
		{"bad-user-no-arg", DockerfileOptions{Path: dfTestdata + "/bad/user-no-arg.Dockerfile"}},
		{"bad-run-before-from", DockerfileOptions{Path: dfTestdata + "/bad/run-before-from.Dockerfile"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := Dockerfile(tc.opts)
			src.fp = dfTestFingerprinter()
			rep := dfRunAll(t, src)
			dfGolden(t, tc.name, rep)
		})
	}
}

// TestDockerfileStatuses pins down the status of every check on every
// testdata file, so that a golden refresh cannot silently flip one.
func TestDockerfileStatuses(t *testing.T) {
	const (
		P = check.StatusPass
		F = check.StatusFail
	)
	type want struct{ pinned, user, health, secrets, env check.Status }
	cases := []struct {
		path string
		args map[string]string
		want want
	}{
		{"good/Dockerfile", nil, want{P, P, P, P, P}},
		{"latest/Dockerfile", nil, want{F, P, P, P, P}},
		{"args/Dockerfile", nil, want{F, P, P, P, P}},
		{"args/Dockerfile", map[string]string{"BASE": "debian:12.8-slim", "ALPINE_TAG": "3.20", "REGISTRY": "ghcr.io", "APP_USER": "root"}, want{F, F, P, P, P}},
		{"multistage/Dockerfile", nil, want{P, P, P, P, P}},
		{"root/Dockerfile", nil, want{P, F, P, P, P}},
		{"nouser/Dockerfile", nil, want{P, F, F, P, P}},
		{"healthnone/Dockerfile", nil, want{P, P, F, P, P}},
		{"secrets/Dockerfile", nil, want{P, P, P, F, P}},
		{"heredoc/Dockerfile", nil, want{F, P, P, P, P}}, // # syntax=docker/dockerfile:1 is not pinned by digest
		{"envcopy/Dockerfile", nil, want{P, P, P, P, F}},
		{"named/Dockerfile.prod", nil, want{P, P, P, P, P}},
		// Neither context holds a .env, .git or key file, and nothing names
		// one: COPY . . copies no secret.
		{"named/Dockerfile", nil, want{P, P, P, P, P}},
		{"partial/Dockerfile", nil, want{P, P, P, P, P}},
		{"excludeflag/Dockerfile", nil, want{P, P, P, P, P}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			rep := dfRunAll(t, Dockerfile(DockerfileOptions{Path: filepath.Join(dfTestdata, tc.path), BuildArgs: tc.args}))
			got := want{
				dfOutcome(t, rep, "docker.dockerfile.base-pinned").Result.Status,
				dfOutcome(t, rep, "docker.dockerfile.user").Result.Status,
				dfOutcome(t, rep, "docker.dockerfile.healthcheck").Result.Status,
				dfOutcome(t, rep, "docker.dockerfile.secrets").Result.Status,
				dfOutcome(t, rep, "docker.dockerfile.env-excluded").Result.Status,
			}
			assert.Equal(t, tc.want, got)
			assertFindingsActionable(t, rep)
		})
	}
}

func TestDockerfileMeta(t *testing.T) {
	checklist, err := os.ReadFile("../../../shared/production-checklist.md")
	if err != nil {
		checklist = nil // the checklist lives beside the module in development only
	}
	for _, c := range DockerfileChecks(Dockerfile(DockerfileOptions{Path: "Dockerfile"})) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.True(t, strings.HasPrefix(m.ID, "docker.dockerfile."), m.ID)
		assert.NotEmpty(t, m.Title, m.ID)
		assert.NotEmpty(t, m.Section, m.ID)
		assert.NotEmpty(t, m.Item, m.ID)
		assert.NotEmpty(t, m.Remediation, m.ID)
		assert.NotEmpty(t, m.Refs, m.ID)
		assert.True(t, m.HasTag("dockerfile"), m.ID)
		if checklist != nil {
			assert.Contains(t, string(checklist), "- [ ] "+m.Item, "%s: Item is not a checklist line", m.ID)
		}
	}
}

func TestDockerfileSecretsNeverShown(t *testing.T) {
	rep := dfRunAll(t, Dockerfile(DockerfileOptions{Path: dfTestdata + "/secrets/Dockerfile"}))
	dump, err := json.Marshal(rep.Outcomes)
	require.NoError(t, err)
	for _, canary := range []string{"ghp_canary", "sk-canary", "hunter2-canary", "pg-canary", "rails-canary"} {
		assert.NotContains(t, string(dump), canary)
	}
	o := dfOutcome(t, rep, "docker.dockerfile.secrets")
	var keys []string
	for _, f := range o.Result.Findings {
		key, _, _ := strings.Cut(f.Actual, " ")
		keys = append(keys, key)
		assert.Contains(t, f.Actual, ", fp ")
	}
	assert.Equal(t, []string{"GITHUB_TOKEN", "API_KEY", "DB_PASSWORD", "DATABASE_URL", "SIGNING_KEY", "SECRET_KEY_BASE"}, keys)
}

func TestDockerfileOptions(t *testing.T) {
	t.Run("require digest", func(t *testing.T) {
		src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/good/Dockerfile"})
		o := dfRunAll(t, src, DockerfileBasePinned(src, BasePinnedOptions{RequireDigest: true})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status, o.Result.Message)
		require.Len(t, o.Result.Findings, 1)
		assert.Equal(t, 4, o.Result.Findings[0].Location.Line)
		assert.Contains(t, o.Result.Findings[0].Message, "not pinned by digest")
		assert.Equal(t, "golang:1.26.8-alpine (from golang:${GO_VERSION}-alpine)", o.Result.Findings[0].Actual)
	})
	t.Run("floating tags", func(t *testing.T) {
		src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/latest/Dockerfile"})
		o := dfRunAll(t, src, DockerfileBasePinned(src, BasePinnedOptions{FloatingTags: []string{"1.36.1"}})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status)
		var lines []int
		for _, f := range o.Result.Findings {
			lines = append(lines, f.Location.Line)
		}
		// node (untagged) and busybox:1.36.1 (declared floating); latest and lts are now accepted.
		assert.Equal(t, []int{1, 9}, lines)
	})
	t.Run("non-root bases", func(t *testing.T) {
		src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/nouser/Dockerfile"})
		o := dfRunAll(t, src, DockerfileUser(src, DockerfileUserOptions{NonRootBases: []string{"debian:*"}})).Outcomes[0]
		assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
	})
	t.Run("allow keys", func(t *testing.T) {
		src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/secrets/Dockerfile"})
		o := dfRunAll(t, src, DockerfileSecrets(src, DockerfileSecretsOptions{AllowKeys: []string{"github_token", "API_KEY"}})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status)
		for _, f := range o.Result.Findings {
			assert.NotContains(t, f.Actual, "GITHUB_TOKEN")
			assert.NotContains(t, f.Actual, "API_KEY ")
		}
		assert.Len(t, o.Result.Findings, 4)
	})
	t.Run("extra paths", func(t *testing.T) {
		src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/good/Dockerfile"})
		o := dfRunAll(t, src, DockerfileEnvExcluded(src, EnvExcludedOptions{Paths: []string{"secrets/", ".env.local"}})).Outcomes[0]
		require.Equal(t, check.StatusFail, o.Result.Status)
		require.Len(t, o.Result.Findings, 1, "only secrets/ is not excluded")
		assert.Contains(t, o.Result.Findings[0].Message, "copies secrets into the image")
	})
}

// TestDockerfileEnvFilesInContext: .env.* files present at the top of the
// context must be excluded too; templates need not be.
func TestDockerfileEnvFilesInContext(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("Dockerfile", "FROM alpine:3.20\nCOPY . /app\nUSER 1000\nHEALTHCHECK CMD true\n")
	write(".dockerignore", ".env\n.git\n")
	write(".env", "A=1\n")
	write(".env.production", "DB_PASSWORD=x\n")
	write(".env.production.example", "DB_PASSWORD=\n")
	src := Dockerfile(DockerfileOptions{Path: filepath.Join(dir, "Dockerfile")})
	o := dfRunAll(t, src, DockerfileEnvExcluded(src, EnvExcludedOptions{})).Outcomes[0]
	require.Equal(t, check.StatusFail, o.Result.Status, o.Result.Message)
	require.Len(t, o.Result.Findings, 1)
	assert.Equal(t, "COPY . copies .env.production into the image", o.Result.Findings[0].Message)
	assert.Equal(t, 2, o.Result.Findings[0].Location.Line)

	write(".dockerignore", ".env*\n!.env*.example\n.git\n")
	o = dfRunAll(t, src, DockerfileEnvExcluded(src, EnvExcludedOptions{})).Outcomes[0]
	assert.Equal(t, check.StatusPass, o.Result.Status, o.Result.Message)
}

// TestDockerfileBadInput: unreadable, binary, oversized and malformed
// files give an Error for every check, naming the file and, when known,
// the line.
func TestDockerfileBadInput(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "binary.Dockerfile")
	require.NoError(t, os.WriteFile(binary, []byte("FROM alpine:3.20\nRUN echo \x00\x01\x02\n"), 0o644))
	big := filepath.Join(dir, "big.Dockerfile")
	require.NoError(t, os.WriteFile(big, append([]byte("FROM alpine:3.20\n"), bytes.Repeat([]byte("RUN echo padding-padding-padding\n"), 40_000)...), 0o644))
	small := filepath.Join(dir, "small.Dockerfile")
	require.NoError(t, os.WriteFile(small, []byte("FROM alpine:3.20\nUSER app\nHEALTHCHECK CMD true\n"), 0o644))
	badIgnoreDir := filepath.Join(dir, "badignore")
	require.NoError(t, os.Mkdir(badIgnoreDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(badIgnoreDir, "Dockerfile"), []byte("FROM alpine:3.20\nCOPY . .\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(badIgnoreDir, ".dockerignore"), []byte("[\n"), 0o644))

	cases := []struct {
		name    string
		opts    DockerfileOptions
		want    []string // substrings of every check's error message
		line    int
		checkID string // only this check errors; "" means all
	}{
		{"missing", DockerfileOptions{Path: filepath.Join(dir, "nope")}, []string{"docker: " + filepath.Join(dir, "nope") + ": open: no such file"}, 0, ""},
		{"directory", DockerfileOptions{Path: dir}, []string{"docker: " + dir + ": not a regular file (a directory)"}, 0, ""},
		{"binary", DockerfileOptions{Path: binary}, []string{"docker: " + binary + ":2: binary file (NUL byte at offset 26)"}, 2, ""},
		{"too big", DockerfileOptions{Path: big}, []string{"docker: " + big + ": larger than the size limit (limit 1048576 bytes)"}, 0, ""},
		{"custom limit", DockerfileOptions{Path: small, MaxSize: 10}, []string{small + ": larger than the size limit (limit 10 bytes)"}, 0, ""},
		{"unknown instruction", DockerfileOptions{Path: dfTestdata + "/bad/unknown-instruction.Dockerfile"}, []string{"docker: testdata/dockerfile/bad/unknown-instruction.Dockerfile:3: unknown instruction (did you mean FROM?)"}, 3, ""},
		{"unterminated heredoc", DockerfileOptions{Path: dfTestdata + "/bad/unterminated-heredoc.Dockerfile"}, []string{"unterminated-heredoc.Dockerfile:3: unterminated heredoc"}, 3, ""},
		{"unknown flag", DockerfileOptions{Path: dfTestdata + "/bad/unknown-flag.Dockerfile"}, []string{"unknown-flag.Dockerfile:2: unknown flag: --frobnicate"}, 2, ""},
		{"no from", DockerfileOptions{Path: dfTestdata + "/bad/no-from.Dockerfile"}, []string{"no-from.Dockerfile: no FROM instruction"}, 0, ""},
		{"empty", DockerfileOptions{Path: dfTestdata + "/bad/empty.Dockerfile"}, []string{"empty.Dockerfile:2: file with no instructions"}, 2, ""},
		{"run before from", DockerfileOptions{Path: dfTestdata + "/bad/run-before-from.Dockerfile"}, []string{"run-before-from.Dockerfile:1: "}, 1, ""},
		{"bad ignore pattern", DockerfileOptions{Path: filepath.Join(badIgnoreDir, "Dockerfile")}, []string{"docker: " + filepath.Join(badIgnoreDir, ".dockerignore") + ": syntax error in pattern"}, 0, "docker.dockerfile.env-excluded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := dfRunAll(t, Dockerfile(tc.opts))
			for _, o := range rep.Outcomes {
				if tc.checkID != "" && o.Meta.ID != tc.checkID {
					assert.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
					continue
				}
				require.Equal(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				for _, w := range tc.want {
					assert.Contains(t, o.Result.Message, w, o.Meta.ID)
				}
				var de *DockerfileError
				require.ErrorAs(t, o.Result.Err, &de, o.Meta.ID)
				assert.Equal(t, tc.line, de.Line, o.Meta.ID)
				assert.NotEmpty(t, de.File)
			}
		})
	}
}

func TestDockerfileNoPath(t *testing.T) {
	for _, c := range DockerfileChecks(Dockerfile(DockerfileOptions{})) {
		r := c.Run(t.Context())
		assert.Equal(t, check.StatusError, r.Status)
		assert.Equal(t, "docker: dockerfile source has no path", r.Message)
	}
	for _, c := range DockerfileChecks(nil) {
		r := c.Run(t.Context())
		assert.Equal(t, check.StatusError, r.Status)
	}
}

func TestDockerfileContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/good/Dockerfile"})
	for _, c := range DockerfileChecks(src) {
		r := c.Run(ctx)
		require.Equal(t, check.StatusError, r.Status)
		assert.ErrorIs(t, r.Err, context.Canceled)
	}
	_, err := src.get(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "docker: read testdata/dockerfile/good/Dockerfile: context canceled", err.Error())
	_, err = dockerfileDeclaresHealthcheck(ctx, dfTestdata+"/good/Dockerfile")
	assert.ErrorIs(t, err, context.Canceled)
}

// TestDockerfileLoadsOncePerRun: every check on one source shares one read
// and parse per run; the next run reads afresh.
func TestDockerfileLoadsOncePerRun(t *testing.T) {
	src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/secrets/Dockerfile"})
	checks := DockerfileChecks(src)
	dfRunAll(t, src, checks...)
	assert.Equal(t, int64(1), src.loads.Load())
	dfRunAll(t, src, checks...)
	assert.Equal(t, int64(2), src.loads.Load())

	// Outside a run, each check loads on its own.
	for _, c := range checks {
		c.Run(t.Context())
	}
	assert.Equal(t, int64(2+len(checks)), src.loads.Load())

	// By hand, a memo context shares one load between them.
	ctx, release := check.WithMemo(t.Context())
	defer release()
	for _, c := range checks {
		c.Run(ctx)
	}
	assert.Equal(t, int64(3+len(checks)), src.loads.Load())
}

func TestDockerfileDeclaresHealthcheck(t *testing.T) {
	cases := map[string]bool{
		"good/Dockerfile":       true,
		"multistage/Dockerfile": true, // inherited from stage "base"
		"nouser/Dockerfile":     false,
		"healthnone/Dockerfile": false,
		"heredoc/Dockerfile":    true,
	}
	for file, want := range cases {
		got, err := dockerfileDeclaresHealthcheck(t.Context(), filepath.Join(dfTestdata, file))
		require.NoError(t, err, file)
		assert.Equal(t, want, got, file)
	}
	_, err := dockerfileDeclaresHealthcheck(t.Context(), filepath.Join(dfTestdata, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = dockerfileDeclaresHealthcheck(t.Context(), filepath.Join(dfTestdata, "bad/unknown-instruction.Dockerfile"))
	var de *DockerfileError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 3, de.Line)
}

// TestDockerfileParseDetails checks the analysis behind the checks on
// heredocs, the syntax line, ARG scoping and stage references.
func TestDockerfileParseDetails(t *testing.T) {
	p, err := dockerfileParseFile(t.Context(), "", dfTestdata+"/heredoc/Dockerfile", 0, nil)
	require.NoError(t, err)
	require.Len(t, p.stages, 1)
	s := p.stages[0]
	assert.Equal(t, 3, s.line, "the syntax and check directives are not instructions")
	require.Len(t, s.users, 1)
	assert.Equal(t, 18, s.users[0].line, "lines count heredoc bodies")
	require.Len(t, s.copies, 1)
	assert.Empty(t, s.copies[0].sources, "a heredoc COPY reads no context path")

	p, err = dockerfileParseFile(t.Context(), "", dfTestdata+"/args/Dockerfile", 0, map[string]string{"NODE_VERSION": "20.18"})
	require.NoError(t, err)
	images := make([]string, 0, len(p.stages))
	for _, s := range p.stages {
		images = append(images, s.image)
	}
	assert.Equal(t, []string{"node:20.18-alpine", "alpine:latest", "", "registry.example.com:5000/team/app", "golang:1.26-linux", "build"}, images)
	assert.Equal(t, []string{"BASE"}, p.stages[2].unresolved)
	assert.Equal(t, 0, p.final().parent, "FROM build refers to stage 0")
	assert.Equal(t, "node", p.final().users[0].value)

	// Warnings from BuildKit's linter are kept.
	p, err = dockerfileParse("Dockerfile", []byte("FROM alpine:3.20 as Build\nMAINTAINER me\n"), nil, nil)
	require.NoError(t, err)
	var rules []string
	for _, w := range p.warnings {
		rules = append(rules, w.Rule)
	}
	assert.Contains(t, rules, "StageNameCasing")
	assert.Contains(t, rules, "MaintainerDeprecated")
}

// TestDockerfileUserVariants covers USER forms the testdata files do not.
func TestDockerfileUserVariants(t *testing.T) {
	cases := []struct {
		file   string
		args   map[string]string
		status check.Status
		want   string // in the message or the finding
	}{
		{"FROM alpine:3.20\nUSER root:app\n", nil, check.StatusFail, "USER root:app"},
		{"FROM alpine:3.20\nUSER 0000\n", nil, check.StatusFail, "USER 0000"},
		{"FROM alpine:3.20\nUSER app:root\n", nil, check.StatusPass, `"app:root"`},
		{"FROM alpine:3.20\nUSER 10001\n", nil, check.StatusPass, `"10001"`},
		{"FROM alpine:3.20\nARG UID\nUSER ${UID}:${GID}\n", nil, check.StatusFail, "USER ${UID}:${GID} depends on ARGs GID, UID with no value"},
		{"FROM alpine:3.20\nARG UID\nUSER ${UID}:${GID}\n", map[string]string{"UID": "10001"}, check.StatusPass, `"10001:"`},
		{"ARG UID=0\nFROM alpine:3.20\nARG UID\nUSER $UID\n", nil, check.StatusFail, "USER 0 (from $UID)"},
		{"FROM gcr.io/distroless/base-debian12:debug-nonroot\n", nil, check.StatusPass, "inherits a non-root user"},
		{"FROM scratch\nCOPY app /app\n", nil, check.StatusFail, "the default of scratch"},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), "Dockerfile")
		require.NoError(t, os.WriteFile(path, []byte(tc.file), 0o644))
		src := Dockerfile(DockerfileOptions{Path: path, BuildArgs: tc.args})
		r := DockerfileUser(src, DockerfileUserOptions{}).Run(t.Context())
		require.Equal(t, tc.status, r.Status, "%q: %s", tc.file, r.Message)
		text := r.Message
		for _, f := range r.Findings {
			text += "\n" + f.String()
		}
		assert.Contains(t, text, tc.want, tc.file)
	}
}

func TestDockerfileSourceAccessors(t *testing.T) {
	src := Dockerfile(DockerfileOptions{Path: dfTestdata + "/good/Dockerfile"})
	assert.Equal(t, dfTestdata+"/good/Dockerfile", src.Path())
	assert.Equal(t, filepath.Join(dfTestdata, "good"), src.ContextDir())
	d, err := src.Dockerignore(t.Context())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dfTestdata, "good", ".dockerignore"), d.File())
	ok, err := d.Excludes(".env.production")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = d.Excludes(".env.example")
	require.NoError(t, err)
	assert.False(t, ok)

	_, err = Dockerfile(DockerfileOptions{Path: dfTestdata + "/missing/Dockerfile"}).Dockerignore(t.Context())
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestDockerfileErrorText(t *testing.T) {
	err := &DockerfileError{File: "Dockerfile", Line: 7, Err: errors.New("boom")}
	assert.Equal(t, "docker: Dockerfile:7: boom", err.Error())
	assert.Equal(t, "docker: Dockerfile: unknown error", (&DockerfileError{File: "Dockerfile"}).Error())
}
