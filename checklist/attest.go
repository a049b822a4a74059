package checklist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// DefaultAttestationFile is the attestation file when AttestOptions.File
// is empty.
const DefaultAttestationFile = "attestations.yaml"

// An Attestation records that a person verified a checklist item no
// machine can: who, when, the evidence, and until when it holds. In the
// attestation file it is one entry of the "attestations" list:
//
//	attestations:
//	  - item: pre-deployment.team-notified
//	    by: Jane Doe
//	    at: 2026-12-01
//	    evidence: docs/release-notes.md   # a path below the root, or an http(s) URL
//	    expires: 2027-03-01
//
// Dates are "2006-01-02" (midnight UTC) or RFC 3339 times. An attestation
// holds until the instant Expires names: one that expires on 2027-03-01
// has expired from the start of that day.
type Attestation struct {
	Item     string    `yaml:"item"`     // Item.ID
	By       string    `yaml:"by"`       // who verified it
	At       time.Time `yaml:"at"`       // when
	Evidence string    `yaml:"evidence"` // a path relative to Root, or an http(s) URL
	Expires  time.Time `yaml:"expires"`  // when it must be verified again
}

// AttestOptions says where the attestation file is.
type AttestOptions struct {
	// Root is the project root. The attestation file and every evidence
	// path are confined to it and read through the guarded reader
	// (internal/guard): no ".." or symlink leaves it, only regular files
	// are read, and sizes are capped. "" means the current directory.
	Root string
	// File is the attestation file, relative to Root; "" means
	// DefaultAttestationFile.
	File string
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
}

func (o AttestOptions) root() string {
	if o.Root == "" {
		return "."
	}
	return o.Root
}

func (o AttestOptions) file() string {
	if o.File == "" {
		return DefaultAttestationFile
	}
	return o.File
}

func (o AttestOptions) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// AttestationError is a broken attestation file or entry: the file, the
// line when known, and what is wrong, never the file's content.
type AttestationError struct {
	File string
	Line int
	Msg  string
	Err  error // the underlying cause, if any
}

func (e *AttestationError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return "checklist: " + loc + ": " + e.Msg
}

func (e *AttestationError) Unwrap() error { return e.Err }

// entry is an attestation with the line of its "item" key.
type entry struct {
	Attestation
	line int
	node *yaml.Node // the entry's mapping node
}

// attestFile is a parsed attestation file.
type attestFile struct {
	doc     *yaml.Node // the document node; nil when the file is missing or empty
	list    *yaml.Node // the attestations sequence; nil when absent
	entries []entry
	mode    fs.FileMode
}

// ReadAttestations reads the attestation file. A missing file is no
// attestations, not an error. A broken file is an *AttestationError that
// names the file and line.
func ReadAttestations(opts AttestOptions) ([]Attestation, error) {
	f, err := loadAttestations(opts)
	if err != nil {
		return nil, err
	}
	out := make([]Attestation, len(f.entries))
	for i, e := range f.entries {
		out[i] = e.Attestation
	}
	return out, nil
}

func loadAttestations(opts AttestOptions) (*attestFile, error) {
	file := filepath.ToSlash(opts.file())
	r, err := guard.New(guard.Options{Root: opts.root()})
	if err != nil {
		return nil, fmt.Errorf("checklist: attestations: %w", err)
	}
	defer r.Close()
	data, err := r.ReadFile(opts.file(), file)
	if errors.Is(err, fs.ErrNotExist) {
		return &attestFile{mode: 0o644}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checklist: attestations: %w", err)
	}
	mode := fs.FileMode(0o644)
	if fi, err := r.Stat(opts.file(), file); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := parseAttestations(file, data)
	if err != nil {
		return nil, err
	}
	f.mode = mode
	return f, nil
}

func parseAttestations(file string, data []byte) (*attestFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	f := &attestFile{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		// Empty, or comments only, which the parser drops: keep them as
		// the head comment of the document Attest writes.
		if c := commentsOnly(data); c != "" {
			f.doc = &yaml.Node{Kind: yaml.DocumentNode, HeadComment: c}
		}
		return f, nil
	}
	f.doc = &doc
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return f, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, &AttestationError{File: file, Line: top.Line, Msg: "want a mapping with an attestations list at the top"}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value != "attestations" {
			return nil, &AttestationError{File: file, Line: k.Line, Msg: "unknown key " + strconv.Quote(clean(k.Value, 40)) + " (want attestations)"}
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			f.list = v
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return nil, &AttestationError{File: file, Line: v.Line, Msg: "attestations: want a list of entries"}
		}
		f.list = v
	}
	if f.list == nil || f.list.Kind != yaml.SequenceNode {
		return f, nil
	}
	seen := map[string]int{}
	for _, n := range f.list.Content {
		e, err := parseEntry(file, n)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[e.Item]; dup {
			return nil, &AttestationError{File: file, Line: e.line,
				Msg: fmt.Sprintf("item %s is attested twice (also line %d): keep one entry", e.Item, prev)}
		}
		seen[e.Item] = e.line
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// commentsOnly returns the comment lines of a document that holds nothing
// else.
func commentsOnly(data []byte) string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// yamlError turns a YAML parser error into an *AttestationError with the
// line it names and its words, without the input it may quote.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := lineRef.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ": ")
	}
	return &AttestationError{File: file, Line: line, Msg: "not valid YAML: " + scrub(msg), Err: errors.New("invalid YAML")}
}

func parseEntry(file string, n *yaml.Node) (entry, error) {
	if n.Kind != yaml.MappingNode {
		return entry{}, &AttestationError{File: file, Line: n.Line, Msg: "an attestation must be a mapping with item, by, at, evidence and expires"}
	}
	e := entry{line: n.Line, node: n}
	keys := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if keys[k.Value] {
			return entry{}, &AttestationError{File: file, Line: k.Line, Msg: clean(k.Value, 40) + " is given twice"}
		}
		keys[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return entry{}, &AttestationError{File: file, Line: v.Line, Msg: k.Value + ": want a single value"}
		}
		var err error
		switch k.Value {
		case "item":
			e.Item, e.line = v.Value, k.Line
		case "by":
			e.By = v.Value
		case "evidence":
			e.Evidence = v.Value
		case "at":
			e.At, err = parseDate(v.Value)
		case "expires":
			e.Expires, err = parseDate(v.Value)
		default:
			return entry{}, &AttestationError{File: file, Line: k.Line,
				Msg: "unknown key " + strconv.Quote(clean(k.Value, 40)) + " (want item, by, at, evidence, expires)"}
		}
		if err != nil {
			return entry{}, &AttestationError{File: file, Line: v.Line, Msg: k.Value + ": not a date (want 2006-01-02 or an RFC 3339 time)"}
		}
	}
	if err := validateEntry(e.Attestation); err != nil {
		return entry{}, &AttestationError{File: file, Line: e.line, Msg: err.Error()}
	}
	return e, nil
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// validateEntry checks the fields of an attestation, without the clock or
// the file system.
func validateEntry(a Attestation) error {
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"item", a.Item != ""}, {"by", strings.TrimSpace(a.By) != ""}, {"at", !a.At.IsZero()},
		{"evidence", a.Evidence != ""}, {"expires", !a.Expires.IsZero()}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return errors.New("missing " + strings.Join(missing, ", "))
	}
	it, ok := Find(a.Item)
	if !ok {
		return errors.New("item is not a checklist item ID (prodcheck list shows the IDs)")
	}
	if !it.Attestable() {
		return fmt.Errorf("item %s is %s: it cannot be attested", it.ID, it.Kind)
	}
	if !a.Expires.After(a.At) {
		return errors.New("expires is not after at")
	}
	return nil
}

// AttestationChecks returns one check per item of items that can be
// attested: every Attested item, and every Automated item with an
// attestation fallback ([Item.Fallback]; leave such an item out of items
// when its machine checks are configured). Each check has ID "attest." +
// Item.ID and the attestation file as Target, and reads the file once per
// run. It Passes when the item's attestation is present, unexpired and its
// evidence exists (a path below Root, or an http(s) URL, which is not
// fetched); it Fails when the attestation is missing, expired, or its
// evidence is missing or outside Root; it is an Error, naming file:line,
// when the file is broken.
func AttestationChecks(items []Item, opts AttestOptions) []check.Check {
	src := check.NewSource(func(context.Context) (*attestFile, error) { return loadAttestations(opts) })
	var cs []check.Check
	for _, it := range items {
		if !it.Attestable() {
			continue
		}
		cs = append(cs, attestationCheck(it, opts, src))
	}
	return cs
}

func attestationCheck(it Item, opts AttestOptions, src *check.Source[*attestFile]) check.Check {
	file := filepath.ToSlash(opts.file())
	sev := check.SeverityMedium
	if it.ID == "authentication.mfa" {
		sev = check.SeverityHigh
	}
	m := check.Meta{
		ID:       AttestPrefix + it.ID,
		Target:   file,
		Title:    "a person attests: " + it.Text,
		Section:  it.Section,
		Item:     it.Text,
		Severity: sev,
		Tags:     []string{"checklist", "attestation"},
		Remediation: "Verify it, then record it: prodcheck attest " + it.ID +
			" --by NAME --evidence PATH|URL --expires YYYY-MM-DD.",
	}
	return check.New(m, func(ctx context.Context) check.Result {
		f, err := src.Get(ctx)
		if err != nil {
			res := check.Error(err)
			var ae *AttestationError
			if errors.As(err, &ae) {
				res.Findings = []check.Finding{{Message: ae.Msg, Location: check.Location{File: ae.File, Line: ae.Line}}}
			}
			return res
		}
		return judgeAttestation(it, opts, f)
	})
}

func judgeAttestation(it Item, opts AttestOptions, f *attestFile) check.Result {
	file := filepath.ToSlash(opts.file())
	var e *entry
	for i := range f.entries {
		if f.entries[i].Item == it.ID {
			e = &f.entries[i]
			break
		}
	}
	reattest := "re-attest with `prodcheck attest " + it.ID + " --by NAME --evidence PATH|URL --expires YYYY-MM-DD`"
	if e == nil {
		return check.Fail("not attested: record it with `prodcheck attest "+it.ID+" --by NAME --evidence PATH|URL --expires YYYY-MM-DD`",
			check.Finding{
				Message:  "no attestation for " + it.ID,
				Location: check.Location{File: file, Resource: "item " + it.ID},
				Expected: "an unexpired attestation with evidence",
				Actual:   "none",
			})
	}
	loc := check.Location{File: file, Line: e.line, Resource: "item " + it.ID}
	now := opts.now()
	if !now.Before(e.Expires) {
		return check.Fail("expired on "+formatDate(e.Expires)+": "+reattest, check.Finding{
			Message:  "attestation expired",
			Location: loc,
			Expected: "expires after " + formatDate(now),
			Actual:   "expired on " + formatDate(e.Expires),
		})
	}
	note, err := checkEvidence(opts, e.Evidence)
	if err != nil {
		return check.Fail("evidence not usable: "+err.Error(), check.Finding{
			Message:  "evidence " + err.Error(),
			Location: loc,
			Expected: "a file or directory below the project root, or an http(s) URL",
			Actual:   err.Error(),
		})
	}
	return check.Pass(fmt.Sprintf("attested by %s on %s, expires %s; evidence %s",
		clean(e.By, 80), formatDate(e.At), formatDate(e.Expires), note))
}

// checkEvidence returns how the evidence was verified, or why it is not
// usable. A URL is accepted without being fetched; a path must exist below
// the root, through no escaping symlink.
func checkEvidence(opts AttestOptions, evidence string) (string, error) {
	if u, err := url.Parse(evidence); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.Host == "" {
				return "", errors.New("is a URL without a host")
			}
			return "is a URL (not fetched)", nil
		}
		return "", errors.New("is a " + clean(u.Scheme, 20) + " URL: only http and https are accepted")
	}
	r, err := guard.New(guard.Options{Root: opts.root()})
	if err != nil {
		return "", fmt.Errorf("cannot be checked: %w", err)
	}
	defer r.Close()
	fi, err := r.Stat(evidence, "evidence")
	switch {
	case errors.Is(err, guard.ErrOutside):
		return "", errors.New("is outside the project root")
	case errors.Is(err, fs.ErrNotExist):
		return "", errors.New("does not exist below the project root")
	case err != nil:
		return "", fmt.Errorf("cannot be read: %w", err)
	case !fi.Mode().IsRegular() && !fi.IsDir():
		return "", errors.New("is not a regular file or directory")
	}
	return "file " + clean(filepath.ToSlash(evidence), 120) + " exists", nil
}

func formatDate(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// Attest adds the attestation a to the attestation file, or replaces the
// entry for a.Item, keeping the file's comments and other entries. It
// creates the file when it is missing. a.Item must be an attestable item
// (see [Item.Attestable]); By, Evidence and Expires must be set, Expires in
// the future, and the evidence must exist below Root (or be an http(s)
// URL). A zero At means now. The file is replaced atomically, within Root.
func Attest(opts AttestOptions, a Attestation) error {
	now := opts.now()
	if a.At.IsZero() {
		a.At = now.UTC().Truncate(time.Second)
	}
	if err := validateEntry(a); err != nil {
		return fmt.Errorf("checklist: attest: %w", err)
	}
	if !a.Expires.After(now) {
		return fmt.Errorf("checklist: attest: expires %s is not in the future", formatDate(a.Expires))
	}
	if _, err := checkEvidence(opts, a.Evidence); err != nil {
		return fmt.Errorf("checklist: attest: evidence %w", err)
	}
	f, err := loadAttestations(opts)
	if err != nil {
		return err
	}
	setEntry(f, a)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f.doc); err != nil {
		return fmt.Errorf("checklist: attest: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("checklist: attest: encode: %w", err)
	}
	return writeConfined(opts, buf.Bytes(), f.mode)
}

const newFileComment = "# Attestations: checklist items a person verified, written by `prodcheck attest`.\n" +
	"# Each entry: item (its ID in `prodcheck list`), by, at, evidence (a path below the\n" +
	"# project root or an http(s) URL) and expires. An expired entry fails its check."

// setEntry puts a into f's document, replacing the entry for a.Item in
// place (its comments kept) or appending a new one.
func setEntry(f *attestFile, a Attestation) {
	if f.doc == nil || len(f.doc.Content) == 0 || f.doc.Content[0].Kind != yaml.MappingNode {
		head := ""
		if f.doc != nil {
			head = f.doc.HeadComment
		}
		if head == "" {
			head = newFileComment
		}
		f.list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		f.doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{
			Kind: yaml.MappingNode, Tag: "!!map", HeadComment: head,
			Content: []*yaml.Node{str("attestations"), f.list},
		}}}
	}
	if f.list == nil || f.list.Kind != yaml.SequenceNode {
		top := f.doc.Content[0]
		if f.list == nil {
			f.list = &yaml.Node{}
			top.Content = append(top.Content, str("attestations"), f.list)
		}
		// A null value ("attestations:") becomes the list; keep its comments.
		*f.list = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq",
			HeadComment: f.list.HeadComment, LineComment: f.list.LineComment, FootComment: f.list.FootComment}
	}
	fields := []struct {
		key   string
		value *yaml.Node
	}{
		{"item", str(a.Item)},
		{"by", str(a.By)},
		{"at", date(a.At)},
		{"evidence", str(a.Evidence)},
		{"expires", date(a.Expires)},
	}
	for _, e := range f.entries {
		if e.Item != a.Item {
			continue
		}
		for _, fl := range fields {
			setKey(e.node, fl.key, fl.value)
		}
		return
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, fl := range fields {
		n.Content = append(n.Content, str(fl.key), fl.value)
	}
	f.list.Content = append(f.list.Content, n)
}

// setKey sets key to value in the mapping n, keeping the comments of an
// existing value.
func setKey(n *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			old := n.Content[i+1]
			value.HeadComment, value.LineComment, value.FootComment = old.HeadComment, old.LineComment, old.FootComment
			n.Content[i+1] = value
			return
		}
	}
	n.Content = append(n.Content, str(key), value)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func date(t time.Time) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: formatDate(t)}
}

// writeConfined replaces the attestation file with data, atomically and
// within the root: a temporary file beside it, then a rename.
func writeConfined(opts AttestOptions, data []byte, mode fs.FileMode) error {
	file := filepath.ToSlash(opts.file())
	r, err := guard.New(guard.Options{Root: opts.root()})
	if err != nil {
		return fmt.Errorf("checklist: attest: %w", err)
	}
	rel, err := r.Rel(opts.file(), file)
	r.Close()
	if err != nil {
		return fmt.Errorf("checklist: attest: %w", err)
	}
	root, err := os.OpenRoot(opts.root())
	if err != nil {
		return fmt.Errorf("checklist: attest: %w", err)
	}
	defer root.Close()
	if dir := filepath.Dir(rel); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("checklist: attest: %s: %w", file, err)
		}
	}
	tmp := rel + ".prodcheck-tmp"
	w, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("checklist: attest: %s: %w", file, err)
	}
	_, werr := w.Write(data)
	if err := errors.Join(werr, w.Sync(), w.Close()); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("checklist: attest: %s: %w", file, err)
	}
	if err := root.Rename(tmp, rel); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("checklist: attest: %s: %w", file, err)
	}
	return nil
}
