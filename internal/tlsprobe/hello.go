package tlsprobe

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// Protocol versions as they appear on the wire.
const (
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// VersionName returns "TLS 1.2" for 0x0303, "SSL 3.0" for 0x0300 and
// "0xABCD" for anything else.
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	const hex = "0123456789abcdef"
	return string([]byte{'0', 'x', hex[v>>12], hex[v>>8&15], hex[v>>4&15], hex[v&15]})
}

// DefaultGroups are the supported_groups offered when Hello.Groups is nil:
// x25519, secp256r1, secp384r1, secp521r1, x448. FFDHE groups are left out
// on purpose: an RFC 7919 server would then refuse DHE suites it otherwise
// accepts.
var DefaultGroups = []uint16{29, 23, 24, 25, 30}

// DefaultSignatureAlgorithms are offered (TLS 1.2 only) when
// Hello.SignatureAlgorithms is nil, SHA-1 included so that old servers answer.
var DefaultSignatureAlgorithms = []uint16{
	0x0403, 0x0503, 0x0603, // ecdsa_secp{256,384,521}_sha{256,384,512}
	0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha{256,384,512}
	0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha{256,384,512}
	0x0807, 0x0808, // ed25519, ed448
	0x0402, 0x0201, 0x0203, 0x0202, // dsa_sha256, rsa_pkcs1_sha1, ecdsa_sha1, dsa_sha1
}

// Hello is a ClientHello to send.
type Hello struct {
	Version             uint16   // client_version: VersionTLS10, VersionTLS11 or VersionTLS12
	Suites              []uint16 // any IANA code points, in preference order
	ServerName          string   // SNI host name; empty or an IP address: no SNI
	Groups              []uint16 // nil: DefaultGroups
	SignatureAlgorithms []uint16 // nil: DefaultSignatureAlgorithms (sent with TLS 1.2 only)
	Random              []byte   // 32 bytes; nil: crypto/rand
}

const (
	maxSuites     = 1 << 14 // 2 bytes each in a 2-byte length
	maxServerName = 255
)

// AppendClientHello appends hello as a complete TLS record (header included)
// to b. It never completes a handshake: no key shares, no session.
func AppendClientHello(b []byte, h Hello) ([]byte, error) {
	if h.Version < VersionTLS10 || h.Version > VersionTLS12 {
		return b, fmt.Errorf("tlsprobe: cannot write a ClientHello for %s (TLS 1.0-1.2 only)", VersionName(h.Version))
	}
	if len(h.Suites) == 0 || len(h.Suites) > maxSuites {
		return b, fmt.Errorf("tlsprobe: %d cipher suites (want 1 to %d)", len(h.Suites), maxSuites)
	}
	if len(h.ServerName) > maxServerName {
		return b, errors.New("tlsprobe: server name longer than 255 bytes")
	}
	random := h.Random
	if random == nil {
		random = make([]byte, 32)
		_, _ = rand.Read(random)
	}
	if len(random) != 32 {
		return b, errors.New("tlsprobe: random must be 32 bytes")
	}
	groups := h.Groups
	if groups == nil {
		groups = DefaultGroups
	}
	sigAlgs := h.SignatureAlgorithms
	if sigAlgs == nil {
		sigAlgs = DefaultSignatureAlgorithms
	}

	var ext []byte
	if name := h.ServerName; name != "" && !isIP(name) {
		ext = u16(ext, 0) // server_name
		ext = u16(ext, uint16(len(name)+5))
		ext = u16(ext, uint16(len(name)+3))
		ext = append(ext, 0) // host_name
		ext = u16(ext, uint16(len(name)))
		ext = append(ext, name...)
	}
	if len(groups) > 0 {
		ext = u16(ext, 10) // supported_groups
		ext = u16(ext, uint16(2*len(groups)+2))
		ext = u16(ext, uint16(2*len(groups)))
		for _, g := range groups {
			ext = u16(ext, g)
		}
		ext = append(ext, 0, 11, 0, 2, 1, 0) // ec_point_formats: uncompressed
	}
	if h.Version >= VersionTLS12 && len(sigAlgs) > 0 {
		ext = u16(ext, 13) // signature_algorithms
		ext = u16(ext, uint16(2*len(sigAlgs)+2))
		ext = u16(ext, uint16(2*len(sigAlgs)))
		for _, a := range sigAlgs {
			ext = u16(ext, a)
		}
	}
	ext = append(ext, 0, 23, 0, 0)         // extended_master_secret
	ext = append(ext, 0xff, 0x01, 0, 1, 0) // renegotiation_info, initial

	bodyLen := 2 + 32 + 1 + 2 + 2*len(h.Suites) + 2 + 2 + len(ext)
	// The padding extension (RFC 7685), as OpenSSL sends it: some middleboxes
	// hang on hellos of 256 to 511 bytes.
	if n := bodyLen + 4; n >= 256 && n < 512 {
		pad := 512 - n - 4
		if pad < 1 {
			pad = 1
		}
		ext = u16(ext, 21)
		ext = u16(ext, uint16(pad))
		ext = append(ext, make([]byte, pad)...)
		bodyLen = 2 + 32 + 1 + 2 + 2*len(h.Suites) + 2 + 2 + len(ext)
	}
	if bodyLen+4 > 1<<14 {
		return b, fmt.Errorf("tlsprobe: ClientHello of %d bytes does not fit one record", bodyLen+4)
	}

	b = append(b, 22) // handshake record
	b = u16(b, VersionTLS10)
	b = u16(b, uint16(bodyLen+4))
	b = append(b, 1, byte(bodyLen>>16), byte(bodyLen>>8), byte(bodyLen)) // client_hello
	b = u16(b, h.Version)
	b = append(b, random...)
	b = append(b, 0) // no session id
	b = u16(b, uint16(2*len(h.Suites)))
	for _, s := range h.Suites {
		b = u16(b, s)
	}
	b = append(b, 1, 0) // compression: null only
	b = u16(b, uint16(len(ext)))
	b = append(b, ext...)
	return b, nil
}

func u16(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }

func isIP(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			return true // IPv6
		}
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
