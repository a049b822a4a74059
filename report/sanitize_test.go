package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSanitize tables the one sanitiser (neutralize) and what Markdown
// adds to it (mdText): every hostile rune is visible in the text report,
// and a comment neither pings nor links anyone.
func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in string
		text     string // neutralize
		md       string // mdText
	}{
		{"plain", "all 3 images pinned", "all 3 images pinned", "all 3 images pinned"},
		{"newline and tab kept in text", "a\n\tb", "a\n\tb", "a  b"},
		{"CRLF", "a\r\nb", `a\x0d` + "\nb", "a b"},
		{"escape sequence", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`, `\\x1b\[31mred\\x1b\[0m`},
		{"NUL, BEL, DEL", "a\x00b\x07c\x7f", `a\x00b\x07c\x7f`, `a\\x00b\\x07c\\x7f`},
		{"C1 CSI", "a\u009b31m", `a\x9b31m`, `a\\x9b31m`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`, `a\\xffb\\xc3`},
		{"real U+FFFD kept", "a\uFFFDb", "a\uFFFDb", "a\uFFFDb"},
		{"LRM", "a\u200eb", `a\u200eb`, `a\\u200eb`},
		{"RLM", "a\u200fb", `a\u200fb`, `a\\u200fb`},
		{"Arabic letter mark", "a\u061cb", `a\u061cb`, `a\\u061cb`},
		{"RLO override", "evil\u202egpj.exe", `evil\u202egpj.exe`, `evil\\u202egpj.exe`},
		{"LRE, RLE, PDF, LRO", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`, `\\u202a\\u202b\\u202c\\u202d`},
		{"isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`, `\\u2066\\u2067\\u2068\\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`, `a\\u2028b`},
		{"paragraph separator", "a\u2029b", `a\u2029b`, `a\\u2029b`},
		{"zero-width space and BOM", "a\u200bb\ufeff", `a\u200bb\ufeff`, `a\\u200bb\\ufeff`},
		{"tag character", "a\U000E0041", `a\U000e0041`, `a\\U000e0041`},
		{"noncharacter", "a\uffffb", `a\uffffb`, `a\\uffffb`},
		{"accents and emoji kept", "café ✓ 日本", "café ✓ 日本", "café ✓ 日本"},
		{"mention", "ping @team now", "ping @team now", "ping `@team` now"},
		{"team mention", "@org/sec-team: look", "@org/sec-team: look", "`@org/sec-team`: look"},
		{"email is no mention", "mail ops@example.com", "mail ops@example.com", "mail ops@example.com"},
		{"digest is no mention", "nginx@sha256:abc", "nginx@sha256:abc", "nginx@sha256:abc"},
		{"lone at", "a @ b", "a @ b", "a @ b"},
		{"issue ref", "fixes #123.", "fixes #123.", "fixes `#123`."},
		{"cross-repo ref", "see org/repo#7", "see org/repo#7", "see org/repo`#7`"},
		{"GH ref", "GH-12 and gh-3", "GH-12 and gh-3", "`GH-12` and `gh-3`"},
		{"heading is no ref", "# not a ref", "# not a ref", `\# not a ref`},
		{"markdown", "*b* _i_ <img> [l](u) | ~s~ & `c`", "*b* _i_ <img> [l](u) | ~s~ & `c`", `\*b\* \_i\_ \<img\> \[l\](u) \| \~s\~ \& \` + "`c\\`"},
		{"list marker", "- item", "- item", `\- item`},
		{"ordered marker", "12. item", "12. item", `12\. item`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.text, neutralize(tt.in), "text")
			assert.Equal(t, tt.md, mdText(tt.in), "markdown")
		})
	}
}

// TestCodeSpanNeutralizes: text shown as code is neutralised too, and
// mentions inside code do not ping.
func TestCodeSpanNeutralizes(t *testing.T) {
	assert.Equal(t, "`a\\u202eb @team`", codeSpan("a\u202eb @team"))
	assert.Equal(t, "``a`b``", codeSpan("a`b"))
	assert.Equal(t, "`` `a ``", codeSpan("`a"))
}
