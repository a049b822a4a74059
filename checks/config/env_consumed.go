package config

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// envMaxYAMLDepth and envMaxYAMLNodes bound the walk of a compose file.
const (
	envMaxYAMLDepth = 100
	envMaxYAMLNodes = 200_000
)

// envInterpRE finds the variable names of compose interpolations: $VAR,
// ${VAR}, ${VAR:-default}, ${VAR?err}; "$$" escapes are removed first.
var envInterpRE = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// consumed returns the variables the deployment consumes: the names listed
// by the caller, those the compose files interpolate, and the keys of the
// env_file files they name.
func (r *envReader) consumed(ctx context.Context, opts EnvOptions) ([]envConsumed, error) {
	var out []envConsumed
	for _, name := range opts.Consumed {
		out = append(out, envConsumed{Name: name, How: "listed by the caller"})
	}
	files := opts.ComposeFiles
	explicit := files != nil
	if !explicit {
		files = envComposeFiles
	}
	var errs error
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		data, err := r.read(f)
		if err != nil {
			errs = errors.Join(errs, err)
			continue
		}
		if data == nil {
			if explicit {
				errs = errors.Join(errs, fmt.Errorf("config: compose file %s does not exist", strconv.Quote(r.display(f))))
			}
			continue
		}
		vars, err := r.composeConsumed(f, data)
		out = append(out, vars...)
		errs = errors.Join(errs, err)
	}
	return out, errs
}

// composeConsumed walks one compose file.
func (r *envReader) composeConsumed(name string, data []byte) ([]envConsumed, error) {
	display := r.display(name)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3 errors name a line and what is wrong, not the text of
		// a value; keep only "line N" to be safe.
		line := 0
		if m := envLineNoRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, &EnvError{File: display, Line: line, Msg: "not valid YAML (the line is not shown)"}
	}
	var out []envConsumed
	nodes := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		nodes++
		if nodes > envMaxYAMLNodes || depth > envMaxYAMLDepth {
			return &EnvError{File: display, Line: n.Line, Msg: "too large or too deeply nested to read"}
		}
		if n.Kind == yaml.AliasNode {
			return nil // its anchor is walked where it is defined
		}
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "$") {
			for _, m := range envInterpRE.FindAllStringSubmatch(strings.ReplaceAll(n.Value, "$$", ""), -1) {
				out = append(out, envConsumed{Name: m[1], File: display, Line: n.Line, How: "interpolated"})
			}
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&doc, 0); err != nil {
		return out, err
	}
	// env_file of every service.
	var errs error
	services := envMapValue(envDocRoot(&doc), "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return out, nil
	}
	base := filepath.Dir(name)
	for i := 1; i < len(services.Content); i += 2 {
		ef := envMapValue(services.Content[i], "env_file")
		for _, p := range envFilePaths(ef) {
			if strings.Contains(p.path, "$") {
				continue // interpolated path: not followed
			}
			f := p.path
			if !filepath.IsAbs(f) {
				f = filepath.Join(base, f)
			}
			data, err := r.read(f)
			if err != nil {
				errs = errors.Join(errs, fmt.Errorf("%s:%d: env_file: %w", display, p.line, err))
				continue
			}
			if data == nil {
				continue // a missing env_file is the docker checks' finding
			}
			ef, err := parseEnv(r.display(f), data)
			if err != nil {
				errs = errors.Join(errs, err)
				continue
			}
			for _, k := range ef.Order {
				v := ef.Vars[k]
				out = append(out, envConsumed{Name: k, File: ef.Display, Line: v.Line, How: "env_file"})
			}
		}
	}
	return out, errs
}

func envDocRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

func envMapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

type envFileRef struct {
	path string
	line int
}

// envFilePaths reads an env_file value: a string, a list of strings, or a
// list of {path, required} mappings.
func envFilePaths(n *yaml.Node) []envFileRef {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []envFileRef{{n.Value, n.Line}}
	case yaml.SequenceNode:
		var out []envFileRef
		for _, c := range n.Content {
			switch c.Kind {
			case yaml.ScalarNode:
				out = append(out, envFileRef{c.Value, c.Line})
			case yaml.MappingNode:
				if p := envMapValue(c, "path"); p != nil && p.Kind == yaml.ScalarNode {
					out = append(out, envFileRef{p.Value, p.Line})
				}
			}
		}
		return out
	}
	return nil
}
