package security

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/prodcheck/prodcheck/check"
)

// CORSMaxRequests is the most requests [CORS] sends to one URL.
const CORSMaxRequests = 12

// corsParallel bounds the probes of one URL in flight at once.
const corsParallel = 4

const (
	corsSection = "Security Hardening / API Security"
	corsItem    = "CORS properly configured"
)

// CORSOptions configures [CORS]. The zero value probes with random
// attacker origins derived from the URL's own origin.
type CORSOptions struct {
	// Trusted lists the origins allowed to read the URL's responses, as
	// a browser sends them: "https://app.example.com". Each must be
	// allowed (security.cors.trusted), none counts as an attack, and the
	// first one is the origin the bypass probes imitate (a server's
	// allow-list names its front end, not itself). Empty: the bypasses
	// imitate the URL's own origin and security.cors.trusted skips.
	Trusted []string
	// Authenticated says the URL serves data behind credentials
	// (cookies, Authorization), so "Access-Control-Allow-Origin: *"
	// warns. It is implied when the page sends an Authorization or
	// Cookie header.
	Authenticated bool
	// MaxRequests caps the probes sent to the URL; 0, or more than
	// [CORSMaxRequests], means CORSMaxRequests.
	MaxRequests int
	// AttackerDomain is the domain the attacker origins are built on;
	// "" means a random label under .test, fresh for each call of CORS.
	AttackerDomain string
}

// CORS returns the CORS checks of one URL, all judged on one matrix of
// probes per run (at most [CORSMaxRequests] requests): a GET and a
// preflight OPTIONS with a foreign origin, and GETs with "null", the
// suffix, prefix and underscore bypasses, the http:// origin of an https
// site, an unescaped-dot look-alike and each trusted origin. When the
// page carries credentials, the foreign GET is also sent without them.
// A reflection of any origin is decisive: the bypass probes are then
// not sent.
//
//   - security.cors.credentials (critical): an untrusted origin is
//     allowed with Access-Control-Allow-Credentials: true, the worst
//     finding: any site reads the user's data;
//   - security.cors.reflected-origin (high): an untrusted origin is
//     allowed at all;
//   - security.cors.wildcard (medium): "*" on an authenticated URL, or
//     "*" with credentials, warns;
//   - security.cors.vary (low): an Access-Control-Allow-Origin that
//     depends on the Origin without "Vary: Origin" warns (cache
//     poisoning);
//   - security.cors.trusted (medium): every trusted origin is allowed.
//
// A server that answers the preflight with 405 is still judged on its
// GETs.
func CORS(p *Page, opts CORSOptions) []check.Check {
	m := &corsMatrixSource{page: p, opts: opts}
	m.src = check.NewSource(m.load)
	target := p.URL()
	meta := func(id, title string, sev check.Severity, remediation string, refs ...string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      target,
			Title:       title,
			Section:     corsSection,
			Item:        corsItem,
			Severity:    sev,
			Tags:        []string{"security", "http", "cors"},
			Remediation: remediation,
			Refs:        append([]string{"OWASP WSTG-CLNT-07", "OWASP ASVS 5.0 3.4.2", "ZAP 40040", "Corsy"}, refs...),
		}
	}
	const fixAllowList = "Compare the Origin header with an exact allow-list of full origins (scheme, host and port) and send no Access-Control-Allow-Origin for any other origin; never echo the Origin, never allow null."
	return []check.Check{
		check.New(meta("security.cors.credentials", "No untrusted origin may read responses with credentials",
			check.SeverityCritical, fixAllowList+" Send Access-Control-Allow-Credentials: true only to those origins.",
			"Observatory cross-origin-resource-sharing (universal access)"), m.judgeCredentials),
		check.New(meta("security.cors.reflected-origin", "No untrusted origin is allowed (foreign, null, suffix, prefix, underscore, http://, unescaped dot)",
			check.SeverityHigh, fixAllowList), m.judgeReflected),
		check.New(meta("security.cors.wildcard", "No Access-Control-Allow-Origin: * on an authenticated URL",
			check.SeverityMedium, "Replace * with an exact allow-list of origins for authenticated responses; * is only for public data.",
			"ZAP 10098", "Observatory cross-origin-resource-sharing"), m.judgeWildcard),
		check.New(meta("security.cors.vary", "A dynamic Access-Control-Allow-Origin comes with Vary: Origin",
			check.SeverityLow, "Add Vary: Origin to every response whose Access-Control-Allow-Origin depends on the request's Origin, so caches do not serve one origin's answer to another."), m.judgeVary),
		check.New(meta("security.cors.trusted", "Every trusted origin is allowed",
			check.SeverityMedium, "Add the trusted origins to the server's CORS allow-list exactly as the browser sends them (scheme://host[:port]).",
		), m.judgeTrusted),
	}
}

// corsKind is what a probe's Origin imitates.
type corsKind int

const (
	corsForeign corsKind = iota
	corsNull
	corsSuffix
	corsPrefix
	corsUnderscore
	corsInsecure
	corsDot
	corsTrusted
)

func (k corsKind) String() string {
	switch k {
	case corsForeign:
		return "foreign origin"
	case corsNull:
		return "null origin"
	case corsSuffix:
		return "suffix bypass"
	case corsPrefix:
		return "prefix bypass"
	case corsUnderscore:
		return "underscore bypass"
	case corsInsecure:
		return "http:// origin"
	case corsDot:
		return "unescaped-dot look-alike"
	case corsTrusted:
		return "trusted origin"
	}
	return "origin"
}

// corsProbe is one request of the matrix and what came back.
type corsProbe struct {
	kind     corsKind
	method   string // GET or OPTIONS
	origin   string
	anon     bool // the page's credentials were left out
	status   int
	acao     string // Access-Control-Allow-Origin, trimmed; "" when absent
	acaoN    int    // how many Access-Control-Allow-Origin values came back
	acac     bool   // Access-Control-Allow-Credentials: true
	varyOrig bool   // Vary names Origin (or is *)
	err      error  // only for OPTIONS, which may fail without deciding anything
}

// reflected reports whether the response allows exactly the origin sent.
func (pr *corsProbe) reflected() bool {
	return pr.err == nil && pr.acao != "" && strings.EqualFold(pr.acao, pr.origin)
}

func (pr *corsProbe) wildcard() bool { return pr.err == nil && pr.acao == "*" }

// label names the probe in a finding: "GET, Origin: null".
func (pr *corsProbe) label() string {
	s := pr.method + " " + pr.kind.String() + ", Origin: " + pr.origin
	if pr.anon {
		s += ", without credentials"
	}
	return s
}

// actual renders what the response said.
func (pr *corsProbe) actual() string {
	if pr.acao == "" {
		return fmt.Sprintf("status %d, no Access-Control-Allow-Origin", pr.status)
	}
	s := fmt.Sprintf("Access-Control-Allow-Origin: %s", pr.acao)
	if pr.acac {
		s += ", Access-Control-Allow-Credentials: true"
	}
	return s
}

// corsMatrix is the run's answer: every probe sent, in matrix order.
type corsMatrix struct {
	probes   []*corsProbe
	decisive bool     // any origin was reflected (or *): bypass probes were not sent
	unsent   []string // trusted origins not probed for lack of budget
	note     string   // about the preflight: "preflight answered 405"
}

type corsMatrixSource struct {
	page *Page
	opts CORSOptions
	src  *check.Source[*corsMatrix]
}

func (m *corsMatrixSource) budget() int {
	if m.opts.MaxRequests <= 0 || m.opts.MaxRequests > CORSMaxRequests {
		return CORSMaxRequests
	}
	return m.opts.MaxRequests
}

// credentialed reports whether the page sends credentials of its own.
func (m *corsMatrixSource) credentialed() bool {
	for _, k := range []string{"Authorization", "Cookie"} {
		if len(m.page.opts.Header.Values(k)) > 0 {
			return true
		}
	}
	return false
}

func (m *corsMatrixSource) authenticated() bool { return m.opts.Authenticated || m.credentialed() }

// trusted returns the normalised trusted origins.
func (m *corsMatrixSource) trusted() []string {
	var out []string
	for _, t := range m.opts.Trusted {
		if t = normOrigin(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (m *corsMatrixSource) isTrusted(origin string) bool {
	o := normOrigin(origin)
	for _, t := range m.trusted() {
		if t == o {
			return true
		}
	}
	return false
}

// normOrigin lower-cases an origin and drops a trailing slash.
func normOrigin(o string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
}

// corsBase is the origin the bypasses imitate.
type corsBase struct {
	scheme, host, port string
}

func (b corsBase) origin(scheme, host string) string {
	if b.port != "" {
		host = net.JoinHostPort(host, b.port)
	}
	return scheme + "://" + host
}

func baseOf(origin string) (corsBase, bool) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return corsBase{}, false
	}
	return corsBase{scheme: u.Scheme, host: strings.ToLower(u.Hostname()), port: u.Port()}, true
}

// registrable approximates a host's registrable domain by its last two
// labels; an IP address or a one-label host is returned whole.
func registrable(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

func randomLabel() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return "pc" + hex.EncodeToString(b)
}

type corsPlan struct {
	kind   corsKind
	method string
	origin string
	anon   bool
}

// plan returns the first and the second round of probes.
func (m *corsMatrixSource) plan(target *url.URL) (first, second []corsPlan) {
	attacker := strings.Trim(strings.ToLower(m.opts.AttackerDomain), ".")
	if attacker == "" {
		attacker = randomLabel() + ".test"
	}
	label := strings.SplitN(attacker, ".", 2)[0]
	self := corsBase{scheme: target.Scheme, host: strings.ToLower(target.Hostname()), port: target.Port()}
	base := self
	for _, t := range m.trusted() {
		if b, ok := baseOf(t); ok {
			base = b
			break
		}
	}
	foreign := "https://" + attacker
	first = append(first,
		corsPlan{corsForeign, http.MethodGet, foreign, false},
		corsPlan{corsForeign, http.MethodOptions, foreign, true},
		corsPlan{corsNull, http.MethodGet, "null", false},
	)
	if m.credentialed() {
		first = append(first, corsPlan{corsForeign, http.MethodGet, foreign, true})
	}
	second = append(second,
		corsPlan{corsSuffix, http.MethodGet, base.origin(base.scheme, base.host+"."+attacker), false},
		corsPlan{corsPrefix, http.MethodGet, base.origin(base.scheme, label+registrable(base.host)), false},
		corsPlan{corsUnderscore, http.MethodGet, base.origin(base.scheme, base.host+"_."+attacker), false},
	)
	if base.scheme == "https" {
		second = append(second, corsPlan{corsInsecure, http.MethodGet, base.origin("http", base.host), false})
	}
	if i := strings.IndexByte(base.host, '.'); i > 0 {
		second = append(second, corsPlan{corsDot, http.MethodGet, base.origin(base.scheme, base.host[:i]+"x"+base.host[i+1:]), false})
	}
	// Drop any bypass the caller trusts.
	keep := second[:0]
	for _, pl := range second {
		if !m.isTrusted(pl.origin) {
			keep = append(keep, pl)
		}
	}
	second = keep
	if m.isTrusted("null") {
		first = append(first[:2:2], first[3:]...)
	}
	return first, second
}

func (m *corsMatrixSource) load(ctx context.Context) (*corsMatrix, error) {
	if m.page.err != nil {
		return nil, m.page.err
	}
	first, second := m.plan(m.page.u)
	budget := m.budget()
	mx := &corsMatrix{}
	take := func(plans []corsPlan) []corsPlan {
		n := min(len(plans), budget-len(mx.probes))
		if n < 0 {
			n = 0
		}
		return plans[:n]
	}
	round := take(first)
	probes, err := m.send(ctx, round)
	mx.probes = append(mx.probes, probes...)
	if err != nil {
		return nil, err
	}
	for _, pr := range probes {
		if pr.kind == corsForeign && pr.method == http.MethodGet && (pr.reflected() || pr.wildcard()) {
			mx.decisive = true
		}
	}
	var trustedPlans []corsPlan
	for _, t := range m.trusted() {
		trustedPlans = append(trustedPlans, corsPlan{corsTrusted, http.MethodGet, t, false})
	}
	var next []corsPlan
	if !mx.decisive {
		next = append(next, second...)
	}
	next = append(next, trustedPlans...)
	sent := take(next)
	for _, pl := range next[len(sent):] {
		if pl.kind == corsTrusted {
			mx.unsent = append(mx.unsent, pl.origin)
		}
	}
	probes, err = m.send(ctx, sent)
	mx.probes = append(mx.probes, probes...)
	if err != nil {
		return nil, err
	}
	for _, pr := range mx.probes {
		if pr.method != http.MethodOptions {
			continue
		}
		switch {
		case pr.err != nil:
			mx.note = "preflight failed (" + pr.err.Error() + "); judged on the GETs"
		case pr.status == http.StatusMethodNotAllowed || pr.status == http.StatusNotImplemented:
			mx.note = fmt.Sprintf("preflight answered %d; judged on the GETs", pr.status)
		}
	}
	return mx, nil
}

// send runs one round of probes concurrently. A failed GET fails the
// round; a failed OPTIONS is recorded on its probe.
func (m *corsMatrixSource) send(ctx context.Context, plans []corsPlan) ([]*corsProbe, error) {
	out := make([]*corsProbe, len(plans))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(corsParallel)
	var mu sync.Mutex
	for i, pl := range plans {
		g.Go(func() error {
			pr, err := m.probe(gctx, pl)
			if err != nil {
				if pl.method == http.MethodOptions && ctx.Err() == nil {
					pr = &corsProbe{kind: pl.kind, method: pl.method, origin: pl.origin, anon: pl.anon, err: err}
				} else {
					return err
				}
			}
			mu.Lock()
			out[i] = pr
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func (m *corsMatrixSource) probe(ctx context.Context, pl corsPlan) (*corsProbe, error) {
	req, err := http.NewRequestWithContext(ctx, pl.method, m.page.u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("security: CORS probe %s: %w", m.page.URL(), err)
	}
	req.Header.Set("Origin", pl.origin)
	if pl.method == http.MethodOptions {
		req.Header.Set("Access-Control-Request-Method", http.MethodGet)
		if m.credentialed() {
			req.Header.Set("Access-Control-Request-Headers", "authorization")
		}
	}
	if pl.anon {
		// A browser sends no credentials with a preflight; the
		// anonymous GET shows what a logged-out visitor gets.
		req.Header["Authorization"] = []string{}
		req.Header["Cookie"] = []string{}
	}
	resp, err := m.page.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	pr := &corsProbe{kind: pl.kind, method: pl.method, origin: pl.origin, anon: pl.anon, status: resp.Status}
	acao := resp.Header.Values("Access-Control-Allow-Origin")
	pr.acaoN = len(acao)
	if len(acao) > 0 {
		pr.acao = strings.TrimSpace(acao[0])
		if len(pr.acao) > 200 {
			pr.acao = pr.acao[:200] + "..."
		}
		pr.acao = strings.Map(corsPrintable, pr.acao)
	}
	pr.acac = strings.EqualFold(strings.TrimSpace(resp.Header.Get("Access-Control-Allow-Credentials")), "true")
	for _, v := range resp.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); strings.EqualFold(f, "origin") || f == "*" {
				pr.varyOrig = true
			}
		}
	}
	return pr, nil
}

func (m *corsMatrixSource) get(ctx context.Context) (*corsMatrix, check.Result, bool) {
	mx, err := m.src.Get(ctx)
	if err != nil {
		return nil, check.Error(err), false
	}
	return mx, check.Result{}, true
}

// untrusted returns the probes whose origin is not trusted.
func (m *corsMatrixSource) untrusted(mx *corsMatrix) []*corsProbe {
	var out []*corsProbe
	for _, pr := range mx.probes {
		if pr.kind != corsTrusted && !m.isTrusted(pr.origin) {
			out = append(out, pr)
		}
	}
	return out
}

func (m *corsMatrixSource) finding(pr *corsProbe, msg, expected string) check.Finding {
	return check.Finding{
		Message:  msg,
		Location: check.Location{URL: m.page.URL(), Resource: "header Access-Control-Allow-Origin (" + pr.label() + ")"},
		Expected: expected,
		Actual:   pr.actual(),
	}
}

func (mx *corsMatrix) summary() string {
	s := fmt.Sprintf("%d CORS probes", len(mx.probes))
	if mx.decisive {
		s += ", stopped early: any origin is allowed"
	}
	if mx.note != "" {
		s += "; " + mx.note
	}
	return s
}

func (m *corsMatrixSource) judgeCredentials(ctx context.Context) check.Result {
	mx, res, ok := m.get(ctx)
	if !ok {
		return res
	}
	var fs []check.Finding
	for _, pr := range m.untrusted(mx) {
		if pr.reflected() && pr.acac {
			fs = append(fs, m.finding(pr,
				fmt.Sprintf("worst CORS misconfiguration: the %s is allowed with credentials, so any page on it reads this URL's responses as the logged-in user", pr.kind),
				"no Access-Control-Allow-Origin (or no Access-Control-Allow-Credentials) for an untrusted origin"))
		}
	}
	if len(fs) > 0 {
		return check.Fail(fmt.Sprintf("worst CORS misconfiguration: %d untrusted origin probe(s) allowed with credentials (%s)", len(fs), mx.summary()), fs...)
	}
	return check.Pass("no untrusted origin allowed with credentials; " + mx.summary())
}

func (m *corsMatrixSource) judgeReflected(ctx context.Context) check.Result {
	mx, res, ok := m.get(ctx)
	if !ok {
		return res
	}
	var fs []check.Finding
	var kinds []string
	seen := map[corsKind]bool{}
	for _, pr := range m.untrusted(mx) {
		if !pr.reflected() {
			continue
		}
		msg := fmt.Sprintf("the %s is allowed", pr.kind)
		switch pr.kind {
		case corsForeign:
			msg = "any origin is allowed: the server echoes the Origin header"
		case corsNull:
			msg = "the null origin is allowed: sandboxed iframes and data: URLs of any site send it"
		case corsInsecure:
			msg = "the http:// origin is allowed: a network attacker injecting into plain-HTTP pages reads the responses"
		case corsSuffix, corsPrefix, corsUnderscore, corsDot:
			msg = fmt.Sprintf("the %s %s is allowed: the allow-list match is not exact", pr.kind, pr.origin)
		}
		if pr.acac {
			msg += ", with credentials (see security.cors.credentials)"
		}
		fs = append(fs, m.finding(pr, msg, "no Access-Control-Allow-Origin for an untrusted origin"))
		if !seen[pr.kind] {
			seen[pr.kind] = true
			kinds = append(kinds, pr.kind.String())
		}
	}
	if len(fs) > 0 {
		return check.Fail(fmt.Sprintf("untrusted origins allowed: %s (%s)", strings.Join(kinds, ", "), mx.summary()), fs...)
	}
	return check.Pass(fmt.Sprintf("no untrusted origin allowed (foreign, null, suffix, prefix, underscore, http://, unescaped dot); %s", mx.summary()))
}

func (m *corsMatrixSource) judgeWildcard(ctx context.Context) check.Result {
	mx, res, ok := m.get(ctx)
	if !ok {
		return res
	}
	var fs []check.Finding
	public := false
	done := map[bool]bool{}
	for _, pr := range mx.probes {
		if !pr.wildcard() {
			continue
		}
		switch {
		case pr.acac && !done[true]:
			done[true] = true
			fs = append(fs, m.finding(pr, "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true: browsers refuse the pair, and it shows an intent to share credentialed data with any site",
				"an exact allowed origin with credentials, or * without them"))
		case m.authenticated() && !pr.acac && !done[false]:
			done[false] = true
			fs = append(fs, m.finding(pr, "Access-Control-Allow-Origin: * on an authenticated URL: any site reads what needs no cookie (tokens in headers, intranet data)",
				"an exact allow-list of origins"))
		default:
			public = true
		}
	}
	if len(fs) > 0 {
		return check.Warn(fmt.Sprintf("Access-Control-Allow-Origin: * where it should not be (%s)", mx.summary()), fs...)
	}
	if public {
		return check.Pass("Access-Control-Allow-Origin: * on a public URL; " + mx.summary())
	}
	return check.Pass("no Access-Control-Allow-Origin: *; " + mx.summary())
}

func (m *corsMatrixSource) judgeVary(ctx context.Context) check.Result {
	mx, res, ok := m.get(ctx)
	if !ok {
		return res
	}
	dynamic := 0
	var fs []check.Finding
	for _, pr := range mx.probes {
		if !pr.reflected() || pr.acao == "*" {
			continue
		}
		dynamic++
		if !pr.varyOrig && len(fs) == 0 {
			fs = append(fs, check.Finding{
				Message:  "Access-Control-Allow-Origin follows the Origin header but the response has no Vary: Origin, so a shared cache can serve one origin's answer to another",
				Location: check.Location{URL: m.page.URL(), Resource: "header Vary (" + pr.label() + ")"},
				Expected: "Vary: Origin",
				Actual:   "no Origin in Vary",
			})
		}
	}
	if dynamic == 0 {
		return check.Skip("Access-Control-Allow-Origin never follows the Origin header; " + mx.summary())
	}
	if len(fs) > 0 {
		return check.Warn("dynamic Access-Control-Allow-Origin without Vary: Origin; "+mx.summary(), fs...)
	}
	return check.Pass("dynamic Access-Control-Allow-Origin with Vary: Origin; " + mx.summary())
}

func (m *corsMatrixSource) judgeTrusted(ctx context.Context) check.Result {
	if len(m.trusted()) == 0 {
		return check.Skip("no trusted origins given (CORSOptions.Trusted)")
	}
	mx, res, ok := m.get(ctx)
	if !ok {
		return res
	}
	var fs []check.Finding
	allowed := 0
	for _, pr := range mx.probes {
		if pr.kind != corsTrusted {
			continue
		}
		if pr.reflected() || pr.wildcard() {
			allowed++
			continue
		}
		fs = append(fs, m.finding(pr, "the trusted origin "+pr.origin+" is not allowed: browsers block its reads", "Access-Control-Allow-Origin: "+pr.origin))
	}
	msg := fmt.Sprintf("%d of %d trusted origins allowed", allowed, allowed+len(fs))
	if len(mx.unsent) > 0 {
		msg += fmt.Sprintf(", %d not probed (request budget %d): %s", len(mx.unsent), m.budget(), strings.Join(mx.unsent, ", "))
	}
	if len(fs) > 0 {
		return check.Fail(msg+"; "+mx.summary(), fs...)
	}
	if allowed == 0 {
		return check.Error(errors.New("security: " + msg + ": no trusted origin was probed; raise CORSOptions.MaxRequests"))
	}
	return check.Pass(msg + "; " + mx.summary())
}

// corsPrintable drops control characters from a header value shown in a
// finding.
func corsPrintable(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}
