package checktest

import (
	"testing"

	"github.com/prodcheck/prodcheck/check"
)

// Run runs checks through a zero [check.Runner] with t.Context() and
// reports each outcome as a subtest of t named by the check's
// [check.Meta.Name] ("id", or "id [target]"), so one rule run against two
// targets gives two subtests. It returns the Report, for further
// assertions.
//
// A pass passes, a skip skips, a warning is logged and passes, and a
// failure or an error fails the subtest with everything the check said
// (see the package documentation). The zero Runner's zero [check.Policy]
// applies: every unwaived failure fails, whatever its severity. Invalid
// Meta or two checks with one ID and target stop the test with the
// Runner's error; a run in which every check skipped fails it
// ([check.ErrNothingChecked]).
//
// Failures and logs name the caller's line, not checktest's.
func Run(t *testing.T, checks ...check.Check) *check.Report {
	t.Helper()
	return RunWith(t, &check.Runner{}, checks...)
}

// RunWith is [Run] with a configured Runner: policy, waivers, filters,
// severity overrides, limits and timeouts. A nil r is a zero Runner.
//
// The Runner's Policy, recorded in the Report, decides which outcomes fail
// their subtest ([check.Policy.Fails]), exactly as it decides the run's
// verdict elsewhere: with the zero Policy every unwaived Fail fails,
// whatever its severity; with a Threshold, a Fail below it is logged and
// its subtest passes; with Strict, an unwaived Warn at or above the
// threshold fails; an Error always fails. A waived outcome passes with a
// log line naming its waiver; an expired waiver no longer waives. Waivers
// that matched no check, and checks the filters left out, are logged on t.
// A run in which every check skipped fails t unless
// r.Policy.AllowNothingChecked is set.
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
		t.Run(o.Meta.Name(), func(t *testing.T) {
			// With every frame of the subtest a helper, the testing
			// package names the line that called Run or RunWith.
			t.Helper()
			reportOutcome(t, rep, o)
		})
	}
	if rep.Filtered > 0 {
		t.Logf("checktest: the Runner's filter left out %d of %d checks", rep.Filtered, len(checks))
	}
	for _, w := range rep.UnmatchedWaivers {
		t.Logf("checktest: waiver %s matched no check", w)
	}
	// Failing outcomes have failed their subtests; what remains of the
	// Runner's verdict is a run in which nothing was checked.
	if rep.NothingChecked() {
		t.Errorf("checktest: %v (set Runner.Policy.AllowNothingChecked to allow it)", check.ErrNothingChecked)
	}
	return rep
}

// reportOutcome passes, skips, logs or fails t for one outcome, as the
// report's recorded Policy decides.
func reportOutcome(t *testing.T, rep *check.Report, o check.Outcome) {
	t.Helper()
	switch {
	case rep.Policy.Fails(o):
		t.Error(describe(o, rep))
	case o.Waived():
		t.Log("waived: " + describe(o, rep)) // names the waiver
	case o.Result.Status == check.StatusSkip:
		t.Skip("skip: " + indent(o.Result.Message, "    "))
	case o.Result.Status == check.StatusPass:
		t.Logf("pass: %s", indent(o.Result.Message, "    "))
	case o.Result.Status == check.StatusFail: // below the threshold
		t.Logf("below the threshold (%s): %s", rep.Policy, describe(o, rep))
	default: // a warning, when not strict
		t.Log(describe(o, rep))
	}
}
