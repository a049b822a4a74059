package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// ----- docker.compose.variables -----

// ComposeVariables checks that every variable a compose file uses without a
// default is set (in .env or the variables given): docker compose only
// warns and substitutes a blank, so image: app:${TAG} becomes app:. An
// explicit empty default (${VAR:-}, ${VAR-}) and a passthrough to the
// container or the build (environment:, build.args:) are deliberate and
// pass: only a blank in the file's own settings is a finding.
func ComposeVariables(p *ComposeProject, _ VariablesOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.variables", "Compose variables used without a default are set",
		sectionEnv, itemSetValues, check.SeverityMedium,
		"Set the variable in .env or the deployment's environment, give it a default (${TAG:-1.4.2}), or make it required (${TAG:?set TAG}) so that a missing value stops the deployment.",
		[]string{"configuration"})
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		seen := map[string]bool{}
		refs := 0
		for _, ref := range cm.variableRefs() {
			if ref.service != "" {
				if _, active := cm.project.Services[ref.service]; !active {
					continue
				}
			}
			refs++
			v := ref.v
			if v.Required || v.DefaultValue != "" || v.PresenceValue != "" || composeEmptyDefault(ref.raw, v.Name) {
				continue
			}
			if strings.HasPrefix(ref.path, "environment") || strings.HasPrefix(ref.path, "build.args") {
				// A passthrough to the container or the build: an unset
				// variable gives the process an empty value, deliberately.
				continue
			}
			if _, set := cm.env[v.Name]; set || !cm.unset[v.Name] {
				continue
			}
			key := fmt.Sprintf("%s:%d:%s:%s", ref.doc.display, ref.line, ref.path, v.Name)
			if seen[key] {
				continue
			}
			seen[key] = true
			where := ref.path
			if where == "" {
				where = "value"
			}
			msg := fmt.Sprintf("%s: variable %s is not set and becomes a blank", where, v.Name)
			if read := cm.ix.interpolate(ref.raw); cm.showable(ref.raw, read) {
				msg += fmt.Sprintf(": %q is read as %q", ref.raw, read)
			}
			fd := check.Finding{
				Message:  msg,
				Location: check.Location{File: ref.doc.display, Line: ref.line, Resource: ref.resource},
				Expected: v.Name + " set, a default ${" + v.Name + ":-value}, or required ${" + v.Name + ":?message}",
				Actual:   v.Name + " unset",
			}
			f.fs = append(f.fs, fd)
		}
		fs := f.sorted()
		switch {
		case len(fs) == 0 && refs == 0:
			return check.Pass("the compose files use no variables")
		case len(fs) == 0:
			return check.Pass(fmt.Sprintf("every variable used is set or has a default (%s)", composeCount(refs, "reference")))
		}
		return check.Fail(fmt.Sprintf("unset variable left blank: %s", composeCount(len(fs), "reference")), fs...)
	})
}

// showable reports whether a value as written and as interpolated may be
// quoted in a finding: short, naming no secret variable, holding no known
// secret value and no URL password.
func (m *composeModel) showable(raw, read string) bool {
	if len(raw) > 200 || len(read) > 200 || secret.URLHasPassword(read) || secret.Redact(raw+"\n"+read, m.secrets) != raw+"\n"+read {
		return false
	}
	for name := range template.ExtractVariables(map[string]any{"v": raw}, template.DefaultPattern) {
		if secret.IsSecretKey(name) {
			return false
		}
	}
	for _, f := range strings.Fields(raw + " " + read) {
		if k, _, ok := strings.Cut(f, "="); ok && secret.IsSecretKey(strings.TrimLeft(k, "-")) {
			return false
		}
	}
	return true
}

// composeEmptyDefault reports whether raw gives variable name an explicit
// empty default: ${NAME:-} or ${NAME-}.
func composeEmptyDefault(raw, name string) bool {
	return strings.Contains(raw, "${"+name+":-}") || strings.Contains(raw, "${"+name+"-}")
}
