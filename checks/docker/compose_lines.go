package docker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// The loader drops source positions, so a second pass over the same bytes
// with yaml.v3 nodes maps a service and a key path to the file and line
// that set it.

const (
	composeMaxDepth    = 64      // nesting followed through aliases and merge keys
	composeMaxExtends  = 8       // extends chain followed
	composeMaxIncludes = 8       // include nesting followed
	composeWalkBudget  = 1 << 20 // nodes visited per document when scanning variables
	composeMaxExpanded = 1 << 20 // nodes a document may expand to through aliases
)

// composeDoc is one YAML document of a compose file.
type composeDoc struct {
	abs, display string
	base         string     // the directory its extends and env_file paths resolve against
	root         *yaml.Node // the top-level mapping, or nil
	services     map[string]composeNodePair
}

// composeNodePair is a mapping entry: its key and its (dereferenced) value.
type composeNodePair struct{ key, val *yaml.Node }

// composeIndex holds the documents of a project in merge order, plus the
// files that extends: file: names.
type composeIndex struct {
	dir   string
	env   map[string]string
	limit int64
	files []composeFileRef         // the -f files
	docs  []*composeDoc            // merge order; included files come before their includer
	extra map[string][]*composeDoc // extends targets by absolute path
	seen  map[string]bool          // files parsed
	g     *composeGuard            // reads named files; nil reads none
	nodes int                      // YAML nodes parsed, for composeMaxNodes
	// secrets are the values parsed files assign to secret keys: what a
	// parser's error could quote back.
	secrets []string
	// blank are variables an included project's .env refers to that
	// nothing defines: handed to compose-go as blanks, so that its dotenv
	// resolves them as it would (to a blank) without logging their names.
	blank map[string]bool
}

func newComposeIndex(dir string, env map[string]string, limit int64) *composeIndex {
	return &composeIndex{dir: dir, env: env, limit: limit, extra: map[string][]*composeDoc{}, seen: map[string]bool{}, blank: map[string]bool{}}
}

// composeParseDocs parses every document of a file into nodes. A syntax
// error is a *ComposeError with the line yaml.v3 reports.
func composeParseDocs(abs, display string, data []byte) (docs []*composeDoc, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, &ComposeError{File: display, Err: errors.New("yaml parser panicked")}
		}
	}()
	if n := composeTokens(data); n > composeMaxTokens {
		return nil, &ComposeError{File: display, Err: fmt.Errorf("more than %d lines and flow separators (%d): refused before parsing, which would build a node for each", composeMaxTokens, n)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			line := composeYAMLLine(err.Error())
			if strings.Contains(err.Error(), "exceeded max depth") {
				return nil, &ComposeError{File: display, Line: line, Err: fmt.Errorf("nesting deeper than %d levels: refused before loading", composeMaxDepth)}
			}
			return docs, &ComposeError{File: display, Line: line, Err: err, syntax: true}
		}
		docs = append(docs, newComposeDoc(abs, display, &n))
	}
}

// composeTokens counts the bytes that can start a YAML node of their own:
// line breaks and flow separators. Every node but the first of a file
// needs one of them, a few nodes at most share one ("a: b" is two), so the
// count bounds the tree yaml.v3 would build and the memory it would take,
// and it is taken before parsing.
func composeTokens(data []byte) int {
	n := 0
	for _, c := range data {
		switch c {
		case '\n', ',', '[', '{':
			n++
		}
	}
	return n
}

func newComposeDoc(abs, display string, n *yaml.Node) *composeDoc {
	d := &composeDoc{abs: abs, display: display, services: map[string]composeNodePair{}}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	n = composeDeref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return d
	}
	d.root = n
	_, svcs := composeMapGet(n, "services")
	composeEachPair(svcs, func(k, v *yaml.Node) {
		if _, dup := d.services[k.Value]; !dup {
			d.services[k.Value] = composeNodePair{k, v}
		}
	})
	return d
}

// composeDeref follows aliases.
func composeDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < composeMaxDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func composeIsMerge(k *yaml.Node) bool { return k.Tag == "!!merge" }

// composeEachPair calls fn for each entry of mapping n, merge keys
// expanded (explicit keys first, then merged ones not overridden).
func composeEachPair(n *yaml.Node, fn func(k, v *yaml.Node)) {
	seen := map[string]bool{}
	composeEachPairDepth(n, fn, seen, 0)
}

func composeEachPairDepth(n *yaml.Node, fn func(k, v *yaml.Node), seen map[string]bool, depth int) {
	n = composeDeref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > composeMaxDepth {
		return
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if composeIsMerge(k) {
			merges = append(merges, n.Content[i+1])
			continue
		}
		if seen[k.Value] {
			continue
		}
		seen[k.Value] = true
		fn(k, composeDeref(n.Content[i+1]))
	}
	for _, m := range merges {
		m = composeDeref(m)
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, item := range m.Content {
				composeEachPairDepth(item, fn, seen, depth+1)
			}
			continue
		}
		composeEachPairDepth(m, fn, seen, depth+1)
	}
}

// composeMapGet returns the entry key of mapping n, merge keys included.
func composeMapGet(n *yaml.Node, key string) (k, v *yaml.Node) {
	return composeMapGetDepth(n, key, 0)
}

func composeMapGetDepth(n *yaml.Node, key string, depth int) (*yaml.Node, *yaml.Node) {
	n = composeDeref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > composeMaxDepth {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !composeIsMerge(k) && k.Value == key {
			return k, composeDeref(n.Content[i+1])
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !composeIsMerge(n.Content[i]) {
			continue
		}
		m := composeDeref(n.Content[i+1])
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, item := range m.Content {
				if k, v := composeMapGetDepth(item, key, depth+1); k != nil {
					return k, v
				}
			}
			continue
		}
		if k, v := composeMapGetDepth(m, key, depth+1); k != nil {
			return k, v
		}
	}
	return nil, nil
}

// composeGetPath descends mapping keys and returns the last key node.
func composeGetPath(n *yaml.Node, path ...string) *yaml.Node {
	var k *yaml.Node
	for _, p := range path {
		k, n = composeMapGet(n, p)
		if k == nil {
			return nil
		}
	}
	return k
}

// composeScalar reports n's value when it is a scalar.
func composeScalar(n *yaml.Node) (string, bool) {
	n = composeDeref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

func composeIsNull(n *yaml.Node) bool {
	n = composeDeref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// interpolate substitutes variables in s from the project's variables.
func (ix *composeIndex) interpolate(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	out, err := template.SubstituteWithOptions(s, func(k string) (string, bool) {
		v, ok := ix.env[k]
		return v, ok
	}, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}

// addTop indexes a file given with -f, its includes before it, reading
// every file it names through the guard. A YAML syntax error, a document
// past the structure caps and a named file the guard refuses are errors
// here, before compose-go parses anything.
func (ix *composeIndex) addTop(f composeFileRef, data []byte) ([]*composeDoc, error) {
	ix.files = append(ix.files, f)
	ix.seen[f.abs] = true
	docs, err := ix.parse(f.abs, f.display, ix.dir, data)
	var ce *ComposeError
	if errors.As(err, &ce) && ce.syntax {
		// compose-go reports a syntax error in its own words, with its
		// own line; the documents before it are still walked, as
		// compose-go processes them before it meets the error.
		err = nil
	}
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if err := ix.addDoc(d, 0); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// parse parses a file's documents and applies the structure caps.
func (ix *composeIndex) parse(abs, display, base string, data []byte) ([]*composeDoc, error) {
	docs, perr := composeParseDocs(abs, display, data)
	for _, d := range docs {
		d.base = base
		if d.root != nil {
			if err := composeCheckStructure(d.display, d.root, &ix.nodes); err != nil {
				return nil, err
			}
		}
		if err := d.checkAliases(); err != nil {
			return nil, err
		}
		ix.secrets = append(ix.secrets, composeSecretValues(d.root)...)
	}
	return docs, perr
}

func (ix *composeIndex) addDoc(d *composeDoc, depth int) error {
	_, inc := composeMapGet(d.root, "include")
	if inc != nil && inc.Kind == yaml.SequenceNode && len(inc.Content) > 0 && depth >= composeMaxIncludes {
		return &ComposeError{File: d.display, Line: inc.Line, Err: fmt.Errorf("include nesting deeper than %d levels: refused before loading", composeMaxIncludes)}
	}
	if inc != nil && inc.Kind == yaml.SequenceNode {
		for _, item := range inc.Content {
			if err := ix.addInclude(d, item, depth); err != nil {
				return err
			}
		}
	}
	ix.docs = append(ix.docs, d)
	if err := ix.checkEnvFiles(d); err != nil {
		return err
	}
	return ix.addExtends(d, 0)
}

// addInclude reads what one include item names, as compose-go resolves
// it: its paths against the includer's working directory, then the
// included project's env_file, or its .env.
func (ix *composeIndex) addInclude(d *composeDoc, item *yaml.Node, depth int) error {
	var paths, envFiles []*yaml.Node
	projectDir := ""
	if _, ok := composeScalar(item); ok {
		paths = append(paths, composeDeref(item))
	} else {
		_, p := composeMapGet(item, "path")
		paths = composeStrings(p)
		_, e := composeMapGet(item, "env_file")
		envFiles = composeStrings(e)
		_, pd := composeMapGet(item, "project_directory")
		if s, ok := composeScalar(pd); ok && s != "" {
			projectDir = ix.resolve(d.base, s)
		}
	}
	for i, pn := range paths {
		abs := ix.resolve(d.base, pn.Value)
		if i == 0 && projectDir == "" {
			projectDir = filepath.Dir(abs)
		}
		docs, err := ix.parseExtra(d, pn, abs, projectDir, "includes")
		if err != nil {
			return err
		}
		for _, id := range docs {
			if err := ix.addDoc(id, depth+1); err != nil {
				return err
			}
		}
	}
	if ix.g == nil || len(paths) == 0 {
		return nil
	}
	ix.g.bases[projectDir] = true
	if len(envFiles) == 0 {
		return ix.readEnv(d, item, filepath.Join(projectDir, ".env"), "", "includes a project whose .env is")
	}
	for _, e := range envFiles {
		if e.Value == "/dev/null" {
			continue
		}
		if err := ix.readEnv(d, e, ix.resolve(d.base, e.Value), e.Value, "includes with env_file"); err != nil {
			return err
		}
	}
	return nil
}

// readEnv reads and bounds a .env file compose-go's dotenv would read for
// an included project. A missing one is compose-go's to report.
func (ix *composeIndex) readEnv(d *composeDoc, at *yaml.Node, abs, written, what string) error {
	display := ix.display(abs)
	if written != "" {
		display = ix.namedDisplay(abs, written)
	}
	fi, err := ix.g.exists(abs, display, d, at, what)
	if err != nil || fi == nil || fi.IsDir() {
		return err
	}
	data, err := ix.g.read(abs, display, d, at, what)
	if err != nil {
		return err
	}
	vars, missing, err := composeParseEnvRefs(display, data, ix.env)
	if err != nil {
		return err
	}
	for _, k := range missing {
		ix.blank[k] = true
	}
	for k, v := range vars {
		if secret.IsSecretKey(k) || secret.URLHasPassword(v) {
			ix.secrets = append(ix.secrets, v)
		}
	}
	ix.secrets = append(ix.secrets, secret.ValuesIn(data)...)
	return nil
}

// checkEnvFiles reads the env_file files of d's services through the
// guard: compose-go does not read them here (environment is judged from
// the YAML), but they are files the input names.
func (ix *composeIndex) checkEnvFiles(d *composeDoc) error {
	if ix.g == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(d.services)) {
		_, ef := composeMapGet(d.services[name].val, "env_file")
		var nodes []*yaml.Node
		if ef != nil && ef.Kind == yaml.SequenceNode {
			for _, item := range ef.Content {
				if s, ok := composeScalar(item); ok && s != "" {
					nodes = append(nodes, composeDeref(item))
					continue
				}
				_, p := composeMapGet(item, "path")
				if s, ok := composeScalar(p); ok && s != "" {
					nodes = append(nodes, p)
				}
			}
		} else if s, ok := composeScalar(ef); ok && s != "" {
			nodes = append(nodes, ef)
		}
		for _, n := range nodes {
			abs := ix.resolve(d.base, n.Value)
			display := ix.namedDisplay(abs, n.Value)
			fi, err := ix.g.exists(abs, display, d, n, "names env_file")
			if err != nil {
				return err
			}
			if fi == nil {
				continue
			}
			data, err := ix.g.read(abs, display, d, n, "names env_file")
			if err != nil {
				return err
			}
			ix.secrets = append(ix.secrets, secret.ValuesIn(data)...)
		}
	}
	return nil
}

// composeStrings returns the scalar nodes of a string or a list of strings.
func composeStrings(n *yaml.Node) []*yaml.Node {
	n = composeDeref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []*yaml.Node{n}
	}
	var out []*yaml.Node
	if n.Kind == yaml.SequenceNode {
		for _, x := range n.Content {
			if x = composeDeref(x); x != nil && x.Kind == yaml.ScalarNode {
				out = append(out, x)
			}
		}
	}
	return out
}

// addExtends indexes the files that d's services extend.
func (ix *composeIndex) addExtends(d *composeDoc, depth int) error {
	for _, name := range slices.Sorted(maps.Keys(d.services)) {
		_, ext := composeMapGet(d.services[name].val, "extends")
		_, file := composeMapGet(ext, "file")
		s, ok := composeScalar(file)
		if !ok || s == "" {
			continue
		}
		if depth >= composeMaxExtends {
			return &ComposeError{File: d.display, Line: file.Line, Err: fmt.Errorf("extends chain longer than %d files: refused before loading", composeMaxExtends)}
		}
		abs := ix.resolve(d.base, s)
		if ix.seen[abs] {
			continue
		}
		// Paths in an extended file resolve against its own directory.
		docs, err := ix.parseExtra(d, file, abs, filepath.Dir(abs), "extends")
		if err != nil {
			return err
		}
		ix.extra[abs] = docs
		for _, ed := range docs {
			if err := ix.checkEnvFiles(ed); err != nil {
				return err
			}
			if err := ix.addExtends(ed, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ix *composeIndex) resolve(base, p string) string {
	p = ix.interpolate(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// namedDisplay names a file a compose file names: relative to the project
// directory, or as written (interpolated) when it lies outside it.
func (ix *composeIndex) namedDisplay(abs, written string) string {
	if d := ix.display(abs); !strings.HasPrefix(d, "../") {
		return d
	}
	return filepath.ToSlash(ix.interpolate(written))
}

// display names a file relative to the project directory, with forward
// slashes ("../common.yaml" for a file outside it).
func (ix *composeIndex) display(abs string) string {
	if rel, err := filepath.Rel(ix.dir, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// parseExtra reads, through the guard, and parses an included or extended
// file that d names at node at. A refused file is an error; a missing one
// is compose-go's to report, in its own words.
func (ix *composeIndex) parseExtra(d *composeDoc, at *yaml.Node, abs, base, what string) ([]*composeDoc, error) {
	if ix.seen[abs] || ix.g == nil {
		return nil, nil
	}
	ix.seen[abs] = true
	display := ix.namedDisplay(abs, at.Value)
	fi, err := ix.g.exists(abs, display, d, at, what)
	if err != nil || fi == nil {
		return nil, err
	}
	data, err := ix.g.read(abs, display, d, at, what)
	if err != nil {
		return nil, err
	}
	if err := composeCheckText(display, data); err != nil {
		return nil, err
	}
	docs, err := ix.parse(abs, display, base, data)
	var ce *ComposeError
	if errors.As(err, &ce) && ce.syntax {
		err = nil // compose-go's to report, in its own words
	}
	return docs, err
}

// checkAliases refuses an alias that contains itself and aliases that
// expand to more than composeMaxExpanded nodes (a "billion laughs"):
// compose-go would spend seconds on them before giving up.
func (d *composeDoc) checkAliases() error {
	if d.root == nil {
		return nil
	}
	size := map[*yaml.Node]int64{}
	onStack := map[*yaml.Node]bool{}
	var bad *yaml.Node
	var cyclic bool
	var expand func(n *yaml.Node, depth int) int64
	expand = func(n *yaml.Node, depth int) int64 {
		if n == nil || bad != nil {
			return 0
		}
		if s, ok := size[n]; ok {
			return s
		}
		if onStack[n] || depth > 10*composeMaxDepth {
			return 0
		}
		onStack[n] = true
		defer delete(onStack, n)
		var total int64 = 1
		if n.Kind == yaml.AliasNode {
			if onStack[n.Alias] {
				bad, cyclic = n, true
				return 0
			}
			total = expand(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			total += expand(c, depth+1)
			if total > composeMaxExpanded && bad == nil {
				bad = n
			}
		}
		size[n] = total
		return total
	}
	expand(d.root, 0)
	switch {
	case bad == nil:
		return nil
	case cyclic:
		return &ComposeError{File: d.display, Line: bad.Line, Err: fmt.Errorf("alias *%s refers to a node that contains it", bad.Value)}
	}
	return &ComposeError{File: d.display, Line: bad.Line, Err: fmt.Errorf("aliases expand to more than %d nodes", composeMaxExpanded)}
}

// allDocs returns the documents of the -f and included files, then those
// of extended files.
func (ix *composeIndex) allDocs() []*composeDoc {
	all := slices.Clone(ix.docs)
	for _, k := range slices.Sorted(maps.Keys(ix.extra)) {
		all = append(all, ix.extra[k]...)
	}
	return all
}

// firstService returns the first document defining service name, and the
// service's key node: where a finding about something missing points.
func (ix *composeIndex) firstService(name string) (*composeDoc, *yaml.Node) {
	for _, d := range ix.docs {
		if s, ok := d.services[name]; ok {
			return d, s.key
		}
	}
	return nil, nil
}

// find returns the node that pick chooses in the definition of service
// name that wins the merge: the last file defining it that sets the value,
// directly or through extends.
func (ix *composeIndex) find(name string, pick func(svc *yaml.Node) *yaml.Node) (*composeDoc, *yaml.Node) {
	for i := len(ix.docs) - 1; i >= 0; i-- {
		d := ix.docs[i]
		s, ok := d.services[name]
		if !ok {
			continue
		}
		if fd, n := ix.findIn(d, s.val, pick, 0); n != nil {
			return fd, n
		}
	}
	return nil, nil
}

func (ix *composeIndex) findIn(d *composeDoc, svc *yaml.Node, pick func(*yaml.Node) *yaml.Node, depth int) (*composeDoc, *yaml.Node) {
	if n := pick(svc); n != nil {
		return d, n
	}
	if depth >= composeMaxExtends {
		return nil, nil
	}
	_, ext := composeMapGet(svc, "extends")
	if ext == nil {
		return nil, nil
	}
	base, file := "", ""
	if s, ok := composeScalar(ext); ok {
		base = s
	} else {
		_, sn := composeMapGet(ext, "service")
		base, _ = composeScalar(sn)
		_, fn := composeMapGet(ext, "file")
		file, _ = composeScalar(fn)
	}
	base = ix.interpolate(base)
	targets := []*composeDoc{d}
	if file != "" {
		targets = ix.extra[ix.resolve(d.base, file)]
	}
	for i := len(targets) - 1; i >= 0; i-- {
		if s, ok := targets[i].services[base]; ok {
			return ix.findIn(targets[i], s.val, pick, depth+1)
		}
	}
	return nil, nil
}

// lineOfPath returns the deepest node along a dotted error path
// ("services.api.ports.0") found in the documents, last document first.
func (ix *composeIndex) lineOfPath(path []string) (*composeDoc, int) {
	var best *composeDoc
	bestLine, bestDepth := 0, 0
	for i := len(ix.docs) - 1; i >= 0; i-- {
		d := ix.docs[i]
		n, depth, line := d.root, 0, 0
		for j := 0; j < len(path) && n != nil; {
			n = composeDeref(n)
			switch {
			case n.Kind == yaml.SequenceNode:
				idx, err := strconv.Atoi(path[j])
				if err != nil || idx < 0 || idx >= len(n.Content) {
					n = nil
					continue
				}
				n = n.Content[idx]
				line = n.Line
				j++
			case n.Kind == yaml.MappingNode:
				// A service or network name may contain dots: try the
				// longest key first.
				found := false
				for k := len(path); k > j; k-- {
					if key, v := composeMapGet(n, strings.Join(path[j:k], ".")); key != nil {
						n, line, j, found = v, key.Line, k, true
						break
					}
				}
				if !found {
					n = nil
					continue
				}
			default:
				n = nil
				continue
			}
			depth = j
		}
		if depth > bestDepth {
			best, bestLine, bestDepth = d, line, depth
		}
	}
	return best, bestLine
}

// composeVarRef is one variable reference in a scalar of a compose file.
type composeVarRef struct {
	doc      *composeDoc
	line     int
	service  string // the service the value belongs to, if any
	resource string // `service "api"`, `network "backend"`, ...
	path     string // the key path below the resource: "image", "environment.DB_HOST"
	raw      string // the scalar as written
	v        template.Variable
}

// variableRefs lists the variable references in the -f and included
// files, in file order, following aliases.
func (ix *composeIndex) variableRefs() []composeVarRef {
	var refs []composeVarRef
	for _, d := range ix.docs {
		refs = append(refs, d.variableRefs()...)
	}
	return refs
}

func (d *composeDoc) variableRefs() []composeVarRef {
	var refs []composeVarRef
	if d.root == nil {
		return nil
	}
	budget := composeWalkBudget
	var walk func(n *yaml.Node, path []string, depth int, base composeVarRef)
	walk = func(n *yaml.Node, path []string, depth int, base composeVarRef) {
		n = composeDeref(n)
		if n == nil || depth > composeMaxDepth || budget <= 0 {
			return
		}
		budget--
		switch n.Kind {
		case yaml.ScalarNode:
			if !strings.Contains(n.Value, "$") || n.Tag == "!!null" {
				return
			}
			vars := template.ExtractVariables(map[string]any{"v": n.Value}, template.DefaultPattern)
			for _, name := range slices.Sorted(maps.Keys(vars)) {
				r := base
				r.line, r.path, r.raw, r.v = n.Line, composeJoinPath(path), n.Value, vars[name]
				refs = append(refs, r)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(item, append(path, "["+strconv.Itoa(i)+"]"), depth+1, base)
			}
		case yaml.MappingNode:
			composeEachPair(n, func(k, v *yaml.Node) {
				walk(v, append(path, k.Value), depth+1, base)
			})
		}
	}
	composeEachPair(d.root, func(k, v *yaml.Node) {
		switch k.Value {
		case "services":
			composeEachPair(v, func(sk, sv *yaml.Node) {
				walk(sv, nil, 0, composeVarRef{doc: d, service: sk.Value, resource: composeResource(sk.Value)})
			})
		case "networks", "volumes", "secrets", "configs":
			kind := strings.TrimSuffix(k.Value, "s")
			composeEachPair(v, func(rk, rv *yaml.Node) {
				walk(rv, nil, 0, composeVarRef{doc: d, resource: kind + " " + strconv.Quote(rk.Value)})
			})
		case "name":
			walk(v, []string{"name"}, 0, composeVarRef{doc: d})
		}
	})
	return refs
}

func composeJoinPath(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func composeResource(service string) string { return "service " + strconv.Quote(service) }
