package performance

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// DefaultCompressionMinSize is the size in bytes above which a compressible
// response must be compressed when CompressionOptions.MinSize is 0: 1,400,
// about one TCP segment, the threshold of Lighthouse's text-compression
// audit and of nginx's and Cloudflare's defaults (below it, compression
// saves no round trip).
const DefaultCompressionMinSize = 1400

// CompressionMaxRequests is the most requests the compression checks of
// one URL send in a run: a single GET, shared by both checks.
const CompressionMaxRequests = 1

// maxInflate bounds how many bytes a gzip body is inflated to when the
// saving is measured: a decompression bomb stops there.
const maxInflate = 64 << 20

const (
	perfSection     = "Performance Optimization / Application Performance"
	compressionItem = "Enable gzip compression"
)

// CompressionOptions configures [Compression]. The zero value means
// production defaults.
type CompressionOptions struct {
	// Client sends the request; nil means the default client of package
	// security (TLS verified, no redirects, no keep-alive). Because the
	// request sets Accept-Encoding itself, net/http never decompresses the
	// answer transparently, whatever the client's Transport: the check
	// always reads the raw Content-Encoding and body.
	Client *http.Client
	// Header holds extra request headers (Authorization, for example).
	// Its Accept-Encoding, if any, is replaced by "gzip, br".
	Header http.Header
	// MinSize is the size in bytes above which a compressible response
	// must be compressed; 0 means [DefaultCompressionMinSize].
	MinSize int
	// MaxBody is how many bytes of the (compressed) body are read; 0
	// means security.DefaultMaxBody (1 MiB).
	MaxBody int64
}

// Compression returns the two compression checks of one URL, judged on a
// single GET per run with Accept-Encoding: gzip, br ([CompressionMaxRequests]):
//
//   - performance.compression.enabled (medium, Fail): a compressible
//     response (text/*, JSON, JavaScript, XML, SVG, ...) larger than
//     MinSize bytes is sent with Content-Encoding gzip or br (zstd and
//     deflate are accepted too). A response that is small, not
//     compressible or of another status skips. The message reports the
//     bytes saved: for gzip the body is inflated (through a 64 MiB limit)
//     to measure the original size; for br, which the standard library
//     cannot decode, only the compressed size is reported; for an
//     uncompressed response, the saving gzip would bring, measured by
//     compressing the body (Lighthouse's method).
//   - performance.compression.vary (low, Warn): a compressed response
//     carries Vary: Accept-Encoding (or Vary: *), so a shared cache does
//     not serve the compressed bytes to a client that cannot read them.
//
// Compression is opt-in: it sends a request to the caller's service.
func Compression(rawURL string, opts CompressionOptions) []check.Check {
	h := opts.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept-Encoding", "gzip, br")
	page := security.NewPage(rawURL, security.HTTPOptions{Client: opts.Client, Header: h, MaxBody: opts.MaxBody})
	minSize := opts.MinSize
	if minSize <= 0 {
		minSize = DefaultCompressionMinSize
	}
	c := &compressionSource{page: page, minSize: minSize}
	c.src = check.NewSource(c.load)
	meta := func(id, title string, sev check.Severity, remediation string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      page.URL(),
			Title:       title,
			Section:     perfSection,
			Item:        compressionItem,
			Severity:    sev,
			Tags:        []string{"performance", "http", "compression"},
			Remediation: remediation,
			Refs:        []string{"RFC 9110 8.4", "RFC 9110 12.5.5", "Lighthouse uses-text-compression"},
		}
	}
	return []check.Check{
		check.New(meta("performance.compression.enabled", "Compressible responses over the size threshold are compressed",
			check.SeverityMedium,
			"Enable gzip (and brotli where available) for text, JSON, JavaScript, XML and SVG responses above about 1 KB: nginx `gzip on; gzip_types application/json application/javascript text/css image/svg+xml;`, or a compression middleware in the application."),
			c.judgeEnabled),
		check.New(meta("performance.compression.vary", "Compressed responses carry Vary: Accept-Encoding",
			check.SeverityLow,
			"Send Vary: Accept-Encoding with every response whose encoding depends on the request (nginx `gzip_vary on;`), so caches keep the compressed and identity variants apart."),
			c.judgeVary),
	}
}

// compressionFacts is what the one GET told.
type compressionFacts struct {
	url          string
	status       int
	contentType  string // media type, lower case, no parameters; "" when absent
	compressible bool
	encoding     string // the Content-Encoding, lower case; "" for identity
	compressed   bool   // encoding is one of gzip, br, zstd, deflate
	wire         int64  // body bytes received (at most the read limit)
	truncated    bool   // the body was longer than the read limit
	original     int64  // uncompressed size; -1 when unknown
	gzipEst      int64  // for an uncompressed body: its size gzipped; -1 when not measured
	inflateErr   error  // the gzip body could not be read
	vary         string // every Vary value, joined
	varyOK       bool   // Vary names Accept-Encoding or is *
}

type compressionSource struct {
	page    *security.Page
	minSize int
	src     *check.Source[*compressionFacts]
}

func (c *compressionSource) load(ctx context.Context) (*compressionFacts, error) {
	resp, err := c.page.Get(ctx)
	if err != nil {
		return nil, err
	}
	return analyse(c.page.URL(), resp), nil
}

// analyse reads one response's encoding, size and Vary.
func analyse(url string, resp *security.Response) *compressionFacts {
	f := &compressionFacts{url: url, status: resp.Status, original: -1, gzipEst: -1,
		wire: int64(len(resp.Body)), truncated: resp.Truncated}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		f.contentType = strings.ToLower(mt)
	}
	f.compressible = Compressible(f.contentType)
	f.encoding = encodingOf(resp.Header)
	switch f.encoding {
	case "gzip", "x-gzip", "br", "zstd", "deflate":
		f.compressed = true
	}
	f.vary = strings.Join(resp.Header.Values("Vary"), ", ")
	for _, v := range strings.Split(f.vary, ",") {
		if v = strings.TrimSpace(v); v == "*" || strings.EqualFold(v, "Accept-Encoding") {
			f.varyOK = true
		}
	}
	switch {
	case f.encoding == "gzip" || f.encoding == "x-gzip":
		if !f.truncated {
			f.original, f.inflateErr = inflatedSize(resp.Body)
		}
	case f.encoding == "" && f.compressible && !f.truncated:
		f.gzipEst = gzippedSize(resp.Body)
	}
	return f
}

// encodingOf returns the last (outermost) Content-Encoding in lower case;
// "" for none or identity.
func encodingOf(h http.Header) string {
	var last string
	for _, v := range h.Values("Content-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.ToLower(strings.TrimSpace(e)); e != "" && e != "identity" {
				last = e
			}
		}
	}
	return last
}

// inflatedSize returns the size of a gzip body once decompressed, reading
// at most maxInflate bytes: -1 and no error beyond that.
func inflatedSize(body []byte) (int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, maxInflate+1))
	if err != nil {
		return -1, err
	}
	if n > maxInflate {
		return -1, nil // a bomb, or just huge: the saving is not measured
	}
	return n, nil
}

// gzippedSize is the size body would have with gzip at the default level.
func gzippedSize(body []byte) int64 {
	var cw countWriter
	zw := gzip.NewWriter(&cw)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return int64(cw)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// Compressible reports whether a media type (lower case, without
// parameters) is worth compressing: text/* (except text/event-stream),
// JSON, JavaScript, XML and every +json or +xml type (SVG, Atom, RSS),
// WebAssembly, YAML, GraphQL and the uncompressed font formats.
func Compressible(mediaType string) bool {
	mt := strings.ToLower(strings.TrimSpace(mediaType))
	switch {
	case mt == "":
		return false
	case mt == "text/event-stream":
		return false // a stream: compressing it delays every event
	case strings.HasPrefix(mt, "text/"):
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/x-javascript", "application/ecmascript",
		"application/xml", "application/xhtml+xml", "application/wasm", "application/yaml", "application/x-yaml",
		"application/graphql", "application/x-ndjson", "application/vnd.ms-fontobject",
		"font/ttf", "font/otf", "application/x-font-ttf", "application/x-font-otf":
		return true
	}
	return false
}

// size renders a byte count with thousands separators: "52,000 bytes".
func size(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + " bytes"
}

// skipReason says why a response is not judged, or "" when it is.
func (c *compressionSource) skipReason(f *compressionFacts) string {
	switch {
	case f.status < 200 || f.status > 299 || f.status == http.StatusNoContent:
		return fmt.Sprintf("status %d: no body to judge (name a URL that answers 200)", f.status)
	case f.contentType == "":
		return "no Content-Type: not judged"
	case !f.compressible:
		return fmt.Sprintf("%s is not a compressible type", f.contentType)
	case !f.compressed && !f.truncated && f.wire <= int64(c.minSize):
		return fmt.Sprintf("%s of %s, not over the %s threshold", size(f.wire), f.contentType, size(int64(c.minSize)))
	}
	return ""
}

// saved renders the measured saving of a compressed response.
func saved(f *compressionFacts) string {
	switch {
	case f.truncated:
		return fmt.Sprintf("%s: over %s compressed (read limit), saving not measured", f.encoding, size(f.wire))
	case f.original >= 0:
		pct := 0.0
		if f.original > 0 {
			pct = 100 * float64(f.original-f.wire) / float64(f.original)
		}
		return fmt.Sprintf("%s: %s sent for %s (%s saved, %.0f%%)", f.encoding, size(f.wire), size(f.original), size(f.original-f.wire), pct)
	default:
		why := "not decoded here"
		if f.encoding == "gzip" || f.encoding == "x-gzip" {
			why = "inflates past the 64 MiB limit"
		}
		return fmt.Sprintf("%s: %s sent (original size not measured: %s)", f.encoding, size(f.wire), why)
	}
}

func (c *compressionSource) judgeEnabled(ctx context.Context) check.Result {
	f, err := c.src.Get(ctx)
	if err != nil {
		return check.Error(err)
	}
	if why := c.skipReason(f); why != "" {
		return check.Skip(why)
	}
	loc := check.Location{URL: f.url, Resource: "header Content-Encoding"}
	if f.compressed {
		if f.inflateErr != nil {
			return check.Fail(fmt.Sprintf("Content-Encoding %s but the body does not decode", f.encoding), check.Finding{
				Message:  "the compressed body is corrupt: clients cannot read it",
				Location: loc,
				Expected: "a valid " + f.encoding + " stream",
				Actual:   truncateErr(f.inflateErr),
			})
		}
		return check.Pass(saved(f))
	}
	actual := fmt.Sprintf("no Content-Encoding, %s of %s", size(f.wire), f.contentType)
	if f.truncated {
		actual = fmt.Sprintf("no Content-Encoding, over %s of %s", size(f.wire), f.contentType)
	}
	msg := fmt.Sprintf("%s sent uncompressed", f.contentType)
	if f.gzipEst >= 0 {
		msg += fmt.Sprintf(": gzip would save %s (%s for %s)", size(f.wire-f.gzipEst), size(f.gzipEst), size(f.wire))
	} else {
		msg += ": over " + size(f.wire)
	}
	return check.Fail(msg, check.Finding{
		Message:  "a compressible response over the size threshold is not compressed",
		Location: loc,
		Expected: fmt.Sprintf("Content-Encoding gzip or br for %s over %s (request sent Accept-Encoding: gzip, br)", f.contentType, size(int64(c.minSize))),
		Actual:   actual,
	})
}

func (c *compressionSource) judgeVary(ctx context.Context) check.Result {
	f, err := c.src.Get(ctx)
	if err != nil {
		return check.Error(err)
	}
	if why := c.skipReason(f); why != "" {
		return check.Skip(why)
	}
	if !f.compressed {
		return check.Skip("response not compressed (see performance.compression.enabled)")
	}
	if f.varyOK {
		return check.Pass(fmt.Sprintf("%s response with Vary: %s", f.encoding, f.vary))
	}
	actual := "no Vary header"
	if f.vary != "" {
		actual = "Vary: " + f.vary
	}
	return check.Warn(fmt.Sprintf("%s response without Vary: Accept-Encoding", f.encoding), check.Finding{
		Message:  "a compressed response does not say it varies by Accept-Encoding: a shared cache may serve it to a client that cannot decode it",
		Location: check.Location{URL: f.url, Resource: "header Vary"},
		Expected: "Vary: Accept-Encoding",
		Actual:   actual,
	})
}

func truncateErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
