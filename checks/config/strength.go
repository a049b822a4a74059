package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// Located is a configuration value and where it was set. File is relative
// to the source's root, with forward slashes.
type Located struct {
	Value string
	File  string
	Line  int
}

// Values is a source of configuration values by key: an environment file,
// a secret store export, a test's map. [SecretStrength] reads it.
type Values interface {
	Values(ctx context.Context) (map[string]Located, error)
}

// EnvFileValues reads one environment file through the guarded reader;
// [EnvFile] makes one.
type EnvFileValues struct {
	path, root, display string
	src                 *check.Source[map[string]Located]
}

// EnvFile returns a [Values] source over the environment file at path,
// read through the guarded reader confined to root (when empty, the top of
// the git work tree holding the file, else its directory), at most once per
// run, and parsed with compose-go's dotenv as docker compose does. A
// missing file gives an error matching fs.ErrNotExist; a binary or
// oversized file, or a syntax error, gives an error naming the file and
// line, never a value.
func EnvFile(path, root string) *EnvFileValues {
	e := &EnvFileValues{path: path, root: root, display: filepath.ToSlash(path)}
	if abs, err := filepath.Abs(path); err == nil {
		e.path = abs
		if e.root == "" {
			if r, err := guard.DefaultRoot(filepath.Dir(abs)); err == nil {
				e.root = r
			}
		}
		if e.root != "" {
			if rootAbs, err := filepath.Abs(e.root); err == nil {
				if rel, err := filepath.Rel(rootAbs, abs); err == nil && !strings.HasPrefix(rel, "..") {
					e.display = filepath.ToSlash(rel)
				}
			}
		}
	}
	e.src = check.NewSource(e.load)
	return e
}

// Target returns the file as findings name it.
func (e *EnvFileValues) Target() string { return e.display }

// Values returns the file's variables, loaded once per run.
func (e *EnvFileValues) Values(ctx context.Context) (map[string]Located, error) {
	return e.src.Get(ctx)
}

func (e *EnvFileValues) load(context.Context) (map[string]Located, error) {
	if e.root == "" {
		return nil, fmt.Errorf("config: %s: no root directory", e.display)
	}
	g, err := guard.New(guard.Options{Root: e.root})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer g.Close()
	data, err := g.ReadFile(e.path, e.display)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	f, err := parseEnv(e.display, data)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Located, len(f.Vars))
	for k, v := range f.Vars {
		out[k] = Located{Value: v.Value, File: e.display, Line: v.Line}
	}
	return out, nil
}

// DefaultStrengthKeys are the keys [SecretStrength] judges when its options
// name none.
var DefaultStrengthKeys = []string{"JWT_SECRET"}

// AllSecretKeys, given as a key in SecretStrengthOptions.Keys, selects
// every key that names a secret (PASSWORD, SECRET, TOKEN, KEY, ...).
const AllSecretKeys = "*"

// SecretStrengthOptions configures [SecretStrength]. The zero value judges
// JWT_SECRET for HS256: 64 characters, 256 bits.
type SecretStrengthOptions struct {
	// Keys are the variables judged; empty means JWT_SECRET. The key "*"
	// ([AllSecretKeys]) adds every secret-named variable.
	Keys []string
	// Alg is the JWS algorithm the secrets sign with: HS256 (default),
	// HS384 or HS512, for 256, 384 or 512 bits (RFC 7518 §3.2).
	Alg string
	// MinLength is the least length in characters; 0 means 64.
	MinLength int
	// MinBits overrides the entropy Alg requires, when above 0.
	MinBits float64
	// Target names what was judged, when the source has no Target method.
	Target string
}

// SecretStrength checks that each selected secret is strong (see
// internal/secret.Strength): at least 64 characters, at least 256 bits of
// estimated entropy (384 or 512 for HS384 and HS512; the lower of a
// character-class estimate and zxcvbn's), not on the embedded list of
// known weak, default, tutorial and JWT-wordlist secrets, not mostly
// dictionary words or a keyboard walk, and not low-variety. ID
// security.secrets.strength, severity high: it fails with one finding per
// weak key, naming the file, line and key, the reasons and a fingerprint,
// never the value. A key that holds a reference ($VAR, a file path) is
// left to the check of what it references; when no selected key is set
// the check skips.
//
// A length-and-entropy rule alone passes long secrets copied from
// tutorials (FastAPI's 64-hex key, Spring tutorials' 64-hex keys): the
// list catches them.
func SecretStrength(values Values, opts SecretStrengthOptions) check.Check {
	target := opts.Target
	if t, ok := values.(interface{ Target() string }); ok && target == "" {
		target = t.Target()
	}
	meta := check.Meta{
		ID:       "security.secrets.strength",
		Target:   target,
		Title:    "Signing secrets are long, random and not on a public wordlist",
		Section:  "Security Hardening / Authentication",
		Item:     "Use strong, random JWT_SECRET (64+ characters)",
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "secrets", "jwt"},
		Remediation: "Generate the secret from a CSPRNG (openssl rand -base64 48, or -hex 32 for HS256 and " +
			"-hex 64 for HS512), never a tutorial's or a wordlist's value, and load it from a secret manager.",
		Refs: []string{
			"RFC 7518 §3.2",
			"OWASP JSON Web Token Cheat Sheet",
			"wallarm/jwt-secrets jwt.secrets.list",
			"ticarpi/jwt_tool jwt-common.txt",
		},
	}
	return check.New(meta, func(ctx context.Context) check.Result {
		vals, err := values.Values(ctx)
		if errors.Is(err, fs.ErrNotExist) {
			return check.Skip("no environment file to judge")
		}
		if err != nil {
			return check.Error(err)
		}
		return judgeStrength(vals, opts)
	})
}

// strengthKeys returns the selected keys present in vals, sorted.
func strengthKeys(vals map[string]Located, keys []string) []string {
	if len(keys) == 0 {
		keys = DefaultStrengthKeys
	}
	var out []string
	for _, k := range keys {
		if k == AllSecretKeys {
			for name := range vals {
				if secret.IsSecretKey(name) {
					out = append(out, name)
				}
			}
			continue
		}
		if _, ok := vals[k]; ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func judgeStrength(vals map[string]Located, opts SecretStrengthOptions) check.Result {
	keys := strengthKeys(vals, opts.Keys)
	if len(keys) == 0 {
		return check.Skip("none of the selected secret keys is set")
	}
	fp := secret.NewFingerprinter()
	sopts := secret.StrengthOptions{MinLength: opts.MinLength, MinBits: opts.MinBits, Alg: opts.Alg}
	expected := fmt.Sprintf("%d+ random characters, %.0f+ bits, on no wordlist",
		strengthOr(opts.MinLength, secret.DefaultSecretMinLength), strengthMinBits(opts))
	var findings []check.Finding
	var judged, refs []string
	for _, k := range keys {
		v := vals[k]
		switch secret.JudgeValue(k, v.Value).Reason {
		case secret.ReasonReference, secret.ReasonPath:
			refs = append(refs, k)
			continue
		}
		judged = append(judged, k)
		rep := secret.Strength(v.Value, sopts)
		if rep.OK {
			continue
		}
		findings = append(findings, check.Finding{
			Message:  k + " is not a strong secret: " + strings.Join(rep.Reasons, "; "),
			Location: check.Location{File: v.File, Line: v.Line, Resource: "variable " + k},
			Expected: expected,
			Actual:   fmt.Sprintf("%s; about %.0f bits, zxcvbn score %d", fp.Fingerprint(v.Value), rep.EntropyBits, rep.ZXCVBNScore),
		})
	}
	if len(judged) == 0 {
		return check.Skip("the selected secret keys hold references, not values: " + strings.Join(refs, ", "))
	}
	return check.Judge(findings,
		fmt.Sprintf("%d secret(s) strong: %s", len(judged), strings.Join(judged, ", ")),
		fmt.Sprintf("%d of %d secret(s) weak", len(findings), len(judged)))
}

func strengthMinBits(opts SecretStrengthOptions) float64 {
	if opts.MinBits > 0 {
		return opts.MinBits
	}
	switch strings.ToUpper(opts.Alg) {
	case "HS384":
		return 384
	case "HS512":
		return 512
	}
	return secret.DefaultSecretMinBits
}

func strengthOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
