package report_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// exampleChecks are a few checks as a team would write them.
func exampleChecks() []check.Check {
	const section = "Deployment / Docker & Infrastructure"
	return []check.Check{
		check.New(check.Meta{ID: "docker.compose.image-pinned", Target: "docker-compose.yml", Section: section, Item: "Pin image versions", Severity: check.SeverityHigh},
			func(ctx context.Context) check.Result { return check.Pass("all 3 images pinned by digest") }),
		check.New(check.Meta{
			ID: "docker.user.nonroot", Target: "docker-compose.yml", Section: section, Item: "Run containers as non-root", Severity: check.SeverityCritical,
			Remediation: "Set user: in the service.",
		}, func(ctx context.Context) check.Result {
			return check.Fail("1 service runs as root", check.Finding{
				Message:  "runs as root",
				Location: check.Location{File: "docker-compose.yml", Line: 12, Resource: "service api"},
				Expected: "a non-root user", Actual: "root",
			})
		}),
		check.New(check.Meta{ID: "docker.healthcheck", Target: "docker-compose.yml", Section: section, Item: "Set health checks", Severity: check.SeverityMedium},
			func(ctx context.Context) check.Result {
				return check.Fail("1 service has no healthcheck", check.Finding{
					Message: "no healthcheck", Location: check.Location{File: "docker-compose.yml", Line: 30, Resource: "service legacy"},
				})
			}),
		check.FromError(check.Meta{ID: "team.oncall", Title: "An on-call rotation is named", Severity: check.SeverityLow},
			func(ctx context.Context) error { return fmt.Errorf("no rotation configured: %w", check.ErrSkip) }),
		check.New(check.Meta{ID: "team.runbook", Title: "A runbook is linked", Severity: check.SeverityLow},
			func(ctx context.Context) check.Result { return check.Fail("no runbook linked") }),
	}
}

// exampleRun runs exampleChecks with a waiver, a policy that fails the
// run at medium or above, and a fixed clock.
func exampleRun() *check.Report {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	runner := check.Runner{
		Now:    func() time.Time { return now },
		Policy: check.Policy{Threshold: check.SeverityMedium},
		Waivers: []check.Waiver{{
			ID: "docker.healthcheck", Target: "*.yml", Reason: "legacy service, retired in May", Approver: "ana",
			Expires: time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC),
		}},
	}
	rep, err := runner.Run(context.Background(), exampleChecks()...)
	if err != nil {
		log.Fatal(err)
	}
	return rep
}

// fixTimes replaces the times of a real run with fixed ones, so that the
// example's output does not change.
func fixTimes(rep *check.Report) {
	rep.Duration = 20 * time.Millisecond
	for i := range rep.Outcomes {
		rep.Outcomes[i].Start = rep.Start
		rep.Outcomes[i].Duration = time.Duration(i+1) * time.Millisecond
	}
}

func ExampleText() {
	rep := exampleRun()
	// On a terminal, use report.Options{Color: report.ColorAuto(os.Stdout, nil)}.
	if err := report.Text(os.Stdout, rep, report.Options{NoTimings: true}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// FAILED: 1 check fails the run (policy: fail at medium or above); 1 failure does not fail the run under this policy
	// 5 checks: 1 passed, 0 warnings, 3 failed, 0 errors, 1 skipped (1 waived)
	// Failing, most severe first:
	//   ✗ docker.user.nonroot [docker-compose.yml]  critical  1 service runs as root
	//
	// Deployment / Docker & Infrastructure
	//   ✗ docker.user.nonroot [docker-compose.yml]  critical  1 service runs as root
	//       - docker-compose.yml:12 service api: runs as root (expected a non-root user, found root)
	//       fix: Set user: in the service.
	//   ✓ docker.compose.image-pinned [docker-compose.yml]  high      all 3 images pinned by digest
	//   ~ docker.healthcheck [docker-compose.yml]   medium    1 service has no healthcheck (waived fail)
	//       - docker-compose.yml:30 service legacy: no healthcheck
	//       waived: legacy service, retired in May (target *.yml) until 2026-05-31 by ana
	//
	// Other
	//   ✗ team.runbook                              low       no runbook linked (below the threshold)
	//   - team.oncall                               low       no rotation configured: check: skipped
	//
	// FAILED: 5 checks: 1 passed, 0 warnings, 3 failed, 0 errors, 1 skipped (1 waived)
}

func ExampleMarkdown() {
	rep := exampleRun()
	if err := report.Markdown(os.Stdout, rep, report.Options{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// **prodcheck: FAILED**: 1 check fails the run (policy: fail at medium or above); 1 failure does not fail the run under this policy
	//
	// 5 checks: 1 passed, 0 warnings, 3 failed, 0 errors, 1 skipped (1 waived)
	//
	// **Failing, most severe first:**
	//
	// - `docker.user.nonroot [docker-compose.yml]` **fail** (critical): 1 service runs as root
	//
	// ## Deployment
	//
	// ### Docker & Infrastructure
	//
	// - [ ] Run containers as non-root
	//   - `docker.user.nonroot [docker-compose.yml]` **fail** (critical): 1 service runs as root
	//     - `docker-compose.yml:12 service api`: runs as root (expected `a non-root user`, found `root`)
	//     - Fix: Set user: in the service.
	// - [x] Pin image versions
	// - [ ] Set health checks _(waived)_
	//   - `docker.healthcheck [docker-compose.yml]` **fail, waived** (medium): 1 service has no healthcheck
	//     - `docker-compose.yml:30 service legacy`: no healthcheck
	//     - Waived: legacy service, retired in May (target \*.yml) until 2026-05-31 by ana
	//
	// ## Other
	//
	// - [ ] A runbook is linked
	//   - `team.runbook` **fail** (low): no runbook linked
	// - [ ] An on-call rotation is named _(skipped)_
	//   - `team.oncall` **skip** (low): no rotation configured: check: skipped
}

func ExampleJSON() {
	rep := exampleRun()
	fixTimes(rep)
	rep.Outcomes = rep.Outcomes[1:2] // keep the example short
	if err := report.JSON(os.Stdout, rep, report.Options{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {
	//   "schema": "prodcheck/v1",
	//   "start": "2026-03-01T12:00:00Z",
	//   "duration_ms": 20,
	//   "policy": {
	//     "threshold": "medium",
	//     "strict": false,
	//     "allow_nothing_checked": false
	//   },
	//   "passed": false,
	//   "worst": "fail",
	//   "counts": {
	//     "total": 1,
	//     "pass": 0,
	//     "warn": 0,
	//     "fail": 1,
	//     "error": 0,
	//     "skip": 0,
	//     "waived": 0,
	//     "abandoned": 0,
	//     "failing": 1
	//   },
	//   "filtered": 0,
	//   "outcomes": [
	//     {
	//       "id": "docker.user.nonroot",
	//       "target": "docker-compose.yml",
	//       "section": "Deployment / Docker & Infrastructure",
	//       "item": "Run containers as non-root",
	//       "severity": "critical",
	//       "remediation": "Set user: in the service.",
	//       "status": "fail",
	//       "message": "1 service runs as root",
	//       "findings": [
	//         {
	//           "message": "runs as root",
	//           "location": {
	//             "file": "docker-compose.yml",
	//             "line": 12,
	//             "resource": "service api"
	//           },
	//           "expected": "a non-root user",
	//           "actual": "root"
	//         }
	//       ],
	//       "start": "2026-03-01T12:00:00Z",
	//       "duration_ms": 2,
	//       "failing": true
	//     }
	//   ],
	//   "expired_waivers": [],
	//   "unmatched_waivers": []
	// }
}

func ExampleReadJSON() {
	in := `{
	  "schema": "prodcheck/v1",
	  "start": "2026-03-01T12:00:00Z",
	  "duration_ms": 1500,
	  "policy": {"threshold": "high", "strict": false, "allow_nothing_checked": false},
	  "outcomes": [
	    {"id": "db.tls", "target": "postgres://db:5432/app", "severity": "high", "status": "error", "message": "could not connect", "error": "dial tcp: connection refused", "duration_ms": 1200},
	    {"id": "db.backup", "target": "postgres://db:5432/app", "severity": "medium", "status": "fail", "message": "last backup 3 days ago", "duration_ms": 40.5}
	  ],
	  "expired_waivers": [],
	  "unmatched_waivers": []
	}`
	rep, err := report.ReadJSON(strings.NewReader(in))
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Meta.Name(), o.Result.Status, o.Duration, o.Result.Err)
	}
	fmt.Println(rep.Policy)
	fmt.Println(rep.Err())

	_, err = report.ReadJSON(strings.NewReader(`{"schema": "prodcheck/v0"}`))
	fmt.Println(err)
	// Output:
	// db.tls [postgres://db:5432/app] error 1.2s dial tcp: connection refused
	// db.backup [postgres://db:5432/app] fail 40.5ms <nil>
	// fail at high or above
	// db.tls [postgres://db:5432/app] (high): error: could not connect
	// report: unsupported schema "prodcheck/v0" (this version reads "prodcheck/v1")
}

func ExampleJUnit() {
	rep := exampleRun()
	fixTimes(rep)
	rep.Outcomes = rep.Outcomes[:3]
	if err := report.JUnit(os.Stdout, rep, report.Options{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <testsuites name="prodcheck" tests="3" failures="1" errors="0" skipped="1" time="0.020" timestamp="2026-03-01T12:00:00Z">
	//   <testsuite name="Deployment / Docker &amp; Infrastructure" tests="3" failures="1" errors="0" skipped="1" time="0.006" timestamp="2026-03-01T12:00:00Z">
	//     <properties>
	//       <property name="prodcheck.policy" value="fail at medium or above"></property>
	//     </properties>
	//     <testcase name="docker.compose.image-pinned [docker-compose.yml]" classname="Deployment / Docker &amp; Infrastructure" time="0.001">
	//       <properties>
	//         <property name="prodcheck.id" value="docker.compose.image-pinned"></property>
	//         <property name="prodcheck.status" value="pass"></property>
	//         <property name="prodcheck.severity" value="high"></property>
	//         <property name="prodcheck.failing" value="false"></property>
	//         <property name="prodcheck.target" value="docker-compose.yml"></property>
	//       </properties>
	//       <system-out><![CDATA[pass: docker.compose.image-pinned [docker-compose.yml] (high): all 3 images pinned by digest
	// ]]></system-out>
	//     </testcase>
	//     <testcase name="docker.user.nonroot [docker-compose.yml]" classname="Deployment / Docker &amp; Infrastructure" time="0.002" file="docker-compose.yml" line="12">
	//       <properties>
	//         <property name="prodcheck.id" value="docker.user.nonroot"></property>
	//         <property name="prodcheck.status" value="fail"></property>
	//         <property name="prodcheck.severity" value="critical"></property>
	//         <property name="prodcheck.failing" value="true"></property>
	//         <property name="prodcheck.target" value="docker-compose.yml"></property>
	//       </properties>
	//       <failure message="1 service runs as root" type="critical"><![CDATA[fail: docker.user.nonroot [docker-compose.yml] (critical): 1 service runs as root
	// - docker-compose.yml:12 service api: runs as root (expected a non-root user, found root)
	// fix: Set user: in the service.
	// ]]></failure>
	//     </testcase>
	//     <testcase name="docker.healthcheck [docker-compose.yml]" classname="Deployment / Docker &amp; Infrastructure" time="0.003" file="docker-compose.yml" line="30">
	//       <properties>
	//         <property name="prodcheck.id" value="docker.healthcheck"></property>
	//         <property name="prodcheck.status" value="fail"></property>
	//         <property name="prodcheck.severity" value="medium"></property>
	//         <property name="prodcheck.failing" value="false"></property>
	//         <property name="prodcheck.target" value="docker-compose.yml"></property>
	//         <property name="prodcheck.waiver" value="applied"></property>
	//       </properties>
	//       <skipped message="waived: legacy service, retired in May (target *.yml) until 2026-05-31 by ana"></skipped>
	//       <system-out><![CDATA[fail: docker.healthcheck [docker-compose.yml] (medium): 1 service has no healthcheck
	// - docker-compose.yml:30 service legacy: no healthcheck
	// waived: legacy service, retired in May (target *.yml) until 2026-05-31 by ana
	// ]]></system-out>
	//     </testcase>
	//   </testsuite>
	// </testsuites>
}
