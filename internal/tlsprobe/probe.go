package tlsprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"syscall"
	"time"
)

// Probe sends hello on conn and reads the ServerHello (or alert) that answers
// it, bounded by ctx: the deadline of ctx becomes conn's deadline, and
// cancelling ctx unblocks the read. It never completes the handshake; the
// caller closes conn.
//
// A server that negotiates a version or suite it was not offered is an error
// (ErrMalformed): the prober does not trust such an answer.
func Probe(ctx context.Context, conn net.Conn, hello Hello) (ServerHello, error) {
	msg, err := AppendClientHello(nil, hello)
	if err != nil {
		return ServerHello{}, err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(msg); err != nil {
		if isReset(err) || errors.Is(err, syscall.EPIPE) {
			return ServerHello{Refused: true}, nil
		}
		return ServerHello{}, ctxErr(ctx, fmt.Errorf("tlsprobe: sending ClientHello: %w", err))
	}
	sh, err := ReadServerHello(conn)
	if err != nil {
		return sh, ctxErr(ctx, err)
	}
	if sh.Refused {
		return sh, nil
	}
	if sh.Version > hello.Version || sh.Version < 0x0300 {
		return sh, fmt.Errorf("%w: server chose %s, offered at most %s", ErrMalformed, VersionName(sh.Version), VersionName(hello.Version))
	}
	if !slices.Contains(hello.Suites, sh.Suite) {
		name, _ := LookupSuite(sh.Suite)
		return sh, fmt.Errorf("%w: server chose suite %s, which was not offered", ErrMalformed, name.Name)
	}
	return sh, nil
}

// ctxErr prefers the context's cause to the deadline error it provoked.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return err
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED)
}
