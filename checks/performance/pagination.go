package performance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// PaginationMaxRequests is the most requests [Pagination] sends to one
// list endpoint per run: the plain list, limit=1 and the huge limit, one
// per check.
const PaginationMaxRequests = 3

// Defaults of [PaginationOptions].
const (
	DefaultLimitParam = "limit"
	DefaultHugeLimit  = 1_000_000
	DefaultMaxItems   = 1_000
)

const (
	paginationSection = "Performance Optimization / Application Performance"
	paginationItem    = "Implement pagination for large datasets"
)

// PaginationOptions configures [Pagination]. The zero value means the
// defaults.
type PaginationOptions struct {
	// Client sends the requests; nil means the default client of
	// security.HTTPOptions (TLS verified, redirects not followed).
	Client *http.Client
	// Header holds extra request headers, such as Authorization.
	Header http.Header
	// LimitParam is the query parameter of the page size; "" means
	// "limit" (others: "page_size", "per_page", "pageSize").
	LimitParam string
	// Items is the dot-separated path of the item array in the JSON body
	// ("data", "result.items"). "" means the body itself when it is an
	// array, else the first array among "data", "items" and "results",
	// else the first top-level field holding an array.
	Items string
	// HugeLimit is the page size asked for to find the cap; 0 means
	// [DefaultHugeLimit].
	HugeLimit int
	// MaxItems is the most items a response to the huge limit may hold;
	// 0 means [DefaultMaxItems] (AIP-158's example maximum).
	MaxItems int
	// MaxBody is how many bytes of a body are read; 0 means
	// security.DefaultMaxBody (1 MiB). A response to the huge limit cut
	// at this size counts as not capped.
	MaxBody int64
}

func (o PaginationOptions) limitParam() string {
	if p := strings.TrimSpace(o.LimitParam); p != "" {
		return p
	}
	return DefaultLimitParam
}

func (o PaginationOptions) hugeLimit() int {
	if o.HugeLimit > 0 {
		return o.HugeLimit
	}
	return DefaultHugeLimit
}

func (o PaginationOptions) maxItems() int {
	if o.MaxItems > 0 {
		return o.MaxItems
	}
	return DefaultMaxItems
}

// Pagination returns the pagination checks of one list endpoint. It is
// opt-in: each check sends one GET, at most [PaginationMaxRequests] in
// all (the plain list is shared with every check of the same run):
//
//   - performance.pagination.next (medium): the plain list exposes a
//     next page: a Link header with rel="next" (RFC 8288), or a cursor
//     field in the JSON body (next, next_cursor, nextPageToken, cursor,
//     has_more, links.next, pageInfo.hasNextPage, @odata.nextLink...),
//     even null on a last page;
//   - performance.pagination.limit (medium): ?limit=1 answers 2xx with
//     at most one item;
//   - performance.pagination.max-limit (high): ?limit=HugeLimit is
//     refused with a 4xx or capped: a 2xx with more than MaxItems items,
//     exactly HugeLimit items, or a body longer than the read limit
//     fails, and so does a 5xx (the server tried).
//
// A body without an item array, or that is not JSON, is an Error of the
// checks that count items.
func Pagination(listURL string, opts PaginationOptions) []check.Check {
	page := security.NewPage(listURL, security.HTTPOptions{Client: opts.Client, Header: opts.Header, MaxBody: opts.MaxBody})
	pg := &paginationProbe{page: page, raw: listURL, opts: opts}
	meta := func(id, title string, sev check.Severity, remediation string) check.Meta {
		return check.Meta{
			ID: id, Target: page.URL(), Title: title,
			Section: paginationSection, Item: paginationItem, Severity: sev,
			Tags:        []string{"performance", "http", "pagination", "active"},
			Remediation: remediation,
			Refs:        []string{"https://google.aip.dev/158", "RFC 8288", "OWASP API4:2023 Unrestricted Resource Consumption"},
		}
	}
	return []check.Check{
		check.New(meta("performance.pagination.next", "The list exposes its next page (Link rel=\"next\" or a cursor field)", check.SeverityMedium,
			"Return one page at a time with a way to the next: a Link: <...>; rel=\"next\" header (RFC 8288) or a next_page_token / next cursor field, empty on the last page (AIP-158)."),
			pg.judgeNext),
		check.New(meta("performance.pagination.limit", "limit=1 returns at most one item", check.SeverityMedium,
			"Honour the page-size parameter: return at most that many items."), pg.judgeLimit),
		check.New(meta("performance.pagination.max-limit", "A huge limit is capped or refused, never honoured", check.SeverityHigh,
			"Coerce any page size above a maximum (for example 1,000) to that maximum, or refuse it with 400; never let the client choose an unbounded page (OWASP API4:2023)."),
			pg.judgeMaxLimit),
	}
}

type paginationProbe struct {
	page *security.Page
	raw  string
	opts PaginationOptions
}

// get sends the list URL with the limit parameter set to n.
func (pg *paginationProbe) get(ctx context.Context, n int) (*security.Response, error) {
	u, err := url.Parse(strings.TrimSpace(pg.raw))
	if err != nil {
		return nil, fmt.Errorf("performance: invalid URL %s", pg.page.URL())
	}
	q := u.Query()
	q.Set(pg.opts.limitParam(), strconv.Itoa(n))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("performance: %s: %w", pg.page.URL(), err)
	}
	req.Header.Set("Accept", "application/json")
	return pg.page.Do(ctx, req)
}

func (pg *paginationProbe) loc(resource string) check.Location {
	return check.Location{URL: pg.page.URL(), Resource: resource}
}

func (pg *paginationProbe) judgeNext(ctx context.Context) check.Result {
	r, err := pg.page.Get(ctx)
	if err != nil {
		return check.Error(err)
	}
	if r.Status < 200 || r.Status > 299 {
		return check.Errorf("performance: %s: the list answered %d, want 2xx", pg.page.URL(), r.Status)
	}
	for _, v := range r.Header.Values("Link") {
		if linkHasRel(v, "next") {
			return check.Pass(`Link header with rel="next"`)
		}
	}
	if f := nextField(r.Body); f != "" {
		return check.Pass("next page in the body: field " + f)
	}
	actual := "no Link rel=\"next\", no cursor field"
	if n, err := countItems(r.Body, pg.opts.Items); err == nil {
		actual += fmt.Sprintf(", %d items in one response", n)
	}
	if r.Truncated {
		actual += ", body longer than the read limit"
	}
	return check.Fail("the list has no next page link or cursor", check.Finding{
		Message: "no way to the next page", Location: pg.loc("header Link"),
		Expected: `Link: <...>; rel="next", or a next/cursor field in the body`, Actual: actual,
	})
}

func (pg *paginationProbe) judgeLimit(ctx context.Context) check.Result {
	param := pg.opts.limitParam()
	r, err := pg.get(ctx, 1)
	if err != nil {
		return check.Error(err)
	}
	loc := pg.loc(fmt.Sprintf("parameter %q", param))
	if r.Status < 200 || r.Status > 299 {
		return check.Fail(fmt.Sprintf("%s=1 answered %d", param, r.Status), check.Finding{
			Message: param + "=1 not honoured", Location: loc, Expected: "2xx with at most 1 item", Actual: fmt.Sprintf("status %d", r.Status),
		})
	}
	if r.Truncated {
		return check.Fail(fmt.Sprintf("%s=1 answered more than the read limit", param), check.Finding{
			Message: param + "=1 not honoured", Location: loc, Expected: "at most 1 item", Actual: fmt.Sprintf("body longer than %d bytes", len(r.Body)),
		})
	}
	n, err := countItems(r.Body, pg.opts.Items)
	if err != nil {
		return check.Error(fmt.Errorf("performance: %s?%s=1: %w", pg.page.URL(), param, err))
	}
	if n > 1 {
		return check.Fail(fmt.Sprintf("%s=1 returned %d items", param, n), check.Finding{
			Message: param + "=1 not honoured", Location: loc, Expected: "at most 1 item", Actual: fmt.Sprintf("%d items", n),
		})
	}
	return check.Pass(fmt.Sprintf("%s=1 returned %d item(s)", param, n))
}

func (pg *paginationProbe) judgeMaxLimit(ctx context.Context) check.Result {
	param, huge, maxItems := pg.opts.limitParam(), pg.opts.hugeLimit(), pg.opts.maxItems()
	r, err := pg.get(ctx, huge)
	if err != nil {
		return check.Error(err)
	}
	loc := pg.loc(fmt.Sprintf("parameter %q", param))
	asked := fmt.Sprintf("%s=%d", param, huge)
	expected := fmt.Sprintf("a 4xx, or at most %d items", maxItems)
	fail := func(actual string) check.Result {
		return check.Fail(asked+" honoured: "+actual, check.Finding{
			Message: "page size not capped", Location: loc, Expected: expected, Actual: actual,
		})
	}
	switch {
	case r.Status >= 400 && r.Status < 500:
		return check.Pass(fmt.Sprintf("%s refused with %d", asked, r.Status))
	case r.Status >= 500:
		return fail(fmt.Sprintf("status %d: the server tried", r.Status))
	case r.Status < 200 || r.Status > 299:
		return check.Errorf("performance: %s?%s answered %d, want 2xx or 4xx", pg.page.URL(), asked, r.Status)
	case r.Truncated:
		return fail(fmt.Sprintf("body longer than the %d-byte read limit", len(r.Body)))
	}
	n, err := countItems(r.Body, pg.opts.Items)
	if err != nil {
		return check.Error(fmt.Errorf("performance: %s?%s: %w", pg.page.URL(), asked, err))
	}
	if n > maxItems || n == huge {
		return fail(fmt.Sprintf("%d items", n))
	}
	return check.Pass(fmt.Sprintf("%s capped at %d items", asked, n))
}

// errNoItems is countItems' error when no item array is found.
var errNoItems = errors.New("no item array in the body")

// countItems counts the items of a JSON body: at path (dot-separated),
// else the body when it is an array, else "data", "items" or "results",
// else the first top-level field holding an array.
func countItems(body []byte, path string) (int, error) {
	body = bytes.TrimSpace(body)
	if path = strings.Trim(strings.TrimSpace(path), "."); path != "" {
		cur := json.RawMessage(body)
		for _, key := range strings.Split(path, ".") {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(cur, &obj); err != nil {
				return 0, fmt.Errorf("%w at %q: not a JSON object above %q", errNoItems, path, key)
			}
			v, ok := obj[key]
			if !ok {
				return 0, fmt.Errorf("%w at %q: no field %q", errNoItems, path, key)
			}
			cur = v
		}
		return arrayLen(cur, path)
	}
	if len(body) > 0 && body[0] == '[' {
		return arrayLen(body, "the body")
	}
	keys, obj, err := topLevel(body)
	if err != nil {
		return 0, err
	}
	for _, k := range []string{"data", "items", "results"} {
		if n, err := arrayLen(obj[k], k); err == nil {
			return n, nil
		}
	}
	for _, k := range keys {
		if n, err := arrayLen(obj[k], k); err == nil {
			return n, nil
		}
	}
	return 0, errNoItems
}

// arrayLen counts the elements of a JSON array without decoding them.
func arrayLen(raw json.RawMessage, where string) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return 0, fmt.Errorf("%w: %s is not an array", errNoItems, where)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	n := 0
	for d.More() {
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
		n++
	}
	if _, err := d.Token(); err != nil { // the closing bracket
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	return n, nil
}

// topLevel decodes a JSON object's fields and their order.
func topLevel(body []byte) ([]string, map[string]json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	t, err := d.Token()
	if err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("%w: the body is not a JSON object or array", errNoItems)
	}
	var keys []string
	obj := map[string]json.RawMessage{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errNoItems, err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errNoItems, err)
		}
		if _, dup := obj[k]; !dup {
			keys = append(keys, k)
		}
		obj[k] = v
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return nil, nil, fmt.Errorf("%w: %w", errNoItems, err)
	}
	return keys, obj, nil
}

// nextKeys are the body fields that lead to the next page, lower-cased
// without separators: next, next_cursor, nextPageToken, cursor,
// has_more, hasNextPage, endCursor, @odata.nextLink...
var nextKeys = map[string]bool{
	"next": true, "nexturl": true, "nextlink": true, "nextcursor": true, "nextpage": true,
	"nextpagetoken": true, "nextpageurl": true, "nexttoken": true, "cursor": true,
	"hasmore": true, "hasnextpage": true, "endcursor": true, "odatanextlink": true,
	"continuationtoken": true,
}

// nextContainers are the objects a next field may sit in: links (JSON:API,
// HAL's _links), meta, pagination, paging, pageInfo (GraphQL).
var nextContainers = map[string]bool{
	"links": true, "meta": true, "pagination": true, "paging": true, "pageinfo": true, "cursors": true,
}

func normKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', '@', ' ':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, k)
}

// nextField returns the path of a next-page field of a JSON body (top
// level, or one level down in links/meta/pagination/paging/pageInfo), or
// "".
func nextField(body []byte) string {
	keys, obj, err := topLevel(bytes.TrimSpace(body))
	if err != nil {
		return ""
	}
	for _, k := range keys {
		if nextKeys[normKey(k)] {
			return k
		}
	}
	for _, k := range keys {
		if !nextContainers[normKey(strings.TrimPrefix(k, "_"))] {
			continue
		}
		inner, sub, err := topLevel(obj[k])
		if err != nil {
			continue
		}
		for _, ik := range inner {
			if nextKeys[normKey(ik)] {
				if v, ok := sub[ik]; ok && len(v) > 0 {
					return k + "." + ik
				}
			}
		}
	}
	return ""
}
