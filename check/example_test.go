package check_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// A team's own check: one constructor call.
func ExampleNew() {
	motd := check.New(check.Meta{
		ID:       "team.release-notes",
		Title:    "Release notes are published",
		Section:  "Documentation",
		Item:     "Runbook for operations",
		Severity: check.SeverityLow,
	}, func(ctx context.Context) check.Result {
		return check.Fail("release notes missing", check.Finding{
			Message:  "no notes for v1.4.0",
			Location: check.Location{File: "CHANGELOG.md", Line: 1},
			Expected: "a section for v1.4.0",
			Actual:   "latest section is v1.3.2",
		})
	})
	res := motd.Run(context.Background())
	fmt.Println(res.Status, "-", res.Message)
	fmt.Println(res.Findings[0])
	// Output:
	// fail - release notes missing
	// CHANGELOG.md:1: no notes for v1.4.0 (expected a section for v1.4.0, found latest section is v1.3.2)
}

// Any health-check function is a check: nil passes, ErrSkip and ErrWarn
// skip and warn, other errors fail.
func ExampleFromError() {
	ping := check.FromError(check.Meta{ID: "cache.ping", Severity: check.SeverityHigh},
		func(ctx context.Context) error {
			return fmt.Errorf("cache: replica lag 3s: %w", check.ErrWarn)
		})
	res := ping.Run(context.Background())
	fmt.Println(res.Status, "-", res.Message)
	// Output:
	// warn - cache: replica lag 3s: check: warning
}

func ExampleRunner() {
	checks := []check.Check{
		check.New(check.Meta{ID: "app.ready", Severity: check.SeverityHigh},
			func(ctx context.Context) check.Result { return check.Pass("200 from /readyz") }),
		check.New(check.Meta{ID: "app.debug-off", Severity: check.SeverityCritical},
			func(ctx context.Context) check.Result { return check.Fail("DEBUG=true") }),
		check.New(check.Meta{ID: "app.docs", Severity: check.SeverityLow},
			func(ctx context.Context) check.Result { return check.Skip("no public API") }),
	}
	r := check.Runner{Timeout: 10 * time.Second, Policy: check.Policy{Threshold: check.SeverityHigh}}
	rep, err := r.Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%-14s %-8s %s\n", o.Meta.ID, o.Result.Status, o.Result.Message)
	}
	fmt.Println("worst:", rep.Worst())
	fmt.Println(rep.Err())
	// Output:
	// app.ready      pass     200 from /readyz
	// app.debug-off  fail     DEBUG=true
	// app.docs       skip     no public API
	// worst: fail
	// app.debug-off (critical): fail: DEBUG=true
}

// Waivers accept a known failure for a while, with a reason and an approver.
func ExampleRunner_waivers() {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	legacy := check.New(check.Meta{ID: "docker.compose.image-pinned", Target: "deploy/prod/compose.yml", Severity: check.SeverityHigh},
		func(ctx context.Context) check.Result {
			return check.Fail("1 unpinned image", check.Finding{
				Message:  "image app:latest is not pinned",
				Location: check.Location{File: "compose.yml", Line: 4, Resource: `service "legacy"`},
			})
		})
	r := check.Runner{
		Now: func() time.Time { return now },
		Waivers: []check.Waiver{{
			ID: "docker.compose.image-*", Target: "deploy/**/compose.yml", Location: `service "legacy"`,
			Reason: "retired in January", Approver: "ops-lead",
			Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC),
		}},
	}
	rep, _ := r.Run(context.Background(), legacy)
	o := rep.Outcomes[0]
	fmt.Println(o.Meta.Name(), o.Result.Status, o.Waiver.State, "by", o.Waiver.Waiver)
	fmt.Println("passed:", rep.Passed())
	// Output:
	// docker.compose.image-pinned [deploy/prod/compose.yml] fail applied by docker.compose.image-* [deploy/**/compose.yml] at service "legacy" (retired in January, until 2027-01-31, approved by ops-lead)
	// passed: true
}

// A source loads once per run however many checks read it.
func ExampleSource() {
	loads := 0
	settings := check.NewSource(func(ctx context.Context) (map[string]string, error) {
		loads++ // a real source would query SHOW ALL once here
		return map[string]string{"ssl": "on", "wal_level": "replica"}, nil
	})
	setting := func(name, want string) check.Check {
		return check.New(check.Meta{ID: "pg." + name, Severity: check.SeverityHigh},
			func(ctx context.Context) check.Result {
				s, err := settings.Get(ctx)
				if err != nil {
					return check.Error(err)
				}
				if s[name] != want {
					return check.Fail(name + " is " + s[name])
				}
				return check.Pass(name + " is " + want)
			})
	}
	r := check.Runner{Limit: 1}
	rep, _ := r.Run(context.Background(), setting("ssl", "on"), setting("wal_level", "replica"))
	fmt.Println(rep.Counts().Pass, "passed with", loads, "load")
	// Output:
	// 2 passed with 1 load
}

// Retry waits until a deployment is ready, and reports the last failure
// if it never becomes ready.
func ExampleRetry() {
	attempts := 0
	ready := check.New(check.Meta{ID: "app.ready", Severity: check.SeverityHigh},
		func(ctx context.Context) check.Result {
			attempts++
			if attempts < 3 {
				return check.Fail("503 from /readyz")
			}
			return check.Pass("200 from /readyz")
		})
	c := check.Retry(ready, check.RetryOptions{For: 5 * time.Second, Interval: time.Millisecond})
	res := c.Run(context.Background())
	fmt.Println(res.Status, attempts, "attempts")
	// Output:
	// pass 3 attempts
}

func ExampleReport_Err() {
	r := check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}
	rep, err := r.Run(context.Background(),
		check.FromError(check.Meta{ID: "db.reachable", Target: "postgres://10.0.0.5:5432/app", Severity: check.SeverityCritical},
			func(ctx context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }))
	if err != nil {
		fmt.Println("invalid run:", err)
		return
	}
	if err := rep.Err(); err != nil {
		fmt.Println("deploy blocked:", err)
	}
	// Output:
	// deploy blocked: db.reachable [postgres://10.0.0.5:5432/app] (critical): fail: dial tcp 10.0.0.5:5432: connection refused
}
