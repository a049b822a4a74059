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
	require.NoError(t, report.JUnit(&buf, r))
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
	// 12 checks: 4 unwaived fails, 2 errors, 1 skip + 2 waived as skipped,
	// 2 passes + 1 unwaived warning passing.
	assert.Equal(t, junit.Totals{Tests: 12, Passed: 3, Failed: 4, Error: 2, Skipped: 3}, total)

	status := map[string]junit.Status{}
	for name, tc := range tests {
		status[name] = tc.Status
	}
	assert.Equal(t, map[string]junit.Status{
		"docker.image.pinned":    junit.StatusPassed,
		"docker.user.nonroot":    junit.StatusFailed,
		"docker.healthcheck":     junit.StatusSkipped, // waived fail
		"docker.ports.published": junit.StatusPassed,  // warn
		"security.headers.hsts":  junit.StatusFailed,  // expired waiver
		"security.tls.version":   junit.StatusError,   // a waiver never hides an error
		"security.cors":          junit.StatusSkipped, // waived warn
		"postgres.wal":           junit.StatusSkipped,
		"postgres.replication":   junit.StatusError, // abandoned
		"postgres.ssl":           junit.StatusFailed,
		"team.motd":              junit.StatusPassed,
		"team.oncall":            junit.StatusFailed,
	}, status)

	nonroot := tests["docker.user.nonroot"]
	assert.Equal(t, "2 of 5 services run as root", nonroot.Message)
	assert.Equal(t, 3*time.Millisecond, nonroot.Duration)
	var je junit.Error
	require.ErrorAs(t, nonroot.Error, &je)
	assert.Equal(t, "critical", je.Type)
	assert.Contains(t, je.Body, "docker-compose.yml:12:5 service \"api\": runs as root (expected a non-root user, found root)")
	assert.Contains(t, je.Body, "fix: Set user: in each service, or USER in its Dockerfile.")

	assert.Equal(t, "waived: legacy api, migrating in Q3 until 2027-01-31 by ana", tests["docker.healthcheck"].Message)
	assert.Equal(t, "waived: public read-only API until 2026-09-30", tests["security.cors"].Message)
	assert.Contains(t, tests["security.cors"].SystemOut, "warn: security.cors (medium): Access-Control-Allow-Origin: *")
	assert.Contains(t, tests["docker.ports.published"].SystemOut, "warn: docker.ports.published (low): 1 port published on all interfaces")
	assert.Equal(t, "no PostgreSQL configured", tests["postgres.wal"].Message)

	require.ErrorAs(t, tests["security.tls.version"].Error, &je)
	assert.Equal(t, "error", je.Type)
	assert.Contains(t, je.Body, "error: dial tcp 10.0.0.5:443: connect: connection refused", "Err text is in the body")
	require.ErrorAs(t, tests["postgres.replication"].Error, &je)
	assert.Equal(t, "abandoned", je.Type)
	assert.Equal(t, 32*time.Second, tests["postgres.replication"].Duration)
}

func TestJUnitRootTotals(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.JUnit(&buf, fixture()))
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
	assert.Equal(t, 12, root.Tests)
	assert.Equal(t, 4, root.Failures)
	assert.Equal(t, 2, root.Errors)
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
	require.NoError(t, report.JUnit(&buf, &check.Report{}))
	wellFormed(t, buf.Bytes())
	assert.True(t, strings.HasPrefix(buf.String(), xml.Header))
	assert.Contains(t, buf.String(), `<testsuites name="prodcheck" tests="0" failures="0" errors="0" skipped="0" time="0.000"></testsuites>`)
}
