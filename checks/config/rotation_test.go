package config

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/report"
)

// Canary secrets planted in the rotation fixtures: no output may hold one.
const (
	rotCanaryAPI = "rotcanary-4f9c2a7e1b8d6053-api-key-value"
	rotCanaryJWT = "rotcanary-8e1d7c3b5a9f2046-jwt-secret-value"
	rotCanaryInv = "rotcanary-0b3e6d9a2c5f8147-inventory-secret"
)

var rotCanaries = []string{rotCanaryAPI, rotCanaryJWT, rotCanaryInv}

// rotNow is the injected clock of every rotation test.
var rotNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func rotClock() time.Time { return rotNow }

func rotDaysAgo(n int) time.Time { return rotNow.Add(-time.Duration(n) * 24 * time.Hour) }

// rotStaticSource is a KeyAgeSource with fixed ages.
type rotStaticSource struct {
	keys []KeyAge
	err  error
}

func (s rotStaticSource) KeyAges(context.Context) ([]KeyAge, error) { return s.keys, s.err }

// rotRun runs checks through the Runner and asserts that no rendered
// report format holds a canary.
func rotRun(t *testing.T, checks ...check.Check) *check.Report {
	t.Helper()
	rep, err := (&check.Runner{Now: rotClock}).Run(t.Context(), checks...)
	require.NoError(t, err)
	rotNoCanary(t, rep)
	return rep
}

func rotNoCanary(t *testing.T, rep *check.Report) {
	t.Helper()
	renders := map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return report.Text(b, rep, report.Options{}) },
		"json":     func(b *bytes.Buffer) error { return report.JSON(b, rep, report.Options{}) },
		"junit":    func(b *bytes.Buffer) error { return report.JUnit(b, rep, report.Options{}) },
		"markdown": func(b *bytes.Buffer) error { return report.Markdown(b, rep, report.Options{}) },
	}
	for name, render := range renders {
		var b bytes.Buffer
		require.NoError(t, render(&b), name)
		for _, c := range rotCanaries {
			assert.NotContains(t, b.String(), c, "%s report leaks a canary", name)
		}
	}
}

func TestKeyRotationJudge(t *testing.T) {
	tests := []struct {
		name    string
		keys    []KeyAge
		err     error
		maxAge  time.Duration
		want    check.Status
		msg     string
		finding []string
	}{
		{name: "fresh", keys: []KeyAge{{Name: "a", Created: rotDaysAgo(10)}, {Name: "b", Created: rotDaysAgo(80)}},
			want: check.StatusPass, msg: "2 keys, oldest 80 days, all within 90 days"},
		{name: "past the maximum", keys: []KeyAge{{Name: "old", Created: rotDaysAgo(91)}, {Name: "new", Created: rotDaysAgo(1)}},
			want: check.StatusFail, finding: []string{"key old is past the maximum age"}},
		{name: "within the last tenth warns", keys: []KeyAge{{Name: "due", Created: rotDaysAgo(85)}},
			want: check.StatusWarn, finding: []string{"key due is due for rotation within 5 days"}},
		{name: "fail lists only expired and counts due", keys: []KeyAge{{Name: "old", Created: rotDaysAgo(200)}, {Name: "due", Created: rotDaysAgo(82)}},
			want: check.StatusFail, msg: "1 of 2 keys older than 90 days; 1 more due within 9 days", finding: []string{"key old is past the maximum age"}},
		{name: "custom maximum", keys: []KeyAge{{Name: "k", Created: rotDaysAgo(31)}}, maxAge: 30 * 24 * time.Hour,
			want: check.StatusFail},
		{name: "exactly the maximum passes the fail rule", keys: []KeyAge{{Name: "k", Created: rotDaysAgo(90)}},
			want: check.StatusWarn},
		{name: "no keys skips", want: check.StatusSkip},
		{name: "no date", keys: []KeyAge{{Name: "k"}}, want: check.StatusError, msg: "key k has no creation date"},
		{name: "future date", keys: []KeyAge{{Name: "k", Created: rotNow.Add(72 * time.Hour)}}, want: check.StatusError, msg: "created in the future"},
		{name: "clock skew tolerated", keys: []KeyAge{{Name: "k", Created: rotNow.Add(time.Hour)}}, want: check.StatusPass},
		{name: "source error", err: errors.New("inventory unreadable"), want: check.StatusError, msg: "inventory unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := KeyRotation(rotStaticSource{keys: tt.keys, err: tt.err}, KeyRotationOptions{MaxAge: tt.maxAge, Now: rotClock})
			res := c.Run(t.Context())
			assert.Equal(t, tt.want, res.Status, res.Message)
			if tt.msg != "" {
				assert.Contains(t, res.Message, tt.msg)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Message)
			}
			if tt.finding != nil {
				assert.Equal(t, tt.finding, got)
			}
		})
	}
}

func TestKeyRotationMeta(t *testing.T) {
	m := KeyRotation(Inventory("keys.yaml", t.TempDir(), InventoryOptions{}), KeyRotationOptions{}).Meta()
	require.NoError(t, m.Validate())
	assert.Equal(t, "security.keys.rotation", m.ID)
	assert.Equal(t, "keys.yaml", m.Target)
	assert.Equal(t, check.SeverityHigh, m.Severity)
	assert.Equal(t, "API key rotation policy", m.Item)
	assert.Equal(t, "Security Hardening / API Security", m.Section)

	res := KeyRotation(nil, KeyRotationOptions{}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
}

func rotWriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestFileModTime(t *testing.T) {
	dir := t.TempDir()
	for name, age := range map[string]int{"keys/old.key": 120, "keys/new.key": 5, "keys/due.key": 84} {
		p := rotWriteFile(t, dir, name, rotCanaryAPI+"\n")
		require.NoError(t, os.Chtimes(p, rotDaysAgo(age), rotDaysAgo(age)))
	}
	tests := []struct {
		name  string
		paths []string
		want  check.Status
		file  []string
		msg   string
	}{
		{name: "old fails", paths: []string{"keys/old.key", "keys/new.key"}, want: check.StatusFail, file: []string{"keys/old.key"}},
		{name: "due warns", paths: []string{"keys/due.key", "keys/new.key"}, want: check.StatusWarn, file: []string{"keys/due.key"}},
		{name: "new passes", paths: []string{"keys/new.key"}, want: check.StatusPass},
		{name: "absolute path below the root", paths: []string{filepath.Join(dir, "keys", "new.key")}, want: check.StatusPass},
		{name: "missing file", paths: []string{"keys/gone.key"}, want: check.StatusError, msg: "keys/gone.key"},
		{name: "outside the root", paths: []string{"../elsewhere.key"}, want: check.StatusError, msg: "outside the project root"},
		{name: "a directory", paths: []string{"keys"}, want: check.StatusError, msg: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := KeyRotation(FileModTime(tt.paths, dir), KeyRotationOptions{Now: rotClock})
			rep := rotRun(t, c)
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.want, res.Status, res.Message)
			var files []string
			for _, f := range res.Findings {
				files = append(files, f.Location.File)
			}
			assert.Equal(t, tt.file, files)
			if tt.msg != "" {
				assert.Contains(t, res.Message, tt.msg)
			}
		})
	}
	assert.Equal(t, "keys/old.key,keys/new.key", KeyRotation(FileModTime([]string{"keys/old.key", "keys/new.key"}, dir), KeyRotationOptions{}).Meta().Target)
}

func TestFileModTimeRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.key"), 0o600))
	res := KeyRotation(FileModTime([]string{"pipe.key"}, dir), KeyRotationOptions{Now: rotClock}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.ErrorIs(t, res.Err, guard.ErrNotRegular)
}

const rotInventoryYAML = `# key inventory
- name: payments-api
  created_at: 2026-05-20
  key: ` + rotCanaryInv + `
- name: legacy-partner
  created_at: "2025-11-01T09:30:00Z"
  key: ` + rotCanaryInv + `
- name: reporting
  created_at: 2026-03-05T00:00:00+02:00
`

const rotInventoryJSON = `[
  {"name": "payments-api", "created_at": "2026-05-20", "key": "` + rotCanaryInv + `"},
  {
    "name": "legacy-partner",
    "created_at": "2025-11-01T09:30:00Z",
    "key": "` + rotCanaryInv + `"
  }
]
`

func TestInventory(t *testing.T) {
	dir := t.TempDir()
	rotWriteFile(t, dir, "keys.yaml", rotInventoryYAML)
	rotWriteFile(t, dir, "keys.json", rotInventoryJSON)
	rotWriteFile(t, dir, "keys.inventory", rotInventoryJSON)
	rotWriteFile(t, dir, "custom.yml", "- id: svc\n  rotated: 2026-05-01\n  secret: "+rotCanaryInv+"\n")
	rotWriteFile(t, dir, "empty.yaml", "[]\n")

	tests := []struct {
		name  string
		path  string
		opts  InventoryOptions
		want  check.Status
		found []string // finding locations
	}{
		{name: "yaml", path: "keys.yaml", want: check.StatusFail, found: []string{"keys.yaml:5 key legacy-partner"}},
		{name: "json", path: "keys.json", want: check.StatusFail, found: []string{"keys.json:3 key legacy-partner"}},
		{name: "json by content", path: "keys.inventory", want: check.StatusFail, found: []string{"keys.inventory:3 key legacy-partner"}},
		{name: "custom fields", path: "custom.yml", opts: InventoryOptions{NameField: "id", CreatedField: "rotated"}, want: check.StatusPass},
		{name: "empty inventory skips", path: "empty.yaml", want: check.StatusSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := rotRun(t, KeyRotation(Inventory(tt.path, dir, tt.opts), KeyRotationOptions{Now: rotClock}))
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.want, res.Status, res.Message)
			var found []string
			for _, f := range res.Findings {
				found = append(found, f.Location.String())
			}
			assert.Equal(t, tt.found, found)
		})
	}
}

func TestInventoryBad(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{name: "bad date yaml", file: "k.yaml", content: "- name: a\n  created_at: 2026-01-01\n- name: b\n  key: " + rotCanaryInv + "\n  created_at: " + rotCanaryInv + "\n",
			want: "k.yaml:5: key b: created_at is not an RFC 3339 time or a date"},
		{name: "missing date yaml", file: "k.yaml", content: "- name: a\n  key: " + rotCanaryInv + "\n",
			want: "k.yaml:1: key a has no created_at field"},
		{name: "number date yaml", file: "k.yaml", content: "- name: a\n  created_at: 20260101\n",
			want: "k.yaml:2: key a: created_at is a number"},
		{name: "not a list yaml", file: "k.yaml", content: "keys:\n  a: 1\n", want: "k.yaml:1: expected a list of keys"},
		{name: "entry not a mapping", file: "k.yaml", content: "- a\n- " + rotCanaryInv + "\n", want: "k.yaml:1: entry 1 is not a mapping"},
		{name: "yaml syntax", file: "k.yaml", content: "- name: a\n  created_at: [\n" + rotCanaryInv + ": {\n", want: "k.yaml"},
		{name: "bad date json", file: "k.json", content: "[\n {\"name\": \"a\",\n  \"created_at\": \"" + rotCanaryInv + "\"}\n]\n",
			want: "k.json:2: key a: created_at is not an RFC 3339 time or a date"},
		{name: "json syntax", file: "k.json", content: "[\n {\"name\": \"a\"},\n {\"name\": " + rotCanaryInv + "}\n]\n",
			want: "k.json:3: not valid JSON"},
		{name: "json not a list", file: "k.json", content: "{\"keys\": []}\n", want: "k.json:1: expected a list of keys"},
		{name: "json entry not an object", file: "k.json", content: "[\n {\"name\": \"a\", \"created_at\": \"2026-01-01\"},\n \"" + rotCanaryInv + "\"\n]\n",
			want: "k.json:3: entry 2 is not an object"},
		{name: "json null date", file: "k.json", content: "[{\"name\": \"a\", \"created_at\": null}]", want: "k.json:1: key a: created_at is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			rotWriteFile(t, dir, tt.file, tt.content)
			rep := rotRun(t, KeyRotation(Inventory(tt.file, dir, InventoryOptions{}), KeyRotationOptions{Now: rotClock}))
			res := rep.Outcomes[0].Result
			assert.Equal(t, check.StatusError, res.Status)
			assert.Contains(t, res.Message, tt.want)
		})
	}
}

func TestInventoryGuard(t *testing.T) {
	dir := t.TempDir()
	rotWriteFile(t, dir, "big.yaml", strings.Repeat("# "+rotCanaryInv+"\n", 100))
	res := KeyRotation(Inventory("big.yaml", dir, InventoryOptions{MaxFileSize: 64}), KeyRotationOptions{Now: rotClock}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.ErrorIs(t, res.Err, guard.ErrTooLarge)

	outside := rotWriteFile(t, t.TempDir(), "keys.yaml", rotInventoryYAML)
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.yaml")))
	res = KeyRotation(Inventory("link.yaml", dir, InventoryOptions{}), KeyRotationOptions{Now: rotClock}).Run(t.Context())
	assert.Equal(t, check.StatusError, res.Status)
	assert.ErrorIs(t, res.Err, guard.ErrOutside)
}

// gitRun runs git in dir with fixed author and committer dates.
func rotGit(t *testing.T, dir string, date time.Time, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	d := date.Format(time.RFC3339)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// keyRepo builds a repository whose config/app.env sets API_KEY (changed
// 31 days ago), JWT_SECRET (set 152 days ago, never changed) and
// SESSION_TOKEN (changed 85 days ago).
func rotKeyRepo(t *testing.T) string {
	dir := t.TempDir()
	rotGit(t, dir, rotDaysAgo(200), "init", "-q", "-b", "main")
	rotWriteFile(t, dir, "config/app.env", "APP_NAME=shop\n")
	rotGit(t, dir, rotDaysAgo(200), "add", ".")
	rotGit(t, dir, rotDaysAgo(200), "commit", "-q", "-m", "app")
	rotWriteFile(t, dir, "config/app.env", "APP_NAME=shop\nAPI_KEY="+rotCanaryAPI+"-v1\nJWT_SECRET="+rotCanaryJWT+"\nexport SESSION_TOKEN=\"v1\"\n")
	rotGit(t, dir, rotDaysAgo(152), "commit", "-q", "-am", "keys")
	rotWriteFile(t, dir, "config/app.env", "APP_NAME=shop\nAPI_KEY="+rotCanaryAPI+"-v1\nJWT_SECRET="+rotCanaryJWT+"\nexport SESSION_TOKEN=\"v2\"\n")
	rotGit(t, dir, rotDaysAgo(85), "commit", "-q", "-am", "rotate session token")
	rotWriteFile(t, dir, "config/app.env", "APP_NAME=shop\nAPI_KEY="+rotCanaryAPI+"\nJWT_SECRET="+rotCanaryJWT+"\nexport SESSION_TOKEN=\"v2\"\n")
	rotGit(t, dir, rotDaysAgo(31), "commit", "-q", "-am", "rotate api key")
	return dir
}

func TestGitLineAge(t *testing.T) {
	dir := rotKeyRepo(t)
	tests := []struct {
		name  string
		keys  []string
		want  check.Status
		found []string
		msg   string
	}{
		{name: "rotated key passes", keys: []string{"API_KEY"}, want: check.StatusPass, msg: "oldest 31 days"},
		{name: "never rotated fails", keys: []string{"API_KEY", "JWT_SECRET"}, want: check.StatusFail,
			found: []string{"config/app.env:3 key JWT_SECRET"}},
		{name: "export prefix, due warns", keys: []string{"SESSION_TOKEN"}, want: check.StatusWarn,
			found: []string{"config/app.env:4 key SESSION_TOKEN"}},
		{name: "secret-named keys by default", want: check.StatusFail, msg: "1 of 3 keys older than 90 days; 1 more due",
			found: []string{"config/app.env:3 key JWT_SECRET"}},
		{name: "key not set", keys: []string{"STRIPE_KEY"}, want: check.StatusError, msg: "config/app.env does not set STRIPE_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := rotRun(t, KeyRotation(GitLineAge(dir, "config/app.env", tt.keys), KeyRotationOptions{Now: rotClock}))
			res := rep.Outcomes[0].Result
			assert.Equal(t, tt.want, res.Status, res.Message)
			var found []string
			for _, f := range res.Findings {
				found = append(found, f.Location.String())
			}
			assert.Equal(t, tt.found, found)
			if tt.msg != "" {
				assert.Contains(t, res.Message, tt.msg)
			}
		})
	}
	assert.Equal(t, "config/app.env", KeyRotation(GitLineAge(dir, "config/app.env", nil), KeyRotationOptions{}).Meta().Target)
}

func TestGitLineAgeUncommitted(t *testing.T) {
	dir := rotKeyRepo(t)
	// A rotation written but not committed yet is dated now by blame.
	rotWriteFile(t, dir, "config/app.env", "APP_NAME=shop\nAPI_KEY="+rotCanaryAPI+"\nJWT_SECRET="+rotCanaryJWT+"-v2\nexport SESSION_TOKEN=\"v2\"\n")
	ages, err := GitLineAge(dir, "config/app.env", []string{"JWT_SECRET"}).KeyAges(t.Context())
	require.NoError(t, err)
	require.Len(t, ages, 1)
	assert.WithinDuration(t, time.Now(), ages[0].Created, time.Hour)
	assert.Equal(t, 3, ages[0].Location.Line)
}

func TestGitLineAgeBad(t *testing.T) {
	notRepo := t.TempDir()
	rotWriteFile(t, notRepo, "app.env", "API_KEY="+rotCanaryAPI+"\n")
	repo := rotKeyRepo(t)
	rotWriteFile(t, repo, "untracked.env", "API_KEY="+rotCanaryAPI+"\n")
	tests := []struct {
		name, dir, path, msg string
	}{
		{name: "not a repository", dir: notRepo, path: "app.env", msg: "git blame"},
		{name: "untracked file", dir: repo, path: "untracked.env", msg: "untracked.env"},
		{name: "missing file", dir: repo, path: "nope.env", msg: "nope.env"},
		{name: "outside the repository", dir: repo, path: "../x.env", msg: "outside the project root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := rotRun(t, KeyRotation(GitLineAge(tt.dir, tt.path, []string{"API_KEY"}), KeyRotationOptions{Now: rotClock}))
			res := rep.Outcomes[0].Result
			assert.Equal(t, check.StatusError, res.Status)
			assert.Contains(t, res.Message, tt.msg)
		})
	}
}

func TestRotAssignedKey(t *testing.T) {
	tests := []struct {
		line, key string
	}{
		{"API_KEY=x", "API_KEY"},
		{"  export   API_KEY = x", "API_KEY"},
		{"api.key: x", "api.key"},
		{`"API_KEY": "x",`, "API_KEY"},
		{"'API_KEY' = x", "API_KEY"},
		{"# API_KEY=x", ""},
		{"API_KEY", ""},
		{"", ""},
		{`"unterminated`, ""},
		{"- item", ""},
	}
	for _, tt := range tests {
		k, ok := rotAssignedKey(tt.line)
		assert.Equal(t, tt.key, k, tt.line)
		assert.Equal(t, tt.key != "", ok, tt.line)
	}
}

func TestRotParseBlameRejectsGarbage(t *testing.T) {
	for _, in := range []string{"not blame\n", "\tcontent first\n", "0123456789012345678901234567890123456789 1 1 1\n\tno author\n"} {
		_, err := rotParseBlame([]byte(in))
		assert.Error(t, err, in)
	}
}
