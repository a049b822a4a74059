package externaltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// userProgram is what a new user writes: a custom check in under 15 lines
// (the lines between the markers), run and rendered in all four formats.
const userProgram = `package main

import (
	"context"
	"os"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func main() {
	// --- custom check: begin
	c := check.New(check.Meta{ID: "team.config", Section: "Configuration Management / Environment Variables",
		Item: "Set all sensitive values", Severity: check.SeverityHigh},
		func(ctx context.Context) check.Result {
			if os.Getenv("APP_SECRET_SET") == "" {
				return check.Fail("APP_SECRET not set", check.Finding{Message: "APP_SECRET is empty",
					Location: check.Location{File: ".env", Line: 3}, Expected: "a value", Actual: "empty"})
			}
			return check.Pass("APP_SECRET set")
		})
	rep, err := (&check.Runner{}).Run(context.Background(), c)
	// --- custom check: end
	if err != nil {
		panic(err)
	}
	w := os.Stdout
	_ = report.Text(w, rep, report.TextOptions{})
	_ = report.JSON(w, rep)
	_ = report.JUnit(w, rep)
	_ = report.Markdown(w, rep)
}
`

func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build a module")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	dir := t.TempDir()
	gomod := "module example.com/deploycheck\n\ngo 1.26\n\nrequire github.com/prodcheck/prodcheck v0.0.0\n\nreplace github.com/prodcheck/prodcheck => " + root + "\n"
	var sum []byte
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(userProgram), 0o644))
	sum, err = os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))

	body := userProgram[strings.Index(userProgram, "// --- custom check: begin"):strings.Index(userProgram, "// --- custom check: end")]
	assert.Less(t, strings.Count(body, "\n")-1, 15, "the custom check takes under 15 lines")

	cmd := exec.CommandContext(t.Context(), goBin, "run", "-mod=mod", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "APP_SECRET_SET=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.Contains(t, s, "team.config", "text")
	assert.Contains(t, s, ".env:3", "the finding is located")
	assert.Contains(t, s, `"schema": "prodcheck/v1"`, "json")
	assert.Contains(t, s, "<testsuites", "junit")
	assert.Contains(t, s, "- [ ] Set all sensitive values", "markdown")
}
