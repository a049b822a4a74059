package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/dotenv"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/dotenverr"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// Default file names of the Env source.
const (
	DefaultEnvFile     = ".env"
	DefaultEnvExample  = ".env.production.example"
	FallbackEnvExample = ".env.example"
)

// envComposeFiles are the compose files the Env source reads when
// EnvOptions.ComposeFiles is nil, as docker compose looks for them.
var envComposeFiles = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// EnvOptions configures the Env source. The zero value reads ".env" and
// ".env.production.example" (else ".env.example") in the current
// directory.
type EnvOptions struct {
	// Dir is the project directory; "" means the current directory.
	Dir string
	// DisplayDir is how the target and findings name Dir: a tool that
	// resolved Dir to an absolute path names it as its user wrote it
	// ("." or "deploy"). "" means Dir as given.
	DisplayDir string
	// Root confines every read; "" means guard.DefaultRoot(Dir), the top
	// of the git work tree holding Dir.
	Root string
	// File is the environment file, relative to Dir; "" means ".env".
	File string
	// Example is the example file, relative to Dir; "" means
	// ".env.production.example", else ".env.example" when only that one
	// exists.
	Example string
	// Docs are documentation files, relative to Dir, that may describe
	// variables instead of the example (README.md, docs/config.md).
	Docs []string
	// Consumed lists variables the deployment consumes besides those the
	// compose files reference.
	Consumed []string
	// ComposeFiles are compose files, relative to Dir, whose ${VAR}
	// interpolations and env_file keys are consumed variables; nil means
	// those of compose.yaml, compose.yml, docker-compose.yaml and
	// docker-compose.yml that exist; an empty non-nil slice means none.
	ComposeFiles []string
	// MaxFileSize caps every file read; 0 means guard.DefaultMaxFileSize.
	MaxFileSize int64
}

// EnvSource is a project's environment file, its example, and the
// variables its deployment consumes, read once per run. Build it with
// [Env]; it is safe for concurrent use.
type EnvSource struct {
	opts    EnvOptions
	target  string
	example string // display name of the configured example
	src     *check.Source[*envData]
}

// Env returns the source of the environment files of opts.Dir. Nothing is
// read until a check runs.
func Env(opts EnvOptions) *EnvSource {
	if opts.File == "" {
		opts.File = DefaultEnvFile
	}
	shown := opts.displayDir()
	s := &EnvSource{opts: opts, target: envJoin(shown, opts.File)}
	ex := opts.Example
	if ex == "" {
		ex = DefaultEnvExample
	}
	s.example = envJoin(shown, ex)
	s.src = check.NewSource(s.load)
	return s
}

func (o EnvOptions) displayDir() string {
	if o.DisplayDir != "" {
		return o.DisplayDir
	}
	return o.Dir
}

// Target is the environment file as checks name it: Dir (or DisplayDir)
// joined with File.
func (s *EnvSource) Target() string { return s.target }

func envJoin(dir, name string) string {
	if dir == "" || filepath.IsAbs(name) {
		return filepath.ToSlash(name)
	}
	return filepath.ToSlash(filepath.Join(dir, name))
}

// EnvVar is one variable of a parsed environment file.
type envVar struct {
	Key        string
	Value      string
	Line       int
	Documented bool // a comment above it (or above its group) or on its line
}

// envFile is one parsed .env-style file.
type envFile struct {
	Display string
	Present bool
	Vars    map[string]*envVar
	Order   []string // keys in file order, each once
}

func (f *envFile) get(key string) (*envVar, bool) {
	if f == nil || f.Vars == nil {
		return nil, false
	}
	v, ok := f.Vars[key]
	return v, ok
}

// envConsumed is a variable the deployment consumes, and where.
type envConsumed struct {
	Name string
	File string
	Line int
	How  string // "interpolated", "env_file", "listed by the caller"
}

// envData is what the source loads. Each part keeps its own error, so a
// broken compose file does not stop the checks that do not read it.
type envData struct {
	env        *envFile
	envErr     error
	example    *envFile
	exampleErr error
	docs       map[string][]string // display -> lines
	docsErr    error
	consumed   []envConsumed
	consumeErr error
}

func (s *EnvSource) load(ctx context.Context) (*envData, error) {
	dir := s.opts.Dir
	if dir == "" {
		dir = "."
	}
	root := s.opts.Root
	if root == "" {
		r, err := guard.DefaultRoot(dir)
		if err != nil {
			return nil, err
		}
		root = r
	}
	g, err := guard.New(guard.Options{Root: root, MaxFileSize: s.opts.MaxFileSize})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	rd := &envReader{g: g, dir: absDir, displayDir: s.opts.displayDir()}
	d := &envData{}

	d.env, d.envErr = rd.readEnv(s.opts.File)

	if s.opts.Example != "" {
		d.example, d.exampleErr = rd.readEnv(s.opts.Example)
	} else {
		d.example, d.exampleErr = rd.readEnv(DefaultEnvExample)
		if d.exampleErr == nil && !d.example.Present {
			if alt, err := rd.readEnv(FallbackEnvExample); err != nil || alt.Present {
				d.example, d.exampleErr = alt, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	d.docs = map[string][]string{}
	for _, doc := range s.opts.Docs {
		data, err := rd.read(doc)
		if err != nil {
			d.docsErr = errors.Join(d.docsErr, err)
			continue
		}
		if data == nil {
			d.docsErr = errors.Join(d.docsErr, fmt.Errorf("config: documentation file %s does not exist", strconv.Quote(rd.display(doc))))
			continue
		}
		d.docs[rd.display(doc)] = strings.Split(envNormalize(data), "\n")
	}

	d.consumed, d.consumeErr = rd.consumed(ctx, s.opts)
	return d, nil
}

// envReader reads the files of one load through the guard.
type envReader struct {
	g          *guard.Reader
	dir        string
	displayDir string
}

func (r *envReader) display(name string) string { return envJoin(r.displayDir, name) }

func (r *envReader) abs(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(r.dir, name)
}

// read returns a file's bytes, nil without error when it does not exist.
func (r *envReader) read(name string) ([]byte, error) {
	data, err := r.g.ReadFile(r.abs(name), r.display(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return data, nil
}

// readEnv reads and parses an environment file; a missing file is an
// envFile with Present false.
func (r *envReader) readEnv(name string) (*envFile, error) {
	display := r.display(name)
	data, err := r.read(name)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return &envFile{Display: display, Vars: map[string]*envVar{}}, nil
	}
	return parseEnv(display, data)
}

// EnvError is an environment file that could not be read or parsed: the
// file, the line when known, and what is wrong, never the line's text.
type EnvError struct {
	File string
	Line int
	Msg  string
}

func (e *EnvError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("config: %s: %s", e.File, e.Msg)
}

// ErrEnvBinary is matched (errors.Is) by the error of a file that is not
// text.
var ErrEnvBinary = errors.New("not a text file")

type envBinaryError struct{ EnvError }

func (e *envBinaryError) Unwrap() error { return ErrEnvBinary }

var envLineNoRE = regexp.MustCompile(`line (\d+)`)

// normalizeText drops a UTF-8 byte-order mark and turns CRLF and lone CR
// line endings into LF.
func envNormalize(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	s := string(data)
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// parseEnv parses an environment file with compose-go's dotenv, as docker
// compose does, without expanding anything: a reference to another
// variable stays as "${NAME}", so nothing is looked up in the process
// environment, nothing is logged and no value can grow by expansion. A
// binary file is refused; a syntax error names the file and line.
func parseEnv(display string, data []byte) (*envFile, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))) {
		msg := "a binary file, not an environment file (invalid UTF-8)"
		if i >= 0 {
			msg = fmt.Sprintf("a binary file, not an environment file (NUL byte at offset %d)", i)
		}
		return nil, &envBinaryError{EnvError{File: display, Msg: msg}}
	}
	text := envNormalize(data)
	vars, err := dotenv.ParseWithLookup(strings.NewReader(text), func(k string) (string, bool) {
		return "${" + k + "}", true
	})
	if err != nil {
		return nil, envSyntax(display, text, err)
	}
	f := &envFile{Display: display, Present: true, Vars: make(map[string]*envVar, len(vars))}
	for _, l := range scanEnvLines(text) {
		v, ok := vars[l.key]
		if !ok {
			continue // an inherited "KEY" line with no value, or a misread line
		}
		ev, seen := f.Vars[l.key]
		if !seen {
			ev = &envVar{Key: l.key}
			f.Vars[l.key] = ev
			f.Order = append(f.Order, l.key)
		}
		ev.Value, ev.Line = v, l.line
		ev.Documented = ev.Documented || l.documented
	}
	// Keys the line scan missed (an unusual layout): keep them, unlocated.
	var rest []string
	for k := range vars {
		if _, ok := f.Vars[k]; !ok {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		f.Vars[k] = &envVar{Key: k, Value: vars[k]}
		f.Order = append(f.Order, k)
	}
	return f, nil
}

// envSyntax turns a dotenv error, which quotes the line, into the file,
// the line and what is wrong.
func envSyntax(display, text string, err error) error {
	line, what := dotenverr.Describe(err)
	if what == "unterminated quoted value" {
		// dotenv counts to the end of the value; name where it starts.
		if l := envUnterminated(text); l > 0 {
			line = l
		}
	}
	return &EnvError{File: display, Line: line, Msg: what + dotenverr.Hidden}
}

// envLine is a key definition found by the line scan.
type envLine struct {
	key        string
	line       int
	documented bool
	open       bool // a quoted value that never closes
}

// envUnterminated returns the line of the first quoted value of text that
// never closes, or 0.
func envUnterminated(text string) int {
	for _, l := range scanEnvLines(text) {
		if l.open {
			return l.line
		}
	}
	return 0
}

var envKeyRE = regexp.MustCompile(`^[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.\-\[\]]+)[ \t]*[=:][ \t]*(.*)$`)

// scanEnvLines finds where each key is defined, stepping over multi-line
// quoted values, and whether a comment describes it: a comment on its line
// (after an unquoted value), or a comment block directly above it or above
// the run of definitions, without a blank line, it belongs to.
func scanEnvLines(text string) []envLine {
	var out []envLine
	lines := strings.Split(text, "\n")
	groupDocumented := false // the current run of definitions has a comment above
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			groupDocumented = false
			continue
		case strings.HasPrefix(t, "#"):
			if strings.TrimSpace(strings.TrimLeft(t, "#")) != "" {
				groupDocumented = true
			}
			continue
		}
		m := envKeyRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		el := envLine{key: m[1], line: i + 1, documented: groupDocumented}
		val := m[2]
		if q := envQuoteOf(val); q != 0 {
			// Find the closing quote, on this line or a later one.
			rest := val[1:]
			el.open = true
			for {
				if end := envClosingQuote(rest, q); end >= 0 {
					el.open = false
					if c := strings.TrimSpace(rest[end+1:]); strings.HasPrefix(c, "#") && strings.TrimSpace(strings.TrimLeft(c, "#")) != "" {
						el.documented = true
					}
					break
				}
				if i+1 >= len(lines) {
					break
				}
				i++
				rest = lines[i]
			}
		} else if _, c, ok := strings.Cut(val, " #"); ok && strings.TrimSpace(strings.TrimLeft(c, "#")) != "" {
			el.documented = true
		} else if strings.HasPrefix(val, "#") && strings.TrimSpace(strings.TrimLeft(val, "#")) != "" {
			el.documented = true // KEY=# description
		}
		out = append(out, el)
	}
	return out
}

func envQuoteOf(v string) byte {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		return v[0]
	}
	return 0
}

// closingQuote returns the index in s of the first q not escaped by a
// backslash, or -1.
func envClosingQuote(s string, q byte) int {
	esc := false
	for i := 0; i < len(s); i++ {
		switch {
		case esc:
			esc = false
		case s[i] == '\\':
			esc = true
		case s[i] == q:
			return i
		}
	}
	return -1
}
