package config

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// Canaries of the MFA tests: the test account's password and the
// session and token values the servers issue.
const (
	mfaCanaryPassword = "mfacanary-password-7d2e9b4c1a6f"
	mfaCanarySession  = "mfacanary-session-3b8f1e6a9c2d"
	mfaCanaryToken    = "mfacanary-token-5a1c7e3f9b2d"
)

var mfaLogin = []byte(`{"email":"prodcheck-test@example.com","password":"` + mfaCanaryPassword + `"}`)

// mfaLoginServer answers every request with status, headers and body, and
// counts the requests.
type mfaLoginServer struct {
	status  int
	header  map[string]string
	cookies []*http.Cookie
	body    string
	count   atomic.Int32
	gotBody atomic.Value
}

func (s *mfaLoginServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.count.Add(1)
	b, _ := io.ReadAll(r.Body)
	s.gotBody.Store(string(b) + " " + r.Method + " " + r.Header.Get("Content-Type"))
	for _, c := range s.cookies {
		http.SetCookie(w, c)
	}
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if s.body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(s.status)
	io.WriteString(w, s.body)
}

func TestMFAChallenge(t *testing.T) {
	session := &http.Cookie{Name: "session", Value: mfaCanarySession, Path: "/", HttpOnly: true}
	tests := []struct {
		name  string
		srv   *mfaLoginServer
		opts  MFAOptions
		want  check.Status
		msg   string
		found []string
	}{
		// The twins: the same login, with and without MFA.
		{name: "mfa enforced: 401 mfa_required", srv: &mfaLoginServer{status: 401, body: `{"mfa_required": true, "mfa_token": "` + mfaCanaryToken + `"}`},
			want: check.StatusPass, msg: "field mfa_required, HTTP 401"},
		{name: "no mfa: session cookie", srv: &mfaLoginServer{status: 200, cookies: []*http.Cookie{session}, body: `{"ok": true}`},
			want: check.StatusFail, found: []string{"cookie session"}},

		{name: "auth0 style 403 error value", srv: &mfaLoginServer{status: 403, body: `{"error": "mfa_required", "error_description": "Multifactor authentication required", "mfa_token": "` + mfaCanaryToken + `"}`},
			want: check.StatusPass, msg: "HTTP 403"},
		{name: "200 with a challenge token, no cookie", srv: &mfaLoginServer{status: 200, body: `{"challenge": {"type": "totp", "id": "` + mfaCanaryToken + `"}}`},
			want: check.StatusPass, msg: "field challenge"},
		{name: "nested challenge field", srv: &mfaLoginServer{status: 200, body: `{"data": {"two_factor": true}}`},
			want: check.StatusPass},
		{name: "pending mfa cookie is not a session", srv: &mfaLoginServer{status: 200, body: `{"otp_required": true}`,
			cookies: []*http.Cookie{{Name: "mfa_pending", Value: mfaCanarySession}}},
			want: check.StatusPass},
		{name: "redirect to the otp page", srv: &mfaLoginServer{status: 302, header: map[string]string{"Location": "/login/otp"}},
			want: check.StatusPass, msg: "a redirect to /login/otp"},
		{name: "access token in the body", srv: &mfaLoginServer{status: 200, body: `{"access_token": "` + mfaCanaryToken + `", "token_type": "Bearer"}`},
			want: check.StatusFail, found: []string{"field access_token"}},
		{name: "nested token", srv: &mfaLoginServer{status: 200, body: `{"data": {"token": "` + mfaCanaryToken + `"}}`},
			want: check.StatusFail, found: []string{"field data.token"}},
		{name: "session issued with a challenge still fails", srv: &mfaLoginServer{status: 200, cookies: []*http.Cookie{session}, body: `{"mfa_required": true}`},
			want: check.StatusFail, msg: "along with the challenge"},
		{name: "redirect to the dashboard with a session", srv: &mfaLoginServer{status: 302, header: map[string]string{"Location": "/dashboard"}, cookies: []*http.Cookie{{Name: "connect.sid", Value: mfaCanarySession}}},
			want: check.StatusFail, found: []string{"cookie connect.sid"}},
		{name: "caller-named session cookie", srv: &mfaLoginServer{status: 200, cookies: []*http.Cookie{{Name: "app_state", Value: mfaCanarySession}}},
			opts: MFAOptions{SessionCookies: []string{"APP_STATE"}}, want: check.StatusFail, found: []string{"cookie app_state"}},
		{name: "caller-named challenge field", srv: &mfaLoginServer{status: 200, body: `{"needs_webauthn": true}`},
			opts: MFAOptions{ChallengeFields: []string{"needs_webauthn"}}, want: check.StatusPass},
		{name: "cookie deletion is not a session", srv: &mfaLoginServer{status: 200, body: `{"mfa_required": true}`, cookies: []*http.Cookie{{Name: "session", Value: "x", MaxAge: -1}}},
			want: check.StatusPass},
		{name: "false challenge field", srv: &mfaLoginServer{status: 200, body: `{"mfa_required": false}`},
			want: check.StatusError, msg: "neither a session nor a recognised MFA challenge"},
		{name: "wrong credentials", srv: &mfaLoginServer{status: 401, body: `{"error": "invalid_credentials"}`},
			want: check.StatusError, msg: "check the test account's credentials"},
		{name: "server error", srv: &mfaLoginServer{status: 500, body: `{"mfa_required": true}`}, want: check.StatusError, msg: "HTTP 500"},
		{name: "html page", srv: &mfaLoginServer{status: 200, header: map[string]string{"Content-Type": "text/html"}}, want: check.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.srv)
			defer ts.Close()
			opts := tt.opts
			opts.Body = mfaLogin
			c := MFAChallenge(ts.URL+"/api/login", opts)
			rep, err := (&check.Runner{}).Run(t.Context(), c)
			require.NoError(t, err)
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.want, res.Status, res.Message)
			assert.Equal(t, int32(MFAMaxRequests), tt.srv.count.Load(), "requests sent")
			if tt.msg != "" {
				assert.Contains(t, res.Message, tt.msg)
			}
			var found []string
			for _, f := range res.Findings {
				found = append(found, f.Location.Resource)
			}
			if tt.found != nil {
				assert.Equal(t, tt.found, found)
			}
			mfaNoCanary(t, rep)
		})
	}
}

func mfaNoCanary(t *testing.T, rep *check.Report) {
	t.Helper()
	for name, render := range map[string]func(io.Writer) error{
		"text":     func(w io.Writer) error { return report.Text(w, rep, report.Options{}) },
		"json":     func(w io.Writer) error { return report.JSON(w, rep, report.Options{}) },
		"junit":    func(w io.Writer) error { return report.JUnit(w, rep, report.Options{}) },
		"markdown": func(w io.Writer) error { return report.Markdown(w, rep, report.Options{}) },
	} {
		var b bytes.Buffer
		require.NoError(t, render(&b))
		for _, c := range []string{mfaCanaryPassword, mfaCanarySession, mfaCanaryToken} {
			assert.NotContains(t, b.String(), c, "%s report leaks a canary", name)
		}
	}
}

func TestMFAChallengeRequest(t *testing.T) {
	srv := &mfaLoginServer{status: 401, body: `{"mfa_required": true}`}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	res := MFAChallenge(ts.URL, MFAOptions{Body: mfaLogin}).Run(t.Context())
	assert.Equal(t, check.StatusPass, res.Status)
	assert.Equal(t, string(mfaLogin)+" POST application/json", srv.gotBody.Load())

	form := []byte("user=test&password=" + mfaCanaryPassword)
	res = MFAChallenge(ts.URL, MFAOptions{Body: form, Method: http.MethodPut}).Run(t.Context())
	assert.Equal(t, check.StatusPass, res.Status)
	assert.Equal(t, string(form)+" PUT application/x-www-form-urlencoded", srv.gotBody.Load())
	assert.Equal(t, int32(2), srv.count.Load(), "one request per run")
}

func TestMFAChallengeNoRedirectFollowed(t *testing.T) {
	var count atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		http.Redirect(w, r, "/home", http.StatusFound)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "session", Value: mfaCanarySession})
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	// A caller's client that follows redirects still sends one request.
	res := MFAChallenge(ts.URL+"/login", MFAOptions{Body: mfaLogin, Client: ts.Client()}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.Equal(t, int32(1), count.Load())
}

func TestMFAChallengeErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name, endpoint string
		body           []byte
		msg            string
	}{
		{name: "transport failure", endpoint: closedURL + "/login", body: mfaLogin, msg: "login request to"},
		{name: "no body", endpoint: closedURL, msg: "no login body"},
		{name: "not http", endpoint: "ftp://example.com/login", body: mfaLogin, msg: "not an http(s) URL"},
		{name: "credentials in the url are redacted", endpoint: "ftp://user:" + mfaCanaryPassword + "@example.com/", body: mfaLogin, msg: "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MFAChallenge(tt.endpoint, MFAOptions{Body: tt.body})
			rep, err := (&check.Runner{}).Run(t.Context(), c)
			require.NoError(t, err)
			res := rep.Outcomes[0].Result
			assert.Equal(t, check.StatusError, res.Status)
			assert.Contains(t, res.Message, tt.msg)
			assert.NotContains(t, c.Meta().Target, mfaCanaryPassword)
			mfaNoCanary(t, rep)
		})
	}
}

func TestMFAChallengeMeta(t *testing.T) {
	m := MFAChallenge("https://app.example.com/api/login", MFAOptions{}).Meta()
	require.NoError(t, m.Validate())
	assert.Equal(t, "security.mfa.enforced", m.ID)
	assert.Equal(t, "https://app.example.com/api/login", m.Target)
	assert.Equal(t, check.SeverityHigh, m.Severity)
	assert.Equal(t, "Add MFA (Multi-Factor Authentication)", m.Item)
	assert.True(t, strings.HasPrefix(m.Section, "Security Hardening"))
}
