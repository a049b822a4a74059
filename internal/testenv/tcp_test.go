package testenv

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestTCPServer: each connection reaches its handler, the count follows,
// and a silent server (nil handle) keeps connections open until cleanup.
func TestTCPServer(t *testing.T) {
	addr, accepted := TCPServer(t, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		_, _ = c.Write([]byte("hi"))
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hi" {
		t.Fatalf("read %q, %v", got, err)
	}
	if n := accepted(); n != 1 {
		t.Fatalf("accepted %d connections, want 1", n)
	}

	silent, _ := TCPServer(t, nil)
	s, err := net.Dial("tcp", silent)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := s.Read(make([]byte, 1)); err == nil {
		t.Fatal("a silent server answered")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("want a read timeout from a silent server, got %v", err)
	}
}
