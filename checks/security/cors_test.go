package security

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// corsServer is a CORS-aware test server: allow decides which origins
// are reflected.
type corsServer struct {
	allow      func(origin string) bool
	wildcard   bool // answer * instead of reflecting
	creds      bool // send Access-Control-Allow-Credentials: true
	vary       bool // send Vary: Origin
	options405 bool // answer OPTIONS with 405
	requests   atomic.Int32
	options    atomic.Int32
	anonymous  atomic.Int32 // requests without Authorization
}

func (s *corsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if r.Header.Get("Authorization") == "" {
		s.anonymous.Add(1)
	}
	if r.Method == http.MethodOptions {
		s.options.Add(1)
		if s.options405 {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
	}
	if s.vary {
		w.Header().Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	switch {
	case s.wildcard:
		w.Header().Set("Access-Control-Allow-Origin", "*")
	case origin != "" && s.allow != nil && s.allow(origin):
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	if s.creds {
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_, _ = w.Write([]byte(`{"ok":true}`))
}

const trustedApp = "https://app.example.com"

func exact(origins ...string) func(string) bool {
	return func(o string) bool {
		for _, a := range origins {
			if o == a {
				return true
			}
		}
		return false
	}
}

// runCORS runs every CORS check against srv in one run (one matrix) and
// returns the results by ID.
func runCORS(t *testing.T, srv *corsServer, opts CORSOptions, page HTTPOptions) map[string]check.Result {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx, release := check.WithMemo(t.Context())
	defer release()
	out := map[string]check.Result{}
	for _, c := range CORS(NewPage(ts.URL+"/api", page), opts) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, ts.URL+"/api", m.Target)
		out[m.ID] = c.Run(ctx)
	}
	assert.LessOrEqual(t, int(srv.requests.Load()), CORSMaxRequests, "requests per URL")
	return out
}

func TestCORSMatrix(t *testing.T) {
	type want map[string]check.Status
	tests := []struct {
		name    string
		srv     *corsServer
		opts    CORSOptions
		page    HTTPOptions
		want    want
		mention map[string]string // ID -> text the message or a finding must contain
	}{
		{
			name: "reflects any origin with credentials",
			srv:  &corsServer{allow: func(string) bool { return true }, creds: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{
				"security.cors.credentials":      check.StatusFail,
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.wildcard":         check.StatusPass,
				"security.cors.vary":             check.StatusWarn,
				"security.cors.trusted":          check.StatusPass,
			},
			mention: map[string]string{
				"security.cors.credentials":      "worst",
				"security.cors.reflected-origin": "any origin is allowed",
			},
		},
		{
			name: "reflects any origin, preflight 405",
			srv:  &corsServer{allow: func(string) bool { return true }, creds: true, vary: true, options405: true},
			want: want{
				"security.cors.credentials":      check.StatusFail,
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.vary":             check.StatusPass,
				"security.cors.trusted":          check.StatusSkip,
			},
			mention: map[string]string{"security.cors.credentials": "preflight answered 405"},
		},
		{
			name: "suffix bypass: prefix match on the trusted origin",
			srv:  &corsServer{allow: func(o string) bool { return strings.HasPrefix(o, trustedApp) }, creds: true, vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{
				"security.cors.credentials":      check.StatusFail,
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.trusted":          check.StatusPass,
			},
			mention: map[string]string{"security.cors.reflected-origin": "suffix bypass https://app.example.com.pcdeadbeef.test"},
		},
		{
			name: "prefix bypass: suffix match on the domain",
			srv:  &corsServer{allow: func(o string) bool { return strings.HasSuffix(o, "example.com") }, vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{
				"security.cors.credentials":      check.StatusPass,
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.trusted":          check.StatusPass,
			},
			mention: map[string]string{"security.cors.reflected-origin": "prefix bypass https://pcdeadbeefexample.com"},
		},
		{
			name: "unescaped dot in the allow-list regexp",
			srv:  &corsServer{allow: regexp.MustCompile(`^https://app.example.com$`).MatchString, vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.trusted":          check.StatusPass,
			},
			mention: map[string]string{"security.cors.reflected-origin": "https://appxexample.com"},
		},
		{
			name: "underscore bypass",
			srv: &corsServer{allow: func(o string) bool {
				return strings.HasPrefix(o, trustedApp) && !strings.HasPrefix(o, trustedApp+".")
			}, vary: true},
			opts:    CORSOptions{Trusted: []string{trustedApp}},
			want:    want{"security.cors.reflected-origin": check.StatusFail},
			mention: map[string]string{"security.cors.reflected-origin": "underscore bypass"},
		},
		{
			name: "http origin of an https front end",
			srv: &corsServer{allow: func(o string) bool {
				return o == trustedApp || o == "http://app.example.com"
			}, vary: true},
			opts:    CORSOptions{Trusted: []string{trustedApp}},
			want:    want{"security.cors.reflected-origin": check.StatusFail, "security.cors.credentials": check.StatusPass},
			mention: map[string]string{"security.cors.reflected-origin": "http:// origin"},
		},
		{
			name: "null allowed with credentials",
			srv:  &corsServer{allow: exact("null", trustedApp), creds: true, vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{
				"security.cors.credentials":      check.StatusFail,
				"security.cors.reflected-origin": check.StatusFail,
				"security.cors.trusted":          check.StatusPass,
			},
			mention: map[string]string{"security.cors.reflected-origin": "null origin"},
		},
		{
			name: "wildcard on a public URL",
			srv:  &corsServer{wildcard: true},
			want: want{
				"security.cors.credentials":      check.StatusPass,
				"security.cors.reflected-origin": check.StatusPass,
				"security.cors.wildcard":         check.StatusPass,
				"security.cors.vary":             check.StatusSkip,
			},
		},
		{
			name: "wildcard on an authenticated URL",
			srv:  &corsServer{wildcard: true},
			opts: CORSOptions{Authenticated: true},
			want: want{"security.cors.wildcard": check.StatusWarn, "security.cors.reflected-origin": check.StatusPass},
		},
		{
			name: "wildcard with credentials",
			srv:  &corsServer{wildcard: true, creds: true},
			want: want{"security.cors.wildcard": check.StatusWarn, "security.cors.credentials": check.StatusPass},
		},
		{
			name: "correct allow-list",
			srv:  &corsServer{allow: exact(trustedApp, "https://admin.example.com"), creds: true, vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp, "https://admin.example.com/"}},
			want: want{
				"security.cors.credentials":      check.StatusPass,
				"security.cors.reflected-origin": check.StatusPass,
				"security.cors.wildcard":         check.StatusPass,
				"security.cors.vary":             check.StatusPass,
				"security.cors.trusted":          check.StatusPass,
			},
		},
		{
			name: "allow-list without Vary",
			srv:  &corsServer{allow: exact(trustedApp)},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{"security.cors.vary": check.StatusWarn, "security.cors.reflected-origin": check.StatusPass},
		},
		{
			name: "trusted origin refused",
			srv:  &corsServer{allow: exact("https://other.example.com"), vary: true},
			opts: CORSOptions{Trusted: []string{trustedApp}},
			want: want{"security.cors.trusted": check.StatusFail, "security.cors.reflected-origin": check.StatusPass},
		},
		{
			name: "no CORS at all",
			srv:  &corsServer{},
			want: want{
				"security.cors.credentials":      check.StatusPass,
				"security.cors.reflected-origin": check.StatusPass,
				"security.cors.wildcard":         check.StatusPass,
				"security.cors.vary":             check.StatusSkip,
				"security.cors.trusted":          check.StatusSkip,
			},
		},
		{
			name: "reflects only for credentialed requests",
			srv:  &corsServer{allow: func(string) bool { return true }, creds: true, vary: true},
			page: HTTPOptions{Header: http.Header{"Authorization": {"Bearer abc.def.ghi"}}},
			want: want{"security.cors.credentials": check.StatusFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.AttackerDomain = "pcdeadbeef.test"
			got := runCORS(t, tt.srv, tt.opts, tt.page)
			for id, st := range tt.want {
				assert.Equal(t, st, got[id].Status, "%s: %s %v", id, got[id].Message, got[id].Findings)
			}
			for id, text := range tt.mention {
				assert.Contains(t, resultText(got[id]), text, id)
			}
		})
	}
}

// resultText is a result's message and findings on one string.
func resultText(r check.Result) string {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, f := range r.Findings {
		b.WriteString("\n")
		b.WriteString(f.String())
	}
	return b.String()
}

// The worst CORS finding is the credentials one: critical, above every
// other CORS check that fails on the same server.
func TestCORSReflectAnyIsWorst(t *testing.T) {
	srv := &corsServer{allow: func(string) bool { return true }, creds: true}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var r check.Runner
	rep, err := r.Run(t.Context(), CORS(NewPage(ts.URL, HTTPOptions{}), CORSOptions{})...)
	require.NoError(t, err)
	var worst check.Outcome
	for _, o := range rep.Outcomes {
		if o.Result.Status == check.StatusFail && o.Meta.Severity > worst.Meta.Severity {
			worst = o
		}
	}
	assert.Equal(t, "security.cors.credentials", worst.Meta.ID)
	assert.Equal(t, check.SeverityCritical, worst.Meta.Severity)
	assert.Contains(t, worst.Result.Message, "worst")
	// Reflection of the foreign origin is decisive: no bypass probes.
	assert.Equal(t, int32(3), srv.requests.Load(), "GET foreign, OPTIONS foreign, GET null")
}

func TestCORSRequestBudget(t *testing.T) {
	srv := &corsServer{allow: exact("https://a.example.com"), vary: true}
	opts := CORSOptions{AttackerDomain: "pcdeadbeef.test", Trusted: []string{
		"https://a.example.com", "https://b.example.com", "https://c.example.com", "https://d.example.com",
		"https://e.example.com", "https://f.example.com",
	}}
	got := runCORS(t, srv, opts, HTTPOptions{Header: http.Header{"Cookie": {"sid=1"}}})
	assert.Equal(t, int32(CORSMaxRequests), srv.requests.Load())
	assert.Equal(t, check.StatusFail, got["security.cors.trusted"].Status)
	assert.Contains(t, got["security.cors.trusted"].Message, "not probed")
	// The preflight and one GET go without the page's credentials.
	assert.Equal(t, int32(1), srv.options.Load())

	srv = &corsServer{}
	runCORS(t, srv, CORSOptions{MaxRequests: 2}, HTTPOptions{})
	assert.Equal(t, int32(2), srv.requests.Load())
}

func TestCORSUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	for _, c := range CORS(NewPage(url, HTTPOptions{}), CORSOptions{Trusted: []string{trustedApp}}) {
		r := c.Run(t.Context())
		assert.Equal(t, check.StatusError, r.Status, c.Meta().ID)
	}
	for _, c := range CORS(NewPage("ftp://x", HTTPOptions{}), CORSOptions{}) {
		r := c.Run(t.Context())
		if c.Meta().ID != "security.cors.trusted" {
			assert.Equal(t, check.StatusError, r.Status, c.Meta().ID)
		}
	}
}

// A server that hangs on OPTIONS is bounded by the context and ends in
// Error, with no goroutine left (goleak in TestMain).
func TestCORSHangingPreflight(t *testing.T) {
	block := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			select {
			case <-block:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	}))
	defer ts.Close()
	defer close(block)
	ctx, cancel := contextWithShortTimeout(t)
	defer cancel()
	r := CORS(NewPage(ts.URL, HTTPOptions{}), CORSOptions{})[0].Run(ctx)
	assert.Equal(t, check.StatusError, r.Status, r.Message)
}

// contextWithShortTimeout bounds a test against a server that never
// answers; nothing asserts how long it took.
func contextWithShortTimeout(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), 300*time.Millisecond)
}
