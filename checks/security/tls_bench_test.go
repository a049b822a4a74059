package security

import (
	"crypto/tls"
	"testing"

	"github.com/prodcheck/prodcheck/internal/testenv"
)

// BenchmarkTLSAudit measures one full audit (protocols, suite enumeration
// with server order, TLS 1.3, certificate) against a loopback crypto/tls
// server with TLS 1.0-1.3 and 9 suites.
func BenchmarkTLSAudit(b *testing.B) {
	leaf := testenv.NewCA(b).Leaf(b, testenv.LeafOptions{RSABits: 2048})
	addr, _ := tlsServer(b, &tls.Config{
		Certificates: []tls.Certificate{leaf.Certificate}, MinVersion: tls.VersionTLS10,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
		},
	})
	src := TLS(addr, TLSOptions{RootCAs: leaf.Pool(), ServerName: "localhost"})
	b.ReportAllocs()
	handshakes := 0
	for b.Loop() {
		a, err := src.Audit(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Suites) != 9 {
			b.Fatalf("found %d suites", len(a.Suites))
		}
		handshakes = a.Handshakes
	}
	b.ReportMetric(float64(handshakes), "handshakes/audit")
}
