package gotest_test

import (
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/check/checktest"
	"github.com/prodcheck/prodcheck/examples/gotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// service starts a stand-in for the deployment on loopback, over TLS.
// hardened decides whether it is configured for production.
func service(t *testing.T, hardened bool) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !hardened {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		if hardened {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>app</title>\n"))
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(t.Output(), "service: ", 0) // shown with -v or on failure
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestDeployment is the deployment assertion: one subtest per check, and a
// failure names the URL, the header, what was expected and what was found.
// Against a real deployment, the URL would come from the environment.
func TestDeployment(t *testing.T) {
	srv := service(t, true)
	rep := checktest.Run(t, gotest.Checks(srv.URL, gotest.Options{Client: srv.Client()})...)
	assert.Equal(t, check.Counts{Pass: 3}, rep.Counts())
}

// TestTwoDeployments: the same rules against two services in one run are
// six outcomes, one subtest each, named by the check's ID and URL.
func TestTwoDeployments(t *testing.T) {
	blue, green := service(t, true), service(t, true)
	checks := append(gotest.Checks(blue.URL, gotest.Options{Client: blue.Client()}),
		gotest.Checks(green.URL, gotest.Options{Client: green.Client()})...)
	rep := checktest.Run(t, checks...)
	require.Len(t, rep.Outcomes, 6)
	assert.Equal(t, "app.health.ok ["+blue.URL+"/healthz]", rep.Outcomes[0].Meta.Name())
	assert.Equal(t, "app.health.ok ["+green.URL+"/healthz]", rep.Outcomes[3].Meta.Name())
	assert.Equal(t, check.Counts{Pass: 6}, rep.Counts())
}

// TestChecksCatchDrift is a test of the checks themselves: against a
// misconfigured service, each one fails, with a located finding.
func TestChecksCatchDrift(t *testing.T) {
	srv := service(t, false)
	for _, c := range gotest.Checks(srv.URL, gotest.Options{Client: srv.Client()}) {
		t.Run(c.Meta().Name(), func(t *testing.T) {
			checktest.RequireStatus(t, t.Context(), c, check.StatusFail)
			res := c.Run(t.Context())
			require.Len(t, res.Findings, 1)
			f := res.Findings[0]
			assert.Equal(t, c.Meta().Target, f.Location.URL, "the finding is at the target")
			assert.NotEmpty(t, f.Expected)
			assert.NotEmpty(t, f.Actual)
		})
	}
}

// TestChecksUnreachable: a service that does not answer is an error (the
// checks could not decide), never a pass.
func TestChecksUnreachable(t *testing.T) {
	srv := service(t, true)
	url, client := srv.URL, srv.Client()
	srv.Close()
	for _, c := range gotest.Checks(url, gotest.Options{Client: client}) {
		checktest.AssertStatus(t, t.Context(), c, check.StatusError)
	}
}

// TestChecksOverPlainHTTP: HSTS does not apply to plain HTTP.
func TestChecksOverPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}))
	t.Cleanup(srv.Close)
	rep, err := (&check.Runner{}).Run(t.Context(), gotest.Checks(srv.URL, gotest.Options{Client: srv.Client()})...)
	require.NoError(t, err)
	checktest.AssertReport(t, rep)
	assert.Equal(t, check.Counts{Pass: 2, Skip: 1}, rep.Counts())
}

// TestChecksContract: the checks keep the contract of check.Check (valid
// Meta, honour cancellation, safe for concurrent use, located findings).
func TestChecksContract(t *testing.T) {
	for _, hardened := range []bool{true, false} {
		name := map[bool]string{true: "hardened", false: "drifted"}[hardened]
		t.Run(name, func(t *testing.T) {
			srv := service(t, hardened)
			for _, c := range gotest.Checks(srv.URL, gotest.Options{Client: srv.Client()}) {
				checktest.Contract(t, c)
			}
		})
	}
}
