// Package prodcheck is the map of the prodcheck module, a Go library that
// turns a production deployment checklist into executable, composable
// checks. This package holds no API.
//
// # Packages
//
//   - check: the core. Check, Meta, Result, Finding, Status, Severity,
//     the Runner that runs checks concurrently with timeouts, panic
//     recovery, filters and waivers, and the Report it returns.
//   - check/checktest: run checks from go test, one subtest per check,
//     and a contract tester for check authors.
//   - report: renderers for a Report: text, JSON (schema prodcheck/v1),
//     JUnit XML and a Markdown checklist.
//   - checks/docker: compose files and Dockerfiles, statically, with a
//     file:line on every finding.
//   - examples: runnable programs (examples/customcheck, examples/gotest).
//
// # Three ways in
//
// Embedding in a deploy pipeline or portal: build a []check.Check from the
// checks packages, run them with a check.Runner, and render the Report
// with package report; Report.Err(threshold) decides whether to deploy.
//
// Writing your own check: check.New(meta, func(ctx) check.Result) or
// check.FromError(meta, func(ctx) error). It runs, reports and fails
// exactly like a built-in one.
//
// Asserting a deployment in go test: checktest.Run(t, checks...) runs the
// checks as subtests and fails with located, actionable messages.
package prodcheck
