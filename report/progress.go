package report

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// ProgressOptions configures a [ProgressLine]. The zero value shows the
// line once a run has lasted a second.
type ProgressOptions struct {
	// Delay is how long a run lasts before the line appears, so that
	// short runs print nothing; 0 means one second, a negative value
	// shows it at once.
	Delay time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

// A ProgressLine draws a live one-line progress indicator for a run on a
// terminal: "  12/40 checks done, 1 failing (last: docker.compose.image-pinned)".
// Give its Update method to Runner.OnOutcome and call Clear when Run
// returns, before rendering the report. Use it only when the writer is a
// terminal (see [ColorAuto]); it writes carriage returns and an erase-line
// sequence. It is safe for concurrent use.
type ProgressLine struct {
	w     io.Writer
	opts  ProgressOptions
	start time.Time

	mu      sync.Mutex
	shown   bool
	failing int
}

// NewProgressLine returns a ProgressLine writing to w; the run's clock
// starts now.
func NewProgressLine(w io.Writer, opts ProgressOptions) *ProgressLine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Delay == 0 {
		opts.Delay = time.Second
	}
	return &ProgressLine{w: w, opts: opts, start: opts.Now()}
}

// Update records one settled outcome and redraws the line once the delay
// has passed.
func (p *ProgressLine) Update(pr check.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failing = pr.Failing // decided by the run's policy
	if p.opts.Now().Sub(p.start) < p.opts.Delay {
		return
	}
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[K  %d/%d checks done, %d failing (last: %s)", pr.Done, pr.Total, p.failing, oneLine(neutralize(pr.Outcome.Meta.Name())))
}

// Clear erases the line if it was drawn.
func (p *ProgressLine) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
