package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

const (
	// strengthRandom is 48 crypto/rand bytes in base64url, drawn once.
	strengthRandom = "q7Hk2VnZ0xR9wLc4TfYb8JmPs3DgU6aEo1KiN5rWzXhQvB-tC_yMjGdFlS2pA0eI"
	// strengthWordlist is FastAPI's tutorial HS256 key, on public JWT
	// wordlists: 64 hex characters, 256 bits by any length rule.
	strengthWordlist = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
	// strengthCanary is a weak secret that no output may show.
	strengthCanary = "CanaryPasswordZq81"
)

type mapValues map[string]Located

func (m mapValues) Values(context.Context) (map[string]Located, error) { return m, nil }

func runStrength(t *testing.T, c check.Check) (*check.Report, string) {
	t.Helper()
	var r check.Runner
	rep, err := r.Run(t.Context(), c)
	require.NoError(t, err)
	var all bytes.Buffer
	for _, render := range []func(w *bytes.Buffer) error{
		func(w *bytes.Buffer) error { return report.Text(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.JSON(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.JUnit(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.Markdown(w, rep, report.Options{}) },
	} {
		require.NoError(t, render(&all))
	}
	return rep, all.String()
}

func writeEnv(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, ".env")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

func TestSecretStrength(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		opts    SecretStrengthOptions
		status  check.Status
		finding string
	}{
		{"random 64 passes", "JWT_SECRET=" + strengthRandom + "\n", SecretStrengthOptions{}, check.StatusPass, ""},
		{"wordlist 64 fails", "# jwt\nJWT_SECRET=" + strengthWordlist + "\n", SecretStrengthOptions{}, check.StatusFail, "on a list of known weak"},
		{"short fails", "JWT_SECRET=" + strengthCanary + "\n", SecretStrengthOptions{}, check.StatusFail, "shorter than 64"},
		{"random 64 is not enough for HS512", "JWT_SECRET=" + strengthRandom + "\n", SecretStrengthOptions{Alg: "HS512"}, check.StatusFail, "512 bits HS512"},
		{"all secret keys", "JWT_SECRET=" + strengthRandom + "\nDB_PASSWORD=" + strengthCanary + "\nDB_USER=app\n", SecretStrengthOptions{Keys: []string{AllSecretKeys}}, check.StatusFail, "DB_PASSWORD is not"},
		{"reference skipped", "JWT_SECRET=${VAULT_JWT}\n", SecretStrengthOptions{}, check.StatusSkip, ""},
		{"key absent", "OTHER=1\n", SecretStrengthOptions{}, check.StatusSkip, ""},
		{"CRLF BOM export", "\xef\xbb\xbfexport JWT_SECRET=\"" + strengthWordlist + "\"\r\n", SecretStrengthOptions{}, check.StatusFail, "on a list of known weak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeEnv(t, dir, tt.env)
			rep, out := runStrength(t, SecretStrength(EnvFile(p, dir), tt.opts))
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.status, res.Status, "%s %v", res.Message, res.Findings)
			assert.Equal(t, ".env", rep.Outcomes[0].Meta.Target)
			if tt.finding != "" {
				require.NotEmpty(t, res.Findings)
				assert.Contains(t, fmt.Sprint(res.Findings), tt.finding)
				assert.Equal(t, ".env", res.Findings[0].Location.File)
				assert.Positive(t, res.Findings[0].Location.Line)
			}
			for _, canary := range []string{strengthRandom, strengthWordlist, strengthCanary} {
				assert.NotContains(t, out, canary)
			}
		})
	}
}

func TestSecretStrengthBadInput(t *testing.T) {
	dir := t.TempDir()
	rep, _ := runStrength(t, SecretStrength(EnvFile(filepath.Join(dir, ".env"), dir), SecretStrengthOptions{}))
	assert.Equal(t, check.StatusSkip, rep.Outcomes[0].Result.Status, "a missing file skips")

	p := filepath.Join(dir, "bin.env")
	require.NoError(t, os.WriteFile(p, []byte("JWT_SECRET=\x00\x01"+strengthCanary), 0o600))
	rep, out := runStrength(t, SecretStrength(EnvFile(p, dir), SecretStrengthOptions{}))
	assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status)
	assert.NotContains(t, out, strengthCanary)

	outside := filepath.Join(t.TempDir(), ".env")
	writeEnv(t, filepath.Dir(outside), "JWT_SECRET="+strengthCanary+"\n")
	rep, out = runStrength(t, SecretStrength(EnvFile(outside, dir), SecretStrengthOptions{}))
	assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status, "a file outside the root is refused")
	assert.NotContains(t, out, strengthCanary)
}

func TestSecretStrengthValuesInterface(t *testing.T) {
	vals := mapValues{"JWT_SECRET": {Value: strings.Repeat("ab", 40), File: "vault.json", Line: 3}}
	rep, out := runStrength(t, SecretStrength(vals, SecretStrengthOptions{Target: "vault export"}))
	res := rep.Outcomes[0].Result
	assert.Equal(t, check.StatusFail, res.Status)
	assert.Contains(t, fmt.Sprint(res.Findings), "low variety")
	assert.Equal(t, "vault export", rep.Outcomes[0].Meta.Target)
	assert.NotContains(t, out, strings.Repeat("ab", 40))
}

func ExampleSecretStrength() {
	vals := mapValues{
		"JWT_SECRET": {Value: "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7", File: ".env", Line: 4},
	}
	c := SecretStrength(vals, SecretStrengthOptions{Target: ".env"})
	res := c.Run(context.Background())
	fmt.Println(c.Meta().ID, res.Status)
	fmt.Println(res.Findings[0].Location, res.Findings[0].Message)
	// Output:
	// security.secrets.strength fail
	// .env:4 variable JWT_SECRET JWT_SECRET is not a strong secret: on a list of known weak or default secrets
}
