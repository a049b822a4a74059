package check_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func meta(id string) check.Meta {
	return check.Meta{ID: id, Severity: check.SeverityHigh, Section: "Test / Runner", Item: "runs"}
}

func fixed(id string, r check.Result) check.Check {
	return check.New(meta(id), func(context.Context) check.Result { return r })
}

// sleeper honours ctx: it passes after d unless ctx ends first.
func sleeper(id string, d time.Duration) check.Check {
	return check.New(meta(id), func(ctx context.Context) check.Result {
		select {
		case <-time.After(d):
			return check.Pass("slept " + d.String())
		case <-ctx.Done():
			return check.Error(ctx.Err())
		}
	})
}

func TestRunnerOrderAndStatuses(t *testing.T) {
	checks := []check.Check{
		fixed("a.pass", check.Pass("fine")),
		fixed("b.fail", check.Fail("broken", check.Finding{Message: "x", Location: check.Location{File: "f", Line: 3}})),
		fixed("c.warn", check.Warn("meh")),
		fixed("d.skip", check.Skip("n/a")),
		fixed("e.error", check.Errorf("boom: %w", errors.New("cause"))),
		fixed("f.unknown", check.Result{}),
		fixed("g.bogus", check.Result{Status: 99, Message: "what"}),
	}
	var r check.Runner
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	require.Len(t, rep.Outcomes, len(checks))
	want := []check.Status{check.StatusPass, check.StatusFail, check.StatusWarn, check.StatusSkip, check.StatusError, check.StatusError, check.StatusError}
	for i, o := range rep.Outcomes {
		assert.Equal(t, checks[i].Meta().ID, o.Meta.ID, "order")
		assert.Equal(t, want[i], o.Result.Status, o.Meta.ID)
		assert.False(t, o.Start.IsZero(), o.Meta.ID)
	}
	assert.Contains(t, rep.Outcomes[5].Result.Message, "no status")
	assert.Contains(t, rep.Outcomes[6].Result.Message, "invalid status(99): what")
	assert.Equal(t, check.Counts{Pass: 1, Fail: 1, Warn: 1, Skip: 1, Error: 3, Failing: 4}, rep.Counts())
	assert.Equal(t, check.StatusError, rep.Worst())
	assert.False(t, rep.Passed())
}

func TestRunnerPanic(t *testing.T) {
	c := check.New(meta("p.panics"), func(context.Context) check.Result {
		panic(fmt.Errorf("config %q: %w", "app.yaml", errors.New("nil pointer in loader")))
	})
	rep, err := (&check.Runner{}).Run(t.Context(), c, fixed("p.fine", check.Pass("ok")))
	require.NoError(t, err)
	o := rep.Outcomes[0]
	assert.Equal(t, check.StatusError, o.Result.Status)
	assert.Equal(t, `panic: config "app.yaml": nil pointer in loader`, o.Result.Message)
	var pe *check.PanicError
	require.ErrorAs(t, o.Result.Err, &pe)
	assert.ErrorContains(t, errors.Unwrap(pe), "nil pointer in loader", "a panic with an error unwraps to it")
	assert.Contains(t, pe.Stack, "runner_test.go", "stack names the panicking check")
	assert.NotContains(t, pe.Stack, "safeRun", "runner frames trimmed")
	assert.Equal(t, check.StatusPass, rep.Outcomes[1].Result.Status, "a panic does not stop the others")
}

func TestRunnerTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := check.Runner{Timeout: time.Second}
		slow := sleeper("t.slow", time.Hour)
		own := check.Timeout(sleeper("t.own", time.Hour), 100*time.Millisecond)
		quick := sleeper("t.quick", 10*time.Millisecond)
		start := time.Now()
		rep, err := r.Run(t.Context(), slow, own, quick)
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start), "the run ends at the longest deadline")
		assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status)
		assert.Contains(t, rep.Outcomes[0].Result.Message, "timed out after 1s")
		assert.ErrorIs(t, rep.Outcomes[0].Result.Err, context.DeadlineExceeded)
		assert.Contains(t, rep.Outcomes[1].Result.Message, "timed out after 100ms", "Meta.Timeout wins")
		assert.Equal(t, 100*time.Millisecond, rep.Outcomes[1].Duration)
		assert.Equal(t, check.StatusPass, rep.Outcomes[2].Result.Status)
		assert.False(t, rep.Outcomes[0].Abandoned)
	})
}

func TestRunnerLateResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Ignores ctx, but returns before the grace period ends.
		late := check.New(meta("t.late"), func(context.Context) check.Result {
			time.Sleep(1500 * time.Millisecond)
			return check.Pass("all good, 3 replicas")
		})
		rep, err := (&check.Runner{Timeout: time.Second}).Run(t.Context(), late)
		require.NoError(t, err)
		o := rep.Outcomes[0]
		assert.Equal(t, check.StatusError, o.Result.Status, "a result after the deadline is not a pass")
		assert.Equal(t, "timed out after 1s: context deadline exceeded (check said: all good, 3 replicas)", o.Result.Message)
		assert.False(t, o.Abandoned)
	})
}

func TestRunnerAbandonsStuckCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var returned atomic.Bool
		stuck := check.New(meta("t.stuck"), func(context.Context) check.Result {
			<-release // ignores its context entirely
			returned.Store(true)
			return check.Pass("too late")
		})
		r := check.Runner{Timeout: time.Second, Grace: 500 * time.Millisecond, Limit: 1}
		start := time.Now()
		rep, err := r.Run(t.Context(), stuck, sleeper("t.next", time.Millisecond))
		require.NoError(t, err)
		assert.Equal(t, 1500*time.Millisecond+time.Millisecond, time.Since(start),
			"returns at deadline plus grace, and the abandoned check's slot is given back")
		o := rep.Outcomes[0]
		assert.True(t, o.Abandoned)
		assert.Equal(t, check.StatusError, o.Result.Status)
		assert.Contains(t, o.Result.Message, "timed out after 1s and still running 500ms later")
		assert.Equal(t, 1, rep.Counts().Abandoned)
		assert.Equal(t, check.StatusPass, rep.Outcomes[1].Result.Status)

		close(release)
		synctest.Wait()
		assert.True(t, returned.Load())
		assert.True(t, rep.Outcomes[0].Abandoned, "the late return writes nowhere")
		assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status)
	})
}

func TestRunnerCancelledParent(t *testing.T) {
	t.Run("before run", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var ran atomic.Int32
		c := check.New(meta("c.counted"), func(context.Context) check.Result { ran.Add(1); return check.Pass("ran") })
		rep, err := (&check.Runner{}).Run(ctx, c, fixed("c.other", check.Pass("x")))
		require.NoError(t, err)
		assert.Zero(t, ran.Load(), "nothing starts on a cancelled context")
		for _, o := range rep.Outcomes {
			assert.Equal(t, check.StatusError, o.Result.Status)
			assert.Contains(t, o.Result.Message, "cancelled before it started")
			assert.True(t, o.Start.IsZero())
		}
		assert.False(t, rep.Passed())
	})
	t.Run("during run", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(t.Context())
			time.AfterFunc(100*time.Millisecond, func() { cancel(errors.New("deploy aborted")) })
			release := make(chan struct{})
			deaf := check.New(meta("c.deaf"), func(context.Context) check.Result { <-release; return check.Pass("late") })
			r := check.Runner{Limit: 2, Grace: time.Second}
			start := time.Now()
			rep, err := r.Run(ctx, sleeper("c.slow", time.Hour), deaf, sleeper("c.queued", time.Millisecond))
			require.NoError(t, err)
			assert.Equal(t, 1100*time.Millisecond, time.Since(start), "cancellation plus grace bounds the run")
			assert.Contains(t, rep.Outcomes[0].Result.Message, "cancelled: deploy aborted")
			assert.True(t, rep.Outcomes[1].Abandoned)
			assert.Contains(t, rep.Outcomes[1].Result.Message, "cancelled (deploy aborted)")
			assert.Contains(t, rep.Outcomes[2].Result.Message, "cancelled before it started: deploy aborted")
			close(release)
			synctest.Wait()
		})
	})
}

func TestRunnerManyChecks(t *testing.T) {
	const n = 10000
	checks := make([]check.Check, n)
	for i := range checks {
		st := check.Pass(fmt.Sprint(i))
		if i%1000 == 999 {
			st = check.Warn(fmt.Sprint(i))
		}
		checks[i] = fixed(fmt.Sprintf("many.c%05d", i), st)
	}
	var done atomic.Int32
	var lastDone int
	r := check.Runner{OnOutcome: func(p check.Progress) {
		done.Add(1)
		assert.Equal(t, n, p.Total)
		assert.Equal(t, lastDone+1, p.Done, "progress calls are serialised and counted")
		lastDone = p.Done
	}}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	require.Len(t, rep.Outcomes, n)
	for i, o := range rep.Outcomes {
		if o.Result.Message != fmt.Sprint(i) {
			t.Fatalf("outcome %d has message %q: out of order", i, o.Result.Message)
		}
	}
	assert.Equal(t, int32(n), done.Load())
	assert.Equal(t, check.Counts{Pass: n - 10, Warn: 10}, rep.Counts())
	assert.True(t, rep.Passed())
	r.Policy.Strict = true
	lastDone = 0
	rep, err = r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.False(t, rep.Passed(), "strict: warnings fail")
}

func TestRunnerLimit(t *testing.T) {
	for _, tc := range []struct {
		limit, checks, want int
	}{
		{limit: 3, checks: 20, want: 3},
		{limit: 0, checks: 300, want: check.DefaultLimit},
		{limit: -1, checks: 500, want: 500},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var cur, peak atomic.Int32
				checks := make([]check.Check, tc.checks)
				for i := range checks {
					checks[i] = check.New(meta(fmt.Sprintf("l.c%d", i)), func(ctx context.Context) check.Result {
						n := cur.Add(1)
						for {
							p := peak.Load()
							if n <= p || peak.CompareAndSwap(p, n) {
								break
							}
						}
						defer cur.Add(-1)
						select {
						case <-time.After(20 * time.Millisecond):
							return check.Pass("ok")
						case <-ctx.Done():
							return check.Error(ctx.Err())
						}
					})
				}
				start := time.Now()
				rep, err := (&check.Runner{Limit: tc.limit}).Run(t.Context(), checks...)
				require.NoError(t, err)
				assert.Equal(t, tc.want, int(peak.Load()))
				rounds := (tc.checks + tc.want - 1) / tc.want
				assert.Equal(t, time.Duration(rounds)*20*time.Millisecond, time.Since(start))
				assert.Equal(t, tc.checks, rep.Counts().Pass)
			})
		})
	}
}

func TestRunnerInvalid(t *testing.T) {
	var ran atomic.Int32
	ok := check.New(meta("v.ok"), func(context.Context) check.Result { ran.Add(1); return check.Pass("") })
	bad := []check.Check{
		ok,
		check.New(check.Meta{Severity: check.SeverityLow}, nil),
		check.New(check.Meta{ID: "v.unset"}, nil),
		check.New(check.Meta{ID: "Not An ID", Severity: check.SeverityLow}, nil),
		check.New(meta("v.ok"), nil),
		nil,
	}
	rep, err := (&check.Runner{}).Run(t.Context(), bad...)
	require.Error(t, err)
	assert.Nil(t, rep)
	assert.ErrorIs(t, err, check.ErrInvalid)
	msg := err.Error()
	for _, want := range []string{"check 1: check: invalid meta", "empty ID", "severity unset", `"Not An ID" is not lower-case`, `checks 0 and 4 are both "v.ok"`, "check 5 is nil"} {
		assert.Contains(t, msg, want)
	}
	assert.Zero(t, ran.Load(), "nothing runs when the run is invalid")

	_, err = (&check.Runner{Waivers: []check.Waiver{{ID: "v.*", Reason: " \t"}}, Overrides: []check.Override{{ID: "[", Severity: check.SeverityLow}}}).Run(t.Context(), ok)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no reason", "a whitespace-only reason is none")
	assert.Contains(t, err.Error(), "no approver")
	assert.Contains(t, err.Error(), "no expiry")
	assert.Contains(t, err.Error(), `severity override "["`)
}

func TestRunnerFiltersAndOverrides(t *testing.T) {
	mk := func(id string, sev check.Severity, tags ...string) check.Check {
		return check.New(check.Meta{ID: id, Severity: sev, Tags: tags}, func(context.Context) check.Result { return check.Fail("no") })
	}
	checks := []check.Check{
		mk("docker.compose.image-pinned", check.SeverityHigh, "docker"),
		mk("docker.compose.log-rotation", check.SeverityLow, "docker"),
		mk("tls.version", check.SeverityHigh, "security"),
		mk("tls.hsts", check.SeverityMedium, "security"),
	}
	r := check.Runner{
		Filter:    check.Filter{IDs: []string{"docker.*", "tls.*"}, ExcludeIDs: []string{"tls.version"}, MinSeverity: check.SeverityMedium},
		Overrides: []check.Override{{ID: "docker.*", Severity: check.SeverityMedium}, {ID: "docker.compose.log-*", Severity: check.SeverityCritical}},
	}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	var ids []string
	for _, o := range rep.Outcomes {
		ids = append(ids, o.Meta.ID+"="+o.Meta.Severity.String())
	}
	assert.Equal(t, []string{"docker.compose.image-pinned=medium", "docker.compose.log-rotation=critical", "tls.hsts=medium"}, ids)
	assert.Equal(t, 1, rep.Filtered)

	r = check.Runner{Filter: check.Filter{Tags: []string{"security"}}}
	rep, err = r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.Len(t, rep.Outcomes, 2)
}

func TestRunnerWaivers(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	findings := []check.Finding{
		{Message: "unpinned", Location: check.Location{File: "compose.yml", Line: 3, Resource: `service "legacy"`}},
		{Message: "unpinned", Location: check.Location{File: "compose.yml", Line: 9, Resource: `service "api"`}},
	}
	checks := []check.Check{
		fixed("w.fail", check.Fail("2 unpinned", findings...)),
		fixed("w.partial", check.Fail("2 unpinned", findings...)),
		fixed("w.located", check.Fail("1 unpinned", findings[0])),
		fixed("w.expired", check.Fail("bad")),
		fixed("w.error", check.Errorf("cannot connect")),
		fixed("w.pass", check.Pass("fine")),
	}
	week := now.Add(7 * 24 * time.Hour)
	waivers := []check.Waiver{
		{ID: "w.fail", Reason: "migrating", Approver: "ana", Expires: week},
		{ID: "w.partial", Location: `service "legacy"`, Reason: "legacy", Approver: "ana", Expires: week},
		{ID: "w.located", Location: "compose.yml:3", Reason: "legacy", Approver: "ana", Expires: week},
		{ID: "w.expired", Reason: "was ok", Approver: "ana", Expires: now.Add(-time.Hour)},
		{ID: "w.error", Reason: "tries to hide an error", Approver: "ana", Expires: week},
		{ID: "w.nothing.*", Reason: "stale", Approver: "ana", Expires: week},
	}
	r := check.Runner{Waivers: waivers, Now: func() time.Time { return now }}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	o := rep.Outcomes
	assert.True(t, o[0].Waived())
	assert.Equal(t, "ana", o[0].Waiver.Waiver.Approver)
	assert.False(t, o[1].Waived(), "one finding remains unwaived")
	assert.Equal(t, check.WaiverPartial, o[1].Waiver.State)
	assert.Equal(t, 1, o[1].Waiver.Findings)
	assert.True(t, o[1].Result.Findings[0].Waived)
	assert.False(t, o[1].Result.Findings[1].Waived)
	assert.True(t, o[2].Waived(), "every finding matched the location pattern")
	assert.False(t, o[3].Waived(), "expired waivers do not waive")
	require.NotNil(t, o[3].Waiver)
	assert.Equal(t, check.WaiverExpired, o[3].Waiver.State)
	assert.False(t, o[4].Waived(), "a waiver never hides Error")
	assert.Equal(t, check.WaiverNotApplicable, o[4].Waiver.State)
	assert.Nil(t, o[5].Waiver)
	assert.Equal(t, check.StatusError, o[4].Result.Status)
	assert.Equal(t, []check.Waiver{waivers[3]}, rep.ExpiredWaivers)
	assert.Equal(t, []check.Waiver{waivers[5]}, rep.UnmatchedWaivers)
	assert.Equal(t, 2, rep.Counts().Waived)

	err = rep.Err()
	require.Error(t, err)
	for _, id := range []string{"w.partial", "w.expired", "w.error"} {
		assert.Contains(t, err.Error(), id)
	}
	for _, id := range []string{"w.fail ", "w.located"} {
		assert.NotContains(t, err.Error(), id)
	}
	var oe *check.OutcomeError
	require.ErrorAs(t, err, &oe)

	// The same waivers a week later have all expired.
	r.Now = func() time.Time { return week }
	rep, err = r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.Zero(t, rep.Counts().Waived)
	assert.Len(t, rep.ExpiredWaivers, 5)
	assert.Len(t, findings, 2)
	assert.False(t, findings[0].Waived, "the check's own findings are not modified")
}

func TestReportPassRules(t *testing.T) {
	low := check.New(check.Meta{ID: "r.low", Severity: check.SeverityLow}, func(context.Context) check.Result { return check.Fail("minor") })
	skip := fixed("r.skip", check.Skip("n/a"))
	r := check.Runner{}
	rep, err := r.Run(t.Context(), low, skip)
	require.NoError(t, err)
	assert.False(t, rep.Passed(), "the zero policy counts every failure")
	r.Policy.Threshold = check.SeverityMedium
	rep, err = r.Run(t.Context(), low, skip)
	require.NoError(t, err)
	assert.Equal(t, r.Policy, rep.Policy, "the policy is recorded")
	assert.True(t, rep.Passed(), "a low failure below the threshold passes")
	assert.Zero(t, rep.Counts().Failing)
	if err := rep.Err(); err != nil { // no typed nil
		t.Fatalf("Err returned a non-nil interface: %#v", err)
	}
	r.Policy.Threshold = check.SeverityLow
	rep, err = r.Run(t.Context(), low, skip)
	require.NoError(t, err)
	assert.False(t, rep.Passed())
	assert.Equal(t, 1, rep.Counts().Failing)

	rep, err = r.Run(t.Context(), skip)
	require.NoError(t, err)
	assert.ErrorIs(t, rep.Err(), check.ErrNothingChecked)
	assert.True(t, rep.NothingChecked())
	r.Policy.AllowNothingChecked = true
	rep, err = r.Run(t.Context(), skip)
	require.NoError(t, err)
	assert.True(t, rep.Passed())

	rep, err = (&check.Runner{}).Run(t.Context())
	require.NoError(t, err)
	assert.ErrorIs(t, rep.Err(), check.ErrNothingChecked, "an empty run checked nothing")
}

func TestFromError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want check.Status
	}{
		{nil, check.StatusPass},
		{fmt.Errorf("no replicas: %w", check.ErrSkip), check.StatusSkip},
		{fmt.Errorf("cert expires in 20 days: %w", check.ErrWarn), check.StatusWarn},
		{fmt.Errorf("dial: %w", context.DeadlineExceeded), check.StatusError},
		{context.Canceled, check.StatusError},
		{errors.New("connection refused"), check.StatusFail},
	} {
		c := check.FromError(meta("fe.x"), func(context.Context) error { return tc.err })
		res := c.Run(t.Context())
		assert.Equal(t, tc.want, res.Status, "%v", tc.err)
		if tc.err != nil {
			assert.Equal(t, tc.err.Error(), res.Message)
			assert.ErrorIs(t, res.Err, tc.err)
		}
	}
	assert.Equal(t, check.StatusError, check.FromError(meta("fe.nil"), nil).Run(t.Context()).Status)
	assert.Equal(t, check.StatusError, check.New(meta("fe.nil"), nil).Run(t.Context()).Status)
}

func TestSourceLoadsOncePerRun(t *testing.T) {
	var loads atomic.Int32
	src := check.NewSource(func(ctx context.Context) (string, error) {
		loads.Add(1)
		time.Sleep(5 * time.Millisecond) // let the others pile up
		return "settings", nil
	})
	checks := make([]check.Check, 50)
	for i := range checks {
		checks[i] = check.New(meta(fmt.Sprintf("s.c%d", i)), func(ctx context.Context) check.Result {
			v, err := src.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			return check.Pass(v)
		})
	}
	r := check.Runner{}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.Equal(t, 50, rep.Counts().Pass)
	assert.Equal(t, int32(1), loads.Load(), "one load for 50 concurrent readers")
	_, err = r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.Equal(t, int32(2), loads.Load(), "each run loads afresh")
	checks[0].Run(t.Context())
	checks[0].Run(t.Context())
	assert.Equal(t, int32(4), loads.Load(), "a check run directly loads on each call")
}

func TestSourceErrorsAndPanics(t *testing.T) {
	broken := check.NewSource(func(ctx context.Context) (int, error) {
		return 0, errors.New("docker-compose.yml:3: mapping values are not allowed here")
	})
	panicky := check.NewSource(func(ctx context.Context) (int, error) { panic("parser bug") })
	use := func(id string, s *check.Source[int]) check.Check {
		return check.New(meta(id), func(ctx context.Context) check.Result {
			if _, err := s.Get(ctx); err != nil {
				return check.Errorf("compose: %w", err)
			}
			return check.Pass("loaded")
		})
	}
	rep, err := (&check.Runner{}).Run(t.Context(), use("s.a", broken), use("s.b", broken), use("s.p1", panicky), use("s.p2", panicky))
	require.NoError(t, err)
	for _, o := range rep.Outcomes[:2] {
		assert.Equal(t, check.StatusError, o.Result.Status)
		assert.Contains(t, o.Result.Message, "docker-compose.yml:3: mapping values")
	}
	for _, o := range rep.Outcomes[2:] {
		assert.Contains(t, o.Result.Message, "panic: parser bug", "a panicking load fails every reader and blocks none")
	}
}

func TestRetry(t *testing.T) {
	t.Run("passes once ready", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var calls atomic.Int32
			c := check.Retry(check.New(meta("r.ready"), func(context.Context) check.Result {
				if calls.Add(1) < 4 {
					return check.Fail("503 from /healthz")
				}
				return check.Pass("200 from /healthz")
			}), check.RetryOptions{For: time.Minute, Interval: time.Second})
			start := time.Now()
			res := c.Run(t.Context())
			assert.Equal(t, check.StatusPass, res.Status)
			assert.Equal(t, "200 from /healthz (after 4 attempts in 7s)", res.Message)
			assert.Equal(t, 7*time.Second, time.Since(start), "waits 1s, 2s, 4s")
		})
	})
	t.Run("surfaces the last failure", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var calls atomic.Int32
			c := check.Retry(check.New(meta("r.never"), func(context.Context) check.Result {
				return check.Fail(fmt.Sprintf("503 (attempt %d)", calls.Add(1)))
			}), check.RetryOptions{For: 10 * time.Second, Interval: time.Second, MaxInterval: 2 * time.Second})
			assert.Equal(t, 11*time.Second, c.Meta().Timeout)
			start := time.Now()
			res := c.Run(t.Context())
			assert.Equal(t, check.StatusFail, res.Status, "a failure that only repeats never passes")
			assert.Equal(t, 10*time.Second, time.Since(start))
			// attempts at 0, 1, 3, 5, 7 and 9 s; none is started with no time left
			assert.Equal(t, "still failing after 6 attempts in 10s: 503 (attempt 6)", res.Message)
		})
	})
	t.Run("slow attempt does not hide the failure", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var calls atomic.Int32
			c := check.Retry(check.New(meta("r.slow"), func(ctx context.Context) check.Result {
				if calls.Add(1) == 1 {
					return check.Fail("replica lag 40s")
				}
				<-ctx.Done()
				return check.Error(ctx.Err())
			}), check.RetryOptions{For: 5 * time.Second})
			res := c.Run(t.Context())
			assert.Equal(t, check.StatusFail, res.Status)
			assert.Contains(t, res.Message, "replica lag 40s")
		})
	})
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
			defer cancel()
			c := check.Retry(fixed("r.cancel", check.Fail("down")), check.RetryOptions{})
			res := c.Run(ctx)
			assert.Equal(t, check.StatusFail, res.Status)
			assert.True(t, strings.HasPrefix(res.Message, "cancelled after 2 attempts in 2.5s: down"), res.Message)
		})
	})
}

func TestMetaValidate(t *testing.T) {
	for id, ok := range map[string]bool{
		"docker.compose.image-pinned": true, "tls.min-version": true, "pg.ssl_on": true, "a": true, "v2.x": true,
		"": false, "Docker.x": false, "a..b": false, ".a": false, "a.": false, "a b": false, "ä.b": false,
	} {
		err := check.Meta{ID: id, Severity: check.SeverityLow}.Validate()
		assert.Equal(t, ok, err == nil, "%q: %v", id, err)
	}
	assert.Error(t, check.Meta{ID: "a", Severity: check.SeverityLow, Timeout: -1}.Validate())
}

func TestLocationAndFindingString(t *testing.T) {
	f := check.Finding{
		Message:  `service "db" publishes 5432 on all interfaces`,
		Location: check.Location{File: "docker-compose.yml", Line: 23, Col: 7, Resource: `service "db"`},
		Expected: "127.0.0.1:5432:5432 or no ports",
		Actual:   "5432:5432",
	}
	assert.Equal(t, `docker-compose.yml:23:7 service "db": service "db" publishes 5432 on all interfaces (expected 127.0.0.1:5432:5432 or no ports, found 5432:5432)`, f.String())
	assert.Equal(t, "https://x.test/ header HSTS", check.Location{URL: "https://x.test/", Resource: "header HSTS"}.String())
	assert.True(t, check.Location{}.IsZero())
}

func TestSourceReloadsAfterLoaderTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var loads atomic.Int32
		src := check.NewSource(func(ctx context.Context) (string, error) {
			loads.Add(1)
			select {
			case <-time.After(2 * time.Second):
				return "loaded", nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		})
		use := func(id string, timeout, after time.Duration) check.Check {
			m := meta(id)
			m.Timeout = timeout
			return check.New(m, func(ctx context.Context) check.Result {
				time.Sleep(after) // decides which check starts the load
				v, err := src.Get(ctx)
				if err != nil {
					return check.Error(err)
				}
				return check.Pass(v)
			})
		}
		// The short check starts the load and times out; the load goes on,
		// detached from its deadline, and the long one reads it.
		rep, err := (&check.Runner{Limit: -1}).Run(t.Context(), use("s.short", time.Second, 0), use("s.long", 10*time.Second, 100*time.Millisecond))
		require.NoError(t, err)
		assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status)
		assert.Equal(t, check.StatusPass, rep.Outcomes[1].Result.Status, rep.Outcomes[1].Result.Message)
		assert.Equal(t, int32(1), loads.Load(), "one load, not cut by the first reader's deadline")
	})
}
