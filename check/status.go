package check

import (
	"fmt"
	"strings"
)

// Status is the answer a check gives. The zero value, [StatusUnknown], is
// never a valid answer: the [Runner] turns it into [StatusError].
//
// Statuses are ordered from best to worst, so the worst of several is their
// maximum: max(a, b) is the worse of two.
type Status int

// The statuses, from best to worst.
const (
	StatusUnknown Status = iota // not set: a forgotten Result{}
	StatusPass                  // the property holds
	StatusSkip                  // the check does not apply here
	StatusWarn                  // a problem that does not fail a run unless strict
	StatusFail                  // the property does not hold
	StatusError                 // the check could not decide
)

var statusNames = [...]string{"unknown", "pass", "skip", "warn", "fail", "error"}

// String returns the lower-case name of s: "pass", "fail", ...
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
}

// Valid reports whether s is one of the named statuses other than
// [StatusUnknown].
func (s Status) Valid() bool { return s > StatusUnknown && s <= StatusError }

// MarshalText encodes s as its name. It fails for a value outside the enum.
func (s Status) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(statusNames) {
		return nil, fmt.Errorf("check: invalid status %d", int(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText parses a status name, as [ParseStatus] does.
func (s *Status) UnmarshalText(text []byte) error {
	v, err := ParseStatus(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseStatus parses a status name, ignoring case and surrounding space.
// "unknown" parses to [StatusUnknown]; anything else unknown is an error.
func ParseStatus(text string) (Status, error) {
	t := strings.ToLower(strings.TrimSpace(text))
	for i, n := range statusNames {
		if t == n {
			return Status(i), nil
		}
	}
	return StatusUnknown, fmt.Errorf("check: unknown status %q (want one of %s)", truncate(text, 40), strings.Join(statusNames[1:], ", "))
}

// Severity says how much a failure of a check matters. The zero value,
// [SeverityUnset], is invalid in a [Meta].
type Severity int

// The severities, from least to most severe.
const (
	SeverityUnset Severity = iota
	SeverityInfo
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unset", "info", "low", "medium", "high", "critical"}

// String returns the lower-case name of s: "high", "critical", ...
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// Valid reports whether s is a named severity other than [SeverityUnset].
func (s Severity) Valid() bool { return s > SeverityUnset && s <= SeverityCritical }

// MarshalText encodes s as its name. It fails for a value outside the enum.
func (s Severity) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(severityNames) {
		return nil, fmt.Errorf("check: invalid severity %d", int(s))
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText parses a severity name, as [ParseSeverity] does.
func (s *Severity) UnmarshalText(text []byte) error {
	v, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses a severity name, ignoring case and surrounding
// space. "unset" and the empty string parse to [SeverityUnset].
func ParseSeverity(text string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "" {
		return SeverityUnset, nil
	}
	for i, n := range severityNames {
		if t == n {
			return Severity(i), nil
		}
	}
	return SeverityUnset, fmt.Errorf("check: unknown severity %q (want one of %s)", truncate(text, 40), strings.Join(severityNames[1:], ", "))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
