package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// JUnit writes r as JUnit XML: a <testsuites> root with the totals, one
// <testsuite> per section in first-seen order ("Other" for outcomes without
// one) carrying the run's policy as a property, and one <testcase> per
// check, named by [check.Meta.Name] ("id [target]"), with the section as
// classname, its duration in seconds, and the file and line of its first
// located finding.
//
// A <failure> or <error> means exactly that the outcome fails the run
// under the recorded policy ([check.Policy.Fails]): a Fail below the
// threshold or a Warn that is not strict is a passing testcase whose
// properties and <system-out> say so. See the package documentation for
// the whole mapping. Of opts, only MaxFindings applies.
func JUnit(w io.Writer, r *check.Report, opts Options) error {
	if r == nil {
		return nilReport("junit")
	}
	root := junitSuites{Name: "prodcheck", Time: seconds(r.Duration)}
	stamp := ""
	if !r.Start.IsZero() {
		stamp = r.Start.UTC().Format(time.RFC3339)
	}
	root.Timestamp = stamp
	policy := &junitProperties{Props: []junitProperty{{"prodcheck.policy", r.Policy.String()}}}
	for _, g := range bySection(r.Outcomes) {
		s := junitSuite{Name: xmlText(g.key), Timestamp: stamp, Properties: policy}
		var total time.Duration
		for _, o := range g.outcomes {
			tc := junitCaseOf(r.Policy, o, s.Name, opts)
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
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	Time       string           `xml:"time,attr"`
	File       string           `xml:"file,attr,omitempty"`
	Line       int              `xml:"line,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Failure    *junitProblem    `xml:"failure,omitempty"`
	Error      *junitProblem    `xml:"error,omitempty"`
	Skipped    *junitSkipped    `xml:"skipped,omitempty"`
	SystemOut  *junitText       `xml:"system-out,omitempty"`
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

// junitCaseOf maps o to a testcase. Whether it is a <failure> or an
// <error> is decided by the policy alone.
func junitCaseOf(p check.Policy, o check.Outcome, section string, opts Options) junitCase {
	tc := junitCase{Name: xmlText(oneLine(o.Meta.Name())), Classname: section, Time: seconds(o.Duration)}
	if loc, ok := firstLocated(o.Result.Findings); ok {
		tc.File, tc.Line = xmlText(oneLine(loc.File)), max(loc.Line, 0)
	}
	failing := p.Fails(o)
	props := []junitProperty{
		{"prodcheck.id", o.Meta.ID},
		{"prodcheck.status", statusName(o)},
		{"prodcheck.severity", o.Meta.Severity.String()},
		{"prodcheck.failing", strconv.FormatBool(failing)},
	}
	if o.Meta.Target != "" {
		props = append(props, junitProperty{"prodcheck.target", o.Meta.Target})
	}
	if o.Waiver != nil {
		props = append(props, junitProperty{"prodcheck.waiver", o.Waiver.State.String()})
	}
	if o.Abandoned {
		props = append(props, junitProperty{"prodcheck.abandoned", "true"})
	}
	for i := range props {
		props[i].Value = xmlText(oneLine(props[i].Value))
	}
	tc.Properties = &junitProperties{Props: props}

	msg := xmlText(oneLine(o.Result.Message))
	body := func() string { return xmlText(junitBody(p, o, opts)) }
	switch {
	case failing && isError(o):
		typ := "error"
		if o.Abandoned {
			typ = "abandoned"
		}
		tc.Error = &junitProblem{Message: msg, Type: typ, Body: body()}
	case failing:
		tc.Failure = &junitProblem{Message: msg, Type: o.Meta.Severity.String(), Body: body()}
	case isWaived(o):
		tc.Skipped = &junitSkipped{Message: xmlText(oneLine(waiverNote(o)))}
		tc.SystemOut = &junitText{body()}
	case o.Result.Status == check.StatusSkip:
		tc.Skipped = &junitSkipped{Message: msg}
	default: // Pass, and a Fail or Warn that does not fail the run
		tc.SystemOut = &junitText{body()}
	}
	return tc
}

var junitFindingStyle = findingStyle{
	text:   func(s string) string { return s },
	code:   func(s string) string { return s },
	waived: "(waived)",
}

// junitBody is the text under a testcase: status, name, severity and
// message, whether it fails the run, then findings, error, stack, waiver
// and remediation, one per line.
func junitBody(p check.Policy, o check.Outcome, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%s): %s\n", statusName(o), o.Meta.Name(), o.Meta.Severity, o.Result.Message)
	if s := o.Result.Status; !p.Fails(o) && !isWaived(o) && (s == check.StatusFail || s == check.StatusWarn) {
		b.WriteString("does not fail the run (policy: " + p.String() + ")\n")
	}
	fl := listFindings(o.Result.Findings, opts.maxFindings())
	for _, g := range fl.groups {
		b.WriteString("- " + fl.line(g, junitFindingStyle) + "\n")
	}
	if fl.more > 0 {
		b.WriteString("- " + moreText(fl.more) + "\n")
	}
	if e := errText(o.Result); e != "" {
		b.WriteString("error: " + e + "\n")
	}
	if st := panicStack(o.Result); st != "" {
		b.WriteString("stack:\n" + st + "\n")
	}
	if o.Abandoned {
		b.WriteString("abandoned: the check ignored its deadline and was left running\n")
	}
	if note := waiverNote(o); note != "" {
		b.WriteString(note + "\n")
	}
	if showRemediation(o) {
		b.WriteString("fix: " + o.Meta.Remediation + "\n")
	}
	return b.String()
}

// seconds renders d in seconds with millisecond precision: "1.234".
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// xmlText neutralises s (see neutralize), which also leaves only
// characters that XML 1.0 can carry, for text written as CDATA (which
// encoding/xml does not escape) or as attributes.
func xmlText(s string) string { return neutralize(s) }
