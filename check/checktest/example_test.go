package checktest_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
)

// printT is a TestingT that prints what a test would report.
type printT struct{}

func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func ExampleAssertPass() {
	motd := check.New(check.Meta{
		ID:          "team.motd.set",
		Title:       "The message of the day is set",
		Severity:    check.SeverityLow,
		Remediation: "Write a message to /etc/motd.",
	}, func(ctx context.Context) check.Result {
		if err := ctx.Err(); err != nil {
			return check.Error(err)
		}
		return check.Fail("/etc/motd is empty", check.Finding{
			Message:  "empty file",
			Location: check.Location{File: "/etc/motd"},
			Expected: "a message",
			Actual:   "0 bytes",
		})
	})

	// In a test: checktest.AssertPass(t, t.Context(), motd).
	ok := checktest.AssertPass(printT{}, context.Background(), motd)
	fmt.Println("passed:", ok)
	// Output:
	// team.motd.set: want pass, got fail: /etc/motd is empty
	//   check: team.motd.set (severity low): The message of the day is set
	//   finding: /etc/motd: empty file
	//     expected: a message
	//     found:    0 bytes
	//   remediation: Write a message to /etc/motd.
	// passed: false
}

func ExampleAssertStatus() {
	// A test of a check: on a host where the variable is missing, the
	// check must fail, not pass or error.
	c := check.FromError(check.Meta{ID: "team.env.region", Severity: check.SeverityMedium},
		func(ctx context.Context) error {
			if _, ok := os.LookupEnv("PRODCHECK_EXAMPLE_REGION"); !ok {
				return errors.New("PRODCHECK_EXAMPLE_REGION is not set")
			}
			return nil
		})
	fmt.Println(checktest.AssertStatus(printT{}, context.Background(), c, check.StatusFail))
	// Output:
	// true
}

func ExampleVerifyContract() {
	// This check ignores its context and reports a problem without saying
	// where, on a passing result.
	sloppy := check.New(check.Meta{ID: "team.motd.set", Severity: check.SeverityLow},
		func(context.Context) check.Result {
			return check.Result{
				Status:   check.StatusPass,
				Message:  "motd is set",
				Findings: []check.Finding{{Message: "motd mentions an old version"}},
			}
		})

	// In a test: checktest.Contract(t, sloppy), or
	// require.NoError(t, checktest.VerifyContract(t.Context(), sloppy, checktest.ContractOptions{})).
	err := checktest.VerifyContract(context.Background(), sloppy, checktest.ContractOptions{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, checktest.ErrInvalidResult))
	// Output:
	// checktest: check "team.motd.set" breaks its contract (2 violations):
	//   - pass with findings: returned pass with 1 finding (in 8 of 8 concurrent runs)
	//   - unlocated or empty finding: 1 of 1 finding without a location; first: "motd mentions an old version" (in 8 of 8 concurrent runs)
	// true
}
