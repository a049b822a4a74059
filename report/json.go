package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// (see the package documentation). It fails, writing nothing, for a status
// or severity outside the enums.
func JSON(w io.Writer, r *check.Report) error {
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
// Errors come back as errors.New of their text; counts, worst and passed
// are ignored (they follow from the outcomes). Unknown fields are ignored,
// so that a newer writer may add fields within prodcheck/v1. Empty lists
// read as nil.
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
	Schema              string        `json:"schema"`
	Start               time.Time     `json:"start,omitzero"`
	Duration            jsonDuration  `json:"duration"`
	Passed              bool          `json:"passed"`
	Worst               string        `json:"worst"`
	Counts              jsonCounts    `json:"counts"`
	Strict              bool          `json:"strict"`
	AllowNothingChecked bool          `json:"allow_nothing_checked"`
	Filtered            int           `json:"filtered"`
	Outcomes            []jsonOutcome `json:"outcomes"`
	ExpiredWaivers      []jsonWaiver  `json:"expired_waivers"`
	UnmatchedWaivers    []jsonWaiver  `json:"unmatched_waivers"`
}

type jsonCounts struct {
	Total     int `json:"total"`
	Pass      int `json:"pass"`
	Warn      int `json:"warn"`
	Fail      int `json:"fail"`
	Error     int `json:"error"`
	Skip      int `json:"skip"`
	Waived    int `json:"waived"`
	Abandoned int `json:"abandoned"`
}

type jsonOutcome struct {
	// Meta
	ID          string         `json:"id"`
	Title       string         `json:"title,omitempty"`
	Section     string         `json:"section,omitempty"`
	Item        string         `json:"item,omitempty"`
	Severity    check.Severity `json:"severity"`
	Tags        []string       `json:"tags,omitempty"`
	Timeout     jsonDuration   `json:"timeout,omitzero"`
	Remediation string         `json:"remediation,omitempty"`
	Refs        []string       `json:"refs,omitempty"`
	// Result
	Status   check.Status  `json:"status"`
	Message  string        `json:"message"`
	Error    *string       `json:"error,omitempty"`
	Findings []jsonFinding `json:"findings,omitempty"`
	// Run
	Start     time.Time    `json:"start,omitzero"`
	Duration  jsonDuration `json:"duration"`
	Waiver    *jsonWaiver  `json:"waiver,omitempty"`
	Waived    bool         `json:"waived,omitempty"`
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

type jsonWaiver struct {
	ID       string    `json:"id"`
	Location string    `json:"location,omitempty"`
	Reason   string    `json:"reason"`
	Approver string    `json:"approver,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

// jsonDuration is a time.Duration written as a Go duration string ("1.5s",
// "250ms"), which time.ParseDuration reads back exactly.
type jsonDuration time.Duration

func (d jsonDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *jsonDuration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("report: duration: %w", err)
	}
	*d = jsonDuration(v)
	return nil
}

func toJSON(r *check.Report) jsonReport {
	c := r.Counts()
	doc := jsonReport{
		Schema:   Schema,
		Start:    r.Start,
		Duration: jsonDuration(r.Duration),
		Passed:   r.Passed(check.SeverityInfo),
		Worst:    r.Worst().String(),
		Counts: jsonCounts{
			Total: c.Total(), Pass: c.Pass, Warn: c.Warn, Fail: c.Fail, Error: c.Error,
			Skip: c.Skip, Waived: c.Waived, Abandoned: c.Abandoned,
		},
		Strict:              r.Strict,
		AllowNothingChecked: r.AllowNothingChecked,
		Filtered:            r.Filtered,
		Outcomes:            make([]jsonOutcome, len(r.Outcomes)),
		ExpiredWaivers:      toJSONWaivers(r.ExpiredWaivers),
		UnmatchedWaivers:    toJSONWaivers(r.UnmatchedWaivers),
	}
	for i, o := range r.Outcomes {
		m, res := o.Meta, o.Result
		jo := jsonOutcome{
			ID: m.ID, Title: m.Title, Section: m.Section, Item: m.Item, Severity: m.Severity,
			Tags: m.Tags, Timeout: jsonDuration(m.Timeout), Remediation: m.Remediation, Refs: m.Refs,
			Status: res.Status, Message: res.Message,
			Start: o.Start, Duration: jsonDuration(o.Duration), Waived: o.Waived, Abandoned: o.Abandoned,
		}
		if res.Err != nil {
			t := res.Err.Error()
			jo.Error = &t
		}
		for _, f := range res.Findings {
			jo.Findings = append(jo.Findings, jsonFinding{
				Message: f.Message, Location: jsonLocation(f.Location),
				Expected: f.Expected, Actual: f.Actual, Waived: f.Waived,
			})
		}
		if o.Waiver != nil {
			w := jsonWaiver(*o.Waiver)
			jo.Waiver = &w
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
		Start:               canonicalTime(doc.Start),
		Duration:            time.Duration(doc.Duration),
		Strict:              doc.Strict,
		AllowNothingChecked: doc.AllowNothingChecked,
		Filtered:            doc.Filtered,
		ExpiredWaivers:      fromJSONWaivers(doc.ExpiredWaivers),
		UnmatchedWaivers:    fromJSONWaivers(doc.UnmatchedWaivers),
	}
	if len(doc.Outcomes) > 0 {
		r.Outcomes = make([]check.Outcome, len(doc.Outcomes))
	}
	for i, jo := range doc.Outcomes {
		o := check.Outcome{
			Meta: check.Meta{
				ID: jo.ID, Title: jo.Title, Section: jo.Section, Item: jo.Item, Severity: jo.Severity,
				Tags: nilIfEmpty(jo.Tags), Timeout: time.Duration(jo.Timeout),
				Remediation: jo.Remediation, Refs: nilIfEmpty(jo.Refs),
			},
			Result:    check.Result{Status: jo.Status, Message: jo.Message},
			Start:     canonicalTime(jo.Start),
			Duration:  time.Duration(jo.Duration),
			Waived:    jo.Waived,
			Abandoned: jo.Abandoned,
		}
		if jo.Error != nil {
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
			w := fromJSONWaiver(*jo.Waiver)
			o.Waiver = &w
		}
		r.Outcomes[i] = o
	}
	return r
}

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
