package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	junit "github.com/joshdk/go-junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/report"
)

// TestOneRunManyTargets runs one set of rules on two compose files, two
// Dockerfiles and two URLs in one run: every outcome is distinct, a waiver
// naming a target applies to that target only, and every format names each
// check by its target.
func TestOneRunManyTargets(t *testing.T) {
	testdata := filepath.Join("..", "..", "checks", "docker", "testdata")
	var checks []check.Check
	for target, dir := range map[string]string{
		"deploy/insecure/compose.yaml":  filepath.Join(testdata, "stacks", "insecure"),
		"deploy/hardening/compose.yaml": filepath.Join(testdata, "compose", "hardening"),
	} {
		p := docker.Compose(docker.ComposeOptions{Dir: dir, Target: target})
		checks = append(checks, docker.ComposeChecks(p, docker.ComposeChecksOptions{})...)
	}
	for target, file := range map[string]string{
		"images/root/Dockerfile":   filepath.Join(testdata, "dockerfile", "root", "Dockerfile"),
		"images/nouser/Dockerfile": filepath.Join(testdata, "dockerfile", "nouser", "Dockerfile"),
	} {
		checks = append(checks, docker.DockerfileChecks(docker.Dockerfile(docker.DockerfileOptions{Path: file, Target: target}))...)
	}
	for _, url := range []string{"https://a.example.com", "https://b.example.com"} {
		checks = append(checks, check.New(check.Meta{ID: "http.hsts", Target: url, Section: "Security / Headers", Item: "HSTS is sent", Severity: check.SeverityHigh},
			func(context.Context) check.Result {
				return check.Fail("no Strict-Transport-Security header", check.Finding{Message: "header missing", Location: check.Location{URL: url + "/"}})
			}))
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	runner := check.Runner{
		Now: func() time.Time { return now },
		Waivers: []check.Waiver{
			{ID: "http.*", Target: "https://b.example.com", Reason: "served behind the CDN", Approver: "ana", Expires: now.AddDate(0, 3, 0)},
			{ID: "docker.*", Target: "deploy/insecure/**", Reason: "the insecure stack is a demo", Approver: "bob", Expires: now.AddDate(0, 3, 0)},
		},
	}
	rep, err := runner.Run(t.Context(), checks...)
	require.NoError(t, err, "one rule on many targets is a valid run")

	type key struct{ id, target string }
	seen := map[key]bool{}
	byTarget := map[string][]check.Outcome{}
	for _, o := range rep.Outcomes {
		k := key{o.Meta.ID, o.Meta.Target}
		assert.False(t, seen[k], "outcome %s appears once", o.Meta.Name())
		seen[k] = true
		byTarget[o.Meta.Target] = append(byTarget[o.Meta.Target], o)
	}
	require.Len(t, byTarget, 6)

	// Rules shared by both compose files and both Dockerfiles.
	ids := func(target string) map[string]bool {
		m := map[string]bool{}
		for _, o := range byTarget[target] {
			m[o.Meta.ID] = true
		}
		return m
	}
	assert.Equal(t, ids("deploy/insecure/compose.yaml"), ids("deploy/hardening/compose.yaml"))
	assert.Equal(t, ids("images/root/Dockerfile"), ids("images/nouser/Dockerfile"))

	// Waived by target: every Fail or Warn of the waived targets, none of
	// the others.
	for target, outcomes := range byTarget {
		waivedTarget := target == "https://b.example.com" || strings.HasPrefix(target, "deploy/insecure/")
		problems := 0
		for _, o := range outcomes {
			switch o.Result.Status {
			case check.StatusFail, check.StatusWarn:
				problems++
				assert.Equal(t, waivedTarget, o.Waived(), "%s waived", o.Meta.Name())
			default:
				assert.False(t, o.Waived(), o.Meta.Name())
			}
		}
		if target != "deploy/hardening/compose.yaml" {
			assert.NotZero(t, problems, "%s has something to waive or report", target)
		}
	}

	// Named by target in every format.
	opts := report.Options{NoTimings: true, MaxSize: -1}
	var text, js, xml, md bytes.Buffer
	require.NoError(t, report.Text(&text, rep, opts))
	require.NoError(t, report.JSON(&js, rep, opts))
	require.NoError(t, report.JUnit(&xml, rep, opts))
	require.NoError(t, report.Markdown(&md, rep, opts))

	var doc struct {
		Outcomes []struct{ ID, Target string } `json:"outcomes"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	require.Len(t, doc.Outcomes, len(rep.Outcomes))
	suites, err := junit.Ingest(xml.Bytes())
	require.NoError(t, err)
	junitNames := map[string]bool{}
	for _, s := range suites {
		for _, tc := range s.Tests {
			junitNames[tc.Name] = true
		}
	}
	for i, o := range rep.Outcomes {
		name := o.Meta.Name()
		require.NotEqual(t, o.Meta.ID, name, "every check here has a target")
		assert.Contains(t, text.String(), " "+name+" ", "text names %s", name)
		assert.Equal(t, o.Meta.Target, doc.Outcomes[i].Target)
		assert.True(t, junitNames[name], "JUnit names %s", name)
		if o.Result.Status != check.StatusPass {
			assert.Contains(t, md.String(), "`"+name+"` **", "Markdown names %s", name)
		}
	}
}
