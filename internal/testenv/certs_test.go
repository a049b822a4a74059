package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLeaf(t *testing.T) {
	ca := NewCA(t)
	past := time.Now().Add(-48 * time.Hour)
	cases := []struct {
		name     string
		opts     LeafOptions
		host     string
		verifies bool
		check    func(t *testing.T, c *x509.Certificate)
	}{
		{name: "default verifies for localhost", host: "localhost", verifies: true, check: func(t *testing.T, c *x509.Certificate) {
			key, ok := c.PublicKey.(*ecdsa.PublicKey)
			require.True(t, ok)
			assert.Equal(t, elliptic.P256(), key.Curve)
			assert.Equal(t, x509.ECDSAWithSHA256, c.SignatureAlgorithm)
		}},
		{name: "default verifies for 127.0.0.1", host: "127.0.0.1", verifies: true},
		{name: "wrong host", opts: LeafOptions{DNSNames: []string{"other.example"}}, host: "localhost"},
		{name: "expired", opts: LeafOptions{NotBefore: past.Add(-time.Hour), NotAfter: past}, host: "localhost"},
		{name: "self-signed", opts: LeafOptions{SelfSigned: true}, host: "localhost"},
		{name: "RSA 1024", opts: LeafOptions{RSABits: 1024}, host: "localhost", verifies: true, check: func(t *testing.T, c *x509.Certificate) {
			key, ok := c.PublicKey.(*rsa.PublicKey)
			require.True(t, ok)
			assert.Equal(t, 1024, key.N.BitLen())
		}},
		{name: "SHA-1", opts: LeafOptions{SHA1: true}, host: "localhost", check: func(t *testing.T, c *x509.Certificate) {
			assert.Equal(t, x509.ECDSAWithSHA1, c.SignatureAlgorithm)
		}},
		{name: "P-224", opts: LeafOptions{Curve: elliptic.P224()}, host: "localhost", verifies: true, check: func(t *testing.T, c *x509.Certificate) {
			assert.Equal(t, elliptic.P224(), c.PublicKey.(*ecdsa.PublicKey).Curve)
		}},
		{name: "long lifetime", opts: LeafOptions{NotAfter: time.Now().Add(800 * 24 * time.Hour)}, host: "localhost", verifies: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaf := ca.Leaf(t, tc.opts)
			_, err := leaf.X509.Verify(x509.VerifyOptions{DNSName: tc.host, Roots: ca.Pool()})
			if tc.verifies {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			if tc.check != nil {
				tc.check(t, leaf.X509)
			}
			// The files hold the same certificate and a key that matches it.
			pair, err := tls.LoadX509KeyPair(leaf.CertFile, leaf.KeyFile)
			require.NoError(t, err)
			assert.Equal(t, leaf.X509.Raw, pair.Certificate[0])
			assert.Equal(t, leaf.Certificate.Certificate, pair.Certificate, "the PEM chain and the tls.Certificate agree")
			raw, err := os.ReadFile(leaf.CertFile)
			require.NoError(t, err)
			blocks := 0
			for b, rest := pem.Decode(raw); b != nil; b, rest = pem.Decode(rest) {
				blocks++
			}
			if tc.opts.SelfSigned {
				assert.Equal(t, 1, blocks)
				_, err := leaf.X509.Verify(x509.VerifyOptions{DNSName: tc.host, Roots: leaf.Pool()})
				assert.NoError(t, err, "a self-signed leaf verifies against its own pool")
			} else {
				assert.Equal(t, 2, blocks, "leaf then CA")
			}
		})
	}
}

// TestLeafServes proves the leaf and pool work end to end with crypto/tls.
func TestLeafServes(t *testing.T) {
	ca := NewCA(t)
	leaf := ca.Leaf(t, LeafOptions{RSABits: 2048})
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{leaf.Certificate}})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{RootCAs: ca.Pool()}}
	c, err := d.DialContext(t.Context(), "tcp", l.Addr().String())
	require.NoError(t, err)
	state := c.(*tls.Conn).ConnectionState()
	assert.Equal(t, leaf.X509.Raw, state.PeerCertificates[0].Raw)
	require.NoError(t, c.Close())
	require.NoError(t, l.Close())
	<-done
}
