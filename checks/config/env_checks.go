package config

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

const (
	envSection     = "Configuration Management / Environment Variables"
	envItemCreate  = "Create `.env` file from `.env.production.example`"
	envItemSet     = "Set all sensitive values"
	envItemDocs    = "Document all required environment variables"
	envItemManaged = "Use secret management service (AWS Secrets Manager, HashiCorp Vault)"
)

// Options of the environment checks. Their zero values are the production
// defaults.
type (
	// EnvExistsOptions configures EnvExists.
	EnvExistsOptions struct{}
	// EnvCompleteOptions configures EnvComplete.
	EnvCompleteOptions struct{}
	// EnvPlaceholdersOptions configures EnvPlaceholders.
	EnvPlaceholdersOptions struct{}
	// EnvExtraKeysOptions configures EnvExtraKeys.
	EnvExtraKeysOptions struct {
		// Allow lists keys that may be set without being in the example.
		Allow []string
	}
	// EnvDocumentedOptions configures EnvDocumented.
	EnvDocumentedOptions struct {
		// Ignore lists consumed variables that need no documentation.
		Ignore []string
	}
)

// envCheck builds a check over the source: m gets the source's target
// (unless set), the judge gets the loaded data.
func envCheck(s *EnvSource, m check.Meta, judge func(d *envData) check.Result) check.Check {
	if m.Target == "" {
		m.Target = s.target
	}
	return check.New(m, func(ctx context.Context) check.Result {
		d, err := s.src.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		if err := ctx.Err(); err != nil {
			return check.Error(err)
		}
		return judge(d)
	})
}

// envError is the Error result of a file that did not load, located when
// the error says where.
func envError(err error) check.Result {
	r := check.Error(err)
	if ee, ok := err.(*EnvError); ok {
		r.Findings = []check.Finding{{Message: ee.Msg, Location: check.Location{File: ee.File, Line: ee.Line}}}
	} else if be, ok := err.(*envBinaryError); ok {
		r.Findings = []check.Finding{{Message: be.Msg, Location: check.Location{File: be.File}}}
	}
	return r
}

// needEnv returns the environment file, or a Result when it cannot be
// judged: an Error when it did not load, a Skip when it does not exist
// (config.env.exists reports that).
func envNeedFile(d *envData) (*envFile, *check.Result) {
	if d.envErr != nil {
		r := envError(d.envErr)
		return nil, &r
	}
	if !d.env.Present {
		r := check.Skip(d.env.Display + " does not exist (config.env.exists reports it)")
		return nil, &r
	}
	return d.env, nil
}

// EnvExists checks that the environment file exists
// (config.env.exists). A directory, a FIFO or a file outside the root in
// its place is an Error.
func EnvExists(s *EnvSource, _ EnvExistsOptions) check.Check {
	return envCheck(s, check.Meta{
		ID:          "config.env.exists",
		Title:       "The environment file exists",
		Section:     envSection,
		Item:        envItemCreate,
		Severity:    check.SeverityHigh,
		Tags:        []string{"config"},
		Remediation: "Create the environment file from the example (cp .env.production.example .env) and set every value.",
	}, func(d *envData) check.Result {
		if d.envErr != nil {
			return envError(d.envErr)
		}
		if !d.env.Present {
			f := check.Finding{Message: "the environment file does not exist", Location: check.Location{File: d.env.Display}, Expected: "a file created from " + envExampleName(s, d)}
			return check.Fail(d.env.Display+" does not exist", f)
		}
		return check.Pass(fmt.Sprintf("%s exists (%s)", d.env.Display, envPlural(len(d.env.Order), "variable")))
	})
}

func envExampleName(s *EnvSource, d *envData) string {
	if d.example != nil {
		return d.example.Display
	}
	return s.example
}

// needExample returns the example, or a Result when there is none to
// compare with: an Error when it did not load, a Warn when it does not
// exist.
func envNeedExample(s *EnvSource, d *envData) (*envFile, *check.Result) {
	if d.exampleErr != nil {
		r := envError(d.exampleErr)
		return nil, &r
	}
	if !d.example.Present {
		msg := "no example file to compare with: " + s.example
		if s.opts.Example == "" {
			msg += " nor " + envJoin(s.opts.displayDir(), FallbackEnvExample)
		}
		r := check.Warn(msg+" does not exist", check.Finding{
			Message:  "the example file does not exist, so the required variables are unknown",
			Location: check.Location{File: s.example},
			Expected: "an example file listing every variable, with a comment describing each",
		})
		return nil, &r
	}
	return d.example, nil
}

// EnvComplete checks that every key of the example is present in the
// environment file with a non-empty value (config.env.complete). Unlike
// dotenv-linter, an empty KEY= does not pass. A reference to another
// variable ("${OTHER}") counts as set.
func EnvComplete(s *EnvSource, _ EnvCompleteOptions) check.Check {
	return envCheck(s, check.Meta{
		ID:          "config.env.complete",
		Title:       "Every variable of the example is set",
		Section:     envSection,
		Item:        envItemCreate,
		Severity:    check.SeverityHigh,
		Tags:        []string{"config"},
		Remediation: "Set every variable the example lists to its production value.",
		Refs:        []string{"dotenv-linter KeyWithoutValue (lets KEY= pass)"},
	}, func(d *envData) check.Result {
		env, r := envNeedFile(d)
		if r != nil {
			return *r
		}
		ex, r := envNeedExample(s, d)
		if r != nil {
			return *r
		}
		var fs []check.Finding
		missing, empty := 0, 0
		for _, k := range ex.Order {
			v, ok := env.get(k)
			switch {
			case !ok:
				missing++
				fs = append(fs, check.Finding{
					Message:  k + " is missing",
					Location: check.Location{File: env.Display, Resource: k},
					Expected: "set, as " + ex.Display + ":" + strconv.Itoa(ex.Vars[k].Line) + " lists it",
					Actual:   "absent",
				})
			case strings.TrimSpace(v.Value) == "":
				empty++
				fs = append(fs, check.Finding{
					Message:  k + " is empty",
					Location: check.Location{File: env.Display, Line: v.Line, Resource: k},
					Expected: "a non-empty value",
					Actual:   "empty",
				})
			}
		}
		if len(fs) == 0 {
			return check.Pass(fmt.Sprintf("all %s of %s are set", envPlural(len(ex.Order), "variable"), ex.Display))
		}
		return check.Fail(fmt.Sprintf("%d missing and %d empty of %s in %s", missing, empty, envPlural(len(ex.Order), "variable"), ex.Display), fs...)
	})
}

// EnvPlaceholders checks that no value of the environment file is still a
// placeholder (config.env.placeholders): changeme, your-...-here, xxx,
// <...>, a well-known default secret (internal/secret), or, for a secret
// variable, the example's own value. A non-secret value equal to the
// example's (PORT=8080) is a default meant to be copied and passes.
func EnvPlaceholders(s *EnvSource, _ EnvPlaceholdersOptions) check.Check {
	return envCheck(s, check.Meta{
		ID:          "config.env.placeholders",
		Title:       "No value is still a placeholder or a default secret",
		Section:     envSection,
		Item:        envItemSet,
		Severity:    check.SeverityHigh,
		Tags:        []string{"config", "security"},
		Remediation: "Replace every placeholder with the production value; generate secrets (openssl rand -base64 48).",
		Refs:        []string{"OWASP ASVS 5.0 V13.3", "CWE-1392"},
	}, func(d *envData) check.Result {
		env, r := envNeedFile(d)
		if r != nil {
			return *r
		}
		var ex *envFile
		if d.exampleErr == nil && d.example.Present {
			ex = d.example
		}
		var fs []check.Finding
		for _, k := range env.Order {
			v := env.Vars[k]
			why := envPlaceholderReason(k, v.Value, ex)
			if why == "" {
				continue
			}
			fs = append(fs, check.Finding{
				Message:  k + " is " + why,
				Location: check.Location{File: env.Display, Line: v.Line, Resource: k},
				Expected: "the production value",
				Actual:   why + " (" + strconv.Itoa(len([]rune(v.Value))) + " chars)",
			})
		}
		return check.Judge(fs,
			fmt.Sprintf("no placeholder among %s", envPlural(len(env.Order), "variable")),
			fmt.Sprintf("%d of %d variables still hold a placeholder", len(fs), len(env.Order)))
	})
}

// placeholderReason says why value (of key) is still a placeholder, or "".
func envPlaceholderReason(key, value string, ex *envFile) string {
	t := strings.TrimSpace(value)
	if t == "" || envIsReference(t) {
		return ""
	}
	verdict := secret.Judge(key, value)
	if verdict.IsSecret {
		if verdict.WellKnown {
			return verdict.Weak
		}
		if exv, ok := ex.get(key); ok && exv.Value == value {
			return "the example's own value"
		}
	}
	low := strings.ToLower(t)
	switch {
	case envXPlaceholderRE.MatchString(low):
		return secret.WeakPlaceholder
	case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">") && len(t) > 2:
		return secret.WeakPlaceholder
	case secret.Weakness(t) == secret.WeakPlaceholder && !strings.HasPrefix(t, "[") && !strings.HasPrefix(t, "{"):
		return secret.WeakPlaceholder
	}
	return ""
}

// envXPlaceholderRE matches "xxx", "XXXX-XXXX", "xxx_xxx": three or more x
// and nothing but separators.
var envXPlaceholderRE = regexp.MustCompile(`^x{3,}(?:[-_. ]*x+)*$`)

// isReference reports whether v is nothing but a reference to another
// variable, ${NAME} or $NAME.
func envIsReference(v string) bool {
	return envRefOnlyRE.MatchString(v)
}

var envRefOnlyRE = regexp.MustCompile(`^\$(?:\{[A-Za-z_][A-Za-z0-9_]*(?:[:?\-+][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)$`)

// EnvExtraKeys warns about keys of the environment file that the example
// does not list (config.env.extra-keys): a typo, or an undocumented
// variable.
func EnvExtraKeys(s *EnvSource, opts EnvExtraKeysOptions) check.Check {
	return envCheck(s, check.Meta{
		ID:          "config.env.extra-keys",
		Title:       "Every variable set is in the example",
		Section:     envSection,
		Item:        envItemCreate,
		Severity:    check.SeverityLow,
		Tags:        []string{"config"},
		Remediation: "Add the variable to the example with a comment, or remove it (it may be a typo).",
	}, func(d *envData) check.Result {
		env, r := envNeedFile(d)
		if r != nil {
			return *r
		}
		ex, r := envNeedExample(s, d)
		if r != nil {
			return check.Skip("no example file to compare with")
		}
		var fs []check.Finding
		for _, k := range env.Order {
			if _, ok := ex.Vars[k]; ok || slices.Contains(opts.Allow, k) {
				continue
			}
			fs = append(fs, check.Finding{
				Message:  k + " is not in " + ex.Display,
				Location: check.Location{File: env.Display, Line: env.Vars[k].Line, Resource: k},
				Expected: "listed in " + ex.Display,
			})
		}
		if len(fs) == 0 {
			return check.Pass(fmt.Sprintf("all %s are in %s", envPlural(len(env.Order), "variable"), ex.Display))
		}
		return check.Warn(fmt.Sprintf("%d of %d variables are not in %s", len(fs), len(env.Order), ex.Display), fs...)
	})
}

// EnvDocumented checks that every variable the deployment consumes is
// documented (config.env.documented): listed in the example with a comment
// (on its line, directly above it, or above its group of lines), or named
// in one of EnvOptions.Docs on a line with a description (or followed by
// one). A variable is consumed when a compose file interpolates it
// (${VAR}), when an env_file of a compose service sets it, or when
// EnvOptions.Consumed lists it. The target is the example file.
func EnvDocumented(s *EnvSource, opts EnvDocumentedOptions) check.Check {
	return envCheck(s, check.Meta{
		ID:          "config.env.documented",
		Target:      s.example,
		Title:       "Every consumed variable is documented",
		Section:     envSection,
		Item:        envItemDocs,
		Severity:    check.SeverityMedium,
		Tags:        []string{"config", "documentation"},
		Remediation: "Add each variable to the example file with a comment saying what it is and how to set it, or describe it in the named documentation.",
	}, func(d *envData) check.Result {
		if d.consumeErr != nil {
			return envError(d.consumeErr)
		}
		if d.docsErr != nil {
			return envError(d.docsErr)
		}
		if d.exampleErr != nil {
			return envError(d.exampleErr)
		}
		seen := map[string]bool{}
		var names []envConsumed
		for _, c := range d.consumed {
			if seen[c.Name] || slices.Contains(opts.Ignore, c.Name) {
				continue
			}
			seen[c.Name] = true
			names = append(names, c)
		}
		if len(names) == 0 {
			return check.Skip("no consumed variable: no compose interpolation, no env_file, none listed")
		}
		var fs []check.Finding
		for _, c := range names {
			if envDocumentedIn(c.Name, d) {
				continue
			}
			msg := c.Name + " is not documented"
			if ev, ok := d.example.get(c.Name); ok {
				msg = c.Name + " is in " + d.example.Display + ":" + strconv.Itoa(ev.Line) + " without a comment describing it"
			}
			fs = append(fs, check.Finding{
				Message:  msg + " (" + c.How + ")",
				Location: check.Location{File: c.File, Line: c.Line, Resource: c.Name},
				Expected: "in " + envExampleName(s, d) + " with a comment, or described in a documentation file",
			})
		}
		return check.Judge(fs,
			fmt.Sprintf("all %s consumed are documented", envPlural(len(names), "variable")),
			fmt.Sprintf("%d of %d consumed variables are undocumented", len(fs), len(names)))
	})
}

// documentedIn reports whether name is described in the example or in a
// documentation file.
func envDocumentedIn(name string, d *envData) bool {
	if v, ok := d.example.get(name); ok && v.Documented {
		return true
	}
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_])`)
	for _, lines := range d.docs {
		for i, l := range lines {
			if !re.MatchString(l) {
				continue
			}
			if envDescribes(re.ReplaceAllString(l, " ")) {
				return true
			}
			// The name alone (a heading, a table cell, a term): the next
			// non-blank line describes it.
			for j := i + 1; j < len(lines); j++ {
				if n := strings.TrimSpace(lines[j]); n != "" {
					if !strings.HasPrefix(n, "#") && envDescribes(n) {
						return true
					}
					break
				}
			}
		}
	}
	return false
}

var (
	envWordRE  = regexp.MustCompile(`[A-Za-z]{3,}`)
	envIdentRE = regexp.MustCompile("`[^`]*`|\\b[A-Z][A-Z0-9]*_[A-Z0-9_]*\\b|\\b[A-Z]{2,}[0-9]*\\b")
)

// envDescribes reports whether text holds a description: two words of
// three or more letters, once code spans and upper-case identifiers
// (other variable names) are set aside.
func envDescribes(text string) bool {
	return len(envWordRE.FindAllString(envIdentRE.ReplaceAllString(text, " "), 3)) >= 2
}

func envPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
