package tlsprobe

import (
	"context"
	"errors"
)

var errCancelledForTest = errors.New("test cancelled the probe")

func contextWithCancel(ctx context.Context) (context.Context, func()) {
	c, cancel := context.WithCancelCause(ctx)
	return c, func() { cancel(errCancelledForTest) }
}
