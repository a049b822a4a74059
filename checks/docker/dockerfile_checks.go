package docker

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// Checklist lines the Dockerfile checks serve (Meta.Item).
const (
	dfItemImages  = "Use production-ready images (no `:latest` tags)"
	dfItemHealth  = "Implement health checks"
	dfItemSecrets = "Use secret management service (AWS Secrets Manager, HashiCorp Vault)"
	dfItemEnvFile = "Never commit `.env` file to git"
)

// DockerfileChecks returns every Dockerfile check on src with production
// defaults: base images pinned, non-root user, health check, no literal
// secrets, .env kept out of the image.
func DockerfileChecks(src *DockerfileSource) []check.Check {
	return []check.Check{
		DockerfileBasePinned(src, BasePinnedOptions{}),
		DockerfileUser(src, DockerfileUserOptions{}),
		DockerfileHealthcheck(src),
		DockerfileSecrets(src, DockerfileSecretsOptions{}),
		DockerfileEnvExcluded(src, EnvExcludedOptions{}),
	}
}

// dfCheck builds a check that loads src and judges the parsed file; a load
// error is an Error result.
func dfCheck(src *DockerfileSource, m check.Meta, judge func(ctx context.Context, p *dfParsed) check.Result) check.Check {
	m.Target = src.Target()
	return check.New(m, func(ctx context.Context) check.Result {
		p, err := src.get(ctx)
		if err != nil {
			return check.Error(err)
		}
		return judge(ctx, p)
	})
}

// ---------------------------------------------------------------------------
// docker.dockerfile.base-pinned

// BasePinnedOptions configures [DockerfileBasePinned]. The zero value
// accepts any version tag or digest and rejects untagged images and the
// floating tags of dfDefaultFloatingTags (latest, stable, edge, lts, ...).
type BasePinnedOptions struct {
	// RequireDigest accepts only images pinned by digest (@sha256:...).
	RequireDigest bool
	// FloatingTags are the tags that move, compared without case; nil
	// means latest, stable, edge, nightly, canary, dev, develop, beta,
	// alpha, test, testing, unstable, lts, current, rolling, main,
	// master and mainline.
	FloatingTags []string
}

// dfDefaultFloatingTags are tags that name a moving target, not a release.
var dfDefaultFloatingTags = []string{
	"latest", "stable", "edge", "nightly", "canary", "dev", "develop", "beta", "alpha",
	"test", "testing", "unstable", "lts", "current", "rolling", "main", "master", "mainline",
}

// DockerfileBasePinned checks that every image the Dockerfile pulls (each
// FROM that is not a local stage, and each COPY --from an image) is pinned
// to a version tag or a digest: an untagged image means :latest. ARG
// defaults and the source's BuildArgs are resolved first; scratch is
// exempt. A "# syntax=" directive names the frontend image that parses and
// builds the file, with the build's secrets and context in reach: it must
// be pinned by digest (docker/dockerfile:1@sha256:…), since its version
// tags move; it is reported at the directive's line.
func DockerfileBasePinned(src *DockerfileSource, opts BasePinnedOptions) check.Check {
	floating := opts.FloatingTags
	if floating == nil {
		floating = dfDefaultFloatingTags
	}
	expected := "a version tag or an @sha256 digest (node:22.11-alpine)"
	if opts.RequireDigest {
		expected = "an @sha256 digest (node:22.11-alpine@sha256:…)"
	}
	m := dockerMeta("dockerfile", "docker.dockerfile.base-pinned", "Dockerfile base images are pinned to a version",
		sectionInfra, dfItemImages, check.SeverityMedium,
		"Pin every FROM (and COPY --from image) to a release tag such as node:22.11-alpine, or better to a digest; give ARGs used in FROM a pinned default.",
		[]string{"supply-chain"},
		"CIS Docker 4.2", "hadolint DL3006", "hadolint DL3007", "Trivy DS-0001", "KICS 9efb0b2d", "KICS f45ea400", "Checkov CKV_DOCKER_7")
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		var fs []check.Finding
		images := 0
		judge := func(s *dfStage, line int, what, written, image string, unresolved []string) {
			images++
			problem := dfPinProblem(image, opts.RequireDigest, floating)
			if problem == "" {
				return
			}
			actual := dfShowBare(p.fp, image)
			if image != written {
				actual = fmt.Sprintf("%s (from %s)", dfShowBare(p.fp, image), dfShowBare(p.fp, written))
			}
			if len(unresolved) > 0 {
				problem = fmt.Sprintf("depends on %s with no value (pass it in BuildArgs, or give the ARG a pinned default)", dfJoinVars(unresolved))
				actual = dfShowBare(p.fp, written)
			}
			fs = append(fs, check.Finding{
				Message:  fmt.Sprintf("%s %s %s", what, dfShow(p.fp, written), problem),
				Location: check.Location{File: p.file, Line: line, Resource: s.label()},
				Expected: expected,
				Actual:   actual,
			})
		}
		if p.syntax != "" {
			if problem := dfPinProblem(p.syntax, true, floating); problem != "" {
				fs = append(fs, check.Finding{
					Message:  fmt.Sprintf("# syntax frontend %s %s: the image that parses and builds this file can change under it", dfShow(p.fp, p.syntax), problem),
					Location: check.Location{File: p.file, Line: p.syntaxLine, Resource: "syntax directive"},
					Expected: "# syntax=<frontend>@sha256:… (docker/dockerfile:1@sha256:…)",
					Actual:   "# syntax=" + dfShowBare(p.fp, p.syntax),
				})
			}
		}
		for _, s := range p.stages {
			if s.parent < 0 && !strings.EqualFold(s.image, "scratch") {
				judge(s, s.line, "base image", s.base, s.image, s.unresolved)
			}
			for _, c := range s.copies {
				if c.kind == "COPY" && c.from != "" && !dfIsStageRef(p, c.from) {
					judge(s, c.line, "COPY --from image", c.from, c.from, nil)
				}
			}
		}
		slices.SortStableFunc(fs, dfByLine)
		pass := fmt.Sprintf("%s pinned", dfCount(images, "external image"))
		if images == 0 {
			pass = "no external images: every stage builds on scratch or another stage"
		}
		if p.syntax != "" {
			pass += "; the # syntax frontend pinned by digest"
		}
		return check.Judge(fs, pass, dfCount(len(fs), "unpinned image"))
	})
}

// dfPinProblem says why image is not pinned, or "" when it is.
func dfPinProblem(image string, requireDigest bool, floating []string) string {
	if image == "" {
		return "is empty"
	}
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "is not a valid image reference"
	}
	if _, ok := ref.(reference.Digested); ok {
		return ""
	}
	if requireDigest {
		return "is not pinned by digest"
	}
	tagged, ok := ref.(reference.Tagged)
	if !ok {
		return "has no tag, so it means :latest"
	}
	for _, f := range floating {
		if strings.EqualFold(tagged.Tag(), f) {
			return fmt.Sprintf("uses the floating tag :%s", tagged.Tag())
		}
	}
	return ""
}

// dfIsStageRef reports whether a COPY --from value names a stage: a stage
// name or a stage index.
func dfIsStageRef(p *dfParsed, from string) bool {
	if n, err := strconv.Atoi(from); err == nil && n >= 0 && n < len(p.stages) {
		return true
	}
	_, ok := p.stageNames[strings.ToLower(from)]
	return ok
}

// dfShowMax is the longest input word a message shows whole.
const dfShowMax = 200

// dfShow renders an image reference or USER value from the file for a
// message: quoted, and when longer than dfShowMax (an expansion gone
// wild), cut, with a fingerprint of the whole. A URL's password is
// redacted.
func dfShow(fp *secret.Fingerprinter, s string) string {
	short, fps := dfShowParts(fp, s)
	return strconv.Quote(short) + fps
}

// dfShowBare is dfShow without the quotes, for Finding.Actual.
func dfShowBare(fp *secret.Fingerprinter, s string) string {
	short, fps := dfShowParts(fp, s)
	return short + fps
}

func dfShowParts(fp *secret.Fingerprinter, s string) (short, fps string) {
	if secret.URLHasPassword(s) {
		s = secret.RedactURL(s)
	}
	if len(s) <= dfShowMax {
		return s, ""
	}
	cut := dfShowMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], "… [" + fp.Fingerprint(s) + "]"
}

// ---------------------------------------------------------------------------
// docker.dockerfile.user

// DockerfileUserOptions configures [DockerfileUser].
type DockerfileUserOptions struct {
	// NonRootBases are images known to run as a non-root user already,
	// as path.Match patterns over the FROM image ("cgr.dev/chainguard/*").
	// Images tagged nonroot (gcr.io/distroless/static:nonroot) are always
	// accepted.
	NonRootBases []string
}

// DockerfileUser checks that the final stage, the one that ships, runs as a
// non-root user: its last USER (or the last USER of the local stage it
// builds on) is not root, 0, root:* or 0:*. A missing USER fails too, at
// the final FROM, since images run as root by default; base images tagged
// nonroot and those in NonRootBases are trusted. Build stages may use root.
func DockerfileUser(src *DockerfileSource, opts DockerfileUserOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.user", "Dockerfile final stage runs as a non-root user",
		sectionInfra, dfItemImages, check.SeverityHigh,
		"Create an unprivileged user in the final stage and switch to it with USER (a numeric UID such as USER 10001:10001 works with runAsNonRoot), or build on a nonroot base image.",
		[]string{"security"},
		"CIS Docker 4.1", "hadolint DL3002", "Trivy DS-0002", "KICS fd54f200", "KICS 67fd0c4a", "Checkov CKV_DOCKER_3", "Checkov CKV_DOCKER_8")
	const expected = "USER with a non-root name or UID in the final stage"
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		final := p.final()
		s, u, ok := dfLastUser(p, final)
		if !ok {
			if dfNonRootBase(s.image, opts.NonRootBases) {
				return check.Pass(fmt.Sprintf("final stage inherits a non-root user from %s", dfShowBare(p.fp, s.image)))
			}
			return check.Fail("final stage runs as root: no USER", check.Finding{
				Message:  fmt.Sprintf("final stage has no USER instruction, so it runs as root (the default of %s)", dfShowBare(p.fp, s.image)),
				Location: check.Location{File: p.file, Line: final.line, Resource: final.label()},
				Expected: expected,
				Actual:   "no USER",
			})
		}
		loc := check.Location{File: p.file, Line: u.line, Resource: s.label()}
		where := ""
		if s != final {
			where = fmt.Sprintf(", inherited from %s", s.label())
		}
		if name, _, _ := strings.Cut(u.value, ":"); strings.TrimSpace(name) == "" {
			why := "names no user"
			if len(u.unresolved) > 0 {
				why = fmt.Sprintf("depends on %s with no value", dfJoinVars(u.unresolved))
			}
			return check.Fail("final stage user unknown", check.Finding{
				Message:  fmt.Sprintf("USER %s %s, so the image may run as root%s", dfShowBare(p.fp, u.raw), why, where),
				Location: loc,
				Expected: expected,
				Actual:   "USER " + dfShowBare(p.fp, u.raw),
			})
		}
		if dfIsRootUser(u.value) {
			actual := "USER " + dfShowBare(p.fp, u.value)
			if u.raw != u.value {
				actual += " (from " + dfShowBare(p.fp, u.raw) + ")"
			}
			return check.Fail("final stage runs as root", check.Finding{
				Message:  "final stage switches to root with USER" + where,
				Location: loc,
				Expected: expected,
				Actual:   actual,
			})
		}
		return check.Pass(fmt.Sprintf("final stage runs as %s (line %d%s)", dfShow(p.fp, u.value), u.line, where))
	})
}

// dfLastUser returns the USER that decides who the stage runs as: its last
// USER, else that of the local stage it builds on, recursively. With none,
// ok is false and st is the stage whose external base decides.
func dfLastUser(p *dfParsed, s *dfStage) (st *dfStage, u dfUser, ok bool) {
	return dfInherited(p, s, func(s *dfStage) []dfUser { return s.users })
}

// dfInherited returns the last of the instructions of stage s that of
// picks, else the last of the local stage it builds on, recursively. With
// none, ok is false and st is the stage whose external base decides.
func dfInherited[T any](p *dfParsed, s *dfStage, of func(*dfStage) []T) (st *dfStage, v T, ok bool) {
	seen := map[int]bool{}
	for {
		if xs := of(s); len(xs) > 0 {
			return s, xs[len(xs)-1], true
		}
		seen[s.index] = true
		if s.parent < 0 || seen[s.parent] {
			return s, v, false
		}
		s = p.stages[s.parent]
	}
}

// dfIsRootUser reports whether a USER value is root: root or UID 0, with
// any group.
func dfIsRootUser(user string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	if name == "root" {
		return true
	}
	n, err := strconv.Atoi(name)
	return err == nil && n == 0
}

// dfNonRootBase reports whether image is known to run as non-root.
func dfNonRootBase(image string, patterns []string) bool {
	if image == "" {
		return false
	}
	noDigest, _, _ := strings.Cut(image, "@")
	if ref, err := reference.ParseNormalizedNamed(image); err == nil {
		if t, ok := ref.(reference.Tagged); ok {
			tag := strings.ToLower(t.Tag())
			if tag == "nonroot" || strings.HasPrefix(tag, "nonroot-") || strings.HasSuffix(tag, "-nonroot") {
				return true
			}
		}
	}
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, image); ok {
			return true
		}
		if ok, _ := path.Match(pat, noDigest); ok {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// docker.dockerfile.healthcheck

// DockerfileHealthcheck checks that the final stage declares a HEALTHCHECK
// that is not NONE, itself or through the local stage it builds on. A
// missing one is reported at the final FROM; HEALTHCHECK NONE at its line.
func DockerfileHealthcheck(src *DockerfileSource) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.healthcheck", "Dockerfile final stage declares a HEALTHCHECK",
		sectionInfra, dfItemHealth, check.SeverityMedium,
		"Add HEALTHCHECK CMD to the final stage (for example HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1), or declare the health check in the compose file.",
		[]string{"availability"},
		"CIS Docker 4.6", "Trivy DS-0026", "hadolint DL3057", "KICS b03a748a", "Checkov CKV_DOCKER_2")
	const expected = "HEALTHCHECK CMD … in the final stage"
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		final := p.final()
		s, h, ok := dfLastHealth(p, final)
		if !ok {
			return check.Fail("final stage has no HEALTHCHECK", check.Finding{
				Message:  "final stage declares no HEALTHCHECK",
				Location: check.Location{File: p.file, Line: final.line, Resource: final.label()},
				Expected: expected,
				Actual:   "no HEALTHCHECK",
			})
		}
		where := ""
		if s != final {
			where = ", inherited from " + s.label()
		}
		if h.none {
			return check.Fail("final stage disables its health check", check.Finding{
				Message:  "HEALTHCHECK NONE disables the health check" + where,
				Location: check.Location{File: p.file, Line: h.line, Resource: s.label()},
				Expected: expected,
				Actual:   "HEALTHCHECK NONE",
			})
		}
		return check.Pass(fmt.Sprintf("final stage declares HEALTHCHECK (line %d%s)", h.line, where))
	})
}

// dfLastHealth returns the HEALTHCHECK in force in stage s, as dfLastUser.
func dfLastHealth(p *dfParsed, s *dfStage) (st *dfStage, h dfHealth, ok bool) {
	return dfInherited(p, s, func(s *dfStage) []dfHealth { return s.healths })
}

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
// absolute paths and booleans are not secrets. Values are never shown:
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
			case secret.IsSecretKey(v.key) && !dfHarmlessValue(value):
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

// dfHarmlessValue reports whether a value under a secret-looking key is
// plainly not a secret: an absolute path or a boolean.
func dfHarmlessValue(v string) bool {
	if dfLooksLikePath(v) {
		return true
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off":
		return true
	}
	return false
}

// ---------------------------------------------------------------------------
// docker.dockerfile.env-excluded

// EnvExcludedOptions configures [DockerfileEnvExcluded].
type EnvExcludedOptions struct {
	// Paths are more context paths that must not reach the image when
	// the whole context is copied (".env.local", "secrets/").
	Paths []string
}

// DockerfileEnvExcluded checks that .env files do not end up in the image.
// A COPY or ADD of the whole build context (".", "./", "*") fails while
// the .dockerignore that applies does not exclude .env, every other .env.*
// file at the top of the context (templates such as .env.example aside)
// and the Paths of the options; .git not excluded is a finding of its own.
// A COPY of .env by name fails whatever .dockerignore says.
func DockerfileEnvExcluded(src *DockerfileSource, opts EnvExcludedOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.env-excluded", "Dockerfile does not copy .env or .git into the image",
		sectionEnv, dfItemEnvFile, check.SeverityHigh,
		"Add .env, .env.* (with !.env.example) and .git to .dockerignore, or copy only what the image needs; never COPY .env: pass configuration at run time.",
		[]string{"security", "secrets"},
		"CIS Docker 4.10", "dockle CIS-DI-0010")
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		paths := []string{".env"}
		for _, f := range append(slices.Clone(p.envFiles), opts.Paths...) {
			if f = dockerignoreClean(f); f != "" && f != "." && !slices.Contains(paths, f) {
				paths = append(paths, f)
			}
		}
		ignoreName := p.ignoreName
		var fs []check.Finding
		whole := 0
		for _, s := range p.stages {
			for _, c := range s.copies {
				if c.kind == "COPY" && c.from != "" {
					continue // from a stage or an image, not the context
				}
				loc := check.Location{File: p.file, Line: c.line, Resource: s.label()}
				for _, srcPath := range c.sources {
					if dfIsRemoteSource(srcPath) {
						continue
					}
					if dfIsWholeContext(srcPath) {
						whole++
						if p.ignoreErr != nil {
							return check.Error(p.ignoreErr)
						}
						var excl *DockerIgnore
						if len(c.excludes) > 0 {
							var err error
							if excl, err = NewDockerIgnore(fmt.Sprintf("%s:%d --exclude", p.file, c.line), c.excludes); err != nil {
								return check.Error(err)
							}
						}
						for _, target := range paths {
							f, err := dfCopiesPath(p, excl, c, srcPath, target, ignoreName, false)
							if err != nil {
								return check.Error(err)
							}
							if f != nil {
								f.Location = loc
								fs = append(fs, *f)
							}
						}
						f, err := dfCopiesPath(p, excl, c, srcPath, ".git", ignoreName, true)
						if err != nil {
							return check.Error(err)
						}
						if f != nil {
							f.Location = loc
							fs = append(fs, *f)
						}
						continue
					}
					base := path.Base(path.Clean(srcPath))
					if ok, _ := path.Match(base, ".env"); ok || dfIsEnvFileName(base) {
						fs = append(fs, check.Finding{
							Message:  fmt.Sprintf("%s %s copies a .env file into the image", c.kind, srcPath),
							Location: loc,
							Expected: "configuration passed at run time (env_file, secrets), not copied into the image",
							Actual:   fmt.Sprintf("%s %s", c.kind, srcPath),
						})
					}
				}
			}
		}
		slices.SortStableFunc(fs, dfByLine)
		pass := "no COPY of the whole build context and no .env copied by name"
		if whole > 0 {
			pass = fmt.Sprintf("%s kept out of %s", strings.Join(append(paths, ".git"), ", "), dfCount(whole, "whole-context copy"))
			if ignoreName != "" {
				pass += " by " + ignoreName
			}
		}
		return check.Judge(fs, pass, fmt.Sprintf(".env or .git copied into the image (%s)", dfCount(len(fs), "finding")))
	})
}

// dfCopiesPath returns a finding when a whole-context copy carries target
// into the image: neither the ignore file nor the copy's --exclude keeps it
// out. dir marks a directory (.git).
func dfCopiesPath(p *dfParsed, excl *DockerIgnore, c dfCopy, srcPath, target, ignoreName string, dir bool) (*check.Finding, error) {
	excludes := (*DockerIgnore).Excludes
	if dir {
		excludes = (*DockerIgnore).excludesTree
	}
	ok, err := excludes(p.ignore, target)
	if err != nil || ok {
		return nil, err
	}
	if ok, err := excludes(excl, target); err != nil || ok {
		return nil, err
	}
	what := target
	if dir {
		what = "the " + target + " directory"
	}
	actual := fmt.Sprintf("%s does not exclude %s", ignoreName, target)
	if ignoreName == "" {
		actual = "no .dockerignore"
	}
	return &check.Finding{
		Message:  fmt.Sprintf("%s %s copies %s into the image", c.kind, srcPath, what),
		Expected: fmt.Sprintf("%s listed in .dockerignore", target),
		Actual:   actual,
	}, nil
}

// dfIsWholeContext reports whether a COPY/ADD source is the whole context.
func dfIsWholeContext(src string) bool {
	switch path.Clean(src) {
	case ".", "*", "/", "/*":
		return true
	}
	return false
}

// dfIsRemoteSource reports whether an ADD source is fetched, not read from
// the context.
func dfIsRemoteSource(src string) bool {
	return strings.Contains(src, "://") || strings.HasPrefix(src, "git@")
}

// ---------------------------------------------------------------------------

func dfByLine(a, b check.Finding) int { return a.Location.Line - b.Location.Line }

// dfCount renders "1 image" or "3 images"; "copy" becomes "copies", "key" "keys".
func dfCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if len(noun) > 1 && noun[len(noun)-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])) {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// dfJoinVars names variables for a message: "ARG BASE" or "ARGs A, B".
func dfJoinVars(vars []string) string {
	if len(vars) == 1 {
		return "ARG " + vars[0]
	}
	return "ARGs " + strings.Join(vars, ", ")
}

// dfLooksLikePath reports whether v reads as an absolute path to a file
// (/run/secrets/db_password, /etc/ssl/private/app.key), not a secret that
// happens to start with "/": path characters only, and either two or more
// segments or one with a file extension, none looking like a random token.
// Base64 secrets, which may start with "/", hold "+" or "=" or mix case
// and digits, and so are still judged.
func dfLooksLikePath(v string) bool {
	if !strings.HasPrefix(v, "/") || len(v) > 4096 {
		return false
	}
	segs := strings.Split(strings.Trim(v, "/"), "/")
	if len(segs) == 0 || segs[0] == "" {
		return v == "/"
	}
	for _, seg := range segs {
		if seg == "" {
			continue
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
				return false
			}
		}
		if dfLooksRandom(seg) {
			return false
		}
	}
	if len(segs) >= 2 {
		return true
	}
	ext := path.Ext(segs[0])
	return len(ext) >= 2 && len(ext) <= 6 && len(segs[0]) > len(ext)
}
