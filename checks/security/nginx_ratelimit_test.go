package security_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// nginx with limit_req, the way it is deployed: a token bucket of 5 r/s
// per client address with a burst of 5 served at once (nodelay), excess
// answered 429. The probe must find the limit; nginx's access log counts
// the requests the probe sent, which must match what it reports and stay
// within the cap. The twin without limit_req must fail after the cap.

const nginxRateLimitZone = `
    limit_req_zone $binary_remote_addr zone=perip:1m rate=5r/s;
    limit_req_status 429;`

func TestNginxRateLimit(t *testing.T) {
	tests := []struct {
		name     string
		server   string
		opts     security.RateLimitBurstOptions
		status   check.Status
		contains []string
		// observed limit bounds: 1 request + burst 5, plus refills at
		// 5 r/s while the burst runs.
		minLimit, maxLimit int
	}{
		{
			name: "limit_req, no Retry-After",
			server: `
        location / { limit_req zone=perip burst=5 nodelay; }`,
			opts:     security.RateLimitBurstOptions{Max: 60},
			status:   check.StatusWarn, // 429 without Retry-After
			contains: []string{"no Retry-After"},
			minLimit: 6, maxLimit: 12,
		},
		{
			name: "limit_req with Retry-After, recovers",
			server: `
        location / { limit_req zone=perip burst=5 nodelay; error_page 429 @limited; }
        location @limited { add_header Retry-After 1 always; return 429 "slow down\n"; }`,
			opts:     security.RateLimitBurstOptions{Max: 60, Recover: true},
			status:   check.StatusPass,
			contains: []string{"Retry-After 1s", "recovered after 1s (status 200)"},
			minLimit: 6, maxLimit: 12,
		},
		{
			name:     "no limit_req: Fail after the cap",
			opts:     security.RateLimitBurstOptions{Max: 60},
			status:   check.StatusFail,
			contains: []string{"no rate limit observed: 60 requests"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testenv.Nginx(t, testenv.NginxOptions{HTTP: nginxRateLimitZone, HTTPServer: tt.server})
			page := security.NewPage(s.HTTPURL+"/", security.HTTPOptions{Client: s.Client()})
			c := security.RateLimitBurst(page, tt.opts)
			rep, err := (&check.Runner{}).Run(t.Context(), c)
			require.NoError(t, err)
			require.Len(t, rep.Outcomes, 1)
			r := rep.Outcomes[0].Result
			t.Logf("%s: %s", r.Status, r.Message)
			assert.Equal(t, tt.status, r.Status, r.Message)
			for _, want := range tt.contains {
				assert.Contains(t, r.Message, want)
			}

			sent := atoiMatch(t, `(\d+) requests sent`, r.Message)
			assert.LessOrEqual(t, sent, tt.opts.Max+1, "cap: Max burst requests plus one after the wait")
			if tt.maxLimit > 0 {
				observed := atoiMatch(t, `observed limit (\d+)`, r.Message)
				assert.GreaterOrEqual(t, observed, tt.minLimit)
				assert.LessOrEqual(t, observed, tt.maxLimit)
				assert.Less(t, sent, tt.opts.Max, "the burst stopped at the first 429")
			}

			s.Stop() // the access log is complete once nginx has stopped
			logged := 0
			for _, line := range s.AccessLog() {
				if port, err := strconv.Atoi(line[:len(fmt.Sprint(s.HTTPPort))]); err == nil && port == s.HTTPPort {
					logged++
				}
			}
			assert.Equal(t, sent, logged, "nginx received exactly the requests reported")
		})
	}
}

func atoiMatch(t *testing.T, pattern, s string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	require.Len(t, m, 2, "%q in %q", pattern, s)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}
