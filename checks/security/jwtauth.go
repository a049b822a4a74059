package security

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// JWTMaxRequests is the most requests [JWTEnforcement] sends: the valid
// token, no token, four alg-none casings, an empty signature, a tampered
// payload, an expired token, an empty HMAC key and the well-known weak
// secrets.
const JWTMaxRequests = 20

// jwtWeakSecrets are HMAC keys from every JWT cracking list (jwt_tool's
// jwt-common.txt, the jwt.io example key): a token signed with one of
// them must be rejected. internal/secret exports no word list, so the
// list is local and small enough for [JWTMaxRequests].
var jwtWeakSecrets = []string{
	"secret", "your-256-bit-secret", "password", "changeme", "secretkey",
	"jwt_secret", "123456", "key", "test", "admin",
}

// JWTEnforcementOptions configures [JWTEnforcement].
type JWTEnforcementOptions struct {
	// Client sends the requests; nil means the default client of
	// [HTTPOptions]. Redirects are never followed.
	Client *http.Client
	// ValidToken is a token the endpoint accepts. When set, it is sent
	// first and must get a 2xx (else the check is an Error: "valid token
	// rejected"), and the attack tokens carry its header and claims.
	// Empty: the attacks carry synthetic claims and no tampered payload
	// can keep a real signature.
	ValidToken string
	// HMACKey is the endpoint's HMAC key, when the caller has it: an
	// expired copy of the token is signed with it. Empty: the expired
	// token probe is skipped, and the result says so.
	HMACKey []byte
	// Header is the request header carrying the token; "" means
	// Authorization, with the "Bearer " scheme. Any other header carries
	// the bare token.
	Header string
}

// jwtAttack is one probe of JWTEnforcement.
type jwtAttack struct {
	name  string // "alg none (\"nOnE\")"
	token string // "" for no token
}

// JWTEnforcement returns the check security.jwt.enforced (critical) of
// an endpoint the caller names as protected: every forged or missing
// token must be refused with 401 or 403. It is opt-in and sends at most
// [JWTMaxRequests] GET requests:
//
//   - the valid token, when given, which must get a 2xx;
//   - no token;
//   - alg "none", "None", "NONE" and "nOnE" with an empty signature;
//   - the original header and claims with an empty signature;
//   - a tampered payload (sub and role changed, "admin": true) with the
//     original signature, or, without a valid token, synthetic claims
//     signed with a random key;
//   - an expired token re-signed with HMACKey (skipped without one);
//   - a token signed with an empty HMAC key;
//   - tokens signed with well-known weak secrets ("secret", "password",
//     "your-256-bit-secret", ...).
//
// A 2xx or 3xx to any attack is accepted and fails the check, one
// finding per accepted attack, naming the attack and the token's
// fingerprint (never the token). Any other answer than 401 or 403 (a 400,
// a 500) warns. A transport error or the context's deadline (a hanging
// endpoint) is an Error. The attack families are one rule: each one lets
// any client in, so they share one severity and one verdict.
func JWTEnforcement(endpoint string, opts JWTEnforcementOptions) check.Check {
	p := NewPage(endpoint, HTTPOptions{Client: opts.Client})
	meta := check.Meta{
		ID:       "security.jwt.enforced",
		Target:   p.URL(),
		Title:    "A protected endpoint refuses missing, unsigned, tampered, expired and weakly signed JWTs",
		Section:  "Security Hardening / Authentication",
		Item:     "JWT-based authentication implemented",
		Severity: check.SeverityCritical,
		Tags:     []string{"security", "http", "jwt", "active"},
		Remediation: "Verify every token with a fixed allow-list of algorithms (never none) and a strong key (at least 32 random bytes for HS256), " +
			"require and check exp, and answer 401 to any token that fails; with golang-jwt v5: jwt.Parse(tok, keyFunc, " +
			"jwt.WithValidMethods([]string{\"HS256\"}), jwt.WithExpirationRequired()). Never decode a token without verifying it (ParseUnverified).",
		Refs: []string{"OWASP ASVS 5.0 9.1.1", "OWASP ASVS 5.0 9.1.2", "OWASP ASVS 5.0 9.2.1", "RFC 8725", "RFC 7518 3.2", "jwt_tool playbook", "OWASP WSTG-SESS-10"},
	}
	j := &jwtProbe{page: p, opts: opts}
	return check.New(meta, j.run)
}

type jwtProbe struct {
	page *Page
	opts JWTEnforcementOptions
}

func (j *jwtProbe) header() string {
	if h := strings.TrimSpace(j.opts.Header); h != "" {
		return http.CanonicalHeaderKey(h)
	}
	return "Authorization"
}

func (j *jwtProbe) send(ctx context.Context, token string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.page.u.String(), nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		v := token
		if j.header() == "Authorization" {
			v = "Bearer " + token
		}
		req.Header.Set(j.header(), v)
	}
	return j.page.Do(ctx, req)
}

func (j *jwtProbe) run(ctx context.Context) check.Result {
	if j.page.err != nil {
		return check.Error(j.page.err)
	}
	fp := secret.NewFingerprinter()
	loc := check.Location{URL: j.page.URL(), Resource: "header " + j.header()}
	attacks, notes, err := planJWTAttacks(j.opts.ValidToken, j.opts.HMACKey, time.Now())
	if err != nil {
		return check.Error(fmt.Errorf("security: valid token (%s): %w", fp.Fingerprint(j.opts.ValidToken), err))
	}
	sent := 0
	if j.opts.ValidToken != "" {
		sent++
		r, err := j.send(ctx, j.opts.ValidToken)
		if err != nil {
			return check.Error(secret.RedactError(err, []string{j.opts.ValidToken}))
		}
		if r.Status < 200 || r.Status > 299 {
			return check.Errorf("security: %s: valid token rejected (%s): status %d, want 2xx; fix the token or the endpoint before judging the attacks",
				j.page.URL(), fp.Fingerprint(j.opts.ValidToken), r.Status)
		}
	}
	var accepted, odd []check.Finding
	for _, a := range attacks {
		if sent >= JWTMaxRequests {
			notes = append(notes, "request cap reached")
			break
		}
		sent++
		r, err := j.send(ctx, a.token)
		if err != nil {
			return check.Error(fmt.Errorf("%s: %w", a.name, secret.RedactError(err, []string{a.token, j.opts.ValidToken})))
		}
		what := "no token"
		if a.token != "" {
			what = "token " + fp.Fingerprint(a.token)
		}
		switch {
		case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		case r.Status >= 200 && r.Status < 400:
			accepted = append(accepted, check.Finding{
				Message:  a.name + " accepted (" + what + ")",
				Location: loc, Expected: "401 or 403", Actual: fmt.Sprintf("status %d", r.Status),
			})
		default:
			odd = append(odd, check.Finding{
				Message:  a.name + " refused without 401 or 403 (" + what + ")",
				Location: loc, Expected: "401 or 403", Actual: fmt.Sprintf("status %d", r.Status),
			})
		}
	}
	tail := fmt.Sprintf(" (%d requests", sent)
	if len(notes) > 0 {
		tail += "; " + strings.Join(notes, "; ")
	}
	tail += ")"
	switch {
	case len(accepted) > 0:
		return check.Fail(fmt.Sprintf("%d of %d attacks accepted%s", len(accepted), len(attacks), tail), append(accepted, odd...)...)
	case len(odd) > 0:
		return check.Warn(fmt.Sprintf("every attack refused, %d without 401 or 403%s", len(odd), tail), odd...)
	}
	return check.Pass(fmt.Sprintf("all %d attacks refused with 401 or 403%s", len(attacks), tail))
}

// planJWTAttacks builds the attack tokens from the valid token (or
// synthetic claims) and the HMAC key, and says which attacks were
// skipped.
func planJWTAttacks(valid string, key []byte, now time.Time) ([]jwtAttack, []string, error) {
	header := map[string]any{"alg": "HS256", "typ": "JWT"}
	claims := map[string]any{"sub": "prodcheck", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	var origSig string
	if valid != "" {
		t, err := splitJWT(valid)
		if err != nil {
			return nil, nil, err
		}
		header, claims, origSig = t.Header, t.Claims, t.rawSig
	}
	alg, _ := header["alg"].(string)
	hs := jwt.SigningMethodHS256
	if m, ok := jwt.GetSigningMethod(alg).(*jwt.SigningMethodHMAC); ok {
		hs = m
	}
	var attacks []jwtAttack
	var notes []string
	attacks = append(attacks, jwtAttack{name: "no token"})
	for _, none := range []string{"none", "None", "NONE", "nOnE"} {
		h := cloneMap(header)
		h["alg"] = none
		attacks = append(attacks, jwtAttack{name: fmt.Sprintf("alg %q", none), token: encodeJWT(h, claims, "")})
	}
	attacks = append(attacks, jwtAttack{name: "empty signature", token: encodeJWT(header, claims, "")})
	tampered := cloneMap(claims)
	sub, _ := tampered["sub"].(string)
	tampered["sub"] = sub + "-admin"
	tampered["role"] = "admin"
	tampered["admin"] = true
	if origSig != "" {
		attacks = append(attacks, jwtAttack{name: "tampered payload with the original signature", token: encodeJWT(header, tampered, origSig)})
	} else {
		rnd := make([]byte, 32)
		if tok, err := signHS(hs, tampered, randomKey(rnd)); err == nil {
			attacks = append(attacks, jwtAttack{name: "payload signed with a random key", token: tok})
		}
	}
	if len(key) > 0 {
		exp := cloneMap(claims)
		exp["iat"] = now.Add(-2 * time.Hour).Unix()
		exp["exp"] = now.Add(-time.Hour).Unix()
		delete(exp, "nbf")
		if tok, err := signHS(hs, exp, key); err == nil {
			attacks = append(attacks, jwtAttack{name: "expired token (exp one hour ago), correctly signed", token: tok})
		}
	} else {
		notes = append(notes, "expired token skipped: no HMAC key given")
	}
	if tok, err := signHS(hs, claims, []byte{}); err == nil {
		attacks = append(attacks, jwtAttack{name: "token signed with an empty key", token: tok})
	}
	for _, w := range jwtWeakSecrets {
		if tok, err := signHS(hs, claims, []byte(w)); err == nil {
			attacks = append(attacks, jwtAttack{name: "token signed with a well-known weak secret (" + secret.Fingerprint(w) + ")", token: tok})
		}
	}
	return attacks, notes, nil
}

func randomKey(b []byte) []byte {
	_, _ = randRead(b)
	return b
}

// signHS signs claims with an HMAC method. golang-jwt refuses an empty
// key, so an empty key is signed by hand.
func signHS(m *jwt.SigningMethodHMAC, claims map[string]any, key []byte) (string, error) {
	tok := jwt.NewWithClaims(m, jwt.MapClaims(claims))
	if len(key) > 0 {
		return tok.SignedString(key)
	}
	unsigned, err := tok.SigningString()
	if err != nil {
		return "", err
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(hmacSum(m, unsigned, key)), nil
}

// jwtParts is a compact JWS split into its decoded header and claims
// and its raw signature segment.
type jwtParts struct {
	Header    map[string]any
	Claims    map[string]any
	Signature []byte
	rawSig    string
}

// errNotJWT is splitJWT's error for anything but a compact JWS.
var errNotJWT = errors.New("not a compact JWT (header.payload.signature)")

// splitJWT splits a compact JWS without verifying it. It accepts an
// optional "Bearer " prefix and never panics on garbage: a value longer
// than 16 KiB, not three segments, not base64url, or whose header or
// payload is not a JSON object is an error that does not quote it.
func splitJWT(s string) (*jwtParts, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	if len(s) > maxJWTLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", errNotJWT, maxJWTLen)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d segments", errNotJWT, len(parts))
	}
	var t jwtParts
	var err error
	if t.Header, err = decodeSegment(parts[0]); err != nil {
		return nil, fmt.Errorf("%w: header: %w", errNotJWT, err)
	}
	if t.Claims, err = decodeSegment(parts[1]); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errNotJWT, err)
	}
	if t.Signature, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "=")); err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", errNotJWT)
	}
	t.rawSig = parts[2]
	return &t, nil
}

func decodeSegment(seg string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	return m, nil
}

// encodeJWT encodes a header and claims as a compact JWS with the given
// raw signature segment ("" for an empty signature).
func encodeJWT(header, claims map[string]any, rawSig string) string {
	return encodeSegment(header) + "." + encodeSegment(claims) + "." + rawSig
}

func encodeSegment(m map[string]any) string {
	b, err := json.Marshal(m)
	if err != nil { // only unencodable values, which splitJWT never yields
		b = []byte("{}")
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+3)
	for k, v := range m {
		c[k] = v
	}
	return c
}
