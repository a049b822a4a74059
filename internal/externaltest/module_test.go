package externaltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goVersion is the go line of a new user's module: the lowest Go version
// prodcheck declares, so that a user is not forced onto a newer toolchain.
const goVersion = "1.26.0"

// repoRoot returns the root of this repository, from this file's path.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok, "the path of this test file")
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// userModule writes a module outside this repository, at the path
// example.com/deploycheck with "go 1.26.0", that requires prodcheck
// through a replace directive to this repository, with files (relative
// paths to contents). It returns the module's directory.
func userModule(t *testing.T, files map[string]string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	// The requirements are prodcheck's own, as `go get` would copy them
	// into a user's go.mod: with them the module graph is the one this
	// repository's build already loaded, so the offline build needs no
	// go.mod file that a fresh module cache lacks.
	repoMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	_, reqs, ok := strings.Cut(string(repoMod), "\nrequire")
	require.True(t, ok, "go.mod has requirements")
	gomod := "module example.com/deploycheck\n\ngo " + goVersion + "\n\nrequire github.com/prodcheck/prodcheck v0.0.0\n\nrequire" + reqs +
		"\nreplace github.com/prodcheck/prodcheck => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	files["go.mod"] = gomod
	files["go.sum"] = string(sum)
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

// goCmd returns the go command running args in dir, offline and with the
// local toolchain only: no module and no toolchain is downloaded, so a go
// line or a dependency that needs a newer Go fails instead of fetching one.
func goCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build a module")
	cmd := exec.CommandContext(t.Context(), goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	return cmd
}

// runGo runs the go command with args in dir and requires it to succeed.
func runGo(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := goCmd(t, dir, args...).CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// requireGoLine requires that the module in dir still declares goVersion
// and no toolchain: building it did not need a newer Go.
func requireGoLine(t *testing.T, dir string) {
	t.Helper()
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.Contains(t, string(gomod), "\ngo "+goVersion+"\n", "the go line stays %s:\n%s", goVersion, gomod)
	require.NotContains(t, string(gomod), "\ntoolchain ", "no toolchain line was added:\n%s", gomod)
}
