package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func TestPasswordPolicy(t *testing.T) {
	good := Policy{MinLength: 15, MaxLength: 128, Blocklist: true}
	tests := []struct {
		name     string
		policy   Policy
		std      Standard
		status   check.Status
		sections []string
	}{
		{"NIST good", good, NIST80063B4, check.StatusPass, nil},
		{"NIST 8 with MFA", Policy{MinLength: 8, MaxLength: 64, Blocklist: true, MFA: true}, NIST80063B4, check.StatusPass, nil},
		{"NIST 8 without MFA", Policy{MinLength: 8, Blocklist: true}, NIST80063B4, check.StatusFail, []string{"§3.1.1.2: at least 15"}},
		{"NIST legacy policy", Policy{MinLength: 8, MaxLength: 20, RequireComposition: true, ForcedRotation: 90 * 24 * time.Hour}, NIST80063B4,
			check.StatusFail, []string{"at least 15", "64 characters permitted", "no composition", "blocklist", "no periodic rotation"}},
		{"ASVS4 good", good, ASVS4, check.StatusPass, nil},
		{"ASVS4 no max denies nothing", Policy{MinLength: 12, Blocklist: true}, ASVS4, check.StatusFail, []string{"2.1.2"}},
		{"ASVS4 min 10", Policy{MinLength: 10, MaxLength: 128, Blocklist: true}, ASVS4, check.StatusFail, []string{"2.1.1"}},
		{"ASVS5 needs MFA", good, ASVS5, check.StatusFail, []string{"6.3.3"}},
		{"ASVS5 good", Policy{MinLength: 8, Blocklist: true, MFA: true}, ASVS5, check.StatusPass, nil},
		{"ASVS5 rotation", Policy{MinLength: 8, Blocklist: true, MFA: true, ForcedRotation: 60 * 24 * time.Hour}, ASVS5, check.StatusFail, []string{"6.2.10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := PasswordPolicy(tt.policy, PasswordPolicyOptions{Standard: tt.std, Target: "app"})
			require.NoError(t, c.Meta().Validate())
			res := c.Run(t.Context())
			assert.Equal(t, tt.status, res.Status, "%v", res.Findings)
			assert.Len(t, res.Findings, len(tt.sections))
			for i, s := range tt.sections {
				assert.Contains(t, res.Findings[i].Message, s)
			}
		})
	}
	assert.Equal(t, check.StatusError, PasswordPolicy(good, PasswordPolicyOptions{Standard: 9}).Run(t.Context()).Status)
}

func TestValidatePassword(t *testing.T) {
	p := Policy{MinLength: 15, MaxLength: 64, Blocklist: true}
	tests := []struct {
		pw   string
		pol  Policy
		want error
	}{
		{"hunter22", p, ErrPasswordTooShort},
		{"abc1234", Policy{}, ErrPasswordTooShort},
		{"password1234567", p, ErrPasswordBlocked},
		{"Password123!", Policy{MFA: true}, ErrPasswordBlocked},
		{"aaaaaaaaaaaaaaaaaaaa", p, ErrPasswordGuessable},
		{"passwordpassword", p, ErrPasswordBlocked},
		{"zzzzzzzzzzzzzzzzy", p, ErrPasswordGuessable},
		{strings.Repeat("x7Q!", 20), p, ErrPasswordTooLong},
		{"violet anchor drizzle tempo", p, nil},
		{"violet anchor drizzle tempo", Policy{RequireComposition: true}, ErrPasswordComposition},
		{"Violet anchor drizzle 7 tempo", Policy{RequireComposition: true}, nil},
		{"gL9#vQ2m!xR", Policy{MFA: true}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(len(tt.pw), tt.want), func(t *testing.T) {
			err := ValidatePassword(tt.pw, tt.pol)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), tt.pw)
		})
	}
}

// signupServer answers a JSON signup: 201 when validate accepts the
// password, 422 otherwise, and counts requests.
func signupServer(t *testing.T, validate func(string) error) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var body struct{ Username, Password string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil || !strings.HasPrefix(body.Username, "probe-") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := validate(body.Password); err != nil {
			http.Error(w, "password rejected", http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func jsonSignup(username, password string) []byte {
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return b
}

func TestPasswordSignupProbe(t *testing.T) {
	policy := Policy{MinLength: 15, MaxLength: 128, Blocklist: true}
	tests := []struct {
		name     string
		validate func(string) error
		max      int
		status   check.Status
		requests int64
	}{
		{"validating server", func(pw string) error { return ValidatePassword(pw, policy) }, 0, check.StatusPass, 3},
		{"sloppy twin", func(string) error { return nil }, 0, check.StatusFail, 3},
		{"cap at 5", func(string) error { return nil }, 50, check.StatusFail, SignupProbeMaxAttempts},
		{"one attempt", func(string) error { return errors.New("x") }, 1, check.StatusPass, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := signupServer(t, tt.validate)
			c := PasswordSignupProbe(srv.URL+"/signup", SignupProbeOptions{
				Client: srv.Client(), Body: jsonSignup, Method: http.MethodPost,
				UsernamePattern: "probe-{n}@example.test", MaxAttempts: tt.max,
			})
			rep, out := runStrength(t, c)
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.status, res.Status, "%s %v", res.Message, res.Findings)
			assert.Equal(t, tt.requests, n.Load())
			assert.LessOrEqual(t, n.Load(), int64(SignupProbeMaxAttempts))
			if tt.status == check.StatusFail {
				assert.Contains(t, res.Findings[0].Message, "signup accepted")
				assert.Equal(t, "account probe-1@example.test", res.Findings[0].Location.Resource)
			}
			assert.NotContains(t, out, "12345678")
			assert.NotContains(t, out, "abc1234")
		})
	}
}

func TestPasswordSignupProbeErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	for name, opts := range map[string]SignupProbeOptions{
		"no body":     {UsernamePattern: "probe-{n}"},
		"no pattern":  {Body: jsonSignup},
		"429 answers": {Body: jsonSignup, UsernamePattern: "probe", Client: srv.Client()},
	} {
		t.Run(name, func(t *testing.T) {
			res := PasswordSignupProbe(srv.URL, opts).Run(t.Context())
			assert.Equal(t, check.StatusError, res.Status, res.Message)
		})
	}
	res := PasswordSignupProbe("ftp://x", SignupProbeOptions{Body: jsonSignup, UsernamePattern: "p"}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
}

func ExamplePasswordPolicy() {
	policy := Policy{MinLength: 8, MaxLength: 32, RequireComposition: true, Blocklist: true, ForcedRotation: 90 * 24 * time.Hour}
	res := PasswordPolicy(policy, PasswordPolicyOptions{Standard: NIST80063B4}).Run(context.Background())
	fmt.Println(res.Status, res.Message)
	for _, f := range res.Findings {
		fmt.Println(f.Location.Resource+":", f.Message, "- found", f.Actual)
	}
	// Output:
	// fail password policy breaks 4 of 5 requirements of NIST SP 800-63B-4
	// setting MinLength: NIST SP 800-63B-4 §3.1.1.2: at least 15 characters (8 when used only with MFA) - found 8
	// setting MaxLength: NIST SP 800-63B-4 §3.1.1.2: passwords of at least 64 characters permitted - found 32
	// setting RequireComposition: NIST SP 800-63B-4 §3.1.1.2: no composition rules - found character classes required
	// setting ForcedRotation: NIST SP 800-63B-4 §3.1.1.2: no periodic rotation (change only on evidence of compromise) - found rotation every 90 days
}

func ExampleValidatePassword() {
	policy := Policy{MinLength: 15, MaxLength: 128, Blocklist: true}
	for _, pw := range []string{"abc1234", "password1234567", "violet anchor drizzle tempo"} {
		fmt.Println(ValidatePassword(pw, policy))
	}
	// Output:
	// password too short: 7 characters, at least 15 required
	// password is on the blocklist of common passwords
	// <nil>
}
