package check

import (
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// Defaults used by a zero [Runner].
const (
	DefaultLimit   = 128              // checks running at once
	DefaultTimeout = 30 * time.Second // per check
	DefaultGrace   = 2 * time.Second  // after a deadline, before abandoning
)

// ErrInvalid is matched by the error Run returns when a check's Meta, a
// waiver, an override or a filter is invalid, or when two checks share an
// ID and a target.
var ErrInvalid = errors.New("check: invalid run")

// A Runner runs checks concurrently and records their outcomes in a
// [Report]. The zero Runner is ready to use with the defaults documented
// on each field. A Runner is not modified by Run, so one Runner may run
// several times, concurrently, as long as its fields are not changed
// meanwhile.
type Runner struct {
	// Limit bounds how many checks run at once: 0 means DefaultLimit, a
	// negative value means no limit.
	//
	// A check abandoned at its deadline plus Grace gives its slot back,
	// so a stuck check never stalls the run; but while max(Limit,
	// DefaultLimit) abandoned checks are still running, no further check
	// starts: the rest settle as Errors saying so. So at most Limit +
	// max(Limit, DefaultLimit) checks of a run are alive at once.
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
	// Overrides change severities per ID and target; when several match a
	// check, the last one in the list wins.
	Overrides []Override
	// Waivers accept known failures; see [Waiver].
	Waivers []Waiver
	// MaxWaiverLifetime is the longest a waiver may run past the run's
	// start: 0 means DefaultWaiverLifetime, a negative value means no
	// limit. A waiver expiring later is invalid.
	MaxWaiverLifetime time.Duration

	// Policy decides what fails the run; it is copied into the Report.
	Policy Policy

	// OnOutcome, if set, is called as each outcome is settled (waiver
	// decision included), one call at a time.
	OnOutcome func(Progress)
}

// Override sets the severity of the checks whose ID matches the glob ID
// (path.Match syntax) and, when Target is set, whose target matches the
// path glob Target (see [Waiver] for the pattern syntax).
type Override struct {
	ID       string
	Target   string
	Severity Severity
}

func (ov Override) matches(m Meta) bool {
	if ok, _ := path.Match(ov.ID, m.ID); !ok {
		return false
	}
	return ov.Target == "" || globMatch(ov.Target, m.Target)
}

// Progress is what OnOutcome is told: which check settled, and how far the
// run is.
type Progress struct {
	Index   int // position of the outcome in Report.Outcomes
	Done    int // outcomes settled so far, this one included
	Total   int
	Outcome Outcome
	// Failing is how many settled outcomes fail the run under its Policy.
	Failing int
}

// Filter selects checks by ID glob, target glob, tag and severity. A check
// runs when it matches one of IDs (or IDs is empty), none of ExcludeIDs,
// one of Targets (or Targets is empty), one of Tags (or Tags is empty),
// and its effective severity is at least MinSeverity.
type Filter struct {
	IDs         []string
	ExcludeIDs  []string
	Targets     []string // path globs over Meta.Target, as in [Waiver]
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
	if len(f.Targets) > 0 && !slices.ContainsFunc(f.Targets, func(p string) bool { return globMatch(p, m.Target) }) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(f.Tags, m.HasTag) {
		return false
	}
	return m.Severity >= f.MinSeverity
}

func (f Filter) validate() []error {
	var errs []error
	for _, p := range slices.Concat(f.IDs, f.ExcludeIDs) {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("filter ID pattern %q: %w", truncate(p, 60), err))
		}
	}
	for _, p := range f.Targets {
		if !doublestar.ValidatePattern(p) {
			errs = append(errs, fmt.Errorf("filter target pattern %q is malformed", truncate(p, 60)))
		}
	}
	return errs
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
// Before anything runs, Run validates every check's Meta (a nil check, or
// one whose Meta panics, is invalid), the waivers, overrides and filters,
// and rejects two checks with the same (ID, Target): it returns an error
// matching [ErrInvalid] that lists every problem, and no Report.
//
// Each check gets its own deadline. A result produced after the deadline
// is an Error. A check that ignores its context is abandoned at the
// deadline plus Grace: its outcome is an Error marked Abandoned, and its
// late return is discarded. A panic becomes an Error carrying a
// [*PanicError]; a check that calls runtime.Goexit (t.FailNow inside a
// check) is an Error at once; a Pass with findings is an Error. If ctx is
// cancelled, checks not yet started are Errors "cancelled". Run returns
// when every outcome is settled; only abandoned checks outlive it, and the
// Report counts those still running.
func (r *Runner) Run(ctx context.Context, checks ...Check) (*Report, error) {
	start := r.now()
	outcomes, err := r.plan(checks, start)
	if err != nil {
		return nil, err
	}
	rep := &Report{Start: start, Policy: r.Policy}
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
	x := newExecution(r, rep.Outcomes, start)
	if len(sel) > 0 {
		x.run(ctx, run)
	}
	rep.Duration = time.Since(started)
	rep.StillRunning = int(x.stuck.Load())
	for wi, w := range r.Waivers {
		switch {
		case !x.matched[wi].Load():
			rep.UnmatchedWaivers = append(rep.UnmatchedWaivers, w)
		case x.expired[wi].Load():
			rep.ExpiredWaivers = append(rep.ExpiredWaivers, w)
		}
	}
	return rep, nil
}

// metas reads every check's Meta into outcomes and returns, by index, the
// checks that are nil or whose Meta panicked. One deferred recover serves
// the whole loop: after a panic the loop resumes at the next check.
func metas(checks []Check, outcomes []Outcome) map[int]error {
	var bad map[int]error
	for i := 0; i < len(checks); {
		i = metasFrom(checks, outcomes, &bad, i)
	}
	return bad
}

func metasFrom(checks []Check, outcomes []Outcome, bad *map[int]error, i int) (next int) {
	note := func(j int, err error) {
		if *bad == nil {
			*bad = make(map[int]error)
		}
		(*bad)[j] = err
	}
	defer func() {
		if p := recover(); p != nil {
			if v := reflect.ValueOf(checks[next]); v.Kind() == reflect.Pointer && v.IsNil() {
				note(next, fmt.Errorf("is a nil %T", checks[next]))
			} else {
				note(next, fmt.Errorf("Meta panicked: %s", capText(fmt.Sprint(p), maxText)))
			}
			next++
		}
	}()
	for next = i; next < len(checks); next++ {
		c := checks[next]
		if c == nil {
			note(next, errors.New("is nil"))
			continue
		}
		m := &outcomes[next].Meta
		*m = c.Meta() // a typed nil whose Meta dereferences panics: see above
		if m.ID == "" {
			if v := reflect.ValueOf(c); v.Kind() == reflect.Pointer && v.IsNil() {
				note(next, fmt.Errorf("is a nil %T", c))
				continue
			}
		}
		if m.Tags != nil || m.Refs != nil {
			m.Tags, m.Refs = slices.Clone(m.Tags), slices.Clone(m.Refs)
		}
	}
	return next
}

type identity struct{ id, target string }

// plan validates the run and returns an outcome per check, holding the
// check's effective Meta.
func (r *Runner) plan(checks []Check, now time.Time) ([]Outcome, error) {
	var errs []error
	outcomes := make([]Outcome, len(checks))
	seen := make(map[string]int, len(checks)) // ID → its first valid check
	var pairs map[identity]int
	bad := metas(checks, outcomes)
	for i := range checks {
		if bad[i] != nil {
			errs = append(errs, fmt.Errorf("check %d %w", i, bad[i]))
			continue
		}
		m := &outcomes[i].Meta
		if err := m.validate(); err != nil {
			errs = append(errs, fmt.Errorf("check %d: %w", i, err))
			continue
		}
		// Most IDs appear once: a map by ID finds them; only an ID that
		// repeats (one rule, several targets) needs the (ID, Target) map.
		if j, again := seen[m.ID]; again {
			if pairs == nil {
				pairs = make(map[identity]int)
			}
			first := identity{outcomes[j].Meta.ID, outcomes[j].Meta.Target}
			if _, ok := pairs[first]; !ok {
				pairs[first] = j
			}
			k := identity{m.ID, m.Target}
			if d, dup := pairs[k]; dup {
				errs = append(errs, fmt.Errorf("checks %d and %d are both %q", d, i, m.Name()))
				continue
			}
			pairs[k] = i
		} else {
			seen[m.ID] = i
		}
		for _, ov := range r.Overrides {
			if ov.matches(*m) {
				m.Severity = ov.Severity
			}
		}
	}
	for _, ov := range r.Overrides {
		if _, err := path.Match(ov.ID, ""); err != nil || ov.ID == "" {
			errs = append(errs, fmt.Errorf("severity override %q: empty or malformed ID pattern", truncate(ov.ID, 60)))
		}
		if ov.Target != "" && !doublestar.ValidatePattern(ov.Target) {
			errs = append(errs, fmt.Errorf("severity override %q: malformed target pattern %q", truncate(ov.ID, 60), truncate(ov.Target, 60)))
		}
		if !ov.Severity.Valid() {
			errs = append(errs, fmt.Errorf("severity override %q: severity %s is not valid", truncate(ov.ID, 60), ov.Severity))
		}
	}
	errs = append(errs, r.Filter.validate()...)
	maxLife := r.MaxWaiverLifetime
	if maxLife == 0 {
		maxLife = DefaultWaiverLifetime
	}
	for _, w := range r.Waivers {
		if err := w.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if maxLife > 0 && w.Expires.Sub(now) > maxLife {
			errs = append(errs, fmt.Errorf("check: invalid waiver %s: expires %s, more than %v after the run (raise Runner.MaxWaiverLifetime to allow it)",
				w.name(), w.Expires.Format(time.DateOnly), maxLife))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return outcomes, nil
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
	now      time.Time // for waiver expiry
	settled  sync.WaitGroup
	// stuck counts abandoned checks that have not returned yet.
	stuck atomic.Int32
	// matched and expired record, per waiver, what the decisions saw.
	matched, expired []atomic.Bool

	progMu  sync.Mutex
	done    int
	failing int

	sup *supervisor
}

func newExecution(r *Runner, outcomes []Outcome, now time.Time) *execution {
	x := &execution{
		r:        r,
		outcomes: outcomes,
		states:   make([]atomic.Int32, len(outcomes)),
		grace:    r.grace(),
		now:      now,
		matched:  make([]atomic.Bool, len(r.Waivers)),
		expired:  make([]atomic.Bool, len(r.Waivers)),
	}
	if n := r.limit(); n > 0 {
		x.sem = make(chan struct{}, n)
	}
	return x
}

func (x *execution) run(ctx context.Context, checks []Check) {
	runCtx, m := newMemo(ctx)
	defer func() { x.stuck.Add(int32(m.release(x.grace))) }()
	x.settled.Add(len(checks))
	x.sup = &supervisor{x: x, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	var supDone chan struct{}
	maxStuck := max(cap(x.sem), DefaultLimit)
dispatch:
	for j, c := range checks {
		if ctx.Err() != nil {
			x.cancelRest(j, "cancelled before it started: ", context.Cause(ctx))
			break
		}
		if x.sem != nil {
			select {
			case x.sem <- struct{}{}:
			case <-ctx.Done():
				x.cancelRest(j, "cancelled before it started: ", context.Cause(ctx))
				break dispatch
			}
			if n := int(x.stuck.Load()); n >= maxStuck {
				<-x.sem
				x.cancelRest(j, "not started: ", fmt.Errorf("%d abandoned checks are still running, the most a run allows", n))
				break
			}
		}
		timeout := x.outcomes[j].Meta.Timeout
		if timeout == 0 {
			timeout = x.r.Timeout
			if timeout == 0 {
				timeout = DefaultTimeout
			}
		}
		x.outcomes[j].Start = time.Now()
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

// cancelRest settles every outcome from j on as not started, because of cause.
func (x *execution) cancelRest(j int, prefix string, cause error) {
	for k := j; k < len(x.outcomes); k++ {
		if !x.states[k].CompareAndSwap(slotRunning, slotSettled) {
			continue
		}
		x.outcomes[k].Result = Result{Status: StatusError, Message: prefix + cause.Error(), Err: cause}
		x.finish(k, false)
	}
}

func (x *execution) exec(ctx context.Context, j int, c Check, timeout time.Duration) {
	cctx, cancel := ctx, context.CancelFunc(nil)
	if timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	}
	res := x.call(cctx, cancel, j, c)
	late := cctx.Err()
	if cancel != nil {
		cancel()
	}
	if !x.states[j].CompareAndSwap(slotRunning, slotSettled) {
		x.stuck.Add(-1) // abandoned: the outcome is written already
		return
	}
	o := &x.outcomes[j]
	o.Duration = time.Since(o.Start)
	if late != nil || res.Status != StatusPass || len(res.Findings) > 0 || len(res.Message) > maxText {
		res = settle(res, late, ctx, timeout)
	}
	o.Result = res
	x.finish(j, true)
}

// call runs c, turning a panic into an Error result. One deferred
// function also catches runtime.Goexit (t.FailNow or testify's require
// inside a check): it settles the outcome at once, before the goroutine
// ends.
func (x *execution) call(ctx context.Context, cancel context.CancelFunc, j int, c Check) (res Result) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if p := recover(); p != nil {
			pe := newPanicError(p)
			res = Result{Status: StatusError, Message: pe.Error(), Err: pe}
			return
		}
		if cancel != nil {
			cancel()
		}
		x.settleGoexit(j)
	}()
	res = c.Run(ctx)
	returned = true
	return res
}

func (x *execution) settleGoexit(j int) {
	if !x.states[j].CompareAndSwap(slotRunning, slotSettled) {
		x.stuck.Add(-1)
		return
	}
	o := &x.outcomes[j]
	o.Duration = time.Since(o.Start)
	o.Result = Result{Status: StatusError, Message: ErrGoexit.Error(), Err: ErrGoexit}
	x.finish(j, true)
}

// ErrGoexit is the cause of an Error outcome whose check called
// runtime.Goexit, as t.FailNow, t.Skip and testify's require functions do
// when called inside a check: report problems through the Result instead.
var ErrGoexit = errors.New("check called runtime.Goexit (t.FailNow, t.Skip or require inside a check?): return a Result instead")

// maxText caps every recorded message, finding field and stack.
const maxText = 4 << 10

// capText cuts s to at most n bytes (on a rune boundary), saying how much
// was cut.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + fmt.Sprintf("… (%d more bytes cut)", len(s)-i)
}

// settle turns what a check returned into its recorded Result: a late
// result is an Error, so are an invalid status and a Pass with findings;
// findings are copied and texts capped.
//
//go:noinline
func settle(res Result, late error, parent context.Context, timeout time.Duration) Result {
	if len(res.Findings) > 0 {
		fs := make([]Finding, len(res.Findings))
		for i, f := range res.Findings {
			f.Message, f.Expected, f.Actual = capText(f.Message, maxText), capText(f.Expected, maxText), capText(f.Actual, maxText)
			f.Location.Resource = capText(f.Location.Resource, maxText)
			f.Waived = false // only the Runner waives
			fs[i] = f
		}
		res.Findings = fs
	}
	res.Message = capText(res.Message, maxText)
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
	if res.Status == StatusPass && len(res.Findings) > 0 {
		err := fmt.Errorf("check broke its contract: it passed with %d findings (a Pass has none; return Fail or Warn)", len(res.Findings))
		msg := err.Error()
		if res.Message != "" {
			msg += ": " + res.Message
		}
		return Result{Status: StatusError, Message: msg, Findings: res.Findings, Err: err}
	}
	if res.Status == StatusError && res.Message == "" && res.Err != nil {
		res.Message = capText(res.Err.Error(), maxText)
	}
	return res
}

func (x *execution) finish(j int, started bool) {
	if started && x.sem != nil {
		<-x.sem
	}
	if len(x.r.Waivers) > 0 || x.r.OnOutcome != nil {
		x.decide(j)
	}
	x.settled.Done()
}

// decide makes the waiver decision for outcome j and reports progress. It
// is kept out of finish so that the common path keeps a small stack.
//
//go:noinline
func (x *execution) decide(j int) {
	o := &x.outcomes[j]
	if len(x.r.Waivers) > 0 {
		decideWaiver(x.r.Waivers, o, x.now, x.matched, x.expired)
	}
	if x.r.OnOutcome != nil {
		x.progMu.Lock()
		x.done++
		if x.r.Policy.Fails(*o) {
			x.failing++
		}
		x.r.OnOutcome(Progress{Index: j, Done: x.done, Total: len(x.outcomes), Outcome: *o, Failing: x.failing})
		x.progMu.Unlock()
	}
}

// abandon settles check j as abandoned, if it has not returned yet.
func (x *execution) abandon(j int, timeout time.Duration, cancelled error) {
	if !x.states[j].CompareAndSwap(slotRunning, slotSettled) {
		return
	}
	x.stuck.Add(1)
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
			pe := newPanicError(p)
			res = Result{Status: StatusError, Message: pe.Error(), Err: pe}
		}
	}()
	return c.Run(ctx)
}

// PanicError is the cause of an Error outcome whose check (or source load)
// panicked.
type PanicError struct {
	Value any
	// Stack is the panicking goroutine's stack, the check's own frames
	// first, without the runtime's and the Runner's, at most a few KB.
	Stack string
}

func newPanicError(p any) *PanicError {
	return &PanicError{Value: p, Stack: capText(trimmedStack(), 2*maxText)}
}

func (e *PanicError) Error() string { return capText(fmt.Sprintf("panic: %v", e.Value), maxText) }

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
		if strings.Contains(fn, "prodcheck/check.safeRun") || strings.Contains(fn, "prodcheck/check.(*execution).call") ||
			strings.Contains(fn, "prodcheck/check.(*Source") || strings.Contains(fn, "prodcheck/check.(*memo)") {
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
// increase: the supervisor keeps one FIFO queue per distinct timeout among
// the checks in flight, and adding a check is an append, not a heap push.
// Settled entries are dropped as checks are added and drained queues are
// reused, so its memory stays proportional to the checks in flight, not
// to the run or to the number of distinct timeouts.
type supervisor struct {
	x      *execution
	mu     sync.Mutex
	queues []dueQueue
	// next is the due time the loop's timer is set for (zero: none); add
	// wakes the loop only for an earlier one.
	next time.Time
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

// trim drops settled entries from the head and compacts the queue.
func (q *dueQueue) trim(x *execution) {
	for q.head < len(q.js) && x.states[q.js[q.head]].Load() == slotSettled {
		q.head++
	}
	if q.head == len(q.js) {
		q.js, q.head = q.js[:0], 0
	} else if q.head > 64 && q.head*2 > len(q.js) {
		n := copy(q.js, q.js[q.head:])
		q.js, q.head = q.js[:n], 0
	}
}

// add registers check j, started with timeout. Only the dispatching
// goroutine calls it.
func (s *supervisor) add(j int, timeout time.Duration) {
	s.mu.Lock()
	qi, free := -1, -1
	for i := range s.queues {
		q := &s.queues[i]
		if q.timeout == timeout {
			qi = i
			break
		}
		if free < 0 {
			q.trim(s.x)
			if len(q.js) == 0 {
				free = i
			}
		}
	}
	switch {
	case qi >= 0:
	case free >= 0:
		qi = free
		s.queues[qi].timeout = timeout
	default:
		// The first queue usually holds every check of the run (one
		// timeout for all): size it once. Others start small.
		var js []int
		if len(s.queues) == 0 {
			js = make([]int, 0, len(s.x.outcomes))
		}
		s.queues = append(s.queues, dueQueue{timeout: timeout, js: js})
		qi = len(s.queues) - 1
	}
	q := &s.queues[qi]
	q.trim(s.x)
	q.js = append(q.js, j)
	wake := false
	if timeout > 0 {
		due := s.x.outcomes[j].Start.Add(timeout + s.x.grace)
		if wake = s.next.IsZero() || due.Before(s.next); wake {
			s.next = due // the loop will set its timer to it, or earlier
		}
	}
	s.mu.Unlock()
	if wake {
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
		q.trim(s.x)
	}
	s.next = next
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
