package checktest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnv selects the scenario TestHelperProcess plays when this test
// binary is re-executed by runHelper.
const helperEnv = "CHECKTEST_HELPER_SCENARIO"

var day0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mixed returns a Runner with waivers and a check of every kind.
func mixed() (*check.Runner, []check.Check) {
	r := &check.Runner{
		Now: func() time.Time { return day0 },
		Waivers: []check.Waiver{
			{ID: "team.waived", Reason: "legacy api until the migration", Approver: "ana", Expires: day0.AddDate(0, 1, 0)},
			{ID: "team.expired", Reason: "old exception", Approver: "ana", Expires: day0.AddDate(0, -1, 0)},
			{ID: "team.nothing", Reason: "matches nothing", Approver: "ana", Expires: day0.AddDate(1, 0, 0)},
		},
	}
	short := meta("team.timeout")
	short.Timeout = 10 * time.Millisecond
	return r, []check.Check{
		fixed("team.pass", check.Pass("3 of 3 replicas ready")),
		fixed("team.skip", check.Skip("no compose file configured")),
		fixed("team.warn", check.Warn("certificate expires in 20 days", check.Finding{
			Message:  "certificate expires soon",
			Location: check.Location{URL: "https://app.example.test"},
			Expected: "at least 30 days of validity",
			Actual:   "20 days",
		})),
		fixed("team.fail", check.Fail("1 unpinned image", unpinned)),
		check.New(meta("team.panic"), func(context.Context) check.Result { panic("boom") }),
		fixed("team.unknown", check.Result{}),
		check.New(short, func(ctx context.Context) check.Result {
			<-ctx.Done()
			return check.Error(ctx.Err())
		}),
		fixed("team.waived", check.Fail("debug endpoint exposed", check.Finding{
			Message: "pprof answers", Location: check.Location{URL: "http://127.0.0.1:6060/debug/pprof/"},
		})),
		fixed("team.expired", check.Fail("2 services run as root", check.Finding{
			Message: "no user set", Location: check.Location{File: "Dockerfile", Line: 1},
		})),
	}
}

// TestHelperProcess is not a real test: runHelper re-executes the test
// binary to run it, so that failing subtests can be observed from outside.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("runs only as the child process of TestRunOutput")
	case "mixed":
		r, checks := mixed()
		checktest.RunWith(t, r, checks...)
	case "duplicate":
		checktest.Run(t, fixed("team.dup", check.Pass("ok")), fixed("team.dup", check.Pass("ok")))
		t.Log("not reached")
	case "strict":
		checktest.RunWith(t, &check.Runner{Policy: check.Policy{Strict: true}}, fixed("team.warn", check.Warn("certificate expires in 20 days")))
	case "skipped":
		checktest.Run(t, fixed("team.skip1", check.Skip("no compose file")), fixed("team.skip2", check.Skip("no Dockerfile")))
	case "contract":
		checktest.Contract(t, rawCheck(meta("bad.contract"), func(context.Context) check.Result {
			return check.Result{Status: check.StatusPass, Message: "fine", Findings: []check.Finding{{Message: "odd"}}}
		}))
	case "targets":
		checktest.Run(t,
			fixedMeta(targeted("team.tls", "https://a.example.test"), check.Pass("TLS 1.3")),
			fixedMeta(targeted("team.tls", "https://b.example.test"), check.Fail("TLS 1.0 accepted", check.Finding{
				Message: "an old protocol is accepted", Location: check.Location{URL: "https://b.example.test"},
			})),
		)
	case "threshold":
		checktest.RunWith(t, &check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}},
			fixedMeta(targeted("team.low", ""), check.Fail("debug logging", unpinned)),
			fixed("team.high", check.Fail("1 unpinned image", unpinned)),
		)
	case "lines":
		callerLines(t)
	default:
		t.Fatalf("unknown scenario %q", os.Getenv(helperEnv))
	}
}

// runHelper runs TestHelperProcess in a child process playing scenario and
// returns its output and whether it passed.
func runHelper(t *testing.T, scenario string) (string, bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	if err != nil {
		_, exited := errors.AsType[*exec.ExitError](err)
		require.True(t, exited, "running the helper: %v\n%s", err, out)
	}
	return string(out), err == nil
}

func TestRunOutput(t *testing.T) {
	tests := []struct {
		scenario string
		passes   bool
		want     []string
		not      []string
	}{
		{
			scenario: "mixed",
			want: []string{
				"--- PASS: TestHelperProcess/team.pass",
				"pass: 3 of 3 replicas ready",
				"--- SKIP: TestHelperProcess/team.skip",
				"skip: no compose file configured",
				"--- PASS: TestHelperProcess/team.warn",
				"warn: certificate expires in 20 days",
				"finding: https://app.example.test: certificate expires soon",
				"--- FAIL: TestHelperProcess/team.fail",
				"fail: 1 unpinned image\n",
				"check: team.fail (severity high): Test check team.fail\n",
				"finding: docker-compose.yml:12:5 service web: image is not pinned to a digest\n",
				"expected: nginx@sha256:<digest>\n",
				"found:    nginx:latest\n",
				"remediation: Fix team.fail.\n",
				"--- FAIL: TestHelperProcess/team.panic",
				"error: panic: boom",
				"stack:\n",
				"run_test.go:",
				"--- FAIL: TestHelperProcess/team.unknown",
				"error: check returned no status",
				"--- FAIL: TestHelperProcess/team.timeout",
				"error: timed out after 10ms",
				"--- PASS: TestHelperProcess/team.waived",
				"waived: fail: debug endpoint exposed",
				"waived by: team.waived (legacy api until the migration, until 2026-04-01, approved by ana)",
				"--- FAIL: TestHelperProcess/team.expired",
				"waiver: team.expired (old exception, until 2026-02-01, approved by ana) has expired and no longer applies",
				"checktest: waiver team.nothing (matches nothing, until 2027-03-01, approved by ana) matched no check",
				"--- FAIL: TestHelperProcess (",
			},
			not: []string{"remediation: Fix team.panic."},
		},
		{
			scenario: "duplicate",
			want:     []string{"checktest: check: invalid run: checks 0 and 1 are both \"team.dup\""},
			not:      []string{"not reached", "=== RUN   TestHelperProcess/team.dup"},
		},
		{
			scenario: "strict",
			want:     []string{"--- FAIL: TestHelperProcess/team.warn", "warn: certificate expires in 20 days"},
		},
		{
			scenario: "skipped",
			want: []string{
				"--- SKIP: TestHelperProcess/team.skip1",
				"checktest: check: nothing was checked (set Runner.Policy.AllowNothingChecked to allow it)",
			},
		},
		{
			scenario: "contract",
			want: []string{
				"--- FAIL: TestHelperProcess/bad.contract/cancel-undecided",
				"--- FAIL: TestHelperProcess/bad.contract/pass-no-findings",
				"pass with findings: returned pass with 1 finding (in 8 of 8 concurrent runs, and on a cancelled context)",
				"--- FAIL: TestHelperProcess/bad.contract/findings-located",
				"--- PASS: TestHelperProcess/bad.contract/meta-valid",
				// Rules of one kind (ErrInvalidResult) fail apart.
				"--- PASS: TestHelperProcess/bad.contract/status-valid",
				"--- PASS: TestHelperProcess/bad.contract/message",
			},
		},
		{
			scenario: "targets",
			want: []string{
				"--- PASS: TestHelperProcess/team.tls_[https://a.example.test]",
				"--- FAIL: TestHelperProcess/team.tls_[https://b.example.test]",
				"check: team.tls [https://b.example.test] (severity high)",
			},
		},
		{
			scenario: "threshold",
			want: []string{
				"--- PASS: TestHelperProcess/team.low",
				"below the threshold (fail at high or above): fail: debug logging",
				"--- FAIL: TestHelperProcess/team.high",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			out, passed := runHelper(t, tt.scenario)
			assert.Equal(t, tt.passes, passed, "whether the child passed")
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, out, n)
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}

// targeted returns a test Meta with a target; a check named team.low is of
// low severity.
func targeted(id, target string) check.Meta {
	m := meta(id)
	m.Target = target
	if id == "team.low" {
		m.Severity = check.SeverityLow
	}
	return m
}

// callerLines fails once through every entry point of checktest, each on a
// line marked "// caller:NAME", for TestFailureNamesCallerLine.
func callerLines(t *testing.T) {
	failing := fixed("team.fail", check.Fail("1 unpinned image", unpinned))
	failingReport := func(t *testing.T) *check.Report {
		rep, err := (&check.Runner{}).Run(t.Context(), failing)
		require.NoError(t, err)
		return rep
	}
	t.Run("run", func(t *testing.T) {
		checktest.Run(t, failing) // caller:run
	})
	t.Run("runwith", func(t *testing.T) {
		checktest.RunWith(t, nil, failing) // caller:runwith
	})
	t.Run("nothing-checked", func(t *testing.T) {
		checktest.Run(t, fixed("team.skip", check.Skip("n/a"))) // caller:nothing-checked
	})
	t.Run("invalid-run", func(t *testing.T) {
		checktest.Run(t, failing, failing) // caller:invalid-run
	})
	t.Run("assertpass", func(t *testing.T) {
		checktest.AssertPass(t, t.Context(), failing) // caller:assertpass
	})
	t.Run("assertpass-usage", func(t *testing.T) {
		checktest.AssertPass(t, t.Context()) // caller:assertpass-usage
	})
	t.Run("requirepass", func(t *testing.T) {
		checktest.RequirePass(t, t.Context(), failing) // caller:requirepass
	})
	t.Run("assertstatus", func(t *testing.T) {
		checktest.AssertStatus(t, t.Context(), failing, check.StatusPass) // caller:assertstatus
	})
	t.Run("assertstatus-invalid", func(t *testing.T) {
		checktest.AssertStatus(t, t.Context(), nil, check.StatusPass) // caller:assertstatus-invalid
	})
	t.Run("requirestatus", func(t *testing.T) {
		checktest.RequireStatus(t, t.Context(), failing, check.StatusPass) // caller:requirestatus
	})
	t.Run("assertreport", func(t *testing.T) {
		rep := failingReport(t)
		checktest.AssertReport(t, rep) // caller:assertreport
	})
	t.Run("requirereport", func(t *testing.T) {
		rep := failingReport(t)
		checktest.RequireReport(t, rep) // caller:requirereport
	})
	t.Run("contract", func(t *testing.T) {
		checktest.Contract(t, fixed("bad.pass-findings", check.Result{Status: check.StatusPass, Message: "ok", Findings: []check.Finding{unpinned}})) // caller:contract
	})
}

// callerMarks returns the line of each "// caller:NAME" mark in this file.
func callerMarks(t *testing.T) map[string]int {
	t.Helper()
	src, err := os.ReadFile("run_test.go")
	require.NoError(t, err)
	marks := map[string]int{}
	for i, line := range strings.Split(string(src), "\n") {
		if _, name, ok := strings.Cut(line, "// caller:"); ok && !strings.ContainsAny(name, " \"") {
			marks[name] = i + 1
		}
	}
	return marks
}

// A failure through checktest names the caller's file and line, never
// checktest's own: every path calls Helper, and Run's subtests are all
// helpers, so the testing package climbs to the line that called Run.
func TestFailureNamesCallerLine(t *testing.T) {
	marks := callerMarks(t)
	require.Len(t, marks, 13, "%v", marks)
	out, passed := runHelper(t, "lines")
	assert.False(t, passed)
	// Split the verbose output into the lines of each subtest.
	blocks := map[string]string{}
	var name string
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "=== RUN   TestHelperProcess/"); ok {
			name, _, _ = strings.Cut(rest, "/") // a Run subtest reports in its parent's block
			continue
		}
		blocks[name] += line
	}
	for name, line := range marks {
		t.Run(name, func(t *testing.T) {
			assert.Contains(t, out, "--- FAIL: TestHelperProcess/"+name+" ")
			assert.Contains(t, blocks[name], fmt.Sprintf("    run_test.go:%d: ", line), "the failure names the calling line")
		})
	}
	own := regexp.MustCompile(`(?m)^\s+(assert|run|contract|describe)\.go:\d+: `)
	assert.Empty(t, own.FindAllString(out, -1), "no failure names checktest's own lines")
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
}

func TestRunPasses(t *testing.T) {
	rep := checktest.Run(t,
		fixed("team.pass", check.Pass("3 of 3 replicas ready")),
		fixed("team.skip", check.Skip("no compose file configured")),
		fixed("team.warn", check.Warn("certificate expires in 20 days")),
	)
	require.NotNil(t, rep)
	assert.Equal(t, check.Counts{Pass: 1, Skip: 1, Warn: 1}, rep.Counts())
}

func TestRunWithWaiverAndFilter(t *testing.T) {
	r, checks := mixed()
	r.Filter.IDs = []string{"team.pass", "team.waived", "team.skip"}
	rep := checktest.RunWith(t, r, checks...)
	assert.Equal(t, 6, rep.Filtered)
	assert.Equal(t, check.Counts{Pass: 1, Skip: 1, Fail: 1, Waived: 1}, rep.Counts())
}

func TestRunWithNilRunner(t *testing.T) {
	rep := checktest.RunWith(t, nil, fixed("team.pass", check.Pass("ok")))
	assert.Len(t, rep.Outcomes, 1)
}

// One rule against two targets is two outcomes, two subtests.
func TestRunTargets(t *testing.T) {
	rep := checktest.Run(t,
		fixedMeta(targeted("team.tls", "https://a.example.test"), check.Pass("TLS 1.3")),
		fixedMeta(targeted("team.tls", "https://b.example.test"), check.Pass("TLS 1.3")),
	)
	require.Len(t, rep.Outcomes, 2)
	assert.Equal(t, "team.tls [https://a.example.test]", rep.Outcomes[0].Meta.Name())
	assert.Equal(t, "team.tls [https://b.example.test]", rep.Outcomes[1].Meta.Name())
}

// The Runner's Policy decides: a failure below its threshold passes.
func TestRunWithThreshold(t *testing.T) {
	rep := checktest.RunWith(t, &check.Runner{Policy: check.Policy{Threshold: check.SeverityMedium}},
		fixed("team.pass", check.Pass("ok")),
		fixedMeta(targeted("team.low", ""), check.Fail("debug logging", unpinned)),
	)
	assert.True(t, rep.Passed())
	assert.Equal(t, check.Counts{Pass: 1, Fail: 1}, rep.Counts())
}
