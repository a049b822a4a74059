package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/prodcheck/prodcheck/check"
)

// Markdown writes r as the checklist it checked, ready for a pull-request
// comment. It leads with the summary (the verdict under the run's policy,
// the counts, and the checks that fail the run, most severe first), then
// the sections as headings (the parts of Meta.Section separated by " / "
// become ##, ###, ... headings), ordered as [Options].Order says, and
// under each the checklist lines (Meta.Item; the Title, or the ID, for a
// check without one) as task-list items.
//
// A line is ticked, "- [x] item", only when every check serving it passed
// with no finding. Otherwise it is "- [ ] item", annotated "(waived)" when
// waivers account for all its problems or "(skipped)" when its only
// non-passing checks skipped, with a sub-item for each check that did not
// pass: its name (ID and target), status, severity and message, its
// findings (collapsed and capped, see [Options].MaxFindings), the error, a
// panic's stack in a collapsed block, the waiver and the remediation.
// Expired and unmatched waivers close the comment.
//
// The comment is capped at [Options].MaxSize bytes: what does not fit is
// left out, a whole checklist line at a time, and a closing note says how
// many checks and bytes were left out and where the full report is
// ([Options].FullReport).
//
// Section, Item and Title are Markdown from the checklist and appear as
// written (neutralised, see the package documentation); messages,
// findings, errors, targets and waiver reasons come from the deployment
// and are escaped, with @mentions and issue references put in code spans
// so that a comment neither notifies nor links anyone.
func Markdown(w io.Writer, r *check.Report, opts Options) error {
	if r == nil {
		return nilReport("markdown")
	}
	s := summarize(r)
	outcomes := ordered(r, opts)
	sh := findSharedErrors(outcomes)
	var blocks []mdBlock
	add := func(text string, checks int) { blocks = append(blocks, mdBlock{text, checks}) }

	add(fmt.Sprintf("**prodcheck: %s**: %s\n\n%s\n", s.word(), mdEscape(s.verdict()), mdEscape(s.countsLine(nil))), 0)
	if len(s.failing) > 0 {
		var b strings.Builder
		b.WriteString("\n**Failing, most severe first:**\n\n")
		for _, o := range s.failing[:min(len(s.failing), summaryWorst)] {
			b.WriteString("- " + mdCheckLine(sh.brief(o)) + "\n")
		}
		if more := len(s.failing) - summaryWorst; more > 0 {
			fmt.Fprintf(&b, "- … and %d more\n", more)
		}
		add(b.String(), 0)
	}

	mdShared(add, sh, opts)
	root := &mdNode{}
	for _, o := range outcomes {
		root.add(sh.brief(o))
	}
	for _, n := range root.children {
		n.render(add, opts, 0)
	}
	mdWaivers(add, "Expired waivers", r.ExpiredWaivers)
	mdWaivers(add, "Unmatched waivers", r.UnmatchedWaivers)
	return write(w, "markdown", []byte(mdCap(blocks, len(r.Outcomes), opts)))
}

// An mdBlock is a piece of the comment that is kept or left out whole: the
// summary, a heading, a checklist line with its checks, a waiver list.
type mdBlock struct {
	text   string
	checks int // outcomes it shows
}

// mdCap joins blocks, leaving out the blocks from the first that does not
// fit in opts.MaxSize, and says so in a closing note.
func mdCap(blocks []mdBlock, total int, opts Options) string {
	limit := opts.MaxSize
	if limit == 0 {
		limit = defaultMaxSize
	}
	size := 0
	for _, bl := range blocks {
		size += len(bl.text)
	}
	var b strings.Builder
	if limit < 0 || size <= limit {
		for _, bl := range blocks {
			b.WriteString(bl.text)
		}
		return b.String()
	}
	note := func(checks, bytes int) string {
		where := "render the report as text or JSON to see all of it."
		if full := mdLine(opts.FullReport); full != "" {
			where = "the full report is at " + full + "."
		}
		return fmt.Sprintf("\n---\n\n_This comment was cut to stay under GitHub's size limit: %d of %d checks (%s) are left out; %s_\n",
			checks, total, plural(bytes, "byte", "bytes"), where)
	}
	// Reserve room for the note with the largest numbers it can hold.
	budget := limit - len(note(total, size))
	kept, i := 0, 0
	for ; i < len(blocks) && kept+len(blocks[i].text) <= budget; i++ {
		b.WriteString(blocks[i].text)
		kept += len(blocks[i].text)
	}
	left := 0
	for _, bl := range blocks[i:] {
		left += bl.checks
	}
	b.WriteString(note(left, size-kept))
	return b.String()
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

func (n *mdNode) render(add func(string, int), opts Options, depth int) {
	heading := fmt.Sprintf("\n%s %s\n", strings.Repeat("#", min(depth+2, 6)), mdLine(n.name))
	if len(n.items) > 0 {
		heading += "\n"
	}
	add(heading, 0)
	for _, it := range n.items {
		add(mdItem(it, opts), len(it.outcomes))
	}
	for _, c := range n.children {
		c.render(add, opts, depth+1)
	}
}

// mdPassed reports whether o ticks its line: a Pass with no finding.
func mdPassed(o check.Outcome) bool {
	return o.Result.Status == check.StatusPass && len(o.Result.Findings) == 0
}

func mdItem(it group, opts Options) string {
	passed, problem, waived, skipped := true, false, false, false
	for _, o := range it.outcomes {
		if mdPassed(o) {
			continue
		}
		passed = false
		switch {
		case isWaived(o):
			waived = true
		case o.Result.Status == check.StatusSkip:
			skipped = true
		default:
			problem = true
		}
	}
	var b strings.Builder
	if passed {
		fmt.Fprintf(&b, "- [x] %s\n", it.key)
		return b.String()
	}
	note := ""
	switch {
	case problem:
	case waived:
		note = " _(waived)_"
	case skipped:
		note = " _(skipped)_"
	}
	fmt.Fprintf(&b, "- [ ] %s%s\n", it.key, note)
	for _, o := range it.outcomes {
		if !mdPassed(o) {
			mdCheck(&b, o, opts)
		}
	}
	return b.String()
}

// mdCheckLine names a check with its status, severity and message:
// "`id [target]` **fail** (high): message".
func mdCheckLine(o check.Outcome) string {
	status := statusName(o)
	if isWaived(o) {
		status += ", waived"
	}
	if o.Abandoned {
		status += ", abandoned"
	}
	s := fmt.Sprintf("%s **%s** (%s)", codeSpan(o.Meta.Name()), status, o.Meta.Severity)
	if msg := mdText(o.Result.Message); msg != "" {
		s += ": " + msg
	}
	return s
}

var mdFindingStyle = findingStyle{
	text:   func(s string) string { return mdProse(mdLine(s)) },
	code:   codeSpan,
	waived: "_(waived)_",
}

func mdCheck(b *strings.Builder, o check.Outcome, opts Options) {
	b.WriteString("  - " + mdCheckLine(o) + "\n")
	sub := func(s string) { b.WriteString("    - " + s + "\n") }
	fl := listFindings(o.Result.Findings, opts.maxFindings())
	for _, g := range fl.groups {
		sub(mdLeading(fl.line(g, mdFindingStyle)))
	}
	if fl.more > 0 {
		sub(moreText(fl.more))
	}
	if e := errText(o.Result); e != "" {
		sub("Error: " + mdText(e))
	}
	if st := panicStack(o.Result); st != "" {
		sub("<details><summary>Stack</summary>\n\n" + codeBlock(neutralize(st), "      ") + "\n      </details>")
	}
	if note := waiverNote(o); note != "" {
		sub(mdText(upperFirst(note)))
	}
	if showRemediation(o) {
		sub("Fix: " + mdText(o.Meta.Remediation))
	}
}

// codeBlock renders s as a fenced code block, every line indented by
// indent, with a fence longer than any run of backticks in s.
func codeBlock(s, indent string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	var b strings.Builder
	b.WriteString(indent + fence + "text\n")
	for line := range strings.SplitSeq(s, "\n") {
		b.WriteString(indent + line + "\n")
	}
	b.WriteString(indent + fence + "\n")
	return b.String()
}

func longestRun(s string, c rune) int {
	run, longest := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

func mdWaivers(add func(string, int), title string, ws []check.Waiver) {
	if len(ws) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n**%s**\n\n", title)
	for _, w := range ws {
		fmt.Fprintf(&b, "- %s: %s\n", codeSpan(w.ID), mdProse(mdLine(waiverText(w))))
	}
	add(b.String(), 0)
}

// mdLine makes s one line, neutralised (see neutralize).
func mdLine(s string) string { return neutralize(oneLine(s)) }

// mdText is s on one line as Markdown prose (see mdProse), safe at the
// start of a list item.
func mdText(s string) string { return mdLeading(mdProse(mdLine(s))) }

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

// codeSpan renders s, on one line and neutralised, as inline code, with a
// fence longer than any run of backticks in s.
func codeSpan(s string) string {
	s = mdLine(s)
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
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

// mdShared lists each error that stopped several checks once: its target
// and cause, the findings and stack of the first check, and the IDs of
// the checks it stopped.
func mdShared(add func(string, int), sh *sharedErrors, opts Options) {
	if len(sh.groups) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\n**Errors that stopped several checks:**\n\n")
	for _, g := range sh.groups {
		b.WriteString("- **error** " + codeSpan(g.target) + ": " + mdText(g.cause) + "\n")
		sub := func(s string) { b.WriteString("  - " + s + "\n") }
		fl := listFindings(g.first.Result.Findings, opts.maxFindings())
		for _, fg := range fl.groups {
			sub(mdLeading(fl.line(fg, mdFindingStyle)))
		}
		if fl.more > 0 {
			sub(moreText(fl.more))
		}
		if st := panicStack(g.first.Result); st != "" {
			sub("<details><summary>Stack</summary>\n\n" + codeBlock(neutralize(st), "    ") + "\n    </details>")
		}
		ids := make([]string, 0, len(g.outcomes))
		for _, id := range g.ids() {
			ids = append(ids, codeSpan(id))
		}
		sub("Stopped " + plural(len(g.outcomes), "check", "checks") + ": " + strings.Join(ids, ", "))
	}
	add(b.String(), 0)
}
