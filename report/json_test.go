package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// errorsAsText returns a copy of r whose errors are errors.New of their
// text, as ReadJSON returns them.
func errorsAsText(r *check.Report) *check.Report {
	c := *r
	c.Outcomes = slices.Clone(r.Outcomes)
	for i := range c.Outcomes {
		if err := c.Outcomes[i].Result.Err; err != nil {
			c.Outcomes[i].Result.Err = errors.New(err.Error())
		}
	}
	return &c
}

func TestJSONRoundTrip(t *testing.T) {
	want := fixture()
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, want))

	got, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	assert.Equal(t, errorsAsText(want), got)

	// What follows from the outcomes is the same after the trip.
	assert.Equal(t, want.Counts(), got.Counts())
	assert.Equal(t, want.Worst(), got.Worst())
	assert.Equal(t, want.Err(check.SeverityHigh).Error(), got.Err(check.SeverityHigh).Error())
}

func TestJSONRoundTripEmpty(t *testing.T) {
	for _, r := range []*check.Report{{}, {Start: fixedStart(), AllowNothingChecked: true, Strict: true}} {
		var buf bytes.Buffer
		require.NoError(t, report.JSON(&buf, r))
		got, err := report.ReadJSON(&buf)
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
}

func TestJSONFields(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, fixture()))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))

	assert.Equal(t, "prodcheck/v1", doc["schema"])
	assert.Equal(t, "2026-03-01T12:00:00Z", doc["start"], "times are RFC 3339")
	assert.Equal(t, "1.5s", doc["duration"], "durations are Go duration strings")
	assert.Equal(t, false, doc["passed"])
	assert.Equal(t, "error", doc["worst"])
	assert.Equal(t, map[string]any{
		"total": 12.0, "pass": 2.0, "warn": 2.0, "fail": 5.0, "error": 2.0, "skip": 1.0, "waived": 2.0, "abandoned": 1.0,
	}, doc["counts"])
	assert.Equal(t, 2.0, doc["filtered"])

	outcomes := doc["outcomes"].([]any)
	require.Len(t, outcomes, 12)
	tls := outcomes[5].(map[string]any)
	assert.Equal(t, "security.tls.version", tls["id"])
	assert.Equal(t, "error", tls["status"])
	assert.Equal(t, "high", tls["severity"])
	assert.Equal(t, "dial tcp 10.0.0.5:443: connect: connection refused", tls["error"], "errors are strings")
	assert.Equal(t, "5s", tls["duration"])
	assert.Equal(t, "2026-12-31T00:00:00Z", tls["waiver"].(map[string]any)["expires"])

	// Keys are snake_case and stable.
	for _, k := range []string{"allow_nothing_checked", "expired_waivers", "unmatched_waivers"} {
		assert.Contains(t, doc, k)
	}
	// HTML is not escaped, so messages stay readable.
	assert.Contains(t, buf.String(), `<none>`)
}

func TestJSONPassed(t *testing.T) {
	r := &check.Report{Outcomes: []check.Outcome{
		{Meta: check.Meta{ID: "a", Severity: check.SeverityLow}, Result: check.Pass("ok")},
	}}
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, r))
	assert.Contains(t, buf.String(), `"passed": true`)
	assert.Contains(t, buf.String(), `"worst": "pass"`)
}

func TestJSONInvalidEnum(t *testing.T) {
	for name, r := range map[string]*check.Report{
		"status":   {Outcomes: []check.Outcome{{Meta: check.Meta{ID: "a", Severity: check.SeverityLow}, Result: check.Result{Status: check.Status(42)}}}},
		"severity": {Outcomes: []check.Outcome{{Meta: check.Meta{ID: "a", Severity: check.Severity(-1)}, Result: check.Pass("ok")}}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := report.JSON(&buf, r)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "report: json: "), err.Error())
			assert.Zero(t, buf.Len(), "nothing is written on error")
		})
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, in string
		schema   bool   // a *SchemaError
		contains string // in the error
	}{
		{"no schema", `{"outcomes": []}`, true, `no "schema" field`},
		{"null schema", `{"schema": null}`, true, `no "schema" field`},
		{"other schema", `{"schema": "prodcheck/v2"}`, true, `unsupported schema "prodcheck/v2"`},
		{"sarif", `{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}`, true, `want "prodcheck/v1"`},
		{"schema not a string", `{"schema": 1}`, false, "decoding JSON report"},
		{"empty", ``, false, "decoding JSON report"},
		{"not JSON", `<testsuites/>`, false, "decoding JSON report"},
		{"array", `[{"schema": "prodcheck/v1"}]`, false, "decoding JSON report"},
		{"trailing data", `{"schema": "prodcheck/v1"} {}`, false, "decoding JSON report"},
		{"bad status", `{"schema": "prodcheck/v1", "outcomes": [{"id": "a", "status": "green"}]}`, false, `unknown status "green"`},
		{"bad severity", `{"schema": "prodcheck/v1", "outcomes": [{"id": "a", "severity": "urgent"}]}`, false, `unknown severity "urgent"`},
		{"bad duration", `{"schema": "prodcheck/v1", "duration": "soon"}`, false, `duration`},
		{"numeric duration", `{"schema": "prodcheck/v1", "duration": 1500}`, false, `decoding JSON report`},
		{"bad time", `{"schema": "prodcheck/v1", "start": "yesterday"}`, false, `decoding JSON report`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := report.ReadJSON(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, r)
			assert.True(t, strings.HasPrefix(err.Error(), "report: "), err.Error())
			assert.Contains(t, err.Error(), tt.contains)
			var se *report.SchemaError
			assert.Equal(t, tt.schema, errors.As(err, &se), "errors.As(*SchemaError): %v", err)
		})
	}
}

func TestReadJSONLenient(t *testing.T) {
	// Unknown fields are ignored, derived fields too, statuses are read
	// whatever their case, and errors come back as their text.
	in := `{
		"schema": "prodcheck/v1",
		"generator": "prodcheck 9.9",
		"worst": "something new",
		"passed": "maybe",
		"counts": {"pass": 99, "extra": 1},
		"outcomes": [{"id": "a", "severity": "HIGH", "status": "Fail", "message": "m", "error": "boom", "future": {"x": 1}}]
	}`
	r, err := report.ReadJSON(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, r.Outcomes, 1)
	o := r.Outcomes[0]
	assert.Equal(t, check.SeverityHigh, o.Meta.Severity)
	assert.Equal(t, check.StatusFail, o.Result.Status)
	require.Error(t, o.Result.Err)
	assert.Equal(t, "boom", o.Result.Err.Error())
	assert.Equal(t, check.Counts{Fail: 1}, r.Counts())
}

func TestReadJSONGarbage(t *testing.T) {
	// Whatever comes in, ReadJSON returns a report or an error, never
	// panics.
	inputs := []string{
		"\x00\x01\x02", "{", "}", "null", "true", `"prodcheck/v1"`, `{"schema":"prodcheck/v1","outcomes":null}`,
		`{"schema":"prodcheck/v1","outcomes":[null]}`, `{"schema":"prodcheck/v1","outcomes":[{"waiver":null,"findings":[null]}]}`,
		`{"schema":"prodcheck/v1","outcomes":[{"findings":[{"location":{"line":-1}}]}]}`,
		`{"schema":"prodcheck/v1","duration":"-2562047h47m16.854775808s"}`,
		`{"schema":"prodcheck/v1","duration":"9999999999h"}`,
		`{"schema":"prodcheck/v1","start":"0000-01-01T00:00:00+01:00"}`,
		strings.Repeat("[", 100000),
	}
	for _, in := range inputs {
		assert.NotPanics(t, func() { _, _ = report.ReadJSON(strings.NewReader(in)) }, "%.40q", in)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadJSONReadError(t *testing.T) {
	_, err := report.ReadJSON(failingReader{})
	require.Error(t, err)
	assert.Equal(t, "report: reading JSON report: disk on fire", err.Error())
}

// FuzzJSONRoundTrip decodes arbitrary bytes with ReadJSON; whatever it
// accepts must survive JSON and ReadJSON unchanged.
func FuzzJSONRoundTrip(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "json.golden"))
	require.NoError(f, err)
	f.Add(golden)
	f.Add([]byte(`{"schema":"prodcheck/v1"}`))
	f.Add([]byte(`{"schema":"prodcheck/v1","start":"2026-03-01T12:00:00.5+05:30","duration":"1h2m3.000000004s","outcomes":[{"id":"a","status":"unknown","severity":"","error":"","tags":[],"findings":[{}],"waiver":{}}],"expired_waivers":[{}]}`))
	f.Add([]byte(`{"schema":"prodcheck/v1","start":"0001-01-01T01:00:00+01:00","outcomes":[{"start":"0001-01-01T00:00:00Z","timeout":"0s"}]}`))
	f.Add([]byte(`{"schema":"prodcheck/v2"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r1, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, r1)
			require.True(t, strings.HasPrefix(err.Error(), "report: "), err.Error())
			return
		}
		var b1 bytes.Buffer
		require.NoError(t, report.JSON(&b1, r1), "a report ReadJSON accepts must be writable")
		r2, err := report.ReadJSON(bytes.NewReader(b1.Bytes()))
		require.NoError(t, err, "JSON output must be readable:\n%s", b1.String())
		require.Equal(t, r1, r2)
		var b2 bytes.Buffer
		require.NoError(t, report.JSON(&b2, r2))
		require.Equal(t, b1.String(), b2.String(), "the encoding is stable")
		// Every renderer copes with whatever was read.
		for _, render := range []func() error{
			func() error { return report.Text(&bytes.Buffer{}, r2, report.TextOptions{Color: true}) },
			func() error { return report.JUnit(&bytes.Buffer{}, r2) },
			func() error { return report.Markdown(&bytes.Buffer{}, r2) },
		} {
			require.NoError(t, render())
		}
	})
}

func TestJSONDurationExact(t *testing.T) {
	r := &check.Report{Duration: 1234567891 * time.Nanosecond}
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, r))
	assert.Contains(t, buf.String(), `"duration": "1.234567891s"`)
	got, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	assert.Equal(t, r.Duration, got.Duration)
}
