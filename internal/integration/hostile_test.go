package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileCase is one attack on checks/docker through its public API: the
// files of a project written by whoever opened a pull request, and files
// outside the project that must stay unread.
type hostileCase struct {
	name string
	// setup writes the project into p and anything else into outside; it
	// may return an extra Dockerfile to check directly.
	setup func(t *testing.T, p, outside string) (dockerfile string)
	// errorRule, when set, must match the message of an Error outcome.
	errorRule string
	// canaries must appear nowhere: not in any format, not on stderr.
	canaries []string
	// flags, when set, is the rule that must fail or error on the input
	// holding the secret: it is judged, not merely missed.
	flags string
}

const (
	outsideCanary = "CANARY-OUTSIDE-c0ffee"
	maxRSS        = 100 << 20 // bytes
	childDeadline = 90 * time.Second
)

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func fifo(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, syscall.Mkfifo(path, 0o644))
}

const plainService = "services:\n  api:\n    image: example/api:1.2.3\n"

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			name: "include /etc/passwd",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "include:\n  - /etc/passwd\n"+plainService)
				return ""
			},
			errorRule: "outside the project root",
			canaries:  []string{"root:x:0:0"},
		},
		{
			name: "include outside the project",
			setup: func(t *testing.T, p, outside string) string {
				write(t, filepath.Join(outside, "outside.yml"), "services:\n  leak:\n    image: "+outsideCanary+"\n    environment:\n      X: "+outsideCanary+"\n")
				write(t, filepath.Join(p, "compose.yaml"), "include:\n  - ../outside/outside.yml\n"+plainService)
				return ""
			},
			errorRule: "outside the project root",
			canaries:  []string{outsideCanary},
		},
		{
			name: "dockerfile outside the project",
			setup: func(t *testing.T, p, outside string) string {
				write(t, filepath.Join(outside, "Dockerfile"), outsideCanary+" ENV DB_PASSWORD="+outsideCanary+"\n")
				write(t, filepath.Join(p, "compose.yaml"), "services:\n  api:\n    build:\n      context: .\n      dockerfile: ../outside/Dockerfile\n")
				return ""
			},
			errorRule: "outside the project root",
			canaries:  []string{outsideCanary},
		},
		{
			name: "dockerfile /etc/hostname",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "services:\n  api:\n    build:\n      context: .\n      dockerfile: /etc/hostname\n")
				return ""
			},
			errorRule: "outside the project root",
		},
		{
			name: "include /dev/zero",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "include:\n  - /dev/zero\n"+plainService)
				return ""
			},
			errorRule: "outside the project root",
		},
		{
			name: "FIFO .env",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), plainService)
				fifo(t, filepath.Join(p, ".env"))
				return ""
			},
			errorRule: "not a regular file",
		},
		{
			name: "FIFO include",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "include:\n  - other.yml\n"+plainService)
				fifo(t, filepath.Join(p, "other.yml"))
				return ""
			},
			errorRule: "not a regular file",
		},
		{
			name: "FIFO env_file",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), plainService+"    env_file: app.env\n")
				fifo(t, filepath.Join(p, "app.env"))
				return ""
			},
			errorRule: "not a regular file",
		},
		{
			name: "FIFO Dockerfile",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "services:\n  api:\n    build: .\n")
				fifo(t, filepath.Join(p, "Dockerfile"))
				return ""
			},
			errorRule: "not a regular file",
		},
		{
			name: ".env that doubles itself",
			setup: func(t *testing.T, p, _ string) string {
				var b strings.Builder
				b.WriteString("A0=xxxxxxxxxxxxxxxx\n")
				for i := 1; i < 40; i++ {
					fmt.Fprintf(&b, "A%d=${A%d}${A%d}\n", i, i-1, i-1)
				}
				write(t, filepath.Join(p, ".env"), b.String())
				write(t, filepath.Join(p, "compose.yaml"), "services:\n  api:\n    image: example/api:1.2.3\n    command: echo ${A39}\n")
				return ""
			},
			errorRule: `(?i)expan|cap|limit`,
		},
		{
			name: "ARG chain that doubles itself",
			setup: func(t *testing.T, p, _ string) string {
				var b strings.Builder
				b.WriteString("ARG A0=xxxxxxxxxxxxxxxx\n")
				for i := 1; i < 40; i++ {
					fmt.Fprintf(&b, "ARG A%d=${A%d}${A%d}\n", i, i-1, i-1)
				}
				b.WriteString("FROM alpine:${A39}\nUSER app\n")
				write(t, filepath.Join(p, "compose.yaml"), plainService)
				write(t, filepath.Join(p, "img", "Dockerfile"), b.String())
				return filepath.Join(p, "img", "Dockerfile")
			},
			errorRule: `(?i)expan|cap|limit`,
		},
		{
			name: ".dockerignore of repeated **/",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), plainService)
				write(t, filepath.Join(p, "img", "Dockerfile"), "FROM alpine:3.20\nUSER app\nCOPY . .\n")
				write(t, filepath.Join(p, "img", ".dockerignore"), strings.Repeat("**/", 21000)+"x\n")
				return filepath.Join(p, "img", "Dockerfile")
			},
			errorRule: `(?i)cap|limit|too`,
		},
		{
			name: "deeply nested flow YAML",
			setup: func(t *testing.T, p, _ string) string {
				n := 22000
				write(t, filepath.Join(p, "compose.yaml"), plainService+"x-deep: "+strings.Repeat("[", n)+strings.Repeat("]", n)+"\n")
				return ""
			},
			errorRule: `(?i)nest|deep|depth`,
		},
		{
			name: "8 MB of tiny YAML nodes",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), plainService+"x-many: ["+strings.Repeat("a,", 4<<20-64)+"a]\n")
				return ""
			},
			errorRule: `refused before parsing`,
		},
		{
			name: "a huge file at the 8th include level",
			setup: func(t *testing.T, p, _ string) string {
				write(t, filepath.Join(p, "compose.yaml"), "include:\n  - l1.yml\n"+plainService)
				for i := 1; i < 8; i++ {
					write(t, filepath.Join(p, fmt.Sprintf("l%d.yml", i)), fmt.Sprintf("include:\n  - l%d.yml\n", i+1))
				}
				f, err := os.Create(filepath.Join(p, "l8.yml"))
				require.NoError(t, err)
				require.NoError(t, f.Truncate(200<<20)) // sparse: 200 MB of zeros
				require.NoError(t, f.Close())
				return ""
			},
			errorRule: `(?i)larger than|too large|size limit`,
		},
	}
}

// secretCases plant a canary secret in every place a secret hides; no
// format may show it.
func secretCases() []hostileCase {
	mk := func(name string, files map[string]string, secret, flags string) hostileCase {
		return hostileCase{
			flags: flags,
			name:  "secret in " + name,
			setup: func(t *testing.T, p, _ string) string {
				df := ""
				for f, c := range files {
					write(t, filepath.Join(p, f), c)
					if filepath.Base(f) == "Dockerfile" && filepath.Dir(f) == "extra" {
						df = filepath.Join(p, f)
					}
				}
				return df
			},
			canaries: []string{secret},
		}
	}
	return []hostileCase{
		mk(".env", map[string]string{
			".env":         "DB_PASSWORD=CanaryEnvSecret-91b2\n",
			"compose.yaml": "services:\n  api:\n    image: example/api:1.2.3\n    command: [\"sh\", \"-c\", \"connect --password=${DB_PASSWORD} ${UNSET_VAR}\"]\n",
		}, "CanaryEnvSecret-91b2", "docker.compose.variables"),
		mk("env_file", map[string]string{
			"app.env":      "API_TOKEN=CanaryEnvFile-77aa\nBROKEN LINE CanaryEnvFile-77aa\n",
			"compose.yaml": plainService + "    env_file: app.env\n",
		}, "CanaryEnvFile-77aa", ""), // env_file contents are not judged yet
		mk("an included project's .env, after a $", map[string]string{
			"compose.yaml":    "include:\n  - sub/compose.yml\n" + plainService,
			"sub/compose.yml": "services:\n  w:\n    image: example/w:1.0.0\n    environment:\n      X: ${FROM_ENV}\n",
			"sub/.env":        "FROM_ENV=${NOT_SET_ANYWHERE}\nAPI_TOKEN=abc$CanaryDollar77-tail\n",
		}, "CanaryDollar77", ""), // compose-go's dotenv logged the name after the $
		mk("a flow mapping", map[string]string{
			"compose.yaml": "services:\n  api:\n    image: example/api:1.2.3\n    environment: {DB_PASSWORD: CanaryFlow-3c4d}\n",
		}, "CanaryFlow-3c4d", "docker.compose.secrets"),
		mk("a block scalar", map[string]string{
			"compose.yaml": "services:\n  api:\n    image: example/api:1.2.3\n    environment:\n      PRIVATE_KEY: |\n        CanaryBlock-5e6f\n        more-key-material\n",
		}, "CanaryBlock-5e6f", "docker.compose.secrets"),
		mk("a build-context URL", map[string]string{
			"compose.yaml": "services:\n  api:\n    build:\n      context: https://deploy:CanaryURLToken-8a9b@git.example.com/app.git\n",
		}, "CanaryURLToken-8a9b", "docker.compose.healthcheck"),
		mk("a broken Dockerfile line", map[string]string{
			"compose.yaml": plainService,
			// the \ after LEVEL=2 is missing, so the next line is read
			// as an instruction of its own
			"extra/Dockerfile": "FROM alpine:3.20\nENV LOG=1 \\\n    LEVEL=2\n    DB_PASSWORD=CanaryBroken-0d1e\nUSER app\n",
		}, "CanaryBroken-0d1e", "docker.dockerfile.user"),
		mk("an interpolation default", map[string]string{
			"compose.yaml": "services:\n  api:\n    image: example/api:1.2.3\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:-CanaryDefault-2f3a}\n",
		}, "CanaryDefault-2f3a", ""), // a literal default is not judged yet (the docker accuracy issue)
		mk("an ENV with an unterminated quote", map[string]string{
			"compose.yaml":     plainService,
			"extra/Dockerfile": "FROM alpine:3.20\nUSER app\nENV DB_PASSWORD=\"CanaryQuote-4b5c\n",
		}, "CanaryQuote-4b5c", "docker.dockerfile.secrets"),
	}
}

// TestHostileInputs runs each attack in a child process built without the
// race detector, and asserts: the run ends before a deadline, its peak RSS
// stays under 100 MB, it leaves no goroutine blocked, the expected Error
// names the rule, and no canary reaches any format or stderr.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a child program")
	}
	bin := filepath.Join(t.TempDir(), "hostilechild")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./hostilechild")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	for _, tc := range append(hostileCases(), secretCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			p, outside := filepath.Join(base, "project"), filepath.Join(base, "outside")
			require.NoError(t, os.MkdirAll(p, 0o755))
			require.NoError(t, os.MkdirAll(outside, 0o755))
			require.NoError(t, os.Mkdir(filepath.Join(p, ".git"), 0o755)) // the project root
			df := tc.setup(t, p, outside)

			ctx, cancel := context.WithTimeout(t.Context(), childDeadline)
			defer cancel()
			rssFile := filepath.Join(base, "peak-rss")
			args := []string{"-dir", p, "-rss", rssFile}
			if df != "" {
				args = append(args, "-dockerfile", df)
			}
			cmd := exec.CommandContext(ctx, bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			require.NoError(t, ctx.Err(), "the run ended before the deadline")
			require.NoError(t, err, "child failed; stderr:\n%s", truncate(stderr.String()))

			// The child reports its own peak (VmHWM): rusage's Maxrss
			// would include this race-enabled parent's high-water mark,
			// which Linux carries across fork and exec.
			raw, err := os.ReadFile(rssFile)
			require.NoError(t, err, "the child wrote its peak RSS")
			rss, err := strconv.ParseInt(string(raw), 10, 64)
			require.NoError(t, err)
			assert.Less(t, rss, int64(maxRSS), "peak RSS %d MB", rss>>20)
			t.Logf("peak RSS %d MB", rss>>20)

			all := stdout.String() + stderr.String()
			for _, c := range tc.canaries {
				assert.NotContains(t, all, c, "canary %q reached the output", c)
			}
			assert.Empty(t, stderr.String(), "nothing on stderr")

			dec := json.NewDecoder(bytes.NewReader(stdout.Bytes()))
			var doc struct {
				Outcomes []struct {
					ID, Target, Status, Message string
					Findings                    []struct{ Message, Actual string }
				} `json:"outcomes"`
			}
			require.NoError(t, dec.Decode(&doc), "the JSON report comes first")
			require.NotEmpty(t, doc.Outcomes)
			if tc.errorRule == "" && tc.flags != "" {
				// The secret is judged, not merely missed: some check fails
				// or warns on the input that holds it.
				flagged := false
				for _, o := range doc.Outcomes {
					if o.ID == tc.flags && (o.Status == "fail" || o.Status == "error") {
						flagged = true
						t.Logf("%s [%s] %s: %s", o.ID, o.Target, o.Status, o.Message)
					}
				}
				assert.True(t, flagged, "%s reports the input holding the secret", tc.flags)
				return
			}
			if tc.errorRule == "" {
				return
			}
			rule := regexp.MustCompile(tc.errorRule)
			found := false
			for _, o := range doc.Outcomes {
				if o.Status == "error" && rule.MatchString(o.Message) {
					found = true
					t.Logf("%s [%s]: %s", o.ID, o.Target, o.Message)
					break
				}
			}
			if !assert.True(t, found, "an Error outcome names the rule %q", tc.errorRule) {
				for _, o := range doc.Outcomes {
					t.Logf("%s [%s] %s: %s", o.ID, o.Target, o.Status, o.Message)
				}
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}
