package gotest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// Options configures [Checks]. The zero value is ready to use.
type Options struct {
	// Client makes the requests; nil means a client that does not follow
	// redirects (a redirect is an answer worth checking).
	Client *http.Client
	// MinHSTSAge is the shortest acceptable Strict-Transport-Security
	// max-age: 0 means 180 days.
	MinHSTSAge time.Duration
}

// maxBody bounds what a check reads of a response body.
const maxBody = 1 << 20

// Checks returns the checks of the web service at baseURL
// ("https://app.example.com"): /healthz answers 200, and the home page sends
// X-Content-Type-Options: nosniff and a long-lived HSTS header. Each
// check's target is the URL it reads. The checks are safe for concurrent
// use, and read each URL once per run.
func Checks(baseURL string, opts Options) []check.Check {
	client := opts.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	minAge := opts.MinHSTSAge
	if minAge <= 0 {
		minAge = 180 * 24 * time.Hour
	}
	base := strings.TrimSuffix(baseURL, "/")
	health := Get(client, base+"/healthz")
	home := Get(client, base+"/")
	return []check.Check{
		Healthy(health),
		NoSniff(home),
		HSTS(home, minAge),
	}
}

// Response is what the checks read of an HTTP response.
type Response struct {
	URL    string
	Status int
	Header http.Header
}

// A Page is a URL and the source that GETs it once per run: the checks
// built on it share one response, and name the URL as their target.
type Page struct {
	URL string
	src *check.Source[Response]
}

// Fetch returns the run's response for the page.
func (p Page) Fetch(ctx context.Context) (Response, error) {
	if p.src == nil {
		return Response{}, fmt.Errorf("gotest: %s: page not made by Get", p.URL)
	}
	return p.src.Get(ctx)
}

// Get returns the Page of url, fetched with client once per run.
func Get(client *http.Client, url string) Page {
	return Page{URL: url, src: check.NewSource(func(ctx context.Context) (Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return Response{}, fmt.Errorf("gotest: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return Response{}, fmt.Errorf("gotest: %w", err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // so the connection is reused
		return Response{URL: url, Status: resp.StatusCode, Header: resp.Header}, nil
	})}
}

const section = "Deployment / Web service"

// Healthy checks that the health endpoint answers 200 OK.
func Healthy(health Page) check.Check {
	return check.New(check.Meta{
		ID:          "app.health.ok",
		Target:      health.URL,
		Title:       "The health endpoint answers 200 OK",
		Section:     section,
		Item:        "Health checks are configured and pass",
		Severity:    check.SeverityCritical,
		Tags:        []string{"availability"},
		Remediation: "Make /healthz answer 200 once the service can serve requests.",
	}, func(ctx context.Context) check.Result {
		r, err := health.Fetch(ctx)
		if err != nil {
			return check.Error(err)
		}
		if r.Status == http.StatusOK {
			return check.Pass(fmt.Sprintf("GET %s: %d", r.URL, r.Status))
		}
		return check.Fail(fmt.Sprintf("GET %s: %d", r.URL, r.Status), check.Finding{
			Message:  "the health endpoint does not answer 200",
			Location: check.Location{URL: r.URL},
			Expected: "200 OK",
			Actual:   fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)),
		})
	})
}

// NoSniff checks that the page is sent with X-Content-Type-Options: nosniff.
func NoSniff(page Page) check.Check {
	return check.New(check.Meta{
		ID:          "app.headers.nosniff",
		Target:      page.URL,
		Title:       "Responses forbid MIME sniffing",
		Section:     section,
		Item:        "Security headers are set",
		Severity:    check.SeverityMedium,
		Tags:        []string{"security", "headers"},
		Remediation: "Send X-Content-Type-Options: nosniff with every response.",
		Refs:        []string{"OWASP ASVS 14.4.4"},
	}, func(ctx context.Context) check.Result {
		r, err := page.Fetch(ctx)
		if err != nil {
			return check.Error(err)
		}
		got := r.Header.Get("X-Content-Type-Options")
		if strings.EqualFold(strings.TrimSpace(got), "nosniff") {
			return check.Pass("X-Content-Type-Options: nosniff")
		}
		return check.Fail("X-Content-Type-Options is not nosniff", check.Finding{
			Message:  "MIME sniffing is allowed",
			Location: check.Location{URL: r.URL, Resource: "header X-Content-Type-Options"},
			Expected: "nosniff",
			Actual:   orAbsent(got),
		})
	})
}

// HSTS checks that an HTTPS page is sent with Strict-Transport-Security and
// a max-age of at least minAge. It skips a page served over plain HTTP.
func HSTS(page Page, minAge time.Duration) check.Check {
	return check.New(check.Meta{
		ID:          "app.headers.hsts",
		Target:      page.URL,
		Title:       "Browsers are told to use HTTPS only",
		Section:     section,
		Item:        "Security headers are set",
		Severity:    check.SeverityHigh,
		Tags:        []string{"security", "headers", "tls"},
		Remediation: fmt.Sprintf("Send Strict-Transport-Security: max-age=%d; includeSubDomains.", int(minAge.Seconds())),
		Refs:        []string{"RFC 6797", "OWASP ASVS 14.4.5"},
	}, func(ctx context.Context) check.Result {
		r, err := page.Fetch(ctx)
		if err != nil {
			return check.Error(err)
		}
		if !strings.HasPrefix(r.URL, "https://") {
			return check.Skip("served over plain HTTP: HSTS applies to HTTPS only")
		}
		got := r.Header.Get("Strict-Transport-Security")
		age, ok := maxAge(got)
		if ok && age >= minAge {
			return check.Pass(fmt.Sprintf("Strict-Transport-Security max-age=%d (%d days)", int(age.Seconds()), int(age.Hours()/24)))
		}
		return check.Fail("no long-lived Strict-Transport-Security header", check.Finding{
			Message:  "HSTS is missing or too short",
			Location: check.Location{URL: r.URL, Resource: "header Strict-Transport-Security"},
			Expected: fmt.Sprintf("max-age of at least %d seconds", int(minAge.Seconds())),
			Actual:   orAbsent(got),
		})
	})
}

// maxAge returns the max-age directive of a Strict-Transport-Security value.
func maxAge(hsts string) (time.Duration, bool) {
	for d := range strings.SplitSeq(hsts, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		if !strings.EqualFold(name, "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	return 0, false
}

func orAbsent(v string) string {
	if v == "" {
		return "absent"
	}
	return strconv.Quote(v)
}
