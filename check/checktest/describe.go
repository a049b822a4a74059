package checktest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// describe renders o for a test log: a first line "status: message", then,
// indented, the check, every finding with its location, what was expected
// and what was found, the cause, the remediation and the waiver. rep may be
// nil.
func describe(o check.Outcome, rep *check.Report) string {
	var b strings.Builder
	r := o.Result
	msg := r.Message
	if msg == "" {
		msg = "(no message)"
	}
	b.WriteString(r.Status.String())
	b.WriteString(": ")
	b.WriteString(indent(msg, "    "))

	line := func(label, text string) {
		b.WriteString("\n  ")
		b.WriteString(label)
		b.WriteByte(':')
		if !strings.HasPrefix(text, "\n") {
			b.WriteByte(' ')
		}
		b.WriteString(indent(text, "    "))
	}
	m := o.Meta
	id := fmt.Sprintf("%s (severity %s)", m.Name(), m.Severity)
	if m.Title != "" {
		id += ": " + m.Title
	}
	line("check", id)
	for _, f := range r.Findings {
		loc := f.Location.String()
		if loc == "" {
			loc = "(no location)"
		}
		text := loc + ": " + f.Message
		if f.Waived {
			text += " [waived]"
		}
		line("finding", text)
		if f.Expected != "" {
			b.WriteString("\n    expected: ")
			b.WriteString(indent(f.Expected, "      "))
		}
		if f.Actual != "" {
			b.WriteString("\n    found:    ")
			b.WriteString(indent(f.Actual, "      "))
		}
	}
	if r.Err != nil {
		if cause := r.Err.Error(); !strings.Contains(r.Message, cause) {
			line("cause", cause)
		}
		if pe, ok := errors.AsType[*check.PanicError](r.Err); ok && pe.Stack != "" {
			line("stack", "\n"+pe.Stack)
		}
	}
	if o.Abandoned {
		line("abandoned", "the check ignored its context and was left running")
	}
	if m.Remediation != "" && (r.Status == check.StatusFail || r.Status == check.StatusWarn) {
		line("remediation", m.Remediation)
	}
	if w := o.Waiver; w != nil {
		switch w.State {
		case check.WaiverApplied:
			line("waived by", w.Waiver.String())
		case check.WaiverExpired:
			line("waiver", w.Waiver.String()+" has expired and no longer applies")
		case check.WaiverNotApplicable:
			line("waiver", w.Waiver.String()+" matched, but a waiver never hides an "+r.Status.String())
		default:
			line("waiver", fmt.Sprintf("%s covers %d of %d findings; the others remain", w.Waiver, w.Findings, len(r.Findings)))
		}
	}
	return b.String()
}

// indent indents every line of s after the first by prefix.
func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
