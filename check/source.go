package check

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// SourceTimeout bounds one shared load of a [Source] within a run.
const SourceTimeout = time.Minute

// memoKey is the context key of the run-scoped memo.
type memoKey struct{}

// memo holds what sources loaded during one run. It holds data, never a
// connection: a load returns values, and the caller owns any pool.
type memo struct {
	ctx     context.Context // the run's: loads are detached from any one check
	cancel  context.CancelCauseFunc
	running atomic.Int32
	mu      sync.Mutex
	entries map[any]*memoEntry
	loads   sync.WaitGroup
}

type memoEntry struct {
	done chan struct{} // closed when val and err are set
	val  any
	err  error
}

// WithMemo returns a context that carries a fresh run-scoped memo, so that
// every [Source] read through it loads once, and a release function that
// cancels loads still in flight and waits for them, at most [DefaultGrace].
// The [Runner] does this for every run; call it yourself only to share
// loads between checks you run by hand, and call release when they are
// done.
func WithMemo(ctx context.Context) (context.Context, func()) {
	mctx, m := newMemo(ctx)
	return mctx, func() { m.release(DefaultGrace) }
}

func newMemo(ctx context.Context) (context.Context, *memo) {
	lctx, cancel := context.WithCancelCause(ctx)
	m := &memo{cancel: cancel}
	// A load runs under the run's context carrying the same memo, so a
	// source that reads another source (cookies reading the shared page)
	// shares the run's loads instead of loading again.
	m.ctx = context.WithValue(lctx, memoKey{}, m)
	return context.WithValue(ctx, memoKey{}, m), m
}

// release cancels the loads in flight and waits for them at most wait. It
// returns how many loads were still running then (they ignore their
// context).
func (m *memo) release(wait time.Duration) int {
	m.cancel(errors.New("check: run finished"))
	done := make(chan struct{})
	go func() { m.loads.Wait(); close(done) }()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
		return 0
	case <-t.C:
		return int(m.running.Load())
	}
}

// A Source is a shared input that several checks read: a compose project,
// a Dockerfile, an HTTP response, a database's settings. Get loads it at
// most once per run (per context carrying a memo, see [WithMemo]), even
// when many checks ask at once; outside a run, every Get loads afresh.
//
// Within a run the load is detached from the deadline of the check that
// first asked: it runs under the run's context with its own timeout,
// [SourceTimeout], and each caller waits for it only as long as its own
// context allows. So one check timing out never fails the load for the
// others. A panic in the load, or a runtime.Goexit, becomes the load's
// error for every caller.
//
// A Source is safe for concurrent use. Its zero value is not usable; build
// one with [NewSource].
type Source[T any] struct {
	load func(ctx context.Context) (T, error)
}

// NewSource returns a Source that loads with load. load must honour ctx
// and return data, not a connection that outlives the run.
func NewSource[T any](load func(ctx context.Context) (T, error)) *Source[T] {
	return &Source[T]{load: load}
}

// Get returns the value loaded for this run. Concurrent callers in the
// same run share one load; each waits for it or for its own ctx,
// whichever ends first.
func (s *Source[T]) Get(ctx context.Context) (T, error) {
	m, _ := ctx.Value(memoKey{}).(*memo)
	if m == nil {
		return s.load(ctx)
	}
	m.mu.Lock()
	if m.entries == nil {
		m.entries = make(map[any]*memoEntry)
	}
	e, ok := m.entries[s]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		m.entries[s] = e
		m.loads.Add(1)
		m.running.Add(1)
		go s.detachedLoad(m, e)
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		v, _ := e.val.(T)
		return v, e.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

// detachedLoad runs one shared load and always releases its waiters.
func (s *Source[T]) detachedLoad(m *memo, e *memoEntry) {
	defer m.loads.Done()
	defer m.running.Add(-1)
	ctx, cancel := context.WithTimeout(m.ctx, SourceTimeout)
	defer cancel()
	returned := false
	defer func() {
		if p := recover(); p != nil {
			e.err = newPanicError(p)
		} else if !returned {
			e.err = errors.New("check: source load called runtime.Goexit")
		}
		close(e.done)
	}()
	v, err := s.load(ctx)
	returned = true
	e.val, e.err = v, err
}
