package security

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// RateLimitMaxBurst is the hard cap on the requests of one
// [RateLimitBurst] burst: RateLimitBurstOptions.Max is clamped to it.
const RateLimitMaxBurst = 1000

// RateLimitDefaultBurst is the burst size when the caller names none and
// the page advertises no limit.
const RateLimitDefaultBurst = 100

// RateLimitDefaultMaxWait and RateLimitMaxWait bound the wait for
// Retry-After before the recovery request: the default, and the most a
// caller may ask for.
const (
	RateLimitDefaultMaxWait = 60 * time.Second
	RateLimitMaxWait        = 5 * time.Minute
)

// rateLimitParallel is how many burst requests are in flight at once.
const rateLimitParallel = 4

// rateLimitMaxErrors ends a burst after this many transport errors in a
// row: the service is not answering, and more requests prove nothing.
const rateLimitMaxErrors = 8

const rateLimitItem = "Rate limiting implemented"

var rateLimitRefs = []string{
	"draft-ietf-httpapi-ratelimit-headers", "RFC 6585 4 (429 Too Many Requests)", "RFC 9110 10.2.3 (Retry-After)",
	"OWASP API4:2023 Unrestricted Resource Consumption", "OWASP REST Security Cheat Sheet (rate limiting)",
}

// RateLimitOptions configures [RateLimitHeaders].
type RateLimitOptions struct {
	// Now is the reference time for epoch and date resets; nil means
	// time.Now.
	Now func() time.Time
}

// RateLimitHeaders returns security.ratelimit.headers (low), a passive
// check that reads the page's shared GET and sends nothing more. It
// recognises the three generations of rate-limit headers and the
// de-facto X- variants (see [ParseRateLimit]):
//
//   - Pass when a limit is advertised: the message gives each policy's
//     limit, window, remaining count and reset. A GET answered 429 passes
//     too: the limit is enforced right now;
//   - Warn when none is: one response cannot tell whether the service
//     limits (a reverse proxy may limit silently); [RateLimitBurst]
//     finds out. Unreadable headers are named in the finding, with why.
func RateLimitHeaders(p *Page, opts RateLimitOptions) check.Check {
	m := check.Meta{
		ID:       "security.ratelimit.headers",
		Target:   p.URL(),
		Title:    "The service advertises its rate limit (RateLimit, RateLimit-Policy or X-RateLimit-* headers)",
		Section:  corsSection,
		Item:     rateLimitItem,
		Severity: check.SeverityLow,
		Tags:     []string{"security", "http", "ratelimit"},
		Remediation: `Send the IETF fields on every response of a limited API: RateLimit-Policy: "default";q=100;w=60 and RateLimit: "default";r=<remaining>;t=<seconds to reset>, ` +
			"and Retry-After with every 429 (or at least X-RateLimit-Limit/-Remaining/-Reset).",
		Refs: rateLimitRefs,
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return check.New(m, func(ctx context.Context) check.Result {
		resp, err := p.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		info := ParseRateLimit(resp.Header, now())
		if info.Advertised() {
			parts := make([]string, 0, len(info.Policies))
			for _, pol := range info.Policies {
				parts = append(parts, pol.String())
			}
			msg := "rate limit advertised: " + strings.Join(parts, "; ")
			if resp.Status == http.StatusTooManyRequests {
				msg = "GET answered 429; " + msg
			}
			if len(info.Ignored) > 0 {
				msg += fmt.Sprintf("; %d unreadable header(s) ignored: %s", len(info.Ignored), ignoredText(info.Ignored))
			}
			return check.Pass(msg)
		}
		if resp.Status == http.StatusTooManyRequests {
			return check.Pass("GET answered 429 Too Many Requests" + retryAfterText(info.RetryAfter) + "; no limit advertised")
		}
		f := check.Finding{
			Message:  "no rate-limit header in the response; one response cannot tell whether requests are limited",
			Location: check.Location{URL: p.URL(), Resource: "header RateLimit"},
			Expected: `RateLimit-Policy and RateLimit (or RateLimit-Limit/-Remaining/-Reset, X-RateLimit-*)`,
			Actual:   "none",
		}
		if len(info.Ignored) > 0 {
			f.Message = "rate-limit headers present but unreadable"
			f.Location.Resource = "header " + info.Ignored[0].Header
			f.Actual = ignoredText(info.Ignored)
		}
		return check.Warn("no rate limit advertised (run security.ratelimit.enforced to probe)", f)
	})
}

func ignoredText(ig []RateLimitIgnored) string {
	parts := make([]string, 0, len(ig))
	for _, x := range ig {
		parts = append(parts, x.Header+": "+x.Reason)
	}
	return strings.Join(parts, "; ")
}

func retryAfterText(d time.Duration) string {
	if d < 0 {
		return ", no Retry-After"
	}
	return ", Retry-After " + d.String()
}

// RateLimitBurstOptions configures [RateLimitBurst].
type RateLimitBurstOptions struct {
	// Max is how many burst requests to send at most; it is clamped to
	// [RateLimitMaxBurst]. 0 means the advertised limit + 1 (read from
	// the page's shared GET: the remaining count + 1 when the page says
	// it), else [RateLimitDefaultBurst].
	Max int
	// Recover, after a 429, waits Retry-After (at most MaxWait) and sends
	// one more request, which must not be answered 429.
	Recover bool
	// MaxWait caps the wait for Retry-After: 0 means
	// [RateLimitDefaultMaxWait], more than [RateLimitMaxWait] means
	// RateLimitMaxWait. A longer Retry-After is reported, never slept.
	// The wait also ends before the check's deadline.
	MaxWait time.Duration
}

// RateLimitBurst returns security.ratelimit.enforced (high), an opt-in
// active probe: a burst of GETs to the page's URL, 4 in flight at once,
// that stops issuing at the first 429. Pick a cheap endpoint: every
// request counts against the service's (and maybe a shared) quota.
//
// Requests: at most Max burst GETs (hard cap [RateLimitMaxBurst]), plus
// one recovery GET with Recover, plus the page's shared GET when Max is 0
// (to read the advertised limit). After the first 429 at most 3 requests
// already in flight finish; no new one starts.
//
//   - Pass: a 429 arrived with a Retry-After (and, with Recover, the
//     request after the wait was not a 429). The message reports the
//     observed limit (the burst's answers other than 429), the window when the
//     headers give one, and the requests sent.
//   - Warn: a 429 without Retry-After; a Retry-After longer than MaxWait
//     or the deadline (reported, not slept: recovery not verified); still
//     429 after waiting Retry-After; a 429 to the very first request
//     ("rate limited from the first request": the quota may be spent by
//     an earlier run, so no limit can be measured); no 429 but the
//     advertised limit is beyond the burst, or requests failed (a limiter
//     may drop connections instead of answering 429).
//   - Fail: every request of the burst answered without a 429; or, with
//     Recover, 429 from the first request and still 429 after the wait:
//     the endpoint refuses everything, which is not a working limit.
//   - Error: the service could not be reached at all.
func RateLimitBurst(p *Page, opts RateLimitBurstOptions) check.Check {
	maxWait := opts.MaxWait
	switch {
	case maxWait <= 0:
		maxWait = RateLimitDefaultMaxWait
	case maxWait > RateLimitMaxWait:
		maxWait = RateLimitMaxWait
	}
	opts.MaxWait = maxWait
	if opts.Max > RateLimitMaxBurst {
		opts.Max = RateLimitMaxBurst
	}
	m := check.Meta{
		ID:       "security.ratelimit.enforced",
		Target:   p.URL(),
		Title:    "A burst of requests is answered 429 Too Many Requests with Retry-After, and the service recovers",
		Section:  corsSection,
		Item:     rateLimitItem,
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "http", "ratelimit", "active"},
		// The burst plus the longest wait for Retry-After.
		Timeout: 2*time.Minute + maxWait,
		Remediation: "Limit requests per client (a token bucket: nginx limit_req with limit_req_status 429, " +
			"an API gateway, or middleware such as golang.org/x/time/rate) and answer excess requests with 429 Too Many Requests and Retry-After.",
		Refs: append(append([]string(nil), rateLimitRefs...), "OWASP WSTG-BUSL-05", "OWASP ASVS 5.0 2.4.1"),
	}
	b := &burst{page: p, opts: opts, sleep: sleepCtx}
	return check.New(m, b.run)
}

type burst struct {
	page  *Page
	opts  RateLimitBurstOptions
	sleep func(ctx context.Context, d time.Duration) error
}

// burstAnswer is one request of the burst.
type burstAnswer struct {
	index  int
	status int
	info   RateLimitInfo
	err    error
}

// burstResult is what a burst saw.
type burstResult struct {
	sent      int
	answers   []burstAnswer // in the order they arrived
	first429  *burstAnswer  // the 429 with the lowest index
	errs      int
	lastErr   error
	duration  time.Duration
	connected bool // at least one answer arrived
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (b *burst) run(ctx context.Context) check.Result {
	target := b.page.URL()
	if b.page.err != nil {
		return check.Error(b.page.err)
	}
	n, sized, needed := b.size(ctx)
	res := b.fire(ctx, n)
	if !res.connected {
		if ctx.Err() != nil {
			return check.Error(context.Cause(ctx))
		}
		return check.Errorf("security: burst to %s: no request answered: %w", target, res.lastErr)
	}

	// Observed limit: the answers other than 429. Requests run
	// concurrently, so arrival order at the server is not send order;
	// the count of admitted requests is what a limiter decided. A
	// limiter that refills during the burst may add up to the requests
	// in flight after the first 429 (rateLimitParallel-1).
	observed, otherStatus := 0, map[int]int{}
	var window time.Duration
	var lastInfo *RateLimitInfo
	for i := range res.answers {
		a := &res.answers[i]
		if a.err != nil {
			continue
		}
		if a.status != http.StatusTooManyRequests {
			observed++
		}
		if a.status >= 500 {
			otherStatus[a.status]++
		}
		if a.info.Advertised() {
			lastInfo = &a.info
			for _, pol := range a.info.Policies {
				if pol.Window > 0 && window == 0 {
					window = pol.Window
				}
			}
		}
	}
	sentText := fmt.Sprintf("%d %s sent in %s", res.sent, plural(res.sent, "request", "requests"), res.duration.Round(time.Millisecond))
	if sized != "" {
		sentText += " (" + sized + ")"
	}
	windowText := ""
	if window > 0 {
		windowText = fmt.Sprintf(" per %s window", window)
	}
	loc := check.Location{URL: target, Resource: "burst of GET requests"}

	if res.first429 == nil {
		if ctx.Err() != nil {
			return check.Errorf("security: burst to %s: ended by %w after %d requests, no 429", target, context.Cause(ctx), res.sent)
		}
		actual := fmt.Sprintf("%d requests, no 429", res.sent)
		if res.errs > 0 {
			actual += fmt.Sprintf(", %d failed (%v)", res.errs, res.lastErr)
			return check.Warn("no 429 in the burst, but requests failed: the service may drop connections instead of answering 429; "+sentText,
				check.Finding{Message: "requests failed during the burst", Location: loc, Expected: "429 Too Many Requests once the limit is reached", Actual: actual})
		}
		if needed > res.sent {
			return check.Warn(fmt.Sprintf("no 429 within %d requests, but the advertised limit needs %d to be reached (cap %d); %s", res.sent, needed, RateLimitMaxBurst, sentText),
				check.Finding{Message: "the burst was too small to reach the advertised limit", Location: loc, Expected: fmt.Sprintf("429 by request %d", needed), Actual: actual})
		}
		if len(otherStatus) > 0 {
			actual += fmt.Sprintf(", server errors %v", otherStatus)
		}
		return check.Fail(fmt.Sprintf("no rate limit observed: %d requests, none answered 429; %s", res.sent, sentText),
			check.Finding{Message: "the service answered every request of the burst without limiting it", Location: loc,
				Expected: "429 Too Many Requests within the burst", Actual: actual})
	}

	first := res.first429
	fromFirst := observed == 0
	retry := first.info.RetryAfter
	var msg string
	if fromFirst {
		msg = "rate limited from the first request: no limit can be measured"
	} else {
		msg = fmt.Sprintf("429 after %d requests (observed limit %d%s)", observed+1, observed, windowText)
	}
	if first.info.Advertised() {
		lastInfo = &first.info
	}
	if lastInfo != nil && window == 0 {
		msg += "; advertised " + lastInfo.Policies[0].String()
	}
	msg += retryAfterText(retry)

	var findings []check.Finding
	failed := false
	if retry < 0 {
		findings = append(findings, check.Finding{
			Message: "429 without Retry-After", Location: check.Location{URL: target, Resource: "header Retry-After"},
			Expected: "Retry-After: <seconds> with every 429", Actual: "absent",
		})
	}
	if b.opts.Recover {
		text, f, stillLimited, sentOne := b.recover(ctx, first.info)
		msg += "; " + text
		if f != nil {
			if fromFirst && stillLimited {
				failed = true
				f.Message = "429 to every request, also after waiting Retry-After: the endpoint refuses everything, which is not a working rate limit"
			}
			findings = append(findings, *f)
		}
		if sentOne {
			res.sent++
			sentText = fmt.Sprintf("%d requests sent (the last after the wait)", res.sent)
			if sized != "" {
				sentText += " (" + sized + ")"
			}
		}
	}
	if fromFirst && !failed {
		findings = append(findings, check.Finding{
			Message: "rate limited from the first request: the quota may be spent by an earlier run, or the endpoint refuses everything", Location: loc,
			Expected: "some requests answered before the first 429", Actual: "429 to the first request",
		})
	}
	msg += "; " + sentText
	if res.errs > 0 {
		msg += fmt.Sprintf("; %d requests failed (%v)", res.errs, res.lastErr)
	}
	switch {
	case failed:
		return check.Fail(msg, findings...)
	case len(findings) > 0:
		return check.Warn(msg, findings...)
	}
	return check.Pass(msg)
}

// size decides how many requests to send, and says why; needed is how
// many the advertised limit takes to reach (0: unknown).
func (b *burst) size(ctx context.Context) (n int, why string, needed int) {
	if b.opts.Max > 0 {
		return b.opts.Max, "", 0
	}
	n = RateLimitDefaultBurst
	why = fmt.Sprintf("default %d: no limit advertised", RateLimitDefaultBurst)
	resp, err := b.page.Get(ctx)
	if err != nil {
		return n, why, 0
	}
	info := ParseRateLimit(resp.Header, time.Now())
	best := int64(-1)
	for _, pol := range info.Policies {
		v := pol.Limit
		if pol.Remaining >= 0 {
			v = pol.Remaining
		}
		if v >= 0 && (best < 0 || v < best) {
			best = v
		}
	}
	if best < 0 {
		return n, why, 0
	}
	if best+1 > RateLimitMaxBurst {
		return RateLimitMaxBurst, fmt.Sprintf("advertised limit %d + 1 capped at %d", best, RateLimitMaxBurst), int(min(best+1, 1<<30))
	}
	return int(best + 1), fmt.Sprintf("advertised limit %d + 1", best), int(best + 1)
}

// fire sends up to n GETs, rateLimitParallel at a time, and stops issuing
// at the first 429 or after rateLimitMaxErrors errors in a row.
func (b *burst) fire(ctx context.Context, n int) burstResult {
	var (
		mu     sync.Mutex
		res    burstResult
		next   int
		stop   bool
		errRun int
		wg     sync.WaitGroup
	)
	start := time.Now()
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if stop || next >= n || ctx.Err() != nil {
			return 0, false
		}
		next++
		res.sent = next
		return next - 1, true
	}
	workers := min(rateLimitParallel, n)
	for range workers {
		wg.Go(func() {
			for {
				idx, ok := take()
				if !ok {
					return
				}
				a := burstAnswer{index: idx}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.page.u.String(), nil)
				if err == nil {
					var resp *Response
					resp, err = b.page.Do(ctx, req)
					if err == nil {
						a.status = resp.Status
						a.info = ParseRateLimit(resp.Header, time.Now())
					}
				}
				a.err = err
				mu.Lock()
				res.answers = append(res.answers, a)
				if err != nil {
					res.errs++
					res.lastErr = err
					errRun++
					if errRun >= rateLimitMaxErrors {
						stop = true
					}
				} else {
					errRun = 0
					res.connected = true
					if a.status == http.StatusTooManyRequests {
						stop = true
						if res.first429 == nil || idx < res.first429.index {
							c := a
							res.first429 = &c
						}
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.duration = time.Since(start)
	return res
}

// recover waits Retry-After (or the advertised reset) when it fits in
// MaxWait and the deadline, then sends one GET. It returns what happened,
// a finding when recovery failed or was not verified, and whether the
// request after the wait was still a 429.
func (b *burst) recover(ctx context.Context, info RateLimitInfo) (text string, f *check.Finding, stillLimited, sent bool) {
	target := b.page.URL()
	wait, source := info.RetryAfter, "Retry-After"
	if wait < 0 {
		wait, source = -1, ""
		for _, pol := range info.Policies {
			if pol.Reset >= 0 {
				wait, source = pol.Reset, pol.Header+" reset"
				break
			}
		}
	}
	loc := check.Location{URL: target, Resource: "header Retry-After"}
	if wait < 0 {
		return "recovery not checked: no Retry-After or reset to wait for", &check.Finding{
			Message: "recovery not verified: the 429 says not when to retry", Location: loc,
			Expected: "Retry-After: <seconds>", Actual: "absent",
		}, false, false
	}
	limit := b.opts.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		// Leave room for the recovery request itself.
		if left := time.Until(dl) - 5*time.Second; left < limit {
			limit = max(left, 0)
		}
	}
	if wait > limit {
		return fmt.Sprintf("recovery not checked: %s of %s exceeds the wait cap of %s (not slept)", source, wait, limit), &check.Finding{
			Message: "recovery not verified: the 429 asks for a wait longer than the cap", Location: loc,
			Expected: fmt.Sprintf("Retry-After of at most %s", limit), Actual: fmt.Sprintf("%s %s", source, wait),
		}, false, false
	}
	if err := b.sleep(ctx, wait); err != nil {
		return "recovery not checked: " + err.Error(), &check.Finding{
			Message: "recovery not verified: the check's deadline came first", Location: loc,
			Expected: "a request after the wait", Actual: err.Error(),
		}, false, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.page.u.String(), nil)
	if err != nil {
		return "recovery not checked: " + err.Error(), nil, false, false
	}
	resp, err := b.page.Do(ctx, req)
	if err != nil {
		return "recovery request failed", &check.Finding{
			Message: "the request after the wait failed", Location: check.Location{URL: target},
			Expected: "an answer other than 429", Actual: err.Error(),
		}, false, true
	}
	if resp.Status == http.StatusTooManyRequests {
		return fmt.Sprintf("still 429 after waiting %s", wait), &check.Finding{
			Message: fmt.Sprintf("still 429 after waiting %s (%s)", wait, source), Location: loc,
			Expected: "the service answers again once Retry-After has passed", Actual: "429",
		}, true, true
	}
	return fmt.Sprintf("recovered after %s (status %d)", wait, resp.Status), nil, false, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
