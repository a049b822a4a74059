package testenv

import (
	"net"
	"sync"
	"testing"
)

// TCPServer listens on a loopback port and runs handle for every
// connection it accepts, each in a goroutine of its own; a nil handle
// holds connections open and silent. handle owns its connection while it
// runs. When the test ends done is closed, the listener and every
// connection are closed, and the handlers are waited for. It returns the
// address and the count of connections accepted so far.
func TCPServer(t testing.TB, handle func(c net.Conn, done <-chan struct{})) (addr string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: listen: %v", err)
	}
	done := make(chan struct{})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if handle != nil {
				wg.Go(func() { handle(c, done) })
			}
		}
	})
	t.Cleanup(func() {
		close(done)
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
}
