package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// DefaultMaxBody is how many bytes of a response body are read when
// HTTPOptions.MaxBody is 0: 1 MiB.
const DefaultMaxBody int64 = 1 << 20

// MaxHeaderBytes bounds the response header the default client accepts:
// a larger header is an error, not a read without end.
const MaxHeaderBytes = 64 << 10

// userAgent is sent with every request unless the caller sets one.
const userAgent = "prodcheck (+https://github.com/prodcheck/prodcheck)"

// HTTPOptions configures how a [Page] fetches its URL. The zero value
// means production defaults.
type HTTPOptions struct {
	// Client sends the requests. nil means a default client: TLS
	// verification on against the system roots, redirects NOT followed,
	// no cookie jar, no keep-alive, response headers capped at
	// [MaxHeaderBytes]. A caller's client is used as given except that
	// redirects are never followed (a shallow copy with CheckRedirect
	// returning http.ErrUseLastResponse), because every check judges the
	// first response of its URL.
	Client *http.Client
	// Header holds extra request headers, for example Authorization for
	// an authenticated API. It is sent with the GET and, for keys a
	// request does not set, with [Page.Do].
	Header http.Header
	// MaxBody is how many bytes of a body are read; 0 means
	// [DefaultMaxBody]. The rest is discarded unread and the response
	// is marked Truncated.
	MaxBody int64
}

// Response is one HTTP response as the checks see it: the status, the
// header, the body up to the limit. A Response returned by [Page.Get] is
// shared by every check of a run and must not be modified.
type Response struct {
	URL       *url.URL // the URL requested, without user information
	Status    int
	Header    http.Header
	Body      []byte // at most the limit
	Truncated bool   // the body was longer than the limit
	TLS       *tls.ConnectionState
	Duration  time.Duration // from sending the request to the end of the body read
}

// A Page is the shared source over one URL: every check built on it reads
// the same response, fetched by one GET per run (see [check.Source]).
// A Page is safe for concurrent use.
type Page struct {
	raw    string
	target string
	u      *url.URL
	err    error
	opts   HTTPOptions
	client *http.Client
	src    *check.Source[*Response]
}

// NewPage returns the source over rawURL, an http or https URL. A
// malformed URL is not an error here: every check built on the page
// reports it as an Error when it runs.
func NewPage(rawURL string, opts HTTPOptions) *Page {
	p := &Page{raw: rawURL, opts: opts}
	p.u, p.err = parseHTTPURL(rawURL)
	p.target = targetOf(rawURL, p.u)
	p.client = clientFor(opts.Client)
	p.src = check.NewSource(p.load)
	return p
}

// URL returns the page's URL with its user information removed and any
// secret query parameter redacted: the checks' Meta.Target.
func (p *Page) URL() string { return p.target }

// Get returns the response to the page's GET, fetched once per run.
func (p *Page) Get(ctx context.Context) (*Response, error) {
	if p.err != nil {
		return nil, p.err
	}
	return p.src.Get(ctx)
}

// Do sends an extra request with the page's client and limits (CORS
// probes, for example) and returns its response. Keys of the page's
// Header that req does not set are added to a copy of req; to send a
// request without one of them, set the key to an empty slice. Do is not
// memoised.
func (p *Page) Do(ctx context.Context, req *http.Request) (*Response, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("security: nil request")
	}
	r := req.Clone(ctx)
	for k, v := range p.opts.Header {
		if _, ok := r.Header[k]; !ok {
			r.Header[k] = append([]string(nil), v...)
		}
	}
	return fetch(p.client, r, p.maxBody())
}

// doUpload is Do for a request whose body the server may answer, and
// close the connection on, before it has read it all: a 413 sent as soon
// as nginx sees the Content-Length, or a 200 from a handler that never
// reads the body. net/http drops such an answer when its write of the rest
// of the body fails first, so a probe would see "connection reset" for a
// server that did answer. doUpload sends req over a copy of the client's
// transport whose connections swallow that write error, and lets the
// answer, or the read error, decide. A client whose transport is not an
// *http.Transport is used as it is.
func (p *Page) doUpload(ctx context.Context, req *http.Request) (*Response, error) {
	c := p.client
	if t := uploadTransport(c.Transport); t != nil {
		cc := *c
		cc.Transport = t
		c = &cc
		defer t.CloseIdleConnections()
	}
	r := req.Clone(ctx)
	for k, v := range p.opts.Header {
		if _, ok := r.Header[k]; !ok {
			r.Header[k] = append([]string(nil), v...)
		}
	}
	return fetch(c, r, p.maxBody())
}

// uploadTransport returns a clone of rt, or of http.DefaultTransport for
// nil, whose dialled connections are uploadConns; nil for a RoundTripper
// of another type. A DialTLSContext is left alone: net/http reads the TLS
// state from the *tls.Conn it returns, and TLS it makes itself runs over
// DialContext.
func uploadTransport(rt http.RoundTripper) *http.Transport {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil
	}
	t = t.Clone()
	t.DisableKeepAlives = true
	t.Protocols = new(http.Protocols) // HTTP/1.1 only: the held write is the HTTP/1 writer's
	t.Protocols.SetHTTP1(true)
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &uploadConn{Conn: c, closed: make(chan struct{})}, nil
	}
	return t
}

// uploadConn is a connection that holds back a write error caused by the
// peer closing or resetting it (or by the transport's reader closing it
// on that reset) until the connection is closed. net/http reads the
// answer meanwhile: it returns the response if the server sent one, and
// closes the connection once that is read or the read fails, which ends
// the held write. Nothing more of the body is generated or sent.
type uploadConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *uploadConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	switch {
	case err == nil:
	case errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET):
		<-c.closed
	case errors.Is(err, net.ErrClosed):
		// Closed under the write by the transport, whose read failed:
		// the server went away without an answer.
		err = fmt.Errorf("the server closed the connection while the body was being sent: %w", io.ErrUnexpectedEOF)
	}
	return n, err
}

func (c *uploadConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (p *Page) maxBody() int64 {
	if p.opts.MaxBody > 0 {
		return p.opts.MaxBody
	}
	return DefaultMaxBody
}

func (p *Page) load(ctx context.Context) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("security: %s: %w", p.target, err)
	}
	for k, v := range p.opts.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	return fetch(p.client, req, p.maxBody())
}

// fetch sends req and reads the body through a limit. The error names the
// URL without its credentials.
func fetch(c *http.Client, req *http.Request, limit int64) (*Response, error) {
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header.Set("User-Agent", userAgent)
	}
	shown := stripURL(req.URL)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("security: %s %s: %w", req.Method, shown, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("security: %s %s: reading body: %w", req.Method, shown, err)
	}
	r := &Response{
		URL:    stripURL(req.URL),
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   body,
		TLS:    resp.TLS,
	}
	if int64(len(body)) > limit {
		r.Body, r.Truncated = body[:limit:limit], true
	}
	r.Duration = time.Since(start)
	return r, nil
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL
// with its credentials.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// parseHTTPURL parses an absolute http or https URL with a host.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("security: invalid URL %q: %w", secret.RedactURL(respOneLine(raw)), unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("security: URL %s: scheme %q is not http or https", targetOf(raw, u), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("security: URL %s has no host", targetOf(raw, u))
	}
	return u, nil
}

// targetOf renders the URL for Meta.Target: no user information, secret
// parameters redacted, on one line.
func targetOf(raw string, u *url.URL) string {
	if u == nil {
		return secret.RedactURL(respOneLine(strings.TrimSpace(raw)))
	}
	return secret.RedactURL(stripURL(u).String())
}

// stripURL returns a copy of u without user information.
func stripURL(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	return &c
}

func respOneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// clientFor returns the client a Page uses: the default one, or a shallow
// copy of the caller's that does not follow redirects.
func clientFor(c *http.Client) *http.Client {
	if c == nil {
		return newDefaultClient(nil)
	}
	cc := *c
	cc.CheckRedirect = noRedirect
	return &cc
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newDefaultClient returns the default client, verifying against roots
// (nil: the system roots). Keep-alive is off so that no connection, and no
// goroutine reading it, outlives a request.
func newDefaultClient(roots *x509.CertPool) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second}
	t := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10},
		TLSHandshakeTimeout:    30 * time.Second,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: MaxHeaderBytes,
		DisableCompression:     true,
	}
	return &http.Client{Transport: t, CheckRedirect: noRedirect}
}
