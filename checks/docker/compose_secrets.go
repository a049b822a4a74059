package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// ----- docker.compose.secrets -----

// composeEnvEntry is an environment: entry of a service as written.
type composeEnvEntry struct {
	loc      check.Location
	raw      string
	hasValue bool // false: a host passthrough (KEY, or KEY: with no value)
}

// envEntry finds the environment: entry key of a service in the
// definition that wins the merge.
func (m *composeModel) envEntry(service, key string) (composeEnvEntry, bool) {
	var e composeEnvEntry
	d, n := m.ix.find(service, func(svc *yaml.Node) *yaml.Node {
		_, env := composeMapGet(svc, "environment")
		if env == nil {
			return nil
		}
		switch env.Kind {
		case yaml.MappingNode:
			k, v := composeMapGet(env, key)
			if k == nil {
				return nil
			}
			e.raw, e.hasValue = "", false
			if !composeIsNull(v) {
				e.raw, e.hasValue = composeScalar(v)
			}
			return k
		case yaml.SequenceNode:
			for _, item := range env.Content {
				s, ok := composeScalar(item)
				if !ok {
					continue
				}
				if k, v, eq := strings.Cut(s, "="); k == key {
					e.raw, e.hasValue = v, eq
					return item
				}
			}
		}
		return nil
	})
	if n == nil {
		return e, false
	}
	e.loc = check.Location{File: d.display, Line: n.Line, Resource: composeResource(service)}
	return e, true
}

// composeHasVariable reports whether s refers to a variable.
func composeHasVariable(s string) bool {
	return strings.Contains(s, "$") && len(template.ExtractVariables(map[string]any{"v": s}, template.DefaultPattern)) > 0
}

// composeBlankVariables replaces every variable reference of s by nothing,
// leaving what is literal.
func composeBlankVariables(s string) string {
	out, err := template.SubstituteWithOptions(s, func(string) (string, bool) { return "", true }, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}

// ComposeSecrets checks that no environment: entry holds a literal secret:
// a key whose words name one (PASSWORD, SECRET, TOKEN, KEY, PGPASSWORD,
// ...; not *_FILE, *_USER, PUBLIC, ...) with a value written in the file
// that [secret.Judge] calls a secret (not a flag, a number, a path, a
// driver name or a placeholder), the default of ${VAR:-value} included,
// or any URL with a literal password. A ${VAR} reference, ${VAR:-}, a host
// passthrough (KEY with no value) or secrets: is fine. Values never appear
// in the result: only the key and a fingerprint. How strong the values
// are, wherever they come from, is [ComposeSecretStrength]'s question.
func ComposeSecrets(p *ComposeProject, _ SecretsOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.secrets", "No literal secrets in compose environment",
		sectionEnv, itemSecretManager, check.SeverityHigh,
		"Move the value out of the compose file: reference a variable (${DB_PASSWORD:?}) set by your secret manager, or mount it with secrets: and point the image at the file (POSTGRES_PASSWORD_FILE=/run/secrets/db_password); then rotate the exposed secret.",
		[]string{"security", "secrets"},
		"CIS Docker Benchmark 4.10", "Polaris sensitiveContainerEnvVar", "KICS/Trivy: no compose rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		keys := 0
		for _, name := range cm.names {
			s := cm.service(name)
			for _, key := range slices.Sorted(maps.Keys(s.Environment)) {
				e, ok := cm.envEntry(name, key)
				if !ok || !e.hasValue || e.raw == "" {
					continue
				}
				keys++
				if !composeHasVariable(e.raw) {
					value := cm.ix.interpolate(e.raw) // unescapes $$
					if v := secret.Judge(key, value); v.IsSecret && !strings.HasPrefix(value, "/run/secrets/") {
						f.add(e.loc, name, fmt.Sprintf("environment %s holds a literal secret", key),
							"a ${VAR} reference, a host passthrough (- "+key+"), or secrets: with "+key+"_FILE",
							key+"="+cm.fp.Fingerprint(value))
						continue
					}
				} else if vr, def, ok := composeSecretDefault(key, e.raw); ok {
					f.add(e.loc, name, fmt.Sprintf("environment %s has a literal secret as the default of ${%s}", key, vr),
						"${"+vr+"} or ${"+vr+":?} with the value from a secret manager, or secrets: with "+key+"_FILE",
						key+" default="+cm.fp.Fingerprint(def))
					continue
				}
				if literal := composeBlankVariables(e.raw); secret.URLHasPassword(literal) {
					f.add(e.loc, name, fmt.Sprintf("environment %s holds a URL with a literal password", key),
						"the password from a variable (scheme://user:${DB_PASSWORD}@host) or a secret file",
						key+": URL password "+composeURLPasswordFingerprint(cm.fp, literal))
				}
			}
		}
		pass := fmt.Sprintf("no literal secret among %s", composeCount(keys, "environment value"))
		if keys == 0 {
			pass = "no environment value written in the compose files"
		}
		return composeVerdict(f, check.StatusFail, pass, len(cm.names), "service", "literal secret in environment")
	})
}

// composeSecretDefault returns the first variable of raw whose ${VAR:-value}
// or ${VAR-value} default is a secret, judged under key or the variable's
// name.
func composeSecretDefault(key, raw string) (name, def string, ok bool) {
	vars := template.ExtractVariables(map[string]any{"v": raw}, template.DefaultPattern)
	for _, n := range slices.Sorted(maps.Keys(vars)) {
		d := vars[n].DefaultValue
		if d == "" || composeHasVariable(d) {
			continue
		}
		if secret.Judge(key, d).IsSecret || secret.Judge(n, d).IsSecret {
			return n, d, true
		}
	}
	return "", "", false
}

// composeURLPasswordFingerprint fingerprints the password of a URL.
func composeURLPasswordFingerprint(fp *secret.Fingerprinter, v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.User == nil {
		return "unreadable"
	}
	p, _ := u.User.Password()
	return fp.Fingerprint(p)
}

// ----- docker.compose.secret-strength -----

// SecretStrengthOptions configures [ComposeSecretStrength]. The zero value
// is the production default.
type SecretStrengthOptions struct {
	// ExampleFiles are more example files, relative to the project
	// directory, whose values must not be deployed (besides .env.example,
	// example.env, .env.sample, sample.env, .env.dist, .env.template).
	ExampleFiles []string
	// AllowKeys are keys accepted whatever their value, compared without
	// case.
	AllowKeys []string
}

// composeExampleFiles are the example files of a project: a value equal
// to theirs for the same key is a value published with the project.
var composeExampleFiles = [...]string{".env.example", "example.env", ".env.sample", "sample.env", ".env.dist", ".env.template"}

// composeSecretValue is one secret value the deployment would use, and
// where it is written.
type composeSecretValue struct {
	loc   check.Location
	label string   // what the finding names: "POSTGRES_PASSWORD", ".env DB_PASS (POSTGRES_PASSWORD)"
	keys  []string // the keys it is held under (the example file is looked up by each)
	value string
}

// composeDotenvLine is one entry of a dotenv file.
type composeDotenvLine struct {
	value string
	line  int
}

// ComposeSecretStrength checks that the secret values a deployment of
// the project would use are not weak, well known or published: every value
// of a secret key ([secret.Judge]) written in environment: (a literal or
// the default of ${VAR:-value}), in the project's .env (directly or
// through ${VAR}) and in env_file: files. A value fails when it is weak
// ([secret.Weakness]: short, one character class, a run of common words),
// a well-known default or demo secret (postgres, changeme, the JWT secret
// of a tutorial, the AWS documentation key), or equal to the value the
// project's .env.example (example.env, .env.sample, ...) gives the same
// key. Values never appear: a weak one is shown by its length and reason,
// any other by its fingerprint. A value set only in the deployment's
// environment cannot be judged from the files; when no value can be, the
// check skips and says so.
func ComposeSecretStrength(p *ComposeProject, opts SecretStrengthOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.secret-strength", "Compose secrets are not weak, demo or example values",
		sectionEnv, itemSecretManager, check.SeverityHigh,
		"Generate each secret (openssl rand -base64 32) and set it in the deployment's secret store or an untracked .env; never deploy the value of .env.example or of a tutorial; then rotate the weak secret and whatever it protected.",
		[]string{"security", "secrets"},
		"CIS Docker Benchmark 4.10", "gitleaks (committed secrets)", "KICS/Trivy: no compose rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		g, err := guard.New(guard.Options{Root: cm.root, MaxFileSize: cm.ix.limit})
		if err != nil {
			return check.Error(fmt.Errorf("docker: compose secret strength: %w", err))
		}
		defer g.Close()
		read := func(abs, display string) (map[string]composeDotenvLine, string, error) {
			if st, err := os.Lstat(abs); err != nil || st.IsDir() {
				return nil, "", nil
			}
			data, err := composeReadFile(g, abs, display, cm.ix.limit)
			if err != nil {
				return nil, "", err
			}
			vars, err := composeParseEnv(display, data, cm.env)
			if err != nil {
				return nil, "", err
			}
			return composeDotenvLines(data, vars), display, nil
		}
		dotenv, _, err := read(filepath.Join(cm.ix.dir, ".env"), ".env")
		if err != nil {
			return check.Error(err)
		}
		example, exampleName := map[string]composeDotenvLine(nil), ""
		for _, name := range append(slices.Clone(composeExampleFiles[:]), opts.ExampleFiles...) {
			if example, exampleName, err = read(filepath.Join(cm.ix.dir, filepath.FromSlash(name)), name); err != nil {
				return check.Error(err)
			}
			if example != nil {
				break
			}
		}

		var vals []composeSecretValue
		unknown := 0
		usedDotenv := map[string]bool{}
		fromDotenv := func(vr string) (composeDotenvLine, bool) {
			d, ok := dotenv[vr]
			return d, ok && cm.env[vr] == d.value
		}
		for _, name := range cm.names {
			s := cm.service(name)
			res := composeResource(name)
			for _, key := range slices.Sorted(maps.Keys(s.Environment)) {
				e, ok := cm.envEntry(name, key)
				if !ok {
					continue // from an env_file, judged below
				}
				vr := key // a host passthrough takes the variable of its name
				if e.hasValue {
					if !composeHasVariable(e.raw) {
						vals = append(vals, composeSecretValue{loc: e.loc, label: key, keys: []string{key}, value: cm.ix.interpolate(e.raw)})
						continue
					}
					vars := template.ExtractVariables(map[string]any{"v": e.raw}, template.DefaultPattern)
					if len(vars) != 1 {
						continue // a composed value: not one secret
					}
					for n, v := range vars {
						vr = n
						if _, set := cm.env[n]; !set && v.DefaultValue != "" {
							vals = append(vals, composeSecretValue{loc: e.loc, label: key + " (default of ${" + n + "})", keys: []string{key, n}, value: v.DefaultValue})
							vr = ""
						}
					}
					if vr == "" {
						continue
					}
				}
				if !secret.IsSecretKey(key) && !secret.IsSecretKey(vr) {
					continue
				}
				switch d, ok := fromDotenv(vr); {
				case ok:
					usedDotenv[vr] = true
					vals = append(vals, composeSecretValue{loc: check.Location{File: ".env", Line: d.line, Resource: res},
						label: vr + " (" + key + ")", keys: []string{key, vr}, value: d.value})
				case cm.env[vr] != "":
					vals = append(vals, composeSecretValue{loc: e.loc, label: key + " (from ${" + vr + "})", keys: []string{key, vr}, value: cm.env[vr]})
				default:
					unknown++
				}
			}
			for _, ef := range s.EnvFiles {
				display := filepath.ToSlash(ef.Path)
				if rel, err := filepath.Rel(cm.ix.dir, ef.Path); err == nil && filepath.IsLocal(rel) {
					display = filepath.ToSlash(rel)
				}
				fi, err := g.Stat(ef.Path, display)
				if errors.Is(err, fs.ErrNotExist) {
					continue // a missing env_file is the loader's and the env_file rule's matter
				}
				if err != nil || fi.IsDir() {
					if err == nil {
						continue
					}
					return check.Error(fmt.Errorf("docker: compose: env_file %q of service %q: %w", display, name, err))
				}
				data, err := g.ReadFile(ef.Path, display)
				if err != nil {
					return check.Error(fmt.Errorf("docker: compose: env_file %q of service %q: %w", display, name, err))
				}
				vars, err := composeParseEnv(display, data, cm.env)
				if err != nil {
					return check.Error(err)
				}
				lines := composeDotenvLines(data, vars)
				for _, k := range slices.Sorted(maps.Keys(lines)) {
					vals = append(vals, composeSecretValue{loc: check.Location{File: display, Line: lines[k].line, Resource: res}, label: k, keys: []string{k}, value: lines[k].value})
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(dotenv)) {
			if d, ok := fromDotenv(k); ok && !usedDotenv[k] {
				vals = append(vals, composeSecretValue{loc: check.Location{File: ".env", Line: d.line, Resource: "project .env"}, label: k, keys: []string{k}, value: d.value})
			}
		}

		f := &composeFindings{m: cm}
		seen := map[string]bool{}
		judged := 0
	values:
		for _, v := range vals {
			var verdict secret.Verdict
			for _, k := range v.keys {
				if slices.ContainsFunc(opts.AllowKeys, func(a string) bool { return strings.EqualFold(a, k) }) {
					continue values
				}
				if verdict = secret.Judge(k, v.value); verdict.IsSecret {
					break
				}
			}
			if !verdict.IsSecret {
				continue
			}
			at := fmt.Sprintf("%s:%d:%s", v.loc.File, v.loc.Line, v.label)
			if seen[at] {
				continue
			}
			seen[at] = true
			judged++
			var why string
			for _, k := range v.keys {
				if ex, ok := example[k]; ok && ex.value == v.value {
					why = fmt.Sprintf("equals the value %s gives %s", exampleName, k)
					break
				}
			}
			switch {
			case why != "":
			case verdict.WellKnown:
				why = "is a well-known default or demo value"
			case verdict.Weak != "":
				why = "is weak: " + verdict.Weak
			default:
				continue
			}
			f.add(v.loc, "", fmt.Sprintf("secret %s %s", v.label, why),
				"a generated secret (32+ random characters) set outside the repository",
				v.label+"="+cm.fp.Fingerprint(v.value))
		}
		fs := f.sorted()
		switch {
		case len(fs) > 0:
			return check.Fail(fmt.Sprintf("weak, demo or example secret: %s", composeCount(len(fs), "value")), fs...)
		case judged == 0 && unknown > 0:
			return check.Skip(fmt.Sprintf("%s set only in the deployment's environment: their values cannot be judged from the files", composeCount(unknown, "secret")))
		case judged == 0:
			return check.Pass("no secret value in the compose files, .env or env_file files")
		}
		pass := fmt.Sprintf("no weak, demo or example value among %s", composeCount(judged, "secret"))
		if unknown > 0 {
			pass += fmt.Sprintf(" (%s set only in the deployment's environment, not judged)", composeCount(unknown, "more"))
		}
		return check.Pass(pass)
	})
}

// composeDotenvLines locates the parsed variables of a dotenv file: the
// line of the last definition of each.
func composeDotenvLines(data []byte, vars map[string]string) map[string]composeDotenvLine {
	out := make(map[string]composeDotenvLine, len(vars))
	for i, line := range strings.SplitAfter(string(data), "\n") {
		if m := composeEnvKeyRE.FindStringSubmatch(line); m != nil {
			if v, ok := vars[m[1]]; ok {
				out[m[1]] = composeDotenvLine{value: v, line: i + 1}
			}
		}
	}
	return out
}
