package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// maxJWTLen bounds the strings tried as JWTs.
const maxJWTLen = 16 << 10

// maxJSONDepth bounds the walk of a JSON body for tokens.
const maxJSONDepth = 32

// maxBodyTokens bounds the tokens collected from one body.
const maxBodyTokens = 20

// jwtInfo is one JWT found in a response, decoded without verification.
// It holds no claim but the times and the algorithm.
type jwtInfo struct {
	where  string // "cookie sid", "body field access_token"
	fp     string // the token's fingerprint
	alg    string
	exp    *time.Time
	iat    *time.Time
	badExp string // why exp or iat could not be read
}

// looksLikeJWT reports whether s has the shape of a compact JWS: three
// base64url segments, the first two non-empty, the header starting with
// "eyJ" ('{"').
func looksLikeJWT(s string) bool {
	if len(s) < 10 || len(s) > maxJWTLen || !strings.HasPrefix(s, "eyJ") || strings.Count(s, ".") != 2 {
		return false
	}
	parts := strings.Split(s, ".")
	if parts[0] == "" || parts[1] == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '=') {
			return false
		}
	}
	return true
}

// decodeJWT decodes value as a JWT without verifying it (a cookie value
// may be quoted or carry "Bearer "), or returns nil.
func decodeJWT(value string, fp *secret.Fingerprinter) *jwtInfo {
	v := strings.Trim(strings.TrimSpace(value), `"`)
	if b, ok := strings.CutPrefix(v, "Bearer "); ok {
		v = b
	} else if b, ok := strings.CutPrefix(v, "Bearer%20"); ok {
		v = b
	}
	if !looksLikeJWT(v) {
		return nil
	}
	parts := strings.SplitN(v, ".", 3)
	claims := jwt.MapClaims{}
	// The signature is left out: it is not verified, and an odd one must
	// not hide the claims.
	tok, _, err := jwt.NewParser().ParseUnverified(parts[0]+"."+parts[1]+".", claims)
	if tok == nil || (err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable)) {
		return nil
	}
	alg, _ := tok.Header["alg"].(string)
	if alg == "" {
		return nil
	}
	info := &jwtInfo{fp: fp.Fingerprint(v), alg: alg}
	var why []string
	if d, err := claims.GetExpirationTime(); err != nil {
		why = append(why, "exp is not a number")
	} else if d != nil {
		t := d.Time
		info.exp = &t
	}
	if d, err := claims.GetIssuedAt(); err != nil {
		why = append(why, "iat is not a number")
	} else if d != nil {
		t := d.Time
		info.iat = &t
	}
	info.badExp = strings.Join(why, ", ")
	return info
}

// bodyJWTs returns the JWTs in a JSON body: any string value, at any
// depth up to maxJSONDepth, that decodes as one (access_token, id_token,
// refresh_token, token, ...).
func bodyJWTs(resp *Response, fp *secret.Fingerprinter) []*jwtInfo {
	body := strings.TrimSpace(string(resp.Body))
	if body == "" || (body[0] != '{' && body[0] != '[') || resp.Truncated {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil
	}
	var out []*jwtInfo
	var walk func(path string, v any, depth int)
	walk = func(path string, v any, depth int) {
		if depth > maxJSONDepth || len(out) >= maxBodyTokens {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, x[k], depth+1)
			}
		case []any:
			for i, e := range x {
				walk(path+"["+strconv.Itoa(i)+"]", e, depth+1)
			}
		case string:
			if tok := decodeJWT(x, fp); tok != nil {
				name := path
				if len(name) > 80 {
					name = name[:80] + "..."
				}
				tok.where = "body field " + strings.Map(corsPrintable, name)
				out = append(out, tok)
			}
		}
	}
	walk("", v, 0)
	return out
}

func (s *cookieSource) tokenFinding(t *jwtInfo, msg, expected, actual string) check.Finding {
	return check.Finding{
		Message:  fmt.Sprintf("JWT in %s: %s", t.where, msg),
		Location: check.Location{URL: s.page.URL(), Resource: t.where},
		Expected: expected,
		Actual:   fmt.Sprintf("token %s; %s", t.fp, actual),
	}
}

func (t *jwtInfo) times() string {
	var parts []string
	parts = append(parts, "alg "+strings.Map(corsPrintable, t.alg))
	if t.iat != nil {
		parts = append(parts, "iat "+t.iat.UTC().Format(time.RFC3339))
	}
	if t.exp != nil {
		parts = append(parts, "exp "+t.exp.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, ", ")
}

func (s *cookieSource) judgeJWTLifetime(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	if len(jar.tokens) == 0 {
		return check.Skip("no JWT in the cookies or the JSON body; " + jar.summary())
	}
	abs := s.opts.absolute()
	var fs []check.Finding
	for _, t := range jar.tokens {
		switch {
		case t.badExp != "":
			fs = append(fs, s.tokenFinding(t, t.badExp, "numeric exp and iat (RFC 7519 NumericDate)", t.times()))
		case t.exp == nil:
			fs = append(fs, s.tokenFinding(t, "no exp claim: the token never expires", "an exp claim within "+fmtDuration(abs)+" of iat", t.times()))
		default:
			from, what := jar.now, "now (no iat)"
			if t.iat != nil {
				from, what = *t.iat, "iat"
			}
			if d := t.exp.Sub(from); d > abs {
				fs = append(fs, s.tokenFinding(t, fmt.Sprintf("valid %s from %s, over the absolute session limit of %s", fmtDuration(d), what, fmtDuration(abs)),
					"exp - iat <= "+fmtDuration(abs), t.times()))
			}
		}
	}
	return check.Judge(fs, fmt.Sprintf("%d JWT(s), all expiring within %s", len(jar.tokens), fmtDuration(abs)),
		fmt.Sprintf("%d of %d JWT(s) outlive the absolute session limit of %s or never expire", len(fs), len(jar.tokens), fmtDuration(abs)))
}

func (s *cookieSource) judgeJWTUnsigned(ctx context.Context) check.Result {
	jar, res, ok := s.get(ctx)
	if !ok {
		return res
	}
	if len(jar.tokens) == 0 {
		return check.Skip("no JWT in the cookies or the JSON body; " + jar.summary())
	}
	var fs []check.Finding
	for _, t := range jar.tokens {
		if strings.EqualFold(t.alg, "none") {
			fs = append(fs, s.tokenFinding(t, "alg none: the token is unsigned, anyone can forge one", "a signed token (HS256, RS256, ES256, EdDSA)", t.times()))
		}
	}
	return check.Judge(fs, fmt.Sprintf("%d JWT(s), all signed", len(jar.tokens)), fmt.Sprintf("%d of %d JWT(s) unsigned (alg none)", len(fs), len(jar.tokens)))
}
