package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
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
// text, or for a panic a *check.PanicError with the panic's text and
// stack, as ReadJSON returns them.
func errorsAsText(r *check.Report) *check.Report {
	c := *r
	c.Outcomes = slices.Clone(r.Outcomes)
	for i := range c.Outcomes {
		err := c.Outcomes[i].Result.Err
		if err == nil {
			continue
		}
		var pe *check.PanicError
		if errors.As(err, &pe) && strings.HasPrefix(err.Error(), "panic: ") {
			c.Outcomes[i].Result.Err = &check.PanicError{Value: strings.TrimPrefix(err.Error(), "panic: "), Stack: pe.Stack}
			continue
		}
		c.Outcomes[i].Result.Err = errors.New(err.Error())
	}
	return &c
}

func TestJSONRoundTrip(t *testing.T) {
	want := fixture()
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, want, report.Options{}))

	got, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	assert.Equal(t, errorsAsText(want), got)

	// What follows from the outcomes is the same after the trip.
	assert.Equal(t, want.Counts(), got.Counts())
	assert.Equal(t, want.Worst(), got.Worst())
	assert.Equal(t, want.Err().Error(), got.Err().Error())
	assert.Equal(t, want.Passed(), got.Passed())
}

func TestJSONRoundTripEmpty(t *testing.T) {
	for _, r := range []*check.Report{{}, {Start: fixedStart(), Policy: check.Policy{Threshold: check.SeverityHigh, AllowNothingChecked: true, Strict: true}}} {
		var buf bytes.Buffer
		require.NoError(t, report.JSON(&buf, r, report.Options{}))
		got, err := report.ReadJSON(&buf)
		require.NoError(t, err)
		want := *r
		want.Policy.Threshold = max(want.Policy.Threshold, check.SeverityInfo) // the zero threshold reads as info
		assert.Equal(t, &want, got)
		assert.Equal(t, r.Passed(), got.Passed())
	}
}

func TestJSONFields(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JSON(&buf, fixture(), report.Options{}))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))

	assert.Equal(t, "prodcheck/v1", doc["schema"])
	assert.Equal(t, "2026-03-01T12:00:00Z", doc["start"], "times are RFC 3339")
	assert.Equal(t, 1500.0, doc["duration_ms"], "durations are numbers of milliseconds")
	assert.Equal(t, map[string]any{"threshold": "medium", "strict": false, "allow_nothing_checked": false}, doc["policy"])
	assert.Equal(t, false, doc["passed"])
	assert.Equal(t, "error", doc["worst"])
	assert.Equal(t, map[string]any{
		"total": 13.0, "pass": 2.0, "warn": 2.0, "fail": 5.0, "error": 3.0, "skip": 1.0, "waived": 2.0, "abandoned": 1.0, "failing": 6.0,
	}, doc["counts"])
	assert.Equal(t, 2.0, doc["filtered"])

	outcomes := doc["outcomes"].([]any)
	require.Len(t, outcomes, 13)
	byName := map[string]map[string]any{}
	for _, o := range outcomes {
		m := o.(map[string]any)
		byName[m["id"].(string)] = m
	}
	tls := outcomes[5].(map[string]any)
	assert.Equal(t, "security.tls.version", tls["id"])
	assert.Equal(t, "api.example.com:443", tls["target"])
	assert.Equal(t, "error", tls["status"])
	assert.Equal(t, "high", tls["severity"])
	assert.Equal(t, "dial tcp 10.0.0.5:443: connect: connection refused", tls["error"], "errors are strings")
	assert.Equal(t, 5000.0, tls["duration_ms"])
	assert.Equal(t, true, tls["failing"])
	assert.Equal(t, map[string]any{
		"id": "security.tls.*", "target": "api.example.com:*", "reason": "internal endpoint", "approver": "cy",
		"expires": "2026-12-31T00:00:00Z", "state": "not-applicable",
	}, tls["waiver"], "the waiver decision, with its state")

	assert.Equal(t, "partial", byName["postgres.ssl"]["waiver"].(map[string]any)["state"])
	assert.Equal(t, 1.0, byName["postgres.ssl"]["waiver"].(map[string]any)["findings"])
	assert.Equal(t, true, byName["docker.healthcheck"]["waived"])
	assert.NotContains(t, byName["docker.healthcheck"], "failing", "a waived fail does not fail the run")
	assert.NotContains(t, byName["team.oncall"], "failing", "a fail below the threshold does not fail the run")
	assert.Equal(t, 5000.0, byName["docker.user.nonroot"]["timeout_ms"])
	assert.Equal(t, fixturePanic().Stack, byName["team.runbook"]["stack"])

	// Keys are snake_case and stable.
	for _, k := range []string{"expired_waivers", "unmatched_waivers"} {
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
	require.NoError(t, report.JSON(&buf, r, report.Options{}))
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
			err := report.JSON(&buf, r, report.Options{})
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
		{"bad duration", `{"schema": "prodcheck/v1", "duration_ms": "soon"}`, false, `duration`},
		{"duration out of range", `{"schema": "prodcheck/v1", "duration_ms": 1e300}`, false, `out of range`},
		{"bad policy", `{"schema": "prodcheck/v1", "policy": {"threshold": "urgent"}}`, false, `unknown severity "urgent"`},
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
	assert.Equal(t, check.Counts{Fail: 1, Failing: 1}, r.Counts(), "the zero policy fails at every severity")
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
	f.Add([]byte(`{"schema":"prodcheck/v1","start":"2026-03-01T12:00:00.5+05:30","duration_ms":3723000.000004,"outcomes":[{"id":"a","status":"unknown","severity":"","error":"","tags":[],"findings":[{}],"waiver":{}}],"expired_waivers":[{}]}`))
	f.Add([]byte(`{"schema":"prodcheck/v1","start":"0001-01-01T01:00:00+01:00","outcomes":[{"start":"0001-01-01T00:00:00Z","timeout_ms":0}]}`))
	f.Add([]byte(`{"schema":"prodcheck/v1","policy":{"threshold":"high","strict":true},"outcomes":[{"id":"a","status":"error","error":"panic: x","stack":"f()\n\tf.go:1"},{"id":"b","status":"error","stack":"g()"},{"id":"c","status":"error","error":"load: panic: y","stack":"h()"}]}`))
	f.Add([]byte(`{"schema":"prodcheck/v1","duration_ms":-9223372036854.775808,"outcomes":[{"duration_ms":1.0000005,"waiver":{"state":"partial","findings":2}}]}`))
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
		require.NoError(t, report.JSON(&b1, r1, report.Options{}), "a report ReadJSON accepts must be writable")
		r2, err := report.ReadJSON(bytes.NewReader(b1.Bytes()))
		require.NoError(t, err, "JSON output must be readable:\n%s", b1.String())
		require.Equal(t, r1, r2)
		var b2 bytes.Buffer
		require.NoError(t, report.JSON(&b2, r2, report.Options{}))
		require.Equal(t, b1.String(), b2.String(), "the encoding is stable")
		// Every renderer copes with whatever was read.
		for _, render := range []func() error{
			func() error { return report.Text(&bytes.Buffer{}, r2, report.Options{Color: true}) },
			func() error { return report.JUnit(&bytes.Buffer{}, r2, report.Options{}) },
			func() error { return report.Markdown(&bytes.Buffer{}, r2, report.Options{}) },
		} {
			require.NoError(t, render())
		}
	})
}

func TestJSONDurationExact(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{1234567891 * time.Nanosecond, `"duration_ms": 1234.567891`},
		{1500 * time.Millisecond, `"duration_ms": 1500`},
		{250 * time.Microsecond, `"duration_ms": 0.25`},
		{1, `"duration_ms": 0.000001`},
		{0, `"duration_ms": 0`},
		{-1500 * time.Microsecond, `"duration_ms": -1.5`},
		{math.MaxInt64, `"duration_ms": 9223372036854.775807`},
		{math.MinInt64 + 1, `"duration_ms": -9223372036854.775807`},
	}
	for _, tt := range tests {
		r := &check.Report{Duration: tt.d}
		var buf bytes.Buffer
		require.NoError(t, report.JSON(&buf, r, report.Options{}))
		assert.Contains(t, buf.String(), tt.want)
		got, err := report.ReadJSON(&buf)
		require.NoError(t, err)
		assert.Equal(t, r.Duration, got.Duration, "%v reads back exactly", tt.d)
	}
}

func TestReadJSONMillis(t *testing.T) {
	// Any JSON number reads, rounded to the nanosecond.
	for in, want := range map[string]time.Duration{
		`1500`:          1500 * time.Millisecond,
		`1.5e3`:         1500 * time.Millisecond,
		`0.0000004`:     0,
		`0.0000005`:     time.Nanosecond,
		`-0.0000005`:    -time.Nanosecond,
		`12.3456789`:    12345679 * time.Nanosecond,
		`2E-3`:          2 * time.Microsecond,
		`86400000`:      24 * time.Hour,
		`0.999999999e3`: 999999999 * time.Nanosecond,
	} {
		r, err := report.ReadJSON(strings.NewReader(`{"schema": "prodcheck/v1", "duration_ms": ` + in + `}`))
		require.NoError(t, err, in)
		assert.Equal(t, want, r.Duration, in)
	}
}
