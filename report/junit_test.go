package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	junit "github.com/joshdk/go-junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func ingest(t *testing.T, r *check.Report) []junit.Suite {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.JUnit(&buf, r, report.Options{}))
	wellFormed(t, buf.Bytes())
	suites, err := junit.Ingest(buf.Bytes())
	require.NoError(t, err)
	return suites
}

// wellFormed reads every token of doc with encoding/xml.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, "JUnit output is not well-formed XML:\n%s", doc)
	}
}

func TestJUnitIngest(t *testing.T) {
	suites := ingest(t, fixture())

	var names []string
	for _, s := range suites {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{secInfra, secAPI, secPG, secDBSec, "Other"}, names, "one suite per section, in order")

	var total junit.Totals
	tests := map[string]junit.Test{}
	for _, s := range suites {
		for _, tc := range s.Tests {
			assert.Equal(t, s.Name, tc.Classname, "classname is the section")
			tests[tc.Name] = tc
		}
		total.Tests += s.Totals.Tests
		total.Passed += s.Totals.Passed
		total.Failed += s.Totals.Failed
		total.Error += s.Totals.Error
		total.Skipped += s.Totals.Skipped
	}
	// 13 checks under "fail at medium or above": 3 failing fails, 3 errors,
	// 1 skip + 2 waived as skipped, 2 passes + 1 warning + 1 fail below
	// the threshold passing.
	assert.Equal(t, junit.Totals{Tests: 13, Passed: 4, Failed: 3, Error: 3, Skipped: 3}, total)

	status := map[string]junit.Status{}
	for name, tc := range tests {
		status[name] = tc.Status
	}
	assert.Equal(t, map[string]junit.Status{
		"docker.compose.image-pinned [deploy/compose.yml]": junit.StatusPassed,
		"docker.user.nonroot [deploy/compose.yml]":         junit.StatusFailed,
		"docker.healthcheck [deploy/compose.yml]":          junit.StatusSkipped, // waived fail
		"docker.ports.published [deploy/compose.yml]":      junit.StatusPassed,  // warn, not strict
		"security.headers.hsts [https://api.example.com]":  junit.StatusFailed,  // expired waiver
		"security.tls.version [api.example.com:443]":       junit.StatusError,   // a waiver never hides an error
		"security.cors [https://api.example.com]":          junit.StatusSkipped, // waived warn
		"postgres.wal": junit.StatusSkipped,
		"postgres.replication [postgres://db:5432/app]": junit.StatusError,  // abandoned
		"postgres.ssl [deploy/.env]":                    junit.StatusFailed, // partly waived
		"team.motd":                                     junit.StatusPassed,
		"team.oncall":                                   junit.StatusPassed, // a fail below the threshold
		"team.runbook":                                  junit.StatusError,  // panic
	}, status)

	nonroot := tests["docker.user.nonroot [deploy/compose.yml]"]
	assert.Equal(t, "3 of 5 services run as root", nonroot.Message)
	assert.Equal(t, 3*time.Millisecond, nonroot.Duration)
	assert.Equal(t, "compose.yml", nonroot.Properties["file"], "file and line of the first located finding")
	assert.Equal(t, "12", nonroot.Properties["line"])
	var je junit.Error
	require.ErrorAs(t, nonroot.Error, &je)
	assert.Equal(t, "critical", je.Type)
	assert.Contains(t, je.Body, "- runs as root (expected a non-root user, found root) at 3 places: compose.yml:12:5 service \"api\"; compose.yml:30:5 service \"worker\"; compose.yml:41:5 service \"cron\"\n")
	assert.Contains(t, je.Body, "fix: Set user: in each service, or USER in its Dockerfile.")

	hsts := tests["security.headers.hsts [https://api.example.com]"]
	assert.NotContains(t, hsts.Properties, "file", "a URL is no file")

	assert.Equal(t, "waived: legacy api, migrating in Q3 until 2027-01-31 by ana", tests["docker.healthcheck [deploy/compose.yml]"].Message)
	assert.Equal(t, "waived: public read-only API until 2026-09-30 by dee", tests["security.cors [https://api.example.com]"].Message)
	assert.Contains(t, tests["security.cors [https://api.example.com]"].SystemOut, "warn: security.cors [https://api.example.com] (medium): Access-Control-Allow-Origin: *")
	assert.Contains(t, tests["docker.ports.published [deploy/compose.yml]"].SystemOut,
		"warn: docker.ports.published [deploy/compose.yml] (low): 1 port published on all interfaces\ndoes not fail the run (policy: fail at medium or above)\n")
	assert.Contains(t, tests["team.oncall"].SystemOut, "fail: team.oncall (low): owner")
	assert.Contains(t, tests["team.oncall"].SystemOut, "\ndoes not fail the run (policy: fail at medium or above)\n")
	assert.Equal(t, "no PostgreSQL configured", tests["postgres.wal"].Message)

	require.ErrorAs(t, tests["security.tls.version [api.example.com:443]"].Error, &je)
	assert.Equal(t, "error", je.Type)
	assert.Contains(t, je.Body, "error: dial tcp 10.0.0.5:443: connect: connection refused", "Err text is in the body")
	require.ErrorAs(t, tests["postgres.replication [postgres://db:5432/app]"].Error, &je)
	assert.Equal(t, "abandoned", je.Type)
	assert.Equal(t, 32*time.Second, tests["postgres.replication [postgres://db:5432/app]"].Duration)
	require.ErrorAs(t, tests["team.runbook"].Error, &je)
	assert.Contains(t, je.Body, "stack:\nexample.com/team/checks.runbook(...)\n\t/src/team/checks/runbook.go:42 +0x1d\n")

	props := junitCaseProperties(t, buf(t, fixture()))
	assert.Equal(t, map[string]string{
		"prodcheck.id": "team.oncall", "prodcheck.status": "fail", "prodcheck.severity": "low", "prodcheck.failing": "false",
	}, props["team.oncall"])
	assert.Equal(t, map[string]string{
		"prodcheck.id": "postgres.ssl", "prodcheck.target": "deploy/.env", "prodcheck.status": "fail", "prodcheck.severity": "high",
		"prodcheck.failing": "true", "prodcheck.waiver": "partial",
	}, props["postgres.ssl [deploy/.env]"])
}

func buf(t *testing.T, r *check.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.JUnit(&b, r, report.Options{}))
	return b.String()
}

// TestJUnitStrict: under a strict policy a warning at or above the
// threshold is a <failure>; below it, it passes.
func TestJUnitStrict(t *testing.T) {
	r := &check.Report{Policy: check.Policy{Threshold: check.SeverityMedium, Strict: true}, Outcomes: []check.Outcome{
		sevOutcome("w.high", "S", check.SeverityHigh, check.Warn("hmm")),
		sevOutcome("w.low", "S", check.SeverityLow, check.Warn("hmm")),
	}}
	suites := ingest(t, r)
	require.Len(t, suites[0].Tests, 2)
	assert.Equal(t, junit.StatusFailed, suites[0].Tests[0].Status)
	var je junit.Error
	require.ErrorAs(t, suites[0].Tests[0].Error, &je)
	assert.Equal(t, "high", je.Type)
	assert.Equal(t, junit.StatusPassed, suites[0].Tests[1].Status)
}

func TestJUnitRootTotals(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JUnit(&buf, fixture(), report.Options{}))
	var root struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &root))
	assert.Equal(t, 13, root.Tests)
	assert.Equal(t, 3, root.Failures)
	assert.Equal(t, 3, root.Errors)
	assert.Equal(t, 3, root.Skipped)
	assert.Equal(t, "1.500", root.Time)
	assert.Len(t, root.Suites, 5)
}

func TestJUnitHostileText(t *testing.T) {
	// Control characters, invalid UTF-8, a CDATA terminator and markup in
	// results still give well-formed XML that reads back.
	nasty := "a\x00b\x1b[31m ]]> <x/> & \"q\" \xff\xfe end"
	r := &check.Report{Outcomes: []check.Outcome{
		{
			Meta:   check.Meta{ID: "x.fail", Section: "A & <B>", Severity: check.SeverityHigh, Remediation: nasty},
			Result: check.Result{Status: check.StatusFail, Message: nasty, Findings: []check.Finding{{Message: nasty}}, Err: errors.New(nasty + "!")},
		},
		{
			Meta:   check.Meta{ID: "x.warn", Severity: check.SeverityLow},
			Result: check.Warn(nasty, check.Finding{Message: "]]>"}),
		},
	}}
	suites := ingest(t, r)
	require.Len(t, suites, 2)
	assert.Equal(t, "A & <B>", suites[0].Name)
	tc := suites[0].Tests[0]
	assert.Equal(t, junit.StatusFailed, tc.Status)
	assert.Contains(t, tc.Message, "]]> <x/> & \"q\"")
	var je junit.Error
	require.ErrorAs(t, tc.Error, &je)
	assert.Contains(t, je.Body, "]]> <x/>")
	assert.Contains(t, suites[1].Tests[0].SystemOut, "- ]]>")
}

func TestJUnitEmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JUnit(&buf, &check.Report{}, report.Options{}))
	wellFormed(t, buf.Bytes())
	assert.True(t, strings.HasPrefix(buf.String(), xml.Header))
	assert.Contains(t, buf.String(), `<testsuites name="prodcheck" tests="0" failures="0" errors="0" skipped="0" time="0.000"></testsuites>`)
}
