package performance_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
)

// gzipMiddleware is the minimal gzip middleware of a Go service: when the
// client accepts gzip, it compresses whatever next writes and (when vary
// is set) says so in Vary.
func gzipMiddleware(next http.Handler, vary bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if vary {
			w.Header().Add("Vary", "Accept-Encoding")
		}
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		next.ServeHTTP(gzipResponseWriter{ResponseWriter: w, w: zw}, r)
	})
}

type gzipResponseWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (g gzipResponseWriter) Write(p []byte) (int, error) {
	g.Header().Del("Content-Length")
	return g.w.Write(p)
}

// listJSON is a list endpoint's answer of n items.
func listJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","description":"a compressible description of item number %d","tags":["alpha","beta"]}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func serveBytes(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	})
}

// recorder counts the requests a server received and keeps their
// Accept-Encoding and Authorization.
type recorder struct {
	mu       sync.Mutex
	n        int
	accept   []string
	authSeen []string
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.n++
		rc.accept = append(rc.accept, r.Header.Get("Accept-Encoding"))
		rc.authSeen = append(rc.authSeen, r.Header.Get("Authorization"))
		rc.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func TestCompressionGoTwins(t *testing.T) {
	body := listJSON(400)
	require.Greater(t, len(body), 40_000)
	gz := gzipped(t, body)
	bomb := gzipped(t, make([]byte, 80<<20))
	huge := bytes.Repeat([]byte("x"), 3<<20)
	tests := []struct {
		name          string
		handler       http.Handler
		enabled, vary check.Status
		enabledMsg    string
		varyMsg       string
	}{
		{
			name:    "gzip middleware with Vary",
			handler: gzipMiddleware(serveBytes("application/json", body), true),
			enabled: check.StatusPass, vary: check.StatusPass,
			enabledMsg: fmt.Sprintf("gzip: %s bytes sent for %s bytes (%s bytes saved, %.0f%%)",
				commas(len(gz)), commas(len(body)), commas(len(body)-len(gz)), 100*float64(len(body)-len(gz))/float64(len(body))),
			varyMsg: "gzip response with Vary: Accept-Encoding",
		},
		{
			name:    "no compression",
			handler: serveBytes("application/json; charset=utf-8", body),
			enabled: check.StatusFail, vary: check.StatusSkip,
			enabledMsg: fmt.Sprintf("application/json sent uncompressed: gzip would save %s bytes (%s bytes for %s bytes)",
				commas(len(body)-len(gz)), commas(len(gz)), commas(len(body))),
			varyMsg: "response not compressed (see performance.compression.enabled)",
		},
		{
			name:    "gzip without Vary",
			handler: gzipMiddleware(serveBytes("text/html", body), false),
			enabled: check.StatusPass, vary: check.StatusWarn,
			varyMsg: "gzip response without Vary: Accept-Encoding",
		},
		{
			name: "Vary: * is enough",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Vary", "Origin, *")
				gzipMiddleware(serveBytes("image/svg+xml", body), false).ServeHTTP(w, r)
			}),
			enabled: check.StatusPass, vary: check.StatusPass,
		},
		{
			name: "brotli: compressed size only",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/javascript")
				w.Header().Set("Content-Encoding", "br")
				w.Header().Set("Vary", "Accept-Encoding")
				_, _ = w.Write(bytes.Repeat([]byte{0x1b}, 5000))
			}),
			enabled: check.StatusPass, vary: check.StatusPass,
			enabledMsg: "br: 5,000 bytes sent (original size not measured: not decoded here)",
		},
		{
			name:    "small response: not over the threshold",
			handler: serveBytes("application/json", listJSON(10)[:1400]),
			enabled: check.StatusSkip, vary: check.StatusSkip,
			enabledMsg: "1,400 bytes of application/json, not over the 1,400 bytes threshold",
		},
		{
			name:    "not compressible",
			handler: serveBytes("image/png", body),
			enabled: check.StatusSkip, vary: check.StatusSkip,
			enabledMsg: "image/png is not a compressible type",
		},
		{
			name:    "event stream is not compressed",
			handler: serveBytes("text/event-stream", body),
			enabled: check.StatusSkip, vary: check.StatusSkip,
		},
		{
			name: "not found",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, strings.Repeat("missing ", 500), http.StatusNotFound)
			}),
			enabled: check.StatusSkip, vary: check.StatusSkip,
			enabledMsg: "status 404: no body to judge (name a URL that answers 200)",
		},
		{
			name: "corrupt gzip",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Vary", "Accept-Encoding")
				_, _ = w.Write(body)
			}),
			enabled: check.StatusFail, vary: check.StatusPass,
			enabledMsg: "Content-Encoding gzip but the body does not decode",
		},
		{
			// 80 MiB of zeros in 80 KB: inflated only up to the limit.
			name: "gzip bomb",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Vary", "Accept-Encoding")
				_, _ = w.Write(bomb)
			}),
			enabled: check.StatusPass, vary: check.StatusPass,
			enabledMsg: fmt.Sprintf("gzip: %s bytes sent (original size not measured: inflates past the 64 MiB limit)", commas(len(bomb))),
		},
		{
			// A body past the read limit is judged on what was read.
			name:    "huge uncompressed body",
			handler: serveBytes("text/plain", huge),
			enabled: check.StatusFail, vary: check.StatusSkip,
			enabledMsg: "text/plain sent uncompressed: over 1,048,576 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc recorder
			srv := httptest.NewServer(rc.wrap(tt.handler))
			defer srv.Close()
			checks := performance.Compression(srv.URL+"/items?token=s3cret", performance.CompressionOptions{
				Header: http.Header{"Authorization": {"Bearer abc"}, "Accept-Encoding": {"identity"}},
			})
			byID := runChecks(t, checks)
			require.Len(t, byID, 2)
			enabled, vary := byID["performance.compression.enabled"], byID["performance.compression.vary"]
			assert.Equal(t, tt.enabled, enabled.Result.Status, describeOutcome(enabled))
			assert.Equal(t, tt.vary, vary.Result.Status, describeOutcome(vary))
			if tt.enabledMsg != "" {
				assert.Equal(t, tt.enabledMsg, enabled.Result.Message)
			}
			if tt.varyMsg != "" {
				assert.Equal(t, tt.varyMsg, vary.Result.Message)
			}
			assert.Equal(t, check.SeverityMedium, enabled.Meta.Severity)
			assert.Equal(t, check.SeverityLow, vary.Meta.Severity)
			for _, o := range byID {
				assert.NotContains(t, o.Meta.Target, "s3cret", "secret parameters redacted")
				for _, f := range o.Result.Findings {
					assert.Equal(t, o.Meta.Target, f.Location.URL)
					assert.NotEmpty(t, f.Location.Resource)
					assert.NotEmpty(t, f.Expected)
					assert.NotEmpty(t, f.Actual)
				}
			}
			// One GET per run shared by both checks, asking for gzip and
			// br, with the caller's headers.
			assert.Equal(t, performance.CompressionMaxRequests, rc.n)
			assert.Equal(t, []string{"gzip, br"}, rc.accept)
			assert.Equal(t, []string{"Bearer abc"}, rc.authSeen)
		})
	}
}

// A client whose Transport would decompress transparently still sees the
// raw encoding: the request sets Accept-Encoding itself.
func TestCompressionReadsRawEncodingWithAnyClient(t *testing.T) {
	srv := httptest.NewServer(gzipMiddleware(serveBytes("application/json", listJSON(100)), true))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // DisableCompression false
	byID := runChecks(t, performance.Compression(srv.URL, performance.CompressionOptions{Client: client}))
	assert.Equal(t, check.StatusPass, byID["performance.compression.enabled"].Result.Status)
	assert.True(t, strings.HasPrefix(byID["performance.compression.enabled"].Result.Message, "gzip: "))
}

func TestCompressionCustomThreshold(t *testing.T) {
	srv := httptest.NewServer(serveBytes("application/json", listJSON(100)[:3000]))
	defer srv.Close()
	byID := runChecks(t, performance.Compression(srv.URL, performance.CompressionOptions{MinSize: 4000}))
	assert.Equal(t, check.StatusSkip, byID["performance.compression.enabled"].Result.Status)
}

func TestCompressionErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // refused
	for _, raw := range []string{addr, "ftp://x.test/", "http://"} {
		for _, o := range runChecks(t, performance.Compression(raw, performance.CompressionOptions{})) {
			assert.Equal(t, check.StatusError, o.Result.Status, "%s %s: %s", raw, o.Meta.ID, o.Result.Message)
		}
	}
}

func TestCompressible(t *testing.T) {
	for mt, want := range map[string]bool{
		"text/html": true, "text/css": true, "TEXT/PLAIN": true, "application/json": true, "application/problem+json": true,
		"application/javascript": true, "image/svg+xml": true, "application/rss+xml": true, "application/xml": true,
		"application/wasm": true, "font/ttf": true,
		"text/event-stream": false, "image/png": false, "image/jpeg": false, "application/octet-stream": false,
		"application/zip": false, "font/woff2": false, "video/mp4": false, "": false,
	} {
		assert.Equal(t, want, performance.Compressible(mt), mt)
	}
}

// commas renders n with thousands separators, as the messages do.
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func describeOutcome(o check.Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s: %s", o.Meta.ID, o.Meta.Target, o.Result.Status, o.Result.Message)
	for _, f := range o.Result.Findings {
		fmt.Fprintf(&b, "\n    - %s", f)
	}
	return b.String()
}
