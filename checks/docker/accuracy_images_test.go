package docker

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

const accuracyTestdata = "testdata/accuracy"

// accRun runs checks with the public Runner and returns the outcomes by
// "ID [target]".
func accRun(t *testing.T, checks ...check.Check) map[string]check.Outcome {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), checks...)
	require.NoError(t, err)
	out := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		out[o.Meta.ID] = o
	}
	return out
}

// accBuilds returns the Dockerfile sources a compose fixture builds.
func accBuilds(t *testing.T, p *ComposeProject) []*DockerfileSource {
	t.Helper()
	builds, err := p.Builds(t.Context())
	require.NoError(t, err)
	return builds
}

// accResources lists the resources of an outcome's findings, sorted.
func accResources(o check.Outcome) []string {
	var rs []string
	for _, f := range o.Result.Findings {
		rs = append(rs, f.Location.Resource)
	}
	slices.Sort(rs)
	return rs
}

// TestAccuracyImageTags: compose and Dockerfile judge each reference the
// same way (one rule), with major-only tags under their own ID.
func TestAccuracyImageTags(t *testing.T) {
	floating := []string{"latest", "alpha", "release", "mainline", "alpine", "bookworm", "lts-alpine", "stable-alpine", "lts-slim", "untagged"}
	major := []string{"major", "major-alpine"}
	slices.Sort(floating)
	slices.Sort(major)
	dir := filepath.Join(accuracyTestdata, "images", "tags")

	p := Compose(ComposeOptions{Dir: dir})
	got := accRun(t, ComposeImagePinned(p, ImagePinnedOptions{}), ComposeImageMajorOnly(p, ImagePinnedOptions{}))
	var want []string
	for _, s := range floating {
		want = append(want, composeResource(s))
	}
	slices.Sort(want)
	pinned := got["docker.compose.image-pinned"]
	assert.Equal(t, check.StatusFail, pinned.Result.Status)
	assert.Equal(t, want, accResources(pinned))
	mo := got["docker.compose.image-major-only"]
	assert.Equal(t, check.StatusWarn, mo.Result.Status)
	assert.Equal(t, []string{`service "major"`, `service "major-alpine"`}, accResources(mo))
	for _, f := range append(pinned.Result.Findings, mo.Result.Findings...) {
		assert.NotZero(t, f.Location.Line)
		assert.NotEmpty(t, f.Expected)
		assert.NotEmpty(t, f.Actual)
	}

	src := Dockerfile(DockerfileOptions{Path: filepath.Join(dir, "Dockerfile")})
	got = accRun(t, DockerfileBasePinned(src, BasePinnedOptions{}), DockerfileBaseMajorOnly(src, BasePinnedOptions{}))
	want = want[:0]
	for _, s := range floating {
		want = append(want, "stage "+`"`+s+`"`)
	}
	slices.Sort(want)
	bp := got["docker.dockerfile.base-pinned"]
	assert.Equal(t, check.StatusFail, bp.Result.Status)
	assert.Equal(t, want, accResources(bp))
	bm := got["docker.dockerfile.base-major-only"]
	assert.Equal(t, check.StatusWarn, bm.Result.Status)
	assert.Equal(t, []string{`stage "major"`, `stage "major-alpine"`}, accResources(bm))
}

// TestAccuracyImageRule: the shared rule, case by case.
func TestAccuracyImageRule(t *testing.T) {
	for image, want := range map[string]imageRefKind{
		"nginx:latest":                  imageRefFloating,
		"app:alpha":                     imageRefFloating,
		"app:RELEASE":                   imageRefFloating,
		"python:alpine":                 imageRefFloating,
		"python:alpine3.20":             imageRefFloating,
		"node:lts-alpine3.20":           imageRefFloating,
		"debian:bookworm-slim":          imageRefFloating,
		"nginx":                         imageRefUntagged,
		"node:22-alpine":                imageRefMajorOnly,
		"python:3":                      imageRefMajorOnly,
		"app:v3":                        imageRefMajorOnly,
		"postgres:16":                   imageRefMajorOnly,
		"node:22.11-alpine":             imageRefPinned,
		"app:20240101":                  imageRefPinned,
		"app:sha-3f2a9c1":               imageRefPinned,
		"app:prod":                      imageRefPinned, // a team's own channel name: not judged
		"debian:bookworm-20240110-slim": imageRefPinned,
		"app:":                          imageRefInvalid,
	} {
		assert.Equal(t, want, judgeImageRef(image, imageRefOptions{}).kind, image)
	}
	assert.Equal(t, imageRefNotDigest, judgeImageRef("node:22.11", imageRefOptions{requireDigest: true}).kind)
	assert.Equal(t, imageRefPinned, judgeImageRef("node:lts", imageRefOptions{channels: []string{"1.2"}}).kind)
}

// TestAccuracyImageStatuses is the status matrix of the image fixtures:
// each valid setup next to its dangerous twin.
func TestAccuracyImageStatuses(t *testing.T) {
	const (
		P = check.StatusPass
		F = check.StatusFail
		W = check.StatusWarn
		S = check.StatusSkip
	)
	type compose struct{ pinned, pull check.Status }
	cases := []struct {
		dir  string
		want compose
		df   check.Status // base-pinned of every Dockerfile the project builds; 0: none
		note string       // in the pinned message
	}{
		{"built-safe", compose{P, P}, P, "never pulled"},
		{"built-pulls-first", compose{P, W}, P, "docker.compose.build-pull-policy"},
		{"args-pinned", compose{S, P}, P, ""},
		{"args-latest", compose{S, P}, F, ""},
		{"unset-tag", compose{S, S}, 0, "TAG is not set"},
		{"default-latest", compose{F, S}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			p := Compose(ComposeOptions{Dir: filepath.Join(accuracyTestdata, "images", tc.dir)})
			checks := []check.Check{ComposeImagePinned(p, ImagePinnedOptions{}), ComposeBuildPullPolicy(p, BuildPullPolicyOptions{})}
			got := accRun(t, checks...)
			pinned := got["docker.compose.image-pinned"]
			assert.Equal(t, tc.want, compose{pinned.Result.Status, got["docker.compose.build-pull-policy"].Result.Status}, pinned.Result.Message)
			assert.Contains(t, pinned.Result.Message, tc.note)
			builds := accBuilds(t, p)
			if tc.df == 0 {
				assert.Empty(t, builds)
				return
			}
			require.NotEmpty(t, builds)
			for _, b := range builds {
				o := accRun(t, DockerfileBasePinned(b, BasePinnedOptions{}))["docker.dockerfile.base-pinned"]
				assert.Equal(t, tc.df, o.Result.Status, o.Result.Message)
			}
		})
	}

	// Without the compose build args, FROM $BASE_IMAGE is unknown, not unpinned.
	src := Dockerfile(DockerfileOptions{Path: filepath.Join(accuracyTestdata, "images", "args-pinned", "api", "Dockerfile")})
	o := accRun(t, DockerfileBasePinned(src, BasePinnedOptions{}))["docker.dockerfile.base-pinned"]
	assert.Equal(t, S, o.Result.Status)
	assert.Contains(t, o.Result.Message, "ARG BASE_IMAGE")
	// FROM acme/app:${TAG} with no default: unknown; with default latest: floating.
	for dir, want := range map[string]check.Status{"unset-tag": S, "default-latest": F} {
		src := Dockerfile(DockerfileOptions{Path: filepath.Join(accuracyTestdata, "images", dir, "Dockerfile")})
		o := accRun(t, DockerfileBasePinned(src, BasePinnedOptions{}))["docker.dockerfile.base-pinned"]
		assert.Equal(t, want, o.Result.Status, dir+": "+o.Result.Message)
	}
}

// TestAccuracyUserStatuses: a vendor image whose entrypoint drops root
// warns under its own ID; replacing that entrypoint fails.
func TestAccuracyUserStatuses(t *testing.T) {
	const (
		P = check.StatusPass
		F = check.StatusFail
		W = check.StatusWarn
		S = check.StatusSkip
	)
	for dir, want := range map[string][2]check.Status{
		"user-postgres":          {P, W},
		"user-gosu":              {P, W},
		"user-postgres-replaced": {F, S},
		"user-node":              {F, S},
		"user-nonroot-base":      {P, S},
	} {
		t.Run(dir, func(t *testing.T) {
			src := Dockerfile(DockerfileOptions{Path: filepath.Join(accuracyTestdata, "images", dir, "Dockerfile")})
			got := accRun(t, DockerfileUser(src, DockerfileUserOptions{}), DockerfileUserEntrypoint(src, DockerfileUserOptions{}))
			u, e := got["docker.dockerfile.user"], got["docker.dockerfile.user-entrypoint"]
			assert.Equal(t, want, [2]check.Status{u.Result.Status, e.Result.Status}, u.Result.Message+" | "+e.Result.Message)
			for _, f := range e.Result.Findings {
				assert.NotZero(t, f.Location.Line)
			}
		})
	}
	// StepDownBases extends the list.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM acme/db:2.1\n"), 0o644))
	src := Dockerfile(DockerfileOptions{Path: filepath.Join(dir, "Dockerfile")})
	opts := DockerfileUserOptions{StepDownBases: []string{"acme/db"}}
	got := accRun(t, DockerfileUser(src, opts), DockerfileUserEntrypoint(src, opts))
	assert.Equal(t, check.StatusPass, got["docker.dockerfile.user"].Result.Status)
	assert.Equal(t, check.StatusWarn, got["docker.dockerfile.user-entrypoint"].Result.Status)
}

// TestAccuracyEnvExcludedStatuses: COPY . . is reported only when the
// context could hold a .env, .git or key file that .dockerignore lets
// through.
func TestAccuracyEnvExcludedStatuses(t *testing.T) {
	for dir, want := range map[string]check.Status{
		"envctx-clean":     check.StatusPass,
		"envctx-gitignore": check.StatusFail, // .env named in .gitignore
		"envctx-present":   check.StatusFail, // .env in the context
		"envctx-key":       check.StatusFail, // server.key in the context
	} {
		t.Run(dir, func(t *testing.T) {
			src := Dockerfile(DockerfileOptions{Path: filepath.Join(accuracyTestdata, "images", dir, "Dockerfile")})
			o := accRun(t, DockerfileEnvExcluded(src, EnvExcludedOptions{}))["docker.dockerfile.env-excluded"]
			assert.Equal(t, want, o.Result.Status, o.Result.Message)
			for _, f := range o.Result.Findings {
				assert.Equal(t, 2, f.Location.Line)
			}
		})
	}
	// A compose env_file names .env: the finding stays for the image it builds.
	for dir, want := range map[string]check.Status{"envctx-compose": check.StatusFail, "envctx-compose-ignored": check.StatusPass} {
		p := Compose(ComposeOptions{Dir: filepath.Join(accuracyTestdata, "images", dir)})
		builds := accBuilds(t, p)
		require.Len(t, builds, 1, dir)
		o := accRun(t, DockerfileEnvExcluded(builds[0], EnvExcludedOptions{}))["docker.dockerfile.env-excluded"]
		assert.Equal(t, want, o.Result.Status, dir+": "+o.Result.Message)
		if want == check.StatusFail {
			assert.True(t, strings.Contains(o.Result.Findings[0].Message, ".env"), o.Result.Findings[0].Message)
		}
	}
	// The caller's own paths are always required.
	src := Dockerfile(DockerfileOptions{Path: filepath.Join(accuracyTestdata, "images", "envctx-clean", "Dockerfile")})
	o := accRun(t, DockerfileEnvExcluded(src, EnvExcludedOptions{Paths: []string{"secrets/"}}))["docker.dockerfile.env-excluded"]
	assert.Equal(t, check.StatusFail, o.Result.Status)
}

// TestAccuracyHealthStatuses is the status matrix of the health fixtures.
func TestAccuracyHealthStatuses(t *testing.T) {
	const (
		P = check.StatusPass
		F = check.StatusFail
	)
	cases := []struct {
		dir        string
		compose    check.Status
		dockerfile check.Status // of the built Dockerfile; 0: none built
	}{
		{"retries-zero", P, 0},
		{"disabled", F, 0},
		{"none-test", F, 0},
		{"empty-test-built", P, P},
		{"empty-test-built-missing", F, F},
		{"compose-declared", P, P},
		{"compose-missing", F, F},
		{"known-image", P, 0},
		{"unknown-image", F, 0},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			p := Compose(ComposeOptions{Dir: filepath.Join(accuracyTestdata, "health", tc.dir)})
			o := accRun(t, ComposeHealthcheck(p, HealthcheckOptions{}))["docker.compose.healthcheck"]
			assert.Equal(t, tc.compose, o.Result.Status, o.Result.Message)
			for _, f := range o.Result.Findings {
				assert.NotZero(t, f.Location.Line)
			}
			builds := accBuilds(t, p)
			if tc.dockerfile == 0 {
				assert.Empty(t, builds)
				return
			}
			require.Len(t, builds, 1)
			d := accRun(t, DockerfileHealthcheck(builds[0], DockerfileHealthcheckOptions{}))["docker.dockerfile.healthcheck"]
			assert.Equal(t, tc.dockerfile, d.Result.Status, d.Result.Message)
		})
	}
	// The list of images known to ship a HEALTHCHECK is extendable.
	p := Compose(ComposeOptions{Dir: filepath.Join(accuracyTestdata, "health", "unknown-image")})
	o := accRun(t, ComposeHealthcheck(p, HealthcheckOptions{ImagesWithHealthcheck: []string{"nginx"}}))["docker.compose.healthcheck"]
	assert.Equal(t, P, o.Result.Status, o.Result.Message)
	assert.Contains(t, o.Result.Message, `"web"`)
}
