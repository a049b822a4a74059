package secret

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"POSTGRES_PASSWORD":      true,
		"POSTGRES_PASSWORD_FILE": false,
		"JWT_SECRET":             true,
		"API_KEY":                true,
		"apiKey":                 true,
		"dbPassword":             true,
		"GITHUB_TOKEN":           true,
		"AWS_ACCESS_KEY_ID":      false,
		"PUBLIC_KEY":             false,
		"KEY_VERSION":            false,
		"POSTGRES_USER":          false,
		"NODE_ENV":               false,
		"MONKEY":                 false,
		"PASSWORD_MIN_LENGTH":    false,
		"SECRET_KEY_BASE":        true,
		"DATABASE_URL":           false,
	} {
		assert.Equal(t, want, IsSecretKey(key), key)
	}
}

func TestURLPassword(t *testing.T) {
	assert.True(t, URLHasPassword("postgres://app:hunter2@db:5432/app"))
	assert.False(t, URLHasPassword("postgres://app@db:5432/app"))
	assert.False(t, URLHasPassword("redis://db:6379"))
	r := RedactURL("postgres://app:hunter2@db:5432/app")
	assert.NotContains(t, r, "hunter2")
	assert.Contains(t, r, "app:")
}

func TestFingerprint(t *testing.T) {
	f := Fingerprint("hunter2")
	assert.True(t, strings.HasPrefix(f, "len=7 sha256:"), f)
	assert.NotContains(t, f, "hunter2")
	assert.Equal(t, f, Fingerprint("hunter2"))
	assert.NotEqual(t, f, Fingerprint("hunter3"))
}

func TestValuesInAndRedact(t *testing.T) {
	data := []byte("services:\n  api:\n    environment:\n      DB_PASSWORD: \"hunter22\"\n      - API_TOKEN=tok-123456\n      LOG_LEVEL: debug\n      URL: postgres://u:pw-secret@db/x\nexport JWT_SECRET='abcd1234'\n")
	vals := ValuesIn(data)
	assert.ElementsMatch(t, []string{"hunter22", "tok-123456", "postgres://u:pw-secret@db/x", "abcd1234"}, vals)
	text := Redact(`invalid interpolation for DB_PASSWORD: hunter22; level debug`, vals)
	assert.NotContains(t, text, "hunter22")
	assert.Contains(t, text, "level debug")
	cause := errors.New("bad value hunter22")
	err := RedactError(cause, vals)
	assert.NotContains(t, err.Error(), "hunter22")
	assert.ErrorIs(t, err, cause)
	assert.Same(t, cause, RedactError(cause, []string{"other"}))
	assert.NoError(t, RedactError(nil, vals))
}
