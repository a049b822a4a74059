package guard_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/prodcheck/prodcheck/internal/guard"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const canary = "CANARY-outside-7f3a"

// layout builds outside/secret (a canary) and root/ with files of every
// kind, and returns the two directories.
func layout(t testing.TB) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "root"), filepath.Join(base, "outside")
	for _, d := range []string{root, outside, filepath.Join(root, "sub"), filepath.Join(root, "dir")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	write := func(p, s string) { require.NoError(t, os.WriteFile(p, []byte(s), 0o644)) }
	write(filepath.Join(outside, "secret"), canary)
	write(filepath.Join(root, "compose.yml"), "services: {}\n")
	write(filepath.Join(root, "sub", "x.yml"), "x: 1\n")
	write(filepath.Join(root, "big"), strings.Repeat("a", 2048))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "escape")))
	require.NoError(t, os.Symlink("../sub/x.yml", filepath.Join(root, "dir", "inside-link")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(root, "zero")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
	return root, outside
}

func TestReadFile(t *testing.T) {
	root, outside := layout(t)
	r, err := guard.New(guard.Options{Root: root, MaxFileSize: 1024})
	require.NoError(t, err)
	defer r.Close()
	for _, tc := range []struct {
		name string
		path string
		want string // content; "" with rule
		rule error
	}{
		{"relative", "compose.yml", "services: {}\n", nil},
		{"absolute inside", filepath.Join(root, "sub", "x.yml"), "x: 1\n", nil},
		{"dot-dot inside", "sub/../compose.yml", "services: {}\n", nil},
		{"symlink inside", "dir/inside-link", "x: 1\n", nil},
		{"dot-dot outside", "../outside/secret", "", guard.ErrOutside},
		{"absolute outside", filepath.Join(outside, "secret"), "", guard.ErrOutside},
		{"etc passwd", "/etc/passwd", "", guard.ErrOutside},
		{"dev zero", "/dev/zero", "", guard.ErrOutside},
		{"symlink escaping", "escape", "", guard.ErrOutside},
		{"symlink to a device", "zero", "", guard.ErrOutside},
		{"fifo", "fifo", "", guard.ErrNotRegular},
		{"directory", "dir", "", guard.ErrNotRegular},
		{"too large", "big", "", guard.ErrTooLarge},
		{"missing", "nope.yml", "", os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A blocking open (a FIFO without O_NONBLOCK) would hang here
			// until the test binary's timeout.
			data, err := r.ReadFile(tc.path, "compose.yml include "+tc.name)
			if tc.rule == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(data))
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.rule)
			var ge *guard.Error
			require.ErrorAs(t, err, &ge)
			assert.Equal(t, "compose.yml include "+tc.name, ge.File)
			assert.NotContains(t, err.Error(), canary, "no content in errors")
			assert.Nil(t, data)
		})
	}
}

func TestStatAndRel(t *testing.T) {
	root, _ := layout(t)
	r, err := guard.New(guard.Options{Root: root})
	require.NoError(t, err)
	defer r.Close()
	fi, err := r.Stat("sub/x.yml", "x")
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())
	_, err = r.Stat("escape", "e")
	assert.ErrorIs(t, err, guard.ErrOutside)
	rel, err := r.Rel(filepath.Join(root, "sub", "x.yml"), "x")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("sub", "x.yml"), rel)
	_, err = r.Rel("../../etc/passwd", "p")
	assert.ErrorIs(t, err, guard.ErrOutside)
	assert.Contains(t, err.Error(), "outside the project root")
	assert.Equal(t, int64(guard.DefaultMaxFileSize), r.Limit())
	_, err = guard.New(guard.Options{})
	assert.Error(t, err)
}

func TestDefaultRoot(t *testing.T) {
	base := t.TempDir()
	deep := filepath.Join(base, "repo", "deploy", "prod")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	got, err := guard.DefaultRoot(deep)
	require.NoError(t, err)
	assert.Equal(t, deep, got, "no git work tree: the directory itself")
	require.NoError(t, os.Mkdir(filepath.Join(base, "repo", ".git"), 0o755))
	got, err = guard.DefaultRoot(deep)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(base, "repo"), got, "the top of the git work tree")
}

// FuzzReadFile asserts that no name, however built, reads outside the root
// or blocks, and that every refusal is a *guard.Error.
func FuzzReadFile(f *testing.F) {
	for _, s := range []string{"compose.yml", "../outside/secret", "/etc/passwd", "escape", "fifo", "dir/../../outside/secret", "sub/./x.yml", "zero", "dir/inside-link", "\x00", ""} {
		f.Add(s)
	}
	root, _ := layout(f)
	f.Fuzz(func(t *testing.T, name string) {
		r, err := guard.New(guard.Options{Root: root, MaxFileSize: 4096})
		require.NoError(t, err)
		defer r.Close()
		data, err := r.ReadFile(name, "fuzz")
		if err != nil {
			var ge *guard.Error
			assert.True(t, errors.As(err, &ge), "%T %v", err, err)
			assert.NotContains(t, err.Error(), canary)
			return
		}
		assert.NotContains(t, string(data), canary, "read outside the root through %q", name)
	})
}
