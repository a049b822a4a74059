package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

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
func bySection(r *check.Report) []group {
	return groupBy(r.Outcomes, func(o check.Outcome) string { return sectionName(o.Meta.Section) })
}

// isWaived reports whether the outcome's failure is accepted. A waiver
// never hides an Error, whatever the Outcome says.
func isWaived(o check.Outcome) bool {
	return o.Waived && (o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn)
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

// waiverText describes w as "reason until 2027-01-31 by ana".
func waiverText(w check.Waiver) string {
	var b strings.Builder
	b.WriteString(w.Reason)
	if w.Location != "" {
		fmt.Fprintf(&b, " (at %s)", w.Location)
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

// waiverNote says how the waiver recorded on o relates to it:
// "waived: ...", "waiver expired: ...", and so on; "" when there is none.
func waiverNote(r *check.Report, o check.Outcome) string {
	if o.Waiver == nil {
		if isWaived(o) { // a Report built or decoded by hand
			return "waived (no waiver recorded)"
		}
		return ""
	}
	d := waiverText(*o.Waiver)
	switch {
	case isWaived(o):
		return "waived: " + d
	case waiverExpired(r, *o.Waiver):
		return "waiver expired: " + d
	case isError(o):
		return "waiver not applied (a waiver never hides an error): " + d
	case o.Result.Status == check.StatusPass || o.Result.Status == check.StatusSkip:
		return "waiver not needed: " + d
	default:
		return "waiver covers only some findings: " + d
	}
}

// waiverExpired reports whether the run found w expired: it is listed in
// r.ExpiredWaivers, or it expired by the end of the run.
func waiverExpired(r *check.Report, w check.Waiver) bool {
	for _, e := range r.ExpiredWaivers {
		if e.ID == w.ID && e.Location == w.Location && e.Reason == w.Reason &&
			e.Approver == w.Approver && e.Expires.Equal(w.Expires) {
			return true
		}
	}
	return !r.Start.IsZero() && w.Expired(r.Start.Add(r.Duration))
}

// showRemediation reports whether o's remediation should be shown: an
// unwaived Fail or Warn.
func showRemediation(o check.Outcome) bool {
	s := o.Result.Status
	return o.Meta.Remediation != "" && !isWaived(o) && (s == check.StatusFail || s == check.StatusWarn)
}

// countsText renders c as "3 passed, 1 warning, 2 failed, 1 error,
// 1 skipped", adding "; 2 waived, 1 abandoned" when there are any.
func countsText(c check.Counts) string {
	s := fmt.Sprintf("%d passed, %s, %d failed, %s, %d skipped",
		c.Pass, plural(c.Warn, "warning", "warnings"), c.Fail, plural(c.Error, "error", "errors"), c.Skip)
	var extra []string
	if c.Waived > 0 {
		extra = append(extra, fmt.Sprintf("%d waived", c.Waived))
	}
	if c.Abandoned > 0 {
		extra = append(extra, fmt.Sprintf("%d abandoned", c.Abandoned))
	}
	if len(extra) > 0 {
		s += "; " + strings.Join(extra, ", ")
	}
	return s
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
