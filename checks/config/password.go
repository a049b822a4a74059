package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// Standard is the password standard a policy is judged against.
type Standard int

// The standards [PasswordPolicy] knows. The zero value is NIST SP 800-63B
// revision 4.
const (
	// NIST80063B4 is NIST SP 800-63B-4 (2025), §3.1.1.2 password verifiers.
	NIST80063B4 Standard = iota
	// ASVS4 is OWASP ASVS 4.0.3, V2.1 password security.
	ASVS4
	// ASVS5 is OWASP ASVS 5.0, V6.2 password security and 6.3.3 MFA.
	ASVS5
)

func (s Standard) String() string {
	switch s {
	case NIST80063B4:
		return "NIST SP 800-63B-4"
	case ASVS4:
		return "OWASP ASVS 4.0.3"
	case ASVS5:
		return "OWASP ASVS 5.0"
	}
	return "Standard(" + strconv.Itoa(int(s)) + ")"
}

// Policy is an application's declared password policy.
type Policy struct {
	// MinLength is the least length in characters (code points).
	MinLength int
	// MaxLength is the greatest length accepted; 0 means no limit.
	MaxLength int
	// RequireComposition is true when the policy demands character classes
	// (an upper-case letter, a digit, a symbol).
	RequireComposition bool
	// Blocklist is true when new passwords are checked against a list of
	// common, expected or breached passwords.
	Blocklist bool
	// ForcedRotation is the age after which users must change their
	// password; 0 means never (only on evidence of compromise).
	ForcedRotation time.Duration
	// MFA is true when passwords are used only together with a second
	// factor.
	MFA bool
}

// PasswordPolicyOptions configures [PasswordPolicy].
type PasswordPolicyOptions struct {
	// Standard is the standard judged against; the zero value is NIST SP
	// 800-63B-4.
	Standard Standard
	// Target names the application whose policy this is.
	Target string
}

// requirement is one rule of a standard: where it is, what it asks, and
// whether a policy breaks it (returning what was found).
type requirement struct {
	section  string
	setting  string
	expected string
	broken   func(p Policy) (actual string, broken bool)
}

func minLengthReq(section string, single, withMFA int) requirement {
	exp := fmt.Sprintf("at least %d characters", single)
	if withMFA != single {
		exp = fmt.Sprintf("at least %d characters (%d when used only with MFA)", single, withMFA)
	}
	return requirement{section, "MinLength", exp, func(p Policy) (string, bool) {
		want := single
		if p.MFA {
			want = withMFA
		}
		return fmt.Sprintf("%d", p.MinLength), p.MinLength < want
	}}
}

func maxLengthReq(section string, deny int) requirement {
	exp := "passwords of at least 64 characters permitted"
	if deny > 0 {
		exp = fmt.Sprintf("passwords of 64 to %d characters permitted, longer ones denied", deny)
	}
	return requirement{section, "MaxLength", exp, func(p Policy) (string, bool) {
		actual := "no limit"
		if p.MaxLength > 0 {
			actual = strconv.Itoa(p.MaxLength)
		}
		return actual, p.MaxLength > 0 && p.MaxLength < 64 || deny > 0 && (p.MaxLength == 0 || p.MaxLength > deny)
	}}
}

func compositionReq(section string) requirement {
	return requirement{section, "RequireComposition", "no composition rules", func(p Policy) (string, bool) {
		return "character classes required", p.RequireComposition
	}}
}

func blocklistReq(section, what string) requirement {
	return requirement{section, "Blocklist", what, func(p Policy) (string, bool) {
		return "no blocklist", !p.Blocklist
	}}
}

func rotationReq(section string) requirement {
	return requirement{section, "ForcedRotation", "no periodic rotation (change only on evidence of compromise)", func(p Policy) (string, bool) {
		return "rotation every " + passwordDays(p.ForcedRotation), p.ForcedRotation > 0
	}}
}

// requirements are the rules of each standard, from the research notes
// (web-security.md §6): NIST SP 800-63B-4 §3.1.1.2; ASVS 4.0.3 V2.1; ASVS
// 5.0 V6.2 and 6.3.3.
var requirements = map[Standard][]requirement{
	NIST80063B4: {
		minLengthReq("§3.1.1.2", 15, 8),
		maxLengthReq("§3.1.1.2", 0),
		compositionReq("§3.1.1.2"),
		blocklistReq("§3.1.1.2", "new passwords checked against a blocklist of common, expected or compromised values"),
		rotationReq("§3.1.1.2"),
	},
	ASVS4: {
		minLengthReq("2.1.1", 12, 12),
		maxLengthReq("2.1.2", 128),
		compositionReq("2.1.9"),
		blocklistReq("2.1.7", "new passwords checked against a set of breached or top passwords"),
		rotationReq("2.1.10"),
	},
	ASVS5: {
		minLengthReq("6.2.1", 8, 8),
		maxLengthReq("6.2.9", 0),
		compositionReq("6.2.5"),
		blocklistReq("6.2.4", "new passwords checked against at least the top 3000 passwords"),
		rotationReq("6.2.10"),
		{"6.3.3", "MFA", "passwords used with a second factor (L2)", func(p Policy) (string, bool) {
			return "password alone", !p.MFA
		}},
	},
}

// PasswordPolicy checks an application's declared password policy against
// a standard, one finding per violated requirement citing its section. ID
// security.password.policy, severity high.
//
//   - NIST SP 800-63B-4 §3.1.1.2: at least 15 characters, or 8 when the
//     password is used only with MFA; at least 64 permitted; no
//     composition rules; a blocklist; no forced periodic rotation.
//   - OWASP ASVS 4.0.3 V2.1: at least 12 (2.1.1); 64 permitted and more
//     than 128 denied (2.1.2); a breached or top-passwords check (2.1.7);
//     no composition rules (2.1.9); no periodic rotation (2.1.10).
//   - OWASP ASVS 5.0 V6.2: at least 8, 15 strongly recommended (6.2.1);
//     the top 3000 passwords blocked (6.2.4); no composition rules
//     (6.2.5); 64 permitted (6.2.9); no periodic rotation (6.2.10); MFA
//     (6.3.3, level 2).
//
// [ValidatePassword] enforces such a policy in the application itself.
func PasswordPolicy(policy Policy, opts PasswordPolicyOptions) check.Check {
	std := opts.Standard
	meta := check.Meta{
		ID:       "security.password.policy",
		Target:   opts.Target,
		Title:    "The password policy meets " + std.String(),
		Section:  "Security Hardening / Authentication",
		Item:     "Implement password complexity requirements",
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "authentication", "password"},
		Remediation: "Require length, not complexity: at least 15 characters (8 with MFA), accept at least 64, " +
			"check new passwords against a blocklist (config.ValidatePassword), and drop composition rules and forced rotation.",
		Refs: []string{"NIST SP 800-63B-4 §3.1.1.2", "OWASP ASVS 4.0.3 V2.1", "OWASP ASVS 5.0 V6.2"},
	}
	return check.New(meta, func(context.Context) check.Result {
		reqs, ok := requirements[std]
		if !ok {
			return check.Errorf("password policy: unknown standard %s", std)
		}
		var findings []check.Finding
		for _, r := range reqs {
			actual, broken := r.broken(policy)
			if !broken {
				continue
			}
			findings = append(findings, check.Finding{
				Message:  fmt.Sprintf("%s %s: %s", std, r.section, r.expected),
				Location: check.Location{Resource: "setting " + r.setting},
				Expected: r.expected,
				Actual:   actual,
			})
		}
		return check.Judge(findings,
			fmt.Sprintf("password policy meets %s (%d requirements)", std, len(reqs)),
			fmt.Sprintf("password policy breaks %d of %d requirements of %s", len(findings), len(reqs), std))
	})
}

// The errors ValidatePassword returns, matched with errors.Is. None of
// them quotes the password.
var (
	ErrPasswordTooShort    = errors.New("password too short")
	ErrPasswordTooLong     = errors.New("password too long")
	ErrPasswordBlocked     = errors.New("password is on the blocklist of common passwords")
	ErrPasswordGuessable   = errors.New("password too easy to guess")
	ErrPasswordComposition = errors.New("password lacks a required character class")
)

// MinPasswordScore is the least zxcvbn score (0 to 4) ValidatePassword
// accepts: 3, about 10^8 guesses or more.
const MinPasswordScore = 3

// maxScoredRunes bounds the part of a password zxcvbn scores; its matching
// is quadratic in the length.
const maxScoredRunes = 100

// ValidatePassword checks a new password against policy, for the
// application to call at signup and password change. It counts code
// points, as NIST asks; MinLength 0 means 15, or 8 when policy.MFA;
// MaxLength 0 means no limit. It always rejects passwords on the embedded
// blocklist of common passwords and known default secrets, whatever
// policy.Blocklist says (the validator is the blocklist), and passwords
// zxcvbn scores below [MinPasswordScore]. Composition is enforced only
// when the policy demands it (an upper-case letter, a lower-case letter
// and a digit), though the standards advise against it. The error wraps
// one of the ErrPassword* errors and never quotes the password.
func ValidatePassword(pw string, policy Policy) error {
	n := utf8.RuneCountInString(pw)
	minLen := policy.MinLength
	if minLen <= 0 {
		minLen = 15
		if policy.MFA {
			minLen = 8
		}
	}
	switch {
	case n < minLen:
		return fmt.Errorf("%w: %d characters, at least %d required", ErrPasswordTooShort, n, minLen)
	case policy.MaxLength > 0 && n > policy.MaxLength:
		return fmt.Errorf("%w: %d characters, at most %d accepted", ErrPasswordTooLong, n, policy.MaxLength)
	case secret.IsBlockedPassword(pw) || secret.IsKnownWeakSecret(pw):
		return ErrPasswordBlocked
	}
	if policy.RequireComposition {
		var up, low, dig bool
		for _, r := range pw {
			up = up || unicode.IsUpper(r)
			low = low || unicode.IsLower(r)
			dig = dig || unicode.IsDigit(r)
		}
		if !up || !low || !dig {
			return ErrPasswordComposition
		}
	}
	scored := pw
	if n > maxScoredRunes {
		scored = string([]rune(pw)[:maxScoredRunes])
	}
	if score := zxcvbn.PasswordStrength(scored, nil).Score; score < MinPasswordScore {
		return fmt.Errorf("%w: zxcvbn score %d, at least %d required", ErrPasswordGuessable, score, MinPasswordScore)
	}
	return nil
}

// SignupProbeMaxAttempts is the hard cap on signup attempts one run of
// [PasswordSignupProbe] makes.
const SignupProbeMaxAttempts = 5

// signupProbePasswords are the blocked passwords the probe tries, in
// order, with how findings describe them.
var signupProbePasswords = []struct{ pw, desc string }{
	{"password", "the most common password (8 characters)"},
	{"12345678", "an 8-digit counting sequence"},
	{"abc1234", "a 7-character password"},
	{"qwerty123", "a keyboard walk with digits (9 characters)"},
	{"Password1", "a common password with composition (9 characters)"},
}

// SignupProbeOptions configures [PasswordSignupProbe].
type SignupProbeOptions struct {
	// Client sends the requests; nil means a client with a 30 s timeout.
	// Redirects are not followed and cookies are not kept.
	Client *http.Client
	// Body returns the request body for a username and password, as the
	// signup form or API expects it. Required.
	Body func(username, password string) []byte
	// ContentType of the body; empty means application/json when the
	// body starts with '{', else application/x-www-form-urlencoded.
	ContentType string
	// Method is the HTTP method; empty means POST.
	Method string
	// UsernamePattern names the test accounts; "{n}" is replaced with the
	// attempt number (1, 2, ...), else "-n" is appended. Required, and
	// should be a pattern the application cleans up, such as
	// "prodcheck-probe-{n}@example.test".
	UsernamePattern string
	// MaxAttempts is how many blocked passwords to try; 0 means 3, and
	// it is capped at SignupProbeMaxAttempts (5).
	MaxAttempts int
}

// PasswordSignupProbe is the opt-in active counterpart of
// [PasswordPolicy]: it signs up test accounts at a caller-named endpoint
// with blocked passwords ("password", "12345678", a 7-character one,
// ...), at most SignupProbeMaxAttempts requests, and expects each to be
// rejected with a 4xx status. ID security.password.signup, severity high:
// it fails with one finding per accepted password (a 2xx or 3xx answer),
// and is an Error when the endpoint rate-limits (429), fails (5xx) or
// cannot be reached before anything was accepted. Findings describe the
// password tried, never the request body. It creates accounts when the
// application is weak: point it at a test environment.
func PasswordSignupProbe(endpoint string, opts SignupProbeOptions) check.Check {
	meta := check.Meta{
		ID:       "security.password.signup",
		Target:   secret.RedactURL(endpoint),
		Title:    "Signup rejects blocklisted and short passwords",
		Section:  "Security Hardening / Authentication",
		Item:     "Implement password complexity requirements",
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "authentication", "password", "active"},
		Remediation: "Validate new passwords on the server: length (15+, 8+ with MFA) and a blocklist of common " +
			"passwords (config.ValidatePassword), and answer a rejected one with 400 or 422.",
		Refs: []string{"NIST SP 800-63B-4 §3.1.1.2", "OWASP ASVS 5.0 6.2.1, 6.2.4", "OWASP ASVS 4.0.3 2.1.1, 2.1.7"},
	}
	return check.New(meta, func(ctx context.Context) check.Result {
		return signupProbe(ctx, endpoint, opts)
	})
}

func signupUsername(pattern string, n int) string {
	if strings.Contains(pattern, "{n}") {
		return strings.ReplaceAll(pattern, "{n}", strconv.Itoa(n))
	}
	return pattern + "-" + strconv.Itoa(n)
}

func signupProbe(ctx context.Context, endpoint string, opts SignupProbeOptions) check.Result {
	shown := secret.RedactURL(endpoint)
	switch u, err := url.Parse(endpoint); {
	case opts.Body == nil:
		return check.Errorf("signup probe: no request body: set SignupProbeOptions.Body")
	case opts.UsernamePattern == "":
		return check.Errorf("signup probe: no test account pattern: set SignupProbeOptions.UsernamePattern")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return check.Errorf("signup probe: endpoint %s is not an http(s) URL", shown)
	}
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 3
	}
	attempts = min(attempts, SignupProbeMaxAttempts, len(signupProbePasswords))
	method := opts.Method
	if method == "" {
		method = http.MethodPost
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
		defer client.CloseIdleConnections()
	}
	c := *client
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	var findings []check.Finding
	rejected := 0
	for i := range attempts {
		p := signupProbePasswords[i]
		user := signupUsername(opts.UsernamePattern, i+1)
		status, err := signupOnce(ctx, &c, method, endpoint, opts.ContentType, opts.Body(user, p.pw))
		if err != nil {
			if len(findings) > 0 {
				break // the accepted passwords already decide
			}
			return check.Error(fmt.Errorf("signup probe: request to %s: %w", shown, err))
		}
		switch {
		case status == http.StatusTooManyRequests || status >= 500:
			if len(findings) > 0 {
				break
			}
			return check.Errorf("signup probe: %s answered %d to attempt %d: no verdict", shown, status, i+1)
		case status >= 400:
			rejected++
		default:
			findings = append(findings, check.Finding{
				Message:  "signup accepted " + p.desc,
				Location: check.Location{URL: shown, Resource: "account " + user},
				Expected: "a 4xx rejection",
				Actual:   strconv.Itoa(status),
			})
		}
	}
	return check.Judge(findings,
		fmt.Sprintf("signup rejected all %d blocked passwords", rejected),
		fmt.Sprintf("signup accepted %d of %d blocked passwords", len(findings), attempts))
}

func signupOnce(ctx context.Context, c *http.Client, method, endpoint, ct string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("building the request failed")
	}
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' {
			ct = "application/json"
		}
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "prodcheck (+https://github.com/prodcheck/prodcheck)")
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text quotes the URL
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// passwordDays renders a rotation period in days, or hours under a day.
func passwordDays(d time.Duration) string {
	if d < 24*time.Hour {
		return d.String()
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}
