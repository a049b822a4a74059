// Package report renders a [check.Report] for people and for machines:
// text for a terminal, JSON, JUnit XML for CI systems, and the checklist as
// Markdown for a pull-request comment.
//
//	var runner check.Runner
//	rep, err := runner.Run(ctx, checks...)
//	if err != nil {
//		return err
//	}
//	err = report.Text(os.Stdout, rep, report.TextOptions{Color: report.ColorAuto(os.Stdout, nil)})
//
// Every renderer writes only what the Report contains: checks keep secrets
// out of their results, and nothing here adds any. The error of a result
// (Result.Err) is printed through the same path as its message, escaped the
// same way. A renderer builds its output in memory and writes it to w in
// one call, so a failed render writes nothing. Renderers do not modify the
// Report and are safe to call concurrently on the same Report.
//
// Outcomes are grouped by Meta.Section in first-seen order; outcomes
// without a section go under "Other".
//
// # Text
//
// [Text] prints one line per check under its section heading:
//
//	Deployment / Docker & Infrastructure
//	  ✓ docker.image.pinned  high      all 3 images pinned by digest (12ms)
//	  ✗ docker.user.nonroot  critical  1 service runs as root (3ms)
//	      - docker-compose.yml:12 service api: runs as root (expected a non-root user, found root)
//	      fix: Set user: in the service.
//	  ~ docker.healthcheck   medium    1 service has no healthcheck (waived fail, 1ms)
//	      - docker-compose.yml:30 service legacy: no healthcheck
//	      waived: legacy service, retired in May until 2026-05-31 by ana
//
//	3 checks: 1 passed, 0 warnings, 2 failed, 0 errors, 0 skipped (1 waived) in 20ms
//
// The marks are ✓ pass, ✗ fail, ! warn, - skip, E error, and ~ for a
// waived failure or warning. Findings, the error and the waiver are
// indented beneath, and the remediation under an unwaived failure or
// warning. The
// summary counts the statuses (waived and abandoned outcomes also count
// under their status), gives the run's duration, and lists expired and
// unmatched waivers. Colour is used only when [TextOptions].Color is set;
// [ColorAuto] decides it for a terminal and honours NO_COLOR.
// [TextOptions].NoTimings leaves out durations for reproducible output.
//
// On a terminal, a [ProgressLine] given to Runner.OnOutcome draws a live
// progress line for runs that last more than a second, and is cleared
// before the report is printed.
//
// # JSON
//
// [JSON] writes, and [ReadJSON] reads, one JSON document in the versioned
// schema "prodcheck/v1" ([Schema]). A report read back equals the report
// written, with errors compared by their text. Within v1, fields are only
// ever added, never renamed or removed; readers ignore fields they do not
// know. The fields:
//
//   - schema: always "prodcheck/v1"; ReadJSON rejects a document without it
//     or with another value with a [*SchemaError].
//   - start: when the run started, RFC 3339 with fractional seconds;
//     omitted when unknown.
//   - duration: how long the run took, as a Go duration string ("1.5s",
//     "250ms", "1h2m3.5s"), exact to the nanosecond and read with
//     time.ParseDuration. Every duration in the document has this form.
//   - passed, worst, counts: conveniences for consumers, derived from the
//     outcomes and ignored on read. passed is Report.Passed at the lowest
//     threshold: false when any outcome is an Error or an unwaived Fail (or
//     an unwaived Warn when strict), or when nothing was checked and that is
//     not allowed. worst is the worst status, counting waived outcomes as
//     passes ("unknown" for an empty run). counts has total, pass, warn,
//     fail, error, skip, waived and abandoned.
//   - strict, allow_nothing_checked, filtered: as in [check.Report].
//   - outcomes: one object per check, in run order, with the check's meta
//     (id, title, section, item, severity, tags, timeout, remediation,
//     refs), its result (status, message, error, findings) and the run's
//     record (start, duration, waiver, waived, abandoned).
//   - status is one of "pass", "skip", "warn", "fail", "error" (and
//     "unknown", which no Runner produces); severity is one of "info",
//     "low", "medium", "high", "critical".
//   - error is the text of Result.Err, present only when it is set; read
//     back as errors.New(text).
//   - findings: message, location (file, line, col, url, resource: those
//     that are set), expected, actual, waived.
//   - waiver (on an outcome), expired_waivers and unmatched_waivers: id,
//     location, reason, approver, expires (RFC 3339).
//
// Empty strings, empty lists, zero numbers and false flags on outcomes and
// findings are omitted; the top-level lists are always present.
//
//	{
//	  "schema": "prodcheck/v1",
//	  "start": "2026-03-01T12:00:00Z",
//	  "duration": "1.25s",
//	  "passed": false,
//	  "worst": "fail",
//	  "counts": {"total": 2, "pass": 1, "warn": 0, "fail": 1, "error": 0, "skip": 0, "waived": 0, "abandoned": 0},
//	  "strict": false,
//	  "allow_nothing_checked": false,
//	  "filtered": 0,
//	  "outcomes": [
//	    {
//	      "id": "docker.image.pinned",
//	      "section": "Deployment / Docker & Infrastructure",
//	      "item": "Pin image versions",
//	      "severity": "high",
//	      "status": "pass",
//	      "message": "all 6 images pinned",
//	      "start": "2026-03-01T12:00:00.001Z",
//	      "duration": "12ms"
//	    },
//	    {
//	      "id": "docker.user.nonroot",
//	      "section": "Deployment / Docker & Infrastructure",
//	      "severity": "critical",
//	      "remediation": "Set user: in the service.",
//	      "status": "fail",
//	      "message": "1 service runs as root",
//	      "findings": [
//	        {
//	          "message": "runs as root",
//	          "location": {"file": "docker-compose.yml", "line": 12, "resource": "service api"},
//	          "expected": "a non-root user",
//	          "actual": "root"
//	        }
//	      ],
//	      "start": "2026-03-01T12:00:00.001Z",
//	      "duration": "3ms"
//	    }
//	  ],
//	  "expired_waivers": [],
//	  "unmatched_waivers": []
//	}
//
// # JUnit XML
//
// [JUnit] writes a <testsuites> root with the totals, one <testsuite> per
// section and one <testcase> per check: name is the check's ID, classname
// its section, time its duration in seconds. A suite's time is the sum of
// its checks' durations (they may have run concurrently); the root's is the
// run's. Statuses map to JUnit as follows:
//
//   - Pass: a passing testcase, with the message in <system-out>.
//   - Warn: a passing testcase, with the message, findings and remediation
//     in <system-out>, so that a warning never fails a CI job.
//   - Fail: <failure message="result message" type="severity">, with the
//     findings, the error and the remediation in its body.
//   - Error: <error message="result message" type="error">, or type
//     "abandoned" for a check abandoned past its deadline, with the error
//     text and findings in its body.
//   - Skip: <skipped message="why it does not apply"/>.
//   - A waived Fail or Warn: <skipped message="waived: reason until
//     2027-01-31 by approver"/>, with the original status, message and
//     findings in <system-out>. A waiver never hides an Error.
//
// # Markdown
//
// [Markdown] rebuilds the checklist from Meta.Section and Meta.Item: the
// parts of a section path ("Deployment / Docker & Infrastructure") become
// headings (## Deployment, ### Docker & Infrastructure), and each checklist
// line becomes a task-list item, ticked only when every check serving it
// passed. A waived or skipped check leaves its line unticked, annotated
// "(waived)" or "(skipped)". Unticked lines list each check that did not
// pass with its status, message, findings (at most ten) and remediation.
// Expired and unmatched waivers close the comment.
package report
