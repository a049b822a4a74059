package security

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// OWASP session limits: 30 minutes idle, 12 hours absolute (ASVS 4.0.3
// 3.3.2, NIST 800-63B rev3 AAL2).
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
)

const (
	cookieSectionAuth = "Security Hardening / Authentication"
	cookieSectionAPI  = "Security Hardening / API Security"
	cookieItemHTTPS   = "Enable HTTPS/SSL for all services"
	cookieItemXSS     = "XSS protection"
	cookieItemSession = "Session timeout configuration"
)

// CookieOptions configures [Cookies]. The zero value uses the OWASP
// session limits and the built-in session-cookie names.
type CookieOptions struct {
	// Idle is the idle timeout a session cookie's lifetime should not
	// exceed (over it warns); 0 means [DefaultSessionIdle].
	Idle time.Duration
	// Absolute is the longest a session may last: a session cookie's
	// Max-Age/Expires and a JWT's exp - iat over it fail; 0 means
	// [DefaultSessionAbsolute].
	Absolute time.Duration
	// SessionNames are more cookie names (case-insensitive, exact) that
	// hold a session, on top of the built-in heuristics: names containing
	// session, sess, sid, auth, token, jwt or login (connect.sid,
	// PHPSESSID, JSESSIONID, ASP.NET_SessionId, ...) and any cookie whose
	// value is a JWT.
	SessionNames []string
	// Now is the clock for a response without a Date header; nil means
	// time.Now.
	Now func() time.Time
}

func (o CookieOptions) idle() time.Duration {
	if o.Idle > 0 {
		return o.Idle
	}
	return DefaultSessionIdle
}

func (o CookieOptions) absolute() time.Duration {
	if o.Absolute > 0 {
		return o.Absolute
	}
	return DefaultSessionAbsolute
}

// Cookies returns the cookie and session checks of one page, judged on
// the Set-Cookie headers and body of its shared GET (give the page of a
// login endpoint, with a test credential in HTTPOptions.Header, to see
// the session cookie). No cookie or token value is ever shown: a finding
// names the cookie and fingerprints its value.
//
//   - security.cookies.secure (high): every cookie has Secure;
//   - security.cookies.httponly (medium): session cookies have HttpOnly;
//   - security.cookies.samesite (medium): SameSite is set and valid;
//     SameSite=None without Secure fails, a missing SameSite warns;
//   - security.cookies.host-prefix (low): session cookies use the
//     __Host- prefix (warns), and __Host-/__Secure- cookies keep the
//     prefix's rules (fails: browsers drop them);
//   - security.session.cookie-lifetime (medium): a session cookie's
//     Max-Age/Expires is within the absolute limit (fails) and the idle
//     limit (warns);
//   - security.session.jwt-lifetime (medium): every JWT in a cookie or
//     in a JSON body (access_token, id_token, ...), decoded without
//     verification, has an exp, and exp - iat is within the absolute
//     limit;
//   - security.session.jwt-unsigned (high): no JWT uses alg "none".
//
// A page with no cookie (no JWT) skips.
func Cookies(p *Page, opts CookieOptions) []check.Check {
	s := &cookieSource{page: p, opts: opts}
	s.src = check.NewSource(s.load)
	target := p.URL()
	meta := func(id, title, section, item string, sev check.Severity, remediation string, refs ...string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      target,
			Title:       title,
			Section:     section,
			Item:        item,
			Severity:    sev,
			Tags:        []string{"security", "http", "cookies"},
			Remediation: remediation,
			Refs:        refs,
		}
	}
	return []check.Check{
		check.New(meta("security.cookies.secure", "Every cookie has the Secure attribute", cookieSectionAuth, cookieItemHTTPS,
			check.SeverityHigh, "Set Secure on every cookie so it is never sent over plain HTTP.",
			"Observatory cookies", "ZAP 10011", "OWASP ASVS 5.0 3.3.1"), s.judgeSecure),
		check.New(meta("security.cookies.httponly", "Session cookies have the HttpOnly attribute", cookieSectionAPI, cookieItemXSS,
			check.SeverityMedium, "Set HttpOnly on session and token cookies so that scripts (and XSS) cannot read them.",
			"Observatory cookies", "ZAP 10010", "OWASP ASVS 5.0 3.3.4"), s.judgeHTTPOnly),
		check.New(meta("security.cookies.samesite", "Every cookie has a valid SameSite attribute", cookieSectionAPI, cookieItemXSS,
			check.SeverityMedium, "Set SameSite=Lax (or Strict) on every cookie; SameSite=None only with Secure, for cookies that must cross sites.",
			"Observatory cookies", "ZAP 10054", "OWASP ASVS 5.0 3.3.2"), s.judgeSameSite),
		check.New(meta("security.cookies.host-prefix", "Session cookies use the __Host- prefix", cookieSectionAuth, cookieItemSession,
			check.SeverityLow, "Name session cookies __Host-<name> with Secure, Path=/ and no Domain, so no subdomain can set or shadow them.",
			"OWASP ASVS 5.0 3.3.3", "OWASP Session Management Cheat Sheet"), s.judgeHostPrefix),
		check.New(meta("security.session.cookie-lifetime", "Session cookies expire within the idle and absolute limits", cookieSectionAuth, cookieItemSession,
			check.SeverityMedium, "Give session cookies a Max-Age no longer than the idle timeout (renewed on activity) and end every session server-side at the absolute limit.",
			"OWASP ASVS 4.0.3 3.3.2", "OWASP ASVS 5.0 7.3", "NIST 800-63B AAL2", "OWASP WSTG-SESS-07"), s.judgeCookieLifetime),
		check.New(meta("security.session.jwt-lifetime", "JWTs expire, within the absolute session limit", cookieSectionAuth, cookieItemSession,
			check.SeverityMedium, "Issue tokens with an exp claim and a short lifetime (minutes for access tokens); re-authenticate after the absolute limit.",
			"OWASP JWT Cheat Sheet", "RFC 7519 4.1.4", "OWASP ASVS 5.0 7.3"), s.judgeJWTLifetime),
		check.New(meta("security.session.jwt-unsigned", "No JWT is unsigned (alg none)", cookieSectionAuth, "JWT-based authentication implemented",
			check.SeverityHigh, "Sign every token (HS256 with a 256-bit secret, RS256, ES256) and reject alg none when verifying.",
			"RFC 7518 3.6", "jwt_tool playbook", "OWASP JWT Cheat Sheet"), s.judgeJWTUnsigned),
	}
}

// cookieSource reads the page's response once per run into cookies and
// tokens.
type cookieSource struct {
	page *Page
	opts CookieOptions
	src  *check.Source[*cookieJar]
}

// cookieJar is what one response set: its cookies and its JWTs.
type cookieJar struct {
	cookies   []*setCookie
	malformed []string // names (or "#n") of Set-Cookie lines that did not parse
	tokens    []*jwtInfo
	now       time.Time // the response's Date, else the clock
}

// setCookie is one parsed Set-Cookie header, without its value.
type setCookie struct {
	name        string
	fp          string // the value's fingerprint
	secure      bool
	httpOnly    bool
	sameSite    string // "lax", "strict", "none", "invalid", "" (absent)
	domain      string
	path        string
	maxAge      int // as http.Cookie: 0 unset, < 0 delete now
	expires     time.Time
	session     bool
	deleting    bool // Max-Age <= 0 or Expires in the past: a cookie being removed
	partitioned bool
}

// parseSetCookie parses one Set-Cookie value with net/http. The error
// never quotes the line, which holds the value.
func parseSetCookie(line string) (*http.Cookie, error) {
	c, err := http.ParseSetCookie(line)
	if err != nil {
		return nil, fmt.Errorf("malformed Set-Cookie (%v)", strings.TrimPrefix(err.Error(), "http: "))
	}
	return c, nil
}

// cookieNameOf returns the name a malformed line shows: the text before
// '=' when it is a plain token, else "".
func cookieNameOf(line string) string {
	name, _, ok := strings.Cut(line, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || len(name) > 64 {
		return ""
	}
	for _, r := range name {
		if r > unicode.MaxASCII || r <= ' ' || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) {
			return ""
		}
	}
	return name
}

// sessionWords mark a session cookie when the lower-cased name contains
// one of them.
var sessionWords = []string{"sess", "token", "jwt", "auth", "login", "sid"}

// isSessionName reports whether a cookie name looks like a session's.
func (o CookieOptions) isSessionName(name string) bool {
	for _, n := range o.SessionNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	lower := strings.ToLower(name)
	lower = strings.TrimPrefix(strings.TrimPrefix(lower, "__host-"), "__secure-")
	for _, w := range sessionWords {
		if w == "sid" {
			// "sid" only as a word's end: connect.sid, ssid, s_sid,
			// not "side" or "sidebar".
			for _, part := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if strings.HasSuffix(part, "sid") {
					return true
				}
			}
			continue
		}
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

func (s *cookieSource) load(ctx context.Context) (*cookieJar, error) {
	resp, err := s.page.Get(ctx)
	if err != nil {
		return nil, err
	}
	fp := secret.NewFingerprinter()
	jar := &cookieJar{now: responseTime(resp, s.opts.Now)}
	for i, line := range resp.Header.Values("Set-Cookie") {
		c, err := parseSetCookie(line)
		if err != nil {
			name := cookieNameOf(line)
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			jar.malformed = append(jar.malformed, name)
			continue
		}
		sc := &setCookie{
			name: c.Name, fp: fp.Fingerprint(c.Value), secure: c.Secure, httpOnly: c.HttpOnly,
			domain: c.Domain, path: c.Path, maxAge: c.MaxAge, expires: c.Expires, partitioned: c.Partitioned,
		}
		switch c.SameSite {
		case http.SameSiteLaxMode:
			sc.sameSite = "lax"
		case http.SameSiteStrictMode:
			sc.sameSite = "strict"
		case http.SameSiteNoneMode:
			sc.sameSite = "none"
		case http.SameSiteDefaultMode:
			sc.sameSite = "invalid"
		}
		sc.deleting = c.MaxAge < 0 || (c.MaxAge == 0 && !c.Expires.IsZero() && !c.Expires.After(jar.now))
		tok := decodeJWT(c.Value, fp)
		sc.session = s.opts.isSessionName(c.Name) || tok != nil
		if tok != nil && !sc.deleting {
			tok.where = "cookie " + c.Name
			jar.tokens = append(jar.tokens, tok)
		}
		jar.cookies = append(jar.cookies, sc)
	}
	jar.tokens = append(jar.tokens, bodyJWTs(resp, fp)...)
	return jar, nil
}

// responseTime is the response's Date, which Expires is read against,
// else the clock.
func responseTime(resp *Response, now func() time.Time) time.Time {
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return d
	}
	if now != nil {
		return now()
	}
	return time.Now()
}

func (s *cookieSource) get(ctx context.Context) (*cookieJar, check.Result, bool) {
	jar, err := s.src.Get(ctx)
	if err != nil {
		return nil, check.Error(err), false
	}
	return jar, check.Result{}, true
}

// live returns the cookies being set (not deleted).
func (j *cookieJar) live() []*setCookie {
	var out []*setCookie
	for _, c := range j.cookies {
		if !c.deleting {
			out = append(out, c)
		}
	}
	return out
}

func (j *cookieJar) sessions() []*setCookie {
	var out []*setCookie
	for _, c := range j.live() {
		if c.session {
			out = append(out, c)
		}
	}
	return out
}

// summary counts what the response set: "3 cookies (1 session)".
func (j *cookieJar) summary() string {
	live := j.live()
	s := fmt.Sprintf("%d cookie(s) set, %d session", len(live), len(j.sessions()))
	if n := len(j.cookies) - len(live); n > 0 {
		s += fmt.Sprintf(", %d being deleted", n)
	}
	if len(j.malformed) > 0 {
		s += fmt.Sprintf(", %d malformed Set-Cookie ignored (%s)", len(j.malformed), strings.Join(j.malformed, ", "))
	}
	return s
}

// attrs renders a cookie's attributes, never its value.
func (c *setCookie) attrs() string {
	var parts []string
	if c.maxAge > 0 {
		parts = append(parts, fmt.Sprintf("Max-Age=%d", c.maxAge))
	}
	if !c.expires.IsZero() {
		parts = append(parts, "Expires="+c.expires.UTC().Format(http.TimeFormat))
	}
	if c.domain != "" {
		parts = append(parts, "Domain="+c.domain)
	}
	if c.path != "" {
		parts = append(parts, "Path="+c.path)
	}
	if c.secure {
		parts = append(parts, "Secure")
	}
	if c.httpOnly {
		parts = append(parts, "HttpOnly")
	}
	switch c.sameSite {
	case "":
	case "invalid":
		parts = append(parts, "SameSite=<invalid>")
	default:
		parts = append(parts, "SameSite="+strings.ToUpper(c.sameSite[:1])+c.sameSite[1:])
	}
	if len(parts) == 0 {
		return "no attributes"
	}
	return strings.Join(parts, "; ")
}

func (s *cookieSource) finding(c *setCookie, msg, expected, actual string) check.Finding {
	kind := "cookie"
	if c.session {
		kind = "session cookie"
	}
	return check.Finding{
		Message:  fmt.Sprintf("%s %s: %s", kind, c.name, msg),
		Location: check.Location{URL: s.page.URL(), Resource: "cookie " + c.name},
		Expected: expected,
		Actual:   fmt.Sprintf("value %s; %s", c.fp, actual),
	}
}

func (s *cookieSource) judgeSecure(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	live := jar.live()
	if len(live) == 0 {
		return check.Skip("no cookie set; " + jar.summary())
	}
	var fs []check.Finding
	for _, c := range live {
		if !c.secure {
			fs = append(fs, s.finding(c, "no Secure attribute: the browser sends it over plain HTTP", "Secure", c.attrs()))
		}
	}
	return check.Judge(fs, "every cookie is Secure; "+jar.summary(), fmt.Sprintf("%d cookie(s) without Secure; %s", len(fs), jar.summary()))
}

func (s *cookieSource) judgeHTTPOnly(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	sess := jar.sessions()
	if len(sess) == 0 {
		return check.Skip("no session cookie set; " + jar.summary())
	}
	var fs []check.Finding
	for _, c := range sess {
		if !c.httpOnly {
			fs = append(fs, s.finding(c, "no HttpOnly attribute: any script on the page, injected ones included, reads it", "HttpOnly", c.attrs()))
		}
	}
	return check.Judge(fs, "every session cookie is HttpOnly; "+jar.summary(), fmt.Sprintf("%d session cookie(s) without HttpOnly; %s", len(fs), jar.summary()))
}

func (s *cookieSource) judgeSameSite(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	live := jar.live()
	if len(live) == 0 {
		return check.Skip("no cookie set; " + jar.summary())
	}
	var bad, missing []check.Finding
	for _, c := range live {
		switch {
		case c.sameSite == "invalid":
			bad = append(bad, s.finding(c, "SameSite has an invalid value: browsers treat it as missing", "SameSite=Lax or Strict", c.attrs()))
		case c.sameSite == "none" && !c.secure:
			bad = append(bad, s.finding(c, "SameSite=None without Secure: browsers reject the cookie", "SameSite=None; Secure, or SameSite=Lax", c.attrs()))
		case c.sameSite == "":
			missing = append(missing, s.finding(c, "no SameSite attribute: the browser's default decides whether cross-site requests carry it", "SameSite=Lax or Strict", c.attrs()))
		}
	}
	switch {
	case len(bad) > 0:
		return check.Fail(fmt.Sprintf("%d cookie(s) with an invalid SameSite; %s", len(bad), jar.summary()), append(bad, missing...)...)
	case len(missing) > 0:
		return check.Warn(fmt.Sprintf("%d cookie(s) without SameSite; %s", len(missing), jar.summary()), missing...)
	}
	return check.Pass("every cookie has SameSite; " + jar.summary())
}

func (s *cookieSource) judgeHostPrefix(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	live := jar.live()
	var broken, advice []check.Finding
	for _, c := range live {
		lower := strings.ToLower(c.name)
		switch {
		case strings.HasPrefix(lower, "__host-"):
			var why []string
			if !c.secure {
				why = append(why, "no Secure")
			}
			if c.domain != "" {
				why = append(why, "a Domain")
			}
			if c.path != "/" {
				why = append(why, "a Path other than /")
			}
			if len(why) > 0 {
				broken = append(broken, s.finding(c, "__Host- cookie with "+strings.Join(why, ", ")+": browsers reject it", "Secure; Path=/; no Domain", c.attrs()))
			}
		case strings.HasPrefix(lower, "__secure-"):
			if !c.secure {
				broken = append(broken, s.finding(c, "__Secure- cookie without Secure: browsers reject it", "Secure", c.attrs()))
			}
		case c.session:
			advice = append(advice, s.finding(c, "no __Host- prefix: a subdomain or a plain-HTTP page can set or shadow it", "__Host-"+c.name+"; Secure; Path=/; no Domain", c.attrs()))
		}
	}
	switch {
	case len(broken) > 0:
		return check.Fail(fmt.Sprintf("%d prefixed cookie(s) break the prefix's rules; %s", len(broken), jar.summary()), append(broken, advice...)...)
	case len(advice) > 0:
		return check.Warn(fmt.Sprintf("%d session cookie(s) without the __Host- prefix; %s", len(advice), jar.summary()), advice...)
	case len(jar.sessions()) == 0:
		return check.Skip("no session cookie set; " + jar.summary())
	}
	return check.Pass("session cookies use the __Host- prefix; " + jar.summary())
}

// lifetime returns how long the browser keeps c, and false for a cookie
// that lasts the browser session.
func (c *setCookie) lifetime(now time.Time) (time.Duration, bool) {
	switch {
	case c.maxAge > 0:
		return time.Duration(c.maxAge) * time.Second, true
	case !c.expires.IsZero():
		return c.expires.Sub(now), true
	}
	return 0, false
}

func (s *cookieSource) judgeCookieLifetime(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	sess := jar.sessions()
	if len(sess) == 0 {
		return check.Skip("no session cookie set; " + jar.summary())
	}
	idle, abs := s.opts.idle(), s.opts.absolute()
	var over, long []check.Finding
	browser := 0
	for _, c := range sess {
		d, ok := c.lifetime(jar.now)
		switch {
		case !ok:
			browser++
		case d > abs:
			over = append(over, s.finding(c, fmt.Sprintf("lives %s, over the absolute session limit of %s", fmtDuration(d), fmtDuration(abs)),
				"Max-Age <= "+fmt.Sprint(int(abs.Seconds())), c.attrs()))
		case d > idle:
			long = append(long, s.finding(c, fmt.Sprintf("lives %s, over the idle limit of %s: the server must expire idle sessions itself", fmtDuration(d), fmtDuration(idle)),
				"Max-Age <= "+fmt.Sprint(int(idle.Seconds())), c.attrs()))
		}
	}
	limits := fmt.Sprintf("limits %s idle, %s absolute", fmtDuration(idle), fmtDuration(abs))
	switch {
	case len(over) > 0:
		return check.Fail(fmt.Sprintf("%d session cookie(s) outlive the absolute limit (%s); %s", len(over), limits, jar.summary()), append(over, long...)...)
	case len(long) > 0:
		return check.Warn(fmt.Sprintf("%d session cookie(s) outlive the idle limit (%s); %s", len(long), limits, jar.summary()), long...)
	}
	msg := fmt.Sprintf("session cookies within %s; %s", limits, jar.summary())
	if browser > 0 {
		msg += fmt.Sprintf("; %d last the browser session (the server must enforce the timeouts)", browser)
	}
	return check.Pass(msg)
}

// fmtDuration renders a duration in the largest whole unit that fits:
// "30m", "12h", "30d", "1h30m".
func fmtDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		s = fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= 48*time.Hour:
		s = fmt.Sprintf("%.1fd", d.Hours()/24)
	default:
		s = d.Round(time.Second).String()
		if strings.HasSuffix(s, "m0s") {
			s = s[:len(s)-2]
		}
		if strings.HasSuffix(s, "h0m") {
			s = s[:len(s)-2]
		}
	}
	if neg {
		return "-" + s
	}
	return s
}
