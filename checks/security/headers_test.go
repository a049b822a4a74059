package security

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// headerServer serves one response with the given headers over TLS and
// counts requests.
func headerServer(t *testing.T, hdr map[string][]string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		for k, vs := range hdr {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		_, _ = w.Write([]byte("<html></html>"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func runByID(t *testing.T, checks []check.Check) map[string]check.Result {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	out := map[string]check.Result{}
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o.Result
	}
	return out
}

var hardened = map[string][]string{
	"Content-Security-Policy":      {"default-src 'none'; frame-ancestors 'none'"},
	"Strict-Transport-Security":    {"max-age=63072000; includeSubDomains; preload"},
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Cross-Origin-Resource-Policy": {"same-origin"},
	"Cross-Origin-Opener-Policy":   {"same-origin"},
	"Cross-Origin-Embedder-Policy": {"require-corp"},
	"Server":                       {"nginx"},
}

func TestHeaderChecks(t *testing.T) {
	tests := []struct {
		name string
		hdr  map[string][]string
		want map[string]check.Status
	}{
		{"hardened", hardened, map[string]check.Status{
			"security.headers.csp": check.StatusPass, "security.headers.frame-options": check.StatusPass,
			"security.headers.content-type-options": check.StatusPass, "security.headers.referrer-policy": check.StatusPass,
			"security.headers.corp": check.StatusPass, "security.headers.coop": check.StatusPass, "security.headers.coep": check.StatusPass,
			"security.headers.server-disclosure": check.StatusPass, "security.headers.cache-control": check.StatusSkip,
			"security.headers.grade": check.StatusPass,
		}},
		{"none", map[string][]string{}, map[string]check.Status{
			"security.headers.csp": check.StatusFail, "security.headers.frame-options": check.StatusFail,
			"security.headers.content-type-options": check.StatusFail, "security.headers.referrer-policy": check.StatusFail,
			"security.headers.corp": check.StatusWarn, "security.headers.coop": check.StatusWarn, "security.headers.coep": check.StatusWarn,
			"security.headers.server-disclosure": check.StatusPass, "security.headers.grade": check.StatusFail,
		}},
		{"bad values", map[string][]string{
			"Content-Security-Policy":      {"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'"},
			"X-Frame-Options":              {"ALLOW-FROM https://a.example"},
			"X-Content-Type-Options":       {"sniff"},
			"Referrer-Policy":              {"unsafe-url"},
			"Cross-Origin-Resource-Policy": {"bogus"},
			"Cross-Origin-Opener-Policy":   {"unsafe-none"},
			"Server":                       {"nginx/1.25.3"},
			"X-Powered-By":                 {"PHP/8.2.1"},
			"Set-Cookie":                   {"sessionid=abc; Path=/"},
			"Cache-Control":                {"private"},
		}, map[string]check.Status{
			"security.headers.csp": check.StatusFail, "security.headers.frame-options": check.StatusFail,
			"security.headers.content-type-options": check.StatusFail, "security.headers.referrer-policy": check.StatusFail,
			"security.headers.corp": check.StatusWarn, "security.headers.coop": check.StatusWarn,
			"security.headers.server-disclosure": check.StatusWarn, "security.headers.cache-control": check.StatusWarn,
			"security.headers.grade": check.StatusFail,
		}},
		{"invalid CSP", map[string][]string{"Content-Security-Policy": {"script-src 'self'; script-src *"}},
			map[string]check.Status{"security.headers.csp": check.StatusFail, "security.headers.frame-options": check.StatusFail}},
		{"report-only CSP", map[string][]string{"Content-Security-Policy-Report-Only": {"default-src 'none'"}},
			map[string]check.Status{"security.headers.csp": check.StatusFail}},
		{"frame-ancestors without XFO, JSON", map[string][]string{
			"Content-Security-Policy": {"default-src 'self'; object-src 'none'; frame-ancestors 'self'"},
			"Content-Type":            {"application/json"},
		}, map[string]check.Status{"security.headers.csp": check.StatusPass, "security.headers.frame-options": check.StatusPass,
			"security.headers.coop": check.StatusSkip, "security.headers.coep": check.StatusSkip}},
		{"nonce neutralises unsafe-inline", map[string][]string{
			"Content-Security-Policy": {"default-src 'self'; script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic'; object-src 'none'"},
		}, map[string]check.Status{"security.headers.csp": check.StatusPass}},
		{"strict-dynamic without nonce is invalid", map[string][]string{
			"Content-Security-Policy": {"default-src 'self'; script-src 'strict-dynamic'"},
		}, map[string]check.Status{"security.headers.csp": check.StatusFail}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := headerServer(t, tc.hdr)
			p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
			got := runByID(t, HeaderChecks(p, HeaderChecksOptions{}))
			for id, want := range tc.want {
				r := got[id]
				assert.Equal(t, want, r.Status, "%s: %s %v", id, r.Message, r.Findings)
				for _, f := range r.Findings {
					assert.Equal(t, p.URL(), f.Location.URL)
					assert.NotEmpty(t, f.Expected)
					assert.NotContains(t, f.String(), "abc", "a cookie value leaked")
				}
			}
		})
	}
}

func TestObservatoryGrade(t *testing.T) {
	srv, _ := headerServer(t, hardened)
	p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
	r, err := p.Get(t.Context())
	require.NoError(t, err)
	s := ObservatoryGrade(r)
	// 100 + CSP default-src none 10 + XFO via CSP 5 + referrer 5 + CORP/COOP/COEP 30.
	assert.Equal(t, 150, s.Score)
	assert.Equal(t, "A+", s.Grade)

	srv2, _ := headerServer(t, map[string][]string{})
	r, err = NewPage(srv2.URL, HTTPOptions{Client: srv2.Client()}).Get(t.Context())
	require.NoError(t, err)
	s = ObservatoryGrade(r)
	// 100 - 25 (CSP) - 20 (HSTS) - 5 (XCTO) - 20 (XFO) = 30: D.
	assert.Equal(t, 30, s.Score)
	assert.Equal(t, "D", s.Grade)
}

// One run of every header and HSTS check on one URL makes one request.
func TestHeaderChecksOneRequest(t *testing.T) {
	srv, n := headerServer(t, hardened)
	p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
	checks := append(HeaderChecks(p, HeaderChecksOptions{}), HSTS(p, HSTSOptions{}), HSTSPreload(p, HSTSOptions{}))
	got := runByID(t, checks)
	assert.Len(t, got, 12)
	assert.Equal(t, int64(1), n.Load())
	runByID(t, checks)
	assert.Equal(t, int64(2), n.Load(), "a second run fetches afresh")
}

func TestHeaderChecksRedirectIsError(t *testing.T) {
	srv := httptest.NewTLSServer(http.RedirectHandler("https://other.example/", http.StatusMovedPermanently))
	t.Cleanup(srv.Close)
	p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
	got := runByID(t, HeaderChecks(p, HeaderChecksOptions{}))
	assert.Equal(t, check.StatusError, got["security.headers.csp"].Status)
	assert.Contains(t, got["security.headers.csp"].Message, "other.example")
	assert.Equal(t, check.StatusPass, got["security.headers.server-disclosure"].Status)
}

func TestHeaderChecksContextDone(t *testing.T) {
	srv, _ := headerServer(t, hardened)
	p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, c := range HeaderChecks(p, HeaderChecksOptions{}) {
		assert.Equal(t, check.StatusError, c.Run(ctx).Status)
	}
}
