package docker

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/tree"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
)

// compose-go logs some notes through logrus's standard logger, which would
// reach the embedding program's stderr. This package never touches that
// logger: it steers each load so that compose-go has nothing to log, and
// reports the notes as findings of docker.compose.syntax instead.
//
//   - An obsolete top-level version: key. compose-go warns once per file
//     when the merged model still holds it after schema validation; the
//     key is renamed in the bytes handed to compose-go to an x- extension
//     key of the same length (so every line and column stays where it
//     was), which the schema allows and the model ignores.
//   - A YAML 1.1 boolean (yes, no, on, off, y, n) in a field compose-go
//     casts to a boolean: each cast is wrapped, so the value is cast
//     without the logging path.

// composeNote is something compose-go would have logged, as a finding.
type composeNote = check.Finding

// composeHideVersion returns data with every top-level version key of docs
// (the documents of data) renamed to an extension key of the same length,
// and a note per key. It returns data itself when there is none. When a
// key cannot be renamed in place (it is written with escapes), the
// documents are re-encoded with the key renamed.
func composeHideVersion(docs []*composeDoc, data []byte) ([]byte, []composeNote) {
	notes := composeVersionNotes(docs)
	if len(notes) == 0 {
		return data, nil
	}
	out := bytes.Clone(data)
	inPlace := true
	for _, d := range docs {
		for _, k := range composeVersionKeys(d.root, 0) {
			inPlace = inPlace && composeRenameKey(out, k)
		}
	}
	if inPlace {
		return out, notes
	}
	// Escaped keys: rename in the tree, re-encode, restore the tree. Lines
	// may move, but compose-go's errors are located through the index.
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	for _, d := range docs {
		if d.root == nil {
			continue
		}
		keys := composeVersionKeys(d.root, 0)
		saved := make([]yaml.Node, len(keys))
		for i, k := range keys {
			saved[i] = *k
			k.Value, k.Style = composeHiddenKey(len("version")), 0
		}
		err := enc.Encode(d.root)
		for i, k := range keys {
			*k = saved[i]
		}
		if err != nil {
			return data, notes
		}
	}
	if err := enc.Close(); err != nil {
		return data, notes
	}
	return b.Bytes(), notes
}

// composeVersionNotes notes each top-level version key of docs.
func composeVersionNotes(docs []*composeDoc) []composeNote {
	var notes []composeNote
	for _, d := range docs {
		for _, k := range composeVersionKeys(d.root, 0) {
			notes = append(notes, composeNote{
				Message:  "the top-level version: key is obsolete: compose ignores it and applies the latest Compose Specification",
				Location: check.Location{File: d.display, Line: k.Line, Resource: "top-level version"},
				Expected: "no version: key",
				Actual:   "version: " + composeVersionValue(d, k),
			})
		}
	}
	return notes
}

// composeVersionKeys returns the version keys of a top-level mapping: its
// own and those merge keys bring in.
func composeVersionKeys(n *yaml.Node, depth int) []*yaml.Node {
	n = composeDeref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > composeMaxDepth {
		return nil
	}
	var keys []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case composeIsMerge(k):
			v = composeDeref(v)
			if v != nil && v.Kind == yaml.SequenceNode {
				for _, item := range v.Content {
					keys = append(keys, composeVersionKeys(item, depth+1)...)
				}
			} else {
				keys = append(keys, composeVersionKeys(v, depth+1)...)
			}
		case k.Kind == yaml.ScalarNode && k.Value == "version":
			keys = append(keys, k)
		}
	}
	return keys
}

func composeVersionValue(d *composeDoc, k *yaml.Node) string {
	if kk, v := composeMapGet(d.root, "version"); kk == k {
		if s, ok := composeScalar(v); ok && len(s) <= 16 {
			return fmt.Sprintf("%q", s)
		}
	}
	return "set"
}

// composeHiddenKey is the extension key a version key of n bytes becomes.
func composeHiddenKey(n int) string { return "x-" + strings.Repeat("_", max(n-2, 1)) }

// composeRenameKey renames the key scalar k in place in data, keeping its
// length, and reports whether it could: k must be written on one line as
// version, "version" or 'version'.
func composeRenameKey(data []byte, k *yaml.Node) bool {
	off := composeOffset(data, k.Line, k.Column)
	if off < 0 {
		return false
	}
	for _, form := range []string{"version", `"version"`, "'version'"} {
		if bytes.HasPrefix(data[off:], []byte(form)) {
			repl := composeHiddenKey(len("version"))
			if form[0] == '"' || form[0] == '\'' {
				off++
			}
			copy(data[off:], repl)
			return true
		}
	}
	return false
}

// composeOffset returns the byte offset of a yaml.v3 position (1-based
// line, 1-based column counted in characters), or -1.
func composeOffset(data []byte, line, col int) int {
	if line < 1 || col < 1 {
		return -1
	}
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(data) || data[off] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// yaml11Bools are the YAML 1.1 booleans compose-go accepts with a warning.
var yaml11Bools = map[string]bool{"y": true, "yes": true, "on": true, "n": false, "no": false, "off": false}

// composeQuietCasts returns casts that behave as compose-go's but cast a
// YAML 1.1 boolean themselves, recording it with note, so that compose-go
// does not log it.
func composeQuietCasts(casts map[tree.Path]interp.Cast, note func(pattern tree.Path, value string)) map[tree.Path]interp.Cast {
	out := make(map[tree.Path]interp.Cast, len(casts))
	for pattern, cast := range casts {
		out[pattern] = func(value string) (any, error) {
			b, ok := yaml11Bools[strings.ToLower(value)]
			if !ok {
				return cast(value)
			}
			// A boolean cast accepts "true": only then is value a boolean.
			if v, err := cast(fmt.Sprint(b)); err == nil {
				if _, isBool := v.(bool); isBool {
					note(pattern, value)
					return v, nil
				}
			}
			return cast(value)
		}
	}
	return out
}

// boolNote locates a YAML 1.1 boolean the loader cast: the first scalar
// under pattern (parts "*" and "[]" match any key or item) whose value,
// interpolated, is value.
func (ix *composeIndex) boolNote(pattern tree.Path, value string) composeNote {
	parts := pattern.Parts()
	f := composeNote{
		Message:  fmt.Sprintf("%q is a YAML 1.1 boolean: YAML 1.2 reads it as a string, and compose accepts it only for compatibility", value),
		Expected: "true or false",
		Actual:   fmt.Sprintf("%s: %s", parts[len(parts)-1], value),
	}
	for _, d := range ix.allDocs() {
		var found bool
		composeWalkPattern(d.root, parts, nil, 0, func(path []string, n *yaml.Node) bool {
			if s, ok := composeScalar(n); ok && ix.interpolate(s) == value {
				f.Location = check.Location{File: d.display, Line: n.Line, Resource: composePathResource(path)}
				found = true
			}
			return found
		})
		if found {
			return f
		}
	}
	f.Location.Resource = composePathResource(parts)
	if len(ix.files) > 0 {
		f.Location.File = ix.files[0].display
	}
	return f
}

// composeWalkPattern calls fn on each node under n at pattern, until fn
// returns true.
func composeWalkPattern(n *yaml.Node, pattern, path []string, depth int, fn func(path []string, n *yaml.Node) bool) bool {
	n = composeDeref(n)
	if n == nil || depth > composeMaxDepth {
		return false
	}
	if len(pattern) == 0 {
		return fn(path, n)
	}
	switch p := pattern[0]; {
	case n.Kind == yaml.SequenceNode && p == tree.PathMatchList:
		for _, item := range n.Content {
			if composeWalkPattern(item, pattern[1:], append(path, p), depth+1, fn) {
				return true
			}
		}
	case n.Kind == yaml.MappingNode:
		stop := false
		composeEachPair(n, func(k, v *yaml.Node) {
			if !stop && (p == tree.PathMatchAll || p == k.Value) {
				stop = composeWalkPattern(v, pattern[1:], append(path[:len(path):len(path)], k.Value), depth+1, fn)
			}
		})
		return stop
	}
	return false
}

// composePathResource names what a model path is about: the service for
// services.<name>..., else the dotted path.
func composePathResource(path []string) string {
	if len(path) >= 2 && path[0] == "services" {
		return composeResource(path[1])
	}
	return strings.Join(path, ".")
}

// includedVersionNotes notes the version keys of files the project
// includes. compose-go reads those files itself, so it still logs them
// (once per file per process): see the package documentation.
func (ix *composeIndex) includedVersionNotes() []composeNote {
	top := map[string]bool{}
	for _, f := range ix.files {
		top[f.abs] = true
	}
	var notes []composeNote
	for _, d := range ix.docs {
		if top[d.abs] {
			continue
		}
		notes = append(notes, composeVersionNotes([]*composeDoc{d})...)
	}
	return notes
}
