// Package check is the core of prodcheck: the [Check] interface, the
// [Result] a check returns, and the [Runner] that runs many checks
// concurrently and records a [Report].
//
// # Writing a check
//
// A check is a [Meta] (its stable identity: ID, target, severity,
// checklist section and item, remediation) plus a function:
//
//	c := check.New(check.Meta{ID: "app.debug-off", Target: "https://api.example.com", Severity: check.SeverityCritical},
//		func(ctx context.Context) check.Result {
//			if debugOn() {
//				return check.Fail("DEBUG=true", check.Finding{...})
//			}
//			return check.Pass("DEBUG unset")
//		})
//
// [FromError] turns any health-check function func(ctx) error into a
// check: nil passes, errors matching [ErrSkip] or [ErrWarn] skip or warn,
// context errors are Error, anything else fails. The result helpers
// [Pass], [Fail], [Warn], [Skip], [Error], [Errorf] and [Judge] make a
// check body read like prose. Every finding carries a [Location]
// (file:line, URL or resource) and says what was expected and what was
// found.
//
// # Identity: ID and Target
//
// A check's identity in a run is the pair (Meta.ID, Meta.Target). The ID
// names the rule ("docker.compose.image-pinned"); the Target names the thing it
// judged ("deploy/prod/compose.yml", "https://api.example.com",
// "postgres://db:5432/app", never with credentials). So one rule runs
// against many files, URLs or servers in one run, and waivers, severity
// overrides, filters and every report name both ([Meta.Name]). A part of a
// target (a compose service, a table, a header) is a finding's
// Location.Resource, not a target. Location.File is relative to the root of
// the check's source and is read together with the target.
//
// # One rule, one verdict
//
// A Finding has no severity or status of its own: an outcome has one of
// each. Where a family needs "warn for this, fail for that" (a floating
// major-only tag versus latest), it makes them two IDs, each with its own
// severity and status. Every package of checks follows this rule, so a
// threshold, a waiver or an override always means one thing.
//
// # Statuses
//
// A [Status] is Pass, Skip (does not apply), Warn, Fail or Error (could not
// decide); the worst of several is their maximum. The zero status,
// StatusUnknown, is never an answer: a forgotten Result{} becomes an Error
// outcome, never a pass. So does a Pass that carries findings: the check
// broke its contract.
//
// # Sources
//
// Checks that read the same input share a [Source]: a compose project, a
// Dockerfile, an HTTP response, a database's settings. The Runner puts a
// run-scoped memo in the context, so a source loads once per run however
// many checks read it, and afresh on the next run. The load is detached
// from the deadline of the check that asked first (it has its own,
// [SourceTimeout]), and each reader waits only as long as its own context
// allows. A memo holds data, never a connection: the caller owns pools and
// clients. [Retry] gives each attempt a fresh memo, so it sees fresh data.
//
// # The Runner
//
// [Runner] is a concrete type whose zero value is ready to use, like
// errgroup.Group or http.Server, rather than an interface. There is one
// set of rules for timeouts, panics, cancellation, waivers and the policy,
// and checktest runs checks through the same Runner, so the rules exist
// once; an interface would invite a second implementation with other
// rules, and no caller has needed one. Callers who want other behaviour
// compose checks ([Timeout], [Retry]) or read the Report.
//
// The Runner:
//   - validates every Meta, waiver, override and filter, and rejects two
//     checks with the same (ID, Target), a nil check or a Meta that panics,
//     before anything runs;
//   - runs checks concurrently, Limit at a time (0: [DefaultLimit], a
//     negative limit: no limit), and returns outcomes in input order;
//   - gives each check its own deadline (Meta.Timeout, else Runner.Timeout,
//     else 30 s); a result produced after the deadline is an Error;
//   - recovers a panic into an Error carrying a [*PanicError] with the
//     trimmed stack, and turns a runtime.Goexit (t.FailNow inside a check)
//     into an Error at once ([ErrGoexit]);
//   - copies what it records (findings, tags, refs) and caps every text at
//     a few KB, saying how much was cut;
//   - abandons a check that ignores its deadline at the deadline plus
//     Grace: its outcome is an Error marked Abandoned and its late return
//     is discarded. An abandoned check gives its slot back so the run goes
//     on, but at most max(Limit, DefaultLimit) of them may still be
//     running before the Runner stops starting checks; the Report counts
//     those still running when Run returns ([Report.StillRunning]). One
//     supervisor goroutine and one timer watch all deadlines of a run;
//   - applies filters and severity overrides, and decides waivers as each
//     outcome settles, with an injectable clock for their expiry, so the
//     progress callback already sees the decision ([AppliedWaiver]).
//
// The concurrency bound is a semaphore of the Runner's own rather than
// errgroup's SetLimit: a slot held by an abandoned check must be given
// back when the check is abandoned, and errgroup cannot release a slot
// whose goroutine is still running. Check failures are never errors of a
// group either, so one failure never cancels its siblings.
//
// A Runner is safe for concurrent use as long as its fields are not
// modified while it runs. Run starts no goroutine that outlives it, except
// for checks it had to abandon.
//
// # Policy and reports
//
// One [Policy] on the Runner decides what fails a run, and the [Report]
// records it: an Error always fails; an unwaived Fail fails at or above
// the threshold; a Warn fails only in strict mode; a run where everything
// skipped fails with [ErrNothingChecked] unless allowed. [Policy.Fails],
// [Report.Passed] and [Report.Err] are the one decision that every
// renderer of package report, checktest and the progress line read.
//
// # Waivers
//
// A [Waiver] accepts a known Fail or Warn for a while: by ID glob, and
// optionally by target and finding location, written as path globs where
// "**" crosses directories ("deploy/**/compose.yml:*"). It needs a reason,
// an approver and an expiry no further than MaxWaiverLifetime away. The
// decision does not depend on the order of the waivers; expired and
// unmatched waivers are reported; a waiver never hides an Error.
package check
