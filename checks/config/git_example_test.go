package config_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/config"
)

// A .env committed and deleted since is still found in the history.
func ExampleGitEnvHistory() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Ex", "-c", "user.email=ex@example.com"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-05-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-05-01T00:00:00Z")
		_ = cmd.Run()
	}
	git("init", "-q")
	_ = os.WriteFile(filepath.Join(dir, ".env"), []byte("DB_PASSWORD=example-only\n"), 0o600)
	git("add", ".env")
	git("commit", "-q", "-m", "oops")
	git("rm", "-q", ".env")
	git("commit", "-q", "-m", "remove")

	repo := config.Repo(config.RepoOptions{Dir: dir})
	var run check.Runner
	rep, _ := run.Run(context.Background(), config.GitEnvHistory(repo, config.GitEnvHistoryOptions{}))
	res := rep.Outcomes[0].Result
	fmt.Println(res.Status, res.Message)
	f := res.Findings[0]
	hash := strings.TrimPrefix(f.Location.Resource, "commit ")
	fmt.Println(f.Location.File, strings.Replace(f.Message, hash[:12], "<commit>", 1))
	// Output:
	// fail 1 env file in the git history
	// .env env file in history: added in commit <commit> (2024-05-01), in 2 commits
}
