package docker

import (
	"context"
	"errors"
	"fmt"
	"github.com/prodcheck/prodcheck/internal/dotenverr"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// A compose project is input: in CI it comes from a pull request. Every
// file a compose file names (include, extends.file, env_file, and the .env
// of the project and of each included project) is read here, through an
// internal/guard Reader confined to ComposeOptions.Root, before compose-go
// sees anything: a path outside the root, a FIFO, a device or a file over
// the size limit is an Error naming the file that names it and the rule
// broken, never the content. compose-go still opens included and extended
// files itself (its resource loaders return paths, not bytes), so a gate
// loader placed first refuses any path the pre-walk did not approve.

const (
	composeMaxNodes = 200_000 // YAML nodes across the project's files
	// composeMaxTokens bounds one file's line breaks and flow separators
	// before it is parsed: each can start a node, and yaml.v3 keeps
	// several hundred bytes a node, so 60,000 keeps a parse well under
	// 100 MB. A 300-service compose file has about 6,000.
	composeMaxTokens      = 60_000
	composeMaxValueExpand = 1 << 20 // bytes one interpolated value may expand to
	composeMaxTotalExpand = 8 << 20 // bytes all interpolations of a load may add
)

// ErrComposeExpansion is matched by the error of a .env file or an
// interpolation that expands past a cap.
var ErrComposeExpansion = errors.New("expands past a cap")

// composeGuard reads the files a project names, and remembers which it
// approved.
type composeGuard struct {
	r        *guard.Reader
	approved map[string]bool // absolute paths read through r
	bases    map[string]bool // directories compose-go resolves paths against
}

func (g *composeGuard) approve(abs string) {
	g.approved[abs] = true
	g.bases[filepath.Dir(abs)] = true
}

// read reads a file a compose file names. The error is a *ComposeError
// located at the naming node: "includes "../x.yml": guard: ...".
func (g *composeGuard) read(abs, display string, by *composeDoc, at *yaml.Node, what string) ([]byte, error) {
	data, err := g.r.ReadFile(abs, display)
	if err != nil {
		return nil, composeRefused(by, at, what, display, err)
	}
	g.approve(abs)
	return data, nil
}

// exists reports whether a named file exists, judging its path first: a
// path outside the root is refused even when missing.
func (g *composeGuard) exists(abs, display string, by *composeDoc, at *yaml.Node, what string) (fs.FileInfo, error) {
	if _, err := g.r.Rel(abs, display); err != nil {
		return nil, composeRefused(by, at, what, display, err)
	}
	fi, err := g.r.Stat(abs, display)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, composeRefused(by, at, what, display, err)
	}
	return fi, nil
}

// composeRefused is the error of a named file the guard refused.
func composeRefused(by *composeDoc, at *yaml.Node, what, display string, err error) error {
	ce := &ComposeError{Err: fmt.Errorf("%s %s: %w", what, strconv.Quote(display), err)}
	if errors.Is(err, guard.ErrTooLarge) {
		ce.Err = fmt.Errorf("%s %s: %w: %w", what, strconv.Quote(display), ErrComposeTooLarge, err)
	}
	if by != nil {
		ce.File = by.display
	}
	if at != nil {
		ce.Line = at.Line
	}
	return ce
}

// composeGate is a compose-go resource loader placed before its local one:
// it accepts (and so refuses, in Load) every path that could resolve to a
// file the pre-walk did not approve, and lets the local loader open the
// others.
type composeGate struct{ g *composeGuard }

func (l composeGate) Accept(p string) bool { return !l.g.allowed(p) }

func (l composeGate) Load(_ context.Context, p string) (string, error) {
	return "", &ComposeError{Err: fmt.Errorf("%s was not checked before loading: refused: %w", strconv.Quote(p), guard.ErrOutside)}
}

func (l composeGate) Dir(p string) string { return filepath.Dir(p) }

// allowed reports whether compose-go may open p: an approved file, or a
// relative path that resolves, against every directory compose-go could
// resolve it against, to an approved file or to nothing.
func (g *composeGuard) allowed(p string) bool {
	if strings.Contains(p, "://") {
		return false
	}
	if filepath.IsAbs(p) {
		return g.approved[filepath.Clean(p)]
	}
	for b := range g.bases {
		c := filepath.Join(b, p)
		if g.approved[c] {
			continue
		}
		if _, err := os.Lstat(c); err == nil {
			return false
		}
	}
	return true
}

// ----- structure caps -----

// composeCheckStructure refuses a document nested deeper than
// composeMaxDepth, and counts its nodes into *nodes, refusing past
// composeMaxNodes. Aliases are not followed (checkAliases bounds them).
func composeCheckStructure(display string, root *yaml.Node, nodes *int) error {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		*nodes++
		if *nodes > composeMaxNodes {
			return &ComposeError{File: display, Line: it.n.Line, Err: fmt.Errorf("more than %d YAML nodes in the project's files: refused before loading", composeMaxNodes)}
		}
		if it.depth > composeMaxDepth {
			return &ComposeError{File: display, Line: it.n.Line, Err: fmt.Errorf("nesting deeper than %d levels: refused before loading", composeMaxDepth)}
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, it.depth + 1})
		}
	}
	return nil
}

// ----- .env files -----

var (
	composeEnvKeyRE = regexp.MustCompile(`^[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.\-\[\]]+)[ \t]*[=:]`)
	composeEnvRefRE = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
)

// composeEnvBound refuses a .env file whose values could expand past the
// caps: an upper bound of each value's size (its text plus the size of
// every variable it names, as many times as it names it), computed before
// the file is expanded. outer holds the variables set before the file.
func composeEnvBound(display string, data []byte, outer map[string]string) error {
	size := map[string]int64{}
	var total int64
	key, keyLine := "", 0
	var cur int64
	flush := func() error {
		if key == "" {
			return nil
		}
		size[key] = cur
		total += cur
		switch {
		case cur > composeMaxValueExpand:
			return &ComposeError{File: display, Line: keyLine, Err: fmt.Errorf("variable %s %w: it expands past %s, the per-value cap", key, ErrComposeExpansion, composeSize(composeMaxValueExpand))}
		case total > composeMaxTotalExpand:
			return &ComposeError{File: display, Line: keyLine, Err: fmt.Errorf("variables %w: they expand past %s, the total cap", ErrComposeExpansion, composeSize(composeMaxTotalExpand))}
		}
		return nil
	}
	for i, line := range strings.SplitAfter(string(data), "\n") {
		if m := composeEnvKeyRE.FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return err
			}
			key, keyLine, cur = m[1], i+1, 0
		}
		cur += int64(len(line))
		for _, ref := range composeEnvRefRE.FindAllStringSubmatch(line, -1) {
			n, ok := size[ref[1]]
			if v, set := outer[ref[1]]; set && (!ok || int64(len(v)) > n) {
				n = int64(len(v))
			}
			cur += n
			if cur > composeMaxValueExpand {
				cur = composeMaxValueExpand + 1 // saturate
			}
		}
	}
	return flush()
}

// composeParseEnv parses a .env file with compose-go's dotenv, after
// bounding its expansion. Variables the file does not define resolve from
// outer, or to a blank, so that dotenv never logs. A syntax error names
// the file and line, never the text.
func composeParseEnv(display string, data []byte, outer map[string]string) (map[string]string, error) {
	vars, _, err := composeParseEnvRefs(display, data, outer)
	return vars, err
}

// composeParseEnvRefs is composeParseEnv that also returns the variables
// the file refers to but neither defines nor finds in outer: compose-go's
// own dotenv, reading an included project's .env, would log each of them
// (and a name after a $ inside a value may be part of a secret).
func composeParseEnvRefs(display string, data []byte, outer map[string]string) (map[string]string, []string, error) {
	if err := composeEnvBound(display, data, outer); err != nil {
		return nil, nil, err
	}
	// First pass: the keys the file defines, nothing expanded.
	keys, err := dotenv.ParseWithLookup(strings.NewReader(string(data)), func(string) (string, bool) { return "", true })
	if err != nil {
		return nil, nil, composeEnvSyntax(display, err)
	}
	var missing []string
	vars, err := dotenv.ParseWithLookup(strings.NewReader(string(data)), func(k string) (string, bool) {
		if v, ok := outer[k]; ok {
			return v, true
		}
		if _, defined := keys[k]; defined {
			return "", false // the file's own value
		}
		missing = append(missing, k)
		return "", true
	})
	if err != nil {
		return nil, nil, composeEnvSyntax(display, err)
	}
	return vars, missing, nil
}

// composeEnvSyntax rewrites a dotenv error, which quotes the line, to the
// file, the line and what is wrong.
func composeEnvSyntax(display string, err error) error {
	line, what := dotenverr.Describe(err)
	return &ComposeError{File: display, Line: line, Err: errors.New(what + dotenverr.Hidden)}
}

// ----- interpolation caps -----

// composeExpansion counts the bytes interpolation adds during one load.
// compose-go calls it from its loading goroutine only.
type composeExpansion struct {
	total    int64
	exceeded error
}

// substitute is compose-go's Substitute hook: no logging, and an error
// once one value, or all of them, expand past a cap.
func (x *composeExpansion) substitute(s string, m template.Mapping) (string, error) {
	if x.exceeded != nil {
		return "", x.exceeded
	}
	var value int64
	out, err := template.SubstituteWithOptions(s, x.mapping(m, &value), template.WithoutLogging)
	if x.exceeded != nil {
		return "", x.exceeded
	}
	return out, err
}

// mapping wraps m, counting what it returns into *value and the total;
// past a cap it records the error and returns blanks.
func (x *composeExpansion) mapping(m template.Mapping, value *int64) template.Mapping {
	return func(k string) (string, bool) {
		if x.exceeded != nil {
			return "", true
		}
		v, ok := m(k)
		*value += int64(len(v))
		x.total += int64(len(v))
		switch {
		case *value > composeMaxValueExpand:
			x.exceeded = fmt.Errorf("interpolation %w: a value expands past %s, the per-value cap", ErrComposeExpansion, composeSize(composeMaxValueExpand))
		case x.total > composeMaxTotalExpand:
			x.exceeded = fmt.Errorf("interpolation %w: values expand past %s, the total cap", ErrComposeExpansion, composeSize(composeMaxTotalExpand))
		}
		if x.exceeded != nil {
			return "", true
		}
		return v, ok
	}
}

// ----- secret values in the YAML tree -----

// composeSecretValues returns the values a document assigns to secret
// keys, in any style (block, flow, quoted, block scalar, KEY=value list
// items), and the passwords of URLs: what a parser error could quote back.
func composeSecretValues(root *yaml.Node) []string {
	var out []string
	add := func(v string) {
		if len(v) >= 4 {
			out = append(out, v)
		}
		if strings.Contains(v, "\n") {
			for l := range strings.Lines(v) {
				if l = strings.TrimSpace(l); len(l) >= 4 {
					out = append(out, l)
				}
			}
		}
	}
	scalar := func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			return
		}
		if k, v, ok := strings.Cut(n.Value, "="); ok && secret.IsSecretKey(strings.TrimSpace(k)) {
			add(v)
		}
		for _, s := range secret.URLSecrets(n.Value) {
			add(s)
		}
	}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > composeMaxDepth {
			return
		}
		scalar(n)
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && secret.IsSecretKey(k.Value) {
					add(v.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	return out
}
