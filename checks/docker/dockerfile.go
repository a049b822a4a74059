package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// DefaultDockerfileMaxSize is how many bytes of a Dockerfile (or of its
// .dockerignore) a [DockerfileSource] reads when
// [DockerfileOptions.MaxSize] is zero: 1 MiB.
const DefaultDockerfileMaxSize = 1 << 20

// Caps on what a Dockerfile can make the analysis build, whatever its
// size: variable expansion (ARG and ENV values, FROM, USER, COPY) and the
// variables a stage inherits from the stages it builds on. Past a cap the
// source loads to an Error saying which cap, matched by [ErrDockerfileCap].
const (
	// DockerfileMaxExpandedValue bounds one expanded word: 1 MiB.
	DockerfileMaxExpandedValue = 1 << 20
	// DockerfileMaxExpandedTotal bounds all expanded words of a file
	// together: 8 MiB.
	DockerfileMaxExpandedTotal = 8 << 20
	// DockerfileMaxInherited bounds the variables copied from stage to
	// stage (FROM another stage) over the whole file.
	DockerfileMaxInherited = 1 << 20
)

// ErrDockerfileCap is matched (errors.Is) by the error of a Dockerfile or
// .dockerignore that goes past one of the package's caps: expansion size,
// inherited variables, ignore-pattern count, length or "**" count.
var ErrDockerfileCap = errors.New("over a cap")

// DockerfileOptions configures a [DockerfileSource].
type DockerfileOptions struct {
	// Path is the Dockerfile to read. Required. It is the checks'
	// Meta.Target, with forward slashes ("deploy/api/Dockerfile"), unless
	// Target is set; findings name the file relative to ContextDir.
	Path string
	// Target, when set, is the checks' Meta.Target instead of Path: to
	// check one Dockerfile twice in a run (with different BuildArgs, say)
	// under two names.
	Target string
	// ContextDir is the build context, where .dockerignore is looked for;
	// empty means the directory of Path.
	ContextDir string
	// Root is the directory the files read for the build are confined to:
	// the .dockerignore, and the Dockerfile when an input file (a compose
	// build) named it. Reads go through one guarded reader (see
	// internal/guard): no ".." or symlink leaves Root, FIFOs, devices and
	// directories are refused without blocking, and MaxSize applies.
	// Path and ContextDir themselves, being the caller's own choice, are
	// read where they are even outside Root. Empty: the top of the git
	// work tree that holds ContextDir, or ContextDir when there is none.
	Root string
	// BuildArgs are the --build-arg values of the build. They override ARG
	// defaults when FROM and USER are resolved. They are never reported
	// as secrets: they are not part of the file.
	BuildArgs map[string]string
	// MaxSize bounds how many bytes are read from the Dockerfile and from
	// its ignore file; 0 means DefaultDockerfileMaxSize. A larger file is
	// an error, not a truncated read.
	MaxSize int64
}

// A DockerfileSource is a Dockerfile shared by the checks built on it: it is
// read and parsed once per run (see [check.Source]), with BuildKit's own
// parser, and its .dockerignore is read with it. A file that cannot be read
// or parsed makes every check on the source report an Error naming the
// file, the line when known, and what is wrong, never a line of the file:
// parser messages that would quote the input are rewritten to the
// instruction or key and a fingerprint. Expansion of variables is capped
// (DockerfileMaxExpandedValue, DockerfileMaxExpandedTotal).
//
// Every check on the source has Meta.Target [DockerfileSource.Target] (the
// path as given), and its findings name files relative to the build
// context: "Dockerfile", ".dockerignore", or "../Dockerfile" for a
// Dockerfile outside its context.
//
// A DockerfileSource is safe for concurrent use.
type DockerfileSource struct {
	opts     DockerfileOptions
	target   string          // Meta.Target of the checks
	rel      string          // the Dockerfile relative to the context, as findings name it
	services []string        // compose services that build it, when made by ComposeProject.Builds
	compose  *dfComposeFacts // what those services' compose definitions say; nil otherwise
	// namedBy says which input file named the Dockerfile and context
	// ("the build of service \"api\""), when one did: then both are
	// confined to Root. Empty for the caller's own paths.
	namedBy string
	// fp renders secret values in findings and errors; nil means a fresh
	// random key for each load. Tests set a keyed one.
	fp    *secret.Fingerprinter
	src   *check.Source[*dfParsed]
	loads atomic.Int64 // how many times the file was loaded, for tests
}

// Dockerfile returns a source reading the Dockerfile that opts describes.
func Dockerfile(opts DockerfileOptions) *DockerfileSource {
	if opts.MaxSize == 0 {
		opts.MaxSize = DefaultDockerfileMaxSize
	}
	if opts.ContextDir == "" && opts.Path != "" {
		opts.ContextDir = filepath.Dir(opts.Path)
	}
	opts.BuildArgs = maps.Clone(opts.BuildArgs)
	s := &DockerfileSource{opts: opts, target: opts.Target, rel: dfRel(opts.ContextDir, opts.Path)}
	if s.target == "" && opts.Path != "" {
		s.target = filepath.ToSlash(filepath.Clean(opts.Path))
	}
	s.src = check.NewSource(s.load)
	return s
}

// dfRel names file relative to dir, with forward slashes; when it cannot,
// the file as given.
func dfRel(dir, file string) string {
	if file == "" {
		return ""
	}
	absDir, err1 := filepath.Abs(dir)
	absFile, err2 := filepath.Abs(file)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absDir, absFile); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}

// Path returns the path of the Dockerfile, as given in the options.
func (s *DockerfileSource) Path() string { return s.opts.Path }

// Target returns the Meta.Target of the checks on s: Options.Target, or
// else Path with forward slashes.
func (s *DockerfileSource) Target() string {
	if s == nil {
		return ""
	}
	return s.target
}

// Services returns the compose services that build this Dockerfile, sorted,
// when s came from [ComposeProject.Builds]; nil otherwise.
func (s *DockerfileSource) Services() []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s.services)
}

// ContextDir returns the build context directory.
func (s *DockerfileSource) ContextDir() string { return s.opts.ContextDir }

// Dockerignore returns the ignore file that applies to the build, loaded in
// the same run as the Dockerfile: <Dockerfile>.dockerignore next to the
// Dockerfile when it exists, else .dockerignore in the context directory.
// With neither, the returned DockerIgnore excludes nothing.
func (s *DockerfileSource) Dockerignore(ctx context.Context) (*DockerIgnore, error) {
	p, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return p.ignore, p.ignoreErr
}

func (s *DockerfileSource) get(ctx context.Context) (*dfParsed, error) {
	if s == nil {
		return nil, errors.New("docker: nil dockerfile source")
	}
	return s.src.Get(ctx)
}

func (s *DockerfileSource) load(ctx context.Context) (*dfParsed, error) {
	s.loads.Add(1)
	if s.opts.Path == "" {
		return nil, errors.New("docker: dockerfile source has no path")
	}
	files, err := dfOpenFiles(s.opts.Root, s.opts.ContextDir, s.opts.MaxSize)
	if err != nil {
		return nil, &DockerfileError{File: s.opts.Path, Err: err}
	}
	defer files.close()
	if s.namedBy != "" {
		// A compose file named the context: it must lie in the root too.
		if _, err := files.root.Rel(dfAbs(s.opts.ContextDir), s.opts.ContextDir); err != nil {
			return nil, &DockerfileError{File: s.opts.Path, Err: &dfNamedByError{by: s.namedBy, what: "build context", err: err}}
		}
	}
	data, err := files.read(ctx, s.opts.Path, s.namedBy != "", "Dockerfile")
	if err != nil {
		var de *DockerfileError
		if s.namedBy != "" && errors.As(err, &de) {
			de.Err = &dfNamedByError{by: s.namedBy, what: "Dockerfile", err: de.Err}
		}
		return nil, err
	}
	fp := s.fp
	if fp == nil {
		fp = secret.NewFingerprinter()
	}
	p, err := dockerfileParse(s.opts.Path, data, s.opts.BuildArgs, fp)
	if err != nil {
		return nil, err
	}
	p.file = s.rel
	p.ignore, p.ignoreErr = dockerignoreLoad(ctx, files, s.opts.ContextDir, s.opts.Path, s.namedBy != "")
	if f := p.ignore.File(); f != "" {
		p.ignoreName = dfRel(s.opts.ContextDir, f)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", s.opts.Path, err)
	}
	p.envFiles = dfContextEnvFiles(s.opts.ContextDir)
	return p, nil
}

// DockerfileError is a Dockerfile or ignore file that could not be read or
// parsed. Its message is "docker: file:line: what is wrong"; it never
// quotes a line of the file.
type DockerfileError struct {
	File string // the file, as given
	Line int    // 1-based line; 0 when unknown
	Err  error  // the cause
}

func (e *DockerfileError) Error() string {
	loc := check.Location{File: e.File, Line: e.Line}.String()
	return "docker: " + loc + ": " + dfCauseText(e.Err)
}

// Unwrap returns the cause.
func (e *DockerfileError) Unwrap() error { return e.Err }

// dfNamedByError is a refused read of a path that an input file named.
type dfNamedByError struct {
	by, what string // "the build of service \"api\"", "Dockerfile"
	err      error
}

func (e *dfNamedByError) Error() string {
	return dfCauseText(e.err) + "; the " + e.what + " is named by " + e.by
}

func (e *dfNamedByError) Unwrap() error { return e.err }

// dfCauseText is the cause's own words, without the file name and line the
// DockerfileError already gives.
func dfCauseText(err error) string {
	if err == nil {
		return "unknown error"
	}
	var ge *guard.Error
	var ne *dfNamedByError
	switch {
	case errors.As(err, &ne):
		return ne.Error()
	case errors.As(err, &ge):
		text := ge.Rule.Error()
		if !errors.Is(ge.Rule, guard.ErrOutside) && !errors.Is(ge.Rule, guard.ErrNotRegular) && !errors.Is(ge.Rule, guard.ErrTooLarge) {
			text = "open: " + text
		}
		if ge.Detail != "" {
			text += " (" + ge.Detail + ")"
		}
		return text
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// dfErrorLine returns the first line a BuildKit error locates, or 0.
func dfErrorLine(err error) int {
	var le *parser.LocationError
	if !errors.As(err, &le) {
		return 0
	}
	for _, rs := range le.Locations {
		for _, r := range rs {
			if r.Start.Line > 0 {
				return r.Start.Line
			}
		}
	}
	return 0
}

func dfAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// dfFiles reads the files of one load through a guarded reader rooted at
// the options' Root.
type dfFiles struct {
	root  *guard.Reader
	limit int64
}

// dfOpenFiles opens the root for the files of a build with context
// contextDir: root, or by default the git work tree holding contextDir.
func dfOpenFiles(root, contextDir string, limit int64) (*dfFiles, error) {
	if limit <= 0 {
		limit = DefaultDockerfileMaxSize
	}
	if root == "" {
		var err error
		if root, err = guard.DefaultRoot(contextDir); err != nil {
			return nil, err
		}
	}
	r, err := guard.New(guard.Options{Root: root, MaxFileSize: limit})
	if err != nil {
		return nil, err
	}
	return &dfFiles{root: r, limit: limit}, nil
}

func (f *dfFiles) close() { _ = f.root.Close() }

// read reads the file name (as given; its display name) and refuses a
// binary one (a NUL byte); what names the kind of file. A file inside the
// root is read through it, so that a symlink cannot lead out; one outside
// is refused when confined (an input file named it), and otherwise read
// where it is, still refusing non-regular and oversized files.
func (f *dfFiles) read(ctx context.Context, name string, confined bool, what string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", name, err)
	}
	abs := dfAbs(name)
	var data []byte
	var err error
	if _, relErr := f.root.Rel(abs, name); relErr == nil || confined {
		data, err = f.root.ReadFile(abs, name)
	} else {
		data, err = dfReadOwn(abs, name, f.limit)
	}
	if err != nil {
		return nil, &DockerfileError{File: name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", name, err)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		return nil, &DockerfileError{File: name, Line: line, Err: fmt.Errorf("binary file (NUL byte at offset %d), not a %s", i, what)}
	}
	return data, nil
}

// dfReadOwn reads a file the caller named, outside the root: through a
// guarded reader rooted at its own directory (after resolving the
// caller's symlinks), so that it is still never a FIFO or a device.
func dfReadOwn(abs, display string, limit int64) ([]byte, error) {
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	r, err := guard.New(guard.Options{Root: filepath.Dir(abs), MaxFileSize: limit})
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &guard.Error{File: display, Rule: pe.Err}
		}
		return nil, err
	}
	defer r.Close()
	return r.ReadFile(filepath.Base(abs), display)
}

// dockerfileParseFile reads and parses the Dockerfile at path, a file the
// caller named, with files confined to root (empty: the default root).
func dockerfileParseFile(ctx context.Context, root, path string, limit int64, buildArgs map[string]string) (*dfParsed, error) {
	if path == "" {
		return nil, errors.New("docker: dockerfile source has no path")
	}
	files, err := dfOpenFiles(root, filepath.Dir(path), limit)
	if err != nil {
		return nil, &DockerfileError{File: path, Err: err}
	}
	defer files.close()
	data, err := files.read(ctx, path, root != "", "Dockerfile")
	if err != nil {
		return nil, err
	}
	return dockerfileParse(path, data, buildArgs, secret.NewFingerprinter())
}

// dockerfileParse parses a Dockerfile's bytes with BuildKit's parser and
// resolves what the checks need. It never panics: a panic in the parser
// becomes an error naming the file. Its errors never quote the input; fp
// renders the values they and the findings mention.
func dockerfileParse(file string, data []byte, buildArgs map[string]string, fp *secret.Fingerprinter) (p *dfParsed, err error) {
	var ast *parser.Node
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &DockerfileError{File: file, Err: errors.New("the parser panicked on this file")}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, dfParseError(fp, file, data, nil, err)
	}
	ast = res.AST
	var warnings []dfWarning
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		warnings = append(warnings, dfWarning{Rule: "NoEmptyContinuation", Line: line})
	}
	lint := linter.New(&linter.Config{
		Warn: func(rule, _, _, _ string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			warnings = append(warnings, dfWarning{Rule: rule, Line: line})
		},
	})
	stages, metaArgs, err := instructions.Parse(ast, lint)
	if err != nil {
		return nil, dfParseError(fp, file, data, ast, err)
	}
	if len(stages) == 0 {
		return nil, &DockerfileError{File: file, Err: errors.New("no FROM instruction")}
	}
	p, err = dfAnalyze(file, data, res.EscapeToken, stages, metaArgs, buildArgs)
	if err != nil {
		return nil, err
	}
	p.warnings = warnings
	p.fp = fp
	p.runNodes = dfRunNodes(ast)
	if syntax, _, loc, ok := parser.DetectSyntax(data); ok && syntax != "" {
		p.syntax = syntax
		p.syntaxLine = max(1, dfLine(loc))
	}
	return p, nil
}

// dfParsed is a parsed Dockerfile reduced to what the checks read. It is
// not modified after the load, so checks share it without locks.
type dfParsed struct {
	file     string
	stages   []*dfStage
	metaVars []dfVar // ARGs before the first FROM
	// runNodes are the ARG, ENV and RUN instructions as written, with
	// their flags (RUN --mount): what the build-secrets rule reads.
	runNodes  []dfRunNode
	warnings  []dfWarning
	ignore    *DockerIgnore
	ignoreErr error
	// ignoreName is the ignore file relative to the context, as findings
	// name it; "" when there is none.
	ignoreName string
	envFiles   []string // .env files found at the top of the context
	// syntax is the frontend image of a "# syntax=" directive, at
	// syntaxLine; "" when there is none.
	syntax     string
	syntaxLine int
	stageNames map[string]int // lower-case stage name: index of its first stage
	fp         *secret.Fingerprinter
}

// final returns the stage that ships: the last one.
func (p *dfParsed) final() *dfStage { return p.stages[len(p.stages)-1] }

// dfWarning is a warning from BuildKit's parser or linter: the rule and
// the line, not the linter's words, which quote the input.
type dfWarning struct {
	Rule string
	Line int
}

// dfStage is one build stage.
type dfStage struct {
	index      int
	name       string   // lower-case stage name; "" when unnamed
	base       string   // the FROM image as written
	image      string   // the FROM image with build args resolved
	unresolved []string // variables in FROM with no value, sorted
	line       int      // line of the FROM
	parent     int      // index of the local stage this one builds on, or -1
	users      []dfUser
	healths    []dfHealth
	vars       []dfVar
	copies     []dfCopy
	entry      []dfEntry          // ENTRYPOINT and CMD instructions, in order
	env        map[string]dfValue // ENV at the end of the stage, for children
}

// label names the stage for Location.Resource: stage "build" or stage 0.
func (s *dfStage) label() string {
	if s.name != "" {
		return "stage " + strconv.Quote(s.name)
	}
	return "stage " + strconv.Itoa(s.index)
}

type dfUser struct {
	line       int
	raw        string   // as written
	value      string   // with build args resolved
	unresolved []string // variables with no value
}

type dfHealth struct {
	line int
	none bool // HEALTHCHECK NONE
}

// dfVar is one key of an ENV or ARG instruction.
type dfVar struct {
	kind     string // "ENV" or "ARG"
	line     int
	key      string
	hasValue bool   // false for an ARG without default
	literal  string // the value the file alone gives (ARG defaults, earlier ENV); build args not applied
	raw      string // the value as written
	broken   bool   // the value could not be expanded (an unterminated quote, a bad substitution)
}

// dfCopy is one COPY or ADD.
type dfCopy struct {
	kind     string // "COPY" or "ADD"
	line     int
	from     string // --from, resolved; "" for the build context
	sources  []string
	excludes []string // --exclude patterns
}

// dfValue is a variable's value in the two views the analysis keeps: what
// the file alone gives, and what the build (with build args) gives.
type dfValue struct {
	file, build       string
	fileSet, buildSet bool
}

// dfScope is the variables visible at an instruction. ENV wins over ARG,
// as in Docker.
type dfScope struct {
	env, args map[string]dfValue
	build     bool // the build view; else the file view
}

func (s dfScope) Get(key string) (string, bool) {
	v, ok := s.env[key]
	if !ok {
		v, ok = s.args[key]
	}
	if !ok {
		return "", false
	}
	if s.build {
		return v.build, v.buildSet
	}
	return v.file, v.fileSet
}

func (s dfScope) Keys() []string {
	keys := make([]string, 0, len(s.env)+len(s.args))
	for k := range s.env {
		keys = append(keys, k)
	}
	for k := range s.args {
		if _, dup := s.env[k]; !dup {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// dfBuiltinArgs are the platform ARGs BuildKit sets on every build; FROM may
// use them without declaring them. The values only stand in for whatever
// platform builds, so that "alpine:3.20-${TARGETARCH}" still reads as tagged.
var dfBuiltinArgs = map[string]string{
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
}

// dfExpander expands words the way BuildKit does at build time, within the
// expansion caps. It is not safe for concurrent use; the analysis owns one.
type dfExpander struct {
	lex   *shell.Lex
	file  string
	total int64 // bytes produced so far
	err   error // the first cap exceeded; nothing more is expanded after it
}

// expand returns word with variables replaced from scope, the names of the
// variables that had no value, and whether expansion failed. An expansion
// error (such as ${X:?msg} with X unset, or an unterminated quote) gives an
// empty value, failed, with "?" unresolved when no variable was missing.
// what and line name the word in a cap error ("ARG C", 12).
func (e *dfExpander) expand(word string, scope dfScope, what string, line int) (string, []string, bool) {
	if !strings.ContainsAny(word, "$\"'\\`") {
		return word, nil, false
	}
	if e.err != nil {
		return "", nil, true
	}
	if bound := dfExpandBound(word, scope); bound > DockerfileMaxExpandedValue {
		e.err = &DockerfileError{File: e.file, Line: line, Err: fmt.Errorf("%s: variable expansion would exceed the per-value cap of %d bytes: %w", what, DockerfileMaxExpandedValue, ErrDockerfileCap)}
		return "", nil, true
	}
	res, err := e.lex.ProcessWordWithMatches(word, scope)
	e.total += int64(len(res.Result))
	if e.total > DockerfileMaxExpandedTotal {
		e.err = &DockerfileError{File: e.file, Line: line, Err: fmt.Errorf("%s: variable expansion exceeds the total cap of %d bytes for the file: %w", what, DockerfileMaxExpandedTotal, ErrDockerfileCap)}
		return "", nil, true
	}
	var missing []string
	for k := range res.Unmatched {
		missing = append(missing, k)
	}
	slices.Sort(missing)
	if err != nil {
		if len(missing) == 0 {
			missing = []string{"?"}
		}
		return "", missing, true
	}
	return res.Result, missing, false
}

// dfExpandBound is an upper bound of the length of word once expanded in
// scope, computed without expanding: the word's own bytes plus the value
// of every variable it references (3 for each invalid UTF-8 byte of
// either), multiplied for each ${X/pattern/repl}
// substitution (which may insert the replacement once per character of
// X). It saturates past the per-value cap.
func dfExpandBound(word string, scope dfScope) int64 {
	const limit = DockerfileMaxExpandedValue + 1
	plain := dfLexLen(word)
	var factors []int64
	for i := 0; i < len(word); i++ {
		if word[i] != '$' {
			continue
		}
		j := i + 1
		brace := j < len(word) && word[j] == '{'
		if brace {
			j++
		}
		name, n := dfShellName(word[j:])
		j += n
		if name == "" {
			continue
		}
		v, _ := scope.Get(name)
		vlen := dfLexLen(v)
		plain += vlen
		if plain >= limit {
			return limit
		}
		if brace && j < len(word) && word[j] == '/' {
			factors = append(factors, vlen+2)
		}
	}
	bound := plain
	for _, f := range factors {
		if bound > limit/f {
			return limit
		}
		bound *= f
	}
	return bound
}

// dfLexLen is the most bytes s can become in the lexer's output: the
// lexer writes an invalid UTF-8 byte as U+FFFD, 3 bytes, whether it stands
// in the word or in a variable's value.
func dfLexLen(s string) int64 {
	n := int64(len(s))
	if utf8.ValidString(s) {
		return n
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 2
		}
		i += size
	}
	return n
}

// dfShellName reads a variable name at the start of s as BuildKit's lexer
// does: a run of digits, one special parameter, or letters, digits and _.
// It returns the name and its length in bytes.
func dfShellName(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	r, size := utf8.DecodeRuneInString(s)
	if unicode.IsDigit(r) {
		n := 0
		for n < len(s) {
			r, size := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsDigit(r) {
				break
			}
			n += size
		}
		return s[:n], n
	}
	if strings.ContainsRune("@*#?-$!0", r) {
		return s[:size], size
	}
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		n += size
	}
	return s[:n], n
}

// dfAnalyze walks the stages once, resolving variables the way BuildKit
// does, and keeps the facts the checks use. Past an expansion or
// inheritance cap it returns a *DockerfileError saying which.
func dfAnalyze(file string, data []byte, escape rune, stages []instructions.Stage, metaArgs []instructions.ArgCommand, buildArgs map[string]string) (*dfParsed, error) {
	if escape == 0 {
		escape = parser.DefaultEscapeToken
	}
	x := &dfExpander{lex: shell.NewLex(escape), file: file}
	p := &dfParsed{file: file, stageNames: make(map[string]int, len(stages))}
	keys := dfKeyLines{data: data}
	for i := range stages {
		if n := strings.ToLower(stages[i].Name); n != "" {
			if _, dup := p.stageNames[n]; !dup {
				p.stageNames[n] = i
			}
		}
	}

	// Global ARGs: visible to FROM, and to ARGs of the same name in stages.
	meta := make(map[string]dfValue, len(dfBuiltinArgs)+len(metaArgs))
	for k, v := range dfBuiltinArgs {
		meta[k] = dfValue{file: v, build: v, fileSet: true, buildSet: true}
	}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			line := keys.line(a.Location(), kv.Key)
			v, broken := dfArgValue(x, kv, dfValue{}, false, dfScope{args: meta}, buildArgs, line)
			meta[kv.Key] = v
			p.metaVars = append(p.metaVars, dfVar{kind: "ARG", line: line, key: kv.Key, hasValue: kv.Value != nil, literal: v.file, raw: dfDeref(kv.Value), broken: broken})
		}
	}

	inherited := 0
	for i := range stages {
		st := &stages[i]
		s := &dfStage{index: i, name: st.Name, base: st.BaseName, line: dfLine(st.Location), parent: -1}
		s.image, s.unresolved, _ = x.expand(st.BaseName, dfScope{args: meta, build: true}, "FROM", s.line)
		s.parent = p.stageRef(s.image, i)
		env := map[string]dfValue{}
		if s.parent >= 0 && s.parent < i {
			inherited += len(p.stages[s.parent].env)
			if inherited > DockerfileMaxInherited {
				return nil, &DockerfileError{File: file, Line: s.line, Err: fmt.Errorf("FROM: stages inherit more than the cap of %d variables in all: %w", DockerfileMaxInherited, ErrDockerfileCap)}
			}
			maps.Copy(env, p.stages[s.parent].env)
		}
		args := map[string]dfValue{}
		scope := func(build bool) dfScope { return dfScope{env: env, args: args, build: build} }
		for _, c := range st.Commands {
			line := dfLine(c.Location())
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					global, isGlobal := meta[kv.Key]
					kl := keys.line(c.Location(), kv.Key)
					v, broken := dfArgValue(x, kv, global, isGlobal, scope(false), buildArgs, kl)
					args[kv.Key] = v
					s.vars = append(s.vars, dfVar{kind: "ARG", line: kl, key: kv.Key, hasValue: kv.Value != nil, literal: v.file, raw: dfDeref(kv.Value), broken: broken})
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					kl := keys.line(c.Location(), kv.Key)
					fv, _, broken := x.expand(kv.Value, scope(false), "ENV "+kv.Key, kl)
					bv, _, _ := x.expand(kv.Value, scope(true), "ENV "+kv.Key, kl)
					env[kv.Key] = dfValue{file: fv, build: bv, fileSet: true, buildSet: true}
					s.vars = append(s.vars, dfVar{kind: "ENV", line: kl, key: kv.Key, hasValue: true, literal: fv, raw: kv.Value, broken: broken})
				}
			case *instructions.UserCommand:
				v, missing, _ := x.expand(c.User, scope(true), "USER", line)
				s.users = append(s.users, dfUser{line: line, raw: c.User, value: v, unresolved: missing})
			case *instructions.HealthCheckCommand:
				none := c.Health != nil && len(c.Health.Test) > 0 && strings.EqualFold(c.Health.Test[0], "NONE")
				s.healths = append(s.healths, dfHealth{line: line, none: none})
			case *instructions.CopyCommand:
				from, _, _ := x.expand(c.From, scope(true), "COPY --from", line)
				s.copies = append(s.copies, dfCopy{kind: "COPY", line: line, from: from, sources: dfExpandAll(x, c.SourcePaths, scope(true), "COPY", line), excludes: c.ExcludePatterns})
			case *instructions.AddCommand:
				s.copies = append(s.copies, dfCopy{kind: "ADD", line: line, sources: dfExpandAll(x, c.SourcePaths, scope(true), "ADD", line), excludes: c.ExcludePatterns})
			case *instructions.EntrypointCommand:
				s.entry = append(s.entry, dfEntry{kind: "ENTRYPOINT", line: line, args: c.CmdLine})
			case *instructions.CmdCommand:
				s.entry = append(s.entry, dfEntry{kind: "CMD", line: line, args: c.CmdLine})
			}
			if x.err != nil {
				return nil, x.err
			}
		}
		if x.err != nil {
			return nil, x.err
		}
		s.env = env
		p.stages = append(p.stages, s)
	}
	if x.err != nil {
		return nil, x.err
	}
	return p, nil
}

// stageRef returns the index of the stage other than self that ref names,
// or -1.
func (p *dfParsed) stageRef(ref string, self int) int {
	i, ok := p.stageNames[strings.ToLower(ref)]
	if !ok {
		return -1
	}
	if i != self {
		return i
	}
	// The stage's own name: a later stage of the same name, if any.
	for j := self + 1; j < len(p.stages); j++ {
		if strings.EqualFold(p.stages[j].name, ref) {
			return j
		}
	}
	return -1
}

func dfDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// dfArgValue is the value an ARG takes in both views: a build arg wins in
// the build view; else the default, expanded; else the global ARG's value
// when the ARG re-declares one. broken reports a default that could not
// be expanded.
func dfArgValue(x *dfExpander, kv instructions.KeyValuePairOptional, global dfValue, isGlobal bool, fileScope dfScope, buildArgs map[string]string, line int) (v dfValue, broken bool) {
	switch {
	case kv.Value != nil:
		v.file, _, broken = x.expand(*kv.Value, fileScope, "ARG "+kv.Key, line)
		v.fileSet = true
		bs := fileScope
		bs.build = true
		v.build, _, _ = x.expand(*kv.Value, bs, "ARG "+kv.Key, line)
		v.buildSet = true
	case isGlobal:
		v = global
	}
	if b, ok := buildArgs[kv.Key]; ok {
		v.build, v.buildSet = b, true
	}
	return v, broken
}

func dfExpandAll(x *dfExpander, words []string, scope dfScope, what string, line int) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i], _, _ = x.expand(w, scope, what, line)
	}
	return out
}

// dfKeyLines finds the line of one key in an ENV or ARG instruction that
// spans several lines, so that a finding points at the key, not at the
// instruction's first line. The file is split into lines on first use.
// Keys are looked up in the order they are written, so the search goes on
// from where the previous key of the same instruction was found: linear
// in the instruction's size however many keys it has.
type dfKeyLines struct {
	data  []byte
	lines [][]byte
	// cursor: the instruction (its first line), the range index and the
	// byte offset where the previous key was found.
	curFirst, curRange, curOff int
}

func (k *dfKeyLines) line(loc []parser.Range, key string) int {
	first := dfLine(loc)
	if len(loc) < 2 || key == "" {
		return first
	}
	if k.lines == nil {
		k.lines = bytes.Split(k.data, []byte{'\n'})
	}
	if k.curFirst != first {
		k.curFirst, k.curRange, k.curOff = first, 0, 0
	}
	for ri := k.curRange; ri < len(loc); ri++ {
		n := loc[ri].Start.Line
		if n < 1 || n > len(k.lines) {
			continue
		}
		text := k.lines[n-1]
		i := 0
		if ri == k.curRange {
			i = min(k.curOff, len(text))
		}
		for i+len(key) <= len(text) {
			j := bytes.Index(text[i:], []byte(key))
			if j < 0 {
				break
			}
			j += i
			end := j + len(key)
			before := j == 0 || text[j-1] == ' ' || text[j-1] == '\t'
			after := end == len(text) || text[end] == '=' || text[end] == ' ' || text[end] == '\t' || text[end] == '\\' || text[end] == '\r'
			if before && after {
				k.curRange, k.curOff = ri, end
				return n
			}
			i = j + 1
		}
	}
	return first
}

// dfLine returns the first line of a BuildKit location, or 0.
func dfLine(loc []parser.Range) int {
	if len(loc) == 0 {
		return 0
	}
	return loc[0].Start.Line
}
