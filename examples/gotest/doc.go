// Package gotest shows deployment assertions in go test: a team's checks of
// its web service, and a test (deploy_test.go) that runs them with
// checktest.Run, so that go test fails with a located message when the
// deployment drifts.
//
// The checks are ordinary [check.Check] values built with [check.New] over
// one shared [Page] (a [check.Source]) per URL, so the checks of one run
// read one response per URL; each check's Meta.Target is its URL, so the
// same checks of two services run side by side, as distinct subtests:
//
//	func TestProduction(t *testing.T) {
//		checktest.Run(t, gotest.Checks("https://app.example.com", gotest.Options{})...)
//	}
//
// The test in this directory starts its own service on loopback with
// httptest, so it runs anywhere; point [Checks] at a staging or production
// URL to assert on a real deployment. The same checks run unchanged from a
// deploy pipeline through a [check.Runner], and render with the report
// package.
package gotest
