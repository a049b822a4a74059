package performance_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
)

// pipeNet is an in-memory network for a real net/http server and client
// inside a synctest bubble: connections are net.Pipe pairs, so a goroutine
// waiting on one is durably blocked and virtual time moves on while the
// handler sleeps. Latencies are then exact, with no timed assertion.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet { return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})} }

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error { p.once.Do(func() { close(p.done) }); return nil }

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	return nil, errors.New("pipe network closed")
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// serve runs h on an in-memory network for the rest of the bubble's test
// and returns a keep-alive client dialling it and the count of requests
// the server received. Everything is shut down in t.Cleanup... inside the
// bubble, by the returned stop, which the test defers.
func serve(t *testing.T, h http.HandlerFunc) (*http.Client, *atomic.Int64, func()) {
	t.Helper()
	var n atomic.Int64
	pn := newPipeNet()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	})}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(pn) }()
	tr := &http.Transport{DialContext: pn.dial, MaxIdleConnsPerHost: 64, DisableCompression: true}
	stop := func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
		<-served
		synctest.Wait()
	}
	return &http.Client{Transport: tr}, &n, stop
}

func delayed(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			_, _ = w.Write([]byte(`{"ok":true}`))
		case <-r.Context().Done(): // the client gave up
		}
	}
}

// runChecks runs the Latency checks through a Runner and returns the
// outcomes by ID.
func runChecks(t *testing.T, checks []check.Check) map[string]check.Outcome {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	out := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o
	}
	return out
}

func TestLatencyFixedDelayIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 20 * time.Millisecond
		client, n, stop := serve(t, delayed(delay))
		defer stop()
		var calls []int
		rep, err := performance.SampleLatency(t.Context(), "http://svc.test/items", performance.LatencyOptions{
			Client: client, Rate: 10, Requests: 100,
			OnProgress: func(done, total int) {
				assert.Equal(t, 100, total)
				calls = append(calls, done)
			},
		})
		require.NoError(t, err)
		// Virtual time: every request takes exactly the delay.
		assert.Equal(t, delay, rep.P50)
		assert.Equal(t, delay, rep.P90)
		assert.Equal(t, delay, rep.P95)
		assert.Equal(t, delay, rep.P99)
		assert.Equal(t, delay, rep.Max)
		assert.Equal(t, 100, rep.Completed)
		assert.Equal(t, 0, rep.Errors)
		assert.Equal(t, 0, rep.LateStarts)
		assert.Equal(t, map[int]int{200: 100}, rep.Statuses)
		// Open model: the schedule, not the answers, sets the pace:
		// request 99 starts at 9.9 s and ends 20 ms later.
		assert.Equal(t, 9900*time.Millisecond+delay, rep.Elapsed)
		assert.EqualValues(t, 100, n.Load(), "requests the server received")
		require.Len(t, calls, 100)
		for i, d := range calls {
			assert.Equal(t, i+1, d, "progress is serial and in order")
		}
	})
}

func TestLatencyChecks(t *testing.T) {
	tests := []struct {
		name           string
		handler        http.HandlerFunc
		opts           performance.LatencyOptions
		p95, errs      check.Status
		p95Msg, errMsg string
		requests       int64
	}{
		{
			name: "fast server passes", handler: delayed(20 * time.Millisecond),
			p95: check.StatusPass, errs: check.StatusPass, requests: 100,
			p95Msg: "p50 20ms, p90 20ms, p95 20ms, p99 20ms (max 20ms) over 100 requests",
			errMsg: "0 of 100 requests failed (0.00%)",
		},
		{
			name: "slow server over the p95 budget", handler: delayed(600 * time.Millisecond),
			p95: check.StatusFail, errs: check.StatusPass, requests: 100,
			p95Msg: "p50 600ms, p90 600ms, p95 600ms, p99 600ms (max 600ms) over 100 requests",
		},
		{
			name: "caller's budget", handler: delayed(600 * time.Millisecond),
			opts: performance.LatencyOptions{P95: time.Second},
			p95:  check.StatusPass, errs: check.StatusPass, requests: 100,
		},
		{
			name: "5% of requests fail", handler: failEvery(20),
			p95: check.StatusPass, errs: check.StatusFail, requests: 100,
			errMsg: "5 of 100 requests failed (5.00%)",
		},
		{
			name: "5% tolerated by the caller", handler: failEvery(20),
			opts: performance.LatencyOptions{MaxErrorRate: 0.1},
			p95:  check.StatusPass, errs: check.StatusPass, requests: 100,
		},
		{
			name: "1% is not under 1%", handler: failEvery(100),
			p95: check.StatusPass, errs: check.StatusFail, requests: 100,
		},
		{
			name: "none tolerated", handler: failEvery(100),
			opts: performance.LatencyOptions{MaxErrorRate: -1, Requests: 99},
			p95:  check.StatusPass, errs: check.StatusPass, requests: 99,
		},
		{
			name: "429 counts as an error", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) },
			p95: check.StatusPass, errs: check.StatusFail, requests: 100,
			errMsg: "100 of 100 requests failed (100.00%)",
		},
		{
			// A duration sizes the sample: 3 s at 10/s.
			name: "duration", handler: delayed(time.Millisecond),
			opts: performance.LatencyOptions{Duration: 3 * time.Second},
			p95:  check.StatusPass, errs: check.StatusPass, requests: 30,
		},
		{
			// Two slots at 10 req/s against a 300 ms server: capacity is
			// 6.7 req/s, so requests queue. A closed-model tool would
			// report 300 ms; measured from the schedule, the queue shows.
			name: "coordinated omission corrected", handler: delayed(300 * time.Millisecond),
			opts: performance.LatencyOptions{Concurrency: 2, Requests: 30},
			p95:  check.StatusFail, errs: check.StatusPass, requests: 30,
		},
		{
			// A server that never answers: each request times out.
			name: "hanging server", handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			opts: performance.LatencyOptions{RequestTimeout: time.Second, Requests: 20},
			p95:  check.StatusFail, errs: check.StatusFail, requests: 20,
			errMsg: "20 of 20 requests failed (100.00%)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, n, stop := serve(t, tt.handler)
				defer stop()
				opts := tt.opts
				opts.Client = client
				checks := performance.Latency("http://user:pw@svc.test/items", opts)
				require.Len(t, checks, 2)
				byID := runChecks(t, checks)
				p95, errs := byID["performance.latency.p95"], byID["performance.latency.errors"]
				assert.Equal(t, tt.p95, p95.Result.Status, p95.Result.Message)
				assert.Equal(t, tt.errs, errs.Result.Status, errs.Result.Message)
				if tt.p95Msg != "" {
					assert.Equal(t, tt.p95Msg, p95.Result.Message)
				}
				if tt.errMsg != "" {
					assert.Equal(t, tt.errMsg, errs.Result.Message)
				}
				for _, o := range byID {
					assert.Equal(t, "http://svc.test/items", o.Meta.Target, "credentials stripped")
					for _, f := range o.Result.Findings {
						assert.Equal(t, "http://svc.test/items", f.Location.URL)
						assert.NotEmpty(t, f.Location.Resource)
						assert.NotEmpty(t, f.Expected)
						assert.NotEmpty(t, f.Actual)
					}
				}
				assert.Equal(t, check.SeverityMedium, p95.Meta.Severity)
				assert.Equal(t, check.SeverityHigh, errs.Meta.Severity)
				assert.Equal(t, tt.requests, n.Load(), "one sample shared by both checks")
			})
		})
	}
}

// failEvery answers 500 to every nth request.
func failEvery(nth int64) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%nth == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}
}

func TestLatencyCoordinatedOmissionFigures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, _, stop := serve(t, delayed(300*time.Millisecond))
		defer stop()
		rep, err := performance.SampleLatency(t.Context(), "http://svc.test/", performance.LatencyOptions{
			Client: client, Rate: 10, Requests: 30, Concurrency: 2,
		})
		require.NoError(t, err)
		// Request i is scheduled at i×100 ms. Two slots of 300 ms each
		// start requests 2k and 2k+1 at 300k ms and 300k+100 ms, so the
		// last (i = 29, k = 14) is scheduled at 2.9 s, starts at 4.3 s and
		// ends at 4.6 s: 1.7 s of latency for a 300 ms service time.
		assert.Equal(t, 1700*time.Millisecond, rep.Max)
		assert.Equal(t, 28, rep.LateStarts, "every request but the first two waited for a slot")
		assert.Greater(t, rep.P95, time.Second)
	})
}

func TestLatencyHardCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, n, stop := serve(t, delayed(0))
		defer stop()
		rep, err := performance.SampleLatency(t.Context(), "http://svc.test/", performance.LatencyOptions{
			Client: client, Rate: 1000, Requests: 20_000,
		})
		require.NoError(t, err)
		assert.Equal(t, performance.MaxLatencyRequests, rep.Planned)
		assert.Equal(t, performance.MaxLatencyRequests, rep.Sent)
		assert.EqualValues(t, performance.MaxLatencyRequests, n.Load(), "requests the server received")

		// A duration cannot lift it either.
		n.Store(0)
		rep, err = performance.SampleLatency(t.Context(), "http://svc.test/", performance.LatencyOptions{
			Client: client, Rate: 1000, Duration: time.Hour,
		})
		require.NoError(t, err)
		assert.Equal(t, performance.MaxLatencyRequests, rep.Sent)
		assert.EqualValues(t, performance.MaxLatencyRequests, n.Load())
	})
}

func TestLatencyInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, n, stop := serve(t, delayed(10*time.Millisecond))
		defer stop()
		// Requests go at 0, 0.1, ..., 2.0 s and take 10 ms: 21 complete.
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second+15*time.Millisecond)
		defer cancel()
		rep, err := performance.SampleLatency(ctx, "http://svc.test/", performance.LatencyOptions{Client: client, Rate: 10, Requests: 100})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "interrupted after 21 of 100 requests (21 sent)")
		assert.Equal(t, 21, rep.Sent)
		assert.Equal(t, 21, rep.Completed)
		assert.EqualValues(t, 21, n.Load())
	})
}

func TestLatencyBadURL(t *testing.T) {
	for _, raw := range []string{"ftp://svc.test/", "http:///nohost", "://bad"} {
		checks := performance.Latency(raw, performance.LatencyOptions{})
		byID := runChecks(t, checks)
		for _, o := range byID {
			assert.Equal(t, check.StatusError, o.Result.Status, "%s: %s", raw, o.Result.Message)
		}
	}
}

func TestLatencyMetaTimeoutCoversTheSample(t *testing.T) {
	checks := performance.Latency("http://svc.test/", performance.LatencyOptions{Rate: 1, Requests: 600})
	for _, c := range checks {
		assert.GreaterOrEqual(t, c.Meta().Timeout, 600*time.Second, c.Meta().ID)
	}
}

// A sample longer than check.SourceTimeout still completes through the
// Runner: both checks read it, and the server receives it once.
func TestLatencyLongSampleThroughRunner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, n, stop := serve(t, delayed(5*time.Millisecond))
		defer stop()
		byID := runChecks(t, performance.Latency("http://svc.test/", performance.LatencyOptions{
			Client: client, Rate: 2, Duration: 2 * check.SourceTimeout,
		}))
		for id, o := range byID {
			assert.Equal(t, check.StatusPass, o.Result.Status, "%s: %s", id, o.Result.Message)
		}
		assert.EqualValues(t, 2*2*int(check.SourceTimeout/time.Second), n.Load())
	})
}
