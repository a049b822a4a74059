package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsServer serves crypto/tls handshakes on loopback until the test ends and
// counts the connections it accepted.
func tlsServer(t testing.TB, cfg *tls.Config) (addr string, conns func() int) {
	t.Helper()
	return testenv.TCPServer(t, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_ = tls.Server(c, cfg).Handshake()
	})
}

var modernSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
}

// runTLS runs every TLS check against addr in one run and returns outcomes by ID.
func runTLS(t *testing.T, addr string, opts TLSOptions, copts TLSChecksOptions) (map[string]check.Outcome, *TLSEndpoint) {
	t.Helper()
	src := TLS(addr, opts)
	checks := TLSChecks(src, copts)
	rep, err := (&check.Runner{Timeout: 20 * time.Second}).Run(t.Context(), checks...)
	require.NoError(t, err)
	out := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o
		assert.Equal(t, addr, o.Meta.Target)
		for _, f := range o.Result.Findings {
			assert.Equal(t, addr, f.Location.URL, "%s: every finding is located", o.Meta.ID)
			assert.NotEmpty(t, f.Location.Resource, o.Meta.ID)
		}
	}
	return out, src
}

func TestTLSChecksAgainstGoServers(t *testing.T) {
	ca := testenv.NewCA(t)
	now := time.Now()
	type want map[string]check.Status
	for _, tc := range []struct {
		name    string
		leaf    testenv.LeafOptions
		cfg     *tls.Config
		sni     string
		want    want
		grade   string
		message map[string]string
	}{
		{
			name: "hardened", cfg: &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: modernSuites},
			want: want{"protocols.legacy": check.StatusPass, "protocols.tls12": check.StatusPass, "protocols.tls13": check.StatusPass,
				"ciphers.forward-secrecy": check.StatusPass, "ciphers.aead": check.StatusPass, "ciphers.weak": check.StatusPass,
				"cert.trusted": check.StatusPass, "cert.hostname": check.StatusPass, "cert.expiry": check.StatusPass,
				"cert.lifetime": check.StatusPass, "cert.key": check.StatusPass, "cert.signature": check.StatusPass,
				"ocsp-stapling": check.StatusWarn, "grade": check.StatusPass},
			grade: "A+",
		},
		{
			name: "TLS 1.0 enabled with CBC suites", leaf: testenv.LeafOptions{RSABits: 2048},
			cfg: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
			want: want{"protocols.legacy": check.StatusFail, "protocols.tls12": check.StatusPass, "protocols.tls13": check.StatusWarn,
				"ciphers.forward-secrecy": check.StatusFail, "ciphers.aead": check.StatusFail, "ciphers.weak": check.StatusFail, "grade": check.StatusFail},
			grade: "C",
			message: map[string]string{"protocols.legacy": "TLS 1.0 and TLS 1.1 offered", "ciphers.weak": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
				"grade": "C: 3DES offered (SWEET32); score 75 (B); TLS 1.0 offered (B); TLS 1.1 offered (B)"},
		},
		{
			name: "TLS 1.0 enabled, strong suites", cfg: &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: append([]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}, modernSuites...)},
			want:  want{"protocols.legacy": check.StatusFail, "ciphers.aead": check.StatusFail, "ciphers.weak": check.StatusPass, "grade": check.StatusWarn},
			grade: "B", message: map[string]string{"grade": "B: TLS 1.0 offered; TLS 1.1 offered"},
		},
		{
			name: "TLS 1.3 only", cfg: &tls.Config{MinVersion: tls.VersionTLS13},
			want: want{"protocols.legacy": check.StatusPass, "protocols.tls12": check.StatusFail, "protocols.tls13": check.StatusPass,
				"ciphers.weak": check.StatusSkip, "cert.trusted": check.StatusPass},
			grade: "A+",
		},
		{
			name: "expired", leaf: testenv.LeafOptions{NotBefore: now.Add(-50 * time.Minute), NotAfter: now.Add(-10 * time.Minute)},
			cfg:   &tls.Config{CipherSuites: modernSuites},
			want:  want{"cert.expiry": check.StatusFail, "cert.trusted": check.StatusPass, "grade": check.StatusFail},
			grade: "T", message: map[string]string{"cert.expiry": "certificate expired 0 days ago", "grade": "T: certificate expired"},
		},
		{
			name: "expires soon", leaf: testenv.LeafOptions{NotBefore: now.AddDate(0, -2, 0), NotAfter: now.AddDate(0, 0, 10)},
			cfg:  &tls.Config{CipherSuites: modernSuites},
			want: want{"cert.expiry": check.StatusWarn}, grade: "A+",
		},
		{
			name: "self-signed", leaf: testenv.LeafOptions{SelfSigned: true}, cfg: &tls.Config{CipherSuites: modernSuites},
			want:  want{"cert.trusted": check.StatusFail, "cert.hostname": check.StatusPass, "grade": check.StatusFail},
			grade: "T", message: map[string]string{"cert.trusted": "self-signed certificate", "grade": "T: self-signed certificate"},
		},
		{
			name: "wrong host", leaf: testenv.LeafOptions{DNSNames: []string{"other.example"}}, cfg: &tls.Config{CipherSuites: modernSuites},
			sni:   "service.example",
			want:  want{"cert.hostname": check.StatusFail, "cert.trusted": check.StatusPass, "grade": check.StatusFail},
			grade: "M", message: map[string]string{"cert.hostname": "certificate does not match service.example"},
		},
		{
			name: "short RSA key", leaf: testenv.LeafOptions{RSABits: 1024}, cfg: &tls.Config{CipherSuites: modernSuites},
			want:  want{"cert.key": check.StatusFail, "grade": check.StatusWarn},
			grade: "B", message: map[string]string{"cert.key": "RSA 1024 bits", "grade": "B: weak RSA key of 1024 bits"},
		},
		{
			name: "long lifetime", leaf: testenv.LeafOptions{NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0)},
			cfg:  &tls.Config{CipherSuites: modernSuites},
			want: want{"cert.lifetime": check.StatusWarn, "cert.expiry": check.StatusPass}, grade: "A+",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf := ca.Leaf(t, tc.leaf)
			cfg := tc.cfg.Clone()
			cfg.Certificates = []tls.Certificate{leaf.Certificate}
			addr, _ := tlsServer(t, cfg)
			opts := TLSOptions{RootCAs: ca.Pool(), ServerName: tc.sni, Timeout: 5 * time.Second}
			if tc.sni == "" {
				opts.ServerName = "localhost"
			}
			out, src := runTLS(t, addr, opts, TLSChecksOptions{})
			for id, st := range tc.want {
				o := out["security.tls."+id]
				assert.Equal(t, st, o.Result.Status, "%s: %s", id, o.Result.Message)
			}
			for id, msg := range tc.message {
				assert.Contains(t, out["security.tls."+id].Result.Message, msg, id)
			}
			a, err := src.Audit(t.Context())
			require.NoError(t, err)
			g, ok := a.Grade(time.Now())
			require.True(t, ok)
			assert.Equal(t, tc.grade, g.Grade, g.String())
			assert.LessOrEqual(t, a.Handshakes, MaxTLSHandshakes)
		})
	}
}

func TestTLSSuiteEnumeration(t *testing.T) {
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{RSABits: 2048})
	suites := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_RC4_128_SHA}
	addr, conns := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{leaf.Certificate}, MaxVersion: tls.VersionTLS12, CipherSuites: suites})
	out, src := runTLS(t, addr, TLSOptions{RootCAs: leaf.Pool(), ServerName: "localhost"}, TLSChecksOptions{})
	inRun := conns()
	a, err := src.Audit(t.Context()) // outside a run: a fresh audit
	require.NoError(t, err)
	var got []uint16
	for _, s := range a.Suites {
		got = append(got, s.ID)
	}
	assert.ElementsMatch(t, suites, got, "exactly the server's TLS 1.2 suites")
	assert.True(t, a.SuitesComplete)
	assert.Equal(t, len(suites)+1+1+4, a.Handshakes, "suites+refusal, preference probe, 1.0, 1.1, 1.3, certificate")
	assert.Equal(t, a.Handshakes, inRun, "one connection per handshake, one audit for the 14 checks of the run")
	weak := out["security.tls.ciphers.weak"]
	assert.Equal(t, check.StatusFail, weak.Result.Status)
	require.Len(t, weak.Result.Findings, 1)
	assert.Equal(t, "cipher TLS_RSA_WITH_RC4_128_SHA", weak.Result.Findings[0].Location.Resource)
	fs := out["security.tls.ciphers.forward-secrecy"]
	assert.Len(t, fs.Result.Findings, 2, fs.Result.Message)
	assert.Contains(t, out["security.tls.grade"].Result.Message, "C: RC4 offered")
}

func TestTLSHandshakeBudget(t *testing.T) {
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{RSABits: 2048})
	addr, conns := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{leaf.Certificate}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
	for _, max := range []int{5, 1000} {
		src := TLS(addr, TLSOptions{RootCAs: leaf.Pool(), ServerName: "localhost", MaxHandshakes: max})
		before := conns()
		a, err := src.Audit(t.Context())
		require.NoError(t, err)
		assert.LessOrEqual(t, a.Handshakes, min(max, MaxTLSHandshakes))
		assert.Equal(t, a.Handshakes, conns()-before)
		if max == 5 {
			assert.False(t, a.SuitesComplete, "budget spent before the refusal")
			assert.ErrorIs(t, a.SuitesErr, errBudget)
		}
	}
}

// fixedAudit is a source that returns a, for judging crafted audits.
func fixedAudit(a *TLSAudit) *TLSEndpoint {
	e := &TLSEndpoint{endpoint: "svc.example:443", host: "svc.example"}
	e.src = check.NewSource(func(context.Context) (*TLSAudit, error) { return a, nil })
	return e
}

func TestTLSSignatureAndMustStaple(t *testing.T) {
	ca := testenv.NewCA(t)
	sha1 := ca.Leaf(t, testenv.LeafOptions{SHA1: true})
	a := &TLSAudit{Cert: &CertInfo{Chain: []*x509.Certificate{sha1.X509, ca.Cert}, ServerName: "localhost", MustStaple: true}}
	out := map[string]check.Result{}
	for _, c := range TLSChecks(fixedAudit(a), TLSChecksOptions{}) {
		out[c.Meta().ID] = c.Run(t.Context())
	}
	sig := out["security.tls.cert.signature"]
	assert.Equal(t, check.StatusFail, sig.Status, sig.Message)
	require.Len(t, sig.Findings, 1, "the root's own signature is not judged")
	assert.Equal(t, "ECDSA-SHA1", sig.Findings[0].Actual)
	assert.Equal(t, check.StatusFail, out["security.tls.ocsp-stapling"].Status, "must-staple without a staple")
	assert.Equal(t, check.StatusError, out["security.tls.grade"].Status, "no protocol answers: cannot grade")
}
