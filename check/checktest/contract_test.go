package checktest_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rulesOf returns which kind of violation each violation of err wraps, in
// order.
func rulesOf(t *testing.T, err error) []error {
	t.Helper()
	ce, ok := errors.AsType[*checktest.ContractError](err)
	require.True(t, ok, "want a *ContractError, got %T: %v", err, err)
	all := []error{
		checktest.ErrInvalidMeta, checktest.ErrPanic, checktest.ErrIgnoresContext,
		checktest.ErrDecidesCancelled, checktest.ErrInconsistent, checktest.ErrInvalidResult,
	}
	var got []error
	for _, v := range ce.Violations {
		n := 0
		for _, r := range all {
			if errors.Is(v, r) {
				got = append(got, r)
				n++
			}
		}
		assert.Equal(t, 1, n, "violation %q should wrap exactly one kind", v)
	}
	return got
}

func TestVerifyContractGood(t *testing.T) {
	tests := []struct {
		name string
		c    check.Check
	}{
		{"pass", fixed("good.pass", check.Pass("3 of 3 replicas ready"))},
		{"fail with located findings", fixed("good.fail", check.Fail("1 unpinned image", unpinned))},
		{"warn", fixed("good.warn", check.Warn("certificate expires in 20 days", check.Finding{
			Message: "expires soon", Location: check.Location{URL: "https://example.test"},
		}))},
		{"skip", fixed("good.skip", check.Skip("no compose file"))},
		{"error", fixed("good.error", check.Errorf("connect: refused"))},
		{"skips even when cancelled", rawCheck(meta("good.skip-first"), func(context.Context) check.Result {
			return check.Skip("not configured")
		})},
		{"from error, honouring ctx", check.FromError(meta("good.from-error"), func(ctx context.Context) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
				return nil
			}
		})},
		{"fail on deadline", rawCheck(meta("good.waits"), func(ctx context.Context) check.Result {
			<-ctx.Done() // every run ends at its deadline, consistently
			return check.Error(ctx.Err())
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				assert.NoError(t, checktest.VerifyContract(t.Context(), tt.c, checktest.ContractOptions{}))
			})
		})
	}
}

func TestVerifyContractBroken(t *testing.T) {
	var flip atomic.Int64
	var metaCalls atomic.Int64
	unstable := unstableMeta{calls: &metaCalls}
	tests := []struct {
		name   string
		c      check.Check
		opts   checktest.ContractOptions
		want   []error
		detail string // a substring of the error
	}{
		{
			name:   "invalid meta",
			c:      fixedMeta(check.Meta{ID: "Bad ID"}, check.Pass("ok")),
			want:   []error{checktest.ErrInvalidMeta},
			detail: "invalid meta: check: invalid meta",
		},
		{
			name:   "unstable meta",
			c:      unstable,
			want:   []error{checktest.ErrInvalidMeta},
			detail: "unstable meta: 19 of 19 later Meta() calls returned a different value; first: Title",
		},
		{
			name: "slow on cancel, returns within grace",
			c: rawCheck(meta("bad.slow"), func(ctx context.Context) check.Result {
				time.Sleep(1500 * time.Millisecond) // ignores ctx
				return check.Error(ctx.Err())
			}),
			want:   []error{checktest.ErrIgnoresContext},
			detail: "ignores cancellation: still running 1s after its context was cancelled (it returned within 2s more)",
		},
		{
			name: "slow on cancel beyond grace",
			c: rawCheck(meta("bad.slower"), func(ctx context.Context) check.Result {
				time.Sleep(5 * time.Second)
				return check.Error(ctx.Err())
			}),
			want:   []error{checktest.ErrIgnoresContext},
			detail: "and 2s later: left running",
		},
		{
			name: "custom patience",
			c: rawCheck(meta("bad.slowish"), func(ctx context.Context) check.Result {
				time.Sleep(50 * time.Millisecond)
				return check.Error(ctx.Err())
			}),
			opts:   checktest.ContractOptions{Patience: 10 * time.Millisecond, Grace: time.Second},
			want:   []error{checktest.ErrIgnoresContext},
			detail: "still running 10ms",
		},
		{
			name: "ignores its deadline",
			c: rawCheck(check.Meta{ID: "bad.deadline", Severity: check.SeverityLow, Timeout: time.Second}, func(ctx context.Context) check.Result {
				if errors.Is(ctx.Err(), context.Canceled) {
					return check.Error(ctx.Err())
				}
				time.Sleep(time.Hour)
				return check.Pass("slept")
			}),
			want:   []error{checktest.ErrIgnoresContext},
			detail: "overdue: 8 of 8 runs were still running 1s after their 1s deadline, 8 of them still 2s later: left running",
		},
		{
			name:   "passes on a cancelled context",
			c:      rawCheck(meta("bad.pass-cancelled"), func(context.Context) check.Result { return check.Pass("all good") }),
			want:   []error{checktest.ErrDecidesCancelled},
			detail: `answered pass "all good"; want error (could not decide) or skip`,
		},
		{
			name: "fails on a cancelled context",
			c: rawCheck(meta("bad.fail-cancelled"), func(context.Context) check.Result {
				return check.Fail("1 unpinned image", unpinned)
			}),
			want: []error{checktest.ErrDecidesCancelled},
		},
		{
			name:   "pass with findings",
			c:      fixed("bad.pass-findings", check.Result{Status: check.StatusPass, Message: "ok", Findings: []check.Finding{unpinned}}),
			want:   []error{checktest.ErrInvalidResult},
			detail: "pass with findings: returned pass with 1 finding (in 8 of 8 concurrent runs)",
		},
		{
			name:   "unknown status",
			c:      fixed("bad.unknown", check.Result{}),
			want:   []error{checktest.ErrInvalidResult, checktest.ErrInvalidResult},
			detail: "invalid status: returned a Result with no status (a forgotten Result{}) (in 8 of 8 concurrent runs)",
		},
		{
			name:   "status outside the enum",
			c:      fixed("bad.bogus", check.Result{Status: 42, Message: "what"}),
			want:   []error{checktest.ErrInvalidResult},
			detail: "invalid status: returned status(42)",
		},
		{
			name:   "no message",
			c:      fixed("bad.no-message", check.Pass("")),
			want:   []error{checktest.ErrInvalidResult},
			detail: "no message: returned pass with no message",
		},
		{
			name:   "unlocated finding",
			c:      fixed("bad.unlocated", check.Fail("2 problems", unpinned, check.Finding{Message: "somewhere"})),
			want:   []error{checktest.ErrInvalidResult},
			detail: `unlocated or empty finding: 1 of 2 findings without a location; first: "somewhere"`,
		},
		{
			name:   "finding without a message",
			c:      fixed("bad.empty-finding", check.Fail("1 problem", check.Finding{Location: check.Location{File: "a.yml", Line: 3}})),
			want:   []error{checktest.ErrInvalidResult},
			detail: `unlocated or empty finding: 1 of 1 finding without a message; first at "a.yml:3"`,
		},
		{
			name: "inconsistent under concurrency",
			c: rawCheck(meta("bad.flip"), func(ctx context.Context) check.Result {
				if err := ctx.Err(); err != nil {
					return check.Error(err)
				}
				if flip.Add(1)%2 == 0 {
					return check.Fail("1 unpinned image", unpinned)
				}
				return check.Pass("pinned")
			}),
			want:   []error{checktest.ErrInconsistent},
			detail: "8 concurrent runs answered 4 pass, 4 fail",
		},
		{
			name: "panics",
			c: rawCheck(meta("bad.panic"), func(context.Context) check.Result {
				panic("boom")
			}),
			want:   []error{checktest.ErrPanic},
			detail: "Run panicked: boom",
		},
		{
			name:   "meta panics",
			c:      metaPanics{},
			want:   []error{checktest.ErrPanic},
			detail: "Meta panicked: no meta",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				err := checktest.VerifyContract(t.Context(), tt.c, tt.opts)
				require.Error(t, err)
				assert.Equal(t, tt.want, rulesOf(t, err))
				assert.Contains(t, err.Error(), tt.detail)
				assert.True(t, strings.HasPrefix(err.Error(), "checktest: check "), err.Error())
				// Let the runs VerifyContract left running finish before the
				// bubble ends: in the bubble, this sleep takes no time.
				time.Sleep(2 * time.Hour)
			})
		})
	}
}

// A panic in every run is one violation, not nine: the stacks read the same.
func TestVerifyContractPanicOnce(t *testing.T) {
	c := rawCheck(meta("bad.panic"), func(context.Context) check.Result { panic(errors.New("boom")) })
	err := checktest.VerifyContract(t.Context(), c, checktest.ContractOptions{})
	ce, ok := errors.AsType[*checktest.ContractError](err)
	require.True(t, ok, "%v", err)
	require.Len(t, ce.Violations, 1, "%v", err)
	assert.Contains(t, err.Error(), "(in 8 of 8 concurrent runs, and on a cancelled context)")
	assert.Contains(t, err.Error(), "contract_test.go", "the stack names the check's frame")
}

// A check that never returns is reported, and VerifyContract returns.
func TestVerifyContractHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		c := rawCheck(meta("bad.hang"), func(context.Context) check.Result {
			<-release
			return check.Pass("released")
		})
		err := checktest.VerifyContract(t.Context(), c, checktest.ContractOptions{Runs: 2})
		assert.Equal(t, []error{checktest.ErrIgnoresContext, checktest.ErrIgnoresContext}, rulesOf(t, err))
		assert.Contains(t, err.Error(), "2 of 2 runs were still running 1s after their 30s deadline, 2 of them still 2s later: left running")
	})
}

func TestVerifyContractCallerCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		c := rawCheck(meta("bad.hang"), func(context.Context) check.Result {
			<-release
			return check.Pass("released")
		})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := checktest.VerifyContract(ctx, c, checktest.ContractOptions{})
		require.ErrorIs(t, err, context.Canceled)
		_, isContract := errors.AsType[*checktest.ContractError](err)
		assert.False(t, isContract, "an interrupted verification says nothing about the check")
		assert.Equal(t, `checktest: contract of "bad.hang" not verified: context canceled`, err.Error())
	})
}

func TestVerifyContractUsage(t *testing.T) {
	var nilCtx context.Context
	assert.EqualError(t, checktest.VerifyContract(t.Context(), nil, checktest.ContractOptions{}), "checktest: VerifyContract: nil check")
	assert.EqualError(t, checktest.VerifyContract(nilCtx, fixed("a.b", check.Pass("ok")), checktest.ContractOptions{}), "checktest: VerifyContract: nil context")
}

func TestVerifyContractOneRun(t *testing.T) {
	var runs atomic.Int64
	c := rawCheck(meta("good.counted"), func(ctx context.Context) check.Result {
		runs.Add(1)
		if err := ctx.Err(); err != nil {
			return check.Error(err)
		}
		return check.Pass("ok")
	})
	require.NoError(t, checktest.VerifyContract(t.Context(), c, checktest.ContractOptions{Runs: 1}))
	assert.Equal(t, int64(2), runs.Load(), "one cancelled run, one concurrent run")
}

func TestContractError(t *testing.T) {
	one := &checktest.ContractError{Name: "a.b", Violations: []error{checktest.ErrInvalidResult}}
	assert.Equal(t, `checktest: check "a.b" breaks its contract: invalid result`, one.Error())
	two := &checktest.ContractError{Name: "a.b [x.yml]", Violations: []error{checktest.ErrInvalidResult, errors.Join(checktest.ErrPanic, errors.New("line 2"))}}
	assert.Equal(t, "checktest: check \"a.b [x.yml]\" breaks its contract (2 violations):\n  - invalid result\n  - panic\n    line 2", two.Error())
	assert.ErrorIs(t, two, checktest.ErrPanic)
}

func TestContractGood(t *testing.T) {
	checktest.Contract(t, fixed("good.pass", check.Pass("3 of 3 replicas ready")))
	checktest.Contract(t, fixed("good.fail", check.Fail("1 unpinned image", unpinned)))
}

// unstableMeta changes its title on every call.
type unstableMeta struct{ calls *atomic.Int64 }

func (u unstableMeta) Meta() check.Meta {
	m := meta("bad.unstable")
	if u.calls.Add(1) > 1 {
		m.Title = "changed"
	}
	return m
}

func (unstableMeta) Run(ctx context.Context) check.Result {
	if err := ctx.Err(); err != nil {
		return check.Error(err)
	}
	return check.Pass("ok")
}

type metaPanics struct{}

func (metaPanics) Meta() check.Meta                 { panic("no meta") }
func (metaPanics) Run(context.Context) check.Result { return check.Pass("ok") }

// raw is a Check written by hand, without check.New's guard against a
// context that is already done, so that broken behaviour reaches the
// contract tester.
type raw struct {
	meta check.Meta
	run  func(context.Context) check.Result
}

func (r raw) Meta() check.Meta                                                  { return r.meta }
func (r raw) Run(ctx context.Context) check.Result                              { return r.run(ctx) }
func rawCheck(m check.Meta, run func(context.Context) check.Result) check.Check { return raw{m, run} }
