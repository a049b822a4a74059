package report

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// ProgressOptions configures a [ProgressLine]. The zero value shows the
// line once a run has lasted a second and, once started, redraws it every
// second.
type ProgressOptions struct {
	// Delay is how long a run lasts before the line appears, so that
	// short runs print nothing; 0 means one second, a negative value
	// shows it at once.
	Delay time.Duration
	// Interval is how often [ProgressLine.Start] redraws the line with
	// the time elapsed; 0 means one second.
	Interval time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

// A ProgressLine draws a live one-line progress indicator for a run on a
// terminal: "  12/40 checks done, 1 failing, 3s (last: docker.compose.image-pinned)".
// Give its Update method to Runner.OnOutcome, call Start when the run
// starts, and Clear when Run returns, before rendering the report. Start
// keeps the line ticking while the run waits on a slow check, when no
// outcome arrives to redraw it. Use it only when the writer is a terminal
// (see [ColorAuto]); it writes carriage returns and an erase-line
// sequence. It is safe for concurrent use.
type ProgressLine struct {
	w     io.Writer
	opts  ProgressOptions
	start time.Time

	mu    sync.Mutex
	shown bool
	last  check.Progress
	seen  bool          // an outcome has settled
	stop  chan struct{} // closed by Clear; nil until Start
	done  chan struct{} // closed when the ticker returns; nil once Clear has waited
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
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	return &ProgressLine{w: w, opts: opts, start: opts.Now()}
}

// Update records one settled outcome and redraws the line once the delay
// has passed.
func (p *ProgressLine) Update(pr check.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last, p.seen = pr, true
	p.drawLocked()
}

// Start redraws the line every Interval until Clear, so that a run waiting
// on a slow check (a silent server, a long timeout) still shows it is
// alive. Calling it again, or after Clear, does nothing.
func (p *ProgressLine) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.tick(p.stop, p.done)
}

func (p *ProgressLine) tick(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(p.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.drawLocked()
			p.mu.Unlock()
		}
	}
}

func (p *ProgressLine) drawLocked() {
	elapsed := p.opts.Now().Sub(p.start)
	if elapsed < p.opts.Delay {
		return
	}
	p.shown = true
	if !p.seen {
		fmt.Fprintf(p.w, "\r\x1b[K  running, %s", elapsed.Round(time.Second))
		return
	}
	pr := p.last
	fmt.Fprintf(p.w, "\r\x1b[K  %d/%d checks done, %d failing, %s (last: %s)",
		pr.Done, pr.Total, pr.Failing, elapsed.Round(time.Second), oneLine(neutralize(pr.Outcome.Meta.Name())))
}

// Clear stops the ticking Start began and erases the line if it was
// drawn. Call it once the run has returned.
func (p *ProgressLine) Clear() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.done = nil // a second Clear finds nothing to stop; stop stays set, so Start does nothing
	p.mu.Unlock()
	if done != nil {
		close(stop)
		<-done // the ticker may be waiting for mu: wait outside it
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
