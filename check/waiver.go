package check

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// DefaultWaiverLifetime is the longest a waiver may run, counted from the
// run, unless Runner.MaxWaiverLifetime says otherwise.
const DefaultWaiverLifetime = 365 * 24 * time.Hour

// A Waiver accepts a known failure for a while: a legacy service that will
// be migrated, a finding the team has decided to live with. It names the
// rule by ID glob, optionally narrows it to targets and to findings whose
// location matches a pattern, and always says why, who approved it and
// when it expires.
//
// A waiver applies to Fail and Warn outcomes only: it never hides Error.
// An expired waiver no longer waives and is reported as expired; a waiver
// that matches no failing, warning or erroring outcome is reported as
// unmatched. When several waivers match an outcome the decision does not
// depend on their order (see [AppliedWaiver]).
//
// Patterns. ID is a [path.Match] glob over check IDs ("docker.compose.no-*").
// Target and Location are path globs in which "*" matches within one path
// segment and "**" across segments, so they read as people expect for
// paths:
//
//	Target:   "deploy/**/compose.yml"        any compose.yml below deploy/
//	Target:   "https://legacy.example.com"   one URL
//	Location: "deploy/**/compose.yml:*"      any line of those files
//	Location: "compose.yml:12"               one line
//	Location: `service "legacy"`             one compose service (a Resource)
//
// A Location pattern is tried against each finding's file, file:line,
// file:line:col, URL, resource and the whole rendered location; one match
// waives that finding.
type Waiver struct {
	// ID is a glob over check IDs (path.Match syntax). Required.
	ID string
	// Target, when set, is a path glob over Meta.Target.
	Target string
	// Location, when set, is a path glob over each finding's location.
	// Only matching findings are waived; the outcome is waived when no
	// unwaived finding remains.
	Location string
	// Reason is why the failure is accepted. Required.
	Reason string
	// Approver is who accepted it. Required.
	Approver string
	// Expires is when the waiver stops applying. Required, and at most
	// the Runner's MaxWaiverLifetime after the run.
	Expires time.Time
}

// Validate reports what is wrong with w on its own: a missing ID, reason,
// approver or expiry, or a malformed pattern. The Runner also rejects an
// expiry beyond its MaxWaiverLifetime.
func (w Waiver) Validate() error {
	var errs []error
	if w.ID == "" {
		errs = append(errs, errors.New("empty ID pattern"))
	} else if _, err := path.Match(w.ID, ""); err != nil {
		errs = append(errs, fmt.Errorf("ID pattern %q: %w", truncate(w.ID, 60), err))
	}
	for _, p := range []struct{ name, pat string }{{"target", w.Target}, {"location", w.Location}} {
		if p.pat != "" && !doublestar.ValidatePattern(p.pat) {
			errs = append(errs, fmt.Errorf("%s pattern %q is malformed", p.name, truncate(p.pat, 60)))
		}
	}
	if strings.TrimSpace(w.Reason) == "" {
		errs = append(errs, errors.New("no reason"))
	}
	if strings.TrimSpace(w.Approver) == "" {
		errs = append(errs, errors.New("no approver"))
	}
	if w.Expires.IsZero() {
		errs = append(errs, errors.New("no expiry"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("check: invalid waiver %s: %w", w.name(), errors.Join(errs...))
}

func (w Waiver) name() string {
	s := strconv.Quote(truncate(w.ID, 60))
	if w.Target != "" {
		s += " [" + truncate(w.Target, 60) + "]"
	}
	return s
}

// Expired reports whether w has expired at now.
func (w Waiver) Expired(now time.Time) bool { return !now.Before(w.Expires) }

func (w Waiver) matchesCheck(m Meta) bool {
	if ok, _ := path.Match(w.ID, m.ID); !ok {
		return false
	}
	return w.Target == "" || globMatch(w.Target, m.Target)
}

func (w Waiver) matchesLocation(l Location) bool {
	if l.File != "" {
		if globMatch(w.Location, l.File) {
			return true
		}
		if l.Line > 0 {
			fl := l.File + ":" + strconv.Itoa(l.Line)
			if globMatch(w.Location, fl) || (l.Col > 0 && globMatch(w.Location, fl+":"+strconv.Itoa(l.Col))) {
				return true
			}
		}
	}
	return (l.URL != "" && globMatch(w.Location, l.URL)) ||
		(l.Resource != "" && globMatch(w.Location, l.Resource)) ||
		globMatch(w.Location, l.String())
}

func globMatch(pattern, name string) bool {
	ok, _ := doublestar.Match(pattern, name)
	return ok
}

// String renders w for reports:
// `docker.compose.image-* [deploy/**] at compose.yml:* (legacy api, until 2027-01-31, approved by ana)`.
func (w Waiver) String() string {
	var b strings.Builder
	b.WriteString(w.ID)
	if w.Target != "" {
		b.WriteString(" [" + w.Target + "]")
	}
	if w.Location != "" {
		b.WriteString(" at " + w.Location)
	}
	b.WriteString(" (" + w.Reason)
	if !w.Expires.IsZero() {
		b.WriteString(", until " + w.Expires.Format(time.DateOnly))
	}
	if w.Approver != "" {
		b.WriteString(", approved by " + w.Approver)
	}
	b.WriteString(")")
	return b.String()
}

// WaiverState says how a waiver decision came out for one outcome.
type WaiverState int

// The waiver states.
const (
	// WaiverApplied: the whole outcome is accepted; it does not fail a run.
	WaiverApplied WaiverState = iota + 1
	// WaiverPartial: some findings are waived, others remain; the outcome
	// still counts.
	WaiverPartial
	// WaiverExpired: only expired waivers matched; the outcome counts.
	WaiverExpired
	// WaiverNotApplicable: a waiver matched an outcome it may not hide
	// (an Error); the outcome counts.
	WaiverNotApplicable
)

var waiverStateNames = [...]string{"", "applied", "partial", "expired", "not-applicable"}

// String returns the state's name: "applied", "partial", "expired",
// "not-applicable".
func (s WaiverState) String() string {
	if s <= 0 || int(s) >= len(waiverStateNames) {
		return "waiverstate(" + strconv.Itoa(int(s)) + ")"
	}
	return waiverStateNames[s]
}

// ParseWaiverState parses a state name as returned by String.
func ParseWaiverState(text string) (WaiverState, error) {
	for i, n := range waiverStateNames[1:] {
		if text == n {
			return WaiverState(i + 1), nil
		}
	}
	return 0, fmt.Errorf("check: unknown waiver state %q", truncate(text, 40))
}

// AppliedWaiver is the Runner's waiver decision for one outcome, made once
// as the outcome settles; renderers and checktest read it and never match
// waivers again.
//
// When several waivers match, the decision is independent of their order:
// a finding is waived when any unexpired waiver covers it, the outcome is
// waived when every finding is (or an unexpired waiver has no Location),
// and the waiver recorded is the unexpired one that decided with the
// latest expiry (ties broken by its text), else the latest expired one.
type AppliedWaiver struct {
	Waiver Waiver
	State  WaiverState
	// Findings is how many findings are marked Waived.
	Findings int
}

// decideWaiver makes the waiver decision for o at now, marks its waived
// findings and notes which waivers matched and which had expired.
func decideWaiver(ws []Waiver, o *Outcome, now time.Time, matched, expired []atomic.Bool) {
	var whole, locBest, expBest = -1, -1, -1
	var hits []bool // per finding: waived by an unexpired location waiver
	better := func(cur, cand int) bool {
		if cur < 0 {
			return true
		}
		a, b := ws[cur], ws[cand]
		if !a.Expires.Equal(b.Expires) {
			return b.Expires.After(a.Expires)
		}
		return b.String() < a.String()
	}
	for wi := range ws {
		w := &ws[wi]
		if !w.matchesCheck(o.Meta) {
			continue
		}
		var mine []int
		if w.Location != "" {
			for fi, f := range o.Result.Findings {
				if w.matchesLocation(f.Location) {
					mine = append(mine, fi)
				}
			}
			if len(mine) == 0 {
				continue
			}
		}
		switch o.Result.Status {
		case StatusFail, StatusWarn, StatusError:
		default:
			continue // nothing to waive: the waiver may be unmatched
		}
		matched[wi].Store(true)
		if w.Expired(now) {
			expired[wi].Store(true)
			if better(expBest, wi) {
				expBest = wi
			}
			continue
		}
		if w.Location == "" {
			if better(whole, wi) {
				whole = wi
			}
			continue
		}
		if hits == nil {
			hits = make([]bool, len(o.Result.Findings))
		}
		for _, fi := range mine {
			hits[fi] = true
		}
		if better(locBest, wi) {
			locBest = wi
		}
	}
	if whole < 0 && locBest < 0 && expBest < 0 {
		return
	}
	if o.Result.Status == StatusError {
		best := whole
		for _, c := range []int{locBest, expBest} {
			if best < 0 {
				best = c
			}
		}
		o.Waiver = &AppliedWaiver{Waiver: ws[best], State: WaiverNotApplicable}
		return
	}
	if whole >= 0 {
		o.Waiver = &AppliedWaiver{Waiver: ws[whole], State: WaiverApplied}
		return
	}
	if locBest < 0 {
		o.Waiver = &AppliedWaiver{Waiver: ws[expBest], State: WaiverExpired}
		return
	}
	n := 0
	for fi := range o.Result.Findings {
		if hits[fi] {
			o.Result.Findings[fi].Waived = true
			n++
		}
	}
	state := WaiverPartial
	if n == len(o.Result.Findings) {
		state = WaiverApplied
	}
	o.Waiver = &AppliedWaiver{Waiver: ws[locBest], State: state, Findings: n}
}
