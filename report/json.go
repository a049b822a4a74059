package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// Schema is the value of the "schema" field of the JSON format that [JSON]
// writes and [ReadJSON] reads.
const Schema = "prodcheck/v1"

// SchemaError is returned by [ReadJSON] for a document whose "schema"
// field is missing or names a schema other than [Schema].
type SchemaError struct {
	// Schema is the schema the document names; "" when it has none.
	Schema string
}

func (e *SchemaError) Error() string {
	if e.Schema == "" {
		return fmt.Sprintf("report: not a prodcheck JSON report: no %q field (want %q)", "schema", Schema)
	}
	return fmt.Sprintf("report: unsupported schema %q (this version reads %q)", e.Schema, Schema)
}

// JSON writes r as one indented JSON document in the prodcheck/v1 schema
// (see the package documentation): everything the Report holds, every
// finding included, and the verdict under the recorded policy. No field of
// opts applies. It fails, writing nothing, for a status or severity
// outside the enums.
func JSON(w io.Writer, r *check.Report, _ Options) error {
	if r == nil {
		return nilReport("json")
	}
	doc := toJSON(r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return write(w, "json", buf.Bytes())
}

// ReadJSON reads a report written by [JSON]. It rejects a document
// without the schema field or with another schema with a [*SchemaError].
// Errors come back as errors.New of their text, except that an outcome
// with a stack gets an error that [errors.As] finds as a
// [*check.PanicError] carrying the stack; counts, worst, passed and each
// outcome's failing and waived are ignored (they follow from the outcomes
// and the policy). Unknown fields are ignored, so that a newer writer may
// add fields within prodcheck/v1. Empty lists read as nil.
func ReadJSON(rd io.Reader) (*check.Report, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("report: reading JSON report: %w", err)
	}
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("report: decoding JSON report: %w", err)
	}
	if probe.Schema == nil || *probe.Schema != Schema {
		e := &SchemaError{}
		if probe.Schema != nil {
			e.Schema = *probe.Schema
		}
		return nil, e
	}
	var doc jsonReportIn
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("report: decoding JSON report: %w", err)
	}
	return doc.report(), nil
}

// jsonReportIn is what ReadJSON decodes: the derived fields, shadowed by
// shallower ones, are taken as raw JSON and dropped, so that whatever they
// hold never fails a read.
type jsonReportIn struct {
	jsonReport
	Passed json.RawMessage `json:"passed"`
	Worst  json.RawMessage `json:"worst"`
	Counts json.RawMessage `json:"counts"`
}

// The prodcheck/v1 document. Field names are part of the schema: never
// rename one, only add.
type jsonReport struct {
	Schema           string        `json:"schema"`
	Start            time.Time     `json:"start,omitzero"`
	Duration         jsonMillis    `json:"duration_ms"`
	Policy           jsonPolicy    `json:"policy"`
	Passed           bool          `json:"passed"`
	Worst            string        `json:"worst"`
	Counts           jsonCounts    `json:"counts"`
	Filtered         int           `json:"filtered"`
	StillRunning     int           `json:"still_running,omitempty"`
	Outcomes         []jsonOutcome `json:"outcomes"`
	ExpiredWaivers   []jsonWaiver  `json:"expired_waivers"`
	UnmatchedWaivers []jsonWaiver  `json:"unmatched_waivers"`
}

type jsonPolicy struct {
	Threshold           check.Severity `json:"threshold"`
	Strict              bool           `json:"strict"`
	AllowNothingChecked bool           `json:"allow_nothing_checked"`
}

// toJSONPolicy returns p as written: the zero threshold, which counts
// every Fail, is written as info, which does the same for every valid
// severity.
func toJSONPolicy(p check.Policy) jsonPolicy {
	if p.Threshold < check.SeverityInfo {
		p.Threshold = check.SeverityInfo
	}
	return jsonPolicy(p)
}

func (p jsonPolicy) policy() check.Policy { return check.Policy(p) }

type jsonCounts struct {
	Total     int `json:"total"`
	Pass      int `json:"pass"`
	Warn      int `json:"warn"`
	Fail      int `json:"fail"`
	Error     int `json:"error"`
	Skip      int `json:"skip"`
	Waived    int `json:"waived"`
	Abandoned int `json:"abandoned"`
	Failing   int `json:"failing"`
}

type jsonOutcome struct {
	// Meta
	ID          string         `json:"id"`
	Target      string         `json:"target,omitempty"`
	Title       string         `json:"title,omitempty"`
	Section     string         `json:"section,omitempty"`
	Item        string         `json:"item,omitempty"`
	Severity    check.Severity `json:"severity"`
	Tags        []string       `json:"tags,omitempty"`
	Timeout     jsonMillis     `json:"timeout_ms,omitzero"`
	Remediation string         `json:"remediation,omitempty"`
	Refs        []string       `json:"refs,omitempty"`
	// Result
	Status   check.Status  `json:"status"`
	Message  string        `json:"message"`
	Error    *string       `json:"error,omitempty"`
	Stack    string        `json:"stack,omitempty"`
	Findings []jsonFinding `json:"findings,omitempty"`
	// Run
	Start     time.Time    `json:"start,omitzero"`
	Duration  jsonMillis   `json:"duration_ms"`
	Waiver    *jsonApplied `json:"waiver,omitempty"`
	Waived    bool         `json:"waived,omitempty"`
	Failing   bool         `json:"failing,omitempty"`
	Abandoned bool         `json:"abandoned,omitempty"`
}

type jsonFinding struct {
	Message  string       `json:"message"`
	Location jsonLocation `json:"location,omitzero"`
	Expected string       `json:"expected,omitempty"`
	Actual   string       `json:"actual,omitempty"`
	Waived   bool         `json:"waived,omitempty"`
}

type jsonLocation struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	URL      string `json:"url,omitempty"`
	Resource string `json:"resource,omitempty"`
}

type jsonApplied struct {
	jsonWaiver
	State    string `json:"state"`
	Findings int    `json:"findings,omitempty"`
}

type jsonWaiver struct {
	ID       string    `json:"id"`
	Target   string    `json:"target,omitempty"`
	Location string    `json:"location,omitempty"`
	Reason   string    `json:"reason"`
	Approver string    `json:"approver,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

// jsonMillis is a time.Duration written as a JSON number of
// milliseconds, exact to the nanosecond: 1500, 0.25, 1234.567891. It reads
// any JSON number, rounding to the nanosecond.
type jsonMillis time.Duration

func (d jsonMillis) MarshalJSON() ([]byte, error) {
	ns := int64(d)
	var b []byte
	u := uint64(ns)
	if ns < 0 {
		b = append(b, '-')
		u = uint64(-(ns + 1)) + 1 // no overflow at math.MinInt64
	}
	b = fmt.Appendf(b, "%d", u/1e6)
	if frac := u % 1e6; frac != 0 {
		b = append(b, strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")...)
	}
	return b, nil
}

func (d *jsonMillis) UnmarshalJSON(data []byte) error {
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("report: duration in milliseconds: %w", err)
	}
	if !exactEnough(n.String()) {
		// A long number or a large exponent: exact arithmetic would cost
		// time and memory out of proportion, and a float is as good.
		f, err := n.Float64()
		ns := math.Round(f * 1e6)
		if err != nil || math.IsNaN(ns) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
			return fmt.Errorf("report: duration of %.40s ms is out of range", n.String())
		}
		*d = jsonMillis(int64(ns))
		return nil
	}
	ms, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return fmt.Errorf("report: duration in milliseconds: %q is not a number", n.String())
	}
	// Round to the nanosecond, half away from zero.
	ns := new(big.Rat).Mul(ms, big.NewRat(1e6, 1))
	q, r := new(big.Int).QuoRem(ns.Num(), ns.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(ns.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	if !q.IsInt64() || q.Int64() == math.MinInt64 {
		return fmt.Errorf("report: duration of %s ms is out of range", n.String())
	}
	*d = jsonMillis(q.Int64())
	return nil
}

func toJSON(r *check.Report) jsonReport {
	c := r.Counts()
	doc := jsonReport{
		Schema:   Schema,
		Start:    r.Start,
		Duration: jsonMillis(r.Duration),
		Passed:   r.Passed(),
		Worst:    r.Worst().String(),
		Counts: jsonCounts{
			Total: c.Total(), Pass: c.Pass, Warn: c.Warn, Fail: c.Fail, Error: c.Error,
			Skip: c.Skip, Waived: c.Waived, Abandoned: c.Abandoned, Failing: c.Failing,
		},
		Policy:           toJSONPolicy(r.Policy),
		Filtered:         r.Filtered,
		StillRunning:     r.StillRunning,
		Outcomes:         make([]jsonOutcome, len(r.Outcomes)),
		ExpiredWaivers:   toJSONWaivers(r.ExpiredWaivers),
		UnmatchedWaivers: toJSONWaivers(r.UnmatchedWaivers),
	}
	for i, o := range r.Outcomes {
		m, res := o.Meta, o.Result
		jo := jsonOutcome{
			ID: m.ID, Target: m.Target, Title: m.Title, Section: m.Section, Item: m.Item, Severity: m.Severity,
			Tags: m.Tags, Timeout: jsonMillis(m.Timeout), Remediation: m.Remediation, Refs: m.Refs,
			Status: res.Status, Message: res.Message,
			Start: o.Start, Duration: jsonMillis(o.Duration), Waived: isWaived(o), Failing: r.Policy.Fails(o), Abandoned: o.Abandoned,
		}
		if res.Err != nil {
			t := res.Err.Error()
			jo.Error = &t
			var pe *check.PanicError
			if errors.As(res.Err, &pe) {
				jo.Stack = pe.Stack
			}
		}
		for _, f := range res.Findings {
			jo.Findings = append(jo.Findings, jsonFinding{
				Message: f.Message, Location: jsonLocation(f.Location),
				Expected: f.Expected, Actual: f.Actual, Waived: f.Waived,
			})
		}
		if o.Waiver != nil {
			jo.Waiver = &jsonApplied{jsonWaiver: jsonWaiver(o.Waiver.Waiver), State: o.Waiver.State.String(), Findings: o.Waiver.Findings}
		}
		doc.Outcomes[i] = jo
	}
	return doc
}

func toJSONWaivers(ws []check.Waiver) []jsonWaiver {
	out := make([]jsonWaiver, len(ws))
	for i, w := range ws {
		out[i] = jsonWaiver(w)
	}
	return out
}

// report converts doc to a Report in canonical form: empty lists are nil
// and times are in a fixed zone (see canonicalTime), so that a report read back, written and
// read again is the same.
func (doc *jsonReport) report() *check.Report {
	r := &check.Report{
		Start:            canonicalTime(doc.Start),
		Duration:         time.Duration(doc.Duration),
		Policy:           toJSONPolicy(check.Policy(doc.Policy)).policy(),
		Filtered:         doc.Filtered,
		StillRunning:     doc.StillRunning,
		ExpiredWaivers:   fromJSONWaivers(doc.ExpiredWaivers),
		UnmatchedWaivers: fromJSONWaivers(doc.UnmatchedWaivers),
	}
	if len(doc.Outcomes) > 0 {
		r.Outcomes = make([]check.Outcome, len(doc.Outcomes))
	}
	for i, jo := range doc.Outcomes {
		o := check.Outcome{
			Meta: check.Meta{
				ID: jo.ID, Target: jo.Target, Title: jo.Title, Section: jo.Section, Item: jo.Item, Severity: jo.Severity,
				Tags: nilIfEmpty(jo.Tags), Timeout: time.Duration(jo.Timeout),
				Remediation: jo.Remediation, Refs: nilIfEmpty(jo.Refs),
			},
			Result:    check.Result{Status: jo.Status, Message: jo.Message},
			Start:     canonicalTime(jo.Start),
			Duration:  time.Duration(jo.Duration),
			Abandoned: jo.Abandoned,
		}
		switch {
		case jo.Stack != "":
			text := ""
			if jo.Error != nil {
				text = *jo.Error
			}
			o.Result.Err = panicErrorOf(text, jo.Stack)
		case jo.Error != nil:
			o.Result.Err = errors.New(*jo.Error)
		}
		if len(jo.Findings) > 0 {
			o.Result.Findings = make([]check.Finding, len(jo.Findings))
			for j, f := range jo.Findings {
				o.Result.Findings[j] = check.Finding{
					Message: f.Message, Location: check.Location(f.Location),
					Expected: f.Expected, Actual: f.Actual, Waived: f.Waived,
				}
			}
		}
		if jo.Waiver != nil {
			// An unknown state reads as zero: rendered, never waived.
			st, _ := check.ParseWaiverState(jo.Waiver.State)
			o.Waiver = &check.AppliedWaiver{Waiver: fromJSONWaiver(jo.Waiver.jsonWaiver), State: st, Findings: jo.Waiver.Findings}
		}
		r.Outcomes[i] = o
	}
	return r
}

// exactEnough reports whether the JSON number s is short, with a small
// exponent, so that it is cheap to read exactly.
func exactEnough(s string) bool {
	if len(s) > 64 {
		return false
	}
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	e, err := strconv.Atoi(s[i+1:])
	return err == nil && e >= -30 && e <= 30
}

// panicErrorOf restores the error of a panicking check from its text and
// stack: the *check.PanicError itself when its text reads back the same,
// else an error with that text wrapping one.
func panicErrorOf(text, stack string) error {
	if v, ok := strings.CutPrefix(text, "panic: "); ok {
		if pe := (&check.PanicError{Value: v, Stack: stack}); pe.Error() == text {
			return pe
		}
	}
	return &textError{text: text, err: &check.PanicError{Value: text, Stack: stack}}
}

// textError is an error with a given text wrapping another.
type textError struct {
	text string
	err  error
}

func (e *textError) Error() string { return e.text }
func (e *textError) Unwrap() error { return e.err }

func fromJSONWaivers(ws []jsonWaiver) []check.Waiver {
	if len(ws) == 0 {
		return nil
	}
	out := make([]check.Waiver, len(ws))
	for i, w := range ws {
		out[i] = fromJSONWaiver(w)
	}
	return out
}

func fromJSONWaiver(w jsonWaiver) check.Waiver {
	cw := check.Waiver(w)
	cw.Expires = canonicalTime(cw.Expires)
	return cw
}

// canonicalTime returns t in the zone its offset names, never Local, so
// that what ReadJSON returns does not depend on the machine's time zone:
// UTC for offset 0, otherwise an unnamed fixed zone. The zero instant is
// time.Time{}.
func canonicalTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	_, off := t.Zone()
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", off))
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
