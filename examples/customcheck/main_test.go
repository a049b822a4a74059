package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestRun(t *testing.T) {
	closed := closedAddr(t)
	open, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = open.Close() })

	debugOn := filepath.Join(t.TempDir(), "prod.env")
	require.NoError(t, os.WriteFile(debugOn, []byte("export DEBUG=\"true\"\nLOG_LEVEL=info\nSESSION_SECRET=0123456789abcdef0123456789abcdef-x\n"), 0o600))
	broken := filepath.Join(t.TempDir(), "broken.env")
	require.NoError(t, os.WriteFile(broken, []byte("# ok\nNOT A VARIABLE\n"), 0o600))

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStderr []string
	}{
		{
			name: "the demo passes at the default threshold",
			args: []string{"-addr", closed},
			code: 0,
			stdout: []string{
				"team.env.debug-off", "team.env.session-secret", "team.env.log-level", "team.net.pprof-closed",
				"sample.env:6 variable LOG_LEVEL", "sample.env:7 variable SESSION_SECRET",
			},
			stderr: []string{"customcheck: the run passes (fail at high or above): 2 failures below high\n"},
		},
		{
			name:   "a medium failure does not fail the run at -fail-on high",
			args:   []string{"-addr", closed, "-fail-on", "high"},
			code:   0,
			stderr: []string{"customcheck: the run passes (fail at high or above): 2 failures below high\n"},
		},
		{
			name:   "nor at critical",
			args:   []string{"-addr", closed, "-fail-on", "critical"},
			code:   0,
			stderr: []string{"the run passes (fail at critical or above): 2 failures below critical"},
		},
		{
			name:      "it fails the run at medium",
			args:      []string{"-addr", closed, "-fail-on", "medium"},
			code:      1,
			stderr:    []string{"customcheck: the run fails (fail at medium or above): team.env.session-secret [sample.env] (medium): fail: session secret of 9 characters\n"},
			notStderr: []string{"team.env.log-level", "the run passes"},
		},
		{
			name: "and at low, with the low failure",
			args: []string{"-addr", closed, "-fail-on", "low"},
			code: 1,
			stderr: []string{
				"customcheck: the run fails (fail at low or above): 2 checks failed:",
				"team.env.session-secret [sample.env] (medium): fail: session secret of 9 characters",
				"team.env.log-level [sample.env] (low): fail: LOG_LEVEL=debug",
			},
		},
		{
			name:   "an open port fails at high",
			args:   []string{"-addr", open.Addr().String()},
			code:   1,
			stdout: []string{"team.net.pprof-closed", "accepts connections"},
			stderr: []string{"team.net.pprof-closed [" + open.Addr().String() + "] (high): fail: " + open.Addr().String() + " accepts connections"},
		},
		{
			name:   "your own file",
			args:   []string{"-addr", closed, "-env", debugOn},
			code:   1,
			stdout: []string{"prod.env:1 variable DEBUG"},
			stderr: []string{"team.env.debug-off [" + filepath.ToSlash(debugOn) + "] (high): fail: debug mode is on"},
		},
		{
			name:   "a broken file is an error for every check that reads it",
			args:   []string{"-addr", closed, "-env", broken},
			code:   1,
			stdout: []string{"broken.env:2: want KEY=VALUE"},
			stderr: []string{"3 checks failed:"},
		},
		{
			name:   "a missing file",
			args:   []string{"-addr", closed, "-env", filepath.Join(t.TempDir(), "missing.env")},
			code:   1,
			stdout: []string{"no such file or directory"},
		},
		{name: "markdown", args: []string{"-addr", closed, "-format", "markdown"}, stdout: []string{"Debug mode is disabled in production", "Log levels are set for production"}},
		{name: "bad format", args: []string{"-format", "yaml"}, code: 2, stderr: []string{`unknown format "yaml"`}},
		{name: "bad severity", args: []string{"-fail-on", "severe"}, code: 2, stderr: []string{`unknown severity "severe"`}},
		{name: "unset severity", args: []string{"-fail-on", ""}, code: 2, stderr: []string{"-fail-on"}},
		{name: "bad flag", args: []string{"-nope"}, code: 2, stderr: []string{"flag provided but not defined: -nope"}},
		{name: "arguments", args: []string{"extra"}, code: 2, stderr: []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			for _, s := range tt.stdout {
				assert.Contains(t, stdout.String(), s)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, stderr.String(), s)
			}
			for _, s := range tt.notStderr {
				assert.NotContains(t, stderr.String(), s)
			}
		})
	}
}

// The machine formats record the policy -fail-on set and the verdict
// under it, and agree with the exit status.
func TestRunMachineFormats(t *testing.T) {
	closed := closedAddr(t)
	for _, tt := range []struct {
		failOn  string
		code    int
		failing int // outcomes that fail the run
	}{{"high", 0, 0}, {"medium", 1, 1}, {"low", 1, 2}} {
		t.Run(tt.failOn, func(t *testing.T) {
			var out, stderr bytes.Buffer
			require.Equal(t, tt.code, run(t.Context(), []string{"-addr", closed, "-format", "json", "-fail-on", tt.failOn}, &out, &stderr), "%s", &stderr)
			var doc struct {
				Passed bool `json:"passed"`
				Policy struct {
					Threshold string `json:"threshold"`
				} `json:"policy"`
				Outcomes []struct {
					ID     string `json:"id"`
					Target string `json:"target"`
				} `json:"outcomes"`
			}
			require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
			assert.Equal(t, tt.code == 0, doc.Passed, "JSON passed agrees with the exit status")
			assert.Equal(t, tt.failOn, doc.Policy.Threshold)
			require.Len(t, doc.Outcomes, 4)
			assert.Equal(t, "sample.env", doc.Outcomes[1].Target)
			assert.Equal(t, closed, doc.Outcomes[3].Target)
			assert.NotContains(t, out.String(), "change-me", "the secret never appears")

			out.Reset()
			stderr.Reset()
			require.Equal(t, tt.code, run(t.Context(), []string{"-addr", closed, "-format", "junit", "-fail-on", tt.failOn}, &out, &stderr), "%s", &stderr)
			var v any
			assert.NoError(t, xml.Unmarshal(out.Bytes(), &v), out.String())
			assert.Contains(t, out.String(), "team.env.log-level")
			assert.Equal(t, tt.failing, strings.Count(out.String(), "<failure"), "a JUnit failure means: fails the run under the policy")
		})
	}
}

func TestParseEnv(t *testing.T) {
	e, err := parseEnv("a.env", []byte("\n# comment\nexport A='x y'\nB = \"q\"\nC=\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]variable{"A": {"x y", 3}, "B": {"q", 4}, "C": {"", 5}}, e.vars)
	_, err = parseEnv("a.env", []byte("=x\n"))
	assert.EqualError(t, err, "customcheck: a.env:1: want KEY=VALUE")
}
