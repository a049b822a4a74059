package config

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// DefaultMaxKeyAge is the age past which [KeyRotation] fails a key when
// KeyRotationOptions.MaxAge is 0: 90 days, the default maxAccessKeyAge of
// AWS Config's access-keys-rotated rule.
const DefaultMaxKeyAge = 90 * 24 * time.Hour

// KeyAge is when one API key or secret was last created or rotated.
type KeyAge struct {
	// Name names the key (an inventory entry, a variable, a file); never
	// its value.
	Name string
	// Created is when the key was created or last rotated.
	Created time.Time
	// Location is where the key's date was found.
	Location check.Location
}

// A KeyAgeSource tells the age of a set of keys. [FileModTime],
// [Inventory] and [GitLineAge] are the shipped sources; a caller may plug
// in any other (a cloud API, a secrets manager's metadata). A source that
// also has a method Target() string names the file or repository it
// reads, and [KeyRotation] uses it as the check's target.
//
// An error means the ages could not be read: the check is an Error. A
// source never puts a key's value in an error or a name.
type KeyAgeSource interface {
	KeyAges(ctx context.Context) ([]KeyAge, error)
}

// KeyRotationOptions configures [KeyRotation]. The zero value means
// production defaults.
type KeyRotationOptions struct {
	// MaxAge is the oldest a key may be; 0 means [DefaultMaxKeyAge]. A key
	// older fails; a key within the last 10% of it (past 81 days of 90)
	// warns, so the rotation is planned before it is due.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o KeyRotationOptions) maxAge() time.Duration {
	if o.MaxAge > 0 {
		return o.MaxAge
	}
	return DefaultMaxKeyAge
}

func (o KeyRotationOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// rotFutureSlack is how far in the future a creation date may lie (clock
// skew between machines) before the date is taken as wrong.
const rotFutureSlack = 24 * time.Hour

// KeyRotation returns the check security.keys.rotation (high): every key
// that src lists was created or rotated within opts.MaxAge (90 days by
// default, as AWS Config's access-keys-rotated). A key past the maximum
// fails, naming the key, where its date was found, the date and the age;
// when none is past it, a key within the last 10% of it warns. No key
// listed skips. A key with no date, or a date more than a day in the
// future, is an Error: its age cannot be judged.
//
// Beyond access-keys-rotated, which reads only IAM users' access keys,
// the source is pluggable: a file's modification time ([FileModTime]), a
// JSON or YAML key inventory ([Inventory]), or the git history of the
// line that set the key ([GitLineAge]). No source reads or shows a key's
// value.
func KeyRotation(src KeyAgeSource, opts KeyRotationOptions) check.Check {
	target := ""
	if t, ok := src.(interface{ Target() string }); ok {
		target = t.Target()
	}
	maxAge := opts.maxAge()
	meta := check.Meta{
		ID:       "security.keys.rotation",
		Target:   target,
		Title:    "API keys and secrets are rotated within the maximum age",
		Section:  "Security Hardening / API Security",
		Item:     "API key rotation policy",
		Severity: check.SeverityHigh,
		Tags:     []string{"security", "secrets"},
		Remediation: fmt.Sprintf("Rotate every key older than %s: issue a new one, deploy it, revoke the old one; "+
			"automate the rotation (a secrets manager's rotation schedule) so no key outlives it.", rotDays(maxAge)),
		Refs: []string{
			"AWS Config access-keys-rotated (maxAccessKeyAge 90)",
			"CIS AWS Foundations Benchmark 1.14",
			"OWASP ASVS 5.0 13.3.4",
			"NIST SP 800-57 Part 1 rev 5 §5.3 (cryptoperiods)",
		},
	}
	return check.New(meta, func(ctx context.Context) check.Result {
		if src == nil {
			return check.Error(errors.New("key rotation: no key age source"))
		}
		keys, err := src.KeyAges(ctx)
		if err != nil {
			return check.Error(err)
		}
		return rotJudge(keys, opts.now(), maxAge)
	})
}

func rotJudge(keys []KeyAge, now time.Time, maxAge time.Duration) check.Result {
	if len(keys) == 0 {
		return check.Skip("no keys to judge")
	}
	warnAge := maxAge - maxAge/10
	var expired, due []check.Finding
	var bad []error
	oldest := time.Duration(0)
	for _, k := range keys {
		where := k.Location.String()
		if where == "" {
			where = k.Name
		}
		if k.Created.IsZero() {
			bad = append(bad, fmt.Errorf("%s: key %s has no creation date", where, k.Name))
			continue
		}
		age := now.Sub(k.Created)
		if age < -rotFutureSlack {
			bad = append(bad, fmt.Errorf("%s: key %s was created in the future (%s)", where, k.Name, k.Created.UTC().Format(time.DateOnly)))
			continue
		}
		oldest = max(oldest, age)
		loc := k.Location
		if loc.Resource == "" {
			loc.Resource = "key " + k.Name
		}
		f := check.Finding{
			Location: loc,
			Expected: "rotated within " + rotDays(maxAge),
			Actual:   fmt.Sprintf("created %s, %s ago", k.Created.UTC().Format(time.DateOnly), rotDays(age)),
		}
		switch {
		case age > maxAge:
			f.Message = fmt.Sprintf("key %s is past the maximum age", k.Name)
			expired = append(expired, f)
		case age > warnAge:
			f.Message = fmt.Sprintf("key %s is due for rotation within %s", k.Name, rotDays(maxAge-age))
			due = append(due, f)
		}
	}
	if len(bad) > 0 {
		return check.Error(errors.Join(bad...))
	}
	byAge := func(fs []check.Finding) {
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Location.String() < fs[j].Location.String() })
	}
	byAge(expired)
	byAge(due)
	switch {
	case len(expired) > 0:
		msg := fmt.Sprintf("%d of %d keys older than %s", len(expired), len(keys), rotDays(maxAge))
		if len(due) > 0 {
			msg += fmt.Sprintf("; %d more due within %s", len(due), rotDays(maxAge/10))
		}
		return check.Fail(msg, expired...)
	case len(due) > 0:
		return check.Warn(fmt.Sprintf("%d of %d keys due for rotation within %s of the %s maximum", len(due), len(keys), rotDays(maxAge/10), rotDays(maxAge)), due...)
	}
	return check.Pass(fmt.Sprintf("%d keys, oldest %s, all within %s", len(keys), rotDays(oldest), rotDays(maxAge)))
}

// days renders d in whole days ("90 days", "1 day"), or in hours under a
// day.
func rotDays(d time.Duration) string {
	if d < 24*time.Hour {
		h := int(d.Hours())
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// rotJoin names several files in one target.
func rotJoin(names []string) string { return strings.Join(names, ",") }
