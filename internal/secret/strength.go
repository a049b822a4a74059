package secret

import (
	_ "embed"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// The lists Strength and IsBlockedPassword read, kept as data: one value a
// line, '#' starts a comment line.
var (
	//go:embed data/weak_secrets.txt
	weakSecretsData string
	//go:embed data/password_blocklist.txt
	passwordBlocklistData string
)

// parseList reads an embedded list into a set of trimmed, lower-cased
// lines, skipping blanks and comments.
func parseList(data string) map[string]bool {
	set := make(map[string]bool)
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = true
	}
	return set
}

var (
	weakSecrets       = sync.OnceValue(func() map[string]bool { return parseList(weakSecretsData) })
	passwordBlocklist = sync.OnceValue(func() map[string]bool { return parseList(passwordBlocklistData) })
)

// IsKnownWeakSecret reports whether value, trimmed and ignoring case, is on
// the embedded list of known weak, default, demo and tutorial secrets
// (framework defaults, documentation examples, the well-known entries of
// public JWT wordlists), or is well known by [Weakness].
func IsKnownWeakSecret(value string) bool {
	v := strings.ToLower(strings.TrimSpace(value))
	if v == "" {
		return false
	}
	return isWellKnown(value)
}

// WellKnownSecrets returns every value the weak-secret rule knows by name
// (the built-in short list and the embedded data list), lower-cased and
// sorted: what a caller tries against stored password hashes, so that no
// second list is kept elsewhere.
func WellKnownSecrets() []string {
	set := make(map[string]bool, len(wellKnownValues)+len(weakSecrets()))
	for v := range wellKnownValues {
		set[v] = true
	}
	for v := range weakSecrets() {
		set[v] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// IsBlockedPassword reports whether pw, ignoring case, is on the embedded
// blocklist of common passwords or on the list of known weak secrets.
func IsBlockedPassword(pw string) bool {
	v := strings.ToLower(strings.TrimSpace(pw))
	return v != "" && (passwordBlocklist()[v] || weakSecrets()[v] || wellKnownValues[v])
}

// Defaults of [StrengthOptions].
const (
	DefaultSecretMinLength = 64
	DefaultSecretMinBits   = 256
)

// StrengthOptions configures [Strength]. The zero value is the production
// default: 64 characters and 256 bits (HS256).
type StrengthOptions struct {
	// MinLength is the least number of characters; 0 means 64 (the
	// checklist's "64+ characters").
	MinLength int
	// MinBits is the least estimated entropy in bits; 0 means the key size
	// RFC 7518 §3.2 requires of Alg.
	MinBits float64
	// Alg is the JWS algorithm the secret signs with: "HS256" (the
	// default, 256 bits), "HS384" (384) or "HS512" (512).
	Alg string
}

func (o StrengthOptions) minLength() int {
	if o.MinLength > 0 {
		return o.MinLength
	}
	return DefaultSecretMinLength
}

func (o StrengthOptions) minBits() float64 {
	if o.MinBits > 0 {
		return o.MinBits
	}
	switch strings.ToUpper(strings.TrimSpace(o.Alg)) {
	case "HS384":
		return 384
	case "HS512":
		return 512
	}
	return DefaultSecretMinBits
}

func (o StrengthOptions) alg() string {
	if a := strings.ToUpper(strings.TrimSpace(o.Alg)); a != "" {
		return a
	}
	return "HS256"
}

// StrengthReport is what [Strength] found. Nothing in it quotes the value.
type StrengthReport struct {
	// OK is true when there are no Reasons.
	OK bool
	// Reasons says why the value is not a strong secret, each in a few
	// words and never with the value.
	Reasons []string
	// EntropyBits is the lower of two estimates: the character classes
	// times the length, and zxcvbn's most guessable sequence (with its
	// brute-force parts counted at the class rate) when that explains more
	// than chance does (15% of the class estimate).
	EntropyBits float64
	// ZXCVBNScore is zxcvbn's score, 0 (too guessable) to 4.
	ZXCVBNScore int
	// Length is the length in characters.
	Length int
}

// The reasons Strength gives besides the length and entropy ones.
const (
	ReasonKnownWeak     = "on a list of known weak or default secrets"
	ReasonPlaceholder   = "a placeholder"
	ReasonDictionary    = "made mostly of dictionary words or names"
	ReasonKeyboard      = "mostly a keyboard walk or a character sequence"
	ReasonRepeatedBlock = "low variety: a short block repeated"
	ReasonLowVariety    = "low variety: too few distinct characters"
)

// chanceShare is the share of the class estimate above which zxcvbn's
// lower estimate is put down to chance: any random value holds a few
// short sequences, repeats and dates ("dcba", "9797", "073099"), and a
// 64-digit hex key, exactly 256 bits, would otherwise never pass.
// Structure a person chose (words, walks, repeats) takes far more.
const chanceShare = 0.85

// minSaving is the least number of bits a zxcvbn match must save over the
// class rate to count as structure rather than chance.
const minSaving = 8

// maxZxcvbnRunes bounds the prefix of a value zxcvbn scores: its matching
// is quadratic, and a longer tail is estimated at the class rate.
const maxZxcvbnRunes = 100

// Strength judges value as a signing secret (a JWT_SECRET, an HMAC key, a
// session secret). It is strong when it is:
//
//   - at least MinLength characters (64);
//   - at least MinBits of estimated entropy (256 for HS256, 384 for HS384,
//     512 for HS512: RFC 7518 §3.2). The estimate is the lower of the
//     character-class estimate (length × log2 of the alphabet, where hex
//     counts 16 and base64 64) and zxcvbn's, whose brute-force parts are
//     counted at the class rate and whose dictionary, keyboard, sequence,
//     repeat and date parts count log2 of their guesses; zxcvbn's counts
//     when it is below 85% of the class estimate, since a random value
//     holds a few short patterns by chance;
//   - not on the embedded list of known weak, default and wordlist secrets
//     (data/weak_secrets.txt), nor a placeholder;
//   - not mostly dictionary words, nor mostly a keyboard walk or a run of
//     consecutive characters;
//   - not low-variety: one short block repeated, or a character
//     distribution far from what its alphabet gives at random.
//
// Long random-looking values from public wordlists pass the length and
// entropy rules; only the list catches them.
func Strength(value string, opts StrengthOptions) StrengthReport {
	n := utf8.RuneCountInString(value)
	rep := StrengthReport{Length: n}
	add := func(r string) { rep.Reasons = append(rep.Reasons, r) }

	if minLen := opts.minLength(); n < minLen {
		add(fmt.Sprintf("shorter than %d characters (%d)", minLen, n))
	}
	trimmed := strings.TrimSpace(value)
	switch {
	case trimmed == "":
	case isWellKnown(value):
		add(ReasonKnownWeak)
	}

	perChar := classBitsPerChar(value)
	classBits := perChar * float64(n)
	zx := zxcvbnEstimate(value, perChar)
	// A placeholder part found in the letters of a long random value
	// ("...T0d0...") is chance, not a placeholder.
	if len(rep.Reasons) == 0 || rep.Reasons[len(rep.Reasons)-1] != ReasonKnownWeak {
		if isPlaceholder(value) && zx.bits < opts.minBits() {
			add(ReasonPlaceholder)
		}
	}
	rep.ZXCVBNScore = zx.score
	est := classBits
	if zx.bits < chanceShare*classBits {
		est = zx.bits
	}
	rep.EntropyBits = math.Round(est*10) / 10
	if minBits := opts.minBits(); rep.EntropyBits < minBits {
		add(fmt.Sprintf("about %.0f bits of estimated entropy, below the %.0f bits %s needs (RFC 7518 §3.2)",
			rep.EntropyBits, minBits, opts.alg()))
	}
	if n > 0 && zx.dictionary*2 >= n {
		add(ReasonDictionary)
	}
	if n >= 4 && (keyboardCoverage(value)*5 >= n*2 || zx.spatial*5 >= n*2) {
		add(ReasonKeyboard)
	}
	switch {
	case n >= 4 && repeatedBlock(value):
		add(ReasonRepeatedBlock)
	case n >= 8 && lowVariety(value, perChar):
		add(ReasonLowVariety)
	}
	rep.OK = len(rep.Reasons) == 0
	return rep
}

// classBitsPerChar returns log2 of the alphabet value appears drawn from:
// 16 for hex, at most 64 for base64 (standard or URL-safe), else the sum
// of the classes present (26 lower, 26 upper, 10 digits, 33 ASCII
// symbols and space, and 100 for anything else).
func classBitsPerChar(value string) float64 {
	var lower, upper, digit, symbol, other, hexLetter bool
	allHex, allB64 := true, true
	for _, r := range value {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf && unicode.IsPrint(r):
			symbol = true
		default:
			other = true
		}
		isHex := r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
		hexLetter = hexLetter || isHex && r > '9'
		allHex = allHex && isHex
		allB64 = allB64 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+/-_=", r))
	}
	size := 0
	for _, c := range []struct {
		present bool
		n       int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.present {
			size += c.n
		}
	}
	switch {
	case size == 0:
		return 0
	case allHex && hexLetter && digit:
		size = 16
	case allB64:
		size = min(size, 64)
	}
	return math.Log2(float64(size))
}

// zxResult is what zxcvbnEstimate reads from zxcvbn's sequence.
type zxResult struct {
	bits       float64 // sum over the sequence, brute force at the class rate
	score      int
	dictionary int // characters in dictionary matches of 4 or more
	spatial    int // characters in keyboard (spatial) and sequence matches
}

// zxcvbnEstimate scores value with zxcvbn and re-reads its most guessable
// sequence: brute-force parts count perChar bits a character (zxcvbn
// counts log2(10), which no random secret of 64 characters could pass),
// and every other part counts log2 of its guesses. A match that saves
// fewer than minSaving bits over the class rate counts as brute force: in
// a long random value such matches ("cafe", "19870") are chance, not
// structure.
func zxcvbnEstimate(value string, perChar float64) zxResult {
	v := strings.ToValidUTF8(value, "\uFFFD")
	runes := []rune(v)
	var tail int
	if len(runes) > maxZxcvbnRunes {
		tail = len(runes) - maxZxcvbnRunes
		v = string(runes[:maxZxcvbnRunes])
	}
	res := zxcvbn.PasswordStrength(v, nil)
	out := zxResult{score: res.Score, bits: perChar * float64(tail)}
	for _, m := range res.Sequence {
		l := m.J - m.I + 1
		class := perChar * float64(l)
		if m.Pattern == "bruteforce" || m.Guesses <= 0 || class-math.Log2(m.Guesses) < minSaving {
			out.bits += class
			continue
		}
		out.bits += math.Log2(m.Guesses)
		switch m.Pattern {
		case "dictionary":
			out.dictionary += l
		case "spatial", "sequence":
			out.spatial += l
		}
	}
	if tail > 0 && out.bits > 0 {
		out.score = max(out.score, scoreOfBits(out.bits))
	}
	return out
}

// scoreOfBits maps bits to zxcvbn's score scale (guesses < 1e3, 1e6,
// 1e8, 1e10).
func scoreOfBits(bits float64) int {
	g := math.Log10(2) * bits
	switch {
	case g < 3:
		return 0
	case g < 6:
		return 1
	case g < 8:
		return 2
	case g < 10:
		return 3
	}
	return 4
}

// keyRows are the rows of a US QWERTY keyboard, unshifted and shifted,
// with the horizontal offset of each row's first key.
var keyRows = []struct {
	plain, shifted string
	offset         float64
}{
	{"`1234567890-=", "~!@#$%^&*()_+", 0},
	{"qwertyuiop[]\\", "QWERTYUIOP{}|", 1.5},
	{"asdfghjkl;'", "ASDFGHJKL:\"", 1.75},
	{"zxcvbnm,./", "ZXCVBNM<>?", 2.25},
}

type keyPos struct{ row, x float64 }

// keyPositions maps each key to its place on the keyboard.
var keyPositions = sync.OnceValue(func() map[rune]keyPos {
	m := make(map[rune]keyPos)
	for i, row := range keyRows {
		for j, r := range row.plain {
			m[r] = keyPos{float64(i), row.offset + float64(j)}
		}
		for j, r := range row.shifted {
			m[r] = keyPos{float64(i), row.offset + float64(j)}
		}
	}
	return m
})

// adjacentKeys reports whether b follows a as the next step of a keyboard
// walk (a neighbouring key, in the row or the next one) or of a character
// sequence (the next or previous code point: "abcd", "4321").
func adjacentKeys(a, b rune) bool {
	if a == b {
		return false
	}
	if d := a - b; (d == 1 || d == -1) && (unicode.IsLetter(a) || unicode.IsDigit(a)) {
		return true
	}
	pos := keyPositions()
	pa, oka := pos[a]
	pb, okb := pos[b]
	if !oka || !okb {
		return false
	}
	dr, dx := math.Abs(pa.row-pb.row), math.Abs(pa.x-pb.x)
	return dr == 0 && dx == 1 || dr == 1 && dx <= 1
}

// keyboardCoverage returns how many characters of value lie in runs of
// four or more, each a keyboard neighbour or the next code point of the
// one before.
func keyboardCoverage(value string) int {
	covered, run := 0, 1
	var prev rune
	first := true
	for _, r := range value {
		if !first && adjacentKeys(prev, r) {
			run++
		} else {
			if run >= 4 {
				covered += run
			}
			run = 1
		}
		prev, first = r, false
	}
	if run >= 4 {
		covered += run
	}
	return covered
}

// repeatedBlock reports whether value is a block of at most half its
// length repeated, the last copy possibly cut short: "abcabcabcab".
func repeatedBlock(value string) bool {
	runes := []rune(value)
	n := len(runes)
	for p := 1; p <= n/2; p++ {
		ok := true
		for i := p; i < n && ok; i++ {
			ok = runes[i] == runes[i-p]
		}
		if ok {
			return true
		}
	}
	return false
}

// lowVariety reports whether the Shannon entropy per character of value
// is below 0.75 of what its alphabet (perChar bits) and length allow at
// random: "aaaaaaaab", "0000100001".
func lowVariety(value string, perChar float64) bool {
	counts := make(map[rune]int)
	n := 0
	for _, r := range value {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h < 0.75*min(perChar, math.Log2(float64(n)))
}
