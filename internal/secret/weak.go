package secret

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The reasons Weakness gives. Each says why a value is not worth a hash;
// none says anything about the value beyond that.
const (
	WeakEmpty       = "empty"
	WeakWellKnown   = "a well-known default"
	WeakPlaceholder = "a placeholder"
	WeakRepeated    = "one repeated character"
	WeakShort       = "shorter than 12 characters"
	WeakDigits      = "only digits, shorter than 16 characters"
	WeakLetters     = "only letters, shorter than 16 characters"
)

// MinStrongLength is the length in characters below which any value is
// weak; MinStrongSingleClass is the length below which a value of only
// digits or only letters is.
const (
	MinStrongLength      = 12
	MinStrongSingleClass = 16
)

// Weakness says why value is weak or well known, or returns "" when it is
// neither. It is the one rule every family (docker, config, database)
// uses to decide that a secret is weak and that its fingerprint shows no
// hash. A value is weak, in this order, when it is:
//
//   - empty ([WeakEmpty]);
//   - a placeholder: "your-secret-here", "<api token>", "REPLACE_ME",
//     "changeme", "changeme-in-production", "${SECRET}", "xxxxxxxx"-like
//     ([WeakPlaceholder]);
//   - a well-known default, ignoring case, separators and a short number
//     or punctuation at the ends, also in l33t spelling: "password",
//     "Passw0rd!", "secret", "admin", "root", "postgres", "example",
//     "test", "123456", "letmein", "qwerty", "default", or a run of such
//     words, "SuperSecretPassword2024" ([WeakWellKnown]);
//   - a single character repeated ([WeakRepeated]);
//   - shorter than [MinStrongLength] characters ([WeakShort]);
//   - only digits or only letters and shorter than [MinStrongSingleClass]
//     characters ([WeakDigits], [WeakLetters]).
//
// Characters are runes; white space around the value counts toward its
// length, but not against a match with a default or a placeholder.
func Weakness(value string) string {
	n := utf8.RuneCountInString(value)
	switch {
	case n == 0:
		return WeakEmpty
	case isPlaceholder(value):
		return WeakPlaceholder
	case isWellKnown(value):
		return WeakWellKnown
	case n > 1 && isRepeated(value):
		return WeakRepeated
	case n < MinStrongLength:
		return WeakShort
	case n < MinStrongSingleClass && allRunes(value, unicode.IsDigit):
		return WeakDigits
	case n < MinStrongSingleClass && allRunes(value, unicode.IsLetter):
		return WeakLetters
	}
	return ""
}

// wellKnownValues are whole values, lower-cased, that are defaults or on
// every list of common passwords, and that the word rule below misses.
var wellKnownValues = map[string]bool{
	"123456": true, "1234567": true, "12345678": true, "123456789": true, "1234567890": true,
	"654321": true, "000000": true, "111111": true, "121212": true, "123123": true,
	"112233": true, "1q2w3e4r": true, "1qaz2wsx": true, "qwerty123": true, "abc123": true,
	"trustno1": true, "p@ssw0rd": true, "passw0rd": true, "pa$$word": true, "pa$$w0rd": true,
	// Values published in official image docs, tutorials and vendor
	// examples, copied into real deployments.
	"mysecretpassword": true, "my-secret-pw": true, "supersecret": true, "supersecretpassword": true,
	"changeit": true, "notasecret": true, "minioadmin": true, "minio123": true, "secretpassword": true,
	"your-256-bit-secret": true, "your-512-bit-secret": true, "your-secret-key": true,
	"super-secret-jwt-token-with-at-least-32-characters-long": true,
	"akiaiosfodnn7example": true, "wjalrxutnfemi/k7mdeng/bpxrficyexamplekey": true,
	"sk_test_4ec39hqlyjwdarjtt1zdp7dc": true, "secret_key_base": true, "s3cr3t": true,
	"keyboard cat": true, "shhhhh": true, "thisisasecret": true, "thisismysecret": true,
}

// wellKnownPrefixes begin values that their framework marks as demo or
// development secrets.
var wellKnownPrefixes = []string{"django-insecure-", "insecure-", "dev-secret", "devsecret"}

// wellKnownWords are the words of which a well-known value is made: the
// defaults of common images and frameworks, the top of common password
// lists, and the filler of example values. Keep it short: a value made
// only of these words is weak, whatever its length.
var wellKnownWords = map[string]bool{
	"password": true, "passwd": true, "pass": true, "pwd": true, "passphrase": true,
	"secret": true, "secrets": true, "changeme": true, "change": true, "default": true,
	"admin": true, "administrator": true, "root": true, "toor": true, "sa": true,
	"postgres": true, "postgresql": true, "mysql": true, "mariadb": true, "redis": true,
	"mongo": true, "mongodb": true, "rabbitmq": true, "guest": true, "user": true,
	"example": true, "sample": true, "demo": true, "dummy": true, "test": true, "testing": true,
	"letmein": true, "let": true, "me": true, "in": true, "qwerty": true, "welcome": true,
	"login": true, "master": true, "super": true, "top": true, "very": true, "my": true,
	"your": true, "our": true, "the": true, "key": true, "api": true, "token": true,
	"jwt": true, "session": true, "access": true, "private": true, "db": true, "database": true,
	"app": true, "dev": true, "development": true, "local": true, "localhost": true,
	"prod": true, "production": true, "staging": true, "insecure": true, "unsafe": true,
	"not": true, "hello": true, "world": true, "foo": true, "bar": true, "baz": true,
	"abc": true, "qwe": true, "asdf": true, "iloveyou": true, "dragon": true, "monkey": true,
	"sunshine": true, "shadow": true, "football": true, "princess": true, "trustno": true,
}

// maxWordLen is the length of the longest of wellKnownWords
// ("administrator"), which bounds the work isWordRun does per letter.
const maxWordLen = 13

// placeholderParts are pieces whose presence anywhere in a normalised
// value marks it as a placeholder someone forgot to fill in.
var placeholderParts = []string{
	"changeme", "replaceme", "changethis", "replacethis", "placeholder",
	"yoursecret", "yourpassword", "yourtoken", "yourkey", "yourapikey",
	"insertyour", "enteryour", "putyour", "secrethere", "passwordhere",
	"tokenhere", "keyhere", "valuehere", "gohere", "fixme", "todo",
}

// isPlaceholder reports whether value is a placeholder rather than a
// secret: wrapped in <...>, {{...}} or ${...}, a run of x, or a
// normalised form that contains a placeholder part or reads "your...here".
func isPlaceholder(value string) bool {
	v := strings.TrimSpace(value)
	for _, w := range [][2]string{{"<", ">"}, {"{{", "}}"}, {"${", "}"}, {"[", "]"}} {
		if len(v) > len(w[0])+len(w[1]) && strings.HasPrefix(v, w[0]) && strings.HasSuffix(v, w[1]) {
			return true
		}
	}
	letters := lettersOf(v, false)
	if len(letters) >= 4 && strings.Trim(letters, "x") == "" {
		return true
	}
	for _, p := range placeholderParts {
		if strings.Contains(letters, p) {
			return true
		}
	}
	return strings.HasPrefix(letters, "your") && strings.HasSuffix(letters, "here")
}

// isWellKnown reports whether value is a well-known value, or a run of
// well-known words once case, separators, digits and l33t spelling are
// set aside.
func isWellKnown(value string) bool {
	v := strings.ToLower(strings.TrimSpace(value))
	// The short list here and the embedded data list (data/weak_secrets.txt)
	// are one rule: every caller of Weakness, Judge and Strength sees both.
	if wellKnownValues[v] || weakSecrets()[v] {
		return true
	}
	for _, p := range wellKnownPrefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	// Drop a trailing number and punctuation ("Password123!"), then read
	// the rest either as l33t ("P@ssw0rd") or with digits dropped
	// ("admin2admin").
	// A long random number around a word is not a default, so no more
	// than maxAffix characters are set aside.
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	trimmed := strings.TrimLeftFunc(strings.TrimRightFunc(v, notLetter), notLetter)
	if len(v)-len(trimmed) <= maxAffix {
		if wellKnownValues[trimmed] {
			return true
		}
		if s := lettersOf(trimmed, true); len(s) >= 2 && isWordRun(s) {
			return true
		}
	}
	// Digits inside a run of words ("admin2admin", "db1pass"), but only a
	// few: words around a long random number are not a default.
	if countDigits(v) <= 4 {
		s := lettersOf(v, false)
		return len(s) >= 2 && isWordRun(s)
	}
	return false
}

// countDigits returns how many ASCII digits s holds.
func countDigits(s string) int {
	n := 0
	for i := range len(s) {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// maxAffix is the most that isWellKnown strips from the ends of a value
// before reading words: "Password2024!!", "-2024".
const maxAffix = 6

// leet maps the digits and symbols of l33t spelling to letters.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i'}

// lettersOf returns the ASCII letters of s, lower-cased, dropping
// everything else; with l33t, digits and symbols that spell letters are
// read as those letters first.
func lettersOf(s string, l33t bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if l, ok := leet[r]; ok && l33t {
			r = l
		}
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isWordRun reports whether s is a concatenation of wellKnownWords.
func isWordRun(s string) bool {
	// ok[i]: s[:i] splits into words. s is ASCII, so bytes are letters.
	ok := make([]bool, len(s)+1)
	ok[0] = true
	last := 0 // the last i with ok[i]
	for i := 1; i <= len(s); i++ {
		if i-last > maxWordLen {
			return false // no word reaches back to a split: random text ends here
		}
		for j := max(0, i-maxWordLen); j < i && !ok[i]; j++ {
			ok[i] = ok[j] && wellKnownWords[s[j:i]]
		}
		if ok[i] {
			last = i
		}
	}
	return ok[len(s)]
}

// isRepeated reports whether value is one character repeated.
func isRepeated(value string) bool {
	first, _ := utf8.DecodeRuneInString(value)
	for _, r := range value {
		if r != first {
			return false
		}
	}
	return true
}

// allRunes reports whether every rune of value satisfies is.
func allRunes(value string, is func(rune) bool) bool {
	for _, r := range value {
		if !is(r) {
			return false
		}
	}
	return true
}
