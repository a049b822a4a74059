package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// MFAMaxRequests is how many requests one run of [MFAChallenge] sends: one
// login, no retry, no redirect followed.
const MFAMaxRequests = 1

// DefaultChallengeFields are the JSON field names (or string values, as
// in {"error": "mfa_required"}) that mark an MFA challenge when
// MFAOptions.ChallengeFields is empty.
var DefaultChallengeFields = []string{"mfa_required", "mfa_token", "otp_required", "two_factor", "challenge"}

// mfaTokenFields are the JSON fields of a response body that hold a session
// or access token issued at login.
var mfaTokenFields = []string{"access_token", "id_token", "refresh_token", "session_token", "auth_token", "token", "jwt", "session", "sessionid", "session_id"}

// mfaMaxBody bounds the login response read.
const mfaMaxBody = 1 << 20

// MFAOptions configures [MFAChallenge]. Body is required; the rest has
// defaults.
type MFAOptions struct {
	// Client sends the request. nil means a client with TLS verification
	// on, no cookie jar, no keep-alive and a 30 s timeout. Redirects are
	// never followed, with any client: the login's own response is judged.
	Client *http.Client
	// Method is the login request's method; "" means POST.
	Method string
	// Body is the login request of a test account, as the caller's login
	// form or API expects it: {"email": "...", "password": "..."}. It is
	// sent once and never shown.
	Body []byte
	// Header holds extra request headers. Content-Type defaults to
	// application/json when Body starts with '{' or '[', and to
	// application/x-www-form-urlencoded otherwise.
	Header http.Header
	// SessionCookies names the cookies (case-insensitive) that hold a
	// logged-in session. Empty means any cookie whose name contains
	// session, sess, sid, auth, token, jwt or login, except names that
	// mark a pending challenge (mfa, otp, 2fa, challenge, pending, pre).
	SessionCookies []string
	// ChallengeFields are the JSON fields, or string values, that mark an
	// MFA challenge; empty means [DefaultChallengeFields].
	ChallengeFields []string
}

// MFAChallenge returns the opt-in check security.mfa.enforced (high): a
// password login of a test account gets an MFA challenge, not a session.
// It sends exactly one request ([MFAMaxRequests]) per run: opts.Body to
// endpoint with opts.Method, following no redirect, and judges the
// response:
//
//   - Pass: the response is a challenge and issues no session: a JSON
//     body with a challenge field (mfa_required, mfa_token, otp_required,
//     two_factor, challenge; or such a string value, as Auth0's
//     {"error": "mfa_required"}), whether the status is 200, 401 or 403,
//     or a redirect to an MFA, OTP or 2FA page;
//   - Fail: a session cookie or an access token (access_token, id_token,
//     token, ...) is issued directly, with or without a challenge field;
//   - Error: the request failed, the server answered 5xx, or the response
//     is neither (a 401 without a challenge usually means the test
//     account's credentials are wrong).
//
// Cookie and token values are never shown, nor is the request body:
// findings name the cookie or the JSON field. Use a dedicated test
// account, since the login is real.
//
// When MFA cannot be probed this way (a login behind a CAPTCHA or an
// external identity provider), the production checklist makes "Add MFA"
// an attestation item instead: a person records that MFA is enforced.
func MFAChallenge(endpoint string, opts MFAOptions) check.Check {
	meta := check.Meta{
		ID:       "security.mfa.enforced",
		Target:   secret.RedactURL(endpoint),
		Title:    "A password login gets an MFA challenge, not a session",
		Section:  "Security Hardening / Authentication",
		Item:     "Add MFA (Multi-Factor Authentication)",
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "authentication", "active"},
		Remediation: "Require a second factor (TOTP, WebAuthn/passkeys) before issuing a session: " +
			"answer a correct password with a challenge and issue the session cookie or token only after it is met.",
		Refs: []string{
			"OWASP ASVS 5.0 6.3.3",
			"NIST SP 800-63B rev 4 AAL2",
			"OWASP Multifactor Authentication Cheat Sheet",
		},
	}
	return check.New(meta, func(ctx context.Context) check.Result {
		return mfaProbe(ctx, endpoint, opts)
	})
}

func mfaDefaultClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DisableKeepAlives:      true,
			MaxResponseHeaderBytes: 64 << 10,
			TLSHandshakeTimeout:    10 * time.Second,
		},
	}
}

func mfaProbe(ctx context.Context, endpoint string, opts MFAOptions) check.Result {
	if len(opts.Body) == 0 {
		return check.Error(errors.New("mfa: no login body: give the test account's login request in MFAOptions.Body"))
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return check.Error(fmt.Errorf("mfa: endpoint %s is not an http(s) URL", secret.RedactURL(endpoint)))
	}
	method := opts.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(opts.Body))
	if err != nil {
		return check.Error(fmt.Errorf("mfa: building the login request failed"))
	}
	for k, vs := range opts.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Content-Type") == "" {
		ct := "application/x-www-form-urlencoded"
		if b := bytes.TrimSpace(opts.Body); len(b) > 0 && (b[0] == '{' || b[0] == '[') {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "prodcheck (+https://github.com/prodcheck/prodcheck)")
	}
	client := opts.Client
	if client == nil {
		client = mfaDefaultClient()
		defer client.CloseIdleConnections()
	}
	c := *client
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return check.Error(fmt.Errorf("mfa: login request to %s: %w", secret.RedactURL(endpoint), ctx.Err()))
		}
		// A *url.Error quotes the URL; say it redacted, keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return check.Error(fmt.Errorf("mfa: login request to %s failed: %w", secret.RedactURL(endpoint), err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, mfaMaxBody))
	if err != nil {
		return check.Error(fmt.Errorf("mfa: reading the login response failed: %w", err))
	}
	return mfaJudge(resp, body, opts)
}

func mfaJudge(resp *http.Response, body []byte, opts MFAOptions) check.Result {
	fields := opts.ChallengeFields
	if len(fields) == 0 {
		fields = DefaultChallengeFields
	}
	loc := check.Location{URL: secret.RedactURL(resp.Request.URL.String())}
	var sessions []check.Finding
	for _, ck := range resp.Cookies() {
		if ck.Value == "" || ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Year() < 2000) {
			continue // a deletion
		}
		if mfaSessionCookie(ck.Name, opts.SessionCookies) {
			l := loc
			l.Resource = "cookie " + rotSafeName(ck.Name)
			sessions = append(sessions, check.Finding{
				Message:  fmt.Sprintf("the password login set the session cookie %s", rotSafeName(ck.Name)),
				Location: l,
				Expected: "an MFA challenge before any session",
				Actual:   fmt.Sprintf("HTTP %d with a session cookie", resp.StatusCode),
			})
		}
	}
	var doc any
	isJSON := json.Unmarshal(body, &doc) == nil
	challenge := ""
	if isJSON {
		for _, tf := range mfaTokenFieldsIn(doc) {
			l := loc
			l.Resource = "field " + tf
			sessions = append(sessions, check.Finding{
				Message:  fmt.Sprintf("the password login returned a token in %s", tf),
				Location: l,
				Expected: "an MFA challenge before any token",
				Actual:   fmt.Sprintf("HTTP %d with a token", resp.StatusCode),
			})
		}
		challenge = mfaChallengeIn(doc, fields)
	}
	if challenge == "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if l, err := resp.Location(); err == nil && mfaRedirectPath(l.Path) {
			challenge = "a redirect to " + secret.RedactURL(l.Path)
		}
	}
	if len(sessions) > 0 {
		msg := fmt.Sprintf("login issued a session without MFA (HTTP %d)", resp.StatusCode)
		if challenge != "" {
			msg = fmt.Sprintf("login issued a session along with the challenge %s (HTTP %d)", challenge, resp.StatusCode)
		}
		return check.Fail(msg, sessions...)
	}
	switch {
	case resp.StatusCode >= 500:
		return check.Error(fmt.Errorf("mfa: the login answered HTTP %d", resp.StatusCode))
	case challenge != "":
		return check.Pass(fmt.Sprintf("login answered with an MFA challenge (%s, HTTP %d) and no session", challenge, resp.StatusCode))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return check.Error(fmt.Errorf("mfa: the login was refused (HTTP %d) without an MFA challenge: check the test account's credentials, or name the challenge field in ChallengeFields", resp.StatusCode))
	}
	return check.Error(fmt.Errorf("mfa: the login answered HTTP %d with neither a session nor a recognised MFA challenge: name them in SessionCookies or ChallengeFields", resp.StatusCode))
}

// isSessionCookie reports whether a cookie holds a session: by the
// caller's names, or by the built-in heuristic.
func mfaSessionCookie(name string, names []string) bool {
	if len(names) > 0 {
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	n := strings.ToLower(name)
	for _, w := range []string{"mfa", "otp", "2fa", "challenge", "pending", "pre_", "pre-", "csrf", "xsrf"} {
		if strings.Contains(n, w) {
			return false
		}
	}
	for _, w := range []string{"session", "sess", "sid", "auth", "token", "jwt", "login"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func mfaRedirectPath(p string) bool {
	p = strings.ToLower(p)
	for _, w := range []string{"mfa", "otp", "2fa", "two-factor", "two_factor", "totp", "webauthn", "challenge"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// tokenFieldsIn returns the token fields with a non-empty value at the
// top level of a JSON object or in its "data" object.
func mfaTokenFieldsIn(doc any) []string {
	var out []string
	var walk func(m map[string]any, prefix string)
	walk = func(m map[string]any, prefix string) {
		for k, v := range m {
			for _, tf := range mfaTokenFields {
				if !strings.EqualFold(k, tf) {
					continue
				}
				if s, ok := v.(string); ok && s != "" {
					out = append(out, prefix+k)
				}
			}
		}
		if prefix == "" {
			for _, k := range []string{"data", "result", "session", "tokens"} {
				if sub, ok := m[k].(map[string]any); ok {
					walk(sub, k+".")
				}
			}
		}
	}
	if m, ok := doc.(map[string]any); ok {
		walk(m, "")
	}
	sort.Strings(out)
	return out
}

// challengeIn returns the challenge field or value found in the top level
// of a JSON object or one level below, or "".
func mfaChallengeIn(doc any, fields []string) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	var look func(m map[string]any, depth int) string
	look = func(m map[string]any, depth int) string {
		for _, f := range fields {
			for k, v := range m {
				if strings.EqualFold(k, f) && mfaTruthy(v) {
					return "field " + f
				}
				if s, ok := v.(string); ok && strings.EqualFold(s, f) {
					return "value " + f
				}
			}
		}
		if depth == 0 {
			for _, v := range m {
				if sub, ok := v.(map[string]any); ok {
					if c := look(sub, 1); c != "" {
						return c
					}
				}
			}
		}
		return ""
	}
	return look(m, 0)
}

func mfaTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != "" && !strings.EqualFold(x, "false")
	case float64:
		return x != 0
	}
	return true
}
