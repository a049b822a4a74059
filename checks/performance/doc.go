// Package performance checks the "Application Performance" lines of the
// checklist against a live service: responses compressed, response times
// within budget, list endpoints paginated.
//
// Every check here sends requests to the caller's service, so each one is
// opt-in: a constructor the caller calls with the URL it names, never part
// of a default list. Each has a documented hard cap on requests, stops at
// the first decisive answer, sends GET (or HEAD) only, reads bodies through
// a size limit and never follows redirects. Every check's Meta.Target is
// the URL it probed, with credentials stripped, so one rule checks a list
// of services in one run.
//
// # Compression
//
// Compression checks request with Accept-Encoding: gzip, br and read the
// raw Content-Encoding: a compressible response larger than 1,400 bytes
// must be compressed and carry Vary: Accept-Encoding. They report the
// bytes saved.
//
// # Response time
//
// The latency sampler sends requests at a constant rate (an open model, so
// a slow answer does not delay the next request and is not under-counted)
// for N requests or a duration, and reports p50, p90, p95 and p99 with
// HDR-style precision and the error rate, judged against thresholds the
// caller sets (defaults: p95 under 500 ms, errors under 1%).
//
// # Pagination
//
// [Pagination] probes one list endpoint in at most [PaginationMaxRequests]
// requests and returns three checks that share the answers:
//
//   - performance.pagination.next: the list exposes a next page, by a
//     Link header with rel="next" (RFC 8288) or a cursor/next field in the
//     JSON body;
//   - performance.pagination.limit: limit=1 returns at most one item;
//   - performance.pagination.max-limit: a huge limit (1,000,000 by
//     default) is capped or rejected with a 4xx, never honoured. A
//     response with more than MaxItems items (1,000 by default), exactly
//     the huge limit, or a body cut at the read limit fails.
//
// The item array is found by a JSON path the caller gives, else the first
// top-level array, else a "data", "items" or "results" field.
package performance
