package testenv

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder stands in for a test: it records Skipf and Fatalf instead of
// ending the goroutine.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestRequire(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	open := l.Addr().String()
	t.Cleanup(func() { _ = l.Close() })
	closed := "127.0.0.1:" + strconv.Itoa(FreePort(t))

	cases := []struct {
		name, what, env string
		found           string // "": missing
		skip, fail      bool
	}{
		{name: "binary on PATH", what: "sh", found: "sh"},
		{name: "binary by path", what: "/bin/sh", found: "/bin/sh"},
		{name: "open port", what: "tcp:" + open, found: open},
		{name: "missing binary skips", what: "prodcheck-no-such-binary", skip: true},
		{name: "missing binary skips when env is 0", what: "prodcheck-no-such-binary", env: "0", skip: true},
		{name: "missing binary fails when required", what: "prodcheck-no-such-binary", env: "1", fail: true},
		{name: "missing binary fails when required (true)", what: "prodcheck-no-such-binary", env: "true", fail: true},
		{name: "closed port skips", what: "tcp:" + closed, skip: true},
		{name: "closed port fails when required", what: "tcp:" + closed, env: "1", fail: true},
		{name: "missing path skips", what: "/nonexistent/nginx", skip: true},
		{name: "present binary passes when required", what: "sh", env: "1", found: "sh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(RequireEnv, tc.env)
			r := &recorder{TB: t}
			got := Require(r, tc.what)
			if tc.found != "" {
				assert.Contains(t, got, tc.found)
				assert.Empty(t, r.skipped)
				assert.Empty(t, r.failed)
				return
			}
			assert.Empty(t, got)
			if tc.skip {
				assert.Empty(t, r.failed)
				assert.Contains(t, r.skipped, tc.what, "the skip names what is missing")
				assert.Contains(t, r.skipped, RequireEnv)
			}
			if tc.fail {
				assert.Empty(t, r.skipped)
				assert.Contains(t, r.failed, tc.what, "the failure names what is missing")
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	port := FreePort(t)
	require.Positive(t, port)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	require.NoError(t, err, "the port is free to bind")
	require.NoError(t, l.Close())
}
