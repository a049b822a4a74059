package checktest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// Defaults of [ContractOptions].
const (
	defaultPatience = time.Second
	defaultRuns     = 8
)

// ContractOptions tunes [VerifyContract]. The zero value is ready to use.
type ContractOptions struct {
	// Patience is how long a run may keep going once its context is
	// cancelled or past its deadline: 0 means 1s.
	Patience time.Duration
	// Runs is how many runs go at once to test concurrent use: 0 means 8;
	// 1 runs the check once.
	Runs int
	// Timeout bounds each of those runs: 0 means the check's Meta.Timeout,
	// else [check.DefaultTimeout].
	Timeout time.Duration
	// Grace is how much longer VerifyContract waits for a run that
	// exceeded its Patience before it leaves the run running: 0 means
	// [check.DefaultGrace].
	Grace time.Duration
}

// The kinds of violation of the contract. Every violation [VerifyContract]
// reports wraps exactly one of them; match with [errors.Is]. Each kind
// covers one or more rules, which [Contract] reports as subtests and whose
// names begin each violation's text.
var (
	// ErrInvalidMeta: Meta() returned a value that fails
	// [check.Meta.Validate] (rule "meta-valid"), or different values
	// from call to call ("meta-stable").
	ErrInvalidMeta = errors.New("invalid meta")
	// ErrPanic: Meta or Run panicked ("no-panic").
	ErrPanic = errors.New("panic")
	// ErrIgnoresContext: Run kept running past Patience once its context
	// was cancelled ("cancel-prompt") or past its deadline ("deadline").
	ErrIgnoresContext = errors.New("ignores its context")
	// ErrDecidesCancelled: on an already-cancelled context, Run answered
	// pass, warn or fail ("cancel-undecided"). It could not have checked
	// anything: it must answer error (could not decide), or skip (does
	// not apply).
	ErrDecidesCancelled = errors.New("decides on a cancelled context")
	// ErrInconsistent: concurrent runs answered different statuses
	// ("concurrent-consistent").
	ErrInconsistent = errors.New("inconsistent under concurrent use")
	// ErrInvalidResult: a Result with StatusUnknown (a forgotten
	// Result{}) or a status outside the enum ("status-valid"), with an
	// empty Message ("message"), a pass that lists findings
	// ("pass-no-findings"), or a finding with no location or no message
	// ("findings-located").
	ErrInvalidResult = errors.New("invalid result")
)

// ruleError is one rule of the contract: its text begins the violation,
// and its kind, which several rules may share, is what errors.Is sees.
type ruleError struct {
	text string
	kind error
}

func (e *ruleError) Error() string { return e.text }
func (e *ruleError) Unwrap() error { return e.kind }

// The rules, each of one kind.
var (
	errMetaInvalid      = &ruleError{"invalid meta", ErrInvalidMeta}
	errPanic            = &ruleError{"panic", ErrPanic}
	errDecidesCancelled = &ruleError{"decides on a cancelled context", ErrDecidesCancelled}
	errInconsistent     = &ruleError{"inconsistent under concurrent use", ErrInconsistent}
	errUnstableMeta     = &ruleError{"unstable meta", ErrInvalidMeta}
	errIgnoresCancel    = &ruleError{"ignores cancellation", ErrIgnoresContext}
	errOverdue          = &ruleError{"overdue", ErrIgnoresContext}
	errInvalidStatus    = &ruleError{"invalid status", ErrInvalidResult}
	errNoMessage        = &ruleError{"no message", ErrInvalidResult}
	errPassWithFindings = &ruleError{"pass with findings", ErrInvalidResult}
	errBadFinding       = &ruleError{"unlocated or empty finding", ErrInvalidResult}
)

type rule struct {
	name string // of the subtest in Contract
	err  error
}

// rules lists the rules in report order.
var rules = []rule{
	{"meta-valid", errMetaInvalid},
	{"meta-stable", errUnstableMeta},
	{"no-panic", errPanic},
	{"cancel-prompt", errIgnoresCancel},
	{"cancel-undecided", errDecidesCancelled},
	{"deadline", errOverdue},
	{"concurrent-consistent", errInconsistent},
	{"status-valid", errInvalidStatus},
	{"message", errNoMessage},
	{"pass-no-findings", errPassWithFindings},
	{"findings-located", errBadFinding},
}

// ContractError lists every violation of the check contract found by
// [VerifyContract]. Each violation wraps one of the kinds of violation
// ([ErrInvalidMeta], [ErrInvalidResult], ...), and errors.Is sees through
// the ContractError to them.
type ContractError struct {
	// Name is the check's [check.Meta.Name] ("id [target]"), as its first
	// Meta() call returned it.
	Name       string
	Violations []error // in the order of the rules
}

func (e *ContractError) Error() string {
	head := fmt.Sprintf("checktest: check %q breaks its contract", e.Name)
	if len(e.Violations) == 1 {
		return head + ": " + e.Violations[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d violations):", head, len(e.Violations))
	for _, v := range e.Violations {
		b.WriteString("\n  - ")
		b.WriteString(indent(v.Error(), "    "))
	}
	return b.String()
}

// Unwrap returns the violations.
func (e *ContractError) Unwrap() []error { return e.Violations }

// VerifyContract checks c against the contract of [check.Check] and
// returns every violation in a [*ContractError], or nil. It runs c
// directly, not through a Runner, to see exactly what c returns:
//
//   - Meta() is valid ([check.Meta.Validate]) and returns the same value on
//     every call, including calls made while runs are in progress.
//   - On an already-cancelled context, Run returns within Patience and
//     does not decide: it answers Error (could not decide) or Skip (does not
//     apply), never Pass, Warn or Fail.
//   - Runs concurrent runs at once (half sharing one run-scoped memo, as
//     checks of one run do, half with their own, as separate runs do); each
//     returns within Patience of its deadline, none panics, and all answer
//     the same status. Under -race, a data race in c fails the test.
//   - Every result has a valid status (never [check.StatusUnknown]) and a
//     message; a pass has no findings; every finding has a message and a
//     location.
//
// A run still going Grace after it exceeded its Patience is left running,
// and said so. The other returned errors are not about c: a nil c, or ctx
// ending before the verification did (the error wraps its cause).
func VerifyContract(ctx context.Context, c check.Check, opts ContractOptions) error {
	if ctx == nil {
		return errors.New("checktest: VerifyContract: nil context")
	}
	if c == nil {
		return errors.New("checktest: VerifyContract: nil check")
	}
	v := &verifier{ctx: ctx, c: c, opts: opts}
	v.verify()
	if ctx.Err() != nil {
		return fmt.Errorf("checktest: contract of %q not verified: %w", v.meta.Name(), context.Cause(ctx))
	}
	return v.err()
}

// Contract runs [VerifyContract] on c with t.Context() and the default
// options, and reports the result on t as a subtest named by c's
// [check.Meta.Name] with one subtest per rule ("meta-valid", "cancel-prompt",
// "pass-no-findings", ...), each failing with its violations.
func Contract(t *testing.T, c check.Check) {
	t.Helper()
	err := VerifyContract(t.Context(), c, ContractOptions{})
	ce, ok := errors.AsType[*ContractError](err)
	if err != nil && !ok {
		t.Fatal(err)
	}
	var name string
	if ce != nil {
		name = ce.Name
	} else {
		name = c.Meta().Name()
	}
	if name == "" {
		name = "no-id"
	}
	t.Run(name, func(t *testing.T) {
		t.Helper()
		for _, r := range rules {
			t.Run(r.name, func(t *testing.T) {
				t.Helper()
				if ce == nil {
					return
				}
				for _, err := range ce.Violations {
					if errors.Is(err, r.err) {
						t.Error(err)
					}
				}
			})
		}
	})
}

// Where a violation was seen.
const (
	inCheck     = iota // the check as a whole
	inCancelled        // the run on a cancelled context
	inRuns             // the concurrent runs
)

type violation struct {
	rule      error
	detail    string
	cancelled bool // seen on the cancelled run
	runs      int  // seen in this many concurrent runs
}

type verifier struct {
	ctx  context.Context // the caller's
	c    check.Check
	opts ContractOptions

	meta  check.Meta   // the first Meta()
	metas []check.Meta // every later Meta()
	n     int          // concurrent runs
	found []*violation
}

func (v *verifier) patience() time.Duration {
	return cmp.Or(max(v.opts.Patience, 0), defaultPatience)
}

func (v *verifier) grace() time.Duration { return cmp.Or(max(v.opts.Grace, 0), check.DefaultGrace) }

func (v *verifier) timeout() time.Duration {
	return cmp.Or(max(v.opts.Timeout, 0), max(v.meta.Timeout, 0), check.DefaultTimeout)
}

// add records a violation, merging the same one seen in several runs.
func (v *verifier) add(rule error, detail string, where int) {
	var f *violation
	for _, g := range v.found {
		if g.rule == rule && g.detail == detail {
			f = g
			break
		}
	}
	if f == nil {
		f = &violation{rule: rule, detail: detail}
		v.found = append(v.found, f)
	}
	switch where {
	case inCancelled:
		f.cancelled = true
	case inRuns:
		f.runs++
	}
}

func (v *verifier) err() error {
	if len(v.found) == 0 {
		return nil
	}
	order := func(err error) int {
		return slices.IndexFunc(rules, func(r rule) bool { return r.err == err })
	}
	slices.SortStableFunc(v.found, func(a, b *violation) int { return cmp.Compare(order(a.rule), order(b.rule)) })
	errs := make([]error, len(v.found))
	for i, f := range v.found {
		detail := f.detail
		switch {
		case f.runs > 0 && f.cancelled:
			detail += fmt.Sprintf(" (in %d of %d concurrent runs, and on a cancelled context)", f.runs, v.n)
		case f.runs > 0:
			detail += fmt.Sprintf(" (in %d of %d concurrent runs)", f.runs, v.n)
		case f.cancelled:
			detail += " (on a cancelled context)"
		}
		errs[i] = fmt.Errorf("%w: %s", f.rule, detail)
	}
	return &ContractError{Name: v.meta.Name(), Violations: errs}
}

func (v *verifier) verify() {
	m, ok := v.firstMeta()
	if !ok {
		return
	}
	v.meta = m
	if err := m.Validate(); err != nil {
		v.add(errMetaInvalid, err.Error(), inCheck)
	}
	if !v.cancelledRun() {
		return
	}
	if !v.concurrentRuns() {
		return
	}
	if m, ok := v.firstMeta(); ok {
		v.metas = append(v.metas, m)
	}
	v.compareMetas()
}

// firstMeta calls Meta, reporting a panic.
func (v *verifier) firstMeta() (m check.Meta, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			v.add(errPanic, fmt.Sprintf("Meta panicked: %v\n%s", p, panicStack()), inCheck)
			ok = false
		}
	}()
	return v.c.Meta(), true
}

func (v *verifier) compareMetas() {
	differ, first := 0, ""
	for _, m := range v.metas {
		if d := metaDiff(v.meta, m); d != "" {
			if differ == 0 {
				first = d
			}
			differ++
		}
	}
	if differ > 0 {
		v.add(errUnstableMeta, fmt.Sprintf("%d of %d later Meta() calls returned a different value; first: %s", differ, len(v.metas), first), inCheck)
	}
}

// metaDiff names the fields in which a and b differ, or returns "".
func metaDiff(a, b check.Meta) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var diffs []string
	for i := range va.NumField() {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if !reflect.DeepEqual(fa, fb) {
			diffs = append(diffs, fmt.Sprintf("%s %#v, then %#v", va.Type().Field(i).Name, fa, fb))
		}
	}
	return strings.Join(diffs, "; ")
}

// A call is one run of the check, in its own goroutine. Its fields are
// written by that goroutine and read only after done is closed.
type call struct {
	done     chan struct{}
	metas    []check.Meta
	res      check.Result
	phase    string // "Meta" or "Run", for a panic
	panicked bool
	pval     any
	stack    string
}

// start runs the check once on ctx, after gate is closed (nil: at once),
// calling Meta before and after Run.
func (v *verifier) start(ctx context.Context, gate <-chan struct{}) *call {
	cl := &call{done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		defer func() {
			if p := recover(); p != nil {
				cl.panicked, cl.pval, cl.stack = true, p, panicStack()
			}
		}()
		if gate != nil {
			<-gate
		}
		cl.phase = "Meta"
		cl.metas = append(cl.metas, v.c.Meta())
		cl.phase = "Run"
		cl.res = v.c.Run(ctx)
		cl.phase = "Meta"
		cl.metas = append(cl.metas, v.c.Meta())
	}()
	return cl
}

// await reports whether cl returned within d, giving up early when the
// caller's context ends.
func (v *verifier) await(cl *call, d time.Duration) bool {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-cl.done:
			return true
		case <-t.C:
		case <-v.ctx.Done():
		}
	}
	select {
	case <-cl.done:
		return true
	default:
		return false
	}
}

// cancelledRun runs the check on a cancelled context. It returns false when
// the caller's context ended.
func (v *verifier) cancelledRun() bool {
	mctx, release := check.WithMemo(v.ctx)
	defer release()
	ctx, cancel := context.WithCancel(mctx)
	cancel()
	cl := v.start(ctx, nil)
	patience, grace := v.patience(), v.grace()
	if !v.await(cl, patience) {
		if v.ctx.Err() != nil {
			return false
		}
		detail := fmt.Sprintf("still running %v after its context was cancelled", patience)
		if !v.await(cl, grace) {
			if v.ctx.Err() != nil {
				return false
			}
			v.add(errIgnoresCancel, detail+fmt.Sprintf(", and %v later: left running", grace), inCheck)
			return true
		}
		v.add(errIgnoresCancel, detail+fmt.Sprintf(" (it returned within %v more)", grace), inCheck)
	}
	v.examine(cl, inCancelled)
	if !cl.panicked {
		switch s := cl.res.Status; s {
		case check.StatusPass, check.StatusWarn, check.StatusFail:
			v.add(errDecidesCancelled, fmt.Sprintf("answered %s %q; want error (could not decide) or skip", s, truncate(cl.res.Message, 80)), inCheck)
		}
	}
	return true
}

// concurrentRuns runs the check n times at once. It returns false when the
// caller's context ended.
func (v *verifier) concurrentRuns() bool {
	v.n = v.opts.Runs
	if v.n <= 0 {
		v.n = defaultRuns
	}
	timeout, patience := v.timeout(), v.patience()
	gate := make(chan struct{})
	shared, release := check.WithMemo(v.ctx)
	defer release()
	calls := make([]*call, v.n)
	for i := range calls {
		base := shared
		if i%2 == 1 {
			var rel func()
			base, rel = check.WithMemo(v.ctx)
			defer rel()
		}
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		calls[i] = v.start(ctx, gate)
	}
	close(gate)
	deadline := time.Now().Add(timeout + patience)
	var late []*call
	for _, cl := range calls {
		if !v.await(cl, time.Until(deadline)) {
			late = append(late, cl)
		}
	}
	if v.ctx.Err() != nil {
		return false
	}
	left := make(map[*call]bool)
	if len(late) > 0 {
		end := time.Now().Add(v.grace())
		for _, cl := range late {
			if !v.await(cl, time.Until(end)) {
				left[cl] = true
			}
		}
		if v.ctx.Err() != nil {
			return false
		}
		detail := fmt.Sprintf("%d of %d runs were still running %v after their %v deadline", len(late), v.n, patience, timeout)
		if len(left) > 0 {
			detail += fmt.Sprintf(", %d of them still %v later: left running", len(left), v.grace())
		}
		v.add(errOverdue, detail, inCheck)
	}
	statuses := map[check.Status]int{}
	for _, cl := range calls {
		if left[cl] {
			continue
		}
		v.examine(cl, inRuns)
		if !cl.panicked {
			statuses[cl.res.Status]++
		}
	}
	if len(statuses) > 1 {
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(statuses)) {
			parts = append(parts, fmt.Sprintf("%d %s", statuses[s], s))
		}
		v.add(errInconsistent, fmt.Sprintf("%d concurrent runs answered %s", v.n, strings.Join(parts, ", ")), inCheck)
	}
	return true
}

// examine records what is wrong with a returned call.
func (v *verifier) examine(cl *call, where int) {
	v.metas = append(v.metas, cl.metas...)
	if cl.panicked {
		v.add(errPanic, fmt.Sprintf("%s panicked: %v\n%s", cl.phase, cl.pval, cl.stack), where)
		return
	}
	r := cl.res
	switch {
	case r.Status == check.StatusUnknown:
		v.add(errInvalidStatus, "returned a Result with no status (a forgotten Result{})", where)
	case !r.Status.Valid():
		v.add(errInvalidStatus, fmt.Sprintf("returned %s", r.Status), where)
	}
	if r.Message == "" {
		v.add(errNoMessage, fmt.Sprintf("returned %s with no message", r.Status), where)
	}
	if r.Status == check.StatusPass && len(r.Findings) > 0 {
		v.add(errPassWithFindings, "returned pass with "+plural(len(r.Findings), "finding"), where)
	}
	var noLoc, noMsg []int
	for i, f := range r.Findings {
		if f.Location.IsZero() {
			noLoc = append(noLoc, i)
		}
		if f.Message == "" {
			noMsg = append(noMsg, i)
		}
	}
	if len(noLoc) > 0 {
		v.add(errBadFinding, fmt.Sprintf("%d of %s without a location; first: %q", len(noLoc), plural(len(r.Findings), "finding"), truncate(r.Findings[noLoc[0]].Message, 80)), where)
	}
	if len(noMsg) > 0 {
		v.add(errBadFinding, fmt.Sprintf("%d of %s without a message; first at %q", len(noMsg), plural(len(r.Findings), "finding"), r.Findings[noMsg[0]].Location), where)
	}
}

// panicStack returns the stack of the panicking goroutine below the panic,
// without the runtime's frames and checktest's own, at most 10 frames, and
// without argument values, so that the same panic in several runs reads
// the same.
func panicStack() string {
	lines := strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")
	start := len(lines)
	for i := 1; i+1 < len(lines); i += 2 {
		if strings.HasPrefix(lines[i], "panic(") {
			start = i + 2
			break
		}
	}
	var out []string
	for i := start; i+1 < len(lines) && len(out) < 20; i += 2 {
		if strings.Contains(lines[i], "check/checktest.(*verifier)") {
			break
		}
		fn := lines[i]
		if j := strings.LastIndexByte(fn, '('); j > 0 && strings.HasSuffix(fn, ")") {
			fn = fn[:j] + "(...)" // arguments differ from run to run
		}
		out = append(out, fn, lines[i+1])
	}
	return strings.Join(out, "\n")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
