package check

import (
	"fmt"
	"strconv"
	"strings"
)

// Result is what one run of a check found.
type Result struct {
	// Status is the answer. StatusUnknown is never valid.
	Status Status
	// Message is one line with what was measured:
	// "TLS 1.2-1.3; certificate valid 87 days".
	Message string
	// Findings lists every problem, each located. A passing result has none.
	Findings []Finding
	// Err is why the check could not decide (StatusError), or the
	// underlying cause of another status.
	Err error
}

// A Finding is one located problem.
type Finding struct {
	Message  string
	Location Location
	// Expected says what a production setting looks like.
	Expected string
	// Actual says what was found, redacted where secret.
	Actual string
	// Waived is set by the Runner when a waiver with a location pattern
	// covers this finding; a check never sets it.
	Waived bool
}

// Location says where a finding is: as many of the fields as apply.
//
// File is relative to the root of the check's source (the directory the
// caller gave it), with forward slashes; it is read together with the
// check's Meta.Target, which names the source, so two projects in one run
// never give identical (Target, Location) pairs.
type Location struct {
	File     string
	Line     int
	Col      int
	URL      string
	Resource string // "service db", "table users", "setting ssl"
}

// IsZero reports whether l names no place at all.
func (l Location) IsZero() bool { return l == Location{} }

// String renders l as "file:line:col resource" or "url resource", leaving
// out what is not set.
func (l Location) String() string {
	var b strings.Builder
	if l.File != "" {
		b.WriteString(l.File)
		if l.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(l.Line))
			if l.Col > 0 {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(l.Col))
			}
		}
	}
	if l.URL != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.URL)
	}
	if l.Resource != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.Resource)
	}
	return b.String()
}

// String renders f on one line: "location: message (expected X, found Y)".
func (f Finding) String() string {
	var b strings.Builder
	if loc := f.Location.String(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	switch {
	case f.Expected != "" && f.Actual != "":
		fmt.Fprintf(&b, " (expected %s, found %s)", f.Expected, f.Actual)
	case f.Expected != "":
		fmt.Fprintf(&b, " (expected %s)", f.Expected)
	case f.Actual != "":
		fmt.Fprintf(&b, " (found %s)", f.Actual)
	}
	return b.String()
}

// Pass returns a passing Result with a message of what was measured.
func Pass(message string) Result { return Result{Status: StatusPass, Message: message} }

// Fail returns a failing Result with a message and every finding.
func Fail(message string, findings ...Finding) Result {
	return Result{Status: StatusFail, Message: message, Findings: findings}
}

// Warn returns a warning Result with a message and every finding.
func Warn(message string, findings ...Finding) Result {
	return Result{Status: StatusWarn, Message: message, Findings: findings}
}

// Skip returns a Result saying that the check does not apply, and why.
func Skip(reason string) Result { return Result{Status: StatusSkip, Message: reason} }

// Error returns a Result saying the check could not decide, because of err.
// A nil err still gives an Error result.
func Error(err error) Result {
	if err == nil {
		return Result{Status: StatusError, Message: "error with no cause"}
	}
	return Result{Status: StatusError, Message: err.Error(), Err: err}
}

// Errorf returns Error(fmt.Errorf(format, args...)): the %w verb keeps the
// cause in Result.Err, where errors.Is and errors.As find it.
func Errorf(format string, args ...any) Result { return Error(fmt.Errorf(format, args...)) }

// Judge returns Pass(pass) when there are no findings, and otherwise
// Fail(fail, findings...).
func Judge(findings []Finding, pass, fail string) Result {
	if len(findings) == 0 {
		return Pass(pass)
	}
	return Fail(fail, findings...)
}
