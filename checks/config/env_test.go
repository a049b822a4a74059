package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
	"github.com/prodcheck/prodcheck/report"
)

// envCanaries are the secret values planted in testdata/env/project and
// in the bad-input fixtures: no output may contain any of them.
var envCanaries = []string{
	"CANARYdsnQ7v2Lk9Zp4Xw", "CANARYstripe8Hd3Jq6Vn1Rt5Yb0", "CANARYline1Mx4Pz8",
	"CANARYline2Kw7Qa3Ln", "CANARYfileBacked5Tg2Wq9", "CANARYsyntax4Hv8Nc2Qd", "CANARYyaml9Fw3Zk7Pb",
}

// envProject copies testdata/env/<name> into a temporary directory,
// renaming dotenv* to .env*, and returns the directory.
func envProject(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "env", name)
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		dst := e.Name()
		if strings.HasPrefix(dst, "dotenv") {
			dst = "." + strings.TrimPrefix(dst, "dot")
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), data, 0o600))
	}
	return dir
}

func envChecks(s *EnvSource) []check.Check {
	return []check.Check{
		EnvExists(s, EnvExistsOptions{}),
		EnvComplete(s, EnvCompleteOptions{}),
		EnvPlaceholders(s, EnvPlaceholdersOptions{}),
		EnvExtraKeys(s, EnvExtraKeysOptions{}),
		EnvDocumented(s, EnvDocumentedOptions{}),
		SecretsManaged(s, SecretsManagedOptions{}),
	}
}

func envResources(r check.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Location.Resource)
	}
	return out
}

func TestEnvProject(t *testing.T) {
	dir := envProject(t, "project")
	s := Env(EnvOptions{Dir: dir, Root: dir, Docs: []string{"README.md"}, Consumed: []string{"PORT", "LOG_LEVEL"}})
	tests := []struct {
		name      string
		c         check.Check
		status    check.Status
		resources []string
	}{
		{"exists", EnvExists(s, EnvExistsOptions{}), check.StatusPass, nil},
		{"complete", EnvComplete(s, EnvCompleteOptions{}), check.StatusFail, []string{"STRIPE_WEBHOOK_SECRET", "LOG_LEVEL"}},
		{"placeholders", EnvPlaceholders(s, EnvPlaceholdersOptions{}), check.StatusFail, []string{"JWT_SECRET"}},
		{"extra-keys", EnvExtraKeys(s, EnvExtraKeysOptions{}), check.StatusWarn, []string{"DB_PASSWORD", "EXTRA_THING"}},
		{"extra-keys allowed", EnvExtraKeys(s, EnvExtraKeysOptions{Allow: []string{"DB_PASSWORD", "EXTRA_THING"}}), check.StatusPass, nil},
		{"documented", EnvDocumented(s, EnvDocumentedOptions{}), check.StatusFail, []string{"SENTRY_DSN", "WORKERS"}},
		{"documented ignore", EnvDocumented(s, EnvDocumentedOptions{Ignore: []string{"SENTRY_DSN", "WORKERS"}}), check.StatusPass, nil},
		// DATABASE_URL: a URL with a password; STRIPE_API_KEY and the
		// multi-line REDIS_PASSWORD: literal. JWT_SECRET=changeme is a
		// literal too (placeholders reports it as such). DB_PASSWORD has
		// DB_PASSWORD_FILE; API_TOKEN is a Vault reference.
		{"managed", SecretsManaged(s, SecretsManagedOptions{}), check.StatusWarn, []string{"DATABASE_URL", "JWT_SECRET", "STRIPE_API_KEY", "REDIS_PASSWORD"}},
		{"managed allowed", SecretsManaged(s, SecretsManagedOptions{Allow: []string{"database_url", "JWT_SECRET", "STRIPE_API_KEY", "REDIS_PASSWORD"}}), check.StatusPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Run(t.Context())
			require.Equal(t, tt.status, r.Status, "%s: %v", r.Message, r.Findings)
			assert.Equal(t, tt.resources, envResources(r))
			assert.Contains(t, []string{filepath.ToSlash(filepath.Join(dir, ".env")), filepath.ToSlash(filepath.Join(dir, ".env.production.example"))}, tt.c.Meta().Target)
			for _, f := range r.Findings {
				assert.NotEmpty(t, f.Location.File, f.Message)
			}
		})
	}
}

func TestEnvFindingsLocated(t *testing.T) {
	dir := envProject(t, "project")
	s := Env(EnvOptions{Dir: dir, Root: dir, Docs: []string{"README.md"}})
	r := EnvDocumented(s, EnvDocumentedOptions{}).Run(t.Context())
	require.Equal(t, check.StatusFail, r.Status)
	byName := map[string]check.Finding{}
	for _, f := range r.Findings {
		byName[f.Location.Resource] = f
	}
	assert.Equal(t, 7, byName["SENTRY_DSN"].Location.Line)
	assert.Equal(t, "compose.yaml", filepath.Base(byName["SENTRY_DSN"].Location.File))
	assert.Equal(t, 2, byName["WORKERS"].Location.Line)
	assert.Equal(t, "app.env", filepath.Base(byName["WORKERS"].Location.File))

	r = EnvPlaceholders(s, EnvPlaceholdersOptions{}).Run(t.Context())
	require.Len(t, r.Findings, 1)
	assert.Equal(t, 2, r.Findings[0].Location.Line)

	// Line numbers survive the BOM, CRLF and the multi-line value.
	r = SecretsManaged(s, SecretsManagedOptions{}).Run(t.Context())
	lines := map[string]int{}
	for _, f := range r.Findings {
		lines[f.Location.Resource] = f.Location.Line
	}
	assert.Equal(t, map[string]int{"DATABASE_URL": 1, "JWT_SECRET": 2, "STRIPE_API_KEY": 3, "REDIS_PASSWORD": 6}, lines)
}

func TestParseEnvForms(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		want  map[string]string
		lines map[string]int
	}{
		{"plain", "A=1\nB=two\n", map[string]string{"A": "1", "B": "two"}, map[string]int{"A": 1, "B": 2}},
		{"crlf", "A=1\r\nB=two\r\n", map[string]string{"A": "1", "B": "two"}, map[string]int{"A": 1, "B": 2}},
		{"lone cr", "A=1\rB=two\r", map[string]string{"A": "1", "B": "two"}, map[string]int{"A": 1, "B": 2}},
		{"bom", "\ufeffA=1\n", map[string]string{"A": "1"}, map[string]int{"A": 1}},
		{"export", "export A=1\n  export   B=2\n", map[string]string{"A": "1", "B": "2"}, map[string]int{"A": 1, "B": 2}},
		{"multi-line double", "A=\"x\ny\"\nB=2\n", map[string]string{"A": "x\ny", "B": "2"}, map[string]int{"A": 1, "B": 3}},
		{"multi-line single crlf", "A='x\r\ny # no'\r\nB=2\r\n", map[string]string{"A": "x\ny # no", "B": "2"}, map[string]int{"A": 1, "B": 3}},
		{"comment and blank", "# c\n\nA=1 # note\n", map[string]string{"A": "1"}, map[string]int{"A": 3}},
		{"reference kept", "A=1\nB=${A}\nC=$UNSET\n", map[string]string{"A": "1", "B": "${A}", "C": "${UNSET}"}, map[string]int{"A": 1, "B": 2, "C": 3}},
		{"redefined", "A=1\nA=2\n", map[string]string{"A": "2"}, map[string]int{"A": 2}},
		{"empty", "", map[string]string{}, map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseEnv(".env", []byte(tt.data))
			require.NoError(t, err)
			got, lines := map[string]string{}, map[string]int{}
			for k, v := range f.Vars {
				got[k], lines[k] = v.Value, v.Line
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.lines, lines)
		})
	}
}

func TestEnvDocumentedInExample(t *testing.T) {
	f, err := parseEnv("ex", []byte("# Group header\nA=\nB=\n\nC=\nD= # described\nE='multi\nline' # described\n\n# \nF=\nG=#described\n"))
	require.NoError(t, err)
	got := map[string]bool{}
	for k, v := range f.Vars {
		got[k] = v.Documented
	}
	assert.Equal(t, map[string]bool{"A": true, "B": true, "C": false, "D": true, "E": true, "F": false, "G": true}, got)
}

func TestEnvPlaceholderReason(t *testing.T) {
	ex, err := parseEnv("ex", []byte("API_KEY=abcdEFGH1234ijklMNOP\nPORT=8080\n"))
	require.NoError(t, err)
	tests := []struct{ key, value, want string }{
		{"JWT_SECRET", "changeme", "a placeholder"},
		{"JWT_SECRET", "your-jwt-secret-here", "a placeholder"},
		{"JWT_SECRET", "secret", "a well-known default"},
		{"API_KEY", "abcdEFGH1234ijklMNOP", "the example's own value"},
		{"PORT", "8080", ""},
		{"SMTP_HOST", "xxx", "a placeholder"},
		{"SMTP_HOST", "XXXX-XXXX", "a placeholder"},
		{"SMTP_HOST", "<smtp host>", "a placeholder"},
		{"SMTP_HOST", "your-smtp-host-here", "a placeholder"},
		{"SMTP_HOST", "smtp.example.net", ""},
		{"ALLOWED", "[1,2]", ""},
		{"OTHER", "${PORT}", ""},
		{"JWT_SECRET", "${OTHER}", ""},
		{"JWT_SECRET", "q8Vf2Lx9Rt4Wz7Kp1Mn6Hs3Jd5Gb0Yc", ""},
		{"NAME", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			assert.Equal(t, tt.want, envPlaceholderReason(tt.key, tt.value, ex))
		})
	}
}

func TestSecretsManagedReferences(t *testing.T) {
	tests := []struct {
		value   string
		managed bool
	}{
		{"vault:secret/data/app#key", true},
		{"${vault:secret/app}", true},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", true},
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/app/db", true},
		{"projects/acme/secrets/db/versions/latest", true},
		{"akv://acme-vault/db", true},
		{"@Microsoft.KeyVault(SecretUri=https://acme.vault.azure.net/secrets/db/)", true},
		{"op://prod/db/password", true},
		{"/run/secrets/db", true},
		{"${DB_PASSWORD_FROM_CI}", true},
		{"", true},
		{"q8Vf2Lx9Rt4Wz7Kp1Mn6Hs3Jd5Gb0Yc", false},
		{"projectsX/secrets", false},
	}
	env := &envFile{Vars: map[string]*envVar{}}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			assert.Equal(t, tt.managed, envManagedValue("DB_PASSWORD", tt.value, env, DefaultSecretReferences()))
		})
	}
	// A custom pattern replaces the defaults.
	custom := []*regexp.Regexp{regexp.MustCompile(`^conjur:`)}
	assert.True(t, envManagedValue("DB_PASSWORD", "conjur:prod/db", env, custom))
	assert.False(t, envManagedValue("DB_PASSWORD", "vault:secret/db", env, custom))
}

// envRun runs every env check of s through a Runner, and renders the
// report in every format.
func envRun(t *testing.T, s *EnvSource) (*check.Report, string) {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), envChecks(s)...)
	require.NoError(t, err)
	var out bytes.Buffer
	for _, render := range []func(*bytes.Buffer) error{
		func(w *bytes.Buffer) error { return report.Text(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.JSON(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.JUnit(w, rep, report.Options{}) },
		func(w *bytes.Buffer) error { return report.Markdown(w, rep, report.Options{}) },
	} {
		require.NoError(t, render(&out))
	}
	for _, o := range rep.Outcomes {
		out.WriteString(o.Result.Message)
		if o.Result.Err != nil {
			out.WriteString(o.Result.Err.Error())
		}
		for _, f := range o.Result.Findings {
			out.WriteString(f.String() + f.Expected + f.Actual)
		}
	}
	return rep, out.String()
}

func envAssertNoCanary(t *testing.T, out string) {
	t.Helper()
	for _, c := range envCanaries {
		assert.NotContains(t, out, c)
	}
	assert.NotContains(t, out, "CANARY")
}

func TestEnvNoCanaryInAnyOutput(t *testing.T) {
	dir := envProject(t, "project")
	_, out := envRun(t, Env(EnvOptions{Dir: dir, Root: dir, Docs: []string{"README.md"}}))
	envAssertNoCanary(t, out)
}

func TestEnvBadInput(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		opts   func(dir string) EnvOptions
		status map[string]check.Status // by check ID; others are not looked at
		is     error
		line   int
	}{
		{
			name:   "missing",
			setup:  func(t *testing.T, dir string) {},
			status: map[string]check.Status{"config.env.exists": check.StatusFail, "config.env.complete": check.StatusSkip, "security.secrets.managed": check.StatusSkip},
		},
		{
			name: "binary",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\x00\x01\x02CANARYsyntax4Hv8Nc2Qd")
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError, "config.env.complete": check.StatusError},
			is:     ErrEnvBinary,
		},
		{
			name: "100 MB",
			setup: func(t *testing.T, dir string) {
				f, err := os.Create(filepath.Join(dir, ".env"))
				require.NoError(t, err)
				require.NoError(t, f.Truncate(100<<20))
				require.NoError(t, f.Close())
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError, "config.env.placeholders": check.StatusError},
			is:     guard.ErrTooLarge,
		},
		{
			name: "unterminated quote",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\nB=2\nJWT_SECRET=\"CANARYsyntax4Hv8Nc2Qd\n")
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError, "security.secrets.managed": check.StatusError},
			line:   3,
		},
		{
			name: "space in key",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\nMY KEY=CANARYsyntax4Hv8Nc2Qd\n")
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError},
			line:   2,
		},
		{
			name: "directory",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.Mkdir(filepath.Join(dir, ".env"), 0o700))
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError},
			is:     guard.ErrNotRegular,
		},
		{
			name: "fifo",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, syscall.Mkfifo(filepath.Join(dir, ".env"), 0o600))
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError},
			is:     guard.ErrNotRegular,
		},
		{
			name: "symlink out of the root",
			setup: func(t *testing.T, dir string) {
				outside := t.TempDir()
				envWrite(t, outside, "secrets.env", "JWT_SECRET=CANARYsyntax4Hv8Nc2Qd\n")
				require.NoError(t, os.Symlink(filepath.Join(outside, "secrets.env"), filepath.Join(dir, ".env")))
			},
			status: map[string]check.Status{"config.env.exists": check.StatusError},
			is:     guard.ErrOutside,
		},
		{
			name: "env_file outside the root",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\n")
				envWrite(t, dir, "compose.yaml", "services:\n  a:\n    image: x\n    env_file: ../../etc/passwd\n")
			},
			status: map[string]check.Status{"config.env.exists": check.StatusPass, "config.env.documented": check.StatusError},
			is:     guard.ErrOutside,
		},
		{
			name: "broken compose file",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\n")
				envWrite(t, dir, "compose.yaml", "services:\n  a:\n    environment:\n      P: \"CANARYyaml9Fw3Zk7Pb\n   - : [\n")
			},
			status: map[string]check.Status{"config.env.exists": check.StatusPass, "config.env.documented": check.StatusError},
		},
		{
			name: "named doc missing",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\n")
			},
			opts: func(dir string) EnvOptions {
				return EnvOptions{Dir: dir, Root: dir, Docs: []string{"NOPE.md"}, Consumed: []string{"A"}}
			},
			status: map[string]check.Status{"config.env.documented": check.StatusError},
		},
		{
			name: "no example",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\n")
			},
			status: map[string]check.Status{"config.env.complete": check.StatusWarn, "config.env.extra-keys": check.StatusSkip},
		},
		{
			name: "fallback example",
			setup: func(t *testing.T, dir string) {
				envWrite(t, dir, ".env", "A=1\n")
				envWrite(t, dir, ".env.example", "# a\nA=\nB=\n")
			},
			status: map[string]check.Status{"config.env.complete": check.StatusFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			opts := EnvOptions{Dir: dir, Root: dir}
			if tt.opts != nil {
				opts = tt.opts(dir)
			}
			rep, out := envRun(t, Env(opts))
			envAssertNoCanary(t, out)
			seen := 0
			for _, o := range rep.Outcomes {
				want, ok := tt.status[o.Meta.ID]
				if !ok {
					continue
				}
				seen++
				assert.Equal(t, want, o.Result.Status, "%s: %s", o.Meta.ID, o.Result.Message)
				if want == check.StatusError && tt.is != nil {
					assert.True(t, errors.Is(o.Result.Err, tt.is), "%s: %v", o.Meta.ID, o.Result.Err)
				}
				if want == check.StatusError && tt.line > 0 {
					require.NotEmpty(t, o.Result.Findings)
					assert.Equal(t, tt.line, o.Result.Findings[0].Location.Line)
					assert.Contains(t, o.Result.Message, ".env:")
				}
			}
			assert.Equal(t, len(tt.status), seen)
		})
	}
}

func envWrite(t *testing.T, dir, name, data string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600))
}

// envErrShapeRE is the shape of every parse error: the file, maybe a line,
// and one of a fixed set of reasons; never the input.
var envErrShapeRE = regexp.MustCompile(`^config: f(:\d+)?: (a binary file, not an environment file \((NUL byte at offset \d+|invalid UTF-8)\)|[a-z ]+ \(the line is not shown: it may hold a secret\))$`)

func FuzzEnvReader(f *testing.F) {
	for _, seed := range []string{
		"A=1\n", "\ufeffexport A=\"x\r\ny\"\r\n", "A='unterminated\n", "A=${B:?err}\n", "A=${\n",
		"MY KEY=x\n", "=x\n", "A=1 # c\n#c\nB\n", "A=\x00", "A=\xff\n", "A=\"\\\"\"\n", "export\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := parseEnv("f", data)
		if err != nil {
			require.Regexp(t, envErrShapeRE, err.Error())
			return
		}
		require.Equal(t, len(ef.Vars), len(ef.Order))
		for _, k := range ef.Order {
			require.Contains(t, ef.Vars, k)
			require.GreaterOrEqual(t, ef.Vars[k].Line, 0)
		}
	})
}

// TestEnvDisplayDir: a tool that resolved the project to an absolute
// directory names its files as its user wrote them.
func TestEnvDisplayDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("A=1\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env.production.example"), []byte("A=\nB=\n"), 0o600))
	s := Env(EnvOptions{Dir: dir, Root: dir, DisplayDir: "deploy"})
	assert.Equal(t, "deploy/.env", s.Target())
	r := EnvComplete(s, EnvCompleteOptions{}).Run(t.Context())
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "deploy/.env", r.Findings[0].Location.File)
	assert.Contains(t, r.Message, "deploy/.env.production.example")
	assert.NotContains(t, r.Message, dir)
}
