package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing binary or
// service from a skip into a failure.
const RequireEnv = "PRODCHECK_REQUIRE_SERVICES"

// sbinDirs are searched after $PATH for a bare binary name: a non-root
// $PATH often lacks them, and that is where Debian puts nginx and
// pgbouncer.
var sbinDirs = []string{"/usr/sbin", "/sbin", "/usr/local/sbin"}

// Require returns the path of the binary named what, or the address of the
// service when what is "tcp:host:port" (reachable within 2 s). When it is
// missing, the test is skipped with a message naming it, or fails when
// PRODCHECK_REQUIRE_SERVICES is set to a true value (1, true).
func Require(t testing.TB, what string) string {
	t.Helper()
	found, err := lookup(what)
	if err == nil {
		return found
	}
	missing(t, what, err)
	return ""
}

// missing reports a missing requirement on t: a skip, or a failure when the
// environment demands every service.
func missing(t testing.TB, what string, err error) {
	t.Helper()
	if required() {
		t.Fatalf("testenv: %s is required (%s=%s) but missing: %v", what, RequireEnv, os.Getenv(RequireEnv), err)
		return
	}
	t.Skipf("testenv: skipped, %s is missing: %v (set %s=1 to fail instead)", what, err, RequireEnv)
}

func required() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(RequireEnv)))
	return err == nil && v
}

func lookup(what string) (string, error) {
	if what == "" {
		return "", fmt.Errorf("empty requirement")
	}
	if addr, ok := strings.CutPrefix(what, "tcp:"); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", err
		}
		_ = c.Close()
		return addr, nil
	}
	path, err := exec.LookPath(what)
	if err == nil || strings.ContainsRune(what, filepath.Separator) {
		return path, err
	}
	for _, dir := range sbinDirs {
		if p, e := exec.LookPath(filepath.Join(dir, what)); e == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in $PATH or %s", what, strings.Join(sbinDirs, ", "))
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the caller binds it; [Nginx] retries
// on "address in use" for that reason.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: no free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("testenv: closing the port probe: %v", err)
	}
	return port
}

// stopProcess ends a server started by a helper of this package: sig (its
// graceful or fast shutdown), then SIGKILL after wait; it returns once
// done, closed when the process is reaped, is closed.
func stopProcess(cmd *exec.Cmd, done <-chan struct{}, sig os.Signal, wait time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	_ = cmd.Process.Kill()
	<-done
}
