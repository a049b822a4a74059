package security

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// ivCounter wraps h and counts the requests it receives and the body bytes
// it reads.
type ivCounter struct {
	h        http.Handler
	requests atomic.Int64
}

func (c *ivCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	c.h.ServeHTTP(w, r)
}

// ivServer is an httptest server whose panics and errors are not
// logged to the test's stderr.
func ivServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

const ivLimit = 64 << 10

// ivStrict is the safe twin: routed by method, Content-Type checked,
// the body capped with http.MaxBytesReader and decoded strictly, errors
// answered with a generic message.
func ivStrict() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, ivLimit)
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		var item struct {
			Name      string `json:"name"`
			Prodcheck string `json:"prodcheck"`
		}
		if err := dec.Decode(&item); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "malformed JSON", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}

// ivSloppy is the unsafe twin: any method, any Content-Type, the
// whole body read, and a panic on bad JSON recovered into a 500 that
// prints the stack.
func ivSloppy() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, "panic: %v\n\n%s", v, debug.Stack())
			}
		}()
		data, _ := io.ReadAll(r.Body)
		var item map[string]any
		if err := json.Unmarshal(data, &item); err != nil {
			panic(err)
		}
		w.WriteHeader(http.StatusCreated)
	})
}

func runInput(t *testing.T, h http.Handler, opts InputValidationOptions) (map[string]check.Result, *ivCounter) {
	t.Helper()
	c := &ivCounter{h: h}
	ts := ivServer(t, c)
	out := map[string]check.Result{}
	for _, ch := range InputValidation(ts.URL+"/items", opts) {
		m := ch.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, ts.URL+"/items", m.Target)
		out[m.ID] = ch.Run(t.Context())
	}
	assert.LessOrEqual(t, c.requests.Load(), int64(InputMaxRequests), "requests per endpoint")
	return out, c
}

func TestInputValidationTwins(t *testing.T) {
	body := []byte(`{"name":"widget"}`)
	type want map[string]check.Status
	tests := []struct {
		name    string
		h       http.Handler
		opts    InputValidationOptions
		want    want
		mention map[string]string
	}{
		{
			name: "strict handler",
			h:    ivStrict(),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.content-type": check.StatusPass, "security.input.body-size": check.StatusPass,
				"security.input.method": check.StatusPass, "security.input.malformed-json": check.StatusPass},
		},
		{
			name: "strict handler, default 10 MiB probe",
			h:    ivStrict(),
			opts: InputValidationOptions{Method: "post", Body: body},
			want: want{"security.input.content-type": check.StatusPass, "security.input.body-size": check.StatusPass,
				"security.input.method": check.StatusPass, "security.input.malformed-json": check.StatusPass},
		},
		{
			name: "sloppy handler panics and leaks its stack",
			h:    ivSloppy(),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.content-type": check.StatusFail, "security.input.body-size": check.StatusFail,
				"security.input.method": check.StatusFail, "security.input.malformed-json": check.StatusFail},
			mention: map[string]string{"security.input.malformed-json": "Go panic", "security.input.method": "Go panic",
				"security.input.content-type": "201", "security.input.body-size": "201"},
		},
		{
			name: "200 to everything",
			h:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.content-type": check.StatusFail, "security.input.body-size": check.StatusFail,
				"security.input.method": check.StatusFail, "security.input.malformed-json": check.StatusFail},
			mention: map[string]string{"security.input.method": "not refused: 200"},
		},
		{
			name: "400 to everything",
			h:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad", http.StatusBadRequest) }),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.content-type": check.StatusWarn, "security.input.body-size": check.StatusWarn,
				"security.input.method": check.StatusWarn, "security.input.malformed-json": check.StatusPass},
			mention: map[string]string{"security.input.content-type": "400 rather than 415"},
		},
		{
			name: "a 400 that leaks a database error",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `ERROR: invalid input syntax for type integer: "x" (SQLSTATE 22P02)`, http.StatusBadRequest)
			}),
			opts:    InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want:    want{"security.input.malformed-json": check.StatusFail},
			mention: map[string]string{"security.input.malformed-json": "PostgreSQL error"},
		},
		{
			name: "an unrecovered panic drops the connection",
			h:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.content-type": check.StatusFail, "security.input.method": check.StatusFail,
				"security.input.malformed-json": check.StatusFail},
			mention: map[string]string{"security.input.method": "dropped the connection"},
		},
		{
			name: "huge answer body",
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				chunk := []byte(strings.Repeat("x", 32<<10))
				for i := 0; i < 4096; i++ { // 128 MiB unless the client leaves
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}),
			opts: InputValidationOptions{Method: "POST", Body: body, MaxBody: ivLimit},
			want: want{"security.input.malformed-json": check.StatusPass, "security.input.method": check.StatusWarn},
		},
		{
			name: "no body: the body probes skip",
			h:    ivStrict(),
			opts: InputValidationOptions{Method: "POST"},
			want: want{"security.input.content-type": check.StatusSkip, "security.input.body-size": check.StatusSkip,
				"security.input.method": check.StatusPass, "security.input.malformed-json": check.StatusSkip},
		},
		{
			name: "no method: errors",
			h:    ivStrict(),
			opts: InputValidationOptions{Body: body},
			want: want{"security.input.content-type": check.StatusError, "security.input.method": check.StatusError},
		},
		{
			name: "a Body that is not JSON errors",
			h:    ivStrict(),
			opts: InputValidationOptions{Method: "POST", Body: []byte("{nope")},
			want: want{"security.input.malformed-json": check.StatusError, "security.input.method": check.StatusPass},
		},
		{
			name: "NotAllowed equal to Method errors",
			h:    ivStrict(),
			opts: InputValidationOptions{Method: "POST", NotAllowed: "post"},
			want: want{"security.input.method": check.StatusError},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := runInput(t, tt.h, tt.opts)
			for id, st := range tt.want {
				assert.Equal(t, st, got[id].Status, "%s: %s %v", id, got[id].Message, got[id].Findings)
				if st == check.StatusFail || st == check.StatusWarn {
					require.NotEmpty(t, got[id].Findings, id)
					assert.NotEmpty(t, got[id].Findings[0].Location.URL, id)
					assert.NotEmpty(t, got[id].Findings[0].Expected, id)
				}
			}
			for id, s := range tt.mention {
				assert.Contains(t, got[id].Message+fmt.Sprint(got[id].Findings), s, id)
			}
		})
	}
}

// The oversized body is streamed: the strict server reads at most its
// limit, and the client never builds the body in memory.
func TestInputBodySizeStreamed(t *testing.T) {
	var read atomic.Int64
	h := ivStrict()
	c := &ivCounter{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = &ivCountingReader{r: r.Body, n: &read}
		h.ServeHTTP(w, r)
	})}
	ts := ivServer(t, c)
	checks := InputValidation(ts.URL+"/items", InputValidationOptions{Method: "POST", Body: []byte(`{}`), MaxBody: 256 << 20})
	res := checks[1].Run(t.Context())
	assert.Equal(t, check.StatusPass, res.Status, res.Message)
	assert.Less(t, read.Load(), int64(ivLimit+(64<<10)), "the server read past its limit")
	assert.Equal(t, int64(1), c.requests.Load())
}

type ivCountingReader struct {
	r io.ReadCloser
	n *atomic.Int64
}

func (c *ivCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *ivCountingReader) Close() error { return c.r.Close() }

func TestPaddingBody(t *testing.T) {
	for _, n := range []int64{0, 1, 5, 16, 17, 100, 70000} {
		data, err := io.ReadAll(newPaddingBody(n))
		require.NoError(t, err)
		assert.Len(t, data, int(n))
		if n >= int64(len(paddingHead)+len(paddingTail)) {
			assert.True(t, json.Valid(data), "n=%d", n)
		}
	}
}

func TestMalformedJSON(t *testing.T) {
	for _, b := range []string{`{"a":1}`, `[1,2]`, `"s"`, `123`, `true`, `{}`} {
		assert.False(t, json.Valid(malformedJSON([]byte(b))), b)
	}
}

// nginx's client_max_body_size is the real middleware for the body-size
// probe: 413 before the location's handler runs, and TRACE is always 405.
// nginx alone does not check Content-Type or JSON, so those fail.
func TestInputValidationNginx(t *testing.T) {
	ng := testenv.Nginx(t, testenv.NginxOptions{
		HTTPServer: `location /items { client_max_body_size 64k; return 201; }`,
	})
	got := map[string]check.Status{}
	for _, c := range InputValidation(ng.HTTPURL+"/items", InputValidationOptions{Method: "POST", Body: []byte(`{"name":"x"}`)}) {
		res := c.Run(t.Context())
		got[c.Meta().ID] = res.Status
	}
	assert.Equal(t, map[string]check.Status{
		"security.input.content-type":   check.StatusFail,
		"security.input.body-size":      check.StatusPass,
		"security.input.method":         check.StatusPass,
		"security.input.malformed-json": check.StatusFail,
	}, got)
	var hits int
	for _, l := range ng.AccessLog() {
		if strings.Contains(l, "/items") {
			hits++
		}
	}
	// nginx logs the 413 once it has discarded the body, possibly after
	// the check returned: the log may lack that line yet.
	assert.LessOrEqual(t, hits, InputMaxRequests, "requests in nginx's access log")
	assert.GreaterOrEqual(t, hits, InputMaxRequests-1, "requests in nginx's access log")
}

// A server may answer an oversized body before reading it and then reset
// the connection, while the client is still writing. The answer decides,
// not the write error; a server that resets without any answer warns.
func TestInputBodySizeEarlyAnswer(t *testing.T) {
	serve := func(answer string) func(c net.Conn, done <-chan struct{}) {
		return func(c net.Conn, done <-chan struct{}) {
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.CopyN(io.Discard, req.Body, 1024) // a little of the body, never all
			if answer != "" {
				_, _ = io.WriteString(c, answer)
			}
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with unread data: RST
			}
			_ = c.Close()
		}
	}
	for _, tt := range []struct {
		name, answer string
		want         check.Status
		mention      string
	}{
		{"413 then reset", "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", check.StatusPass, "413"},
		{"200 then reset", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", check.StatusFail, "not refused: 200"},
		{"reset without an answer", "", check.StatusWarn, "without an answer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := testenv.TCPServer(t, serve(tt.answer))
			checks := InputValidation("http://"+addr+"/items", InputValidationOptions{Method: "POST", Body: []byte(`{}`), MaxBody: 4 << 20})
			res := checks[1].Run(t.Context())
			require.Equal(t, "security.input.body-size", checks[1].Meta().ID)
			assert.Equal(t, tt.want, res.Status, "%s %v", res.Message, res.Findings)
			assert.Contains(t, res.Message+fmt.Sprint(res.Findings), tt.mention)
			assert.Equal(t, 1, accepted())
		})
	}
}
