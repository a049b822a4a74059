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
// [Compression] requests the URL once ([CompressionMaxRequests]) with
// Accept-Encoding: gzip, br and reads the raw Content-Encoding: a
// compressible response larger than 1,400 bytes must be compressed
// (performance.compression.enabled) and carry Vary: Accept-Encoding
// (performance.compression.vary). They report the bytes saved, or what
// gzip would save.
//
// # Response time
//
// [Latency] (and [SampleLatency] for the raw report) sends requests at a
// constant rate, an open model: request i is due at start + i/rate whatever
// earlier answers do, and its latency counts from that due time, so a slow
// answer is not under-counted (no coordinated omission). It samples N
// requests or a duration, at most [MaxLatencyRequests], records into an
// HDR histogram (3 significant digits) and reports p50, p90, p95 and p99
// and the error rate, judged against thresholds the caller sets (defaults:
// p95 under 500 ms, errors under 1%): performance.latency.p95 and
// performance.latency.errors. OnProgress reports long samples.
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
