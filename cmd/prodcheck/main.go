// Command prodcheck runs the production checklist on a deployment described
// by prodcheck.yaml, and prints the checklist with its marks filled in.
//
//	prodcheck run     [-c prodcheck.yaml] [--format text|json|junit|markdown] [--out FILE]
//	                  [--only ID-GLOB|TAG] [--min-severity S] [--fail-on S] [--report-only] [--demo]
//	prodcheck init    [-dir .] [--force]
//	prodcheck list    [-c prodcheck.yaml] [--not-automated]
//	prodcheck explain ID
//	prodcheck attest  ID --by NAME --evidence PATH|URL --expires YYYY-MM-DD [-c prodcheck.yaml]
//
// The bundled demo, with no external service:
//
//	go run ./cmd/prodcheck run -c examples/demo/prodcheck.yaml --demo
//
// Exit status: 0 the run passed; 1 a failure at or above --fail-on (or the
// config's fail_on), or an Error; 2 a configuration or usage error.
// --report-only exits 0 whatever the outcomes (2 still for usage errors).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checklist"
	"github.com/prodcheck/prodcheck/examples/demo"
	"github.com/prodcheck/prodcheck/report"
)

// Exit statuses.
const (
	exitPassed = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command without its process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

const usage = `prodcheck runs the production checklist on a deployment.

Usage:
  prodcheck run     [-c prodcheck.yaml] [--format text|json|junit|markdown] [--out FILE]
                    [--only ID-GLOB|TAG] [--min-severity S] [--fail-on S] [--report-only] [--demo]
  prodcheck init    [-dir .] [--force]
  prodcheck list    [-c prodcheck.yaml] [--not-automated]
  prodcheck explain ID
  prodcheck attest  ID --by NAME --evidence PATH|URL --expires YYYY-MM-DD [-c prodcheck.yaml]

Examples:
  prodcheck run -c examples/demo/prodcheck.yaml --demo
  prodcheck init && prodcheck run
  prodcheck run --only 'docker.*' --format markdown --out report.md

Exit status: 0 passed; 1 a failure at or above the threshold, or an error;
2 a configuration or usage error. 'prodcheck COMMAND -h' documents each command.
`

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"run":     cmdRun,
		"init":    cmdInit,
		"list":    cmdList,
		"explain": cmdExplain,
		"attest":  cmdAttest,
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitPassed
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "prodcheck: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return c(ctx, args[1:], stdout, stderr)
}

// newFlags returns a FlagSet whose -h prints help, then its flags.
func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("prodcheck "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, returning a status when the command must stop.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPassed, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments: %q\n", fs.Name(), fs.Args())
		return exitUsage, false
	}
	return 0, true
}

// loadConfig loads the file file: its directory is the project root.
func loadConfig(file string) (*checklist.Config, error) {
	return checklist.LoadConfig(filepath.Dir(file), filepath.Base(file))
}

func parseSeverity(flagName, s string) (check.Severity, error) {
	sev, err := check.ParseSeverity(s)
	if err != nil || !sev.Valid() {
		return 0, fmt.Errorf("--%s: want info, low, medium, high or critical", flagName)
	}
	return sev, nil
}

const runHelp = `Usage: prodcheck run [flags]

Runs every check of prodcheck.yaml and prints the checklist with each line's
status, followed by a summary that counts every checklist line as automated,
attested or not yet automated.

Examples:
  prodcheck run
  prodcheck run -c examples/demo/prodcheck.yaml --demo
  prodcheck run --only 'docker.*' --min-severity high
  prodcheck run --only postgres --format junit --out prodcheck.xml
  prodcheck run --format json --report-only | jq .

Exit status: 0 passed; 1 a failure at or above --fail-on (default: the
config's fail_on), or an error; 2 a configuration or usage error.
With --report-only: 0 whatever the outcomes.
`

type runFlags struct {
	config, format, out, only, minSeverity, failOn string
	reportOnly, demo                               bool
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", runHelp, stderr)
	var f runFlags
	fs.StringVar(&f.config, "c", checklist.DefaultConfigFile, "configuration `file`; its directory is the project root")
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json, junit or markdown")
	fs.StringVar(&f.out, "out", "", "write the report to `file` instead of standard output")
	fs.StringVar(&f.only, "only", "", "run only checks whose ID matches one of these comma-separated `globs`, or that carry one of these tags")
	fs.StringVar(&f.minSeverity, "min-severity", "", "run only checks of this `severity` or above")
	fs.StringVar(&f.failOn, "fail-on", "", "lowest `severity` of a failure that fails the run (default: fail_on of the config, else info)")
	fs.BoolVar(&f.reportOnly, "report-only", false, "always exit 0 once the report is written")
	fs.BoolVar(&f.demo, "demo", false, "run the demo: copy the config's directory to a temporary git repository and start an in-process HTTP service for targets.urls")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	render, ok := renderers[f.format]
	if !ok {
		fmt.Fprintf(stderr, "prodcheck run: --format: unknown format %q (want text, json, junit or markdown)\n", f.format)
		return exitUsage
	}
	cfg, cleanup, err := runConfig(ctx, f)
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck run: %v\n", err)
		return exitUsage
	}
	defer cleanup()
	plan, err := checklist.Build(ctx, cfg, checklist.BuildOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck run: %v\n", err)
		return exitUsage
	}
	if err := applyFlags(&plan.Runner, f); err != nil {
		fmt.Fprintf(stderr, "prodcheck run: %v\n", err)
		return exitUsage
	}
	var progress *report.ProgressLine
	if report.ColorAuto(os.Stderr, nil) && stderr == io.Writer(os.Stderr) {
		progress = report.NewProgressLine(os.Stderr, report.ProgressOptions{})
		plan.Runner.OnOutcome = progress.Update
		progress.Start() // ticks while a slow target holds the run
	}
	rep, err := plan.Runner.Run(ctx, plan.Checks...)
	if progress != nil {
		progress.Clear()
	}
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck run: %v\n", err)
		return exitUsage
	}
	if code := write(f, stdout, stderr, func(w io.Writer, color bool) error {
		if f.format != "text" {
			return render(w, rep, report.Options{Order: report.OrderChecklist, Color: color})
		}
		// The checklist with its marks, then every outcome with its
		// findings, then the count of every line.
		sum := checklist.Summarize(plan.Items, rep)
		fmt.Fprintln(w, "# Production checklist")
		if err := checklist.WriteChecklist(w, sum, rep, checklist.ChecklistOptions{Color: color}); err != nil {
			return err
		}
		fmt.Fprintln(w, "\n# Details")
		if err := render(w, rep, report.Options{Order: report.OrderChecklist, Color: color}); err != nil {
			return err
		}
		writeSummary(w, sum)
		return nil
	}); code != 0 {
		return code
	}
	if f.reportOnly {
		return exitPassed
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintf(stderr, "prodcheck: the run fails (%s)\n", rep.Policy)
		return exitFailed
	}
	return exitPassed
}

// runConfig loads the configuration; with --demo it starts the demo and
// loads the configuration from its copy.
func runConfig(ctx context.Context, f runFlags) (*checklist.Config, func(), error) {
	if !f.demo {
		cfg, err := loadConfig(f.config)
		return cfg, func() {}, err
	}
	d, err := demo.Start(ctx, filepath.Dir(f.config))
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = d.Close() }
	cfg, err := checklist.LoadConfig(d.Dir, filepath.Base(f.config))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cfg.URLs = append(cfg.URLs,
		checklist.URLTarget{URL: d.URL + "/"},
		checklist.URLTarget{URL: d.URL + "/api/items", List: true})
	return cfg, cleanup, nil
}

func applyFlags(r *check.Runner, f runFlags) error {
	if f.failOn != "" {
		sev, err := parseSeverity("fail-on", f.failOn)
		if err != nil {
			return err
		}
		r.Policy.Threshold = sev
	}
	if f.minSeverity != "" {
		sev, err := parseSeverity("min-severity", f.minSeverity)
		if err != nil {
			return err
		}
		r.Filter.MinSeverity = sev
	}
	for _, p := range strings.Split(f.only, ",") {
		switch p = strings.TrimSpace(p); {
		case p == "":
		case strings.ContainsAny(p, ".*?["):
			r.Filter.IDs = append(r.Filter.IDs, p)
		default:
			r.Filter.Tags = append(r.Filter.Tags, p)
		}
	}
	return nil
}

var renderers = map[string]func(io.Writer, *check.Report, report.Options) error{
	"text":     report.Text,
	"json":     report.JSON,
	"junit":    report.JUnit,
	"markdown": report.Markdown,
}

// write renders to --out or stdout.
func write(f runFlags, stdout, stderr io.Writer, render func(io.Writer, bool) error) int {
	if f.out == "" {
		color := false
		if file, ok := stdout.(*os.File); ok && f.format == "text" {
			color = report.ColorAuto(file, nil)
		}
		if err := render(stdout, color); err != nil {
			fmt.Fprintf(stderr, "prodcheck run: %v\n", err)
			return exitUsage
		}
		return 0
	}
	file, err := os.Create(f.out)
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck run: --out: %v\n", err)
		return exitUsage
	}
	err = render(file, false)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck run: --out: %v\n", err)
		return exitUsage
	}
	return 0
}

// writeSummary prints the checklist's count: every line by kind and by
// status.
func writeSummary(w io.Writer, s checklist.Summary) {
	fmt.Fprintf(w, "\nSUMMARY: %d checklist lines: %d automated, %d attested, %d not yet automated\n",
		len(s.Lines), s.ByKind[checklist.Automated], s.ByKind[checklist.Attested], s.ByKind[checklist.NotAutomated])
	var parts []string
	for _, st := range []check.Status{check.StatusPass, check.StatusFail, check.StatusError, check.StatusWarn, check.StatusSkip} {
		if n := s.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if n := s.ByStatus[check.StatusUnknown]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d not run (filtered out)", n))
	}
	fmt.Fprintf(w, "  lines by outcome: %s\n", strings.Join(parts, ", "))
	fmt.Fprintln(w, "  `prodcheck list --not-automated` lists the lines no check verifies yet.")
}

const explainHelp = `Usage: prodcheck explain ID

Prints what a check verifies, why, how to fix a failure and its references;
or, for a checklist line's ID, how it is verified.

Examples:
  prodcheck explain docker.compose.image-pinned
  prodcheck explain compliance.gdpr
`

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("explain", explainHelp, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPassed
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	id := fs.Arg(0)
	if it, ok := checklist.Find(id); ok {
		fmt.Fprintf(stdout, "%s\n  %s (line %d of the checklist)\n  section: %s\n  kind: %s\n", it.ID, it.Text, it.Line, it.Section, it.Kind)
		if it.Why != "" {
			fmt.Fprintf(stdout, "  why: %s\n", it.Why)
		}
		fmt.Fprintf(stdout, "  checks: %s\n", strings.Join(it.Checks, ", "))
		return exitPassed
	}
	plan, err := emptyPlan(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck explain: %v\n", err)
		return exitUsage
	}
	for _, c := range plan.Checks {
		m := c.Meta()
		if m.ID != id {
			continue
		}
		fmt.Fprintf(stdout, "%s (%s)\n  %s\n  checklist: %s / %s\n", m.ID, m.Severity, m.Title, m.Section, m.Item)
		if m.Remediation != "" {
			fmt.Fprintf(stdout, "  remediation: %s\n", m.Remediation)
		}
		for _, r := range m.Refs {
			fmt.Fprintf(stdout, "  ref: %s\n", r)
		}
		return exitPassed
	}
	fmt.Fprintf(stderr, "prodcheck explain: no check or checklist line has the ID %q (see prodcheck list)\n", id)
	return exitUsage
}

// emptyPlan builds every check with nothing configured: their Meta is all
// list and explain need.
func emptyPlan(ctx context.Context) (*checklist.Plan, error) {
	cfg := &checklist.Config{Root: ".", Version: checklist.ConfigVersion}
	return checklist.Build(ctx, cfg, checklist.BuildOptions{Getenv: func(string) string { return "" }})
}

const listHelp = `Usage: prodcheck list [flags]

Lists every check (ID, severity, kind, checklist line) and every checklist
line no check serves. With -c, the checks of that configuration (one line
per check and target).

Examples:
  prodcheck list
  prodcheck list --not-automated
`

func cmdList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("list", listHelp, stderr)
	cfgFile := fs.String("c", "", "configuration `file` (default: every check, nothing configured)")
	notAutomated := fs.Bool("not-automated", false, "list only the checklist lines not yet automated")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if *notAutomated {
		for _, it := range checklist.Items() {
			if it.Kind == checklist.NotAutomated {
				fmt.Fprintf(stdout, "%-48s line %-4d %s / %s\n", it.ID, it.Line, it.Section, it.Text)
			}
		}
		return exitPassed
	}
	var plan *checklist.Plan
	var err error
	if *cfgFile != "" {
		var cfg *checklist.Config
		if cfg, err = loadConfig(*cfgFile); err == nil {
			plan, err = checklist.Build(ctx, cfg, checklist.BuildOptions{})
		}
	} else {
		plan, err = emptyPlan(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck list: %v\n", err)
		return exitUsage
	}
	for _, c := range plan.Checks {
		m := c.Meta()
		kind, line := "unmapped", 0
		for _, it := range plan.Items {
			if served(it, m.ID) {
				kind, line = it.Kind.String(), it.Line
				break
			}
		}
		fmt.Fprintf(stdout, "%-48s %-8s %-18s line %-4d %s\n", m.Name(), m.Severity, kind, line, m.Item)
	}
	return exitPassed
}

func served(it checklist.Item, id string) bool {
	for _, p := range it.Checks {
		if ok, _ := filepath.Match(p, id); ok {
			return true
		}
	}
	return false
}

const attestHelp = `Usage: prodcheck attest ID --by NAME --evidence PATH|URL --expires YYYY-MM-DD [-c prodcheck.yaml]

Records that a person verified a checklist line no machine can: the
attestation file (targets.attestations, default attestations.yaml) gets an
entry, or its entry for ID is replaced; comments and other entries are kept.

Examples:
  prodcheck attest compliance.gdpr --by ana@example.com --evidence docs/gdpr.md --expires 2027-03-01
  prodcheck attest pre-deployment.team-notified --by ben --evidence https://chat.example.com/m/123 --expires 2026-12-31
`

func cmdAttest(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("attest", attestHelp, stderr)
	cfgFile := fs.String("c", checklist.DefaultConfigFile, "configuration `file`; its directory is the project root")
	by := fs.String("by", "", "who verified it (required)")
	evidence := fs.String("evidence", "", "a path below the project root, or an http(s) URL (required)")
	expires := fs.String("expires", "", "when the attestation lapses, YYYY-MM-DD (required)")
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if id == "" || *by == "" || *evidence == "" || *expires == "" {
		fmt.Fprintln(stderr, "prodcheck attest: needs ID, --by, --evidence and --expires")
		return exitUsage
	}
	exp, err := time.Parse(time.DateOnly, *expires)
	if err != nil {
		fmt.Fprintln(stderr, "prodcheck attest: --expires: want a date such as 2027-03-01")
		return exitUsage
	}
	root, file := filepath.Dir(*cfgFile), ""
	if cfg, err := loadConfig(*cfgFile); err == nil {
		root, file = cfg.Root, cfg.Attestations
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "prodcheck attest: %v\n", err)
		return exitUsage
	}
	a := checklist.Attestation{Item: id, By: *by, At: time.Now().UTC().Truncate(time.Second), Evidence: *evidence, Expires: exp}
	if err := checklist.Attest(checklist.AttestOptions{Root: root, File: file}, a); err != nil {
		fmt.Fprintf(stderr, "prodcheck attest: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "attested %s by %s until %s\n", id, *by, exp.Format(time.DateOnly))
	return exitPassed
}
