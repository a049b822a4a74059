package checktest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// TestingT is what the Assert helpers need of a test: *testing.T,
// *testing.B, testify's suites and most test frameworks have it. When the
// value also has a Helper() method, the helpers call it, so failures point
// at the caller's line.
type TestingT interface {
	Errorf(format string, args ...any)
}

// RequireT is what the Require helpers need: a [TestingT] that can stop
// the test.
type RequireT interface {
	TestingT
	FailNow()
}

// helper is what *testing.T and most frameworks add to TestingT. Every
// function here that reports on t calls Helper itself: Helper marks its
// direct caller, so a wrapper would mark only the wrapper.
type helper interface{ Helper() }

// AssertPass runs checks through a zero [check.Runner] with ctx and
// reports whether every one of them passed. Each check that did not pass
// is reported on t with everything it said. Skip and Warn are not passes;
// use [AssertStatus] to expect them.
func AssertPass(t TestingT, ctx context.Context, checks ...check.Check) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if len(checks) == 0 {
		t.Errorf("checktest: AssertPass: no checks")
		return false
	}
	rep, ok := runChecks(t, ctx, "AssertPass", checks)
	if !ok {
		return false
	}
	pass := true
	for _, o := range rep.Outcomes {
		if o.Result.Status != check.StatusPass {
			t.Errorf("%s: want pass, got %s", o.Meta.Name(), describe(o, rep))
			pass = false
		}
	}
	return pass
}

// RequirePass is [AssertPass] that stops the test (t.FailNow) when a check
// did not pass.
func RequirePass(t RequireT, ctx context.Context, checks ...check.Check) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !AssertPass(t, ctx, checks...) {
		t.FailNow()
	}
}

// AssertStatus runs c through a zero [check.Runner] with ctx and reports
// whether its outcome has status want. The Runner's rules apply: a result
// with no status, a panic or a result after the deadline is
// [check.StatusError]. When the status differs, the outcome is reported on
// t with everything the check said.
func AssertStatus(t TestingT, ctx context.Context, c check.Check, want check.Status) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	rep, ok := runChecks(t, ctx, "AssertStatus", []check.Check{c})
	if !ok {
		return false
	}
	o := rep.Outcomes[0]
	if o.Result.Status != want {
		t.Errorf("%s: want %s, got %s", o.Meta.Name(), want, describe(o, rep))
		return false
	}
	return true
}

// RequireStatus is [AssertStatus] that stops the test (t.FailNow) when the
// status differs.
func RequireStatus(t RequireT, ctx context.Context, c check.Check, want check.Status) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !AssertStatus(t, ctx, c, want) {
		t.FailNow()
	}
}

// AssertReport reports whether rep passes under the Policy recorded in it
// ([check.Report.Err]), the Policy of the Runner that made it: no Error, no
// unwaived Fail at or above its Threshold (nor Warn when Strict), and
// something was checked unless AllowNothingChecked. Otherwise it reports
// on t the policy and every outcome that fails under it.
func AssertReport(t TestingT, rep *check.Report) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if rep == nil {
		t.Errorf("checktest: AssertReport: nil report")
		return false
	}
	err := rep.Err()
	if err == nil {
		return true
	}
	var b strings.Builder
	n := 0
	for _, o := range rep.Outcomes {
		if rep.Policy.Fails(o) {
			n++
			fmt.Fprintf(&b, "\n%s: %s", o.Meta.Name(), describe(o, rep))
		}
	}
	if errors.Is(err, check.ErrNothingChecked) {
		fmt.Fprintf(&b, "\n%v: all %d checks skipped", check.ErrNothingChecked, len(rep.Outcomes))
	}
	t.Errorf("report fails (%s): %d of %d checks failing%s", rep.Policy, n, len(rep.Outcomes), b.String())
	return false
}

// RequireReport is [AssertReport] that stops the test (t.FailNow) when the
// report fails.
func RequireReport(t RequireT, rep *check.Report) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !AssertReport(t, rep) {
		t.FailNow()
	}
}

// runChecks runs checks through a zero Runner, reporting a nil context or
// the Runner's refusal on t.
func runChecks(t TestingT, ctx context.Context, fn string, checks []check.Check) (*check.Report, bool) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if ctx == nil {
		t.Errorf("checktest: %s: nil context (pass t.Context())", fn)
		return nil, false
	}
	var r check.Runner
	rep, err := r.Run(ctx, checks...)
	if err != nil {
		t.Errorf("checktest: %s: %v", fn, err)
		return nil, false
	}
	return rep, true
}
