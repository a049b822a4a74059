package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/tlsprobe"
	"golang.org/x/sync/errgroup"
)

// MaxTLSHandshakes is the hard cap on handshakes (probes and full
// handshakes) one TLS audit makes against an endpoint.
const MaxTLSHandshakes = 40

// TLSOptions configures a [TLS] source. The zero value probes with SNI set
// to the endpoint's host, verifies against the system roots, waits at most
// 10 s per handshake and makes at most 40 handshakes.
type TLSOptions struct {
	ServerName    string         // SNI and the name the certificate must match; default: the endpoint's host
	RootCAs       *x509.CertPool // nil: the system roots
	MaxHandshakes int            // 0 or over 40: 40
	Concurrency   int            // handshakes in flight at once; 0: 8
	Timeout       time.Duration  // per handshake (dial included); 0: 10 s
	// Dial opens the TCP connection; nil: a net.Dialer. Tests and proxies
	// plug in here.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// TLSEndpoint is a source over one "host:port": every TLS check built on it
// reads the same audit, made once per run.
type TLSEndpoint struct {
	endpoint string
	host     string
	opts     TLSOptions
	src      *check.Source[*TLSAudit]
}

// TLS returns the audit source for endpoint ("host:port"). The audit runs
// on first use in a run and is shared by all checks of the run.
func TLS(endpoint string, opts TLSOptions) *TLSEndpoint {
	e := &TLSEndpoint{endpoint: endpoint, opts: opts}
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		e.host = h
	}
	e.src = check.NewSource(e.audit)
	return e
}

// Endpoint returns "host:port", the checks' Meta.Target.
func (e *TLSEndpoint) Endpoint() string { return e.endpoint }

// Audit returns the run's audit (made at most once per run).
func (e *TLSEndpoint) Audit(ctx context.Context) (*TLSAudit, error) { return e.src.Get(ctx) }

// ProbeState is the answer to one protocol version.
type ProbeState int

const (
	ProbeUnknown  ProbeState = iota // the probe failed: Err says why
	ProbeRefused                    // the server declined
	ProbeAccepted                   // the server agreed
)

func (s ProbeState) String() string {
	return [...]string{"unknown", "refused", "accepted"}[s]
}

// VersionResult is what a server answered for one protocol version.
type VersionResult struct {
	Version uint16 // tls.VersionTLS10 ...
	State   ProbeState
	Suite   uint16 // suite chosen when all suites were offered at that version (TLS 1.0-1.2)
	Err     error  // why State is unknown
}

// CertInfo is the certificate seen in a full crypto/tls handshake.
type CertInfo struct {
	Chain         []*x509.Certificate // as the server sent it, leaf first
	Version       uint16              // version of that handshake
	VerifyErr     error               // chain verification against the roots, at a time the leaf is valid
	HostnameErr   error               // the leaf against ServerName
	SelfSigned    bool
	OCSPStapled   bool
	MustStaple    bool
	ServerName    string
	VerifiedChain []*x509.Certificate
}

// TLSAudit is everything one audit learned about an endpoint.
type TLSAudit struct {
	Endpoint string
	Versions []VersionResult // TLS 1.0, 1.1, 1.2, 1.3 in that order
	// Suites are the TLS 1.2 suites the server accepted, in its order of
	// preference (or the order offered, when ServerPreference is false).
	Suites           []tlsprobe.Suite
	SuitesComplete   bool  // enumeration ended with a refusal, not the handshake budget or an error
	SuitesErr        error // why enumeration stopped early
	ServerPreference bool  // the server picks suites by its own order
	SecureReneg      bool  // renegotiation_info answered (RFC 5746)
	Cert             *CertInfo
	CertErr          error
	Handshakes       int
	Duration         time.Duration
}

// Version returns the result for v (tls.VersionTLS10 ... tls.VersionTLS13).
func (a *TLSAudit) Version(v uint16) VersionResult {
	for _, r := range a.Versions {
		if r.Version == v {
			return r
		}
	}
	return VersionResult{Version: v, Err: errors.New("not probed")}
}

var errBudget = errors.New("handshake budget spent")

type auditor struct {
	e      *TLSEndpoint
	sni    string
	budget atomic.Int32
	used   atomic.Int32
}

func (e *TLSEndpoint) audit(ctx context.Context) (*TLSAudit, error) {
	if e.host == "" {
		return nil, fmt.Errorf("security: tls: endpoint %q is not host:port", e.endpoint)
	}
	start := time.Now()
	a := &auditor{e: e, sni: e.opts.ServerName}
	if a.sni == "" {
		a.sni = e.host
	}
	max := e.opts.MaxHandshakes
	if max <= 0 || max > MaxTLSHandshakes {
		max = MaxTLSHandshakes
	}
	a.budget.Store(int32(max))
	limit := e.opts.Concurrency
	if limit <= 0 {
		limit = 8
	}

	res := &TLSAudit{Endpoint: e.endpoint, Versions: []VersionResult{
		{Version: tls.VersionTLS10}, {Version: tls.VersionTLS11}, {Version: tls.VersionTLS12}, {Version: tls.VersionTLS13},
	}}
	var mu sync.Mutex
	g := new(errgroup.Group) // never WithContext: one probe's failure must not cancel the others
	g.SetLimit(limit)
	for i, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		g.Go(func() error {
			sh, err := a.probe(ctx, v, tlsprobe.SuiteIDs())
			mu.Lock()
			res.Versions[i] = versionResult(v, sh, err)
			mu.Unlock()
			return nil
		})
	}
	g.Go(func() error {
		r := a.tls13(ctx)
		mu.Lock()
		res.Versions[3] = r
		mu.Unlock()
		return nil
	})
	g.Go(func() error {
		c, err := a.certificate(ctx)
		mu.Lock()
		res.Cert, res.CertErr = c, err
		mu.Unlock()
		return nil
	})
	g.Go(func() error {
		a.enumerate(ctx, res, &mu)
		return nil
	})
	_ = g.Wait()
	res.Handshakes = int(a.used.Load())
	res.Duration = time.Since(start)

	// When nothing answered definitely, the endpoint could not be audited.
	decided := res.Cert != nil
	for _, v := range res.Versions {
		decided = decided || v.State != ProbeUnknown
	}
	if !decided {
		err := res.Version(tls.VersionTLS12).Err
		if err == nil {
			err = res.CertErr
		}
		return nil, fmt.Errorf("security: tls: %s: %w", e.endpoint, err)
	}
	return res, nil
}

func versionResult(v uint16, sh tlsprobe.ServerHello, err error) VersionResult {
	switch {
	case err != nil:
		return VersionResult{Version: v, Err: err}
	case sh.Refused:
		return VersionResult{Version: v, State: ProbeRefused}
	case sh.Version != v:
		// A downgrade to an older version: v itself was not accepted.
		return VersionResult{Version: v, State: ProbeRefused}
	}
	return VersionResult{Version: v, State: ProbeAccepted, Suite: sh.Suite}
}

// enumerate offers every suite at TLS 1.2, removes the chosen one and
// repeats until the server refuses, which gives the accepted set in the
// server's order; then one more handshake tells whether that order is the
// server's or the client's.
func (a *auditor) enumerate(ctx context.Context, res *TLSAudit, mu *sync.Mutex) {
	offer := tlsprobe.SuiteIDs()
	var found []tlsprobe.Suite
	var stopErr error
	complete := false
	first := true
	reneg := false
	for len(offer) > 0 {
		sh, err := a.probe(ctx, tls.VersionTLS12, offer)
		if first {
			mu.Lock()
			res.Versions[2] = versionResult(tls.VersionTLS12, sh, err)
			mu.Unlock()
			first = false
			reneg = err == nil && sh.SecureRenegotiation
		}
		if err != nil {
			stopErr = err
			break
		}
		if sh.Refused || sh.Version != tls.VersionTLS12 {
			complete = true
			break
		}
		s, _ := tlsprobe.LookupSuite(sh.Suite)
		found = append(found, s)
		offer = slices.DeleteFunc(offer, func(id uint16) bool { return id == sh.Suite })
	}
	if len(offer) == 0 {
		complete = true
	}
	pref := false
	if len(found) >= 2 && complete {
		// Offer the two favourites reversed: a server that keeps its pick
		// has its own order.
		sh, err := a.probe(ctx, tls.VersionTLS12, []uint16{found[1].ID, found[0].ID})
		pref = err == nil && !sh.Refused && sh.Suite == found[0].ID
	}
	mu.Lock()
	res.Suites, res.SuitesComplete, res.SuitesErr, res.ServerPreference, res.SecureReneg = found, complete, stopErr, pref, reneg
	mu.Unlock()
}

func (a *auditor) take() bool {
	if a.budget.Add(-1) < 0 {
		return false
	}
	a.used.Add(1)
	return true
}

func (a *auditor) timeout() time.Duration {
	if a.e.opts.Timeout > 0 {
		return a.e.opts.Timeout
	}
	return 10 * time.Second
}

func (a *auditor) dial(ctx context.Context) (net.Conn, error) {
	if a.e.opts.Dial != nil {
		c, err := a.e.opts.Dial(ctx, "tcp", a.e.endpoint)
		if err == nil && c == nil {
			err = errors.New("dial returned no connection")
		}
		return c, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", a.e.endpoint)
}

// probe makes one ServerHello-only handshake.
func (a *auditor) probe(ctx context.Context, version uint16, suites []uint16) (tlsprobe.ServerHello, error) {
	if !a.take() {
		return tlsprobe.ServerHello{}, errBudget
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	conn, err := a.dial(ctx)
	if err != nil {
		return tlsprobe.ServerHello{}, err
	}
	defer conn.Close()
	return tlsprobe.Probe(ctx, conn, tlsprobe.Hello{Version: version, Suites: suites, ServerName: a.sni})
}

// handshake makes one full crypto/tls client handshake, certificates not
// verified (the caller does it, to tell the reasons apart).
func (a *auditor) handshake(ctx context.Context, cfg *tls.Config) (tls.ConnectionState, error) {
	if !a.take() {
		return tls.ConnectionState{}, errBudget
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	raw, err := a.dial(ctx)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer raw.Close()
	cfg.ServerName = a.sni
	cfg.InsecureSkipVerify = true // verified below, so that every reason is reported
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return tls.ConnectionState{}, err
	}
	st := conn.ConnectionState()
	_ = conn.Close()
	return st, nil
}

func (a *auditor) tls13(ctx context.Context) VersionResult {
	r := VersionResult{Version: tls.VersionTLS13}
	st, err := a.handshake(ctx, &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13})
	switch {
	case err == nil:
		r.State, r.Suite = ProbeAccepted, st.CipherSuite
	case refusedTLS(err):
		r.State = ProbeRefused
	default:
		r.Err = err
	}
	return r
}

// refusedTLS tells a crypto/tls failure that means "the server does not speak
// this version" from one that means "could not find out".
func refusedTLS(err error) bool {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "remote error: tls:") ||
		strings.Contains(msg, "server selected unsupported protocol version") ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// legacySuites are the TLS 1.0-1.2 suites crypto/tls can complete, offered
// in the certificate handshake so an old server still shows its certificate.
func legacySuites() []uint16 {
	var ids []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if slices.ContainsFunc(s.SupportedVersions, func(v uint16) bool { return v <= tls.VersionTLS12 }) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

var oidMustStaple = []int{1, 3, 6, 1, 5, 5, 7, 1, 24}

func (a *auditor) certificate(ctx context.Context) (*CertInfo, error) {
	st, err := a.handshake(ctx, &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: legacySuites()})
	if err != nil {
		return nil, fmt.Errorf("security: tls: certificate handshake: %w", err)
	}
	if len(st.PeerCertificates) == 0 {
		return nil, errors.New("security: tls: the server sent no certificate")
	}
	ci := &CertInfo{Chain: st.PeerCertificates, Version: st.Version, OCSPStapled: len(st.OCSPResponse) > 0, ServerName: a.sni}
	leaf := st.PeerCertificates[0]
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(oidMustStaple) {
			ci.MustStaple = true
		}
	}
	ci.SelfSigned = selfSigned(leaf)
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: a.e.opts.RootCAs, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	chains, err := leaf.Verify(opts)
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		// Expiry is the expiry check's business: verify the rest of the
		// chain at a moment the leaf was valid.
		opts.CurrentTime = leaf.NotAfter.Add(-time.Second)
		if leaf.NotBefore.After(opts.CurrentTime) {
			opts.CurrentTime = leaf.NotBefore
		}
		chains, err = leaf.Verify(opts)
	}
	ci.VerifyErr = err
	if len(chains) > 0 {
		ci.VerifiedChain = chains[0]
	}
	ci.HostnameErr = leaf.VerifyHostname(a.sni)
	return ci, nil
}

func selfSigned(c *x509.Certificate) bool {
	if !bytesEqual(c.RawIssuer, c.RawSubject) {
		return false
	}
	return c.CheckSignatureFrom(c) == nil || c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
