package config

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// gitMaxSecretFindings caps the distinct secrets one content scan records.
const gitMaxSecretFindings = 1000

// secretRule is one high-confidence secret pattern. trigger is a literal
// that every match contains, looked for before the regexp runs.
type secretRule struct {
	name    string
	trigger string
	re      *regexp.Regexp
}

// secretRules are the patterns of the content scan, each anchored on a
// literal prefix so that a line without one costs a few byte searches.
var secretRules = []secretRule{
	{"aws-access-key-id", "AKIA", regexp.MustCompile(`\bAKIA[A-Z2-7]{16}\b`)},
	{"aws-access-key-id", "ASIA", regexp.MustCompile(`\bASIA[A-Z2-7]{16}\b`)},
	{"private-key", "-----BEGIN", regexp.MustCompile(`-----BEGIN ((RSA|DSA|EC|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY( BLOCK)?-----`)},
	{"github-token", "gh", regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,255}\b`)},
	{"github-token", "github_pat_", regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{50,255}\b`)},
	{"gitlab-token", "glpat-", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,64}`)},
	{"slack-token", "xox", regexp.MustCompile(`\bxox[baprs]-[A-Za-z0-9-]{10,255}`)},
	{"stripe-live-key", "_live_", regexp.MustCompile(`\b[sr]k_live_[A-Za-z0-9]{20,255}\b`)},
	{"jwt", "eyJ", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,1000}\.eyJ[A-Za-z0-9_-]{8,1000}\.[A-Za-z0-9_-]{8,1000}`)},
}

// allowedValues are public example values that are not secrets: AWS's
// documentation key.
var allowedValues = map[string]bool{
	"AKIAIOSFODNN7EXAMPLE": true,
}

// ruleEnvAssignment names a secret-named KEY=value in an env file whose
// value internal/secret.Judge holds a secret.
const ruleEnvAssignment = "env-secret-assignment"

// secretMatch is one secret found on a line: the rule, the value (never
// shown), and for env assignments the key.
type secretMatch struct {
	rule, key, value string
}

// scanLine appends the secrets found on line to out. env says the line is
// from an env file, where KEY=value assignments are judged too.
func scanLine(line []byte, env bool, out []secretMatch) []secretMatch {
	before := len(out)
	for i := range secretRules {
		r := &secretRules[i]
		if !bytes.Contains(line, []byte(r.trigger)) {
			continue
		}
		for _, loc := range r.re.FindAllIndex(line, 8) {
			v := string(line[loc[0]:loc[1]])
			if allowedValues[v] {
				continue
			}
			out = append(out, secretMatch{rule: r.name, value: v})
		}
	}
	// A line a pattern matched is one finding, not two.
	if env && len(out) == before {
		if key, value, ok := envAssignment(line); ok && secret.Judge(key, value).IsSecret {
			out = append(out, secretMatch{rule: ruleEnvAssignment, key: key, value: value})
		}
	}
	return out
}

// envAssignment splits a dotenv line "[export ]KEY=value" into its key
// and unquoted value. It is a line-wise reading for added lines of a
// patch, where the whole file is not at hand; values spanning lines are
// judged by their first line.
func envAssignment(line []byte) (key, value string, ok bool) {
	s := strings.TrimSpace(strings.TrimPrefix(string(line), "\ufeff"))
	if s == "" || s[0] == '#' {
		return "", "", false
	}
	s = strings.TrimPrefix(s, "export ")
	eq := strings.IndexAny(s, "=:")
	if eq <= 0 {
		return "", "", false
	}
	key = strings.TrimSpace(s[:eq])
	if !isVarName(key) {
		return "", "", false
	}
	v := strings.TrimSpace(s[eq+1:])
	if len(v) >= 1 && (v[0] == '"' || v[0] == '\'') {
		if end := strings.LastIndexByte(v, v[0]); end > 0 {
			v = v[1:end]
		} else {
			v = v[1:]
		}
	} else if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return key, v, true
}

func isVarName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || c == '-' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// secretHit is one distinct secret found in the history: where it was
// added (the oldest commit seen), never its value.
type secretHit struct {
	Rule        string
	Key         string // the variable, for env assignments
	Path        string
	Line        int // in the commit's version of the file; 0 when unknown
	Commit      string
	Date        time.Time
	Fingerprint string
}

// scanModel is what one content scan found.
type scanModel struct {
	notRepo string
	shallow bool
	hits    []secretHit
	capped  bool
}

// patchScanner reads the lines of "git log -p --unified=0" output and
// scans the added lines.
type patchScanner struct {
	isEnv   func(string) bool
	fp      *secret.Fingerprinter
	commit  string
	date    time.Time
	path    string
	env     bool
	inHunk  bool
	newLine int
	hits    []secretHit
	index   map[string]int
	capped  bool
	buf     []secretMatch
}

func newPatchScanner(isEnv func(string) bool, fp *secret.Fingerprinter) *patchScanner {
	return &patchScanner{isEnv: isEnv, fp: fp, index: map[string]int{}}
}

// line handles one line of the patch stream.
func (ps *patchScanner) line(b []byte) {
	if len(b) == 0 {
		return
	}
	switch {
	case b[0] == commitMark[0]:
		ps.commit, ps.date = parseHeader(b[1:])
		ps.path, ps.inHunk = "", false
	case ps.inHunk && b[0] == '+':
		if ps.path != "" {
			ps.added(b[1:])
		}
		ps.newLine++
	case ps.inHunk && (b[0] == '-' || b[0] == '\\'):
	case ps.inHunk && b[0] == ' ':
		ps.newLine++
	case bytes.HasPrefix(b, []byte("diff --git ")):
		ps.path, ps.inHunk = "", false
	case bytes.HasPrefix(b, []byte("+++ ")):
		p := b[4:]
		if bytes.Equal(p, []byte("/dev/null")) {
			ps.path = ""
			break
		}
		s := unquotePath(p)
		ps.path = strings.TrimPrefix(s, "b/")
		ps.env = ps.isEnv(ps.path)
	case bytes.HasPrefix(b, []byte("@@ ")):
		ps.inHunk = true
		ps.newLine = hunkStart(b)
	}
}

// hunkStart returns c of "@@ -a,b +c,d @@".
func hunkStart(b []byte) int {
	i := bytes.Index(b, []byte(" +"))
	if i < 0 {
		return 0
	}
	rest := b[i+2:]
	j := 0
	for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(string(rest[:j]))
	return n
}

func (ps *patchScanner) added(content []byte) {
	ps.buf = scanLine(content, ps.env, ps.buf[:0])
	for _, m := range ps.buf {
		fp := ps.fp.Fingerprint(m.value)
		k := m.rule + "\x00" + m.key + "\x00" + ps.path + "\x00" + fp
		i, ok := ps.index[k]
		if !ok {
			if len(ps.hits) >= gitMaxSecretFindings {
				ps.capped = true
				continue
			}
			i = len(ps.hits)
			ps.index[k] = i
			ps.hits = append(ps.hits, secretHit{Rule: m.rule, Key: m.key, Path: ps.path, Fingerprint: fp})
		}
		// The log runs newest first: the last one seen is the oldest.
		h := &ps.hits[i]
		h.Commit, h.Date, h.Line = ps.commit, ps.date, ps.newLine
	}
}

func (r *Repository) loadContent(ctx context.Context) (*scanModel, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	m := &scanModel{}
	top, shallow, err := probe(ctx, r.dir())
	if errors.Is(err, errNotRepo) {
		m.notRepo = r.target + " is not in a git work tree"
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	m.shallow = shallow
	fp := secret.NewFingerprinter()
	if r.fpKey != nil {
		fp = secret.NewKeyedFingerprinter(r.fpKey)
	}
	ps := newPatchScanner(r.IsEnvFile, fp)
	cmd := gitCommand(ctx, top, "log", "--all", "-p", "--no-color", "--unified=0", "--no-renames",
		"--no-ext-diff", "--no-textconv", "--format="+commitMark+"%H %at")
	if err := streamLines(ctx, cmd, ps.line); err != nil {
		return nil, err
	}
	m.hits, m.capped = ps.hits, ps.capped
	return m, nil
}
