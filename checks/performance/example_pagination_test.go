package performance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
)

// A list endpoint that ignores limit and returns every row fails all
// three pagination checks, in three requests.
func ExamplePagination() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows := make([]int, 5000)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": rows})
	}))
	defer srv.Close()

	checks := performance.Pagination(srv.URL+"/orders", performance.PaginationOptions{Client: srv.Client()})
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID, o.Meta.Severity, "-", o.Result.Message)
	}
	// Output:
	// fail performance.pagination.next medium - the list has no next page link or cursor
	// fail performance.pagination.limit medium - limit=1 returned 5000 items
	// fail performance.pagination.max-limit high - limit=1000000 honoured: 5000 items
}
