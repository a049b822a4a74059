package config_test

import (
	"context"
	"fmt"
	"regexp"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/config"
)

// The testdata project names its files dotenv and dotenv.production.example
// so that this repository commits no .env file; a real project keeps the
// defaults (".env", ".env.production.example").
func ExampleEnv() {
	env := config.Env(config.EnvOptions{
		Dir:     "testdata/env/example",
		Root:    "testdata/env/example",
		File:    "dotenv",
		Example: "dotenv.production.example",
	})
	checks := []check.Check{
		config.EnvExists(env, config.EnvExistsOptions{}),
		config.EnvComplete(env, config.EnvCompleteOptions{}),
		config.EnvPlaceholders(env, config.EnvPlaceholdersOptions{}),
		config.EnvExtraKeys(env, config.EnvExtraKeysOptions{}),
		config.EnvDocumented(env, config.EnvDocumentedOptions{}),
		config.SecretsManaged(env, config.SecretsManagedOptions{}),
	}
	ctx, release := check.WithMemo(context.Background()) // one load for all six
	defer release()
	for _, c := range checks {
		r := c.Run(ctx)
		fmt.Printf("%s %s: %s\n", r.Status, c.Meta().ID, r.Message)
		for _, f := range r.Findings {
			fmt.Printf("  %s\n", f)
		}
	}
	// Output:
	// pass config.env.exists: testdata/env/example/dotenv exists (3 variables)
	// pass config.env.complete: all 2 variables of testdata/env/example/dotenv.production.example are set
	// fail config.env.placeholders: 1 of 3 variables still hold a placeholder
	//   testdata/env/example/dotenv:2 SESSION_SECRET: SESSION_SECRET is a placeholder (expected the production value, found a placeholder (8 chars))
	// warn config.env.extra-keys: 1 of 3 variables are not in testdata/env/example/dotenv.production.example
	//   testdata/env/example/dotenv:3 DEBUG: DEBUG is not in testdata/env/example/dotenv.production.example (expected listed in testdata/env/example/dotenv.production.example)
	// fail config.env.documented: 1 of 3 consumed variables are undocumented
	//   testdata/env/example/compose.yaml:7 SMTP_HOST: SMTP_HOST is not documented (interpolated) (expected in testdata/env/example/dotenv.production.example with a comment, or described in a documentation file)
	// warn security.secrets.managed: 1 of 1 secret variables hold literal values
	//   testdata/env/example/dotenv:2 SESSION_SECRET: SESSION_SECRET holds a literal secret (expected a secret-manager reference or SESSION_SECRET_FILE, found a literal value)
}

func ExampleSecretsManaged() {
	env := config.Env(config.EnvOptions{Dir: "testdata/env/example", Root: "testdata/env/example", File: "dotenv"})
	refs := append(config.DefaultSecretReferences(), regexp.MustCompile(`^conjur:`))
	r := config.SecretsManaged(env, config.SecretsManagedOptions{References: refs}).Run(context.Background())
	fmt.Println(r.Status, r.Message)
	// Output:
	// warn 1 of 1 secret variables hold literal values
}
