package performance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// Latency sampler defaults and its hard cap.
const (
	// MaxLatencyRequests is the hard cap on the requests one sample sends,
	// whatever LatencyOptions say.
	MaxLatencyRequests = 10_000
	// DefaultLatencyRate is the request rate when LatencyOptions.Rate is 0.
	DefaultLatencyRate = 10.0
	// DefaultLatencyRequests is the sample size when neither Requests nor
	// Duration is set.
	DefaultLatencyRequests = 100
	// DefaultLatencyConcurrency bounds the requests in flight.
	DefaultLatencyConcurrency = 16
	// DefaultLatencyP95 is the p95 budget: p95 must be under it.
	DefaultLatencyP95 = 500 * time.Millisecond
	// DefaultMaxErrorRate is the error budget: the error rate must be
	// under it.
	DefaultMaxErrorRate = 0.01
	// DefaultRequestTimeout bounds one request of the sample.
	DefaultRequestTimeout = 10 * time.Second
)

// latencyHighest is the largest latency the histogram records, in
// microseconds (an hour); a longer one is recorded as an hour.
const latencyHighest = int64(time.Hour / time.Microsecond)

// LatencyOptions configures [Latency] and [SampleLatency]. The zero value
// sends 100 GETs at 10 per second, at most 16 in flight, and wants p95
// under 500 ms and fewer than 1% errors.
type LatencyOptions struct {
	// Client sends the requests. nil means a client of this package's:
	// TLS verified, no redirects, keep-alive on (a sample measures the
	// service, not a handshake per request), its idle connections closed
	// when the sample ends. A caller's client is used as given except
	// that redirects are not followed.
	Client *http.Client
	// Header holds extra request headers (Authorization, for example).
	Header http.Header
	// Rate is the request rate per second; 0 means [DefaultLatencyRate].
	Rate float64
	// Requests is how many requests to send. When Duration is set too,
	// the sample is the smaller of the two. 0 with no Duration means
	// [DefaultLatencyRequests]. At most [MaxLatencyRequests].
	Requests int
	// Duration, when set and Requests is 0, sizes the sample to
	// Rate × Duration requests (at most MaxLatencyRequests).
	Duration time.Duration
	// Concurrency bounds the requests in flight; 0 means
	// [DefaultLatencyConcurrency]. When every slot is busy the next
	// request waits, and its wait counts in its latency.
	Concurrency int
	// RequestTimeout bounds one request; 0 means [DefaultRequestTimeout].
	// A request that times out is an error, recorded with the latency it
	// had when it was abandoned.
	RequestTimeout time.Duration
	// P95 is the p95 budget (p95 must be under it); 0 means
	// [DefaultLatencyP95].
	P95 time.Duration
	// MaxErrorRate is the error budget as a fraction (the rate must be
	// under it); 0 means [DefaultMaxErrorRate]; negative means no error
	// is tolerated.
	MaxErrorRate float64
	// MaxBody is how many bytes of each body are read; 0 means
	// security.DefaultMaxBody.
	MaxBody int64
	// OnProgress, when set, is called after each request completes with
	// how many have completed and the sample's size. Calls are serial and
	// in order; it must return quickly.
	OnProgress func(done, total int)
}

// LatencyReport is the result of one sample.
type LatencyReport struct {
	// Planned is the sample size after defaults and the cap; Sent is how
	// many requests were started (fewer when the sample was interrupted).
	Planned, Sent int
	// Completed is how many requests ended (with an answer or an error);
	// Errors counts transport errors, timeouts and statuses of 400 and
	// above (as k6's http_req_failed).
	Completed, Errors int
	// ErrorRate is Errors / Completed.
	ErrorRate float64
	// Percentiles of the latency measured from each request's scheduled
	// start (coordinated-omission corrected), at 3 significant digits
	// (HDR's highest equivalent value, never above Max), and the exact
	// maximum.
	P50, P90, P95, P99, Max time.Duration
	// Mean is the mean latency.
	Mean time.Duration
	// LateStarts counts requests that started more than a millisecond
	// after their scheduled time because every concurrency slot was busy:
	// the service did not keep up with the rate.
	LateStarts int
	// Statuses counts the responses by status code; 0 counts transport
	// errors and timeouts.
	Statuses map[int]int
	// Elapsed is the wall time of the sample.
	Elapsed time.Duration
	// Histogram holds every latency in microseconds.
	Histogram *hdrhistogram.Snapshot
}

// latencyPlan is the options after defaults.
type latencyPlan struct {
	rate        float64
	interval    time.Duration
	total       int
	concurrency int
	reqTimeout  time.Duration
	p95         time.Duration
	maxErrRate  float64
}

func planOf(opts LatencyOptions) latencyPlan {
	p := latencyPlan{rate: opts.Rate, concurrency: opts.Concurrency, reqTimeout: opts.RequestTimeout,
		p95: opts.P95, maxErrRate: opts.MaxErrorRate}
	if p.rate <= 0 || math.IsNaN(p.rate) || math.IsInf(p.rate, 0) {
		p.rate = DefaultLatencyRate
	}
	p.interval = max(time.Duration(float64(time.Second)/p.rate), 1)
	p.total = opts.Requests
	if opts.Duration > 0 {
		byDuration := int(math.Ceil(opts.Duration.Seconds() * p.rate))
		if p.total <= 0 || byDuration < p.total {
			p.total = byDuration
		}
	}
	if p.total <= 0 {
		p.total = DefaultLatencyRequests
	}
	p.total = min(p.total, MaxLatencyRequests)
	if p.concurrency <= 0 {
		p.concurrency = DefaultLatencyConcurrency
	}
	if p.reqTimeout <= 0 {
		p.reqTimeout = DefaultRequestTimeout
	}
	if p.p95 <= 0 {
		p.p95 = DefaultLatencyP95
	}
	if p.maxErrRate == 0 {
		p.maxErrRate = DefaultMaxErrorRate
	}
	return p
}

// budget is how long a whole sample may take: the schedule, the last
// request's timeout and a margin.
func (p latencyPlan) budget() time.Duration {
	return time.Duration(p.total)*p.interval + p.reqTimeout + 30*time.Second
}

// newLatencyClient is the default client of a sample: keep-alive, as many
// idle connections as slots, TLS verified, no redirects.
func newLatencyClient(concurrency int) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second}
	t := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    30 * time.Second,
		MaxIdleConnsPerHost:    concurrency,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: security.MaxHeaderBytes,
		DisableCompression:     true,
	}
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// SampleLatency sends GETs to rawURL at a constant rate and measures their
// latency. It is the open model of wrk2 and vegeta: request i is
// scheduled at start + i/Rate whatever the earlier ones do, and its
// latency runs from that scheduled time to the end of its body, so a
// slow answer that holds up later requests (when every Concurrency slot
// is busy) is not under-counted (coordinated omission). Every request is
// recorded, errors included, in an HDR histogram with 3 significant
// digits. At most [MaxLatencyRequests] requests are sent.
//
// When ctx ends first, SampleLatency stops scheduling, cancels the
// requests in flight and returns the partial report with ctx's error.
func SampleLatency(ctx context.Context, rawURL string, opts LatencyOptions) (*LatencyReport, error) {
	return newSampler(rawURL, opts).run(ctx)
}

// sampler is one URL's sample configuration.
type sampler struct {
	page       *security.Page
	u          *url.URL // what requests go to, with the caller's credentials
	err        error    // the URL is malformed
	plan       latencyPlan
	opts       LatencyOptions
	onProgress func(done, total int)
}

func newSampler(rawURL string, opts LatencyOptions) *sampler {
	s := &sampler{plan: planOf(opts), opts: opts, onProgress: opts.OnProgress}
	s.page = security.NewPage(rawURL, security.HTTPOptions{Client: opts.Client, Header: opts.Header, MaxBody: opts.MaxBody})
	u, err := url.Parse(strings.TrimSpace(rawURL))
	switch {
	case err != nil:
		s.err = fmt.Errorf("performance: invalid URL %s", s.page.URL())
	case u.Scheme != "http" && u.Scheme != "https":
		s.err = fmt.Errorf("performance: URL %s: scheme %q is not http or https", s.page.URL(), u.Scheme)
	case u.Host == "":
		s.err = fmt.Errorf("performance: URL %s has no host", s.page.URL())
	}
	s.u = u
	return s
}

// run takes one sample. With no client of the caller's, each run has its
// own keep-alive client whose idle connections close when it ends.
func (s *sampler) run(ctx context.Context) (*LatencyReport, error) {
	if s.err != nil {
		return nil, s.err
	}
	page := s.page
	if s.opts.Client == nil {
		client := newLatencyClient(s.plan.concurrency)
		defer client.CloseIdleConnections()
		page = security.NewPage(s.u.String(), security.HTTPOptions{Client: client, Header: s.opts.Header, MaxBody: s.opts.MaxBody})
	}
	return sample(ctx, page, s.u.String(), s.plan, s.onProgress)
}

func sample(ctx context.Context, page *security.Page, target string, plan latencyPlan, onProgress func(done, total int)) (*LatencyReport, error) {
	rep := &LatencyReport{Planned: plan.total, Statuses: map[int]int{}}
	hist := hdrhistogram.New(1, latencyHighest, 3)
	var (
		mu    sync.Mutex
		maxUs int64 // the exact maximum: no percentile is reported above it
		wg    sync.WaitGroup
		sem   = make(chan struct{}, plan.concurrency)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.NewTimer(time.Hour) // reset for each wait (Go 1.23 timers: no stale tick)
	timer.Stop()
	defer timer.Stop()
	start := time.Now()

	one := func(sched time.Time) {
		defer wg.Done()
		defer func() { <-sem }()
		rctx, rcancel := context.WithTimeout(ctx, plan.reqTimeout)
		r, err := http.NewRequestWithContext(rctx, http.MethodGet, target, nil)
		status := 0
		if err == nil {
			var resp *security.Response
			if resp, err = page.Do(rctx, r); err == nil {
				status = resp.Status
			}
		}
		rcancel()
		lat := time.Since(sched)
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil && err != nil {
			return // cancelled by the caller: not a measurement
		}
		us := min(max(lat.Microseconds(), 1), latencyHighest)
		_ = hist.RecordValue(us)
		maxUs = max(maxUs, us)
		rep.Completed++
		rep.Statuses[status]++
		if err != nil || status >= 400 {
			rep.Errors++
		}
		if onProgress != nil {
			onProgress(rep.Completed, plan.total)
		}
	}

loop:
	for i := 0; i < plan.total; i++ {
		sched := start.Add(time.Duration(i) * plan.interval)
		if d := time.Until(sched); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				break loop
			case <-timer.C:
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		if time.Since(sched) > time.Millisecond {
			rep.LateStarts++
		}
		rep.Sent++
		wg.Add(1)
		go one(sched)
	}
	interrupted := ctx.Err()
	if interrupted != nil {
		cancel()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)

	if rep.Completed > 0 {
		rep.ErrorRate = float64(rep.Errors) / float64(rep.Completed)
		// HDR reports the highest value equivalent to a percentile's
		// bucket (at most 0.1% above it); capped at the exact maximum, so
		// a constant latency reads as itself.
		at := func(q float64) time.Duration {
			return time.Duration(min(hist.ValueAtQuantile(q), maxUs)) * time.Microsecond
		}
		rep.P50, rep.P90, rep.P95, rep.P99 = at(50), at(90), at(95), at(99)
		rep.Max = time.Duration(maxUs) * time.Microsecond
		rep.Mean = time.Duration(hist.Mean() * float64(time.Microsecond))
	}
	rep.Histogram = hist.Export()
	if interrupted != nil {
		return rep, fmt.Errorf("performance: latency sample of %s interrupted after %d of %d requests (%d sent): %w", page.URL(), rep.Completed, plan.total, rep.Sent, interrupted)
	}
	return rep, nil
}

const latencyItem = "Optimize API response times"

// Latency returns the two response-time checks of one URL, judged on one
// sample per run (see [SampleLatency]; at most [MaxLatencyRequests]
// requests, Rate × Duration or Requests of them):
//
//   - performance.latency.p95 (medium, Fail): the 95th percentile of the
//     coordinated-omission-corrected latency is under LatencyOptions.P95
//     (500 ms by default). The message gives p50, p90, p95 and p99.
//   - performance.latency.errors (high, Fail): the share of requests that
//     failed (transport errors, timeouts, statuses of 400 and above) is
//     under MaxErrorRate (1% by default).
//
// Latency is opt-in: it sends up to the cap of requests to the caller's
// service at the rate the caller sets. Each check's Meta.Timeout covers
// the whole sample (its schedule, a request timeout and 30 s), and the
// sample is shared by both checks even when it outlasts
// check.SourceTimeout.
func Latency(rawURL string, opts LatencyOptions) []check.Check {
	s := newSampler(rawURL, opts)
	l := &latencySource{s: s}
	l.src = check.NewSource(l.load)
	target := s.page.URL()
	meta := func(id, title string, sev check.Severity, remediation string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      target,
			Title:       title,
			Section:     perfSection,
			Item:        latencyItem,
			Severity:    sev,
			Tags:        []string{"performance", "http", "latency", "active"},
			Timeout:     s.plan.budget(),
			Remediation: remediation,
			Refs:        []string{"Google SRE Book ch. 6 (latency percentiles)", "k6 thresholds http_req_duration, http_req_failed", "wrk2 coordinated omission"},
		}
	}
	return []check.Check{
		check.New(meta("performance.latency.p95", fmt.Sprintf("p95 latency under %v at %g req/s", s.plan.p95, s.plan.rate),
			check.SeverityMedium,
			"Profile the slow requests (tracing, slow-query log), add caching or indexes, and size the service for the rate; if the budget is wrong for this endpoint, set LatencyOptions.P95."),
			l.judgeP95),
		check.New(meta("performance.latency.errors", fmt.Sprintf("error rate under %s at %g req/s", errBudget(s.plan.maxErrRate), s.plan.rate),
			check.SeverityHigh,
			"Read the service's logs for the failing requests: 5xx under a modest constant load means a bug or an exhausted resource (pool, workers, memory); 429 means the sampler's rate is above the service's limit."),
			l.judgeErrors),
	}
}

func errBudget(r float64) string {
	if r < 0 {
		return "0 (none tolerated)"
	}
	return fmt.Sprintf("%g%%", 100*r)
}

type latencySource struct {
	s   *sampler
	src *check.Source[*LatencyReport]
}

// load takes the run's sample. The Runner bounds a shared load by
// check.SourceTimeout; a sample planned to last longer gets its own
// deadline (the plan's budget) instead, while a cancellation of the run
// still stops it.
func (l *latencySource) load(ctx context.Context) (*LatencyReport, error) {
	if dl, ok := ctx.Deadline(); ok && l.s.plan.budget() > check.SourceTimeout && time.Until(dl) > check.SourceTimeout-5*time.Second {
		// The deadline is the memo's own SourceTimeout, not the run's.
		parent := ctx
		detached, cancel := context.WithTimeout(context.WithoutCancel(parent), l.s.plan.budget())
		defer cancel()
		stop := context.AfterFunc(parent, func() {
			if !errors.Is(parent.Err(), context.DeadlineExceeded) {
				cancel() // the run was cancelled or finished
			}
		})
		defer stop()
		return l.s.run(detached)
	}
	return l.s.run(ctx)
}

func (l *latencySource) get(ctx context.Context) (*LatencyReport, check.Result, bool) {
	rep, err := l.src.Get(ctx)
	if err != nil {
		return nil, check.Error(err), false
	}
	if rep.Completed == 0 {
		return nil, check.Errorf("performance: %s: no request completed", l.s.page.URL()), false
	}
	return rep, check.Result{}, true
}

// percentiles renders the report's percentiles: "p50 20ms, p90 20ms, p95 20ms, p99 20ms".
func percentiles(r *LatencyReport) string {
	return fmt.Sprintf("p50 %v, p90 %v, p95 %v, p99 %v (max %v) over %d requests", r.P50, r.P90, r.P95, r.P99, r.Max, r.Completed)
}

func (l *latencySource) judgeP95(ctx context.Context) check.Result {
	rep, res, ok := l.get(ctx)
	if !ok {
		return res
	}
	msg := percentiles(rep)
	if rep.P95 < l.s.plan.p95 {
		return check.Pass(msg)
	}
	actual := fmt.Sprintf("p95 %v", rep.P95)
	if rep.LateStarts > 0 {
		actual += fmt.Sprintf("; %d of %d requests waited for a free slot (the service did not keep up with %g req/s)", rep.LateStarts, rep.Sent, l.s.plan.rate)
	}
	return check.Fail(msg, check.Finding{
		Message:  fmt.Sprintf("p95 latency over budget at %g req/s", l.s.plan.rate),
		Location: check.Location{URL: l.s.page.URL(), Resource: "p95 latency"},
		Expected: fmt.Sprintf("p95 under %v", l.s.plan.p95),
		Actual:   actual,
	})
}

func (l *latencySource) judgeErrors(ctx context.Context) check.Result {
	rep, res, ok := l.get(ctx)
	if !ok {
		return res
	}
	msg := fmt.Sprintf("%d of %d requests failed (%.2f%%)", rep.Errors, rep.Completed, 100*rep.ErrorRate)
	limit := l.s.plan.maxErrRate
	if (limit < 0 && rep.Errors == 0) || (limit >= 0 && rep.ErrorRate < limit) {
		return check.Pass(msg)
	}
	return check.Fail(msg, check.Finding{
		Message:  fmt.Sprintf("error rate over budget at %g req/s", l.s.plan.rate),
		Location: check.Location{URL: l.s.page.URL(), Resource: "error rate"},
		Expected: "error rate under " + errBudget(limit),
		Actual:   fmt.Sprintf("%.2f%%; statuses %s", 100*rep.ErrorRate, statusList(rep.Statuses)),
	})
}

// statusList renders status counts in code order: "200×95, 500×5"; 0 is
// "error".
func statusList(m map[int]int) string {
	codes := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		name := strconv.Itoa(c)
		if c == 0 {
			name = "transport error"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, m[c]))
	}
	return strings.Join(parts, ", ")
}
