package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

func renderMarkdown(t *testing.T, r *check.Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.Markdown(&buf, r))
	return buf.String()
}

func outcome(id, section, item string, res check.Result) check.Outcome {
	return check.Outcome{Meta: check.Meta{ID: id, Section: section, Item: item, Severity: check.SeverityMedium}, Result: res}
}

func TestMarkdownTicks(t *testing.T) {
	waived := outcome("c.waived", "S", "waived line", check.Fail("bad"))
	waived.Waived = true
	waived.Waiver = &check.Waiver{ID: "c.waived", Reason: "accepted", Expires: fixedStart().AddDate(1, 0, 0)}
	r := &check.Report{Start: fixedStart(), Outcomes: []check.Outcome{
		outcome("c.pass1", "S", "all pass", check.Pass("ok")),
		outcome("c.pass2", "S", "all pass", check.Pass("ok")),
		outcome("c.mixed1", "S", "one fails", check.Pass("ok")),
		outcome("c.mixed2", "S", "one fails", check.Fail("broken")),
		waived,
		outcome("c.skip", "S", "skipped line", check.Skip("n/a")),
		outcome("c.warn", "S", "warned line", check.Warn("hmm")),
		outcome("c.err", "S", "errored line", check.Errorf("boom")),
	}}
	out := renderMarkdown(t, r)
	for _, want := range []string{
		"- [x] all pass\n",
		"- [ ] one fails\n  - `c.mixed2` **fail** (medium): broken\n",
		"- [ ] waived line _(waived)_\n  - `c.waived` **fail, waived** (medium): bad\n    - Waived: accepted until 2027-03-01\n",
		"- [ ] skipped line _(skipped)_\n  - `c.skip` **skip** (medium): n/a\n",
		"- [ ] warned line\n  - `c.warn` **warn** (medium): hmm\n",
		"- [ ] errored line\n  - `c.err` **error** (medium): boom\n",
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
	want := "**prodcheck**: 7 checks: 7 passed, 0 warnings, 0 failed, 0 errors, 0 skipped\n" +
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
}

func TestMarkdownEmpty(t *testing.T) {
	assert.Equal(t, "**prodcheck**: no checks ran\n", renderMarkdown(t, &check.Report{}))
}
