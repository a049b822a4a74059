package checklist

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// ChecklistOptions configures [WriteChecklist].
type ChecklistOptions struct {
	// Color adds ANSI colours to the marks (use report.ColorAuto).
	Color bool
	// MaxNames bounds the outcomes named on a line that does not pass;
	// 0 means 3.
	MaxNames int
}

// WriteChecklist writes the checklist as the source document reads, with
// its marks filled in from rep (the report s summarises): every section heading and every line, in
// the document's order, each with a mark and what decided it.
//
//	[x]  passed: every check serving the line passed (skips aside)
//	[ ]  failed, or could not be decided (error): the outcomes are named
//	[~]  a warning
//	[-]  skipped: not configured, not applicable, or waived
//	[?]  not run: no outcome serves the line (filtered out of the run)
//
// The kind of a line that no machine verifies is said: "attestation" or
// "not yet automated", so none passes for automated by mistake.
func WriteChecklist(w io.Writer, s Summary, rep *check.Report, opts ChecklistOptions) error {
	bw := bufio.NewWriter(w)
	maxNames := opts.MaxNames
	if maxNames <= 0 {
		maxNames = 3
	}
	var top, sub string
	for _, l := range s.Lines {
		parts := strings.SplitN(l.Item.Section, " / ", 2)
		if parts[0] != top {
			top, sub = parts[0], ""
			fmt.Fprintf(bw, "\n## %s\n", top)
		}
		if len(parts) == 2 && parts[1] != sub {
			sub = parts[1]
			fmt.Fprintf(bw, "### %s\n", sub)
		}
		mark, word := markOf(l.Status)
		if opts.Color {
			mark = colorMark(l.Status, mark)
		}
		fmt.Fprintf(bw, "- %s %s", mark, l.Item.Text)
		switch {
		case l.Item.Kind == NotAutomated && l.Status != check.StatusUnknown:
			// Its placeholder's warning is the whole story: say why.
			fmt.Fprintf(bw, "  — not yet automated: %s\n", firstLine(l.Item.Why))
		case l.Item.Kind == Attested:
			fmt.Fprintf(bw, "  — attestation; %s\n", lineDetail(l, word, rep, maxNames))
		default:
			fmt.Fprintf(bw, "  — %s\n", lineDetail(l, word, rep, maxNames))
		}
	}
	return bw.Flush()
}

// markOf returns the box and the word for a line's status.
func markOf(st check.Status) (mark, word string) {
	switch st {
	case check.StatusPass:
		return "[x]", "passed"
	case check.StatusFail:
		return "[ ]", "FAILED"
	case check.StatusError:
		return "[ ]", "ERROR"
	case check.StatusWarn:
		return "[~]", "warning"
	case check.StatusSkip:
		return "[-]", "skipped"
	}
	return "[?]", "not run"
}

func colorMark(st check.Status, mark string) string {
	code := ""
	switch st {
	case check.StatusPass:
		code = "32"
	case check.StatusFail, check.StatusError:
		code = "31"
	case check.StatusWarn:
		code = "33"
	default:
		return mark
	}
	return "\x1b[" + code + "m" + mark + "\x1b[0m"
}

// lineDetail says what decided a line: how many outcomes, and the names
// of those that did not pass (or, for a skipped line, the reason).
func lineDetail(l Line, word string, rep *check.Report, maxNames int) string {
	if l.Outcomes == 0 {
		return word + ": no check of this run serves it"
	}
	var bad []string
	var skipReason string
	for _, i := range l.served {
		o := rep.Outcomes[i]
		st := o.Result.Status
		switch {
		case o.Waived():
			if skipReason == "" {
				skipReason = "waived: " + o.Waiver.Waiver.Reason
			}
		case st == check.StatusSkip:
			if skipReason == "" {
				skipReason = o.Result.Message
			}
		case st == l.Status && st != check.StatusPass:
			bad = append(bad, o.Meta.Name())
		}
	}
	checks := plural(l.Outcomes, "check")
	switch {
	case l.Status == check.StatusPass:
		s := word + " (" + checks
		if l.Waived > 0 {
			s += fmt.Sprintf(", %d waived", l.Waived)
		}
		return s + ")"
	case l.Status == check.StatusSkip:
		return word + ": " + firstLine(skipReason)
	}
	named := bad
	if len(named) > maxNames {
		named = append(named[:maxNames:maxNames], fmt.Sprintf("%d more", len(bad)-maxNames))
	}
	return fmt.Sprintf("%s: %d of %s: %s", word, len(bad), checks, strings.Join(named, ", "))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const max = 160
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}
