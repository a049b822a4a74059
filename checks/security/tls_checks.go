package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/tlsprobe"
)

// Defaults of [TLSChecksOptions].
const (
	TLSExpiryWarn  = 30 * 24 * time.Hour
	TLSMaxLifetime = 398 * 24 * time.Hour
)

// TLSChecksOptions configures [TLSChecks]. The zero value applies the
// defaults testssl.sh and the CA/Browser Forum use.
type TLSChecksOptions struct {
	ExpiryWarn  time.Duration // warn when the certificate expires sooner; 0: 30 days
	MaxLifetime time.Duration // warn when NotAfter-NotBefore exceeds it; 0: 398 days
	// TLS13Only accepts a server without TLS 1.2 when it offers TLS 1.3
	// (Mozilla's "modern" profile).
	TLS13Only bool
	Now       func() time.Time // nil: time.Now
}

const (
	tlsSection = "Security Hardening / Authentication"
	tlsItem    = "Enable HTTPS/SSL for all services"
)

// TLSChecks returns every TLS check over src, in a stable order:
//
//	security.tls.protocols.legacy      TLS 1.0 and 1.1 refused                (high, fail)
//	security.tls.protocols.tls12       TLS 1.2 offered                        (high, fail)
//	security.tls.protocols.tls13       TLS 1.3 offered                        (low, warn)
//	security.tls.ciphers.forward-secrecy every TLS 1.2 suite is ECDHE/DHE     (high, fail)
//	security.tls.ciphers.aead          every TLS 1.2 suite is AEAD            (medium, fail)
//	security.tls.ciphers.weak          no RC4, 3DES, DES, NULL, anon, EXPORT  (high, fail)
//	security.tls.cert.trusted          the chain verifies against the roots   (critical, fail)
//	security.tls.cert.hostname         the certificate matches the name       (critical, fail)
//	security.tls.cert.expiry           not expired; warns under 30 days       (critical, fail/warn)
//	security.tls.cert.lifetime         lifetime at most 398 days              (low, warn)
//	security.tls.cert.key              RSA >= 2048, EC >= 256 bits            (high, fail)
//	security.tls.cert.signature        no SHA-1 or MD5 signature in the chain (high, fail)
//	security.tls.ocsp-stapling         an OCSP response is stapled            (info, warn)
//	security.tls.grade                 SSL Labs style grade A+..F             (medium, warn B, fail below)
func TLSChecks(src *TLSEndpoint, opts TLSChecksOptions) []check.Check {
	if opts.ExpiryWarn <= 0 {
		opts.ExpiryWarn = TLSExpiryWarn
	}
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = TLSMaxLifetime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := tlsChecker{src: src, opts: opts}
	return []check.Check{
		t.legacyProtocols(), t.tls12(), t.tls13(),
		t.forwardSecrecy(), t.aead(), t.weakCiphers(),
		t.trusted(), t.hostname(), t.expiry(), t.lifetime(), t.key(), t.signature(), t.ocsp(),
		t.grade(),
	}
}

type tlsChecker struct {
	src  *TLSEndpoint
	opts TLSChecksOptions
}

func (t tlsChecker) meta(id, title string, sev check.Severity, remediation string, refs ...string) check.Meta {
	return check.Meta{
		ID: "security.tls." + id, Target: t.src.Endpoint(), Title: title,
		Section: tlsSection, Item: tlsItem, Severity: sev,
		Tags: []string{"security", "tls"}, Remediation: remediation, Refs: refs,
	}
}

// with runs fn over the audit; a failed audit is an Error for every check.
func (t tlsChecker) with(m check.Meta, fn func(a *TLSAudit) check.Result) check.Check {
	return check.New(m, func(ctx context.Context) check.Result {
		a, err := t.src.Audit(ctx)
		if err != nil {
			return check.Error(err)
		}
		return fn(a)
	})
}

func (t tlsChecker) loc(resource string) check.Location {
	return check.Location{URL: t.src.Endpoint(), Resource: resource}
}

func (t tlsChecker) legacyProtocols() check.Check {
	m := t.meta("protocols.legacy", "TLS 1.0 and TLS 1.1 are refused", check.SeverityHigh,
		"Disable TLS 1.0 and 1.1 (nginx: ssl_protocols TLSv1.2 TLSv1.3;). Both are deprecated by RFC 8996.",
		"testssl.sh: TLS1, TLS1_1", "SSL Labs: protocol support (cap B)", "RFC 8996", "OWASP ASVS 5.0 12.1.1")
	return t.with(m, func(a *TLSAudit) check.Result {
		var fs []check.Finding
		var unknown []error
		for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
			r := a.Version(v)
			switch r.State {
			case ProbeAccepted:
				s, _ := tlsprobe.LookupSuite(r.Suite)
				fs = append(fs, check.Finding{
					Message: tlsprobe.VersionName(v) + " accepted", Location: t.loc("protocol " + tlsprobe.VersionName(v)),
					Expected: "refused", Actual: "accepted with " + s.Name})
			case ProbeUnknown:
				unknown = append(unknown, fmt.Errorf("%s: %w", tlsprobe.VersionName(v), r.Err))
			}
		}
		if len(fs) > 0 {
			return check.Fail(strings.TrimSuffix(fs[0].Message, " accepted")+suffixNames(fs)+" offered", fs...)
		}
		if len(unknown) > 0 {
			return check.Error(fmt.Errorf("security: tls: %s: %w", t.src.Endpoint(), errors.Join(unknown...)))
		}
		return check.Pass("TLS 1.0 and 1.1 refused")
	})
}

// suffixNames renders " and TLS 1.1" for a second finding.
func suffixNames(fs []check.Finding) string {
	if len(fs) < 2 {
		return ""
	}
	return " and " + strings.TrimSuffix(fs[1].Message, " accepted")
}

func (t tlsChecker) tls12() check.Check {
	m := t.meta("protocols.tls12", "TLS 1.2 is offered", check.SeverityHigh,
		"Enable TLS 1.2 (nginx: ssl_protocols TLSv1.2 TLSv1.3;): clients without TLS 1.3 need it.",
		"testssl.sh: TLS1_2", "SSL Labs: no TLS 1.2 (cap C)", "OWASP ASVS 5.0 12.1.1")
	return t.with(m, func(a *TLSAudit) check.Result {
		r := a.Version(tls.VersionTLS12)
		switch r.State {
		case ProbeAccepted:
			s, _ := tlsprobe.LookupSuite(r.Suite)
			return check.Pass("TLS 1.2 offered (" + s.Name + " preferred)")
		case ProbeUnknown:
			return check.Error(fmt.Errorf("security: tls: %s: TLS 1.2: %w", t.src.Endpoint(), r.Err))
		}
		if t.opts.TLS13Only && a.Version(tls.VersionTLS13).State == ProbeAccepted {
			return check.Pass("TLS 1.2 refused, TLS 1.3 only (allowed by TLS13Only)")
		}
		return check.Fail("TLS 1.2 not offered", check.Finding{
			Message: "TLS 1.2 refused", Location: t.loc("protocol TLS 1.2"), Expected: "accepted", Actual: "refused"})
	})
}

func (t tlsChecker) tls13() check.Check {
	m := t.meta("protocols.tls13", "TLS 1.3 is offered", check.SeverityLow,
		"Enable TLS 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3;).",
		"testssl.sh: TLS1_3", "SSL Labs: TLS 1.3 not supported (A-)", "Mozilla TLS: intermediate")
	return t.with(m, func(a *TLSAudit) check.Result {
		r := a.Version(tls.VersionTLS13)
		switch r.State {
		case ProbeAccepted:
			return check.Pass("TLS 1.3 offered (" + tls.CipherSuiteName(r.Suite) + ")")
		case ProbeUnknown:
			return check.Error(fmt.Errorf("security: tls: %s: TLS 1.3: %w", t.src.Endpoint(), r.Err))
		}
		return check.Warn("TLS 1.3 not offered", check.Finding{
			Message: "TLS 1.3 refused", Location: t.loc("protocol TLS 1.3"), Expected: "accepted", Actual: "refused"})
	})
}

// suiteCheck judges every accepted TLS 1.2 suite with bad.
func (t tlsChecker) suiteCheck(m check.Meta, what string, bad func(tlsprobe.Suite) string) check.Check {
	return t.with(m, func(a *TLSAudit) check.Result {
		if a.Version(tls.VersionTLS12).State != ProbeAccepted {
			if a.Version(tls.VersionTLS12).State == ProbeUnknown {
				return check.Error(fmt.Errorf("security: tls: %s: TLS 1.2: %w", t.src.Endpoint(), a.Version(tls.VersionTLS12).Err))
			}
			return check.Skip("TLS 1.2 not offered: no TLS 1.2 suites to judge")
		}
		var fs []check.Finding
		for _, s := range a.Suites {
			if why := bad(s); why != "" {
				fs = append(fs, check.Finding{
					Message: s.Name + ": " + why, Location: t.loc("cipher " + s.Name),
					Expected: what, Actual: why})
			}
		}
		if len(fs) > 0 {
			names := make([]string, len(fs))
			for i, f := range fs {
				names[i] = strings.TrimPrefix(f.Location.Resource, "cipher ")
			}
			return check.Fail(fmt.Sprintf("%d of %d TLS 1.2 suites: %s", len(fs), len(a.Suites), strings.Join(names, ", ")), fs...)
		}
		if !a.SuitesComplete {
			return check.Error(fmt.Errorf("security: tls: %s: suite enumeration stopped after %d suites: %w", t.src.Endpoint(), len(a.Suites), a.SuitesErr))
		}
		return check.Pass(fmt.Sprintf("all %d TLS 1.2 suites %s", len(a.Suites), what))
	})
}

func (t tlsChecker) forwardSecrecy() check.Check {
	m := t.meta("ciphers.forward-secrecy", "Every TLS 1.2 cipher suite has forward secrecy", check.SeverityHigh,
		"Offer only ECDHE (or DHE) suites, e.g. Mozilla intermediate: ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
		"testssl.sh: FS, cipherlist_STRONG_NOFS", "SSL Labs: no forward secrecy (cap B)", "OWASP ASVS 5.0 12.1.2", "Mozilla TLS: intermediate")
	return t.suiteCheck(m, "have forward secrecy (ECDHE/DHE)", func(s tlsprobe.Suite) string {
		if s.FS {
			return ""
		}
		if s.Anon {
			return "anonymous " + s.Kex + " key exchange, no forward secrecy"
		}
		return "static " + s.Kex + " key exchange, no forward secrecy"
	})
}

func (t tlsChecker) aead() check.Check {
	m := t.meta("ciphers.aead", "Every TLS 1.2 cipher suite is AEAD (GCM, CCM or ChaCha20-Poly1305)", check.SeverityMedium,
		"Drop CBC and stream suites; keep AES-GCM and ChaCha20-Poly1305 ECDHE suites (Mozilla intermediate).",
		"testssl.sh: cipherlist_OBSOLETED (CBC)", "SSL Labs: no AEAD (cap B)", "Mozilla TLS: intermediate")
	return t.suiteCheck(m, "are AEAD", func(s tlsprobe.Suite) string {
		if s.AEAD || s.Null {
			return "" // NULL is the weak check's
		}
		return "non-AEAD cipher " + s.Cipher
	})
}

func (t tlsChecker) weakCiphers() check.Check {
	m := t.meta("ciphers.weak", "No RC4, 3DES, DES, NULL, anonymous or EXPORT cipher suite is offered", check.SeverityHigh,
		"Remove the suite from the server's list (nginx: ssl_ciphers with the Mozilla intermediate list; never !aNULL:!eNULL:... lists that keep legacy suites).",
		"testssl.sh: cipherlist_NULL, cipherlist_aNULL, cipherlist_EXPORT, cipherlist_LOW, cipherlist_3DES_IDEA, RC4, SWEET32",
		"SSL Labs: RC4 (cap C), EXPORT (F)", "RFC 7465", "OWASP ASVS 5.0 12.1.2")
	return t.suiteCheck(m, "are strong", func(s tlsprobe.Suite) string {
		var why []string
		if s.Null {
			why = append(why, "NULL encryption")
		}
		if s.Anon {
			why = append(why, "anonymous (no authentication)")
		}
		if s.Export {
			why = append(why, "EXPORT grade")
		}
		if s.RC4 {
			why = append(why, "RC4")
		}
		if s.TripleDES {
			why = append(why, "3DES (SWEET32)")
		}
		if s.DES && !s.Export {
			why = append(why, "single DES")
		}
		if len(why) == 0 && s.Bits < 112 {
			why = append(why, fmt.Sprintf("%d-bit cipher", s.Bits))
		}
		return strings.Join(why, ", ")
	})
}

// certCheck runs fn over the certificate of the audit.
func (t tlsChecker) certCheck(m check.Meta, fn func(c *CertInfo) check.Result) check.Check {
	return t.with(m, func(a *TLSAudit) check.Result {
		if a.Cert == nil {
			return check.Error(fmt.Errorf("security: tls: %s: %w", t.src.Endpoint(), a.CertErr))
		}
		return fn(a.Cert)
	})
}

func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "certificate " + c.Subject.CommonName
	}
	if len(c.DNSNames) > 0 {
		return "certificate " + c.DNSNames[0]
	}
	return "certificate serial " + c.SerialNumber.String()
}

func (t tlsChecker) trusted() check.Check {
	m := t.meta("cert.trusted", "The certificate chain verifies against the trusted roots", check.SeverityCritical,
		"Serve a certificate from a trusted CA with its full chain (nginx: ssl_certificate fullchain.pem).",
		"testssl.sh: cert_chain_of_trust", "SSL Labs: not trusted (T)", "OWASP ASVS 5.0 12.2.2")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf := c.Chain[0]
		if c.VerifyErr == nil {
			if n := len(c.VerifiedChain); n > 0 {
				return check.Pass(fmt.Sprintf("chain of %d verified to %q", n, c.VerifiedChain[n-1].Subject.CommonName))
			}
			return check.Pass("chain verified")
		}
		msg := "certificate chain not trusted"
		if c.SelfSigned {
			msg = "self-signed certificate"
		}
		return check.Fail(msg, check.Finding{
			Message: msg + ": " + c.VerifyErr.Error(), Location: t.loc(certName(leaf)),
			Expected: "a chain to a trusted root", Actual: "issued by " + leaf.Issuer.String()})
	})
}

func (t tlsChecker) hostname() check.Check {
	m := t.meta("cert.hostname", "The certificate matches the host name", check.SeverityCritical,
		"Issue the certificate with the service's DNS name in its subjectAltName.",
		"testssl.sh: cert_trust (hostname)", "SSL Labs: mismatch (M)")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf := c.Chain[0]
		if c.HostnameErr == nil {
			return check.Pass("certificate valid for " + c.ServerName)
		}
		names := append(append([]string(nil), leaf.DNSNames...), ipStrings(leaf)...)
		return check.Fail("certificate does not match "+c.ServerName, check.Finding{
			Message: c.HostnameErr.Error(), Location: t.loc(certName(leaf)),
			Expected: c.ServerName, Actual: "SAN " + strings.Join(names, ", ")})
	})
}

func ipStrings(c *x509.Certificate) []string {
	var s []string
	for _, ip := range c.IPAddresses {
		s = append(s, ip.String())
	}
	return s
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

func (t tlsChecker) expiry() check.Check {
	m := t.meta("cert.expiry", fmt.Sprintf("The certificate is valid and expires in more than %d days", days(t.opts.ExpiryWarn)), check.SeverityCritical,
		"Renew the certificate and automate renewal (ACME: certbot, lego, cert-manager).",
		"testssl.sh: cert_expirationStatus", "SSL Labs: expired (T)", "cfssl: ChainExpiration")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf, now := c.Chain[0], t.opts.Now()
		loc := t.loc(certName(leaf))
		notAfter := leaf.NotAfter.UTC().Format(time.DateOnly)
		switch left := leaf.NotAfter.Sub(now); {
		case now.Before(leaf.NotBefore):
			return check.Fail("certificate not valid before "+leaf.NotBefore.UTC().Format(time.DateOnly), check.Finding{
				Message: "certificate not yet valid", Location: loc, Expected: "valid now", Actual: "notBefore " + leaf.NotBefore.UTC().Format(time.RFC3339)})
		case left <= 0:
			return check.Fail(fmt.Sprintf("certificate expired %d days ago (%s)", days(-left), notAfter), check.Finding{
				Message: "certificate expired", Location: loc, Expected: "notAfter in the future", Actual: "notAfter " + notAfter})
		case left < t.opts.ExpiryWarn:
			return check.Warn(fmt.Sprintf("certificate expires in %d days (%s)", days(left), notAfter), check.Finding{
				Message: "certificate expires soon", Location: loc,
				Expected: fmt.Sprintf("more than %d days left", days(t.opts.ExpiryWarn)), Actual: fmt.Sprintf("%d days left", days(left))})
		default:
			return check.Pass(fmt.Sprintf("certificate valid %d more days (%s)", days(left), notAfter))
		}
	})
}

func (t tlsChecker) lifetime() check.Check {
	m := t.meta("cert.lifetime", fmt.Sprintf("The certificate lifetime is at most %d days", days(t.opts.MaxLifetime)), check.SeverityLow,
		"Issue shorter-lived certificates (CA/B Forum: 398 days since 2020-09, 200 days from 2026-03-15, 47 days by 2029) and automate renewal.",
		"testssl.sh: cert_validityPeriod", "CA/B Forum BR 6.3.2, SC-081v3", "Mozilla TLS: certificate lifespan")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf := c.Chain[0]
		life := leaf.NotAfter.Sub(leaf.NotBefore)
		if life <= t.opts.MaxLifetime {
			return check.Pass(fmt.Sprintf("lifetime %d days", days(life)))
		}
		return check.Warn(fmt.Sprintf("certificate lifetime %d days exceeds %d", days(life), days(t.opts.MaxLifetime)), check.Finding{
			Message: "certificate lifetime too long", Location: t.loc(certName(leaf)),
			Expected: fmt.Sprintf("at most %d days", days(t.opts.MaxLifetime)), Actual: fmt.Sprintf("%d days", days(life))})
	})
}

func (t tlsChecker) key() check.Check {
	m := t.meta("cert.key", "The certificate key is RSA of at least 2048 bits or EC of at least 256 bits", check.SeverityHigh,
		"Reissue the certificate with an ECDSA P-256 key or an RSA key of 2048 bits or more.",
		"testssl.sh: cert_keySize", "SSL Labs: key exchange (cap B/F)", "NIST SP 800-57", "Mozilla TLS: intermediate")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf := c.Chain[0]
		kind, bits := keyBits(leaf)
		weak := (kind == "RSA" && bits < 2048) || (kind == "EC" && bits < 256) || (kind != "RSA" && kind != "EC" && kind != "Ed25519")
		desc := fmt.Sprintf("%s %d bits", kind, bits)
		if !weak {
			return check.Pass(desc)
		}
		return check.Fail("weak certificate key: "+desc, check.Finding{
			Message: "weak key", Location: t.loc(certName(leaf)),
			Expected: "RSA >= 2048 or EC >= 256 bits", Actual: desc})
	})
}

func (t tlsChecker) signature() check.Check {
	m := t.meta("cert.signature", "No certificate in the chain is signed with SHA-1 or MD5", check.SeverityHigh,
		"Reissue the certificate (and intermediates) signed with SHA-256 or better.",
		"testssl.sh: cert_signatureAlgorithm", "SSL Labs: SHA-1 (T), MD5 (F)", "CA/B Forum BR 7.1.3")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		var fs []check.Finding
		for _, cert := range c.Chain {
			if isRoot(cert) {
				continue // a root's own signature is not checked by clients
			}
			switch alg := cert.SignatureAlgorithm; alg {
			case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
				fs = append(fs, check.Finding{
					Message: "weak signature " + alg.String(), Location: t.loc(certName(cert)),
					Expected: "SHA-256 or better", Actual: alg.String()})
			}
		}
		if len(fs) > 0 {
			return check.Fail(fmt.Sprintf("%d certificates signed with SHA-1 or MD5", len(fs)), fs...)
		}
		return check.Pass("signed with " + c.Chain[0].SignatureAlgorithm.String())
	})
}

func (t tlsChecker) ocsp() check.Check {
	m := t.meta("ocsp-stapling", "An OCSP response is stapled", check.SeverityInfo,
		"Enable OCSP stapling (nginx: ssl_stapling on; ssl_stapling_verify on;) if the CA runs OCSP; many CAs now publish CRLs only.",
		"testssl.sh: OCSP_stapling", "sslyze: Mozilla ocsp_staple", "OWASP ASVS 5.0 12.1.4", "CA/B Forum SC-063")
	return t.certCheck(m, func(c *CertInfo) check.Result {
		leaf := c.Chain[0]
		if c.OCSPStapled {
			return check.Pass("OCSP response stapled")
		}
		f := check.Finding{Message: "no OCSP staple", Location: t.loc(certName(leaf)), Expected: "a stapled OCSP response", Actual: "none"}
		if c.MustStaple {
			f.Message = "certificate requires stapling (must-staple) but none was sent"
			return check.Fail("must-staple certificate without an OCSP staple", f)
		}
		return check.Warn("no OCSP staple", f)
	})
}

func (t tlsChecker) grade() check.Check {
	m := t.meta("grade", "The endpoint rates A- or better (SSL Labs / testssl.sh rating)", check.SeverityMedium,
		"Fix the reasons the message names, worst first; each has its own security.tls check.",
		"SSL Labs: SSL Server Rating Guide 2009r", "testssl.sh: rating")
	return t.with(m, func(a *TLSAudit) check.Result {
		g, ok := a.Grade(t.opts.Now())
		if !ok {
			err := a.CertErr
			for _, id := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
				if v := a.Version(id); err == nil && v.State == ProbeUnknown {
					err = fmt.Errorf("%s: %w", tlsprobe.VersionName(id), v.Err)
				}
			}
			return check.Error(fmt.Errorf("security: tls: %s: cannot grade: %w", t.src.Endpoint(), err))
		}
		msg := g.String()
		switch g.Grade {
		case "A+", "A", "A-":
			if len(g.Reasons) > 0 && g.Grade != "A-" {
				return check.Warn(msg, check.Finding{Message: msg, Location: t.loc("grade"), Expected: "A- or better", Actual: g.Grade})
			}
			return check.Pass(msg)
		}
		f := check.Finding{Message: msg, Location: t.loc("grade"), Expected: "A- or better", Actual: g.Grade}
		if g.Grade == "B" {
			return check.Warn(msg, f)
		}
		return check.Fail(msg, f)
	})
}
