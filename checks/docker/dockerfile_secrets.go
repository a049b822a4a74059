package docker

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// ---------------------------------------------------------------------------
// docker.dockerfile.secrets

// DockerfileSecretsOptions configures [DockerfileSecrets].
type DockerfileSecretsOptions struct {
	// AllowKeys are ENV/ARG keys accepted even though their names look
	// secret, compared without case.
	AllowKeys []string
}

// DockerfileSecrets checks that no ENV or ARG bakes a secret into the image
// or its history: a key naming a secret (PASSWORD, TOKEN, API_KEY, ...)
// with a literal value, or any value that is a URL with a password. An ARG
// without default and a value that only references ${VAR} are fine;
// whether a value is a secret is [secret.Judge]'s call (flags, numbers,
// paths, placeholders and driver names are not). Values are never shown:
// findings give the key and a fingerprint.
func DockerfileSecrets(src *DockerfileSource, opts DockerfileSecretsOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.secrets", "Dockerfile holds no literal secrets in ENV or ARG",
		sectionEnv, dfItemSecrets, check.SeverityCritical,
		"Remove the value from the Dockerfile and rotate it: inject secrets at run time (compose secrets, a *_FILE variable, a secret manager) and use RUN --mount=type=secret for build-time secrets.",
		[]string{"security", "secrets"},
		"CIS Docker 4.10", "hadolint DL3064", "Trivy DS-0031", "BuildKit SecretsUsedInArgOrEnv", "KICS Secrets Stored In Dockerfile")
	const expected = "no literal value: a secret mounted at build time (RUN --mount=type=secret) or injected at run time"
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		var fs []check.Finding
		keys := 0
		// Keys repeat across stages: decide each name once.
		isKey := map[string]bool{}
		secretKey := func(k string) bool {
			v, ok := isKey[k]
			if !ok {
				v = secret.IsSecretKey(k)
				isKey[k] = v
			}
			return v
		}
		judge := func(v dfVar, resource string) {
			keys++
			value := v.literal
			if v.broken && strings.Trim(v.raw, `"' `) != "" {
				// An unterminated quote or a bad substitution: BuildKit
				// would refuse to build, but the value is in the file.
				value = v.raw
			}
			if !v.hasValue || value == "" {
				return
			}
			for _, a := range opts.AllowKeys {
				if strings.EqualFold(a, v.key) {
					return
				}
			}
			var msg string
			switch {
			case secretKey(v.key) && secret.JudgeValue(v.key, value).IsSecret:
				msg = fmt.Sprintf("%s %s holds a literal secret", v.kind, v.key)
				if v.kind == "ARG" {
					msg = fmt.Sprintf("ARG %s has a literal secret as its default", v.key)
				}
				if v.broken {
					msg += " (its value cannot be expanded: an unterminated quote?)"
				}
			case secret.URLHasPassword(value):
				msg = fmt.Sprintf("%s %s holds a URL with a password", v.kind, v.key)
			default:
				return
			}
			fs = append(fs, check.Finding{
				Message:  msg,
				Location: check.Location{File: p.file, Line: v.line, Resource: resource},
				Expected: expected,
				Actual:   fmt.Sprintf("%s (%s)", v.key, p.fp.Fingerprint(value)),
			})
		}
		for _, v := range p.metaVars {
			judge(v, "global args")
		}
		for _, s := range p.stages {
			for _, v := range s.vars {
				judge(v, s.label())
			}
		}
		slices.SortStableFunc(fs, dfByLine)
		return check.Judge(fs, fmt.Sprintf("no literal secrets in %s", dfCount(keys, "ENV/ARG key")), dfCount(len(fs), "literal secret")+" in ENV/ARG")
	})
}

// ---------------------------------------------------------------------------
// docker.dockerfile.build-secrets

// BuildSecretsOptions configures [DockerfileBuildSecrets]. The zero value
// is the production default.
type BuildSecretsOptions struct {
	// AllowKeys are ARG names accepted even though they look secret,
	// compared without case.
	AllowKeys []string
}

// dfCredentialWrites are RUN commands that put a credential into a layer
// or the image history.
var dfCredentialWrites = [...]struct {
	// hints are lower-case words one of which the line must hold before
	// the expression runs: most RUN lines hold none.
	hints []string
	re    *regexp.Regexp
	what  string
}{
	{[]string{"npmrc", "yarnrc", "pypirc", "netrc", "git-credentials", "pgpass", "config.json", "credentials", "id_", "pip.conf", "settings.xml", "auth.json"},
		regexp.MustCompile(`(?i)\b(echo|printf|cat|tee)\b[^;&|]*(>>?|\btee\b)\s*\S*(\.npmrc|\.yarnrc(\.yml)?|\.pypirc|\.netrc|\.git-credentials|\.pgpass|\.docker/config\.json|\.aws/credentials|\.ssh/id_\w+|pip\.conf|\.m2/settings\.xml|\.gem/credentials|\.composer/auth\.json)\b`), "writes a credentials file"},
	{[]string{"--password"}, regexp.MustCompile(`(?i)(^|\s)--password(=|\s+)[^\s-]`), "passes a password on the command line"},
	{[]string{"login"}, regexp.MustCompile(`(?i)\bdocker\s+login\b[^;&|]*\s-p\s*\S`), "passes a registry password on the command line"},
	{[]string{"gcloud"}, regexp.MustCompile(`(?i)\bgcloud\s+auth\s+activate-service-account\b[^;&|]*--key-file`), "activates a service account key"},
	{[]string{"aws"}, regexp.MustCompile(`(?i)\baws\s+configure\s+set\b`), "writes AWS credentials (aws configure set)"},
	{[]string{"config"}, regexp.MustCompile(`(?i)\b(npm|yarn|pnpm)\s+config\s+set\b[^;&|]*(_authtoken|_auth|_password|npmauthtoken)`), "writes a registry token into the package manager's config"},
	{[]string{"git"}, regexp.MustCompile(`(?i)\bgit\s+config\b[^;&|]*https?://[^/\s@]+@`), "stores a token in the git config"},
}

// dfCredentialFiles are base names of credential files; dfCredentialDirs
// are directories that hold them.
var (
	dfCredentialFiles = map[string]bool{
		".npmrc": true, ".pypirc": true, ".netrc": true, ".git-credentials": true, ".pgpass": true,
		"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, "credentials": true,
		"credentials.json": true, "service-account.json": true, "serviceaccount.json": true,
		".htpasswd": true, ".vault-token": true, "auth.json": true, ".yarnrc.yml": true,
	}
	dfCredentialDirs = [...]string{".aws", ".ssh", ".gnupg", ".docker", ".kube"}
)

// dfCredentialSource says why a COPY/ADD source is a credential file, or
// "".
func dfCredentialSource(src string) string {
	clean := strings.TrimSuffix(strings.ReplaceAll(src, "\\", "/"), "/")
	base := strings.ToLower(path.Base(clean))
	for _, seg := range strings.Split(clean, "/") {
		if slices.Contains(dfCredentialDirs[:], seg) {
			return "a credentials directory (" + seg + "/)"
		}
	}
	switch ext := path.Ext(base); {
	case dfCredentialFiles[base]:
		return "a credentials file"
	case ext == ".key" || ext == ".p12" || ext == ".pfx" || ext == ".jks" || ext == ".keystore":
		return "a private key file"
	case ext == ".pem":
		// Certificates (public) are .pem too: ca.pem, cert.pem, chain.pem.
		for _, pub := range []string{"ca", "cert", "chain", "bundle", "root", "pub", "crt"} {
			if strings.Contains(base, pub) {
				return ""
			}
		}
		return "a private key file"
	}
	return ""
}

// dfRunNode is one RUN, ARG or ENV of the parsed AST, in its stage.
type dfRunNode struct {
	stage int
	kind  string // "RUN", "ARG", "ENV"
	line  int
	text  string   // the instruction as written, continuation lines joined
	flags []string // --mount=..., as written
	args  []string // the words after the keyword
}

// DockerfileBuildSecrets checks that no secret is handled at build time
// in a way that leaves it in the image, its layers or its history: an ARG
// of a secret-named variable (with or without a default; the value given
// with --build-arg is recorded) used in ENV or RUN; a RUN that writes a
// credential (echo ... > ~/.npmrc, --password, gcloud auth
// activate-service-account --key-file, aws configure set, npm config set
// _authToken); a COPY or ADD of a credential file (.npmrc, .pypirc,
// id_rsa, a private *.pem or *.key, credentials, .aws/, .ssh/). A RUN with
// --mount=type=secret is the fix and passes. Values never appear.
func DockerfileBuildSecrets(src *DockerfileSource, opts BuildSecretsOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.build-secrets", "Build-time secrets do not reach the image or its history",
		sectionEnv, dfItemSecrets, check.SeverityHigh,
		"Pass build secrets with BuildKit: RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci (docker build --secret id=npmrc,src=$HOME/.npmrc; compose build.secrets), never as ARG, ENV, a file written by RUN or a COPY; then rotate any secret already built into an image.",
		[]string{"security", "secrets"},
		"CIS Docker 4.10", "BuildKit SecretsUsedInArgOrEnv", "hadolint DL3064 (ARG/ENV names only)", "Trivy DS-0031", "KICS Passwords And Secrets")
	return dfCheck(src, m, func(ctx context.Context, p *dfParsed) check.Result {
		nodes := p.runNodes
		allowed := func(k string) bool {
			return slices.ContainsFunc(opts.AllowKeys, func(a string) bool { return strings.EqualFold(a, k) })
		}
		var fs []check.Finding
		add := func(stage, line int, msg, actual string) {
			res := "global args"
			if stage >= 0 && stage < len(p.stages) {
				res = p.stages[stage].label()
			}
			fs = append(fs, check.Finding{
				Message:  msg,
				Location: check.Location{File: p.file, Line: line, Resource: res},
				Expected: "the secret mounted for the one RUN that needs it: RUN --mount=type=secret,id=<id>",
				Actual:   actual,
			})
		}
		secretArgs := map[int][]string{} // stage: secret-named ARGs declared so far
		globals := map[string]bool{}
		runs := 0
		for _, n := range nodes {
			switch n.kind {
			case "ARG":
				for _, a := range n.args {
					k, _, _ := strings.Cut(a, "=")
					if !secret.IsSecretKey(k) || allowed(k) {
						continue
					}
					if n.stage < 0 {
						globals[k] = true
						continue
					}
					secretArgs[n.stage] = append(secretArgs[n.stage], k)
				}
			case "ENV":
				for _, k := range secretArgs[n.stage] {
					if dfUsesVar(n.text, k) {
						add(n.stage, n.line, fmt.Sprintf("ENV copies the secret build argument %s into the image config", k), "ENV uses ARG "+k)
					}
				}
			case "RUN":
				runs++
				mounted := slices.ContainsFunc(n.flags, func(f string) bool {
					return strings.Contains(strings.ToLower(strings.ReplaceAll(f, " ", "")), "type=secret")
				})
				for _, k := range secretArgs[n.stage] {
					if dfUsesVar(n.text, k) {
						add(n.stage, n.line, fmt.Sprintf("RUN uses the secret build argument %s: its value is recorded in the image history", k), "RUN uses ARG "+k)
					}
				}
				if mounted {
					continue
				}
				low := strings.ToLower(n.text)
				for _, w := range dfCredentialWrites {
					if !slices.ContainsFunc(w.hints, func(h string) bool { return strings.Contains(low, h) }) {
						continue
					}
					if w.re.MatchString(n.text) {
						add(n.stage, n.line, "RUN "+w.what+" without a secret mount: it stays in a layer or the history", "RUN "+w.what)
						break
					}
				}
			}
		}
		copies := 0
		for _, s := range p.stages {
			for _, c := range s.copies {
				for _, srcPath := range c.sources {
					copies++
					if why := dfCredentialSource(srcPath); why != "" {
						fs = append(fs, check.Finding{
							Message:  fmt.Sprintf("%s of %s puts it in a layer", c.kind, why),
							Location: check.Location{File: p.file, Line: c.line, Resource: s.label()},
							Expected: "the file mounted for the RUN that needs it: RUN --mount=type=secret,id=<id>,target=<path>",
							Actual:   fmt.Sprintf("%s %s", c.kind, p.fp.Redact(srcPath, nil)),
						})
					}
				}
			}
		}
		slices.SortStableFunc(fs, dfByLine)
		fs = slices.CompactFunc(fs, func(a, b check.Finding) bool { return a.Location == b.Location && a.Message == b.Message })
		return check.Judge(fs, fmt.Sprintf("no build-time secret in %s and %s", dfCount(runs, "RUN"), dfCount(copies, "COPY/ADD source")),
			dfCount(len(fs), "build-time secret exposure"))
	})
}

// dfUsesVar reports whether text refers to variable name: $NAME or ${NAME...}.
func dfUsesVar(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], "$")
		if j < 0 {
			return false
		}
		rest := text[i+j+1:]
		rest = strings.TrimPrefix(rest, "{")
		if strings.HasPrefix(rest, name) {
			after := rest[len(name):]
			if after == "" || !(after[0] == '_' || after[0] >= 'A' && after[0] <= 'Z' || after[0] >= 'a' && after[0] <= 'z' || after[0] >= '0' && after[0] <= '9') {
				return true
			}
		}
		i += j + 1
	}
}

// dfRunNodes lists the ARG, ENV and RUN instructions of a parsed file with
// their stage (-1 before the first FROM). The load computes it once from
// the AST it already has.
func dfRunNodes(ast *parser.Node) []dfRunNode {
	if ast == nil {
		return nil
	}
	var out []dfRunNode
	stage := -1
	for _, c := range ast.Children {
		kind := strings.ToUpper(c.Value)
		if kind == "FROM" {
			stage++
			continue
		}
		if kind != "RUN" && kind != "ARG" && kind != "ENV" {
			continue
		}
		var args []string
		for n := c.Next; n != nil; n = n.Next {
			args = append(args, n.Value)
		}
		out = append(out, dfRunNode{stage: stage, kind: kind, line: c.StartLine, text: c.Original, flags: c.Flags, args: args})
	}
	return out
}
