package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/prodcheck/prodcheck/check"
)

// ColorAuto reports whether output to f should be coloured: f is a
// terminal (isatty), NO_COLOR is unset or empty, and TERM is
// not "dumb". getenv looks up environment variables; nil means os.Getenv.
//
//	opts := report.Options{Color: report.ColorAuto(os.Stdout, nil)}
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

// Text writes r for a person at a terminal. It leads with a summary: the
// verdict under the run's policy (PASSED or FAILED, and why), the counts,
// and the checks that fail the run, most severe first. Then come the
// outcomes grouped by section (see [Order]; outcomes without a section
// under "Other"), one line per check with a mark, its name (ID and
// target), severity and message, and indented beneath it its findings
// (collapsed and capped, see [Options].MaxFindings), error, panic stack,
// waiver and remediation. It closes with the verdict and counts on one
// line, and the expired and unmatched waivers.
//
// The marks are ✓ pass, ✗ fail, ! warn, - skip, E error, and ~ for a
// waived failure or warning. Text from results is neutralised (see the
// package documentation), so a result can neither drive the terminal nor
// reorder what is shown.
func Text(w io.Writer, r *check.Report, opts Options) error {
	if r == nil {
		return nilReport("text")
	}
	t := &textWriter{opts: opts, policy: r.Policy}
	for _, o := range r.Outcomes {
		t.nameWidth = max(t.nameWidth, min(utf8.RuneCountInString(neutralize(o.Meta.Name())), maxNameWidth))
	}
	s := summarize(r)
	outcomes := ordered(r, opts)
	t.sh = findSharedErrors(outcomes)
	t.head(s, r)
	t.shared()
	for _, g := range bySection(outcomes) {
		t.b.WriteByte('\n')
		t.b.WriteString(t.color(sgrBold, oneLine(neutralize(g.key))))
		t.b.WriteByte('\n')
		for _, o := range g.outcomes {
			t.outcome(t.sh.brief(o))
		}
	}
	t.tail(s, r)
	return write(w, "text", []byte(t.b.String()))
}

// maxNameWidth caps the column of check names, so that one long target
// does not push every line to the right.
const maxNameWidth = 40

type textWriter struct {
	opts      Options
	policy    check.Policy
	b         strings.Builder
	nameWidth int
	sh        *sharedErrors
}

// shared writes each error that stopped several checks once: its target
// and cause, the findings and stack of the first check, and the IDs of
// the checks it stopped.
func (t *textWriter) shared() {
	if len(t.sh.groups) == 0 {
		return
	}
	t.b.WriteString("\n" + t.color(sgrBold, "Errors that stopped several checks") + "\n")
	for _, g := range t.sh.groups {
		t.lines(textSubIndent, textIndent+t.color(sgrError, "E")+" "+neutralize(g.target+": "+g.cause))
		fl := listFindings(g.first.Result.Findings, t.opts.maxFindings())
		for _, fg := range fl.groups {
			t.item("- " + neutralize(fl.line(fg, textFindingStyle)))
		}
		if fl.more > 0 {
			t.item("- " + moreText(fl.more))
		}
		if st := panicStack(g.first.Result); st != "" {
			t.item("stack:")
			t.b.WriteString(textSubIndent + "  ")
			t.lines(textSubIndent+"  ", neutralize(st))
		}
		t.item(neutralize("stopped " + plural(len(g.outcomes), "check", "checks") + ": " + strings.Join(g.ids(), ", ")))
	}
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

// verdictWord is PASSED or FAILED, coloured.
func (t *textWriter) verdictWord(s summary) string {
	if s.passed {
		return t.color(sgrBold+";"+sgrGreen, s.word())
	}
	return t.color(sgrError, s.word())
}

// counts is the shared counts line, coloured, with the run's duration.
func (t *textWriter) counts(s summary, r *check.Report) string {
	line := s.countsLine(func(p countPart) string {
		if p.n == 0 {
			return p.text
		}
		switch p.kind {
		case "pass":
			return t.color(sgrGreen, p.text)
		case "warn":
			return t.color(sgrYellow, p.text)
		case "fail":
			return t.color(sgrRed, p.text)
		case "error", "abandoned":
			return t.color(sgrError, p.text)
		case "waived":
			return t.color(sgrCyan, p.text)
		}
		return p.text
	})
	if !t.opts.NoTimings {
		line += " in " + fmtDuration(r.Duration)
	}
	return line
}

// head writes the summary that leads the report.
func (t *textWriter) head(s summary, r *check.Report) {
	t.b.WriteString(t.verdictWord(s) + ": " + s.verdict() + "\n")
	t.b.WriteString(t.counts(s, r) + "\n")
	if len(s.failing) == 0 {
		return
	}
	t.b.WriteString("Failing, most severe first:\n")
	for _, o := range s.failing[:min(len(s.failing), summaryWorst)] {
		t.b.WriteString(t.checkLine(t.sh.brief(o), false))
		t.b.WriteByte('\n')
	}
	if more := len(s.failing) - summaryWorst; more > 0 {
		fmt.Fprintf(&t.b, "%s  … and %d more\n", textIndent, more)
	}
}

// tail closes the report: the verdict and counts on one line (for a
// report that has outcomes to scroll past), then the expired and
// unmatched waivers.
func (t *textWriter) tail(s summary, r *check.Report) {
	if len(r.Outcomes) > 0 {
		t.b.WriteString("\n" + t.verdictWord(s) + ": " + t.counts(s, r) + "\n")
	}
	for _, w := range r.ExpiredWaivers {
		t.b.WriteString(t.color(sgrYellow, "expired waiver: ") + oneLine(neutralize(w.String())) + "\n")
	}
	for _, w := range r.UnmatchedWaivers {
		t.b.WriteString(t.color(sgrYellow, "unmatched waiver: ") + oneLine(neutralize(w.String())) + "\n")
	}
}

// checkLine is the line naming a check: mark, name, severity and the
// first line of the message, with the tags in brackets when withTags.
func (t *textWriter) checkLine(o check.Outcome, withTags bool) string {
	name := oneLine(neutralize(o.Meta.Name()))
	pad := max(t.nameWidth-utf8.RuneCountInString(name), 0)
	line := o.Result.Message
	if withTags {
		var tags []string
		if isWaived(o) {
			tags = append(tags, "waived "+o.Result.Status.String())
		}
		if o.Result.Status == check.StatusFail && !isWaived(o) && !t.policy.Fails(o) {
			tags = append(tags, "below the threshold")
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
	} else if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i] + " …"
	}
	return fmt.Sprintf("%s%s %s%s  %-8s  %s", textIndent, t.mark(o), name, strings.Repeat(" ", pad), o.Meta.Severity, neutralize(line))
}

var textFindingStyle = findingStyle{
	text:   func(s string) string { return s },
	code:   func(s string) string { return s },
	waived: "(waived)",
}

func (t *textWriter) outcome(o check.Outcome) {
	t.lines(textSubIndent, t.checkLine(o, true))

	fl := listFindings(o.Result.Findings, t.opts.maxFindings())
	for _, g := range fl.groups {
		t.item("- " + neutralize(fl.line(g, textFindingStyle)))
	}
	if fl.more > 0 {
		t.item("- " + moreText(fl.more))
	}
	if e := errText(o.Result); e != "" {
		t.item(neutralize("error: " + e))
	}
	if st := panicStack(o.Result); st != "" {
		t.item("stack:")
		t.b.WriteString(textSubIndent + "  ")
		t.lines(textSubIndent+"  ", neutralize(st))
	}
	if note := waiverNote(o); note != "" {
		t.item(t.color(sgrCyan, neutralize(note)))
	}
	if showRemediation(o) {
		t.item(neutralize("fix: " + o.Meta.Remediation))
	}
}

// item writes s, already neutralised, as a line beneath a check.
func (t *textWriter) item(s string) {
	t.b.WriteString(textSubIndent)
	t.lines(textSubIndent+"  ", s)
}

// lines writes s, already neutralised, indenting its continuation lines.
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
