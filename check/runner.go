package check

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used by a zero [Runner].
const (
	DefaultLimit   = 128              // checks running at once
	DefaultTimeout = 30 * time.Second // per check
	DefaultGrace   = 2 * time.Second  // after a deadline, before abandoning
)

// ErrInvalid is matched by the error Run returns when a check's Meta, a
// waiver or an override is invalid, or when two checks share an ID.
var ErrInvalid = errors.New("check: invalid run")

// A Runner runs checks concurrently and records their outcomes in a
// [Report]. The zero Runner is ready to use with the defaults documented
// on each field. A Runner is not modified by Run, so one Runner may run
// several times, concurrently, as long as its fields are not changed
// meanwhile.
type Runner struct {
	// Limit bounds how many checks run at once: 0 means DefaultLimit, a
	// negative value means no limit.
	Limit int
	// Timeout bounds each check whose Meta.Timeout is 0: 0 means
	// DefaultTimeout, a negative value means no timeout.
	Timeout time.Duration
	// Grace is how long a check may keep running past its deadline (or
	// the run's cancellation) before it is abandoned: 0 means DefaultGrace.
	Grace time.Duration
	// Now tells the time for waiver expiry and the report's start; nil
	// means time.Now.
	Now func() time.Time

	// Filter selects which checks run; the zero Filter selects all.
	Filter Filter
	// Severities overrides severities: ID glob (path.Match syntax) to
	// severity. When several patterns match, the longest pattern wins.
	Severities map[string]Severity
	// Waivers accept known failures; see [Waiver].
	Waivers []Waiver

	// Strict makes unwaived warnings fail the run (copied to the Report).
	Strict bool
	// AllowNothingChecked lets a run of only skips pass (copied to the Report).
	AllowNothingChecked bool

	// OnOutcome, if set, is called as each outcome is settled, one call
	// at a time, from the goroutine that settled it.
	OnOutcome func(Progress)
}

// Progress is what OnOutcome is told: which check settled, and how far the
// run is.
type Progress struct {
	Index   int // position of the outcome in Report.Outcomes
	Done    int // outcomes settled so far, this one included
	Total   int
	Outcome Outcome
}

// Filter selects checks by ID glob, tag and severity. A check runs when it
// matches one of IDs (or IDs is empty), none of ExcludeIDs, one of Tags (or
// Tags is empty), and its effective severity is at least MinSeverity.
type Filter struct {
	IDs         []string
	ExcludeIDs  []string
	Tags        []string
	MinSeverity Severity
}

func (f Filter) selects(m Meta) bool {
	if len(f.IDs) > 0 && !matchAny(f.IDs, m.ID) {
		return false
	}
	if matchAny(f.ExcludeIDs, m.ID) {
		return false
	}
	if len(f.Tags) > 0 {
		found := false
		for _, t := range f.Tags {
			if m.HasTag(t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return m.Severity >= f.MinSeverity
}

func matchAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) limit() int {
	switch {
	case r.Limit == 0:
		return DefaultLimit
	case r.Limit < 0:
		return 0 // no semaphore
	}
	return r.Limit
}

func (r *Runner) grace() time.Duration {
	if r.Grace <= 0 {
		return DefaultGrace
	}
	return r.Grace
}

// Run runs checks and returns their outcomes in input order.
//
// Before anything runs, Run validates every check's Meta, the waivers and
// the overrides, and rejects duplicate IDs: it returns an error matching
// [ErrInvalid] that lists every problem, and no Report.
//
// Each check gets its own deadline. A result produced after the deadline
// is an Error. A check that ignores its context is abandoned at the
// deadline plus Grace: its outcome is an Error marked Abandoned, and its
// late return is discarded. A panic becomes an Error carrying a
// [*PanicError]. If ctx is cancelled, checks not yet started are Errors
// "cancelled". Run returns when every outcome is settled; only abandoned
// checks outlive it.
func (r *Runner) Run(ctx context.Context, checks ...Check) (*Report, error) {
	outcomes, err := r.plan(checks)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Start:               r.now(),
		Strict:              r.Strict,
		AllowNothingChecked: r.AllowNothingChecked,
	}
	started := time.Now()
	// Keep the selected checks, compacting outcomes and checks alike.
	sel := outcomes[:0]
	var run []Check
	for i := range outcomes {
		if !r.Filter.selects(outcomes[i].Meta) {
			if run == nil {
				run = append(make([]Check, 0, len(checks)), checks[:i]...)
			}
			continue
		}
		if run != nil {
			run = append(run, checks[i])
		}
		sel = append(sel, outcomes[i])
	}
	if run == nil {
		run = checks
	}
	rep.Filtered = len(checks) - len(sel)
	rep.Outcomes = sel
	if len(sel) > 0 {
		newExecution(r, rep.Outcomes).run(ctx, run)
	}
	rep.Duration = time.Since(started)
	r.applyWaivers(rep)
	return rep, nil
}

// plan validates the run and returns an outcome per check, holding the
// check's effective Meta.
func (r *Runner) plan(checks []Check) ([]Outcome, error) {
	var errs []error
	outcomes := make([]Outcome, len(checks))
	seen := make(map[string]int, len(checks))
	for i, c := range checks {
		if c == nil {
			errs = append(errs, fmt.Errorf("check %d is nil", i))
			continue
		}
		m := &outcomes[i].Meta
		*m = c.Meta()
		if err := m.validate(); err != nil {
			errs = append(errs, fmt.Errorf("check %d: %w", i, err))
			continue
		}
		if j, dup := seen[m.ID]; dup {
			errs = append(errs, fmt.Errorf("checks %d and %d share the ID %q", j, i, m.ID))
			continue
		}
		seen[m.ID] = i
		if len(r.Severities) > 0 {
			m.Severity = r.overrideSeverity(m.ID, m.Severity)
		}
	}
	for p, s := range r.Severities {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("severity override %q: %w", p, err))
		}
		if !s.Valid() {
			errs = append(errs, fmt.Errorf("severity override %q: severity %s is not valid", p, s))
		}
	}
	for _, w := range r.Waivers {
		if err := w.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return outcomes, nil
}

func (r *Runner) overrideSeverity(id string, s Severity) Severity {
	best := -1
	for p, v := range r.Severities {
		if ok, _ := path.Match(p, id); ok && len(p) > best {
			best, s = len(p), v
		}
	}
	return s
}

// applyWaivers marks waived outcomes and findings, and records expired and
// unmatched waivers.
func (r *Runner) applyWaivers(rep *Report) {
	if len(r.Waivers) == 0 {
		return
	}
	now := r.now()
	matched := make([]bool, len(r.Waivers))
	expired := make([]bool, len(r.Waivers))
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		for wi := range r.Waivers {
			w := r.Waivers[wi]
			if !w.matchesID(o.Meta.ID) {
				continue
			}
			var hits []int
			if w.Location != "" {
				for fi, f := range o.Result.Findings {
					if w.matchesLocation(f.Location) {
						hits = append(hits, fi)
					}
				}
				if len(hits) == 0 {
					continue
				}
			}
			matched[wi] = true
			switch {
			case w.Expired(now):
				expired[wi] = true
				if o.Waiver == nil {
					o.Waiver = &w
				}
				continue
			case o.Result.Status != StatusFail && o.Result.Status != StatusWarn:
				if o.Waiver == nil {
					o.Waiver = &w // matched, but a waiver never hides Error
				}
				continue
			}
			if w.Location == "" {
				o.Waiver, o.Waived = &w, true
				continue
			}
			fs := append([]Finding(nil), o.Result.Findings...)
			for _, fi := range hits {
				fs[fi].Waived = true
			}
			o.Result.Findings = fs
			if o.Waiver == nil || !o.Waived {
				o.Waiver = &w
			}
			o.Waived = true
			for _, f := range fs {
				if !f.Waived {
					o.Waived = false
				}
			}
		}
	}
	for wi, w := range r.Waivers {
		switch {
		case !matched[wi]:
			rep.UnmatchedWaivers = append(rep.UnmatchedWaivers, w)
		case expired[wi]:
			rep.ExpiredWaivers = append(rep.ExpiredWaivers, w)
		}
	}
}

// Slot states of an execution.
const (
	slotRunning int32 = iota
	slotSettled
)

// execution is one Run's moving parts.
type execution struct {
	r        *Runner
	outcomes []Outcome
	states   []atomic.Int32
	sem      chan struct{}
	grace    time.Duration
	settled  sync.WaitGroup

	progMu sync.Mutex
	done   int

	sup *supervisor
}

func newExecution(r *Runner, outcomes []Outcome) *execution {
	x := &execution{
		r:        r,
		outcomes: outcomes,
		states:   make([]atomic.Int32, len(outcomes)),
		grace:    r.grace(),
	}
	if n := r.limit(); n > 0 {
		x.sem = make(chan struct{}, n)
	}
	return x
}

func (x *execution) run(ctx context.Context, checks []Check) {
	runCtx := WithMemo(ctx)
	x.settled.Add(len(checks))
	x.sup = &supervisor{x: x, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	var supDone chan struct{}
dispatch:
	for j, c := range checks {
		if ctx.Err() != nil {
			x.cancelRest(ctx, j)
			break
		}
		if x.sem != nil {
			select {
			case x.sem <- struct{}{}:
			case <-ctx.Done():
				x.cancelRest(ctx, j)
				break dispatch
			}
		}
		timeout := x.outcomes[j].Meta.Timeout
		if timeout == 0 {
			timeout = x.r.Timeout
			if timeout == 0 {
				timeout = DefaultTimeout
			}
		}
		start := time.Now()
		x.outcomes[j].Start = start
		if supDone == nil {
			supDone = make(chan struct{})
			go x.sup.loop(ctx, supDone)
		}
		x.sup.add(j, timeout)
		go x.exec(runCtx, j, c, timeout)
	}
	x.settled.Wait()
	if supDone != nil {
		close(x.sup.stop)
		<-supDone
	}
}

// cancelRest settles every outcome from j on as cancelled before start.
func (x *execution) cancelRest(ctx context.Context, j int) {
	cause := context.Cause(ctx)
	for k := j; k < len(x.outcomes); k++ {
		if !x.states[k].CompareAndSwap(slotRunning, slotSettled) {
			continue
		}
		x.outcomes[k].Result = Result{Status: StatusError, Message: "cancelled before it started: " + cause.Error(), Err: cause}
		x.finish(k, false)
	}
}

func (x *execution) exec(ctx context.Context, j int, c Check, timeout time.Duration) {
	cctx, cancel := ctx, context.CancelFunc(nil)
	if timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	}
	res := safeRun(cctx, c)
	late := cctx.Err()
	if cancel != nil {
		cancel()
	}
	if !x.states[j].CompareAndSwap(slotRunning, slotSettled) {
		return // abandoned: the outcome is written already
	}
	o := &x.outcomes[j]
	o.Duration = time.Since(o.Start)
	if late != nil || !res.Status.Valid() || res.Status == StatusError {
		res = settle(res, late, ctx, timeout)
	}
	o.Result = res
	x.finish(j, true)
}

// settle turns what a check returned into its recorded Result.
//
//go:noinline
func settle(res Result, late error, parent context.Context, timeout time.Duration) Result {
	if late != nil {
		msg := ""
		var cause error
		if parent.Err() != nil {
			cause = context.Cause(parent)
			msg = "cancelled: " + cause.Error()
		} else {
			cause = fmt.Errorf("timed out after %v: %w", timeout, context.DeadlineExceeded)
			msg = cause.Error()
		}
		if res.Message != "" && res.Message != late.Error() {
			msg += " (check said: " + res.Message + ")"
		}
		return Result{Status: StatusError, Message: msg, Findings: res.Findings, Err: cause}
	}
	if !res.Status.Valid() {
		detail := "no status (a Result{} with Status unset)"
		if res.Status != StatusUnknown {
			detail = "invalid " + res.Status.String()
		}
		msg := "check returned " + detail
		if res.Message != "" {
			msg += ": " + res.Message
		}
		return Result{Status: StatusError, Message: msg, Findings: res.Findings, Err: errors.New("check: " + detail)}
	}
	if res.Status == StatusError && res.Message == "" && res.Err != nil {
		res.Message = res.Err.Error()
	}
	return res
}

func (x *execution) finish(j int, started bool) {
	if started && x.sem != nil {
		<-x.sem
	}
	if x.r.OnOutcome != nil {
		x.progMu.Lock()
		x.done++
		x.r.OnOutcome(Progress{Index: j, Done: x.done, Total: len(x.outcomes), Outcome: x.outcomes[j]})
		x.progMu.Unlock()
	}
	x.settled.Done()
}

// abandon settles check j as abandoned, if it has not returned yet.
func (x *execution) abandon(j int, timeout time.Duration, cancelled error) {
	if !x.states[j].CompareAndSwap(slotRunning, slotSettled) {
		return
	}
	o := &x.outcomes[j]
	o.Duration = time.Since(o.Start)
	o.Abandoned = true
	var err error
	if cancelled != nil {
		err = fmt.Errorf("cancelled (%w) and still running %v later: abandoned", cancelled, x.grace)
	} else {
		err = fmt.Errorf("timed out after %v and still running %v later (it ignores its context): abandoned: %w", timeout, x.grace, context.DeadlineExceeded)
	}
	o.Result = Result{Status: StatusError, Message: err.Error(), Err: err}
	x.finish(j, true)
}

// safeRun runs c, turning a panic into an Error result.
func safeRun(ctx context.Context, c Check) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			pe := &PanicError{Value: p, Stack: trimmedStack()}
			res = Result{Status: StatusError, Message: fmt.Sprintf("panic: %v", p), Err: pe}
		}
	}()
	return c.Run(ctx)
}

// PanicError is the cause of an Error outcome whose check panicked.
type PanicError struct {
	Value any
	Stack string // the panicking goroutine's stack, trimmed to the check's frames
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// trimmedStack returns the stack below the panic, without the runtime's
// and the Runner's own frames, at most 16 frames.
func trimmedStack() string {
	lines := strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")
	// lines[0] is "goroutine N [running]:", then pairs of function / file lines.
	var out []string
	start := 1
	for i := 1; i+1 < len(lines); i += 2 {
		if strings.HasPrefix(lines[i], "panic(") {
			start = i + 2
			break
		}
	}
	for i := start; i+1 < len(lines) && len(out) < 32; i += 2 {
		fn := lines[i]
		if strings.Contains(fn, "prodcheck/check.safeRun") || strings.Contains(fn, "prodcheck/check.(*execution)") ||
			strings.Contains(fn, "prodcheck/check.(*Source") {
			break
		}
		out = append(out, fn, lines[i+1])
	}
	return strings.Join(out, "\n")
}

// supervisor abandons checks that outlive their deadline plus grace, one
// goroutine and one timer for the whole run.
//
// Checks that share a timeout are started in order, so their deadlines
// increase: the supervisor keeps one FIFO queue per distinct timeout
// (usually one or two), and adding a check is an append, not a heap push.
type supervisor struct {
	x      *execution
	mu     sync.Mutex
	queues []dueQueue
	// cancelDue, once the run's context is done, caps every deadline.
	cancelDue time.Time
	cancelled error
	wake      chan struct{}
	stop      chan struct{}
}

type dueQueue struct {
	timeout time.Duration // <= 0: no deadline, only cancellation
	js      []int         // outcome indexes, in start order
	head    int
}

func (q *dueQueue) due(x *execution, j int, cancelDue time.Time) time.Time {
	var d time.Time
	if q.timeout > 0 {
		d = x.outcomes[j].Start.Add(q.timeout + x.grace)
	}
	if !cancelDue.IsZero() && (d.IsZero() || cancelDue.Before(d)) {
		d = cancelDue
	}
	return d
}

// add registers check j, started with timeout. Only the dispatching
// goroutine calls it.
func (s *supervisor) add(j int, timeout time.Duration) {
	s.mu.Lock()
	qi := -1
	for i := range s.queues {
		if s.queues[i].timeout == timeout {
			qi = i
			break
		}
	}
	if qi < 0 {
		s.queues = append(s.queues, dueQueue{timeout: timeout, js: make([]int, 0, len(s.x.outcomes))})
		qi = len(s.queues) - 1
	}
	q := &s.queues[qi]
	first := q.head == len(q.js)
	q.js = append(q.js, j)
	s.mu.Unlock()
	if first && timeout > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// sweep abandons every check past its due time and returns the next due
// time (zero: none).
func (s *supervisor) sweep(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for qi := range s.queues {
		q := &s.queues[qi]
		for q.head < len(q.js) {
			j := q.js[q.head]
			if s.x.states[j].Load() == slotSettled {
				q.head++
				continue
			}
			d := q.due(s.x, j, s.cancelDue)
			if d.IsZero() {
				break
			}
			if d.After(now) {
				if next.IsZero() || d.Before(next) {
					next = d
				}
				break
			}
			q.head++
			s.x.abandon(j, q.timeout, s.cancelled)
		}
	}
	return next
}

func (s *supervisor) loop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	parentDone := ctx.Done()
	for {
		now := time.Now()
		if next := s.sweep(now); !next.IsZero() {
			timer.Reset(next.Sub(now))
		} else {
			timer.Stop()
		}
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case <-timer.C:
		case <-parentDone:
			parentDone = nil
			s.mu.Lock()
			s.cancelled = context.Cause(ctx)
			s.cancelDue = time.Now().Add(s.x.grace)
			s.mu.Unlock()
		}
	}
}
