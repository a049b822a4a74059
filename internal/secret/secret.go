// Package secret decides whether a configuration key names a secret, and
// renders secret values as fingerprints so that no value ever reaches a
// result, a log or a report.
package secret

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
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
// word (FILE, PUBLIC, VERSION, ID, ...).
func IsSecretKey(key string) bool {
	found := false
	for _, w := range Words(key) {
		if neutralWords[w] {
			return false
		}
		if secretWords[w] {
			found = true
		}
	}
	return found
}

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

// Fingerprint renders a secret value without revealing it: its length and
// the first 8 hex digits of its SHA-256, "len=24 sha256:1f2e3d4c".
func Fingerprint(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "len=" + strconv.Itoa(len(value)) + " sha256:" + hex.EncodeToString(sum[:4])
}

// RedactURL returns value with the password of its user information
// replaced by a fingerprint, or value unchanged when it has none.
func RedactURL(value string) string {
	u, err := url.Parse(strings.TrimSpace(value))
	if err != nil || u.User == nil {
		return value
	}
	p, ok := u.User.Password()
	if !ok {
		return value
	}
	u.User = url.UserPassword(u.User.Username(), "REDACTED("+Fingerprint(p)+")")
	return u.String()
}

// ValuesIn returns the values that the lines of a configuration file
// (YAML "KEY: value", list "- KEY=value", dotenv "KEY=value") assign to
// secret keys, or that are URLs with passwords. It is a line scan, so that
// it works on files a parser rejected; it is for redaction, not judgement.
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
		if IsSecretKey(key) || URLHasPassword(val) {
			out = append(out, val)
		}
	}
	return out
}

// Redact replaces every occurrence in text of each value (of at least four
// bytes) with its fingerprint.
func Redact(text string, values []string) string {
	for _, v := range values {
		if len(v) >= 4 && strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "[redacted "+Fingerprint(v)+"]")
		}
	}
	return text
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

// RedactError returns err with values redacted from its text, or err itself
// when its text holds none of them.
func RedactError(err error, values []string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	red := Redact(text, values)
	if red == text {
		return err
	}
	return &RedactedError{Text: red, Cause: err}
}
