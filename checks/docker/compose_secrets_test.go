package docker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

const secretsTestdata = "testdata/accuracy/secrets"

// secretsStatus runs one check built on the fixture dir and returns its
// outcome, asserting that no finding quotes a secret value of the
// fixture's files.
func secretsStatus(t *testing.T, dir string, build func(*ComposeProject) check.Check) check.Outcome {
	t.Helper()
	p := Compose(ComposeOptions{Dir: filepath.Join(secretsTestdata, dir)})
	rep, err := (&check.Runner{}).Run(context.Background(), build(p))
	require.NoError(t, err)
	require.Len(t, rep.Outcomes, 1)
	o := rep.Outcomes[0]
	for _, name := range []string{".env", "api.env", "compose.yaml"} {
		data, err := os.ReadFile(filepath.Join(secretsTestdata, dir, name))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			_, v, ok := strings.Cut(line, "=")
			if !ok || len(v) < 8 {
				continue
			}
			for _, f := range o.Result.Findings {
				assert.NotContains(t, f.Message+f.Actual+f.Expected, v, "a finding quotes a value")
			}
		}
	}
	return o
}

func TestComposeSecretsMatrix(t *testing.T) {
	secrets := func(p *ComposeProject) check.Check { return ComposeSecrets(p, SecretsOptions{}) }
	strength := func(p *ComposeProject) check.Check { return ComposeSecretStrength(p, SecretStrengthOptions{}) }
	vars := func(p *ComposeProject) check.Check { return ComposeVariables(p, VariablesOptions{}) }
	for _, tc := range []struct {
		dir   string
		build func(*ComposeProject) check.Check
		want  check.Status
	}{
		{"literal-bad", secrets, check.StatusFail},
		{"literal-good", secrets, check.StatusPass},
		{"notsecret-bad", secrets, check.StatusFail}, // PGPASSWORD: a compound key
		{"notsecret-good", secrets, check.StatusPass},
		{"default-bad", secrets, check.StatusFail},
		{"default-good", secrets, check.StatusPass},
		{"notsecret-good", strength, check.StatusPass},
		{"literal-good", strength, check.StatusSkip}, // only deployment-environment values
		{"dotenv-bad", strength, check.StatusFail},
		{"dotenv-good", strength, check.StatusPass},
		{"envfile-bad", strength, check.StatusFail},
		{"envfile-good", strength, check.StatusPass},
		{"example-bad", strength, check.StatusFail},
		{"example-good", strength, check.StatusPass},
		{"vars-bad", vars, check.StatusFail},
		{"vars-good", vars, check.StatusPass},
		{"literal-good", vars, check.StatusPass}, // ${VAR} passthrough and ${VAR:-}
	} {
		o := secretsStatus(t, tc.dir, tc.build)
		assert.Equal(t, tc.want, o.Result.Status, "%s %s: %s %v", o.Meta.ID, tc.dir, o.Result.Message, o.Result.Findings)
		for _, f := range o.Result.Findings {
			assert.NotEmpty(t, f.Location.File, tc.dir)
			assert.Positive(t, f.Location.Line, tc.dir)
			assert.NotEmpty(t, f.Expected, tc.dir)
		}
	}
}

func TestComposeSecretStrengthLocates(t *testing.T) {
	o := secretsStatus(t, "dotenv-bad", func(p *ComposeProject) check.Check { return ComposeSecretStrength(p, SecretStrengthOptions{}) })
	require.Len(t, o.Result.Findings, 1)
	f := o.Result.Findings[0]
	assert.Equal(t, check.Location{File: ".env", Line: 1, Resource: `service "db"`}, f.Location)
	assert.Contains(t, f.Message, "well-known")
	assert.Contains(t, f.Actual, "weak")

	o = secretsStatus(t, "envfile-bad", func(p *ComposeProject) check.Check { return ComposeSecretStrength(p, SecretStrengthOptions{}) })
	require.Len(t, o.Result.Findings, 1)
	assert.Equal(t, check.Location{File: "api.env", Line: 2, Resource: `service "api"`}, o.Result.Findings[0].Location)

	o = secretsStatus(t, "example-bad", func(p *ComposeProject) check.Check { return ComposeSecretStrength(p, SecretStrengthOptions{}) })
	require.Len(t, o.Result.Findings, 1)
	assert.Contains(t, o.Result.Findings[0].Message, ".env.example")
	assert.Contains(t, o.Result.Findings[0].Actual, "fp ")

	o = secretsStatus(t, "example-bad", func(p *ComposeProject) check.Check {
		return ComposeSecretStrength(p, SecretStrengthOptions{AllowKeys: []string{"api_token"}})
	})
	assert.Equal(t, check.StatusPass, o.Result.Status)
}
