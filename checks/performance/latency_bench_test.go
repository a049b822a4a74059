package performance_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/checks/performance"
)

// BenchmarkLatencySampler measures, in real time on loopback:
//
//   - overhead: the sampler's cost per request against a server that
//     answers at once (scheduling, the slot, the shared request path, the
//     HDR record), as ns/op and allocs/op;
//   - p99-10ms: the p99 it measures against a server with a fixed 10 ms
//     delay, reported as p99-ms and as err-% (its distance from 10 ms in
//     percent). Reported, not asserted: real time on a shared machine.
func BenchmarkLatencySampler(b *testing.B) {
	b.Run("overhead", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		b.ReportAllocs()
		b.ResetTimer()
		for left := b.N; left > 0; left -= performance.MaxLatencyRequests {
			n := min(left, performance.MaxLatencyRequests)
			// A rate far above what loopback serves: the sampler runs
			// back to back, its slots always busy.
			rep, err := performance.SampleLatency(b.Context(), srv.URL, performance.LatencyOptions{
				Rate: 1e9, Requests: n, Concurrency: 4,
			})
			if err != nil || rep.Errors > 0 {
				b.Fatal(err, rep.Errors)
			}
		}
	})
	b.Run("p99-10ms", func(b *testing.B) {
		const delay = 10 * time.Millisecond
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			_, _ = w.Write([]byte("ok"))
		}))
		defer srv.Close()
		var p99 time.Duration
		for b.Loop() {
			rep, err := performance.SampleLatency(b.Context(), srv.URL, performance.LatencyOptions{Rate: 200, Requests: 200})
			if err != nil || rep.Errors > 0 {
				b.Fatal(err, rep.Errors)
			}
			p99 = rep.P99
		}
		b.ReportMetric(float64(p99)/float64(time.Millisecond), "p99-ms")
		b.ReportMetric(100*math.Abs(float64(p99-delay))/float64(delay), "err-%")
	})
}
