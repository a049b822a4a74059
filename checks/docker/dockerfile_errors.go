package docker

import (
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// BuildKit's parse errors quote the input: "unknown instruction:
// DB_PASSWORD=hunter2" for a line whose continuation "\" is missing,
// "Syntax error - can't find = in \"...\"", "invalid value for ...". A
// report may be posted where the author of the file must not read its
// secrets, so no parser message is shown as is: each is matched against
// the messages BuildKit can give, and the parts taken from the input are
// replaced by a fingerprint, or kept when they are an instruction keyword
// or a flag or key name. A message that matches none becomes "invalid
// <INSTRUCTION> instruction" with the line's fingerprint.

// dfSafeError is a parser error rewritten so that it quotes no input. It
// does not unwrap to the parser's error, whose text does.
type dfSafeError struct{ text string }

func (e *dfSafeError) Error() string { return e.text }

// dfParseError turns a BuildKit parse error into a *DockerfileError that
// names file, line and instruction and quotes no input. ast is nil when
// the parser itself failed.
func dfParseError(fp *secret.Fingerprinter, file string, data []byte, ast *parser.Node, err error) *DockerfileError {
	line := dfErrorLine(err)
	return &DockerfileError{File: file, Line: line, Err: &dfSafeError{text: dfSafeText(fp, data, ast, line, err)}}
}

// dfTemplate is a BuildKit error message with its input-derived parts as
// groups; kinds has one letter per group: k an instruction keyword, n a
// flag or key name, v a value, d a number.
type dfTemplate struct {
	re    *regexp.Regexp
	kinds string
}

var dfTemplates = func() []dfTemplate {
	t := func(re, kinds string) dfTemplate { return dfTemplate{regexp.MustCompile(`^(?s)` + re + `$`), kinds} }
	return []dfTemplate{
		t(`(file with no instructions|unterminated heredoc|no build stage in current context|FROM requires either one or three arguments|Chaining ONBUILD via `+"`ONBUILD ONBUILD`"+` isn't allowed|HEALTHCHECK NONE takes no arguments|Missing command after HEALTHCHECK CMD|VOLUME specified can not be an empty string|when using JSON array syntax, arrays must be comprised of strings only|not a JSON array|secret mount should not have a from|secret mount should not define sharing|invalid secret mount\. one of source, target required|both source and id can't be set|no mount state|no network state|no security state|no device state|The daemon on this platform does not support the command stopsignal)`, "d"),
		t(`(\w+) must have two arguments`, "k"),
		t(`Syntax error - can't find = in "(.*)"\. Must be of the form: name=value`, "v"),
		t(`unknown flag: (.*)`, "n"),
		t(`duplicate flag specified: (.*)`, "n"),
		t(`Duplicate flag defined: (.*)`, "n"),
		t(`missing a value on flag: (.*)`, "n"),
		t(`expecting boolean value for flag (\S+), not: (.*)`, "nv"),
		t(`arg should start with -- : (.*)`, "v"),
		t(`(\w+) requires the arguments to be in JSON form`, "k"),
		t(`(\w+) requires at least one argument`, "k"),
		t(`(\w+) requires exactly one argument`, "k"),
		t(`(\w+) requires at least two arguments, but only one was provided\. Destination could not be determined`, "k"),
		t(`(\w+) cannot accept a heredoc as (\S+)`, "kn"),
		t(`(\w+) names can not be blank`, "k"),
		t(`Bad input to (\w+), too many arguments`, "k"),
		t(`(\w+) isn't allowed as an ONBUILD trigger`, "k"),
		t(`invalid name for build stage: "(.*)", name can't start with a number or contain symbols`, "v"),
		t(`Interval "(.*)" cannot be less than (\S+)`, "nd"),
		t(`Unknown type "(.*)" in HEALTHCHECK \(try CMD\)`, "v"),
		t(`--retries cannot be negative \((-?\d+)\)`, "d"),
		t(`invalid field '(.*)' must be a key=value pair`, "v"),
		t(`unexpected key '(.*)' in '(.*)'`, "nv"),
		t(`unexpected key '(.*)' for mount type '(.*)'`, "nn"),
		t(`'(.*)' doesn't support variable expansion, define alias stage instead`, "n"),
		t(`unsupported mount type "(.*)"`, "n"),
		t(`unsupported sharing value "(.*)"`, "v"),
		t(`invalid value for (\S+): (.*)`, "nv"),
		t(`invalid value (.*) for (mode|uid|gid)`, "vn"),
		t(`(mode|uid|gid) not allowed for "(.*)" type mounts`, "nn"),
		t(`invalid cache sharing set for (.*) mount`, "n"),
		t(`invalid network mode "(.*)"`, "v"),
		t(`security "(.*)" is not valid`, "v"),
		t(`device name already set to (.*)`, "v"),
		t(`only one (\w+) parser directive can be used`, "n"),
		t("invalid escape token '(.*)' does not match ` or \\\\", "v"),
		t(`dockerfile line greater than max allowed size of (\d+)`, "d"),
		t(`internal lexing of heredoc produced inconsistent results: (.*)`, "v"),
	}
}()

var (
	dfParseErrorPrefix = regexp.MustCompile(`^dockerfile parse error on line \d+: `)
	dfSuggestion       = regexp.MustCompile(` \(did you mean (\S+)\?\)$`)
	dfNamePattern      = regexp.MustCompile(`^(--?)?[A-Za-z_][A-Za-z0-9_.-]*$`)
)

// dfSafeText is the message of err with no input in it.
func dfSafeText(fp *secret.Fingerprinter, data []byte, ast *parser.Node, line int, err error) string {
	var ue *instructions.UnknownInstructionError
	if errors.As(err, &ue) {
		return dfUnknownInstruction(fp, ue.Instruction, dfSuggestionOf(err))
	}
	msg := err.Error()
	var le *parser.LocationError
	if errors.As(err, &le) && le.Unwrap() != nil {
		msg = le.Unwrap().Error()
	}
	msg = dfParseErrorPrefix.ReplaceAllString(msg, "")
	suggest := ""
	if m := dfSuggestion.FindStringSubmatch(msg); m != nil {
		msg = strings.TrimSuffix(msg, m[0])
		if dfIsName(m[1]) {
			suggest = " (did you mean " + m[1] + "?)"
		}
	}
	for _, t := range dfTemplates {
		idx := t.re.FindStringSubmatchIndex(msg)
		if idx == nil {
			continue
		}
		var b strings.Builder
		last := 0
		for g := 1; g < len(idx)/2; g++ {
			start, end := idx[2*g], idx[2*g+1]
			if start < 0 {
				continue
			}
			b.WriteString(msg[last:start])
			b.WriteString(dfSafePart(fp, msg[start:end], t.kinds[g-1]))
			last = end
		}
		b.WriteString(msg[last:])
		return b.String() + suggest
	}
	kw := dfKeywordAt(data, ast, line)
	if kw == "" {
		return "syntax error" + dfLineFingerprint(fp, data, line)
	}
	return "invalid " + kw + " instruction" + dfLineFingerprint(fp, data, line)
}

// dfSuggestionOf returns the instruction BuildKit suggests for an unknown
// one ("did you mean FROM?"), or "".
func dfSuggestionOf(err error) string {
	if m := dfSuggestion.FindStringSubmatch(err.Error()); m != nil && dfIsKeyword(m[1]) {
		return strings.ToUpper(m[1])
	}
	return ""
}

// dfUnknownInstruction describes a line whose first word is no
// instruction: a typo (with BuildKit's suggestion), or often a line of a
// multi-line instruction whose "\" is missing, which may hold a secret.
func dfUnknownInstruction(fp *secret.Fingerprinter, word, suggestion string) string {
	if key, value, ok := strings.Cut(word, "="); ok && dfIsName(key) {
		return "unknown instruction: the line sets " + key + " [" + fp.Fingerprint(value) + "]; is the \\ continuing the line before it missing?"
	}
	if suggestion != "" {
		// A typo of an instruction: the word itself is not shown.
		return "unknown instruction (did you mean " + suggestion + "?)"
	}
	return "unknown instruction [" + fp.Fingerprint(word) + "]"
}

// dfSafePart renders one input-derived part of a message by its kind.
func dfSafePart(fp *secret.Fingerprinter, s string, kind byte) string {
	switch kind {
	case 'k':
		if dfIsKeyword(s) {
			return strings.ToUpper(s)
		}
	case 'n':
		if dfIsName(s) {
			return s
		}
	case 'd':
		return s
	}
	return "[" + fp.Fingerprint(s) + "]"
}

// dfIsKeyword reports whether s is a Dockerfile instruction.
func dfIsKeyword(s string) bool {
	_, ok := command.Commands[strings.ToLower(s)]
	return ok
}

// dfIsName reports whether s can be shown as a key or flag name: short,
// made of name characters, and not looking like a random token.
func dfIsName(s string) bool {
	return len(s) <= 40 && dfNamePattern.MatchString(s) && !dfLooksRandom(strings.TrimLeft(s, "-"))
}

// dfLooksRandom reports whether a word looks like a generated token rather
// than a name or a path segment: 12 or more characters mixing letters and
// digits with at most one separator.
func dfLooksRandom(s string) bool {
	if len(s) < 12 {
		return false
	}
	letters, digits, seps := 0, 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		default:
			seps++
		}
	}
	return letters > 0 && digits >= 2 && seps <= 1
}

// dfKeywordAt returns the instruction keyword at line (upper-case), from
// the AST when there is one, else from the line's first word when it is
// an instruction; "" when unknown.
func dfKeywordAt(data []byte, ast *parser.Node, line int) string {
	if line <= 0 {
		return ""
	}
	if ast != nil {
		for _, n := range ast.Children {
			if n.StartLine <= line && line <= n.EndLine {
				if dfIsKeyword(n.Value) {
					return strings.ToUpper(n.Value)
				}
				return ""
			}
		}
	}
	text := dfLineText(data, line)
	word, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	if dfIsKeyword(word) {
		return strings.ToUpper(word)
	}
	return ""
}

// dfLineFingerprint is " [fingerprint of the line]", or "" when the line
// is unknown or blank.
func dfLineFingerprint(fp *secret.Fingerprinter, data []byte, line int) string {
	text := strings.TrimSpace(dfLineText(data, line))
	if text == "" {
		return ""
	}
	return " [line " + fp.Fingerprint(text) + "]"
}

// dfLineText returns line n (1-based) of data, or "".
func dfLineText(data []byte, n int) string {
	if n <= 0 {
		return ""
	}
	i := 1
	for l := range bytes.Lines(data) {
		if i == n {
			return string(l)
		}
		i++
	}
	return ""
}
