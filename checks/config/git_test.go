package config

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

// Canaries planted in the git fixtures; no output may contain them.
const (
	gitCanaryPassword = "hunter2canary"
	gitCanaryAWS      = "AKIAQZ4CANARYQZ4CANA"
	gitCanaryGitHub   = "ghp_CanaryCanaryCanaryCanaryCanary012345"
)

var gitCanaries = []string{gitCanaryPassword, gitCanaryAWS, gitCanaryGitHub}

// gitRun runs git in dir with a fixed identity and dates, failing the test
// on error, and returns its trimmed output.
func ghRun(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com",
		"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-03-01T12:00:00Z", "GIT_COMMITTER_DATE=2024-03-01T12:00:00Z",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func ghWrite(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func ghCommit(t testing.TB, dir, msg string) string {
	t.Helper()
	ghRun(t, dir, "add", "-A")
	ghRun(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	return ghRun(t, dir, "rev-parse", "HEAD")
}

func ghNewRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	ghRun(t, dir, "init", "-q")
	return dir
}

// sideBranchRepo has a .env committed three commits back on a side branch
// and deleted since; main never had it. It returns the commit that added
// the .env.
func sideBranchRepo(t testing.TB) (dir, added string) {
	dir = ghNewRepo(t)
	ghWrite(t, dir, "README.md", "hello\n")
	ghWrite(t, dir, ".gitignore", ".env\n")
	ghCommit(t, dir, "initial")
	ghRun(t, dir, "checkout", "-q", "-b", "side")
	ghWrite(t, dir, ".env", "APP_ENV=production\nDB_PASSWORD="+gitCanaryPassword+"\nAWS_ACCESS_KEY_ID="+gitCanaryAWS+"\n")
	ghRun(t, dir, "add", "-f", ".env")
	ghRun(t, dir, "commit", "-q", "-m", "add env")
	added = ghRun(t, dir, "rev-parse", "HEAD")
	ghWrite(t, dir, "a.txt", "a\n")
	ghCommit(t, dir, "a")
	ghWrite(t, dir, "notes.md", "token: "+gitCanaryGitHub+"\n")
	ghCommit(t, dir, "b")
	ghRun(t, dir, "rm", "-q", "--cached", ".env")
	require.NoError(t, os.Remove(filepath.Join(dir, ".env")))
	ghCommit(t, dir, "remove env")
	ghRun(t, dir, "checkout", "-q", "main")
	return dir, added
}

// runGit runs the four git checks on r and returns the report.
func ghRunChecks(t *testing.T, r *Repository) *check.Report {
	t.Helper()
	var run check.Runner
	rep, err := run.Run(t.Context(), GitEnvTracked(r, GitEnvTrackedOptions{}), GitEnvHistory(r, GitEnvHistoryOptions{}),
		GitEnvIgnored(r, GitEnvIgnoredOptions{}), GitSecrets(r, GitSecretsOptions{}))
	require.NoError(t, err)
	ghAssertNoCanary(t, rep)
	return rep
}

func ghOutcome(t *testing.T, rep *check.Report, id string) check.Outcome {
	t.Helper()
	for _, o := range rep.Outcomes {
		if o.Meta.ID == id {
			return o
		}
	}
	t.Fatalf("no outcome %s", id)
	return check.Outcome{}
}

// assertNoCanary renders rep in every format and asserts that no canary
// appears.
func ghAssertNoCanary(t *testing.T, rep *check.Report) {
	t.Helper()
	var buf bytes.Buffer
	for _, render := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return report.Text(b, rep, report.Options{}) },
		func(b *bytes.Buffer) error { return report.JSON(b, rep, report.Options{}) },
		func(b *bytes.Buffer) error { return report.JUnit(b, rep, report.Options{}) },
		func(b *bytes.Buffer) error { return report.Markdown(b, rep, report.Options{}) },
	} {
		require.NoError(t, render(&buf))
	}
	for _, c := range gitCanaries {
		assert.NotContains(t, buf.String(), c)
	}
}

func TestGitSideBranchEnvDeleted(t *testing.T) {
	t.Parallel()
	dir, added := sideBranchRepo(t)
	rep := ghRunChecks(t, Repo(RepoOptions{Dir: dir}))

	assert.Equal(t, check.StatusPass, ghOutcome(t, rep, "config.git.env-tracked").Result.Status)
	hist := ghOutcome(t, rep, "config.git.env-history").Result
	require.Equal(t, check.StatusFail, hist.Status, hist.Message)
	require.Len(t, hist.Findings, 1)
	assert.Equal(t, ".env", hist.Findings[0].Location.File)
	assert.Equal(t, "commit "+added, hist.Findings[0].Location.Resource)
	assert.Contains(t, hist.Findings[0].Message, "2024-03-01")
	assert.Contains(t, hist.Findings[0].Message, "2 commits")
	assert.Equal(t, check.StatusPass, ghOutcome(t, rep, "config.git.env-ignored").Result.Status)

	sec := ghOutcome(t, rep, "config.git.secrets").Result
	require.Equal(t, check.StatusFail, sec.Status)
	type hit struct {
		file string
		line int
		msg  string
	}
	var got []hit
	for _, f := range sec.Findings {
		assert.Equal(t, "commit "+ghCommitOf(f), f.Location.Resource)
		got = append(got, hit{f.Location.File, f.Location.Line, strings.Fields(f.Message)[0]})
	}
	assert.ElementsMatch(t, []hit{
		{".env", 2, ruleEnvAssignment},   // low-entropy DB_PASSWORD
		{".env", 3, "aws-access-key-id"}, // by pattern
		{"notes.md", 1, "github-token"},  // outside env files: patterns only
	}, got)
	for _, f := range sec.Findings {
		if f.Location.File == ".env" {
			assert.Equal(t, "commit "+added, f.Location.Resource)
		}
	}
}

func ghCommitOf(f check.Finding) string { return strings.TrimPrefix(f.Location.Resource, "commit ") }

func TestGitRenamedEnvProd(t *testing.T) {
	t.Parallel()
	dir := ghNewRepo(t)
	ghWrite(t, dir, "deploy.cfg", "PORT=80\n")
	ghCommit(t, dir, "cfg")
	ghRun(t, dir, "mv", "deploy.cfg", ".env.prod")
	renamed := ghCommit(t, dir, "rename to env")
	ghWrite(t, dir, ".env.example", "DB_PASSWORD=\n")
	ghWrite(t, dir, ".gitignore", ".env\n.env.*\n!.env.example\n")
	ghCommit(t, dir, "example")
	rep := ghRunChecks(t, Repo(RepoOptions{Dir: dir}))

	tracked := ghOutcome(t, rep, "config.git.env-tracked").Result
	require.Equal(t, check.StatusFail, tracked.Status)
	require.Len(t, tracked.Findings, 1)
	assert.Equal(t, ".env.prod", tracked.Findings[0].Location.File)
	hist := ghOutcome(t, rep, "config.git.env-history").Result
	require.Equal(t, check.StatusFail, hist.Status)
	require.Len(t, hist.Findings, 1, "the example is not an env file")
	assert.Equal(t, ".env.prod", hist.Findings[0].Location.File)
	assert.Equal(t, "commit "+renamed, hist.Findings[0].Location.Resource)
}

func TestGitSubmodule(t *testing.T) {
	t.Parallel()
	sub := ghNewRepo(t)
	ghWrite(t, sub, ".env", "SECRET_KEY="+gitCanaryPassword+"\n")
	subCommit := ghCommit(t, sub, "sub env")
	dir := ghNewRepo(t)
	ghWrite(t, dir, ".gitignore", ".env\n")
	ghCommit(t, dir, "init")
	ghRun(t, dir, "submodule", "-q", "add", "file://"+sub, "vendor/sub")
	ghCommit(t, dir, "add submodule")
	rep := ghRunChecks(t, Repo(RepoOptions{Dir: dir}))

	tracked := ghOutcome(t, rep, "config.git.env-tracked").Result
	require.Equal(t, check.StatusFail, tracked.Status)
	assert.Equal(t, "vendor/sub/.env", tracked.Findings[0].Location.File)
	hist := ghOutcome(t, rep, "config.git.env-history").Result
	require.Equal(t, check.StatusFail, hist.Status)
	assert.Equal(t, "vendor/sub/.env", hist.Findings[0].Location.File)
	assert.Equal(t, "commit "+subCommit, hist.Findings[0].Location.Resource)
}

func TestGitNotARepository(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	ghWrite(t, dir, ".env", "DB_PASSWORD="+gitCanaryPassword+"\n")
	rep := ghRunChecks(t, Repo(RepoOptions{Dir: dir}))
	for _, o := range rep.Outcomes {
		assert.Equal(t, check.StatusSkip, o.Result.Status, o.Meta.ID)
		assert.Contains(t, o.Result.Message, "not in a git work tree")
	}
}

func TestGitShallowClone(t *testing.T) {
	t.Parallel()
	origin := ghNewRepo(t)
	ghWrite(t, origin, "a.txt", "a\n")
	ghCommit(t, origin, "one")
	ghWrite(t, origin, "b.txt", "b\n")
	ghCommit(t, origin, "two")
	clone := filepath.Join(t.TempDir(), "clone")
	ghRun(t, origin, "clone", "-q", "--depth", "1", "file://"+origin, clone)
	ghWrite(t, clone, ".gitignore", ".env\n")
	rep := ghRunChecks(t, Repo(RepoOptions{Dir: clone}))
	for _, id := range []string{"config.git.env-history", "config.git.secrets"} {
		res := ghOutcome(t, rep, id).Result
		assert.Equal(t, check.StatusWarn, res.Status, id)
		assert.Contains(t, res.Message, "history incomplete", id)
	}
}

func TestGitEnvIgnored(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		status    check.Status
		locations []string
	}{
		{"both", map[string]string{".gitignore": ".env\n", ".dockerignore": ".env\n"}, check.StatusPass, nil},
		{"no dockerignore", map[string]string{".gitignore": "*.env\n.env\n"}, check.StatusPass, nil},
		{"nothing", map[string]string{"README": "x\n"}, check.StatusFail, []string{".gitignore:.env"}},
		{"dockerignore misses", map[string]string{".gitignore": ".env\n", ".dockerignore": "node_modules\n"}, check.StatusFail,
			[]string{".dockerignore:.env"}},
		{"present file", map[string]string{".gitignore": ".env\n", ".env.local": "A=1\n"}, check.StatusFail,
			[]string{".gitignore:.env.local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := ghNewRepo(t)
			for n, c := range tt.files {
				ghWrite(t, dir, n, c)
			}
			var run check.Runner
			rep, err := run.Run(t.Context(), GitEnvIgnored(Repo(RepoOptions{Dir: dir}), GitEnvIgnoredOptions{}))
			require.NoError(t, err)
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.status, res.Status, res.Message)
			var locs []string
			for _, f := range res.Findings {
				locs = append(locs, f.Location.File+":"+f.Location.Resource)
			}
			assert.Equal(t, tt.locations, locs)
		})
	}
}

func TestGitTimeout(t *testing.T) {
	t.Parallel()
	dir, _ := sideBranchRepo(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Repo(RepoOptions{Dir: dir}).loadContent(ctx)
	assert.Error(t, err)
}

func TestIsEnvFile(t *testing.T) {
	t.Parallel()
	r := Repo(RepoOptions{})
	for p, want := range map[string]bool{
		".env": true, "deploy/.env.prod": true, "prod.env": true, ".env.example": false, ".env.sample": false,
		"x/.env.template": false, ".env.dist": false, "environment.go": false, "README": false, ".envrc": false,
	} {
		assert.Equal(t, want, r.IsEnvFile(p), p)
	}
}
