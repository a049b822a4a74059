package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// DockerIgnore is the ignore file of a build: the patterns that keep paths
// out of the build context, read and matched as the docker CLI does
// (github.com/moby/patternmatcher). The zero value, and a nil
// *DockerIgnore, exclude nothing.
//
// A DockerIgnore is safe for concurrent use.
type DockerIgnore struct {
	file     string
	patterns []string

	mu sync.Mutex // patternmatcher compiles lazily and is not safe for concurrent use
	pm *patternmatcher.PatternMatcher
}

// Caps on an ignore file, so that compiling and matching its patterns
// costs little whatever it holds: each "**" becomes a regexp group, and
// thousands of them in one pattern exhaust memory when it is matched.
// Past a cap, the ignore file is an error (matched by [ErrDockerfileCap])
// naming the cap.
const (
	// DockerignoreMaxPatterns bounds the patterns of one ignore file.
	DockerignoreMaxPatterns = 10000
	// DockerignoreMaxPatternLen bounds one pattern, in bytes.
	DockerignoreMaxPatternLen = 4096
	// DockerignoreMaxDoubleStars bounds the "**" wildcards of one pattern.
	DockerignoreMaxDoubleStars = 16
)

// NewDockerIgnore returns a DockerIgnore with patterns as an ignore file
// holds them (after [ignorefile.ReadAll]). file names the file in errors
// and may be empty. It fails for a malformed pattern, as docker build does,
// and past the caps DockerignoreMaxPatterns, DockerignoreMaxPatternLen and
// DockerignoreMaxDoubleStars.
func NewDockerIgnore(file string, patterns []string) (*DockerIgnore, error) {
	if i, err := dockerignoreCaps(patterns); err != nil {
		return nil, &DockerfileError{File: dockerignoreName(file), Err: fmt.Errorf("pattern %d: %w", i+1, err)}
	}
	return newDockerIgnore(file, patterns)
}

func newDockerIgnore(file string, patterns []string) (*DockerIgnore, error) {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		// patternmatcher's errors name the rule ("syntax error in
		// pattern"), not the pattern, except for "!" alone.
		return nil, &DockerfileError{File: dockerignoreName(file), Err: err}
	}
	return &DockerIgnore{file: file, patterns: slices.Clone(patterns), pm: pm}, nil
}

// dockerignoreCaps checks patterns against the caps; on failure it returns
// the index of the pattern at fault (or of the first pattern past the
// count cap) and an error naming the cap, never the pattern.
func dockerignoreCaps(patterns []string) (int, error) {
	if len(patterns) > DockerignoreMaxPatterns {
		return DockerignoreMaxPatterns, fmt.Errorf("more than the cap of %d patterns: %w", DockerignoreMaxPatterns, ErrDockerfileCap)
	}
	for i, p := range patterns {
		if n := strings.Count(p, "**"); n > DockerignoreMaxDoubleStars {
			return i, fmt.Errorf(`%d "**" wildcards, over the cap of %d a pattern: %w`, n, DockerignoreMaxDoubleStars, ErrDockerfileCap)
		}
		if len(p) > DockerignoreMaxPatternLen {
			return i, fmt.Errorf("%d bytes long, over the cap of %d bytes a pattern: %w", len(p), DockerignoreMaxPatternLen, ErrDockerfileCap)
		}
	}
	return 0, nil
}

func dockerignoreName(file string) string {
	if file == "" {
		return ".dockerignore"
	}
	return file
}

// LoadDockerignore reads the ignore file that applies when the Dockerfile at
// dockerfile is built with context contextDir (empty: the Dockerfile's
// directory): <dockerfile>.dockerignore next to the Dockerfile when it
// exists, else .dockerignore in the context. With neither, the result
// excludes nothing. The read is guarded as a [DockerfileSource]'s is,
// rooted at the git work tree holding contextDir: a symlink out of it, a
// FIFO or a device, a file over DefaultDockerfileMaxSize, a binary file, a
// malformed pattern and an ignore file past the pattern caps are errors.
func LoadDockerignore(ctx context.Context, contextDir, dockerfile string) (*DockerIgnore, error) {
	if contextDir == "" {
		contextDir = filepath.Dir(dockerfile)
	}
	files, err := dfOpenFiles("", contextDir, DefaultDockerfileMaxSize)
	if err != nil {
		return nil, &DockerfileError{File: filepath.Join(contextDir, ".dockerignore"), Err: err}
	}
	defer files.close()
	return dockerignoreLoad(ctx, files, contextDir, dockerfile, false)
}

// dockerignoreLoad reads the ignore file of a build through files;
// confined says an input file named the Dockerfile and context, so that
// the ignore files must lie in the root.
func dockerignoreLoad(ctx context.Context, files *dfFiles, contextDir, dockerfile string, confined bool) (*DockerIgnore, error) {
	var candidates []string
	if dockerfile != "" {
		candidates = append(candidates, dockerfile+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(contextDir, ".dockerignore"))
	for _, name := range candidates {
		data, err := files.read(ctx, name, confined, ".dockerignore file")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil {
			return nil, &DockerfileError{File: name, Err: err}
		}
		if i, err := dockerignoreCaps(patterns); err != nil {
			return nil, &DockerfileError{File: name, Line: dockerignoreLine(data, i), Err: fmt.Errorf("pattern %d: %w", i+1, err)}
		}
		return newDockerIgnore(name, patterns)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", filepath.Join(contextDir, ".dockerignore"), err)
	}
	return &DockerIgnore{}, nil
}

// dockerignoreLine returns the line of the pattern at index i of data, as
// [ignorefile.ReadAll] counts patterns (comments and blank lines skipped),
// or 0.
func dockerignoreLine(data []byte, i int) int {
	line, n := 0, 0
	for l := range bytes.Lines(data) {
		line++
		if line == 1 {
			l = bytes.TrimPrefix(l, []byte{0xEF, 0xBB, 0xBF})
		}
		if bytes.HasPrefix(l, []byte("#")) || len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if n == i {
			return line
		}
		n++
	}
	return 0
}

// File returns the ignore file read, or "" when there was none.
func (d *DockerIgnore) File() string {
	if d == nil {
		return ""
	}
	return d.file
}

// Patterns returns the patterns, in file order.
func (d *DockerIgnore) Patterns() []string {
	if d == nil {
		return nil
	}
	return slices.Clone(d.patterns)
}

// Excludes reports whether the path p, relative to the build context
// (".env", "config/.env", ".git"), is kept out of the context: the last
// pattern matching it or one of its parent directories is not a "!"
// exception.
func (d *DockerIgnore) Excludes(p string) (bool, error) {
	if d == nil || d.pm == nil {
		return false, nil
	}
	p = dockerignoreClean(p)
	if p == "." || p == "" {
		return false, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ok, err := d.pm.MatchesOrParentMatches(p)
	if err != nil {
		return false, &DockerfileError{File: dockerignoreName(d.file), Err: fmt.Errorf("match %q: %w", p, err)}
	}
	return ok, nil
}

// excludesTree reports whether the directory dir is kept out of the
// context with what is inside it: dir itself is excluded, or a file in it
// is ("dir/**" leaves dir but drops its contents).
func (d *DockerIgnore) excludesTree(dir string) (bool, error) {
	ok, err := d.Excludes(dir)
	if ok || err != nil {
		return ok, err
	}
	return d.Excludes(path.Join(dir, "HEAD"))
}

// dockerignoreClean makes p a clean slash path relative to the context.
func dockerignoreClean(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	return strings.TrimPrefix(p, "/")
}

// dockerignoreExampleSuffixes mark .env files that are templates, not
// secrets: .env.example, .env.production.sample, ...
var dockerignoreExampleSuffixes = []string{"example", "examples", "sample", "template", "tmpl", "tpl", "dist"}

// dfContextEnvFiles lists the .env files at the top of the build context
// (".env", ".env.production"), leaving out templates. An unreadable
// context gives none.
func dfContextEnvFiles(contextDir string) []string {
	entries, err := os.ReadDir(contextDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !dfIsEnvFileName(e.Name()) {
			continue
		}
		out = append(out, e.Name())
	}
	return out
}

// dfIsEnvFileName reports whether name is a .env file holding values, not
// a template.
func dfIsEnvFileName(name string) bool {
	if name != ".env" && !strings.HasPrefix(name, ".env.") {
		return false
	}
	for _, part := range strings.Split(strings.ToLower(name), ".") {
		if slices.Contains(dockerignoreExampleSuffixes, part) {
			return false
		}
	}
	return true
}
