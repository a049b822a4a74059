package report

import (
	"fmt"
	"golang.org/x/term"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/prodcheck/prodcheck/check"
)

// TextOptions configures [Text]. The zero value renders without colour,
// with timings and with every finding.
type TextOptions struct {
	// Color adds ANSI colours. Use [ColorAuto] to decide for a terminal.
	Color bool
	// NoTimings leaves out every duration (per check and for the run), for
	// output that does not change from run to run.
	NoTimings bool
	// MaxFindings bounds the findings listed under one check, followed by
	// "... and N more"; 0 or less lists them all.
	MaxFindings int
}

// ColorAuto reports whether output to f should be coloured: f is a
// terminal (isatty), NO_COLOR is unset or empty, and TERM is
// not "dumb". getenv looks up environment variables; nil means os.Getenv.
//
//	opts := report.TextOptions{Color: report.ColorAuto(os.Stdout, nil)}
func ColorAuto(f *os.File, getenv func(string) string) bool {
	if f == nil {
		return false
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// ANSI SGR parameters.
const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
	sgrError  = "1;31"
)

// Text writes r for a terminal: the outcomes grouped by section in
// first-seen order (outcomes without a section under "Other"), one line per
// check with a mark, its ID, severity and message, then its findings,
// error, waiver and remediation indented beneath, and a closing summary
// with the counts, the duration, and the expired and unmatched waivers.
//
// The marks are ✓ pass, ✗ fail, ! warn, - skip, E error, and ~ for a
// waived failure or warning. Text from results is printed with control
// characters escaped (\x1b), so a result cannot drive the terminal.
func Text(w io.Writer, r *check.Report, opts TextOptions) error {
	if r == nil {
		return nilReport("text")
	}
	t := &textWriter{opts: opts}
	for _, o := range r.Outcomes {
		t.idWidth = max(t.idWidth, utf8.RuneCountInString(o.Meta.ID))
	}
	for i, g := range bySection(r) {
		if i > 0 {
			t.b.WriteByte('\n')
		}
		t.b.WriteString(t.color(sgrBold, cleanTerm(g.key)))
		t.b.WriteByte('\n')
		for _, o := range g.outcomes {
			t.outcome(r, o)
		}
	}
	t.summary(r)
	return write(w, "text", []byte(t.b.String()))
}

type textWriter struct {
	opts    TextOptions
	b       strings.Builder
	idWidth int
}

const (
	textIndent    = "  "
	textSubIndent = "      "
)

func (t *textWriter) color(sgr, s string) string {
	if !t.opts.Color || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

func (t *textWriter) mark(o check.Outcome) string {
	switch {
	case isWaived(o):
		return t.color(sgrCyan, "~")
	case isError(o):
		return t.color(sgrError, "E")
	}
	switch o.Result.Status {
	case check.StatusPass:
		return t.color(sgrGreen, "✓")
	case check.StatusSkip:
		return t.color(sgrDim, "-")
	case check.StatusWarn:
		return t.color(sgrYellow, "!")
	default:
		return t.color(sgrRed, "✗")
	}
}

func (t *textWriter) outcome(r *check.Report, o check.Outcome) {
	id := cleanTerm(o.Meta.ID)
	pad := max(t.idWidth-utf8.RuneCountInString(id), 0)
	fmt.Fprintf(&t.b, "%s%s %s%s  %-8s  ", textIndent, t.mark(o), id, strings.Repeat(" ", pad), o.Meta.Severity)
	line := o.Result.Message
	var tags []string
	if isWaived(o) {
		tags = append(tags, "waived "+o.Result.Status.String())
	}
	if o.Abandoned {
		tags = append(tags, "abandoned")
	}
	if !t.opts.NoTimings && !o.Start.IsZero() {
		tags = append(tags, fmtDuration(o.Duration))
	}
	if len(tags) > 0 {
		if line != "" {
			line += " "
		}
		line += "(" + strings.Join(tags, ", ") + ")"
	}
	t.lines(textSubIndent, cleanTerm(line))

	fs := o.Result.Findings
	limit := len(fs)
	if t.opts.MaxFindings > 0 {
		limit = min(limit, t.opts.MaxFindings)
	}
	for _, f := range fs[:limit] {
		s := "- " + f.String()
		if f.Waived {
			s += " (waived)"
		}
		t.b.WriteString(textSubIndent)
		t.lines(textSubIndent+"  ", cleanTerm(s))
	}
	if more := len(fs) - limit; more > 0 {
		fmt.Fprintf(&t.b, "%s- ... and %d more\n", textSubIndent, more)
	}
	if e := errText(o.Result); e != "" {
		t.b.WriteString(textSubIndent)
		t.lines(textSubIndent+"  ", cleanTerm("error: "+e))
	}
	if note := waiverNote(r, o); note != "" {
		t.b.WriteString(textSubIndent)
		t.lines(textSubIndent+"  ", t.color(sgrCyan, cleanTerm(note)))
	}
	if showRemediation(o) {
		t.b.WriteString(textSubIndent)
		t.lines(textSubIndent+"  ", cleanTerm("fix: "+o.Meta.Remediation))
	}
}

// lines writes s, already cleaned, indenting its continuation lines.
func (t *textWriter) lines(indent, s string) {
	s = strings.TrimRight(s, "\n")
	first := true
	for line := range strings.SplitSeq(s, "\n") {
		if !first {
			t.b.WriteString(indent)
		}
		first = false
		t.b.WriteString(line)
		t.b.WriteByte('\n')
	}
}

func (t *textWriter) summary(r *check.Report) {
	if len(r.Outcomes) > 0 {
		t.b.WriteByte('\n')
	}
	c := r.Counts()
	var b strings.Builder
	if c.Total() == 0 {
		b.WriteString("no checks ran")
	} else {
		count := func(n int, sgr, s string) string {
			if n == 0 {
				return s
			}
			return t.color(sgr, s)
		}
		fmt.Fprintf(&b, "%s: %s, %s, %s, %s, %s",
			plural(c.Total(), "check", "checks"),
			count(c.Pass, sgrGreen, fmt.Sprintf("%d passed", c.Pass)),
			count(c.Warn, sgrYellow, plural(c.Warn, "warning", "warnings")),
			count(c.Fail, sgrRed, fmt.Sprintf("%d failed", c.Fail)),
			count(c.Error, sgrError, plural(c.Error, "error", "errors")),
			fmt.Sprintf("%d skipped", c.Skip))
		var extra []string
		if c.Waived > 0 {
			extra = append(extra, t.color(sgrCyan, fmt.Sprintf("%d waived", c.Waived)))
		}
		if c.Abandoned > 0 {
			extra = append(extra, t.color(sgrError, fmt.Sprintf("%d abandoned", c.Abandoned)))
		}
		if len(extra) > 0 {
			b.WriteString(" (" + strings.Join(extra, ", ") + ")")
		}
	}
	if r.Filtered > 0 {
		fmt.Fprintf(&b, "; %d filtered out", r.Filtered)
	}
	if !t.opts.NoTimings {
		b.WriteString(" in " + fmtDuration(r.Duration))
	}
	t.b.WriteString(b.String())
	t.b.WriteByte('\n')
	for _, w := range r.ExpiredWaivers {
		t.b.WriteString(t.color(sgrYellow, "expired waiver: ") + cleanTerm(w.String()) + "\n")
	}
	for _, w := range r.UnmatchedWaivers {
		t.b.WriteString(t.color(sgrYellow, "unmatched waiver: ") + cleanTerm(w.String()) + "\n")
	}
}

// cleanTerm escapes what could drive a terminal: C0 and C1 control
// characters other than newline and tab, invalid UTF-8, and bidirectional
// overrides. Each becomes a visible \xNN or \uNNNN.
func cleanTerm(s string) string {
	clean := true
	for _, r := range s {
		if unsafeTermRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == utf8.RuneError:
			b.WriteString(s[i : i+n]) // a real U+FFFD
		case unsafeTermRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeTermRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func unsafeTermRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == utf8.RuneError:
		return true // may be invalid UTF-8; checked byte-wise in cleanTerm
	}
	return false
}
