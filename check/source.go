package check

import (
	"context"
	"errors"
	"sync"
)

// memoKey is the context key of the run-scoped memo.
type memoKey struct{}

// memo holds what sources loaded during one run.
type memo struct {
	mu      sync.Mutex
	entries map[any]*memoEntry
}

type memoEntry struct {
	done chan struct{} // closed when val and err are set
	val  any
	err  error
}

// WithMemo returns a context that carries a fresh run-scoped memo, so that
// every [Source] read through it loads once. The [Runner] does this for
// every run; call it yourself only to share loads between checks you run
// by hand.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{})
}

// A Source is a shared input that several checks read: a compose project,
// a Dockerfile, an HTTP response, a database's settings. Get loads it at
// most once per run (per context carrying a memo, see [WithMemo]), even
// when many checks ask at once; outside a run, every Get loads afresh.
//
// A Source is safe for concurrent use. Its zero value is not usable; build
// one with [NewSource].
type Source[T any] struct {
	load func(ctx context.Context) (T, error)
}

// NewSource returns a Source that loads with load. load must honour ctx.
func NewSource[T any](load func(ctx context.Context) (T, error)) *Source[T] {
	return &Source[T]{load: load}
}

// Get returns the value loaded for this run. Concurrent callers in the
// same run wait for the first load, or for their own ctx, whichever ends
// first. A load error is returned to every caller of the run, except a
// context error of the loading check's own deadline: a caller whose
// context is still alive then loads again.
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
	}
	m.mu.Unlock()
	if !ok {
		v, err := s.callLoad(ctx)
		e.val, e.err = v, err
		close(e.done)
		return v, err
	}
	select {
	case <-e.done:
		if isContextErr(e.err) && ctx.Err() == nil {
			// The check that loaded ran out of time (its own deadline),
			// while this one still has time: load again for the run.
			m.mu.Lock()
			if m.entries[s] == e {
				delete(m.entries, s)
			}
			m.mu.Unlock()
			return s.Get(ctx)
		}
		v, _ := e.val.(T)
		return v, e.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// callLoad runs load, turning a panic into an error so that waiters are
// never left blocked.
func (s *Source[T]) callLoad(ctx context.Context) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: trimmedStack()}
		}
	}()
	return s.load(ctx)
}
