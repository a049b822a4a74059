package checklist

import (
	"context"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/config"
	"github.com/prodcheck/prodcheck/checks/database"
	"github.com/prodcheck/prodcheck/checks/database/postgres"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/checks/performance"
	"github.com/prodcheck/prodcheck/checks/security"
)

// unusedURL is never requested: the constructors below do no I/O.
const unusedURL = "https://prodcheck.invalid/"

type mapValues map[string]config.Located

func (m mapValues) Values(context.Context) (map[string]config.Located, error) {
	return m, nil
}

// allChecks builds every built-in check with minimal inputs, so that the
// test can read their Meta. Nothing is run.
func allChecks(t *testing.T) []check.Check {
	t.Helper()
	var cs []check.Check
	add := func(c ...check.Check) { cs = append(cs, c...) }

	p := docker.Compose(docker.ComposeOptions{Files: []string{"testdata/compose.yaml"}, Root: "testdata"})
	add(composeChecks(p)...) // every compose rule, as Build adds them
	d := docker.Dockerfile(docker.DockerfileOptions{Path: "testdata/Dockerfile", Root: "testdata"})
	add(docker.DockerfileChecks(d)...)
	add(docker.DockerfileBaseMajorOnly(d, docker.BasePinnedOptions{}),
		docker.DockerfileBasePinned(d, docker.BasePinnedOptions{}),
		docker.DockerfileBuildSecrets(d, docker.BuildSecretsOptions{}),
		docker.DockerfileEnvExcluded(d, docker.EnvExcludedOptions{}),
		docker.DockerfileHealthcheck(d, docker.DockerfileHealthcheckOptions{}),
		docker.DockerfileSecrets(d, docker.DockerfileSecretsOptions{}),
		docker.DockerfileUser(d, docker.DockerfileUserOptions{}),
		docker.DockerfileUserEntrypoint(d, docker.DockerfileUserOptions{}),
	)

	page := security.NewPage(unusedURL, security.HTTPOptions{})
	add(security.HeaderChecks(page, security.HeaderChecksOptions{})...)
	add(security.CORS(page, security.CORSOptions{})...)
	add(security.Cookies(page, security.CookieOptions{})...)
	add(security.HSTS(page, security.HSTSOptions{}), security.HSTSPreload(page, security.HSTSOptions{}))
	add(security.HTTPSChecks([]string{unusedURL}, security.HTTPSChecksOptions{})...)
	add(security.HTTPSRedirect("http://prodcheck.invalid/", security.RedirectOptions{}))
	add(security.InputValidation(unusedURL, security.InputValidationOptions{})...)
	add(security.JWTEnforcement(unusedURL, security.JWTEnforcementOptions{}))
	add(security.RateLimitBurst(page, security.RateLimitBurstOptions{}), security.RateLimitHeaders(page, security.RateLimitOptions{}))
	add(security.SQLInjection(unusedURL, security.SQLInjectionOptions{})...)
	add(security.TLSChecks(security.TLS("prodcheck.invalid:443", security.TLSOptions{}), security.TLSChecksOptions{})...)
	add(security.XSS(unusedURL, security.XSSOptions{}))

	add(performance.Compression(unusedURL, performance.CompressionOptions{})...)
	add(performance.Latency(unusedURL, performance.LatencyOptions{})...)
	add(performance.Pagination(unusedURL, performance.PaginationOptions{})...)

	env := config.Env(config.EnvOptions{Dir: "testdata", Root: "testdata"})
	add(config.EnvComplete(env, config.EnvCompleteOptions{}),
		config.EnvDocumented(env, config.EnvDocumentedOptions{}),
		config.EnvExists(env, config.EnvExistsOptions{}),
		config.EnvExtraKeys(env, config.EnvExtraKeysOptions{}),
		config.EnvPlaceholders(env, config.EnvPlaceholdersOptions{}),
		config.SecretsManaged(env, config.SecretsManagedOptions{}))
	repo := config.Repo(config.RepoOptions{Dir: "testdata"})
	add(config.GitEnvHistory(repo, config.GitEnvHistoryOptions{}),
		config.GitEnvIgnored(repo, config.GitEnvIgnoredOptions{}),
		config.GitEnvTracked(repo, config.GitEnvTrackedOptions{}),
		config.GitSecrets(repo, config.GitSecretsOptions{}))
	add(config.KeyRotation(config.FileModTime([]string{"compose.yaml"}, "testdata"), config.KeyRotationOptions{Now: func() time.Time { return time.Time{} }}))
	add(config.MFAChallenge(unusedURL, config.MFAOptions{Body: []byte("{}")}))
	add(config.PasswordPolicy(config.Policy{}, config.PasswordPolicyOptions{}))
	add(config.PasswordSignupProbe(unusedURL, config.SignupProbeOptions{
		Body:            func(u, p string) []byte { return nil },
		UsernamePattern: "probe-{n}@example.test",
	}))
	add(config.SecretStrength(mapValues{}, config.SecretStrengthOptions{}))

	add(database.DSN("postgres://app@127.0.0.1:1/app", database.DSNOptions{MustBePrivate: true})...)
	srv := postgres.Open("postgres://x@127.0.0.1:1/x", postgres.Options{})
	add(postgres.Checks(srv)...)
	add(postgres.BouncerChecks(postgres.OpenBouncer("postgres://x@127.0.0.1:1/pgbouncer", postgres.BouncerOptions{Backend: srv}))...)

	// The checklist's own checks.
	root := t.TempDir()
	add(OpenAPIDocument(root, "openapi.yaml"))
	for id, item := range documentItems {
		add(MarkdownDocument(id, item, root, id+".md"))
	}
	items := Items()
	add(AttestationChecks(items, AttestOptions{Root: root})...)
	for _, it := range items {
		if it.Kind == NotAutomated {
			add(it.Placeholder())
		}
	}
	return cs
}
