package secret

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomSecret64 is a 64-character value drawn from crypto/rand once
// (base64url of 48 bytes); no list holds it.
const randomSecret64 = "q7Hk2VnZ0xR9wLc4TfYb8JmPs3DgU6aEo1KiN5rWzXhQvB-tC_yMjGdFlS2pA0eI"

// randomHex64 is 32 random bytes in hex: exactly 256 bits.
const randomHex64 = "b5e1f7a20c4d93e86a1f0b7c2d5e8f93a6c1d4e7b0a3f6c9d2e5a8b1c4f7e0a3"

// fastAPIKey is the 64-hex HS256 key of FastAPI's JWT tutorial, in public
// JWT wordlists: as long and as random-looking as a real key.
const fastAPIKey = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"

func TestStrength(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		opts   StrengthOptions
		ok     bool
		reason string
	}{
		{"random base64url 64", randomSecret64, StrengthOptions{}, true, ""},
		{"random hex 64", randomHex64, StrengthOptions{}, true, ""},
		{"wordlist 64-hex key", fastAPIKey, StrengthOptions{}, false, ReasonKnownWeak},
		{"wordlist key upper case", strings.ToUpper("404e635266556a586e3272357538782f413f4428472b4b6250645367566b5970"), StrengthOptions{}, false, ReasonKnownWeak},
		{"tutorial default", "your-256-bit-secret", StrengthOptions{}, false, ReasonKnownWeak},
		{"short", "s3cr3t", StrengthOptions{}, false, "shorter than 64 characters (6)"},
		{"repeated char", strings.Repeat("a", 64), StrengthOptions{}, false, ReasonRepeatedBlock},
		{"repeated block", strings.Repeat("Xk3!", 16), StrengthOptions{}, false, ReasonRepeatedBlock},
		{"low variety", strings.Repeat("ab", 10) + strings.Repeat("a", 44), StrengthOptions{}, false, ReasonLowVariety},
		{"keyboard walk", "qwertyuiopasdfghjklzxcvbnm1234567890qwertyuiopasdfghjklzxcvbnm12", StrengthOptions{}, false, ReasonKeyboard},
		{"dictionary words", "thequickbrownfoxjumpsoverthelazydogwhilethecatsleepsinthesunshine", StrengthOptions{}, false, ReasonDictionary},
		{"hex 64 not enough for HS512", randomHex64, StrengthOptions{Alg: "HS512"}, false, "below the 512 bits HS512 needs"},
		{"HS384 from MinBits", randomHex64, StrengthOptions{MinBits: 384}, false, "below the 384 bits"},
		{"custom length", randomSecret64[:40], StrengthOptions{MinLength: 32, MinBits: 200}, true, ""},
		{"placeholder", "replace-me-with-a-long-random-value-generated-by-openssl-rand-hex", StrengthOptions{}, false, ReasonPlaceholder},
		{"empty", "", StrengthOptions{}, false, "shorter than 64 characters (0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Strength(tt.value, tt.opts)
			assert.Equal(t, tt.ok, rep.OK, "reasons: %v", rep.Reasons)
			assert.Equal(t, len([]rune(tt.value)), rep.Length)
			if tt.reason != "" {
				assert.Condition(t, func() bool {
					for _, r := range rep.Reasons {
						if strings.Contains(r, tt.reason) {
							return true
						}
					}
					return false
				}, "want a reason with %q, got %v", tt.reason, rep.Reasons)
			}
			for _, r := range rep.Reasons {
				if len(tt.value) >= 4 {
					assert.NotContains(t, r, tt.value, "a reason quotes the value")
				}
			}
		})
	}
}

func TestStrengthEntropy(t *testing.T) {
	rep := Strength(randomHex64, StrengthOptions{})
	assert.InDelta(t, 256, rep.EntropyBits, 0.1, "hex counts 4 bits a character")
	assert.Equal(t, 4, rep.ZXCVBNScore)
	rep = Strength(randomSecret64, StrengthOptions{})
	assert.InDelta(t, 384, rep.EntropyBits, 0.1, "base64url counts 6 bits a character")
}

func TestEmbeddedLists(t *testing.T) {
	require.Greater(t, len(weakSecrets()), 100)
	require.Greater(t, len(passwordBlocklist()), 150)
	for _, v := range []string{"secret", "Your-256-Bit-Secret", " changeme ", fastAPIKey, "ThisTokenIsNotSoSecretChangeIt"} {
		assert.True(t, IsKnownWeakSecret(v), v)
	}
	assert.False(t, IsKnownWeakSecret(randomSecret64))
	assert.False(t, IsKnownWeakSecret(""))
	for _, v := range []string{"password", "12345678", "Password1", "qwerty123"} {
		assert.True(t, IsBlockedPassword(v), v)
	}
	assert.False(t, IsBlockedPassword("correct horse battery staple"))
}

func TestKeyboardCoverage(t *testing.T) {
	assert.Equal(t, 10, keyboardCoverage("qwertyuiop"))
	assert.Equal(t, 4, keyboardCoverage("1qaz2w")) // 1-q-a-z walks; z to 2 does not
	assert.Equal(t, 8, keyboardCoverage("abcd8765"))
	assert.Zero(t, keyboardCoverage("q7Hk2VnZ"))
}

func BenchmarkSecretStrength(b *testing.B) {
	values := map[string]string{
		"random64":  randomSecret64,
		"hex64":     randomHex64,
		"wordlist":  fastAPIKey,
		"short":     "s3cr3t",
		"repeat256": strings.Repeat(randomSecret64, 4),
	}
	for name, v := range values {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Strength(v, StrengthOptions{})
			}
		})
	}
}
