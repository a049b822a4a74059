package checklist

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/check"
)

//go:embed production-checklist.md
var document []byte

// Document returns the embedded production-checklist.md, the source of
// every [Item]: a fresh copy, which the caller may modify.
func Document() []byte { return bytes.Clone(document) }

// Kind says how an item of the checklist is verified.
type Kind int

// The kinds of item. Every item has exactly one.
const (
	// Automated: one or more checks verify it.
	Automated Kind = iota + 1
	// Attested: a person records it in the attestation file.
	Attested
	// NotAutomated: honest and visible; its placeholder check Warns "not
	// yet automated", which fails a strict run.
	NotAutomated
)

// String returns "automated", "attestation" or "not yet automated".
func (k Kind) String() string {
	switch k {
	case Automated:
		return "automated"
	case Attested:
		return "attestation"
	case NotAutomated:
		return "not yet automated"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Prefixes of the check IDs that the checklist itself defines.
const (
	// AttestPrefix starts the ID of an attestation check: "attest." + Item.ID.
	AttestPrefix = "attest."
	// PlaceholderPrefix starts the ID of the placeholder check of a
	// NotAutomated item: "checklist.not-automated." + Item.ID.
	PlaceholderPrefix = "checklist.not-automated."
)

// An Item is one line of the checklist ("- [ ] ..." or "- [x] ...").
type Item struct {
	// ID is stable, lower-case, dotted and unique:
	// "database-security.default-passwords".
	ID string
	// Section is the "## " and "### " headings above the line joined by
	// " / ", without a leading "✅ ": "Security Hardening / Database
	// Security", the same string the checks use in Meta.Section.
	Section string
	// Text is the line without its "- [ ] " (or "- [x] ") marker: "Change
	// all default passwords", the same string the checks use in Meta.Item.
	Text string
	// Line is the item's 1-based line in production-checklist.md.
	Line int
	// Kind says how the item is verified.
	Kind Kind
	// Checks are the IDs (exact, or path.Match globs like
	// "docker.compose.*") of the checks that verify the item: for
	// Automated, the checks whose Meta.Item is Text, plus "attest." + ID
	// when an attestation stands in for them (see [Item.Fallback]); for
	// Attested, {"attest." + ID}; for NotAutomated, {"checklist.not-automated." + ID}.
	Checks []string
	// Why says, for NotAutomated and Attested items and for the
	// attestation fallback of an Automated one, why no machine verifies it
	// here.
	Why string
}

// Fallback returns the ID of the attestation check that stands in for an
// Automated item's checks when their target is not configured ("attest."
// + ID), or "" when the item has none. Two items have one: MFA, verified
// by security.mfa.enforced when a login flow is configured, and the
// incident response procedures, verified by docs.incident-response when
// a document path is configured.
func (it Item) Fallback() string {
	if it.Kind != Automated {
		return ""
	}
	for _, id := range it.Checks {
		if id == AttestPrefix+it.ID {
			return id
		}
	}
	return ""
}

// Attestable reports whether an attestation can be recorded for the item:
// it is Attested, or Automated with an attestation fallback.
func (it Item) Attestable() bool {
	return it.Kind == Attested || it.Fallback() != ""
}

// Items returns every line of the checklist, in document order. The slice
// and its items are fresh on each call.
func Items() []Item {
	table := mappingIndex()
	var items []Item
	for _, l := range parseDocument(document) {
		it := Item{Section: l.section, Text: l.text, Line: l.line}
		m, ok := table[mappingKey{l.section, l.text}]
		if !ok {
			// The test proves this never happens with the embedded
			// document; should it, the line stays visible.
			it.ID = "unmapped.line-" + strconv.Itoa(l.line)
			it.Kind = NotAutomated
			it.Why = "this line has no entry in the checklist mapping"
			it.Checks = []string{PlaceholderPrefix + it.ID}
			items = append(items, it)
			continue
		}
		it.ID, it.Kind, it.Why = m.id, m.kind, m.why
		switch m.kind {
		case Automated:
			it.Checks = append([]string(nil), m.checks...)
			if m.fallback {
				it.Checks = append(it.Checks, AttestPrefix+m.id)
			}
		case Attested:
			it.Checks = []string{AttestPrefix + m.id}
		default:
			it.Checks = []string{PlaceholderPrefix + m.id}
		}
		items = append(items, it)
	}
	return items
}

// Find returns the item whose ID is id.
func Find(id string) (Item, bool) {
	for _, it := range Items() {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// Placeholder returns the check that stands for a NotAutomated item, so
// that it is visible in every report: ID "checklist.not-automated." + ID,
// severity low, and a Warn "not yet automated: " + Why, which fails a
// strict run. For an item of another kind, the check is an Error.
func (it Item) Placeholder() check.Check {
	m := check.Meta{
		ID:       PlaceholderPrefix + it.ID,
		Title:    "not yet automated: " + it.Text,
		Section:  it.Section,
		Item:     it.Text,
		Severity: check.SeverityLow,
		Tags:     []string{"checklist", "not-automated"},
		Remediation: "Verify this line by hand before each release, or write a custom check " +
			"for it and run it with the others.",
	}
	return check.New(m, func(context.Context) check.Result {
		if it.Kind != NotAutomated {
			return check.Errorf("checklist: item %s is %s, not a placeholder", it.ID, it.Kind)
		}
		return check.Warn("not yet automated: " + it.Why)
	})
}

// docLine is an item line of the document with its headings.
type docLine struct {
	section string
	text    string
	line    int
}

// parseDocument returns the item lines of a checklist document: lines
// starting "- [ ] " or "- [x] ", with the "## " and "### " headings above
// them.
func parseDocument(doc []byte) []docLine {
	var out []docLine
	var h2, h3 string
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case strings.HasPrefix(line, "## "):
			h2, h3 = heading(line[3:]), ""
		case strings.HasPrefix(line, "### "):
			h3 = heading(line[4:])
		default:
			text, ok := itemText(line)
			if !ok {
				continue
			}
			section := h2
			if h3 != "" {
				section += " / " + h3
			}
			out = append(out, docLine{section: section, text: text, line: n})
		}
	}
	return out
}

func heading(s string) string {
	return strings.TrimPrefix(strings.TrimSpace(s), "✅ ")
}

// itemText returns the text of a "- [ ] text" or "- [x] text" line.
func itemText(line string) (string, bool) {
	for _, marker := range []string{"- [ ] ", "- [x] ", "- [X] "} {
		if rest, ok := strings.CutPrefix(line, marker); ok {
			if text := strings.TrimSpace(rest); text != "" {
				return text, true
			}
		}
	}
	return "", false
}
