package config_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prodcheck/prodcheck/checks/config"
)

// A login that answers a correct password with an MFA challenge passes;
// the check sends that one request and nothing else.
func ExampleMFAChallenge() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "mfa_required", "mfa_token": "..."}`)
	}))
	defer srv.Close()

	c := config.MFAChallenge(srv.URL+"/api/login", config.MFAOptions{
		Body: []byte(`{"email": "prodcheck-test@example.com", "password": "test-account-password"}`),
	})
	res := c.Run(context.Background())
	fmt.Println(c.Meta().ID, res.Status)
	fmt.Println(res.Message)
	// Output:
	// security.mfa.enforced pass
	// login answered with an MFA challenge (value mfa_required, HTTP 401) and no session
}
