// Package dotenverr reads the errors of compose-go's dotenv parser without
// their text: dotenv quotes the offending line, which may hold a secret, so
// callers report only the line number and a fixed reason.
package dotenverr

import (
	"regexp"
	"strconv"
	"strings"
)

var lineNo = regexp.MustCompile(`line (\d+)`)

// Describe returns the line dotenv names in err (0 when it names none)
// and a fixed description of what is wrong, never text from the input.
func Describe(err error) (line int, reason string) {
	msg := err.Error()
	if m := lineNo.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	switch {
	case strings.Contains(msg, "unterminated quoted value"):
		return line, "unterminated quoted value"
	case strings.Contains(msg, "unexpected character"):
		return line, "unexpected character in a variable name"
	case strings.Contains(msg, "key cannot contain a space"):
		return line, "a variable name contains a space"
	case strings.Contains(msg, "zero length string"):
		return line, "a variable with no name"
	case strings.Contains(msg, "invalid"), strings.Contains(msg, "required variable"):
		return line, "invalid interpolation"
	}
	return line, "syntax error"
}

// Hidden is the note callers add to a reason: the line itself is withheld.
const Hidden = " (the line is not shown: it may hold a secret)"
