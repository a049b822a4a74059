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
// [Repo] is a repository, read with the git binary and streamed, once per
// run: [GitEnvTracked] (config.git.env-tracked) fails on an env file tracked
// now, [GitEnvHistory] (config.git.env-history) on one in any commit of any
// branch, renamed or deleted since, naming the commit, its date and the
// path, never the contents; [GitEnvIgnored] (config.git.env-ignored) wants
// env files excluded by .gitignore and .dockerignore; [GitSecrets]
// (config.git.secrets) scans the lines every commit added for secret
// patterns (cloud and platform tokens, private keys, JWTs) and, in env
// files, for secret-named keys with secret values, including weak ones such
// as a short DB_PASSWORD. A directory that is not a repository skips; a
// shallow clone warns that the history is incomplete.
//
// # Secret strength and password policy
//
// [SecretStrength] (security.secrets.strength) judges JWT_SECRET, or the
// keys the caller selects, by internal/secret's one strength rule: at
// least 64 characters and 256 bits of estimated entropy (RFC 7518 §3.2;
// 384 and 512 for HS384 and HS512), not a known weak or tutorial secret,
// not dictionary words or a keyboard walk, not low-variety, with zxcvbn's
// estimate as one input. [PasswordPolicy] (security.password.policy)
// evaluates the application's declared policy against NIST SP 800-63B-4,
// ASVS 4.0.3 or ASVS 5.0, one finding per requirement; [ValidatePassword]
// is the matching validator an application can call. [PasswordSignupProbe]
// (security.password.signup) is opt-in: at most five signups with blocked
// passwords against an endpoint the caller names, each to be refused.
//
// # Key rotation and MFA
//
// [KeyRotation] (security.keys.rotation) fails on a key older than 90 days
// (AWS Config's access-keys-rotated default) and warns in the last tenth of
// that, reading ages from a pluggable [KeyAgeSource]: [FileModTime],
// [Inventory] (a JSON or YAML key list with created_at) or [GitLineAge]
// (the commit that last changed the line setting the key). [MFAChallenge]
// (security.mfa.enforced) is opt-in: one login of a test account must
// answer with an MFA challenge, not a session; where MFA cannot be probed,
// the checklist keeps "Add MFA" as an attestation.
package config
