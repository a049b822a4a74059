// Command dockerstack runs every docker check over a compose stack and the
// Dockerfiles it builds, and renders the report: the embedding use of
// prodcheck in a few lines.
//
//	go run ./examples/dockerstack                          # the bundled insecure stack
//	go run ./examples/dockerstack -dir checks/docker/testdata/stacks/hardened
//	go run ./examples/dockerstack -format markdown
//
// It exits 1 when a failure at or above -fail-on remains (or any Error).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/report"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dockerstack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", filepath.Join("checks", "docker", "testdata", "stacks", "insecure"), "directory of the compose stack")
	format := fs.String("format", "text", "output: text, json, junit or markdown")
	failOn := fs.String("fail-on", "high", "lowest severity of a failure that fails the run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, err := check.ParseSeverity(*failOn)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	// One source per input, shared by every check that reads it. Each
	// check is named by its target: the compose file, or a Dockerfile.
	project := docker.Compose(docker.ComposeOptions{Dir: *dir})
	checks := docker.ComposeChecks(project, docker.ComposeChecksOptions{})
	// Every Dockerfile the compose file builds, known once it loads:
	// listed before the run, checked in the same run.
	builds, err := project.Builds(ctx)
	if err != nil {
		// The compose checks report the load error themselves.
		builds = nil
	}
	for _, df := range builds {
		checks = append(checks, docker.DockerfileChecks(df)...)
	}

	r := check.Runner{Policy: check.Policy{Threshold: threshold}}
	var progress *report.ProgressLine
	if report.ColorAuto(os.Stderr, nil) { // a live line on a terminal only
		progress = report.NewProgressLine(os.Stderr, report.ProgressOptions{})
		r.OnOutcome = progress.Update
		progress.Start() // ticks while a slow check holds the run
	}
	rep, err := r.Run(ctx, checks...)
	if progress != nil {
		progress.Clear()
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	switch *format {
	case "text":
		err = report.Text(stdout, rep, report.Options{Color: report.ColorAuto(os.Stdout, nil)})
	case "json":
		err = report.JSON(stdout, rep, report.Options{})
	case "junit":
		err = report.JUnit(stdout, rep, report.Options{})
	case "markdown":
		err = report.Markdown(stdout, rep, report.Options{})
	default:
		err = fmt.Errorf("unknown format %q", *format)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintln(stderr, "\ndeploy blocked:", err)
		return 1
	}
	return 0
}
