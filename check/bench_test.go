package check_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"golang.org/x/sync/errgroup"
)

const noopChecks = 1000

func noops(n int) []check.Check {
	checks := make([]check.Check, n)
	for i := range checks {
		checks[i] = check.New(check.Meta{ID: fmt.Sprintf("bench.noop%d", i), Severity: check.SeverityLow},
			func(context.Context) check.Result { return check.Pass("ok") })
	}
	return checks
}

func perCheck(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/check")
}

// BenchmarkRunnerNoop measures the Runner's own cost: 1,000 no-op checks
// per iteration. Compare with BenchmarkErrgroupFloor.
func BenchmarkRunnerNoop(b *testing.B) {
	checks := noops(noopChecks)
	r := check.Runner{Limit: -1}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rep, err := r.Run(ctx, checks...)
		if err != nil || rep.Counts().Pass != noopChecks {
			b.Fatal(err)
		}
	}
	perCheck(b, noopChecks)
}

// BenchmarkErrgroupFloor is the physical floor of BenchmarkRunnerNoop: a
// bare errgroup running 1,000 funcs, each under its own WithTimeout.
func BenchmarkErrgroupFloor(b *testing.B) {
	checks := noops(noopChecks)
	ctx := context.Background()
	results := make([]check.Result, noopChecks)
	b.ReportAllocs()
	for b.Loop() {
		var g errgroup.Group
		for i, c := range checks {
			g.Go(func() error {
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				results[i] = c.Run(cctx)
				cancel()
				return nil
			})
		}
		_ = g.Wait()
	}
	perCheck(b, noopChecks)
}

// BenchmarkRunnerBlocking runs 500 checks each blocked 20 ms on a timer
// that honours ctx, with no limit: the wall time should stay near 20 ms.
func BenchmarkRunnerBlocking(b *testing.B) {
	const n = 500
	checks := make([]check.Check, n)
	for i := range checks {
		checks[i] = check.New(check.Meta{ID: fmt.Sprintf("bench.io%d", i), Severity: check.SeverityLow},
			func(ctx context.Context) check.Result {
				t := time.NewTimer(20 * time.Millisecond)
				defer t.Stop()
				select {
				case <-t.C:
					return check.Pass("ok")
				case <-ctx.Done():
					return check.Error(ctx.Err())
				}
			})
	}
	r := check.Runner{Limit: -1}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := r.Run(context.Background(), checks...)
		if err != nil || rep.Counts().Pass != n {
			b.Fatal(err, rep.Counts())
		}
	}
}

// BenchmarkRunnerDistinctTimeouts runs 2,000 no-op checks that each have a
// timeout of their own: the supervisor's memory must stay proportional to
// the checks in flight, not to checks times distinct timeouts.
func BenchmarkRunnerDistinctTimeouts(b *testing.B) {
	const n = 2000
	checks := make([]check.Check, n)
	for i := range checks {
		checks[i] = check.New(check.Meta{ID: fmt.Sprintf("bench.t%d", i), Severity: check.SeverityLow, Timeout: 30*time.Second + time.Duration(i)*time.Millisecond},
			func(context.Context) check.Result { return check.Pass("ok") })
	}
	var r check.Runner
	b.ReportAllocs()
	for b.Loop() {
		rep, err := r.Run(context.Background(), checks...)
		if err != nil || rep.Counts().Pass != n {
			b.Fatal(err)
		}
	}
	perCheck(b, n)
}
