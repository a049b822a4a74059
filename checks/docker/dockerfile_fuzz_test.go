package docker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodcheck/prodcheck/check"
)

// dfSourceFromBytes is a DockerfileSource over bytes in memory, with no
// ignore file, for the fuzzer.
func dfSourceFromBytes(name string, data []byte) *DockerfileSource {
	s := &DockerfileSource{opts: DockerfileOptions{Path: name}}
	s.src = check.NewSource(func(context.Context) (*dfParsed, error) {
		p, err := dockerfileParse(name, data, map[string]string{"BASE": "alpine:3.20"})
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
	f.Fuzz(func(t *testing.T, data []byte) {
		src := dfSourceFromBytes("Dockerfile", data)
		ctx, release := check.WithMemo(t.Context())
		defer release()
		for _, c := range DockerfileChecks(src) {
			r := c.Run(ctx)
			if !r.Status.Valid() {
				t.Fatalf("%s: invalid status %v: %s", c.Meta().ID, r.Status, r.Message)
			}
			if r.Status == check.StatusError && !strings.HasPrefix(r.Message, "docker: ") {
				t.Fatalf("%s: error without prefix: %s", c.Meta().ID, r.Message)
			}
		}
	})
}
