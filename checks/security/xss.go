package security

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// XSSMaxRequests is the most requests [XSS] sends to one URL in a run:
// one per parameter.
const XSSMaxRequests = 20

const xssItem = "XSS protection"

// XSSOptions configures [XSS].
type XSSOptions struct {
	// Params are the GET parameters probed, in order; empty means the
	// URL's own query parameters. A parameter the URL lacks is added.
	Params []string
	// Client sends the requests; nil means the default client of [Page].
	Client *http.Client
	// Header holds extra request headers, for example Authorization.
	Header http.Header
	// MaxRequests caps the requests; 0, or more than [XSSMaxRequests],
	// means XSSMaxRequests.
	MaxRequests int
}

// XSS returns security.xss.reflected (high) for one URL: each GET
// parameter in turn is replaced by a canary unique to the run and the
// parameter, made of a token, a double and a single quote and a made-up
// tag (pc1a2b3c4d0"'<pc1a2b3c4d0x>), one request per parameter, at most
// [XSSMaxRequests]. The check fails when an HTML answer (text/html,
// application/xhtml+xml, or no Content-Type, which browsers sniff) carries
// the tag unencoded, or the quotes unencoded inside a tag (an attribute
// breakout), as ZAP's rule 40012 does. An encoded or absent canary, or one
// reflected in JSON or text, passes.
func XSS(pageURL string, opts XSSOptions) check.Check {
	p := NewPage(pageURL, HTTPOptions{Client: opts.Client, Header: opts.Header})
	x := &xssProbe{page: p, opts: opts}
	return check.New(check.Meta{
		ID:       "security.xss.reflected",
		Target:   p.URL(),
		Title:    "No GET parameter is reflected unencoded into HTML",
		Section:  sqliSection,
		Item:     xssItem,
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "http", "injection", "active"},
		Remediation: "Encode every value for the context it is written into (html/template, React, " +
			"a templating engine with auto-escaping), validate parameters against what they may contain, and add a Content-Security-Policy without 'unsafe-inline'.",
		Refs: []string{"ZAP 40012", "OWASP WSTG-INPV-01", "OWASP ASVS 5.0 1.2.1", "CWE-79", "OWASP XSS Prevention Cheat Sheet"},
	}, x.run)
}

type xssProbe struct {
	page *Page
	opts XSSOptions
}

func (x *xssProbe) budget() int {
	if x.opts.MaxRequests <= 0 || x.opts.MaxRequests > XSSMaxRequests {
		return XSSMaxRequests
	}
	return x.opts.MaxRequests
}

// xssCanary is what one parameter is set to.
type xssCanary struct {
	token string // pc1a2b3c4d0
	tag   string // <pc1a2b3c4d0x>
	value string // token"'<tag>
}

func newXSSCanary(run string, i int) xssCanary {
	tok := fmt.Sprintf("%s%d", run, i)
	tag := "<" + tok + "x>"
	return xssCanary{token: tok, tag: tag, value: tok + `"'` + tag}
}

// reflection says how the canary came back in body.
func (c xssCanary) reflection(body []byte) (raw bool, how string) {
	if bytes.Contains(body, []byte(c.tag)) {
		return true, "the tag " + c.tag + " unencoded"
	}
	quoted := []byte(c.token + `"'`)
	for off := 0; ; {
		i := bytes.Index(body[off:], quoted)
		if i < 0 {
			break
		}
		at := off + i
		if insideTag(body[:at]) {
			return true, "the quotes unencoded inside a tag (attribute breakout)"
		}
		off = at + len(quoted)
	}
	if bytes.Contains(body, []byte(c.token)) {
		return false, "encoded"
	}
	return false, "absent"
}

// insideTag reports whether the text before ends inside an open tag.
func insideTag(before []byte) bool {
	lt := bytes.LastIndexByte(before, '<')
	return lt >= 0 && lt > bytes.LastIndexByte(before, '>')
}

// htmlResponse reports whether a browser renders the response as HTML.
func htmlResponse(r *Response) bool {
	ct := r.Header.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.Contains(strings.ToLower(ct), "html")
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

func (x *xssProbe) run(ctx context.Context) check.Result {
	if x.page.err != nil {
		return check.Error(x.page.err)
	}
	q := parseQuery(x.page.u.RawQuery)
	names := paramNames(q, x.opts.Params)
	if len(names) == 0 {
		return check.Errorf("security: %s has no query parameter to probe: name them in XSSOptions.Params", x.page.URL())
	}
	pr := &prober{page: x.page, query: q, budget: x.budget()}
	run := randomLabel()
	var fails, skipped []check.Finding
	var encoded, nonHTML int
	for i, n := range names {
		loc := check.Location{URL: x.page.URL(), Resource: fmt.Sprintf("parameter %q", n)}
		c := newXSSCanary(run, i)
		r, err := pr.get(ctx, n, c.value)
		if errors.Is(err, errProbeCap) {
			skipped = append(skipped, untested(loc, pr.budget))
			continue
		}
		if err != nil {
			return check.Error(err)
		}
		raw, how := c.reflection(r.Body)
		switch {
		case raw && htmlResponse(r):
			fails = append(fails, check.Finding{Message: "the parameter is reflected unencoded into HTML", Location: loc,
				Expected: "the canary HTML-encoded or absent",
				Actual:   fmt.Sprintf("%d %s with %s", r.Status, contentTypeOf(r), how)})
		case raw:
			nonHTML++
		case how == "encoded":
			encoded++
		}
	}
	switch {
	case len(fails) > 0:
		return check.Fail(fmt.Sprintf("%d of %d parameters reflected unencoded into HTML (%d requests)", len(fails), len(names), pr.sent), append(fails, skipped...)...)
	case len(skipped) > 0:
		return check.Warn(fmt.Sprintf("%d of %d parameters not tested within the cap (%d requests)", len(skipped), len(names), pr.sent), skipped...)
	}
	return check.Pass(fmt.Sprintf("no parameter reflected unencoded into HTML (%d parameters: %d encoded, %d raw in a non-HTML answer, %d requests)",
		len(names), encoded, nonHTML, pr.sent))
}

func contentTypeOf(r *Response) string {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		return respOneLine(ct)
	}
	return "without Content-Type"
}
