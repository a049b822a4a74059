// Package check is the core of prodcheck: the [Check] interface, the
// [Result] a check returns, and the [Runner] that runs many checks
// concurrently and records a [Report].
//
// # Writing a check
//
// A check is a [Meta] (its stable identity: ID, severity, checklist
// section and item, remediation) plus a function:
//
//	c := check.New(check.Meta{ID: "app.debug-off", Severity: check.SeverityCritical},
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
// # Statuses
//
// A [Status] is Pass, Skip (does not apply), Warn, Fail or Error (could not
// decide); the worst of several is their maximum. The zero status,
// StatusUnknown, is never an answer: a forgotten Result{} becomes an Error
// outcome, never a pass.
//
// # Sources
//
// Checks that read the same input share a [Source]: a compose project, a
// Dockerfile, an HTTP response, a database's settings. The Runner puts a
// run-scoped memo in the context, so a source loads once per run however
// many checks read it, and afresh on the next run.
//
// # The Runner
//
// [Runner] is a concrete type whose zero value is ready to use, like
// errgroup.Group or http.Server, rather than an interface: there is one
// set of rules for timeouts, panics, cancellation and waivers, and
// checktest runs checks through the same Runner so that the rules exist
// once. Callers who want other behaviour compose checks ([Timeout],
// [Retry]) or read the Report, instead of replacing the Runner.
//
// The Runner:
//   - validates every Meta, waiver and override and rejects duplicate IDs
//     before anything runs;
//   - runs checks concurrently, Limit at a time (0: [DefaultLimit], a
//     negative limit: no limit), and returns outcomes in input order;
//   - gives each check its own deadline (Meta.Timeout, else Runner.Timeout,
//     else 30 s); a result produced after the deadline is an Error;
//   - recovers a panic into an Error carrying a [*PanicError] with the
//     trimmed stack;
//   - abandons a check that ignores its deadline at the deadline plus
//     Grace: its outcome is an Error marked Abandoned and its late return
//     is discarded. One supervisor goroutine and one timer watch all
//     deadlines of a run, so the per-check cost stays near a bare
//     errgroup's;
//   - applies filters, severity overrides and waivers (with an injectable
//     clock for their expiry).
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
// # Reports
//
// A [Report] counts outcomes by status, gives the worst status and decides
// whether the run passed at a severity threshold ([Report.Passed],
// [Report.Err]): an Error always fails a run; an unwaived Fail fails it at
// or above the threshold; a Warn fails it only when Strict; a run where
// everything skipped fails with [ErrNothingChecked] unless
// AllowNothingChecked. Package report renders a Report as text, JSON,
// JUnit XML and Markdown.
package check
