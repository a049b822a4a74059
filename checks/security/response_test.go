package security

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// httpRawServer hands every connection to serve (testenv.TCPServer) and
// returns the server's URL.
func httpRawServer(t *testing.T, serve func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	addr, _ := testenv.TCPServer(t, serve)
	return "http://" + addr + "/"
}

func readRequest(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

func TestPageHostile(t *testing.T) {
	tests := []struct {
		name  string
		serve func(c net.Conn, done <-chan struct{})
	}{
		{"accept and never answer", func(c net.Conn, done <-chan struct{}) { <-done }},
		{"one byte a second", func(c net.Conn, done <-chan struct{}) {
			readRequest(c)
			msg := "HTTP/1.1 200 OK\r\nX-Slow: " + strings.Repeat("a", 100)
			for i := 0; i < len(msg); i++ {
				if _, err := c.Write([]byte{msg[i]}); err != nil {
					return
				}
				select {
				case <-done:
					return
				case <-time.After(time.Second):
				}
			}
		}},
		{"100 KB header", func(c net.Conn, done <-chan struct{}) {
			readRequest(c)
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\nContent-Length: 0\r\n\r\n"))
			<-done
		}},
		{"garbage", func(c net.Conn, done <-chan struct{}) {
			readRequest(c)
			_, _ = c.Write([]byte("\x16\x03\x01garbage\r\n\r\n"))
			c.Close()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := httpRawServer(t, tc.serve)
			p := NewPage(u, HTTPOptions{})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			for _, c := range append(HeaderChecks(p, HeaderChecksOptions{}), HSTS(p, HSTSOptions{})) {
				r := c.Run(ctx)
				assert.Equal(t, check.StatusError, r.Status, "%s: %s", c.Meta().ID, r.Message)
			}
		})
	}
}

func TestPageRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	r := HSTS(NewPage("https://"+addr+"/", HTTPOptions{}), HSTSOptions{}).Run(t.Context())
	assert.Equal(t, check.StatusError, r.Status)
	assert.Contains(t, r.Message, "refused")
}

func TestPageEndlessBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := []byte(strings.Repeat("x", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	r, err := NewPage(srv.URL, HTTPOptions{}).Get(t.Context())
	require.NoError(t, err)
	assert.True(t, r.Truncated)
	assert.Len(t, r.Body, int(DefaultMaxBody))

	r, err = NewPage(srv.URL, HTTPOptions{MaxBody: 10}).Get(t.Context())
	require.NoError(t, err)
	assert.Len(t, r.Body, 10)
}

func TestPageURLAndDo(t *testing.T) {
	var gotAuth, gotUser []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		u, _, _ := r.BasicAuth()
		gotUser = append(gotUser, u)
		mu.Unlock()
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	raw := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/x?token=s3cret"
	p := NewPage(raw, HTTPOptions{})
	assert.NotContains(t, p.URL(), "hunter2")
	assert.NotContains(t, p.URL(), "s3cret")
	assert.NotContains(t, p.URL(), "user@")

	r, err := p.Get(t.Context())
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, r.Status, "redirects are not followed")
	assert.Nil(t, r.URL.User)

	p2 := NewPage(srv.URL, HTTPOptions{Header: http.Header{"Authorization": {"Bearer t"}}})
	req, _ := http.NewRequest(http.MethodOptions, srv.URL, nil)
	_, err = p2.Do(t.Context(), req)
	require.NoError(t, err)
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header["Authorization"] = []string{}
	_, err = p2.Do(t.Context(), req)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"Basic dXNlcjpodW50ZXIy", "Bearer t", ""}, gotAuth)
	assert.Equal(t, "user", gotUser[0])

	_, err = NewPage("ftp://x/", HTTPOptions{}).Get(t.Context())
	assert.ErrorContains(t, err, "not http or https")
	bad := NewPage("http://a b\n/", HTTPOptions{})
	assert.NotContains(t, bad.URL(), "\n")
	_, err = bad.Get(t.Context())
	assert.Error(t, err)
}
