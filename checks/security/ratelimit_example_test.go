package security_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// The passive check reads the page's one GET: here a service that sends
// the IETF fields.
func ExampleRateLimitHeaders() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Policy", `"default";q=100;w=60`)
		w.Header().Set("RateLimit", `"default";r=50;t=30`)
	}))
	defer srv.Close()

	page := security.NewPage(srv.URL, security.HTTPOptions{})
	rep, err := (&check.Runner{}).Run(context.Background(), security.RateLimitHeaders(page, security.RateLimitOptions{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	o := rep.Outcomes[0]
	fmt.Println(o.Result.Status, o.Meta.ID)
	fmt.Println(o.Result.Message)
	// Output:
	// pass security.ratelimit.headers
	// rate limit advertised: policy "default": 100 per 1m0s, 50 remaining, reset in 30s (RateLimit-Policy)
}

// The opt-in burst: a service that admits 3 requests a minute and then
// answers 429 with Retry-After.
func ExampleRateLimitBurst() {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Policy", `"default";q=3;w=60`)
		if n.Add(1) > 3 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()

	page := security.NewPage(srv.URL, security.HTTPOptions{})
	burst := security.RateLimitBurst(page, security.RateLimitBurstOptions{Max: 10, MaxWait: 5 * time.Second})
	rep, err := (&check.Runner{}).Run(context.Background(), burst)
	if err != nil {
		fmt.Println(err)
		return
	}
	o := rep.Outcomes[0]
	fmt.Println(o.Result.Status, o.Meta.ID)
	// The rest of the message counts the requests sent: 4 to 7, as up to
	// 3 were in flight when the first 429 came.
	fmt.Println(strings.Split(o.Result.Message, ";")[0])
	// Output:
	// pass security.ratelimit.enforced
	// 429 after 4 requests (observed limit 3 per 1m0s window), Retry-After 30s
}
