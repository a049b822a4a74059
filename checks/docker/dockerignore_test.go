package docker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDockerIgnoreExcludes(t *testing.T) {
	cases := []struct {
		name     string
		patterns string
		path     string
		want     bool
	}{
		{"exact", ".env", ".env", true},
		{"exact with slash", "/.env", ".env", true},
		{"only root", ".env", "config/.env", false},
		{"anywhere", "**/.env", "config/.env", true},
		{"anywhere at root", "**/.env", ".env", true},
		{"glob", ".env*", ".env.production", true},
		{"exception after", ".env*\n!.env.example", ".env.example", false},
		{"exception before", "!.env\n.env", ".env", true},
		{"re-excluded", ".env\n!.env", ".env", false},
		{"directory", ".git", ".git", true},
		{"inside directory", ".git", ".git/HEAD", true},
		{"directory trailing slash", ".git/", ".git/config", true},
		{"contents only", ".git/**", ".git", false},
		{"contents only child", ".git/**", ".git/HEAD", true},
		{"everything", "*", ".env", true},
		{"everything but", "*\n!src", ".env", true},
		{"comment", "# .env", ".env", false},
		{"leading space", "   .env   ", ".env", true},
		{"path with ./", ".env", "./.env", true},
		{"root is never excluded", "*", ".", false},
		{"no patterns", "", ".env", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			patterns, err := ignorefile.ReadAll(strings.NewReader(tc.patterns))
			require.NoError(t, err)
			d, err := NewDockerIgnore("", patterns)
			require.NoError(t, err)
			got, err := d.Excludes(tc.path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDockerIgnoreTree(t *testing.T) {
	for patterns, want := range map[string]bool{".git": true, ".git/**": true, "**/.git": true, ".gitignore": false, "": false} {
		d, err := NewDockerIgnore("", strings.Fields(patterns))
		require.NoError(t, err)
		got, err := d.excludesTree(".git")
		require.NoError(t, err)
		assert.Equal(t, want, got, patterns)
	}
}

func TestDockerIgnoreNil(t *testing.T) {
	var d *DockerIgnore
	ok, err := d.Excludes(".env")
	assert.NoError(t, err)
	assert.False(t, ok)
	assert.Empty(t, d.File())
	assert.Nil(t, d.Patterns())
	ok, err = (&DockerIgnore{}).Excludes(".env")
	assert.NoError(t, err)
	assert.False(t, ok)
}

func TestDockerIgnoreBadPattern(t *testing.T) {
	_, err := NewDockerIgnore("ctx/.dockerignore", []string{"["})
	require.Error(t, err)
	assert.Equal(t, "docker: ctx/.dockerignore: syntax error in pattern", err.Error())
	_, err = NewDockerIgnore("", []string{"!"})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "docker: .dockerignore: illegal exclusion pattern"), err.Error())
}

// TestLoadDockerignore: <Dockerfile>.dockerignore next to the Dockerfile
// wins over .dockerignore in the context, as with docker build -f.
func TestLoadDockerignore(t *testing.T) {
	d, err := LoadDockerignore(t.Context(), "", dfTestdata+"/named/Dockerfile.prod")
	require.NoError(t, err)
	assert.Equal(t, dfTestdata+"/named/Dockerfile.prod.dockerignore", d.File())
	assert.Equal(t, []string{"**/.git", ".env*"}, d.Patterns())

	d, err = LoadDockerignore(t.Context(), "", dfTestdata+"/named/Dockerfile")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dfTestdata, "named", ".dockerignore"), d.File())

	// The Dockerfile lives outside the context: its own ignore file still wins.
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "app")
	require.NoError(t, os.Mkdir(ctxDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, ".dockerignore"), []byte("node_modules\n"), 0o644))
	df := filepath.Join(dir, "build", "app.Dockerfile")
	require.NoError(t, os.Mkdir(filepath.Dir(df), 0o755))
	require.NoError(t, os.WriteFile(df, []byte("FROM alpine:3.20\n"), 0o644))
	d, err = LoadDockerignore(t.Context(), ctxDir, df)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(ctxDir, ".dockerignore"), d.File())
	require.NoError(t, os.WriteFile(df+".dockerignore", []byte(".env\n"), 0o644))
	d, err = LoadDockerignore(t.Context(), ctxDir, df)
	require.NoError(t, err)
	assert.Equal(t, df+".dockerignore", d.File())

	// None at all excludes nothing.
	d, err = LoadDockerignore(t.Context(), t.TempDir(), "")
	require.NoError(t, err)
	assert.Empty(t, d.File())
	ok, err := d.Excludes(".env")
	require.NoError(t, err)
	assert.False(t, ok)

	// A binary ignore file is refused, naming it.
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, ".dockerignore"), []byte(".env\n\x00"), 0o644))
	_, err = LoadDockerignore(t.Context(), bin, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(bin, ".dockerignore")+":2: binary file")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = LoadDockerignore(ctx, dir, df)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestDockerIgnoreConcurrent: the matcher compiles lazily; Excludes must be
// safe from many goroutines (run with -race).
func TestDockerIgnoreConcurrent(t *testing.T) {
	d, err := NewDockerIgnore("", []string{"**/.env*", "!**/.env.example", ".git"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				p := []string{".env", "a/.env.example", ".git/HEAD", "src/main.go"}[(i+j)%4]
				_, err := d.Excludes(p)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
}

func TestDfIsEnvFileName(t *testing.T) {
	for name, want := range map[string]bool{
		".env": true, ".env.production": true, ".env.local": true,
		".env.example": false, ".env.production.sample": false, ".env.template": false, ".env.dist": false,
		".envrc": false, "env": false, "app.env": false,
	} {
		assert.Equal(t, want, dfIsEnvFileName(name), name)
	}
}

// FuzzDockerignore feeds random ignore files and paths to the matcher: it
// may refuse a pattern, never panic.
func FuzzDockerignore(f *testing.F) {
	f.Add(".env\n!.env.example\n**/.git\n", ".env")
	f.Add("*\n!src\n", "src/.env")
	f.Add("[\n", ".env")
	f.Add("!\n", "a")
	f.Add("\xef\xbb\xbf# bom\n/abs/path\n../up\n", "../up")
	f.Add("a/**/b\\*\n", "a/x/y/b*")
	f.Add(strings.Repeat("**/", 40)+".env\n", ".env")
	f.Add(strings.Repeat("a\n", 50)+"!"+strings.Repeat("*", 5000)+"\n", "a")
	f.Fuzz(func(t *testing.T, file, p string) {
		patterns, err := ignorefile.ReadAll(bytes.NewReader([]byte(file)))
		if err != nil {
			return
		}
		d, err := NewDockerIgnore("", patterns)
		if err != nil {
			if errors.Is(err, ErrDockerfileCap) && !strings.Contains(err.Error(), "cap") {
				t.Fatalf("a cap error that names no cap: %v", err)
			}
			return
		}
		if _, capErr := dockerignoreCaps(patterns); capErr != nil {
			t.Fatalf("patterns past a cap were accepted: %v", capErr)
		}
		_, _ = d.Excludes(p)
		_, _ = d.excludesTree(p)
	})
}
