package security_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// The header checks of one page share a single GET: here a service that
// sends no security headers at all.
func ExampleHeaderChecks() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>hello</body></html>")
	}))
	defer srv.Close()

	page := security.NewPage(srv.URL, security.HTTPOptions{Client: srv.Client()})
	checks := append(security.HeaderChecks(page, security.HeaderChecksOptions{}), security.HSTS(page, security.HSTSOptions{}))
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID)
	}
	// Output:
	// fail security.headers.csp
	// fail security.headers.frame-options
	// fail security.headers.content-type-options
	// fail security.headers.referrer-policy
	// warn security.headers.corp
	// warn security.headers.coop
	// warn security.headers.coep
	// pass security.headers.server-disclosure
	// skip security.headers.cache-control
	// fail security.headers.grade
	// fail security.https.hsts
}

// CORS probes a handful of origins; a server that echoes any Origin with
// credentials allowed gets the worst finding.
func ExampleCORS() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	defer srv.Close()

	page := security.NewPage(srv.URL, security.HTTPOptions{Client: srv.Client()})
	rep, err := (&check.Runner{}).Run(context.Background(), security.CORS(page, security.CORSOptions{})...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID, o.Meta.Severity)
	}
	// Output:
	// fail security.cors.credentials critical
	// fail security.cors.reflected-origin high
	// pass security.cors.wildcard medium
	// warn security.cors.vary low
	// skip security.cors.trusted medium
}
