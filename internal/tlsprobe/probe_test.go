package tlsprobe

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goServer serves crypto/tls handshakes on loopback until the test ends.
func goServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	addr, _ := testenv.TCPServer(t, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_ = tls.Server(c, cfg).Handshake()
	})
	return addr
}

func probeAt(t *testing.T, addr string, h Hello) (ServerHello, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	return Probe(t.Context(), conn, h)
}

func TestProbeAgainstCryptoTLS(t *testing.T) {
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{RSABits: 2048})
	addr := goServer(t, &tls.Config{
		Certificates: []tls.Certificate{leaf.Certificate},
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	})
	for _, tc := range []struct {
		name    string
		hello   Hello
		refused bool
		version uint16
		suite   uint16
	}{
		{"TLS 1.2 all suites", Hello{Version: VersionTLS12, Suites: SuiteIDs(), ServerName: "localhost"}, false, VersionTLS12, 0},
		{"TLS 1.0 picks CBC", Hello{Version: VersionTLS10, Suites: []uint16{0xC02F, 0xC013}, ServerName: "localhost"}, false, VersionTLS10, 0xC013},
		{"legacy 3DES alone", Hello{Version: VersionTLS12, Suites: []uint16{0x000A}}, false, VersionTLS12, 0x000A},
		{"RC4 only: refused", Hello{Version: VersionTLS12, Suites: []uint16{0x0005, 0xC011}}, true, 0, 0},
		{"NULL and EXPORT only: refused", Hello{Version: VersionTLS12, Suites: []uint16{0x0001, 0x0003, 0x0014}}, true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := probeAt(t, addr, tc.hello)
			require.NoError(t, err)
			assert.Equal(t, tc.refused, sh.Refused)
			if tc.refused {
				assert.Equal(t, AlertHandshakeFailure, sh.Alert)
				return
			}
			assert.Equal(t, tc.version, sh.Version)
			if tc.suite != 0 {
				assert.Equal(t, tc.suite, sh.Suite)
			}
			assert.True(t, sh.SecureRenegotiation)
		})
	}
}

func TestProbeVersionRefused(t *testing.T) {
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{})
	addr := goServer(t, &tls.Config{Certificates: []tls.Certificate{leaf.Certificate}, MinVersion: tls.VersionTLS12})
	sh, err := probeAt(t, addr, Hello{Version: VersionTLS10, Suites: SuiteIDs()})
	require.NoError(t, err)
	assert.True(t, sh.Refused)
	assert.Equal(t, AlertProtocolVersion, sh.Alert)
}

func TestProbeCancelled(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go func() { _, _ = io.Copy(io.Discard, server) }() // reads the hello, never answers
	done := make(chan error, 1)
	cctx, stop := contextWithCancel(t.Context())
	go func() {
		_, err := Probe(cctx, client, Hello{Version: VersionTLS12, Suites: []uint16{0xC02F}})
		done <- err
	}()
	stop()
	err := <-done
	require.Error(t, err)
	assert.ErrorIs(t, err, errCancelledForTest)
}

func TestAppendClientHello(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Hello
		err  string
	}{
		{"TLS 1.3 not writable", Hello{Version: VersionTLS13, Suites: []uint16{1}}, "TLS 1.0-1.2 only"},
		{"no suites", Hello{Version: VersionTLS12}, "0 cipher suites"},
		{"long name", Hello{Version: VersionTLS12, Suites: []uint16{1}, ServerName: string(bytes.Repeat([]byte{'a'}, 300))}, "longer than 255"},
		{"bad random", Hello{Version: VersionTLS12, Suites: []uint16{1}, Random: []byte{1}}, "32 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AppendClientHello(nil, tc.h)
			assert.ErrorContains(t, err, tc.err)
		})
	}
	msg, err := AppendClientHello(nil, Hello{Version: VersionTLS12, Suites: SuiteIDs(), ServerName: "example.com"})
	require.NoError(t, err)
	assert.Equal(t, []byte{22, 3, 1}, msg[:3])
	assert.Equal(t, len(msg)-5, int(msg[3])<<8|int(msg[4]))
	assert.GreaterOrEqual(t, len(msg)-5, 512, "padded past the 256-511 byte range")
	assert.Contains(t, string(msg), "example.com")
}

func TestSuiteProperties(t *testing.T) {
	get := func(id uint16) Suite { s, ok := LookupSuite(id); require.True(t, ok); return s }
	ecdheGCM := get(0xC02F)
	assert.True(t, ecdheGCM.FS && ecdheGCM.AEAD && !ecdheGCM.Insecure())
	assert.Equal(t, 128, ecdheGCM.Bits)
	rsaCBC := get(0x002F)
	assert.False(t, rsaCBC.FS || rsaCBC.AEAD)
	assert.True(t, get(0x0005).RC4)
	assert.True(t, get(0x000A).TripleDES)
	assert.Equal(t, 112, get(0x000A).Bits)
	exp := get(0x0014)
	assert.True(t, exp.Export && exp.Insecure())
	assert.Equal(t, 40, exp.Bits)
	assert.True(t, get(0x0002).Null)
	assert.True(t, get(0x0034).Anon && !get(0x0034).FS)
	assert.Equal(t, 256, get(0xCCA8).Bits)
	assert.True(t, get(0xC0AE).AEAD)
	s, ok := LookupSuite(0x1301)
	assert.False(t, ok)
	assert.Equal(t, "0x1301", s.Name)
	// Every name parsed to a kex and a cipher.
	for _, s := range Suites() {
		assert.NotEmpty(t, s.Kex, s.Name)
		assert.NotEmpty(t, s.Cipher, s.Name)
	}
}

func record(typ byte, body []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func serverHelloBody(version, suite uint16, ext []byte) []byte {
	b := []byte{byte(version >> 8), byte(version)}
	b = append(b, make([]byte, 32)...)
	b = append(b, 0, byte(suite>>8), byte(suite), 0)
	if ext != nil {
		b = append(b, byte(len(ext)>>8), byte(len(ext)))
		b = append(b, ext...)
	}
	return append([]byte{2, 0, byte(len(b) >> 8), byte(len(b))}, b...)
}

func TestReadServerHello(t *testing.T) {
	good := serverHelloBody(0x0303, 0xC02F, []byte{0xff, 0x01, 0, 1, 0})
	frag := append(record(22, good[:3]), record(22, good[3:])...)
	for _, tc := range []struct {
		name    string
		in      []byte
		want    ServerHello
		errIs   error
		errText string
	}{
		{"hello", record(22, good), ServerHello{Version: 0x0303, Suite: 0xC02F, SecureRenegotiation: true, Extensions: []uint16{0xff01}}, nil, ""},
		{"fragmented", frag, ServerHello{Version: 0x0303, Suite: 0xC02F, SecureRenegotiation: true, Extensions: []uint16{0xff01}}, nil, ""},
		{"handshake_failure", record(21, []byte{2, 40}), ServerHello{Refused: true, Alert: 40}, nil, ""},
		{"protocol_version", record(21, []byte{2, 70}), ServerHello{Refused: true, Alert: 70}, nil, ""},
		{"closed at once", nil, ServerHello{Refused: true}, nil, ""},
		{"other alert", record(21, []byte{2, 80}), ServerHello{Alert: 80}, nil, "internal_error"},
		{"plain HTTP", []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), ServerHello{}, ErrNotTLS, `"HTTP/"`},
		{"SSLv2", []byte{0x80, 0x2e, 4, 0, 1}, ServerHello{}, ErrNotTLS, "SSLv2"},
		{"oversize record", []byte{22, 3, 3, 0xff, 0xff}, ServerHello{}, ErrMalformed, "record of 65535 bytes"},
		{"oversize handshake", record(22, []byte{2, 0xff, 0xff, 0xff}), ServerHello{}, ErrMalformed, "limit"},
		{"short record", []byte{22, 3, 3, 0, 50, 2}, ServerHello{}, io.ErrUnexpectedEOF, ""},
		{"short header", []byte{22, 3}, ServerHello{}, io.ErrUnexpectedEOF, "record header"},
		{"short non-TLS", []byte("HT"), ServerHello{}, ErrNotTLS, `"HT"`},
		{"not a server hello", record(22, []byte{11, 0, 0, 0}), ServerHello{}, ErrMalformed, "type 11"},
		{"empty records forever", bytes.Repeat(record(22, nil), 40), ServerHello{}, ErrMalformed, "no ServerHello in 32 records"},
		{"compression", record(22, func() []byte { b := serverHelloBody(0x0303, 0xC02F, nil); b[len(b)-1] = 1; return b }()), ServerHello{}, ErrMalformed, "compression"},
		{"bad ext length", record(22, serverHelloBody(0x0303, 0xC02F, []byte{0, 1, 0, 9})), ServerHello{}, ErrMalformed, "truncated extension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := ReadServerHello(bytes.NewReader(tc.in))
			if tc.errIs == nil && tc.errText == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				if tc.errIs != nil {
					assert.ErrorIs(t, err, tc.errIs)
				}
				assert.Contains(t, err.Error(), tc.errText)
			}
			assert.Equal(t, tc.want, sh)
		})
	}
}

func FuzzServerHello(f *testing.F) {
	f.Add(record(22, serverHelloBody(0x0303, 0xC02F, []byte{0xff, 0x01, 0, 1, 0})))
	f.Add(record(21, []byte{2, 40}))
	f.Add([]byte("HTTP/1.1 200 OK\r\n"))
	f.Add(record(22, serverHelloBody(0x0303, 0x1301, []byte{0, 43, 0, 2, 3, 4})))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &countingReader{r: bytes.NewReader(in)}
		sh, err := ReadServerHello(r)
		if err == nil && !sh.Refused && sh.Version == 0 && len(in) > 0 && in[0] == 22 {
			// a parsed hello always has 2 version bytes; 0 is possible only if sent
			_ = sh
		}
		if r.n > 32*(5+maxRecordLen) {
			t.Fatalf("read %d bytes", r.n)
		}
		_ = errors.Is(err, ErrMalformed)
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
