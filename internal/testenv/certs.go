package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a throwaway certificate authority: a self-signed ECDSA P-256 root
// valid from an hour ago for ten years.
type CA struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertPEM  []byte
	CertFile string // the root as PEM, in the test's temporary directory
	pool     *x509.CertPool
}

// NewCA makes a CA for one test.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testenv: CA key: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "prodcheck test CA", Organization: []string{"prodcheck tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("testenv: CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testenv: CA certificate: %v", err)
	}
	ca := &CA{Cert: cert, Key: key, CertPEM: pemBlock("CERTIFICATE", der), pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	ca.CertFile = writeFile(t, t.TempDir(), "ca.pem", ca.CertPEM)
	return ca
}

// Pool returns a fresh pool holding only the CA: pass it as the root CAs of
// a TLS or HTTP client.
func (ca *CA) Pool() *x509.CertPool { return ca.pool.Clone() }

// LeafOptions describes a leaf certificate. The zero value is a server
// certificate for localhost, 127.0.0.1 and ::1 with an ECDSA P-256 key,
// valid from an hour ago for 90 days, signed by the CA with SHA-256.
type LeafOptions struct {
	CommonName string   // default: the first DNS name, else "prodcheck test leaf"
	DNSNames   []string // default (with IPs also empty): localhost
	IPs        []net.IP // default (with DNSNames also empty): 127.0.0.1, ::1
	NotBefore  time.Time
	NotAfter   time.Time
	RSABits    int            // 0: an ECDSA key; else an RSA key of that size (crypto/rsa refuses under 1024)
	Curve      elliptic.Curve // the ECDSA curve when RSABits is 0; nil: P-256
	SHA1       bool           // sign with SHA-1 (SHA1WithRSA or ECDSAWithSHA1: the CA's key is ECDSA)
	SelfSigned bool           // sign with the leaf's own key instead of the CA's
}

// Leaf is a leaf certificate and its key, as PEM files and as a
// tls.Certificate.
type Leaf struct {
	CertFile    string // the leaf then the CA (a chain as nginx's ssl_certificate wants), PEM
	KeyFile     string // the private key, PKCS#8 PEM
	Certificate tls.Certificate
	X509        *x509.Certificate
	CA          *CA // the issuer, also for a self-signed leaf (whose CA pool then does not verify it)
	selfSigned  bool
}

// Pool returns a pool holding the issuing CA (for a self-signed leaf, the
// leaf itself).
func (l Leaf) Pool() *x509.CertPool {
	if l.selfSigned {
		p := x509.NewCertPool()
		p.AddCert(l.X509)
		return p
	}
	return l.CA.Pool()
}

// Leaf issues a leaf certificate and writes it into t.TempDir().
func (ca *CA) Leaf(t testing.TB, opts LeafOptions) Leaf {
	t.Helper()
	var key crypto.Signer
	var err error
	if opts.RSABits > 0 {
		key, err = rsa.GenerateKey(rand.Reader, opts.RSABits)
	} else {
		curve := opts.Curve
		if curve == nil {
			curve = elliptic.P256()
		}
		key, err = ecdsa.GenerateKey(curve, rand.Reader)
	}
	if err != nil {
		t.Fatalf("testenv: leaf key: %v", err)
	}
	dns, ips := opts.DNSNames, opts.IPs
	if len(dns) == 0 && len(ips) == 0 {
		dns, ips = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	cn := opts.CommonName
	if cn == "" {
		cn = "prodcheck test leaf"
		if len(dns) > 0 {
			cn = dns[0]
		}
	}
	now := time.Now()
	notBefore, notAfter := opts.NotBefore, opts.NotAfter
	if notBefore.IsZero() {
		notBefore = now.Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.Add(90 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn},
		DNSNames:              dns,
		IPAddresses:           ips,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment // static-RSA key exchange
	}
	parent, signer := ca.Cert, ca.Key
	if opts.SelfSigned {
		parent, signer = tmpl, key
	}
	if opts.SHA1 {
		if _, ok := signer.(*rsa.PrivateKey); ok {
			tmpl.SignatureAlgorithm = x509.SHA1WithRSA
		} else {
			tmpl.SignatureAlgorithm = x509.ECDSAWithSHA1
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatalf("testenv: leaf certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testenv: leaf certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testenv: leaf key: %v", err)
	}
	chain := pemBlock("CERTIFICATE", der)
	if !opts.SelfSigned {
		chain = append(chain, ca.CertPEM...)
	}
	dir := t.TempDir()
	leaf := Leaf{
		CertFile:   writeFile(t, dir, "cert.pem", chain),
		KeyFile:    writeFile(t, dir, "key.pem", pemBlock("PRIVATE KEY", keyDER)),
		X509:       cert,
		CA:         ca,
		selfSigned: opts.SelfSigned,
	}
	leaf.Certificate = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
	if !opts.SelfSigned {
		leaf.Certificate.Certificate = append(leaf.Certificate.Certificate, ca.Cert.Raw)
	}
	return leaf
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatalf("testenv: serial: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return path
}
