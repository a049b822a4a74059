package security

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/internal/testenv"
)

// rawTLSPort runs handle for every connection on a loopback port
// (testenv.TCPServer), closing the connection when handle returns.
func rawTLSPort(t *testing.T, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	addr, _ := testenv.TCPServer(t, func(c net.Conn, done <-chan struct{}) {
		defer c.Close()
		handle(c, done)
	})
	return addr
}

func TestTLSHostileServers(t *testing.T) {
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	for _, tc := range []struct {
		name string
		addr func(t *testing.T) string
		want string // in every check's message
	}{
		{"refused connection", refused, "refused"},
		{"accepts and never answers", func(t *testing.T) string {
			return rawTLSPort(t, func(c net.Conn, done <-chan struct{}) { _, _ = io.Copy(io.Discard, c) })
		}, "timeout"},
		{"one byte a second", func(t *testing.T) string {
			return rawTLSPort(t, func(c net.Conn, done <-chan struct{}) {
				for _, b := range []byte{22, 3, 3, 0, 60, 2, 0, 0, 56, 3, 3} {
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					select {
					case <-done:
						return
					case <-time.After(time.Second):
					}
				}
			})
		}, "timeout"},
		{"plain HTTP on the port", func(t *testing.T) string {
			return rawTLSPort(t, func(c net.Conn, done <-chan struct{}) {
				_, _ = c.Read(make([]byte, 4096))
				_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			})
		}, "security: tls"},
		{"garbage ServerHello", func(t *testing.T) string {
			return rawTLSPort(t, func(c net.Conn, done <-chan struct{}) {
				_, _ = c.Read(make([]byte, 4096))
				_, _ = c.Write([]byte{22, 3, 3, 0, 8, 2, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef})
			})
		}, "security: tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr(t)
			src := TLS(addr, TLSOptions{Timeout: 300 * time.Millisecond, ServerName: "localhost"})
			rep, err := (&check.Runner{Timeout: 10 * time.Second}).Run(t.Context(), TLSChecks(src, TLSChecksOptions{})...)
			require.NoError(t, err)
			require.Len(t, rep.Outcomes, 14)
			for _, o := range rep.Outcomes {
				assert.Contains(t, []check.Status{check.StatusError, check.StatusFail}, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				assert.Contains(t, o.Result.Message, tc.want, o.Meta.ID)
				assert.False(t, o.Abandoned)
			}
		})
	}
}

func TestTLSBadEndpoint(t *testing.T) {
	for _, ep := range []string{"", "no-port", "[::1", "host:"} {
		rep, err := (&check.Runner{}).Run(t.Context(), TLSChecks(TLS(ep, TLSOptions{Timeout: 100 * time.Millisecond}), TLSChecksOptions{})[0])
		if err != nil {
			continue // an invalid Meta target is the Runner's to refuse
		}
		assert.Equal(t, check.StatusError, rep.Outcomes[0].Result.Status, ep)
	}
}
