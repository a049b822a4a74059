package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// DefaultComposeMaxFileSize is the largest compose (or .env) file read when
// ComposeOptions.MaxFileSize is 0.
const DefaultComposeMaxFileSize = 8 << 20

// composeDefaultFiles and composeOverrideFiles are the names docker compose
// looks for when no -f file is given, in its order of preference.
var (
	composeDefaultFiles  = [...]string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
	composeOverrideFiles = [...]string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"}
)

// ComposeOptions says which compose project to load and how to interpolate
// it. The zero value loads compose.yaml (or docker-compose.yml, and its
// override file) from the current directory with the variables of .env
// there, without the process environment.
type ComposeOptions struct {
	// Files are the compose files, merged in order as `docker compose -f a
	// -f b` does: a later file overrides an earlier one. Relative paths
	// are relative to Dir when it is set. Empty: the default names
	// (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml,
	// plus the matching override file) in Dir.
	Files []string
	// Dir is the project directory: where .env is read, what relative
	// paths in the files resolve against, and the default project name.
	// Empty: the directory of the first file.
	Dir string
	// Env holds interpolation variables. They override .env and the
	// process environment.
	Env map[string]string
	// UseProcessEnv adds the process environment to the interpolation
	// variables (over .env, under Env). Off by default, so that a check
	// gives the same answer on every machine.
	UseProcessEnv bool
	// OneShot names services that run to completion (migrations, seed
	// jobs): they need no healthcheck and no restart policy. A service
	// with restart "no" that another service awaits with condition
	// service_completed_successfully is recognised without being listed.
	OneShot []string
	// Profiles are the active profiles, as `docker compose --profile`
	// names them ("*" activates every profile). Empty, and with
	// ActiveProfilesOnly off, every service of every profile is checked,
	// so that a pull request cannot hide a service behind a profile; a
	// finding about a service that starts only under a profile says so
	// in its Location.Resource: `service "debug" (profile debug)`.
	// Setting Profiles narrows the checked services to those docker
	// compose would start with these profiles, as ActiveProfilesOnly
	// does.
	Profiles []string
	// ActiveProfilesOnly checks only the services `docker compose up`
	// would start: those without a profile, and those with a profile in
	// Profiles or, when Profiles is empty, in COMPOSE_PROFILES (read from
	// Env, the project's .env, and the process environment only when
	// UseProcessEnv is set). Every check's message then says how many
	// services it skipped and under which profiles.
	ActiveProfilesOnly bool
	// MaxFileSize bounds each file read (compose files, .env, included
	// and extended files, env_file files): 0 means
	// DefaultComposeMaxFileSize.
	MaxFileSize int64
	// Root confines the files the compose files name (include,
	// extends.file, env_file, an included project's .env): one outside it,
	// even through a symlink, is refused and the checks report an Error.
	// Empty: the top of the git work tree holding the project directory,
	// or that directory when there is none. The files the caller names
	// (Files, and .env in Dir) are not confined by it, but when they lie
	// below it a symlink of theirs may not leave it.
	Root string
	// Target, when set, is the checks' Meta.Target instead of the first
	// compose file: to check two projects that start from the same file
	// (compose.yaml alone, and with compose.prod.yaml) in one run.
	Target string
}

// ComposeProject is a compose project shared by the checks built on it:
// it is loaded at most once per run (see [check.Source]), and again on the
// next run. It is safe for concurrent use. Build it with [Compose].
type ComposeProject struct {
	opts   ComposeOptions
	target string
	src    *check.Source[*composeModel]
	loads  atomic.Int64 // loads started, for tests
	fpKey  []byte       // a fixed fingerprint key, for tests; nil: random per load
}

// Compose returns the compose project described by opts. Nothing is
// parsed until a check runs; when opts.Files is empty, Compose looks in
// Dir for the compose file that names the project's checks (see
// [ComposeProject.Target]).
func Compose(opts ComposeOptions) *ComposeProject {
	opts.Files = slices.Clone(opts.Files)
	opts.Env = maps.Clone(opts.Env)
	opts.Profiles = slices.Clone(opts.Profiles)
	opts.OneShot = slices.Clone(opts.OneShot)
	p := &ComposeProject{opts: opts, target: composeTarget(opts)}
	p.src = check.NewSource(p.load)
	return p
}

// Target returns the Meta.Target of every check on p: Options.Target when
// set, else the first compose file as the caller named it, joined to Dir
// when relative, with forward slashes: ComposeOptions{Dir: "deploy/prod"}
// gives "deploy/prod/compose.yml" (the default file found there), and
// ComposeOptions{Files: []string{"/srv/app/compose.yaml"}} gives
// "/srv/app/compose.yaml". With no compose file found, it is the
// directory ("deploy/prod", or "." for the current one).
func (p *ComposeProject) Target() string {
	if p == nil {
		return ""
	}
	return p.target
}

func composeTarget(o ComposeOptions) string {
	if o.Target != "" {
		return o.Target
	}
	if len(o.Files) > 0 {
		f := o.Files[0]
		if f != "" && !filepath.IsAbs(f) && o.Dir != "" {
			f = filepath.Join(o.Dir, f)
		}
		return filepath.ToSlash(filepath.Clean(f))
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	for _, name := range composeDefaultFiles {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			return filepath.ToSlash(filepath.Join(dir, name))
		}
	}
	return filepath.ToSlash(filepath.Clean(dir))
}

// callerDir is the project directory as the caller named it: Dir, or the
// directory of the first file.
func (p *ComposeProject) callerDir() string {
	switch o := p.opts; {
	case o.Dir != "":
		return o.Dir
	case len(o.Files) > 0:
		return filepath.Dir(o.Files[0])
	}
	return "."
}

// Load returns the loaded compose-go project, for custom checks: services
// interpolated, merged and normalised. It is shared by every check of the
// run and must not be modified.
func (p *ComposeProject) Load(ctx context.Context) (*types.Project, error) {
	m, err := p.src.Get(ctx)
	if err != nil {
		return nil, err
	}
	return m.project, nil
}

// ComposeError is the error of a compose project that could not be loaded:
// a missing or oversized file, a binary file, a YAML syntax error, a schema
// error, a required variable without a value. File and Line say where, when
// known; Err holds the parser's words.
type ComposeError struct {
	File string
	Line int
	Err  error

	syntax bool // a YAML syntax error of the pre-walk, which compose-go reports itself
}

func (e *ComposeError) Error() string {
	loc := e.File
	if loc != "" && e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if loc == "" {
		return "docker: compose: " + e.Err.Error()
	}
	return "docker: compose: " + loc + ": " + e.Err.Error()
}

func (e *ComposeError) Unwrap() error { return e.Err }

// ErrComposeTooLarge is matched by the error of a file larger than the
// size limit.
var ErrComposeTooLarge = errors.New("file too large")

// composeModel is what one load produces, read concurrently by the checks.
type composeModel struct {
	project  *types.Project
	oneShots []string // ComposeOptions.OneShot
	names    []string // active services, sorted
	ix       *composeIndex
	env      map[string]string
	unset    map[string]bool // variables the loader looked up and did not find
	awaited  map[string]bool // services another awaits with service_completed_successfully
	notes    []composeNote   // what compose-go would have logged
	secrets  []string        // secret values of the files and .env, redacted from messages
	fp       *secret.Fingerprinter
	root     string // the directory named files are confined to

	profiled map[string][]string // services that start only under a profile: their profiles
	skipped  []string            // services not checked: their profiles are not active, sorted
	narrowed bool                // only the services of the active profiles are checked

	envFileValues map[string][]string // the values of each checked service's env_file files

	refsOnce sync.Once
	refs     []composeVarRef // variable references, computed on first use
}

// variableRefs returns the variable references of the project's files.
func (m *composeModel) variableRefs() []composeVarRef {
	m.refsOnce.Do(func() { m.refs = m.ix.variableRefs() })
	return m.refs
}

// composeFileRef is one compose file: its absolute path and the name shown
// in findings.
type composeFileRef struct{ abs, display string }

func (p *ComposeProject) files() (dir string, files []composeFileRef, err error) {
	o := p.opts
	dir = o.Dir
	if len(o.Files) == 0 {
		if dir == "" {
			dir = "."
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", nil, &ComposeError{Err: err}
		}
		find := func(names []string) {
			for _, name := range names {
				if st, err := os.Stat(filepath.Join(abs, name)); err == nil && st.Mode().IsRegular() {
					files = append(files, composeFileRef{abs: filepath.Join(abs, name), display: name})
					return
				}
			}
		}
		if find(composeDefaultFiles[:]); len(files) == 0 {
			return "", nil, &ComposeError{Err: fmt.Errorf("no compose file in %s (looked for %s): %w", dir, strings.Join(composeDefaultFiles[:], ", "), fs.ErrNotExist)}
		}
		find(composeOverrideFiles[:])
		return abs, files, nil
	}
	for _, f := range o.Files {
		if f == "" {
			return "", nil, &ComposeError{Err: errors.New("empty compose file name")}
		}
		abs := f
		if !filepath.IsAbs(abs) && o.Dir != "" {
			abs = filepath.Join(o.Dir, abs)
		}
		abs, err := filepath.Abs(abs)
		if err != nil {
			return "", nil, &ComposeError{File: f, Err: err}
		}
		files = append(files, composeFileRef{abs: abs, display: f})
	}
	if dir == "" {
		dir = filepath.Dir(files[0].abs)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", nil, &ComposeError{Err: err}
	}
	// Findings name files relative to the project directory.
	for i, f := range files {
		if rel, err := filepath.Rel(dir, f.abs); err == nil {
			files[i].display = filepath.ToSlash(rel)
		}
	}
	return dir, files, nil
}

// composeReadFile reads a file the caller named (a -f file, or the .env of
// the project directory) through the guard: the root when the file lies
// below it, else a reader rooted at the file's own directory. Either way a
// FIFO, a device or an oversized file is refused without blocking, and a
// symlink cannot leave that directory.
func composeReadFile(g *guard.Reader, abs, display string, limit int64) ([]byte, error) {
	r := g
	name := abs
	if _, err := g.Rel(abs, display); err != nil {
		own, err := guard.New(guard.Options{Root: filepath.Dir(abs), MaxFileSize: limit})
		if err != nil {
			return nil, &ComposeError{File: display, Err: composeStripPath(errors.Unwrap(err))}
		}
		defer own.Close()
		r, name = own, filepath.Base(abs)
	}
	data, err := r.ReadFile(name, display)
	var ge *guard.Error
	switch {
	case errors.Is(err, guard.ErrTooLarge):
		return nil, &ComposeError{File: display, Err: fmt.Errorf("%w: over the size limit of %s", ErrComposeTooLarge, composeSize(limit))}
	case errors.As(err, &ge) && ge.Detail != "" && ge.Rule != guard.ErrOutside:
		return nil, &ComposeError{File: display, Err: fmt.Errorf("%w (%s)", ge.Rule, ge.Detail)}
	case errors.As(err, &ge) && ge.Rule == guard.ErrOutside:
		return nil, &ComposeError{File: display, Err: fmt.Errorf("a symlink to a file %w %s", ge.Rule, g.Root())}
	case errors.As(err, &ge):
		return nil, &ComposeError{File: display, Err: fmt.Errorf("open: %w", ge.Rule)}
	case err != nil:
		return nil, &ComposeError{File: display, Err: err}
	}
	if err := composeCheckText(display, data); err != nil {
		return nil, err
	}
	return data, nil
}

// composeCheckText refuses what is not text.
func composeCheckText(display string, data []byte) error {
	if i := strings.IndexByte(string(data), 0); i >= 0 {
		return &ComposeError{File: display, Line: 1 + strings.Count(string(data[:i]), "\n"), Err: fmt.Errorf("binary content (NUL byte at offset %d), not YAML", i)}
	}
	if !utf8.Valid(data) {
		return &ComposeError{File: display, Err: errors.New("not UTF-8 text")}
	}
	return nil
}

// composeStripPath returns the cause of a *fs.PathError, whose path the
// caller already names.
func composeStripPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func composeSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// env returns the interpolation variables: .env in dir, under the process
// environment when asked, under Env.
func (p *ComposeProject) env(g *guard.Reader, dir string, limit int64) (map[string]string, error) {
	o := p.opts
	outer := map[string]string{}
	if o.UseProcessEnv {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				outer[k] = v
			}
		}
	}
	maps.Copy(outer, o.Env)
	env := map[string]string{}
	path := filepath.Join(dir, ".env")
	// Lstat: a FIFO or a symlink is judged by the guard, which never blocks.
	if st, err := os.Lstat(path); err == nil && !st.IsDir() {
		data, err := composeReadFile(g, path, ".env", limit)
		if err != nil {
			return nil, err
		}
		vars, err := composeParseEnv(".env", data, outer)
		if err != nil {
			return nil, err
		}
		maps.Copy(env, vars)
	}
	maps.Copy(env, outer)
	return env, nil
}

// root returns the directory named files are confined to.
func (p *ComposeProject) root(dir string) (string, error) {
	if p.opts.Root != "" {
		return filepath.Abs(p.opts.Root)
	}
	return guard.DefaultRoot(dir)
}

func (p *ComposeProject) load(ctx context.Context) (m *composeModel, err error) {
	p.loads.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: compose: %w", err)
	}
	limit := p.opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultComposeMaxFileSize
	}
	dir, files, err := p.files()
	if err != nil {
		return nil, err
	}
	root, err := p.root(dir)
	if err != nil {
		return nil, &ComposeError{Err: err}
	}
	gr, err := guard.New(guard.Options{Root: root, MaxFileSize: limit})
	if err != nil {
		return nil, &ComposeError{Err: err}
	}
	defer gr.Close()
	env, err := p.env(gr, dir, limit)
	if err != nil {
		return nil, err
	}
	fp := secret.NewFingerprinter()
	if p.fpKey != nil {
		fp = secret.NewKeyedFingerprinter(p.fpKey)
	}
	ix := newComposeIndex(dir, env, limit)
	ix.g = &composeGuard{r: gr, approved: map[string]bool{}, bases: map[string]bool{dir: true}}
	details := types.ConfigDetails{WorkingDir: dir, Environment: maps.Clone(env)}
	// Secret values that a parser's error could quote back: redacted
	// from every load error.
	var secrets []string
	for k, v := range env {
		if secret.IsSecretKey(k) || secret.URLHasPassword(v) {
			secrets = append(secrets, v)
		}
	}
	var notes []composeNote
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("docker: compose: %w", err)
		}
		data, err := composeReadFile(gr, f.abs, f.display, limit)
		if err != nil {
			return nil, err
		}
		ix.g.approve(f.abs)
		secrets = append(secrets, secret.ValuesIn(data)...)
		docs, err := ix.addTop(f, data)
		if err != nil {
			return nil, composeRedact(fp, err, append(secrets, ix.secrets...))
		}
		// compose-go would log an obsolete version: key: hand it bytes
		// without one, and report it as a finding.
		content, versionNotes := composeHideVersion(docs, data)
		notes = append(notes, versionNotes...)
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: f.abs, Content: content})
	}
	secrets = append(secrets, ix.secrets...)

	unset := map[string]bool{}
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		if !ok {
			unset[k] = true
		}
		return v, ok
	}
	name := loader.NormalizeProjectName(filepath.Base(dir))
	if name == "" {
		name = "prodcheck"
	}
	type boolCast struct {
		pattern tree.Path
		value   string
	}
	var bools []boolCast // called from the loader's goroutine only
	expansion := &composeExpansion{}
	for k := range ix.blank {
		if _, ok := details.Environment[k]; !ok {
			details.Environment[k] = ""
		}
	}
	profiles, narrowed := p.activeProfiles(env)
	project, err := composeLoadProject(ctx, details, func(o *loader.Options) {
		o.SetProjectName(name, false)
		o.Profiles = profiles
		// Environment is judged from the YAML as written; env_file and
		// label_file contents are not needed and may be absent here.
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		// Included and extended files were read through the guard: the
		// gate refuses any other.
		o.ResourceLoaders = []loader.ResourceLoader{composeGate{ix.g}}
		ip := *o.Interpolate
		ip.LookupValue = lookup
		// No logrus warning for unset variables (they become findings),
		// and caps on what interpolation may expand to.
		ip.Substitute = expansion.substitute
		// No logrus warning for YAML 1.1 booleans: they become findings.
		ip.TypeCastMapping = composeQuietCasts(ip.TypeCastMapping, func(pattern tree.Path, value string) {
			bools = append(bools, boolCast{pattern, value})
		})
		o.Interpolate = &ip
	})
	if expansion.exceeded != nil {
		return nil, &ComposeError{File: files[0].display, Err: expansion.exceeded}
	}
	if err != nil {
		return nil, composeRedact(fp, ix.blameUnset(ix.locateError(err), env), secrets)
	}
	notes = append(notes, ix.includedVersionNotes()...)
	for _, b := range bools {
		notes = append(notes, ix.boolNote(b.pattern, b.value))
	}
	m = &composeModel{project: project, ix: ix, env: env, unset: unset, notes: notes, secrets: secrets, root: gr.Root(), fp: fp, oneShots: p.opts.OneShot}
	m.names = slices.Sorted(maps.Keys(project.Services))
	m.profiled, m.skipped, m.narrowed = composeProfiled(project), slices.Sorted(maps.Keys(project.DisabledServices)), narrowed
	if err := m.checkEnvFiles(gr); err != nil {
		return nil, composeRedact(fp, err, secrets)
	}
	m.awaited = map[string]bool{}
	for _, s := range project.Services {
		for dep, cfg := range s.DependsOn {
			if cfg.Condition == types.ServiceConditionCompletedSuccessfully {
				m.awaited[dep] = true
			}
		}
	}
	return m, nil
}

// composeRedact replaces secret values quoted in a load error (compose-go
// quotes the value of a malformed interpolation, for one) by fingerprints.
func composeRedact(fp *secret.Fingerprinter, err error, secrets []string) error {
	if ce, ok := err.(*ComposeError); ok {
		red := *ce
		red.Err = fp.RedactError(ce.Err, secrets)
		return &red
	}
	return fp.RedactError(err, secrets)
}

// composeLoadProject calls compose-go, turning a panic into an error.
func composeLoadProject(ctx context.Context, details types.ConfigDetails, opt func(*loader.Options)) (p *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("compose-go panicked: %v", r)
		}
	}()
	return loader.LoadWithContext(ctx, details, opt)
}

var (
	composeLineRE    = regexp.MustCompile(`\bline (\d+)\b`)
	composePathRE    = regexp.MustCompile(`(?:^|[\s'"])((?:services|networks|volumes|secrets|configs|include)\.[^\s'":]+)`)
	composeServiceRE = regexp.MustCompile(`service "?([A-Za-z0-9._-]+)"?`)
	// composeExtraPropRE reads the schema error for an unknown key.
	composeExtraPropRE = regexp.MustCompile(`additional properties '([^']+)' not allowed`)
)

// locateError turns a loader error into a ComposeError with the file and
// line that caused it, where they can be found.
func (ix *composeIndex) locateError(err error) error {
	var ce *ComposeError
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("docker: compose: %w", err)
	}
	cause := composeTrimAbs(err, ix)
	var missing template.MissingRequiredError
	var missingP *template.MissingRequiredError
	name := ""
	if errors.As(err, &missing) {
		name = missing.Variable
	} else if errors.As(err, &missingP) {
		name = missingP.Variable
	}
	if name != "" {
		for _, ref := range ix.variableRefs() {
			if ref.v.Name == name && ref.v.Required {
				return &ComposeError{File: ref.doc.display, Line: ref.line, Err: cause}
			}
		}
	}
	msg := err.Error()
	for _, f := range ix.files {
		if !strings.Contains(msg, f.abs) {
			continue
		}
		if line := composeYAMLLine(msg); line > 0 {
			return &ComposeError{File: f.display, Line: line, Err: cause}
		}
	}
	if m := composePathRE.FindStringSubmatch(msg); m != nil {
		path := strings.Split(strings.TrimRight(m[1], "."), ".")
		if extra := composeExtraPropRE.FindStringSubmatch(msg); extra != nil {
			path = append(path, extra[1])
		}
		if doc, line := ix.lineOfPath(path); doc != nil {
			return &ComposeError{File: doc.display, Line: line, Err: cause}
		}
	}
	if m := composeServiceRE.FindStringSubmatch(msg); m != nil {
		if doc, n := ix.firstService(m[1]); doc != nil {
			return &ComposeError{File: doc.display, Line: n.Line, Err: cause}
		}
	}
	file := ""
	if len(ix.files) > 0 {
		file = ix.files[0].display
	}
	return &ComposeError{File: file, Err: cause}
}

// composeYAMLLine returns the line of a go-yaml error: the last line its
// message names, where the parser stopped. go-yaml counts the lines of
// parser errors ("while parsing a block mapping ...") from 0 and those of
// scanner errors from 1, so the former get one added.
func composeYAMLLine(msg string) int {
	m := composeLineRE.FindAllStringSubmatch(msg, -1)
	if m == nil {
		return 0
	}
	line, _ := strconv.Atoi(m[len(m)-1][1])
	if strings.Contains(msg, "while parsing") {
		line++
	}
	return line
}

// composeTrimAbs replaces the absolute paths of the project's files in
// err's text by their display names, keeping err in the chain.
func composeTrimAbs(err error, ix *composeIndex) error {
	msg := err.Error()
	trimmed := msg
	for _, d := range ix.allDocs() {
		trimmed = strings.ReplaceAll(trimmed, d.abs, d.display)
	}
	trimmed = strings.ReplaceAll(trimmed, ix.dir+string(filepath.Separator), "")
	if trimmed == msg {
		return err
	}
	return &composeRenamedError{msg: trimmed, err: err}
}

type composeRenamedError struct {
	msg string
	err error
}

func (e *composeRenamedError) Error() string { return e.msg }
func (e *composeRenamedError) Unwrap() error { return e.err }
