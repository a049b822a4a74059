package docker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prodcheck/prodcheck/check"
)

// FuzzComposeLines feeds random bytes to the line-mapping code (the yaml.v3
// node pass, merge keys, aliases, extends, variable references, error
// location) and then to the whole load and every check: nothing panics.
func FuzzComposeLines(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(composeTestdata, "*", "*.yaml"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("x: &a {<<: *a}\n"))
	f.Add(composeLaughs(3))
	f.Add([]byte("services:\n  a: &a\n    <<: [*a, *a]\n    image: ${X:-${Y}}\n"))
	f.Add([]byte("services:\n  a:\n    extends: a\n  b:\n    extends: {service: a, file: b.yaml}\n"))
	f.Add([]byte("services: {a: {environment: [A=1, B], ports: [1, {target: 2}], volumes: [/x:/y]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		ix := newComposeIndex(dir, map[string]string{"X": "1"}, 1<<20)
		_, _ = ix.addTop(composeFileRef{abs: filepath.Join(dir, "compose.yaml"), display: "compose.yaml"}, data)
		pickers := []func(*yaml.Node) *yaml.Node{
			composeKey("image"),
			composeKey("deploy", "resources", "limits", "memory"),
			composeItem("ports", func(*yaml.Node) bool { return true }),
			composeFirst(composeKey("healthcheck", "timeout"), composeKey("healthcheck")),
		}
		m := &composeModel{ix: ix, env: ix.env, project: &types.Project{}}
		for _, d := range ix.allDocs() {
			for name := range d.services {
				ix.firstService(name)
				for _, p := range pickers {
					ix.find(name, p)
				}
				m.envEntry(name, "A")
				m.rawValue(name, "image")
				m.at(name, m.portPick(types.ServicePortConfig{Target: 80}))
			}
		}
		ix.variableRefs()
		ix.lineOfPath([]string{"services", "a", "ports", "0"})
		_ = ix.locateError(errors.New("validating " + filepath.Join(dir, "compose.yaml") + ": services.a.b.c line 3"))

		// The whole pipeline.
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p := Compose(ComposeOptions{Dir: dir, Env: map[string]string{"X": "1"}})
		ctx, release := check.WithMemo(context.Background())
		defer release()
		for _, c := range ComposeChecks(p, ComposeChecksOptions{}) {
			if r := c.Run(ctx); !r.Status.Valid() {
				t.Fatalf("%s: invalid status %v", c.Meta().ID, r.Status)
			}
		}
	})
}

// FuzzComposeEnv feeds .env files to the bounded parser: it never panics,
// what it returns stays under the expansion caps, and its errors quote no
// assignment of the input.
func FuzzComposeEnv(f *testing.F) {
	f.Add([]byte("A=1\nB=${A}${A}\n"))
	f.Add([]byte("DB_PASSWORD=\"unterminated\n"))
	f.Add([]byte("A0=xxxxxxxx\nA1=${A0}${A0}\nA2=${A1}${A1}\nA3=${A2}${A2}\n"))
	f.Add([]byte("X=${Y:-${Z:-default}}\nexport K='v'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := composeParseEnv(".env", data, map[string]string{"OUTER": "o"})
		if err != nil {
			for _, line := range strings.Split(string(data), "\n") {
				if len(line) >= 24 && strings.Contains(line, "=") && strings.Contains(err.Error(), line) {
					t.Fatalf("error quotes an input line: %v", err)
				}
			}
			return
		}
		total := 0
		for _, v := range vars {
			if len(v) > composeMaxValueExpand {
				t.Fatalf("a value of %d bytes passed the per-value cap", len(v))
			}
			total += len(v)
		}
		if total > composeMaxTotalExpand+len(data) {
			t.Fatalf("values of %d bytes passed the total cap", total)
		}
	})
}
