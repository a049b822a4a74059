package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
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
	assert.Equal(t, "\r\x1b[K  2/3 checks done, 1 failing, 2s (last: b.slow)", out.String())
	p.Clear()
	assert.Equal(t, "\r\x1b[K  2/3 checks done, 1 failing, 2s (last: b.slow)\r\x1b[K", out.String())
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
	assert.Contains(t, out.String(), "5/5 checks done, 0 failing, 0s")
	assert.Equal(t, 6, bytes.Count(out.Bytes(), []byte("\r\x1b[K")), "five draws and one clear")
}

// TestProgressLineTicks: a run held by one slow check still shows it is
// alive. Start redraws the line every second, with the time elapsed,
// though no outcome arrives; Clear stops the ticker and erases the line.
func TestProgressLineTicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncBuffer
		p := report.NewProgressLine(&out, report.ProgressOptions{})
		slow := check.New(check.Meta{ID: "p.slow", Severity: check.SeverityHigh}, func(ctx context.Context) check.Result {
			select {
			case <-time.After(3500 * time.Millisecond):
				return check.Pass("answered at last")
			case <-ctx.Done():
				return check.Error(ctx.Err())
			}
		})
		fast := check.New(check.Meta{ID: "p.fast", Severity: check.SeverityHigh}, func(context.Context) check.Result {
			return check.Fail("at once", check.Finding{Message: "x"})
		})
		r := check.Runner{OnOutcome: p.Update}
		p.Start()
		p.Start() // a second Start does not start a second ticker
		done := make(chan *check.Report)
		go func() {
			rep, err := r.Run(t.Context(), fast, slow)
			assert.NoError(t, err)
			done <- rep
		}()

		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		assert.Empty(t, out.String(), "nothing within the first second")

		time.Sleep(time.Second) // 1.5s: the first tick past the delay has drawn
		synctest.Wait()
		assert.Equal(t, "\r\x1b[K  1/2 checks done, 1 failing, 1s (last: p.fast)", out.String())

		time.Sleep(time.Second) // 2.5s: the line ticks on, no outcome needed
		synctest.Wait()
		assert.Equal(t, 2, strings.Count(out.String(), "1/2 checks done"))
		assert.True(t, strings.HasSuffix(out.String(), "1/2 checks done, 1 failing, 2s (last: p.fast)"), out.String())

		rep := <-done // at 3.5s the slow check answers
		p.Clear()
		assert.Equal(t, 1, rep.Counts().Pass)
		assert.True(t, strings.HasSuffix(out.String(), "2/2 checks done, 1 failing, 4s (last: p.slow)\r\x1b[K"), out.String())
		n := len(out.String())
		time.Sleep(5 * time.Second)
		synctest.Wait()
		assert.Len(t, out.String(), n, "nothing drawn after Clear")
		p.Clear() // a second Clear is harmless
		p.Start() // and Start after Clear does nothing
		time.Sleep(2 * time.Second)
		synctest.Wait()
		assert.Len(t, out.String(), n)
	})
}

// TestProgressLineBeforeAnyOutcome: a run whose every check is slow shows
// the time elapsed before the first outcome settles.
func TestProgressLineBeforeAnyOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncBuffer
		p := report.NewProgressLine(&out, report.ProgressOptions{})
		p.Start()
		time.Sleep(2*time.Second + time.Millisecond)
		synctest.Wait()
		p.Clear()
		assert.Equal(t, "\r\x1b[K  running, 1s\r\x1b[K  running, 2s\r\x1b[K", out.String())
	})
}

// syncBuffer is a bytes.Buffer safe for the ticker and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
