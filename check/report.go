package check

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-multierror"
)

// Outcome is what the [Runner] records for one check: the Result plus what
// the run knows about it.
type Outcome struct {
	// Meta is the check's Meta with the effective severity after overrides.
	Meta   Meta
	Result Result
	// Start is when the check started; zero if it never started.
	Start    time.Time
	Duration time.Duration
	// Waiver is the waiver that matched this outcome, applied or not
	// (expired, or the outcome was an Error).
	Waiver *Waiver
	// Waived reports whether Waiver applied: the failure is accepted.
	Waived bool
	// Abandoned reports that the check ignored its deadline and was left
	// running; its late return was discarded.
	Abandoned bool
}

// Failing reports whether o counts against a run at threshold: an Error
// always does; an unwaived Fail does at or above threshold; so does an
// unwaived Warn when strict.
func (o Outcome) Failing(threshold Severity, strict bool) bool {
	switch o.Result.Status {
	case StatusError, StatusUnknown:
		return true
	case StatusFail:
		return !o.Waived && o.Meta.Severity >= threshold
	case StatusWarn:
		return strict && !o.Waived && o.Meta.Severity >= threshold
	}
	return false
}

// Counts counts outcomes by status. Waived and Abandoned are counted
// besides their status.
type Counts struct {
	Pass      int `json:"pass"`
	Skip      int `json:"skip"`
	Warn      int `json:"warn"`
	Fail      int `json:"fail"`
	Error     int `json:"error"`
	Waived    int `json:"waived"`
	Abandoned int `json:"abandoned"`
}

// Total returns the number of outcomes counted.
func (c Counts) Total() int { return c.Pass + c.Skip + c.Warn + c.Fail + c.Error }

// ErrNothingChecked is matched by the error of a run whose outcomes are all
// skips (or that has none), unless the Report allows it.
var ErrNothingChecked = errors.New("check: nothing was checked")

// Report is the record of one run. Its methods do not modify it; it is safe
// to read concurrently once Run has returned it.
type Report struct {
	Outcomes []Outcome
	Start    time.Time
	Duration time.Duration
	// Strict makes unwaived warnings fail the run.
	Strict bool
	// AllowNothingChecked lets a run whose outcomes are all skips pass.
	AllowNothingChecked bool
	// ExpiredWaivers are waivers that matched an outcome but had expired.
	ExpiredWaivers []Waiver
	// UnmatchedWaivers are waivers that matched no outcome of the run.
	UnmatchedWaivers []Waiver
	// Filtered is how many checks the Runner's filters left out.
	Filtered int
}

// Counts counts the outcomes by status.
func (r *Report) Counts() Counts {
	var c Counts
	for _, o := range r.Outcomes {
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
		if o.Waived {
			c.Waived++
		}
		if o.Abandoned {
			c.Abandoned++
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
		if o.Waived {
			s = StatusPass
		}
		w = max(w, s)
	}
	return w
}

// Passed reports whether the run passes at threshold: no Error, no unwaived
// Fail at or above threshold (nor Warn when Strict), and something was
// checked unless AllowNothingChecked.
func (r *Report) Passed(threshold Severity) bool { return r.Err(threshold) == nil }

// Err returns an error listing every outcome that fails the run at
// threshold min, or nil when the run passes (see [Report.Passed]). The
// error wraps [ErrNothingChecked] when everything skipped.
func (r *Report) Err(min Severity) error {
	var errs *multierror.Error
	checked := false
	for _, o := range r.Outcomes {
		if o.Result.Status != StatusSkip {
			checked = true
		}
		if !o.Failing(min, r.Strict) {
			continue
		}
		errs = multierror.Append(errs, &OutcomeError{Outcome: o})
	}
	if !checked && !r.AllowNothingChecked {
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
	s := fmt.Sprintf("%d checks failed:", len(es))
	for _, e := range es {
		s += "\n\t* " + e.Error()
	}
	return s
}

// OutcomeError is the error for one failing outcome, as listed by
// [Report.Err]. Use errors.As to reach the Outcome.
type OutcomeError struct{ Outcome Outcome }

func (e *OutcomeError) Error() string {
	o := e.Outcome
	return fmt.Sprintf("%s (%s): %s: %s", o.Meta.ID, o.Meta.Severity, o.Result.Status, o.Result.Message)
}

// Unwrap returns the result's cause, if any.
func (e *OutcomeError) Unwrap() error { return e.Outcome.Result.Err }
