package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	junit "github.com/joshdk/go-junit"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// rendered is a report in every format.
type rendered struct{ text, json, junit, markdown string }

func renderAll(t *testing.T, r *check.Report, opts report.Options) rendered {
	t.Helper()
	var out [4]bytes.Buffer
	require.NoError(t, report.Text(&out[0], r, opts))
	require.NoError(t, report.JSON(&out[1], r, opts))
	require.NoError(t, report.JUnit(&out[2], r, opts))
	require.NoError(t, report.Markdown(&out[3], r, opts))
	return rendered{out[0].String(), out[1].String(), out[2].String(), out[3].String()}
}

// prodcheckSchema compiles the shipped JSON Schema for prodcheck/v1.
func prodcheckSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("schema", "prodcheck-v1.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "prodcheck-v1.schema.json"
	require.NoError(t, c.AddResource(url, doc))
	sch, err := c.Compile(url)
	require.NoError(t, err)
	return sch
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err, name)
	assert.NoError(t, sch.Validate(inst), "%s does not follow the prodcheck/v1 schema", name)
}

// TestJSONSchema validates every golden JSON, and the JSON of reports made
// by a Runner, against the shipped schema, and checks that the schema
// rejects what it should.
func TestJSONSchema(t *testing.T) {
	sch := prodcheckSchema(t)
	goldens, err := filepath.Glob(filepath.Join("testdata", "*json*.golden"))
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	for _, path := range goldens {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		validateJSON(t, sch, path, data)
	}
	for name, r := range map[string]*check.Report{
		"empty":   {},
		"runner":  runnerReport(t),
		"fixture": fixture(),
	} {
		validateJSON(t, sch, name, []byte(renderAll(t, r, report.Options{}).json))
	}

	for name, doc := range map[string]string{
		"no schema":       `{"duration_ms": 0, "policy": {"threshold": "info", "strict": false, "allow_nothing_checked": false}, "passed": true, "worst": "pass", "counts": {"total": 0, "pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 0, "waived": 0, "abandoned": 0, "failing": 0}, "filtered": 0, "outcomes": [], "expired_waivers": [], "unmatched_waivers": []}`,
		"string duration": `{"schema": "prodcheck/v1", "duration_ms": "1.5s", "policy": {"threshold": "info", "strict": false, "allow_nothing_checked": false}, "passed": true, "worst": "pass", "counts": {"total": 0, "pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 0, "waived": 0, "abandoned": 0, "failing": 0}, "filtered": 0, "outcomes": [], "expired_waivers": [], "unmatched_waivers": []}`,
		"bad state":       `{"schema": "prodcheck/v1", "duration_ms": 1, "policy": {"threshold": "info", "strict": false, "allow_nothing_checked": false}, "passed": true, "worst": "pass", "counts": {"total": 0, "pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 0, "waived": 0, "abandoned": 0, "failing": 0}, "filtered": 0, "outcomes": [{"id": "a", "severity": "low", "status": "fail", "message": "m", "duration_ms": 1, "waiver": {"id": "a", "reason": "r", "state": "maybe"}}], "expired_waivers": [], "unmatched_waivers": []}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		require.NoError(t, err)
		assert.Error(t, sch.Validate(inst), name)
	}
}

// runnerReport runs a few checks through a Runner: a pass, a fail with
// findings, a panic and a skip.
func runnerReport(t *testing.T) *check.Report {
	t.Helper()
	checks := []check.Check{
		check.New(check.Meta{ID: "r.pass", Severity: check.SeverityLow}, func(context.Context) check.Result { return check.Pass("ok") }),
		check.New(check.Meta{ID: "r.fail", Target: "a.yml", Severity: check.SeverityHigh}, func(context.Context) check.Result {
			return check.Fail("bad", check.Finding{Message: "m", Location: check.Location{File: "a.yml", Line: 3}})
		}),
		check.New(check.Meta{ID: "r.panic", Severity: check.SeverityMedium}, func(context.Context) check.Result { panicInCheck(); return check.Pass("unreachable") }),
		check.New(check.Meta{ID: "r.skip", Severity: check.SeverityMedium}, func(context.Context) check.Result { return check.Skip("n/a") }),
	}
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	return rep
}

// panicInCheck panics as a buggy check would.
//
//go:noinline
func panicInCheck() {
	panic(errors.New("runbook missing"))
}

// TestPolicyOneVerdict is the run of the issue: a threshold of high and
// one medium Fail. The run passes, and every format says so.
func TestPolicyOneVerdict(t *testing.T) {
	checks := []check.Check{
		check.New(check.Meta{ID: "app.medium", Section: "S", Item: "medium item", Severity: check.SeverityMedium},
			func(context.Context) check.Result {
				return check.Fail("1 thing wrong", check.Finding{Message: "wrong", Location: check.Location{File: "app.yml", Line: 4}})
			}),
		check.New(check.Meta{ID: "app.ok", Section: "S", Item: "ok item", Severity: check.SeverityHigh},
			func(context.Context) check.Result { return check.Pass("fine") }),
	}
	runner := check.Runner{Policy: check.Policy{Threshold: check.SeverityHigh}}
	rep, err := runner.Run(t.Context(), checks...)
	require.NoError(t, err)
	require.NoError(t, rep.Err(), "the run passes: exit 0")
	out := renderAll(t, rep, report.Options{NoTimings: true})

	// JSON: passed under the recorded policy.
	var doc struct {
		Passed bool `json:"passed"`
		Policy struct {
			Threshold string `json:"threshold"`
			Strict    bool   `json:"strict"`
		} `json:"policy"`
		Counts   struct{ Fail, Failing int } `json:"counts"`
		Outcomes []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Failing bool   `json:"failing"`
		} `json:"outcomes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out.json), &doc))
	assert.True(t, doc.Passed)
	assert.Equal(t, "high", doc.Policy.Threshold)
	assert.Equal(t, 1, doc.Counts.Fail)
	assert.Equal(t, 0, doc.Counts.Failing)
	assert.Equal(t, "fail", doc.Outcomes[0].Status)
	assert.False(t, doc.Outcomes[0].Failing)
	got, err := report.ReadJSON(strings.NewReader(out.json))
	require.NoError(t, err)
	assert.Equal(t, rep.Policy, got.Policy, "the policy survives the round trip")
	assert.True(t, got.Passed())

	// JUnit: no <failure>; the fail is in the properties and system-out.
	assert.NotContains(t, out.junit, "<failure")
	suites, err := junit.Ingest([]byte(out.junit))
	require.NoError(t, err)
	require.Len(t, suites, 1)
	tc := suites[0].Tests[0]
	assert.Equal(t, "app.medium", tc.Name)
	assert.Equal(t, junit.StatusPassed, tc.Status)
	assert.Contains(t, tc.SystemOut, "fail: app.medium (medium): 1 thing wrong\ndoes not fail the run (policy: fail at high or above)\n")
	props := junitCaseProperties(t, out.junit)["app.medium"]
	assert.Equal(t, "fail", props["prodcheck.status"])
	assert.Equal(t, "false", props["prodcheck.failing"])
	assert.Equal(t, "fail at high or above", suites[0].Properties["prodcheck.policy"])

	// Text: the summary says passed, and why the fail does not count.
	assert.True(t, strings.HasPrefix(out.text,
		"PASSED: no check fails the run (policy: fail at high or above); 1 failure does not fail the run under this policy\n"+
			"2 checks: 1 passed, 0 warnings, 1 failed, 0 errors, 0 skipped\n\n"), out.text)
	assert.Contains(t, out.text, "1 thing wrong (below the threshold)\n")
	assert.True(t, strings.HasSuffix(out.text, "\nPASSED: 2 checks: 1 passed, 0 warnings, 1 failed, 0 errors, 0 skipped\n"), out.text)

	// Markdown: the same verdict.
	assert.True(t, strings.HasPrefix(out.markdown, "**prodcheck: PASSED**: no check fails the run (policy: fail at high or above)"), out.markdown)
}

// junitCaseProperties returns each testcase's <properties>, by name.
func junitCaseProperties(t *testing.T, doc string) map[string]map[string]string {
	t.Helper()
	var root struct {
		Suites []struct {
			Cases []struct {
				Name  string `xml:"name,attr"`
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(doc), &root))
	out := map[string]map[string]string{}
	for _, s := range root.Suites {
		for _, c := range s.Cases {
			m := map[string]string{}
			for _, p := range c.Props {
				m[p.Name] = p.Value
			}
			out[c.Name] = m
		}
	}
	return out
}

// TestFailingAgreesAcrossFormats renders the fixture under several
// policies: the JSON's passed and failing count, the JUnit's failures plus
// errors, and the text summary all give Report.Passed and Counts.Failing.
func TestFailingAgreesAcrossFormats(t *testing.T) {
	for _, p := range []check.Policy{
		{},
		{Threshold: check.SeverityHigh},
		{Threshold: check.SeverityCritical},
		{Threshold: check.SeverityLow, Strict: true},
		{Strict: true, AllowNothingChecked: true},
	} {
		t.Run(p.String(), func(t *testing.T) {
			r := fixture()
			r.Policy = p
			c := r.Counts()
			out := renderAll(t, r, report.Options{NoTimings: true})

			var doc struct {
				Passed bool `json:"passed"`
				Counts struct {
					Failing int `json:"failing"`
				} `json:"counts"`
			}
			require.NoError(t, json.Unmarshal([]byte(out.json), &doc))
			assert.Equal(t, r.Passed(), doc.Passed)
			assert.Equal(t, c.Failing, doc.Counts.Failing)

			var root struct {
				Failures int `xml:"failures,attr"`
				Errors   int `xml:"errors,attr"`
			}
			require.NoError(t, xml.Unmarshal([]byte(out.junit), &root))
			assert.Equal(t, c.Failing, root.Failures+root.Errors, "a <failure> or <error> is exactly an outcome that fails the run")
			failing := 0
			for _, props := range junitCaseProperties(t, out.junit) {
				if props["prodcheck.failing"] == "true" {
					failing++
				}
			}
			assert.Equal(t, c.Failing, failing)

			word := "PASSED"
			if !r.Passed() {
				word = "FAILED"
			}
			assert.True(t, strings.HasPrefix(out.text, word+": "), out.text)
			if c.Failing > 0 {
				assert.Contains(t, out.text, fmt.Sprintf("%s: %d checks fail the run", word, c.Failing))
			}
			assert.True(t, strings.HasPrefix(out.markdown, "**prodcheck: "+word+"**"))
		})
	}
}

// TestPanicStackInEveryFormat runs a panicking check and finds its own
// frame in every format; the JSON round trip keeps the stack.
func TestPanicStackInEveryFormat(t *testing.T) {
	rep := runnerReport(t)
	var pe *check.PanicError
	require.ErrorAs(t, rep.Outcomes[2].Result.Err, &pe)
	require.Contains(t, pe.Stack, "panicInCheck", "the Runner records the check's own frames")
	const frame = "report_test.panicInCheck()"
	out := renderAll(t, rep, report.Options{NoTimings: true})

	assert.Contains(t, out.text, "medium    panic: runbook missing\n      stack:\n        github.com/prodcheck/prodcheck/"+frame+"\n")

	var doc struct {
		Outcomes []struct {
			Stack string `json:"stack"`
		} `json:"outcomes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out.json), &doc))
	assert.Equal(t, pe.Stack, doc.Outcomes[2].Stack)
	back, err := report.ReadJSON(strings.NewReader(out.json))
	require.NoError(t, err)
	var backPE *check.PanicError
	require.ErrorAs(t, back.Outcomes[2].Result.Err, &backPE, "ReadJSON restores a *check.PanicError")
	assert.Equal(t, pe.Stack, backPE.Stack)
	assert.Equal(t, pe.Error(), back.Outcomes[2].Result.Err.Error())

	suites, err := junit.Ingest([]byte(out.junit))
	require.NoError(t, err)
	var je junit.Error
	require.ErrorAs(t, suites[0].Tests[2].Error, &je)
	assert.Contains(t, je.Body, "stack:\ngithub.com/prodcheck/prodcheck/"+frame+"\n")

	assert.Contains(t, out.markdown, "    - <details><summary>Stack</summary>\n\n      ```text\n      github.com/prodcheck/prodcheck/"+frame+"\n")
	assert.Contains(t, out.markdown, "      ```\n\n      </details>\n")
}

// TestPanicStackWrapped: a panic wrapped by another error (a source load
// that panicked) keeps its stack and its text through JSON.
func TestPanicStackWrapped(t *testing.T) {
	pe := &check.PanicError{Value: "boom", Stack: "f()\n\tf.go:1"}
	r := &check.Report{Outcomes: []check.Outcome{{
		Meta:   check.Meta{ID: "a.b", Severity: check.SeverityLow},
		Result: check.Result{Status: check.StatusError, Message: "load failed", Err: fmt.Errorf("load: %w", pe)},
	}}}
	out := renderAll(t, r, report.Options{})
	assert.Contains(t, out.text, "      error: load: panic: boom\n      stack:\n        f()\n        \tf.go:1\n")
	back, err := report.ReadJSON(strings.NewReader(out.json))
	require.NoError(t, err)
	assert.Equal(t, "load: panic: boom", back.Outcomes[0].Result.Err.Error())
	var got *check.PanicError
	require.True(t, errors.As(back.Outcomes[0].Result.Err, &got))
	assert.Equal(t, pe.Stack, got.Stack)
}

// TestTargetsInEveryFormat runs one rule against two targets in one run:
// each outcome is named by its target in every format.
func TestTargetsInEveryFormat(t *testing.T) {
	var checks []check.Check
	for _, url := range []string{"https://a.example.com", "https://b.example.com"} {
		checks = append(checks, check.New(check.Meta{ID: "http.hsts", Target: url, Section: "S", Item: "HSTS", Severity: check.SeverityHigh},
			func(context.Context) check.Result {
				return check.Fail("no HSTS", check.Finding{Message: "header missing", Location: check.Location{URL: url + "/"}})
			}))
	}
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	out := renderAll(t, rep, report.Options{NoTimings: true})
	for _, url := range []string{"https://a.example.com", "https://b.example.com"} {
		name := "http.hsts [" + url + "]"
		assert.Contains(t, out.text, "  ✗ "+name+"  high      no HSTS\n")
		assert.Contains(t, out.json, `"target": "`+url+`"`)
		assert.Contains(t, out.junit, `<testcase name="`+name+`"`)
		assert.Contains(t, out.markdown, "  - `"+name+"` **fail** (high): no HSTS\n")
	}
}
