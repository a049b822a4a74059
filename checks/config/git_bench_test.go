package config

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// benchCommits is the size of the benchmark history.
const benchCommits = 10000

// fastImportStream generates a git fast-import stream of n commits on main,
// each changing one of 200 source files, with a .env holding a low-entropy
// DB_PASSWORD added at commit n/2 and deleted at the next one.
func fastImportStream(n int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("commit %d", i)
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\nauthor Bench <bench@example.com> %d +0000\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n",
			i, 1700000000+i*60, 1700000000+i*60, len(msg), msg)
		if i > 1 {
			fmt.Fprintf(&b, "from :%d\n", i-1)
		}
		content := fmt.Sprintf("package p%d\n\n// revision %d\nfunc F() int { return %d }\n", i%200, i, i)
		fmt.Fprintf(&b, "M 644 inline src/pkg%03d/file%d.go\ndata %d\n%s\n", i%200, i%7, len(content), content)
		switch i {
		case n / 2:
			env := "APP_ENV=production\nDB_PASSWORD=" + gitCanaryPassword + "\n"
			fmt.Fprintf(&b, "M 644 inline config/.env\ndata %d\n%s\n", len(env), env)
		case n/2 + 1:
			b.WriteString("D config/.env\n")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// benchRepo builds the benchmark repository in dir with git fast-import.
func benchRepo(b *testing.B, dir string) {
	b.Helper()
	ghRun(b, dir, "init", "-q")
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Stdin = bytes.NewReader(fastImportStream(benchCommits))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("fast-import: %v: %s", err, out)
	}
	ghRun(b, dir, "checkout", "-q", "main")
}

// BenchmarkGitHistoryScan measures the history walks on a 10,000-commit
// repository: path (config.git.env-history's load) against floor (git log
// --all --name-only run to completion, output discarded), and content
// (config.git.secrets' load).
func BenchmarkGitHistoryScan(b *testing.B) {
	dir := b.TempDir()
	benchRepo(b, dir)
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("git", "-C", dir, "log", "--all", "--name-only")
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("path", func(b *testing.B) {
		for b.Loop() {
			m, err := Repo(RepoOptions{Dir: dir}).loadHistory(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if len(m.history) != 1 || m.history[0].Path != "config/.env" {
				b.Fatalf("history: %+v", m.history)
			}
		}
	})
	b.Run("content", func(b *testing.B) {
		for b.Loop() {
			m, err := Repo(RepoOptions{Dir: dir}).loadContent(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if len(m.hits) != 1 || !strings.Contains(m.hits[0].Path, ".env") {
				b.Fatalf("hits: %+v", m.hits)
			}
		}
	})
}
