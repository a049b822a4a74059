package docker

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/prodcheck/prodcheck/check"
)

// dfSourceFromBytes is a DockerfileSource over bytes in memory, with no
// ignore file, for the fuzzer.
func dfSourceFromBytes(name string, data []byte) *DockerfileSource {
	s := &DockerfileSource{opts: DockerfileOptions{Path: name}}
	s.src = check.NewSource(func(context.Context) (*dfParsed, error) {
		p, err := dockerfileParse(name, data, map[string]string{"BASE": "alpine:3.20"}, dfTestFingerprinter())
		if err != nil {
			return nil, err
		}
		p.ignore = &DockerIgnore{}
		return p, nil
	})
	return s
}

// FuzzDockerfileParse runs the parser and every Dockerfile check on random
// input: each check answers with a valid status, errors name the file, and
// nothing panics.
func FuzzDockerfileParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(dfTestdata, "*", "*Dockerfile*"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("FROM a\nFROM a AS a\nFROM a\nCOPY --from=a . .\n"))
	f.Add([]byte("# escape=`\nFROM alpine:3.20\nENV A=`$B C=\"${D:-x}\"\nUSER ${U:?set U}\n"))
	f.Add([]byte("FROM $BASE AS b\nFROM b\nARG BASE\nUSER $BASE\nHEALTHCHECK NONE\n"))
	f.Add([]byte("ARG X=${X}\nFROM ${X:+a}${X:-b}:${X%%.*}\nONBUILD RUN <<EOF\nx\nEOF\n"))
	// Expansion: chains, substitutions, the caps.
	f.Add([]byte("ARG A=xxxx\nARG B=$A$A\nARG C=$B$B\nARG D=${C//x/$B}\nFROM alpine:3.20\nARG D\nENV E=${D:-$C}${D#x}\nUSER $E\n"))
	f.Add([]byte("FROM alpine:3.20\nENV DB_PASSWORD=\"abc\nENV API_TOKEN=/s3cr3tV4lue99x\nENV A=1 \\\n B=2\n TOKEN=x\n"))
	f.Add([]byte("# syntax=docker/dockerfile:1\nFROM a\nCOPY --exclude=**/**/x . .\n"))
	f.Add([]byte("FROM a AS b\nENV X=1\nFROM b AS c\nFROM c AS b\nFROM b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := dfSourceFromBytes("Dockerfile", data)
		ctx, release := check.WithMemo(t.Context())
		defer release()
		values := dfFuzzValues(data)
		for _, c := range DockerfileChecks(src) {
			r := c.Run(ctx)
			if !r.Status.Valid() {
				t.Fatalf("%s: invalid status %v: %s", c.Meta().ID, r.Status, r.Message)
			}
			if r.Status == check.StatusError && !strings.HasPrefix(r.Message, "docker: ") {
				t.Fatalf("%s: error without prefix: %s", c.Meta().ID, r.Message)
			}
			if r.Status == check.StatusError {
				// No value assigned in the file reaches an error message.
				// The location prefix is the test's own text: a value
				// like "erfile:1" may match it by chance.
				msg := dfFuzzLocation.ReplaceAllString(r.Message, "")
				for _, v := range values {
					if strings.Contains(msg, v) {
						t.Fatalf("%s: error quotes the value %q: %s", c.Meta().ID, v, r.Message)
					}
				}
			}
		}
	})
}

// dfFuzzLocation matches the "docker: Dockerfile:N:" prefix of an error.
var dfFuzzLocation = regexp.MustCompile(`^docker: Dockerfile(:\d+)*: `)

// dfFuzzValues returns the values that the input assigns with "=" (the
// text after the first "=" of a word), 8 bytes or longer and not made of
// name characters alone (which a message may show as a key or a flag).
func dfFuzzValues(data []byte) []string {
	var out []string
	for _, w := range strings.Fields(string(data)) {
		_, v, ok := strings.Cut(w, "=")
		if !ok || len(v) < 8 || dfNamePattern.MatchString(v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// FuzzDockerfileExpand runs the capped expander on random words and
// scopes: it never panics, never returns more than the per-value cap, and
// its bound is never below what the lexer produces.
func FuzzDockerfileExpand(f *testing.F) {
	f.Add("$A$A", "xxxx", "yy")
	f.Add("${A//x/$B}", "xxxxxxxx", "yyyy")
	f.Add("${A:-$B}${B:+$A}${A#x}${A%%x}", "xax", "b")
	f.Add("'$A'\\$B\"$A\"", "a", "b")
	f.Add("$1$@${é}", "a", "b")
	f.Fuzz(func(t *testing.T, word, a, b string) {
		scope := dfScope{args: map[string]dfValue{
			"A": {file: a, build: a, fileSet: true, buildSet: true},
			"B": {file: b, build: b, fileSet: true, buildSet: true},
		}}
		x := &dfExpander{lex: shell.NewLex('\\'), file: "Dockerfile"}
		got, _, _ := x.expand(word, scope, "ENV X", 1)
		if len(got) > DockerfileMaxExpandedValue {
			t.Fatalf("expanded to %d bytes, over the cap", len(got))
		}
		if x.err == nil && int64(len(got)) > dfExpandBound(word, scope) {
			t.Fatalf("bound %d below the result %d for %q", dfExpandBound(word, scope), len(got), word)
		}
	})
}
