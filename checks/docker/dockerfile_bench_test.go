package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodcheck/prodcheck/check"
)

// dfGenerate writes a Dockerfile of about n instructions in stages of 200:
// ARG-based FROMs, stage references, multi-line ENV, COPY of the context,
// USER, HEALTHCHECK and heredocs, with a .dockerignore beside it.
func dfGenerate(tb testing.TB, dir string, n int) (string, int) {
	tb.Helper()
	var b strings.Builder
	count := 0
	emit := func(format string, args ...any) {
		fmt.Fprintf(&b, format+"\n", args...)
		count++
	}
	emit("ARG NODE_VERSION=22.11")
	emit("ARG REGISTRY=registry.example.com:5000")
	for stage := 0; count < n; stage++ {
		switch {
		case stage == 0:
			emit("FROM node:${NODE_VERSION}-alpine AS s0")
		case stage%3 == 0:
			emit("FROM ${REGISTRY}/team/base:1.%d AS s%d", stage, stage)
		default:
			emit("FROM s%d AS s%d", stage-1, stage)
		}
		for i := 0; i < 199 && count < n; i++ {
			switch i % 10 {
			case 0:
				emit("RUN apk add --no-cache curl=8.%d.0-r0 && echo step %d", i, i)
			case 1:
				emit("ENV APP_%d_MODE=production \\\n    APP_%d_PORT=80%02d \\\n    APP_%d_TOKEN_FILE=/run/secrets/t%d", i, i, i%100, i, i)
			case 2:
				emit("ARG BUILD_%d=v%d", i, i)
			case 3:
				emit("COPY --chown=app:app src/%d/ /srv/%d/", i, i)
			case 4:
				emit("LABEL org.example.step%d=\"value %d\"", i, i)
			case 5:
				emit("WORKDIR /srv/%d", i)
			case 6:
				emit("COPY . /src/")
			case 7:
				emit("USER app%d", i)
			case 8:
				emit("RUN <<EOF\nset -eu\necho heredoc %d\nEOF", i)
			case 9:
				emit("HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:%d/ || exit 1", 8000+i)
			}
		}
	}
	path := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte(".git\n.env*\n!.env.example\nnode_modules\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, count
}

// BenchmarkDockerfileAll runs every Dockerfile check on a 2,000-instruction
// Dockerfile through a Runner; each run reads and parses the file afresh.
// Target: under 10 ms per run.
func BenchmarkDockerfileAll(b *testing.B) {
	path, n := dfGenerate(b, b.TempDir(), 2000)
	src := Dockerfile(DockerfileOptions{Path: path})
	checks := DockerfileChecks(src)
	var r check.Runner
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rep, err := r.Run(ctx, checks...)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range rep.Outcomes {
			if o.Result.Status == check.StatusError {
				b.Fatalf("%s: %s", o.Meta.ID, o.Result.Message)
			}
		}
	}
	if got := src.loads.Load(); got < int64(b.N) {
		b.Fatalf("%d loads for %d runs", got, b.N)
	}
	b.ReportMetric(float64(n), "instructions")
}

// TestDfGenerate keeps the benchmark's input honest: it parses, has the
// instructions it claims, and every check decides.
func TestDfGenerate(t *testing.T) {
	path, n := dfGenerate(t, t.TempDir(), 2000)
	if n != 2000 {
		t.Fatalf("generated %d instructions", n)
	}
	p, err := dockerfileParseFile(t.Context(), "", path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range p.stages {
		total++ // FROM
		total += len(s.users) + len(s.healths) + len(s.copies)
	}
	if total < 500 {
		t.Fatalf("parsed only %d FROM/USER/HEALTHCHECK/COPY instructions", total)
	}
	rep := dfRunAll(t, Dockerfile(DockerfileOptions{Path: path}))
	for _, o := range rep.Outcomes {
		if o.Result.Status == check.StatusError {
			t.Fatalf("%s: %s", o.Meta.ID, o.Result.Message)
		}
	}
}
