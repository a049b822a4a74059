package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func renderText(t *testing.T, r *check.Report, opts report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.Text(&buf, r, opts))
	return buf.String()
}

func TestTextNoColor(t *testing.T) {
	out := renderText(t, fixture(), report.Options{})
	assert.NotContains(t, out, "\x1b", "no ANSI codes, and a result's own escape sequences are neutralised")
	assert.Contains(t, out, `\x1b[31mred\x1b[0m`, "control characters are shown escaped")
}

func TestTextColor(t *testing.T) {
	out := renderText(t, fixture(), report.Options{Color: true})
	assert.Contains(t, out, "\x1b[32m✓\x1b[0m docker.compose.image-pinned")
	assert.Contains(t, out, "\x1b[31m✗\x1b[0m docker.user.nonroot")
	assert.Contains(t, out, "\x1b[1mDeployment / Docker & Infrastructure\x1b[0m")
	assert.Contains(t, out, `\x1b[31mred`, "a result's escape sequences stay escaped with colour on")
}

func TestTextMarks(t *testing.T) {
	out := renderText(t, fixture(), report.Options{NoTimings: true, Order: report.OrderChecklist})
	for _, want := range []string{
		"  ✓ docker.compose.image-pinned [deploy/compose.yml]  high      all 6 images pinned by digest\n",
		"  ✗ docker.user.nonroot [deploy/compose.yml]  critical  3 of 5 services run as root\n",
		"  ~ docker.healthcheck [deploy/compose.yml]   medium    1 service has no healthcheck (waived fail)\n",
		"      waived: legacy api, migrating in Q3 until 2027-01-31 by ana\n",
		"  ! docker.ports.published [deploy/compose.yml]  low       1 port published on all interfaces\n",
		"  E security.tls.version [api.example.com:443]  high      could not connect to api.example.com:443\n",
		"      error: dial tcp 10.0.0.5:443: connect: connection refused\n",
		"      waiver not applied (a waiver never hides an error): internal endpoint (target api.example.com:*) until 2026-12-31 by cy\n",
		"      waiver expired: CDN sets HSTS until 2026-01-31 by bob\n",
		"      waiver covers 1 of 2 findings: legacy reporting db (at service legacy) until 2026-06-30 by dee\n",
		"  - postgres.wal                              medium    no PostgreSQL configured\n",
		"(abandoned)\n",
		"(below the threshold)\n",
		"      - https://api.example.com/: header missing (expected max-age=31536000; includeSubDomains)\n",
		"      - service \"db\" port 5432: published on 0.0.0.0 (found 0.0.0.0:5432)\n",
		"      - .env:3 service legacy: sslmode=disable (expected verify-full, found disable) (waived)\n",
		"      fix: Set user: in each service, or USER in its Dockerfile.\n",
		"\nOther\n  ✓ team.motd",
		"\nFAILED: 13 checks: 2 passed, 2 warnings, 5 failed, 3 errors, 1 skipped (2 waived, 1 abandoned); 2 filtered out\n",
		"expired waiver: security.headers.* (CDN sets HSTS, until 2026-01-31, approved by bob)\n",
		"unmatched waiver: redis.* (redis retired, until 2026-06-30, approved by bob)\n",
	} {
		assert.Contains(t, out, want)
	}
	// Remediation only under unwaived failures and warnings.
	assert.NotContains(t, out, "Add a healthcheck.")
	// Sections in first-seen order.
	assert.Less(t, strings.Index(out, "\n"+secInfra), strings.Index(out, "\n"+secAPI))
	assert.Less(t, strings.Index(out, "\n"+secAPI), strings.Index(out, "\n"+secPG))
	assert.Less(t, strings.Index(out, "\n"+secPG), strings.Index(out, "\n"+secDBSec))
}

// TestTextSummary: the report leads with the verdict under the policy,
// the counts and the failing checks, most severe first.
func TestTextSummary(t *testing.T) {
	out := renderText(t, fixture(), report.Options{NoTimings: true})
	head := "FAILED: 6 checks fail the run (policy: fail at medium or above); 1 failure and 1 warning do not fail the run under this policy\n" +
		"13 checks: 2 passed, 2 warnings, 5 failed, 3 errors, 1 skipped (2 waived, 1 abandoned); 2 filtered out\n" +
		"Failing, most severe first:\n" +
		"  ✗ docker.user.nonroot [deploy/compose.yml]  critical  3 of 5 services run as root\n" +
		"  ✗ security.headers.hsts [https://api.example.com]  high      no Strict-Transport-Security header\n" +
		"  E security.tls.version [api.example.com:443]  high      could not connect to api.example.com:443\n" +
		"  E postgres.replication [postgres://db:5432/app]  high      timed out after 30s and still running 2s later (it ignores its context): abandoned: context deadline exceeded\n" +
		"  ✗ postgres.ssl [deploy/.env]                high      2 DSNs without TLS\n" +
		"    … and 1 more\n\n"
	assert.True(t, strings.HasPrefix(out, head), out)

	passing := &check.Report{Outcomes: []check.Outcome{outcome("a.b", "S", "i", check.Pass("ok"))}}
	assert.True(t, strings.HasPrefix(renderText(t, passing, report.Options{NoTimings: true}),
		"PASSED: no check fails the run (policy: fail at info or above)\n1 check: 1 passed, 0 warnings, 0 failed, 0 errors, 0 skipped\n\nS\n"))

	skipped := &check.Report{Outcomes: []check.Outcome{outcome("a.b", "S", "i", check.Skip("n/a"))}}
	assert.True(t, strings.HasPrefix(renderText(t, skipped, report.Options{NoTimings: true}),
		"FAILED: nothing was checked (policy: fail at info or above)\n"))
	skipped.Policy.AllowNothingChecked = true
	assert.True(t, strings.HasPrefix(renderText(t, skipped, report.Options{NoTimings: true}),
		"PASSED: no check fails the run (policy: fail at info or above; nothing checked allowed)\n"))
}

// TestTextOrder: by default the sections with failures come first, the
// most severe first, and within a section failing checks come first;
// OrderChecklist keeps the run's order.
func TestTextOrder(t *testing.T) {
	r := &check.Report{Policy: check.Policy{Threshold: check.SeverityMedium}, Outcomes: []check.Outcome{
		sevOutcome("a.pass", "A", check.SeverityHigh, check.Pass("ok")),
		sevOutcome("a.low", "A", check.SeverityLow, check.Fail("low fail")),
		sevOutcome("b.pass", "B", check.SeverityHigh, check.Pass("ok")),
		sevOutcome("b.medium", "B", check.SeverityMedium, check.Fail("medium fail")),
		sevOutcome("c.pass", "C", check.SeverityLow, check.Pass("ok")),
		sevOutcome("c.critical", "C", check.SeverityCritical, check.Fail("critical fail")),
		sevOutcome("c.high", "C", check.SeverityHigh, check.Errorf("broken")),
		sevOutcome("c.warn", "C", check.SeverityHigh, check.Warn("hmm")),
	}}
	order := func(out string) []string {
		var names []string
		body := out[strings.Index(out, "\n\n"):]
		for line := range strings.SplitSeq(body, "\n") {
			if f := strings.Fields(line); len(f) > 1 && len(line) > 2 && line[:2] == "  " && line[2] != ' ' {
				names = append(names, f[1])
			} else if line != "" && line[0] != ' ' && !strings.HasPrefix(line, "FAILED") {
				names = append(names, "#"+line)
			}
		}
		return names
	}
	assert.Equal(t, []string{
		"#C", "c.critical", "c.high", "c.warn", "c.pass",
		"#B", "b.medium", "b.pass",
		"#A", "a.low", "a.pass",
	}, order(renderText(t, r, report.Options{NoTimings: true})))
	assert.Equal(t, []string{
		"#A", "a.pass", "a.low",
		"#B", "b.pass", "b.medium",
		"#C", "c.pass", "c.critical", "c.high", "c.warn",
	}, order(renderText(t, r, report.Options{NoTimings: true, Order: report.OrderChecklist})))
}

func sevOutcome(id, section string, sev check.Severity, res check.Result) check.Outcome {
	return check.Outcome{Meta: check.Meta{ID: id, Section: section, Severity: sev}, Result: res}
}

func TestTextTimings(t *testing.T) {
	with := renderText(t, fixture(), report.Options{})
	assert.Contains(t, with, "all 6 images pinned by digest (12ms)\n")
	assert.Contains(t, with, "(abandoned, 32s)\n")
	assert.Contains(t, with, "motd set (100µs)\n")
	assert.Contains(t, with, "; 2 filtered out in 1.5s\n")

	without := renderText(t, fixture(), report.Options{NoTimings: true})
	for _, d := range []string{"12ms", "32s)", "100µs", "1.5s"} {
		assert.NotContains(t, without, d)
	}
}

// TestTextCollapse: findings of one check that differ only in their
// location are printed once with the list of their locations.
func TestTextCollapse(t *testing.T) {
	f := func(msg string, line int, waived bool) check.Finding {
		return check.Finding{Message: msg, Location: check.Location{File: "compose.yml", Line: line}, Expected: "a digest", Actual: "latest", Waived: waived}
	}
	r := &check.Report{Outcomes: []check.Outcome{outcome("x.y", "S", "i", check.Fail("4 images float",
		f("floating tag", 3, false), f("other", 9, false), f("floating tag", 7, false), f("floating tag", 8, true),
		check.Finding{Message: "floating tag", Expected: "a digest", Actual: "latest"},
	))}}
	out := renderText(t, r, report.Options{NoTimings: true})
	assert.Contains(t, out, "      - floating tag (expected a digest, found latest) at 3 places: compose.yml:3; compose.yml:7; (no location)\n"+
		"      - compose.yml:9: other (expected a digest, found latest)\n"+
		"      - compose.yml:8: floating tag (expected a digest, found latest) (waived)\n")
}

func TestTextMaxFindings(t *testing.T) {
	var fs []check.Finding
	for i := range 25 {
		fs = append(fs, check.Finding{Message: fmt.Sprintf("finding %d", i), Location: check.Location{File: "f", Line: i + 1}})
	}
	for i := range 15 {
		fs = append(fs, check.Finding{Message: "same", Location: check.Location{File: "g", Line: i + 1}})
	}
	r := &check.Report{Outcomes: []check.Outcome{outcome("x.y", "S", "item", check.Fail("many", fs...))}}

	out := renderText(t, r, report.Options{})
	assert.Contains(t, out, "- f:10: finding 9\n", "ten lines by default")
	assert.NotContains(t, out, "finding 10")
	assert.Contains(t, out, "      - … and 30 more findings\n", "15 single findings and 15 collapsed ones left out")

	out = renderText(t, r, report.Options{MaxFindings: 1})
	assert.Contains(t, out, "      - f:1: finding 0\n      - … and 39 more findings\n")

	out = renderText(t, r, report.Options{MaxFindings: 26})
	assert.Contains(t, out, "      - same at 15 places: g:1; g:2; g:3; g:4; g:5; g:6; g:7; g:8; g:9; g:10; g:11; g:12; g:13; g:14; g:15\n")
	out = renderText(t, r, report.Options{MaxFindings: 26})
	assert.NotContains(t, out, "more findings")

	out = renderText(t, r, report.Options{MaxFindings: -1})
	assert.Contains(t, out, "finding 24\n")
	assert.NotContains(t, out, "more")
}

func TestTextMultiline(t *testing.T) {
	r := &check.Report{Outcomes: []check.Outcome{{
		Meta:   check.Meta{ID: "a.b", Section: "S", Severity: check.SeverityHigh},
		Result: check.Result{Status: check.StatusError, Message: "two\nlines", Err: errors.Join(errors.New("first"), errors.New("second"))},
	}}}
	out := renderText(t, r, report.Options{NoTimings: true})
	assert.Equal(t, "FAILED: 1 check fails the run (policy: fail at info or above)\n"+
		"1 check: 0 passed, 0 warnings, 0 failed, 1 error, 0 skipped\n"+
		"Failing, most severe first:\n"+
		"  E a.b  high      two …\n"+
		"\n"+
		"S\n"+
		"  E a.b  high      two\n"+
		"      lines\n"+
		"      error: first\n"+
		"        second\n"+
		"\n"+
		"FAILED: 1 check: 0 passed, 0 warnings, 0 failed, 1 error, 0 skipped\n", out)
}

func TestTextEmpty(t *testing.T) {
	assert.Equal(t, "FAILED: nothing was checked (policy: fail at info or above)\nno checks ran\n",
		renderText(t, &check.Report{}, report.Options{NoTimings: true}))
}

// TestTextHostile: text from a result can neither drive the terminal nor
// reorder or break the lines around it.
func TestTextHostile(t *testing.T) {
	r := &check.Report{Outcomes: []check.Outcome{{
		Meta: check.Meta{ID: "a.b", Target: "evil\u202egpj.yml", Section: "S\u2028x", Severity: check.SeverityHigh},
		Result: check.Fail("ok\u200f\u061c\u2029\x1b]0;title\x07",
			check.Finding{Message: "\u2066hidden\u2069", Location: check.Location{File: "a\u202bb"}, Actual: "\x9b31m"}),
	}}}
	out := renderText(t, r, report.Options{NoTimings: true})
	for _, bad := range []string{"\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\x1b", "\x07", "\u009b"} {
		assert.NotContains(t, out, bad)
	}
	for _, want := range []string{`a.b [evil\u202egpj.yml]`, `S\u2028x`, `ok\u200f\u061c\u2029\x1b]0;title\x07`, `a\u202bb: \u2066hidden\u2069 (found \x9b31m)`} {
		assert.Contains(t, out, want)
	}
}

func TestColorAuto(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	regular, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	require.NoError(t, err)
	t.Cleanup(func() { regular.Close() })
	assert.False(t, report.ColorAuto(regular, env(nil)), "a regular file is not a terminal")
	assert.False(t, report.ColorAuto(nil, env(nil)))

	// /dev/null is a character device but not a terminal.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { null.Close() })
	assert.False(t, report.ColorAuto(null, env(nil)), "/dev/null is not a terminal")

	// A pseudo-terminal's master side is a terminal.
	dev, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to test with: %v", err)
	}
	t.Cleanup(func() { dev.Close() })
	assert.True(t, report.ColorAuto(dev, env(nil)))
	assert.True(t, report.ColorAuto(dev, env(map[string]string{"NO_COLOR": ""})), "an empty NO_COLOR does not count")
	assert.False(t, report.ColorAuto(dev, env(map[string]string{"NO_COLOR": "1"})))
	assert.False(t, report.ColorAuto(dev, env(map[string]string{"TERM": "dumb"})))

	closed, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	assert.False(t, report.ColorAuto(closed, env(nil)), "a closed file")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestRenderErrors(t *testing.T) {
	renderers := map[string]func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error){
		"text": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.Text(w, r, report.Options{}), report.Text(fw, fixture(), report.Options{})
		},
		"json": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.JSON(w, r, report.Options{}), report.JSON(fw, fixture(), report.Options{})
		},
		"junit": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.JUnit(w, r, report.Options{}), report.JUnit(fw, fixture(), report.Options{})
		},
		"markdown": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.Markdown(w, r, report.Options{}), report.Markdown(fw, fixture(), report.Options{})
		},
	}
	for name, render := range renderers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			nilErr, writeErr := render(&buf, failingWriter{}, nil)
			require.Error(t, nilErr)
			assert.Equal(t, "report: "+name+": nil report", nilErr.Error())
			assert.Zero(t, buf.Len())
			require.Error(t, writeErr)
			assert.Equal(t, "report: "+name+": writing: pipe closed", writeErr.Error())
		})
	}
}
