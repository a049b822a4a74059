package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func renderMarkdown(t *testing.T, r *check.Report) string {
	t.Helper()
	return renderMarkdownOpts(t, r, report.Options{})
}

func renderMarkdownOpts(t *testing.T, r *check.Report, opts report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.Markdown(&buf, r, opts))
	return buf.String()
}

func outcome(id, section, item string, res check.Result) check.Outcome {
	return check.Outcome{Meta: check.Meta{ID: id, Section: section, Item: item, Severity: check.SeverityMedium}, Result: res}
}

func TestMarkdownTicks(t *testing.T) {
	waived := outcome("c.waived", "S", "waived line", check.Fail("bad"))
	waived.Waiver = &check.AppliedWaiver{Waiver: check.Waiver{ID: "c.waived", Reason: "accepted", Expires: fixedStart().AddDate(1, 0, 0)}, State: check.WaiverApplied}
	r := &check.Report{Start: fixedStart(), Outcomes: []check.Outcome{
		outcome("c.pass1", "S", "all pass", check.Pass("ok")),
		outcome("c.pass2", "S", "all pass", check.Pass("ok")),
		outcome("c.mixed1", "S", "one fails", check.Pass("ok")),
		outcome("c.mixed2", "S", "one fails", check.Fail("broken")),
		waived,
		outcome("c.skip", "S", "skipped line", check.Skip("n/a")),
		outcome("c.warn", "S", "warned line", check.Warn("hmm")),
		outcome("c.err", "S", "errored line", check.Errorf("boom")),
		outcome("c.passfind", "S", "pass with a finding", check.Result{Status: check.StatusPass, Message: "ok", Findings: []check.Finding{{Message: "but this"}}}),
	}}
	out := renderMarkdownOpts(t, r, report.Options{Order: report.OrderChecklist})
	for _, want := range []string{
		"- [x] all pass\n",
		"- [ ] one fails\n  - `c.mixed2` **fail** (medium): broken\n",
		"- [ ] waived line _(waived)_\n  - `c.waived` **fail, waived** (medium): bad\n    - Waived: accepted until 2027-03-01\n",
		"- [ ] skipped line _(skipped)_\n  - `c.skip` **skip** (medium): n/a\n",
		"- [ ] warned line\n  - `c.warn` **warn** (medium): hmm\n",
		"- [ ] errored line\n  - `c.err` **error** (medium): boom\n",
		"- [ ] pass with a finding\n  - `c.passfind` **pass** (medium): ok\n    - but this\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "c.pass1", "passing checks are not listed")
	assert.NotContains(t, out, "c.mixed1")
	assert.Equal(t, 1, strings.Count(out, "all pass"), "checks serving one line share it")
}

func TestMarkdownHeadings(t *testing.T) {
	r := &check.Report{Outcomes: []check.Outcome{
		outcome("a", "Deployment / Docker", "i1", check.Pass("ok")),
		outcome("b", "Security / TLS / Ciphers", "i2", check.Pass("ok")),
		outcome("c", "Deployment / Network", "i3", check.Pass("ok")),
		outcome("d", "", "i4", check.Pass("ok")),
		outcome("e", "Deployment", "i5", check.Pass("ok")),
		{Meta: check.Meta{ID: "f", Title: "Has a title", Severity: check.SeverityLow}, Result: check.Pass("ok")},
		{Meta: check.Meta{ID: "g", Severity: check.SeverityLow}, Result: check.Pass("ok")},
	}}
	out := renderMarkdown(t, r)
	want := "**prodcheck: PASSED**: no check fails the run (policy: fail at info or above)\n\n" +
		"7 checks: 7 passed, 0 warnings, 0 failed, 0 errors, 0 skipped\n" +
		"\n## Deployment\n\n- [x] i5\n" +
		"\n### Docker\n\n- [x] i1\n" +
		"\n### Network\n\n- [x] i3\n" +
		"\n## Security\n" +
		"\n### TLS\n" +
		"\n#### Ciphers\n\n- [x] i2\n" +
		"\n## Other\n\n- [x] i4\n- [x] Has a title\n- [x] `g`\n"
	assert.Equal(t, want, out)
}

func TestMarkdownEscaping(t *testing.T) {
	o := outcome("x.y", "S", "Uses `code` as written", check.Fail("*bold* _em_ <img src=x> [l](u) | ~~s~~ & `tick`",
		check.Finding{Message: "# not a heading", Location: check.Location{File: "a`b.yml", Line: 2}, Expected: "``", Actual: "x\ny"},
		check.Finding{Message: "- not a list"},
		check.Finding{Message: "12. not ordered"},
	))
	out := renderMarkdown(t, &check.Report{Outcomes: []check.Outcome{o}})
	assert.Contains(t, out, "- [ ] Uses `code` as written\n", "items are the checklist's Markdown")
	assert.Contains(t, out, `: \*bold\* \_em\_ \<img src=x\> \[l\](u) \| \~\~s\~\~ \& \`+"`tick\\`\n")
	assert.Contains(t, out, "    - ``a`b.yml:2``: # not a heading (expected ``` `` ```, found `x y`)\n")
	assert.Contains(t, out, "    - \\- not a list\n")
	assert.Contains(t, out, "    - 12\\. not ordered\n")
}

func TestMarkdownFindingLimit(t *testing.T) {
	var fs []check.Finding
	for i := range 25 {
		fs = append(fs, check.Finding{Message: fmt.Sprintf("finding %d", i), Location: check.Location{File: "f", Line: i + 1}})
	}
	out := renderMarkdown(t, &check.Report{Outcomes: []check.Outcome{outcome("x.y", "S", "item", check.Fail("many", fs...))}})
	assert.Contains(t, out, "finding 9\n")
	assert.NotContains(t, out, "finding 10\n")
	assert.Contains(t, out, "    - … and 15 more findings\n")

	out = renderMarkdownOpts(t, &check.Report{Outcomes: []check.Outcome{outcome("x.y", "S", "item", check.Fail("many", fs...))}}, report.Options{MaxFindings: 3})
	assert.Contains(t, out, "finding 2\n    - … and 22 more findings\n")
}

func TestMarkdownCollapse(t *testing.T) {
	f := check.Finding{Message: "floating tag", Expected: "a digest", Actual: "latest"}
	var fs []check.Finding
	for _, svc := range []string{"api", "db", "web"} {
		f.Location = check.Location{File: "compose.yml", Resource: "service " + svc}
		fs = append(fs, f)
	}
	out := renderMarkdown(t, &check.Report{Outcomes: []check.Outcome{outcome("x.y", "S", "item", check.Fail("3 float", fs...))}})
	assert.Contains(t, out, "    - floating tag (expected `a digest`, found `latest`) at 3 places: `compose.yml service api`; `compose.yml service db`; `compose.yml service web`\n")
}

func TestMarkdownEmpty(t *testing.T) {
	assert.Equal(t, "**prodcheck: FAILED**: nothing was checked (policy: fail at info or above)\n\nno checks ran\n", renderMarkdown(t, &check.Report{}))
}

// TestMarkdownHostile: a finding cannot ping people, link issues, reorder
// text or inject Markdown when the comment is posted.
func TestMarkdownHostile(t *testing.T) {
	o := outcome("x.y", "S", "item", check.Fail("cc @prodcheck/security and @alice: see #12 and org/repo#34 \u202eevil",
		check.Finding{Message: "@bob owns this \u2066x\u2069", Location: check.Location{File: "@carol.yml"}, Actual: "@dave #5"},
		check.Finding{Message: "line\u2028break <script>"},
	))
	o.Meta.Target = "@erin"
	o.Meta.Remediation = "Ask @frank, GH-7."
	out := renderMarkdown(t, &check.Report{Outcomes: []check.Outcome{o}})
	for _, want := range []string{
		"  - `x.y [@erin]` **fail** (medium): cc `@prodcheck/security` and `@alice`: see `#12` and org/repo`#34` " + `\\u202eevil` + "\n",
		"    - `@carol.yml`: `@bob` owns this " + `\\u2066x\\u2069` + " (found `@dave #5`)\n",
		"    - line" + `\\u2028break \<script\>` + "\n",
		"    - Fix: Ask `@frank`, `GH-7`.\n",
	} {
		assert.Contains(t, out, want)
	}
	// Outside code spans no @ or # is followed by a name or a number.
	prose := regexp.MustCompile("`[^`]*`").ReplaceAllString(out, "")
	assert.NotRegexp(t, `(^|[^\w])@\w`, prose)
	assert.NotRegexp(t, `#\d`, prose)
	for _, r := range []string{"\u202e", "\u2066", "\u2069", "\u2028"} {
		assert.NotContains(t, out, r)
	}
}

// TestMarkdownCap: a comment never exceeds MaxSize; what is left out is
// said, with where the full report is.
func TestMarkdownCap(t *testing.T) {
	var outcomes []check.Outcome
	for i := range 400 {
		var fs []check.Finding
		for j := range 10 {
			fs = append(fs, check.Finding{Message: fmt.Sprintf("problem %d with a long enough message to take room", j), Location: check.Location{File: fmt.Sprintf("svc%d/compose.yml", i), Line: j + 1}})
		}
		sev := check.SeverityLow
		if i == 399 {
			sev = check.SeverityCritical // the worst comes last in the run
		}
		outcomes = append(outcomes, check.Outcome{
			Meta:   check.Meta{ID: fmt.Sprintf("c.n%03d", i), Section: fmt.Sprintf("Section %d", i%7), Item: fmt.Sprintf("item %d", i), Severity: sev},
			Result: check.Fail("bad", fs...),
		})
	}
	r := &check.Report{Outcomes: outcomes}

	full := renderMarkdownOpts(t, r, report.Options{MaxSize: -1})
	require.Greater(t, len(full), 65536, "the fixture is over GitHub's limit")
	assert.NotContains(t, full, "was cut")

	out := renderMarkdown(t, r)
	assert.LessOrEqual(t, len(out), 60000, "the default cap")
	assert.Contains(t, out, "_This comment was cut to stay under GitHub's size limit: ")
	assert.Contains(t, out, " of 400 checks (")
	assert.True(t, strings.HasSuffix(out, "render the report as text or JSON to see all of it._\n"), out[len(out)-200:])
	assert.Contains(t, out, "\n**Failing, most severe first:**\n\n- `c.n399` **fail** (critical): bad\n", "the summary names the worst first")
	assert.Less(t, strings.Index(out, "- [ ] item 399\n"), strings.Index(out, "- [ ] item 0\n"), "the most severe section comes first")

	for _, limit := range []int{500, 3000, 20000} {
		out := renderMarkdownOpts(t, r, report.Options{MaxSize: limit, FullReport: "https://ci.example.com/job/1/prodcheck.txt"})
		assert.LessOrEqual(t, len(out), limit)
		assert.True(t, strings.HasSuffix(out, "the full report is at https://ci.example.com/job/1/prodcheck.txt._\n"))
		assert.Equal(t, 0, strings.Count(out, "```")%2, "no code fence is left open")
	}
	small := renderMarkdownOpts(t, &check.Report{Outcomes: outcomes[:1]}, report.Options{MaxSize: 100000})
	assert.NotContains(t, small, "was cut")
}
