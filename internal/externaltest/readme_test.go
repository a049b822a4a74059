package externaltest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A goBlock is one ```go code block of the README.
type goBlock struct {
	line int // of the block's first line of code in the README
	code string
}

// readmeGoBlocks returns every ```go block of the README at path.
func readmeGoBlocks(t *testing.T, path string) []goBlock {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var (
		blocks []goBlock
		cur    *goBlock
		lines  []string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.TrimSpace(line)
		switch {
		case cur == nil && (fence == "```go" || strings.HasPrefix(fence, "```go ")):
			cur = &goBlock{line: n + 1}
			lines = nil
		case cur != nil && fence == "```":
			cur.code = strings.Join(lines, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			lines = append(lines, line)
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "a ```go block starting at README.md:%d is not closed", func() int {
		if cur != nil {
			return cur.line
		}
		return 0
	}())
	return blocks
}

// readmeImports are the packages a README block may use without
// importing them: a block gets the import of each name it uses as
// "name.", like goimports would add it.
var readmeImports = []struct{ name, path, use string }{
	{"context", "context", "context.Background"},
	{"errors", "errors", "errors.New"},
	{"fmt", "fmt", "fmt.Sprint"},
	{"io", "io", "io.EOF"},
	{"log", "log", "log.Fatal"},
	{"os", "os", "os.Exit"},
	{"time", "time", "time.Second"},
	{"http", "net/http", "http.Get"},
	{"testing", "testing", "testing.Short"},
	{"check", "github.com/prodcheck/prodcheck/check", "check.New"},
	{"checktest", "github.com/prodcheck/prodcheck/check/checktest", "checktest.Run"},
	{"report", "github.com/prodcheck/prodcheck/report", "report.Text"},
	{"docker", "github.com/prodcheck/prodcheck/checks/docker", "docker.Compose"},
	{"postgres", "github.com/prodcheck/prodcheck/checks/database/postgres", "postgres.Open"},
	{"pgxpool", "github.com/jackc/pgx/v5/pgxpool", "pgxpool.New"},
	{"checklist", "github.com/prodcheck/prodcheck/checklist", "checklist.Items"},
}

// topLevel matches a line that starts a top-level declaration.
var topLevel = regexp.MustCompile(`(?m)^(func|type|var|const) `)

// readmeFile turns a README block into a Go source file of package main:
//   - a block that starts with a package clause is a complete file, used
//     as it is;
//   - a block with top-level declarations (func, type, var, const at the
//     start of a line) gets a package clause and imports, and a func main
//     if it has none;
//   - any other block is a fragment of statements: it becomes the body of
//     func example(ctx context.Context), so it may use ctx.
//
// Imports are added from readmeImports for each package name the block
// uses, each with a blank use so that a name seen only in a comment is
// no error. A //line directive makes the compiler's messages name the
// README's lines.
func readmeFile(b goBlock) string {
	if strings.HasPrefix(strings.TrimSpace(b.code), "package ") {
		return fmt.Sprintf("//line README.md:%d\n%s", b.line, b.code)
	}
	decls := topLevel.MatchString(b.code)
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	var uses []string
	for _, im := range readmeImports {
		if strings.Contains(b.code, im.name+".") || (!decls && im.name == "context") {
			fmt.Fprintf(&src, "\t%q\n", im.path)
			uses = append(uses, "var _ = "+im.use+"\n")
		}
	}
	src.WriteString(")\n\n")
	src.WriteString(strings.Join(uses, ""))
	if decls {
		if !regexp.MustCompile(`(?m)^func main\(\)`).MatchString(b.code) {
			src.WriteString("\nfunc main() {}\n")
		}
		fmt.Fprintf(&src, "\n//line README.md:%d\n%s", b.line, b.code)
		return src.String()
	}
	src.WriteString("\nfunc main() { example(context.Background()) }\n\nfunc example(ctx context.Context) {\n")
	fmt.Fprintf(&src, "//line README.md:%d\n%s}\n", b.line, b.code)
	return src.String()
}

// TestReadmeCompiles compiles and vets every ```go block of README.md
// (see readmeFile for how a block becomes a file), each as its own
// package of a module outside this repository, as a user who copies it
// would: a block that does not compile fails the test at its README line.
func TestReadmeCompiles(t *testing.T) {
	blocks := readmeGoBlocks(t, filepath.Join(repoRoot(t), "README.md"))
	require.NotEmpty(t, blocks, "README.md has ```go blocks")
	files := map[string]string{}
	var dirs []string
	for i, b := range blocks {
		dir := fmt.Sprintf("block%02d", i+1)
		files[dir+"/main.go"] = readmeFile(b)
		dirs = append(dirs, "./"+dir)
	}
	mod := userModule(t, files)
	slices.Sort(dirs)
	for i, b := range blocks {
		t.Run(fmt.Sprintf("README.md:%d", b.line), func(t *testing.T) {
			dir := dirs[i]
			out, err := goCmd(t, mod, "vet", dir).CombinedOutput()
			require.NoError(t, err, "the ```go block at README.md:%d does not build:\n%s\n--- as compiled:\n%s", b.line, out, files[dir[2:]+"/main.go"])
		})
	}
	requireGoLine(t, mod)
}
