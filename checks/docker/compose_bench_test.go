package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// composeGenerate writes a compose file with n services, a mix of apps,
// databases and caches with the usual keys, and returns its directory.
func composeGenerate(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`name: bench
x-logging: &logging
  logging:
    driver: json-file
    options: {max-size: 10m, max-file: "3"}
services:
`)
	for i := range n {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, `  db%d:
    <<: *logging
    image: postgres:16.%d
    ports: ["%d:5432"]
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${DB_PASSWORD_%d}
    volumes: ["db%d:/var/lib/postgresql/data"]
    healthcheck: {test: ["CMD-SHELL", "pg_isready"], interval: 10s, timeout: 5s, retries: 5}
    deploy: {resources: {limits: {cpus: "1", memory: 1G}}}
    restart: unless-stopped
    networks: [backend]
`, i, i%10, 10000+i, i, i)
		case 1:
			fmt.Fprintf(&b, `  cache%d:
    image: redis:7.4.%d
    command: ["redis-server", "--appendonly", "yes"]
    restart: always
    read_only: true
    networks: [backend]
`, i, i%10)
		default:
			fmt.Fprintf(&b, `  app%d:
    <<: *logging
    image: registry.example.com/team/app%d:${TAG_%d:-latest}
    ports: ["127.0.0.1:%d:8080"]
    environment:
      - LOG_LEVEL=info
      - API_TOKEN=literal-%d
      - DATABASE_URL=postgres://app:${DB_PASSWORD_0}@db0/app
    security_opt: ["no-new-privileges:true"]
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://localhost:8080/healthz"]
    depends_on:
      db0: {condition: service_healthy}
    networks: [frontend, backend]
`, i, i, i, 20000+i, i)
		}
	}
	b.WriteString("networks:\n  frontend: {}\n  backend: {internal: true}\nvolumes:\n")
	for i := 0; i < n; i += 5 {
		fmt.Fprintf(&b, "  db%d: {}\n", i)
	}
	dir := tb.TempDir()
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(b.String()), 0o644))
	require.NoError(tb, os.WriteFile(filepath.Join(dir, ".env"), []byte("DB_PASSWORD_0=from-env\n"), 0o644))
	return dir
}

// BenchmarkComposeAll loads a generated 300-service compose file and runs
// every compose check on it through a Runner, as one run does.
func BenchmarkComposeAll(b *testing.B) {
	dir := composeGenerate(b, 300)
	var r check.Runner
	b.ReportAllocs()
	for b.Loop() {
		p := Compose(ComposeOptions{Dir: dir})
		rep, err := r.Run(context.Background(), ComposeChecks(p, ComposeChecksOptions{})...)
		if err != nil || rep.Counts().Error > 0 {
			b.Fatalf("run: %v %+v", err, rep.Counts())
		}
	}
}

// BenchmarkComposeLoad measures the load alone, and splits it: the whole
// source load, compose-go with and without schema validation, and the
// yaml.v3 line pass.
func BenchmarkComposeLoad(b *testing.B) {
	dir := composeGenerate(b, 300)
	data, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	require.NoError(b, err)
	b.Run("source", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Compose(ComposeOptions{Dir: dir}).Load(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, validate := range []bool{true, false} {
		name := "compose-go"
		if !validate {
			name += "-no-validation"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				details := types.ConfigDetails{WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: data}}, Environment: map[string]string{}}
				_, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
					o.SkipValidation = !validate
					o.SkipResolveEnvironment = true
					o.SkipResolveLabels = true
					ip := *o.Interpolate
					ip.Substitute = func(s string, m template.Mapping) (string, error) {
						return template.SubstituteWithOptions(s, m, template.WithoutLogging)
					}
					o.Interpolate = &ip
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("yaml-lines", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix := newComposeIndex(dir, nil, DefaultComposeMaxFileSize)
			if _, err := ix.addTop(composeFileRef{abs: filepath.Join(dir, "compose.yaml"), display: "compose.yaml"}, data); err != nil {
				b.Fatal(err)
			}
			ix.variableRefs()
		}
	})
}

// BenchmarkComposeChecks runs the checks on a project already loaded in
// the run's memo: the checks' own cost.
func BenchmarkComposeChecks(b *testing.B) {
	dir := composeGenerate(b, 300)
	p := Compose(ComposeOptions{Dir: dir})
	checks := ComposeChecks(p, ComposeChecksOptions{})
	ctx, release := check.WithMemo(context.Background())
	defer release()
	if _, err := p.Load(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range checks {
			if r := c.Run(ctx); r.Status == check.StatusError {
				b.Fatal(r.Message)
			}
		}
	}
}
