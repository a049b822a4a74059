package security_test

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// The must-show of the issue: the checks against the server people deploy.
// One nginx has every problem the issue names (TLS 1.0 next to 1.2, weak
// suites, no HSTS, a CORS configuration that reflects any Origin with
// credentials, no security headers, a bare session cookie); the checks
// must name each one exactly. The hardened nginx must pass them all.

const trustedOrigin = "https://app.example.com"

// weakNginx: ssl_protocols TLSv1 TLSv1.2 with an RSA certificate, so the
// static-RSA suite AES128-SHA (no forward secrecy, CBC) and the ECDHE CBC
// suite can be negotiated; the server's order is its own.
func weakNginx(t *testing.T) *testenv.NginxServer {
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{RSABits: 2048})
	return testenv.Nginx(t, testenv.NginxOptions{
		TLS:                 &leaf,
		Protocols:           "TLSv1 TLSv1.2",
		Ciphers:             "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0",
		PreferServerCiphers: true,
		// The open CORS configuration found in the wild: any Origin is
		// echoed, with credentials.
		Server: `
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Set-Cookie "sessionid=weak-cookie-canary-5f3a; Path=/" always;`,
	})
}

// hardenedNginx: Mozilla intermediate TLS (1.2 and 1.3, ECDHE AEAD suites
// only, ECDSA P-256), HSTS for a year with includeSubDomains and preload,
// every header the Observatory rewards, a CORS allow-list of one origin
// with Vary: Origin, a __Host- session cookie holding a short-lived signed
// JWT, a stapled OCSP response, and a redirect from http://.
func hardenedNginx(t *testing.T) *testenv.NginxServer {
	ca := testenv.NewCA(t)
	leaf := ca.Leaf(t, testenv.LeafOptions{})
	return testenv.Nginx(t, testenv.NginxOptions{
		TLS:          &leaf,
		OCSPResponse: ca.OCSPResponse(t, leaf),
		Protocols:    "TLSv1.2 TLSv1.3",
		Ciphers:      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305",
		HTTP: `
    map $http_origin $cors_origin { default ""; "` + trustedOrigin + `" $http_origin; }
    map $http_origin $cors_credentials { default ""; "` + trustedOrigin + `" "true"; }`,
		Server:     "server_tokens off;",
		HTTPServer: "return 301 https://$host:{{.HTTPSPort}}$request_uri;",
		TLSServer: `
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains; preload" always;
        add_header Content-Security-Policy "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'" always;
        add_header X-Content-Type-Options nosniff always;
        add_header X-Frame-Options DENY always;
        add_header Referrer-Policy no-referrer always;
        add_header Cross-Origin-Resource-Policy same-origin always;
        add_header Cross-Origin-Opener-Policy same-origin always;
        add_header Cross-Origin-Embedder-Policy require-corp always;
        add_header Cache-Control no-store always;
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Access-Control-Allow-Credentials $cors_credentials always;
        add_header Vary Origin always;
        add_header Set-Cookie "__Host-session=` + sessionJWT(t) + `; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1800" always;`,
	})
}

// sessionJWT is the hardened server's session token: HS256, issued now,
// expiring in 15 minutes (within the 12 h absolute limit).
func sessionJWT(t *testing.T) string {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "user-1", "iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(),
	}).SignedString(key)
	require.NoError(t, err)
	return tok
}

// audit builds every check of this package against one nginx: the TLS
// endpoint, the https:// page (headers, HSTS, CORS, cookies) and the
// http:// redirect. Clients trust the test CA only.
func audit(t *testing.T, s *testenv.NginxServer) (*security.TLSEndpoint, []check.Check) {
	t.Helper()
	pool := s.Leaf.Pool()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true},
	}
	endpoint := security.TLS(s.HTTPSAddr, security.TLSOptions{RootCAs: pool})
	page := security.NewPage(s.HTTPSURL+"/", security.HTTPOptions{Client: client})
	checks := security.TLSChecks(endpoint, security.TLSChecksOptions{})
	checks = append(checks, security.HeaderChecks(page, security.HeaderChecksOptions{})...)
	checks = append(checks,
		security.HSTS(page, security.HSTSOptions{}),
		security.HSTSPreload(page, security.HSTSOptions{}),
		security.HTTPSRedirect(s.HTTPURL+"/", security.RedirectOptions{Client: client}))
	checks = append(checks, security.CORS(page, security.CORSOptions{Trusted: []string{trustedOrigin}, AttackerDomain: "attacker.test"})...)
	checks = append(checks, security.Cookies(page, security.CookieOptions{})...)
	return endpoint, checks
}

// run runs the checks in one Runner run and returns the outcomes by ID
// (each ID has one target here).
func run(t *testing.T, checks []check.Check) map[string]check.Outcome {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	byID := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		_, dup := byID[o.Meta.ID]
		require.False(t, dup, "one outcome per ID: %s", o.Meta.ID)
		byID[o.Meta.ID] = o
	}
	return byID
}

func describe(o check.Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s: %s", o.Meta.ID, o.Meta.Target, o.Result.Status, o.Result.Message)
	if o.Result.Err != nil {
		fmt.Fprintf(&b, " (err: %v)", o.Result.Err)
	}
	for _, f := range o.Result.Findings {
		fmt.Fprintf(&b, "\n    - %s @ %s; expected %q, actual %q", f.Message, f.Location, f.Expected, f.Actual)
	}
	return b.String()
}

func acceptedVersions(a *security.TLSAudit) []string {
	var out []string
	for _, v := range a.Versions {
		if v.State == security.ProbeAccepted {
			out = append(out, tls.VersionName(v.Version))
		}
	}
	return out
}

func suiteNames(a *security.TLSAudit) []string {
	var out []string
	for _, s := range a.Suites {
		out = append(out, s.Name)
	}
	return out
}

// requests counts the HTTP requests nginx logged per port, split by
// whether they carried an Origin header (CORS probes do).
type requests struct{ plain, withOrigin int }

func countRequests(t *testing.T, s *testenv.NginxServer) map[int]requests {
	t.Helper()
	s.Stop() // the access log is complete once nginx has stopped
	out := map[int]requests{}
	for _, line := range s.AccessLog() {
		var port int
		_, err := fmt.Sscanf(line, "%d ", &port)
		require.NoError(t, err, line)
		r := out[port]
		if strings.HasSuffix(line, `origin="-"`) {
			r.plain++
		} else {
			r.withOrigin++
		}
		out[port] = r
	}
	return out
}

// want is what one check must report: its status, the exact resources of
// its findings in order, and (when set) its exact message.
type want struct {
	status    check.Status
	resources []string
	message   string
}

// weakWants is what every check must report on the weak nginx, by ID;
// its keys are every check the audit builds.
func weakWants() map[string]want {
	const aes128SHA, ecdheAES128SHA = "cipher TLS_RSA_WITH_AES_128_CBC_SHA", "cipher TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
	const (
		foreignGET  = "header Access-Control-Allow-Origin (GET foreign origin, Origin: https://attacker.test)"
		foreignPre  = "header Access-Control-Allow-Origin (OPTIONS foreign origin, Origin: https://attacker.test, without credentials)"
		nullGET     = "header Access-Control-Allow-Origin (GET null origin, Origin: null)"
		corsSummary = "4 CORS probes, stopped early: any origin is allowed; preflight answered 405; judged on the GETs"
	)
	return map[string]want{
		// TLS: 1.0 next to 1.2, no 1.3, a suite without forward secrecy
		// and two CBC suites; the certificate itself is fine.
		"security.tls.protocols.legacy":        {check.StatusFail, []string{"protocol TLS 1.0"}, "TLS 1.0 offered"},
		"security.tls.protocols.tls12":         {check.StatusPass, nil, "TLS 1.2 offered (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 preferred)"},
		"security.tls.protocols.tls13":         {check.StatusWarn, []string{"protocol TLS 1.3"}, "TLS 1.3 not offered"},
		"security.tls.ciphers.forward-secrecy": {check.StatusFail, []string{aes128SHA}, "1 of 3 TLS 1.2 suites: TLS_RSA_WITH_AES_128_CBC_SHA"},
		"security.tls.ciphers.aead":            {check.StatusFail, []string{ecdheAES128SHA, aes128SHA}, "2 of 3 TLS 1.2 suites: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA"},
		"security.tls.ciphers.weak":            {check.StatusPass, nil, "all 3 TLS 1.2 suites are strong"},
		"security.tls.grade":                   {check.StatusWarn, []string{"grade"}, "B: TLS 1.0 offered"},
		"security.tls.ocsp-stapling":           {check.StatusWarn, []string{"certificate localhost"}, "no OCSP staple"},
		"security.tls.cert.trusted":            {status: check.StatusPass},
		"security.tls.cert.hostname":           {check.StatusPass, nil, "certificate valid for 127.0.0.1"},
		"security.tls.cert.expiry":             {status: check.StatusPass},
		"security.tls.cert.lifetime":           {check.StatusPass, nil, "lifetime 90 days"},
		"security.tls.cert.key":                {check.StatusPass, nil, "RSA 2048 bits"},
		"security.tls.cert.signature":          {check.StatusPass, nil, "signed with ECDSA-SHA256"},
		// HTTPS: no redirect from http://, no HSTS.
		"security.https.redirect":     {check.StatusFail, []string{""}, "http:// answered 200 without a redirect"},
		"security.https.hsts":         {check.StatusFail, []string{"header Strict-Transport-Security"}, "no Strict-Transport-Security header (status 200)"},
		"security.https.hsts-preload": {check.StatusWarn, []string{"header Strict-Transport-Security"}, "no Strict-Transport-Security header (status 200)"},
		// Headers: every one missing, the version disclosed.
		"security.headers.csp":                  {check.StatusFail, []string{"header Content-Security-Policy"}, "no Content-Security-Policy header"},
		"security.headers.frame-options":        {check.StatusFail, []string{"header X-Frame-Options"}, ""},
		"security.headers.content-type-options": {check.StatusFail, []string{"header X-Content-Type-Options"}, ""},
		"security.headers.referrer-policy":      {check.StatusFail, []string{"header Referrer-Policy"}, ""},
		"security.headers.corp":                 {check.StatusWarn, []string{"header Cross-Origin-Resource-Policy"}, "no Cross-Origin-Resource-Policy"},
		"security.headers.coop":                 {check.StatusWarn, []string{"header Cross-Origin-Opener-Policy"}, "no Cross-Origin-Opener-Policy"},
		"security.headers.coep":                 {check.StatusWarn, []string{"header Cross-Origin-Embedder-Policy"}, "no Cross-Origin-Embedder-Policy"},
		"security.headers.server-disclosure":    {check.StatusWarn, []string{"header Server"}, ""},
		"security.headers.cache-control":        {check.StatusWarn, []string{"header Cache-Control"}, ""},
		"security.headers.grade": {check.StatusFail, []string{"", "", "", "", ""},
			"F (0/100): csp-not-implemented -25, hsts-not-implemented -20, cookies-session-without-secure-flag -40, x-content-type-options-not-implemented -5, x-frame-options-not-implemented -20"},
		// CORS: any origin reflected with credentials, the worst finding,
		// judged on the GETs although the preflight answers 405.
		"security.cors.credentials": {check.StatusFail, []string{foreignGET, foreignPre, nullGET},
			"worst CORS misconfiguration: 3 untrusted origin probe(s) allowed with credentials (" + corsSummary + ")"},
		"security.cors.reflected-origin": {check.StatusFail, []string{foreignGET, foreignPre, nullGET},
			"untrusted origins allowed: foreign origin, null origin (" + corsSummary + ")"},
		"security.cors.vary":     {check.StatusWarn, []string{"header Vary (GET foreign origin, Origin: https://attacker.test)"}, ""},
		"security.cors.wildcard": {status: check.StatusPass},
		"security.cors.trusted":  {status: check.StatusPass},
		// The bare session cookie.
		"security.cookies.secure":          {check.StatusFail, []string{"cookie sessionid"}, ""},
		"security.cookies.httponly":        {check.StatusFail, []string{"cookie sessionid"}, ""},
		"security.cookies.samesite":        {check.StatusWarn, []string{"cookie sessionid"}, ""},
		"security.cookies.host-prefix":     {check.StatusWarn, []string{"cookie sessionid"}, ""},
		"security.session.cookie-lifetime": {status: check.StatusPass},
		"security.session.jwt-lifetime":    {check.StatusSkip, nil, "no JWT in the cookies or the JSON body; 1 cookie(s) set, 1 session"},
		"security.session.jwt-unsigned":    {check.StatusSkip, nil, "no JWT in the cookies or the JSON body; 1 cookie(s) set, 1 session"},
	}
}

func TestNginxWeakConfigNamesEveryProblem(t *testing.T) {
	s := weakNginx(t)
	endpoint, checks := audit(t, s)
	byID := run(t, checks)

	// The exact protocol and cipher sets, from the audit the checks shared.
	a, err := endpoint.Audit(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"TLS 1.0", "TLS 1.2"}, acceptedVersions(a), "the exact protocol set")
	assert.Equal(t, []string{
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
		"TLS_RSA_WITH_AES_128_CBC_SHA",
	}, suiteNames(a), "the exact TLS 1.2 suite set, in the server's order")
	assert.True(t, a.SuitesComplete)
	assert.True(t, a.ServerPreference, "ssl_prefer_server_ciphers on")
	assert.LessOrEqual(t, a.Handshakes, security.MaxTLSHandshakes)

	wants := weakWants()
	assert.ElementsMatch(t, slices.Collect(maps.Keys(wants)), slices.Collect(maps.Keys(byID)), "the checks that ran")
	for id, w := range wants {
		o, ok := byID[id]
		if !ok {
			continue
		}
		assert.Equal(t, w.status, o.Result.Status, describe(o))
		var resources []string
		for _, f := range o.Result.Findings {
			resources = append(resources, f.Location.Resource)
			assert.NotEmpty(t, f.Location.URL, "%s: every finding is located", id)
			assert.NotEmpty(t, f.Expected, "%s: %s", id, f.Message)
			assert.NotEmpty(t, f.Actual, "%s: %s", id, f.Message)
		}
		assert.Equal(t, w.resources, resources, "%s: the findings' resources", id)
		if w.message != "" {
			assert.Equal(t, w.message, o.Result.Message, id)
		}
		if o.Result.Status == check.StatusFail || o.Result.Status == check.StatusWarn {
			assert.NotEmpty(t, o.Meta.Remediation, id)
		}
	}

	// The reflected origin with credentials is the worst CORS finding.
	cred := byID["security.cors.credentials"]
	assert.Equal(t, check.SeverityCritical, cred.Meta.Severity)
	for id, o := range byID {
		if strings.HasPrefix(id, "security.cors.") {
			assert.GreaterOrEqual(t, cred.Meta.Severity, o.Meta.Severity, id)
		}
	}

	// No cookie value in any output.
	for _, o := range byID {
		assert.NotContains(t, describe(o), "weak-cookie-canary-5f3a", o.Meta.ID)
	}

	// One GET of the page for every header, HSTS and cookie check, four
	// CORS probes (the matrix stops once any origin is reflected), one GET
	// of http://; the TLS audit sends no HTTP request.
	assert.Equal(t, map[int]requests{
		s.HTTPSPort: {plain: 1, withOrigin: 4},
		s.HTTPPort:  {plain: 1},
	}, countRequests(t, s))
}

func TestNginxHardenedConfigPasses(t *testing.T) {
	s := hardenedNginx(t)
	endpoint, checks := audit(t, s)
	byID := run(t, checks)

	a, err := endpoint.Audit(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"TLS 1.2", "TLS 1.3"}, acceptedVersions(a), "the exact protocol set")
	names := suiteNames(a)
	slices.Sort(names)
	assert.Equal(t, []string{
		"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	}, names, "the exact TLS 1.2 suite set")
	assert.True(t, a.SuitesComplete)
	assert.False(t, a.ServerPreference, "ssl_prefer_server_ciphers off (Mozilla intermediate)")
	require.NotNil(t, a.Cert)
	assert.True(t, a.Cert.OCSPStapled)

	assert.ElementsMatch(t, slices.Collect(maps.Keys(weakWants())), slices.Collect(maps.Keys(byID)), "the same checks as on the weak nginx")
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		o := byID[id]
		assert.Equal(t, check.StatusPass, o.Result.Status, describe(o))
		assert.NotContains(t, describe(o), "eyJ", "%s: no JWT in the output", id)
	}
	assert.Equal(t, "A+: score 96, no caps", byID["security.tls.grade"].Result.Message)
	assert.True(t, strings.HasPrefix(byID["security.headers.grade"].Result.Message, "A+ "), byID["security.headers.grade"].Result.Message)

	// The page GET, the https:// page the redirect lands on, nine CORS
	// probes (at most 12), one GET of http://.
	got := countRequests(t, s)
	assert.Equal(t, map[int]requests{
		s.HTTPSPort: {plain: 2, withOrigin: 9},
		s.HTTPPort:  {plain: 1},
	}, got)
	assert.LessOrEqual(t, got[s.HTTPSPort].withOrigin, security.CORSMaxRequests)
}
