package testenv

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp
}

func TestNginxServesAndStops(t *testing.T) {
	s := Nginx(t, NginxOptions{
		Server:     `add_header X-Testenv "yes" always;`,
		HTTPServer: `location = /go { return 301 https://$host:{{.HTTPSPort}}/; }`,
	})
	c := s.Client()
	for _, url := range []string{s.HTTPURL + "/", s.HTTPSURL + "/"} {
		resp := get(t, c, url)
		assert.Equal(t, http.StatusOK, resp.StatusCode, url)
		assert.Equal(t, "yes", resp.Header.Get("X-Testenv"), url)
	}
	resp := get(t, c, s.HTTPSURL+"/")
	require.NotNil(t, resp.TLS)
	assert.Equal(t, uint16(tls.VersionTLS13), resp.TLS.Version, "the default is TLS 1.2-1.3")

	resp = get(t, c, s.HTTPURL+"/go")
	assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	assert.Equal(t, s.HTTPSURL+"/", resp.Header.Get("Location"), "templates see the ports")

	s.Stop()
	// nginx logs a request after answering it: the log is complete once
	// nginx has stopped.
	assert.Equal(t, []string{
		fmt.Sprintf(`%d "GET / HTTP/1.1" 200 origin="-"`, s.HTTPPort),
		fmt.Sprintf(`%d "GET / HTTP/1.1" 200 origin="-"`, s.HTTPSPort),
		fmt.Sprintf(`%d "GET / HTTP/1.1" 200 origin="-"`, s.HTTPSPort),
		fmt.Sprintf(`%d "GET /go HTTP/1.1" 301 origin="-"`, s.HTTPPort),
	}, s.AccessLog(), "one line per request")
	for _, addr := range []string{s.HTTPAddr, s.HTTPSAddr} {
		_, err := net.DialTimeout("tcp", addr, 2*time.Second)
		require.Error(t, err, "nginx no longer listens on %s", addr)
	}
	s.Stop() // idempotent, as the cleanup calls it again
}

// TestNginxLegacyTLS proves how TLS 1.0 is enabled on OpenSSL 3: the
// protocols given, and @SECLEVEL=0 appended to the ciphers.
func TestNginxLegacyTLS(t *testing.T) {
	leaf := NewCA(t).Leaf(t, LeafOptions{RSABits: 2048})
	s := Nginx(t, NginxOptions{
		TLS:       &leaf,
		Protocols: "TLSv1 TLSv1.2",
		Ciphers:   "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
	})
	handshake := func(v uint16, suites ...uint16) (tls.ConnectionState, error) {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{
			RootCAs: leaf.Pool(), MinVersion: v, MaxVersion: v, CipherSuites: suites,
		}}
		c, err := d.DialContext(t.Context(), "tcp", s.HTTPSAddr)
		if err != nil {
			return tls.ConnectionState{}, err
		}
		defer func() { _ = c.Close() }()
		return c.(*tls.Conn).ConnectionState(), nil
	}
	cases := []struct {
		name    string
		version uint16
		suites  []uint16
		want    uint16 // 0: refused
	}{
		{"TLS 1.0 with a static-RSA suite", tls.VersionTLS10, []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"TLS 1.1 refused", tls.VersionTLS11, []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}, 0},
		{"TLS 1.2 AEAD", tls.VersionTLS12, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"TLS 1.2 static RSA", tls.VersionTLS12, []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"TLS 1.2 suite not configured", tls.VersionTLS12, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, 0},
		{"TLS 1.3 refused", tls.VersionTLS13, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state, err := handshake(tc.version, tc.suites...)
			if tc.want == 0 {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.version, state.Version)
			assert.Equal(t, tls.CipherSuiteName(tc.want), tls.CipherSuiteName(state.CipherSuite))
		})
	}
	conf, err := os.ReadFile(s.ConfigFile)
	require.NoError(t, err)
	assert.Contains(t, string(conf), "ssl_ciphers 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0';")
}

func TestNginxStaplesOCSP(t *testing.T) {
	ca := NewCA(t)
	leaf := ca.Leaf(t, LeafOptions{})
	der := ca.OCSPResponse(t, leaf)
	s := Nginx(t, NginxOptions{TLS: &leaf, OCSPResponse: der})
	resp := get(t, s.Client(), s.HTTPSURL+"/")
	require.NotNil(t, resp.TLS)
	assert.Equal(t, der, resp.TLS.OCSPResponse, "the response given is stapled")
}

func TestNginxBadConfig(t *testing.T) {
	bin := Require(t, nginxBinary)
	leaf := NewCA(t).Leaf(t, LeafOptions{})
	_, err := startNginx(t, bin, leaf, NginxOptions{Server: "no_such_directive on;", StartTimeout: 10 * time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown directive "no_such_directive"`, "the error carries nginx's own words")

	_, err = startNginx(t, bin, leaf, NginxOptions{Server: "{{.Nope}}"})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "NginxOptions.Server"), err.Error())
}
