package docker_test

import (
	"context"
	"fmt"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
)

// A compose project is loaded once per run and shared by the checks built
// on it. Here a production override file pins nothing and publishes the
// database: each finding names the file and line that set the value.
func ExampleCompose() {
	p := docker.Compose(docker.ComposeOptions{
		Dir:   "testdata/compose/multifile",
		Files: []string{"compose.yaml", "compose.prod.yaml"}, // docker compose -f compose.yaml -f compose.prod.yaml
	})
	checks := []check.Check{
		docker.ComposeImagePinned(p, docker.ImagePinnedOptions{}),
		docker.ComposeDatabasePorts(p, docker.DatabaseOptions{}),
		docker.ComposeUnprivileged(p, docker.HardeningOptions{}),
	}
	rep, err := (&check.Runner{}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%s %s: %s\n", o.Meta.ID, o.Result.Status, o.Result.Message)
		for _, f := range o.Result.Findings {
			fmt.Printf("  %s: %s\n", f.Location, f.Message)
		}
	}
	// Output:
	// docker.compose.image-pinned fail: unpinned image: 1 of 3 pulled images
	//   compose.prod.yaml:3 service "api": image "example/api:latest" uses the floating tag :latest
	// docker.compose.database-ports fail: database port published: 1 of 2 database/cache services
	//   compose.yaml:9 service "db": publishes PostgreSQL port 5432 as host port 5432 on all interfaces; Docker's iptables rules bypass host firewalls such as ufw
	// docker.compose.unprivileged fail: privileged: 1 of 3 services
	//   compose.prod.yaml:7 service "db": runs privileged: every capability and device of the host
}

// ComposeChecks returns every compose check; with the Dockerfile checks of
// every image it builds, the hardened example stack passes them all.
func ExampleComposeChecks() {
	ctx := context.Background()
	p := docker.Compose(docker.ComposeOptions{Dir: "testdata/stacks/hardened"})
	checks := docker.ComposeChecks(p, docker.ComposeChecksOptions{})
	builds, err := p.Builds(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, df := range builds {
		checks = append(checks, docker.DockerfileChecks(df)...)
	}
	rep, err := (&check.Runner{Policy: check.Policy{Threshold: check.SeverityInfo}}).Run(context.Background(), checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("worst:", rep.Worst())
	fmt.Println("failing:", rep.Err())
	// Output:
	// worst: skip
	// failing: <nil>
}

// Builds lists the Dockerfiles a compose project builds, one source per
// distinct build, so that one run checks the compose file and every
// Dockerfile: each check is named by its target, "id [target]".
func ExampleComposeProject_Builds() {
	ctx := context.Background()
	p := docker.Compose(docker.ComposeOptions{Dir: "testdata/compose/builds"})
	builds, err := p.Builds(ctx) // before Run: a check's target is known before it runs
	if err != nil {
		fmt.Println(err)
		return
	}
	checks := []check.Check{docker.ComposeImagePinned(p, docker.ImagePinnedOptions{})}
	for _, df := range builds {
		fmt.Println("builds", df.Target(), "for", df.Services())
		checks = append(checks, docker.DockerfileBasePinned(df, docker.BasePinnedOptions{}))
	}
	rep, err := (&check.Runner{}).Run(ctx, checks...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Printf("%s %s\n", o.Meta.Name(), o.Result.Status)
		for _, f := range o.Result.Findings {
			fmt.Printf("  %s: %s\n", f.Location, f.Message)
		}
	}
	// Output:
	// builds testdata/compose/builds/api/Dockerfile for [api worker]
	// builds testdata/compose/builds/web/Dockerfile for [web]
	// docker.compose.image-pinned [testdata/compose/builds/compose.yaml] pass
	// docker.dockerfile.base-pinned [testdata/compose/builds/api/Dockerfile] pass
	// docker.dockerfile.base-pinned [testdata/compose/builds/web/Dockerfile] fail
	//   Dockerfile:1 stage 0: base image "nginx:latest" uses the floating tag :latest
}
