// Package checktest runs checks from go test, and verifies that a check
// keeps the contract every [check.Check] promises.
//
// It serves two kinds of test:
//
//   - Deployment assertions: a test that runs real checks against a real
//     deployment (or one started by the test), so that go test fails with a
//     precise, located message when production drifts. See [Run] and
//     [RunWith].
//   - Tests of a check: the author of a check asserts what it answers on
//     known inputs ([AssertStatus], [AssertPass]) and that it behaves
//     ([Contract], [VerifyContract]).
//
// # Running checks as subtests
//
// [Run] runs checks through a [check.Runner], the same Runner a deploy
// pipeline or the CLI uses, so timeouts, panics, abandonment, waivers,
// filters, severity overrides and the run's [check.Policy] follow the same
// rules in a test. Each outcome becomes a subtest named by the check's
// [check.Meta.Name], "id [target]", so one rule against two URLs gives two
// subtests:
//
//	func TestDeployment(t *testing.T) {
//		checktest.Run(t,
//			docker.ComposeImagePinned(project),
//			security.HSTS(site),
//		)
//	}
//
// A pass passes (and logs what was measured), a skip skips with the
// check's reason, a warning is logged and passes unless the Runner is
// strict, and a failure or an error fails the subtest with the check's
// message, every finding with its location, what was expected and what was
// found, the remediation, and the cause. A waived failure passes with a log
// line naming the waiver. Every failure and log line names the line of
// the test that called Run, not a line of checktest. Use [RunWith] to pass
// a configured Runner: policy, waivers, filters, severity overrides,
// timeouts.
//
// Whether an outcome fails its subtest is decided by the Runner's Policy,
// recorded in the Report, as everywhere else. With [Run] (the zero Policy)
// every unwaived failure fails, whatever its severity. With RunWith, a
// Policy.Threshold lets failures below it pass (logged), Policy.Strict
// makes warnings fail, Filter.MinSeverity leaves low-severity checks out,
// and a [check.Waiver] accepts a known failure for a while.
//
// # Assertions for any test framework
//
// The assertion helpers take the minimal [TestingT] (an Errorf method), or
// [RequireT] (Errorf and FailNow) for the Require variants, so they serve
// *testing.T, testify's mocks and suites, and any framework with those
// methods. They call Helper when the value has it, so failures name the
// caller's line. Like testify's assert
// functions, the Assert helpers report whether the assertion held; the
// Require helpers stop the test when it did not.
//
// The helpers that run checks take the context first after the test
// value, and run the checks through a zero [check.Runner]: each check is
// bounded by its Meta.Timeout or [check.DefaultTimeout]. Pass t.Context()
// in a test.
//
// # The check contract
//
// [VerifyContract] runs a check several ways and returns every violation
// of the contract of [check.Check]: its Meta is valid and stable, it
// returns promptly once its context is cancelled and then does not decide
// (it answers Error, or Skip), it is safe for concurrent runs and answers
// them consistently, and each result is well formed (a valid status, a
// message, no findings on a pass, every finding located and described).
// [Contract] reports the same as one subtest per rule. Run it under
// -race: the concurrent runs make data races visible.
package checktest
