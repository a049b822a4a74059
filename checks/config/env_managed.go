package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// DefaultSecretReferences returns the patterns of a value that refers to a
// secret manager rather than holding the secret: HashiCorp Vault
// ("vault:secret/data/app#key", "${vault:...}", "{{ with secret ... }}"),
// AWS Secrets Manager and SSM Parameter Store ARNs, Google Secret Manager
// resource names, Azure Key Vault ("akv://", "@Microsoft.KeyVault(...)",
// "https://<vault>.vault.azure.net/secrets/..."), 1Password ("op://"),
// Doppler, Infisical and SOPS references. Each call returns a fresh slice,
// to extend and pass as SecretsManagedOptions.References.
func DefaultSecretReferences() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`(?i)^vault:`),
		regexp.MustCompile(`(?i)\$\{\s*vault[:.]`),
		regexp.MustCompile(`(?i)\{\{\s*with\s+secret\b`),
		regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:`),
		regexp.MustCompile(`^arn:aws[a-z-]*:ssm:[^:]*:[^:]*:parameter/`),
		regexp.MustCompile(`^(?:ssm|secretsmanager)://`),
		regexp.MustCompile(`^projects/[^/\s]+/secrets/[^/\s]+`),
		regexp.MustCompile(`^(?:gcp-secret|sm)://`),
		regexp.MustCompile(`^akv://`),
		regexp.MustCompile(`^@Microsoft\.KeyVault\(`),
		regexp.MustCompile(`^https://[a-z0-9-]+\.vault\.azure\.net/secrets/`),
		regexp.MustCompile(`^op://`),
		regexp.MustCompile(`^(?:doppler|infisical|sops)://`),
	}
}

// SecretsManagedOptions configures SecretsManaged.
type SecretsManagedOptions struct {
	// References are the patterns of a value that refers to a secret
	// manager; nil means DefaultSecretReferences().
	References []*regexp.Regexp
	// Allow lists secret variables that may hold a literal value.
	Allow []string
}

// SecretsManaged warns when a secret variable of the environment file
// (internal/secret decides which: PASSWORD, SECRET, TOKEN, API key, ...)
// holds a literal value, or any variable holds a URL with a password or
// token in it (security.secrets.managed), rather than:
//
//   - a <NAME>_FILE variable beside it, set (the Docker secrets
//     convention), or a file path;
//   - a reference to a secret manager (SecretsManagedOptions.References);
//   - a reference to another variable (${OTHER}) or nothing at all.
//
// Findings name the file, line and variable, never the value.
func SecretsManaged(s *EnvSource, opts SecretsManagedOptions) check.Check {
	refs := opts.References
	if refs == nil {
		refs = DefaultSecretReferences()
	}
	return envCheck(s, check.Meta{
		ID:          "security.secrets.managed",
		Title:       "Secrets come from a secret manager, not literal values",
		Section:     envSection,
		Item:        envItemManaged,
		Severity:    check.SeverityMedium,
		Tags:        []string{"security", "secrets"},
		Remediation: "Keep the secret in a secret manager (Vault, AWS Secrets Manager, GCP Secret Manager, Azure Key Vault) and reference it, or mount it as a file and set <NAME>_FILE.",
		Refs:        []string{"OWASP ASVS 5.0 V13.3.1", "CWE-798", "CIS Docker 5.x (secrets)"},
	}, func(d *envData) check.Result {
		env, r := envNeedFile(d)
		if r != nil {
			return *r
		}
		var fs []check.Finding
		secrets := 0
		for _, k := range env.Order {
			v := env.Vars[k]
			what := "a literal secret"
			switch {
			case secret.IsSecretKey(k):
				if envManagedValue(k, v.Value, env, refs) {
					secrets++
					continue
				}
			case secret.URLHasSecret(v.Value):
				what = "a URL with literal credentials"
			default:
				continue
			}
			secrets++
			if envContainsFold(opts.Allow, k) {
				continue
			}
			fs = append(fs, check.Finding{
				Message:  k + " holds " + what,
				Location: check.Location{File: env.Display, Line: v.Line, Resource: k},
				Expected: "a secret-manager reference or " + k + "_FILE",
				Actual:   "a literal value",
			})
		}
		if secrets == 0 {
			return check.Skip("no secret variable in " + env.Display)
		}
		if len(fs) == 0 {
			return check.Pass(fmt.Sprintf("all %s are references", envPlural(secrets, "secret variable")))
		}
		return check.Warn(fmt.Sprintf("%d of %d secret variables hold literal values", len(fs), secrets), fs...)
	})
}

// managedValue reports whether value (of secret key) is not a literal
// secret: empty, a reference, a path, a manager reference, or beside a set
// key_FILE.
func envManagedValue(key, value string, env *envFile, refs []*regexp.Regexp) bool {
	t := strings.TrimSpace(value)
	for _, re := range refs {
		if re.MatchString(t) {
			return true
		}
	}
	if f, ok := env.get(key + "_FILE"); ok && strings.TrimSpace(f.Value) != "" {
		return true
	}
	return !secret.Judge(key, value).IsSecret
}

func envContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
