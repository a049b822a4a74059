package externaltest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// userProgram is what a new user writes: a custom check in under 15 lines
// (the lines between the markers), run under a policy and rendered in all
// four formats, exiting 1 when the run fails under the policy.
const userProgram = `package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// --- custom check: begin
func configCheck() check.Check {
	return check.New(check.Meta{ID: "team.config", Target: ".env", Severity: check.SeverityHigh,
		Section: "Configuration Management / Environment Variables", Item: "Set all sensitive values"},
		func(ctx context.Context) check.Result {
			if os.Getenv("APP_SECRET_SET") == "" {
				return check.Fail("APP_SECRET not set", check.Finding{Message: "APP_SECRET is empty",
					Location: check.Location{File: ".env", Line: 3}, Expected: "a value", Actual: "empty"})
			}
			return check.Pass("APP_SECRET set")
		})
}
// --- custom check: end

func main() {
	runner := check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}
	rep, err := runner.Run(context.Background(), configCheck())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	renderers := []func(io.Writer, *check.Report, report.Options) error{report.Text, report.JSON, report.JUnit, report.Markdown}
	for _, render := range renderers {
		if err := render(os.Stdout, rep, report.Options{NoTimings: true}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`

// userTest is the user's go test of the same check, with checktest.
const userTest = `package main

import (
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
)

func TestConfig(t *testing.T) {
	t.Setenv("APP_SECRET_SET", "yes")
	checktest.Run(t, configCheck())
}

func TestConfigContract(t *testing.T) {
	checktest.Contract(t, configCheck())
}

func TestConfigMissing(t *testing.T) {
	t.Setenv("APP_SECRET_SET", "")
	checktest.RequireStatus(t, t.Context(), configCheck(), check.StatusFail)
}
`

// TestExternalModule builds, vets and tests a new user's module outside
// this repository that imports check, check/checktest and report, with
// "go 1.26.0" in its go.mod, offline and with the local toolchain only,
// then runs the program.
func TestExternalModule(t *testing.T) {
	body := userProgram[strings.Index(userProgram, "// --- custom check: begin"):strings.Index(userProgram, "// --- custom check: end")]
	assert.Less(t, strings.Count(body, "\n")-1, 15, "the custom check takes under 15 lines")

	dir := userModule(t, map[string]string{"main.go": userProgram, "main_test.go": userTest})
	bin := filepath.Join(t.TempDir(), "deploycheck")
	runGo(t, dir, "build", "-o", bin, ".")
	runGo(t, dir, "vet", "./...")
	out := runGo(t, dir, "test", "-count=1", "-v", "./...")
	assert.Contains(t, out, "--- PASS: TestConfig/team.config_[.env]", "checktest names the subtest with the target")
	assert.Contains(t, out, "--- PASS: TestConfigContract/team.config_[.env]/pass-no-findings", "the contract runs")
	assert.Contains(t, out, "--- PASS: TestConfigMissing")
	requireGoLine(t, dir)

	run := func(secret string) (string, int) {
		cmd := exec.CommandContext(t.Context(), bin)
		cmd.Env = []string{"APP_SECRET_SET=" + secret}
		out, err := cmd.CombinedOutput()
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			return string(out), exit.ExitCode()
		}
		require.NoError(t, err, "%s", out)
		return string(out), 0
	}
	s, code := run("")
	assert.Equal(t, 1, code, "a high failure fails the run at threshold high:\n%s", s)
	assert.Contains(t, s, "team.config", "text")
	assert.Contains(t, s, ".env:3", "the finding is located")
	assert.Contains(t, s, `"schema": "prodcheck/v1"`, "json")
	assert.Contains(t, s, `"target": ".env"`, "json names the target")
	assert.Contains(t, s, "<testsuites", "junit")
	assert.Contains(t, s, "<failure", "junit fails the failing check")
	assert.Contains(t, s, "Set all sensitive values", "markdown")

	s, code = run("yes")
	assert.Equal(t, 0, code, "%s", s)
	assert.NotContains(t, s, "<failure")
}
