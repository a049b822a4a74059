package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"unicode/utf8"
)

// KeySize is the size in bytes of a Fingerprinter's HMAC-SHA256 key.
const KeySize = 32

// fpHexDigits is how many hex digits of the HMAC a fingerprint shows: 32
// bits, enough to tell values apart within one report and useless without
// the key.
const fpHexDigits = 8

// A Fingerprinter renders secret values as fingerprints keyed for one run:
// the length of the value and the first 8 hex digits of its HMAC-SHA256
// under a random key, "24 chars, fp 3f9a1c07". Equal values give equal
// fingerprints from one Fingerprinter, so a report can show that two
// settings hold the same secret; two Fingerprinters give unrelated ones,
// and since the key is never shown, a fingerprint in a posted report
// cannot be checked against guesses offline.
//
// A value that [Weakness] judges weak or well known (empty, short, a
// default such as "changeme", a placeholder) gets no hash at all, only its
// length and why: "8 chars, weak: a well-known default". Hashing it would
// add nothing a reader needs, and would be the one thing worth attacking.
//
// Hold one Fingerprinter per source load (per run) and pass it down. A
// Fingerprinter is safe for concurrent use. The zero value and a nil
// *Fingerprinter work, and use the per-process Fingerprinter of
// [Fingerprint].
type Fingerprinter struct {
	key []byte // KeySize random bytes; nil in the zero value
}

// NewFingerprinter returns a Fingerprinter with a fresh random key from
// crypto/rand.
func NewFingerprinter() *Fingerprinter {
	key := make([]byte, KeySize)
	// crypto/rand.Read never returns an error since Go 1.24: it crashes
	// the program irrecoverably rather than hand out a weak key.
	_, _ = rand.Read(key)
	return &Fingerprinter{key: key}
}

// NewKeyedFingerprinter returns a Fingerprinter with the given key (copied),
// for tests and examples whose output must not change from run to run.
// Anyone who knows the key can test guesses against its fingerprints, so
// code that fingerprints real input must use [NewFingerprinter].
func NewKeyedFingerprinter(key []byte) *Fingerprinter {
	return &Fingerprinter{key: append([]byte(nil), key...)}
}

// processFingerprinter is the per-process Fingerprinter behind the
// package-level functions, created on first use. It is this package's one
// global: see [Fingerprint].
var processFingerprinter = sync.OnceValue(NewFingerprinter)

// Fingerprint renders value as [Fingerprinter.Fingerprint] does, keyed per
// process: equal values give equal fingerprints within one process, and
// the key is random, so the fingerprints of two processes are unrelated.
//
// It exists for callers that have no run scope to hold a Fingerprinter in
// (a helper deep in a parser, code written before Fingerprinter), which is
// why it uses a package-level Fingerprinter created lazily once per
// process, the one exception to the no-globals rule. New code should hold
// a Fingerprinter per source load and call its methods instead, so that
// fingerprints are keyed per run and can be made stable in tests.
func Fingerprint(value string) string {
	return processFingerprinter().Fingerprint(value)
}

// Fingerprint renders value without revealing it. A value that [Weakness]
// judges weak gives its length and why, and no hash: "0 chars, weak:
// empty", "8 chars, weak: a well-known default". Any other value gives its
// length in characters and the first 8 hex digits of its HMAC-SHA256 under
// the Fingerprinter's key: "24 chars, fp 3f9a1c07".
func (f *Fingerprinter) Fingerprint(value string) string {
	n := lengthPhrase(value)
	if why := Weakness(value); why != "" {
		return n + ", weak: " + why
	}
	return n + ", fp " + f.sum(value)
}

// marker is what a redacted value is shown as: "[redacted 24 chars, fp
// 3f9a1c07]".
func (f *Fingerprinter) marker(value string) string {
	return "[redacted " + f.Fingerprint(value) + "]"
}

// sum returns the first fpHexDigits hex digits of the HMAC of value.
func (f *Fingerprinter) sum(value string) string {
	if f == nil || f.key == nil {
		return processFingerprinter().sum(value)
	}
	// A fresh hash per call: hash.Hash is not safe for concurrent use, and
	// the key, the only shared state, is never written after construction.
	mac := hmac.New(sha256.New, f.key)
	_, _ = mac.Write([]byte(value)) // hash writes never fail
	return hex.EncodeToString(mac.Sum(nil))[:fpHexDigits]
}

// lengthPhrase says how many characters (runes; each invalid UTF-8 byte
// counts as one) value has: "1 char", "24 chars".
func lengthPhrase(value string) string {
	n := utf8.RuneCountInString(value)
	if n == 1 {
		return "1 char"
	}
	return strconv.Itoa(n) + " chars"
}
