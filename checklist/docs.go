package checklist

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// Content thresholds of MarkdownDocument.
const (
	// MinDocumentHeadings is the least number of Markdown headings a
	// document needs to count as written.
	MinDocumentHeadings = 2
	// MinDocumentWords is the least number of words, outside headings and
	// code, a document needs to count as written.
	MinDocumentWords = 150
)

// The documents MarkdownDocument checks: check ID -> item ID.
var documentItems = map[string]string{
	"docs.runbook":           "documentation.runbook",
	"docs.architecture":      "documentation.architecture",
	"docs.incident-response": "documentation.incident-response",
	"docs.rollback-plan":     "pre-deployment.rollback-plan",
}

// docMeta returns the Meta of a documentation check for the item itemID,
// or an error when the item is unknown.
func docMeta(id, itemID, path, title string) (check.Meta, error) {
	m := check.Meta{
		ID:       id,
		Target:   filepath.ToSlash(path),
		Title:    title,
		Severity: check.SeverityMedium,
		Tags:     []string{"documentation"},
	}
	it, ok := Find(itemID)
	if !ok {
		// Accept the line's text too.
		for _, c := range Items() {
			if c.Text == itemID {
				it, ok = c, true
				break
			}
		}
	}
	if !ok {
		m.Section, m.Item = secDocs, itemID
		return m, fmt.Errorf("checklist: %s: unknown checklist item %q", id, itemID)
	}
	m.Section, m.Item = it.Section, it.Text
	return m, nil
}

// OpenAPIDocument returns the check docs.openapi: the file at path
// (relative to root, or absolute below it) exists and is a valid OpenAPI 3
// document, as github.com/getkin/kin-openapi loads and validates it. No
// external reference is fetched: a document that needs one is reported
// rather than followed. A Swagger 2.0 document Warns: it is not validated.
// The file is read through the guarded reader: confined to root, regular
// files only, at most guard.DefaultMaxFileSize bytes.
func OpenAPIDocument(root, path string) check.Check {
	m, _ := docMeta("docs.openapi", "documentation.api", path, "an OpenAPI document exists and validates")
	m.Remediation = "Publish the API's OpenAPI 3 description (openapi.yaml) in the repository and keep it valid: " +
		"generate it from the code or validate it in CI."
	m.Refs = []string{"https://spec.openapis.org/oas/latest.html", "OWASP ASVS v4.0.3 1.5.1"}
	return check.New(m, func(ctx context.Context) check.Result {
		data, res, ok := readDocument(root, path)
		if !ok {
			return res
		}
		return judgeOpenAPI(ctx, path, data)
	})
}

// specVersion is the version field of an API description.
type specVersion struct {
	OpenAPI string `json:"openapi" yaml:"openapi"`
	Swagger string `json:"swagger" yaml:"swagger"`
}

func judgeOpenAPI(ctx context.Context, path string, data []byte) check.Result {
	file := filepath.ToSlash(path)
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		if v, ok := swaggerVersion(data); ok {
			return check.Warn("Swagger "+v+" document: not validated (convert it to OpenAPI 3 to validate it)",
				check.Finding{Message: "Swagger " + v + " is not validated", Location: check.Location{File: file},
					Expected: "an OpenAPI 3 document", Actual: "Swagger " + v})
		}
		return check.Fail(file+" is not a valid OpenAPI document", libraryFinding(file, "does not load", err))
	}
	if doc.OpenAPI == "" {
		if v, ok := swaggerVersion(data); ok {
			return check.Warn("Swagger "+v+" document: not validated (convert it to OpenAPI 3 to validate it)",
				check.Finding{Message: "Swagger " + v + " is not validated", Location: check.Location{File: file},
					Expected: "an OpenAPI 3 document", Actual: "Swagger " + v})
		}
	}
	if err := ctx.Err(); err != nil {
		return check.Error(err)
	}
	if err := doc.Validate(ctx); err != nil {
		return check.Fail(file+" is not a valid OpenAPI document", libraryFinding(file, "is invalid", err))
	}
	paths := 0
	if doc.Paths != nil {
		paths = doc.Paths.Len()
	}
	return check.Pass(fmt.Sprintf("OpenAPI %s document, %d paths, valid", clean(doc.OpenAPI, 20), paths))
}

// swaggerVersion reports a Swagger 2.0 document ("swagger: 2.0").
func swaggerVersion(data []byte) (string, bool) {
	var v specVersion
	if err := unmarshalYAML(data, &v); err != nil || v.Swagger == "" || v.OpenAPI != "" {
		return "", false
	}
	return clean(v.Swagger, 20), true
}

func unmarshalYAML(data []byte, v any) error { return yaml.Unmarshal(data, v) }

var lineRef = regexp.MustCompile(`\bline (\d+)\b`)

// libraryFinding turns the library's error into a finding: the line it
// names, and its words with quoted input removed.
func libraryFinding(file, what string, err error) check.Finding {
	loc := check.Location{File: file}
	msg := err.Error()
	if m := lineRef.FindStringSubmatch(msg); m != nil {
		loc.Line, _ = strconv.Atoi(m[1])
	}
	return check.Finding{
		Message:  file + " " + what + ": " + scrub(msg),
		Location: loc,
		Expected: "a valid OpenAPI 3 document",
	}
}

// quoted matches text the libraries quote from their input.
var quoted = regexp.MustCompile("`[^`]*`|\"[^\"]*\"|'[^']*'")

// scrub removes quoted input from a library's message and caps it, so that
// no finding repeats the file's content. A quoted single character is the
// library's own token (expected ':'), and stays.
func scrub(msg string) string {
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if utf8.RuneCountInString(q) <= 3 {
			return q
		}
		return "…"
	})
	return clean(msg, 300)
}

// clean caps s at n bytes and replaces control characters.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}

// readDocument reads path below root through the guarded reader. When the
// file cannot be read, it returns the result to report and false: Fail for
// a missing file, Error for a refused or unreadable one.
func readDocument(root, path string) ([]byte, check.Result, bool) {
	file := filepath.ToSlash(path)
	if path == "" {
		return nil, check.Errorf("checklist: no document path given"), false
	}
	if root == "" {
		root = "."
	}
	r, err := guard.New(guard.Options{Root: root})
	if err != nil {
		return nil, check.Error(fmt.Errorf("checklist: %w", err)), false
	}
	defer r.Close()
	data, err := r.ReadFile(path, file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, check.Fail(file+" does not exist", check.Finding{
			Message: "document not found", Location: check.Location{File: file},
			Expected: "the document at this path", Actual: "no file",
		}), false
	case err != nil:
		return nil, check.Error(fmt.Errorf("checklist: %w", err)), false
	}
	return data, check.Result{}, true
}

// MarkdownDocument returns a documentation check: id is one of
// docs.runbook, docs.architecture, docs.incident-response and
// docs.rollback-plan; item is the ID of the checklist item it serves
// (documentation.runbook, ...), or that item's exact text. The file at
// path (relative to root, read through the guarded reader) must exist and
// hold real content: at least MinDocumentHeadings Markdown headings and
// MinDocumentWords words outside headings and fenced code. A stub (too
// short, or only TODO, TBD or lorem ipsum) Fails with what was found.
//
// (The design named this function Document, which is also the name of
// the function returning the embedded checklist; Go has one name per
// function, so this one is MarkdownDocument.)
func MarkdownDocument(id, item, root, path string) check.Check {
	m, merr := docMeta(id, item, path, "the document exists with real content")
	m.Remediation = "Write the document at the configured path: its sections as Markdown headings, " +
		"and what an engineer on call needs to act, not a placeholder."
	return check.New(m, func(context.Context) check.Result {
		if merr != nil {
			return check.Error(merr)
		}
		if _, known := documentItems[id]; !known {
			return check.Errorf("checklist: %s is not a documentation check (one of docs.runbook, docs.architecture, docs.incident-response, docs.rollback-plan)", id)
		}
		data, res, ok := readDocument(root, path)
		if !ok {
			return res
		}
		return judgeMarkdown(filepath.ToSlash(path), data)
	})
}

// markdownStats is what judgeMarkdown counts in a document.
type markdownStats struct {
	headings     int
	words        int // outside headings and fenced code
	placeholders int // words that mark a stub: TODO, TBD, FIXME, lorem, ipsum
	firstStub    int // line of the first placeholder
}

var stubWords = map[string]bool{"todo": true, "tbd": true, "fixme": true, "lorem": true, "ipsum": true, "wip": true}

func countMarkdown(data []byte) markdownStats {
	var st markdownStats
	fence := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if f := fenceOf(line); f != "" {
			switch {
			case fence == "":
				fence = f
				continue
			case strings.HasPrefix(f, fence):
				fence = ""
				continue
			}
		}
		if fence != "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			st.headings++
			continue
		}
		for _, w := range strings.FieldsFunc(line, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if stubWords[strings.ToLower(w)] {
				st.placeholders++
				if st.firstStub == 0 {
					st.firstStub = n
				}
				continue
			}
			st.words++
		}
	}
	return st
}

// fenceOf returns the fence (``` or ~~~, as long as written) a line opens
// or closes, or "".
func fenceOf(line string) string {
	for _, c := range []string{"`", "~"} {
		n := 0
		for n < len(line) && line[n:n+1] == c {
			n++
		}
		if n >= 3 {
			return line[:n]
		}
	}
	return ""
}

func judgeMarkdown(file string, data []byte) check.Result {
	if !utf8.Valid(data) {
		return check.Fail(file+" is not a text document", check.Finding{
			Message: "not UTF-8 text", Location: check.Location{File: file},
			Expected: "a Markdown document", Actual: "binary or non-UTF-8 content",
		})
	}
	st := countMarkdown(data)
	found := fmt.Sprintf("%d headings, %d words", st.headings, st.words)
	if st.placeholders > 0 {
		found += fmt.Sprintf(", %d placeholder words (TODO, TBD, lorem ipsum)", st.placeholders)
	}
	var findings []check.Finding
	if st.headings < MinDocumentHeadings {
		findings = append(findings, check.Finding{
			Message:  "too few headings to be a structured document",
			Location: check.Location{File: file},
			Expected: fmt.Sprintf("at least %d Markdown headings", MinDocumentHeadings),
			Actual:   strconv.Itoa(st.headings),
		})
	}
	if st.words < MinDocumentWords {
		f := check.Finding{
			Message:  "too little text: a stub",
			Location: check.Location{File: file},
			Expected: fmt.Sprintf("at least %d words outside headings and code", MinDocumentWords),
			Actual:   strconv.Itoa(st.words),
		}
		if st.placeholders > 0 {
			f.Message = "a stub: placeholder words and too little text"
			f.Location.Line = st.firstStub
		}
		findings = append(findings, f)
	}
	if len(findings) > 0 {
		return check.Fail(file+" is a stub: "+found, findings...)
	}
	return check.Pass(file + ": " + found)
}
