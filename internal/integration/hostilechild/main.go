// Command hostilechild runs every docker check on one project and renders
// all four report formats to stdout. The hostile-input tests of package
// integration build it without the race detector and run it as a child
// process, so that they can measure its peak memory and kill it at a
// deadline: an out-of-memory crash or a hang in a parser must not take the
// test binary with it.
//
//	hostilechild -dir PROJECT [-dockerfile PATH]
//
// It exits 0 once the reports are written, 3 when goroutines are left
// running after the run (something blocked), and 2 on a usage error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/goleak"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/docker"
	"github.com/prodcheck/prodcheck/report"
)

func main() {
	dir := flag.String("dir", "", "the project directory (compose file and build contexts)")
	dockerfile := flag.String("dockerfile", "", "a Dockerfile to check besides the compose file's builds")
	timeout := flag.Duration("timeout", 20*time.Second, "per-check timeout")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "hostilechild: -dir is required")
		os.Exit(2)
	}
	ctx := context.Background()
	p := docker.Compose(docker.ComposeOptions{Dir: *dir})
	checks := docker.ComposeChecks(p, docker.ComposeChecksOptions{})
	if builds, err := p.Builds(ctx); err == nil {
		for _, b := range builds {
			checks = append(checks, docker.DockerfileChecks(b)...)
		}
	} // a load error is already the Error outcome of every compose check
	if *dockerfile != "" {
		checks = append(checks, docker.DockerfileChecks(docker.Dockerfile(docker.DockerfileOptions{
			Path: *dockerfile, ContextDir: filepath.Dir(*dockerfile), Target: "extra/Dockerfile",
		}))...)
	}
	r := check.Runner{Timeout: *timeout, Grace: time.Second, Policy: check.Policy{AllowNothingChecked: true}}
	rep, err := r.Run(ctx, checks...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostilechild:", err)
		os.Exit(2)
	}
	opts := report.Options{MaxFindings: -1, MaxSize: -1, NoTimings: true}
	for _, render := range []func() error{
		func() error { return report.JSON(os.Stdout, rep, opts) },
		func() error { return report.Text(os.Stdout, rep, opts) },
		func() error { return report.JUnit(os.Stdout, rep, opts) },
		func() error { return report.Markdown(os.Stdout, rep, opts) },
	} {
		if err := render(); err != nil {
			fmt.Fprintln(os.Stderr, "hostilechild:", err)
			os.Exit(2)
		}
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "hostilechild: goroutines left running:", err)
		os.Exit(3)
	}
}
