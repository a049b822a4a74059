package security

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func plainServer(t *testing.T, hdr map[string][]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, vs := range hdr {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPSRedirect(t *testing.T) {
	tlsSrv, _ := headerServer(t, hardened)
	tu, err := url.Parse(tlsSrv.URL)
	require.NoError(t, err)
	_, tport, _ := net.SplitHostPort(tu.Host)

	var plainURL string
	mux := http.NewServeMux()
	mux.Handle("/same", http.RedirectHandler("https://127.0.0.1:"+tport+"/", http.StatusMovedPermanently))
	mux.Handle("/other", http.RedirectHandler("https://localhost:"+tport+"/", http.StatusMovedPermanently))
	mux.HandleFunc("/http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainURL+"/same", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://127.0.0.1:"+tport+"/loop", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/none", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hi")) })
	mux.Handle("/nolocation", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusMovedPermanently) }))
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	plainURL = plain.URL

	// The TLS server answers /loop with 200; make a looping https target.
	loop := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(loop.Close)
	lu, _ := url.Parse(loop.URL)
	mux.Handle("/toloop", http.RedirectHandler("https://127.0.0.1:"+lu.Port()+"/x", http.StatusMovedPermanently))

	tests := []struct {
		path   string
		client *http.Client
		want   check.Status
		msg    string
	}{
		{"/same", tlsSrv.Client(), check.StatusPass, "1 redirect"},
		{"/other", tlsSrv.Client(), check.StatusFail, "another host"},
		{"/http", tlsSrv.Client(), check.StatusFail, "stays on http://"},
		{"/none", tlsSrv.Client(), check.StatusFail, "without a redirect"},
		{"/nolocation", tlsSrv.Client(), check.StatusFail, "unusable Location"},
		{"/toloop", loop.Client(), check.StatusFail, "more than 3 redirects"},
		{"/same", nil, check.StatusFail, "invalid certificate"}, // the default client does not trust the test CA
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			c := HTTPSRedirect(plain.URL+tc.path, RedirectOptions{Client: tc.client})
			assert.Equal(t, plain.URL+tc.path, c.Meta().Target)
			r := c.Run(t.Context())
			assert.Equal(t, tc.want, r.Status, r.Message)
			assert.Contains(t, r.Message, tc.msg)
			for _, f := range r.Findings {
				assert.NotEmpty(t, f.Location.URL)
			}
		})
	}
}

func TestHTTPSRedirectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	r := HTTPSRedirect("http://"+addr+"/", RedirectOptions{}).Run(t.Context())
	assert.Equal(t, check.StatusError, r.Status, r.Message)
	assert.Contains(t, r.Message, "NoListenerOK")
	r = HTTPSRedirect("http://"+addr+"/", RedirectOptions{NoListenerOK: true}).Run(t.Context())
	assert.Equal(t, check.StatusPass, r.Status, r.Message)
}

func TestHTTPSChecks(t *testing.T) {
	tlsSrv, _ := headerServer(t, hardened)
	tu, _ := url.Parse(tlsSrv.URL)
	plain := httptest.NewServer(http.RedirectHandler("https://127.0.0.1:"+tu.Port()+"/", http.StatusMovedPermanently))
	t.Cleanup(plain.Close)
	pu, _ := url.Parse(plain.URL)

	opts := HTTPSChecksOptions{
		HTTP:     HTTPOptions{Client: tlsSrv.Client()},
		Redirect: RedirectOptions{Client: tlsSrv.Client()},
		HTTPPort: pu.Port(), HTTPSPort: tu.Port(),
	}
	checks := HTTPSChecks([]string{tlsSrv.URL, tlsSrv.URL + "/", "http://127.0.0.1:" + pu.Port(), "::bad"}, opts)
	// tlsSrv.URL and the http:// form name the same service; "/" is another page.
	targets := map[string]bool{}
	for _, c := range checks {
		name := c.Meta().Name()
		assert.False(t, targets[name], "duplicate %s", name)
		targets[name] = true
	}
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		if o.Meta.Target == "::bad" {
			assert.Equal(t, check.StatusError, o.Result.Status)
			continue
		}
		assert.Equal(t, check.StatusPass, o.Result.Status, "%s: %s", o.Meta.Name(), o.Result.Message)
	}
	assert.Len(t, checks, 7)
}
