package secret

import (
	"net/url"
	"strings"
	"unicode"
)

// URLHasPassword reports whether value is a URL carrying a password in its
// user information: "postgres://app:hunter2@db/app".
func URLHasPassword(value string) bool {
	if !strings.Contains(value, "://") || !strings.Contains(value, "@") {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(value))
	if err != nil || u.User == nil {
		return false
	}
	p, ok := u.User.Password()
	return ok && p != ""
}

// URLHasSecret reports whether value holds a URL with a secret that
// [RedactURL] would replace: a password or a token in its user
// information, or a query or fragment parameter named like a secret.
func URLHasSecret(value string) bool {
	// The key does not matter for the comparison, and the process
	// Fingerprinter is there anyway for the package-level functions.
	return processFingerprinter().RedactURL(value) != value
}

// RedactURL redacts the secrets of every URL in value as
// [Fingerprinter.RedactURL] does, with the per-process Fingerprinter of
// [Fingerprint].
func RedactURL(value string) string {
	return processFingerprinter().RedactURL(value)
}

// RedactURL returns value with the secrets of every URL in it replaced by
// "[redacted <fingerprint>]", and value itself when it holds none. Value
// may be a URL or text with URLs in it; everything but the secrets is kept
// byte for byte. The secrets are:
//
//   - the password of the user information: "postgres://app:hunter2@db"
//     keeps "app";
//   - the user name, when it looks like a token (a known token prefix such
//     as ghp_ or glpat-, or long and mixed), or when an http(s) URL has a
//     user and no password, which is how tokens ride in git remotes:
//     "https://ghp_xxx@github.com/o/r.git";
//   - the value of each query or fragment parameter whose name is a secret
//     key ([IsSecretKey]) or "sig": "?token=", "?access_token=",
//     "?password=", "#access_token=", "X-Amz-Signature=".
//
// A value with no "://" has only its query and fragment redacted, when it
// is a single word.
func (f *Fingerprinter) RedactURL(value string) string {
	return (&urlScan{f: f}).redact(value)
}

// URLSecrets returns the secrets that [RedactURL] would redact in value, as
// written and decoded from their URL escaping, so that text quoting one of
// them without its URL can be redacted too ([Redact]).
func URLSecrets(value string) []string {
	s := &urlScan{f: processFingerprinter()}
	s.redact(value)
	return s.found
}

// urlScan redacts the URLs of a text and keeps the secrets it found.
type urlScan struct {
	f     *Fingerprinter
	found []string
}

// redact implements [Fingerprinter.RedactURL].
func (sc *urlScan) redact(value string) string {
	if !strings.Contains(value, "://") {
		if strings.ContainsAny(value, "?#") && !strings.ContainsFunc(value, unicode.IsSpace) {
			return sc.redactParams(value)
		}
		return value
	}
	var b strings.Builder
	rest := value
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		scheme := schemeBefore(rest[:i])
		start := i + len("://")
		end := start + urlEnd(rest[start:])
		b.WriteString(rest[:start])
		b.WriteString(sc.redactURLBody(scheme, rest[start:end]))
		rest = rest[end:]
	}
	b.WriteString(rest)
	if out := b.String(); out != value {
		return out
	}
	return value
}

// redactURLBody redacts what follows "scheme://" in one URL.
func (sc *urlScan) redactURLBody(scheme, body string) string {
	a := strings.IndexAny(body, "/?#")
	if a < 0 {
		a = len(body)
	}
	at := strings.LastIndexByte(body[:a], '@')
	if at < 0 && a < len(body) {
		// A password holding an unescaped '/', '?' or '#', "user:pa/ss@host",
		// is not a valid URL, but is still a password: show none of it.
		// (Not "host:port/path@x", nor an IPv6 literal.)
		auth := body[:a]
		if c := strings.IndexByte(auth, ':'); c >= 0 && !strings.HasPrefix(auth, "[") && !allRunes(auth[c+1:], isASCIIDigit) {
			if k := strings.IndexByte(body[a:], '@'); k >= 0 {
				at = a + k
			}
		}
	}
	if at < 0 {
		return body[:a] + sc.redactParams(body[a:])
	}
	hostEnd := len(body)
	if e := strings.IndexAny(body[at+1:], "/?#"); e >= 0 {
		hostEnd = at + 1 + e
	}
	return sc.redactUserinfo(scheme, body[:at]) + body[at:hostEnd] + sc.redactParams(body[hostEnd:])
}

// redactUserinfo redacts the user information of a URL ("user:pass").
func (sc *urlScan) redactUserinfo(scheme, userinfo string) string {
	user, pass, hasPass := strings.Cut(userinfo, ":")
	u := unescape(user, url.PathUnescape)
	userOnly := !hasPass || pass == ""
	if u != "" && (looksLikeToken(u) || userOnly && isWebScheme(scheme)) {
		user = sc.mark(user, u)
	}
	if hasPass && pass != "" {
		pass = sc.mark(pass, unescape(pass, url.PathUnescape))
	}
	if hasPass {
		return user + ":" + pass
	}
	return user
}

// redactParams redacts the secret parameters of the query ("?a=b&c=d")
// and fragment ("#access_token=...") in s, the part of a URL after its
// authority.
func (sc *urlScan) redactParams(s string) string {
	q := strings.IndexByte(s, '?')
	h := strings.IndexByte(s, '#')
	if h >= 0 && q > h {
		q = -1 // a '?' inside the fragment
	}
	var b strings.Builder
	switch {
	case q >= 0 && h >= 0:
		b.WriteString(s[:q+1])
		b.WriteString(sc.redactParamList(s[q+1 : h]))
		b.WriteString("#")
		b.WriteString(sc.redactParamList(s[h+1:]))
	case q >= 0:
		b.WriteString(s[:q+1])
		b.WriteString(sc.redactParamList(s[q+1:]))
	case h >= 0:
		b.WriteString(s[:h+1])
		b.WriteString(sc.redactParamList(s[h+1:]))
	default:
		return s
	}
	if out := b.String(); out != s {
		return out
	}
	return s
}

// redactParamList redacts the values of the secret parameters of
// "a=b&c=d".
func (sc *urlScan) redactParamList(list string) string {
	if !strings.Contains(list, "=") {
		return list
	}
	params := strings.Split(list, "&")
	for i, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if ok && v != "" && isSecretParam(unescape(k, url.QueryUnescape)) {
			params[i] = k + "=" + sc.mark(v, unescape(v, url.QueryUnescape))
		}
	}
	return strings.Join(params, "&")
}

// mark records a secret found as written (raw) and decoded, and returns
// what it is shown as.
func (sc *urlScan) mark(raw, decoded string) string {
	sc.found = append(sc.found, raw)
	if decoded != raw {
		sc.found = append(sc.found, decoded)
	}
	return sc.f.marker(decoded)
}

// isSecretParam reports whether a query parameter named key carries a
// secret.
func isSecretParam(key string) bool {
	return IsSecretKey(key) || strings.EqualFold(key, "sig")
}

// tokenPrefixes begin the tokens of common services; a user name that
// begins with one is a token.
var tokenPrefixes = []string{
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glptt-",
	"xoxb-", "xoxp-", "xoxa-", "xoxs-", "sk-", "sk_", "rk_", "npm_", "pypi-", "hf_",
	"dop_v1_", "shpat_", "AKIA", "ASIA",
}

// looksLikeToken reports whether the user name of a URL is a token rather
// than a name: it has a known token prefix, or is 32 characters or more,
// or 20 or more with both letters and digits.
func looksLikeToken(user string) bool {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(user, p) {
			return true
		}
	}
	n := len([]rune(user))
	return n >= 32 || n >= 20 && strings.ContainsFunc(user, unicode.IsLetter) && strings.ContainsFunc(user, unicode.IsDigit)
}

// isWebScheme reports whether scheme is http or https, or a variant of
// them ("git+https", "ws", "wss").
func isWebScheme(scheme string) bool {
	if i := strings.LastIndexByte(scheme, '+'); i >= 0 {
		scheme = scheme[i+1:]
	}
	switch scheme {
	case "http", "https", "ws", "wss":
		return true
	}
	return false
}

// schemeBefore returns the scheme that ends text (the part of a URL
// before "://"), lower-cased: the run of scheme characters at its end.
func schemeBefore(text string) string {
	i := len(text)
	for i > 0 {
		c := text[i-1]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			break
		}
		i--
	}
	return strings.ToLower(text[i:])
}

// urlEnd returns where a URL that begins s ends: at white space, a quote
// or an angle bracket, or the end of s.
func urlEnd(s string) int {
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"'`<>", r)
	}); i >= 0 {
		return i
	}
	return len(s)
}

// unescape decodes s with decode, or returns s when it is not valid
// escaping.
func unescape(s string, decode func(string) (string, error)) string {
	if d, err := decode(s); err == nil {
		return d
	}
	return s
}

// isASCIIDigit reports whether r is 0 to 9.
func isASCIIDigit(r rune) bool { return '0' <= r && r <= '9' }
