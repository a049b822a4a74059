package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// sharedErrorReport has three checks stopped by one load error of one
// target, one check of another target with the same error, and a check
// with an error of its own.
func sharedErrorReport() *check.Report {
	loadErr := errors.New("docker: compose: compose.yaml:5: invalid spec: :/data: empty section between colons")
	stopped := func(id, target string) check.Outcome {
		r := check.Error(loadErr)
		r.Findings = []check.Finding{{Message: loadErr.Error(), Location: check.Location{File: "compose.yaml", Line: 5}}}
		return check.Outcome{Meta: check.Meta{ID: id, Target: target, Severity: check.SeverityHigh, Section: "Deployment / Docker"}, Result: r}
	}
	return &check.Report{Outcomes: []check.Outcome{
		stopped("docker.compose.image-pinned", "deploy/compose.yaml"),
		stopped("docker.compose.healthcheck", "deploy/compose.yaml"),
		stopped("docker.compose.restart-policy", "deploy/compose.yaml"),
		stopped("docker.compose.image-pinned", "other/compose.yaml"),
		{Meta: check.Meta{ID: "tls.version", Target: "https://example.com", Severity: check.SeverityHigh, Section: "Security"}, Result: check.Error(errors.New("dial: connection refused"))},
	}}
}

func TestSharedErrorShownOnce(t *testing.T) {
	for name, render := range map[string]func(*bytes.Buffer, *check.Report) error{
		"text": func(b *bytes.Buffer, r *check.Report) error {
			return report.Text(b, r, report.Options{NoTimings: true})
		},
		"markdown": func(b *bytes.Buffer, r *check.Report) error { return report.Markdown(b, r, report.Options{}) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, render(&buf, sharedErrorReport()))
			out := buf.String()
			_, rest, _ := strings.Cut(out, "Stopped 3 checks")
			if name == "text" {
				_, rest, _ = strings.Cut(out, "stopped 3 checks")
			}
			before, _, _ := strings.Cut(rest, "other/compose.yaml")
			assert.NotContains(t, before, "empty section between colons", "the sections name the shared error, not its words\n%s", out)
			assert.Contains(t, out, "stopped several checks")
			assert.Regexp(t, `(?i)stopped 3 checks: .?docker\.compose\.image-pinned.?, .?docker\.compose\.healthcheck.?, .?docker\.compose\.restart-policy`, out)
			assert.Contains(t, out, "the error of deploy/compose.yaml shown above (3 checks)")
			assert.Contains(t, out, "dial: connection refused", "an error of its own is shown where it is")
		})
	}
}
