package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/prodcheck/prodcheck/internal/secret"
)

func TestScanLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		env  bool
		want []string
	}{
		{"key = " + gitCanaryAWS, false, []string{"aws-access-key-id"}},
		{"key = AKIAIOSFODNN7EXAMPLE", false, nil},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", false, []string{"private-key"}},
		{"-----BEGIN PUBLIC KEY-----", false, nil},
		{gitCanaryGitHub, false, []string{"github-token"}},
		{"github_pat_" + strings.Repeat("A1b2", 20), false, []string{"github-token"}},
		{"glpat-abcdefghij0123456789", false, []string{"gitlab-token"}},
		{"xoxb-1234567890-abcdef", false, []string{"slack-token"}},
		{"sk_live_" + strings.Repeat("x9", 12), false, []string{"stripe-live-key"}},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijkl", false, []string{"jwt"}},
		{"DB_PASSWORD=" + gitCanaryPassword, true, []string{ruleEnvAssignment}},
		{"export DB_PASSWORD='" + gitCanaryPassword + "'", true, []string{ruleEnvAssignment}},
		{"DB_PASSWORD=" + gitCanaryPassword, false, nil},
		{"DB_PASSWORD=", true, nil},
		{"DB_PASSWORD=${DB_PASSWORD}", true, nil},
		{"DB_PASSWORD_FILE=/run/secrets/db", true, nil},
		{"# DB_PASSWORD=x", true, nil},
		{"APP_ENV=production", true, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range scanLine([]byte(tt.line), tt.env, nil) {
			got = append(got, m.rule)
		}
		assert.Equal(t, tt.want, got, tt.line)
	}
}

// FuzzSecretScan feeds arbitrary patch text to the patch scanner: it must
// not panic, and no finding may carry a matched value.
func FuzzSecretScan(f *testing.F) {
	f.Add([]byte("\x01abc 1700000000\n\ndiff --git a/.env b/.env\n+++ b/.env\n@@ -0,0 +1,2 @@\n+DB_PASSWORD=" + gitCanaryPassword + "\n+K=" + gitCanaryAWS + "\n"))
	f.Add([]byte("+++ \"b/\\303\\251.env\"\n@@ -1 +99999999999999999999 @@\n+" + gitCanaryGitHub))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps := newPatchScanner(func(p string) bool { return strings.Contains(p, "env") }, secret.NewKeyedFingerprinter(make([]byte, 32)))
		for line := range bytes.SplitSeq(data, []byte{'\n'}) {
			ps.line(line)
		}
		for _, h := range ps.hits {
			for _, m := range scanLine(data, true, nil) {
				if len(m.value) >= 8 {
					if strings.Contains(h.Fingerprint, m.value) || strings.Contains(h.Rule+h.Key, m.value) {
						t.Fatalf("value leaked in %+v", h)
					}
				}
			}
		}
	})
}
