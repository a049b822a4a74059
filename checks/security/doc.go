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
//   - [TLSEndpoint] is one host:port: a single audit per run (protocols,
//     cipher suites in the server's order, the certificate), read by every
//     TLS check.
//
// For example, every check of one service:
//
//	page := security.NewPage("https://api.example.com/", security.HTTPOptions{})
//	checks := security.HeaderChecks(page, security.HeaderChecksOptions{})
//	checks = append(checks, security.HSTS(page, security.HSTSOptions{}))
//	checks = append(checks, security.CORS(page, security.CORSOptions{Trusted: []string{"https://app.example.com"}})...)
//	checks = append(checks, security.Cookies(page, security.CookieOptions{})...)
//	checks = append(checks, security.TLSChecks(security.TLS("api.example.com:443", security.TLSOptions{}), security.TLSChecksOptions{})...)
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
//
// # TLS
//
// [TLSChecks] judges one endpoint: legacy protocols refused, TLS 1.2
// offered, TLS 1.3 recommended; every TLS 1.2 suite with forward secrecy,
// AEAD and none of RC4, 3DES, NULL, EXPORT or anonymous; the certificate
// trusted (system roots or TLSOptions.RootCAs), matching the host, not
// expired or close to it, at most 398 days long, with a strong key and
// signature; OCSP stapling; and a grade A+ to F with the SSL Labs and
// testssl caps, whose message says why ("B: TLS 1.0 offered"). Suites are
// enumerated with a small pure-Go ClientHello writer that reads only the
// ServerHello (crypto/tls cannot offer legacy suites), concurrently and in
// at most [MaxTLSHandshakes] handshakes.
//
// # CORS
//
// [CORS] probes the URL with a matrix of origins (a random foreign one,
// null, suffix, prefix and underscore bypasses, http:// for an https
// target, a look-alike with an unescaped dot, and the trusted list), on
// GET and on a preflight, in at most [CORSMaxRequests] requests, stopping
// early when the answer is decided. An untrusted origin reflected with
// Access-Control-Allow-Credentials: true is the worst finding
// (security.cors.credentials, critical).
//
// # Cookies and sessions
//
// [Cookies] judges every Set-Cookie of the page: Secure, HttpOnly for
// session cookies, SameSite, the __Host- prefix, and lifetimes against
// idle and absolute limits (OWASP: 30 minutes, 12 hours); JWTs in cookies
// or JSON bodies are decoded without verification and their lifetime
// judged the same way. Values never reach output: names and keyed
// fingerprints only.
//
// # Active probes (opt-in)
//
// These send requests beyond what the service already answers, so a caller
// builds each one explicitly for an endpoint it names; none is part of a
// default list. Each has a hard cap on requests and stops at the first
// decisive answer:
//
//   - [RateLimitHeaders] is passive: it reads the shared GET and recognises
//     the IETF RateLimit and RateLimit-Policy fields, the older
//     RateLimit-Limit/-Remaining/-Reset forms and the X-RateLimit variants.
//     [RateLimitBurst] sends a burst of at most the advertised limit plus
//     one ([RateLimitMaxBurst] at most), wants a 429 with Retry-After, and
//     can wait a capped Retry-After to confirm recovery.
//   - [InputValidation] sends a wrong Content-Type, an oversized body, a
//     method not allowed and malformed JSON ([InputMaxRequests]); each must
//     get its 4xx with no stack trace or database error in the body.
//   - [SQLInjection] appends quote and bracket payloads to GET parameters
//     in the manner of ZAP 40018 ([SQLiMaxRequests]); [XSS] sends a unique
//     canary per parameter ([XSSMaxRequests]).
//   - [JWTEnforcement] sends no token, alg none in its casings, an empty
//     signature, a tampered payload, an expired re-signed token and tokens
//     signed with well-known weak secrets ([JWTMaxRequests]); each must get
//     401 or 403.
//
// # Hostile servers
//
// A refused connection, a server that never answers or answers one byte a
// second, an endless body, a 100 KB header, a plain-HTTP server on a TLS
// port or a garbage ServerHello each end in an Error (or a Fail) within
// the check's timeout, with no goroutine left behind.
package security
