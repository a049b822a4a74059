package checktest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both *testing.T and testify's TestingT serve the helpers.
var (
	_ checktest.RequireT = (*testing.T)(nil)
	_ checktest.RequireT = require.TestingT(nil)
	_ checktest.TestingT = assert.TestingT(nil)
)

// recorder is a TestingT that records instead of failing.
type recorder struct {
	errors  []string
	stopped bool
	helpers int
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) FailNow() { r.stopped = true }
func (r *recorder) Helper()  { r.helpers++ }

func TestAssertPass(t *testing.T) {
	pass := fixed("team.pass", check.Pass("3 of 3 replicas ready"))
	fail := fixed("team.fail", check.Fail("1 unpinned image", unpinned))

	var rec recorder
	assert.True(t, checktest.AssertPass(&rec, t.Context(), pass))
	assert.Empty(t, rec.errors)
	assert.Positive(t, rec.helpers, "Helper is called when the TestingT has it")

	rec = recorder{}
	assert.False(t, checktest.AssertPass(&rec, t.Context(), pass, fail, fixed("team.skip", check.Skip("n/a"))))
	require.Len(t, rec.errors, 2, "one error per check that did not pass")
	assert.Equal(t, "team.fail: want pass, got fail: 1 unpinned image\n"+
		"  check: team.fail (severity high): Test check team.fail\n"+
		"  finding: docker-compose.yml:12:5 service web: image is not pinned to a digest\n"+
		"    expected: nginx@sha256:<digest>\n"+
		"    found:    nginx:latest\n"+
		"  remediation: Fix team.fail.", rec.errors[0])
	assert.Equal(t, "team.skip: want pass, got skip: n/a\n  check: team.skip (severity high): Test check team.skip", rec.errors[1])
	assert.False(t, rec.stopped, "Assert does not stop the test")
}

func TestAssertPassUsage(t *testing.T) {
	var nilCtx context.Context
	tests := []struct {
		name string
		run  func(*recorder) bool
		want string
	}{
		{"no checks", func(r *recorder) bool { return checktest.AssertPass(r, t.Context()) }, "checktest: AssertPass: no checks"},
		{"nil context", func(r *recorder) bool { return checktest.AssertPass(r, nilCtx, fixed("a.b", check.Pass("ok"))) }, "checktest: AssertPass: nil context (pass t.Context())"},
		{"invalid meta", func(r *recorder) bool {
			return checktest.AssertPass(r, t.Context(), fixedMeta(check.Meta{ID: "a.b"}, check.Pass("ok")))
		}, `checktest: AssertPass: check: invalid run: check 0: check: invalid meta "a.b": severity unset is not set to one of info, low, medium, high, critical`},
		{"nil check", func(r *recorder) bool {
			return checktest.AssertStatus(r, t.Context(), nil, check.StatusPass)
		}, "checktest: AssertStatus: check: invalid run: check 0 is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			assert.False(t, tt.run(&rec))
			assert.Equal(t, []string{tt.want}, rec.errors)
		})
	}
}

func TestRequirePass(t *testing.T) {
	var rec recorder
	checktest.RequirePass(&rec, t.Context(), fixed("team.pass", check.Pass("ok")))
	assert.False(t, rec.stopped)
	checktest.RequirePass(&rec, t.Context(), fixed("team.warn", check.Warn("meh")))
	assert.True(t, rec.stopped)
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "team.warn: want pass, got warn: meh")
}

func TestAssertStatus(t *testing.T) {
	tests := []struct {
		name string
		c    check.Check
		want check.Status
		ok   bool
		msg  string
	}{
		{"fail as expected", fixed("team.fail", check.Fail("1 unpinned image", unpinned)), check.StatusFail, true, ""},
		{"skip as expected", fixed("team.skip", check.Skip("n/a")), check.StatusSkip, true, ""},
		{"a forgotten Result{} is an error", fixed("team.unknown", check.Result{}), check.StatusError, true, ""},
		{"panic", check.New(meta("team.panic"), func(context.Context) check.Result { panic("boom") }), check.StatusPass, false,
			"team.panic: want pass, got error: panic: boom\n  check: team.panic (severity high): Test check team.panic\n  stack:\n    "},
		{"pass expected fail", fixed("team.pass", check.Pass("all pinned")), check.StatusFail, false,
			"team.pass: want fail, got pass: all pinned"},
		{"named with its target", fixedMeta(targeted("team.tls", "https://b.example.test"), check.Pass("TLS 1.3")), check.StatusFail, false,
			"team.tls [https://b.example.test]: want fail, got pass: TLS 1.3\n  check: team.tls [https://b.example.test] (severity high)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			assert.Equal(t, tt.ok, checktest.AssertStatus(&rec, t.Context(), tt.c, tt.want))
			if tt.ok {
				assert.Empty(t, rec.errors)
				return
			}
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], tt.msg)
		})
	}
}

func TestAssertStatusTimeout(t *testing.T) {
	m := meta("team.slow")
	m.Timeout = 5 * time.Millisecond
	c := check.New(m, func(ctx context.Context) check.Result {
		<-ctx.Done()
		return check.Pass("done") // too late: the Runner's rule makes it an error
	})
	var rec recorder
	assert.True(t, checktest.AssertStatus(&rec, t.Context(), c, check.StatusError), "%v", rec.errors)
}

func TestRequireStatus(t *testing.T) {
	var rec recorder
	checktest.RequireStatus(&rec, t.Context(), fixed("team.pass", check.Pass("ok")), check.StatusPass)
	assert.False(t, rec.stopped)
	checktest.RequireStatus(&rec, t.Context(), fixed("team.pass", check.Pass("ok")), check.StatusFail)
	assert.True(t, rec.stopped)
}

func TestAssertReport(t *testing.T) {
	low := meta("team.low")
	low.Severity = check.SeverityLow
	run := func(t *testing.T, r *check.Runner, checks ...check.Check) *check.Report {
		rep, err := r.Run(t.Context(), checks...)
		require.NoError(t, err)
		return rep
	}
	tests := []struct {
		name string
		rep  func(t *testing.T) *check.Report
		want []string // substrings of the one error; none: passes
	}{
		{
			name: "passes",
			rep: func(t *testing.T) *check.Report {
				return run(t, &check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}, fixed("team.pass", check.Pass("ok")), fixed("team.warn", check.Warn("meh")))
			},
		},
		{
			name: "a low failure below the threshold",
			rep: func(t *testing.T) *check.Report {
				return run(t, &check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}, fixed("team.pass", check.Pass("ok")), fixedMeta(low, check.Fail("debug logging", unpinned)))
			},
		},
		{
			name: "a low failure at the threshold",
			rep: func(t *testing.T) *check.Report {
				return run(t, &check.Runner{Policy: check.Policy{Threshold: check.SeverityLow}}, fixed("team.pass", check.Pass("ok")), fixedMeta(low, check.Fail("debug logging", unpinned)))
			},
			want: []string{"report fails (fail at low or above): 1 of 2 checks failing\n" +
				"team.low: fail: debug logging\n  check: team.low (severity low): Test check team.low\n  finding: docker-compose.yml:12:5"},
		},
		{
			name: "strict warning",
			rep: func(t *testing.T) *check.Report {
				return run(t, &check.Runner{Policy: check.Policy{Strict: true}}, fixed("team.warn", check.Warn("meh")))
			},
			want: []string{"1 of 1 checks failing\nteam.warn: warn: meh"},
		},
		{
			name: "nothing checked",
			rep: func(t *testing.T) *check.Report {
				return run(t, &check.Runner{}, fixed("team.skip", check.Skip("n/a")))
			},
			want: []string{"0 of 1 checks failing\ncheck: nothing was checked: all 1 checks skipped"},
		},
		{
			name: "nil report",
			rep:  func(*testing.T) *check.Report { return nil },
			want: []string{"checktest: AssertReport: nil report"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			ok := checktest.AssertReport(&rec, tt.rep(t))
			assert.Equal(t, len(tt.want) == 0, ok)
			if len(tt.want) == 0 {
				assert.Empty(t, rec.errors)
				return
			}
			require.Len(t, rec.errors, 1)
			for _, w := range tt.want {
				assert.Contains(t, rec.errors[0], w)
			}
			rec = recorder{}
			checktest.RequireReport(&rec, tt.rep(t))
			assert.True(t, rec.stopped)
		})
	}
}
