// Package report renders a [check.Report] for people and for machines:
// text for a terminal, JSON, JUnit XML for CI systems, and the checklist as
// Markdown for a pull-request comment.
//
//	runner := check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}
//	rep, err := runner.Run(ctx, checks...)
//	if err != nil {
//		return err // invalid checks, waivers or filters: nothing ran
//	}
//	err = report.Text(os.Stdout, rep, report.Options{Color: report.ColorAuto(os.Stdout, nil)})
//
// The four renderers share one signature, func(w io.Writer, r
// *check.Report, opts Options) error, and one [Options] type whose fields
// say which formats they apply to. A renderer builds its output in memory
// and writes it to w in one call, so a failed render writes nothing.
// Renderers do not modify the Report and are safe to call concurrently on
// the same Report.
//
// # One policy
//
// Whether the run passes, and whether an outcome counts against it, is
// decided by the policy the Runner recorded in the Report (Report.Policy:
// a severity threshold, strict warnings, whether nothing checked is
// allowed) through [check.Policy.Fails], [check.Report.Passed] and
// Counts.Failing, and nowhere else. So every format agrees with the exit
// code: the text and Markdown summaries say PASSED or FAILED with the
// policy, the JSON records the policy and passed under it, and a JUnit
// <failure> or <error> is exactly an outcome that fails the run. A Fail
// below the threshold, or a Warn that is not strict, is shown as such
// ("below the threshold", "does not fail the run") but never as failing.
//
// # What the renderers read
//
// Every renderer writes only what the Report contains: checks keep secrets
// out of their results, and nothing here adds any. Checks are named by
// [check.Meta.Name], "id [target]", everywhere. Waivers are shown as the
// Runner recorded them on each outcome (Outcome.Waiver, with its state:
// applied, partial, expired, not-applicable); no renderer matches waivers
// itself. A panicking check's trimmed stack ([check.PanicError]) is shown
// in every format. Findings of one check that differ only in their
// location are shown once, with the list of their locations.
//
// # Hostile text
//
// The files a check reads may come from a pull request, so the text of a
// result is hostile. Every format passes it through one sanitiser, which
// shows as visible escapes (\x1b, \u202e) what could drive a terminal or
// change how the text around it reads: invalid UTF-8, control characters,
// Unicode format characters (the bidirectional marks, embeddings,
// overrides and isolates, U+200E/F, U+061C, U+202A-202E, U+2066-2069, and
// zero-width characters), and the separators U+2028 and U+2029. Markdown
// also escapes Markdown and HTML, and puts @mentions and issue references
// ("#123", "owner/repo#123", "GH-123") in code spans, so that a posted
// comment neither notifies nor links anyone. JSON carries the text as it
// is (JSON escaping makes it safe to parse; a consumer that displays it
// must do its own escaping).
//
// # Text
//
// [Text] leads with a summary, then the outcomes by section, one line per
// check with findings, error, stack, waiver and remediation beneath:
//
//	FAILED: 1 check fails the run (policy: fail at medium or above); 1 failure does not fail the run under this policy
//	5 checks: 1 passed, 0 warnings, 3 failed, 0 errors, 1 skipped (1 waived) in 20ms
//	Failing, most severe first:
//	  ✗ docker.user.nonroot [docker-compose.yml]  critical  1 service runs as root
//
//	Deployment / Docker & Infrastructure
//	  ✗ docker.user.nonroot [docker-compose.yml]  critical  1 service runs as root (3ms)
//	      - runs as root (expected a non-root user, found root) at 2 places: docker-compose.yml:12 service api; docker-compose.yml:40 service worker
//	      fix: Set user: in the service.
//	  ✓ docker.compose.image-pinned [docker-compose.yml]  high      all 3 images pinned by digest (12ms)
//	  ~ docker.healthcheck [docker-compose.yml]   medium    1 service has no healthcheck (waived fail, 1ms)
//	      - docker-compose.yml:30 service legacy: no healthcheck
//	      waived: legacy service, retired in May until 2026-05-31 by ana
//
//	Other
//	  ✗ team.runbook                              low       no runbook linked (below the threshold, 1ms)
//	  - team.oncall                               low       no rotation configured
//
//	FAILED: 5 checks: 1 passed, 0 warnings, 3 failed, 0 errors, 1 skipped (1 waived) in 20ms
//
// The marks are ✓ pass, ✗ fail, ! warn, - skip, E error, and ~ for a
// waived failure or warning. The summary names at most five failing
// checks, most severe first. Sections with outcomes that fail the run come
// first, the most severe first, and within a section the failing checks
// come first ([OrderSeverity]); [OrderChecklist] keeps the run's order.
// At most ten finding lines are listed under a check, then "… and N more
// findings" ([Options].MaxFindings). The report closes with the verdict
// and counts again, and the expired and unmatched waivers. Colour is used
// only when [Options].Color is set; [ColorAuto] decides it for a terminal
// and honours NO_COLOR. [Options].NoTimings leaves out durations for
// reproducible output.
//
// On a terminal, a [ProgressLine] given to Runner.OnOutcome draws a live
// progress line for runs that last more than a second, ticking with the
// time elapsed while a slow check holds the run, and is cleared before the
// report is printed.
//
// # JSON
//
// [JSON] writes, and [ReadJSON] reads, one JSON document in the versioned
// schema "prodcheck/v1" ([Schema]); report/schema/prodcheck-v1.schema.json
// in the repository is its JSON Schema (draft 2020-12). A report read back
// equals the report written, with errors compared by their text (a panic's
// error comes back as a [*check.PanicError] with its stack) and the zero
// policy threshold read as info. Within v1, fields are only ever added,
// never renamed or removed; readers ignore fields they do not know. The
// JSON keeps every finding; no Options field applies to it. The fields:
//
//   - schema: always "prodcheck/v1"; ReadJSON rejects a document without it
//     or with another value with a [*SchemaError].
//   - start: when the run started, RFC 3339 with fractional seconds;
//     omitted when unknown.
//   - duration_ms: how long the run took, a number of milliseconds exact
//     to the nanosecond (1500, 0.25, 1234.567891). Every duration in the
//     document has this form and a name ending in _ms.
//   - policy: threshold (a severity; the zero policy is written as info),
//     strict, allow_nothing_checked.
//   - passed: whether the run passes under policy (Report.Passed).
//   - worst: the worst status, counting waived outcomes as passes
//     ("unknown" for an empty run).
//   - counts: total, pass, warn, fail, error, skip, waived, abandoned, and
//     failing (outcomes that fail the run under policy).
//   - filtered: checks the Runner's filters left out; still_running:
//     abandoned checks still running when Run returned (omitted when 0).
//   - outcomes: one object per check, in run order: the check's meta (id,
//     target, title, section, item, severity, tags, timeout_ms,
//     remediation, refs), its result (status, message, error, stack,
//     findings) and the run's record (start, duration_ms, waiver, waived,
//     failing, abandoned).
//   - status is one of "pass", "skip", "warn", "fail", "error" (and
//     "unknown", which no Runner produces); severity is one of "info",
//     "low", "medium", "high", "critical".
//   - error is the text of Result.Err, present only when it is set; stack
//     is a panic's trimmed stack, the check's own frames first.
//   - findings: message, location (file, line, col, url, resource: those
//     that are set; file is relative to the root of the target), expected,
//     actual, waived.
//   - waiver (on an outcome) is the Runner's decision: the waiver that
//     decided (id, target, location, reason, approver, expires) with state
//     ("applied", "partial", "expired", "not-applicable") and findings (how
//     many findings it waived). expired_waivers and unmatched_waivers list
//     waivers without state.
//
// passed, worst, counts and each outcome's waived and failing follow from
// the outcomes and the policy, and are ignored on read. Empty strings,
// empty lists, zero numbers and false flags on outcomes and findings are
// omitted; the top-level lists are always present.
//
//	{
//	  "schema": "prodcheck/v1",
//	  "start": "2026-03-01T12:00:00Z",
//	  "duration_ms": 1250,
//	  "policy": {"threshold": "high", "strict": false, "allow_nothing_checked": false},
//	  "passed": true,
//	  "worst": "fail",
//	  "counts": {"total": 2, "pass": 1, "warn": 0, "fail": 1, "error": 0, "skip": 0, "waived": 0, "abandoned": 0, "failing": 0},
//	  "filtered": 0,
//	  "outcomes": [
//	    {
//	      "id": "docker.compose.image-pinned",
//	      "target": "deploy/compose.yml",
//	      "section": "Deployment / Docker & Infrastructure",
//	      "severity": "high",
//	      "status": "pass",
//	      "message": "all 6 images pinned",
//	      "start": "2026-03-01T12:00:00.001Z",
//	      "duration_ms": 12
//	    },
//	    {
//	      "id": "docker.healthcheck",
//	      "target": "deploy/compose.yml",
//	      "severity": "medium",
//	      "status": "fail",
//	      "message": "1 service has no healthcheck",
//	      "findings": [
//	        {"message": "no healthcheck", "location": {"file": "compose.yml", "line": 30, "resource": "service api"}}
//	      ],
//	      "start": "2026-03-01T12:00:00.001Z",
//	      "duration_ms": 3.25
//	    }
//	  ],
//	  "expired_waivers": [],
//	  "unmatched_waivers": []
//	}
//
// # JUnit XML
//
// [JUnit] writes a <testsuites> root with the totals, one <testsuite> per
// section (with the policy as the property prodcheck.policy) and one
// <testcase> per check: name is "id [target]", classname the section, time
// the duration in seconds, file and line those of the first finding with
// a file (GitLab shows them). A suite's time is the sum of its checks'
// durations (they may have run concurrently); the root's is the run's.
// Each testcase carries the properties prodcheck.id, prodcheck.target,
// prodcheck.status, prodcheck.severity, prodcheck.failing (whether it fails
// the run under the policy), and prodcheck.waiver (the waiver state) and
// prodcheck.abandoned when they apply. Outcomes map to JUnit as follows:
//
//   - an Error: <error message="result message" type="error">, or type
//     "abandoned" for a check abandoned past its deadline, with the error
//     text, stack and findings in its body;
//   - a Fail or Warn that fails the run: <failure message="result message"
//     type="severity">, with the findings, the error and the remediation in
//     its body;
//   - a waived Fail or Warn: <skipped message="waived: reason until
//     2027-01-31 by approver"/>, with the original status, message and
//     findings in <system-out> (a waiver never hides an Error);
//   - a Skip: <skipped message="why it does not apply"/>;
//   - a Pass, and a Fail or Warn that does not fail the run: a passing
//     testcase, its status, findings and "does not fail the run (policy:
//     ...)" in <system-out>.
//
// Findings are collapsed and capped by [Options].MaxFindings as in text.
//
// # Markdown
//
// [Markdown] leads with the summary, then rebuilds the checklist from
// Meta.Section and Meta.Item: the parts of a section path ("Deployment /
// Docker & Infrastructure") become headings (## Deployment, ### Docker &
// Infrastructure), and each checklist line becomes a task-list item,
// ticked only when every check serving it passed with no finding. A waived
// or skipped check leaves its line unticked, annotated "(waived)" or
// "(skipped)". Unticked lines list each check that did not pass with its
// status, message, findings, error, stack (in a collapsed <details>
// block), waiver and remediation. Expired and unmatched waivers close the
// comment. GitHub rejects comments over 65,536 characters, so the comment
// is capped at [Options].MaxSize bytes (60,000 by default): whole
// checklist lines are left out from the first that does not fit, and a
// closing note says how many checks and bytes were left out and where the
// full report is ([Options].FullReport). With the default order the
// failing sections come first, and the summary names the worst failures,
// so a cut comment still shows what fails the run.
package report
