package docker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// The floors: what the third-party parsers cost alone on the inputs of
// BenchmarkComposeAll and BenchmarkDockerfileAll, so that prodcheck's own
// share of each can be read off side by side.

// BenchmarkDockerfileParseFloor is BuildKit alone on the 2,000-instruction
// Dockerfile: parser.Parse and instructions.Parse with a linter, as
// BenchmarkDockerfileAll's load calls them.
func BenchmarkDockerfileParseFloor(b *testing.B) {
	path, _ := dfGenerate(b, b.TempDir(), 2000)
	data, err := os.ReadFile(path)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		res, err := parser.Parse(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		lint := linter.New(&linter.Config{Warn: func(string, string, string, string, []parser.Range) {}})
		if _, _, err := instructions.Parse(res.AST, lint); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComposeLoadOptions splits compose-go's load of the 300-service
// file by the options `docker compose config` leaves on: every step on
// (what prodcheck runs, and what `docker compose config` runs), and each
// step turned off in turn, to show where the time goes.
func BenchmarkComposeLoadOptions(b *testing.B) {
	dir := composeGenerate(b, 300)
	data, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	require.NoError(b, err)
	for _, tc := range []struct {
		name string
		set  func(o *loader.Options)
	}{
		{"all-steps", func(*loader.Options) {}},
		{"no-validation", func(o *loader.Options) { o.SkipValidation = true }},
		{"no-interpolation", func(o *loader.Options) { o.SkipInterpolation = true }},
		{"no-normalization", func(o *loader.Options) { o.SkipNormalization = true }},
		{"no-consistency", func(o *loader.Options) { o.SkipConsistencyCheck = true }},
		{"no-default-values", func(o *loader.Options) { o.SkipDefaultValues = true }},
		{"parse-only", func(o *loader.Options) {
			o.SkipValidation, o.SkipInterpolation, o.SkipNormalization = true, true, true
			o.SkipConsistencyCheck, o.SkipDefaultValues = true, true
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				details := types.ConfigDetails{WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: data}}, Environment: map[string]string{"DB_PASSWORD_0": "x"}}
				_, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
					o.SkipResolveEnvironment = true
					o.SkipResolveLabels = true
					ip := *o.Interpolate
					ip.Substitute = func(s string, m template.Mapping) (string, error) {
						return template.SubstituteWithOptions(s, m, template.WithoutLogging)
					}
					o.Interpolate = &ip
					tc.set(o)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
