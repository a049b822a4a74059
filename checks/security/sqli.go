package security

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

// SQLiMaxRequests is the most requests [SQLInjection] sends to one URL in
// a run, the baseline GET included.
const SQLiMaxRequests = 40

// sqliPayloads are appended to a parameter's value, in order: the quote
// and bracket payloads of ZAP 40018's error-based test.
var sqliPayloads = []string{`'`, `"`, `')`, `"))`, `'"`}

// sqliHarmless is appended to a value to learn whether any odd value
// gives a 500, not just a quote.
const sqliHarmless = "a"

const (
	sqliSection = "Security Hardening / API Security"
	sqliItem    = "SQL injection prevention"
)

// SQLInjectionOptions configures [SQLInjection].
type SQLInjectionOptions struct {
	// Params are the GET parameters probed, in order; empty means the
	// URL's own query parameters. A parameter the URL lacks is added
	// with an empty value.
	Params []string
	// Client sends the requests; nil means the default client of [Page].
	Client *http.Client
	// Header holds extra request headers, for example Authorization.
	Header http.Header
	// MaxRequests caps the requests; 0, or more than [SQLiMaxRequests],
	// means SQLiMaxRequests.
	MaxRequests int
}

// SQLInjection returns the SQL injection checks of one URL's GET
// parameters, in the manner of ZAP's rule 40018, judged on one series of
// at most [SQLiMaxRequests] GETs per run: the baseline, then for each
// parameter its value with each of ' " ') ")) '" appended, then, for a
// numeric value v, the arithmetic pair (v+2)-2 and (v+3)-2. A parameter
// stops at its first decisive answer.
//
//   - security.sqli.error-based (high) fails when a payload brings a
//     database error (PostgreSQL, MySQL, SQLite, SQL Server, Oracle,
//     JDBC/PDO) the baseline lacked, or a 500 that the harmless value
//     v+"a" does not cause;
//   - security.sqli.differential (medium) warns when (v+2)-2 is answered
//     exactly like v and (v+3)-2 is not: the value reached an evaluator,
//     most likely the database.
//
// Parameters left untested for the cap warn on both. Only GET is sent.
func SQLInjection(pageURL string, opts SQLInjectionOptions) []check.Check {
	p := NewPage(pageURL, HTTPOptions{Client: opts.Client, Header: opts.Header})
	s := &sqliSource{page: p, opts: opts}
	s.src = check.NewSource(s.load)
	target := p.URL()
	meta := func(id, title string, sev check.Severity, remediation string) check.Meta {
		return check.Meta{
			ID:          id,
			Target:      target,
			Title:       title,
			Section:     sqliSection,
			Item:        sqliItem,
			Severity:    sev,
			Tags:        []string{"security", "http", "injection", "active"},
			Remediation: remediation,
			Refs:        []string{"ZAP 40018", "OWASP WSTG-INPV-05", "OWASP ASVS 5.0 1.2.4", "CWE-89", "OWASP SQL Injection Prevention Cheat Sheet"},
		}
	}
	const fix = "Pass every value as a bound parameter ($1, ?) of a prepared statement or a query builder; never format values into SQL text. "
	return []check.Check{
		check.New(meta("security.sqli.error-based", "No quote or bracket in a GET parameter causes a database error or a 500", check.SeverityHigh,
			fix+"Answer database errors with a generic 500 page, never the driver's message."), s.judgeError),
		check.New(meta("security.sqli.differential", "No GET parameter is evaluated as SQL arithmetic", check.SeverityMedium,
			fix+"Parse numeric parameters as numbers (strconv.Atoi) and refuse anything else with 400."), s.judgeDifferential),
	}
}

// sqliParam is what the series found for one parameter.
type sqliParam struct {
	name     string
	tested   bool
	sigs     []string // new database error families
	payload  string   // the payload that decided
	status   int      // the status of the deciding answer
	control  int      // status of the harmless value, when sent
	numeric  bool
	arith    bool   // (v+2)-2 answered like v and (v+3)-2 not
	arithMsg string // the pair sent
}

type sqliSeries struct {
	params []*sqliParam
	sent   int
	base   *Response
}

type sqliSource struct {
	page *Page
	opts SQLInjectionOptions
	src  *check.Source[*sqliSeries]
}

func (s *sqliSource) budget() int {
	if s.opts.MaxRequests <= 0 || s.opts.MaxRequests > SQLiMaxRequests {
		return SQLiMaxRequests
	}
	return s.opts.MaxRequests
}

// errProbeCap ends a series when the cap is reached.
var errProbeCap = errors.New("security: request cap reached")

// prober sends GETs with one parameter changed, within a budget.
type prober struct {
	page   *Page
	query  []queryPair
	budget int
	sent   int
}

func (pr *prober) get(ctx context.Context, name, value string) (*Response, error) {
	if pr.sent >= pr.budget {
		return nil, errProbeCap
	}
	u := *pr.page.u
	u.RawQuery = withParam(pr.query, name, value)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	pr.sent++
	return pr.page.Do(ctx, req)
}

func (s *sqliSource) load(ctx context.Context) (*sqliSeries, error) {
	if s.page.err != nil {
		return nil, s.page.err
	}
	q := parseQuery(s.page.u.RawQuery)
	names := paramNames(q, s.opts.Params)
	if len(names) == 0 {
		return nil, fmt.Errorf("security: %s has no query parameter to probe: name them in SQLInjectionOptions.Params", s.page.URL())
	}
	pr := &prober{page: s.page, query: q, budget: s.budget()}
	out := &sqliSeries{}
	for _, n := range names {
		out.params = append(out.params, &sqliParam{name: n})
	}
	// The baseline: the URL as given (its parameters unchanged).
	base, err := pr.get(ctx, "", "")
	if err != nil {
		return nil, err
	}
	out.base = base
	baseSigs := matchSignatures(base.Body, sigSQL)
	for _, p := range out.params {
		err := s.probeParam(ctx, pr, p, base, baseSigs)
		if errors.Is(err, errProbeCap) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out.sent = pr.sent
	return out, nil
}

func (s *sqliSource) probeParam(ctx context.Context, pr *prober, p *sqliParam, base *Response, baseSigs []string) error {
	v := paramValue(pr.query, p.name)
	// Reserve the whole error-based series up front so a parameter is
	// either tested or reported untested, never half.
	if pr.budget-pr.sent < len(sqliPayloads) {
		return errProbeCap
	}
	p.tested = true
	controlled := false
	for _, pl := range sqliPayloads {
		r, err := pr.get(ctx, p.name, v+pl)
		if err != nil {
			if errors.Is(err, errProbeCap) {
				return nil
			}
			return err
		}
		if sigs := newSignatures(matchSignatures(r.Body, sigSQL), baseSigs); len(sigs) > 0 {
			p.sigs, p.payload, p.status = sigs, pl, r.Status
			return nil
		}
		if r.Status >= 500 && base.Status < 500 && !controlled {
			controlled = true
			c, err := pr.get(ctx, p.name, v+sqliHarmless)
			if errors.Is(err, errProbeCap) {
				return nil
			}
			if err != nil {
				return err
			}
			p.control = c.Status
			if c.Status < 500 {
				p.payload, p.status = pl, r.Status
				return nil
			}
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < -1<<40 || n > 1<<40 {
		return nil
	}
	p.numeric = true
	same := fmt.Sprintf("%d-2", n+2)
	other := fmt.Sprintf("%d-2", n+3)
	p.arithMsg = fmt.Sprintf("%s and %s against %s", same, other, v)
	r1, err := pr.get(ctx, p.name, same)
	if err != nil {
		return ignoreBudget(err)
	}
	if r1.Status != base.Status || !bytes.Equal(r1.Body, base.Body) {
		return nil
	}
	r2, err := pr.get(ctx, p.name, other)
	if err != nil {
		return ignoreBudget(err)
	}
	p.arith = r2.Status != base.Status || !bytes.Equal(r2.Body, base.Body)
	return nil
}

func ignoreBudget(err error) error {
	if errors.Is(err, errProbeCap) {
		return nil
	}
	return err
}

func (s *sqliSource) judgeError(ctx context.Context) check.Result {
	ser, err := s.src.Get(ctx)
	if err != nil {
		return check.Error(err)
	}
	var fs []check.Finding
	for _, p := range ser.params {
		loc := check.Location{URL: s.page.URL(), Resource: fmt.Sprintf("parameter %q", p.name)}
		switch {
		case !p.tested:
			fs = append(fs, untested(loc, s.budget()))
		case len(p.sigs) > 0:
			fs = append(fs, check.Finding{Message: "a database error appears when " + strconv.Quote(p.payload) + " is appended", Location: loc,
				Expected: "the same answer as for any other bad value, with no database error",
				Actual:   fmt.Sprintf("%d with %s (absent from the baseline)", p.status, strings.Join(p.sigs, ", "))})
		case p.status >= 500:
			fs = append(fs, check.Finding{Message: "a 500 appears when " + strconv.Quote(p.payload) + " is appended, but not for a harmless value", Location: loc,
				Expected: "the same answer as for the harmless value " + strconv.Quote(sqliHarmless) + " appended",
				Actual:   fmt.Sprintf("%d for %q, %d for %q", p.status, p.payload, p.control, sqliHarmless)})
		}
	}
	return judgeSeries(fs, ser, "no database error or 500 for quote and bracket payloads", "a database query breaks on quotes: SQL injection")
}

func (s *sqliSource) judgeDifferential(ctx context.Context) check.Result {
	ser, err := s.src.Get(ctx)
	if err != nil {
		return check.Error(err)
	}
	var fs []check.Finding
	var numeric int
	for _, p := range ser.params {
		loc := check.Location{URL: s.page.URL(), Resource: fmt.Sprintf("parameter %q", p.name)}
		switch {
		case !p.tested:
			fs = append(fs, untested(loc, s.budget()))
		case p.arith:
			fs = append(fs, check.Finding{Message: "the parameter is evaluated as arithmetic", Location: loc,
				Expected: "a different answer for an expression than for the number",
				Actual:   "identical answers for " + p.arithMsg})
		}
		if p.numeric {
			numeric++
		}
	}
	res := judgeSeries(fs, ser, fmt.Sprintf("no arithmetic evaluated (%d numeric parameters)", numeric), "a parameter is evaluated as an expression: likely SQL injection")
	if res.Status == check.StatusFail {
		res.Status = check.StatusWarn
	}
	return res
}

func untested(loc check.Location, budget int) check.Finding {
	return check.Finding{Message: "not tested", Location: loc, Expected: "tested",
		Actual: fmt.Sprintf("not sent: the cap of %d requests was reached", budget)}
}

// judgeSeries fails on any finding but untested parameters, warns on
// those, and passes otherwise.
func judgeSeries(fs []check.Finding, ser *sqliSeries, pass, fail string) check.Result {
	var bad, skipped []check.Finding
	for _, f := range fs {
		if f.Message == "not tested" {
			skipped = append(skipped, f)
		} else {
			bad = append(bad, f)
		}
	}
	switch {
	case len(bad) > 0:
		return check.Fail(fmt.Sprintf("%s (%d requests)", fail, ser.sent), append(bad, skipped...)...)
	case len(skipped) > 0:
		return check.Warn(fmt.Sprintf("%d of %d parameters not tested within the cap (%d requests)", len(skipped), len(ser.params), ser.sent), skipped...)
	}
	return check.Pass(fmt.Sprintf("%s (%d parameters, %d requests)", pass, len(ser.params), ser.sent))
}

// queryPair is one key=value of a raw query, in order, as sent.
type queryPair struct {
	rawKey, rawValue string
	key              string // decoded
	hasValue         bool
}

func parseQuery(raw string) []queryPair {
	var out []queryPair
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		out = append(out, queryPair{rawKey: k, rawValue: v, key: key, hasValue: ok})
	}
	return out
}

// paramNames returns the parameters to probe: the caller's, or the
// query's distinct keys in order.
func paramNames(q []queryPair, want []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(want) > 0 {
		for _, n := range want {
			add(n)
		}
		return out
	}
	for _, p := range q {
		add(p.key)
	}
	return out
}

// paramValue returns the decoded value of name's first occurrence.
func paramValue(q []queryPair, name string) string {
	for _, p := range q {
		if p.key == name {
			v, err := url.QueryUnescape(p.rawValue)
			if err != nil {
				return p.rawValue
			}
			return v
		}
	}
	return ""
}

// withParam renders q with the first occurrence of name set to value,
// appending it when absent; other pairs are sent as they were. An empty
// name renders q unchanged.
func withParam(q []queryPair, name, value string) string {
	var b strings.Builder
	done := name == ""
	for _, p := range q {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		if !done && p.key == name {
			b.WriteString(p.rawKey + "=" + url.QueryEscape(value))
			done = true
			continue
		}
		b.WriteString(p.rawKey)
		if p.hasValue {
			b.WriteString("=" + p.rawValue)
		}
	}
	if !done {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(name) + "=" + url.QueryEscape(value))
	}
	return b.String()
}
