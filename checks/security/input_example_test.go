package security_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/security"
)

// InputValidation is opt-in: the caller names the endpoint, its method
// and a valid body. A handler routed by method, checking Content-Type,
// capping the body with http.MaxBytesReader and decoding strictly passes
// all four probes, in four requests.
func ExampleInputValidation() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
			return
		}
		var item struct{ Name string }
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&item); err != nil {
			if strings.Contains(err.Error(), "too large") {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "malformed JSON", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	checks := security.InputValidation(srv.URL+"/items", security.InputValidationOptions{
		Method:  http.MethodPost,
		Body:    []byte(`{"name":"widget"}`),
		MaxBody: 1 << 20,
	})
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID)
	}
	// Output:
	// pass security.input.content-type
	// pass security.input.body-size
	// pass security.input.method
	// pass security.input.malformed-json
}

// A service that shows the database's error when a quote breaks its
// query fails security.sqli.error-based at the first quote: two requests.
func ExampleSQLInjection() {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if strings.Contains(r.URL.Query().Get("id"), "'") {
			http.Error(w, `ERROR: unterminated quoted string at or near "'" (SQLSTATE 42601)`, http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{"id":1}`)
	}))
	defer srv.Close()

	rep, err := (&check.Runner{Limit: 1}).Run(context.Background(), security.SQLInjection(srv.URL+"/items?id=1", security.SQLInjectionOptions{})...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Status, o.Meta.ID)
		for _, f := range o.Result.Findings {
			fmt.Println("  ", f.Location.Resource+":", f.Actual)
		}
	}
	fmt.Println("requests:", requests.Load())
	// Output:
	// fail security.sqli.error-based
	//    parameter "id": 500 with PostgreSQL error (absent from the baseline)
	// pass security.sqli.differential
	// requests: 2
}

// A search page that writes the query into HTML unencoded fails; the same
// page rendered with html/template passes.
func ExampleXSS() {
	page := template.Must(template.New("p").Parse(`<p>Results for {{.}}</p>`))
	mux := http.NewServeMux()
	mux.HandleFunc("/unsafe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<p>Results for %s</p>", r.URL.Query().Get("q"))
	})
	mux.HandleFunc("/safe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_ = page.Execute(w, r.URL.Query().Get("q"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/unsafe?q=shoes", "/safe?q=shoes"} {
		res := security.XSS(srv.URL+path, security.XSSOptions{}).Run(context.Background())
		fmt.Println(path, res.Status)
	}
	// Output:
	// /unsafe?q=shoes fail
	// /safe?q=shoes pass
}
