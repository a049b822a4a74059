package security

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/prodcheck/prodcheck/check"
)

var rlNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func TestParseRateLimit(t *testing.T) {
	type want struct {
		scheme           RateLimitScheme
		header, name     string
		limit, remaining int64
		window, reset    time.Duration
		form             string
	}
	tests := []struct {
		name    string
		h       map[string]string
		want    []want
		retry   time.Duration
		ignored []string // headers listed in Ignored
	}{
		{name: "none", h: map[string]string{"Content-Type": "text/plain"}, retry: -1},
		{
			name: "IETF current draft, matched by name",
			h:    map[string]string{"RateLimit-Policy": `"burst";q=100;w=60, "daily";q=1000;w=86400`, "RateLimit": `"default";r=5;t=3, "burst";r=50;t=30`},
			want: []want{
				{RateLimitIETF, "RateLimit", "default", -1, 5, 0, 3 * time.Second, "delta seconds"},
				{RateLimitIETF, "RateLimit-Policy", "burst", 100, 50, time.Minute, 30 * time.Second, "delta seconds"},
				{RateLimitIETF, "RateLimit-Policy", "daily", 1000, -1, 24 * time.Hour, -1, ""},
			},
			retry: -1,
		},
		{
			name:  "IETF token names and Retry-After",
			h:     map[string]string{"RateLimit-Policy": `default;q=10;w=1;qu="requests";pk=:cHJvZA==:`, "RateLimit": `default;r=0;t=1`, "Retry-After": "1"},
			want:  []want{{RateLimitIETF, "RateLimit-Policy", "default", 10, 0, time.Second, time.Second, "delta seconds"}},
			retry: time.Second,
		},
		{
			name:  "draft 07 dictionary with policy",
			h:     map[string]string{"RateLimit": "limit=100, remaining=50, reset=30", "RateLimit-Policy": "100;w=60"},
			want:  []want{{RateLimitDraft07, "RateLimit", "", 100, 50, time.Minute, 30 * time.Second, "delta seconds"}},
			retry: -1,
		},
		{
			name:  "draft 06 fields with quota policy",
			h:     map[string]string{"RateLimit-Limit": "100, 100;w=60", "RateLimit-Remaining": "99", "RateLimit-Reset": "59"},
			want:  []want{{RateLimitFields, "RateLimit-Limit", "", 100, 99, time.Minute, 59 * time.Second, "delta seconds"}},
			retry: -1,
		},
		{
			name:  "GitHub: X-RateLimit with epoch seconds",
			h:     map[string]string{"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59", "X-RateLimit-Reset": strconv.FormatInt(rlNow.Add(30*time.Minute).Unix(), 10)},
			want:  []want{{RateLimitX, "X-RateLimit-Limit", "", 60, 59, 0, 30 * time.Minute, "epoch seconds"}},
			retry: -1,
		},
		{
			name:  "X-Rate-Limit with epoch milliseconds",
			h:     map[string]string{"X-Rate-Limit-Limit": "15", "X-Rate-Limit-Reset": strconv.FormatInt(rlNow.Add(90*time.Second).UnixMilli(), 10)},
			want:  []want{{RateLimitXDash, "X-Rate-Limit-Limit", "", 15, -1, 0, 90 * time.Second, "epoch milliseconds"}},
			retry: -1,
		},
		{
			name:  "milliseconds by magnitude",
			h:     map[string]string{"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "3000000"},
			want:  []want{{RateLimitX, "X-RateLimit-Remaining", "", -1, 3, 0, 3000 * time.Second, "milliseconds"}},
			retry: -1,
		},
		{
			name:  "HTTP date reset and Retry-After",
			h:     map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Reset": rlNow.Add(time.Hour).Format(http.TimeFormat), "Retry-After": rlNow.Add(2 * time.Minute).Format(http.TimeFormat)},
			want:  []want{{RateLimitX, "X-RateLimit-Limit", "", 5, -1, 0, time.Hour, "HTTP date"}},
			retry: 2 * time.Minute,
		},
		{
			name:  "epoch in the past resets now; Discord Reset-After wins",
			h:     map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Reset": "1000000000", "X-RateLimit-Reset-After": "1.5"},
			want:  []want{{RateLimitX, "X-RateLimit-Limit", "", 5, -1, 0, 1500 * time.Millisecond, "delta seconds"}},
			retry: -1,
		},
		{
			name: "Kong windowed",
			h:    map[string]string{"X-RateLimit-Limit-Minute": "5", "X-RateLimit-Remaining-Minute": "4", "X-RateLimit-Limit-Hour": "100"},
			want: []want{
				{RateLimitX, "X-RateLimit-Limit-Minute", "", 5, 4, time.Minute, -1, ""},
				{RateLimitX, "X-RateLimit-Limit-Hour", "", 100, -1, time.Hour, -1, ""},
			},
			retry: -1,
		},
		{
			name:    "garbage everywhere",
			h:       map[string]string{"RateLimit": `"default";r=-1;t=x`, "RateLimit-Policy": `"a";q="lots"`, "X-RateLimit-Limit": "many", "X-RateLimit-Remaining": "-3", "X-RateLimit-Reset": "soon", "Retry-After": "later", "X-Rate-Limit-Limit": "1e9"},
			retry:   -1,
			ignored: []string{"RateLimit-Policy", "RateLimit", "RateLimit", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Rate-Limit-Limit", "Retry-After"},
		},
		{
			name:    "broken structured fields",
			h:       map[string]string{"RateLimit": `"default;r=1`, "RateLimit-Policy": `("a" "b");q=1`},
			retry:   -1,
			ignored: []string{"RateLimit-Policy", "RateLimit"},
		},
		{
			name:    "oversized value",
			h:       map[string]string{"X-RateLimit-Limit": strings.Repeat("9", rateLimitMaxValue+1)},
			retry:   -1,
			ignored: []string{"X-RateLimit-Limit"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.h {
				h.Set(k, v)
			}
			info := ParseRateLimit(h, rlNow)
			var got []want
			for _, p := range info.Policies {
				got = append(got, want{p.Scheme, p.Header, p.Name, p.Limit, p.Remaining, p.Window, p.Reset, p.ResetForm})
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.retry, info.RetryAfter)
			var ig []string
			for _, x := range info.Ignored {
				ig = append(ig, x.Header)
				assert.NotEmpty(t, x.Reason)
			}
			assert.ElementsMatch(t, tt.ignored, ig, "%+v", info.Ignored)
			assert.Equal(t, len(tt.want) > 0, info.Advertised())
		})
	}
}

// No reason ever quotes the value it rejects.
func TestParseRateLimitNeverQuotes(t *testing.T) {
	const canary = "zzcanaryzz"
	h := http.Header{}
	for _, k := range rateLimitFuzzHeaders {
		h.Set(k, canary)
	}
	info := ParseRateLimit(h, rlNow)
	require.NotEmpty(t, info.Ignored)
	for _, x := range info.Ignored {
		assert.NotContains(t, x.Reason, canary)
	}
}

var rateLimitFuzzHeaders = []string{
	"RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After",
	"X-Rate-Limit-Limit", "X-Rate-Limit-Reset", "X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute", "Retry-After",
}

func FuzzRateLimitHeaders(f *testing.F) {
	for _, s := range []string{
		`"default";r=50;t=30`, `"default";q=100;w=60`, `limit=100, remaining=50, reset=30`, `100, 100;w=60`,
		"1700000000", "1700000000000", "3000000", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", `("a");q=1`, `"\`, "?1", ":abc:", "-0", "",
	} {
		for i := range rateLimitFuzzHeaders {
			f.Add(uint8(i), s, int64(0))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, value string, skew int64) {
		h := http.Header{}
		h[rateLimitFuzzHeaders[int(which)%len(rateLimitFuzzHeaders)]] = []string{value}
		h["RateLimit"] = append(h["RateLimit"], value) // a second line of the field
		info := ParseRateLimit(h, rlNow.Add(time.Duration(skew)))
		assert.LessOrEqual(t, len(info.Policies), rateLimitMaxPolicies)
		for _, p := range info.Policies {
			assert.True(t, p.Limit >= 0 || p.Remaining >= 0, "policy with neither limit nor remaining")
			assert.GreaterOrEqual(t, p.Reset, time.Duration(-1))
			assert.LessOrEqual(t, p.Reset, maxDelay)
			assert.GreaterOrEqual(t, p.Window, time.Duration(0))
			assert.NotEmpty(t, p.Header)
			_ = p.String()
		}
		assert.GreaterOrEqual(t, info.RetryAfter, time.Duration(-1))
		assert.LessOrEqual(t, info.RetryAfter, maxDelay)
		for _, x := range info.Ignored {
			assert.NotEmpty(t, x.Reason)
			if len(value) > 8 {
				assert.NotContains(t, x.Reason, value)
			}
		}
	})
}

// tokenBucket is real middleware: golang.org/x/time/rate, 429 with
// Retry-After and the IETF fields when the bucket is empty. It counts the
// requests it received.
type tokenBucket struct {
	lim   *rate.Limiter
	every time.Duration
	n     atomic.Int64
}

func newTokenBucket(every time.Duration, burst int) *tokenBucket {
	return &tokenBucket{lim: rate.NewLimiter(rate.Every(every), burst), every: every}
}

func (tb *tokenBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tb.n.Add(1)
	now := time.Now()
	policy := fmt.Sprintf(`"default";q=%d;w=%d`, tb.lim.Burst(), int(math.Ceil(tb.every.Seconds()*float64(tb.lim.Burst()))))
	w.Header().Set("RateLimit-Policy", policy)
	if !tb.lim.AllowN(now, 1) {
		// The time until the bucket holds a token again.
		d := time.Duration((1 - tb.lim.TokensAt(now)) * float64(tb.every))
		secs := max(1, int(math.Ceil(d.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("RateLimit", fmt.Sprintf(`"default";r=0;t=%d`, secs))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	w.Header().Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=%d`, int(tb.lim.TokensAt(now)), int(math.Ceil(tb.every.Seconds()))))
	fmt.Fprintln(w, "ok")
}

// counting wraps a handler and counts the requests it received.
type counting struct {
	h http.Handler
	n atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.n.Add(1); c.h.ServeHTTP(w, r) }

func countHandler(f http.HandlerFunc) *counting { return &counting{h: f} }

var (
	okEverything = func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }
	limitedAll   = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}
	yearRetry = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", strconv.Itoa(365*24*3600))
		http.Error(w, "go away", http.StatusTooManyRequests)
	}
	garbageHeaders = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit", `"default";r=lots`)
		w.Header().Set("X-RateLimit-Limit", "unlimited")
		w.Header().Set("X-RateLimit-Reset", "whenever")
		fmt.Fprintln(w, "ok")
	}
)

func runCheck(t *testing.T, ctx context.Context, c check.Check) check.Result {
	t.Helper()
	ctx, release := check.WithMemo(ctx)
	defer release()
	require.NoError(t, c.Meta().Validate())
	r := c.Run(ctx)
	t.Logf("%s: %s: %s", c.Meta().ID, r.Status, r.Message)
	for _, f := range r.Findings {
		assert.NotEmpty(t, f.Location.URL, "finding %q not located", f.Message)
		t.Logf("  finding: %s", f)
	}
	return r
}

func TestRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name     string
		h        http.Handler
		status   check.Status
		contains string
		resource string
	}{
		{"token bucket", newTokenBucket(time.Hour, 10), check.StatusPass, `policy "default": 10 per 10h0m0s, 9 remaining`, ""},
		{"GitHub style", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Limit", "60")
			w.Header().Set("X-RateLimit-Remaining", "59")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		}), check.StatusPass, "limit 60, 59 remaining", ""},
		{"429 answers", http.HandlerFunc(limitedAll), check.StatusPass, "GET answered 429 Too Many Requests, Retry-After 1s", ""},
		{"no limiting", http.HandlerFunc(okEverything), check.StatusWarn, "no rate limit advertised", "header RateLimit"},
		{"garbage", http.HandlerFunc(garbageHeaders), check.StatusWarn, "no rate limit advertised", "header RateLimit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(tt.h)
			defer ts.Close()
			c := RateLimitHeaders(NewPage(ts.URL, HTTPOptions{}), RateLimitOptions{})
			r := runCheck(t, t.Context(), c)
			assert.Equal(t, tt.status, r.Status)
			assert.Contains(t, r.Message, tt.contains)
			if tt.resource != "" {
				require.Len(t, r.Findings, 1)
				assert.Equal(t, tt.resource, r.Findings[0].Location.Resource)
				assert.Equal(t, ts.URL, r.Findings[0].Location.URL)
			}
		})
	}
}

func TestRateLimitHeadersGarbageNamed(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(garbageHeaders))
	defer ts.Close()
	r := runCheck(t, t.Context(), RateLimitHeaders(NewPage(ts.URL, HTTPOptions{}), RateLimitOptions{}))
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "rate-limit headers present but unreadable", r.Findings[0].Message)
	assert.Contains(t, r.Findings[0].Actual, "X-RateLimit-Limit: not a non-negative integer")
	assert.NotContains(t, r.Findings[0].Actual, "unlimited")
}

func TestRateLimitHeadersUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	r := runCheck(t, t.Context(), RateLimitHeaders(NewPage(ts.URL, HTTPOptions{}), RateLimitOptions{}))
	assert.Equal(t, check.StatusError, r.Status)
}

// The unsafe and safe twins on loopback, and the request cap counted by
// the server.
func TestRateLimitBurst(t *testing.T) {
	tests := []struct {
		name     string
		h        func() (http.Handler, func() int64)
		opts     RateLimitBurstOptions
		status   check.Status
		contains []string
		served   int64 // requests the server received
	}{
		{
			name: "token bucket, sized from the advertised limit",
			h: func() (http.Handler, func() int64) {
				tb := newTokenBucket(time.Hour, 10)
				return tb, tb.n.Load
			},
			status: check.StatusPass,
			// The page's GET takes a token: 9 remaining, so 10 requests.
			contains: []string{"429 after 10 requests (observed limit 9 per 10h0m0s window)", "Retry-After 1h0m0s", "10 requests sent", "advertised limit 9 + 1"},
			served:   11,
		},
		{
			name: "token bucket, Max given",
			h: func() (http.Handler, func() int64) {
				tb := newTokenBucket(time.Hour, 5)
				return tb, tb.n.Load
			},
			opts:     RateLimitBurstOptions{Max: 50},
			status:   check.StatusPass,
			contains: []string{"observed limit 5"},
			// Stops at the first 429: 6 requests, plus at most 3 in flight.
			served: -9,
		},
		{
			name:     "no limiting: Fail after the cap",
			h:        counted(okEverything),
			opts:     RateLimitBurstOptions{Max: 40},
			status:   check.StatusFail,
			contains: []string{"no rate limit observed: 40 requests"},
			served:   40,
		},
		{
			name:     "no limiting, default burst",
			h:        counted(okEverything),
			status:   check.StatusFail,
			contains: []string{"100 requests sent", "default 100: no limit advertised"},
			served:   101,
		},
		{
			name:     "no limiting, Max above the hard cap",
			h:        counted(okEverything),
			opts:     RateLimitBurstOptions{Max: 5000},
			status:   check.StatusFail,
			contains: []string{"1000 requests"},
			served:   RateLimitMaxBurst,
		},
		{
			name:     "429 to everything",
			h:        counted(limitedAll),
			opts:     RateLimitBurstOptions{Max: 40},
			status:   check.StatusWarn,
			contains: []string{"rate limited from the first request"},
			served:   -4,
		},
		{
			name:     "429 without Retry-After",
			h:        counted(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }),
			opts:     RateLimitBurstOptions{Max: 40},
			status:   check.StatusWarn,
			contains: []string{"no Retry-After"},
			served:   -4,
		},
		{
			name:     "garbage headers, no limit",
			h:        counted(garbageHeaders),
			opts:     RateLimitBurstOptions{Max: 12},
			status:   check.StatusFail,
			contains: []string{"12 requests"},
			served:   12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, count := tt.h()
			ts := httptest.NewServer(h)
			defer ts.Close()
			r := runCheck(t, t.Context(), RateLimitBurst(NewPage(ts.URL, HTTPOptions{}), tt.opts))
			assert.Equal(t, tt.status, r.Status, r.Message)
			for _, s := range tt.contains {
				assert.Contains(t, r.Message, s)
			}
			ts.Close() // every request answered and counted
			if tt.served >= 0 {
				assert.Equal(t, tt.served, count())
			} else {
				assert.LessOrEqual(t, count(), -tt.served)
			}
		})
	}
}

func counted(f http.HandlerFunc) func() (http.Handler, func() int64) {
	return func() (http.Handler, func() int64) {
		c := countHandler(f)
		return c, c.n.Load
	}
}

func TestRateLimitBurstMeta(t *testing.T) {
	p := NewPage("https://user:pw@api.example.com/health", HTTPOptions{})
	c := RateLimitBurst(p, RateLimitBurstOptions{MaxWait: time.Hour})
	m := c.Meta()
	assert.Equal(t, "security.ratelimit.enforced", m.ID)
	assert.Equal(t, "https://api.example.com/health", m.Target)
	assert.Equal(t, check.SeverityHigh, m.Severity)
	assert.Equal(t, 2*time.Minute+RateLimitMaxWait, m.Timeout, "MaxWait capped at 5 minutes")
	assert.NoError(t, m.Validate())
	assert.Equal(t, "security.ratelimit.headers", RateLimitHeaders(p, RateLimitOptions{}).Meta().ID)
}

func TestRateLimitBurstUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	r := runCheck(t, t.Context(), RateLimitBurst(NewPage(ts.URL, HTTPOptions{}), RateLimitBurstOptions{Max: 50}))
	assert.Equal(t, check.StatusError, r.Status)
	assert.Contains(t, r.Message, "no request answered")
	r = runCheck(t, t.Context(), RateLimitBurst(NewPage("ftp://x", HTTPOptions{}), RateLimitBurstOptions{}))
	assert.Equal(t, check.StatusError, r.Status)
}

// A server that never answers costs at most the check's context.
func TestRateLimitBurstHanging(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer ts.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	r := runCheck(t, ctx, RateLimitBurst(NewPage(ts.URL, HTTPOptions{}), RateLimitBurstOptions{Max: 50}))
	assert.Equal(t, check.StatusError, r.Status)
}

// handlerTransport serves requests in process, so a test runs in a
// synctest bubble with its fake clock: the token bucket refills and
// Retry-After passes without real waiting.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func inProcessPage(h http.Handler) *Page {
	return NewPage("http://api.test/cheap", HTTPOptions{Client: &http.Client{Transport: handlerTransport{h}}})
}

func TestRateLimitBurstRecover(t *testing.T) {
	tests := []struct {
		name     string
		h        func() (http.Handler, func() int64)
		opts     RateLimitBurstOptions
		status   check.Status
		contains []string
		waited   time.Duration // fake time spent
		served   int64
	}{
		{
			name: "token bucket recovers after Retry-After",
			h: func() (http.Handler, func() int64) {
				tb := newTokenBucket(2*time.Second, 5)
				return tb, tb.n.Load
			},
			opts:     RateLimitBurstOptions{Max: 20, Recover: true},
			status:   check.StatusPass,
			contains: []string{"observed limit 5 per 10s window", "Retry-After 2s", "recovered after 2s (status 200)", "the last after the wait"},
			waited:   2 * time.Second,
			served:   -10,
		},
		{
			name:     "Retry-After of a year is reported, not slept",
			h:        counted(yearRetry),
			opts:     RateLimitBurstOptions{Max: 20, Recover: true},
			status:   check.StatusWarn,
			contains: []string{"rate limited from the first request", "Retry-After 8760h0m0s", "exceeds the wait cap of 1m0s (not slept)"},
			waited:   0,
			served:   -4,
		},
		{
			name:     "429 to everything, also after the wait: Fail",
			h:        counted(limitedAll),
			opts:     RateLimitBurstOptions{Max: 20, Recover: true},
			status:   check.StatusFail,
			contains: []string{"rate limited from the first request", "still 429 after waiting 1s"},
			waited:   time.Second,
			served:   -5,
		},
		{
			name: "no Retry-After: wait for the advertised reset",
			h: counted(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Limit", "0")
				w.Header().Set("X-RateLimit-Reset-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
			}),
			opts:     RateLimitBurstOptions{Max: 20, Recover: true},
			status:   check.StatusFail,
			contains: []string{"still 429 after waiting 3s"},
			waited:   3 * time.Second,
			served:   -5,
		},
		{
			name:     "MaxWait above the hard maximum is capped",
			h:        counted(yearRetry),
			opts:     RateLimitBurstOptions{Max: 20, Recover: true, MaxWait: 24 * time.Hour},
			status:   check.StatusWarn,
			contains: []string{"exceeds the wait cap of 5m0s"},
			served:   -4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, count := tt.h()
				c := RateLimitBurst(inProcessPage(h), tt.opts)
				ctx, cancel := context.WithTimeout(t.Context(), c.Meta().Timeout)
				defer cancel()
				start := time.Now()
				r := runCheck(t, ctx, c)
				if tt.waited >= 0 {
					assert.Equal(t, tt.waited, time.Since(start), "fake time spent")
				}
				assert.Equal(t, tt.status, r.Status, r.Message)
				for _, s := range tt.contains {
					assert.Contains(t, r.Message, s)
				}
				if tt.served >= 0 {
					assert.Equal(t, tt.served, count())
				} else {
					assert.LessOrEqual(t, count(), -tt.served)
				}
			})
		})
	}
}

// A deadline shorter than Retry-After: the wait is not started.
func TestRateLimitBurstWaitBeyondDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := countHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		start := time.Now()
		r := runCheck(t, ctx, RateLimitBurst(inProcessPage(h), RateLimitBurstOptions{Max: 8, Recover: true}))
		assert.Equal(t, time.Duration(0), time.Since(start))
		assert.Equal(t, check.StatusWarn, r.Status)
		assert.Contains(t, r.Message, "exceeds the wait cap of 15s")
	})
}
