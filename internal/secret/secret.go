// Package secret decides whether a configuration key names a secret, and
// renders secret values as fingerprints so that no value ever reaches a
// result, a log or a report.
//
// A fingerprint is the length of a value and 32 bits of its HMAC-SHA256
// under a key drawn at random for the run ([NewFingerprinter]), "24 chars,
// fp 3f9a1c07": enough to tell within one report that two settings hold
// the same secret, and nothing to test guesses against, since the key is
// never shown. A value judged weak or well known ([Weakness]) gets no hash
// at all, only its length and why, "8 chars, weak: a well-known default":
// the reader learns what matters and an attacker gets nothing to crack.
//
// Code that loads a source holds one [Fingerprinter] for the load and calls
// its methods; the package-level [Fingerprint], [Redact], [RedactURL] and
// [RedactError] use one Fingerprinter per process, for callers with no run
// scope.
//
// [RedactURL] removes the secrets a URL carries (a password or token in its
// user information, secret query parameters); [ValuesIn] finds the secret
// values of a configuration file by a line scan, and [Redact] and
// [RedactError] replace them in text that is about to be shown.
package secret

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// secretWords are the words of a key that make it hold a secret.
var secretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PWD": true, "PASSPHRASE": true,
	"SECRET": true, "SECRETS": true, "TOKEN": true, "TOKENS": true,
	"KEY": true, "APIKEY": true, "PRIVATEKEY": true, "CREDENTIAL": true, "CREDENTIALS": true,
	"CREDS": true, "SALT": true, "PEPPER": true, "SIGNATURE": true, "DSN": true,
	"AUTH": true, "COOKIE": true, "SESSION": true, "JWT": true, "BEARER": true,
}

// neutralWords are words that, anywhere in a key, mean it holds something
// about a secret rather than the secret: a file path, a version, an ID.
var neutralWords = map[string]bool{
	"FILE": true, "PATH": true, "DIR": true, "PUBLIC": true, "PUB": true, "VERSION": true,
	"ID": true, "NAME": true, "LENGTH": true, "LEN": true, "MIN": true, "MAX": true,
	"TTL": true, "EXPIRY": true, "EXPIRES": true, "TIMEOUT": true, "HEADER": true, "TYPE": true,
	"ALGORITHM": true, "ALG": true, "ENABLED": true, "ENABLE": true, "DISABLED": true,
	"REQUIRED": true, "POLICY": true, "ROTATION": true, "PREFIX": true, "SIZE": true,
	"COUNT": true, "LIMIT": true, "HOST": true, "PORT": true, "REGION": true, "ISSUER": true,
	"AUDIENCE": true, "METHOD": true, "MODE": true, "URL": true, "URI": true, "ENDPOINT": true,
	"USER": true, "USERNAME": true, "ROLE": true, "SCOPE": true, "SCOPES": true, "LOCATION": true,
	"REF": true, "ARN": true, "INTERVAL": true, "DURATION": true, "AGE": true, "DOMAIN": true,
	"USR": true, "DRIVER": true, "PROVIDER": true, "HASHER": true, "EXPIRATION": true, "EXPIRE": true,
	"LIFETIME": true, "KID": true, "KEYID": true, "AUDIENCES": true, "ROLES": true, "STRATEGY": true,
	"BACKEND": true, "STORE": true, "ROUNDS": true, "ITERATIONS": true, "BITS": true, "ENGINE": true,
	"FORMAT": true, "ENCODING": true, "ALGO": true, "CIPHER": true,
}

// Words splits a key into upper-case words at '_', '-', '.', and
// lower-to-upper case changes: "dbPassword_FILE" gives DB, PASSWORD, FILE.
func Words(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range key {
		switch {
		case r == '_' || r == '-' || r == '.' || unicode.IsSpace(r):
			flush()
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

// IsSecretKey reports whether key names a secret: one of its words is a
// secret word (PASSWORD, SECRET, TOKEN, KEY, ...) and none is a neutral
// word (FILE, PUBLIC, VERSION, ID, USER, DRIVER, ...). A word that ends
// in a secret word is split first, so PGPASSWORD, MYSQLPWD and REDISPASS
// are secret keys (but not BYPASS or MONKEY).
func IsSecretKey(key string) bool {
	found := false
	for _, w := range keyWords(key) {
		if neutralWords[w] {
			return false
		}
		if secretWords[w] {
			found = true
		}
	}
	return found
}

// ValuesIn returns the values that the lines of a configuration file
// (YAML "KEY: value", list "- KEY=value", dotenv "KEY=value") assign to
// secret keys, and the URLs with secrets ([URLHasSecret]) they assign,
// followed by those secrets ([URLSecrets]). It is a line scan, so that it
// works on files a parser rejected; it is for redaction, not judgement.
func ValuesIn(data []byte) []string {
	var out []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		line = strings.TrimSpace(strings.TrimPrefix(line, "-"))
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		i := strings.IndexAny(line, ":=")
		if i <= 0 {
			continue
		}
		key := strings.Trim(strings.TrimSpace(line[:i]), `"'`)
		val := strings.Trim(strings.TrimSpace(line[i+1:]), `"'`)
		if len(val) < 4 || strings.ContainsAny(key, " \t") {
			continue
		}
		switch secrets := URLSecrets(val); {
		case len(secrets) > 0:
			out = append(out, val)
			for _, s := range secrets {
				if len(s) >= 4 {
					out = append(out, s)
				}
			}
		case IsSecretKey(key):
			out = append(out, val)
		}
	}
	return out
}

// Redact replaces every occurrence in text of each value as
// [Fingerprinter.Redact] does, with the per-process Fingerprinter of
// [Fingerprint].
func Redact(text string, values []string) string {
	return processFingerprinter().Redact(text, values)
}

// Redact replaces every occurrence in text of each value (of at least four
// bytes) with "[redacted <fingerprint>]", in one pass: where values
// overlap the longest wins, and no replacement is searched again.
func (f *Fingerprinter) Redact(text string, values []string) string {
	var present []string
	for _, v := range values {
		if len(v) >= 4 && strings.Contains(text, v) {
			present = append(present, v)
		}
	}
	if len(present) == 0 {
		return text
	}
	// strings.Replacer tries its pairs in argument order at each position.
	slices.SortFunc(present, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	present = slices.Compact(present)
	pairs := make([]string, 0, 2*len(present))
	for _, v := range present {
		pairs = append(pairs, v, f.marker(v))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// RedactedError is an error whose text had secret values replaced by
// fingerprints. Unwrap still reaches the cause, for errors.Is and
// errors.As; its text must not be shown.
type RedactedError struct {
	Text  string
	Cause error
}

func (e *RedactedError) Error() string { return e.Text }

// Unwrap returns the original error.
func (e *RedactedError) Unwrap() error { return e.Cause }

// RedactError redacts err as [Fingerprinter.RedactError] does, with the
// per-process Fingerprinter of [Fingerprint].
func RedactError(err error, values []string) error {
	return processFingerprinter().RedactError(err, values)
}

// RedactError returns err with values redacted from its text (see
// [Fingerprinter.Redact]), or err itself when its text holds none of them.
func (f *Fingerprinter) RedactError(err error, values []string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	red := f.Redact(text, values)
	if red == text {
		return err
	}
	return &RedactedError{Text: red, Cause: err}
}
