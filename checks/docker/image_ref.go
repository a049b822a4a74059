package docker

import (
	"fmt"
	"path"
	"strings"

	"github.com/distribution/reference"
)

// The one image-reference rule, shared by the compose image checks
// (docker.compose.image-pinned, docker.compose.image-major-only) and the Dockerfile
// base-image checks (docker.dockerfile.base-pinned,
// docker.dockerfile.base-major-only), so that "image: app:alpha" and
// "FROM app:alpha" get the same verdict.

// imageRefKind is the verdict on one image reference.
type imageRefKind int

const (
	imageRefPinned    imageRefKind = iota // a version tag or a digest
	imageRefInvalid                       // not a reference at all
	imageRefUntagged                      // no tag: :latest
	imageRefFloating                      // a tag that moves: latest, lts, alpine, stable-alpine...
	imageRefNotDigest                     // RequireDigest, and no digest
	imageRefMajorOnly                     // only a major version: 22-alpine, 16, v3
)

// imageRef is what the rule says about one reference.
type imageRef struct {
	kind imageRefKind
	name string // the familiar name (nginx, example/app); "" when invalid
	tag  string
	err  error // why it is invalid
}

// imageChannelTags are tags that name a release channel, not a release.
// Compared without case; a tag made only of these words and of
// imageDistroWords ("lts-alpine", "stable-slim") moves too.
var imageChannelTags = [...]string{
	"latest", "lts", "stable", "edge", "current", "rolling", "nightly", "release", "mainline",
	"alpha", "beta", "canary", "dev", "develop", "devel", "main", "master", "next", "preview",
	"snapshot", "unstable", "test", "testing", "experimental", "insider",
}

// imageDistroWords are distribution and variant names that say which
// operating system or flavour, not which release: alone ("python:alpine")
// or combined with a channel ("node:lts-slim") they float.
var imageDistroWords = [...]string{
	"alpine", "slim", "debian", "ubuntu", "bookworm", "bullseye", "buster", "stretch", "trixie", "sid",
	"jammy", "noble", "focal", "bionic", "xenial", "oracular", "plucky", "resolute",
	"ubi", "ubi8", "ubi9", "ubi10", "minimal", "micro", "distroless", "chainguard", "wolfi",
	"windowsservercore", "nanoserver", "ltsc2019", "ltsc2022", "ltsc2025",
	"fpm", "apache", "cli", "zts", "jdk", "jre", "management", "perl", "otel", "openssl",
}

// imageRefOptions configures the rule.
type imageRefOptions struct {
	requireDigest bool
	// channels replaces imageChannelTags when not nil; then the
	// distribution words float only alongside one of them.
	channels []string
}

// judgeImageRef applies the rule to image, an interpolated reference.
func judgeImageRef(image string, opts imageRefOptions) imageRef {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return imageRef{kind: imageRefInvalid, err: err}
	}
	r := imageRef{name: reference.FamiliarName(named)}
	if t, ok := named.(reference.Tagged); ok {
		r.tag = t.Tag()
	}
	if _, ok := named.(reference.Digested); ok {
		return r
	}
	switch {
	case opts.requireDigest:
		r.kind = imageRefNotDigest
	case r.tag == "":
		r.kind = imageRefUntagged
	case imageTagFloats(r.tag, opts.channels):
		r.kind = imageRefFloating
	case imageTagMajorOnly(r.tag):
		r.kind = imageRefMajorOnly
	}
	return r
}

// imageTagFloats reports whether tag names a moving target: a channel word
// ("latest", "lts"), a distribution word alone ("alpine", "bookworm"), or a
// compound of those with no version ("lts-alpine", "stable-slim",
// "lts-alpine3.20": the distribution is pinned, the program is not).
func imageTagFloats(tag string, channels []string) bool {
	defaults := channels == nil
	if defaults {
		channels = imageChannelTags[:]
	}
	t := strings.ToLower(tag)
	if imageWordIn(t, channels) {
		return true
	}
	parts := strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return false
	}
	channel, known := false, 0
	for _, part := range parts {
		switch {
		case imageIsVersion(part):
			return false // a release number: judged by imageTagMajorOnly
		case imageWordIn(part, channels):
			channel = true
			known++
		case imageWordIn(part, imageDistroWords[:]), imageWordIn(imageTrimVersion(part), imageDistroWords[:]):
			known++
		}
	}
	if channel {
		return true
	}
	// Distribution words alone ("alpine", "slim-bookworm") float with the
	// default list; with a caller's list, only its words do.
	return defaults && known == len(parts)
}

// imageTagMajorOnly reports whether the release number of tag names only a
// major version: "16", "22-alpine", "v3", "3-slim-bookworm". A number of
// four digits or more is a build number or a date (20240101), not a major
// version.
func imageTagMajorOnly(tag string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(tag), func(r rune) bool { return r == '-' || r == '_' }) {
		if !imageIsVersion(part) {
			continue
		}
		num := strings.TrimPrefix(part, "v")
		if len(num) > 3 {
			return false
		}
		for _, r := range num {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// imageIsVersion reports whether a tag part is a release number: it
// starts with a digit, or with v and a digit.
func imageIsVersion(part string) bool {
	p := strings.TrimPrefix(part, "v")
	return p != "" && p[0] >= '0' && p[0] <= '9'
}

// imageTrimVersion drops a trailing version from a word: "alpine3.20"
// gives "alpine".
func imageTrimVersion(part string) string {
	return strings.TrimRight(part, "0123456789.")
}

func imageWordIn(w string, words []string) bool {
	for _, x := range words {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

// problem says what is wrong with the reference, for a message about
// image (its interpolated value): "" when it is pinned (or only
// major-pinned: see majorProblem).
func (r imageRef) problem() string {
	switch r.kind {
	case imageRefInvalid:
		return fmt.Sprintf("is not a valid reference: %v", r.err)
	case imageRefUntagged:
		return "has no tag, which means :latest"
	case imageRefFloating:
		return fmt.Sprintf("uses the floating tag :%s", r.tag)
	case imageRefNotDigest:
		return "is not pinned by digest"
	}
	return ""
}

// expected is what a pinned reference to the same image looks like.
func (r imageRef) expected(requireDigest bool) string {
	name := r.name
	if name == "" {
		return "a reference such as app:1.4.2"
	}
	if requireDigest {
		return name + "@sha256:<digest>"
	}
	if r.kind == imageRefMajorOnly {
		return fmt.Sprintf("%s:%s with a minor or patch version (or a digest)", name, imageMajorExample(r.tag))
	}
	return name + ":<version>"
}

// imageMajorExample turns "22-alpine" into "22.<minor>-alpine".
func imageMajorExample(tag string) string {
	parts := strings.SplitN(tag, "-", 2)
	parts[0] += ".<minor>"
	return strings.Join(parts, "-")
}

// imageMatches reports whether image matches one of patterns: path.Match
// patterns over the familiar name, the full reference, or the reference
// without its digest ("vaultwarden/server", "ghcr.io/immich-app/*").
func imageMatches(image string, patterns []string) bool {
	if image == "" {
		return false
	}
	cands := []string{image}
	if noDigest, _, ok := strings.Cut(image, "@"); ok {
		cands = append(cands, noDigest)
	}
	if named, err := reference.ParseNormalizedNamed(image); err == nil {
		cands = append(cands, reference.FamiliarName(named), named.Name())
	}
	for _, pat := range patterns {
		for _, c := range cands {
			if ok, _ := path.Match(pat, c); ok {
				return true
			}
		}
	}
	return false
}
