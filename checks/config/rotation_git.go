package config

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// GitLineAge returns a [KeyAgeSource] that dates each key by the git
// history of the line that sets it: the author date of the commit that
// last changed that line (git blame --porcelain on the work tree's file;
// a line changed but not committed yet is dated now). path is relative
// to repoDir, the work tree, and is read through the guarded reader
// confined to it. A line sets KEY when it reads KEY=..., export KEY=...,
// KEY: ... or "KEY": ... (the last such line wins, as in a .env file).
// keys names the keys to date; empty means every secret-named key of the
// file (JWT_SECRET, API_KEY, ...). A key the file does not set is an
// error. No line's content is kept or shown: blame's copy of it is
// discarded as it is read.
func GitLineAge(repoDir, path string, keys []string) KeyAgeSource {
	return &gitLineAge{repo: repoDir, path: path, keys: keys}
}

type gitLineAge struct {
	repo string
	path string
	keys []string
}

func (s *gitLineAge) Target() string {
	root, err := rotRoot(s.repo)
	if err != nil {
		root = s.repo
	}
	return rotDisplay(root, s.path)
}

// gitBlameTimeout bounds the one git blame a source runs.
const gitBlameTimeout = 2 * time.Minute

func (s *gitLineAge) KeyAges(ctx context.Context) ([]KeyAge, error) {
	root, err := rotRoot(s.repo)
	if err != nil {
		return nil, fmt.Errorf("key history: %w", err)
	}
	g, err := guard.New(guard.Options{Root: root})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	name := rotDisplay(root, s.path)
	rel, err := g.Rel(s.path, name)
	if err != nil {
		return nil, err
	}
	data, err := g.ReadFile(rel, name)
	if err != nil {
		return nil, err
	}
	lines := rotKeyLines(data)
	keys := s.keys
	if len(keys) == 0 {
		for k := range lines {
			if secret.IsSecretKey(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) == 0 {
			return nil, nil
		}
	}
	var missing []string
	want := map[int]bool{}
	for _, k := range keys {
		n, ok := lines[k]
		if !ok {
			missing = append(missing, k)
			continue
		}
		want[n] = true
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("key history: %s does not set %s", name, strings.Join(missing, ", "))
	}
	dates, err := rotBlameDates(ctx, root, rel, want)
	if err != nil {
		return nil, fmt.Errorf("key history: %s: %w", name, err)
	}
	out := make([]KeyAge, 0, len(keys))
	for _, k := range keys {
		n := lines[k]
		t, ok := dates[n]
		if !ok {
			return nil, fmt.Errorf("key history: %s:%d: git blame gave no date for key %s", name, n, k)
		}
		out = append(out, KeyAge{Name: k, Created: t, Location: check.Location{File: name, Line: n, Resource: "key " + k}})
	}
	return out, nil
}

// keyLines maps each key the data sets to the 1-based line of its last
// assignment. Values are not kept.
func rotKeyLines(data []byte) map[string]int {
	out := map[string]int{}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		if k, ok := rotAssignedKey(sc.Text()); ok {
			out[k] = n
		}
	}
	return out
}

// assignedKey returns the key a line sets: KEY=v, export KEY=v, KEY: v,
// "KEY": v, 'KEY' = v.
func rotAssignedKey(line string) (string, bool) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' {
		return "", false
	}
	if rest, ok := strings.CutPrefix(s, "export "); ok {
		s = strings.TrimLeft(rest, " \t")
	}
	var key string
	if q := s[0]; q == '"' || q == '\'' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", false
		}
		key, s = s[1:1+end], s[2+end:]
	} else {
		i := 0
		for i < len(s) && rotKeyByte(s[i]) {
			i++
		}
		key, s = s[:i], s[i:]
	}
	if key == "" {
		return "", false
	}
	s = strings.TrimLeft(s, " \t")
	if s == "" || (s[0] != '=' && s[0] != ':') {
		return "", false
	}
	return key, true
}

func rotKeyByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// blameDates runs one git blame --porcelain over the wanted lines of the
// work tree's file and returns each line's author date.
func rotBlameDates(ctx context.Context, repo, rel string, want map[int]bool) (map[int]time.Time, error) {
	if len(want) == 0 {
		return map[int]time.Time{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, gitBlameTimeout)
	defer cancel()
	// No fsmonitor hook, no textconv filter: blame dates lines and runs
	// nothing the repository configures.
	args := []string{"-C", repo, "-c", "core.fsmonitor=false", "blame", "--porcelain", "--no-textconv"}
	nums := make([]int, 0, len(want))
	for n := range want {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		args = append(args, "-L", fmt.Sprintf("%d,%d", n, n))
	}
	args = append(args, "--", rel)
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("git blame: %w", ctx.Err())
		}
		return nil, fmt.Errorf("git blame: %w%s", err, rotGitReason(stderr.Bytes()))
	}
	return rotParseBlame(out)
}

// gitReason returns git's first error line, capped: git's own messages
// name paths and revisions, not file content.
func rotGitReason(stderr []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(stderr), []byte("\n"))
	if len(line) == 0 {
		return ""
	}
	s := strings.ToValidUTF8(string(line), "?")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return ": " + s
}

// parseBlame reads git blame --porcelain: a header "<sha> <orig> <final>
// [<count>]", the commit's fields the first time a commit appears, and the
// line itself after a tab, which is discarded.
func rotParseBlame(out []byte) (map[int]time.Time, error) {
	authorTime := map[string]int64{}
	dates := map[int]time.Time{}
	var sha string
	var final int
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), len(out)+1)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "\t"):
			// The content line, possibly a secret: never kept.
			if sha == "" {
				return nil, errors.New("git blame: unexpected output")
			}
			t, ok := authorTime[sha]
			if !ok {
				return nil, errors.New("git blame: no author date for a line")
			}
			dates[final] = time.Unix(t, 0).UTC()
			sha = ""
		case strings.HasPrefix(line, "author-time "):
			if sha == "" {
				return nil, errors.New("git blame: unexpected output")
			}
			v, err := strconv.ParseInt(strings.TrimPrefix(line, "author-time "), 10, 64)
			if err != nil {
				return nil, errors.New("git blame: bad author-time")
			}
			authorTime[sha] = v
		case sha == "":
			f := strings.Fields(line)
			if len(f) < 3 || len(f[0]) < 40 || strings.Trim(f[0], "0123456789abcdef") != "" {
				return nil, errors.New("git blame: unexpected output")
			}
			n, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, errors.New("git blame: unexpected output")
			}
			sha, final = f[0], n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("git blame: %w", err)
	}
	return dates, nil
}
