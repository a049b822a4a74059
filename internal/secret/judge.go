package secret

import (
	"path"
	"strings"
	"unicode"
)

// Verdict is what [Judge] decides about one key and its value.
type Verdict struct {
	// IsSecret is true when the key names a secret and the value is one:
	// not a flag, a number, a duration, a path, a placeholder or a name.
	IsSecret bool
	// Reason says why, in a few words a finding can quote: "a boolean
	// flag", "a file path (a reference to the secret)", "a secret key
	// with a literal value". It never quotes the value.
	Reason string
	// Weak is [Weakness] of the value when IsSecret, else "".
	Weak string
	// WellKnown is true when IsSecret and the value is a well-known
	// default, demo or tutorial secret (Weak is then [WeakWellKnown] or
	// [WeakPlaceholder]).
	WellKnown bool
}

// The reasons Judge gives.
const (
	ReasonNotSecretKey = "the key does not name a secret"
	ReasonSecret       = "a secret key with a literal value"
	ReasonEmpty        = "empty"
	ReasonFlag         = "a boolean flag"
	ReasonNumber       = "a number or a duration"
	ReasonPath         = "a file path (a reference to the secret, not the secret)"
	ReasonTemplate     = "a template placeholder, not a value"
	ReasonReference    = "a variable reference"
	ReasonName         = "a driver, provider, algorithm or mode name"
	ReasonURL          = "a URL without credentials"
)

// hardWords are the secret words that name a credential itself: under
// them a number or a short word is a (weak) secret, not a setting.
var hardWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PWD": true, "PASSPHRASE": true,
	"SECRET": true, "SECRETS": true, "APIKEY": true, "PRIVATEKEY": true,
	"CREDENTIAL": true, "CREDENTIALS": true, "CREDS": true,
}

// passwordWords are the words of a password key: under them only flags,
// paths and placeholders are not secrets (a duration-looking "10m" is a
// password).
var passwordWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PWD": true, "PASSPHRASE": true,
}

// nameValues are values, lower-cased, that name a driver, a provider, an
// algorithm or a mode: "SESSION_DRIVER: redis", "AUTH: oidc",
// "JWT: HS256". They are not secrets under a soft secret word (AUTH,
// SESSION, TOKEN, KEY, ...); under a hard one (PASSWORD, SECRET) they
// are weak secrets ("REDIS_PASSWORD: redis").
var nameValues = map[string]bool{
	"redis": true, "memcached": true, "memcache": true, "database": true, "db": true, "file": true,
	"files": true, "cookie": true, "cookies": true, "array": true, "apc": true, "dynamodb": true,
	"memory": true, "inmemory": true, "sql": true, "postgres": true, "mysql": true, "jwt": true,
	"oidc": true, "oauth": true, "oauth2": true, "saml": true, "ldap": true, "basic": true,
	"bearer": true, "digest": true, "header": true, "local": true, "internal": true, "external": true,
	"none": true, "null": true, "nil": true, "disabled": true, "enabled": true, "required": true,
	"optional": true, "strict": true, "lax": true, "keycloak": true, "auth0": true, "okta": true,
	"github": true, "gitlab": true, "google": true, "azure": true, "cognito": true, "dex": true,
	"hs256": true, "hs384": true, "hs512": true, "rs256": true, "rs384": true, "rs512": true,
	"es256": true, "es384": true, "es512": true, "eddsa": true, "ps256": true,
	"argon2": true, "argon2id": true, "argon2i": true, "bcrypt": true, "scrypt": true,
	"pbkdf2": true, "sha1": true, "sha256": true, "sha512": true, "md5": true, "plain": true,
	"plaintext": true, "trust": true, "scram-sha-256": true, "md5-sha": true, "aes": true,
	"aes256": true, "aes-256-gcm": true, "aes-256-cbc": true, "env": true, "vault": true,
	"kms": true, "awskms": true, "gcpkms": true,
}

// Judge decides whether the value of key is a secret worth a finding. It
// is the one secret-value rule of prodcheck: the docker checks (compose
// environment, .env and env_file values, Dockerfile ENV/ARG) use it, and
// so should the config and database families.
//
// The key must name a secret ([IsSecretKey]: PASSWORD, SECRET, TOKEN,
// KEY..., also compounds such as PGPASSWORD; not *_FILE, *_USER, *_ID,
// *_DRIVER, *_PROVIDER, *_EXPIRATION, ...). Then the value decides. It is
// not a secret when it is:
//
//   - empty;
//   - a boolean flag (true, false, yes, no, on, off, 0, 1):
//     MYSQL_RANDOM_ROOT_PASSWORD=yes;
//   - a variable reference ($VAR, ${VAR}), or a template placeholder
//     (<token>, {{ .Token }}, [secret], xxxx);
//   - a file path, absolute (/run/secrets/db) or relative (./key.json,
//     ~/.config/gcloud/creds.json, key.pem): a reference to the secret,
//     whose file is to be checked instead;
//   - a URL without credentials;
//   - under a soft secret word only (TOKEN, KEY, AUTH, SESSION, JWT, ...;
//     not PASSWORD, SECRET, API key): a number, a duration (3600, 15m,
//     7d), or a driver, provider, algorithm or mode name (redis, oidc,
//     argon2, HS256);
//   - under a non-password key: a duration.
//
// Everything else is a secret; Weak and WellKnown then say whether it is
// weak ([Weakness]) or a well-known default or demo value. A textual
// placeholder such as "changeme" or "your-secret-here" is a secret, and a
// well-known one: a service runs with it.
func Judge(key, value string) Verdict {
	if !IsSecretKey(key) {
		return Verdict{Reason: ReasonNotSecretKey}
	}
	return JudgeValue(key, value)
}

// JudgeValue is [Judge] for a value already known to be held under a
// secret name (a key that [IsSecretKey] accepts, or one the caller knows
// is secret). key may be "" and then counts as a password key.
func JudgeValue(key, value string) Verdict {
	v := strings.TrimSpace(value)
	hard, password := key == "", key == ""
	for _, w := range keyWords(key) {
		if hardWords[w] {
			hard = true
		}
		if passwordWords[w] {
			password = true
		}
	}
	low := strings.ToLower(v)
	switch {
	case v == "":
		return Verdict{Reason: ReasonEmpty}
	case isFlag(low):
		return Verdict{Reason: ReasonFlag}
	case isReference(v):
		return Verdict{Reason: ReasonReference}
	case isTemplate(v):
		return Verdict{Reason: ReasonTemplate}
	case LooksLikePath(v):
		return Verdict{Reason: ReasonPath}
	case strings.Contains(v, "://") && !URLHasSecret(v) && !strings.ContainsAny(v, " \t"):
		return Verdict{Reason: ReasonURL}
	case !hard && (isNumber(v) || isDuration(low)):
		return Verdict{Reason: ReasonNumber}
	case !password && isDuration(low) && !isNumber(v):
		return Verdict{Reason: ReasonNumber}
	case !hard && nameValues[low]:
		return Verdict{Reason: ReasonName}
	}
	weak := Weakness(value)
	return Verdict{IsSecret: true, Reason: ReasonSecret, Weak: weak, WellKnown: weak == WeakWellKnown || weak == WeakPlaceholder}
}

// keyWords returns the words of key with compounds split: PGPASSWORD
// gives PG, PASSWORD.
func keyWords(key string) []string {
	var out []string
	for _, w := range Words(key) {
		out = append(out, splitCompound(w)...)
	}
	return out
}

// compoundSuffixes are secret words that end a single-word key with any
// prefix: PGPASSWORD, DBPASSWD, MYSQLPWD, ADMINSECRET, GHTOKEN. PASS and
// KEY are not among them (BYPASS, MONKEY), see compoundPrefixes.
var compoundSuffixes = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PWD"}

// compoundPrefixes are the names that, glued to PASS or KEY, make a
// secret key: REDISPASS, DBPASS, PGPASS, APPKEY.
var compoundPrefixes = []string{"PG", "DB", "REDIS", "MYSQL", "MONGO", "ADMIN", "ROOT", "SMTP", "MAIL", "LDAP", "APP", "API", "RABBIT", "AMQP", "FTP", "SSH"}

// splitCompound splits one word into a prefix and a secret word it ends
// with, or returns it alone.
func splitCompound(w string) []string {
	if secretWords[w] || neutralWords[w] {
		return []string{w}
	}
	for _, s := range compoundSuffixes {
		if len(w) > len(s)+1 && strings.HasSuffix(w, s) {
			return []string{w[:len(w)-len(s)], s}
		}
	}
	for _, p := range compoundPrefixes {
		for _, s := range []string{"PASS", "KEY"} {
			if w == p+s {
				return []string{p, s}
			}
		}
	}
	return []string{w}
}

// isFlag reports whether a lower-cased value is a boolean flag.
func isFlag(v string) bool {
	switch strings.Trim(v, `"'`) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "0", "1", "enable", "disable":
		return true
	}
	return false
}

// isNumber reports whether v is a number: digits, with a sign or a point.
func isNumber(v string) bool {
	v = strings.TrimLeft(v, "+-")
	if v == "" || len(v) > 20 {
		return false
	}
	dots := 0
	for _, r := range v {
		switch {
		case r == '.':
			dots++
		case r < '0' || r > '9':
			return false
		}
	}
	return dots <= 1 && v != "."
}

// isDuration reports whether a lower-cased value is a duration: "15m",
// "1h30m", "7d", "3600s", "500ms".
func isDuration(v string) bool {
	if v == "" || len(v) > 20 || v[0] < '0' || v[0] > '9' {
		return false
	}
	units := 0
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
			j++
		}
		if j == i {
			return false
		}
		k := j
		for k < len(v) && v[k] >= 'a' && v[k] <= 'z' {
			k++
		}
		switch v[j:k] {
		case "ns", "us", "ms", "s", "m", "h", "d", "w", "y", "sec", "secs", "min", "mins", "hr", "hrs", "day", "days", "weeks":
		default:
			return false
		}
		units++
		i = k
	}
	return units > 0
}

// isReference reports whether v is a variable reference and nothing else:
// $VAR, ${VAR}, ${VAR:-}, %VAR%.
func isReference(v string) bool {
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && !strings.Contains(v[2:len(v)-1], "${") {
		name, def, _ := strings.Cut(v[2:len(v)-1], ":")
		return isVarName(name) && (def == "" || def == "-" || strings.HasPrefix(def, "?") || strings.HasPrefix(def, "-$"))
	}
	if strings.HasPrefix(v, "$") {
		return isVarName(v[1:])
	}
	return len(v) > 2 && strings.HasPrefix(v, "%") && strings.HasSuffix(v, "%") && isVarName(v[1:len(v)-1])
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// isTemplate reports whether v is a structural placeholder: wrapped in
// <...>, {{...}} or [...], or a run of x.
func isTemplate(v string) bool {
	for _, w := range [][2]string{{"<", ">"}, {"{{", "}}"}, {"[", "]"}} {
		if len(v) > len(w[0])+len(w[1]) && strings.HasPrefix(v, w[0]) && strings.HasSuffix(v, w[1]) {
			return true
		}
	}
	l := strings.ToLower(strings.Trim(v, "-_*. "))
	return len(l) >= 4 && strings.Trim(l, "x*") == ""
}

// credentialExts are file extensions that mark a bare file name as a
// reference to a key or credentials file.
var credentialExts = map[string]bool{
	".json": true, ".pem": true, ".key": true, ".crt": true, ".cer": true, ".p12": true,
	".pfx": true, ".jks": true, ".keystore": true, ".txt": true, ".yaml": true, ".yml": true,
	".toml": true, ".ini": true, ".conf": true, ".cfg": true, ".der": true, ".asc": true, ".gpg": true,
}

// LooksLikePath reports whether v reads as a path to a file rather than a
// secret: an absolute path (/run/secrets/db_password), a relative one
// (./key.json, ../certs/app.pem, ~/.aws/credentials) or a bare file name
// with a key or config extension (key.json), made of path characters only,
// with no segment that looks like a random token. Base64 secrets, which
// may start with "/", hold "+" or "=" or mix case and digits, and so are
// not paths.
func LooksLikePath(v string) bool {
	if len(v) > 4096 || v == "" {
		return false
	}
	rel := strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~/")
	abs := strings.HasPrefix(v, "/")
	body := strings.TrimLeft(strings.TrimPrefix(v, "~"), "./")
	segs := strings.Split(body, "/")
	if body == "" {
		return abs && v == "/"
	}
	for _, seg := range segs {
		if seg == "" {
			continue
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
				return false
			}
		}
		if looksRandom(seg) {
			return false
		}
	}
	ext := path.Ext(segs[len(segs)-1])
	hasExt := len(ext) >= 2 && len(ext) <= 9 && len(segs[len(segs)-1]) > len(ext)
	switch {
	case rel:
		return true
	case abs:
		return len(segs) >= 2 || hasExt
	default:
		return hasExt && credentialExts[strings.ToLower(ext)]
	}
}

// looksRandom reports whether a path segment looks like a generated token:
// long, and mixing upper case, lower case and digits, or 24 or more
// characters without a separator.
func looksRandom(seg string) bool {
	var up, low, dig bool
	for _, r := range seg {
		up = up || unicode.IsUpper(r)
		low = low || unicode.IsLower(r)
		dig = dig || unicode.IsDigit(r)
	}
	if len(seg) >= 16 && up && low && dig {
		return true
	}
	return len(seg) >= 24 && !strings.ContainsAny(seg, "._-")
}
