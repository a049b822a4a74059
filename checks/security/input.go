package security

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/prodcheck/prodcheck/check"
)

// InputMaxRequests is the most requests [InputValidation] sends to one
// endpoint in a run: one per probe.
const InputMaxRequests = 4

// DefaultInputMaxBody is the body size an endpoint must accept at most
// when InputValidationOptions.MaxBody is 0: 10 MiB.
const DefaultInputMaxBody int64 = 10 << 20

// InputMaxBodyCap is the largest InputValidationOptions.MaxBody honoured:
// the oversized probe never streams more than this plus one byte.
const InputMaxBodyCap int64 = 1 << 30

// defaultNotAllowed is the method the method probe sends by default.
// TRACE is a safe method (RFC 9110, section 9.2.1) that an API endpoint
// has no reason to allow, so a 405 is the expected answer and nothing is
// changed on the server if it is accepted.
const defaultNotAllowed = "TRACE"

const (
	inputSection = "Security Hardening / API Security"
	inputItem    = "Input validation on all endpoints"
)

// InputValidationOptions names the endpoint's method and a valid body.
// The probes that send a body are only sent because the caller named
// both.
type InputValidationOptions struct {
	// Client sends the requests; nil means the default client of [Page].
	Client *http.Client
	// Header holds extra request headers, for example Authorization, so
	// that the probes reach the handler rather than the authentication
	// layer.
	Header http.Header
	// Method is the endpoint's allowed method, for example POST.
	// Required: every check is an Error without it.
	Method string
	// Body is a valid JSON body for Method. The Content-Type,
	// body-size and malformed-JSON probes skip without one; one that is
	// not valid JSON is an Error.
	Body []byte
	// MaxBody is the largest body the endpoint must accept; the
	// oversized probe streams MaxBody+1 bytes, generated as they are
	// sent and never held in memory. 0 means [DefaultInputMaxBody]; at
	// most [InputMaxBodyCap].
	MaxBody int64
	// NotAllowed is the method the endpoint must refuse with 405; ""
	// means TRACE, a safe method. It must differ from Method.
	NotAllowed string
}

// InputValidation returns the input validation checks of one endpoint.
// Each sends one request (so at most [InputMaxRequests] per run) that
// must be refused with a 4xx whose body shows no stack trace, framework
// error page or database error (the families of ZAP 90022 and 40018):
//
//   - security.input.content-type (medium): the valid Body sent as
//     text/plain; 415 expected;
//   - security.input.body-size (medium): a JSON body of MaxBody+1 bytes;
//     413 expected (a connection closed mid-upload warns);
//   - security.input.method (low): the NotAllowed method (TRACE); 405
//     expected;
//   - security.input.malformed-json (medium): Body cut short; 400
//     expected.
//
// Each fails on a 2xx, a 3xx, a 5xx, a leak of internal detail, or a
// connection dropped without an answer (a crashed handler: Go's server
// drops the connection on a panic), and warns on a 4xx other than the
// one expected. The requests use the caller's Method and may reach the
// handler: name an endpoint where a stray request does no harm.
func InputValidation(endpoint string, opts InputValidationOptions) []check.Check {
	p := NewPage(endpoint, HTTPOptions{Client: opts.Client, Header: opts.Header})
	iv := &inputValidation{page: p, opts: opts}
	target := p.URL()
	meta := func(id, title string, sev check.Severity, remediation string, refs ...string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      target,
			Title:       title,
			Section:     inputSection,
			Item:        inputItem,
			Severity:    sev,
			Tags:        []string{"security", "http", "input", "active"},
			Remediation: remediation + " Never return stack traces or database errors: log them and answer a generic message.",
			Refs:        append([]string{"OWASP ASVS 5.0 V2 (Validation)", "OWASP WSTG-ERRH-01", "ZAP 90022", "CWE-209"}, refs...),
		}
	}
	return []check.Check{
		check.New(meta("security.input.content-type", "A body with the wrong Content-Type is refused with 415", check.SeverityMedium,
			"Check the request's Content-Type against the media types the endpoint reads (application/json) before reading the body, and answer 415 Unsupported Media Type otherwise.",
			"RFC 9110 15.5.16", "OWASP REST Security Cheat Sheet (Validate content types)"),
			func(ctx context.Context) check.Result { return iv.run(ctx, inputContentType) }),
		check.New(meta("security.input.body-size", "An oversized body is refused with 413", check.SeverityMedium,
			"Cap the request body (http.MaxBytesReader, nginx client_max_body_size, express.json({limit})) and answer 413 Content Too Large.",
			"RFC 9110 15.5.14", "CWE-770"),
			func(ctx context.Context) check.Result { return iv.run(ctx, inputBodySize) }),
		check.New(meta("security.input.method", "A method the endpoint does not allow is refused with 405", check.SeverityLow,
			"Route by method (Go 1.22 patterns such as \"POST /items\", framework method routes) so other methods get 405 Method Not Allowed with an Allow header.",
			"RFC 9110 15.5.6", "OWASP REST Security Cheat Sheet (Restrict HTTP methods)"),
			func(ctx context.Context) check.Result { return iv.run(ctx, inputMethod) }),
		check.New(meta("security.input.malformed-json", "Malformed JSON is refused with 400", check.SeverityMedium,
			"Decode the body strictly (json.Decoder with DisallowUnknownFields, a schema validator) and answer 400 Bad Request on a syntax error, with no parser or stack detail.",
			"RFC 9110 15.5.1"),
			func(ctx context.Context) check.Result { return iv.run(ctx, inputMalformed) }),
	}
}

type inputProbe int

const (
	inputContentType inputProbe = iota
	inputBodySize
	inputMethod
	inputMalformed
)

func (k inputProbe) want() int {
	switch k {
	case inputContentType:
		return http.StatusUnsupportedMediaType
	case inputBodySize:
		return http.StatusRequestEntityTooLarge
	case inputMethod:
		return http.StatusMethodNotAllowed
	}
	return http.StatusBadRequest
}

type inputValidation struct {
	page *Page
	opts InputValidationOptions
}

func (iv *inputValidation) maxBody() int64 {
	switch n := iv.opts.MaxBody; {
	case n <= 0:
		return DefaultInputMaxBody
	case n > InputMaxBodyCap:
		return InputMaxBodyCap
	default:
		return n
	}
}

func (iv *inputValidation) notAllowed() string {
	if m := strings.TrimSpace(iv.opts.NotAllowed); m != "" {
		return strings.ToUpper(m)
	}
	return defaultNotAllowed
}

// request builds the probe's request, or says why it cannot be sent.
func (iv *inputValidation) request(ctx context.Context, k inputProbe) (req *http.Request, what string, res *check.Result) {
	if iv.page.err != nil {
		r := check.Error(iv.page.err)
		return nil, "", &r
	}
	method := strings.ToUpper(strings.TrimSpace(iv.opts.Method))
	if method == "" {
		r := check.Errorf("security: InputValidationOptions.Method is empty: name the endpoint's allowed method (and a valid JSON Body)")
		return nil, "", &r
	}
	body := bytes.TrimSpace(iv.opts.Body)
	if k != inputMethod {
		if len(body) == 0 {
			r := check.Skip("no InputValidationOptions.Body: a valid JSON body is needed to probe the endpoint with a body")
			return nil, "", &r
		}
		if !json.Valid(body) {
			r := check.Errorf("security: InputValidationOptions.Body is not valid JSON")
			return nil, "", &r
		}
	}
	u := iv.page.u.String()
	var err error
	switch k {
	case inputContentType:
		req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		}
		what = method + " with the valid body as Content-Type: text/plain"
	case inputBodySize:
		n := iv.maxBody() + 1
		req, err = http.NewRequestWithContext(ctx, method, u, newPaddingBody(n))
		if err == nil {
			req.ContentLength = n
			req.Header.Set("Content-Type", "application/json")
		}
		what = fmt.Sprintf("%s with a JSON body of %s (limit %s)", method, byteSize(n), byteSize(n-1))
	case inputMethod:
		m := iv.notAllowed()
		if m == method {
			r := check.Errorf("security: InputValidationOptions.NotAllowed is the endpoint's own method %s", m)
			return nil, "", &r
		}
		req, err = http.NewRequestWithContext(ctx, m, u, nil)
		what = m + " (the endpoint allows " + method + ")"
	case inputMalformed:
		req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(malformedJSON(body)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		what = method + " with the body cut short (invalid JSON)"
	}
	if err != nil {
		r := check.Error(fmt.Errorf("security: %s: %w", iv.page.URL(), err))
		return nil, "", &r
	}
	return req, what, nil
}

func (iv *inputValidation) run(ctx context.Context, k inputProbe) check.Result {
	req, what, res := iv.request(ctx, k)
	if res != nil {
		return *res
	}
	pad, _ := req.Body.(*paddingBody)
	do := iv.page.Do
	if pad != nil {
		do = iv.page.doUpload
	}
	resp, err := do(ctx, req)
	loc := check.Location{URL: iv.page.URL(), Resource: "request: " + what}
	want := k.want()
	expected := fmt.Sprintf("%d %s, no internal detail in the body", want, http.StatusText(want))
	if err != nil {
		if ctx.Err() != nil || !droppedConn(err) {
			return check.Error(err)
		}
		if k == inputBodySize && pad != nil && pad.sent() > 0 {
			return check.Warn(fmt.Sprintf("the connection was closed after %s of the body without an answer: the body was refused, but with no 413", byteSize(pad.sent())),
				check.Finding{Message: "no status for an oversized body", Location: loc, Expected: expected, Actual: "connection closed: " + err.Error()})
		}
		return check.Fail("the server dropped the connection without an answer (a crashed handler?)",
			check.Finding{Message: "no answer", Location: loc, Expected: expected, Actual: "connection closed: " + err.Error()})
	}
	if leaks := matchSignatures(resp.Body); len(leaks) > 0 {
		return check.Fail(fmt.Sprintf("the %d answer leaks internal detail: %s", resp.Status, strings.Join(leaks, ", ")),
			check.Finding{Message: "internal detail in the error body", Location: check.Location{URL: iv.page.URL(), Resource: "response body"},
				Expected: expected, Actual: fmt.Sprintf("%d with %s", resp.Status, strings.Join(leaks, ", "))})
	}
	actual := fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status))
	switch {
	case resp.Status == want:
		return check.Pass(fmt.Sprintf("%s: %s", what, actual))
	case resp.Status >= 400 && resp.Status < 500:
		return check.Warn(fmt.Sprintf("refused with %d rather than %d", resp.Status, want),
			check.Finding{Message: "another 4xx than expected", Location: loc, Expected: expected, Actual: actual})
	case resp.Status >= 500:
		return check.Fail(fmt.Sprintf("the server failed with %d instead of refusing the request", resp.Status),
			check.Finding{Message: "server error on bad input", Location: loc, Expected: expected, Actual: actual})
	default:
		return check.Fail(fmt.Sprintf("the request was not refused: %d", resp.Status),
			check.Finding{Message: "bad input accepted", Location: loc, Expected: expected, Actual: actual})
	}
}

// droppedConn reports whether err is the server closing or resetting
// the connection, rather than a connection never made.
func droppedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "server closed") || strings.Contains(err.Error(), "connection reset")
}

// malformedJSON returns body cut short: a strict prefix of a JSON object,
// array or string is never valid JSON.
func malformedJSON(body []byte) []byte {
	if len(body) > 1 && (body[0] == '{' || body[0] == '[' || body[0] == '"') {
		return append([]byte(nil), body[:len(body)-1]...)
	}
	return []byte(`{"prodcheck":`)
}

// paddingBody is a JSON document of exactly n bytes, generated as it is
// read: {"prodcheck":"xxxx...x"}.
type paddingBody struct {
	n, off int64
	read   atomic.Int64
}

const paddingHead, paddingTail = `{"prodcheck":"`, `"}`

func newPaddingBody(n int64) *paddingBody { return &paddingBody{n: n} }

func (b *paddingBody) sent() int64 { return b.read.Load() }

func (b *paddingBody) Read(p []byte) (int, error) {
	if b.off >= b.n {
		return 0, io.EOF
	}
	if rest := b.n - b.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	for i := range p {
		p[i] = b.byteAt(b.off + int64(i))
	}
	b.off += int64(len(p))
	b.read.Store(b.off)
	return len(p), nil
}

func (b *paddingBody) byteAt(i int64) byte {
	head, tail := int64(len(paddingHead)), int64(len(paddingTail))
	if b.n < head+tail {
		return ' '
	}
	switch {
	case i < head:
		return paddingHead[i]
	case i >= b.n-tail:
		return paddingTail[i-(b.n-tail)]
	}
	return 'x'
}

func (b *paddingBody) Close() error { return nil }

// byteSize renders n bytes for a message: "10 MiB", "1025 B".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
