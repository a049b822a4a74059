package docker_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
)

// Run every Dockerfile check on one Dockerfile: the file is read and
// parsed once for the run. Each check's target is the Dockerfile's path;
// each finding names file:line (relative to the build context) and stage.
func ExampleDockerfileChecks() {
	src := docker.Dockerfile(docker.DockerfileOptions{Path: "testdata/dockerfile/nouser/Dockerfile"})
	rep, err := (&check.Runner{}).Run(context.Background(), docker.DockerfileChecks(src)...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("target:", src.Target())
	for _, o := range rep.Outcomes {
		fmt.Printf("%-4s %s: %s\n", o.Result.Status, o.Meta.ID, o.Result.Message)
		for _, f := range o.Result.Findings {
			fmt.Println("     ", f)
		}
	}
	// Output:
	// target: testdata/dockerfile/nouser/Dockerfile
	// pass docker.dockerfile.base-pinned: 2 external images pinned
	// warn docker.dockerfile.base-major-only: 1 major-only tag
	//       Dockerfile:5 stage 1: base image "debian:12-slim" is pinned to a major version only: :12-slim moves to each new minor release (expected debian:12.<minor>-slim with a minor or patch version (or a digest), found debian:12-slim)
	// fail docker.dockerfile.user: final stage runs as root: no USER
	//       Dockerfile:5 stage 1: final stage has no USER instruction, so it runs as root (the default of debian:12-slim) (expected USER with a non-root name or UID in the final stage, found no USER)
	// skip docker.dockerfile.user-entrypoint: final stage runs as root with no step-down in its entrypoint (docker.dockerfile.user fails it)
	// fail docker.dockerfile.healthcheck: final stage has no HEALTHCHECK
	//       Dockerfile:5 stage 1: final stage declares no HEALTHCHECK (expected HEALTHCHECK CMD … in the final stage, found no HEALTHCHECK)
	// pass docker.dockerfile.secrets: no literal secrets in 0 ENV/ARG keys
	// pass docker.dockerfile.build-secrets: no build-time secret in 0 RUNs and 1 COPY/ADD source
	// pass docker.dockerfile.env-excluded: no COPY of the whole build context and no .env copied by name
}

// Secrets are reported by key and fingerprint, never by value. Build args
// resolve ARGs in FROM, and an option pins images by digest.
func ExampleDockerfileSecrets() {
	src := docker.Dockerfile(docker.DockerfileOptions{
		Path:      "testdata/dockerfile/secrets/Dockerfile",
		BuildArgs: map[string]string{"NPM_TOKEN": "from-the-ci"},
	})
	r := docker.DockerfileSecrets(src, docker.DockerfileSecretsOptions{AllowKeys: []string{"GITHUB_TOKEN"}}).Run(context.Background())
	fmt.Println(r.Status, r.Message)
	for _, f := range r.Findings {
		// Actual is the key and a fingerprint keyed for this run: "API_KEY
		// (15 chars, fp 1f2e3d4c)". The fingerprint changes from run to run.
		key, _, _ := strings.Cut(f.Actual, " (")
		fmt.Printf("  line %d: %s: %s\n", f.Location.Line, f.Message, key)
	}
	// Output:
	// fail 5 literal secrets in ENV/ARG
	//   line 6: ARG API_KEY has a literal secret as its default: API_KEY
	//   line 8: ENV DB_PASSWORD holds a literal secret: DB_PASSWORD
	//   line 12: ENV DATABASE_URL holds a URL with a password: DATABASE_URL
	//   line 14: ARG SIGNING_KEY has a literal secret as its default: SIGNING_KEY
	//   line 19: ENV SECRET_KEY_BASE holds a literal secret: SECRET_KEY_BASE
}

// Require every base image to be pinned by digest.
func ExampleDockerfileBasePinned() {
	src := docker.Dockerfile(docker.DockerfileOptions{Path: "testdata/dockerfile/good/Dockerfile"})
	r := docker.DockerfileBasePinned(src, docker.BasePinnedOptions{RequireDigest: true}).Run(context.Background())
	fmt.Println(r.Status, r.Message)
	for _, f := range r.Findings {
		fmt.Println(f)
	}
	// Output:
	// fail 1 unpinned image
	// Dockerfile:4 stage "build": base image "golang:${GO_VERSION}-alpine" is not pinned by digest (expected an @sha256 digest (node:22.11-alpine@sha256:…), found golang:1.26.8-alpine (from golang:${GO_VERSION}-alpine))
}
