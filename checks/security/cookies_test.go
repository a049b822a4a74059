package security

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// cookieDate is the Date every cookie test server sends: Expires and
// tokens are judged against it, never against the clock.
var cookieDate = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testJWT signs a token issued at cookieDate that lives life (0: no exp).
func testJWT(t *testing.T, method jwt.SigningMethod, life time.Duration) string {
	t.Helper()
	claims := jwt.MapClaims{"sub": "user-4711", "iat": cookieDate.Unix()}
	if life > 0 {
		claims["exp"] = cookieDate.Add(life).Unix()
	}
	var key any = []byte("0123456789abcdef0123456789abcdef")
	if method == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

// cookieServer answers with the given Set-Cookie lines and body.
func cookieServer(t *testing.T, setCookies []string, body string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", cookieDate.Format(http.TimeFormat))
		for _, c := range setCookies {
			w.Header().Add("Set-Cookie", c)
		}
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/login"
}

func runCookies(t *testing.T, url string, opts CookieOptions) map[string]check.Result {
	t.Helper()
	ctx, release := check.WithMemo(t.Context())
	defer release()
	out := map[string]check.Result{}
	for _, c := range Cookies(NewPage(url, HTTPOptions{}), opts) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, url, m.Target)
		out[m.ID] = c.Run(ctx)
	}
	return out
}

func TestCookies(t *testing.T) {
	const value = "s3cr3t-session-value-0123456789abcdef"
	longJWT := testJWT(t, jwt.SigningMethodHS256, 7*24*time.Hour)
	shortJWT := testJWT(t, jwt.SigningMethodHS256, 15*time.Minute)
	foreverJWT := testJWT(t, jwt.SigningMethodHS256, 0)
	noneJWT := testJWT(t, jwt.SigningMethodNone, 10*time.Minute)
	type want map[string]check.Status
	tests := []struct {
		name    string
		cookies []string
		body    string
		opts    CookieOptions
		want    want
		mention map[string]string
		secrets []string // must appear nowhere in the results
	}{
		{
			name:    "hardened session cookie",
			cookies: []string{"__Host-sid=" + value + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1200", "theme=dark; Secure; SameSite=Lax; Max-Age=31536000"},
			want: want{
				"security.cookies.secure":          check.StatusPass,
				"security.cookies.httponly":        check.StatusPass,
				"security.cookies.samesite":        check.StatusPass,
				"security.cookies.host-prefix":     check.StatusPass,
				"security.session.cookie-lifetime": check.StatusPass,
				"security.session.jwt-lifetime":    check.StatusSkip,
				"security.session.jwt-unsigned":    check.StatusSkip,
			},
			secrets: []string{value},
		},
		{
			name:    "bare session cookie",
			cookies: []string{"sessionid=" + value + "; Path=/"},
			want: want{
				"security.cookies.secure":          check.StatusFail,
				"security.cookies.httponly":        check.StatusFail,
				"security.cookies.samesite":        check.StatusWarn,
				"security.cookies.host-prefix":     check.StatusWarn,
				"security.session.cookie-lifetime": check.StatusPass,
			},
			mention: map[string]string{
				"security.cookies.secure":          "session cookie sessionid: no Secure",
				"security.session.cookie-lifetime": "browser session",
			},
			secrets: []string{value},
		},
		{
			name:    "well-known session names",
			cookies: []string{"PHPSESSID=" + value + "; Secure; SameSite=Lax", "connect.sid=" + value + "x; Secure; SameSite=Lax", "JSESSIONID=abc; Secure; HttpOnly; SameSite=Lax", "sidebar=open; Secure; SameSite=Lax"},
			want:    want{"security.cookies.httponly": check.StatusFail},
			mention: map[string]string{"security.cookies.httponly": "2 session cookie(s) without HttpOnly"},
			secrets: []string{value},
		},
		{
			name:    "caller's session name",
			cookies: []string{"ck=" + value + "; Secure; SameSite=Lax"},
			opts:    CookieOptions{SessionNames: []string{"CK"}},
			want:    want{"security.cookies.httponly": check.StatusFail},
		},
		{
			name:    "SameSite=None without Secure",
			cookies: []string{"pref=1; SameSite=None", "lang=en; Secure; SameSite=Lax"},
			want: want{
				"security.cookies.samesite":    check.StatusFail,
				"security.cookies.secure":      check.StatusFail,
				"security.cookies.httponly":    check.StatusSkip,
				"security.cookies.host-prefix": check.StatusSkip,
			},
		},
		{
			name:    "invalid SameSite",
			cookies: []string{"pref=1; Secure; SameSite=Sometimes"},
			want:    want{"security.cookies.samesite": check.StatusFail},
			mention: map[string]string{"security.cookies.samesite": "invalid value"},
		},
		{
			name:    "broken __Host- prefix",
			cookies: []string{"__Host-sid=" + value + "; Secure; HttpOnly; SameSite=Lax; Path=/app; Domain=example.com"},
			want:    want{"security.cookies.host-prefix": check.StatusFail},
			mention: map[string]string{"security.cookies.host-prefix": "a Domain, a Path other than /"},
		},
		{
			name:    "session cookie for 30 days",
			cookies: []string{"__Host-session=" + value + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=2592000"},
			want:    want{"security.session.cookie-lifetime": check.StatusFail},
			mention: map[string]string{"security.session.cookie-lifetime": "lives 30d, over the absolute session limit of 12h"},
		},
		{
			name:    "session cookie for an hour",
			cookies: []string{"__Host-session=" + value + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600"},
			want:    want{"security.session.cookie-lifetime": check.StatusWarn},
			mention: map[string]string{"security.session.cookie-lifetime": "over the idle limit of 30m"},
		},
		{
			name:    "session cookie Expires a year after Date",
			cookies: []string{"__Host-session=" + value + "; Path=/; Secure; HttpOnly; SameSite=Lax; Expires=" + cookieDate.AddDate(1, 0, 0).Format(http.TimeFormat)},
			want:    want{"security.session.cookie-lifetime": check.StatusFail},
		},
		{
			name:    "custom limits",
			cookies: []string{"__Host-session=" + value + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600"},
			opts:    CookieOptions{Idle: 2 * time.Hour, Absolute: 24 * time.Hour},
			want:    want{"security.session.cookie-lifetime": check.StatusPass},
		},
		{
			name:    "deleted session cookie is not judged",
			cookies: []string{"sessionid=; Max-Age=0", "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
			want: want{
				"security.cookies.secure":          check.StatusSkip,
				"security.session.cookie-lifetime": check.StatusSkip,
			},
		},
		{
			name:    "JWT cookie for a week",
			cookies: []string{"__Host-jwt=" + longJWT + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=600"},
			want: want{
				"security.session.jwt-lifetime": check.StatusFail,
				"security.session.jwt-unsigned": check.StatusPass,
				"security.cookies.httponly":     check.StatusPass,
			},
			mention: map[string]string{"security.session.jwt-lifetime": "JWT in cookie __Host-jwt: valid 7d from iat"},
			secrets: []string{longJWT, "user-4711"},
		},
		{
			name:    "JWT value marks an oddly named cookie as session",
			cookies: []string{"x=" + shortJWT + "; Secure; SameSite=Lax"},
			want: want{
				"security.cookies.httponly":     check.StatusFail,
				"security.session.jwt-lifetime": check.StatusPass,
			},
			secrets: []string{shortJWT},
		},
		{
			name: "JWTs in a JSON body",
			body: `{"access_token":"` + shortJWT + `","token_type":"Bearer","data":{"refresh_token":"` + foreverJWT + `"},"list":["` + noneJWT + `"]}`,
			want: want{
				"security.session.jwt-lifetime": check.StatusFail,
				"security.session.jwt-unsigned": check.StatusFail,
				"security.cookies.secure":       check.StatusSkip,
			},
			mention: map[string]string{
				"security.session.jwt-lifetime": "body field data.refresh_token: no exp claim",
				"security.session.jwt-unsigned": "body field list[0]",
			},
			secrets: []string{shortJWT, foreverJWT, noneJWT, "user-4711"},
		},
		{
			name: "short-lived access token",
			body: `{"access_token":"Bearer ` + shortJWT + `"}`,
			want: want{"security.session.jwt-lifetime": check.StatusPass, "security.session.jwt-unsigned": check.StatusPass},
		},
		{
			name:    "malformed Set-Cookie is ignored and named",
			cookies: []string{"bad name=" + value, "=novalue", "ok=1; Secure; SameSite=Lax; HttpOnly"},
			want:    want{"security.cookies.secure": check.StatusPass},
			mention: map[string]string{"security.cookies.secure": "2 malformed Set-Cookie ignored (#1, #2)"},
			secrets: []string{value},
		},
		{
			name: "no cookie, no token",
			body: `{"ok":true}`,
			want: want{
				"security.cookies.secure":          check.StatusSkip,
				"security.cookies.httponly":        check.StatusSkip,
				"security.cookies.samesite":        check.StatusSkip,
				"security.cookies.host-prefix":     check.StatusSkip,
				"security.session.cookie-lifetime": check.StatusSkip,
				"security.session.jwt-lifetime":    check.StatusSkip,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCookies(t, cookieServer(t, tt.cookies, tt.body), tt.opts)
			for id, st := range tt.want {
				assert.Equal(t, st, got[id].Status, "%s: %s", id, resultText(got[id]))
			}
			for id, text := range tt.mention {
				assert.Contains(t, resultText(got[id]), text, id)
			}
			out, err := json.Marshal(got)
			require.NoError(t, err)
			all := string(out)
			for _, r := range got {
				all += resultText(r)
			}
			for _, s := range tt.secrets {
				assert.NotContains(t, all, s, "a secret leaked into the results")
			}
		})
	}
}

func TestCookiesFindingsLocated(t *testing.T) {
	url := cookieServer(t, []string{"sessionid=abc123abc123abc123; Path=/"}, "")
	for id, r := range runCookies(t, url, CookieOptions{}) {
		for _, f := range r.Findings {
			assert.Equal(t, url, f.Location.URL, id)
			assert.Equal(t, "cookie sessionid", f.Location.Resource, id)
			assert.NotEmpty(t, f.Expected, id)
			assert.Contains(t, f.Actual, "chars", id)
		}
	}
}

func TestCookiesUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	for id, r := range runCookies(t, url, CookieOptions{}) {
		assert.Equal(t, check.StatusError, r.Status, id)
	}
}

func TestIsSessionName(t *testing.T) {
	var o CookieOptions
	for _, n := range []string{"sessionid", "PHPSESSID", "JSESSIONID", "connect.sid", "ASP.NET_SessionId", "laravel_session", "auth_token", "jwt", "__Host-SID", "remember_user_token", "_gh_sess", "user_login"} {
		assert.True(t, o.isSessionName(n), n)
	}
	for _, n := range []string{"theme", "sidebar", "lang", "_ga", "consider"} {
		assert.False(t, o.isSessionName(n), n)
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", 12 * time.Hour: "12h", 90 * time.Minute: "1h30m",
		30 * 24 * time.Hour: "30d", 45 * time.Second: "45s", 0: "0s", 60 * time.Hour: "2.5d",
	} {
		assert.Equal(t, want, fmtDuration(d))
	}
}

// FuzzSetCookie: parsing any Set-Cookie line never panics, a parse error
// never quotes the line, and a parsed cookie renders and decodes.
func FuzzSetCookie(f *testing.F) {
	for _, s := range []string{
		"sid=abc; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1200",
		"__Host-x=1; Domain=example.com; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
		"a=\"quoted value\"; SameSite=None; Partitioned",
		"=", "", ";;;", "n=v; Max-Age=-1; SameSite=", "bad name=v", "n=" + strings.Repeat("x", 5000),
		"jwt=eyJhbGciOiJub25lIn0.eyJleHAiOiJzb29uIn0.",
	} {
		f.Add(s)
	}
	fp := secret.NewKeyedFingerprinter(make([]byte, secret.KeySize))
	f.Fuzz(func(t *testing.T, line string) {
		_ = cookieNameOf(line)
		c, err := parseSetCookie(line)
		if err != nil {
			assert.LessOrEqual(t, len(err.Error()), 60, "the error quotes no input")
			return
		}
		require.NotEmpty(t, c.Name)
		sc := &setCookie{name: c.Name, secure: c.Secure, httpOnly: c.HttpOnly, domain: c.Domain, path: c.Path, maxAge: c.MaxAge, expires: c.Expires}
		assert.NotEmpty(t, sc.attrs())
		_, _ = sc.lifetime(cookieDate)
		_ = decodeJWT(c.Value, fp)
	})
}
