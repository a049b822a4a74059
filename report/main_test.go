package report_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests run checks through a Runner, which starts goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
