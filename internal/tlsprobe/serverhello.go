package tlsprobe

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
)

// Limits of the reader: a hostile server gets at most this much attention.
const (
	maxRecordLen    = 1<<14 + 2048 // TLSCiphertext limit of RFC 5246
	maxHandshakeLen = 1 << 16      // a ServerHello is far smaller
	maxRecords      = 32           // records read before giving up (empty records included)
)

// Alert descriptions the prober interprets.
const (
	AlertHandshakeFailure     uint8 = 40
	AlertProtocolVersion      uint8 = 70
	AlertInsufficientSecurity uint8 = 71
	AlertIllegalParameter     uint8 = 47
)

// ServerHello is what the server answered to one ClientHello.
type ServerHello struct {
	// Refused is true when the server declined the offer: a handshake_failure,
	// insufficient_security or protocol_version alert, or a connection closed
	// before the server sent anything.
	Refused bool
	Alert   uint8 // the alert description when the server sent one (Refused or not)

	Version uint16 // negotiated version (when not Refused)
	Suite   uint16 // chosen cipher suite (when not Refused)
	// SecureRenegotiation is true when the server answered the
	// renegotiation_info extension (RFC 5746).
	SecureRenegotiation bool
	Extensions          []uint16 // extension types in the ServerHello, in order
}

// ErrNotTLS reports an answer that is not TLS at all (an HTTP server on the
// port, an SSLv2-only server, garbage).
var ErrNotTLS = errors.New("tlsprobe: not a TLS answer")

// ErrMalformed reports a TLS answer that breaks the protocol.
var ErrMalformed = errors.New("tlsprobe: malformed ServerHello")

// ReadServerHello reads records from r until it has the server's first
// handshake message (which must be a ServerHello) or an alert, and reads
// nothing more. It is safe on hostile input: lengths are bounded, and a short
// read is an error, never a hang beyond r's own deadline.
func ReadServerHello(r io.Reader) (ServerHello, error) {
	var (
		hdr   [5]byte
		hs    []byte // handshake bytes gathered so far
		first = true
	)
	for range maxRecords {
		if n, err := io.ReadFull(r, hdr[:]); err != nil {
			if first && n == 0 && (errors.Is(err, io.EOF) || isReset(err)) {
				return ServerHello{Refused: true}, nil
			}
			if first && n > 0 && !looksTLS(hdr[:n]) {
				return ServerHello{}, notTLS(hdr[:n], err)
			}
			return ServerHello{}, fmt.Errorf("tlsprobe: reading record header: %w", err)
		}
		typ, major, length := hdr[0], hdr[1], int(hdr[3])<<8|int(hdr[4])
		if (typ != 21 && typ != 22) || major != 3 {
			if first {
				return ServerHello{}, notTLS(hdr[:], nil)
			}
			return ServerHello{}, fmt.Errorf("%w: record type %d version %d.%d", ErrMalformed, typ, hdr[1], hdr[2])
		}
		first = false
		if length > maxRecordLen {
			return ServerHello{}, fmt.Errorf("%w: record of %d bytes (limit %d)", ErrMalformed, length, maxRecordLen)
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return ServerHello{}, fmt.Errorf("tlsprobe: reading %d-byte record: %w", length, err)
		}
		if typ == 21 {
			if len(hs) > 0 {
				return ServerHello{}, fmt.Errorf("%w: alert inside a fragmented handshake message", ErrMalformed)
			}
			if length != 2 {
				return ServerHello{}, fmt.Errorf("%w: alert record of %d bytes", ErrMalformed, length)
			}
			desc := body[1]
			switch desc {
			case AlertHandshakeFailure, AlertProtocolVersion, AlertInsufficientSecurity:
				return ServerHello{Refused: true, Alert: desc}, nil
			}
			return ServerHello{Alert: desc}, &AlertError{Description: desc}
		}
		hs = append(hs, body...)
		if len(hs) < 4 {
			continue
		}
		if hs[0] != 2 {
			return ServerHello{}, fmt.Errorf("%w: first handshake message has type %d, not server_hello", ErrMalformed, hs[0])
		}
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if n > maxHandshakeLen {
			return ServerHello{}, fmt.Errorf("%w: ServerHello of %d bytes (limit %d)", ErrMalformed, n, maxHandshakeLen)
		}
		if len(hs) >= 4+n {
			return ParseServerHello(hs[4 : 4+n])
		}
		if len(hs) > maxHandshakeLen+4 {
			return ServerHello{}, fmt.Errorf("%w: handshake data over %d bytes", ErrMalformed, maxHandshakeLen)
		}
	}
	return ServerHello{}, fmt.Errorf("%w: no ServerHello in %d records", ErrMalformed, maxRecords)
}

// ParseServerHello parses the body of a ServerHello handshake message (after
// its 4-byte header).
func ParseServerHello(b []byte) (ServerHello, error) {
	s := cursor(b)
	var sh ServerHello
	var ok bool
	if sh.Version, ok = s.u16(); !ok {
		return ServerHello{}, fmt.Errorf("%w: truncated version", ErrMalformed)
	}
	if _, ok = s.bytes(32); !ok {
		return ServerHello{}, fmt.Errorf("%w: truncated random", ErrMalformed)
	}
	sidLen, ok := s.u8()
	if !ok || sidLen > 32 {
		return ServerHello{}, fmt.Errorf("%w: bad session id", ErrMalformed)
	}
	if _, ok = s.bytes(int(sidLen)); !ok {
		return ServerHello{}, fmt.Errorf("%w: truncated session id", ErrMalformed)
	}
	if sh.Suite, ok = s.u16(); !ok {
		return ServerHello{}, fmt.Errorf("%w: truncated cipher suite", ErrMalformed)
	}
	comp, ok := s.u8()
	if !ok {
		return ServerHello{}, fmt.Errorf("%w: truncated compression method", ErrMalformed)
	}
	if comp != 0 {
		return ServerHello{}, fmt.Errorf("%w: compression method %d was not offered", ErrMalformed, comp)
	}
	if len(s) == 0 {
		return sh, nil // no extensions
	}
	extLen, ok := s.u16()
	if !ok || int(extLen) != len(s) {
		return ServerHello{}, fmt.Errorf("%w: extensions length %d, %d bytes left", ErrMalformed, extLen, len(s))
	}
	for len(s) > 0 {
		typ, ok1 := s.u16()
		n, ok2 := s.u16()
		data, ok3 := s.bytes(int(n))
		if !ok1 || !ok2 || !ok3 {
			return ServerHello{}, fmt.Errorf("%w: truncated extension", ErrMalformed)
		}
		for _, seen := range sh.Extensions {
			if seen == typ {
				return ServerHello{}, fmt.Errorf("%w: extension %d twice", ErrMalformed, typ)
			}
		}
		sh.Extensions = append(sh.Extensions, typ)
		switch typ {
		case 0xff01:
			sh.SecureRenegotiation = len(data) == 1 && data[0] == 0
		case 43: // supported_versions: the server chose TLS 1.3 (or claims to)
			if len(data) != 2 {
				return ServerHello{}, fmt.Errorf("%w: supported_versions of %d bytes", ErrMalformed, len(data))
			}
			sh.Version = uint16(data[0])<<8 | uint16(data[1])
		}
		if len(sh.Extensions) > 64 {
			return ServerHello{}, fmt.Errorf("%w: more than 64 extensions", ErrMalformed)
		}
	}
	return sh, nil
}

// AlertError is a fatal alert other than the refusals ServerHello.Refused covers.
type AlertError struct{ Description uint8 }

func (e *AlertError) Error() string {
	name := map[uint8]string{
		0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
		47: "illegal_parameter", 48: "unknown_ca", 50: "decode_error", 80: "internal_error",
		86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension",
		110: "unsupported_extension", 112: "unrecognized_name",
	}[e.Description]
	if name == "" {
		name = strconv.Itoa(int(e.Description))
	}
	return "tlsprobe: server sent alert " + name
}

// looksTLS reports whether the first bytes of an answer could start a
// handshake or alert record.
func looksTLS(b []byte) bool {
	return (b[0] == 21 || b[0] == 22) && (len(b) < 2 || b[1] == 3)
}

func notTLS(got []byte, cause error) error {
	if len(got) > 0 && got[0]&0x80 != 0 && len(got) >= 3 && got[2] == 4 {
		return fmt.Errorf("%w: SSLv2 ServerHello", ErrNotTLS)
	}
	return fmt.Errorf("%w: server answered %s", ErrNotTLS, quote(got))
}

// quote renders up to 5 answered bytes readably: printable text as "HTTP/", else hex.
func quote(b []byte) string {
	printable := len(b) > 0
	for _, c := range b {
		if c >= 0x80 || !unicode.IsPrint(rune(c)) {
			printable = false
		}
	}
	if printable {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("% x", b)
}

type cursor []byte

func (c *cursor) u8() (uint8, bool) {
	if len(*c) < 1 {
		return 0, false
	}
	v := (*c)[0]
	*c = (*c)[1:]
	return v, true
}

func (c *cursor) u16() (uint16, bool) {
	if len(*c) < 2 {
		return 0, false
	}
	v := uint16((*c)[0])<<8 | uint16((*c)[1])
	*c = (*c)[2:]
	return v, true
}

func (c *cursor) bytes(n int) ([]byte, bool) {
	if n < 0 || len(*c) < n {
		return nil, false
	}
	v := (*c)[:n]
	*c = (*c)[n:]
	return v, true
}
