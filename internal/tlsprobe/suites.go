package tlsprobe

import (
	"strings"
	"sync"
)

// Suite describes a TLS 1.0-1.2 cipher suite by its IANA code point and name,
// with the properties a grader needs, derived from the name.
type Suite struct {
	ID   uint16
	Name string // IANA name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"

	Kex       string // key exchange: RSA, DH, DHE, ECDH, ECDHE
	Auth      string // RSA, DSS, ECDSA, anon
	Cipher    string // AES_128_GCM, 3DES_EDE_CBC, RC4_128, NULL, ...
	Bits      int    // effective symmetric strength (3DES counts 112, EXPORT 40, NULL 0)
	FS        bool   // forward secret: ephemeral DH/ECDH
	AEAD      bool   // GCM, CCM or ChaCha20-Poly1305
	Export    bool
	Null      bool // no encryption
	Anon      bool // no authentication
	RC4       bool
	TripleDES bool
	DES       bool // single DES or DES40
}

// Insecure reports whether the suite is one testssl and SSL Labs treat as broken:
// NULL, anonymous, EXPORT, RC4, DES, 3DES or under 112 bits.
func (s Suite) Insecure() bool {
	return s.Null || s.Anon || s.Export || s.RC4 || s.DES || s.TripleDES || s.Bits < 112
}

// suiteNames lists the TLS 1.0-1.2 suites the prober offers (no PSK, SRP, GOST
// or Kerberos: they need credentials the prober does not have).
var suiteNames = []struct {
	id   uint16
	name string
}{
	{0x0001, "TLS_RSA_WITH_NULL_MD5"}, {0x0002, "TLS_RSA_WITH_NULL_SHA"},
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"}, {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"}, {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"}, {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA"}, {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"}, {0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA"},
	{0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"}, {0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA"}, {0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"}, {0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
	{0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"}, {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"}, {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"}, {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
	{0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"}, {0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA"},
	{0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"}, {0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"},
	{0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"}, {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"}, {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"}, {0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"},
	{0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"}, {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"}, {0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
	{0x003B, "TLS_RSA_WITH_NULL_SHA256"}, {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"}, {0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
	{0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"}, {0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"}, {0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"}, {0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"},
	{0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"}, {0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
	{0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"}, {0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
	{0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
	{0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"}, {0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"}, {0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
	{0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
	{0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"}, {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}, {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"}, {0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
	{0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"}, {0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
	{0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"}, {0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"}, {0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"}, {0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
	{0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"}, {0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"}, {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
	{0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"}, {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"}, {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"}, {0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
	{0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"}, {0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
	{0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"}, {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
	{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"}, {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}, {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"}, {0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
	{0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"}, {0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	{0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
	{0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}, {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"}, {0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"}, {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"}, {0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
	{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"}, {0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"}, {0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"},
	{0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"}, {0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"}, {0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"}, {0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"}, {0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"}, {0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"}, {0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xC09C, "TLS_RSA_WITH_AES_128_CCM"}, {0xC09D, "TLS_RSA_WITH_AES_256_CCM"},
	{0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM"}, {0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"},
	{0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"}, {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
	{0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"}, {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
	{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}, {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
}

var (
	suitesOnce sync.Once
	suiteList  []Suite
	suiteByID  map[uint16]Suite
)

func loadSuites() {
	suiteByID = make(map[uint16]Suite, len(suiteNames))
	for _, n := range suiteNames {
		s := parseSuite(n.id, n.name)
		suiteList = append(suiteList, s)
		suiteByID[s.ID] = s
	}
}

// parseSuite derives a suite's properties from its IANA name.
func parseSuite(id uint16, name string) Suite {
	s := Suite{ID: id, Name: name}
	left, right, _ := strings.Cut(strings.TrimPrefix(name, "TLS_"), "_WITH_")
	parts := strings.Split(left, "_")
	s.Kex = parts[0]
	if len(parts) > 1 {
		s.Auth = parts[1]
	}
	if s.Kex == "RSA" {
		s.Auth = "RSA"
	}
	s.Export = strings.Contains(left, "EXPORT")
	if s.Auth == "EXPORT" || strings.HasPrefix(s.Auth, "EXPORT") {
		s.Auth = s.Kex
	}
	s.Anon = s.Auth == "anon"
	s.FS = (s.Kex == "DHE" || s.Kex == "ECDHE") && !s.Anon
	cipher := right
	for _, mac := range []string{"_SHA384", "_SHA256", "_SHA", "_MD5"} {
		if strings.HasSuffix(cipher, mac) {
			cipher = strings.TrimSuffix(cipher, mac)
			break
		}
	}
	s.Cipher = cipher
	s.AEAD = strings.Contains(cipher, "GCM") || strings.Contains(cipher, "CCM") || strings.Contains(cipher, "POLY1305")
	s.Null = cipher == "NULL"
	s.RC4 = strings.HasPrefix(cipher, "RC4")
	s.TripleDES = strings.HasPrefix(cipher, "3DES")
	s.DES = strings.HasPrefix(cipher, "DES")
	switch {
	case s.Null:
		s.Bits = 0
	case strings.Contains(cipher, "40"):
		s.Bits = 40
	case strings.Contains(cipher, "_56"), cipher == "DES_CBC":
		s.Bits = 56
	case s.TripleDES:
		s.Bits = 112
	case strings.Contains(cipher, "256"), strings.HasPrefix(cipher, "CHACHA20"):
		s.Bits = 256
	default:
		s.Bits = 128 // AES_128, CAMELLIA_128, ARIA_128, SEED, IDEA, RC4_128
	}
	return s
}

// Suites returns every TLS 1.0-1.2 suite the prober knows, in offer order
// (a fresh copy the caller may modify).
func Suites() []Suite {
	suitesOnce.Do(loadSuites)
	return append([]Suite(nil), suiteList...)
}

// SuiteIDs returns the code points of [Suites], in the same order.
func SuiteIDs() []uint16 {
	suitesOnce.Do(loadSuites)
	ids := make([]uint16, len(suiteList))
	for i, s := range suiteList {
		ids[i] = s.ID
	}
	return ids
}

// LookupSuite returns the suite with the code point id. Unknown code points
// get a Suite named "0xABCD" with ok false.
func LookupSuite(id uint16) (s Suite, ok bool) {
	suitesOnce.Do(loadSuites)
	if s, ok := suiteByID[id]; ok {
		return s, true
	}
	const hex = "0123456789ABCDEF"
	name := []byte{'0', 'x', hex[id>>12], hex[id>>8&15], hex[id>>4&15], hex[id&15]}
	return Suite{ID: id, Name: string(name)}, false
}
