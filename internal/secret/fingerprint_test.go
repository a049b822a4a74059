package secret

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hexRun matches what a hash in a fingerprint looks like.
var hexRun = regexp.MustCompile(`[0-9a-f]{8}`)

// strongShape is the whole of a fingerprint with a hash.
var strongShape = regexp.MustCompile(`^[0-9]+ chars?, fp [0-9a-f]{8}$`)

// weakReasons are all the reasons Weakness gives.
var weakReasons = []string{WeakEmpty, WeakWellKnown, WeakPlaceholder, WeakRepeated, WeakShort, WeakDigits, WeakLetters}

func TestWeakness(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{"", WeakEmpty},
		{"password", WeakWellKnown},
		{"Password123!", WeakWellKnown},
		{"P@ssw0rd", WeakWellKnown},
		{"changeme", WeakPlaceholder},
		{"CHANGE_ME", WeakPlaceholder},
		{"changeme-in-production-now", WeakPlaceholder},
		{"secret", WeakWellKnown},
		{"admin", WeakWellKnown},
		{"admin2admin", WeakWellKnown},
		{"root", WeakWellKnown},
		{"postgres", WeakWellKnown},
		{"postgres2024!", WeakWellKnown},
		{"example", WeakWellKnown},
		{"test", WeakWellKnown},
		{"123456", WeakWellKnown},
		{"letmein", WeakWellKnown},
		{"qwerty", WeakWellKnown},
		{"default", WeakWellKnown},
		{"SuperSecretPassword2024", WeakWellKnown},
		{"my-super-secret-jwt-key", WeakWellKnown},
		{"insecure-dev-secret-key", WeakWellKnown},
		{"your-secret-here", WeakPlaceholder},
		{"YOUR_API_KEY_HERE", WeakPlaceholder},
		{"your-stripe-live-key-goes-here", WeakPlaceholder},
		{"<your github token>", WeakPlaceholder},
		{"{{ vault_db_password }}", WeakPlaceholder},
		{"${DB_PASSWORD}", WeakPlaceholder},
		{"xxxxxxxxxxxxxxxx", WeakPlaceholder},
		{"XXXX-XXXX-XXXX-XXXX", WeakPlaceholder},
		{"aaaaaaaaaaaaaaaaaaaa", WeakRepeated},
		{"                ", WeakRepeated},
		{"zz", WeakRepeated},
		{"hunter2", WeakShort},
		{"k9#Lm2$pQ7", WeakShort},
		{"é", WeakShort},
		{"283749102938", WeakDigits},
		{"283749102938475", WeakDigits},
		{"kqzmvbwtrlpxhgf", WeakLetters},
		{"kqzmvbwtrlpx", WeakLetters},
		// Strong enough: long and mixed, or long enough in one class.
		{"2837491029384756", ""},
		{"kqzmvbwtrlpxhgfd", ""},
		{"k9#Lm2$pQ7vX", ""},
		{"ghp_4f8a9c2e7b1d6f3a0e5c9b8a7d6e5f4a3b2c", ""},
		{"sk_test_9qT27LmXwRzKd81vBnY4pEc2", ""},
		{"sk_test_4eC39HqLyjWDarjtT1zdp7dc", WeakWellKnown}, // the key of Stripe's documentation
		{"test-4f8a9c2e7b1d6f3a0e5c", ""},
		{"admin-7f3k29xk2m1q0p4z8r", ""},
		{"8472910384756test", ""},
		{"correct horse battery staple", ""},
	} {
		assert.Equal(t, tc.want, Weakness(tc.value), "%q", tc.value)
	}
}

func TestWordListBound(t *testing.T) {
	for w := range wellKnownWords {
		assert.LessOrEqual(t, len(w), maxWordLen, w)
		assert.Equal(t, strings.ToLower(w), w)
	}
}

func TestFingerprint(t *testing.T) {
	f := NewKeyedFingerprinter([]byte("a key for a test, never for input"))
	for _, tc := range []struct {
		value string
		want  *regexp.Regexp
	}{
		{"", regexp.MustCompile(`^0 chars, weak: empty$`)},
		{"a", regexp.MustCompile(`^1 char, weak: shorter than 12 characters$`)},
		{"hunter2", regexp.MustCompile(`^7 chars, weak: shorter than 12 characters$`)},
		{"changeme", regexp.MustCompile(`^8 chars, weak: a placeholder$`)},
		{"password", regexp.MustCompile(`^8 chars, weak: a well-known default$`)},
		{"Password123!", regexp.MustCompile(`^12 chars, weak: a well-known default$`)},
		{"your-secret-here", regexp.MustCompile(`^16 chars, weak: a placeholder$`)},
		{"aaaaaaaaaaaaaaaaaaaaaaaa", regexp.MustCompile(`^24 chars, weak: one repeated character$`)},
		{"283749102938", regexp.MustCompile(`^12 chars, weak: only digits, shorter than 16 characters$`)},
		{"kqzmvbwtrlpx", regexp.MustCompile(`^12 chars, weak: only letters, shorter than 16 characters$`)},
		{"k9#Lm2$pQ7vX", regexp.MustCompile(`^12 chars, fp [0-9a-f]{8}$`)},
		{"ghp_4f8a9c2e7b1d6f3a0e5c9b8a7d6e5f4a3b2c", regexp.MustCompile(`^40 chars, fp [0-9a-f]{8}$`)},
		{"pässwörd-ünïcødé-42", regexp.MustCompile(`^19 chars, fp [0-9a-f]{8}$`)},
	} {
		got := f.Fingerprint(tc.value)
		assert.Regexp(t, tc.want, got, "%q", tc.value)
		if Weakness(tc.value) != "" {
			assert.NotRegexp(t, hexRun, got, "a weak value shows no hash: %q", tc.value)
		}
		if len(tc.value) >= 4 {
			assert.NotContains(t, got, tc.value)
		}
		assert.Equal(t, got, f.Fingerprint(tc.value), "deterministic within one Fingerprinter")
	}
}

func TestFingerprintKeyed(t *testing.T) {
	const v = "k9#Lm2$pQ7vX-a-strong-one"
	a, b := NewFingerprinter(), NewFingerprinter()
	assert.Equal(t, a.Fingerprint(v), a.Fingerprint(v))
	assert.NotEqual(t, a.Fingerprint(v), a.Fingerprint(v+"!"))
	// Two random keys collide on 32 bits once in 4 billion runs.
	assert.NotEqual(t, a.Fingerprint(v), b.Fingerprint(v), "different Fingerprinters give unrelated fingerprints")

	// A fixed key gives fixed fingerprints, for examples; the key is copied.
	key := []byte("0123456789abcdef0123456789abcdef")
	k1 := NewKeyedFingerprinter(key)
	want := k1.Fingerprint(v)
	key[0] = 'X'
	assert.Equal(t, want, NewKeyedFingerprinter([]byte("0123456789abcdef0123456789abcdef")).Fingerprint(v))
	assert.Equal(t, want, k1.Fingerprint(v))
	assert.NotEqual(t, want, NewKeyedFingerprinter(key).Fingerprint(v))

	// Not the unsalted SHA-256 of old ("sha256:" and its first 8 digits).
	assert.NotContains(t, Fingerprint(v), "sha256")
	assert.NotContains(t, Fingerprint(v), "ce0d5bc3")
	assert.Regexp(t, strongShape, Fingerprint(v))
	assert.Equal(t, Fingerprint(v), Fingerprint(v), "the package-level Fingerprint is keyed once per process")
	assert.Equal(t, Fingerprint(v), processFingerprinter().Fingerprint(v))

	// The zero value and nil work, keyed per process, never unkeyed.
	var zero Fingerprinter
	var null *Fingerprinter
	assert.Equal(t, Fingerprint(v), zero.Fingerprint(v))
	assert.Equal(t, Fingerprint(v), null.Fingerprint(v))
	assert.Equal(t, "4 chars, weak: shorter than 12 characters", null.Fingerprint("abcd"))
}

func TestFingerprintConcurrent(t *testing.T) {
	f := NewFingerprinter()
	values := []string{"k9#Lm2$pQ7vX-one", "k9#Lm2$pQ7vX-two", "password", ""}
	want := make([]string, len(values))
	for i, v := range values {
		want[i] = f.Fingerprint(v)
	}
	got := make([][]string, 16)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for range 100 {
				for _, v := range values {
					got[g] = append(got[g], f.Fingerprint(v))
					got[g] = append(got[g], Fingerprint(v))
				}
			}
		})
	}
	wg.Wait()
	for g := range got {
		require.Len(t, got[g], 100*2*len(values))
		for i, fp := range got[g] {
			if i%2 == 0 {
				assert.Equal(t, want[(i/2)%len(values)], fp)
			} else {
				assert.Equal(t, Fingerprint(values[(i/2)%len(values)]), fp)
			}
		}
	}
}

func TestRedactOverlapping(t *testing.T) {
	f := NewKeyedFingerprinter([]byte("k"))
	text := "dsn postgres://u:pw-secret-4f8a9c@db/x and again pw-secret-4f8a9c"
	red := f.Redact(text, []string{"pw-secret-4f8a9c", "postgres://u:pw-secret-4f8a9c@db/x", "pw-secret-4f8a9c", "redacted", "abc"})
	assert.NotContains(t, red, "pw-secret")
	assert.Equal(t, 2, strings.Count(red, "[redacted "), red)
	assert.Contains(t, red, "dsn [redacted 34 chars, fp ")
	assert.Equal(t, text, f.Redact(text, []string{"abc", "other-value"}))
	assert.Equal(t, "short abc", f.Redact("short abc", []string{"abc"}), "values under 4 bytes are not searched")
}

func FuzzFingerprint(f *testing.F) {
	for _, seed := range []string{
		"", "a", "weak", "hars", "hunter2", "password", "Password123!", "changeme",
		"your-secret-here", "<token>", "aaaaaaaaaaaa", "283749102938", "kqzmvbwtrlpx",
		"k9#Lm2$pQ7vX", "ghp_4f8a9c2e7b1d6f3a0e5c9b8a7d6e5f4a3b2c", "\xff\xfe\x00", "pässwörd-ünïcødé",
	} {
		f.Add(seed)
	}
	fp := NewFingerprinter()
	fixed := ", weak: " + strings.Join(weakReasons, " ")
	// Plain checks rather than testify: the body runs millions of times.
	f.Fuzz(func(t *testing.T, value string) {
		out := fp.Fingerprint(value)
		n := utf8.RuneCountInString(value)
		length := strconv.Itoa(n) + " chars"
		if n == 1 {
			length = "1 char"
		}
		if reason := Weakness(value); reason != "" {
			// The whole output is the length and a reason from a fixed
			// list: it carries nothing else of the value, and no hash.
			if !slices.Contains(weakReasons, reason) || out != length+", weak: "+reason {
				t.Fatalf("Fingerprint(%q) = %q: not the length and a known reason %q", value, out, reason)
			}
			if hexRun.MatchString(strings.TrimPrefix(out, length)) {
				t.Fatalf("Fingerprint(%q) = %q shows a hash for a weak value", value, out)
			}
			// The value can appear only when it is itself a piece of that
			// fixed text ("hars", "weak"), which reveals nothing.
			if n >= 4 && strings.Contains(out, value) && !strings.Contains(length+fixed, value) {
				t.Fatalf("Fingerprint(%q) = %q contains the value", value, out)
			}
			return
		}
		if !strongShape.MatchString(out) || !strings.HasPrefix(out, length+", fp ") {
			t.Fatalf("Fingerprint(%q) = %q: not %q and 8 hex digits", value, out, length+", fp ")
		}
		if n >= 4 && strings.Contains(out, value) {
			t.Fatalf("Fingerprint(%q) = %q contains the value", value, out)
		}
		if again := fp.Fingerprint(value); again != out {
			t.Fatalf("Fingerprint(%q) = %q, then %q", value, out, again)
		}
	})
}
