package security

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

var xssSafePage = template.Must(template.New("p").Parse(`<html><body><p>Results for {{.}}</p><input value="{{.}}"></body></html>`))

func TestXSSTwins(t *testing.T) {
	htmlOf := func(write func(w http.ResponseWriter, q string)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			write(w, r.URL.Query().Get("q"))
		})
	}
	tests := []struct {
		name    string
		h       http.Handler
		path    string
		opts    XSSOptions
		want    check.Status
		mention string
		sent    int64
	}{
		{name: "unencoded into the page", h: htmlOf(func(w http.ResponseWriter, q string) {
			fmt.Fprintf(w, "<html><body><p>Results for %s</p></body></html>", q)
		}), path: "/search?q=shoes&page=1", want: check.StatusFail, mention: "unencoded", sent: 2},
		{name: "html/template", h: htmlOf(func(w http.ResponseWriter, q string) { _ = xssSafePage.Execute(w, q) }),
			path: "/search?q=shoes", want: check.StatusPass, mention: "1 encoded", sent: 1},
		{name: "only angle brackets encoded: attribute breakout", h: htmlOf(func(w http.ResponseWriter, q string) {
			q = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(q)
			fmt.Fprintf(w, `<html><body><input value="%s"></body></html>`, q)
		}), path: "/search?q=shoes", want: check.StatusFail, mention: "attribute breakout"},
		{name: "only angle brackets encoded, in text", h: htmlOf(func(w http.ResponseWriter, q string) {
			fmt.Fprintf(w, `<html><body><p>%s</p></body></html>`, strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(q))
		}), path: "/search?q=shoes", want: check.StatusPass},
		{name: "html.EscapeString", h: htmlOf(func(w http.ResponseWriter, q string) {
			fmt.Fprintf(w, `<p>%s</p>`, html.EscapeString(q))
		}), path: "/search?q=shoes", want: check.StatusPass},
		{name: "raw into JSON", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"q":%q}`, r.URL.Query().Get("q"))
			_ = json.Valid
		}), path: "/api?q=shoes", want: check.StatusPass},
		{name: "raw without a Content-Type is sniffed as HTML", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = fmt.Fprintf(w, "%s", r.URL.Query().Get("q"))
		}), path: "/?q=x", want: check.StatusFail},
		{name: "200 to everything", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<p>ok</p>")) }),
			path: "/?a=1&b=2&c=3", want: check.StatusPass, sent: 3},
		{name: "parameter named by the caller", h: htmlOf(func(w http.ResponseWriter, q string) { fmt.Fprint(w, q) }),
			path: "/search", opts: XSSOptions{Params: []string{"q"}}, want: check.StatusFail, sent: 1},
		{name: "more parameters than the cap", h: htmlOf(func(w http.ResponseWriter, q string) {}),
			path: "/?" + manyParams(30), want: check.StatusWarn, mention: "not tested", sent: XSSMaxRequests},
		{name: "no parameter", h: htmlOf(func(w http.ResponseWriter, q string) {}), path: "/", want: check.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ivCounter{h: tt.h}
			ts := ivServer(t, c)
			ch := XSS(ts.URL+tt.path, tt.opts)
			require.NoError(t, ch.Meta().Validate())
			assert.Equal(t, ts.URL+tt.path, ch.Meta().Target)
			res := ch.Run(t.Context())
			assert.Equal(t, tt.want, res.Status, "%s %v", res.Message, res.Findings)
			if tt.mention != "" {
				assert.Contains(t, res.Message+fmt.Sprint(res.Findings), tt.mention)
			}
			assert.LessOrEqual(t, c.requests.Load(), int64(XSSMaxRequests))
			if tt.sent > 0 {
				assert.Equal(t, tt.sent, c.requests.Load())
			}
			for _, f := range res.Findings {
				assert.Contains(t, f.Location.Resource, "parameter ")
			}
		})
	}
}

func TestXSSCanaryUnique(t *testing.T) {
	a, b := newXSSCanary("pcabc", 0), newXSSCanary("pcabc", 1)
	assert.NotEqual(t, a.value, b.value)
	assert.False(t, strings.Contains(b.value, a.token+`"`))
	assert.Contains(t, a.value, `"'<`)
}
