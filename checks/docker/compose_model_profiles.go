package docker

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// activeProfiles returns the profiles to load the project with, and
// whether they narrow the checked services. By default every profile is
// active ("*"): a service behind a profile is checked too. The caller
// narrows the set with ComposeOptions.Profiles, or asks for exactly what
// `docker compose up` starts with ActiveProfilesOnly, which reads
// COMPOSE_PROFILES from the interpolation variables (Env, .env, and the
// process environment only when UseProcessEnv is set), as docker compose
// does when no --profile is given.
func (p *ComposeProject) activeProfiles(env map[string]string) ([]string, bool) {
	o := p.opts
	switch {
	case len(o.Profiles) > 0:
		return o.Profiles, !slices.Contains(o.Profiles, "*")
	case o.ActiveProfilesOnly:
		var active []string
		for name := range strings.SplitSeq(env["COMPOSE_PROFILES"], ",") {
			if name = strings.TrimSpace(name); name != "" {
				active = append(active, name)
			}
		}
		if slices.Contains(active, "*") {
			return active, false
		}
		if active == nil {
			active = []string{}
		}
		return active, true
	}
	return []string{"*"}, false
}

// composeProfiled returns the profiles of every service that declares
// some, checked or not.
func composeProfiled(p *types.Project) map[string][]string {
	out := map[string][]string{}
	for name, s := range p.AllServices() {
		if len(s.Profiles) > 0 {
			out[name] = slices.Sorted(slices.Values(s.Profiles))
		}
	}
	return out
}

// composeProfileResource is a finding's Location.Resource for a service:
// `service "api"`, or `service "debug" (profile debug)` for one that
// starts only under a profile, `(profiles a, b)` under any of several.
func composeProfileResource(service string, profiles []string) string {
	r := composeResource(service)
	switch len(profiles) {
	case 0:
		return r
	case 1:
		return r + " (profile " + profiles[0] + ")"
	}
	return r + " (profiles " + strings.Join(profiles, ", ") + ")"
}

// coverage completes the result of a check on m: findings about a service
// that starts only under a profile name the profile, and, when profiles
// narrowed the project, the message says which services were not
// checked. An Error result is left as it is.
func (m *composeModel) coverage(r check.Result) check.Result {
	if r.Status == check.StatusError {
		return r
	}
	if len(m.profiled) > 0 && len(r.Findings) > 0 {
		marked := map[string]string{}
		for name, profiles := range m.profiled {
			marked[composeResource(name)] = composeProfileResource(name, profiles)
		}
		fs := slices.Clone(r.Findings)
		for i, f := range fs {
			if res, ok := marked[f.Location.Resource]; ok {
				fs[i].Location.Resource = res
			}
		}
		r.Findings = fs
	}
	if note := m.skippedNote(); note != "" {
		if r.Message == "" {
			r.Message = note
		} else {
			r.Message += "; " + note
		}
	}
	return r
}

// skippedNote says which services the active profiles left out: "28 of
// 57 services checked; 29 start only under profiles debug, tools (not
// active): set ComposeOptions.Profiles or COMPOSE_PROFILES to check them".
// Empty when every service was checked.
func (m *composeModel) skippedNote() string {
	if len(m.skipped) == 0 {
		return ""
	}
	var profiles []string
	for _, name := range m.skipped {
		for _, p := range m.profiled[name] {
			if !slices.Contains(profiles, p) {
				profiles = append(profiles, p)
			}
		}
	}
	slices.Sort(profiles)
	total := len(m.names) + len(m.skipped)
	word := "profile"
	if len(profiles) > 1 {
		word = "profiles"
	}
	verb := "starts"
	if len(m.skipped) > 1 {
		verb = "start"
	}
	return fmt.Sprintf("%d of %s checked; %d %s only under %s %s (not active: %s): set ComposeOptions.Profiles or COMPOSE_PROFILES, or leave both unset, to check them",
		len(m.names), composeCount(total, "service"), len(m.skipped), verb, word, strings.Join(profiles, ", "), strings.Join(m.skipped, ", "))
}

// checkEnvFiles refuses a project whose checked services name an
// env_file that does not exist, unless it is marked required: false:
// docker compose refuses to start such a project.
func (m *composeModel) checkEnvFiles(g *guard.Reader) error {
	m.envFileValues = map[string][]string{}
	for _, name := range m.names {
		s := m.project.Services[name]
		for _, ef := range s.EnvFiles {
			if ef.Path == "" {
				continue
			}
			abs := ef.Path
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(m.ix.dir, abs)
			}
			display := filepath.ToSlash(abs)
			if rel, err := filepath.Rel(m.ix.dir, abs); err == nil {
				display = filepath.ToSlash(rel)
			}
			_, err := g.Stat(abs, display)
			if err == nil {
				// The values say which hosts the service talks to; a
				// file the guard refuses was reported by the index.
				if data, err := g.ReadFile(abs, display); err == nil {
					if vars, err := composeParseEnv(display, data, m.env); err == nil {
						for _, k := range slices.Sorted(maps.Keys(vars)) {
							m.envFileValues[name] = append(m.envFileValues[name], vars[k])
						}
					}
				}
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) || !bool(ef.Required) {
				continue
			}
			loc := m.at(name, m.envFilePick(ef.Path))
			return &ComposeError{File: loc.File, Line: loc.Line, Err: fmt.Errorf(
				"%s: env_file %s does not exist, so docker compose refuses to start it (create the file, or mark it required: false if it is optional)",
				composeProfileResource(name, m.profiled[name]), strconv.Quote(display))}
		}
	}
	return nil
}

// envFilePick finds the env_file entry that names path (resolved), or the
// env_file key.
func (m *composeModel) envFilePick(path string) func(*yaml.Node) *yaml.Node {
	base := filepath.Base(path)
	named := func(item *yaml.Node) bool {
		s, ok := composeScalar(item)
		if !ok {
			_, p := composeMapGet(item, "path")
			s, ok = composeScalar(p)
		}
		return ok && filepath.Base(m.ix.interpolate(s)) == base
	}
	return func(svc *yaml.Node) *yaml.Node {
		_, ef := composeMapGet(svc, "env_file")
		if ef == nil {
			return nil
		}
		if s, ok := composeScalar(ef); ok {
			if filepath.Base(m.ix.interpolate(s)) == base {
				return ef
			}
			return nil
		}
		if n := composeItem("env_file", named)(svc); n != nil {
			return n
		}
		k, _ := composeMapGet(svc, "env_file")
		return k
	}
}

// blameUnset names the variable whose empty value broke the file: a
// loader error quoting a value that an unset variable left blank
// (${UPLOAD_LOCATION}:/data became ":/data") is located at the reference
// and names the variable.
func (ix *composeIndex) blameUnset(err error, env map[string]string) error {
	var ce *ComposeError
	if !errors.As(err, &ce) || ce.Err == nil {
		return err
	}
	msg := ce.Err.Error()
	for _, ref := range ix.variableRefs() {
		if v, ok := env[ref.v.Name]; ok && v != "" {
			continue
		}
		if ref.v.Required {
			continue
		}
		value := ix.interpolate(ref.raw)
		if strings.TrimSpace(value) == "" && ref.raw != "" {
			// The whole value is gone: the loader may not quote it.
			if !strings.Contains(msg, ref.path) && (ref.service == "" || !strings.Contains(msg, ref.service)) {
				continue
			}
		} else if !strings.Contains(msg, value) {
			continue
		}
		names := []string{ref.v.Name}
		for _, other := range ix.variableRefs() {
			if other.line == ref.line && other.doc == ref.doc && !slices.Contains(names, other.v.Name) {
				if v, ok := env[other.v.Name]; !ok || v == "" {
					names = append(names, other.v.Name)
				}
			}
		}
		what := "variable " + strings.Join(names, ", ") + " is"
		if len(names) > 1 {
			what = "variables " + strings.Join(names, ", ") + " are"
		}
		out := *ce
		out.File, out.Line = ref.doc.display, ref.line
		out.Err = fmt.Errorf("%w (%s unset or empty, leaving %s: set it in .env or the environment, or give a default: ${%s:-value})",
			ce.Err, what, strconv.Quote(value), ref.v.Name)
		return &out
	}
	return err
}
