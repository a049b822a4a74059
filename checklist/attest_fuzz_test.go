package checklist

import (
	"strings"
	"testing"
)

// FuzzParseAttestations: any bytes give attestations or an error naming
// the file, never a panic.
func FuzzParseAttestations(f *testing.F) {
	f.Add([]byte("# the team's attestations\nattestations:\n  - item: pre-deployment.team-notified\n    by: ana@example.com\n    at: 2026-11-30\n    evidence: docs/runbook.md\n    expires: 2027-01-31\n"))
	f.Add([]byte("attestations: [{item: x, by: y, at: 2026-13-01}]\n"))
	f.Add([]byte("\x00\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseAttestations("attestations.yaml", data); err != nil && !strings.Contains(err.Error(), "attestations.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
