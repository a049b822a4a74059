package report_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	p := report.NewProgressLine(&out, report.ProgressOptions{Now: clock})
	mk := func(id string, st check.Status) check.Progress {
		return check.Progress{Outcome: check.Outcome{Meta: check.Meta{ID: id, Severity: check.SeverityHigh}, Result: check.Result{Status: st}}}
	}
	pr := mk("a.fast", check.StatusFail)
	pr.Done, pr.Total, pr.Failing = 1, 3, 1
	p.Update(pr)
	assert.Empty(t, out.String(), "nothing within the first second")
	p.Clear()
	assert.Empty(t, out.String(), "nothing to clear")

	now = now.Add(1500 * time.Millisecond)
	pr = mk("b.slow", check.StatusPass)
	pr.Done, pr.Total, pr.Failing = 2, 3, 1 // as the Runner counts under its policy
	p.Update(pr)
	assert.Equal(t, "\r\x1b[K  2/3 checks done, 1 failing (last: b.slow)", out.String())
	p.Clear()
	assert.Equal(t, "\r\x1b[K  2/3 checks done, 1 failing (last: b.slow)\r\x1b[K", out.String())
}

func TestProgressLineWithRunner(t *testing.T) {
	var out bytes.Buffer
	p := report.NewProgressLine(&out, report.ProgressOptions{Delay: -1})
	var checks []check.Check
	for i := range 5 {
		checks = append(checks, check.New(check.Meta{ID: fmt.Sprintf("p.c%d", i), Severity: check.SeverityLow},
			func(context.Context) check.Result { return check.Pass("ok") }))
	}
	rep, err := (&check.Runner{OnOutcome: p.Update}).Run(context.Background(), checks...)
	require.NoError(t, err)
	p.Clear()
	assert.Equal(t, 5, rep.Counts().Pass)
	assert.Contains(t, out.String(), "5/5 checks done, 0 failing")
	assert.Equal(t, 6, bytes.Count(out.Bytes(), []byte("\r\x1b[K")), "five draws and one clear")
}
