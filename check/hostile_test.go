package check_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each test here is one item of the "hostile checks" list: whatever a
// check does, the run ends in outcomes, never in a crash or a hang.

// metaPanics is a check whose Meta panics.
type metaPanics struct{}

func (metaPanics) Meta() check.Meta                 { panic("meta exploded") }
func (metaPanics) Run(context.Context) check.Result { return check.Pass("never") }

// ptrCheck is a pointer check, to pass as a typed nil.
type ptrCheck struct{ m check.Meta }

func (c *ptrCheck) Meta() check.Meta                 { return c.m }
func (c *ptrCheck) Run(context.Context) check.Result { return check.Pass("ran") }

func TestRunnerRejectsHostileChecks(t *testing.T) {
	var typedNil *ptrCheck
	var ran atomic.Int32
	ok := check.New(meta("h.ok"), func(context.Context) check.Result { ran.Add(1); return check.Pass("") })
	rep, err := (&check.Runner{}).Run(t.Context(), ok, metaPanics{}, typedNil, nil, metaPanics{})
	require.Error(t, err, "a panicking Meta or a nil check makes the run invalid, never a crash")
	assert.Nil(t, rep)
	assert.ErrorIs(t, err, check.ErrInvalid)
	for _, want := range []string{"check 1 Meta panicked: meta exploded", "check 2 is a nil *check_test.ptrCheck", "check 3 is nil", "check 4 Meta panicked"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Zero(t, ran.Load(), "nothing runs when the run is invalid")
}

func TestRunnerGoexit(t *testing.T) {
	for _, timeout := range []time.Duration{0, -1, time.Hour} {
		t.Run(fmt.Sprint("runner timeout ", timeout), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				exits := check.New(meta("h.goexit"), func(context.Context) check.Result {
					runtime.Goexit() // what t.FailNow or require does inside a check
					return check.Pass("unreachable")
				})
				start := time.Now()
				rep, err := (&check.Runner{Timeout: timeout}).Run(t.Context(), exits, fixed("h.next", check.Pass("fine")))
				require.NoError(t, err)
				assert.Zero(t, time.Since(start), "detected at once, not at deadline plus grace")
				o := rep.Outcomes[0]
				assert.Equal(t, check.StatusError, o.Result.Status)
				assert.ErrorIs(t, o.Result.Err, check.ErrGoexit)
				assert.Contains(t, o.Result.Message, "runtime.Goexit")
				assert.False(t, o.Abandoned)
				assert.Equal(t, check.StatusPass, rep.Outcomes[1].Result.Status)
			})
		})
	}
}

func TestRunnerPassWithFindingsIsError(t *testing.T) {
	c := fixed("h.liar", check.Result{Status: check.StatusPass, Message: "all good", Findings: []check.Finding{{Message: "but this"}}})
	rep, err := (&check.Runner{}).Run(t.Context(), c)
	require.NoError(t, err)
	o := rep.Outcomes[0]
	assert.Equal(t, check.StatusError, o.Result.Status)
	assert.Contains(t, o.Result.Message, "broke its contract: it passed with 1 findings")
	assert.Len(t, o.Result.Findings, 1, "the finding is kept, not dropped")
	assert.False(t, rep.Passed())
}

func TestSourceLoadGoexitAndPanicReleaseWaiters(t *testing.T) {
	for name, load := range map[string]func(context.Context) (int, error){
		"goexit": func(context.Context) (int, error) { runtime.Goexit(); return 0, nil },
		"panic":  func(context.Context) (int, error) { panic("loader bug") },
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src := check.NewSource(load)
				use := func(id string) check.Check {
					return check.New(meta(id), func(ctx context.Context) check.Result {
						if _, err := src.Get(ctx); err != nil {
							return check.Errorf("load: %w", err)
						}
						return check.Pass("loaded")
					})
				}
				rep, err := (&check.Runner{Timeout: -1}).Run(t.Context(), use("s.a"), use("s.b"), use("s.c"))
				require.NoError(t, err, "Run returns even with no timeout")
				for _, o := range rep.Outcomes {
					assert.Equal(t, check.StatusError, o.Result.Status)
					assert.Contains(t, o.Result.Message, map[string]string{"goexit": "Goexit", "panic": "panic: loader bug"}[name])
				}
			})
		})
	}
}

func TestRunnerCopiesFindings(t *testing.T) {
	var kept []check.Finding
	c := check.New(meta("h.keeps"), func(context.Context) check.Result {
		kept = []check.Finding{{Message: "original", Location: check.Location{File: "a.yml", Line: 1}}}
		return check.Fail("1 problem", kept...)
	})
	rep, err := (&check.Runner{}).Run(t.Context(), c)
	require.NoError(t, err)
	kept[0].Message = "rewritten after the check returned"
	kept[0].Waived = true
	assert.Equal(t, "original", rep.Outcomes[0].Result.Findings[0].Message, "the Report holds its own copy")
	assert.False(t, rep.Outcomes[0].Result.Findings[0].Waived)
}

func TestRunnerCapsHugeTexts(t *testing.T) {
	huge := strings.Repeat("x", 50<<20)
	rep, err := (&check.Runner{}).Run(t.Context(),
		check.New(meta("h.bigpanic"), func(context.Context) check.Result { panic(huge) }),
		fixed("h.bigfail", check.Fail(huge, check.Finding{Message: huge, Expected: huge, Actual: huge})),
	)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		assert.Less(t, len(o.Result.Message), 5<<10, o.Meta.ID)
		assert.Contains(t, o.Result.Message, "more bytes cut")
		for _, f := range o.Result.Findings {
			assert.Less(t, len(f.Message)+len(f.Expected)+len(f.Actual), 15<<10)
		}
	}
	var pe *check.PanicError
	require.ErrorAs(t, rep.Outcomes[0].Result.Err, &pe)
	assert.Less(t, len(pe.Error()), 5<<10)
	assert.Less(t, len(pe.Stack), 9<<10)
}

// stuckChecks returns n checks that ignore their context until release
// is closed, counting how many run at once.
func stuckChecks(n int, release <-chan struct{}, cur, peak *atomic.Int32) []check.Check {
	cs := make([]check.Check, n)
	for i := range cs {
		cs[i] = check.New(meta(fmt.Sprintf("h.stuck%d", i)), func(context.Context) check.Result {
			v := cur.Add(1)
			for p := peak.Load(); v > p && !peak.CompareAndSwap(p, v); p = peak.Load() {
			}
			<-release
			cur.Add(-1)
			return check.Pass("late")
		})
	}
	return cs
}

func TestRunnerAbandonedChecksStayBounded(t *testing.T) {
	t.Run("the run stays live and counts what still runs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			var cur, peak atomic.Int32
			checks := append(stuckChecks(4, release, &cur, &peak), fixed("h.after", check.Pass("ran")))
			r := check.Runner{Limit: 2, Timeout: time.Second, Grace: time.Second}
			rep, err := r.Run(t.Context(), checks...)
			require.NoError(t, err)
			assert.Equal(t, 4, rep.Counts().Abandoned)
			assert.Equal(t, 4, rep.StillRunning, "abandoned goroutines still running when Run returned")
			assert.Equal(t, check.StatusPass, rep.Outcomes[4].Result.Status, "stuck checks do not stall the rest")
			assert.Equal(t, int32(4), peak.Load())
			close(release)
			synctest.Wait()
		})
	})
	t.Run("no more than the cap of abandoned checks", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			var cur, peak atomic.Int32
			n := check.DefaultLimit + 10
			r := check.Runner{Limit: 1, Timeout: time.Second, Grace: time.Second}
			rep, err := r.Run(t.Context(), stuckChecks(n, release, &cur, &peak)...)
			require.NoError(t, err)
			assert.Equal(t, int32(check.DefaultLimit), peak.Load(), "at most max(Limit, DefaultLimit) abandoned checks alive")
			assert.Equal(t, check.DefaultLimit, rep.StillRunning)
			last := rep.Outcomes[n-1]
			assert.Equal(t, check.StatusError, last.Result.Status)
			assert.Contains(t, last.Result.Message, "not started: 128 abandoned checks are still running")
			assert.True(t, last.Start.IsZero())
			close(release)
			synctest.Wait()
		})
	})
}

func TestWaiverValidation(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	good := check.Waiver{ID: "h.*", Reason: "legacy", Approver: "ana", Expires: now.AddDate(0, 3, 0)}
	for _, tc := range []struct {
		name   string
		edit   func(w *check.Waiver)
		maxAge time.Duration
		want   string
	}{
		{"empty approver", func(w *check.Waiver) { w.Approver = "" }, 0, "no approver"},
		{"blank approver", func(w *check.Waiver) { w.Approver = "  " }, 0, "no approver"},
		{"blank reason", func(w *check.Waiver) { w.Reason = "\t \n" }, 0, "no reason"},
		{"year 9999", func(w *check.Waiver) { w.Expires = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, 0, "more than 8760h0m0s after the run"},
		{"past a custom lifetime", func(w *check.Waiver) {}, 30 * 24 * time.Hour, "more than 720h0m0s after the run"},
		{"malformed target", func(w *check.Waiver) { w.Target = "deploy/[" }, 0, `target pattern "deploy/[" is malformed`},
		{"no limit", func(w *check.Waiver) { w.Expires = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, -1, ""},
		{"valid", func(w *check.Waiver) {}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := good
			tc.edit(&w)
			r := check.Runner{Now: func() time.Time { return now }, Waivers: []check.Waiver{w}, MaxWaiverLifetime: tc.maxAge}
			_, err := r.Run(t.Context(), fixed("h.x", check.Fail("bad")))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRunnerTargets(t *testing.T) {
	mk := func(id, target string) check.Check {
		m := meta(id)
		m.Target = target
		return check.New(m, func(context.Context) check.Result {
			return check.Fail("unpinned", check.Finding{Message: "app:latest", Location: check.Location{File: "compose.yml", Line: 4}})
		})
	}
	checks := []check.Check{
		mk("docker.compose.image-pinned", "deploy/prod/compose.yml"),
		mk("docker.compose.image-pinned", "deploy/legacy/compose.yml"),
		mk("security.hsts", "https://a.example.test"),
		mk("security.hsts", "https://b.example.test"),
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := check.Runner{
		Now:       func() time.Time { return now },
		Waivers:   []check.Waiver{{ID: "docker.*", Target: "deploy/legacy/*", Reason: "retired in Q1", Approver: "ana", Expires: now.AddDate(0, 2, 0)}},
		Overrides: []check.Override{{ID: "security.*", Target: "https://b.*", Severity: check.SeverityLow}},
	}
	rep, err := r.Run(t.Context(), checks...)
	require.NoError(t, err, "one rule against several targets in one run")
	var names []string
	for _, o := range rep.Outcomes {
		names = append(names, o.Meta.Name())
	}
	assert.Equal(t, []string{
		"docker.compose.image-pinned [deploy/prod/compose.yml]", "docker.compose.image-pinned [deploy/legacy/compose.yml]",
		"security.hsts [https://a.example.test]", "security.hsts [https://b.example.test]",
	}, names)
	assert.False(t, rep.Outcomes[0].Waived())
	assert.True(t, rep.Outcomes[1].Waived(), "waived by target")
	assert.Equal(t, check.SeverityHigh, rep.Outcomes[2].Meta.Severity)
	assert.Equal(t, check.SeverityLow, rep.Outcomes[3].Meta.Severity, "override by target")
	assert.Contains(t, rep.Err().Error(), "docker.compose.image-pinned [deploy/prod/compose.yml] (high)")

	r.Filter = check.Filter{Targets: []string{"https://**"}}
	rep, err = r.Run(t.Context(), checks...)
	require.NoError(t, err)
	assert.Len(t, rep.Outcomes, 2)
	assert.Equal(t, 2, rep.Filtered)

	_, err = (&check.Runner{}).Run(t.Context(), checks[0], mk("docker.compose.image-pinned", "deploy/prod/compose.yml"))
	require.ErrorIs(t, err, check.ErrInvalid)
	assert.Contains(t, err.Error(), `checks 0 and 1 are both "docker.compose.image-pinned [deploy/prod/compose.yml]"`)
}

func TestWaiverDecisionIgnoresOrder(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	later, sooner := now.AddDate(0, 2, 0), now.AddDate(0, 1, 0)
	findings := []check.Finding{
		{Message: "unpinned", Location: check.Location{File: "deploy/prod/compose.yml", Line: 12, Resource: `service "api"`}},
		{Message: "unpinned", Location: check.Location{File: "deploy/prod/compose.yml", Line: 30, Resource: `service "legacy"`}},
	}
	checks := []check.Check{
		fixed("d.whole", check.Fail("2 unpinned", findings...)),
		fixed("d.partial", check.Fail("2 unpinned", findings...)),
		fixed("d.glob", check.Fail("2 unpinned", findings...)),
		fixed("d.expired", check.Fail("2 unpinned", findings...)),
		fixed("d.error", check.Errorf("cannot parse")),
	}
	waivers := []check.Waiver{
		{ID: "d.whole", Reason: "whole", Approver: "ana", Expires: sooner},
		{ID: "d.*", Location: `service "legacy"`, Reason: "legacy", Approver: "bo", Expires: later},
		{ID: "d.glob", Location: "deploy/**/compose.yml:*", Reason: "paths", Approver: "cy", Expires: sooner},
		{ID: "d.expired", Reason: "old", Approver: "di", Expires: now.Add(-time.Hour)},
		{ID: "d.expired", Location: "**/*.yml:12", Reason: "old too", Approver: "di", Expires: now.Add(-time.Minute)},
		{ID: "d.error", Reason: "cannot hide", Approver: "ed", Expires: sooner},
		{ID: "d.none", Reason: "stale", Approver: "fy", Expires: sooner},
	}
	type decision struct {
		Status   check.Status
		State    check.WaiverState
		Reason   string
		Findings int
		Waived   []bool
	}
	run := func(ws []check.Waiver) ([]decision, *check.Report) {
		r := check.Runner{Now: func() time.Time { return now }, Waivers: ws}
		rep, err := r.Run(t.Context(), checks...)
		require.NoError(t, err)
		var ds []decision
		for _, o := range rep.Outcomes {
			d := decision{Status: o.Result.Status}
			if o.Waiver != nil {
				d.State, d.Reason, d.Findings = o.Waiver.State, o.Waiver.Waiver.Reason, o.Waiver.Findings
			}
			for _, f := range o.Result.Findings {
				d.Waived = append(d.Waived, f.Waived)
			}
			ds = append(ds, d)
		}
		return ds, rep
	}
	want := []decision{
		{check.StatusFail, check.WaiverApplied, "whole", 0, []bool{false, false}},
		{check.StatusFail, check.WaiverPartial, "legacy", 1, []bool{false, true}},
		{check.StatusFail, check.WaiverApplied, "legacy", 2, []bool{true, true}}, // two location waivers cover both; the later expiry is recorded
		{check.StatusFail, check.WaiverPartial, "legacy", 1, []bool{false, true}},
		{check.StatusError, check.WaiverNotApplicable, "cannot hide", 0, nil},
	}
	got, rep := run(waivers)
	assert.Equal(t, want, got)
	assert.Len(t, rep.ExpiredWaivers, 2)
	require.Len(t, rep.UnmatchedWaivers, 1)
	assert.Equal(t, "stale", rep.UnmatchedWaivers[0].Reason)

	// Every rotation and the reverse order decide the same.
	for k := range waivers {
		ws := append(append([]check.Waiver(nil), waivers[k:]...), waivers[:k]...)
		got, _ := run(ws)
		assert.Equal(t, want, got, "rotation %d", k)
		for i, j := 0, len(ws)-1; i < j; i, j = i+1, j-1 {
			ws[i], ws[j] = ws[j], ws[i]
		}
		got, _ = run(ws)
		assert.Equal(t, want, got, "reversed rotation %d", k)
	}
}

func TestWaiverPathPatterns(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	loc := check.Location{File: "deploy/prod/compose.yml", Line: 12, Col: 5, Resource: `service "api"`}
	for _, tc := range []struct {
		pattern string
		match   bool
	}{
		{"deploy/**/compose.yml:*", true},
		{"**/compose.yml:12", true},
		{"deploy/prod/compose.yml", true},
		{"deploy/prod/compose.yml:12:5", true},
		{`service "api"`, true},
		{"*compose.yml:*", false}, // one star stays within a path segment
		{"deploy/*/compose.yml:13", false},
		{"deploy/**/other.yml:*", false},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			r := check.Runner{Now: func() time.Time { return now }, Waivers: []check.Waiver{
				{ID: "p.x", Location: tc.pattern, Reason: "test", Approver: "ana", Expires: now.AddDate(0, 1, 0)},
			}}
			rep, err := r.Run(t.Context(), fixed("p.x", check.Fail("1", check.Finding{Message: "m", Location: loc})))
			require.NoError(t, err)
			assert.Equal(t, tc.match, rep.Outcomes[0].Waived())
			assert.Equal(t, !tc.match, len(rep.UnmatchedWaivers) == 1)
		})
	}
}

func TestProgressSeesWaiverAndPolicy(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var seen []check.Progress
	r := check.Runner{
		Limit:     1,
		Now:       func() time.Time { return now },
		Policy:    check.Policy{Threshold: check.SeverityHigh},
		Waivers:   []check.Waiver{{ID: "g.waived", Reason: "known", Approver: "ana", Expires: now.AddDate(0, 1, 0)}},
		OnOutcome: func(p check.Progress) { seen = append(seen, p) },
	}
	low := meta("g.low")
	low.Severity = check.SeverityLow
	_, err := r.Run(t.Context(),
		fixed("g.waived", check.Fail("accepted")),
		check.New(low, func(context.Context) check.Result { return check.Fail("minor") }),
		fixed("g.bad", check.Fail("broken")),
	)
	require.NoError(t, err)
	require.Len(t, seen, 3)
	assert.True(t, seen[0].Outcome.Waived(), "the callback sees the waiver decision")
	assert.Equal(t, []int{0, 0, 1}, []int{seen[0].Failing, seen[1].Failing, seen[2].Failing}, "failing under the run's policy")
}

func TestRetrySeesFreshDataEachAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var loads atomic.Int32
		src := check.NewSource(func(context.Context) (int32, error) { return loads.Add(1), nil })
		c := check.Retry(check.New(meta("r.fresh"), func(ctx context.Context) check.Result {
			v, err := src.Get(ctx)
			if err != nil {
				return check.Error(err)
			}
			if v < 25 {
				return check.Fail(fmt.Sprintf("replicas ready: %d", v))
			}
			return check.Pass("ready")
		}), check.RetryOptions{For: time.Hour, Interval: time.Second, MaxInterval: time.Second})
		rep, err := (&check.Runner{}).Run(t.Context(), c)
		require.NoError(t, err)
		assert.Equal(t, check.StatusPass, rep.Outcomes[0].Result.Status, rep.Outcomes[0].Result.Message)
		assert.Equal(t, int32(25), loads.Load(), "25 attempts, 25 loads: the run's memo does not freeze a retry")
	})
}

func TestNestedSourceLoadsOncePerRun(t *testing.T) {
	var pageLoads, cookieLoads atomic.Int32
	page := check.NewSource(func(context.Context) (string, error) {
		pageLoads.Add(1)
		return "Set-Cookie: sid=x", nil
	})
	// A source that reads another source, as the cookie checks read the
	// shared page.
	cookies := check.NewSource(func(ctx context.Context) (string, error) {
		cookieLoads.Add(1)
		return page.Get(ctx)
	})
	readPage := check.New(meta("n.page"), func(ctx context.Context) check.Result {
		if _, err := page.Get(ctx); err != nil {
			return check.Error(err)
		}
		return check.Pass("page")
	})
	readCookies := check.New(meta("n.cookies"), func(ctx context.Context) check.Result {
		if _, err := cookies.Get(ctx); err != nil {
			return check.Error(err)
		}
		return check.Pass("cookies")
	})
	rep, err := (&check.Runner{Limit: 1}).Run(t.Context(), readCookies, readPage)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Counts().Pass)
	assert.Equal(t, int32(1), pageLoads.Load(), "the page loads once, whether read directly or through another source")
	assert.Equal(t, int32(1), cookieLoads.Load())
}
