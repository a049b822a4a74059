package check

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
)

// Policy decides what fails a run. It is set on the [Runner] and recorded
// in the [Report], and every consumer (Report.Passed and Report.Err, every
// renderer of package report, checktest, the progress line) reads the
// recorded one, so they never disagree.
//
// The zero Policy is the strictest useful default: every unwaived Fail
// fails the run whatever its severity, warnings do not, and a run in which
// nothing was checked fails.
type Policy struct {
	// Threshold is the lowest severity at which an unwaived Fail fails
	// the run. SeverityUnset (the zero value) counts every Fail, like
	// SeverityInfo.
	Threshold Severity
	// Strict makes an unwaived Warn at or above Threshold fail the run.
	Strict bool
	// AllowNothingChecked lets a run whose outcomes are all Skip (or that
	// has none) pass; otherwise it fails with [ErrNothingChecked].
	AllowNothingChecked bool
}

// Fails reports whether o counts against a run under p:
//   - an Error always does, whatever the threshold or a waiver;
//   - an unwaived Fail does at or above Threshold;
//   - an unwaived Warn does at or above Threshold when Strict;
//   - Pass and Skip never do.
func (p Policy) Fails(o Outcome) bool { return p.fails(&o) }

func (p Policy) fails(o *Outcome) bool {
	switch o.Result.Status {
	case StatusPass, StatusSkip:
		return false
	case StatusFail:
		return !o.Waived() && o.Meta.Severity >= p.Threshold
	case StatusWarn:
		return p.Strict && !o.Waived() && o.Meta.Severity >= p.Threshold
	}
	return true // Error, and anything invalid
}

// String renders p for reports: "fail at low or above; strict".
func (p Policy) String() string {
	th := p.Threshold
	if th == SeverityUnset {
		th = SeverityInfo
	}
	s := "fail at " + th.String() + " or above"
	if p.Strict {
		s += "; warnings fail (strict)"
	}
	if p.AllowNothingChecked {
		s += "; nothing checked allowed"
	}
	return s
}

// Outcome is what the [Runner] records for one check: the Result plus what
// the run knows about it. The Runner copies what it records (findings,
// tags, refs), so a check that keeps a reference cannot change a Report.
type Outcome struct {
	// Meta is the check's Meta with the effective severity after overrides.
	Meta   Meta
	Result Result
	// Start is when the check started; zero if it never started.
	Start    time.Time
	Duration time.Duration
	// Waiver records the waiver decision for this outcome, made once by
	// the Runner as the outcome settled; nil when no waiver matched.
	Waiver *AppliedWaiver
	// Abandoned reports that the check ignored its deadline and was left
	// running; its late return was discarded.
	Abandoned bool
}

// Waived reports whether a waiver accepted the whole outcome.
func (o Outcome) Waived() bool { return o.Waiver != nil && o.Waiver.State == WaiverApplied }

// Counts counts outcomes by status. Waived, Abandoned and Failing are
// counted besides their status.
type Counts struct {
	Pass, Skip, Warn, Fail, Error int
	// Waived counts outcomes a waiver accepted whole.
	Waived int
	// Abandoned counts checks left running past deadline and grace.
	Abandoned int
	// Failing counts outcomes that fail the run under its Policy.
	Failing int
}

// Total returns the number of outcomes counted.
func (c Counts) Total() int { return c.Pass + c.Skip + c.Warn + c.Fail + c.Error }

// ErrNothingChecked is matched by the error of a run whose outcomes are all
// skips (or that has none), unless the policy allows it.
var ErrNothingChecked = errors.New("check: nothing was checked")

// Report is the record of one run. Its methods do not modify it; it is safe
// to read concurrently once Run has returned it.
type Report struct {
	Outcomes []Outcome
	Start    time.Time
	Duration time.Duration
	// Policy is the Runner's policy, under which Passed and Err decide.
	Policy Policy
	// ExpiredWaivers are waivers that matched an outcome but had expired.
	ExpiredWaivers []Waiver
	// UnmatchedWaivers are waivers that matched no failing, warning or
	// erroring outcome of the run: the problem they accepted is gone (or
	// the pattern is wrong), so they can be removed.
	UnmatchedWaivers []Waiver
	// Filtered is how many checks the Runner's filters left out.
	Filtered int
	// StillRunning is how many abandoned checks had not returned when
	// Run returned: goroutines the run could not stop.
	StillRunning int
}

// Counts counts the outcomes by status.
func (r *Report) Counts() Counts {
	var c Counts
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		switch o.Result.Status {
		case StatusPass:
			c.Pass++
		case StatusSkip:
			c.Skip++
		case StatusWarn:
			c.Warn++
		case StatusFail:
			c.Fail++
		default:
			c.Error++
		}
		if o.Waived() {
			c.Waived++
		}
		if o.Abandoned {
			c.Abandoned++
		}
		if r.Policy.fails(o) {
			c.Failing++
		}
	}
	return c
}

// Worst returns the worst status of the run, counting waived outcomes as
// passes; [StatusUnknown] for an empty run.
func (r *Report) Worst() Status {
	w := StatusUnknown
	for _, o := range r.Outcomes {
		s := o.Result.Status
		if o.Waived() {
			s = StatusPass
		}
		w = max(w, s)
	}
	return w
}

// Passed reports whether the run passes under its Policy.
func (r *Report) Passed() bool { return r.Err() == nil }

// NothingChecked reports whether the run fails only for lack of anything
// checked: every outcome skipped (or there were none) and the policy does
// not allow it.
func (r *Report) NothingChecked() bool {
	if r.Policy.AllowNothingChecked {
		return false
	}
	for _, o := range r.Outcomes {
		if o.Result.Status != StatusSkip {
			return false
		}
	}
	return true
}

// Err returns an error listing every outcome that fails the run under its
// Policy, each an [*OutcomeError], or nil when the run passes. The error
// wraps [ErrNothingChecked] when nothing was checked.
func (r *Report) Err() error {
	var errs *multierror.Error
	for _, o := range r.Outcomes {
		if r.Policy.Fails(o) {
			errs = multierror.Append(errs, &OutcomeError{Outcome: o})
		}
	}
	if r.NothingChecked() {
		errs = multierror.Append(errs, fmt.Errorf("%w: %d checks, all skipped", ErrNothingChecked, len(r.Outcomes)))
	}
	if errs != nil {
		errs.ErrorFormat = listErrors
	}
	return errs.ErrorOrNil()
}

func listErrors(es []error) string {
	if len(es) == 1 {
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d checks failed:", len(es))
	for _, e := range es {
		b.WriteString("\n\t* ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// OutcomeError is the error for one failing outcome, as listed by
// [Report.Err]. Use errors.As to reach the Outcome.
type OutcomeError struct{ Outcome Outcome }

func (e *OutcomeError) Error() string {
	o := e.Outcome
	return fmt.Sprintf("%s (%s): %s: %s", o.Meta.Name(), o.Meta.Severity, o.Result.Status, o.Result.Message)
}

// Unwrap returns the result's cause, if any.
func (e *OutcomeError) Unwrap() error { return e.Outcome.Result.Err }
