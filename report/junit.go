package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prodcheck/prodcheck/check"
)

// JUnit writes r as JUnit XML: a <testsuites> root with the totals, one
// <testsuite> per section in first-seen order ("Other" for outcomes without
// one), and one <testcase> per check, named by its ID, with the section as
// classname and its duration in seconds. See the package documentation for
// how statuses map to JUnit.
func JUnit(w io.Writer, r *check.Report) error {
	if r == nil {
		return nilReport("junit")
	}
	root := junitSuites{Name: "prodcheck", Time: seconds(r.Duration)}
	stamp := ""
	if !r.Start.IsZero() {
		stamp = r.Start.UTC().Format(time.RFC3339)
	}
	root.Timestamp = stamp
	for _, g := range bySection(r) {
		s := junitSuite{Name: g.key, Timestamp: stamp}
		var total time.Duration
		for _, o := range g.outcomes {
			tc := junitCaseOf(r, o, g.key)
			switch {
			case tc.Failure != nil:
				s.Failures++
			case tc.Error != nil:
				s.Errors++
			case tc.Skipped != nil:
				s.Skipped++
			}
			total += o.Duration
			s.Cases = append(s.Cases, tc)
		}
		s.Tests = len(s.Cases)
		s.Time = seconds(total)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		root.Suites = append(root.Suites, s)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("report: junit: %w", err)
	}
	buf.WriteByte('\n')
	return write(w, "junit", buf.Bytes())
}

type junitSuites struct {
	XMLName   xml.Name     `xml:"testsuites"`
	Name      string       `xml:"name,attr"`
	Tests     int          `xml:"tests,attr"`
	Failures  int          `xml:"failures,attr"`
	Errors    int          `xml:"errors,attr"`
	Skipped   int          `xml:"skipped,attr"`
	Time      string       `xml:"time,attr"`
	Timestamp string       `xml:"timestamp,attr,omitempty"`
	Suites    []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

func junitCaseOf(r *check.Report, o check.Outcome, section string) junitCase {
	tc := junitCase{Name: o.Meta.ID, Classname: section, Time: seconds(o.Duration)}
	msg := o.Result.Message
	switch {
	case isError(o):
		typ := "error"
		if o.Abandoned {
			typ = "abandoned"
		}
		tc.Error = &junitProblem{Message: msg, Type: typ, Body: xmlText(junitBody(r, o))}
	case isWaived(o):
		tc.Skipped = &junitSkipped{Message: waiverNote(r, o)}
		tc.SystemOut = &junitText{xmlText(junitBody(r, o))}
	case o.Result.Status == check.StatusFail:
		tc.Failure = &junitProblem{Message: msg, Type: o.Meta.Severity.String(), Body: xmlText(junitBody(r, o))}
	case o.Result.Status == check.StatusSkip:
		tc.Skipped = &junitSkipped{Message: msg}
	default: // Pass, Warn
		tc.SystemOut = &junitText{xmlText(junitBody(r, o))}
	}
	return tc
}

// junitBody is the text under a testcase: status, ID, severity and
// message, then findings, error, waiver and remediation, one per line.
func junitBody(r *check.Report, o check.Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%s): %s\n", statusName(o), o.Meta.ID, o.Meta.Severity, o.Result.Message)
	for _, f := range o.Result.Findings {
		b.WriteString("- " + f.String())
		if f.Waived {
			b.WriteString(" (waived)")
		}
		b.WriteByte('\n')
	}
	if e := errText(o.Result); e != "" {
		b.WriteString("error: " + e + "\n")
	}
	if o.Abandoned {
		b.WriteString("abandoned: the check ignored its deadline and was left running\n")
	}
	if note := waiverNote(r, o); note != "" {
		b.WriteString(note + "\n")
	}
	if showRemediation(o) {
		b.WriteString("fix: " + o.Meta.Remediation + "\n")
	}
	return b.String()
}

// seconds renders d in seconds with millisecond precision: "1.234".
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// xmlText replaces what XML 1.0 cannot carry (most control characters,
// invalid UTF-8) with U+FFFD, for text written as CDATA, which
// encoding/xml does not escape.
func xmlText(s string) string {
	ok := utf8.ValidString(s)
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || !xmlChar(r) {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
