package config

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// DefaultEnvPaths returns the globs of env-file names that [RepoOptions.Paths]
// defaults to, matched against a path's last element.
func DefaultEnvPaths() []string { return []string{".env", ".env.*", "*.env"} }

// DefaultEnvExcludes returns the globs of env-file names that are examples, not
// env files: a committed .env.example is what a project should hold.
func DefaultEnvExcludes() []string {
	return []string{"*.example", "*.sample", "*.template", "*.dist", "*.example.*", "*.sample.*"}
}

// DefaultGitTimeout bounds one load of a repository's history.
const DefaultGitTimeout = 5 * time.Minute

// gitMaxPaths caps the distinct env-file paths recorded from a history, and
// gitMaxLine the bytes of one line of git's output that are looked at.
const (
	gitMaxPaths      = 1000
	gitMaxLine       = 64 << 10
	gitMaxSubmodules = 32
	gitMaxDepth      = 3
)

// RepoOptions configures [Repo].
type RepoOptions struct {
	// Dir is the working tree of the repository (or a directory within
	// it); "" means the current directory.
	Dir string
	// Paths are globs of env-file names matched against a path's last
	// element; nil means [DefaultEnvPaths].
	Paths []string
	// Excludes are globs of names that are not env files even when Paths
	// match them; nil means [DefaultEnvExcludes].
	Excludes []string
	// Timeout bounds one git history walk (path or content scan); 0 means
	// [DefaultGitTimeout]. It is also the Meta.Timeout of the checks.
	Timeout time.Duration
}

// Repository is a git repository whose tree and history the config.git
// checks judge. Its history is walked at most once per run for the path
// checks and once for the content scan, each only when a check asks. Build
// it with [Repo]; it is safe for concurrent use.
type Repository struct {
	opts    RepoOptions
	target  string
	history *check.Source[*repoModel]
	content *check.Source[*scanModel]
	fpKey   []byte // fixed fingerprint key for tests; nil: random per load
}

// Repo returns the repository at opts.Dir. Nothing runs until a check does.
func Repo(opts RepoOptions) *Repository {
	opts.Paths = slices.Clone(opts.Paths)
	opts.Excludes = slices.Clone(opts.Excludes)
	if opts.Paths == nil {
		opts.Paths = DefaultEnvPaths()
	}
	if opts.Excludes == nil {
		opts.Excludes = DefaultEnvExcludes()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultGitTimeout
	}
	t := filepath.ToSlash(opts.Dir)
	if t == "" {
		t = "."
	}
	r := &Repository{opts: opts, target: t}
	r.history = check.NewSource(r.loadHistory)
	r.content = check.NewSource(r.loadContent)
	return r
}

// Target returns the Meta.Target of the checks on r: Dir with forward
// slashes, or ".".
func (r *Repository) Target() string { return r.target }

// IsEnvFile reports whether the path p (slash-separated) names an env file
// under r's Paths and Excludes.
func (r *Repository) IsEnvFile(p string) bool {
	return isEnvName(path.Base(p), r.opts.Paths, r.opts.Excludes)
}

func isEnvName(base string, globs, excludes []string) bool {
	// Cheap reject first: every default glob needs "env" in the name.
	if !hasEnvFold(base) && slices.Equal(globs, DefaultEnvPaths()) {
		return false
	}
	match := false
	for _, g := range globs {
		if ok, _ := path.Match(g, base); ok {
			match = true
			break
		}
	}
	if !match {
		return false
	}
	for _, g := range excludes {
		if ok, _ := path.Match(g, base); ok {
			return false
		}
	}
	return true
}

// hasEnvFold reports whether s contains "env" in any case, without
// allocating.
func hasEnvFold(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		if s[i]|0x20 == 'e' && s[i+1]|0x20 == 'n' && s[i+2]|0x20 == 'v' {
			return true
		}
	}
	return false
}

// errNotRepo marks a directory that is not in a git work tree.
var errNotRepo = errors.New("not a git repository")

// historyHit is one env-file path seen in the history.
type historyHit struct {
	Path    string // relative to the repository top, prefixed with the submodule path
	Commit  string // the oldest commit that added (or, if none, touched) it
	Date    time.Time
	Commits int // how many commits touched it
}

// repoModel is what one history walk found.
type repoModel struct {
	notRepo     string // reason, when Dir is not in a git work tree
	shallow     []string
	incomplete  []string // submodules not checked out or not scanned
	tracked     []string // env files tracked now
	history     []historyHit
	pathsCapped bool
	ignoreNames []string // env names to judge for ignore rules
	gitIgnored  map[string]bool
	dockerFile  string // ".dockerignore" when present
	dockerIgn   map[string]bool
	dockerErr   error
}

// git runs git in dir and returns its standard output; stderr is kept out
// of errors (it may quote input), only the exit status is shown.
func gitOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := gitCommand(ctx, dir, args...)
	var out bytes.Buffer
	cmd.Stdout = &limitWriter{w: &out, n: 16 << 20}
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("git %s: %w", args[0], err)
	}
	return out.Bytes(), nil
}

// gitCommand builds a git command in dir with a clean, predictable
// configuration: no pager, no prompts, no external diff or text
// conversion, C locale, quoted paths.
func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append([]string{"-C", dir, "-c", "core.quotePath=true", "-c", "log.showSignature=false",
		"-c", "diff.noprefix=false", "-c", "log.decorate=false"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_PAGER=cat", "PAGER=cat", "GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0", "GIT_CONFIG_NOSYSTEM=1")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if int64(len(q)) > l.n {
		q = q[:l.n]
	}
	l.n -= int64(len(q))
	_, _ = l.w.Write(q)
	return len(p), nil
}

func (r *Repository) dir() string {
	if r.opts.Dir == "" {
		return "."
	}
	return r.opts.Dir
}

// probe says whether dir is in a work tree, and whether it is shallow.
func probe(ctx context.Context, dir string) (top string, shallow bool, err error) {
	out, err := gitOutput(ctx, dir, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-toplevel")
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", false, errNotRepo
		}
		return "", false, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 3 || lines[0] != "true" {
		return "", false, errNotRepo
	}
	return lines[2], lines[1] == "true", nil
}

func (r *Repository) loadHistory(ctx context.Context) (*repoModel, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	m := &repoModel{gitIgnored: map[string]bool{}, dockerIgn: map[string]bool{}}
	top, shallow, err := probe(ctx, r.dir())
	if errors.Is(err, errNotRepo) {
		m.notRepo = r.target + " is not in a git work tree"
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := r.walkRepo(ctx, m, top, "", shallow, 0); err != nil {
		return nil, err
	}
	if err := r.loadIgnores(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// walkRepo records the tracked env files and the history of the repository
// at top, whose paths are shown under prefix, then recurses into its
// checked-out submodules.
func (r *Repository) walkRepo(ctx context.Context, m *repoModel, top, prefix string, shallow bool, depth int) error {
	if shallow {
		m.shallow = append(m.shallow, displayRepo(prefix))
	}
	out, err := gitOutput(ctx, top, "ls-files", "-s", "-z", "--full-name")
	if err != nil {
		return err
	}
	var subs []string
	for _, rec := range bytes.Split(out, []byte{0}) {
		// "<mode> <object> <stage>\t<path>"
		tab := bytes.IndexByte(rec, '\t')
		if tab < 0 {
			continue
		}
		p := string(rec[tab+1:])
		if bytes.HasPrefix(rec, []byte("160000 ")) {
			subs = append(subs, p)
			continue
		}
		if r.IsEnvFile(p) {
			m.tracked = appendUnique(m.tracked, prefix+p)
		}
	}
	if err := r.walkLog(ctx, m, top, prefix); err != nil {
		return err
	}
	for i, s := range subs {
		sub := filepath.Join(top, filepath.FromSlash(s))
		if i >= gitMaxSubmodules || depth >= gitMaxDepth {
			m.incomplete = append(m.incomplete, prefix+s+" (not scanned: too many or too deep)")
			continue
		}
		stop, sshallow, err := probe(ctx, sub)
		if err != nil || filepath.Clean(stop) != filepath.Clean(sub) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			m.incomplete = append(m.incomplete, prefix+s+" (not checked out)")
			continue
		}
		if err := r.walkRepo(ctx, m, sub, prefix+s+"/", sshallow, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func displayRepo(prefix string) string {
	if prefix == "" {
		return "the repository"
	}
	return "submodule " + strings.TrimSuffix(prefix, "/")
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// commitMark starts the header line of each commit in the log formats.
const commitMark = "\x01"

// walkLog streams "git log --all --name-status" and records every env-file
// path it names, never a file's content.
func (r *Repository) walkLog(ctx context.Context, m *repoModel, top, prefix string) error {
	cmd := gitCommand(ctx, top, "log", "--all", "--no-renames", "--name-status", "--no-color",
		"--format="+commitMark+"%H %at")
	return streamLines(ctx, cmd, r.newLogParser(m, prefix))
}

// logState is the commit a log parser is in.
type logState struct {
	commit string
	date   time.Time
}

// newLogParser returns the line handler of walkLog.
func (r *Repository) newLogParser(m *repoModel, prefix string) func([]byte) {
	st := &logState{}
	index := map[string]int{}
	return func(line []byte) {
		if len(line) == 0 {
			return
		}
		if line[0] == commitMark[0] {
			st.commit, st.date = parseHeader(line[1:])
			return
		}
		// "<status>\t<path>"
		tab := bytes.IndexByte(line, '\t')
		if tab < 0 || st.commit == "" {
			return
		}
		p := unquotePath(line[tab+1:])
		if !r.IsEnvFile(p) {
			return
		}
		p = prefix + p
		i, ok := index[p]
		if !ok {
			if len(m.history) >= gitMaxPaths {
				m.pathsCapped = true
				return
			}
			index[p] = len(m.history)
			m.history = append(m.history, historyHit{Path: p, Commit: st.commit, Date: st.date})
			i = len(m.history) - 1
		}
		h := &m.history[i]
		h.Commits++
		// The log runs newest first: the last addition seen is the oldest.
		if line[0] == 'A' {
			h.Commit, h.Date = st.commit, st.date
		}
	}
}

func parseHeader(b []byte) (string, time.Time) {
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return string(b), time.Time{}
	}
	sec, _ := strconv.ParseInt(string(bytes.TrimSpace(b[sp+1:])), 10, 64)
	return string(b[:sp]), time.Unix(sec, 0).UTC()
}

// unquotePath undoes git's core.quotePath C-style quoting.
func unquotePath(raw []byte) string {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		if s, err := strconv.Unquote(string(raw)); err == nil {
			return s
		}
	}
	return string(raw)
}

// streamLines runs cmd and hands each line of its standard output (without
// the newline, cut at gitMaxLine bytes) to each handler, as it arrives.
func streamLines(ctx context.Context, cmd *exec.Cmd, handlers ...func([]byte)) error {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git: %w", err)
	}
	rd := bufio.NewReaderSize(stdout, 256<<10)
	var long []byte
	var readErr error
	for {
		chunk, err := rd.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) < gitMaxLine {
				long = append(long, chunk[:min(len(chunk), gitMaxLine-len(long))]...)
			}
			continue
		}
		line := chunk
		if long != nil {
			if len(long) < gitMaxLine {
				long = append(long, chunk[:min(len(chunk), gitMaxLine-len(long))]...)
			}
			line, long = long, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if len(line) > 0 || err == nil {
			for _, h := range handlers {
				h(line)
			}
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	werr := cmd.Wait()
	if readErr != nil {
		return readErr
	}
	if werr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("git log: %w", werr)
	}
	return nil
}

// loadIgnores judges the ignore rules for each literal env name in Paths
// (".env") and each env file present in Dir.
func (r *Repository) loadIgnores(ctx context.Context, m *repoModel) error {
	names := []string{}
	for _, g := range r.opts.Paths {
		if !strings.ContainsAny(g, "*?[\\") {
			names = appendUnique(names, g)
		}
	}
	if ents, err := os.ReadDir(r.dir()); err == nil {
		for _, e := range ents {
			if !e.IsDir() && r.IsEnvFile(e.Name()) {
				names = appendUnique(names, e.Name())
			}
		}
	}
	m.ignoreNames = names
	for _, n := range names {
		cmd := gitCommand(ctx, r.dir(), "check-ignore", "-q", "--no-index", "--", n)
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			m.gitIgnored[n] = true
		case errors.As(err, &ee) && ee.ExitCode() == 1:
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return fmt.Errorf("git check-ignore: %w", err)
		}
	}
	g, err := guard.New(guard.Options{Root: r.dir()})
	if err != nil {
		return err
	}
	defer g.Close()
	data, err := g.ReadFile(".dockerignore", ".dockerignore")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	m.dockerFile = ".dockerignore"
	if err != nil {
		m.dockerErr = err
		return nil
	}
	pats, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		m.dockerErr = fmt.Errorf(".dockerignore: %w", err)
		return nil
	}
	pm, err := patternmatcher.New(pats)
	if err != nil {
		m.dockerErr = errors.New(".dockerignore: a malformed pattern")
		return nil
	}
	for _, n := range names {
		ok, err := pm.MatchesOrParentMatches(n)
		m.dockerIgn[n] = err == nil && ok
	}
	return nil
}
