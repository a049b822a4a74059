package checklist

import (
	"errors"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// DefaultConfigFile is the name `prodcheck run` and `prodcheck init` use
// when no -c flag names another.
const DefaultConfigFile = "prodcheck.yaml"

// ConfigVersion is the only `version:` a configuration may declare.
const ConfigVersion = 1

// Probes are the opt-in active probes a configuration may list under
// `probes:`. Nothing active runs unless it is listed:
//
//	ratelimit  security.ratelimit.enforced: a burst of GETs to each URL
//	input      security.input.*: malformed requests to each URL
//	sqli       security.sqli.*: SQL injection payloads in each URL's query
//	xss        security.xss.reflected: a reflected-XSS canary per parameter
//	jwt        security.jwt.enforced: forged tokens to each URL
//	latency    performance.latency.*: a latency sample of each URL
//	login      security.mfa.enforced: one real login of a test account
var Probes = []string{"ratelimit", "input", "sqli", "xss", "jwt", "latency", "login"}

// Config is a parsed prodcheck.yaml: what to check (targets), how (per-check
// options, severity overrides, waivers, opt-in probes) and what fails the
// run (fail_on, strict). Every path in it is relative to Root.
//
// A minimal file:
//
//	version: 1
//	targets:
//	  compose: [compose.yaml]
//	  dockerfiles: [api/Dockerfile]
//	  urls: [https://shop.example.com/]
//	  databases:
//	    - {name: main, engine: postgres, dsn_env: DATABASE_URL}
//	fail_on: high
//
// Every target kind is a list, and every outcome names its target. A target
// kind left out makes each of its checks Skip with "not configured: add
// targets.KIND to prodcheck.yaml", so no checklist line drops silently.
// Secrets are never written in the file: a database is named by the
// environment variable holding its DSN (dsn_env), and a literal `dsn:` is
// refused.
type Config struct {
	// Root is the project directory, absolute: every path of the file is
	// relative to it, and every read is confined to it.
	Root string
	// File is the configuration file, relative to Root.
	File string
	// Version is `version:`, always ConfigVersion.
	Version int

	// targets:
	URLs        []URLTarget        // targets.urls
	TLS         []string           // targets.tls: host:port endpoints
	Compose     []ComposeTarget    // targets.compose
	Dockerfiles []DockerfileTarget // targets.dockerfiles
	Git         []string           // targets.git: repository directories
	Env         []EnvTarget        // targets.env
	Databases   []DatabaseTarget   // targets.databases
	PgBouncer   []DatabaseTarget   // targets.pgbouncer: poolers, by DSN
	Docs        DocsTarget         // targets.docs
	MFA         *MFATarget         // targets.mfa; nil when absent
	// Attestations is targets.attestations: the attestation file; ""
	// means attestations.yaml.
	Attestations string

	// Checks holds the per-check options of `checks:`.
	Checks CheckOptions
	// Overrides come from `severity:` (ID glob → severity).
	Overrides []check.Override
	// Waivers come from `waivers:`.
	Waivers []check.Waiver
	// Probes are the opt-in active probes listed under `probes:`.
	Probes []string
	// FailOn is `fail_on:`, the lowest severity of a failure that fails
	// the run; SeverityUnset when absent (every failure counts).
	FailOn check.Severity
	// Strict is `strict:`: warnings fail the run too, so does every
	// "not yet automated" line.
	Strict bool
}

// Probe reports whether the active probe name is listed under `probes:`.
func (c *Config) Probe(name string) bool { return slices.Contains(c.Probes, name) }

// URLTarget is one entry of targets.urls: a plain URL, or a mapping
// {url: ..., list: true} for an endpoint that returns a list (its
// pagination is checked too).
type URLTarget struct {
	URL  string
	List bool
}

// ComposeTarget is one compose project: one file, or a list of files merged
// in order (`docker compose -f a -f b`), or a mapping {files: [...],
// one_shot: [migrate]} naming services that run to completion.
type ComposeTarget struct {
	Files   []string
	OneShot []string
}

// DockerfileTarget is one Dockerfile: a path, or {path: ..., context: ...}.
type DockerfileTarget struct {
	Path    string
	Context string // "" means the Dockerfile's directory
}

// EnvTarget is one environment file and the example that documents it:
// {path: .env, example: .env.production.example}.
type EnvTarget struct {
	Path    string
	Example string // "" means .env.production.example, else .env.example
}

// DatabaseTarget is one database (targets.databases) or connection pooler
// (targets.pgbouncer). Its DSN is read from the environment variable DSNEnv
// when the checks are built; it is never written in the file.
type DatabaseTarget struct {
	Name          string // how outcomes name it when the DSN is unset
	Engine        string // "postgres" (databases); pgbouncer is postgres
	DSNEnv        string
	MustBePrivate bool // the host must not be a public address

	// For targets.pgbouncer only (the DSN names the admin console, the
	// database "pgbouncer"):
	// PoolMode is the pool_mode expected; "" means transaction.
	PoolMode string
	// Backend is the name of the targets.databases entry behind the
	// bouncer: its max_connections bounds the pools.
	Backend string
	// MaxServerConnections is the server's capacity when no Backend is
	// named.
	MaxServerConnections int
}

// DocsTarget holds the documentation paths of targets.docs.
type DocsTarget struct {
	OpenAPI          string
	Runbook          string
	Architecture     string
	IncidentResponse string
	RollbackPlan     string
}

// MFATarget is targets.mfa: the login endpoint of a test account, and the
// environment variable that holds the login request body (credentials stay
// out of the file). The probe `login` must be listed for it to run.
type MFATarget struct {
	ChallengeURL string
	BodyEnv      string
}

// CheckOptions are the per-check options of `checks:`, keyed by check ID:
//
//	checks:
//	  security.headers.grade:        {min_grade: A}
//	  security.tls.cert.expiry:      {warn_before: 30d}
//	  security.tls.protocols.tls12:  {tls13_only: true}
//	  security.ratelimit.enforced:   {burst: 200}
//	  performance.latency.p95:       {budget: 300ms, requests: 200}
//	  postgres.replication.primary:  {min_standbys: 2}
//	  postgres.replication.standby:  {max_lag: 30s}
//	  postgres.access.listen:        {allow_listen_all: true}
//	  postgres.backup.recent:        {max_age: 26h, dir: backups, pattern: "*.dump"}
//	                                 (or pgbackrest_info / walg_info: a file holding
//	                                 `pgbackrest info --output=json` or
//	                                 `wal-g backup-list --json --detail`)
//	  postgres.queries.slow:         {mean: 250ms, min_calls: 50}
//	  postgres.connections.use:      {max: 0.9}
//	  postgres.tls.server:           {min_version: TLSv1.3}
//
// Durations take Go's units plus d for days ("30d"). Zero fields mean the
// check's own production default.
type CheckOptions struct {
	HeadersMinGrade    string
	TLSExpiryWarn      time.Duration
	TLS13Only          bool
	RateLimitBurst     int
	LatencyP95         time.Duration
	LatencyRequests    int
	PGMinStandbys      int
	PGMaxLag           time.Duration
	PGAllowListenAll   bool
	PGMaxBackupAge     time.Duration
	PGBackupDir        string
	PGBackupPattern    string
	PGBackRestInfo     string // a file holding `pgbackrest info --output=json`
	PGWALGInfo         string // a file holding `wal-g backup-list --json --detail`
	PGSlowMean         time.Duration
	PGSlowMinCalls     int64
	PGMaxConnectionUse float64
	PGMinTLSVersion    string
}

// LoadConfig reads the configuration file path (relative to root, or
// absolute below it) through the guarded reader: confined to root, regular
// files only, size-capped. It is strict: an unknown key, a wrong type, a
// literal DSN, a malformed date or severity is an error, and every error
// names file:line:col and the key, never the value. Several problems are
// reported together.
func LoadConfig(root, path string) (*Config, error) {
	if path == "" {
		path = DefaultConfigFile
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("checklist: config: %w", err)
	}
	r, err := guard.New(guard.Options{Root: abs})
	if err != nil {
		return nil, fmt.Errorf("checklist: config: %w", err)
	}
	defer r.Close()
	rel, err := r.Rel(path, path)
	if err != nil {
		return nil, fmt.Errorf("checklist: config: %w", err)
	}
	display := filepath.ToSlash(rel)
	data, err := r.ReadFile(rel, display)
	if err != nil {
		return nil, fmt.Errorf("checklist: config: %w", err)
	}
	return ParseConfig(abs, display, data)
}

// ParseConfig parses data, the content of the file named file (relative to
// root), with the rules of [LoadConfig].
func ParseConfig(root, file string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("checklist: config %s: %s", file, yamlMessage(err))
	}
	cfg := &Config{Root: root, File: file}
	d := &decoder{file: file}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("checklist: config %s: empty file: it needs at least `version: 1`", file)
	}
	d.top(doc.Content[0], cfg)
	if err := errors.Join(d.errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// yamlMessage keeps the parser's line and reason, which yaml.v3 states
// without quoting the document ("yaml: line 3: mapping values are not
// allowed in this context").
func yamlMessage(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

type decoder struct {
	file string
	errs []error
}

// errf records an error at n, naming the key path.
func (d *decoder) errf(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("checklist: config %s:%d:%d: %s: %s", d.file, n.Line, n.Column, key, fmt.Sprintf(format, args...)))
}

type fieldFunc func(key string, v *yaml.Node)

// mapping walks a mapping node, calling the handler of each known key and
// reporting unknown and repeated keys.
func (d *decoder) mapping(n *yaml.Node, key string, fields map[string]fieldFunc) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, key, "want a mapping (key: value), found %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		full := join(key, name)
		if seen[name] {
			d.errf(k, full, "repeated key")
			continue
		}
		seen[name] = true
		f, ok := fields[name]
		if !ok {
			d.errf(k, full, "unknown key (known: %s)", knownKeys(fields))
			continue
		}
		f(full, v)
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func knownKeys(fields map[string]fieldFunc) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a scalar"
}

// list calls each for every element of a sequence node; a scalar counts as
// a one-element list.
func (d *decoder) list(n *yaml.Node, key string, each func(key string, v *yaml.Node)) {
	switch n.Kind {
	case yaml.SequenceNode:
		for i, v := range n.Content {
			each(key+"["+strconv.Itoa(i)+"]", v)
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return
		}
		each(key, n)
	default:
		d.errf(n, key, "want a list, found %s", kindName(n))
	}
}

func (d *decoder) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errf(n, key, "want a string, found %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) setStr(dst *string) fieldFunc {
	return func(key string, v *yaml.Node) {
		if s, ok := d.str(v, key); ok {
			*dst = s
		}
	}
}

func (d *decoder) setPath(dst *string) fieldFunc {
	return func(key string, v *yaml.Node) {
		if s, ok := d.path(v, key); ok {
			*dst = s
		}
	}
}

// path reads a relative path that stays below the project root.
func (d *decoder) path(n *yaml.Node, key string) (string, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return "", false
	}
	if s == "" || filepath.IsAbs(s) || strings.HasPrefix(s, "/") {
		d.errf(n, key, "want a path relative to the project directory")
		return "", false
	}
	if c := path.Clean(filepath.ToSlash(s)); c == ".." || strings.HasPrefix(c, "../") {
		d.errf(n, key, "the path leaves the project directory")
		return "", false
	}
	return filepath.ToSlash(s), true
}

func (d *decoder) setBool(dst *bool) fieldFunc {
	return func(key string, v *yaml.Node) {
		var b bool
		if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
			d.errf(v, key, "want true or false")
			return
		}
		*dst = b
	}
}

func (d *decoder) setInt(dst *int, lo, hi int) fieldFunc {
	return func(key string, v *yaml.Node) {
		var i int
		if v.Kind != yaml.ScalarNode || v.Decode(&i) != nil || i < lo || i > hi {
			d.errf(v, key, "want a whole number from %d to %d", lo, hi)
			return
		}
		*dst = i
	}
}

func (d *decoder) setFloat(dst *float64, lo, hi float64) fieldFunc {
	return func(key string, v *yaml.Node) {
		var f float64
		if v.Kind != yaml.ScalarNode || v.Decode(&f) != nil || math.IsNaN(f) || f < lo || f > hi {
			d.errf(v, key, "want a number from %g to %g", lo, hi)
			return
		}
		*dst = f
	}
}

func (d *decoder) setDuration(dst *time.Duration) fieldFunc {
	return func(key string, v *yaml.Node) {
		s, ok := d.str(v, key)
		if !ok {
			return
		}
		dur, err := parseDuration(s)
		if err != nil || dur <= 0 {
			d.errf(v, key, "want a positive duration such as 90s, 15m, 26h or 30d")
			return
		}
		*dst = dur
	}
}

// parseDuration accepts Go durations and a whole number of days ("30d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, errors.New("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// date reads 2027-03-01 (midnight UTC) or an RFC 3339 time.
func (d *decoder) date(n *yaml.Node, key string) (time.Time, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	d.errf(n, key, "want a date such as 2027-03-01 (or an RFC 3339 time)")
	return time.Time{}, false
}

func (d *decoder) severity(n *yaml.Node, key string) (check.Severity, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return check.SeverityUnset, false
	}
	sev, err := check.ParseSeverity(s)
	if err != nil || !sev.Valid() {
		d.errf(n, key, "want a severity: info, low, medium, high or critical")
		return check.SeverityUnset, false
	}
	return sev, true
}

func (d *decoder) top(n *yaml.Node, cfg *Config) {
	versionSeen := false
	d.mapping(n, "", map[string]fieldFunc{
		"version": func(key string, v *yaml.Node) {
			versionSeen = true
			var i int
			if v.Kind != yaml.ScalarNode || v.Decode(&i) != nil || i != ConfigVersion {
				d.errf(v, key, "want %d, the only version this prodcheck reads", ConfigVersion)
				return
			}
			cfg.Version = i
		},
		"targets":  func(key string, v *yaml.Node) { d.targets(v, key, cfg) },
		"checks":   func(key string, v *yaml.Node) { d.checkOptions(v, key, &cfg.Checks) },
		"severity": func(key string, v *yaml.Node) { d.overrides(v, key, cfg) },
		"waivers":  func(key string, v *yaml.Node) { d.list(v, key, func(k string, e *yaml.Node) { d.waiver(e, k, cfg) }) },
		"probes": func(key string, v *yaml.Node) {
			d.list(v, key, func(k string, e *yaml.Node) {
				s, ok := d.str(e, k)
				if !ok {
					return
				}
				if !slices.Contains(Probes, s) {
					d.errf(e, k, "unknown probe (known: %s)", strings.Join(Probes, ", "))
					return
				}
				if !slices.Contains(cfg.Probes, s) {
					cfg.Probes = append(cfg.Probes, s)
				}
			})
		},
		"fail_on": func(key string, v *yaml.Node) {
			if sev, ok := d.severity(v, key); ok {
				cfg.FailOn = sev
			}
		},
		"strict": d.setBool(&cfg.Strict),
	})
	if !versionSeen && n.Kind == yaml.MappingNode {
		d.errf(n, "version", "missing: start the file with `version: 1`")
	}
}

func (d *decoder) targets(n *yaml.Node, key string, cfg *Config) {
	d.mapping(n, key, map[string]fieldFunc{
		"urls": func(k string, v *yaml.Node) { d.list(v, k, func(k string, e *yaml.Node) { d.url(e, k, cfg) }) },
		"tls": func(k string, v *yaml.Node) {
			d.list(v, k, func(k string, e *yaml.Node) {
				if s, ok := d.str(e, k); ok {
					if _, port, err := splitHostPort(s); err != nil || port == "" {
						d.errf(e, k, "want host:port, such as shop.example.com:443")
						return
					}
					cfg.TLS = append(cfg.TLS, s)
				}
			})
		},
		"compose":     func(k string, v *yaml.Node) { d.list(v, k, func(k string, e *yaml.Node) { d.compose(e, k, cfg) }) },
		"dockerfiles": func(k string, v *yaml.Node) { d.list(v, k, func(k string, e *yaml.Node) { d.dockerfile(e, k, cfg) }) },
		"git": func(k string, v *yaml.Node) {
			d.list(v, k, func(k string, e *yaml.Node) {
				if s, ok := d.path(e, k); ok {
					cfg.Git = append(cfg.Git, s)
				}
			})
		},
		"env": func(k string, v *yaml.Node) {
			d.list(v, k, func(k string, e *yaml.Node) {
				var t EnvTarget
				if e.Kind == yaml.ScalarNode {
					if s, ok := d.path(e, k); ok {
						cfg.Env = append(cfg.Env, EnvTarget{Path: s})
					}
					return
				}
				d.mapping(e, k, map[string]fieldFunc{"path": d.setPath(&t.Path), "example": d.setPath(&t.Example)})
				if t.Path == "" {
					d.errf(e, k, "missing path")
					return
				}
				cfg.Env = append(cfg.Env, t)
			})
		},
		"databases": func(k string, v *yaml.Node) {
			d.list(v, k, func(k string, e *yaml.Node) { d.database(e, k, &cfg.Databases, true) })
		},
		"pgbouncer": func(k string, v *yaml.Node) {
			d.list(v, k, func(k string, e *yaml.Node) { d.database(e, k, &cfg.PgBouncer, false) })
		},
		"docs": func(k string, v *yaml.Node) {
			t := &cfg.Docs
			d.mapping(v, k, map[string]fieldFunc{
				"openapi":           d.setPath(&t.OpenAPI),
				"runbook":           d.setPath(&t.Runbook),
				"architecture":      d.setPath(&t.Architecture),
				"incident_response": d.setPath(&t.IncidentResponse),
				"rollback_plan":     d.setPath(&t.RollbackPlan),
			})
		},
		"mfa": func(k string, v *yaml.Node) {
			t := &MFATarget{}
			d.mapping(v, k, map[string]fieldFunc{
				"challenge_url": func(k string, v *yaml.Node) {
					if s, ok := d.str(v, k); ok && d.httpURL(v, k, s) {
						t.ChallengeURL = s
					}
				},
				"body_env": d.envName(&t.BodyEnv),
			})
			if t.ChallengeURL == "" || t.BodyEnv == "" {
				d.errf(v, k, "needs challenge_url and body_env (the variable holding a test account's login body)")
				return
			}
			cfg.MFA = t
		},
		"attestations": d.setPath(&cfg.Attestations),
	})
}

func splitHostPort(s string) (string, string, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || strings.Contains(s, "/") {
		return "", "", errors.New("no port")
	}
	if _, err := strconv.ParseUint(s[i+1:], 10, 16); err != nil {
		return "", "", err
	}
	return s[:i], s[i+1:], nil
}

func (d *decoder) httpURL(n *yaml.Node, key, s string) bool {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		d.errf(n, key, "want an http:// or https:// URL")
		return false
	}
	if strings.Contains(strings.SplitN(strings.SplitN(s, "://", 2)[1], "/", 2)[0], "@") {
		d.errf(n, key, "credentials in a URL are refused: pass them through the environment")
		return false
	}
	return true
}

func (d *decoder) url(n *yaml.Node, key string, cfg *Config) {
	var t URLTarget
	if n.Kind == yaml.ScalarNode {
		if s, ok := d.str(n, key); ok && d.httpURL(n, key, s) {
			cfg.URLs = append(cfg.URLs, URLTarget{URL: s})
		}
		return
	}
	d.mapping(n, key, map[string]fieldFunc{
		"url": func(k string, v *yaml.Node) {
			if s, ok := d.str(v, k); ok && d.httpURL(v, k, s) {
				t.URL = s
			}
		},
		"list": d.setBool(&t.List),
	})
	if t.URL == "" {
		d.errf(n, key, "missing url")
		return
	}
	cfg.URLs = append(cfg.URLs, t)
}

func (d *decoder) compose(n *yaml.Node, key string, cfg *Config) {
	var t ComposeTarget
	files := func(k string, v *yaml.Node) {
		d.list(v, k, func(k string, e *yaml.Node) {
			if s, ok := d.path(e, k); ok {
				t.Files = append(t.Files, s)
			}
		})
	}
	switch n.Kind {
	case yaml.MappingNode:
		d.mapping(n, key, map[string]fieldFunc{
			"files": files,
			"one_shot": func(k string, v *yaml.Node) {
				d.list(v, k, func(k string, e *yaml.Node) {
					if s, ok := d.str(e, k); ok {
						t.OneShot = append(t.OneShot, s)
					}
				})
			},
		})
	default:
		files(key, n)
	}
	if len(t.Files) == 0 {
		d.errf(n, key, "no compose file named")
		return
	}
	cfg.Compose = append(cfg.Compose, t)
}

func (d *decoder) dockerfile(n *yaml.Node, key string, cfg *Config) {
	var t DockerfileTarget
	if n.Kind == yaml.ScalarNode {
		if s, ok := d.path(n, key); ok {
			cfg.Dockerfiles = append(cfg.Dockerfiles, DockerfileTarget{Path: s})
		}
		return
	}
	d.mapping(n, key, map[string]fieldFunc{"path": d.setPath(&t.Path), "context": d.setPath(&t.Context)})
	if t.Path == "" {
		d.errf(n, key, "missing path")
		return
	}
	cfg.Dockerfiles = append(cfg.Dockerfiles, t)
}

func (d *decoder) envName(dst *string) fieldFunc {
	return func(key string, v *yaml.Node) {
		s, ok := d.str(v, key)
		if !ok {
			return
		}
		if s == "" || strings.ContainsFunc(s, func(r rune) bool {
			return r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9')
		}) {
			d.errf(v, key, "want an environment variable name such as DATABASE_URL")
			return
		}
		*dst = s
	}
}

func (d *decoder) database(n *yaml.Node, key string, dst *[]DatabaseTarget, engine bool) {
	t := DatabaseTarget{Engine: "postgres"}
	fields := map[string]fieldFunc{
		"name":            d.setStr(&t.Name),
		"dsn_env":         d.envName(&t.DSNEnv),
		"must_be_private": d.setBool(&t.MustBePrivate),
		"dsn": func(k string, v *yaml.Node) {
			d.errf(v, k, "a DSN is never written in prodcheck.yaml: put it in an environment variable and name it with dsn_env")
		},
	}
	if !engine {
		fields["pool_mode"] = func(k string, v *yaml.Node) {
			if m, ok := d.str(v, k); ok {
				if m != "session" && m != "transaction" && m != "statement" {
					d.errf(v, k, "unknown pool mode (want session, transaction or statement)")
					return
				}
				t.PoolMode = m
			}
		}
		fields["backend"] = d.setStr(&t.Backend)
		fields["max_server_connections"] = d.setInt(&t.MaxServerConnections, 1, 1_000_000)
	}
	if engine {
		fields["engine"] = func(k string, v *yaml.Node) {
			if s, ok := d.str(v, k); ok {
				if s != "postgres" && s != "postgresql" {
					d.errf(v, k, "unsupported engine (supported: postgres)")
					return
				}
				t.Engine = "postgres"
			}
		}
	}
	before := len(d.errs)
	d.mapping(n, key, fields)
	if len(d.errs) > before {
		return
	}
	if t.DSNEnv == "" {
		d.errf(n, key, "missing dsn_env: the environment variable that holds the DSN")
		return
	}
	if t.Name == "" {
		t.Name = t.DSNEnv
	}
	*dst = append(*dst, t)
}

func (d *decoder) overrides(n *yaml.Node, key string, cfg *Config) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, key, "want a mapping of check ID (or glob) to severity")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		full := join(key, k.Value)
		if _, err := path.Match(k.Value, ""); err != nil || k.Value == "" {
			d.errf(k, full, "malformed check ID pattern")
			continue
		}
		if sev, ok := d.severity(v, full); ok {
			cfg.Overrides = append(cfg.Overrides, check.Override{ID: k.Value, Severity: sev})
		}
	}
}

func (d *decoder) waiver(n *yaml.Node, key string, cfg *Config) {
	var w check.Waiver
	before := len(d.errs)
	d.mapping(n, key, map[string]fieldFunc{
		"id":       d.setStr(&w.ID),
		"target":   d.setStr(&w.Target),
		"location": d.setStr(&w.Location),
		"reason":   d.setStr(&w.Reason),
		"approver": d.setStr(&w.Approver),
		"expires": func(k string, v *yaml.Node) {
			if t, ok := d.date(v, k); ok {
				w.Expires = t
			}
		},
	})
	if len(d.errs) > before {
		return
	}
	if err := w.Validate(); err != nil {
		// Validate names the ID pattern, which is the waiver's own key.
		d.errf(n, key, "%s", strings.TrimPrefix(err.Error(), "check: "))
		return
	}
	cfg.Waivers = append(cfg.Waivers, w)
}

func (d *decoder) checkOptions(n *yaml.Node, key string, o *CheckOptions) {
	opts := map[string]map[string]fieldFunc{
		"security.headers.grade": {"min_grade": func(k string, v *yaml.Node) {
			if s, ok := d.str(v, k); ok {
				if !slices.Contains([]string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}, s) {
					d.errf(v, k, "want a grade from A+ to F")
					return
				}
				o.HeadersMinGrade = s
			}
		}},
		"security.tls.cert.expiry":     {"warn_before": d.setDuration(&o.TLSExpiryWarn)},
		"security.tls.protocols.tls12": {"tls13_only": d.setBool(&o.TLS13Only)},
		"security.ratelimit.enforced":  {"burst": d.setInt(&o.RateLimitBurst, 1, 1000)},
		"performance.latency.p95": {
			"budget":   d.setDuration(&o.LatencyP95),
			"requests": d.setInt(&o.LatencyRequests, 1, 10_000),
		},
		"postgres.replication.primary": {"min_standbys": d.setInt(&o.PGMinStandbys, -1, 100)},
		"postgres.replication.standby": {"max_lag": d.setDuration(&o.PGMaxLag)},
		"postgres.access.listen":       {"allow_listen_all": d.setBool(&o.PGAllowListenAll)},
		"postgres.backup.recent": {
			"max_age":         d.setDuration(&o.PGMaxBackupAge),
			"dir":             d.setPath(&o.PGBackupDir),
			"pattern":         d.setStr(&o.PGBackupPattern),
			"pgbackrest_info": d.setPath(&o.PGBackRestInfo),
			"walg_info":       d.setPath(&o.PGWALGInfo),
		},
		"postgres.queries.slow": {
			"mean": d.setDuration(&o.PGSlowMean),
			"min_calls": func(k string, v *yaml.Node) {
				var i int
				d.setInt(&i, 1, math.MaxInt32)(k, v)
				o.PGSlowMinCalls = int64(i)
			},
		},
		"postgres.connections.use": {"max": d.setFloat(&o.PGMaxConnectionUse, 0.01, 1)},
		"postgres.tls.server": {"min_version": func(k string, v *yaml.Node) {
			if s, ok := d.str(v, k); ok {
				if s != "TLSv1.2" && s != "TLSv1.3" {
					d.errf(v, k, "want TLSv1.2 or TLSv1.3")
					return
				}
				o.PGMinTLSVersion = s
			}
		}},
	}
	ids := make(map[string]fieldFunc, len(opts))
	for id, fields := range opts {
		ids[id] = func(k string, v *yaml.Node) { d.mapping(v, k, fields) }
	}
	d.mapping(n, key, ids)
}
