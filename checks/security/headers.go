package security

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// HeaderChecksOptions configures [HeaderChecks]. The zero value means
// production defaults.
type HeaderChecksOptions struct {
	// MinGrade is the lowest Observatory-style grade
	// security.headers.grade accepts; "" means "B".
	MinGrade string
	// Authenticated says the page answers authenticated requests, so its
	// responses must not be cached (security.headers.cache-control). It is
	// implied when the page's request carries Authorization or Cookie, its
	// URL carries credentials, or the response sets a cookie.
	Authenticated bool
}

// Grades from best to worst with the lowest score of each (Observatory
// src/grader/charts.js).
var observatoryGrades = []struct {
	grade string
	min   int
}{
	{"A+", 100}, {"A", 90}, {"A-", 85}, {"B+", 80}, {"B", 70}, {"B-", 65}, {"C+", 60},
	{"C", 50}, {"C-", 45}, {"D+", 40}, {"D", 30}, {"D-", 25}, {"F", 0},
}

// HeaderChecks returns one check per security header of the page and
// the page's Observatory-style grade, all reading the page's one
// response:
//
//   - security.headers.csp: Content-Security-Policy set, valid, without
//     'unsafe-inline' or 'unsafe-eval' for scripts, with default-src and
//     with plugins (object-src) restricted;
//   - security.headers.frame-options: CSP frame-ancestors or
//     X-Frame-Options DENY/SAMEORIGIN;
//   - security.headers.content-type-options: X-Content-Type-Options nosniff;
//   - security.headers.referrer-policy: a private Referrer-Policy;
//   - security.headers.corp, security.headers.coop, security.headers.coep:
//     the cross-origin isolation headers (warn; COOP and COEP on HTML only);
//   - security.headers.server-disclosure: no version in Server, no
//     X-Powered-By or X-AspNet-Version (warn, info);
//   - security.headers.cache-control: Cache-Control no-store on responses
//     that carry credentials (warn);
//   - security.headers.grade: the Mozilla HTTP Observatory score and grade
//     of the response, at least opts.MinGrade.
//
// A page that answers with a redirect cannot be judged for the headers a
// browser reads on the final page: those checks report an Error naming
// the Location, and the caller points them at the final URL.
func HeaderChecks(p *Page, opts HeaderChecksOptions) []check.Check {
	h := &headerSet{p: p, opts: opts}
	return []check.Check{
		h.new("csp", "Content-Security-Policy is set and restricts scripts and plugins", check.SeverityMedium, hdrItemXSS,
			"Send Content-Security-Policy with default-src, object-src 'none', scripts by 'self', nonces or hashes and no 'unsafe-inline'/'unsafe-eval' "+
				"(an API: default-src 'none'; frame-ancestors 'none').",
			[]string{"Mozilla Observatory: content-security-policy", "ZAP 10038", "OWASP ASVS 5.0 3.4.3", "W3C CSP Level 3"}, true, h.csp),
		h.new("frame-options", "Framing is restricted by CSP frame-ancestors or X-Frame-Options", check.SeverityMedium, hdrItemHeaders,
			"Send Content-Security-Policy: frame-ancestors 'none' (or 'self'), and X-Frame-Options: DENY for older browsers.",
			[]string{"Mozilla Observatory: x-frame-options", "ZAP 10020", "OWASP ASVS 5.0 3.4.6"}, true, h.frame),
		h.new("content-type-options", "X-Content-Type-Options is nosniff", check.SeverityLow, hdrItemHeaders,
			"Send X-Content-Type-Options: nosniff on every response.",
			[]string{"Mozilla Observatory: x-content-type-options", "ZAP 10021", "OWASP ASVS 5.0 3.4.4"}, true, h.xcto),
		h.new("referrer-policy", "Referrer-Policy keeps URLs private", check.SeverityLow, hdrItemHeaders,
			"Send Referrer-Policy: strict-origin-when-cross-origin (an API: no-referrer).",
			[]string{"Mozilla Observatory: referrer-policy", "OWASP ASVS 5.0 3.4.5"}, true, h.referrer),
		h.new("corp", "Cross-Origin-Resource-Policy is set", check.SeverityLow, hdrItemHeaders,
			"Send Cross-Origin-Resource-Policy: same-origin (or same-site); cross-origin only for resources meant for other sites.",
			[]string{"Mozilla Observatory: cross-origin-resource-policy", "OWASP HTTP Headers Cheat Sheet"}, true, h.corp),
		h.new("coop", "Cross-Origin-Opener-Policy isolates HTML pages", check.SeverityLow, hdrItemHeaders,
			"Send Cross-Origin-Opener-Policy: same-origin on HTML pages.",
			[]string{"Mozilla Observatory: cross-origin-opener-policy", "OWASP HTTP Headers Cheat Sheet"}, true, h.coop),
		h.new("coep", "Cross-Origin-Embedder-Policy is set on HTML pages", check.SeverityLow, hdrItemHeaders,
			"Send Cross-Origin-Embedder-Policy: require-corp (or credentialless) on HTML pages.",
			[]string{"Mozilla Observatory: cross-origin-embedder-policy", "OWASP HTTP Headers Cheat Sheet"}, true, h.coep),
		h.new("server-disclosure", "Server and X-Powered-By disclose no software version", check.SeverityInfo, hdrItemHeaders,
			"Drop the version from Server (nginx: server_tokens off;) and remove X-Powered-By, X-AspNet-Version and X-AspNetMvc-Version.",
			[]string{"ZAP 10036", "ZAP 10037", "ZAP 10061", "OWASP HTTP Headers Cheat Sheet"}, false, h.server),
		h.new("cache-control", "Responses that carry credentials are not cached (Cache-Control: no-store)", check.SeverityMedium, hdrItemHeaders,
			"Send Cache-Control: no-store on authenticated responses.",
			[]string{"OWASP REST Security Cheat Sheet", "ZAP 10015", "OWASP ASVS 5.0 14.3.2"}, false, h.cache),
		h.new("grade", "Observatory-style grade of the security headers is at least "+h.minGrade(), check.SeverityMedium, hdrItemHeaders,
			"Fix the failing security.headers.* checks; the message names each test that lost points.",
			[]string{"Mozilla HTTP Observatory: scoring (src/grader/charts.js)"}, true, h.grade),
	}
}

type headerSet struct {
	p    *Page
	opts HeaderChecksOptions
}

func (h *headerSet) minGrade() string {
	if h.opts.MinGrade == "" {
		return "B"
	}
	return h.opts.MinGrade
}

// new builds one header check. finalOnly checks report an Error on a
// redirect response.
func (h *headerSet) new(name, title string, s check.Severity, item, fix string, refs []string, finalOnly bool,
	judge func(r *Response) check.Result) check.Check {
	m := check.Meta{
		ID: "security.headers." + name, Target: h.p.URL(), Title: title,
		Section: hdrSectionAPI, Item: item, Severity: s,
		Tags: []string{"security", "headers"}, Remediation: fix, Refs: refs,
	}
	return check.New(m, func(ctx context.Context) check.Result {
		r, err := h.p.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		if finalOnly && isRedirect(r.Status) {
			return check.Errorf("security: %s answers %d to %q: check the final URL for its headers",
				h.p.URL(), r.Status, hdrClip(targetOf(r.Header.Get("Location"), nil), 200))
		}
		return judge(r)
	})
}

func (h *headerSet) loc(header string) check.Location {
	return check.Location{URL: h.p.URL(), Resource: "header " + header}
}

func hdrIsHTML(r *Response) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// hdrValue returns the header's values joined as a browser combines
// them, and how many fields there were.
func hdrValue(r *Response, name string) (string, int) {
	v := r.Header.Values(name)
	return strings.Join(v, ", "), len(v)
}

// --- CSP

// cspState is the CSP of a response as the tests and the grade read it.
type cspState struct {
	present, reportOnly bool
	err                 error
	v                   cspVerdict
}

func hdrReadCSP(r *Response) cspState {
	vals := r.Header.Values("Content-Security-Policy")
	s := cspState{present: len(vals) > 0, reportOnly: r.Header.Get("Content-Security-Policy-Report-Only") != ""}
	if !s.present {
		return s
	}
	ps, err := ParseCSP(vals...)
	if err != nil {
		s.err = err
		return s
	}
	s.v = judgeCSP(ps, r.URL.Scheme == "https")
	if s.v.strictDynamicNo {
		s.err = fmt.Errorf("'strict-dynamic' without a nonce or hash")
	}
	return s
}

func (h *headerSet) csp(r *Response) check.Result {
	s := hdrReadCSP(r)
	loc := h.loc("Content-Security-Policy")
	value, _ := hdrValue(r, "Content-Security-Policy")
	actual := hdrClip(value, 300)
	switch {
	case !s.present && s.reportOnly:
		return check.Fail("only Content-Security-Policy-Report-Only is set: nothing is enforced", check.Finding{
			Message: "CSP in report-only mode", Location: h.loc("Content-Security-Policy-Report-Only"),
			Expected: "an enforced Content-Security-Policy", Actual: "report-only"})
	case !s.present:
		return check.Fail("no Content-Security-Policy header", check.Finding{
			Message: "CSP missing", Location: loc, Expected: "default-src 'self'; object-src 'none'; frame-ancestors 'none'", Actual: "absent"})
	case s.err != nil:
		return check.Fail("invalid Content-Security-Policy: "+s.err.Error(), check.Finding{
			Message: "CSP invalid: " + s.err.Error(), Location: loc, Expected: "a valid policy", Actual: actual})
	}
	var fs []check.Finding
	add := func(msg, exp string) {
		fs = append(fs, check.Finding{Message: msg, Location: loc, Expected: exp, Actual: actual})
	}
	v := s.v
	if v.scriptInline {
		add("scripts allow 'unsafe-inline' or data: (or are unrestricted): injected inline script runs",
			"script-src without 'unsafe-inline' and data:, or with nonces/hashes")
	}
	if v.scriptBroad {
		add("scripts allowed from any host or scheme", "script-src limited to 'self', hosts, nonces or hashes")
	}
	if v.unsafeEval {
		add("'unsafe-eval' allows eval() of injected strings", "no 'unsafe-eval'")
	}
	if v.objectBroad {
		add("plugins (object-src) are not restricted", "object-src 'none' (or default-src 'none')")
	}
	if v.insecureActive {
		add("active content allowed over http: or ftp: on an https page", "https: sources only")
	}
	if v.noDefaultSrc {
		add("no default-src: every fetch directive not listed is unrestricted", "default-src 'self' or 'none'")
	}
	var notes []string
	if v.styleInline {
		notes = append(notes, "styles allow 'unsafe-inline'")
	}
	if v.insecurePassive {
		notes = append(notes, "images/media over http:")
	}
	if !v.frameAncestors {
		notes = append(notes, "no frame-ancestors")
	}
	if len(fs) > 0 {
		return check.Fail(fmt.Sprintf("Content-Security-Policy has %d problem(s)", len(fs)), fs...)
	}
	msg := "Content-Security-Policy restricts scripts and plugins"
	if v.defaultNone {
		msg += " (default-src 'none')"
	}
	if len(notes) > 0 {
		msg += "; note: " + strings.Join(notes, ", ")
	}
	return check.Pass(msg)
}

// --- X-Frame-Options

// hdrReadXFO returns "", "deny", "sameorigin", "allow-from" or "invalid",
// and the header's value.
func hdrReadXFO(r *Response) (state, value string) {
	vals := r.Header.Values("X-Frame-Options")
	if len(vals) == 0 {
		return "", ""
	}
	value = strings.Join(vals, ", ")
	seen := map[string]bool{}
	for _, v := range strings.Split(value, ",") {
		seen[strings.ToLower(strings.TrimSpace(v))] = true
	}
	if len(seen) != 1 {
		return "invalid", value // conflicting values: browsers ignore the header
	}
	for v := range seen {
		switch {
		case v == "deny", v == "sameorigin":
			return v, value
		case strings.HasPrefix(v, "allow-from"):
			return "allow-from", value
		}
	}
	return "invalid", value
}

func (h *headerSet) frame(r *Response) check.Result {
	cs := hdrReadCSP(r)
	xfo, value := hdrReadXFO(r)
	if cs.present && cs.err == nil && cs.v.frameAncestors {
		msg := "CSP frame-ancestors restricts framing"
		if xfo == "deny" || xfo == "sameorigin" {
			msg += "; X-Frame-Options " + strings.ToUpper(xfo) + " for older browsers"
		}
		return check.Pass(msg)
	}
	loc := h.loc("X-Frame-Options")
	switch xfo {
	case "deny", "sameorigin":
		return check.Pass("X-Frame-Options " + strings.ToUpper(xfo) + "; note: CSP frame-ancestors is the current standard")
	case "allow-from":
		return check.Fail("X-Frame-Options ALLOW-FROM is ignored by current browsers: framing is not restricted", check.Finding{
			Message: "X-Frame-Options ALLOW-FROM is obsolete", Location: loc,
			Expected: "frame-ancestors <origins> in CSP", Actual: hdrClip(value, 200)})
	case "invalid":
		return check.Fail("invalid X-Frame-Options: browsers ignore it", check.Finding{
			Message: "X-Frame-Options invalid or conflicting", Location: loc,
			Expected: "DENY or SAMEORIGIN, once", Actual: hdrClip(value, 200)})
	}
	return check.Fail("neither CSP frame-ancestors nor X-Frame-Options: the page can be framed (clickjacking)", check.Finding{
		Message: "framing not restricted", Location: loc,
		Expected: "frame-ancestors 'none' or X-Frame-Options: DENY", Actual: "absent"})
}

// --- X-Content-Type-Options

func hdrReadXCTO(r *Response) (ok, present bool, value string) {
	value, n := hdrValue(r, "X-Content-Type-Options")
	return n == 1 && strings.EqualFold(strings.TrimSpace(value), "nosniff"), n > 0, value
}

func (h *headerSet) xcto(r *Response) check.Result {
	ok, present, value := hdrReadXCTO(r)
	switch {
	case ok:
		return check.Pass("X-Content-Type-Options nosniff")
	case present:
		return check.Fail("invalid X-Content-Type-Options", check.Finding{Message: "X-Content-Type-Options not nosniff",
			Location: h.loc("X-Content-Type-Options"), Expected: "nosniff", Actual: hdrClip(value, 200)})
	}
	return check.Fail("no X-Content-Type-Options: browsers may sniff content types", check.Finding{
		Message: "X-Content-Type-Options missing", Location: h.loc("X-Content-Type-Options"), Expected: "nosniff", Actual: "absent"})
}

// --- Referrer-Policy

var referrerPrivate = map[string]bool{"no-referrer": true, "same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true}
var referrerUnsafe = map[string]bool{"origin": true, "origin-when-cross-origin": true, "unsafe-url": true, "no-referrer-when-downgrade": true}

// hdrReadReferrer returns the policy a browser applies (the last
// recognised token), "" when none is set and "invalid" when none is
// recognised.
func hdrReadReferrer(r *Response) (policy, value string) {
	value, n := hdrValue(r, "Referrer-Policy")
	if n == 0 {
		return "", ""
	}
	policy = "invalid"
	for _, t := range strings.Split(value, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if referrerPrivate[t] || referrerUnsafe[t] {
			policy = t
		}
	}
	return policy, value
}

func (h *headerSet) referrer(r *Response) check.Result {
	policy, value := hdrReadReferrer(r)
	loc := h.loc("Referrer-Policy")
	switch {
	case referrerPrivate[policy]:
		return check.Pass("Referrer-Policy " + policy)
	case policy == "":
		return check.Fail("no Referrer-Policy: the browser default applies", check.Finding{Message: "Referrer-Policy missing",
			Location: loc, Expected: "strict-origin-when-cross-origin or no-referrer", Actual: "absent"})
	case policy == "invalid":
		return check.Fail("invalid Referrer-Policy", check.Finding{Message: "Referrer-Policy not recognised",
			Location: loc, Expected: "strict-origin-when-cross-origin or no-referrer", Actual: hdrClip(value, 200)})
	}
	return check.Fail("Referrer-Policy "+policy+" leaks URLs to other sites", check.Finding{Message: "unsafe Referrer-Policy",
		Location: loc, Expected: "strict-origin-when-cross-origin or no-referrer", Actual: hdrClip(value, 200)})
}

// --- CORP / COOP / COEP

// crossOriginRule judges one of the isolation headers: good values pass,
// neutral ones are a choice, anything else warns.
type crossOriginRule struct {
	header  string
	good    map[string]bool
	neutral map[string]bool
	html    bool // applies to HTML documents only
	want    string
}

var (
	corpRule = crossOriginRule{header: "Cross-Origin-Resource-Policy", good: map[string]bool{"same-origin": true, "same-site": true},
		neutral: map[string]bool{"cross-origin": true}, want: "same-origin or same-site"}
	coopRule = crossOriginRule{header: "Cross-Origin-Opener-Policy",
		good:    map[string]bool{"same-origin": true, "same-origin-allow-popups": true, "noopener-allow-popups": true},
		neutral: map[string]bool{"unsafe-none": true}, html: true, want: "same-origin"}
	coepRule = crossOriginRule{header: "Cross-Origin-Embedder-Policy", good: map[string]bool{"require-corp": true, "credentialless": true},
		neutral: map[string]bool{"unsafe-none": true}, html: true, want: "require-corp or credentialless"}
)

// read returns "good", "neutral", "invalid" or "" (missing), and the
// value lower-cased without parameters.
func (c crossOriginRule) read(r *Response) (state, value string) {
	value, n := hdrValue(r, c.header)
	if n == 0 {
		return "", ""
	}
	v := strings.ToLower(strings.TrimSpace(value))
	if i := strings.IndexByte(v, ';'); i >= 0 { // COOP/COEP take parameters (report-to)
		v = strings.TrimSpace(v[:i])
	}
	switch {
	case n > 1:
		return "invalid", value
	case c.good[v]:
		return "good", v
	case c.neutral[v]:
		return "neutral", v
	}
	return "invalid", value
}

func (h *headerSet) crossOrigin(r *Response, c crossOriginRule) check.Result {
	if c.html && !hdrIsHTML(r) {
		return check.Skip(c.header + " applies to HTML documents; the response is " + hdrOrNone(r.Header.Get("Content-Type")))
	}
	state, value := c.read(r)
	loc := h.loc(c.header)
	switch state {
	case "good":
		return check.Pass(c.header + " " + value)
	case "neutral":
		if c.header == corpRule.header {
			return check.Pass(c.header + " cross-origin: the resource is meant to be embedded by other sites")
		}
		return check.Warn(c.header+" "+value+" does not isolate the page", check.Finding{Message: c.header + " " + value,
			Location: loc, Expected: c.want, Actual: value})
	case "invalid":
		return check.Warn("invalid "+c.header+": browsers ignore it", check.Finding{Message: c.header + " invalid",
			Location: loc, Expected: c.want, Actual: hdrClip(value, 200)})
	}
	return check.Warn("no "+c.header, check.Finding{Message: c.header + " missing", Location: loc, Expected: c.want, Actual: "absent"})
}

func (h *headerSet) corp(r *Response) check.Result { return h.crossOrigin(r, corpRule) }
func (h *headerSet) coop(r *Response) check.Result { return h.crossOrigin(r, coopRule) }
func (h *headerSet) coep(r *Response) check.Result { return h.crossOrigin(r, coepRule) }

func hdrOrNone(s string) string {
	if s == "" {
		return "without Content-Type"
	}
	return hdrClip(s, 80)
}

// --- Server / X-Powered-By

var hdrVersionRE = regexp.MustCompile(`\d+\.\d+|/\s*\d`)

func (h *headerSet) server(r *Response) check.Result {
	var fs []check.Finding
	if v := r.Header.Get("Server"); v != "" && hdrVersionRE.MatchString(v) {
		fs = append(fs, check.Finding{Message: "Server discloses a version", Location: h.loc("Server"),
			Expected: "a product name without version, or no Server header", Actual: hdrClip(v, 120)})
	}
	for _, name := range []string{"X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
		if v := r.Header.Get(name); v != "" {
			fs = append(fs, check.Finding{Message: name + " discloses the software stack", Location: h.loc(name),
				Expected: "absent", Actual: hdrClip(v, 120)})
		}
	}
	if len(fs) > 0 {
		return check.Warn(fmt.Sprintf("%d header(s) disclose software versions", len(fs)), fs...)
	}
	server := r.Header.Get("Server")
	if server == "" {
		server = "-"
	}
	return check.Pass("no software version disclosed (Server: " + hdrClip(server, 80) + ")")
}

// --- Cache-Control

// credentialed says why the page's response carries credentials, or "".
func (h *headerSet) credentialed(r *Response) string {
	switch {
	case h.opts.Authenticated:
		return "the page is marked authenticated"
	case h.p.u != nil && h.p.u.User != nil:
		return "the URL carries credentials"
	}
	for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		if h.p.opts.Header.Get(k) != "" {
			return "the request carries " + k
		}
	}
	if len(r.Header.Values("Set-Cookie")) > 0 {
		return "the response sets a cookie"
	}
	return ""
}

func (h *headerSet) cache(r *Response) check.Result {
	why := h.credentialed(r)
	if why == "" {
		return check.Skip("the request carried no credentials and the response sets no cookie")
	}
	value, _ := hdrValue(r, "Cache-Control")
	for _, d := range strings.Split(value, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(strings.TrimSpace(name), "no-store") {
			return check.Pass("Cache-Control no-store (" + why + ")")
		}
	}
	actual := "absent"
	if value != "" {
		actual = hdrClip(value, 200)
	}
	return check.Warn("a response with credentials may be cached ("+why+")", check.Finding{
		Message: "Cache-Control lacks no-store", Location: h.loc("Cache-Control"), Expected: "no-store", Actual: actual})
}

// --- grade

// ObservatoryScore is the Observatory-style score of one response.
type ObservatoryScore struct {
	Score int    // 0 and up; above 100 with bonuses
	Grade string // A+ ... F
	Tests []ObservatoryTest
}

// ObservatoryTest is one test's result and score modifier.
type ObservatoryTest struct {
	Name     string // the Observatory's test name: "content-security-policy"
	Result   string // its result name: "csp-not-implemented"
	Modifier int
}

// ObservatoryGrade grades r as the Mozilla HTTP Observatory does from one
// response: start at 100, add each test's modifier, count bonuses only
// when the score with the penalties is at least 90, floor at 0, and map
// score - score%5 to a grade. The redirection and subresource-integrity
// tests need other requests or the HTML and score 0 here; CORS scores
// only what the plain GET shows (the CORS checks probe it fully).
func ObservatoryGrade(r *Response) ObservatoryScore {
	var tests []ObservatoryTest
	add := func(name, result string, mod int) { tests = append(tests, ObservatoryTest{name, result, mod}) }

	cs := hdrReadCSP(r)
	switch {
	case !cs.present && cs.reportOnly:
		add("content-security-policy", "csp-not-implemented-but-reporting-enabled", -25)
	case !cs.present:
		add("content-security-policy", "csp-not-implemented", -25)
	case cs.err != nil:
		add("content-security-policy", "csp-header-invalid", -25)
	case cs.v.scriptInline || cs.v.scriptBroad || cs.v.objectBroad:
		add("content-security-policy", "csp-implemented-with-unsafe-inline", -20)
	case cs.v.insecureActive:
		add("content-security-policy", "csp-implemented-with-insecure-scheme", -20)
	case cs.v.unsafeEval:
		add("content-security-policy", "csp-implemented-with-unsafe-eval", -10)
	case cs.v.insecurePassive:
		add("content-security-policy", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10)
	case cs.v.styleInline:
		add("content-security-policy", "csp-implemented-with-unsafe-inline-in-style-src-only", 0)
	case cs.v.defaultNone:
		add("content-security-policy", "csp-implemented-with-no-unsafe-default-src-none", 10)
	default:
		add("content-security-policy", "csp-implemented-with-no-unsafe", 5)
	}

	hstsOK := false
	if r.URL.Scheme == "https" {
		vals := r.Header.Values("Strict-Transport-Security")
		h, err := ParseHSTS(strings.Join(vals, ","))
		switch {
		case len(vals) == 0:
			add("strict-transport-security", "hsts-not-implemented", -20)
		case err != nil:
			add("strict-transport-security", "hsts-header-invalid", -20)
		case h.MaxAge < HSTSMinMaxAge:
			add("strict-transport-security", "hsts-implemented-max-age-less-than-six-months", -10)
		default:
			hstsOK = true
			add("strict-transport-security", "hsts-implemented-max-age-at-least-six-months", 0)
		}
	} else {
		add("strict-transport-security", "hsts-not-implemented-no-https", -20)
	}

	name, mod := observatoryCookies(r, hstsOK)
	add("cookies", name, mod)

	if r.Header.Get("Access-Control-Allow-Origin") == "*" {
		add("cross-origin-resource-sharing", "cross-origin-resource-sharing-implemented-with-public-access", 0)
	} else {
		add("cross-origin-resource-sharing", "cross-origin-resource-sharing-not-implemented", 0)
	}
	add("redirection", "not-scored-here", 0)
	add("subresource-integrity", "not-scored-here", 0)

	switch policy, _ := hdrReadReferrer(r); {
	case referrerPrivate[policy]:
		add("referrer-policy", "referrer-policy-private", 5)
	case policy == "":
		add("referrer-policy", "referrer-policy-not-implemented", 0)
	case policy == "invalid":
		add("referrer-policy", "referrer-policy-header-invalid", -5)
	default:
		add("referrer-policy", "referrer-policy-unsafe", -5)
	}

	switch ok, present, _ := hdrReadXCTO(r); {
	case ok:
		add("x-content-type-options", "x-content-type-options-nosniff", 0)
	case present:
		add("x-content-type-options", "x-content-type-options-header-invalid", -5)
	default:
		add("x-content-type-options", "x-content-type-options-not-implemented", -5)
	}

	xfo, _ := hdrReadXFO(r)
	switch {
	case cs.present && cs.err == nil && cs.v.frameAncestors:
		add("x-frame-options", "x-frame-options-implemented-via-csp", 5)
	case xfo == "deny" || xfo == "sameorigin":
		add("x-frame-options", "x-frame-options-sameorigin-or-deny", 5)
	case xfo == "allow-from":
		add("x-frame-options", "x-frame-options-allow-from-origin", 0)
	case xfo == "invalid":
		add("x-frame-options", "x-frame-options-header-invalid", -20)
	default:
		add("x-frame-options", "x-frame-options-not-implemented", -20)
	}

	for _, c := range []struct {
		rule crossOriginRule
		name string
	}{{corpRule, "cross-origin-resource-policy"}, {coopRule, "cross-origin-opener-policy"}, {coepRule, "cross-origin-embedder-policy"}} {
		state, v := c.rule.read(r)
		switch {
		case c.rule.html && !hdrIsHTML(r):
			add(c.name, c.name+"-not-needed", 0)
		case state == "good":
			add(c.name, c.name+"-implemented-"+v, 10)
		case state == "neutral":
			add(c.name, c.name+"-implemented-"+v, 0)
		case state == "invalid":
			add(c.name, c.name+"-header-invalid", -5)
		default:
			add(c.name, c.name+"-not-implemented", 0)
		}
	}

	penalty, bonus := 0, 0
	for _, t := range tests {
		if t.Modifier < 0 {
			penalty += t.Modifier
		} else {
			bonus += t.Modifier
		}
	}
	score := 100 + penalty
	if score >= 90 {
		score += bonus
	}
	score = max(score, 0)
	return ObservatoryScore{Score: score, Grade: observatoryGradeOf(score), Tests: tests}
}

func observatoryGradeOf(score int) string {
	s := min(score-score%5, 100)
	for _, g := range observatoryGrades {
		if s >= g.min {
			return g.grade
		}
	}
	return "F"
}

func observatoryGradeRank(g string) int {
	for i, x := range observatoryGrades {
		if strings.EqualFold(x.grade, g) {
			return i
		}
	}
	return -1
}

// observatoryCookies applies the Observatory's cookie test to the
// response's Set-Cookie headers. A session cookie is one whose name
// contains "login" or "sess". Only names are read, never values.
func observatoryCookies(r *Response, hsts bool) (string, int) {
	vals := r.Header.Values("Set-Cookie")
	if len(vals) == 0 {
		return "cookies-not-found", 0
	}
	worst, worstName := 1, ""
	set := func(mod int, name string) {
		if mod < worst {
			worst, worstName = mod, name
		}
	}
	allSameSite := true
	for _, v := range vals {
		c, err := http.ParseSetCookie(v)
		if err != nil {
			continue
		}
		name := strings.ToLower(c.Name)
		session := strings.Contains(name, "login") || strings.Contains(name, "sess")
		if c.SameSite == 0 {
			allSameSite = false
			if strings.Contains(name, "csrf") {
				set(-20, "cookies-anticsrf-without-samesite-flag")
			}
		}
		if c.SameSite == http.SameSiteNoneMode && !c.Secure {
			set(-20, "cookies-samesite-flag-invalid")
		}
		switch {
		case session && !c.Secure && hsts:
			set(-10, "cookies-session-without-secure-flag-but-protected-by-hsts")
		case session && !c.Secure:
			set(-40, "cookies-session-without-secure-flag")
		case !c.Secure && hsts:
			set(-5, "cookies-without-secure-flag-but-protected-by-hsts")
		case !c.Secure:
			set(-20, "cookies-without-secure-flag")
		}
		if session && !c.HttpOnly {
			set(-30, "cookies-session-without-httponly-flag")
		}
	}
	switch {
	case worst < 0:
		return worstName, worst
	case allSameSite:
		return "cookies-secure-with-httponly-sessions-and-samesite", 5
	}
	return "cookies-secure-with-httponly-sessions", 0
}

func (h *headerSet) grade(r *Response) check.Result {
	minRank := observatoryGradeRank(h.minGrade())
	if minRank < 0 {
		return check.Errorf("security: unknown grade %q (want A+ to F)", h.minGrade())
	}
	s := ObservatoryGrade(r)
	var parts []string
	var fs []check.Finding
	for _, t := range s.Tests {
		if t.Modifier != 0 {
			parts = append(parts, fmt.Sprintf("%s %+d", t.Result, t.Modifier))
		}
		if t.Modifier < 0 {
			fs = append(fs, check.Finding{Message: t.Name + ": " + t.Result, Location: check.Location{URL: h.p.URL()},
				Expected: "no penalty", Actual: fmt.Sprintf("%+d", t.Modifier)})
		}
	}
	msg := fmt.Sprintf("%s (%d/100)", s.Grade, s.Score)
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	if observatoryGradeRank(s.Grade) > minRank {
		if len(fs) == 0 {
			fs = append(fs, check.Finding{Message: "grade below " + h.minGrade(), Location: check.Location{URL: h.p.URL()},
				Expected: h.minGrade(), Actual: s.Grade})
		}
		return check.Fail(msg, fs...)
	}
	return check.Pass(msg)
}
