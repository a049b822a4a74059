package checklist

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// canary is a value no error or finding may repeat.
const canary = "CANARY-s3cr3t-value"

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func clock(s string) func() time.Time {
	return func() time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
}

func TestReadAttestationsMissingFile(t *testing.T) {
	got, err := ReadAttestations(AttestOptions{Root: t.TempDir()})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadAttestations(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "ops/attest.yaml", `# who verified what
attestations:
  # the release
  - item: pre-deployment.team-notified
    by: Jane Doe
    at: 2026-12-01
    evidence: docs/notes.md
    expires: 2027-03-01T12:00:00Z
  - item: compliance.gdpr
    by: dpo@example.com
    at: 2026-10-01T09:30:00+02:00
    evidence: https://intranet.example.com/gdpr
    expires: 2027-10-01
`)
	got, err := ReadAttestations(AttestOptions{Root: root, File: "ops/attest.yaml"})
	require.NoError(t, err)
	assert.Equal(t, []Attestation{
		{Item: "pre-deployment.team-notified", By: "Jane Doe", At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Evidence: "docs/notes.md", Expires: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)},
		{Item: "compliance.gdpr", By: "dpo@example.com", At: time.Date(2026, 10, 1, 7, 30, 0, 0, time.UTC),
			Evidence: "https://intranet.example.com/gdpr", Expires: time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)},
	}, normalise(got))
}

func normalise(as []Attestation) []Attestation {
	for i := range as {
		as[i].At, as[i].Expires = as[i].At.UTC(), as[i].Expires.UTC()
	}
	return as
}

const goodEntry = `  - item: pre-deployment.team-notified
    by: Jane
    at: 2026-12-01
    evidence: notes.md
    expires: 2027-03-01
`

func TestReadAttestationsBroken(t *testing.T) {
	tests := []struct {
		name, content string
		line          int
		msg           string
	}{
		{"invalid YAML", "attestations:\n  - item: x\n    by: y\n  " + canary + "\n", 4, "not valid YAML: could not find expected ':'"},
		{"duplicate key", "attestations:\n  - item: pre-deployment.team-notified\n    by: Jane\n    by: " + canary + "\n", 4, "by is given twice"},
		{"tab indentation", "attestations:\n\t- item: " + canary + "\n", 2, "not valid YAML"},
		{"top is a list", "- item: " + canary + "\n", 1, "want a mapping"},
		{"unknown top key", "attestation:\n" + goodEntry, 1, `unknown key "attestation"`},
		{"list is a string", "attestations: " + canary + "\n", 1, "want a list"},
		{"entry not a mapping", "attestations:\n  - " + canary + "\n", 2, "must be a mapping"},
		{"unknown entry key", "attestations:\n" + goodEntry + "    approver: " + canary + "\n", 7, `unknown key "approver"`},
		{"nested value", "attestations:\n  - item: pre-deployment.team-notified\n    by: [" + canary + "]\n", 3, "by: want a single value"},
		{"bad date", "attestations:\n  - item: pre-deployment.team-notified\n    by: Jane\n    at: 2026-12-01\n    evidence: x\n    expires: " + canary + "\n", 6, "expires: not a date"},
		{"missing fields", "attestations:\n  - item: pre-deployment.team-notified\n    by: Jane\n", 2, "missing at, evidence, expires"},
		{"unknown item", strings.Replace("attestations:\n"+goodEntry, "pre-deployment.team-notified", canary, 1), 2, "not a checklist item ID"},
		{"automated item", strings.Replace("attestations:\n"+goodEntry, "pre-deployment.team-notified", "database-security.default-passwords", 1), 2, "is automated: it cannot be attested"},
		{"not automated item", strings.Replace("attestations:\n"+goodEntry, "pre-deployment.team-notified", "testing.load", 1), 2, "is not yet automated: it cannot be attested"},
		{"duplicate", "attestations:\n" + goodEntry + goodEntry, 7, "attested twice (also line 2)"},
		{"expires before at", strings.Replace("attestations:\n"+goodEntry, "2027-03-01", "2026-01-01", 1), 2, "expires is not after at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "attestations.yaml", tt.content)
			_, err := ReadAttestations(AttestOptions{Root: root})
			var ae *AttestationError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "attestations.yaml", ae.File)
			assert.Equal(t, tt.line, ae.Line, err.Error())
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), "attestations.yaml:")
			assert.NotContains(t, err.Error(), canary, "no error quotes the file")
		})
	}
}

func TestReadAttestationsEmptyAndCommentOnly(t *testing.T) {
	for _, content := range []string{"", "# nothing yet\n", "attestations:\n", "attestations: []\n", "---\n"} {
		root := t.TempDir()
		writeFile(t, root, "attestations.yaml", content)
		got, err := ReadAttestations(AttestOptions{Root: root})
		require.NoError(t, err, "%q", content)
		assert.Empty(t, got, "%q", content)
	}
}

func TestReadAttestationsGuarded(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "attestations.yaml", "attestations:\n"+goodEntry)

	t.Run("path outside the root", func(t *testing.T) {
		_, err := ReadAttestations(AttestOptions{Root: t.TempDir(), File: "../x/attestations.yaml"})
		assert.ErrorIs(t, err, guard.ErrOutside)
	})
	t.Run("symlink escaping the root", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Symlink(filepath.Join(outside, "attestations.yaml"), filepath.Join(root, "attestations.yaml")))
		_, err := ReadAttestations(AttestOptions{Root: root})
		assert.ErrorIs(t, err, guard.ErrOutside)
	})
	t.Run("FIFO", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, "attestations.yaml"), 0o644))
		_, err := ReadAttestations(AttestOptions{Root: root})
		assert.ErrorIs(t, err, guard.ErrNotRegular)
	})
	t.Run("directory", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(root, "attestations.yaml"), 0o755))
		_, err := ReadAttestations(AttestOptions{Root: root})
		assert.ErrorIs(t, err, guard.ErrNotRegular)
	})
}

func TestAttestationChecksCoverAttestableItems(t *testing.T) {
	cs := AttestationChecks(Items(), AttestOptions{Root: t.TempDir(), File: "ops/att.yaml"})
	var ids []string
	for _, c := range cs {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, "ops/att.yaml", m.Target)
		it, ok := Find(strings.TrimPrefix(m.ID, AttestPrefix))
		require.True(t, ok, m.ID)
		assert.Equal(t, it.Section, m.Section)
		assert.Equal(t, it.Text, m.Item)
		ids = append(ids, m.ID)
	}
	assert.ElementsMatch(t, []string{
		"attest.authentication.mfa", "attest.compliance.gdpr", "attest.compliance.privacy-policy",
		"attest.compliance.terms-of-service", "attest.documentation.incident-response", "attest.documentation.on-call",
		"attest.pre-deployment.team-notified", "attest.pre-deployment.maintenance-window",
	}, ids)

	// A caller whose MFA login flow is configured leaves the item out.
	var items []Item
	for _, it := range Items() {
		if it.ID != "authentication.mfa" {
			items = append(items, it)
		}
	}
	assert.Len(t, AttestationChecks(items, AttestOptions{}), 7)
}

func TestAttestationCheck(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "passwd", "x")
	entry := func(evidence, expires string) string {
		return "# release evidence\nattestations:\n  - item: pre-deployment.team-notified\n    by: Jane Doe\n    at: 2026-10-01\n" +
			"    evidence: " + evidence + "\n    expires: " + expires + "\n"
	}
	tests := []struct {
		name    string
		content string // "" : no file
		now     string
		status  check.Status
		message string
		line    int
	}{
		{"valid, file evidence", entry("docs/notes.md", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusPass,
			"attested by Jane Doe on 2026-10-01, expires 2026-11-01; evidence file docs/notes.md exists", 0},
		{"valid, directory evidence", entry("docs", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusPass, "evidence file docs exists", 0},
		{"valid, URL evidence", entry("https://chat.example.com/msg/1", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusPass,
			"evidence is a URL (not fetched)", 0},
		{"one second before expiry", entry("docs/notes.md", "2026-11-01"), "2026-10-31T23:59:59Z", check.StatusPass, "expires 2026-11-01", 0},
		{"at expiry", entry("docs/notes.md", "2026-11-01"), "2026-11-01T00:00:00Z", check.StatusFail,
			"expired on 2026-11-01: re-attest with `prodcheck attest pre-deployment.team-notified --by NAME --evidence PATH|URL --expires YYYY-MM-DD`", 3},
		{"long expired", entry("docs/notes.md", "2026-11-01"), "2027-06-01T00:00:00Z", check.StatusFail, "expired on 2026-11-01", 3},
		{"no file", "", "2026-10-15T00:00:00Z", check.StatusFail, "not attested: record it with `prodcheck attest pre-deployment.team-notified", 0},
		{"other item only", strings.Replace(entry("docs/notes.md", "2026-11-01"), "pre-deployment.team-notified", "compliance.gdpr", 1),
			"2026-10-15T00:00:00Z", check.StatusFail, "not attested", 0},
		{"missing evidence", entry("docs/gone.md", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusFail, "evidence not usable: does not exist below the project root", 3},
		{"evidence outside", entry("../../etc/passwd", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusFail, "evidence not usable: is outside the project root", 3},
		{"absolute evidence outside", entry(filepath.Join(outside, "passwd"), "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusFail, "is outside the project root", 3},
		{"escaping symlink evidence", entry("docs/link", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusFail, "is outside the project root", 3},
		{"ftp evidence", entry("ftp://files.example.com/x", "2026-11-01"), "2026-10-15T00:00:00Z", check.StatusFail, "only http and https", 3},
		{"broken file", "attestations:\n  - item: pre-deployment.team-notified\n    by: " + canary + "\n    oops: 1\n", "2026-10-15T00:00:00Z",
			check.StatusError, "attestations.yaml:4: unknown key", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "docs/notes.md", "sent to #releases")
			require.NoError(t, os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "docs/link")))
			if tt.content != "" {
				writeFile(t, root, "attestations.yaml", tt.content)
			}
			it, ok := Find("pre-deployment.team-notified")
			require.True(t, ok)
			cs := AttestationChecks([]Item{it}, AttestOptions{Root: root, Now: clock(tt.now)})
			require.Len(t, cs, 1)
			res := cs[0].Run(t.Context())
			assert.Equal(t, tt.status, res.Status, res.Message)
			assert.Contains(t, res.Message, tt.message)
			assert.NotContains(t, res.Message, canary)
			if tt.status == check.StatusPass {
				assert.Empty(t, res.Findings)
				return
			}
			require.Len(t, res.Findings, 1)
			f := res.Findings[0]
			assert.Equal(t, "attestations.yaml", f.Location.File)
			assert.Equal(t, tt.line, f.Location.Line)
			assert.NotContains(t, f.String(), canary)
			if tt.status == check.StatusFail {
				assert.NotEmpty(t, f.Expected)
				assert.NotEmpty(t, f.Actual)
			}
		})
	}
}

func TestAttestationChecksInARun(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "attestations.yaml", "attestations:\n  - item: compliance.gdpr\n    by: DPO\n    at: 2026-01-01\n    evidence: https://example.com/dpa\n    expires: 2027-01-01\n")
	cs := AttestationChecks(Items(), AttestOptions{Root: root, Now: clock("2026-06-01T00:00:00Z")})
	var r check.Runner
	rep, err := r.Run(t.Context(), cs...)
	require.NoError(t, err)
	passed := 0
	for _, o := range rep.Outcomes {
		if o.Result.Status == check.StatusPass {
			passed++
			assert.Equal(t, "attest.compliance.gdpr", o.Meta.ID)
		}
	}
	assert.Equal(t, 1, passed)
	assert.Len(t, rep.Outcomes, 8)
}

func TestAttestCreatesFile(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "docs/notes.md", "x")
	opts := AttestOptions{Root: root, File: "ops/attestations.yaml", Now: clock("2026-12-02T16:40:05Z")}
	require.NoError(t, Attest(opts, Attestation{
		Item: "pre-deployment.team-notified", By: "Jane Doe", Evidence: "docs/notes.md",
		Expires: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
	}))
	data, err := os.ReadFile(filepath.Join(root, "ops/attestations.yaml"))
	require.NoError(t, err)
	assert.Equal(t, newFileComment+`
attestations:
  - item: pre-deployment.team-notified
    by: Jane Doe
    at: 2026-12-02T16:40:05Z
    evidence: docs/notes.md
    expires: 2027-03-01
`, string(data))
	got, err := ReadAttestations(opts)
	require.NoError(t, err)
	assert.Equal(t, []Attestation{{Item: "pre-deployment.team-notified", By: "Jane Doe",
		At: time.Date(2026, 12, 2, 16, 40, 5, 0, time.UTC), Evidence: "docs/notes.md",
		Expires: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}}, normalise(got))

	res := AttestationChecks([]Item{mustFind(t, "pre-deployment.team-notified")}, opts)[0].Run(t.Context())
	assert.Equal(t, check.StatusPass, res.Status, res.Message)
	entries, err := os.ReadDir(filepath.Join(root, "ops"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func mustFind(t *testing.T, id string) Item {
	t.Helper()
	it, ok := Find(id)
	require.True(t, ok, id)
	return it
}

const commented = `# Attestations for the api service.
# Reviewed every quarter.

attestations: # the list
  # --- legal ---
  - item: compliance.gdpr # DPO sign-off
    by: DPO # the data protection officer
    at: 2026-01-01
    evidence: https://intranet.example.com/gdpr # the assessment
    expires: 2026-12-31 # yearly

  # --- release ---
  - item: pre-deployment.team-notified
    by: Jane
    at: 2026-11-01
    evidence: notes.md
    expires: 2026-11-30

# end of file
`

func TestAttestPreservesComments(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "notes.md", "x")
	writeFile(t, root, "attestations.yaml", commented)
	opts := AttestOptions{Root: root, Now: clock("2026-12-02T10:00:00Z")}

	// Replace the GDPR entry, add an on-call entry.
	require.NoError(t, Attest(opts, Attestation{Item: "compliance.gdpr", By: "New DPO",
		At: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Evidence: "notes.md", Expires: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)}))
	require.NoError(t, Attest(opts, Attestation{Item: "documentation.on-call", By: "SRE lead",
		At: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Evidence: "https://pager.example.com/rota", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}))

	data, err := os.ReadFile(filepath.Join(root, "attestations.yaml"))
	require.NoError(t, err)
	out := string(data)
	for _, c := range []string{"# Attestations for the api service.", "# Reviewed every quarter.", "# the list", "# --- legal ---",
		"# DPO sign-off", "# the data protection officer", "# the assessment", "# yearly", "# --- release ---", "# end of file"} {
		assert.Contains(t, out, c)
	}
	assert.Contains(t, out, "by: New DPO # the data protection officer")
	assert.Contains(t, out, "expires: 2027-12-31 # yearly")
	assert.NotContains(t, out, "by: DPO ")
	got, err := ReadAttestations(opts)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, "compliance.gdpr", got[0].Item)
	assert.Equal(t, "New DPO", got[0].By)
	assert.Equal(t, "pre-deployment.team-notified", got[1].Item, "other entries stay, in order")
	assert.Equal(t, "Jane", got[1].By)
	assert.Equal(t, "documentation.on-call", got[2].Item)
}

func TestAttestOnEmptyList(t *testing.T) {
	for _, content := range []string{"# only a comment\n", "attestations: # none yet\n"} {
		root := t.TempDir()
		writeFile(t, root, "attestations.yaml", content)
		opts := AttestOptions{Root: root, Now: clock("2026-12-02T10:00:00Z")}
		require.NoError(t, Attest(opts, Attestation{Item: "compliance.terms-of-service", By: "Legal",
			Evidence: "https://example.com/tos", Expires: time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)}))
		data, err := os.ReadFile(filepath.Join(root, "attestations.yaml"))
		require.NoError(t, err)
		assert.Contains(t, string(data), strings.TrimSpace(strings.SplitN(content, "#", 2)[1]), "the comment is kept")
		got, err := ReadAttestations(opts)
		require.NoError(t, err)
		require.Len(t, got, 1, string(data))
		assert.Equal(t, "compliance.terms-of-service", got[0].Item)
	}
}

func TestAttestRefuses(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "secret", "x")
	future := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	ok := Attestation{Item: "pre-deployment.maintenance-window", By: "Ops", Evidence: "notes.md", Expires: future}
	with := func(f func(*Attestation)) Attestation { a := ok; f(&a); return a }
	tests := []struct {
		name string
		a    Attestation
		file string
		msg  string
		is   error
	}{
		{"unknown item", with(func(a *Attestation) { a.Item = "no.such" }), "", "not a checklist item ID", nil},
		{"automated item", with(func(a *Attestation) { a.Item = "api-security.cors" }), "", "is automated: it cannot be attested", nil},
		{"no by", with(func(a *Attestation) { a.By = " " }), "", "missing by", nil},
		{"no expires", with(func(a *Attestation) { a.Expires = time.Time{} }), "", "missing expires", nil},
		{"no evidence", with(func(a *Attestation) { a.Evidence = "" }), "", "missing evidence", nil},
		{"expired", with(func(a *Attestation) { a.Expires = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }), "", "expires is not after at", nil},
		{"evidence outside", with(func(a *Attestation) { a.Evidence = "../../etc/passwd" }), "", "evidence is outside the project root", nil},
		{"evidence symlink", with(func(a *Attestation) { a.Evidence = "link" }), "", "evidence is outside the project root", nil},
		{"evidence missing", with(func(a *Attestation) { a.Evidence = "gone.md" }), "", "evidence does not exist", nil},
		{"file outside", ok, "../attestations.yaml", "outside the project root", guard.ErrOutside},
		{"broken file", ok, "broken.yaml", "broken.yaml:2: not valid YAML", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "notes.md", "x")
			writeFile(t, root, "broken.yaml", "attestations:\n - item: [\n")
			require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link")))
			err := Attest(AttestOptions{Root: root, File: tt.file, Now: clock("2026-12-02T10:00:00Z")}, tt.a)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			if tt.is != nil {
				assert.True(t, errors.Is(err, tt.is), err.Error())
			}
			data, rerr := os.ReadFile(filepath.Join(root, "broken.yaml"))
			require.NoError(t, rerr)
			assert.Equal(t, "attestations:\n - item: [\n", string(data), "a failed attest changes nothing")
			_, serr := os.Stat(filepath.Join(root, "attestations.yaml"))
			assert.True(t, os.IsNotExist(serr), "no file is created")
		})
	}
}

func TestAttestThroughSymlinkedFileOutsideRoot(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "attestations.yaml", "attestations: []\n")
	root := t.TempDir()
	writeFile(t, root, "notes.md", "x")
	require.NoError(t, os.Symlink(filepath.Join(outside, "attestations.yaml"), filepath.Join(root, "attestations.yaml")))
	err := Attest(AttestOptions{Root: root, Now: clock("2026-12-02T10:00:00Z")},
		Attestation{Item: "compliance.gdpr", By: "DPO", Evidence: "notes.md", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.ErrorIs(t, err, guard.ErrOutside)
	data, rerr := os.ReadFile(filepath.Join(outside, "attestations.yaml"))
	require.NoError(t, rerr)
	assert.Equal(t, "attestations: []\n", string(data), "the file outside the root is untouched")
}
