package checklist

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/config"
	"github.com/prodcheck/prodcheck/checks/database"
	"github.com/prodcheck/prodcheck/checks/database/postgres"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/checks/performance"
	"github.com/prodcheck/prodcheck/checks/security"
)

// BuildOptions configures [Build]. The zero value reads the process
// environment, uses the real clock and the checks' default HTTP clients.
type BuildOptions struct {
	// Getenv looks up the environment variables named by dsn_env and
	// body_env; nil means os.Getenv.
	Getenv func(string) string
	// Now is the clock of the waivers, attestations and certificate
	// checks; nil means time.Now.
	Now func() time.Time
	// HTTPClient, when set, sends the requests of the URL checks (a test
	// server's client, a proxy). nil means each check's default: TLS
	// verified, redirects not followed.
	HTTPClient *http.Client
}

// Plan is what a configuration turns into: the checks, in checklist order,
// and the Runner that applies the configuration's policy, waivers and
// severity overrides. Set the Runner's other fields (Filter, OnOutcome,
// Limit) as needed, then call p.Runner.Run(ctx, p.Checks...).
type Plan struct {
	Checks []check.Check
	Runner check.Runner
	// Items are the checklist's lines, for [Summarize].
	Items []Item
}

// Build turns cfg into checks with the constructors of the checks/*
// packages: one check per rule and target, each outcome named by its
// target. A target kind that is not configured yields, for each of its
// check IDs, a Skip "not configured: add targets.KIND to prodcheck.yaml";
// an active probe not listed under probes yields a Skip saying how to opt
// in. Not-yet-automated lines yield their placeholder (a Warn), attested
// lines their attestation check. A database whose dsn_env variable is
// unset yields Errors naming the variable, never a value.
//
// Build reads nothing but the compose projects (to find the Dockerfiles
// they build) and the environment; the checks read the rest when they run.
func Build(ctx context.Context, cfg *Config, opts BuildOptions) (*Plan, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := checkBackends(cfg); err != nil {
		return nil, err
	}
	if err := checkBackup(cfg); err != nil {
		return nil, err
	}
	b := &builder{cfg: cfg, opts: opts, items: Items()}
	b.urls()
	b.tls()
	b.compose(ctx)
	b.dockerfiles()
	b.git()
	b.env()
	b.databases()
	b.docs()
	b.mfa()
	b.unconfigurable()
	b.checklistItems()
	b.order()
	return &Plan{
		Checks: b.checks,
		Items:  b.items,
		Runner: check.Runner{
			Now:       opts.Now,
			Policy:    check.Policy{Threshold: cfg.FailOn, Strict: cfg.Strict},
			Waivers:   slices.Clone(cfg.Waivers),
			Overrides: slices.Clone(cfg.Overrides),
		},
	}, nil
}

type builder struct {
	cfg    *Config
	opts   BuildOptions
	items  []Item
	checks []check.Check
	// fallback holds the IDs of items whose attestation stands in for
	// checks whose target is not configured.
	fallback map[string]bool
}

func (b *builder) add(cs ...check.Check) { b.checks = append(b.checks, cs...) }

// placeholderURL is never requested: it only gives placeholder checks a Meta.
const placeholderURL = "https://prodcheck.invalid/"

// skipped returns, for each distinct ID of cs (built on placeholder
// inputs, never run), a check with the same Meta but no target that skips
// with reason.
func skipped(reason string, cs ...check.Check) []check.Check {
	return stand(check.Skip(reason), "", cs)
}

// stand returns checks with the Meta of cs (one per ID, target set to
// target) that return res.
func stand(res check.Result, target string, cs []check.Check) []check.Check {
	var out []check.Check
	seen := map[string]bool{}
	for _, c := range cs {
		m := c.Meta()
		if seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		m.Target = target
		out = append(out, check.New(m, func(context.Context) check.Result { return res }))
	}
	return out
}

func notConfigured(key string) string {
	return "not configured: add " + key + " to prodcheck.yaml"
}

func optIn(probe string) string {
	return "opt-in probe not enabled: add " + probe + " to probes in prodcheck.yaml"
}

func (b *builder) httpOptions() security.HTTPOptions {
	return security.HTTPOptions{Client: b.opts.HTTPClient}
}

// urlProbes are the active probes run against each URL, by probe name.
func (b *builder) urlProbe(name, rawURL string, page *security.Page) []check.Check {
	o := b.cfg.Checks
	switch name {
	case "ratelimit":
		return []check.Check{security.RateLimitBurst(page, security.RateLimitBurstOptions{Max: o.RateLimitBurst})}
	case "input":
		return security.InputValidation(rawURL, security.InputValidationOptions{Client: b.opts.HTTPClient})
	case "sqli":
		return security.SQLInjection(rawURL, security.SQLInjectionOptions{Client: b.opts.HTTPClient})
	case "xss":
		return []check.Check{security.XSS(rawURL, security.XSSOptions{Client: b.opts.HTTPClient})}
	case "jwt":
		return []check.Check{security.JWTEnforcement(rawURL, security.JWTEnforcementOptions{Client: b.opts.HTTPClient})}
	case "latency":
		return performance.Latency(rawURL, performance.LatencyOptions{Client: b.opts.HTTPClient, P95: o.LatencyP95, Requests: o.LatencyRequests})
	}
	return nil
}

var urlProbeNames = []string{"ratelimit", "input", "sqli", "xss", "jwt", "latency"}

func (b *builder) passiveURL(rawURL string, page *security.Page) []check.Check {
	var cs []check.Check
	cs = append(cs, security.HeaderChecks(page, security.HeaderChecksOptions{MinGrade: b.cfg.Checks.HeadersMinGrade})...)
	cs = append(cs, security.CORS(page, security.CORSOptions{})...)
	cs = append(cs, security.Cookies(page, security.CookieOptions{})...)
	cs = append(cs, security.RateLimitHeaders(page, security.RateLimitOptions{}))
	cs = append(cs, performance.Compression(rawURL, performance.CompressionOptions{Client: b.opts.HTTPClient})...)
	return cs
}

func (b *builder) urls() {
	dummy := security.NewPage(placeholderURL, security.HTTPOptions{})
	if len(b.cfg.URLs) == 0 {
		why := notConfigured("targets.urls")
		b.add(skipped(why, b.passiveURL(placeholderURL, dummy)...)...)
		b.add(skipped(why, security.HTTPSChecks([]string{placeholderURL}, security.HTTPSChecksOptions{})...)...)
		b.add(skipped(why, performance.Pagination(placeholderURL, performance.PaginationOptions{})...)...)
		for _, p := range urlProbeNames {
			b.add(skipped(why, b.urlProbe(p, placeholderURL, dummy)...)...)
		}
		return
	}
	var all []string
	lists := 0
	for _, u := range b.cfg.URLs {
		all = append(all, u.URL)
		page := security.NewPage(u.URL, b.httpOptions())
		b.add(b.passiveURL(u.URL, page)...)
		if u.List {
			lists++
			b.add(performance.Pagination(u.URL, performance.PaginationOptions{Client: b.opts.HTTPClient})...)
		}
		for _, p := range urlProbeNames {
			if b.cfg.Probe(p) {
				b.add(b.urlProbe(p, u.URL, page)...)
			}
		}
	}
	b.httpsChecks(all)
	if lists == 0 {
		b.add(skipped("not configured: mark a list endpoint in targets.urls with list: true", performance.Pagination(placeholderURL, performance.PaginationOptions{})...)...)
	}
	for _, p := range urlProbeNames {
		if !b.cfg.Probe(p) {
			b.add(skipped(optIn(p), b.urlProbe(p, placeholderURL, dummy)...)...)
		}
	}
}

// httpsChecks adds the HTTPS redirect and HSTS checks. An https:// URL gets
// them all; a plain http:// URL gets the redirect check, and its HSTS checks
// skip: HSTS is judged on the service's https:// URL, which the file must
// list to have it checked (guessing it on port 443 would report an
// unrelated connection error).
func (b *builder) httpsChecks(urls []string) {
	opts := security.HTTPSChecksOptions{HTTP: b.httpOptions()}
	for _, u := range urls {
		if strings.HasPrefix(u, "https://") {
			b.add(security.HTTPSChecks([]string{u}, opts)...)
			continue
		}
		b.add(security.HTTPSRedirect(u, opts.Redirect))
		page := security.NewPage(placeholderURL, security.HTTPOptions{})
		b.add(stand(check.Skip("a plain http:// URL: HSTS is judged on the service's https:// URL; list it in targets.urls"), u,
			[]check.Check{security.HSTS(page, opts.HSTS), security.HSTSPreload(page, opts.HSTS)})...)
	}
}

func (b *builder) tls() {
	opts := security.TLSChecksOptions{ExpiryWarn: b.cfg.Checks.TLSExpiryWarn, TLS13Only: b.cfg.Checks.TLS13Only, Now: b.opts.Now}
	if len(b.cfg.TLS) == 0 {
		b.add(skipped(notConfigured("targets.tls"), security.TLSChecks(security.TLS("prodcheck.invalid:443", security.TLSOptions{}), opts)...)...)
		return
	}
	for _, ep := range b.cfg.TLS {
		b.add(security.TLSChecks(security.TLS(ep, security.TLSOptions{}), opts)...)
	}
}

// composeChecks returns every compose check of p, one per ID.
func composeChecks(p *docker.ComposeProject) []check.Check {
	cs := docker.ComposeChecks(p, docker.ComposeChecksOptions{})
	cs = append(cs,
		docker.ComposeBuildPullPolicy(p, docker.BuildPullPolicyOptions{}),
		docker.ComposeCPULimit(p, docker.ResourceLimitOptions{}),
		docker.ComposeMemoryLimit(p, docker.ResourceLimitOptions{}),
		docker.ComposePidsLimit(p, docker.ResourceLimitOptions{}),
		docker.ComposeCapDrop(p, docker.CapDropOptions{}),
		docker.ComposeConfinement(p, docker.ConfinementOptions{}),
		docker.ComposeDatabaseAuth(p, docker.DatabaseOptions{}),
		docker.ComposeDatabaseNetwork(p, docker.DatabaseOptions{}),
		docker.ComposeDatabasePorts(p, docker.DatabaseOptions{}),
		docker.ComposeDevices(p, docker.HostDevicesOptions{}),
		docker.ComposeHealthcheck(p, docker.HealthcheckOptions{}),
		docker.ComposeHostPaths(p, docker.HostPathsOptions{}),
		docker.ComposeHostPathsReadOnly(p, docker.HostPathsOptions{}),
		docker.ComposeImageMajorOnly(p, docker.ImagePinnedOptions{}),
		docker.ComposeImagePinned(p, docker.ImagePinnedOptions{}),
		docker.ComposeLogRotation(p, docker.LogRotationOptions{}),
		docker.ComposeMountPropagation(p, docker.MountPropagationOptions{}),
		docker.ComposeNoDangerousCapabilities(p, docker.CapabilitiesOptions{}),
		docker.ComposeNoHostNamespaces(p, docker.HardeningOptions{}),
		docker.ComposeNoNewPrivileges(p, docker.HardeningOptions{}),
		docker.ComposeNoRuntimeSocket(p, docker.HardeningOptions{}),
		docker.ComposeNonRoot(p, docker.NonRootOptions{}),
		docker.ComposeReadOnlyRootfs(p, docker.HardeningOptions{}),
		docker.ComposeRestartPolicy(p, docker.RestartPolicyOptions{}),
		docker.ComposeSecretStrength(p, docker.SecretStrengthOptions{}),
		docker.ComposeSecrets(p, docker.SecretsOptions{}),
		docker.ComposeSyntax(p, docker.SyntaxOptions{}),
		docker.ComposeUnprivileged(p, docker.HardeningOptions{}),
		docker.ComposeVariables(p, docker.VariablesOptions{}),
	)
	return uniqueIDs(cs)
}

// dockerfileChecks returns every Dockerfile check of src, one per ID.
func dockerfileChecks(src *docker.DockerfileSource) []check.Check {
	cs := docker.DockerfileChecks(src)
	cs = append(cs,
		docker.DockerfileBaseMajorOnly(src, docker.BasePinnedOptions{}),
		docker.DockerfileBasePinned(src, docker.BasePinnedOptions{}),
		docker.DockerfileBuildSecrets(src, docker.BuildSecretsOptions{}),
		docker.DockerfileEnvExcluded(src, docker.EnvExcludedOptions{}),
		docker.DockerfileHealthcheck(src, docker.DockerfileHealthcheckOptions{}),
		docker.DockerfileSecrets(src, docker.DockerfileSecretsOptions{}),
		docker.DockerfileUser(src, docker.DockerfileUserOptions{}),
		docker.DockerfileUserEntrypoint(src, docker.DockerfileUserOptions{}),
	)
	return uniqueIDs(cs)
}

func uniqueIDs(cs []check.Check) []check.Check {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if id := c.Meta().ID; !seen[id] {
			seen[id] = true
			out = append(out, c)
		}
	}
	return out
}

func (b *builder) compose(ctx context.Context) {
	if len(b.cfg.Compose) == 0 {
		p := docker.Compose(docker.ComposeOptions{Files: []string{"compose.yaml"}})
		b.add(skipped(notConfigured("targets.compose"), composeChecks(p)...)...)
		return
	}
	listed := map[string]bool{}
	for _, d := range b.cfg.Dockerfiles {
		listed[d.Path] = true
	}
	for _, t := range b.cfg.Compose {
		p := docker.Compose(docker.ComposeOptions{
			Files:   t.Files,
			Dir:     b.cfg.Root,
			Root:    b.cfg.Root,
			OneShot: t.OneShot,
			Target:  strings.Join(t.Files, "+"),
		})
		b.add(composeChecks(p)...)
		// The Dockerfiles the project builds are checked too, unless
		// targets.dockerfiles lists them. A load error is reported by
		// the compose checks themselves.
		builds, err := p.Builds(ctx)
		if err != nil {
			continue
		}
		for _, df := range builds {
			// Name the Dockerfile as the project does, relative to its
			// root, wherever the project was loaded from.
			cs := retarget(dockerfileChecks(df), b.relToRoot(df.Target()))
			if len(cs) == 0 || listed[cs[0].Meta().Target] {
				continue
			}
			listed[cs[0].Meta().Target] = true
			b.add(cs...)
		}
	}
}

// relToRoot names an absolute path under the project root relative to
// it, with forward slashes; another path is returned as it is.
func (b *builder) relToRoot(p string) string {
	if !filepath.IsAbs(filepath.FromSlash(p)) {
		return p
	}
	rel, err := filepath.Rel(b.cfg.Root, filepath.FromSlash(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return filepath.ToSlash(rel)
}

// retarget returns cs named by target: the same checks, run as they are.
func retarget(cs []check.Check, target string) []check.Check {
	out := make([]check.Check, 0, len(cs))
	for _, c := range cs {
		m := c.Meta()
		if m.Target == target {
			out = append(out, c)
			continue
		}
		m.Target = target
		out = append(out, check.New(m, c.Run))
	}
	return out
}

func (b *builder) dockerfiles() {
	if len(b.cfg.Dockerfiles) == 0 && len(b.cfg.Compose) == 0 {
		d := docker.Dockerfile(docker.DockerfileOptions{Path: "Dockerfile"})
		b.add(skipped(notConfigured("targets.dockerfiles"), dockerfileChecks(d)...)...)
		return
	}
	for _, t := range b.cfg.Dockerfiles {
		ctxDir := path.Dir(t.Path)
		if t.Context != "" {
			ctxDir = t.Context
		}
		d := docker.Dockerfile(docker.DockerfileOptions{
			Path:       filepath.Join(b.cfg.Root, filepath.FromSlash(t.Path)),
			Target:     t.Path,
			ContextDir: filepath.Join(b.cfg.Root, filepath.FromSlash(ctxDir)),
			Root:       b.cfg.Root,
		})
		b.add(dockerfileChecks(d)...)
	}
}

func gitChecks(r *config.Repository) []check.Check {
	return []check.Check{
		config.GitEnvHistory(r, config.GitEnvHistoryOptions{}),
		config.GitEnvIgnored(r, config.GitEnvIgnoredOptions{}),
		config.GitEnvTracked(r, config.GitEnvTrackedOptions{}),
		config.GitSecrets(r, config.GitSecretsOptions{}),
	}
}

func (b *builder) git() {
	if len(b.cfg.Git) == 0 {
		b.add(skipped(notConfigured("targets.git"), gitChecks(config.Repo(config.RepoOptions{}))...)...)
		return
	}
	for _, g := range b.cfg.Git {
		// Named as prodcheck.yaml names it, not by the absolute path.
		b.add(retarget(gitChecks(config.Repo(config.RepoOptions{Dir: filepath.Join(b.cfg.Root, filepath.FromSlash(g))})), g)...)
	}
}

func envChecks(s *config.EnvSource, values config.Values) []check.Check {
	return []check.Check{
		config.EnvExists(s, config.EnvExistsOptions{}),
		config.EnvComplete(s, config.EnvCompleteOptions{}),
		config.EnvDocumented(s, config.EnvDocumentedOptions{}),
		config.EnvExtraKeys(s, config.EnvExtraKeysOptions{}),
		config.EnvPlaceholders(s, config.EnvPlaceholdersOptions{}),
		config.SecretsManaged(s, config.SecretsManagedOptions{}),
		config.SecretStrength(values, config.SecretStrengthOptions{}),
	}
}

func (b *builder) env() {
	if len(b.cfg.Env) == 0 {
		s := config.Env(config.EnvOptions{})
		b.add(skipped(notConfigured("targets.env"), envChecks(s, config.EnvFile(".env", "."))...)...)
		return
	}
	for _, t := range b.cfg.Env {
		dir, file := path.Split(t.Path)
		example := t.Example
		if example != "" && dir != "" {
			// Example is relative to the env file's directory.
			if rel, ok := strings.CutPrefix(example, dir); ok {
				example = rel
			}
		}
		s := config.Env(config.EnvOptions{
			Dir:        filepath.Join(b.cfg.Root, filepath.FromSlash(dir)),
			DisplayDir: path.Clean("./" + dir), // "." for the root
			Root:       b.cfg.Root,
			File:       file,
			Example:    example,
		})
		b.add(retarget(envChecks(s, config.EnvFile(filepath.Join(b.cfg.Root, filepath.FromSlash(t.Path)), b.cfg.Root)), t.Path)...)
	}
}

func pgOptions(o CheckOptions) postgres.Options {
	opts := postgres.Options{
		MinTLSVersion:     o.PGMinTLSVersion,
		AllowListenAll:    o.PGAllowListenAll,
		MinStandbys:       o.PGMinStandbys,
		MaxReplicationLag: o.PGMaxLag,
		MaxBackupAge:      o.PGMaxBackupAge,
		SlowQueryMean:     o.PGSlowMean,
		SlowQueryMinCalls: o.PGSlowMinCalls,
		MaxConnectionUse:  o.PGMaxConnectionUse,
	}
	return opts
}

func (b *builder) databases() {
	opts := pgOptions(b.cfg.Checks)
	opts.Backup = b.backupEvidence()
	opts.Now = b.opts.Now
	const placeholder = "postgres://app@127.0.0.1:1/app"
	if len(b.cfg.Databases) == 0 {
		b.add(skipped(notConfigured("targets.databases"), dbChecks(placeholder, DatabaseTarget{Engine: "postgres", MustBePrivate: true}, opts)...)...)
	}
	servers := map[string]*postgres.Server{}
	for _, t := range b.cfg.Databases {
		dsn := b.opts.Getenv(t.DSNEnv)
		if dsn == "" {
			b.add(stand(unsetDSN("targets.databases", t), t.Name+" ($"+t.DSNEnv+")", dbChecks(placeholder, t, opts))...)
			continue
		}
		s := postgres.Open(dsn, opts)
		servers[t.Name] = s
		b.add(database.DSN(dsn, database.DSNOptions{Engine: t.Engine, MustBePrivate: t.MustBePrivate})...)
		b.add(postgres.Checks(s)...)
	}

	if len(b.cfg.PgBouncer) == 0 {
		// (The DSN checks' placeholders are the databases' ones.)
		b.add(skipped(notConfigured("targets.pgbouncer"), postgres.BouncerChecks(postgres.OpenBouncer(placeholder, postgres.BouncerOptions{}))...)...)
	}
	for _, t := range b.cfg.PgBouncer {
		bo := postgres.BouncerOptions{PoolMode: t.PoolMode, MaxServerConnections: t.MaxServerConnections}
		if t.Backend != "" {
			bo.Backend = servers[t.Backend]
		}
		dsn := b.opts.Getenv(t.DSNEnv)
		if dsn == "" {
			b.add(stand(unsetDSN("targets.pgbouncer", t), t.Name+" ($"+t.DSNEnv+")", bouncerChecks(placeholder, t, bo))...)
			continue
		}
		b.add(bouncerChecks(dsn, t, bo)...)
	}
}

// backupEvidence is the evidence source checks.postgres.backup.recent
// names, or nil.
func (b *builder) backupEvidence() postgres.BackupEvidence {
	o := b.cfg.Checks
	abs := func(p string) string { return filepath.Join(b.cfg.Root, filepath.FromSlash(p)) }
	switch {
	case o.PGBackupDir != "":
		return postgres.BackupDir(abs(o.PGBackupDir), o.PGBackupPattern)
	case o.PGBackRestInfo != "":
		return postgres.PgBackRestInfo(abs(o.PGBackRestInfo))
	case o.PGWALGInfo != "":
		return postgres.WALGInfo(abs(o.PGWALGInfo))
	}
	return nil
}

// checkBackup: the backup check names one evidence source at most.
func checkBackup(cfg *Config) error {
	n := 0
	for _, p := range []string{cfg.Checks.PGBackupDir, cfg.Checks.PGBackRestInfo, cfg.Checks.PGWALGInfo} {
		if p != "" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("checklist: checks.postgres.backup.recent: name one evidence source: dir, pgbackrest_info or walg_info")
	}
	return nil
}

// checkBackends: every pgbouncer backend names a targets.databases entry.
func checkBackends(cfg *Config) error {
	names := map[string]bool{}
	for _, t := range cfg.Databases {
		names[t.Name] = true
	}
	for _, t := range cfg.PgBouncer {
		if t.Backend != "" && !names[t.Backend] {
			return fmt.Errorf("checklist: targets.pgbouncer %q: backend %q names no targets.databases entry (its name, or its dsn_env when unnamed)", t.Name, t.Backend)
		}
	}
	return nil
}

func unsetDSN(key string, t DatabaseTarget) check.Result {
	return check.Errorf("checklist: %s %q: environment variable %s is not set: export the DSN there", key, t.Name, t.DSNEnv)
}

// dbChecks are the checks of one PostgreSQL database: its DSN, read
// offline, and the live server.
func dbChecks(dsn string, t DatabaseTarget, opts postgres.Options) []check.Check {
	cs := database.DSN(dsn, database.DSNOptions{Engine: "postgres", MustBePrivate: t.MustBePrivate})
	return append(cs, postgres.Checks(postgres.Open(dsn, opts))...)
}

// bouncerChecks are the checks of one pgBouncer: its DSN, read offline,
// and its admin console.
func bouncerChecks(dsn string, t DatabaseTarget, bo postgres.BouncerOptions) []check.Check {
	cs := database.DSN(dsn, database.DSNOptions{Engine: "postgres", MustBePrivate: t.MustBePrivate})
	return append(cs, postgres.BouncerChecks(postgres.OpenBouncer(dsn, bo))...)
}

func (b *builder) docs() {
	d := b.cfg.Docs
	root := b.cfg.Root
	if d.OpenAPI != "" {
		b.add(OpenAPIDocument(root, d.OpenAPI))
	} else {
		b.add(skipped(notConfigured("targets.docs.openapi"), OpenAPIDocument(root, "openapi.yaml"))...)
	}
	for _, doc := range []struct{ id, key, path string }{
		{"docs.runbook", "runbook", d.Runbook},
		{"docs.architecture", "architecture", d.Architecture},
		{"docs.incident-response", "incident_response", d.IncidentResponse},
		{"docs.rollback-plan", "rollback_plan", d.RollbackPlan},
	} {
		item := b.itemServedBy(doc.id)
		if doc.path != "" {
			b.add(MarkdownDocument(doc.id, item.Text, root, doc.path))
			continue
		}
		b.add(skipped(notConfigured("targets.docs."+doc.key), MarkdownDocument(doc.id, item.Text, root, doc.key+".md"))...)
		b.fallbackFor(item)
	}
}

// itemServedBy returns the first item whose checks include id.
func (b *builder) itemServedBy(id string) Item {
	for _, it := range b.items {
		if servedBy(it, id) {
			return it
		}
	}
	return Item{}
}

func servedBy(it Item, id string) bool {
	for _, p := range it.Checks {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// fallbackFor records that it's attestation stands in for its checks.
func (b *builder) fallbackFor(it Item) {
	if it.Fallback() == "" {
		return
	}
	if b.fallback == nil {
		b.fallback = map[string]bool{}
	}
	b.fallback[it.ID] = true
}

func (b *builder) mfa() {
	t := b.cfg.MFA
	item := b.itemServedBy("security.mfa.enforced")
	switch {
	case t == nil:
		b.add(skipped(notConfigured("targets.mfa"), config.MFAChallenge(placeholderURL, config.MFAOptions{Body: []byte("{}")}))...)
		b.fallbackFor(item)
	case !b.cfg.Probe("login"):
		b.add(skipped(optIn("login"), config.MFAChallenge(t.ChallengeURL, config.MFAOptions{Body: []byte("{}")}))...)
		b.fallbackFor(item)
	default:
		body := b.opts.Getenv(t.BodyEnv)
		c := config.MFAChallenge(t.ChallengeURL, config.MFAOptions{Client: b.opts.HTTPClient, Body: []byte(body)})
		if body == "" {
			res := check.Errorf("checklist: targets.mfa: environment variable %s is not set: export the test account's login body there", t.BodyEnv)
			b.add(stand(res, c.Meta().Target, []check.Check{c})...)
			return
		}
		b.add(c)
	}
}

// unconfigurable adds, as skips, the checks prodcheck.yaml cannot
// configure yet, so that their lines stay visible.
func (b *builder) unconfigurable() {
	why := "not configurable in prodcheck.yaml yet: run it from Go (package checks/config)"
	b.add(skipped(why,
		config.PasswordPolicy(config.Policy{}, config.PasswordPolicyOptions{}),
		config.PasswordSignupProbe(placeholderURL, config.SignupProbeOptions{Body: func(string, string) []byte { return nil }, UsernamePattern: "probe-{n}@example.test"}),
		config.KeyRotation(config.FileModTime(nil, "."), config.KeyRotationOptions{}),
	)...)
}

func (b *builder) attestOptions() AttestOptions {
	return AttestOptions{Root: b.cfg.Root, File: b.cfg.Attestations, Now: b.opts.Now}
}

func (b *builder) checklistItems() {
	var attested []Item
	for _, it := range b.items {
		switch {
		case it.Kind == NotAutomated:
			b.add(it.Placeholder())
		case it.Kind == Attested, b.fallback[it.ID]:
			attested = append(attested, it)
		}
	}
	b.add(AttestationChecks(attested, b.attestOptions())...)
}

// order sorts the checks by the first checklist line they serve (stable),
// so that a report in run order reads like the checklist.
func (b *builder) order() {
	line := func(c check.Check) int {
		id := c.Meta().ID
		for _, it := range b.items {
			if servedBy(it, id) {
				return it.Line
			}
		}
		return 1 << 30
	}
	lines := make(map[check.Check]int, len(b.checks))
	for _, c := range b.checks {
		lines[c] = line(c)
	}
	slices.SortStableFunc(b.checks, func(x, y check.Check) int { return lines[x] - lines[y] })
}

// Line is one checklist line in a [Summary]: its item, and the worst
// status of the outcomes that serve it.
type Line struct {
	Item Item
	// Status is the worst status among the line's outcomes that are
	// neither skipped nor waived; Skip when all are skipped or waived;
	// StatusUnknown when no outcome serves it (filtered out of the run).
	Status check.Status
	// Outcomes counts the outcomes serving the line; Waived those a
	// waiver accepted.
	Outcomes, Waived int
	// served are the indexes in the report of the outcomes serving it.
	served []int
}

// Summary counts every checklist line by kind and by status, so that none
// drops silently.
type Summary struct {
	Lines    []Line
	ByKind   map[Kind]int
	ByStatus map[check.Status]int
}

// Summarize maps the outcomes of rep onto items (each outcome serves the
// items whose Checks match its ID).
func Summarize(items []Item, rep *check.Report) Summary {
	s := Summary{ByKind: map[Kind]int{}, ByStatus: map[check.Status]int{}}
	for _, it := range items {
		l := Line{Item: it}
		for i, o := range rep.Outcomes {
			if !servedBy(it, o.Meta.ID) {
				continue
			}
			l.served = append(l.served, i)
			l.Outcomes++
			st := o.Result.Status
			if o.Waived() {
				l.Waived++
				st = check.StatusSkip
			}
			if st == check.StatusSkip {
				if l.Status == check.StatusUnknown {
					l.Status = check.StatusSkip
				}
				continue
			}
			if l.Status == check.StatusSkip || st > l.Status {
				l.Status = st
			}
		}
		s.Lines = append(s.Lines, l)
		s.ByKind[it.Kind]++
		s.ByStatus[l.Status]++
	}
	return s
}
