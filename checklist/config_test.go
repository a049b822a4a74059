package checklist

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error
		secret     string   // must not appear
	}{
		{"broken yaml", "version: 1\ntargets: [\n", []string{"prodcheck.yaml", "line"}, ""},
		{"unknown key", "version: 1\ntargest:\n  urls: []\n", []string{"prodcheck.yaml:2:1", "targest", "unknown key"}, ""},
		{"unknown nested key", "version: 1\ntargets:\n  url: [https://a.example]\n", []string{"prodcheck.yaml:3:3", "targets.url"}, ""},
		{"literal dsn", "version: 1\ntargets:\n  databases:\n    - name: main\n      dsn: postgres://u:hunter2-secret@db/app\n", []string{"prodcheck.yaml:5:12", "targets.databases[0].dsn", "dsn_env"}, "hunter2-secret"},
		{"bad severity", "version: 1\nfail_on: catastrophic\n", []string{"prodcheck.yaml:2:10", "fail_on", "want a severity"}, "catastrophic"},
		{"bad override", "version: 1\nseverity:\n  docker.*: urgent\n", []string{"prodcheck.yaml:3:13", "severity.docker.*"}, "urgent"},
		{"bad date", "version: 1\nwaivers:\n  - {id: a.b, reason: r, approver: x, expires: 31/01/2027}\n", []string{"prodcheck.yaml:3:48", "waivers[0].expires", "2027-03-01"}, "31/01/2027"},
		{"no version", "targets: {}\n", []string{"version", "missing"}, ""},
		{"unknown probe", "version: 1\nprobes: [nmap]\n", []string{"prodcheck.yaml:2:10", "probes[0]"}, ""},
		{"bad pool mode", "version: 1\ntargets:\n  pgbouncer:\n    - {dsn_env: PGB, pool_mode: sometimes}\n", []string{"prodcheck.yaml:4:33", "pool_mode", "session, transaction or statement"}, "sometimes"},
		{"path escapes", "version: 1\ntargets:\n  git: [../..]\n", []string{"prodcheck.yaml:3:9", "leaves the project"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(t.TempDir(), "prodcheck.yaml", []byte(tt.yaml))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if tt.secret != "" {
				assert.NotContains(t, err.Error(), tt.secret)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig("/p", "prodcheck.yaml", []byte(`version: 1
targets:
  urls: [https://a.example/, {url: "https://a.example/items", list: true}]
  compose: [compose.yaml, [compose.yaml, compose.prod.yaml], {files: [x.yaml], one_shot: [migrate]}]
  tls: [a.example:443]
  env: [{path: .env, example: .env.production.example}]
  databases: [{name: main, dsn_env: DATABASE_URL, must_be_private: true}]
checks:
  security.headers.grade: {min_grade: A}
  postgres.backup.recent: {max_age: 2d}
severity: {docker.compose.read-only-rootfs: low}
waivers: [{id: docker.*, reason: legacy, approver: ana, expires: 2027-01-31}]
probes: [latency]
fail_on: medium
strict: true
`))
	require.NoError(t, err)
	assert.Len(t, cfg.URLs, 2)
	assert.True(t, cfg.URLs[1].List)
	require.Len(t, cfg.Compose, 3)
	assert.Equal(t, []string{"compose.yaml", "compose.prod.yaml"}, cfg.Compose[1].Files)
	assert.Equal(t, []string{"migrate"}, cfg.Compose[2].OneShot)
	assert.Equal(t, "DATABASE_URL", cfg.Databases[0].DSNEnv)
	assert.Equal(t, "A", cfg.Checks.HeadersMinGrade)
	assert.Equal(t, 48*3600e9, float64(cfg.Checks.PGMaxBackupAge))
	assert.Equal(t, check.SeverityMedium, cfg.FailOn)
	assert.True(t, cfg.Strict)
	assert.True(t, cfg.Probe("latency"))
	require.Len(t, cfg.Waivers, 1)
	assert.Equal(t, check.SeverityLow, cfg.Overrides[0].Severity)
}

func TestLoadConfigConfined(t *testing.T) {
	_, err := LoadConfig(t.TempDir(), "../prodcheck.yaml")
	require.Error(t, err)
}

func TestBuildUnknownBackend(t *testing.T) {
	cfg, err := ParseConfig(t.TempDir(), "prodcheck.yaml", []byte("version: 1\ntargets:\n  databases: [{name: main, dsn_env: DB}]\n  pgbouncer: [{name: pool, dsn_env: PGB, backend: mian}]\n"))
	require.NoError(t, err)
	assert.Equal(t, "main", cfg.Databases[0].Name)
	_, err = Build(t.Context(), cfg, BuildOptions{Getenv: func(string) string { return "" }})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `backend "mian" names no targets.databases entry`)
}
