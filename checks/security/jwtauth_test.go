package security

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// strongKey is the HMAC key of the verifying test servers: 32 bytes.
var strongKey = []byte("k7Q2pX9vL4mN8rT1wZ6yB3cF5hJ0sD2g")

// jwtServer is a protected endpoint: verify decides whether the bearer
// token is let in.
type jwtServer struct {
	verify   func(tok string) bool
	requests atomic.Int32
}

func (s *jwtServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		http.Error(w, "missing token", http.StatusUnauthorized)
		return
	}
	if !s.verify(tok) {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// verifyWith is real verification with golang-jwt v5: HS256 only, exp
// required and checked, alg none rejected.
func verifyWith(key []byte, opts ...jwt.ParserOption) func(string) bool {
	return func(tok string) bool {
		opts = append([]jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"})}, opts...)
		t, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return key, nil }, opts...)
		return err == nil && t.Valid
	}
}

// unverified decodes the token without checking its signature: the
// classic bug.
func unverified(tok string) bool {
	_, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	return err == nil
}

// allowsNone verifies HS256 properly but also lets alg none in, as
// libraries did before RFC 8725.
func allowsNone(tok string) bool {
	t, err := jwt.Parse(tok, func(t *jwt.Token) (any, error) {
		if t.Method == jwt.SigningMethodNone {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		return strongKey, nil
	}, jwt.WithExpirationRequired())
	return err == nil && t.Valid
}

func signed(t *testing.T, key []byte, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

func runJWT(t *testing.T, ctx context.Context, srv *httptest.Server, opts JWTEnforcementOptions) check.Result {
	t.Helper()
	opts.Client = srv.Client()
	c := JWTEnforcement(srv.URL+"/api/me", opts)
	assert.Equal(t, "security.jwt.enforced", c.Meta().ID)
	assert.Equal(t, srv.URL+"/api/me", c.Meta().Target)
	return c.Run(ctx)
}

func findingMessages(r check.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Message)
	}
	return out
}

func TestJWTEnforcementTwins(t *testing.T) {
	now := time.Now()
	valid := signed(t, strongKey, jwt.MapClaims{"sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	weakValid := signed(t, []byte("secret"), jwt.MapClaims{"sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	tests := []struct {
		name     string
		verify   func(string) bool
		opts     JWTEnforcementOptions
		status   check.Status
		accepted []string // the attacks of the findings, in order (see attackOf)
		message  string
	}{
		{name: "verifying server, valid token and key", verify: verifyWith(strongKey, jwt.WithExpirationRequired()),
			opts: JWTEnforcementOptions{ValidToken: valid, HMACKey: strongKey}, status: check.StatusPass, message: "all 19 attacks refused"},
		{name: "verifying server, no token given", verify: verifyWith(strongKey, jwt.WithExpirationRequired()),
			status: check.StatusPass, message: "expired token skipped: no HMAC key given"},
		{name: "ParseUnverified", verify: unverified, opts: JWTEnforcementOptions{ValidToken: valid, HMACKey: strongKey},
			status: check.StatusFail, accepted: append([]string{`alg "none"`, "empty signature",
				"tampered payload with the original signature", "expired token (exp one hour ago), correctly signed", "token signed with an empty key"}, weakAll...)},
		{name: "golang-jwt with UnsafeAllowNoneSignatureType", verify: allowsNone, opts: JWTEnforcementOptions{ValidToken: valid},
			status: check.StatusFail, accepted: []string{`alg "none"`}},
		{name: "hand-rolled, alg compared ignoring case", verify: noneAnyCase, opts: JWTEnforcementOptions{ValidToken: valid},
			status: check.StatusFail, accepted: []string{`alg "none"`, `alg "None"`, `alg "NONE"`, `alg "nOnE"`}},
		{name: "exp not checked", verify: verifyWith(strongKey, jwt.WithoutClaimsValidation()), opts: JWTEnforcementOptions{ValidToken: valid, HMACKey: strongKey},
			status: check.StatusFail, accepted: []string{"expired token (exp one hour ago), correctly signed"}},
		{name: "weak secret", verify: verifyWith([]byte("secret"), jwt.WithExpirationRequired()), opts: JWTEnforcementOptions{ValidToken: weakValid},
			status: check.StatusFail, accepted: []string{"weak secret"}},
		{name: "unprotected endpoint", verify: nil, status: check.StatusFail,
			accepted: append([]string{"no token", `alg "none"`, `alg "None"`, `alg "NONE"`, `alg "nOnE"`, "empty signature",
				"payload signed with a random key", "token signed with an empty key"}, weakAll...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &jwtServer{verify: tt.verify}
			var h http.Handler = s
			if s.verify == nil {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.requests.Add(1) })
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			r := runJWT(t, t.Context(), srv, tt.opts)
			require.Equal(t, tt.status, r.Status, "%s %v", r.Message, r.Findings)
			assert.Contains(t, r.Message, tt.message)
			var got []string
			for _, m := range findingMessages(r) {
				got = append(got, attackOf(m))
			}
			assert.Equal(t, tt.accepted, got)
			for _, f := range r.Findings {
				assert.Equal(t, srv.URL+"/api/me", f.Location.URL)
				assert.Equal(t, "header Authorization", f.Location.Resource)
				assert.Equal(t, "401 or 403", f.Expected)
			}
			assertNoTokenShown(t, r, tt.opts.ValidToken)
			assert.LessOrEqual(t, int(s.requests.Load()), JWTMaxRequests)
		})
	}
}

// weakAll is the findings of a server that accepts every weak secret.
var weakAll = []string{"weak secret", "weak secret", "weak secret", "weak secret", "weak secret",
	"weak secret", "weak secret", "weak secret", "weak secret", "weak secret"}

// attackOf reduces a finding's message to its attack: the text before
// " accepted (", weak secrets without their fingerprint.
func attackOf(msg string) string {
	a, _, _ := strings.Cut(msg, " accepted (")
	if strings.HasPrefix(a, "token signed with a well-known weak secret") {
		return "weak secret"
	}
	return a
}

// noneAnyCase is a hand-rolled verifier that trusts any casing of alg
// none, as jwt_tool's playbook expects some libraries to.
func noneAnyCase(tok string) bool {
	p, err := splitJWT(tok)
	if err != nil {
		return false
	}
	if alg, _ := p.Header["alg"].(string); strings.EqualFold(alg, "none") {
		return true
	}
	return verifyWith(strongKey, jwt.WithExpirationRequired())(tok)
}

func assertNoTokenShown(t *testing.T, r check.Result, valid string) {
	t.Helper()
	text := r.Message
	if r.Err != nil {
		text += r.Err.Error()
	}
	for _, f := range r.Findings {
		text += f.String()
	}
	assert.NotContains(t, text, "eyJ")
	if valid != "" {
		assert.NotContains(t, text, valid)
	}
}

func TestJWTEnforcementRequestCap(t *testing.T) {
	s := &jwtServer{verify: verifyWith(strongKey, jwt.WithExpirationRequired())}
	srv := httptest.NewServer(s)
	defer srv.Close()
	now := time.Now()
	valid := signed(t, strongKey, jwt.MapClaims{"sub": "alice", "exp": now.Add(time.Hour).Unix()})
	r := runJWT(t, t.Context(), srv, JWTEnforcementOptions{ValidToken: valid, HMACKey: strongKey})
	require.Equal(t, check.StatusPass, r.Status, r.Message)
	assert.Equal(t, int32(JWTMaxRequests), s.requests.Load(), "every probe is sent, and no more than the cap")
	assert.Contains(t, r.Message, "(20 requests)")
}

func TestJWTEnforcementValidTokenRejected(t *testing.T) {
	s := &jwtServer{verify: verifyWith(strongKey)}
	srv := httptest.NewServer(s)
	defer srv.Close()
	other := signed(t, []byte("another-key-of-32-bytes-long-xxx"), jwt.MapClaims{"sub": "alice"})
	r := runJWT(t, t.Context(), srv, JWTEnforcementOptions{ValidToken: other})
	require.Equal(t, check.StatusError, r.Status)
	assert.Contains(t, r.Err.Error(), "valid token rejected")
	assert.NotContains(t, r.Err.Error(), other)
	assert.Equal(t, int32(1), s.requests.Load(), "stops at the first decisive answer")
}

func TestJWTEnforcementBadInput(t *testing.T) {
	s := &jwtServer{verify: unverified}
	srv := httptest.NewServer(s)
	defer srv.Close()
	r := runJWT(t, t.Context(), srv, JWTEnforcementOptions{ValidToken: "not-a-jwt"})
	require.Equal(t, check.StatusError, r.Status)
	assert.Contains(t, r.Err.Error(), "not a compact JWT")
	assert.Zero(t, s.requests.Load())

	r = JWTEnforcement("ftp://example.test/", JWTEnforcementOptions{}).Run(t.Context())
	assert.Equal(t, check.StatusError, r.Status)
}

func TestJWTEnforcementWarnsOnOddStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusInternalServerError) // crashes on any token
	}))
	defer srv.Close()
	r := runJWT(t, t.Context(), srv, JWTEnforcementOptions{})
	require.Equal(t, check.StatusWarn, r.Status, r.Message)
	assert.Contains(t, r.Findings[0].Actual, "500")
}

// A token endpoint that hangs ends in an Error at the check's deadline.
func TestJWTEnforcementHangs(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	r := runJWT(t, ctx, srv, JWTEnforcementOptions{})
	require.Equal(t, check.StatusError, r.Status)
	assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
}

func TestJWTWeakSecretsAreNeverHashed(t *testing.T) {
	for _, w := range jwtWeakSecrets {
		assert.NotEmpty(t, secret.Weakness(w), "%s would be shown as a hash", w)
	}
}

func TestSplitJWT(t *testing.T) {
	tok := signed(t, strongKey, jwt.MapClaims{"sub": "alice", "exp": 2000000000})
	p, err := splitJWT("Bearer " + tok)
	require.NoError(t, err)
	assert.Equal(t, "HS256", p.Header["alg"])
	assert.Equal(t, "alice", p.Claims["sub"])
	assert.Len(t, p.Signature, 32)
	assert.Equal(t, tok, encodeJWT(p.Header, p.Claims, p.rawSig), "re-encoding keeps the token")

	for _, bad := range []string{"", "a.b", "a.b.c.d", "!!.e30.", "e30.!!.", "e30.e30.!!", "W10.e30.", "bnVsbA.e30.", "e30.e30x.", strings.Repeat("a", maxJWTLen+1)} {
		_, err := splitJWT(bad)
		assert.ErrorIs(t, err, errNotJWT, "%q", bad)
	}
}

func FuzzJWTSplit(f *testing.F) {
	for _, s := range []string{"", "e30.e30.", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer e30.e30.AAAA", "e30.e30.====", "a.b.c", "...", "e30.eyJhIjpbMSwyLHsiYiI6bnVsbH1dfQ.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := splitJWT(s)
		if err != nil {
			if !assert.ErrorIs(t, err, errNotJWT) {
				return
			}
			return
		}
		require.NotNil(t, p.Header)
		require.NotNil(t, p.Claims)
		again, err := splitJWT(encodeJWT(p.Header, p.Claims, p.rawSig))
		require.NoError(t, err)
		assert.Equal(t, p.Signature, again.Signature)
		assert.Len(t, again.Claims, len(p.Claims))
	})
}
