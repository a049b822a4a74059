package integration

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests run checks through a Runner, which starts goroutines; none may
// outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
