package performance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// listServer serves /items, a collection of total items.
type listServer struct {
	total    int
	paginate bool // honour limit (default 20, coerced to max) and send Link rel="next"
	max      int  // the cap when paginating; 0: refuse limits above 100 with 400
	wrap     string
	fail500  bool // a huge limit crashes the server
	requests atomic.Int32
}

func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.total
	if s.paginate {
		n = 20
		if v := r.URL.Query().Get("limit"); v != "" {
			l, err := strconv.Atoi(v)
			switch {
			case err != nil || l < 1:
				http.Error(w, `{"error":"bad limit"}`, http.StatusBadRequest)
				return
			case s.fail500 && l > 1000:
				http.Error(w, "out of memory", http.StatusInternalServerError)
				return
			case l > 100 && s.max == 0:
				http.Error(w, `{"error":"limit above 100"}`, http.StatusBadRequest)
				return
			case s.max > 0 && l > s.max:
				l = s.max
			}
			n = l
		}
		w.Header().Add("Link", `</items?limit=`+strconv.Itoa(n)+`&cursor=abc>; rel="next", </items>; rel="first"`)
	}
	items := make([]map[string]any, min(n, s.total))
	for i := range items {
		items[i] = map[string]any{"id": i, "name": "item " + strconv.Itoa(i)}
	}
	var body any = items
	if s.wrap != "" {
		body = map[string]any{"total": s.total, s.wrap: items}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func runAll(t *testing.T, checks []check.Check) map[string]check.Result {
	t.Helper()
	out := map[string]check.Result{}
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o.Result
	}
	return out
}

func TestPaginationTwins(t *testing.T) {
	tests := []struct {
		name   string
		srv    *listServer
		opts   PaginationOptions
		want   map[string]check.Status
		actual map[string]string // finding Actual by ID
	}{
		{name: "paginated, huge limit coerced", srv: &listServer{total: 5000, paginate: true, max: 100, wrap: "data"},
			want: map[string]check.Status{"performance.pagination.next": check.StatusPass, "performance.pagination.limit": check.StatusPass, "performance.pagination.max-limit": check.StatusPass}},
		{name: "paginated, huge limit refused", srv: &listServer{total: 5000, paginate: true},
			want: map[string]check.Status{"performance.pagination.next": check.StatusPass, "performance.pagination.limit": check.StatusPass, "performance.pagination.max-limit": check.StatusPass}},
		{name: "returns everything", srv: &listServer{total: 5000, wrap: "results"},
			want:   map[string]check.Status{"performance.pagination.next": check.StatusFail, "performance.pagination.limit": check.StatusFail, "performance.pagination.max-limit": check.StatusFail},
			actual: map[string]string{"performance.pagination.next": "5000 items in one response", "performance.pagination.limit": "5000 items", "performance.pagination.max-limit": "5000 items"}},
		{name: "returns everything, a huge body", srv: &listServer{total: 40000, wrap: "items"},
			want:   map[string]check.Status{"performance.pagination.next": check.StatusFail, "performance.pagination.limit": check.StatusFail, "performance.pagination.max-limit": check.StatusFail},
			actual: map[string]string{"performance.pagination.max-limit": "body longer than the 1048576-byte read limit"}},
		{name: "honours the huge limit up to 2000", srv: &listServer{total: 5000, paginate: true, max: 2000},
			want:   map[string]check.Status{"performance.pagination.next": check.StatusPass, "performance.pagination.limit": check.StatusPass, "performance.pagination.max-limit": check.StatusFail},
			actual: map[string]string{"performance.pagination.max-limit": "2000 items"}},
		{name: "honours the huge limit exactly", srv: &listServer{total: 50, paginate: true, max: 1 << 30},
			opts:   PaginationOptions{HugeLimit: 50, MaxItems: 100},
			want:   map[string]check.Status{"performance.pagination.next": check.StatusPass, "performance.pagination.limit": check.StatusPass, "performance.pagination.max-limit": check.StatusFail},
			actual: map[string]string{"performance.pagination.max-limit": "50 items"}},
		{name: "a huge limit crashes it", srv: &listServer{total: 5000, paginate: true, max: 1 << 30, fail500: true},
			want:   map[string]check.Status{"performance.pagination.next": check.StatusPass, "performance.pagination.limit": check.StatusPass, "performance.pagination.max-limit": check.StatusFail},
			actual: map[string]string{"performance.pagination.max-limit": "status 500: the server tried"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.srv)
			defer srv.Close()
			tt.opts.Client = srv.Client()
			res := runAll(t, Pagination(srv.URL+"/items", tt.opts))
			for id, want := range tt.want {
				r := res[id]
				require.Equal(t, want, r.Status, "%s: %s %v %v", id, r.Message, r.Findings, r.Err)
				if a, ok := tt.actual[id]; ok {
					require.Len(t, r.Findings, 1)
					assert.Contains(t, r.Findings[0].Actual, a, id)
					assert.Equal(t, srv.URL+"/items", r.Findings[0].Location.URL)
				}
			}
			assert.LessOrEqual(t, int(tt.srv.requests.Load()), PaginationMaxRequests)
			assert.Equal(t, int32(PaginationMaxRequests), tt.srv.requests.Load(), "one request per check")
		})
	}
}

func TestPaginationOneCheckOneRequest(t *testing.T) {
	s := &listServer{total: 10}
	srv := httptest.NewServer(s)
	defer srv.Close()
	checks := Pagination(srv.URL+"/items?sort=id", PaginationOptions{Client: srv.Client(), LimitParam: "page_size"})
	for _, c := range checks {
		assert.Equal(t, srv.URL+"/items?sort=id", c.Meta().Target)
	}
	r := checks[1].Run(t.Context())
	assert.Equal(t, check.StatusFail, r.Status)
	assert.Equal(t, `parameter "page_size"`, r.Findings[0].Location.Resource)
	assert.Equal(t, int32(1), s.requests.Load())
}

func TestPaginationErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("limit") {
			fmt.Fprint(w, "<html>not json</html>")
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	res := runAll(t, Pagination(srv.URL, PaginationOptions{Client: srv.Client()}))
	for id, r := range res {
		assert.Equal(t, check.StatusError, r.Status, id)
	}
	assert.Contains(t, res["performance.pagination.next"].Err.Error(), "404")
	assert.ErrorIs(t, res["performance.pagination.limit"].Err, errNoItems)

	res = runAll(t, Pagination("ftp://example.test/items", PaginationOptions{}))
	for id, r := range res {
		assert.Equal(t, check.StatusError, r.Status, id)
	}
}

func TestCountItems(t *testing.T) {
	tests := []struct {
		body, path string
		want       int
		err        bool
	}{
		{body: `[1,2,3]`, want: 3},
		{body: ` [] `, want: 0},
		{body: `{"total":3,"data":[{"a":[1,2]},2]}`, want: 2},
		{body: `{"meta":{"x":[1]},"items":[1,2,3,4]}`, want: 4},
		{body: `{"meta":{},"rows":[1,2],"other":[1]}`, want: 2},
		{body: `{"result":{"items":[1,2,3]}}`, path: "result.items", want: 3},
		{body: `{"result":{"items":3}}`, path: "result.items", err: true},
		{body: `{"result":[1]}`, path: "result.items", err: true},
		{body: `{"n":1}`, err: true},
		{body: `<html>`, err: true},
		{body: `[1,2`, err: true},
		{body: ``, err: true},
	}
	for _, tt := range tests {
		n, err := countItems([]byte(tt.body), tt.path)
		if tt.err {
			assert.Error(t, err, tt.body)
			continue
		}
		require.NoError(t, err, tt.body)
		assert.Equal(t, tt.want, n, tt.body)
	}
}

func TestNextField(t *testing.T) {
	tests := map[string]string{
		`{"data":[],"next":null}`:                         "next",
		`{"items":[],"nextPageToken":"abc"}`:              "nextPageToken",
		`{"results":[],"next_cursor":"x"}`:                "next_cursor",
		`{"data":[],"has_more":false}`:                    "has_more",
		`{"value":[],"@odata.nextLink":"https://x/"}`:     "@odata.nextLink",
		`{"data":[],"links":{"self":"/a","next":"/b"}}`:   "links.next",
		`{"data":[],"_links":{"next":{"href":"/b"}}}`:     "_links.next",
		`{"edges":[],"pageInfo":{"hasNextPage":true}}`:    "pageInfo.hasNextPage",
		`{"data":[],"meta":{"pagination":{"next":"/b"}}}`: "",
		`{"data":[1,2,3]}`:                                "",
		`[{"next":1}]`:                                    "",
		`not json`:                                        "",
	}
	for body, want := range tests {
		assert.Equal(t, want, nextField([]byte(body)), body)
	}
}

func TestLinkHasRel(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{`<https://api.example.com/items?page=2>; rel="next"`, true},
		{`<https://api.example.com/items?page=2>; rel=next`, true},
		{`<https://x/?a=1,2>; rel="prev", <https://x/?p=3>; title="a, b; rel=next"; rel="last NEXT"`, true},
		{`<https://x/a,b; rel=next>; rel="prev"`, false},
		{`<https://x/>; title="rel=next"; rel="prev"`, false},
		{`<https://x/>; rel="prev"; rel="next"`, false},
		{`<https://x/>; rel="nextpage"`, false},
		{`https://x/; rel="next"`, false},
		{`<https://x/`, false},
		{`<https://x/>; rel="next`, true},
		{``, false},
		{`;;;,,,<>;=;rel=`, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, linkHasRel(tt.header, "next"), tt.header)
	}
	assert.False(t, linkHasRel(strings.Repeat(" ", maxLinkLen)+`<x>; rel=next`, "next"), "parsed within the bound")
}

func FuzzLinkHasRel(f *testing.F) {
	for _, s := range []string{`<a>; rel="next"`, `<a>; rel=next, <b>; rel=prev`, `<a>; title="x\"y"; rel=next`, `<`, `"`, `;=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = linkHasRel(s, "next")
		if linkHasRel(s, "next") {
			assert.Contains(t, strings.ToLower(s), "next")
		}
	})
}
