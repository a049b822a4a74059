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
	Message  string   `json:"message"`
	Location Location `json:"location,omitzero"`
	// Expected says what a production setting looks like.
	Expected string `json:"expected,omitempty"`
	// Actual says what was found, redacted where secret.
	Actual string `json:"actual,omitempty"`
	// Waived is set by the Runner when a waiver with a location pattern
	// covers this finding.
	Waived bool `json:"waived,omitempty"`
}

// Location says where a finding is: as many of the fields as apply.
type Location struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	URL      string `json:"url,omitempty"`
	Resource string `json:"resource,omitempty"` // "service db", "table users", "setting ssl"
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

// Passf is Pass with a formatted message.
func Passf(format string, args ...any) Result { return Pass(fmt.Sprintf(format, args...)) }

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

// Errorf returns Error(fmt.Errorf(format, args...)), so %w wraps a cause.
func Errorf(format string, args ...any) Result { return Error(fmt.Errorf(format, args...)) }

// Judge returns Pass(pass) when there are no findings, and otherwise
// Fail(fail, findings...) with fail formatted with the number of findings
// if it contains a verb: Judge(fs, "all 6 images pinned", "%d unpinned images").
func Judge(findings []Finding, pass, fail string) Result {
	if len(findings) == 0 {
		return Pass(pass)
	}
	if strings.Contains(fail, "%d") {
		fail = fmt.Sprintf(fail, len(findings))
	}
	return Fail(fail, findings...)
}

// WithStatus returns r with its status replaced (for example a Fail
// downgraded to Warn), keeping message and findings.
func (r Result) WithStatus(s Status) Result {
	r.Status = s
	return r
}
