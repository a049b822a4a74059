package testenv

import (
	"testing"

	"go.uber.org/goleak"
)

// Nginx runs a goroutine that reaps the process; none may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
