package performance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
)

// Latency samples an endpoint at a constant rate and judges p95 and the
// error rate on the one sample: here 20 requests at 100 per second
// against a healthy server.
func ExampleLatency() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()

	checks := performance.Latency(srv.URL+"/health", performance.LatencyOptions{Rate: 100, Requests: 20})
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID, o.Meta.Severity)
	}
	fmt.Println(rep.Outcomes[1].Result.Message)
	// Output:
	// pass performance.latency.p95 medium
	// pass performance.latency.errors high
	// 0 of 20 requests failed (0.00%)
}
