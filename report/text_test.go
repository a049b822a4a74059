package report_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func renderText(t *testing.T, r *check.Report, opts report.TextOptions) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.Text(&buf, r, opts))
	return buf.String()
}

func TestTextNoColor(t *testing.T) {
	out := renderText(t, fixture(), report.TextOptions{})
	assert.NotContains(t, out, "\x1b", "no ANSI codes, and a result's own escape sequences are neutralised")
	assert.Contains(t, out, `\x1b[31mred\x1b[0m`, "control characters are shown escaped")
}

func TestTextColor(t *testing.T) {
	out := renderText(t, fixture(), report.TextOptions{Color: true})
	assert.Contains(t, out, "\x1b[32m✓\x1b[0m docker.image.pinned")
	assert.Contains(t, out, "\x1b[31m✗\x1b[0m docker.user.nonroot")
	assert.Contains(t, out, "\x1b[1mDeployment / Docker & Infrastructure\x1b[0m")
	assert.Contains(t, out, `\x1b[31mred`, "a result's escape sequences stay escaped with colour on")
}

func TestTextMarks(t *testing.T) {
	out := renderText(t, fixture(), report.TextOptions{NoTimings: true})
	for _, want := range []string{
		"  ✓ docker.image.pinned     high      all 6 images pinned by digest\n",
		"  ✗ docker.user.nonroot     critical  2 of 5 services run as root\n",
		"  ~ docker.healthcheck      medium    1 service has no healthcheck (waived fail)\n",
		"      waived: legacy api, migrating in Q3 until 2027-01-31 by ana\n",
		"  ! docker.ports.published  low       1 port published on all interfaces\n",
		"  E security.tls.version    high      could not connect to api.example.com:443\n",
		"      error: dial tcp 10.0.0.5:443: connect: connection refused\n",
		"      waiver expired: CDN sets HSTS until 2026-01-31 by bob\n",
		"  - postgres.wal            medium    no PostgreSQL configured\n",
		"(abandoned)\n",
		"      - docker-compose.yml:12:5 service \"api\": runs as root (expected a non-root user, found root)\n",
		"      - https://api.example.com/: header missing (expected max-age=31536000; includeSubDomains)\n",
		"      - service \"db\" port 5432: published on 0.0.0.0 (found 0.0.0.0:5432)\n",
		"      fix: Set user: in each service, or USER in its Dockerfile.\n",
		"\nOther\n  ✓ team.motd",
		"12 checks: 2 passed, 2 warnings, 5 failed, 2 errors, 1 skipped (2 waived, 1 abandoned); 2 filtered out\n",
		"expired waiver: security.headers.* (CDN sets HSTS, until 2026-01-31, approved by bob)\n",
		"unmatched waiver: redis.* (redis retired, until 2026-06-30, approved by bob)\n",
	} {
		assert.Contains(t, out, want)
	}
	// Remediation only under unwaived failures and warnings.
	assert.NotContains(t, out, "Add a healthcheck.")
	// Sections in first-seen order.
	assert.Less(t, strings.Index(out, secAPI), strings.Index(out, secPG))
	assert.Less(t, strings.Index(out, secPG), strings.Index(out, secDBSec))
}

func TestTextTimings(t *testing.T) {
	with := renderText(t, fixture(), report.TextOptions{})
	assert.Contains(t, with, "all 6 images pinned by digest (12ms)\n")
	assert.Contains(t, with, "(abandoned, 32s)\n")
	assert.Contains(t, with, "motd set (100µs)\n")
	assert.Contains(t, with, "; 2 filtered out in 1.5s\n")

	without := renderText(t, fixture(), report.TextOptions{NoTimings: true})
	for _, d := range []string{"12ms", "32s)", "100µs", "1.5s"} {
		assert.NotContains(t, without, d)
	}
}

func TestTextMaxFindings(t *testing.T) {
	out := renderText(t, fixture(), report.TextOptions{MaxFindings: 1})
	assert.Contains(t, out, "runs as root")
	assert.NotContains(t, out, "no USER instruction")
	assert.Contains(t, out, "      - ... and 1 more\n")
}

func TestTextMultiline(t *testing.T) {
	r := &check.Report{Outcomes: []check.Outcome{{
		Meta:   check.Meta{ID: "a.b", Section: "S", Severity: check.SeverityHigh},
		Result: check.Result{Status: check.StatusError, Message: "two\nlines", Err: errors.Join(errors.New("first"), errors.New("second"))},
	}}}
	out := renderText(t, r, report.TextOptions{NoTimings: true})
	assert.Equal(t, "S\n"+
		"  E a.b  high      two\n"+
		"      lines\n"+
		"      error: first\n"+
		"        second\n"+
		"\n"+
		"1 check: 0 passed, 0 warnings, 0 failed, 1 error, 0 skipped\n", out)
}

func TestTextEmpty(t *testing.T) {
	assert.Equal(t, "no checks ran\n", renderText(t, &check.Report{}, report.TextOptions{NoTimings: true}))
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
			return report.Text(w, r, report.TextOptions{}), report.Text(fw, fixture(), report.TextOptions{})
		},
		"json": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.JSON(w, r), report.JSON(fw, fixture())
		},
		"junit": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.JUnit(w, r), report.JUnit(fw, fixture())
		},
		"markdown": func(w *bytes.Buffer, fw failingWriter, r *check.Report) (error, error) {
			return report.Markdown(w, r), report.Markdown(fw, fixture())
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
