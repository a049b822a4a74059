package database

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// Password strength a database password needs: the checklist's "16+
// characters", and about 80 bits of estimated entropy (what 16 random
// characters of lower case, upper case and digits give, with room to
// spare for symbols).
const (
	MinPasswordLength = 16
	MinPasswordBits   = 80
)

// DSNOptions configures [DSN]. The zero value reads the engine from the
// DSN and does not ask for a private host.
type DSNOptions struct {
	// Engine is "postgres", "mysql", "mongodb" or "redis" ("postgresql",
	// "mariadb" and "mongo" are accepted too). Empty: from the scheme
	// (postgres://, postgresql://, mysql://, mongodb://, mongodb+srv://,
	// redis://, rediss://), else "mysql" for a go-sql-driver DSN
	// ("user:pass@tcp(host:3306)/db") and "postgres" for a libpq
	// key=value DSN ("host=db dbname=app").
	Engine string
	// MustBePrivate adds database.dsn.private: the host must not be a
	// public address.
	MustBePrivate bool
	// Fingerprinter renders the password in findings; nil: a fresh
	// [secret.NewFingerprinter].
	Fingerprinter *secret.Fingerprinter
}

// parsedDSN is what a DSN says. It holds the password: never print it.
type parsedDSN struct {
	engine      string
	user        string
	password    string
	hasPassword bool
	hosts       []string // host names, IP addresses, or socket paths ("/...")
	ports       []string // the port written with each host, or ""
	database    string
	scheme      string            // as written, lower case; "" for key=value and go-sql-driver DSNs
	params      map[string]string // keys lower case
}

// DSN analyses a database connection string without connecting and
// returns its checks, each with Target the DSN without credentials
// ("postgres://db.internal:5432/app"):
//
//   - database.dsn.password (high): the DSN carries no password, or one
//     strong enough: not weak nor well known by internal/secret's
//     [secret.Weakness], not a default credential of the engine
//     ([DefaultCredentials]), not the user name, and at least
//     [MinPasswordLength] characters and [MinPasswordBits] bits by
//     [secret.Strength]. Findings show a fingerprint, never the password.
//   - database.dsn.tls (high): the connection requires TLS. Fails for
//     PostgreSQL sslmode disable, allow or prefer (the default: prefer
//     falls back to plaintext), MySQL without tls or with tls=false or
//     preferred, MongoDB without tls=true/ssl=true (mongodb+srv turns it
//     on), and redis:// (rediss:// is TLS).
//   - database.dsn.tls-verify (medium): the server's certificate is
//     verified, host name included. Warns for PostgreSQL require and
//     verify-ca, MySQL tls=skip-verify, MongoDB tlsInsecure,
//     tlsAllowInvalidCertificates or tlsAllowInvalidHostnames. Skips when
//     TLS is not required (database.dsn.tls says so).
//   - database.dsn.private (high, only with MustBePrivate): no host is a
//     public IP address. Loopback, RFC 1918, RFC 6598, link-local and
//     unique-local addresses, Unix sockets, localhost and names under
//     .local, .internal and .home.arpa pass; another host name warns,
//     since telling needs a DNS lookup, which this check never makes.
//
// "Warn for this, fail for that" are two IDs, as everywhere in prodcheck:
// plaintext fails database.dsn.tls, an unverified certificate warns
// database.dsn.tls-verify. A DSN that cannot be parsed makes every check
// an Error whose message never quotes the password.
func DSN(dsn string, opts DSNOptions) []check.Check {
	p, err := parseDSN(dsn, opts.Engine)
	target := redactedTarget(dsn, p, err)
	fp := opts.Fingerprinter
	if fp == nil {
		fp = secret.NewFingerprinter()
	}
	tags := func(extra ...string) []string {
		t := []string{"security", "database"}
		if p != nil {
			t = append(t, p.engine)
		}
		return append(t, extra...)
	}
	run := func(judge func(*parsedDSN) check.Result) func(context.Context) check.Result {
		return func(ctx context.Context) check.Result {
			if err != nil {
				return check.Error(err)
			}
			if e := ctx.Err(); e != nil {
				return check.Error(e)
			}
			return judge(p)
		}
	}
	checks := []check.Check{
		check.New(check.Meta{
			ID:       "database.dsn.password",
			Target:   target,
			Title:    "The DSN carries no password, or a strong one",
			Section:  "Security Hardening / Database Security",
			Item:     "Use strong database passwords (16+ characters, mixed case, numbers, symbols)",
			Severity: check.SeverityHigh,
			Tags:     tags("password"),
			Remediation: "Generate a random password of 16+ characters (for example 24 random bytes, base64) " +
				"and keep it out of the DSN: pass it from a secret store or a password file.",
			Refs: []string{"CWE-521", "CWE-798", "NIST SP 800-63B-4 §3.1.1.2"},
		}, run(func(p *parsedDSN) check.Result { return judgePassword(p, fp) })),
		check.New(check.Meta{
			ID:       "database.dsn.tls",
			Target:   target,
			Title:    "The connection requires TLS",
			Section:  "Security Hardening / Database Security",
			Item:     "Enable database connection encryption (SSL/TLS)",
			Severity: check.SeverityHigh,
			Tags:     tags("tls"),
			Remediation: "Require TLS in the DSN: sslmode=verify-full (PostgreSQL), tls=true (MySQL), " +
				"tls=true (MongoDB), rediss:// (Redis).",
			Refs: []string{"CWE-319", "database.dsn.tls-verify"},
		}, run(judgeTLS)),
		check.New(check.Meta{
			ID:       "database.dsn.tls-verify",
			Target:   target,
			Title:    "The connection verifies the server certificate and host name",
			Section:  "Security Hardening / Database Security",
			Item:     "Enable database connection encryption (SSL/TLS)",
			Severity: check.SeverityMedium,
			Tags:     tags("tls"),
			Remediation: "Verify the server: sslmode=verify-full with sslrootcert (PostgreSQL), tls=true or a " +
				"registered config with a CA (MySQL), no tlsInsecure or tlsAllowInvalid* (MongoDB).",
			Refs: []string{"CWE-295", "database.dsn.tls"},
		}, run(judgeVerify)),
	}
	if opts.MustBePrivate {
		checks = append(checks, check.New(check.Meta{
			ID:          "database.dsn.private",
			Target:      target,
			Title:       "The database host is not a public address",
			Section:     "Deployment / Network Security",
			Item:        "Use private networks for database connections",
			Severity:    check.SeverityHigh,
			Tags:        tags("network"),
			Remediation: "Connect over a private network (VPC address, private endpoint, Unix socket) and keep the database port off the internet.",
			Refs:        []string{"RFC 1918", "RFC 4193", "RFC 6598"},
		}, run(judgePrivate)))
	}
	return checks
}

// judgePassword is database.dsn.password.
func judgePassword(p *parsedDSN, fp *secret.Fingerprinter) check.Result {
	if !p.hasPassword {
		return check.Pass("no password in the DSN")
	}
	pw := p.password
	var reasons []string
	switch {
	case secret.Weakness(pw) != "":
		reasons = append(reasons, secret.Weakness(pw))
	case defaultFor(p.engine, p.user, pw):
		reasons = append(reasons, "a default credential of "+p.engine)
	case p.user != "" && strings.EqualFold(pw, p.user):
		reasons = append(reasons, "the same as the user name")
	}
	rep := secret.Strength(pw, secret.StrengthOptions{MinLength: MinPasswordLength, MinBits: MinPasswordBits})
	for _, r := range rep.Reasons {
		if strings.HasPrefix(r, "about ") && strings.Contains(r, "bits") {
			// Strength speaks of signing keys; say it for a password.
			r = fmt.Sprintf("about %.0f bits of estimated entropy, below %d", rep.EntropyBits, MinPasswordBits)
		}
		if r == secret.ReasonKnownWeak && len(reasons) > 0 {
			continue
		}
		reasons = append(reasons, r)
	}
	if len(reasons) == 0 {
		return check.Pass(fmt.Sprintf("a password of %d characters, about %.0f bits", rep.Length, rep.EntropyBits))
	}
	resource := "password"
	if p.user != "" {
		resource = "password of user " + p.user
	}
	return check.Fail("the DSN's password is weak: "+reasons[0], check.Finding{
		Message:  "weak password: " + strings.Join(reasons, "; "),
		Location: check.Location{Resource: resource},
		Expected: fmt.Sprintf("no password in the DSN, or a random one of %d+ characters and %d+ bits", MinPasswordLength, MinPasswordBits),
		Actual:   fp.Fingerprint(pw),
	})
}

// tlsState is what a DSN asks of TLS: whether it is required, whether the
// certificate is verified, and the setting that says so.
type tlsState struct {
	required, verified bool
	setting            string // "sslmode=prefer (default)"
}

func tlsOf(p *parsedDSN) tlsState {
	param := func(k string) (string, bool) {
		v, ok := p.params[k]
		return strings.ToLower(strings.TrimSpace(v)), ok
	}
	switch p.engine {
	case "postgres":
		mode, ok := param("sslmode")
		setting := "sslmode=" + mode
		if !ok || mode == "" {
			mode, setting = "prefer", "sslmode=prefer (the default)"
		}
		root, _ := param("sslrootcert")
		switch mode {
		case "verify-full":
			return tlsState{true, true, setting}
		case "verify-ca", "require":
			if root == "system" { // libpq: sslrootcert=system forces verify-full
				return tlsState{true, true, setting + " with sslrootcert=system"}
			}
			return tlsState{true, false, setting}
		default:
			return tlsState{false, false, setting}
		}
	case "mysql":
		v, ok := param("tls")
		if !ok || v == "" {
			return tlsState{false, false, "tls=false (the default)"}
		}
		setting := "tls=" + p.params["tls"]
		switch v {
		case "false", "0", "preferred":
			return tlsState{false, false, setting}
		case "skip-verify":
			return tlsState{true, false, setting}
		case "true", "1":
			return tlsState{true, true, setting}
		}
		return tlsState{true, true, setting + " (a registered config: verification is set in code)"}
	case "mongodb":
		on := p.scheme == "mongodb+srv"
		setting := "mongodb+srv (TLS on by default)"
		if !on {
			setting = "no tls parameter (TLS off by default)"
		}
		for _, k := range []string{"tls", "ssl"} {
			if v, ok := param(k); ok {
				on, setting = v == "true", k+"="+v
			}
		}
		verified := true
		for _, k := range []string{"tlsinsecure", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames"} {
			if v, _ := param(k); v == "true" {
				verified = false
				setting += ", " + k + "=true"
			}
		}
		return tlsState{on, on && verified, setting}
	case "redis":
		if p.scheme == "rediss" {
			return tlsState{true, true, "rediss://"}
		}
		return tlsState{false, false, p.scheme + "://"}
	}
	return tlsState{setting: "unknown engine"}
}

// judgeTLS is database.dsn.tls.
func judgeTLS(p *parsedDSN) check.Result {
	t := tlsOf(p)
	if t.required {
		return check.Pass("TLS required: " + t.setting)
	}
	return check.Fail("TLS not required: "+t.setting, check.Finding{
		Message:  "the connection may be plaintext",
		Location: check.Location{Resource: "setting " + strings.SplitN(t.setting, " ", 2)[0]},
		Expected: expectedTLS[p.engine],
		Actual:   t.setting,
	})
}

var expectedTLS = map[string]string{
	"postgres": "sslmode=verify-full",
	"mysql":    "tls=true",
	"mongodb":  "tls=true",
	"redis":    "rediss://",
}

// judgeVerify is database.dsn.tls-verify.
func judgeVerify(p *parsedDSN) check.Result {
	t := tlsOf(p)
	switch {
	case !t.required:
		return check.Skip("TLS is not required (database.dsn.tls): nothing to verify")
	case t.verified:
		return check.Pass("certificate verified: " + t.setting)
	}
	return check.Warn("TLS without full verification: "+t.setting, check.Finding{
		Message:  "the server's certificate or host name is not verified: a man in the middle goes unnoticed",
		Location: check.Location{Resource: "setting " + strings.SplitN(t.setting, " ", 2)[0]},
		Expected: expectedTLS[p.engine],
		Actual:   t.setting,
	})
}

// cgnat is the RFC 6598 shared address space, not routed on the internet.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// hostKind classifies host: "private", "public" or "name" (cannot tell).
func hostKind(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if strings.HasPrefix(h, "/") || strings.HasPrefix(h, "@") {
		return "private" // a Unix socket
	}
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i] // a zone: fe80::1%eth0
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		a = a.Unmap()
		if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || cgnat.Contains(a) {
			return "private"
		}
		return "public"
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "private"
	}
	for _, s := range []string{".local", ".internal", ".home.arpa"} {
		if strings.HasSuffix(h, s) {
			return "private"
		}
	}
	return "name"
}

// judgePrivate is database.dsn.private.
func judgePrivate(p *parsedDSN) check.Result {
	var public, names []check.Finding
	for _, h := range p.hosts {
		switch hostKind(h) {
		case "public":
			public = append(public, check.Finding{
				Message:  "the database host is a public IP address",
				Location: check.Location{Resource: "host " + h},
				Expected: "a private address (RFC 1918, RFC 4193), a Unix socket, or a private name",
				Actual:   h,
			})
		case "name":
			names = append(names, check.Finding{
				Message:  "a host name: cannot tell whether it is private without resolving it (not done)",
				Location: check.Location{Resource: "host " + h},
				Expected: "a private address, or a name under .internal, .local or .home.arpa",
				Actual:   h,
			})
		}
	}
	switch {
	case len(public) > 0:
		return check.Fail(fmt.Sprintf("%d of %d hosts public", len(public), len(p.hosts)), public...)
	case len(names) > 0:
		return check.Warn("cannot tell without resolving: "+names[0].Actual, names...)
	}
	return check.Pass("every host is private: " + strings.Join(p.hosts, ", "))
}

// parseDSN reads dsn as a URL, a libpq key=value string or a go-sql-driver
// DSN. Errors never quote the password.
func parseDSN(dsn, engine string) (*parsedDSN, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errors.New("dsn: empty")
	}
	if engine != "" && canonicalEngine(engine) == "" {
		return nil, fmt.Errorf("dsn: unknown engine %q (want postgres, mysql, mongodb or redis)", engine)
	}
	e := canonicalEngine(engine)
	var p *parsedDSN
	var err error
	switch scheme, _, ok := strings.Cut(dsn, "://"); {
	case ok && !strings.ContainsAny(scheme, " =@/("):
		p, err = parseURL(dsn, scheme)
	case e == "postgres" || e == "" && looksKeyValue(dsn):
		p, err = parseKeyValue(dsn)
	case e == "mysql" || e == "":
		p, err = parseMySQL(dsn)
	default:
		return nil, fmt.Errorf("dsn: a %s DSN must be a URL", e)
	}
	if err != nil {
		return nil, secret.RedactError(err, dsnSecrets(dsn))
	}
	if e != "" {
		p.engine = e
	}
	if p.engine == "" || p.engine == "oracle" || p.engine == "mssql" {
		return nil, errors.New("dsn: cannot tell the engine: set DSNOptions.Engine to postgres, mysql, mongodb or redis")
	}
	if len(p.hosts) == 0 {
		p.hosts = []string{defaultHost[p.engine]}
	}
	return p, nil
}

// defaultHost is where a driver connects with no host in the DSN.
var defaultHost = map[string]string{
	"postgres": "localhost", "mysql": "localhost", "mongodb": "localhost", "redis": "localhost",
}

// dsnSecrets guesses the password text of an unparsable dsn, for
// redacting parse errors: what lies between the scheme's "//" or the
// start and the last '@', after the first ':'.
func dsnSecrets(dsn string) []string {
	var out []string
	body := dsn
	if _, after, ok := strings.Cut(dsn, "://"); ok {
		body = after
	}
	if i := strings.LastIndexByte(body, '@'); i > 0 {
		if _, pw, ok := strings.Cut(body[:i], ":"); ok {
			out = append(out, pw)
			if u, err := url.PathUnescape(pw); err == nil {
				out = append(out, u)
			}
		}
	}
	for _, f := range strings.Fields(dsn) {
		if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, "password") {
			out = append(out, strings.Trim(v, "'"))
		}
	}
	return out
}

// looksKeyValue reports whether dsn is a libpq keyword/value string.
func looksKeyValue(dsn string) bool {
	k, _, ok := strings.Cut(dsn, "=")
	return ok && !strings.ContainsAny(strings.TrimSpace(k), "@/:?() ") && strings.TrimSpace(k) != ""
}

var schemeEngine = map[string]string{
	"postgres": "postgres", "postgresql": "postgres",
	"mysql": "mysql", "mariadb": "mysql",
	"mongodb": "mongodb", "mongodb+srv": "mongodb",
	"redis": "redis", "rediss": "redis", "redis+sentinel": "redis", "unix": "redis",
}

// parseURL reads a URL DSN. Hosts may be a comma-separated list
// (PostgreSQL, MongoDB).
func parseURL(dsn, rawScheme string) (*parsedDSN, error) {
	rest := dsn[len(rawScheme)+3:]
	scheme := strings.ToLower(rawScheme)
	p := &parsedDSN{engine: schemeEngine[scheme], scheme: scheme, params: map[string]string{}}
	// Split by hand first: net/url rejects the host lists of PostgreSQL
	// and MongoDB ("h1:5432,h2:5432").
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo := authority[:i]
		authority = authority[i+1:]
		user, pw, hasPW := strings.Cut(userinfo, ":")
		var err error
		if p.user, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("dsn: invalid escape in the user name")
		}
		if hasPW {
			if p.password, err = url.PathUnescape(pw); err != nil {
				return nil, errors.New("dsn: invalid escape in the password")
			}
			p.hasPassword = true
		}
	}
	u, err := url.Parse(scheme + "://placeholder" + tail)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("dsn: %w", err)
	}
	for k, vs := range u.Query() {
		if len(vs) > 0 {
			p.params[strings.ToLower(k)] = vs[len(vs)-1]
		}
	}
	p.database = strings.TrimPrefix(u.Path, "/")
	for _, h := range strings.Split(authority, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		host, port, err := splitHostPort(h)
		if err != nil {
			return nil, err
		}
		if hu, err := url.PathUnescape(host); err == nil {
			host = hu // a socket path "%2Fvar%2Frun%2Fpostgresql"
		}
		p.hosts = append(p.hosts, host)
		p.ports = append(p.ports, port)
	}
	if scheme == "unix" {
		p.hosts, p.ports = []string{u.Path}, nil
		p.database = ""
	}
	// Parameters that override the URL: libpq host= and password=,
	// go-redis password=.
	if h, ok := p.params["host"]; ok && h != "" {
		p.hosts, p.ports = strings.Split(h, ","), nil
	}
	if pw, ok := p.params["password"]; ok {
		p.password, p.hasPassword = pw, true
	}
	if u, ok := p.params["user"]; ok && p.user == "" {
		p.user = u
	}
	return p, nil
}

// splitHostPort splits "host", "host:port" or "[v6]:port".
func splitHostPort(h string) (host, port string, err error) {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", "", errors.New("dsn: missing ']' in an IPv6 host")
		}
		rest := h[end+1:]
		if rest != "" && (!strings.HasPrefix(rest, ":") || !validPort(rest[1:])) {
			return "", "", errors.New("dsn: invalid port after an IPv6 host")
		}
		return h[1:end], strings.TrimPrefix(rest, ":"), nil
	}
	if strings.Count(h, ":") > 1 {
		return h, "", nil // a bare IPv6 address
	}
	host, port, ok := strings.Cut(h, ":")
	if ok && !validPort(port) {
		return "", "", errors.New("dsn: invalid port: not a number from 0 to 65535")
	}
	return host, port, nil
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535 && s[0] != '+' && s[0] != '-'
}

// parseKeyValue reads a libpq keyword/value DSN:
// host=db port=5432 user=app password='it\'s' sslmode=verify-full.
func parseKeyValue(dsn string) (*parsedDSN, error) {
	p := &parsedDSN{engine: "postgres", params: map[string]string{}}
	s := dsn
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, errors.New("dsn: want key=value pairs")
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		if strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("dsn: invalid key %q", key)
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			closed := false
			i := 1
			for i < len(s) {
				c := s[i]
				switch {
				case c == '\\' && i+1 < len(s):
					val.WriteByte(s[i+1])
					i += 2
					continue
				case c == '\'':
					closed = true
				default:
					val.WriteByte(c)
					i++
					continue
				}
				break
			}
			if !closed {
				return nil, fmt.Errorf("dsn: unterminated quoted value of %s", key)
			}
			s = s[i+1:]
		} else {
			i := 0
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
			s = s[i:]
		}
		p.params[key] = val.String()
	}
	p.user = p.params["user"]
	p.password, p.hasPassword = p.params["password"]
	p.database = p.params["dbname"]
	if h := p.params["host"]; h != "" {
		p.hosts = strings.Split(h, ",")
	} else if a := p.params["hostaddr"]; a != "" {
		p.hosts = strings.Split(a, ",")
	}
	return p, nil
}

// parseMySQL reads a go-sql-driver DSN:
// [user[:password]@][net[(addr)]]/dbname[?param=value&...].
func parseMySQL(dsn string) (*parsedDSN, error) {
	p := &parsedDSN{engine: "mysql", params: map[string]string{}}
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return nil, errors.New("dsn: not a URL, a key=value DSN or a go-sql-driver DSN (no '/dbname')")
	}
	head, tail := dsn[:slash], dsn[slash+1:]
	if db, query, ok := strings.Cut(tail, "?"); ok {
		tail = db
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, errors.New("dsn: invalid parameters after '?'")
		}
		for k, vs := range q {
			p.params[strings.ToLower(k)] = vs[len(vs)-1]
		}
	}
	p.database = tail
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		userinfo := head[:at]
		head = head[at+1:]
		p.user, p.password, p.hasPassword = strings.Cut(userinfo, ":")
	}
	addr := ""
	if open := strings.IndexByte(head, '('); open >= 0 {
		if !strings.HasSuffix(head, ")") {
			return nil, errors.New("dsn: unclosed '(' in the address")
		}
		addr = head[open+1 : len(head)-1]
		if strings.HasPrefix(head, "unix") && addr == "" {
			addr = "/tmp/mysql.sock"
		}
	}
	if addr != "" {
		host, port := addr, ""
		if !strings.HasPrefix(addr, "/") {
			var err error
			if host, port, err = splitHostPort(addr); err != nil {
				return nil, err
			}
		}
		p.hosts, p.ports = []string{host}, []string{port}
	}
	return p, nil
}

// redactedTarget is the DSN without credentials or parameters:
// "postgres://db:5432/app". For a DSN that cannot be parsed, it is
// secret.RedactURL of it, or "dsn" with its length.
func redactedTarget(dsn string, p *parsedDSN, err error) string {
	if err != nil || p == nil {
		r := secret.RedactURL(strings.TrimSpace(dsn))
		if r == dsn && !strings.Contains(dsn, "@") && !strings.Contains(strings.ToLower(dsn), "password") {
			return strings.Join(strings.Fields(r), " ")
		}
		return fmt.Sprintf("unparsable %d-character DSN", utf8.RuneCountInString(dsn))
	}
	scheme := p.scheme
	if scheme == "" {
		scheme = p.engine
	}
	var hosts []string
	kvPorts := strings.Split(p.params["port"], ",")
	for i, h := range p.hosts {
		port := ""
		switch {
		case i < len(p.ports):
			port = p.ports[i]
		case p.scheme == "" && p.engine == "postgres" && p.params["port"] != "":
			port = kvPorts[min(i, len(kvPorts)-1)]
		}
		switch {
		case strings.HasPrefix(h, "/"):
			h = url.PathEscape(h)
		case strings.Contains(h, ":"):
			h = "[" + h + "]"
		}
		if port != "" {
			h += ":" + port
		}
		hosts = append(hosts, h)
	}
	t := scheme + "://" + strings.Join(hosts, ",")
	if p.database != "" {
		t += "/" + p.database
	}
	return escapeControls(t)
}

// escapeControls percent-encodes control characters, so a target stays
// on one line.
func escapeControls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
