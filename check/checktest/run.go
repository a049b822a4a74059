package checktest

import (
	"errors"
	"testing"

	"github.com/prodcheck/prodcheck/check"
)

// Run runs checks through a zero [check.Runner] with t.Context() and
// reports each outcome as a subtest of t named by the check's ID. It
// returns the Report, for further assertions.
//
// A pass passes, a skip skips, a warning is logged and passes, and a
// failure or an error fails the subtest with everything the check said
// (see the package documentation). Every unwaived failure fails, whatever
// its severity. Invalid Meta or two checks with one ID stop the test with
// the Runner's error; a run in which every check skipped fails it
// ([check.ErrNothingChecked]).
func Run(t *testing.T, checks ...check.Check) *check.Report {
	t.Helper()
	return RunWith(t, &check.Runner{}, checks...)
}

// RunWith is [Run] with a configured Runner: waivers, strict mode, filters,
// severity overrides, limits and timeouts. A nil r is a zero Runner.
//
// When r is strict, an unwaived warning fails its subtest. A waived outcome
// passes with a log line naming its waiver; an expired waiver no longer
// waives. Waivers that matched no check, and checks the filters left out,
// are logged on t. A run in which every check skipped fails t unless
// r.AllowNothingChecked is set.
func RunWith(t *testing.T, r *check.Runner, checks ...check.Check) *check.Report {
	t.Helper()
	if r == nil {
		r = &check.Runner{}
	}
	rep, err := r.Run(t.Context(), checks...)
	if err != nil {
		t.Fatalf("checktest: %v", err)
	}
	for _, o := range rep.Outcomes {
		t.Run(o.Meta.ID, func(t *testing.T) { reportOutcome(t, rep, o) })
	}
	if rep.Filtered > 0 {
		t.Logf("checktest: the Runner's filter left out %d of %d checks", rep.Filtered, len(checks))
	}
	for _, w := range rep.UnmatchedWaivers {
		t.Logf("checktest: waiver %s matched no check", w)
	}
	// Failing outcomes have failed their subtests; what remains of the
	// Runner's verdict is a run in which nothing was checked.
	if err := rep.Err(check.SeverityInfo); errors.Is(err, check.ErrNothingChecked) {
		t.Errorf("checktest: %v (set Runner.AllowNothingChecked to allow it)", check.ErrNothingChecked)
	}
	return rep
}

// reportOutcome passes, skips, logs or fails t for one outcome. Severity
// does not soften a failure in a test: the threshold is the lowest one.
func reportOutcome(t *testing.T, rep *check.Report, o check.Outcome) {
	switch {
	case o.Failing(check.SeverityInfo, rep.Strict):
		t.Error(describe(o, rep))
	case o.Waived:
		t.Log("waived: " + describe(o, rep)) // names the waiver
	case o.Result.Status == check.StatusSkip:
		t.Skip("skip: " + indent(o.Result.Message, "    "))
	case o.Result.Status == check.StatusPass && len(o.Result.Findings) == 0:
		t.Logf("pass: %s", indent(o.Result.Message, "    "))
	default: // a warning, when not strict
		t.Log(describe(o, rep))
	}
}
