package report_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixedStart is the start of the fixture run.
func fixedStart() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

const (
	secInfra = "Deployment / Docker & Infrastructure"
	secAPI   = "Security Hardening / API Security"
	secPG    = "Database Management / PostgreSQL"
	secDBSec = "Security Hardening / Database Security"
)

// fixture builds a report with fixed times that covers every status, a
// waived Fail and Warn, an expired waiver, a waiver that matched an Error,
// a partial location waiver, an unmatched waiver, an abandoned check, a
// panic with its stack, a Fail below the policy's threshold, targets,
// findings that differ only in their location, several sections (one
// without a name), and findings located by file:line, URL and resource.
// Empty lists are nil, as ReadJSON returns them.
func fixture() *check.Report {
	legacy := check.Waiver{ID: "docker.healthcheck", Reason: "legacy api, migrating in Q3", Approver: "ana", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
	expired := check.Waiver{ID: "security.headers.*", Reason: "CDN sets HSTS", Approver: "bob", Expires: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}
	tlsWaiver := check.Waiver{ID: "security.tls.*", Target: "api.example.com:*", Reason: "internal endpoint", Approver: "cy", Expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	cors := check.Waiver{ID: "security.cors", Reason: "public read-only API", Approver: "dee", Expires: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}
	pgLegacy := check.Waiver{ID: "postgres.ssl", Location: "service legacy", Reason: "legacy reporting db", Approver: "dee", Expires: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}
	unmatched := check.Waiver{ID: "redis.*", Reason: "redis retired", Approver: "bob", Expires: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}

	at := func(ms int) time.Time { return fixedStart().Add(time.Duration(ms) * time.Millisecond) }
	root := check.Finding{Message: "runs as root", Expected: "a non-root user", Actual: "root"}
	rootAt := func(line int, service string) check.Finding {
		f := root
		f.Location = check.Location{File: "compose.yml", Line: line, Col: 5, Resource: `service "` + service + `"`}
		return f
	}
	return &check.Report{
		Start:    fixedStart(),
		Duration: 1500 * time.Millisecond,
		Policy:   check.Policy{Threshold: check.SeverityMedium},
		Filtered: 2,
		Outcomes: []check.Outcome{
			{
				Meta:     check.Meta{ID: "docker.compose.image-pinned", Target: "deploy/compose.yml", Title: "Images are pinned", Section: secInfra, Item: "Pin image versions (no `latest`)", Severity: check.SeverityHigh, Tags: []string{"docker"}},
				Result:   check.Pass("all 6 images pinned by digest"),
				Start:    at(1),
				Duration: 12 * time.Millisecond,
			},
			{
				Meta: check.Meta{
					ID: "docker.user.nonroot", Target: "deploy/compose.yml", Title: "Containers run as non-root", Section: secInfra, Item: "Run containers as non-root",
					Severity: check.SeverityCritical, Tags: []string{"docker", "security"}, Timeout: 5 * time.Second,
					Remediation: "Set user: in each service, or USER in its Dockerfile.", Refs: []string{"CIS Docker 4.1"},
				},
				Result: check.Fail("3 of 5 services run as root",
					rootAt(12, "api"),
					check.Finding{Message: "no USER instruction", Location: check.Location{File: "worker/Dockerfile", Line: 1}, Expected: "USER 10001"},
					rootAt(30, "worker"),
					rootAt(41, "cron"),
				),
				Start:    at(1),
				Duration: 3 * time.Millisecond,
			},
			{
				Meta:     check.Meta{ID: "docker.healthcheck", Target: "deploy/compose.yml", Section: secInfra, Item: "Set appropriate health check intervals", Severity: check.SeverityMedium, Remediation: "Add a healthcheck."},
				Result:   check.Fail("1 service has no healthcheck", check.Finding{Message: "no healthcheck", Location: check.Location{File: "compose.yml", Line: 30, Resource: `service "legacy-api"`}}),
				Start:    at(2),
				Duration: 1 * time.Millisecond,
				Waiver:   &check.AppliedWaiver{Waiver: legacy, State: check.WaiverApplied},
			},
			{
				Meta:     check.Meta{ID: "docker.ports.published", Target: "deploy/compose.yml", Section: secInfra, Item: "Limit published ports", Severity: check.SeverityLow, Remediation: "Publish only the ports the proxy needs."},
				Result:   check.Warn("1 port published on all interfaces", check.Finding{Message: "published on 0.0.0.0", Location: check.Location{Resource: `service "db" port 5432`}, Actual: "0.0.0.0:5432"}),
				Start:    at(2),
				Duration: 1500 * time.Microsecond,
			},
			{
				Meta:     check.Meta{ID: "security.headers.hsts", Target: "https://api.example.com", Section: secAPI, Item: "Security headers added (X-Frame-Options, X-Content-Type-Options, etc.)", Severity: check.SeverityHigh, Remediation: "Send Strict-Transport-Security with max-age of at least one year."},
				Result:   check.Fail("no Strict-Transport-Security header", check.Finding{Message: "header missing", Location: check.Location{URL: "https://api.example.com/"}, Expected: "max-age=31536000; includeSubDomains"}),
				Start:    at(3),
				Duration: 250 * time.Millisecond,
				Waiver:   &check.AppliedWaiver{Waiver: expired, State: check.WaiverExpired},
			},
			{
				Meta:     check.Meta{ID: "security.tls.version", Target: "api.example.com:443", Section: secAPI, Item: "Enable HTTPS/SSL for all services", Severity: check.SeverityHigh},
				Result:   check.Result{Status: check.StatusError, Message: "could not connect to api.example.com:443", Err: fmt.Errorf("dial tcp 10.0.0.5:443: %w", errors.New("connect: connection refused"))},
				Start:    at(3),
				Duration: 5 * time.Second,
				Waiver:   &check.AppliedWaiver{Waiver: tlsWaiver, State: check.WaiverNotApplicable},
			},
			{
				Meta:     check.Meta{ID: "security.cors", Target: "https://api.example.com", Section: secAPI, Item: "CORS properly configured", Severity: check.SeverityMedium},
				Result:   check.Warn("Access-Control-Allow-Origin: *", check.Finding{Message: "any origin allowed", Location: check.Location{URL: "https://api.example.com/v1/items"}, Actual: "*"}),
				Start:    at(4),
				Duration: 80 * time.Millisecond,
				Waiver:   &check.AppliedWaiver{Waiver: cors, State: check.WaiverApplied},
			},
			{
				Meta:     check.Meta{ID: "postgres.wal", Section: secPG, Item: "Enable WAL (Write-Ahead Logging)", Severity: check.SeverityMedium},
				Result:   check.Skip("no PostgreSQL configured"),
				Start:    at(4),
				Duration: 0,
			},
			{
				Meta:      check.Meta{ID: "postgres.replication", Target: "postgres://db:5432/app", Section: secPG, Item: "Configure streaming replication", Severity: check.SeverityHigh, Timeout: 30 * time.Second},
				Result:    check.Result{Status: check.StatusError, Message: "timed out after 30s and still running 2s later (it ignores its context): abandoned: context deadline exceeded", Err: fmt.Errorf("timed out after 30s and still running 2s later (it ignores its context): abandoned: %w", errors.New("context deadline exceeded"))},
				Start:     at(4),
				Duration:  32 * time.Second,
				Abandoned: true,
			},
			{
				Meta: check.Meta{ID: "postgres.ssl", Target: "deploy/.env", Section: secDBSec, Item: "Enable database connection encryption (SSL/TLS)", Severity: check.SeverityHigh, Remediation: "Set sslmode=verify-full in every DSN."},
				Result: check.Fail("2 DSNs without TLS",
					check.Finding{Message: "sslmode=disable", Location: check.Location{File: ".env", Line: 3, Resource: "service legacy"}, Expected: "verify-full", Actual: "disable", Waived: true},
					check.Finding{Message: "sslmode=prefer", Location: check.Location{File: ".env", Line: 7, Resource: "service api"}, Expected: "verify-full", Actual: "prefer"},
				),
				Start:    at(5),
				Duration: 2 * time.Millisecond,
				Waiver:   &check.AppliedWaiver{Waiver: pgLegacy, State: check.WaiverPartial, Findings: 1},
			},
			{
				Meta:     check.Meta{ID: "team.motd", Title: "Message of the day is set", Severity: check.SeverityInfo},
				Result:   check.Pass("motd set"),
				Start:    at(5),
				Duration: 100 * time.Microsecond,
			},
			{
				Meta:     check.Meta{ID: "team.oncall", Severity: check.SeverityLow, Remediation: "Name an owner in OWNERS."},
				Result:   check.Fail("owner *unknown* <none> | see [runbook](http://x) & \x1b[31mred\x1b[0m", check.Finding{Message: "1. no owner # at all"}),
				Start:    at(6),
				Duration: 1 * time.Millisecond,
			},
			{
				Meta:     check.Meta{ID: "team.runbook", Title: "A runbook is linked", Severity: check.SeverityMedium},
				Result:   check.Result{Status: check.StatusError, Message: "panic: assignment to entry in nil map", Err: fixturePanic()},
				Start:    at(6),
				Duration: 1 * time.Millisecond,
			},
		},
		ExpiredWaivers:   []check.Waiver{expired},
		UnmatchedWaivers: []check.Waiver{unmatched},
	}
}

// fixturePanic is the error the Runner records for a check that panicked,
// with a fixed stack.
func fixturePanic() *check.PanicError {
	return &check.PanicError{
		Value: "assignment to entry in nil map",
		Stack: "example.com/team/checks.runbook(...)\n\t/src/team/checks/runbook.go:42 +0x1d\n" +
			"example.com/team/checks.Runbook.func1({0x7f2a40, 0xc000010000})\n\t/src/team/checks/runbook.go:17 +0x25",
	}
}

// golden compares got with testdata/name.golden, or rewrites the file
// under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./report -update to create it")
	assert.Equal(t, string(want), string(got), "output differs from %s; run go test ./report -update if the change is intended", path)
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		render func(*bytes.Buffer, *check.Report) error
	}{
		{"text", func(b *bytes.Buffer, r *check.Report) error { return report.Text(b, r, report.Options{}) }},
		{"text-color", func(b *bytes.Buffer, r *check.Report) error {
			return report.Text(b, r, report.Options{Color: true, NoTimings: true, MaxFindings: 1})
		}},
		{"text-checklist", func(b *bytes.Buffer, r *check.Report) error {
			return report.Text(b, r, report.Options{NoTimings: true, Order: report.OrderChecklist, MaxFindings: -1})
		}},
		{"json", func(b *bytes.Buffer, r *check.Report) error { return report.JSON(b, r, report.Options{}) }},
		{"junit", func(b *bytes.Buffer, r *check.Report) error { return report.JUnit(b, r, report.Options{}) }},
		{"markdown", func(b *bytes.Buffer, r *check.Report) error { return report.Markdown(b, r, report.Options{}) }},
		{"markdown-cut", func(b *bytes.Buffer, r *check.Report) error {
			return report.Markdown(b, r, report.Options{MaxSize: 2000, FullReport: "https://ci.example.com/jobs/42/artifacts/prodcheck.json"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.render(&buf, fixture()))
			golden(t, tt.name, buf.Bytes())
		})
	}
}
