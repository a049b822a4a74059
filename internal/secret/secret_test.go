package secret

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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

func TestValuesInAndRedact(t *testing.T) {
	data := []byte("services:\n  api:\n    environment:\n      DB_PASSWORD: \"hunter22\"\n      - API_TOKEN=tok-123456\n      LOG_LEVEL: debug\n      URL: postgres://u:pw-secret@db/x\nexport JWT_SECRET='abcd1234'\n")
	vals := ValuesIn(data)
	assert.ElementsMatch(t, []string{"hunter22", "tok-123456", "postgres://u:pw-secret@db/x", "pw-secret", "abcd1234"}, vals)
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
