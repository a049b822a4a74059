// Package integration holds the tests that cross packages: a run of real
// check families (checks/*) rendered by package report. It has no code of
// its own. Keeping these tests here keeps each package's own test build
// small: report's tests import only check, not every family and its
// drivers.
package integration
