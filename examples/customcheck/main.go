// Command customcheck shows a team's own checks: written in a few lines
// with check.New and check.FromError, run by a check.Runner, and rendered
// by the report package exactly like a built-in check.
//
// It checks an environment file (by default the sample embedded from
// sample.env; -env FILE checks yours) and one loopback port:
//
//	team.env.debug-off       high    DEBUG is unset or false
//	team.env.session-secret  medium  SESSION_SECRET is set, 32 characters or more
//	team.env.log-level       low     LOG_LEVEL is not debug or trace
//	team.net.pprof-closed    high    nothing listens on 127.0.0.1:6060 (-addr)
//
// Each env check's target is the file, the port check's the address.
//
// On the sample, debug mode is off (a pass), the secret is too short (a
// failure of medium severity) and the log level is debug (a failure of low
// severity). -fail-on sets the threshold of the run's policy
// (Runner.Policy.Threshold): both failures are below the default -fail-on
// high, so the run passes and exits 0, saying so; `-fail-on medium` or
// `-fail-on low` makes it exit 1.
//
// Usage:
//
//	go run ./examples/customcheck [-env FILE] [-addr HOST:PORT] [-format text|json|junit|markdown] [-fail-on SEVERITY]
//
// Exit status: 0 when the run passes under its policy (rep.Err() is nil:
// no unwaived failure at or above -fail-on, no error), 1 when it does not,
// 2 for a usage error.
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/report"
)

//go:embed sample.env
var sampleEnv []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command without its process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("customcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envFile := fs.String("env", "", "environment `file` to check (default: the embedded sample.env)")
	addr := fs.String("addr", "127.0.0.1:6060", "`address` where no profiling endpoint may listen")
	format := fs.String("format", "text", "output `format`: text, json, junit or markdown")
	failOn := fs.String("fail-on", "high", "lowest `severity` of a failure that fails the run: info, low, medium, high or critical")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, err := check.ParseSeverity(*failOn)
	if err == nil && !threshold.Valid() {
		err = fmt.Errorf("severity %q is not one of info, low, medium, high, critical", *failOn)
	}
	if err != nil {
		fmt.Fprintf(stderr, "customcheck: -fail-on: %v\n", err)
		return 2
	}
	render, ok := renderers[*format]
	if !ok {
		fmt.Fprintf(stderr, "customcheck: -format: unknown format %q (want text, json, junit or markdown)\n", *format)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "customcheck: unexpected arguments: %q\n", fs.Args())
		return 2
	}

	env := envSource("sample.env", func() ([]byte, error) { return sampleEnv, nil })
	if *envFile != "" {
		name := *envFile
		env = envSource(name, func() ([]byte, error) { return os.ReadFile(name) })
	}
	checks := []check.Check{
		DebugOff(env),
		SessionSecret(env),
		LogLevel(env),
		PortClosed(*addr),
	}

	// Defaults for limit, timeout and grace; the policy from -fail-on.
	runner := check.Runner{Policy: check.Policy{Threshold: threshold}}
	rep, err := runner.Run(ctx, checks...)
	if err != nil {
		fmt.Fprintf(stderr, "customcheck: %v\n", err)
		return 2
	}
	if err := render(stdout, rep, report.Options{Color: *format == "text" && isTerminal(stdout)}); err != nil {
		fmt.Fprintf(stderr, "customcheck: %v\n", err)
		return 2
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintf(stderr, "customcheck: the run fails (%s): %v\n", rep.Policy, err)
		return 1
	}
	if n := belowThreshold(rep); n > 0 {
		fmt.Fprintf(stderr, "customcheck: the run passes (%s): %d %s below %s\n", rep.Policy, n, plural(n, "failure"), threshold)
	}
	return 0
}

var renderers = map[string]func(io.Writer, *check.Report, report.Options) error{
	"text":     report.Text,
	"json":     report.JSON,
	"junit":    report.JUnit,
	"markdown": report.Markdown,
}

// belowThreshold counts the unwaived failures that do not fail the run
// under its policy: those below its threshold.
func belowThreshold(rep *check.Report) int {
	n := 0
	for _, o := range rep.Outcomes {
		if o.Result.Status == check.StatusFail && !o.Waived() && !rep.Policy.Fails(o) {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && report.ColorAuto(f, nil)
}

// An env is a parsed environment file.
type env struct {
	file string
	vars map[string]variable
}

// An envFile is an environment file to check: its name, which is the
// target of every check that reads it, and the source that reads and
// parses it once per run.
type envFile struct {
	name string
	src  *check.Source[env]
}

type variable struct {
	value string
	line  int
}

// lookup returns the variable and a Location naming it, at its line when set.
func (e env) lookup(key string) (variable, bool, check.Location) {
	v, ok := e.vars[key]
	loc := check.Location{File: e.file, Resource: "variable " + key}
	if ok {
		loc.Line = v.line
	}
	return v, ok, loc
}

// envSource returns the environment file name, read and parsed once per
// run for every check built on it.
func envSource(name string, read func() ([]byte, error)) envFile {
	name = filepath.ToSlash(name)
	return envFile{name: name, src: check.NewSource(func(ctx context.Context) (env, error) {
		if err := ctx.Err(); err != nil {
			return env{}, err
		}
		data, err := read()
		if err != nil {
			return env{}, fmt.Errorf("customcheck: %w", err)
		}
		return parseEnv(name, data)
	})}
}

// parseEnv parses KEY=VALUE lines, ignoring blank lines, comments and an
// "export " prefix, and unquoting quoted values. A demo's parser: a real
// check would use a maintained dotenv library.
func parseEnv(name string, data []byte) (env, error) {
	e := env{file: name, vars: map[string]variable{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return env{}, fmt.Errorf("customcheck: %s:%d: want KEY=VALUE", name, n)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		e.vars[key] = variable{value: value, line: n}
	}
	if err := sc.Err(); err != nil {
		return env{}, fmt.Errorf("customcheck: %s: %w", name, err)
	}
	return e, nil
}

const section = "Deployment / Configuration"

// DebugOff checks that debug mode is off: a check written with check.New,
// with a finding located at the file and line.
func DebugOff(file envFile) check.Check {
	return check.New(check.Meta{
		ID:          "team.env.debug-off",
		Target:      file.name,
		Title:       "Debug mode is off",
		Section:     section,
		Item:        "Debug mode is disabled in production",
		Severity:    check.SeverityHigh,
		Remediation: "Set DEBUG=false (or remove it) in the production environment.",
	}, func(ctx context.Context) check.Result {
		e, err := file.src.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		v, ok, loc := e.lookup("DEBUG")
		switch strings.ToLower(v.value) {
		case "", "0", "false", "no", "off":
			if !ok {
				return check.Pass("DEBUG is not set")
			}
			return check.Pass(fmt.Sprintf("DEBUG=%s", v.value))
		}
		return check.Fail("debug mode is on", check.Finding{
			Message: "DEBUG enables debug mode", Location: loc,
			Expected: "false, or unset", Actual: v.value,
		})
	})
}

// SessionSecret checks that the session secret is set and long: a failure
// when missing or short, a warning below the recommended length. The value
// never appears in the result, only its length.
func SessionSecret(file envFile) check.Check {
	const minLen, goodLen = 16, 32
	return check.New(check.Meta{
		ID:          "team.env.session-secret",
		Target:      file.name,
		Title:       "The session secret is strong",
		Section:     section,
		Item:        "Secrets are strong and not defaults",
		Severity:    check.SeverityMedium,
		Tags:        []string{"security", "secrets"},
		Remediation: fmt.Sprintf("Generate a random SESSION_SECRET of %d characters or more (openssl rand -base64 32).", goodLen),
	}, func(ctx context.Context) check.Result {
		e, err := file.src.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		v, ok, loc := e.lookup("SESSION_SECRET")
		n := len(v.value)
		f := check.Finding{
			Location: loc,
			Expected: fmt.Sprintf("%d characters or more", goodLen),
			Actual:   fmt.Sprintf("%d characters", n),
		}
		switch {
		case !ok || n == 0:
			f.Message, f.Actual = "SESSION_SECRET is not set", "unset"
			return check.Fail("no session secret", f)
		case n < minLen:
			f.Message = "SESSION_SECRET is too short to resist guessing"
			return check.Fail(fmt.Sprintf("session secret of %d characters", n), f)
		case n < goodLen:
			f.Message = "SESSION_SECRET is shorter than recommended"
			return check.Warn(fmt.Sprintf("session secret of %d characters", n), f)
		}
		return check.Pass(fmt.Sprintf("session secret of %d characters", n))
	})
}

// LogLevel checks that logging is not at debug level.
func LogLevel(file envFile) check.Check {
	quiet := []string{"", "info", "warn", "warning", "error"}
	return check.New(check.Meta{
		ID:          "team.env.log-level",
		Target:      file.name,
		Title:       "Logs are not at debug level",
		Section:     section,
		Item:        "Log levels are set for production",
		Severity:    check.SeverityLow,
		Remediation: "Set LOG_LEVEL=info; raise it only while investigating.",
	}, func(ctx context.Context) check.Result {
		e, err := file.src.Get(ctx)
		if err != nil {
			return check.Error(err)
		}
		v, _, loc := e.lookup("LOG_LEVEL")
		if slices.Contains(quiet, strings.ToLower(v.value)) {
			return check.Pass(fmt.Sprintf("LOG_LEVEL=%q", v.value))
		}
		return check.Fail("LOG_LEVEL="+v.value, check.Finding{
			Message: "verbose logs cost money and may record personal data", Location: loc,
			Expected: "info, warn or error", Actual: v.value,
		})
	})
}

// PortClosed checks that nothing listens at addr: a check written with
// check.FromError from an ordinary func(ctx) error. nil passes, a context
// error is an Error, any other error fails.
func PortClosed(addr string) check.Check {
	return check.FromError(check.Meta{
		ID:          "team.net.pprof-closed",
		Target:      addr,
		Title:       "No profiling endpoint listens",
		Section:     "Deployment / Network",
		Item:        "Debug and profiling endpoints are not exposed",
		Severity:    check.SeverityHigh,
		Tags:        []string{"security"},
		Remediation: "Do not start net/http/pprof in production builds, or bind it to a socket only operators can reach.",
	}, func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		switch {
		case err == nil:
			_ = conn.Close()
			return fmt.Errorf("%s accepts connections", addr)
		case errors.Is(err, syscall.ECONNREFUSED):
			return nil
		default:
			return fmt.Errorf("could not tell whether %s is closed: %w", addr, err)
		}
	})
}
