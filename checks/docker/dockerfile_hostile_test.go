package docker

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// Hostile inputs on the Dockerfile side (issue 7): whoever opens a pull
// request writes the Dockerfiles, .dockerignore and compose builds that a
// CI run reads, and may read the report posted back. Each case runs
// through the public API (Compose(...).Builds, Dockerfile,
// DockerfileChecks, check.Runner), renders the four report formats and
// asserts that no canary planted in the input, or in a file outside the
// project, appears in any of them. TestMain's goleak check catches a
// goroutine left blocked on a FIFO.

const dfHostile = "testdata/hostile/dockerfile"

// dfRenderAll renders rep in every report format, concatenated.
func dfRenderAll(t *testing.T, rep *check.Report) string {
	t.Helper()
	var all bytes.Buffer
	for name, render := range map[string]func(w *bytes.Buffer) error{
		"text":     func(w *bytes.Buffer) error { return report.Text(w, rep, report.Options{}) },
		"json":     func(w *bytes.Buffer) error { return report.JSON(w, rep, report.Options{}) },
		"junit":    func(w *bytes.Buffer) error { return report.JUnit(w, rep, report.Options{}) },
		"markdown": func(w *bytes.Buffer) error { return report.Markdown(w, rep, report.Options{}) },
	} {
		var b bytes.Buffer
		require.NoError(t, render(&b), name)
		require.NotZero(t, b.Len(), name)
		all.Write(b.Bytes())
	}
	return all.String()
}

// dfAssertNoCanary asserts that none of canaries appears in the rendered
// report, nor in a result's error chain.
func dfAssertNoCanary(t *testing.T, rep *check.Report, canaries ...string) string {
	t.Helper()
	out := dfRenderAll(t, rep)
	for _, o := range rep.Outcomes {
		if o.Result.Err != nil {
			out += "\n" + o.Result.Err.Error()
		}
	}
	for _, c := range canaries {
		require.NotEmpty(t, c)
		assert.NotContains(t, out, c, "canary in a report")
	}
	return out
}

// dfAssertAllError asserts every outcome is an Error whose message holds
// each of want.
func dfAssertAllError(t *testing.T, rep *check.Report, want ...string) {
	t.Helper()
	require.NotEmpty(t, rep.Outcomes)
	for _, o := range rep.Outcomes {
		assert.Equal(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
		for _, w := range want {
			assert.Contains(t, o.Result.Message, w, o.Meta.ID)
		}
	}
}

// TestDockerfileHostileComposePaths: a Dockerfile path that a compose build
// names is confined to the project root; one outside gives an Error naming
// the rule, and the file's content appears nowhere.
func TestDockerfileHostileComposePaths(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "app"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	const outsideCanary = "canary-outside-file-5f2c9e"
	require.NoError(t, os.WriteFile(filepath.Join(outside, "Dockerfile"),
		[]byte("FROM alpine:3.20\n"+outsideCanary+"=1\nENV DB_PASSWORD=hunter2-"+outsideCanary+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "app", "Dockerfile"), []byte("FROM alpine:3.20\nUSER 10001\n"), 0o644))
	// A symlink in the repository that leads out of it.
	require.NoError(t, os.Symlink(filepath.Join(outside, "Dockerfile"), filepath.Join(root, "app", "link.Dockerfile")))

	canaries := []string{outsideCanary}
	if data, err := os.ReadFile("/etc/hostname"); err == nil && len(bytes.TrimSpace(data)) >= 4 {
		canaries = append(canaries, string(bytes.TrimSpace(data)))
	}

	cases := []struct {
		name  string
		build string
	}{
		{"absolute system file", "{context: ., dockerfile: /etc/hostname}"},
		{"relative escape", "{context: ., dockerfile: ../../outside/Dockerfile}"},
		{"context outside", "{context: ../../outside}"},
		{"symlink out", "{context: ., dockerfile: link.Dockerfile}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compose := "services:\n  api:\n    image: example/api:1.0.0\n    build: " + tc.build + "\n"
			require.NoError(t, os.WriteFile(filepath.Join(root, "app", "compose.yaml"), []byte(compose), 0o644))
			p := Compose(ComposeOptions{Dir: filepath.Join(root, "app"), Root: root})
			builds, err := p.Builds(t.Context())
			require.NoError(t, err)
			require.Len(t, builds, 1)
			rep, err := (&check.Runner{}).Run(t.Context(), DockerfileChecks(builds[0])...)
			require.NoError(t, err)
			dfAssertAllError(t, rep, "outside the project root", `the build of service "api"`)
			for _, o := range rep.Outcomes {
				var de *DockerfileError
				assert.ErrorAs(t, o.Result.Err, &de, o.Meta.ID)
			}
			dfAssertNoCanary(t, rep, canaries...)
		})
	}

	// Inside the root, through "..": still read.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "deploy"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "deploy", "compose.yaml"),
		[]byte("services:\n  api:\n    image: example/api:1.0.0\n    build: {context: ../app}\n"), 0o644))
	builds, err := Compose(ComposeOptions{Dir: filepath.Join(root, "deploy"), Root: root}).Builds(t.Context())
	require.NoError(t, err)
	require.Len(t, builds, 1)
	rep, err := (&check.Runner{}).Run(t.Context(), DockerfileChecks(builds[0])...)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		assert.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
	}
}

// TestDockerfileHostileFIFO: a FIFO as the Dockerfile or as .dockerignore
// gives an Error at once; nothing waits for a writer (goleak would see it).
func TestDockerfileHostileFIFO(t *testing.T) {
	cases := []struct {
		name   string
		fifo   string // file made a FIFO
		checks func(*DockerfileSource) []check.Check
		want   string
	}{
		{"Dockerfile", "Dockerfile", DockerfileChecks, "not a regular file (a FIFO)"},
		{".dockerignore", ".dockerignore", func(s *DockerfileSource) []check.Check {
			return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
		}, "not a regular file (a FIFO)"},
		{"Dockerfile.dockerignore", "Dockerfile.dockerignore", func(s *DockerfileSource) []check.Check {
			return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
		}, "not a regular file (a FIFO)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.fifo != "Dockerfile" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM alpine:3.20\nCOPY . /app\n"), 0o644))
			}
			require.NoError(t, syscall.Mkfifo(filepath.Join(dir, tc.fifo), 0o644))
			src := Dockerfile(DockerfileOptions{Path: filepath.Join(dir, "Dockerfile")})
			rep, err := (&check.Runner{}).Run(t.Context(), tc.checks(src)...)
			require.NoError(t, err)
			dfAssertAllError(t, rep, tc.want)
			dfAssertNoCanary(t, rep, "canary-none")
		})
	}
}

// dfArgChain is an ARG chain that doubles a value n times: 4·2^n bytes.
func dfArgChain(n int) string {
	var b strings.Builder
	b.WriteString("ARG A0=xxxx\n")
	for i := 1; i <= n; i++ {
		b.WriteString("ARG A" + strconv.Itoa(i) + "=$A" + strconv.Itoa(i-1) + "$A" + strconv.Itoa(i-1) + "\n")
	}
	b.WriteString("FROM alpine:3.20\n")
	return b.String()
}

// TestDockerfileHostileCaps: expansion bombs and ignore-pattern bombs give
// an Error naming the cap, promptly and in little memory.
func TestDockerfileHostileCaps(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	argbomb, err := os.ReadFile(filepath.Join(dfHostile, "argbomb.Dockerfile"))
	require.NoError(t, err)
	require.Less(t, len(argbomb), 1024, "the bomb is under 1 KB")

	// 21,000 "**/" on one line: 63 KB that compile to as many regexp groups.
	starLine := strings.Repeat("**/", 21_000) + ".env\n"
	many := strings.Repeat("a\n", DockerignoreMaxPatterns+1)

	cases := []struct {
		name   string
		files  map[string]string
		checks func(*DockerfileSource) []check.Check
		want   []string
	}{
		{"ARG chain", map[string]string{"argbomb/Dockerfile": string(argbomb)}, DockerfileChecks,
			[]string{"per-value cap of 1048576 bytes", "ARG A"}},
		{"ARG chain in a stage", map[string]string{"stagebomb/Dockerfile": "FROM alpine:3.20\n" + strings.ReplaceAll(dfArgChain(30), "FROM alpine:3.20\n", "")},
			DockerfileChecks, []string{"per-value cap"}},
		{"ENV many copies", map[string]string{"total/Dockerfile": "FROM alpine:3.20\nARG A0=xxxx\n" + dfArgChainFrom(1, 16) + strings.Repeat("ENV X=$A16$A16$A16\n", 8)},
			DockerfileChecks, []string{"total cap of 8388608 bytes"}},
		{"replacement product", map[string]string{"subst/Dockerfile": "FROM alpine:3.20\nARG A=" + strings.Repeat("x", 2000) + "\nARG B=${A//x/" + strings.Repeat("y", 2000) + "}\n"},
			DockerfileChecks, []string{"per-value cap"}},
		{"ignore ** bomb", map[string]string{"stars/Dockerfile": "FROM alpine:3.20\nCOPY . /app\n", "stars/.dockerignore": "# bomb\n" + starLine},
			func(s *DockerfileSource) []check.Check {
				return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
			},
			[]string{`.dockerignore:2: pattern 1: 21000 "**" wildcards, over the cap of 16`}},
		{"ignore pattern count", map[string]string{"many/Dockerfile": "FROM alpine:3.20\nCOPY . /app\n", "many/.dockerignore": many},
			func(s *DockerfileSource) []check.Check {
				return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
			},
			[]string{"more than the cap of 10000 patterns"}},
		{"ignore pattern length", map[string]string{"long/Dockerfile": "FROM alpine:3.20\nCOPY . /app\n", "long/.dockerignore": strings.Repeat("a", 5000) + "\n"},
			func(s *DockerfileSource) []check.Check {
				return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
			},
			[]string{"over the cap of 4096 bytes a pattern"}},
		{"COPY --exclude ** bomb", map[string]string{"excl/Dockerfile": "FROM alpine:3.20\nCOPY --exclude=" + strings.Repeat("**/", 100) + "x . /app\n"},
			func(s *DockerfileSource) []check.Check {
				return []check.Check{DockerfileEnvExcluded(s, EnvExcludedOptions{})}
			},
			[]string{`100 "**" wildcards`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var df string
			for name, content := range tc.files {
				p := write(name, content)
				if filepath.Base(name) == "Dockerfile" {
					df = p
				}
			}
			src := Dockerfile(DockerfileOptions{Path: df})
			rep, err := (&check.Runner{}).Run(t.Context(), tc.checks(src)...)
			require.NoError(t, err)
			dfAssertAllError(t, rep, tc.want...)
			for _, o := range rep.Outcomes {
				assert.ErrorIs(t, o.Result.Err, ErrDockerfileCap, o.Meta.ID)
				assert.Less(t, len(o.Result.Message), 400, "the message quotes no expansion")
			}
			dfAssertNoCanary(t, rep, "xxxxxxxxxxxxxxxx", "**/**/**/**/")
		})
	}
}

// dfArgChainFrom continues an ARG chain from A<from-1> to A<to>.
func dfArgChainFrom(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		b.WriteString("ARG A" + strconv.Itoa(i) + "=$A" + strconv.Itoa(i-1) + "$A" + strconv.Itoa(i-1) + "\n")
	}
	return b.String()
}

// TestDockerfileHostileSecrets: secrets in shapes that used to escape the
// secrets check or reach a message through a parser error.
func TestDockerfileHostileSecrets(t *testing.T) {
	cases := []struct {
		name     string
		file     string
		canaries []string
		id       string       // the outcome to look at
		status   check.Status // its status
		want     []string     // in its message or findings
		line     int          // of the first finding or of the error
	}{
		{"missing continuation", "broken-continuation.Dockerfile", []string{"canary-broken-line-s3cr3t"},
			"docker.dockerfile.secrets", check.StatusError,
			[]string{"broken-continuation.Dockerfile:4: unknown instruction: the line sets DB_PASSWORD [", "chars"}, 4},
		{"unterminated quote", "env-secrets.Dockerfile", []string{"canary-unterminated-pw"},
			"docker.dockerfile.secrets", check.StatusFail,
			[]string{"ENV DB_PASSWORD holds a literal secret", "DB_PASSWORD ("}, 2},
		{"value starting with /", "env-slash-secret.Dockerfile", []string{"canaryS3cr3tT0kenValue9"},
			"docker.dockerfile.secrets", check.StatusFail,
			[]string{"1 literal secret", "ENV API_TOKEN holds a literal secret"}, 2},
		{"unpinned syntax", "syntax-unpinned.Dockerfile", []string{"canary-none"},
			"docker.dockerfile.base-pinned", check.StatusFail,
			[]string{`# syntax frontend "docker/dockerfile:1" is not pinned by digest`, "# syntax=docker/dockerfile:1"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := Dockerfile(DockerfileOptions{Path: filepath.Join(dfHostile, tc.file)})
			rep, err := (&check.Runner{}).Run(t.Context(), DockerfileChecks(src)...)
			require.NoError(t, err)
			o := dfOutcome(t, rep, tc.id)
			require.Equal(t, tc.status, o.Result.Status, o.Result.Message)
			text := o.Result.Message
			for _, f := range o.Result.Findings {
				text += "\n" + f.String()
			}
			for _, w := range tc.want {
				assert.Contains(t, text, w)
			}
			if tc.status == check.StatusError {
				var de *DockerfileError
				require.ErrorAs(t, o.Result.Err, &de)
				assert.Equal(t, tc.line, de.Line)
			} else {
				require.NotEmpty(t, o.Result.Findings)
				assert.Equal(t, tc.line, o.Result.Findings[0].Location.Line)
			}
			dfAssertNoCanary(t, rep, tc.canaries...)
		})
	}

	// A path under a secret-looking key is still a path.
	src := Dockerfile(DockerfileOptions{Path: filepath.Join(dfHostile, "env-slash-secret.Dockerfile")})
	r := DockerfileSecrets(src, DockerfileSecretsOptions{}).Run(t.Context())
	for _, f := range r.Findings {
		assert.NotContains(t, f.Message, "TLS_KEY", "/run/secrets/tls_key is a path")
		assert.NotContains(t, f.Message, "SIGNING_KEY", "/app.pem is a path")
	}
}

// TestDfSafeText: every BuildKit message shape that quotes input is
// rewritten; names and keywords stay, values become fingerprints.
func TestDfSafeText(t *testing.T) {
	cases := []struct {
		file    string
		want    string
		canary  string
		wantErr bool
	}{
		{"FROM alpine:3.20\nENV A=1 \\\n  B=2\n  TOKEN=canary-tok-value-1\n", "unknown instruction: the line sets TOKEN [", "canary-tok-value-1", true},
		{"FROM alpine:3.20\ncanary-bare-word-2\n", "unknown instruction [", "canary-bare-word-2", true},
		{"FROM alpine:3.20\nENV canary-noeq-3\n", "ENV must have two arguments", "canary-noeq-3", true},
		{"FROM alpine:3.20\nLABEL a=1 canary-label-4\n", "Syntax error - can't find = in \"[", "canary-label-4", true},
		{"FROM alpine:3.20\nRUN --network=canary-net-6 true\n", "invalid network mode \"[", "canary-net-6", true},
		{"FROM alpine:3.20 AS canary-9stage!\n", "invalid name for build stage: \"[", "canary-9stage!", true},
		{"FROM alpine:3.20\nHEALTHCHECK canary-type-7 true\n", "Unknown type \"[", "canary-type-7", true},
		{"FROM alpine:3.20\nCOPY --chmod=canary-8 a b\nUSER x\n", "", "", false},
	}
	for _, tc := range cases {
		_, err := dockerfileParse("Dockerfile", []byte(tc.file), nil, dfTestFingerprinter())
		if !tc.wantErr {
			continue
		}
		require.Error(t, err, "%q", tc.file)
		assert.Contains(t, err.Error(), tc.want, tc.file)
		assert.NotContains(t, err.Error(), tc.canary, tc.file)
	}
}
