package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// DefaultDockerfileMaxSize is how many bytes of a Dockerfile (or of its
// .dockerignore) a [DockerfileSource] reads when
// [DockerfileOptions.MaxSize] is zero: 1 MiB.
const DefaultDockerfileMaxSize = 1 << 20

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
// file, the line when known, and the parser's words.
//
// Every check on the source has Meta.Target [DockerfileSource.Target] (the
// path as given), and its findings name files relative to the build
// context: "Dockerfile", ".dockerignore", or "../Dockerfile" for a
// Dockerfile outside its context.
//
// A DockerfileSource is safe for concurrent use.
type DockerfileSource struct {
	opts     DockerfileOptions
	target   string   // Meta.Target of the checks
	rel      string   // the Dockerfile relative to the context, as findings name it
	services []string // compose services that build it, when made by ComposeProject.Builds
	src      *check.Source[*dfParsed]
	loads    atomic.Int64 // how many times the file was loaded, for tests
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
	p, err := dockerfileParseFile(ctx, s.opts.Path, s.opts.MaxSize, s.opts.BuildArgs)
	if err != nil {
		return nil, err
	}
	p.file = s.rel
	p.ignore, p.ignoreErr = dockerignoreLoad(ctx, s.opts.ContextDir, s.opts.Path, s.opts.MaxSize)
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
// parsed. Its message is "docker: file:line: the reader's or parser's words".
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

// dfCauseText is the cause's own words, without the file name and line the
// DockerfileError already gives.
func dfCauseText(err error) string {
	if err == nil {
		return "unknown error"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	var le *parser.LocationError
	if errors.As(err, &le) && le.Unwrap() != nil {
		return le.Unwrap().Error()
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

// dfReadLimited reads the file at path through limit, refusing a larger
// file and a binary one (a NUL byte). what names the kind of file.
func dfReadLimited(ctx context.Context, path string, limit int64, what string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &DockerfileError{File: path, Err: err}
	}
	defer f.Close()
	if limit <= 0 {
		limit = DefaultDockerfileMaxSize
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &DockerfileError{File: path, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &DockerfileError{File: path, Err: fmt.Errorf("larger than the %d-byte limit", limit)}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		return nil, &DockerfileError{File: path, Line: line, Err: fmt.Errorf("binary file (NUL byte at offset %d), not a %s", i, what)}
	}
	return data, nil
}

// dockerfileParseFile reads and parses the Dockerfile at path.
func dockerfileParseFile(ctx context.Context, path string, limit int64, buildArgs map[string]string) (*dfParsed, error) {
	if path == "" {
		return nil, errors.New("docker: dockerfile source has no path")
	}
	data, err := dfReadLimited(ctx, path, limit, "Dockerfile")
	if err != nil {
		return nil, err
	}
	p, err := dockerfileParse(path, data, buildArgs)
	if err != nil {
		// A parser's words may quote an instruction: never a secret value.
		var de *DockerfileError
		if errors.As(err, &de) {
			red := *de
			red.Err = secret.RedactError(de.Err, dfSecretValues(data, buildArgs))
			return nil, &red
		}
	}
	return p, err
}

// dfSecretValues lists the values a Dockerfile's ENV and ARG lines (and
// the build arguments) give to secret keys.
func dfSecretValues(data []byte, buildArgs map[string]string) []string {
	var lines []byte
	for line := range bytes.Lines(data) {
		t := bytes.TrimSpace(line)
		for _, kw := range []string{"ENV ", "ARG "} {
			if len(t) > 4 && strings.EqualFold(string(t[:4]), kw) {
				// "ENV A=1 B=2" and "ENV A 1": one assignment a line.
				for _, f := range strings.Fields(string(t[4:])) {
					lines = append(lines, f+"\n"...)
				}
				if k, v, ok := strings.Cut(strings.TrimSpace(string(t[4:])), " "); ok && !strings.Contains(k, "=") {
					lines = append(lines, k+"="+v+"\n"...)
				}
			}
		}
	}
	values := secret.ValuesIn(lines)
	for k, v := range buildArgs {
		if secret.IsSecretKey(k) || secret.URLHasPassword(v) {
			values = append(values, v)
		}
	}
	return values
}

// dockerfileParse parses a Dockerfile's bytes with BuildKit's parser and
// resolves what the checks need. It never panics: a panic in the parser
// becomes an error naming the file.
func dockerfileParse(file string, data []byte, buildArgs map[string]string) (p *dfParsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &DockerfileError{File: file, Err: fmt.Errorf("parser panicked: %v", r)}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, &DockerfileError{File: file, Line: dfErrorLine(err), Err: err}
	}
	var warnings []dfWarning
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		warnings = append(warnings, dfWarning{Rule: "NoEmptyContinuation", Line: line, Message: w.Short})
	}
	lint := linter.New(&linter.Config{
		Warn: func(rule, _, _, msg string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			warnings = append(warnings, dfWarning{Rule: rule, Line: line, Message: msg})
		},
	})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, &DockerfileError{File: file, Line: dfErrorLine(err), Err: err}
	}
	if len(stages) == 0 {
		return nil, &DockerfileError{File: file, Err: errors.New("no FROM instruction")}
	}
	p = dfAnalyze(file, data, res.EscapeToken, stages, metaArgs, buildArgs)
	p.warnings = warnings
	return p, nil
}

// dfParsed is a parsed Dockerfile reduced to what the checks read. It is
// not modified after the load, so checks share it without locks.
type dfParsed struct {
	file      string
	stages    []*dfStage
	metaVars  []dfVar // ARGs before the first FROM
	warnings  []dfWarning
	ignore    *DockerIgnore
	ignoreErr error
	// ignoreName is the ignore file relative to the context, as findings
	// name it; "" when there is none.
	ignoreName string
	envFiles   []string // .env files found at the top of the context
}

// final returns the stage that ships: the last one.
func (p *dfParsed) final() *dfStage { return p.stages[len(p.stages)-1] }

// dfWarning is a warning from BuildKit's parser or linter.
type dfWarning struct {
	Rule    string
	Line    int
	Message string
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

// dfExpander expands words the way BuildKit does at build time. It is not
// safe for concurrent use; the analysis owns one.
type dfExpander struct{ lex *shell.Lex }

// expand returns word with variables replaced from scope, and the names of
// the variables that had no value. An expansion error (such as ${X:?msg}
// with X unset) gives an empty value with X unresolved.
func (e dfExpander) expand(word string, scope dfScope) (string, []string) {
	if !strings.ContainsAny(word, "$\"'\\`") {
		return word, nil
	}
	res, err := e.lex.ProcessWordWithMatches(word, scope)
	var missing []string
	for k := range res.Unmatched {
		missing = append(missing, k)
	}
	slices.Sort(missing)
	if err != nil {
		if len(missing) == 0 {
			missing = []string{"?"}
		}
		return "", missing
	}
	return res.Result, missing
}

// dfAnalyze walks the stages once, resolving variables the way BuildKit
// does, and keeps the facts the checks use.
func dfAnalyze(file string, data []byte, escape rune, stages []instructions.Stage, metaArgs []instructions.ArgCommand, buildArgs map[string]string) *dfParsed {
	if escape == 0 {
		escape = parser.DefaultEscapeToken
	}
	x := dfExpander{lex: shell.NewLex(escape)}
	p := &dfParsed{file: file}
	keys := dfKeyLines{data: data}

	// Global ARGs: visible to FROM, and to ARGs of the same name in stages.
	meta := make(map[string]dfValue, len(dfBuiltinArgs)+len(metaArgs))
	for k, v := range dfBuiltinArgs {
		meta[k] = dfValue{file: v, build: v, fileSet: true, buildSet: true}
	}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v := dfArgValue(x, kv, dfValue{}, false, dfScope{args: meta}, buildArgs)
			meta[kv.Key] = v
			p.metaVars = append(p.metaVars, dfVar{kind: "ARG", line: keys.line(a.Location(), kv.Key), key: kv.Key, hasValue: kv.Value != nil, literal: v.file})
		}
	}

	for i := range stages {
		st := &stages[i]
		s := &dfStage{index: i, name: st.Name, base: st.BaseName, line: dfLine(st.Location), parent: -1}
		s.image, s.unresolved = x.expand(st.BaseName, dfScope{args: meta, build: true})
		for j := range stages {
			if j != i && stages[j].Name != "" && strings.EqualFold(stages[j].Name, s.image) {
				s.parent = j
				break
			}
		}
		env := map[string]dfValue{}
		if s.parent >= 0 && s.parent < i {
			for k, v := range p.stages[s.parent].env {
				env[k] = v
			}
		}
		args := map[string]dfValue{}
		scope := func(build bool) dfScope { return dfScope{env: env, args: args, build: build} }
		for _, c := range st.Commands {
			line := dfLine(c.Location())
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					global, isGlobal := meta[kv.Key]
					v := dfArgValue(x, kv, global, isGlobal, scope(false), buildArgs)
					args[kv.Key] = v
					s.vars = append(s.vars, dfVar{kind: "ARG", line: keys.line(c.Location(), kv.Key), key: kv.Key, hasValue: kv.Value != nil, literal: v.file})
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					fv, _ := x.expand(kv.Value, scope(false))
					bv, _ := x.expand(kv.Value, scope(true))
					env[kv.Key] = dfValue{file: fv, build: bv, fileSet: true, buildSet: true}
					s.vars = append(s.vars, dfVar{kind: "ENV", line: keys.line(c.Location(), kv.Key), key: kv.Key, hasValue: true, literal: fv})
				}
			case *instructions.UserCommand:
				v, missing := x.expand(c.User, scope(true))
				s.users = append(s.users, dfUser{line: line, raw: c.User, value: v, unresolved: missing})
			case *instructions.HealthCheckCommand:
				none := c.Health != nil && len(c.Health.Test) > 0 && strings.EqualFold(c.Health.Test[0], "NONE")
				s.healths = append(s.healths, dfHealth{line: line, none: none})
			case *instructions.CopyCommand:
				from, _ := x.expand(c.From, scope(true))
				s.copies = append(s.copies, dfCopy{kind: "COPY", line: line, from: from, sources: dfExpandAll(x, c.SourcePaths, scope(true)), excludes: c.ExcludePatterns})
			case *instructions.AddCommand:
				s.copies = append(s.copies, dfCopy{kind: "ADD", line: line, sources: dfExpandAll(x, c.SourcePaths, scope(true)), excludes: c.ExcludePatterns})
			}
		}
		s.env = env
		p.stages = append(p.stages, s)
	}
	return p
}

// dfArgValue is the value an ARG takes in both views: a build arg wins in
// the build view; else the default, expanded; else the global ARG's value
// when the ARG re-declares one.
func dfArgValue(x dfExpander, kv instructions.KeyValuePairOptional, global dfValue, isGlobal bool, fileScope dfScope, buildArgs map[string]string) dfValue {
	var v dfValue
	switch {
	case kv.Value != nil:
		v.file, _ = x.expand(*kv.Value, fileScope)
		v.fileSet = true
		bs := fileScope
		bs.build = true
		v.build, _ = x.expand(*kv.Value, bs)
		v.buildSet = true
	case isGlobal:
		v = global
	}
	if b, ok := buildArgs[kv.Key]; ok {
		v.build, v.buildSet = b, true
	}
	return v
}

func dfExpandAll(x dfExpander, words []string, scope dfScope) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i], _ = x.expand(w, scope)
	}
	return out
}

// dfKeyLines finds the line of one key in an ENV or ARG instruction that
// spans several lines, so that a finding points at the key, not at the
// instruction's first line. The file is split into lines on first use.
type dfKeyLines struct {
	data  []byte
	lines [][]byte
}

func (k *dfKeyLines) line(loc []parser.Range, key string) int {
	first := dfLine(loc)
	if len(loc) < 2 {
		return first
	}
	if k.lines == nil {
		k.lines = bytes.Split(k.data, []byte{'\n'})
	}
	for _, r := range loc {
		n := r.Start.Line
		if n < 1 || n > len(k.lines) {
			continue
		}
		text := k.lines[n-1]
		for i := 0; i+len(key) <= len(text); {
			j := bytes.Index(text[i:], []byte(key))
			if j < 0 {
				break
			}
			j += i
			end := j + len(key)
			before := j == 0 || text[j-1] == ' ' || text[j-1] == '\t'
			after := end == len(text) || text[end] == '=' || text[end] == ' ' || text[end] == '\t' || text[end] == '\\' || text[end] == '\r'
			if before && after {
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
