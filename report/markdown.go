package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/prodcheck/prodcheck/check"
)

// mdMaxFindings bounds the findings listed under one check in Markdown.
const mdMaxFindings = 10

// Markdown writes r as the checklist it checked, ready for a pull-request
// comment: a summary line, then the sections as headings (the parts of
// Meta.Section separated by " / " become ##, ###, ... headings), and under
// each the checklist lines (Meta.Item; the Title, or the ID, for a check
// without one) as task-list items.
//
// A line is ticked, "- [x] item", only when every check serving it passed.
// Otherwise it is "- [ ] item", annotated "(waived)" when waivers account
// for all its problems or "(skipped)" when its only non-passing checks
// skipped, with a sub-item for each check that did not pass: ID, status,
// severity and message, up to ten findings with their locations, the error,
// the waiver and the remediation.
//
// Section, Item and Title are Markdown from the checklist and appear as
// written; messages, findings, errors and waiver reasons come from the
// deployment and are escaped.
func Markdown(w io.Writer, r *check.Report) error {
	if r == nil {
		return nilReport("markdown")
	}
	var b strings.Builder
	c := r.Counts()
	b.WriteString("**prodcheck**: ")
	if c.Total() == 0 {
		b.WriteString("no checks ran")
	} else {
		fmt.Fprintf(&b, "%s: %s", plural(c.Total(), "check", "checks"), countsText(c))
	}
	if r.Filtered > 0 {
		fmt.Fprintf(&b, "; %d filtered out", r.Filtered)
	}
	b.WriteString("\n")

	root := &mdNode{}
	for _, o := range r.Outcomes {
		root.add(o)
	}
	for _, n := range root.children {
		n.render(&b, r, 0)
	}

	mdWaivers(&b, "Expired waivers", r.ExpiredWaivers)
	mdWaivers(&b, "Unmatched waivers", r.UnmatchedWaivers)
	return write(w, "markdown", []byte(b.String()))
}

// mdNode is a section of the checklist: its own items and its subsections,
// both in first-seen order.
type mdNode struct {
	name     string
	items    []group
	itemIdx  map[string]int
	children []*mdNode
	childIdx map[string]*mdNode
}

func (n *mdNode) add(o check.Outcome) {
	for _, part := range sectionParts(o.Meta.Section) {
		if n.childIdx == nil {
			n.childIdx = make(map[string]*mdNode)
		}
		c, ok := n.childIdx[part]
		if !ok {
			c = &mdNode{name: part}
			n.childIdx[part] = c
			n.children = append(n.children, c)
		}
		n = c
	}
	key := itemLabel(o.Meta)
	if n.itemIdx == nil {
		n.itemIdx = make(map[string]int)
	}
	i, ok := n.itemIdx[key]
	if !ok {
		i = len(n.items)
		n.itemIdx[key] = i
		n.items = append(n.items, group{key: key})
	}
	n.items[i].outcomes = append(n.items[i].outcomes, o)
}

// sectionParts splits a section path on " / "; an empty section is
// "Other".
func sectionParts(section string) []string {
	var parts []string
	for p := range strings.SplitSeq(section, " / ") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return []string{otherSection}
	}
	return parts
}

// itemLabel is the checklist line m serves: its Item, else its Title, else
// its ID as code.
func itemLabel(m check.Meta) string {
	switch {
	case strings.TrimSpace(m.Item) != "":
		return mdLine(m.Item)
	case strings.TrimSpace(m.Title) != "":
		return mdLine(m.Title)
	}
	return codeSpan(m.ID)
}

func (n *mdNode) render(b *strings.Builder, r *check.Report, depth int) {
	fmt.Fprintf(b, "\n%s %s\n", strings.Repeat("#", min(depth+2, 6)), mdLine(n.name))
	if len(n.items) > 0 {
		b.WriteByte('\n')
	}
	for _, it := range n.items {
		mdItem(b, r, it)
	}
	for _, c := range n.children {
		c.render(b, r, depth+1)
	}
}

func mdItem(b *strings.Builder, r *check.Report, it group) {
	passed, problem, waived, skipped := true, false, false, false
	for _, o := range it.outcomes {
		s := o.Result.Status
		if s == check.StatusPass {
			continue
		}
		passed = false
		switch {
		case isWaived(o):
			waived = true
		case s == check.StatusSkip:
			skipped = true
		default:
			problem = true
		}
	}
	if passed {
		fmt.Fprintf(b, "- [x] %s\n", it.key)
		return
	}
	note := ""
	switch {
	case problem:
	case waived:
		note = " _(waived)_"
	case skipped:
		note = " _(skipped)_"
	}
	fmt.Fprintf(b, "- [ ] %s%s\n", it.key, note)
	for _, o := range it.outcomes {
		if o.Result.Status != check.StatusPass {
			mdCheck(b, r, o)
		}
	}
}

func mdCheck(b *strings.Builder, r *check.Report, o check.Outcome) {
	status := statusName(o)
	if isWaived(o) {
		status += ", waived"
	}
	if o.Abandoned {
		status += ", abandoned"
	}
	fmt.Fprintf(b, "  - %s **%s** (%s)", codeSpan(o.Meta.ID), status, o.Meta.Severity)
	if msg := mdText(o.Result.Message); msg != "" {
		b.WriteString(": " + msg)
	}
	b.WriteByte('\n')
	sub := func(s string) { b.WriteString("    - " + s + "\n") }
	fs := o.Result.Findings
	for _, f := range fs[:min(len(fs), mdMaxFindings)] {
		sub(mdFinding(f))
	}
	if more := len(fs) - mdMaxFindings; more > 0 {
		sub(fmt.Sprintf("… and %s", plural(more, "more finding", "more findings")))
	}
	if e := errText(o.Result); e != "" {
		sub("Error: " + mdText(e))
	}
	if note := waiverNote(r, o); note != "" {
		sub(mdText(upperFirst(note)))
	}
	if showRemediation(o) {
		sub("Fix: " + mdText(o.Meta.Remediation))
	}
}

// mdFinding renders f as "`location`: message (expected `x`, found `y`)".
func mdFinding(f check.Finding) string {
	var b strings.Builder
	if loc := f.Location.String(); loc != "" {
		b.WriteString(codeSpan(loc) + ": ")
		b.WriteString(mdEscape(mdLine(f.Message)))
	} else {
		b.WriteString(mdText(f.Message))
	}
	switch {
	case f.Expected != "" && f.Actual != "":
		fmt.Fprintf(&b, " (expected %s, found %s)", codeSpan(f.Expected), codeSpan(f.Actual))
	case f.Expected != "":
		fmt.Fprintf(&b, " (expected %s)", codeSpan(f.Expected))
	case f.Actual != "":
		fmt.Fprintf(&b, " (found %s)", codeSpan(f.Actual))
	}
	if f.Waived {
		b.WriteString(" _(waived)_")
	}
	return b.String()
}

func mdWaivers(b *strings.Builder, title string, ws []check.Waiver) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(b, "\n**%s**\n\n", title)
	for _, w := range ws {
		fmt.Fprintf(b, "- %s: %s\n", codeSpan(w.ID), mdEscape(mdLine(waiverText(w))))
	}
}

// mdLine makes s one line of valid UTF-8: line breaks and tabs become
// spaces, other control characters U+FFFD.
func mdLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			return utf8.RuneError
		}
		return r
	}, strings.TrimSpace(s))
}

// mdText is s on one line with Markdown escaped, safe at the start of a
// list item.
func mdText(s string) string { return mdLeading(mdEscape(mdLine(s))) }

// mdEscape escapes the characters that would make s Markdown or HTML:
// emphasis, code, links, images, HTML tags and entities, tables and
// strikethrough.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdLeading escapes what would start a block at the beginning of a list
// item: a heading, a list marker, a setext underline.
func mdLeading(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '-', '+', '=':
		return `\` + s
	}
	i := 0
	for i < len(s) && i < 10 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + `\` + s[i:]
	}
	return s
}

// codeSpan renders s as inline code, with a fence longer than any run of
// backticks in s.
func codeSpan(s string) string {
	s = mdLine(s)
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return strings.ToUpper(string(r)) + s[n:]
}
