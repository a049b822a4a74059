package docker

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
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
// defaults: base images pinned (and not to a major version only), a
// non-root user, a health check, no literal or build-time secrets, .env
// kept out of the image.
func DockerfileChecks(src *DockerfileSource) []check.Check {
	return []check.Check{
		DockerfileBasePinned(src, BasePinnedOptions{}),
		DockerfileBaseMajorOnly(src, BasePinnedOptions{}),
		DockerfileUser(src, DockerfileUserOptions{}),
		DockerfileUserEntrypoint(src, DockerfileUserOptions{}),
		DockerfileHealthcheck(src, DockerfileHealthcheckOptions{}),
		DockerfileSecrets(src, DockerfileSecretsOptions{}),
		DockerfileBuildSecrets(src, BuildSecretsOptions{}),
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
// docker.dockerfile.base-pinned, docker.dockerfile.base-major-only

// BasePinnedOptions configures [DockerfileBasePinned] and
// [DockerfileBaseMajorOnly]. The zero value accepts any version tag or
// digest and rejects untagged images and floating tags, by the same rule
// as the compose checks (see ImagePinnedOptions): channel tags (latest,
// lts, stable, edge, release, mainline, alpha, beta...), a distribution
// word alone (alpine, slim, bookworm, jammy...) and compounds of those
// with no version (lts-alpine, stable-slim).
type BasePinnedOptions struct {
	// RequireDigest accepts only images pinned by digest (@sha256:...).
	RequireDigest bool
	// FloatingTags replaces the channel tags that move, compared without
	// case; with it, distribution words float only beside one of them.
	FloatingTags []string
}

func (o BasePinnedOptions) rule() imageRefOptions {
	return imageRefOptions{requireDigest: o.RequireDigest, channels: o.FloatingTags}
}

// dfImage is one external image a Dockerfile pulls.
type dfImage struct {
	stage      *dfStage
	line       int
	what       string // "base image", "COPY --from image"
	written    string
	image      string
	unresolved []string
}

// dfImages lists the external images of p: each FROM that is not a local
// stage or scratch, and each COPY --from an image.
func dfImages(p *dfParsed) []dfImage {
	var out []dfImage
	for _, s := range p.stages {
		if s.parent < 0 && !strings.EqualFold(s.image, "scratch") {
			out = append(out, dfImage{stage: s, line: s.line, what: "base image", written: s.base, image: s.image, unresolved: s.unresolved})
		}
		for _, c := range s.copies {
			if c.kind == "COPY" && c.from != "" && !dfIsStageRef(p, c.from) {
				out = append(out, dfImage{stage: s, line: c.line, what: "COPY --from image", written: c.from, image: c.from})
			}
		}
	}
	return out
}

// unknown reports whether a build argument with no value leaves the
// reference incomplete (FROM $BASE, FROM node:${TAG}): the build fails
// without it, so it cannot silently pull :latest.
func (im dfImage) unknown() bool {
	if len(im.unresolved) == 0 {
		return false
	}
	k := judgeImageRef(im.image, imageRefOptions{}).kind
	return im.image == "" || k == imageRefInvalid || k == imageRefUntagged
}

// dfUnknownNote says which images a build argument leaves unknown.
func dfUnknownNote(unknown []string) string {
	if len(unknown) == 0 {
		return ""
	}
	return "; not known until the build passes a value: " + strings.Join(unknown, ", ")
}

// DockerfileBasePinned checks that every image the Dockerfile pulls (each
// FROM that is not a local stage, and each COPY --from an image) is pinned
// to a version tag or a digest: an untagged image means :latest, and
// floating tags move (the rule is the compose checks', see
// BasePinnedOptions). A major-only tag (node:22-alpine) passes here and
// is reported by [DockerfileBaseMajorOnly]. ARG defaults and the source's
// BuildArgs (a compose build's args, through [ComposeProject.Builds]) are
// resolved first; an image a build argument with no value leaves
// incomplete (FROM $BASE) is not judged, and the message says so: the
// build fails without the argument. scratch is exempt. A "# syntax="
// directive names the frontend image that parses and builds the file,
// with the build's secrets and context in reach: it must be pinned by
// digest (docker/dockerfile:1@sha256:…), since its version tags move; it
// is reported at the directive's line.
func DockerfileBasePinned(src *DockerfileSource, opts BasePinnedOptions) check.Check {
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
		var unknown []string
		for _, im := range dfImages(p) {
			if im.unknown() {
				unknown = append(unknown, fmt.Sprintf("%s %s (line %d, %s)", im.what, dfShow(p.fp, im.written), im.line, dfJoinVars(im.unresolved)))
				continue
			}
			images++
			problem := judgeImageRef(im.image, opts.rule()).problem()
			if problem == "" {
				continue
			}
			actual := dfShowBare(p.fp, im.image)
			if im.image != im.written {
				actual = fmt.Sprintf("%s (from %s)", dfShowBare(p.fp, im.image), dfShowBare(p.fp, im.written))
			}
			fs = append(fs, check.Finding{
				Message:  fmt.Sprintf("%s %s %s", im.what, dfShow(p.fp, im.written), problem),
				Location: check.Location{File: p.file, Line: im.line, Resource: im.stage.label()},
				Expected: expected,
				Actual:   actual,
			})
		}
		if p.syntax != "" {
			if problem := judgeImageRef(p.syntax, imageRefOptions{requireDigest: true}).problem(); problem != "" {
				fs = append(fs, check.Finding{
					Message:  fmt.Sprintf("# syntax frontend %s %s: the image that parses and builds this file can change under it", dfShow(p.fp, p.syntax), problem),
					Location: check.Location{File: p.file, Line: p.syntaxLine, Resource: "syntax directive"},
					Expected: "# syntax=<frontend>@sha256:… (docker/dockerfile:1@sha256:…)",
					Actual:   "# syntax=" + dfShowBare(p.fp, p.syntax),
				})
			}
		}
		slices.SortStableFunc(fs, dfByLine)
		note := dfUnknownNote(unknown)
		if images == 0 && p.syntax == "" && len(unknown) > 0 {
			return check.Skip("no external image is known" + note)
		}
		pass := fmt.Sprintf("%s pinned", dfCount(images, "external image"))
		if images == 0 {
			pass = "no external images: every stage builds on scratch or another stage"
		}
		if p.syntax != "" {
			pass += "; the # syntax frontend pinned by digest"
		}
		r := check.Judge(fs, pass, dfCount(len(fs), "unpinned image"))
		r.Message += note
		return r
	})
}

// DockerfileBaseMajorOnly checks that no image the Dockerfile pulls is
// pinned to a major version only (FROM node:22-alpine, FROM postgres:16):
// the image changes with each minor release, so two builds of the same
// commit differ. It warns; untagged and floating images are
// [DockerfileBasePinned]'s. With RequireDigest it skips.
func DockerfileBaseMajorOnly(src *DockerfileSource, opts BasePinnedOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.base-major-only", "Dockerfile base images are pinned past the major version",
		sectionInfra, dfItemImages, check.SeverityLow,
		"Pin a minor or patch release (node:22.11-alpine) or a digest, and let a bot (Renovate, Dependabot) propose updates.",
		[]string{"supply-chain"},
		"CIS Docker 4.2 (partial)", "hadolint DL3006/DL3007 (partial)")
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		if opts.RequireDigest {
			return check.Skip("RequireDigest is set: docker.dockerfile.base-pinned asks for a digest")
		}
		var fs []check.Finding
		images := 0
		for _, im := range dfImages(p) {
			if im.unknown() {
				continue
			}
			images++
			ref := judgeImageRef(im.image, opts.rule())
			if ref.kind != imageRefMajorOnly {
				continue
			}
			fs = append(fs, check.Finding{
				Message:  fmt.Sprintf("%s %s is pinned to a major version only: :%s moves to each new minor release", im.what, dfShow(p.fp, im.written), ref.tag),
				Location: check.Location{File: p.file, Line: im.line, Resource: im.stage.label()},
				Expected: ref.expected(false),
				Actual:   dfShowBare(p.fp, im.image),
			})
		}
		if images == 0 {
			return check.Skip("no external image with a known reference")
		}
		slices.SortStableFunc(fs, dfByLine)
		if len(fs) == 0 {
			return check.Pass(fmt.Sprintf("no major-only tag among %s", dfCount(images, "external image")))
		}
		return check.Warn(dfCount(len(fs), "major-only tag"), fs...)
	})
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
// What the checks read beyond the file

// dfEntry is one ENTRYPOINT or CMD instruction.
type dfEntry struct {
	kind string // "ENTRYPOINT" or "CMD"
	line int
	args []string // as written: one shell string, or the exec form's words
}

// dfComposeFacts is what the compose definitions of the services that
// build a Dockerfile say about it (set by ComposeProject.Builds).
type dfComposeFacts struct {
	health   []string // services whose compose healthcheck can run
	noHealth []string // services with none, or a disabled one
	envFiles []string // env_file paths inside the build context, relative to it, with forward slashes
}

// ---------------------------------------------------------------------------
// docker.dockerfile.user

// DockerfileUserOptions configures [DockerfileUser] and
// [DockerfileUserEntrypoint].
type DockerfileUserOptions struct {
	// NonRootBases are images known to run as a non-root user already,
	// as path.Match patterns over the FROM image ("cgr.dev/chainguard/*"),
	// added to a small built-in list of images whose Dockerfile sets a
	// non-root USER (dfNonRootImages). Images tagged nonroot
	// (gcr.io/distroless/static:nonroot) are always accepted.
	NonRootBases []string
	// StepDownBases are more images whose entrypoint starts as root and
	// drops to an unprivileged user (with gosu, su-exec...), as path.Match
	// patterns over the image name, added to dfStepDownImages.
	StepDownBases []string
}

// dfNonRootImages are images whose own Dockerfile ends with a non-root
// USER, matched by name (any tag).
var dfNonRootImages = [...]string{
	"nginxinc/nginx-unprivileged", "prom/prometheus", "grafana/grafana", "jenkins/jenkins",
	"memcached", "docker.elastic.co/elasticsearch/elasticsearch", "quay.io/keycloak/keycloak",
	"sonarqube", "solr",
}

// dfStepDownImages are official images whose docker-entrypoint.sh starts
// as root, prepares its data directory and re-executes the server as an
// unprivileged user (gosu, su-exec, setpriv), matched by name (any tag).
var dfStepDownImages = [...]string{
	"postgres", "postgis/postgis", "mysql", "mariadb", "percona", "redis", "mongo", "rabbitmq",
	"cassandra", "couchdb", "zookeeper", "neo4j",
}

// dfStepDownTools are the programs an entrypoint uses to drop root.
var dfStepDownTools = [...]string{"gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "setuidgid", "chpst"}

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
			if dfNonRootBase(s.image, opts.NonRootBases) || imageMatches(s.image, dfNonRootImages[:]) {
				return check.Pass(fmt.Sprintf("final stage inherits a non-root user from %s", dfShowBare(p.fp, s.image)))
			}
			if why, _, ok := dfStepDown(p, final, s, opts); ok {
				return check.Pass(fmt.Sprintf("final stage has no USER, but %s (docker.dockerfile.user-entrypoint warns about it)", why))
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

// DockerfileUserEntrypoint warns when the final stage has no USER and
// relies on its entrypoint to drop root: a vendor image whose
// docker-entrypoint.sh steps down (postgres, mysql, redis, mongo,
// rabbitmq... and StepDownBases), kept as the entrypoint, or an
// ENTRYPOINT or CMD that runs gosu, su-exec, setpriv or the like. The
// server runs unprivileged, but the container starts as root, and so do
// docker exec sessions and a replaced command. [DockerfileUser] passes
// such an image; this check says what remains. It skips when the final
// stage sets a USER, inherits a non-root one, or runs as root without a
// step-down (DockerfileUser fails that).
func DockerfileUserEntrypoint(src *DockerfileSource, opts DockerfileUserOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.user-entrypoint", "Dockerfile final stage does not rely on its entrypoint to drop root",
		sectionInfra, dfItemImages, check.SeverityMedium,
		"Keep the vendor entrypoint (it steps down from root), or set USER to the image's service user when its data directory is prepared at build time; run docker exec with --user.",
		[]string{"security"},
		"CIS Docker 4.1 (partial)", "hadolint DL3002 (partial)", "Trivy DS-0002 (partial)")
	return dfCheck(src, m, func(_ context.Context, p *dfParsed) check.Result {
		final := p.final()
		s, u, ok := dfLastUser(p, final)
		if ok {
			return check.Skip(fmt.Sprintf("final stage sets USER at line %d (docker.dockerfile.user judges it)", u.line))
		}
		if dfNonRootBase(s.image, opts.NonRootBases) || imageMatches(s.image, dfNonRootImages[:]) {
			return check.Skip(fmt.Sprintf("final stage inherits a non-root user from %s", dfShowBare(p.fp, s.image)))
		}
		why, line, ok := dfStepDown(p, final, s, opts)
		if !ok {
			return check.Skip("final stage runs as root with no step-down in its entrypoint (docker.dockerfile.user fails it)")
		}
		return check.Warn("final stage starts as root and relies on its entrypoint to drop it", check.Finding{
			Message:  fmt.Sprintf("no USER: %s; the container still starts as root, and so do docker exec and a replaced command", why),
			Location: check.Location{File: p.file, Line: line, Resource: final.label()},
			Expected: "USER with a non-root name or UID in the final stage, or the vendor entrypoint kept",
			Actual:   "no USER; entrypoint steps down from root",
		})
	})
}

// dfStepDown says whether the final stage, with no USER and the external
// base of stage base, drops root in its entrypoint, why, and the line to
// show: an ENTRYPOINT or CMD that runs a step-down tool, or a known
// step-down base image whose entrypoint is kept.
func dfStepDown(p *dfParsed, final, base *dfStage, opts DockerfileUserOptions) (why string, line int, ok bool) {
	pick := func(kind string) func(*dfStage) []dfEntry {
		return func(s *dfStage) []dfEntry {
			var out []dfEntry
			for _, e := range s.entry {
				if e.kind == kind {
					out = append(out, e)
				}
			}
			return out
		}
	}
	_, ep, hasEP := dfInherited(p, final, pick("ENTRYPOINT"))
	_, cmd, hasCmd := dfInherited(p, final, pick("CMD"))
	for _, e := range []struct {
		entry dfEntry
		ok    bool
	}{{ep, hasEP}, {cmd, hasCmd}} {
		if !e.ok {
			continue
		}
		if tool := dfStepDownTool(e.entry.args); tool != "" {
			return fmt.Sprintf("its %s runs %s to drop root", e.entry.kind, tool), e.entry.line, true
		}
	}
	known := append(slices.Clone(dfStepDownImages[:]), opts.StepDownBases...)
	if !imageMatches(base.image, known) {
		return "", 0, false
	}
	if hasEP && !strings.Contains(strings.Join(ep.args, " "), "docker-entrypoint") {
		return "", 0, false // the vendor entrypoint is replaced
	}
	return fmt.Sprintf("base image %s starts as root and its entrypoint re-runs the server as an unprivileged user", dfShowBare(p.fp, base.image)), base.line, true
}

// dfStepDownTool returns the step-down program args run, or "".
func dfStepDownTool(args []string) string {
	for _, a := range args {
		for _, w := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' || r == '&' || r == '|' }) {
			w = path.Base(w)
			for _, t := range dfStepDownTools {
				if w == t {
					return t
				}
			}
		}
	}
	return ""
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
// It passes without one when the image is built by compose services that
// all declare a working healthcheck (a source from
// [ComposeProject.Builds]), or when the final stage builds on an image
// known to declare a HEALTHCHECK of its own (the list of
// HealthcheckOptions).
func DockerfileHealthcheck(src *DockerfileSource, _ DockerfileHealthcheckOptions) check.Check {
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
			if c := src.compose; c != nil && len(c.health) > 0 && len(c.noHealth) == 0 {
				return check.Pass("no HEALTHCHECK, but compose declares a healthcheck for " + composeServiceList(c.health) + " that builds it")
			}
			if imageMatches(s.image, composeImagesWithHealthcheck[:]) {
				return check.Pass(fmt.Sprintf("final stage inherits the HEALTHCHECK of %s (an image known to declare one)", dfShowBare(p.fp, s.image)))
			}
			msg := "final stage declares no HEALTHCHECK"
			if c := src.compose; c != nil && len(c.health) > 0 {
				msg += "; compose declares one for " + composeServiceList(c.health) + " but not for " + composeServiceList(c.noHealth)
			}
			return check.Fail("final stage has no HEALTHCHECK", check.Finding{
				Message:  msg,
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
// docker.dockerfile.env-excluded

// EnvExcludedOptions configures [DockerfileEnvExcluded].
type EnvExcludedOptions struct {
	// Paths are more context paths that must not reach the image when
	// the whole context is copied (".env.local", "secrets/").
	Paths []string
}

// DockerfileEnvExcluded checks that .env files do not end up in the image.
// A COPY or ADD of the whole build context (".", "./", "*") fails while
// the .dockerignore that applies does not exclude a file the context could
// hold: .env when it is there, or named in a .gitignore between the
// context and the root (so it exists on developers' machines even when a
// CI checkout lacks it), or in a compose env_file of a service that builds
// the image; every other .env.* file at the top of the context (templates
// such as .env.example aside); key files at its top (*.pem, *.key, id_rsa,
// ...); a compose env_file inside the context; and the Paths of the
// options, always. .git not excluded is a finding of its own when the
// context holds it. When the context can hold none of these, a
// whole-context copy passes. A COPY of .env by name fails whatever
// .dockerignore says.
func DockerfileEnvExcluded(src *DockerfileSource, opts EnvExcludedOptions) check.Check {
	m := dockerMeta("dockerfile", "docker.dockerfile.env-excluded", "Dockerfile does not copy .env or .git into the image",
		sectionEnv, dfItemEnvFile, check.SeverityHigh,
		"Add .env, .env.* (with !.env.example) and .git to .dockerignore, or copy only what the image needs; never COPY .env: pass configuration at run time.",
		[]string{"security", "secrets"},
		"CIS Docker 4.10", "dockle CIS-DI-0010")
	return dfCheck(src, m, func(ctx context.Context, p *dfParsed) check.Result {
		cx := dfContextFacts(ctx, src, p)
		var paths []string
		for _, f := range append(cx.paths, opts.Paths...) {
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
						if !cx.git {
							continue
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
		kept := slices.Clone(paths)
		if cx.git {
			kept = append(kept, ".git")
		}
		switch {
		case whole > 0 && len(kept) == 0:
			pass = fmt.Sprintf("%s, but the context holds no .env, .git or key file, and no .gitignore or compose env_file names a .env", dfCount(whole, "whole-context copy"))
		case whole > 0:
			pass = fmt.Sprintf("%s kept out of %s", strings.Join(kept, ", "), dfCount(whole, "whole-context copy"))
			if ignoreName != "" {
				pass += " by " + ignoreName
			}
		}
		return check.Judge(fs, pass, fmt.Sprintf(".env or .git copied into the image (%s)", dfCount(len(fs), "finding")))
	})
}

// dfContext is what the build context could hold that must not reach the
// image.
type dfContext struct {
	paths []string // context-relative files: .env (present or named), .env.*, key files, compose env_files
	git   bool     // the context holds .git
}

// dfKeyFilePatterns name key and certificate files at the top of a
// context.
var dfKeyFilePatterns = [...]string{"*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*.ppk"}

// dfContextFacts lists what the context of src could hold: the files at
// its top (a directory listing), the .gitignore files from the context up
// to the root (read through the guarded reader), and the compose env_file
// paths of the services that build it.
func dfContextFacts(ctx context.Context, src *DockerfileSource, p *dfParsed) dfContext {
	var cx dfContext
	add := func(f string) {
		if !slices.Contains(cx.paths, f) {
			cx.paths = append(cx.paths, f)
		}
	}
	env := slices.Contains(p.envFiles, ".env")
	if c := src.compose; c != nil {
		for _, f := range c.envFiles {
			env = env || f == ".env"
		}
	}
	if env || dfGitignoreNamesEnv(ctx, src) {
		add(".env")
	}
	for _, f := range p.envFiles {
		add(f)
	}
	if c := src.compose; c != nil {
		for _, f := range c.envFiles {
			add(f)
		}
	}
	dir := src.opts.ContextDir
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			name := e.Name()
			if name == ".git" {
				cx.git = true
				continue
			}
			if e.IsDir() {
				continue
			}
			for _, pat := range dfKeyFilePatterns {
				if ok, _ := path.Match(pat, strings.ToLower(name)); ok {
					add(name)
					break
				}
			}
		}
	}
	return cx
}

// dfGitignoreNamesEnv reports whether a .gitignore in the context or one
// of its parents up to the root has a pattern that matches .env (".env",
// "*.env", ".env*", "**/.env"; "/.env" only in the context itself).
func dfGitignoreNamesEnv(ctx context.Context, src *DockerfileSource) bool {
	files, err := dfOpenFiles(src.opts.Root, src.opts.ContextDir, src.opts.MaxSize)
	if err != nil {
		return false
	}
	defer files.close()
	ctxDir := dfAbs(src.opts.ContextDir)
	for dir := ctxDir; ; dir = filepath.Dir(dir) {
		if _, err := files.root.Rel(dir, dir); err != nil || ctx.Err() != nil {
			return false
		}
		name := filepath.Join(dir, ".gitignore")
		if _, err := os.Lstat(name); err == nil {
			if data, err := files.read(ctx, name, true, ".gitignore"); err == nil && dfIgnoreMatchesEnv(string(data), dir == ctxDir) {
				return true
			}
		}
		if dir == files.root.Root() || filepath.Dir(dir) == dir {
			return false
		}
	}
}

// dfIgnoreMatchesEnv reports whether a .gitignore's patterns match a .env
// file in the context; anchored patterns count only in the context's own
// .gitignore (here).
func dfIgnoreMatchesEnv(data string, here bool) bool {
	for _, line := range strings.Split(data, "\n") {
		pat := strings.TrimSpace(line)
		if pat == "" || strings.HasPrefix(pat, "#") || strings.HasPrefix(pat, "!") {
			continue
		}
		pat = strings.TrimPrefix(pat, "**/")
		if strings.HasPrefix(pat, "/") {
			if !here {
				continue
			}
			pat = strings.TrimPrefix(pat, "/")
		}
		if strings.Contains(strings.TrimSuffix(pat, "/"), "/") {
			continue
		}
		if ok, _ := path.Match(pat, ".env"); ok {
			return true
		}
	}
	return false
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
