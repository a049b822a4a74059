// Package security checks a live deployment's transport and browser
// security against the checklist's "Enable HTTPS/SSL for all services",
// "Security headers added", "XSS protection", "CORS properly configured"
// and "Session timeout configuration" lines.
//
// Checks are built over shared sources, so a run makes each request once
// however many checks read it:
//
//   - [Page] is one URL: a single GET per run, read by the header, HSTS,
//     CORS and cookie checks. The default client verifies TLS, does not
//     follow redirects, keeps no cookies and reads at most 1 MiB of body
//     and 64 KiB of header.
//
// Every check's Meta.Target is the URL (credentials stripped) or the
// host:port it probed, so one rule checks a list of services in one run.
// The checks are non-destructive: GET, HEAD and OPTIONS only, each probe
// capped and bounded by the check's context.
//
// # HTTPS and HSTS
//
// [HTTPSRedirect] follows an http:// URL by hand, at most three hops, and
// wants a redirect to https:// on the same host at the first hop
// (security.https.redirect). [HSTS] parses Strict-Transport-Security and
// wants a max-age of at least 180 days (security.https.hsts);
// [HSTSPreload] judges readiness for the browsers' preload list under the
// rules of hstspreload.org (security.https.hsts-preload). [HTTPSChecks]
// builds all three for a list of service URLs.
//
// # Security headers
//
// [HeaderChecks] returns one check per header (security.headers.<name>),
// judged by the tests of the Mozilla HTTP Observatory, and
// security.headers.grade, the Observatory's score and grade computed from
// the same response.
package security
