package check

import (
	"context"
	"fmt"
	"time"
)

// Timeout returns a Check that runs c with a deadline of d, whether it runs
// under a [Runner] (its Meta.Timeout becomes d) or by itself. A result that
// c produces after the deadline is an Error "timed out after d" with c's
// own message attached. Timeout waits for c to return; the Runner's grace
// period is what bounds a check that ignores its context.
func Timeout(c Check, d time.Duration) Check {
	m := c.Meta()
	m.Timeout = d
	return New(m, func(ctx context.Context) Result {
		if d <= 0 {
			return c.Run(ctx)
		}
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		res := c.Run(cctx)
		return settle(res, cctx.Err(), ctx, d)
	})
}

// RetryOptions configures [Retry]. The zero value polls for up to two
// minutes, starting at one second between attempts and doubling up to 15 s.
type RetryOptions struct {
	// For is how long to keep trying; 0 means 2 minutes.
	For time.Duration
	// Interval is the wait after the first failed attempt; 0 means 1 s.
	Interval time.Duration
	// MaxInterval caps the wait between attempts; 0 means 15 s.
	MaxInterval time.Duration
	// Multiplier grows the wait after each failed attempt; below 1 means 2.
	Multiplier float64
	// AcceptWarn stops at a Warn as well as at a Pass.
	AcceptWarn bool
}

// retryMargin is the time Retry keeps, past its own deadline, to return
// its answer before a Runner's deadline for it.
const retryMargin = time.Second

// Retry returns a Check that runs c until it passes or opts.For elapses:
// "wait until the deployment is ready". A Skip also ends it. When time runs
// out (or ctx ends) it returns the last failure, never a pass, with the
// number of attempts in the message. Its Meta.Timeout is opts.For plus a
// second, so that a Runner's deadline does not cut the last attempt.
func Retry(c Check, opts RetryOptions) Check {
	if opts.For <= 0 {
		opts.For = 2 * time.Minute
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 15 * time.Second
	}
	if opts.Multiplier < 1 {
		opts.Multiplier = 2
	}
	m := c.Meta()
	inner := m.Timeout
	m.Timeout = opts.For + retryMargin
	return New(m, func(ctx context.Context) Result {
		start := time.Now()
		deadline := start.Add(opts.For)
		wait := opts.Interval
		var last Result
		for attempt := 1; ; attempt++ {
			budget := time.Until(deadline)
			if budget <= 0 && attempt > 1 {
				return giveUp(last, attempt-1, time.Since(start), ctx.Err())
			}
			if inner > 0 && inner < budget {
				budget = inner
			}
			// Each attempt reads fresh data: its own memo, not the run's.
			actx, cancel := context.WithTimeout(ctx, budget)
			actx, release := WithMemo(actx)
			res := safeRun(actx, c)
			timedOut := actx.Err() != nil
			res = settle(res, actx.Err(), ctx, budget)
			release()
			cancel()
			switch {
			case res.Status == StatusPass, res.Status == StatusSkip,
				res.Status == StatusWarn && opts.AcceptWarn:
				if attempt > 1 {
					res.Message = fmt.Sprintf("%s (after %d attempts in %v)", res.Message, attempt, time.Since(start).Round(time.Millisecond))
				}
				return res
			}
			// A cut-off attempt does not hide a failure an earlier one reported.
			if !timedOut || last.Status == StatusUnknown {
				last = res
			}
			remaining := time.Until(deadline)
			if ctx.Err() != nil || remaining <= 0 {
				return giveUp(last, attempt, time.Since(start), ctx.Err())
			}
			t := time.NewTimer(min(wait, remaining))
			select {
			case <-ctx.Done():
				t.Stop()
				return giveUp(last, attempt, time.Since(start), ctx.Err())
			case <-t.C:
			}
			wait = min(time.Duration(float64(wait)*opts.Multiplier), opts.MaxInterval)
		}
	})
}

// giveUp annotates the last failure of a retry.
func giveUp(last Result, attempts int, took time.Duration, ctxErr error) Result {
	why := "still failing"
	if ctxErr != nil {
		why = "cancelled"
	}
	last.Message = fmt.Sprintf("%s after %d attempts in %v: %s", why, attempts, took.Round(time.Millisecond), last.Message)
	if ctxErr != nil && last.Status != StatusFail {
		last.Status = StatusError
		if last.Err == nil {
			last.Err = ctxErr
		}
	}
	return last
}
