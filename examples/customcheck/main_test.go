package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
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
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{
			name: "the demo passes at the default threshold",
			args: []string{"-addr", closed},
			code: 0,
			stdout: []string{
				"✓ team.env.debug-off", "! team.env.session-secret", "✗ team.env.log-level", "✓ team.net.pprof-closed",
				"sample.env:6 variable LOG_LEVEL", "found debug",
			},
		},
		{
			name:   "and fails at low",
			args:   []string{"-addr", closed, "-fail-on", "low"},
			code:   1,
			stderr: []string{"customcheck: failing at -fail-on low: team.env.log-level (low): fail: LOG_LEVEL=debug"},
		},
		{
			name:   "an open port fails at high",
			args:   []string{"-addr", open.Addr().String()},
			code:   1,
			stdout: []string{"✗ team.net.pprof-closed", "accepts connections"},
		},
		{
			name:   "your own file",
			args:   []string{"-addr", closed, "-env", debugOn},
			code:   1,
			stdout: []string{"prod.env:1 variable DEBUG", "✓ team.env.session-secret", "✓ team.env.log-level"},
		},
		{
			name:   "a broken file is an error for every check that reads it",
			args:   []string{"-addr", closed, "-env", broken},
			code:   1,
			stdout: []string{"broken.env:2: want KEY=VALUE", "1 passed", "3 errors"},
		},
		{
			name:   "a missing file",
			args:   []string{"-addr", closed, "-env", filepath.Join(t.TempDir(), "missing.env")},
			code:   1,
			stdout: []string{"no such file or directory"},
		},
		{name: "markdown", args: []string{"-addr", closed, "-format", "markdown"}, stdout: []string{"- [x] Debug mode is disabled in production", "- [ ] Log levels are set for production"}},
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
		})
	}
}

func TestRunMachineFormats(t *testing.T) {
	closed := closedAddr(t)
	var out bytes.Buffer
	require.Equal(t, 0, run(t.Context(), []string{"-addr", closed, "-format", "json"}, &out, &out))
	assert.True(t, json.Valid(out.Bytes()), out.String())
	assert.Contains(t, out.String(), `"team.env.session-secret"`)
	assert.NotContains(t, out.String(), "change-me-please", "the secret never appears")

	out.Reset()
	require.Equal(t, 0, run(t.Context(), []string{"-addr", closed, "-format", "junit"}, &out, &out))
	var v any
	assert.NoError(t, xml.Unmarshal(out.Bytes(), &v), out.String())
	assert.Contains(t, out.String(), "team.env.log-level")
}

func TestParseEnv(t *testing.T) {
	e, err := parseEnv("a.env", []byte("\n# comment\nexport A='x y'\nB = \"q\"\nC=\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]variable{"A": {"x y", 3}, "B": {"q", 4}, "C": {"", 5}}, e.vars)
	_, err = parseEnv("a.env", []byte("=x\n"))
	assert.EqualError(t, err, "customcheck: a.env:1: want KEY=VALUE")
}
