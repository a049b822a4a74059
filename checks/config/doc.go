// Package config checks a deployment's configuration: its .env files, what
// its git history holds, the strength of its secrets, the application's
// password policy and the age of its keys. Every file is read through one
// guarded reader, confined to the project root, refusing non-regular files
// and capping sizes; no error or finding quotes a line of input or a secret
// value: a finding names the file, the line and the key.
//
// # Environment files
//
// Checks are built over a source that reads a project directory once per
// run:
//
//	env := config.Env(config.EnvOptions{Dir: "deploy"})
//	checks := []check.Check{
//		config.EnvExists(env, config.EnvExistsOptions{}),
//		config.EnvComplete(env, config.EnvCompleteOptions{}),
//		config.EnvPlaceholders(env, config.EnvPlaceholdersOptions{}),
//		config.EnvExtraKeys(env, config.EnvExtraKeysOptions{}),
//		config.EnvDocumented(env, config.EnvDocumentedOptions{}),
//		config.SecretsManaged(env, config.SecretsManagedOptions{}),
//	}
//
// The .env file (default ".env") is compared with its example (default
// ".env.production.example", else ".env.example"). Both are parsed with
// compose-go's dotenv package, as docker compose does: CRLF line endings, a
// byte-order mark, "export" prefixes and multi-line quoted values are
// understood. A binary or oversized file is an Error, and a syntax error
// names the file and line, never the value.
//
// config.env.complete fails on a key of the example that is missing or
// empty (dotenv-linter lets KEY= pass); config.env.placeholders fails on a
// value that is still a placeholder (changeme, your-...-here, xxx, <...>,
// the example's own value, a known weak secret); an example's empty values
// are what an example should hold and are never flagged (gitleaks flags
// them). config.env.documented fails on a variable the deployment consumes
// (compose ${VAR} interpolation, env_file, or listed by the caller) that
// neither the example nor a named document describes. security.secrets.managed
// warns when a secret-named variable holds a literal value rather than a
// _FILE, Vault or cloud secret-manager reference.
//
// # Git history
//
// (Filled in by the git history checks.)
//
// # Secret strength and password policy
//
// (Filled in by the secret strength and password policy checks.)
//
// # Key rotation
//
// (Filled in by the key rotation checks.)
package config
