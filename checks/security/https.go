package security

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/prodcheck/prodcheck/check"
)

// DefaultMaxRedirects is how many redirects [HTTPSRedirect] follows at
// most, as the HSTS preload rules allow.
const DefaultMaxRedirects = 3

// redirectBodyLimit bounds the body read from each redirect hop.
const redirectBodyLimit = 64 << 10

// RedirectOptions configures [HTTPSRedirect]. The zero value means
// production defaults.
type RedirectOptions struct {
	// Client sends the requests; nil means the default client of
	// [HTTPOptions]. Redirects are followed by hand whatever the client
	// says.
	Client *http.Client
	// Header holds extra request headers.
	Header http.Header
	// MaxRedirects is how many redirects may be followed before an
	// https:// page answers; 0 means [DefaultMaxRedirects].
	MaxRedirects int
	// NoListenerOK passes a refused connection to the http:// URL: no
	// plain-HTTP listener at all is as good as a redirect (Observatory:
	// redirection-not-needed-no-http). By default a refused connection is
	// an Error, because it cannot be told from a service that is down.
	NoListenerOK bool
	// Severity overrides the check's severity (default high).
	Severity check.Severity
}

// HTTPSRedirect returns the check security.https.redirect: GET httpURL
// (an http:// URL; an https:// one is probed on http://) answers with a
// redirect whose first hop goes to https:// on the same host, and an
// https:// page answers within opts.MaxRedirects (3) redirects, with a
// certificate that verifies. Only GET is sent; redirects are followed by
// hand.
func HTTPSRedirect(httpURL string, opts RedirectOptions) check.Check {
	u, perr := parseHTTPURL(httpURL)
	if perr == nil && u.Scheme == "https" {
		// The caller's port serves TLS; probe plain HTTP on its default port.
		u.Scheme, u.Host = "http", bracketHost(u.Hostname())
	}
	target := targetOf(httpURL, u)
	m := check.Meta{
		ID:       "security.https.redirect",
		Target:   target,
		Title:    "http:// redirects to https:// on the same host at the first hop",
		Section:  hdrSectionAuth,
		Item:     hdrItemHTTPS,
		Severity: hdrSeverity(opts.Severity, check.SeverityHigh),
		Tags:     []string{"security", "https"},
		Remediation: "Answer every plain-HTTP request with a 301 or 308 to the same host over https:// " +
			"(nginx: server { listen 80; return 301 https://$host$request_uri; }), before redirecting anywhere else.",
		Refs: []string{"Mozilla Observatory: redirection", "hstspreload: redirects.http.first_redirect",
			"OWASP ASVS 5.0 12.2.1", "testssl.sh: HTTP redirect"},
	}
	max := opts.MaxRedirects
	if max <= 0 {
		max = DefaultMaxRedirects
	}
	client := clientFor(opts.Client)
	return check.New(m, func(ctx context.Context) check.Result {
		if perr != nil {
			return check.Error(perr)
		}
		return followRedirects(ctx, client, u, opts, max, target)
	})
}

func followRedirects(ctx context.Context, client *http.Client, start *url.URL, opts RedirectOptions, max int, target string) check.Result {
	loc := func(u *url.URL, res string) check.Location {
		return check.Location{URL: targetOf(u.String(), u), Resource: res}
	}
	cur := start
	var chain []string
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cur.String(), nil)
		if err != nil {
			return check.Errorf("security: %s: %w", target, err)
		}
		for k, v := range opts.Header {
			req.Header[k] = append([]string(nil), v...)
		}
		r, err := fetch(client, req, redirectBodyLimit)
		if err != nil {
			switch {
			case hop == 0 && refused(err):
				if opts.NoListenerOK {
					return check.Pass("no HTTP listener: connection refused, nothing to redirect")
				}
				return check.Errorf("%w (set NoListenerOK if no plain-HTTP listener is intended)", err)
			case cur.Scheme == "https" && certError(err):
				return check.Fail("redirect lands on https:// with an invalid certificate", check.Finding{
					Message: "certificate does not verify: " + unwrapURLError(err).Error(), Location: loc(cur, ""),
					Expected: "a certificate that verifies", Actual: "invalid certificate"})
			}
			return check.Error(err)
		}
		chain = append(chain, fmt.Sprintf("%d %s", r.Status, targetOf(cur.String(), cur)))
		if !isRedirect(r.Status) {
			if hop == 0 {
				return check.Fail(fmt.Sprintf("http:// answered %d without a redirect", r.Status), check.Finding{
					Message: "no redirect to HTTPS", Location: loc(cur, ""),
					Expected: "301/308 to https://" + start.Hostname(), Actual: fmt.Sprintf("status %d", r.Status)})
			}
			if cur.Scheme != "https" {
				return check.Fail("the redirects end on plain http://", check.Finding{
					Message: "final page not on HTTPS", Location: loc(cur, ""),
					Expected: "an https:// page", Actual: strings.Join(chain, " -> ")})
			}
			return check.Pass(fmt.Sprintf("redirects to https:// on the same host first; %d redirect(s): %s", hop, strings.Join(chain, " -> ")))
		}
		if hop >= max {
			return check.Fail(fmt.Sprintf("more than %d redirects", max), check.Finding{
				Message: "too many redirects", Location: loc(start, ""),
				Expected: fmt.Sprintf("an https:// page within %d redirects", max), Actual: strings.Join(chain, " -> ")})
		}
		where := r.Header.Get("Location")
		next, err := cur.Parse(where)
		if where == "" || err != nil || (next.Scheme != "http" && next.Scheme != "https") || next.Host == "" {
			return check.Fail(fmt.Sprintf("redirect %d has an unusable Location", r.Status), check.Finding{
				Message: "invalid Location header", Location: loc(cur, "header Location"),
				Expected: "an absolute https:// URL", Actual: hdrClip(where, 200)})
		}
		if hop == 0 {
			switch {
			case next.Scheme != "https":
				return check.Fail("the first redirect stays on http://", check.Finding{
					Message: "first redirect not to HTTPS", Location: loc(cur, "header Location"),
					Expected: "https://" + start.Hostname() + "/...", Actual: targetOf(where, next)})
			case !strings.EqualFold(next.Hostname(), start.Hostname()):
				return check.Fail("the first redirect goes to another host, so HSTS is never set for "+start.Hostname(), check.Finding{
					Message: "first redirect to another host", Location: loc(cur, "header Location"),
					Expected: "https://" + start.Hostname() + "/...", Actual: targetOf(where, next)})
			}
		}
		cur = next
	}
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// refused reports whether err is a refused TCP connection.
func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) ||
		(errors.As(err, &op) && op.Op == "dial" && op.Err != nil && strings.Contains(op.Err.Error(), "refused"))
}

// certError reports whether err is a certificate that did not verify.
func certError(err error) bool {
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}

// HTTPSChecksOptions configures [HTTPSChecks].
type HTTPSChecksOptions struct {
	HTTP     HTTPOptions     // how the https:// pages are fetched
	Redirect RedirectOptions // how the http:// URLs are probed
	HSTS     HSTSOptions
	// NoPreload leaves out security.https.hsts-preload.
	NoPreload bool
	// HTTPPort and HTTPSPort are the ports of the derived http:// and
	// https:// URLs; "" means the scheme's default.
	HTTPPort, HTTPSPort string
}

// HTTPSChecks returns, for each service URL (http:// or https://), the
// redirect check on its http:// form and the HSTS checks on its https://
// form: security.https.redirect, security.https.hsts and
// security.https.hsts-preload, each with its URL as target. URLs that
// name the same page once normalised are checked once. A malformed URL
// gives checks that report it as an Error.
//
// To share the https:// page with [HeaderChecks], build the [Page]
// yourself and call [HTTPSRedirect], [HSTS] and [HSTSPreload].
func HTTPSChecks(urls []string, opts HTTPSChecksOptions) []check.Check {
	var out []check.Check
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := parseHTTPURL(raw)
		if err != nil {
			if seen["!"+raw] {
				continue
			}
			seen["!"+raw] = true
			out = append(out, HTTPSRedirect(raw, opts.Redirect))
			continue
		}
		hu := stripHTTPSDefault(*u, "http")
		su := stripHTTPSDefault(*u, "https")
		if u.Scheme == "https" {
			// The caller's port serves TLS; probe plain HTTP on its default port.
			hu.Host = bracketHost(u.Hostname())
		} else {
			su.Host = bracketHost(u.Hostname())
		}
		if opts.HTTPPort != "" {
			hu.Host = bracketHost(u.Hostname()) + ":" + opts.HTTPPort
		}
		if opts.HTTPSPort != "" {
			su.Host = bracketHost(u.Hostname()) + ":" + opts.HTTPSPort
		}
		key := hu.String() + " " + su.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, HTTPSRedirect(hu.String(), opts.Redirect))
		p := NewPage(su.String(), opts.HTTP)
		out = append(out, HSTS(p, opts.HSTS))
		if !opts.NoPreload {
			out = append(out, HSTSPreload(p, opts.HSTS))
		}
	}
	return out
}

// stripHTTPSDefault returns u with the scheme set and a default port dropped.
func stripHTTPSDefault(u url.URL, scheme string) url.URL {
	u.Scheme = scheme
	if (u.Port() == "80" && scheme == "http") || (u.Port() == "443" && scheme == "https") {
		u.Host = u.Hostname()
	}
	return u
}

// bracketHost puts an IPv6 literal in brackets for a URL's host.
func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
