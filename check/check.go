package check

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Check verifies one property of a deployment.
//
// Meta returns the check's identity; it must not change between calls and
// must be cheap, because the [Runner] reads it before running anything.
// Run must honour ctx (return promptly once it is done) and must be safe
// for concurrent use: a Runner may run the same check from several runs at
// once.
type Check interface {
	Meta() Meta
	Run(ctx context.Context) Result
}

// Meta is the stable identity of a check, known before it runs.
//
// A check's identity in a run is the pair (ID, Target): one rule may run
// against many files, URLs or servers in one run, and waivers, severity
// overrides, filters and every report name both.
type Meta struct {
	// ID is stable, lower-case and dotted, one rule per ID:
	// "docker.compose.image-pinned". Required.
	ID string
	// Target is the thing checked, set by the constructor from its source
	// and known before the run: a file path relative to the directory the
	// caller named ("deploy/compose.yaml"), a URL ("https://api.example.com"),
	// an endpoint ("api.example.com:443") or a server with no credentials
	// ("postgres://db:5432/app"). Empty for a check of the whole
	// deployment. A part of a target (a service in a compose file, a table)
	// is not a target: it is a finding's Location.Resource.
	Target string
	// Title says in a line what the check verifies.
	Title string
	// Section is the checklist path, parts separated by " / ":
	// "Deployment / Docker & Infrastructure".
	Section string
	// Item is the checklist line the check serves. Several checks may
	// serve one line.
	Item string
	// Severity is how much a failure matters. Required; a Runner may
	// override it per run.
	Severity Severity
	// Tags classify the check: "security", "postgres", ...
	Tags []string
	// Timeout bounds one run; 0 means the Runner's default.
	Timeout time.Duration
	// Remediation says what to do about a failure, in a sentence or two.
	Remediation string
	// Refs are references: CIS, OWASP ASVS, NIST, RFCs, peer rule IDs.
	Refs []string
}

// Name returns how reports and test names show the check: the ID, and the
// target in brackets when there is one: "docker.compose.image-pinned [deploy/compose.yaml]".
func (m Meta) Name() string {
	if m.Target == "" {
		return m.ID
	}
	return m.ID + " [" + m.Target + "]"
}

// Validate reports what is wrong with m: an empty or malformed ID, an
// unset or unknown severity, a negative timeout.
func (m Meta) Validate() error { return m.validate() }

// validID reports whether id is lower-case and dotted: runs of [a-z0-9]
// separated by single '.', '-' or '_'.
func validID(id string) bool {
	if id == "" {
		return false
	}
	sep := true // at the start, a separator is not allowed
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sep = false
		case c == '.' || c == '-' || c == '_':
			if sep {
				return false
			}
			sep = true
		default:
			return false
		}
	}
	return !sep
}

func (m Meta) validate() error {
	if validID(m.ID) && m.Severity.Valid() && m.Timeout >= 0 && !strings.ContainsAny(m.Target, "\n\r") {
		return nil
	}
	var errs []error
	switch {
	case m.ID == "":
		errs = append(errs, errors.New("empty ID"))
	case !validID(m.ID):
		errs = append(errs, fmt.Errorf("ID %q is not lower-case and dotted (like %q)", truncate(m.ID, 60), "docker.compose.image-pinned"))
	}
	if !m.Severity.Valid() {
		errs = append(errs, fmt.Errorf("severity %s is not set to one of info, low, medium, high, critical", m.Severity))
	}
	if m.Timeout < 0 {
		errs = append(errs, fmt.Errorf("negative timeout %v", m.Timeout))
	}
	if strings.ContainsAny(m.Target, "\n\r") {
		errs = append(errs, errors.New("target spans lines"))
	}
	if len(errs) == 0 {
		return nil
	}
	name := m.ID
	if name == "" {
		name = m.Title
	}
	return fmt.Errorf("check: invalid meta %q: %w", truncate(name, 60), errors.Join(errs...))
}

// HasTag reports whether m carries tag.
func (m Meta) HasTag(tag string) bool {
	for _, t := range m.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// New returns a Check with meta m whose Run calls run. Run returns an
// Error without calling run when ctx is already done.
//
//	c := check.New(check.Meta{ID: "team.motd", Severity: check.SeverityLow},
//		func(ctx context.Context) check.Result { return check.Pass("motd set") })
func New(m Meta, run func(ctx context.Context) Result) Check {
	return &funcCheck{meta: m, run: run}
}

type funcCheck struct {
	meta Meta
	run  func(ctx context.Context) Result
}

func (f *funcCheck) Meta() Meta { return f.meta }

func (f *funcCheck) Run(ctx context.Context) Result {
	if f.run == nil {
		return Errorf("check: %s has no run function", f.meta.ID)
	}
	if ctx.Err() != nil {
		// A check cannot decide once its context is done.
		return Error(context.Cause(ctx))
	}
	return f.run(ctx)
}

// ErrSkip and ErrWarn, matched with [errors.Is], make an error-returning
// check (see [FromError]) skip or warn instead of fail.
var (
	ErrSkip = errors.New("check: skipped")
	ErrWarn = errors.New("check: warning")
)

// FromError adapts an ordinary health-check function into a Check:
//   - nil passes;
//   - an error matching [ErrSkip] skips, one matching [ErrWarn] warns;
//   - a context error (cancelled, deadline exceeded) is an Error;
//   - any other error fails.
//
// The message is the error's text.
func FromError(m Meta, fn func(ctx context.Context) error) Check {
	return New(m, func(ctx context.Context) Result {
		if fn == nil {
			return Errorf("check: %s has no function", m.ID)
		}
		return resultOf(fn(ctx))
	})
}

// resultOf maps err to a Result by the rules of [FromError].
func resultOf(err error) Result {
	switch {
	case err == nil:
		return Pass("ok")
	case errors.Is(err, ErrSkip):
		return Result{Status: StatusSkip, Message: err.Error(), Err: err}
	case errors.Is(err, ErrWarn):
		return Result{Status: StatusWarn, Message: err.Error(), Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Error(err)
	default:
		return Result{Status: StatusFail, Message: err.Error(), Err: err}
	}
}
