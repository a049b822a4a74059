package security_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/prodcheck/prodcheck/checks/security"
)

// An API that decodes bearer tokens without verifying their signature
// lets in every forged token; only "no token" is refused.
func ExampleJWTEnforcement() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{}); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	c := security.JWTEnforcement(srv.URL+"/api/me", security.JWTEnforcementOptions{Client: srv.Client()})
	r := c.Run(context.Background())
	fmt.Println(r.Status, c.Meta().ID, c.Meta().Severity)
	fmt.Println(r.Message)
	fmt.Println(r.Findings[0].Message[:strings.Index(r.Findings[0].Message, " (")])
	// Output:
	// fail security.jwt.enforced critical
	// 14 of 18 attacks accepted (18 requests; expired token skipped: no HMAC key given)
	// alg "none" accepted
}
