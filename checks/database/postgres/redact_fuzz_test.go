package postgres

import (
	"strings"
	"testing"
)

// FuzzRedactQuery: a literal never survives redaction, whatever surrounds
// it, and any text is redacted without a panic.
func FuzzRedactQuery(f *testing.F) {
	f.Add("WHERE a =", "hunter2", "AND b = 1")
	f.Add("ALTER ROLE app PASSWORD", "canary-secret", "")
	f.Add("", "", "")
	f.Add("E", "x\\", "ORDER BY 1")
	f.Fuzz(func(t *testing.T, before, lit, after string) {
		_ = redactQuery(before + lit + after) // any text: no panic
		plain := func(s string) string {
			return strings.Map(func(r rune) rune {
				if strings.ContainsRune("'\"$-/*\\", r) {
					return -1
				}
				return r
			}, s)
		}
		before, after = plain(before), plain(after)
		lit = strings.ReplaceAll(lit, "'", "")
		lit = strings.ReplaceAll(lit, "\\", "")
		got := redactQuery("SELECT " + before + " '" + lit + "' " + after)
		if want := "SELECT " + before + " '?' " + after; got != want {
			t.Fatalf("redactQuery = %q, want %q", got, want)
		}
	})
}
