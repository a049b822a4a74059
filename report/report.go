package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// Options configures every renderer: [Text], [JSON], [JUnit] and
// [Markdown] take the same type, and each reads the fields that apply to
// it. The zero value gives the defaults documented on each field.
type Options struct {
	// Color adds ANSI colours. Text only. Use [ColorAuto] to decide it
	// for a terminal.
	Color bool
	// NoTimings leaves out every duration (per check and for the run),
	// for output that does not change from run to run. Text only: JSON
	// and JUnit always carry durations, Markdown never shows them.
	NoTimings bool
	// MaxFindings bounds what is listed under one check, after findings
	// that differ only in their location are collapsed into one line:
	// at most MaxFindings lines, each with at most MaxFindings locations,
	// followed by "… and N more findings". 0 means 10; a negative value
	// lists everything. Text, Markdown and JUnit; JSON keeps every
	// finding.
	MaxFindings int
	// Order is the order of sections and of checks within a section.
	// Text and Markdown; JSON keeps the run's order and JUnit its
	// sections in first-seen order.
	Order Order
	// MaxSize caps the Markdown comment in bytes (so in characters too),
	// because GitHub rejects comments over 65,536 characters: what does
	// not fit is left out, whole checks at a time, and a closing note
	// says how much and where the full report is (FullReport). 0 means
	// 60,000; a negative value means no cap. Markdown only.
	MaxSize int
	// FullReport says where the full report is (a URL or a path), named
	// in the note that closes a Markdown comment cut by MaxSize. It is
	// written as given, like the checklist's own text. Markdown only.
	FullReport string
}

// Order is how [Text] and [Markdown] order what they show.
type Order int

const (
	// OrderSeverity, the default, puts first the sections with outcomes
	// that fail the run, the most severe first, then the sections with
	// other problems (failures below the threshold, warnings), then the
	// rest; within a section, checks follow the same rule. Ties keep the
	// run's order.
	OrderSeverity Order = iota
	// OrderChecklist keeps the run's order: sections in first-seen order,
	// checks in the order they were given to the Runner.
	OrderChecklist
)

const (
	defaultMaxFindings = 10
	defaultMaxSize     = 60_000
	// summaryWorst is how many failing checks the summary names.
	summaryWorst = 5
)

func (o Options) maxFindings() int {
	switch {
	case o.MaxFindings == 0:
		return defaultMaxFindings
	case o.MaxFindings < 0:
		return int(^uint(0) >> 1)
	}
	return o.MaxFindings
}

// otherSection is the heading of outcomes whose Meta.Section is empty.
const otherSection = "Other"

// sectionName returns the heading for section s.
func sectionName(s string) string {
	if strings.TrimSpace(s) == "" {
		return otherSection
	}
	return s
}

// group is the outcomes of one key, in report order.
type group struct {
	key      string
	outcomes []check.Outcome
}

// groupBy groups outcomes by key in first-seen order.
func groupBy(outcomes []check.Outcome, key func(check.Outcome) string) []group {
	var gs []group
	idx := make(map[string]int)
	for _, o := range outcomes {
		k := key(o)
		i, ok := idx[k]
		if !ok {
			i = len(gs)
			idx[k] = i
			gs = append(gs, group{key: k})
		}
		gs[i].outcomes = append(gs[i].outcomes, o)
	}
	return gs
}

// bySection groups outcomes by section heading in first-seen order.
func bySection(outcomes []check.Outcome) []group {
	return groupBy(outcomes, func(o check.Outcome) string { return sectionName(o.Meta.Section) })
}

// The classes of [rank], best shown first.
const (
	classFailing = iota // fails the run under the policy
	classProblem        // an unwaived Fail or Warn that does not fail the run
	classRest           // passes, skips, waived outcomes
)

// rank orders outcomes for OrderSeverity: by class, then most severe first
// within the first two classes.
type rank struct{ class, severity int }

func rankOf(p check.Policy, o check.Outcome) rank {
	switch {
	case p.Fails(o):
		return rank{classFailing, -int(o.Meta.Severity)}
	case !isWaived(o) && (o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn):
		return rank{classProblem, -int(o.Meta.Severity)}
	}
	return rank{classRest, 0}
}

func (a rank) cmp(b rank) int {
	return cmp.Or(cmp.Compare(a.class, b.class), cmp.Compare(a.severity, b.severity))
}

// ordered returns r's outcomes in the order opts asks for. Sections stay
// together, in first-seen order for OrderChecklist, else ranked by their
// best-ranked outcome; outcomes are ranked within their section. The sort
// is stable, so ties keep the run's order.
func ordered(r *check.Report, opts Options) []check.Outcome {
	out := slices.Clone(r.Outcomes)
	if opts.Order == OrderChecklist {
		return out
	}
	sections := bySection(out)
	best := make(map[string]rank, len(sections))
	for _, g := range sections {
		b := rank{classRest + 1, 0}
		for _, o := range g.outcomes {
			if rk := rankOf(r.Policy, o); rk.cmp(b) < 0 {
				b = rk
			}
		}
		best[g.key] = b
	}
	slices.SortStableFunc(sections, func(a, b group) int { return best[a.key].cmp(best[b.key]) })
	out = out[:0]
	for _, g := range sections {
		slices.SortStableFunc(g.outcomes, func(a, b check.Outcome) int {
			return rankOf(r.Policy, a).cmp(rankOf(r.Policy, b))
		})
		out = append(out, g.outcomes...)
	}
	return out
}

// isWaived reports whether the outcome's failure is accepted, as the
// Runner recorded it. A waiver never hides an Error, whatever a report
// read from elsewhere says.
func isWaived(o check.Outcome) bool {
	return o.Waived() && (o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn)
}

// isError reports whether o counts as an Error: Error, or a status no
// check may answer (Unknown or out of range), as [check.Report.Counts]
// counts it.
func isError(o check.Outcome) bool {
	switch o.Result.Status {
	case check.StatusPass, check.StatusSkip, check.StatusWarn, check.StatusFail:
		return false
	}
	return true
}

// statusName is the lower-case name of o's status, "error" for statuses
// that count as errors.
func statusName(o check.Outcome) string {
	if isError(o) {
		return check.StatusError.String()
	}
	return o.Result.Status.String()
}

// errText returns the text of the result's error when it says more than
// the message, or "".
func errText(res check.Result) string {
	if res.Err == nil {
		return ""
	}
	t := res.Err.Error()
	if t == "" || t == res.Message || strings.Contains(res.Message, t) {
		return ""
	}
	return t
}

// panicStack returns the trimmed stack of a panicking check (or source
// load), or "".
func panicStack(res check.Result) string {
	var pe *check.PanicError
	if errors.As(res.Err, &pe) {
		return strings.TrimRight(pe.Stack, "\n")
	}
	return ""
}

// waiverText describes w as "reason (target T, at L) until 2027-01-31 by ana".
func waiverText(w check.Waiver) string {
	var b strings.Builder
	b.WriteString(w.Reason)
	var where []string
	if w.Target != "" {
		where = append(where, "target "+w.Target)
	}
	if w.Location != "" {
		where = append(where, "at "+w.Location)
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	if !w.Expires.IsZero() {
		b.WriteString(" until ")
		b.WriteString(w.Expires.Format(time.DateOnly))
	}
	if w.Approver != "" {
		b.WriteString(" by ")
		b.WriteString(w.Approver)
	}
	return strings.TrimSpace(b.String())
}

// waiverNote says how the waiver decision recorded on o came out:
// "waived: ...", "waiver expired: ...", and so on; "" when there is none.
// It reads the Runner's record and never matches waivers again.
func waiverNote(o check.Outcome) string {
	if o.Waiver == nil {
		return ""
	}
	d := waiverText(o.Waiver.Waiver)
	switch o.Waiver.State {
	case check.WaiverApplied:
		if !isWaived(o) {
			return "waiver not applied (a waiver never hides an error): " + d
		}
		return "waived: " + d
	case check.WaiverExpired:
		return "waiver expired: " + d
	case check.WaiverNotApplicable:
		return "waiver not applied (a waiver never hides an error): " + d
	case check.WaiverPartial:
		return fmt.Sprintf("waiver covers %d of %d findings: %s", o.Waiver.Findings, len(o.Result.Findings), d)
	}
	return "waiver in an unknown state: " + d
}

// showRemediation reports whether o's remediation should be shown: an
// unwaived Fail or Warn.
func showRemediation(o check.Outcome) bool {
	s := o.Result.Status
	return o.Meta.Remediation != "" && !isWaived(o) && (s == check.StatusFail || s == check.StatusWarn)
}

// A findingGroup is findings of one check that differ only in their
// location: one line with the list of their locations.
type findingGroup struct {
	f    check.Finding // the first of them; its Location is unused
	locs []check.Location
}

// findingList is what is shown of one check's findings: collapsed, and
// capped by Options.MaxFindings.
type findingList struct {
	groups []findingGroup
	// maxLocs caps the locations listed on one line.
	maxLocs int
	// more counts the findings of the groups left out.
	more int
}

// listFindings collapses fs, findings with equal Message, Expected, Actual
// and Waived becoming one group in first-seen order, and caps the list at
// limit lines of at most limit locations.
func listFindings(fs []check.Finding, limit int) findingList {
	type key struct {
		msg, exp, act string
		waived        bool
	}
	var gs []findingGroup
	idx := make(map[key]int)
	for _, f := range fs {
		k := key{f.Message, f.Expected, f.Actual, f.Waived}
		i, ok := idx[k]
		if !ok {
			i = len(gs)
			idx[k] = i
			gs = append(gs, findingGroup{f: f})
		}
		gs[i].locs = append(gs[i].locs, f.Location)
	}
	l := findingList{groups: gs, maxLocs: limit}
	if len(gs) > limit {
		for _, g := range gs[limit:] {
			l.more += len(g.locs)
		}
		l.groups = gs[:limit]
	}
	return l
}

// findingStyle says how a format writes the parts of a finding line.
type findingStyle struct {
	text   func(string) string // prose: the message
	code   func(string) string // a value or a location
	waived string              // the mark of a waived finding
}

// findingLine renders one line of findings, the same way in every format:
//
//	location: message (expected X, found Y)
//	message (expected X, found Y) at 3 places: loc1; loc2; loc3
//
// with the format's mark of a waived finding after the detail.
func (l findingList) line(g findingGroup, st findingStyle) string {
	f := g.f
	var b strings.Builder
	if len(g.locs) == 1 {
		if loc := g.locs[0].String(); loc != "" {
			b.WriteString(st.code(loc) + ": ")
		}
	}
	b.WriteString(st.text(f.Message))
	switch {
	case f.Expected != "" && f.Actual != "":
		b.WriteString(" (expected " + st.code(f.Expected) + ", found " + st.code(f.Actual) + ")")
	case f.Expected != "":
		b.WriteString(" (expected " + st.code(f.Expected) + ")")
	case f.Actual != "":
		b.WriteString(" (found " + st.code(f.Actual) + ")")
	}
	if f.Waived {
		b.WriteString(" " + st.waived)
	}
	if len(g.locs) > 1 {
		fmt.Fprintf(&b, " at %d places: ", len(g.locs))
		shown := g.locs[:min(len(g.locs), l.maxLocs)]
		for i, loc := range shown {
			if i > 0 {
				b.WriteString("; ")
			}
			s := loc.String()
			if s == "" {
				s = "(no location)"
			}
			b.WriteString(st.code(s))
		}
		if more := len(g.locs) - len(shown); more > 0 {
			fmt.Fprintf(&b, "; and %d more", more)
		}
	}
	return b.String()
}

// moreText is the line after a capped list: "… and 3 more findings".
func moreText(n int) string { return "… and " + plural(n, "more finding", "more findings") }

// firstLocated returns the location of the first finding with a file, if
// any.
func firstLocated(fs []check.Finding) (check.Location, bool) {
	for _, f := range fs {
		if f.Location.File != "" {
			return f.Location, true
		}
	}
	return check.Location{}, false
}

// A summary is what every format leads with: the verdict under the
// policy, the counts, and the checks that fail the run, worst first.
type summary struct {
	passed         bool
	nothingChecked bool
	policy         check.Policy
	counts         check.Counts
	// below counts unwaived Fails and Warns that do not fail the run.
	belowFail, belowWarn int
	// failing lists the outcomes that fail the run, most severe first.
	failing      []check.Outcome
	filtered     int
	stillRunning int
}

func summarize(r *check.Report) summary {
	s := summary{
		passed:         r.Passed(),
		nothingChecked: r.NothingChecked(),
		policy:         r.Policy,
		counts:         r.Counts(),
		filtered:       r.Filtered,
		stillRunning:   r.StillRunning,
	}
	for _, o := range r.Outcomes {
		switch {
		case r.Policy.Fails(o):
			s.failing = append(s.failing, o)
		case isWaived(o):
		case o.Result.Status == check.StatusFail:
			s.belowFail++
		case o.Result.Status == check.StatusWarn:
			s.belowWarn++
		}
	}
	slices.SortStableFunc(s.failing, func(a, b check.Outcome) int { return cmp.Compare(b.Meta.Severity, a.Meta.Severity) })
	return s
}

// verdict is the summary's first line, after the word PASSED or FAILED:
// "2 checks fail the run (policy: fail at high or above)", adding how
// many failures and warnings the policy lets through.
func (s summary) verdict() string {
	var b strings.Builder
	switch n := len(s.failing); {
	case n > 0:
		b.WriteString(plural(n, "check fails", "checks fail") + " the run")
		if s.nothingChecked {
			b.WriteString(", and nothing was checked")
		}
	case s.nothingChecked:
		b.WriteString("nothing was checked")
	default:
		b.WriteString("no check fails the run")
	}
	b.WriteString(" (policy: " + s.policy.String() + ")")
	var below []string
	if s.belowFail > 0 {
		below = append(below, plural(s.belowFail, "failure", "failures"))
	}
	if s.belowWarn > 0 {
		below = append(below, plural(s.belowWarn, "warning", "warnings"))
	}
	if len(below) > 0 {
		verb := "does"
		if s.belowFail+s.belowWarn > 1 {
			verb = "do"
		}
		b.WriteString("; " + strings.Join(below, " and ") + " " + verb + " not fail the run under this policy")
	}
	return b.String()
}

// word is "PASSED" or "FAILED".
func (s summary) word() string {
	if s.passed {
		return "PASSED"
	}
	return "FAILED"
}

// countParts are the pieces of the counts line, each with the kind of
// count it shows, for a format to decorate.
type countPart struct {
	kind string // "pass", "warn", "fail", "error", "skip", "waived", "abandoned", "", ...
	n    int
	text string
}

// countsLine renders the counts the same way in every format:
// "12 checks: 2 passed, 2 warnings, 5 failed, 2 errors, 1 skipped
// (2 waived, 1 abandoned); 2 filtered out; 1 still running", or "no checks
// ran". paint, if not nil, decorates each count.
func (s summary) countsLine(paint func(p countPart) string) string {
	if paint == nil {
		paint = func(p countPart) string { return p.text }
	}
	c := s.counts
	var b strings.Builder
	if c.Total() == 0 {
		b.WriteString("no checks ran")
	} else {
		main := []countPart{
			{"pass", c.Pass, fmt.Sprintf("%d passed", c.Pass)},
			{"warn", c.Warn, plural(c.Warn, "warning", "warnings")},
			{"fail", c.Fail, fmt.Sprintf("%d failed", c.Fail)},
			{"error", c.Error, plural(c.Error, "error", "errors")},
			{"skip", c.Skip, fmt.Sprintf("%d skipped", c.Skip)},
		}
		b.WriteString(plural(c.Total(), "check", "checks") + ": ")
		for i, p := range main {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(paint(p))
		}
		var extra []string
		if c.Waived > 0 {
			extra = append(extra, paint(countPart{"waived", c.Waived, fmt.Sprintf("%d waived", c.Waived)}))
		}
		if c.Abandoned > 0 {
			extra = append(extra, paint(countPart{"abandoned", c.Abandoned, fmt.Sprintf("%d abandoned", c.Abandoned)}))
		}
		if len(extra) > 0 {
			b.WriteString(" (" + strings.Join(extra, ", ") + ")")
		}
	}
	if s.filtered > 0 {
		fmt.Fprintf(&b, "; %d filtered out", s.filtered)
	}
	if s.stillRunning > 0 {
		fmt.Fprintf(&b, "; %d still running", s.stillRunning)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// fmtDuration rounds d for people: "12ms", "1.234s", "250µs".
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Minute:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// write writes the rendered bytes to w, wrapping a write error for format.
func write(w io.Writer, format string, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return fmt.Errorf("report: %s: writing: %w", format, err)
	}
	return nil
}

// nilReport is the error of every renderer given a nil report.
func nilReport(format string) error {
	return fmt.Errorf("report: %s: nil report", format)
}

// A sharedError is one error that stopped several checks of one target,
// such as a compose project that failed to load: the reports show its
// cause once, above the checks it stopped, instead of under each.
type sharedError struct {
	target   string
	cause    string
	first    check.Outcome   // the first outcome in report order, whose findings and stack are shown
	outcomes []check.Outcome // in report order
}

// sharedCause is the text by which Error outcomes are grouped: the
// error, or the message when there is none.
func sharedCause(o check.Outcome) string {
	if o.Result.Err != nil {
		if s := o.Result.Err.Error(); s != "" {
			return s
		}
	}
	return o.Result.Message
}

// sharedErrors are the errors of a report that stopped several checks.
type sharedErrors struct {
	groups []*sharedError
	of     map[[2]string]*sharedError
}

// findSharedErrors finds the Error outcomes that share their target and
// cause with another, in the order of outcomes. An abandoned check is
// never grouped: its own deadline stopped it.
func findSharedErrors(outcomes []check.Outcome) *sharedErrors {
	sh := &sharedErrors{of: map[[2]string]*sharedError{}}
	all := map[[2]string]*sharedError{}
	var order [][2]string
	for _, o := range outcomes {
		if !isError(o) || o.Abandoned {
			continue
		}
		cause := sharedCause(o)
		if cause == "" {
			continue
		}
		k := [2]string{o.Meta.Target, cause}
		g := all[k]
		if g == nil {
			g = &sharedError{target: o.Meta.Target, cause: cause, first: o}
			all[k] = g
			order = append(order, k)
		}
		g.outcomes = append(g.outcomes, o)
	}
	for _, k := range order {
		if g := all[k]; len(g.outcomes) > 1 {
			sh.groups = append(sh.groups, g)
			sh.of[k] = g
		}
	}
	return sh
}

// group returns the shared error o belongs to, or nil.
func (sh *sharedErrors) group(o check.Outcome) *sharedError {
	if sh == nil || len(sh.of) == 0 || !isError(o) || o.Abandoned {
		return nil
	}
	return sh.of[[2]string{o.Meta.Target, sharedCause(o)}]
}

// brief returns o as shown under its section when its error is shared:
// the message points at the shared error, whose cause, findings and
// stack are shown once.
func (sh *sharedErrors) brief(o check.Outcome) check.Outcome {
	g := sh.group(o)
	if g == nil {
		return o
	}
	o.Result.Message = "could not decide: " + sharedRef(g)
	o.Result.Findings = nil
	o.Result.Err = nil
	return o
}

// sharedRef names a shared error briefly: "the error of T shown above
// (17 checks)".
func sharedRef(g *sharedError) string {
	return fmt.Sprintf("the error of %s shown above (%s)", g.target, plural(len(g.outcomes), "check", "checks"))
}

// ids lists the checks a shared error stopped, by ID.
func (g *sharedError) ids() []string {
	ids := make([]string, len(g.outcomes))
	for i, o := range g.outcomes {
		ids[i] = o.Meta.ID
	}
	return ids
}
