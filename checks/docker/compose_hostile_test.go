package docker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// hostileTestdata holds the static hostile compose projects.
var hostileTestdata = filepath.Join("testdata", "hostile", "compose")

// hostileCase is one attack on the compose loader: a project written by
// whoever opened the pull request.
type hostileCase struct {
	name string
	// setup writes the project under top (a fresh temporary directory,
	// whose proj subdirectory is the project and the default root) and
	// returns its options.
	setup func(t *testing.T, top string) ComposeOptions
	// want is in every outcome's message, every outcome being an Error;
	// "" means the project loads and no outcome is an Error.
	want string
	// canaries appear in no result, finding, error or report.
	canaries []string
}

// hostileWrite writes files under dir, creating directories.
func hostileWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
}

// hostileFIFO creates a FIFO that nothing ever writes to.
func hostileFIFO(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, syscall.Mkfifo(path, 0o644))
}

// hostileProject writes files into top/proj and returns its options.
func hostileProject(files map[string]string) func(t *testing.T, top string) ComposeOptions {
	return func(t *testing.T, top string) ComposeOptions {
		proj := filepath.Join(top, "proj")
		hostileWrite(t, proj, files)
		return ComposeOptions{Dir: proj}
	}
}

const hostileOutside = "services:\n  leak:\n    image: CANARY_OUTSIDE_CONTENT\n    bogus: CANARY_OUTSIDE_BOGUS\nroot:x:0:0:CANARY_OUTSIDE_LINE\n"

var hostileCases = []hostileCase{
	{
		name: "include /etc/passwd",
		setup: func(*testing.T, string) ComposeOptions {
			return ComposeOptions{Dir: filepath.Join(hostileTestdata, "include-passwd")}
		},
		want:     "outside the project root",
		canaries: []string{"root:x:0:0", "/bin/sh", "nologin"},
	},
	{
		name: "include ../outside.yml",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"outside.yml": hostileOutside})
			return hostileProject(map[string]string{"compose.yaml": "include:\n  - ../outside.yml\nservices:\n  app:\n    image: app:1.0\n"})(t, top)
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name: "include a symlink leaving the root",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"outside.yml": hostileOutside})
			o := hostileProject(map[string]string{"compose.yaml": "include:\n  - shared.yml\nservices:\n  app:\n    image: app:1.0\n"})(t, top)
			require.NoError(t, os.Symlink(filepath.Join(top, "outside.yml"), filepath.Join(o.Dir, "shared.yml")))
			return o
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name: "include beyond an explicit root",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"proj/shared/x.yml": hostileOutside})
			o := hostileProject(map[string]string{"app/compose.yaml": "include:\n  - ../shared/x.yml\nservices:\n  app:\n    image: app:1.0\n"})(t, top)
			return ComposeOptions{Dir: filepath.Join(o.Dir, "app"), Root: filepath.Join(o.Dir, "app")}
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name:  "include /dev/zero",
		setup: hostileProject(map[string]string{"compose.yaml": "include:\n  - /dev/zero\nservices:\n  app:\n    image: app:1.0\n"}),
		want:  "outside the project root",
	},
	{
		name: "extends a file outside",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"outside.yml": hostileOutside})
			return hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    extends:\n      file: ../outside.yml\n      service: leak\n"})(t, top)
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name: "env_file outside",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"outside.env": "DB_PASSWORD=CANARY_OUTSIDE_ENV\n"})
			return hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\n    env_file: [../outside.env]\n"})(t, top)
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name: "include env_file outside",
		setup: func(t *testing.T, top string) ComposeOptions {
			hostileWrite(t, top, map[string]string{"outside.env": "X=CANARY_OUTSIDE_ENV\"\n"})
			return hostileProject(map[string]string{
				"compose.yaml": "include:\n  - path: sub.yml\n    env_file: ../outside.env\nservices:\n  app:\n    image: app:1.0\n",
				"sub.yml":      "services:\n  sub:\n    image: sub:1.0\n",
			})(t, top)
		},
		want:     "outside the project root",
		canaries: []string{"CANARY_OUTSIDE"},
	},
	{
		name: "FIFO .env",
		setup: func(t *testing.T, top string) ComposeOptions {
			o := hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\n"})(t, top)
			hostileFIFO(t, filepath.Join(o.Dir, ".env"))
			return o
		},
		want: "not a regular file",
	},
	{
		name: "FIFO included file",
		setup: func(t *testing.T, top string) ComposeOptions {
			o := hostileProject(map[string]string{"compose.yaml": "include:\n  - fifo.yml\nservices:\n  app:\n    image: app:1.0\n"})(t, top)
			hostileFIFO(t, filepath.Join(o.Dir, "fifo.yml"))
			return o
		},
		want: "not a regular file",
	},
	{
		name: "FIFO env_file",
		setup: func(t *testing.T, top string) ComposeOptions {
			o := hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\n    env_file:\n      - path: fifo.env\n        required: false\n"})(t, top)
			hostileFIFO(t, filepath.Join(o.Dir, "fifo.env"))
			return o
		},
		want: "not a regular file",
	},
	{
		name: "FIFO .env of an included project",
		setup: func(t *testing.T, top string) ComposeOptions {
			o := hostileProject(map[string]string{
				"compose.yaml":     "include:\n  - sub/compose.yaml\nservices:\n  app:\n    image: app:1.0\n",
				"sub/compose.yaml": "services:\n  sub:\n    image: sub:1.0\n",
			})(t, top)
			hostileFIFO(t, filepath.Join(o.Dir, "sub", ".env"))
			return o
		},
		want: "not a regular file",
	},
	{
		name: ".env bomb",
		setup: func(*testing.T, string) ComposeOptions {
			return ComposeOptions{Dir: filepath.Join(hostileTestdata, "envbomb")}
		},
		want:     "expands past",
		canaries: []string{"CANARY_ENVBOMB"},
	},
	{
		name: ".env bomb in an included project",
		setup: func(t *testing.T, top string) ComposeOptions {
			bomb, err := os.ReadFile(filepath.Join(hostileTestdata, "envbomb", ".env"))
			require.NoError(t, err)
			return hostileProject(map[string]string{
				"compose.yaml":     "include:\n  - sub/compose.yaml\nservices:\n  app:\n    image: app:1.0\n",
				"sub/compose.yaml": "services:\n  sub:\n    image: sub:${A39}\n",
				"sub/.env":         string(bomb),
			})(t, top)
		},
		want:     "expands past",
		canaries: []string{"CANARY_ENVBOMB"},
	},
	{
		name: "interpolation bomb",
		setup: hostileProject(map[string]string{
			".env":         "A=" + strings.Repeat("x", 4000) + "\n",
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    command: \"" + strings.Repeat("${A}", 600) + "\"\n",
		}),
		want: "expands past",
	},
	{
		name: "8-level include chain, big file at the bottom",
		setup: func(t *testing.T, top string) ComposeOptions {
			files := map[string]string{"compose.yaml": "include:\n  - l1.yml\nservices:\n  app:\n    image: app:1.0\n"}
			for i := 1; i < 8; i++ {
				files[fmt.Sprintf("l%d.yml", i)] = fmt.Sprintf("include:\n  - l%d.yml\nservices:\n  s%d:\n    image: s:1.0\n", i+1, i)
			}
			files["l8.yml"] = "services:\n  big:\n    image: CANARY_BIG:1.0\n" + strings.Repeat("# padding padding padding\n", 9<<20/26)
			return hostileProject(files)(t, top)
		},
		want:     "too large",
		canaries: []string{"CANARY_BIG"},
	},
	{
		name: "include chain deeper than the cap",
		setup: func(t *testing.T, top string) ComposeOptions {
			files := map[string]string{"compose.yaml": "include:\n  - l1.yml\nservices:\n  app:\n    image: app:1.0\n"}
			for i := 1; i <= 9; i++ {
				files[fmt.Sprintf("l%d.yml", i)] = fmt.Sprintf("include:\n  - l%d.yml\nservices:\n  s%d:\n    image: s:1.0\n", i+1, i)
			}
			files["l10.yml"] = "services:\n  last:\n    image: s:1.0\n"
			return hostileProject(files)(t, top)
		},
		want: "include nesting deeper than",
	},
	{
		name:  "deep nested flow YAML (45 KB)",
		setup: hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\nx-deep: " + strings.Repeat("{a: ", 11000) + strings.Repeat("}", 11000) + "\n"}),
		want:  "nesting deeper than",
	},
	{
		name:  "nesting past the cap",
		setup: hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\nx-deep: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"}),
		want:  "nesting deeper than 64",
	},
	{
		name:  "too many separators in one file",
		setup: hostileProject(map[string]string{"compose.yaml": "services:\n  app:\n    image: app:1.0\nx-wide: [" + strings.Repeat("a,", 210_000) + "a]\n"}),
		want:  "more than 60000 lines and flow separators",
	},
	{
		// Each file stays under the per-file bound; together they pass
		// the project's node cap.
		name: "too many nodes across included files",
		setup: hostileProject(map[string]string{
			"compose.yaml": "include:\n  - a.yml\n  - b.yml\n  - c.yml\n  - d.yml\nservices:\n  app:\n    image: app:1.0\n",
			"a.yml":        "x-a: [" + strings.Repeat("a,", 55_000) + "a]\n",
			"b.yml":        "x-b: [" + strings.Repeat("a,", 55_000) + "a]\n",
			"c.yml":        "x-c: [" + strings.Repeat("a,", 55_000) + "a]\n",
			"d.yml":        "x-d: [" + strings.Repeat("a,", 55_000) + "a]\n",
		}),
		want: "more than 200000 YAML nodes",
	},
	{
		name:     ".env unterminated quote",
		setup:    hostileProject(map[string]string{".env": "MODE=prod\nDB_PASSWORD=\"CANARY_UNTERMINATED\n", "compose.yaml": "services:\n  app:\n    image: app:1.0\n"}),
		want:     "unterminated quoted value",
		canaries: []string{"CANARY_UNTERMINATED"},
	},
	{
		name:     ".env bad variable name",
		setup:    hostileProject(map[string]string{".env": "CANARY_BADNAME$x=1\n", "compose.yaml": "services:\n  app:\n    image: app:1.0\n"}),
		want:     "unexpected character",
		canaries: []string{"CANARY_BADNAME"},
	},
	{
		name: "schema error beside a flow-style secret",
		setup: hostileProject(map[string]string{
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    environment: {DB_PASSWORD: \"CANARY_FLOWBAD${\"}\n",
		}),
		want:     "docker: compose: ",
		canaries: []string{"CANARY_FLOWBAD"},
	},
	// Secret placements: the project loads; no secret value is shown.
	{
		name: ".env secret interpolated into a command",
		setup: hostileProject(map[string]string{
			".env":         "DB_PASSWORD=CANARY_DOTENV_pw\n",
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    command: [\"run\", \"--pw=${DB_PASSWORD} ${UNSET_X}\"]\n",
		}),
		canaries: []string{"CANARY_DOTENV"},
	},
	{
		name: ".env secret under a neutral name, interpolated",
		setup: hostileProject(map[string]string{
			".env":         "DB_PASSWORD=CANARY_DOTENV_pw\nCONN=postgres://app:CANARY_URLPW@db/app\n",
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    command: \"run ${CONN} ${UNSET_X}\"\n",
		}),
		canaries: []string{"CANARY_URLPW"},
	},
	{
		name: "secret in env_file",
		setup: hostileProject(map[string]string{
			"app.env":      "DB_PASSWORD=CANARY_ENVFILE_pw\n",
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    env_file: app.env\n",
		}),
		canaries: []string{"CANARY_ENVFILE"},
	},
	{
		name: "flow, block scalar and quoted multi-line secrets",
		setup: func(*testing.T, string) ComposeOptions {
			return ComposeOptions{Dir: filepath.Join(hostileTestdata, "flow-secrets")}
		},
		canaries: []string{"CANARY_FLOW", "CANARY_BLOCK", "CANARY_QUOTED"},
	},
	{
		name: "token in a build-context URL",
		setup: hostileProject(map[string]string{
			"compose.yaml": "services:\n  app:\n    build:\n      context: https://deploy:CANARY_CTXTOKEN@git.example.com/app.git\n",
		}),
		canaries: []string{"CANARY_CTXTOKEN"},
	},
	{
		name: "secret as an interpolation default",
		setup: hostileProject(map[string]string{
			"compose.yaml": "services:\n  app:\n    image: app:1.0\n    command: \"run --password=${DB_PASSWORD:-CANARY_DEFAULT} ${UNSET_Y}\"\n    environment:\n      API_TOKEN: ${API_TOKEN:-CANARY_DEFAULT_ENV}\n",
		}),
		canaries: []string{"CANARY_DEFAULT"},
	},
}

// TestComposeHostile runs each attack through the public API and asserts
// an Error naming the rule, and no canary in any result or report.
func TestComposeHostile(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.setup(t, t.TempDir())
			rep := composeRunAll(t, Compose(opts))
			require.NotEmpty(t, rep.Outcomes)
			for _, o := range rep.Outcomes {
				if c.want != "" {
					require.Equal(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
					assert.Contains(t, o.Result.Message, c.want, o.Meta.ID)
				} else {
					assert.NotEqual(t, check.StatusError, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				}
			}
			hostileAssertAbsent(t, rep, c.canaries)
		})
	}
}

// hostileAssertAbsent asserts that no canary appears in rep's results,
// findings, errors, or in any report format.
func hostileAssertAbsent(t *testing.T, rep *check.Report, canaries []string) {
	t.Helper()
	var all bytes.Buffer
	for _, o := range rep.Outcomes {
		all.WriteString(o.Result.Message + "\n")
		if o.Result.Err != nil {
			all.WriteString(o.Result.Err.Error() + "\n")
		}
		for _, f := range o.Result.Findings {
			all.WriteString(f.Message + "\n" + f.Expected + "\n" + f.Actual + "\n" + f.Location.String() + "\n")
		}
	}
	renders := map[string]func(*bytes.Buffer) error{
		"text":     func(w *bytes.Buffer) error { return report.Text(w, rep, report.Options{}) },
		"json":     func(w *bytes.Buffer) error { return report.JSON(w, rep, report.Options{}) },
		"junit":    func(w *bytes.Buffer) error { return report.JUnit(w, rep, report.Options{}) },
		"markdown": func(w *bytes.Buffer) error { return report.Markdown(w, rep, report.Options{}) },
	}
	for name, render := range renders {
		var b bytes.Buffer
		require.NoError(t, render(&b), name)
		assert.NotEmpty(t, b.String(), name)
		all.WriteString(b.String())
	}
	for _, c := range canaries {
		assert.NotContains(t, all.String(), c)
	}
}

// TestComposeRootDefault: with no Root, named files may reach anywhere in
// the git work tree holding the project (include: ../shared/x.yml), and
// not beyond it.
func TestComposeRootDefault(t *testing.T) {
	top := t.TempDir()
	hostileWrite(t, top, map[string]string{
		"outside.yml":               hostileOutside,
		"repo/shared/x.yml":         "services:\n  shared:\n    image: shared:1.0\n",
		"repo/deploy/compose.yaml":  "include:\n  - ../shared/x.yml\nservices:\n  app:\n    image: app:1.0\n",
		"repo/deploy2/compose.yaml": "include:\n  - ../../outside.yml\nservices:\n  app:\n    image: app:1.0\n",
	})
	require.NoError(t, os.Mkdir(filepath.Join(top, "repo", ".git"), 0o755))

	p, err := Compose(ComposeOptions{Dir: filepath.Join(top, "repo", "deploy")}).Load(context.Background())
	require.NoError(t, err)
	assert.Contains(t, p.Services, "shared")

	_, err = Compose(ComposeOptions{Dir: filepath.Join(top, "repo", "deploy2")}).Load(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "outside the project root")
	assert.NotContains(t, err.Error(), "CANARY")
	var ce *ComposeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "compose.yaml", ce.File)
	assert.Equal(t, 2, ce.Line, "the include item")
}

// TestComposeCallerFilesNotConfined: the files the caller names may lie
// outside the root; only what they name is confined.
func TestComposeCallerFilesNotConfined(t *testing.T) {
	top := t.TempDir()
	hostileWrite(t, top, map[string]string{
		"elsewhere/compose.yaml": "services:\n  app:\n    image: app:1.0\n",
		"proj/README":            "x\n",
	})
	p, err := Compose(ComposeOptions{
		Dir:   filepath.Join(top, "proj"),
		Files: []string{filepath.Join(top, "elsewhere", "compose.yaml")},
		Root:  filepath.Join(top, "proj"),
	}).Load(context.Background())
	require.NoError(t, err)
	assert.Contains(t, p.Services, "app")
}
