package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// rootOf returns root, or the git work tree around the current directory
// when it is empty.
func rotRoot(root string) (string, error) {
	if root != "" {
		return filepath.Abs(root)
	}
	return guard.DefaultRoot(".")
}

// display names p relative to root, with forward slashes; a path outside
// the root is shown as given (the guard refuses it when it is read).
func rotDisplay(root, p string) string {
	if filepath.IsAbs(p) {
		if rel, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// FileModTime returns a [KeyAgeSource] that takes each file's
// modification time as the date its key was created: a key file, a
// certificate's private key, a mounted secret that the rotation job
// rewrites. Files are named relative to root (or absolute below it); an
// empty root is the git work tree around the current directory. Each file
// is looked at through the guarded reader: confined to the root, and only
// regular files; nothing is read from it. The key's name is the file's
// path.
func FileModTime(paths []string, root string) KeyAgeSource {
	return &keyFileModTime{paths: paths, root: root}
}

type keyFileModTime struct {
	paths []string
	root  string
}

func (s *keyFileModTime) Target() string {
	root, err := rotRoot(s.root)
	if err != nil {
		root = s.root
	}
	names := make([]string, len(s.paths))
	for i, p := range s.paths {
		names[i] = rotDisplay(root, p)
	}
	return rotJoin(names)
}

func (s *keyFileModTime) KeyAges(ctx context.Context) ([]KeyAge, error) {
	root, err := rotRoot(s.root)
	if err != nil {
		return nil, fmt.Errorf("key files: %w", err)
	}
	g, err := guard.New(guard.Options{Root: root})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	var out []KeyAge
	var errs []error
	for _, p := range s.paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := rotDisplay(root, p)
		fi, err := g.Stat(p, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.Mode().IsRegular() {
			errs = append(errs, &guard.Error{File: name, Rule: guard.ErrNotRegular})
			continue
		}
		out = append(out, KeyAge{Name: name, Created: fi.ModTime(), Location: check.Location{File: name}})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// InventoryOptions configures [Inventory]. The zero value reads the
// fields "name" and "created_at".
type InventoryOptions struct {
	// NameField is the field naming a key; "" means "name". An entry
	// without it is named by its position: "#3".
	NameField string
	// CreatedField is the field with the key's creation or last rotation
	// date, RFC 3339 ("2026-01-02T15:04:05Z") or a date ("2026-01-02");
	// "" means "created_at".
	CreatedField string
	// MaxFileSize caps the inventory's size; 0 means the guard's default.
	MaxFileSize int64
}

// Inventory returns a [KeyAgeSource] that reads a key inventory: a JSON
// or YAML file holding a list of objects, one per key, each with a name
// and a creation date (see [InventoryOptions]). JSON is read with
// encoding/json and YAML with yaml.v3, both keeping each entry's line, so
// a finding or an error names file:line. Which is which follows the
// extension (.json, .yaml, .yml); otherwise a file whose first character
// is '[' is JSON. Other fields, such as the key itself, are never read
// into a message. The file is read through the guarded reader, confined
// to root (empty: the git work tree around the current directory).
//
// An entry without a date, with a date that does not parse, or a file
// that is not a list of objects makes the source fail with an error that
// names the file, the line and the field, never a value.
func Inventory(path string, root string, opts InventoryOptions) KeyAgeSource {
	return &keyInventory{path: path, root: root, opts: opts}
}

type keyInventory struct {
	path string
	root string
	opts InventoryOptions
}

func (s *keyInventory) Target() string {
	root, err := rotRoot(s.root)
	if err != nil {
		root = s.root
	}
	return rotDisplay(root, s.path)
}

func (s *keyInventory) fields() (name, created string) {
	name, created = s.opts.NameField, s.opts.CreatedField
	if name == "" {
		name = "name"
	}
	if created == "" {
		created = "created_at"
	}
	return name, created
}

// inventoryField is one scalar field of an inventory entry and its line.
type inventoryField struct {
	value string
	line  int
	kind  string // "string", or what else it was
}

type inventoryEntry struct {
	line   int
	fields map[string]inventoryField
}

func (s *keyInventory) KeyAges(ctx context.Context) ([]KeyAge, error) {
	root, err := rotRoot(s.root)
	if err != nil {
		return nil, fmt.Errorf("key inventory: %w", err)
	}
	g, err := guard.New(guard.Options{Root: root, MaxFileSize: s.opts.MaxFileSize})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	name := rotDisplay(root, s.path)
	data, err := g.ReadFile(s.path, name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var entries []inventoryEntry
	if rotIsJSON(s.path, data) {
		entries, err = inventoryFromJSON(name, data)
	} else {
		entries, err = inventoryFromYAML(name, data)
	}
	if err != nil {
		return nil, err
	}
	nameField, createdField := s.fields()
	out := make([]KeyAge, 0, len(entries))
	var errs []error
	for i, e := range entries {
		key := fmt.Sprintf("#%d", i+1)
		if f, ok := e.fields[nameField]; ok && f.kind == "string" && f.value != "" {
			key = rotSafeName(f.value)
		}
		f, ok := e.fields[createdField]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s:%d: key %s has no %s field", name, e.line, key, createdField))
			continue
		case f.kind != "string":
			errs = append(errs, fmt.Errorf("%s:%d: key %s: %s is %s, not an RFC 3339 time or a date", name, f.line, key, createdField, f.kind))
			continue
		}
		created, ok := rotParseDate(f.value)
		if !ok {
			errs = append(errs, fmt.Errorf("%s:%d: key %s: %s is not an RFC 3339 time or a date (YYYY-MM-DD)", name, f.line, key, createdField))
			continue
		}
		out = append(out, KeyAge{Name: key, Created: created, Location: check.Location{File: name, Line: e.line, Resource: "key " + key}})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("key inventory: %w", errors.Join(errs...))
	}
	return out, nil
}

// safeName keeps a key's name printable and short: it is shown in
// findings.
func rotSafeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

func rotParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func rotIsJSON(p string, data []byte) bool {
	switch strings.ToLower(path.Ext(filepath.ToSlash(p))) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '['
}

// lineAt returns the 1-based line of byte offset off in data.
func rotLineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// jsonEntries reads a JSON list of objects, keeping each object's line.
// Errors name file:line and never quote the input.
func inventoryFromJSON(name string, data []byte) ([]inventoryEntry, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	bad := func(off int64, what string) error {
		return fmt.Errorf("key inventory: %s:%d: %s", name, rotLineAt(data, off), what)
	}
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return bad(se.Offset, "not valid JSON")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return bad(te.Offset, "not valid JSON")
		}
		return bad(dec.InputOffset(), "not valid JSON")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, bad(dec.InputOffset(), "expected a list of keys")
	}
	var out []inventoryEntry
	for dec.More() {
		start := dec.InputOffset()
		// The next value starts after any whitespace and comma.
		for start < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[start]) >= 0 {
			start++
		}
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, bad(start, fmt.Sprintf("entry %d is not an object", len(out)+1))
			}
			return nil, syntax(err)
		}
		line := rotLineAt(data, start)
		e := inventoryEntry{line: line, fields: map[string]inventoryField{}}
		for k, v := range raw {
			f := inventoryField{line: line, kind: inventoryJSONKind(v)}
			if f.kind == "string" {
				var s string
				if json.Unmarshal(v, &s) == nil {
					f.value = s
				}
			}
			e.fields[k] = f
		}
		out = append(out, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err)
	}
	return out, nil
}

func inventoryJSONKind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '"':
		return "string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// yamlEntries reads a YAML list of mappings with yaml.v3, keeping lines.
func inventoryFromYAML(name string, data []byte) ([]inventoryEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3's messages quote input; keep only the line.
		line := 0
		if _, after, ok := strings.Cut(err.Error(), "line "); ok {
			fmt.Sscanf(after, "%d", &line)
		}
		if line > 0 {
			return nil, fmt.Errorf("key inventory: %s:%d: not valid YAML", name, line)
		}
		return nil, fmt.Errorf("key inventory: %s: not valid YAML", name)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("key inventory: %s:%d: expected a list of keys", name, list.Line)
	}
	out := make([]inventoryEntry, 0, len(list.Content))
	for i, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("key inventory: %s:%d: entry %d is not a mapping", name, item.Line, i+1)
		}
		e := inventoryEntry{line: item.Line, fields: map[string]inventoryField{}}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			f := inventoryField{line: v.Line, kind: inventoryYAMLKind(v)}
			if f.kind == "string" {
				f.value = v.Value
			}
			e.fields[k.Value] = f
		}
		out = append(out, e)
	}
	return out, nil
}

func inventoryYAMLKind(v *yaml.Node) string {
	switch v.Kind {
	case yaml.ScalarNode:
		switch v.ShortTag() {
		case "!!str", "!!timestamp":
			return "string"
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a scalar"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "empty"
}
