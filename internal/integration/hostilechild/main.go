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
	"strconv"
	"strings"
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
	rssFile := flag.String("rss", "", "write the process's peak RSS in bytes (VmHWM) to this file before exiting")
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
	if *rssFile != "" {
		if err := writePeakRSS(*rssFile); err != nil {
			fmt.Fprintln(os.Stderr, "hostilechild:", err)
			os.Exit(2)
		}
	}
}

// writePeakRSS writes VmHWM, the peak resident set of this process's own
// address space, in bytes. getrusage's ru_maxrss is not used: Linux
// carries the parent's high-water mark into it across the fork and exec
// that started this process, so a large parent (a race-enabled test
// binary) would be measured instead.
func writePeakRSS(path string) error {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return fmt.Errorf("peak RSS: %w", err)
			}
			return os.WriteFile(path, []byte(strconv.FormatInt(kb*1024, 10)), 0o644)
		}
	}
	return fmt.Errorf("peak RSS: no VmHWM in /proc/self/status")
}
