package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the one sanitiser every format uses for text that comes
// from a check (messages, findings, errors, targets, stacks): a check's
// input may come from a pull request, so its text may try to drive a
// terminal, reorder what a reader sees, or ping people in a comment.

// neutralize makes s safe to show: every rune that could drive a terminal
// or change how the text around it reads becomes a visible escape, \xNN
// for a byte or a rune below U+0100, \uNNNN or \UNNNNNNNN otherwise:
//   - invalid UTF-8;
//   - control characters (C0 other than newline and tab, DEL, C1);
//   - format characters (Unicode Cf): the bidirectional marks, embeddings,
//     overrides and isolates (U+200E/F, U+061C, U+202A-202E,
//     U+2066-2069), zero-width characters, the BOM, tag characters;
//   - the line and paragraph separators U+2028 and U+2029;
//   - the noncharacters U+FFFE and U+FFFF, which XML cannot carry.
//
// Newlines and tabs are kept; a format that needs one line folds them
// first.
func neutralize(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeRune(r) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r):
			b.WriteString(s[i : i+n])
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether neutralize escapes r.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0xa0:
		return r >= 0x80 // C1
	case r == 0x2028 || r == 0x2029 || r == 0xfffe || r == 0xffff:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// oneLine folds line breaks and tabs into spaces and trims s, for formats
// that show a text on one line. It works on bytes, so invalid UTF-8 is
// left for neutralize to show.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return strings.TrimSpace(s)
	}
	b := []byte(s)
	n := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			b[n] = ' '
		case '\n', '\t':
			b[n] = ' '
		default:
			b[n] = c
		}
		n++
	}
	return strings.TrimSpace(string(b[:n]))
}

// mdProse renders s, already neutralised and on one line, as Markdown
// prose: Markdown and HTML syntax is escaped, and GitHub references are
// put in code spans, where GitHub neither notifies nor links: @mentions
// (a user or a team, "@org/team") at the start of a word, and issue
// references ("#123", "owner/repo#123", "GH-123").
func mdProse(s string) string {
	var b strings.Builder
	plain := 0
	for i := 0; i < len(s); {
		n := refLen(s, i)
		if n == 0 {
			i++
			continue
		}
		b.WriteString(mdEscape(s[plain:i]))
		b.WriteString(codeSpan(s[i : i+n]))
		i += n
		plain = i
	}
	b.WriteString(mdEscape(s[plain:]))
	return b.String()
}

// refLen returns the length of the GitHub reference starting at s[i], or
// 0 if none does.
func refLen(s string, i int) int {
	wordBefore := i > 0 && isWordByte(s[i-1])
	switch {
	case s[i] == '@' && !wordBefore && i+1 < len(s) && isAlnum(s[i+1]):
		j := i + 1
		for j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_' || (s[j] == '/' && j+1 < len(s) && isAlnum(s[j+1]))) {
			j++
		}
		return j - i
	case s[i] == '#' && i+1 < len(s) && isDigit(s[i+1]):
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return j - i
	case !wordBefore && (strings.HasPrefix(s[i:], "GH-") || strings.HasPrefix(s[i:], "gh-")) && i+3 < len(s) && isDigit(s[i+3]):
		j := i + 3
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return j - i
	}
	return 0
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }
