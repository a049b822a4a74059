package checklist

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

const validOpenAPI = `openapi: 3.0.3
info:
  title: Orders
  version: "1.2"
paths:
  /orders:
    get:
      responses:
        "200":
          description: the orders
  /orders/{id}:
    get:
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      responses:
        "200":
          description: one order
`

func TestOpenAPIDocument(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "api.yaml", validOpenAPI)
	tests := []struct {
		name    string
		file    string // written to openapi.yaml unless setup says otherwise
		setup   func(t *testing.T, root string)
		path    string
		status  check.Status
		message string
		line    int
	}{
		{name: "valid 3.0 YAML", file: validOpenAPI, status: check.StatusPass, message: "OpenAPI 3.0.3 document, 2 paths, valid"},
		{name: "valid 3.1 JSON", file: `{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}`,
			status: check.StatusPass, message: "OpenAPI 3.1.0 document, 0 paths, valid"},
		{name: "no info", file: "openapi: 3.0.3\npaths: {}\n", status: check.StatusFail, message: "is not a valid OpenAPI document"},
		{name: "path parameter undeclared", file: strings.Replace(validOpenAPI, "        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n", "        - name: q\n          in: query\n          schema: {type: string}\n", 1),
			status: check.StatusFail, message: "is not a valid OpenAPI document"},
		{name: "broken YAML", file: "openapi: 3.0.3\ninfo:\n  title: x\n  " + canary + "\n", status: check.StatusFail,
			message: "is not a valid OpenAPI document", line: 5}, // the parser stops at the end of the stream
		{name: "external file ref not fetched", file: strings.Replace(validOpenAPI, "schema: {type: string}", "schema: {$ref: '/etc/passwd#/x'}", 1),
			status: check.StatusFail, message: "is not a valid OpenAPI document"},
		{name: "external URL ref not fetched", file: strings.Replace(validOpenAPI, "schema: {type: string}", "schema: {$ref: 'http://169.254.169.254/latest#/x'}", 1),
			status: check.StatusFail, message: "is not a valid OpenAPI document"},
		{name: "swagger 2.0", file: "swagger: \"2.0\"\ninfo: {title: x, version: '1'}\npaths: {}\n", status: check.StatusWarn,
			message: "Swagger 2.0 document: not validated"},
		{name: "missing", path: "docs/openapi.yaml", status: check.StatusFail, message: "docs/openapi.yaml does not exist"},
		{name: "outside the root", path: "../api.yaml", status: check.StatusError, message: "outside the project root"},
		{name: "symlink out of the root", setup: func(t *testing.T, root string) {
			require.NoError(t, os.Symlink(filepath.Join(outside, "api.yaml"), filepath.Join(root, "openapi.yaml")))
		}, status: check.StatusError, message: "outside the project root"},
		{name: "FIFO", setup: func(t *testing.T, root string) {
			require.NoError(t, syscall.Mkfifo(filepath.Join(root, "openapi.yaml"), 0o644))
		}, status: check.StatusError, message: "not a regular file"},
		{name: "too large", setup: func(t *testing.T, root string) {
			writeFile(t, root, "openapi.yaml", validOpenAPI+"#"+strings.Repeat("x", guard.DefaultMaxFileSize))
		}, status: check.StatusError, message: "larger than the size limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.file != "" {
				writeFile(t, root, "openapi.yaml", tt.file)
			}
			if tt.setup != nil {
				tt.setup(t, root)
			}
			p := tt.path
			if p == "" {
				p = "openapi.yaml"
			}
			c := OpenAPIDocument(root, p)
			m := c.Meta()
			require.NoError(t, m.Validate())
			assert.Equal(t, "docs.openapi", m.ID)
			assert.Equal(t, "Documentation", m.Section)
			assert.Equal(t, "API documentation (Swagger/OpenAPI)", m.Item)
			assert.Equal(t, p, m.Target)
			res := c.Run(t.Context())
			assert.Equal(t, tt.status, res.Status, res.Message)
			assert.Contains(t, res.Message, tt.message)
			assert.NotContains(t, res.Message, canary)
			for _, f := range res.Findings {
				assert.NotContains(t, f.String(), canary)
				assert.Equal(t, p, f.Location.File)
			}
			if tt.status == check.StatusFail || tt.status == check.StatusWarn {
				require.NotEmpty(t, res.Findings)
				assert.Equal(t, tt.line, res.Findings[0].Location.Line, res.Findings[0].String())
			}
		})
	}
}

// words returns n words of prose.
func words(n int) string {
	base := strings.Fields("when the primary database fails the on call engineer checks replication lag then promotes the standby and updates the connection string in the secret store")
	var out []string
	for i := range n {
		out = append(out, base[i%len(base)])
	}
	return strings.Join(out, " ")
}

func TestMarkdownDocument(t *testing.T) {
	tests := []struct {
		name    string
		content string // "": no file
		status  check.Status
		message string
	}{
		{"real runbook", "# Runbook\n\n## Database failover\n\n" + words(120) + "\n\n## Deploys\n\n" + words(40) + "\n",
			check.StatusPass, "runbook.md: 3 headings, 160 words"},
		{"setext-free, code does not count", "# Runbook\n\n## Steps\n\n" + words(100) + "\n\n```sh\n# not a heading\n" + words(100) + "\n```\n",
			check.StatusFail, "2 headings, 100 words"},
		{"tilde fence", "# A\n~~~~\n# B\n" + words(200) + "\n~~~~\n" + words(10) + "\n",
			check.StatusFail, "1 headings, 10 words"},
		{"TODO stub", "# Runbook\n\n## Steps\n\nTODO\n\nTBD: write this. Lorem ipsum.\n",
			check.StatusFail, "runbook.md is a stub: 2 headings, 2 words, 4 placeholder words (TODO, TBD, lorem ipsum)"},
		{"one heading", "# Runbook\n\n" + words(300) + "\n", check.StatusFail, "1 headings, 300 words"},
		{"empty", "\n", check.StatusFail, "0 headings, 0 words"},
		{"binary", "\xff\xfe\x00\x01", check.StatusFail, "is not a text document"},
		{"missing", "", check.StatusFail, "runbook.md does not exist"},
		{"placeholders in a real document", "# Runbook\n\n## Steps\n\n" + words(200) + " TODO add the dashboards\n",
			check.StatusPass, "1 placeholder words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.content != "" {
				writeFile(t, root, "ops/runbook.md", tt.content)
			}
			c := MarkdownDocument("docs.runbook", "documentation.runbook", root, "ops/runbook.md")
			m := c.Meta()
			require.NoError(t, m.Validate())
			assert.Equal(t, "docs.runbook", m.ID)
			assert.Equal(t, "Runbook for operations", m.Item)
			assert.Equal(t, "ops/runbook.md", m.Target)
			res := c.Run(t.Context())
			assert.Equal(t, tt.status, res.Status, res.Message)
			assert.Contains(t, res.Message, tt.message)
			if tt.status == check.StatusFail {
				require.NotEmpty(t, res.Findings)
				for _, f := range res.Findings {
					assert.Equal(t, "ops/runbook.md", f.Location.File)
					assert.NotEmpty(t, f.Expected)
					assert.NotEmpty(t, f.Actual)
				}
			}
		})
	}
}

func TestMarkdownDocumentItems(t *testing.T) {
	root := t.TempDir()
	for id, item := range documentItems {
		it := mustFind(t, item)
		for _, ref := range []string{item, it.Text} {
			m := MarkdownDocument(id, ref, root, "x.md").Meta()
			assert.Equal(t, it.Section, m.Section, id)
			assert.Equal(t, it.Text, m.Item, id)
			assert.Contains(t, it.Checks, id, "item %s names %s", item, id)
		}
	}
	res := MarkdownDocument("docs.runbook", "no.such-item", root, "x.md").Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.Contains(t, res.Message, "unknown checklist item")
	res = MarkdownDocument("docs.changelog", "documentation.runbook", root, "x.md").Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.Contains(t, res.Message, "not a documentation check")
}

func TestMarkdownDocumentGuarded(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, outside, "runbook.md", "# A\n## B\n"+words(200))
	root := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(outside, "runbook.md"), filepath.Join(root, "runbook.md")))
	for _, p := range []string{"runbook.md", "../runbook.md", filepath.Join(outside, "runbook.md")} {
		res := MarkdownDocument("docs.runbook", "documentation.runbook", root, p).Run(t.Context())
		assert.Equal(t, check.StatusError, res.Status, p)
		assert.Contains(t, res.Message, "outside the project root", p)
	}
}

func FuzzCountMarkdown(f *testing.F) {
	f.Add([]byte("# A\n```\n# B\n```\ntext TODO\n"))
	f.Add([]byte("~~~\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st := countMarkdown(data)
		if st.headings < 0 || st.words < 0 || st.placeholders < 0 {
			t.Fatal("negative count")
		}
		_ = judgeMarkdown("f.md", data)
	})
}
