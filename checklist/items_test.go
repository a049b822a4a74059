package checklist

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// sharedChecklist is the source document in the workspace this module is
// developed in; CI clones the module alone, without it.
const sharedChecklist = "../../shared/production-checklist.md"

var (
	itemLine  = regexp.MustCompile(`^- \[[ xX]\] (\S.*?)\s*$`)
	validItem = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$`)
)

// scanned is an item line found by scanning the document's bytes, apart
// from the package's own parser.
type scanned struct {
	line          int
	section, text string
}

func scanDocument(t *testing.T, doc []byte) []scanned {
	t.Helper()
	var out []scanned
	var h2, h3 string
	for i, raw := range bytes.Split(doc, []byte("\n")) {
		l := string(raw)
		switch {
		case strings.HasPrefix(l, "## "):
			h2, h3 = strings.TrimPrefix(strings.TrimSpace(l[3:]), "✅ "), ""
		case strings.HasPrefix(l, "### "):
			h3 = strings.TrimPrefix(strings.TrimSpace(l[4:]), "✅ ")
		}
		if m := itemLine.FindStringSubmatch(l); m != nil {
			sec := h2
			if h3 != "" {
				sec = h2 + " / " + h3
			}
			out = append(out, scanned{line: i + 1, section: sec, text: m[1]})
		}
	}
	return out
}

func TestDocumentIsTheSharedChecklist(t *testing.T) {
	want, err := os.ReadFile(sharedChecklist)
	if os.IsNotExist(err) {
		t.Skip("the shared checklist is not beside this clone: nothing to compare the embedded copy with")
	}
	require.NoError(t, err)
	assert.Equal(t, string(want), string(Document()), "checklist/production-checklist.md must be a verbatim copy of %s", sharedChecklist)
}

func TestEveryLineIsAnItem(t *testing.T) {
	doc := Document()
	lines := scanDocument(t, doc)
	items := Items()
	require.Len(t, items, len(lines), "every \"- [ ]\" line of the document is an item, none more")
	require.Equal(t, 112, len(lines), "the checklist has 112 item lines; a changed document needs its mapping reviewed")
	docLines := strings.Split(string(doc), "\n")
	for i, it := range items {
		s := lines[i]
		assert.Equal(t, s.line, it.Line, "item %s", it.ID)
		assert.Equal(t, s.text, it.Text, "item %s", it.ID)
		assert.Equal(t, s.section, it.Section, "item %s: section is the headings above it", it.ID)
		assert.Contains(t, []string{"- [ ] " + it.Text, "- [x] " + it.Text}, docLines[it.Line-1], "item %s is its line", it.ID)
	}
}

func TestItemsHaveOneKindAndValidIDs(t *testing.T) {
	seen := map[string]int{}
	counts := map[Kind]int{}
	for _, it := range Items() {
		counts[it.Kind]++
		assert.Regexp(t, validItem, it.ID, "line %d", it.Line)
		assert.False(t, strings.HasPrefix(it.ID, "unmapped."), "line %d %q has no entry in mappings", it.Line, it.Text)
		if prev, dup := seen[it.ID]; dup {
			t.Errorf("ID %s used by lines %d and %d", it.ID, prev, it.Line)
		}
		seen[it.ID] = it.Line
		require.NotEmpty(t, it.Checks, it.ID)
		for _, id := range it.Checks {
			assert.NoError(t, check.Meta{ID: strings.ReplaceAll(strings.ReplaceAll(id, "*", "x"), "?", "x"), Severity: check.SeverityLow}.Validate(), "item %s: check ID %s", it.ID, id)
		}
		switch it.Kind {
		case Automated:
			for _, id := range it.Checks {
				assert.False(t, strings.HasPrefix(id, PlaceholderPrefix), it.ID)
				if strings.HasPrefix(id, AttestPrefix) {
					assert.Equal(t, AttestPrefix+it.ID, id, it.ID)
					assert.NotEmpty(t, it.Why, "item %s: a fallback says why a person attests", it.ID)
				}
			}
			assert.NotEqual(t, it.Fallback(), it.Checks[0], "item %s: a machine check comes first", it.ID)
		case Attested:
			assert.Equal(t, []string{AttestPrefix + it.ID}, it.Checks, it.ID)
			assert.NotEmpty(t, it.Why, it.ID)
		case NotAutomated:
			assert.Equal(t, []string{PlaceholderPrefix + it.ID}, it.Checks, it.ID)
			assert.NotEmpty(t, it.Why, it.ID)
		default:
			t.Errorf("item %s: kind %v", it.ID, it.Kind)
		}
	}
	assert.Equal(t, len(Items()), counts[Automated]+counts[Attested]+counts[NotAutomated])
	// The attestations the issue names, and the two fallbacks.
	for _, id := range []string{"pre-deployment.team-notified", "pre-deployment.maintenance-window", "documentation.on-call",
		"compliance.terms-of-service", "compliance.privacy-policy", "compliance.gdpr"} {
		it, ok := Find(id)
		require.True(t, ok, id)
		assert.Equal(t, Attested, it.Kind, id)
	}
	for _, id := range []string{"authentication.mfa", "documentation.incident-response"} {
		it, ok := Find(id)
		require.True(t, ok, id)
		assert.Equal(t, Automated, it.Kind, id)
		assert.Equal(t, AttestPrefix+id, it.Fallback(), id)
		assert.True(t, it.Attestable(), id)
	}
}

func TestMappingHasNoStaleEntries(t *testing.T) {
	used := map[mappingKey]bool{}
	for _, l := range parseDocument(document) {
		used[mappingKey{l.section, l.text}] = true
	}
	keys := map[mappingKey]bool{}
	ids := map[string]bool{}
	for _, m := range mappings {
		k := mappingKey{m.section, m.text}
		assert.True(t, used[k], "mapping %s names no line of the document: %s / %s", m.id, m.section, m.text)
		assert.False(t, keys[k], "two mappings for %s / %s", m.section, m.text)
		assert.False(t, ids[m.id], "two mappings with ID %s", m.id)
		keys[k], ids[m.id] = true, true
		if m.kind != Automated {
			assert.Empty(t, m.checks, m.id)
			assert.False(t, m.fallback, m.id)
		}
	}
}

// knownMismatches are built checks whose Meta.Section or Meta.Item does
// not spell the checklist line they serve: they are mapped to that line
// here, and their package must be fixed (see the report of issue 13).
// When one is fixed, the test says to remove it.
var knownMismatches = map[string]string{}

func TestChecksNamedByItemsExistAndServeThem(t *testing.T) {
	metas := map[string]check.Meta{}
	for _, c := range allChecks(t) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		metas[m.ID] = m
	}
	ids := make([]string, 0, len(metas))
	for id := range metas {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	servedBy := map[string][]string{} // check ID -> items naming it
	for _, it := range Items() {
		for _, pat := range it.Checks {
			matched := 0
			for _, id := range ids {
				ok, err := path.Match(pat, id)
				require.NoError(t, err, "item %s: pattern %s", it.ID, pat)
				if !ok {
					continue
				}
				matched++
				servedBy[id] = append(servedBy[id], it.ID)
				m := metas[id]
				same := m.Section == it.Section && m.Item == it.Text
				if why, known := knownMismatches[id]; known {
					assert.False(t, same, "check %s now names its line: remove it from knownMismatches", id)
					t.Logf("known mismatch: %s serves %q (%s) but %s", id, it.Text, it.Section, why)
					continue
				}
				assert.True(t, same, "check %s serves line %d %q / %q but its Meta names %q / %q",
					id, it.Line, it.Section, it.Text, m.Section, m.Item)
			}
			assert.NotZero(t, matched, "item %s names check %s, which no package builds", it.ID, pat)
		}
	}
	for _, id := range ids {
		assert.Len(t, servedBy[id], 1, "check %s (line %q) must serve exactly one item, serves %v", id, metas[id].Item, servedBy[id])
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Automated: "automated", Attested: "attestation", NotAutomated: "not yet automated", 0: "kind(0)"} {
		assert.Equal(t, want, k.String())
	}
}

func TestItemsAreFresh(t *testing.T) {
	a := Items()
	a[0].Text = "changed"
	a[0].Checks[0] = "changed"
	b := Items()
	assert.NotEqual(t, "changed", b[0].Text)
	assert.NotEqual(t, "changed", b[0].Checks[0])
	d := Document()
	d[0] = 'X'
	assert.Equal(t, byte('#'), Document()[0])
}

func TestFind(t *testing.T) {
	it, ok := Find("database-security.default-passwords")
	require.True(t, ok)
	assert.Equal(t, Item{
		ID: "database-security.default-passwords", Section: "Security Hardening / Database Security",
		Text: "Change all default passwords", Line: 23, Kind: Automated, Checks: []string{"postgres.password.default"},
	}, it)
	_, ok = Find("no.such-item")
	assert.False(t, ok)
}

func TestPlaceholder(t *testing.T) {
	for _, it := range Items() {
		c := it.Placeholder()
		m := c.Meta()
		require.NoError(t, m.Validate(), it.ID)
		assert.Equal(t, PlaceholderPrefix+it.ID, m.ID)
		assert.Equal(t, it.Section, m.Section)
		assert.Equal(t, it.Text, m.Item)
		assert.Equal(t, check.SeverityLow, m.Severity)
		res := c.Run(t.Context())
		if it.Kind == NotAutomated {
			assert.Equal(t, check.StatusWarn, res.Status, it.ID)
			assert.Equal(t, "not yet automated: "+it.Why, res.Message)
		} else {
			assert.Equal(t, check.StatusError, res.Status, it.ID)
			assert.Contains(t, res.Message, fmt.Sprintf("item %s is %s", it.ID, it.Kind))
		}
	}
}

func TestParseDocumentMarkers(t *testing.T) {
	doc := []byte("# T\n\n## A\n- [ ] one\n- [x] two \n-[ ] not an item\n- [ ]\n### ✅ B\n  - [ ] indented is not\n- [X] three\n## C\n- [ ] four\n")
	got := parseDocument(doc)
	assert.Equal(t, []docLine{
		{section: "A", text: "one", line: 4},
		{section: "A", text: "two", line: 5},
		{section: "A / B", text: "three", line: 10},
		{section: "C", text: "four", line: 12},
	}, got)
}
