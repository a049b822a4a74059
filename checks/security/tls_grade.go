package security

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/internal/tlsprobe"
)

// TLSGrade is an SSL Labs / testssl.sh style rating of an audit.
type TLSGrade struct {
	Grade    string   // "A+", "A", "A-", "B", "C", "D", "E", "F", "T" (trust) or "M" (name mismatch)
	Score    int      // 0.3 protocol + 0.3 key exchange + 0.4 cipher strength, before caps
	Reasons  []string // why the grade is below A+, worst first: "TLS 1.0 offered"
	Partial  bool     // the suite list was incomplete
	Protocol int
	KeyExch  int
	Cipher   int
}

// String renders "B: TLS 1.0 offered; TLS 1.1 offered".
func (g TLSGrade) String() string {
	if len(g.Reasons) == 0 {
		return fmt.Sprintf("%s: score %d, no caps", g.Grade, g.Score)
	}
	return g.Grade + ": " + strings.Join(g.Reasons, "; ")
}

// gradeRank orders grades from best to worst. As in testssl.sh, the trust
// grades T and M outrank F: an untrusted certificate is reported as such.
var gradeRank = map[string]int{"A+": 0, "A": 1, "A-": 2, "B": 3, "C": 4, "D": 5, "E": 6, "F": 7, "M": 8, "T": 9}

type gradeCap struct {
	grade  string
	reason string
}

// Grade rates the audit at time now (SSL Server Rating Guide 2009r as testssl.sh
// implements it). ok is false when the audit lacks what a rating needs: the
// certificate, or a definite answer for each protocol version.
func (a *TLSAudit) Grade(now time.Time) (g TLSGrade, ok bool) {
	if a.Cert == nil || len(a.Cert.Chain) == 0 {
		return g, false
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		if a.Version(v).State == ProbeUnknown {
			return g, false
		}
	}
	accepted := func(v uint16) bool { return a.Version(v).State == ProbeAccepted }

	// Protocol: (best + worst) / 2.
	protoScore := map[uint16]int{tls.VersionTLS10: 90, tls.VersionTLS11: 95, tls.VersionTLS12: 100, tls.VersionTLS13: 100}
	best, worst := -1, -1
	for _, v := range a.Versions {
		if v.State == ProbeAccepted {
			s := protoScore[v.Version]
			if best < 0 || s > best {
				best = s
			}
			if worst < 0 || s < worst {
				worst = s
			}
		}
	}
	if best >= 0 {
		g.Protocol = (best + worst) / 2
	}

	// Key exchange: the certificate's key.
	leaf := a.Cert.Chain[0]
	kind, bits := keyBits(leaf)
	g.KeyExch = keyExchScore(kind, bits)

	// Cipher strength: (strongest + weakest) / 2 over every suite accepted.
	suites := a.acceptedSuites()
	if len(suites) > 0 {
		hi, lo := suites[0].Bits, suites[0].Bits
		for _, s := range suites {
			hi, lo = max(hi, s.Bits), min(lo, s.Bits)
		}
		g.Cipher = (cipherScore(hi) + cipherScore(lo)) / 2
	}
	if g.Protocol > 0 && g.KeyExch > 0 && g.Cipher > 0 {
		g.Score = (30*g.Protocol + 30*g.KeyExch + 40*g.Cipher) / 100
	}
	switch {
	case g.Score >= 80:
		g.Grade = "A"
	case g.Score >= 65:
		g.Grade = "B"
	case g.Score >= 50:
		g.Grade = "C"
	case g.Score >= 35:
		g.Grade = "D"
	case g.Score >= 20:
		g.Grade = "E"
	default:
		g.Grade = "F"
	}
	var caps []gradeCap
	if g.Grade != "A" {
		caps = append(caps, gradeCap{g.Grade, fmt.Sprintf("score %d", g.Score)})
	}
	add := func(grade, reason string) { caps = append(caps, gradeCap{grade, reason}) }

	// Trust.
	if a.Cert.SelfSigned {
		add("T", "self-signed certificate")
	} else if a.Cert.VerifyErr != nil {
		add("T", "certificate chain not trusted")
	}
	if now.After(leaf.NotAfter) {
		add("T", "certificate expired")
	} else if now.Before(leaf.NotBefore) {
		add("T", "certificate not yet valid")
	}
	for _, c := range a.Cert.Chain {
		if isRoot(c) {
			continue
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
			add("T", "SHA-1 signature in the chain")
		case x509.MD5WithRSA, x509.MD2WithRSA:
			add("F", "MD5 signature in the chain")
		}
	}
	if a.Cert.HostnameErr != nil {
		add("M", "certificate does not match "+a.Cert.ServerName)
	}
	// Protocols.
	if !accepted(tls.VersionTLS12) && !accepted(tls.VersionTLS13) {
		add("C", "neither TLS 1.2 nor TLS 1.3 offered")
	}
	if accepted(tls.VersionTLS10) {
		add("B", "TLS 1.0 offered")
	}
	if accepted(tls.VersionTLS11) {
		add("B", "TLS 1.1 offered")
	}
	// Key.
	switch ks := g.KeyExch; {
	case ks <= 40:
		add("F", fmt.Sprintf("insecure %s key of %d bits", kind, bits))
	case ks <= 80:
		add("B", fmt.Sprintf("weak %s key of %d bits", kind, bits))
	}
	// Suites.
	var fs, aead, export, low, rc4, tdes, anon, null bool
	for _, s := range suites {
		fs = fs || s.FS
		aead = aead || s.AEAD
		export = export || s.Export
		low = low || (s.Bits < 112 && !s.Null)
		rc4 = rc4 || s.RC4
		tdes = tdes || s.TripleDES
		anon = anon || s.Anon
		null = null || s.Null
	}
	if export {
		add("F", "EXPORT suite offered")
	}
	if null {
		add("F", "NULL (unencrypted) suite offered")
	}
	if anon {
		add("F", "anonymous (unauthenticated) suite offered")
	}
	if low {
		add("F", "suite under 112 bits offered")
	}
	if rc4 {
		add("C", "RC4 offered")
	}
	if tdes {
		add("C", "3DES offered (SWEET32)")
	}
	if len(suites) > 0 && !fs {
		add("B", "no forward secrecy")
	}
	if len(suites) > 0 && !aead {
		add("B", "no AEAD suite")
	}
	// Worst cap wins.
	final := "A"
	for _, c := range caps {
		if gradeRank[c.grade] > gradeRank[final] {
			final = c.grade
		}
	}
	if final == "A" {
		var warnings []string
		if !accepted(tls.VersionTLS13) {
			warnings = append(warnings, "TLS 1.3 not offered")
		}
		if accepted(tls.VersionTLS12) && !a.SecureReneg {
			warnings = append(warnings, "no secure renegotiation")
		}
		if len(warnings) > 0 {
			final = "A-"
			for _, w := range warnings {
				caps = append(caps, gradeCap{"A-", w})
			}
		} else {
			final = "A+"
		}
	}
	g.Grade = final
	// Reasons, worst first, stable within a grade.
	for r := gradeRank[final]; r >= 0; r-- {
		for _, c := range caps {
			if gradeRank[c.grade] == r {
				reason := c.reason
				if c.grade != final {
					reason = c.reason + " (" + c.grade + ")"
				}
				g.Reasons = append(g.Reasons, reason)
			}
		}
	}
	g.Partial = !a.SuitesComplete && accepted(tls.VersionTLS12)
	if g.Partial {
		g.Reasons = append(g.Reasons, "suite list incomplete")
	}
	return g, true
}

// acceptedSuites are the TLS 1.2 suites, the suites chosen at TLS 1.0/1.1 and
// the TLS 1.3 suite of the 1.3 handshake.
func (a *TLSAudit) acceptedSuites() []tlsprobe.Suite {
	suites := append([]tlsprobe.Suite(nil), a.Suites...)
	for _, v := range a.Versions {
		if v.State != ProbeAccepted || v.Suite == 0 {
			continue
		}
		s, known := tlsprobe.LookupSuite(v.Suite)
		if !known {
			s = tls13Suite(v.Suite)
		}
		dup := false
		for _, t := range suites {
			dup = dup || t.ID == s.ID
		}
		if !dup {
			suites = append(suites, s)
		}
	}
	return suites
}

func tls13Suite(id uint16) tlsprobe.Suite {
	s := tlsprobe.Suite{ID: id, Name: tls.CipherSuiteName(id), Kex: "ECDHE", FS: true, AEAD: true, Bits: 128}
	if id == tls.TLS_AES_256_GCM_SHA384 || id == tls.TLS_CHACHA20_POLY1305_SHA256 {
		s.Bits = 256
	}
	return s
}

func keyBits(c *x509.Certificate) (string, int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "EC", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return c.PublicKeyAlgorithm.String(), 0
}

func keyExchScore(kind string, bits int) int {
	if kind == "RSA" || kind == "DSA" {
		switch {
		case bits < 512:
			return 20
		case bits < 1024:
			return 40
		case bits < 2048:
			return 80
		case bits < 4096:
			return 90
		}
		return 100
	}
	switch {
	case bits < 110:
		return 20
	case bits < 123:
		return 40
	case bits < 163:
		return 80
	case bits < 225:
		return 90
	}
	return 100
}

func cipherScore(bits int) int {
	switch {
	case bits == 0:
		return 0
	case bits < 128:
		return 20
	case bits < 256:
		return 80
	}
	return 100
}

func isRoot(c *x509.Certificate) bool { return selfSigned(c) && c.IsCA }
