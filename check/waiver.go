package check

import (
	"errors"
	"fmt"
	"path"
	"time"
)

// A Waiver accepts a known failure for a while: a legacy service that will
// be migrated, a finding the team has decided to live with. It names the
// rule by ID glob, optionally narrows it to findings whose location matches
// a pattern, and always says why, who approved it and when it expires.
//
// A waiver applies to Fail and Warn outcomes only: it never hides Error.
// An expired waiver no longer waives and is reported as expired; a waiver
// that matches no outcome is reported as unmatched.
type Waiver struct {
	// ID is a glob over check IDs (path.Match syntax): "docker.hardening.*".
	ID string `json:"id"`
	// Location, when set, is a glob over Location.String() of each finding
	// and over Location.Resource alone: `*service "legacy"*` or
	// "docker-compose.yml:*". Only matching findings are waived; the
	// outcome is waived when no unwaived finding remains.
	Location string `json:"location,omitempty"`
	// Reason is why the failure is accepted. Required.
	Reason string `json:"reason"`
	// Approver is who accepted it.
	Approver string `json:"approver,omitempty"`
	// Expires is when the waiver stops applying. Required.
	Expires time.Time `json:"expires"`
}

// Validate reports what is wrong with w: a missing ID, reason or expiry, or
// a malformed pattern.
func (w Waiver) Validate() error {
	var errs []error
	if w.ID == "" {
		errs = append(errs, errors.New("empty ID pattern"))
	} else if _, err := path.Match(w.ID, ""); err != nil {
		errs = append(errs, fmt.Errorf("ID pattern %q: %w", w.ID, err))
	}
	if w.Location != "" {
		if _, err := path.Match(w.Location, ""); err != nil {
			errs = append(errs, fmt.Errorf("location pattern %q: %w", w.Location, err))
		}
	}
	if w.Reason == "" {
		errs = append(errs, errors.New("no reason"))
	}
	if w.Expires.IsZero() {
		errs = append(errs, errors.New("no expiry"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("check: invalid waiver for %q: %w", w.ID, errors.Join(errs...))
}

// Expired reports whether w has expired at now.
func (w Waiver) Expired(now time.Time) bool { return !now.Before(w.Expires) }

func (w Waiver) matchesID(id string) bool {
	ok, _ := path.Match(w.ID, id)
	return ok
}

func (w Waiver) matchesLocation(l Location) bool {
	if ok, _ := path.Match(w.Location, l.String()); ok {
		return true
	}
	if l.Resource != "" {
		if ok, _ := path.Match(w.Location, l.Resource); ok {
			return true
		}
	}
	return false
}

// String renders w for reports: `docker.image.* (legacy api until 2027-01-31, approved by ana)`.
func (w Waiver) String() string {
	s := w.ID
	if w.Location != "" {
		s += " at " + w.Location
	}
	s += " (" + w.Reason
	if !w.Expires.IsZero() {
		s += ", until " + w.Expires.Format(time.DateOnly)
	}
	if w.Approver != "" {
		s += ", approved by " + w.Approver
	}
	return s + ")"
}
