package security

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// HSTS max-age thresholds in seconds.
const (
	// HSTSMinMaxAge is the Observatory's floor: 180 days (15,552,000 s).
	HSTSMinMaxAge = 180 * 24 * 60 * 60
	// hstsEighteenWeeks is the preload floor of Chrome 50-63 (10,886,400 s).
	hstsEighteenWeeks = 126 * 24 * 60 * 60
	// hstsOneYear is the preload floor since Chrome 64 (31,536,000 s).
	hstsOneYear = 365 * 24 * 60 * 60
	// hstsTenYears draws a note: an unusually long max-age.
	hstsTenYears = 10 * hstsOneYear
)

// A PreloadPolicy is a generation of the HSTS preload list's rules, named
// as the list names the policy an entry was added under
// (chromium/hstspreload, preloadlist.PolicyType).
type PreloadPolicy string

// The three generations of HSTS preload rules.
const (
	// PreloadBulk1Year is today's rule for new entries (Chrome 64 on,
	// hstspreload.org): max-age of at least one year (31,536,000 s),
	// includeSubDomains and preload.
	PreloadBulk1Year PreloadPolicy = "bulk-1-year"
	// PreloadBulk18Weeks is the rule of entries added under Chrome 50-63:
	// max-age of at least 18 weeks (10,886,400 s), includeSubDomains and
	// preload. Such entries are still judged by it for their continued
	// requirements.
	PreloadBulk18Weeks PreloadPolicy = "bulk-18-weeks"
	// PreloadBulkLegacy is the rule of entries added before Chrome 50,
	// when submissions were reviewed by hand and the header carried no
	// preload token or minimum: a valid max-age above zero and
	// includeSubDomains. A max-age of 0 asks browsers to forget HSTS.
	PreloadBulkLegacy PreloadPolicy = "bulk-legacy"
)

// rule returns what a generation asks of a header.
func (p PreloadPolicy) rule() (minAge uint64, needPreload bool, name string, ok bool) {
	switch p {
	case "", PreloadBulk1Year:
		return hstsOneYear, true, "1 year", true
	case PreloadBulk18Weeks:
		return hstsEighteenWeeks, true, "18 weeks", true
	case PreloadBulkLegacy:
		return 1, false, "above 0", true
	}
	return 0, false, "", false
}

// HSTSOptions configures [HSTS] and [HSTSPreload]. The zero value means
// production defaults.
type HSTSOptions struct {
	// MinMaxAge is the shortest acceptable max-age; 0 means 180 days
	// ([HSTSMinMaxAge]), the Observatory's floor. ASVS 5.0 3.4.1 asks for
	// a year.
	MinMaxAge time.Duration
	// PreloadPolicy is the generation of preload rules [HSTSPreload]
	// judges by; "" means [PreloadBulk1Year], the rule for new entries.
	// A domain already on the list under an older policy may name it.
	PreloadPolicy PreloadPolicy
	// Severity overrides the check's severity (default high for HSTS, low
	// for preload readiness).
	Severity check.Severity
}

// HSTSHeader is a parsed Strict-Transport-Security header (RFC 6797 6.1).
type HSTSHeader struct {
	MaxAge            uint64 // seconds; meaningful when HasMaxAge
	HasMaxAge         bool
	IncludeSubDomains bool
	Preload           bool
	Unknown           []string // unrecognised directives, ignored by browsers
}

// ParseHSTS parses one Strict-Transport-Security value by RFC 6797's
// grammar: directives separated by ';', names case-insensitive, values a
// token or a quoted string. It returns an error, which browsers would
// answer by ignoring the header, for a missing or malformed max-age, a
// repeated directive, a value on includeSubDomains or preload, a comma (two
// headers folded into one) or a malformed directive. A max-age too large
// for 64 bits is clamped.
func ParseHSTS(value string) (HSTSHeader, error) {
	var h HSTSHeader
	if strings.TrimSpace(value) == "" {
		return h, fmt.Errorf("empty value")
	}
	if strings.Contains(value, ",") {
		return h, fmt.Errorf("a comma: the header was sent more than once or is not one policy")
	}
	seen := map[string]bool{}
	for _, d := range strings.Split(value, ";") {
		d = strings.Trim(d, " \t")
		if d == "" {
			continue // empty directives are allowed by the grammar
		}
		name, val, hasVal := strings.Cut(d, "=")
		name = strings.ToLower(strings.Trim(name, " \t"))
		if !httpToken(name) {
			return h, fmt.Errorf("malformed directive %q", hdrClip(d, 40))
		}
		if seen[name] {
			return h, fmt.Errorf("directive %s appears more than once", name)
		}
		seen[name] = true
		val = strings.Trim(val, " \t")
		if hasVal {
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			} else if !httpToken(val) {
				return h, fmt.Errorf("directive %s has a malformed value %q", name, hdrClip(val, 40))
			}
		}
		switch name {
		case "max-age":
			if !hasVal || val == "" {
				return h, fmt.Errorf("max-age has no value")
			}
			n, err := parseDeltaSeconds(val)
			if err != nil {
				return h, err
			}
			h.MaxAge, h.HasMaxAge = n, true
		case "includesubdomains":
			if hasVal {
				return h, fmt.Errorf("includeSubDomains takes no value")
			}
			h.IncludeSubDomains = true
		case "preload":
			if hasVal {
				return h, fmt.Errorf("preload takes no value")
			}
			h.Preload = true
		default:
			h.Unknown = append(h.Unknown, name)
		}
	}
	if !h.HasMaxAge {
		return h, fmt.Errorf("no max-age directive")
	}
	return h, nil
}

// parseDeltaSeconds parses 1*DIGIT, clamping on overflow.
func parseDeltaSeconds(s string) (uint64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("max-age %q is not a number of seconds", hdrClip(s, 40))
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ^uint64(0), nil // all digits: too large, clamp
	}
	return n, nil
}

// isToken reports whether s is an RFC 9110 token.
func httpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// clip shortens s for a message.
func hdrClip(s string, n int) string {
	s = respOneLine(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func hdrDays(sec uint64) string {
	return fmt.Sprintf("%d s (%d days)", sec, sec/86400)
}

const hstsRemediation = "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response " +
	"(nginx: add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;), once, and only after every subdomain serves HTTPS."

// HSTS returns the check security.https.hsts: the page is served over
// HTTPS with one valid Strict-Transport-Security header whose max-age is
// at least opts.MinMaxAge (180 days). A missing, repeated or invalid
// header, a max-age of 0 or below the floor, or a page not on https:// fail.
func HSTS(p *Page, opts HSTSOptions) check.Check {
	minAge := uint64(HSTSMinMaxAge)
	if opts.MinMaxAge > 0 {
		minAge = uint64(opts.MinMaxAge / time.Second)
	}
	m := check.Meta{
		ID:          "security.https.hsts",
		Target:      p.URL(),
		Title:       fmt.Sprintf("Strict-Transport-Security is set with max-age of at least %d days", minAge/86400),
		Section:     hdrSectionAuth,
		Item:        hdrItemHTTPS,
		Severity:    hdrSeverity(opts.Severity, check.SeverityHigh),
		Tags:        []string{"security", "https", "hsts", "headers"},
		Remediation: hstsRemediation,
		Refs: []string{"RFC 6797", "Mozilla Observatory: strict-transport-security", "ZAP 10035",
			"OWASP ASVS 5.0 3.4.1", "OWASP HTTP Headers Cheat Sheet"},
	}
	return check.New(m, func(ctx context.Context) check.Result {
		h, res, ok := readHSTS(ctx, p)
		if !ok {
			return res
		}
		loc := check.Location{URL: p.URL(), Resource: "header Strict-Transport-Security"}
		switch {
		case h.MaxAge == 0:
			return check.Fail("HSTS max-age=0 tells browsers to forget HSTS", check.Finding{
				Message: "max-age=0 disables HSTS", Location: loc,
				Expected: fmt.Sprintf("max-age >= %d", minAge), Actual: "max-age=0"})
		case h.MaxAge < minAge:
			return check.Fail(fmt.Sprintf("HSTS max-age %s is below %d days", hdrDays(h.MaxAge), minAge/86400), check.Finding{
				Message: "max-age too short", Location: loc,
				Expected: fmt.Sprintf("max-age >= %d", minAge), Actual: fmt.Sprintf("max-age=%d", h.MaxAge)})
		}
		return check.Pass("HSTS " + describeHSTS(h))
	})
}

// HSTSPreload returns the check security.https.hsts-preload: the header
// meets the HSTS preload list's rules of opts.PreloadPolicy (today's
// bulk-1-year by default: max-age of at least a year, includeSubDomains,
// preload). It warns: preloading is a commitment, not a requirement. The
// message says which of the three generations the header meets.
func HSTSPreload(p *Page, opts HSTSOptions) check.Check {
	policy := opts.PreloadPolicy
	if policy == "" {
		policy = PreloadBulk1Year
	}
	m := check.Meta{
		ID:       "security.https.hsts-preload",
		Target:   p.URL(),
		Title:    fmt.Sprintf("Strict-Transport-Security meets the HSTS preload rules (%s)", policy),
		Section:  hdrSectionAuth,
		Item:     hdrItemHTTPS,
		Severity: hdrSeverity(opts.Severity, check.SeverityLow),
		Tags:     []string{"security", "https", "hsts", "headers"},
		Remediation: "For preloading, send Strict-Transport-Security: max-age=63072000; includeSubDomains; preload, " +
			"redirect http:// to https:// on the same host first, then submit the domain at https://hstspreload.org.",
		Refs: []string{"hstspreload.org", "chromium/hstspreload: PreloadableHeader", "Mozilla Observatory: hsts-preloaded"},
	}
	return check.New(m, func(ctx context.Context) check.Result {
		minAge, needPreload, ageName, ok := policy.rule()
		if !ok {
			return check.Errorf("security: unknown HSTS preload policy %q (want %s, %s or %s)", policy, PreloadBulk1Year, PreloadBulk18Weeks, PreloadBulkLegacy)
		}
		h, res, ok := readHSTS(ctx, p)
		if !ok {
			if res.Status == check.StatusFail {
				res.Status = check.StatusWarn
			}
			return res
		}
		loc := check.Location{URL: p.URL(), Resource: "header Strict-Transport-Security"}
		var fs []check.Finding
		if h.MaxAge < minAge {
			fs = append(fs, check.Finding{Message: fmt.Sprintf("max-age below %s for the %s rules", ageName, policy),
				Location: loc, Expected: fmt.Sprintf("max-age >= %d", minAge), Actual: fmt.Sprintf("max-age=%d", h.MaxAge)})
		}
		if !h.IncludeSubDomains {
			fs = append(fs, check.Finding{Message: "no includeSubDomains directive", Location: loc,
				Expected: "includeSubDomains", Actual: "absent"})
		}
		if needPreload && !h.Preload {
			fs = append(fs, check.Finding{Message: "no preload directive", Location: loc,
				Expected: "preload", Actual: "absent"})
		}
		meets := preloadGenerations(h)
		if len(fs) > 0 {
			return check.Warn(fmt.Sprintf("not ready for HSTS preload (%s): %s; meets %s", policy, describeHSTS(h), meets), fs...)
		}
		msg := fmt.Sprintf("ready for HSTS preload (%s): %s", policy, describeHSTS(h))
		if h.MaxAge > hstsTenYears {
			msg += "; note: max-age over 10 years"
		}
		return check.Pass(msg)
	})
}

// preloadGenerations names the generations of preload rules h meets.
func preloadGenerations(h HSTSHeader) string {
	var met []string
	for _, p := range []PreloadPolicy{PreloadBulk1Year, PreloadBulk18Weeks, PreloadBulkLegacy} {
		minAge, needPreload, _, _ := p.rule()
		if h.MaxAge >= minAge && h.IncludeSubDomains && (h.Preload || !needPreload) {
			met = append(met, string(p))
		}
	}
	if len(met) == 0 {
		return "no generation of the preload rules"
	}
	return strings.Join(met, ", ")
}

func describeHSTS(h HSTSHeader) string {
	s := "max-age " + hdrDays(h.MaxAge)
	if h.IncludeSubDomains {
		s += "; includeSubDomains"
	}
	if h.Preload {
		s += "; preload"
	}
	return s
}

// readHSTS fetches the page and parses its one HSTS header. When ok is
// false, res is the outcome: Error when the page could not be fetched,
// Fail when there is no usable header.
func readHSTS(ctx context.Context, p *Page) (h HSTSHeader, res check.Result, ok bool) {
	r, err := p.Get(ctx)
	if err != nil {
		return h, check.Error(err), false
	}
	loc := check.Location{URL: p.URL(), Resource: "header Strict-Transport-Security"}
	if r.URL.Scheme != "https" {
		return h, check.Fail("HSTS needs HTTPS: browsers ignore Strict-Transport-Security over http://", check.Finding{
			Message: "page not served over HTTPS", Location: check.Location{URL: p.URL()},
			Expected: "an https:// URL with Strict-Transport-Security", Actual: "http://"}), false
	}
	vals := r.Header.Values("Strict-Transport-Security")
	switch {
	case len(vals) == 0:
		return h, check.Fail(fmt.Sprintf("no Strict-Transport-Security header (status %d)", r.Status), check.Finding{
			Message: "HSTS header missing", Location: loc,
			Expected: "max-age=31536000; includeSubDomains", Actual: "absent"}), false
	case len(vals) > 1:
		return h, check.Fail(fmt.Sprintf("Strict-Transport-Security sent %d times; browsers use only the first and the preload list rejects it", len(vals)), check.Finding{
			Message: "HSTS header repeated", Location: loc,
			Expected: "one header", Actual: hdrClip(strings.Join(vals, " | "), 200)}), false
	}
	h, err = ParseHSTS(vals[0])
	if err != nil {
		return h, check.Fail("invalid Strict-Transport-Security header: "+err.Error()+"; browsers ignore it", check.Finding{
			Message: "HSTS header invalid: " + err.Error(), Location: loc,
			Expected: "max-age=31536000; includeSubDomains", Actual: hdrClip(vals[0], 200)}), false
	}
	return h, check.Result{}, true
}

// sev returns s, or def when s is unset.
func hdrSeverity(s, def check.Severity) check.Severity {
	if s.Valid() {
		return s
	}
	return def
}

// Checklist lines the checks of this file and headers.go serve.
const (
	hdrSectionAuth = "Security Hardening / Authentication"
	hdrSectionAPI  = "Security Hardening / API Security"
	hdrItemHTTPS   = "Enable HTTPS/SSL for all services"
	hdrItemHeaders = "Security headers added (X-Frame-Options, X-Content-Type-Options, etc.)"
	hdrItemXSS     = "XSS protection"
)
