package performance_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
)

// A JSON endpoint sent without compression: the check fails and says
// what gzip would save; the Vary check has nothing to judge.
func ExampleCompression() {
	body := bytes.Repeat([]byte(`{"id":1,"name":"an item"},`), 200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	rep, err := (&check.Runner{}).Run(context.Background(), performance.Compression(srv.URL, performance.CompressionOptions{})...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%s %s: %s\n", o.Result.Status, o.Meta.ID, o.Result.Message)
	}
	// Output:
	// fail performance.compression.enabled: application/json sent uncompressed: gzip would save 5,120 bytes (80 bytes for 5,200 bytes)
	// skip performance.compression.vary: response not compressed (see performance.compression.enabled)
}

// The same endpoint behind a gzip writer with Vary: Accept-Encoding.
func ExampleCompression_gzip() {
	body := bytes.Repeat([]byte(`{"id":1,"name":"an item"},`), 200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(body)
		_ = zw.Close()
	}))
	defer srv.Close()

	rep, err := (&check.Runner{}).Run(context.Background(), performance.Compression(srv.URL, performance.CompressionOptions{})...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%s %s: %s\n", o.Result.Status, o.Meta.ID, o.Result.Message)
	}
	// Output:
	// pass performance.compression.enabled: gzip: 80 bytes sent for 5,200 bytes (5,120 bytes saved, 98%)
	// pass performance.compression.vary: gzip response with Vary: Accept-Encoding
}
