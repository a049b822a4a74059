package docker

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/prodcheck/prodcheck/check"
)

// composeServiceRule adds to f what is wrong with service name (s), if
// anything.
type composeServiceRule func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings)

// composePerService builds a check that applies rule to every active
// service and passes with "<pass> (N services)", or reports with status
// under "<failLabel>: X of N services".
func composePerService(p *ComposeProject, m check.Meta, status check.Status, pass, failLabel string, rule composeServiceRule) check.Check {
	return composeCheck(p, m, func(_ context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		for _, name := range cm.names {
			rule(cm, name, cm.service(name), f)
		}
		n := len(cm.names)
		return composeVerdict(f, status, pass+" ("+composeCount(n, "service")+")", n, "service", failLabel)
	})
}

// composeDatabaseService is an active service that runs a well-known
// database or cache image.
type composeDatabaseService struct {
	name string
	s    *types.ServiceConfig
	db   composeDatabase
}

// composeDatabaseCheck builds a check that judges the database and cache
// services of the project (extra adds image names, as
// DatabaseOptions.Images), and skips when there is none.
func composeDatabaseCheck(p *ComposeProject, m check.Meta, extra []string, judge func(cm *composeModel, dbs []composeDatabaseService) check.Result) check.Check {
	return composeCheck(p, m, func(_ context.Context, cm *composeModel) check.Result {
		var dbs []composeDatabaseService
		for _, name := range cm.names {
			s := cm.service(name)
			if db, ok := composeDatabaseOf(s.Image, extra); ok {
				dbs = append(dbs, composeDatabaseService{name: name, s: s, db: db})
			}
		}
		if len(dbs) == 0 {
			return check.Skip("no well-known database or cache image in the project")
		}
		return judge(cm, dbs)
	})
}

// Every rule has the same constructor shape: a source and an options
// value whose zero value is the production default. These rules have no
// option yet; their options types keep the shape, so that adding one
// later breaks no caller.
type (
	// ResourceLimitOptions configures ComposeMemoryLimit, ComposeCPULimit
	// and ComposePidsLimit.
	ResourceLimitOptions struct{}
	// HardeningOptions configures ComposeUnprivileged,
	// ComposeNoRuntimeSocket, ComposeNoHostNamespaces,
	// ComposeNoNewPrivileges and ComposeReadOnlyRootfs.
	HardeningOptions struct{}
	// SecretsOptions configures ComposeSecrets.
	SecretsOptions struct{}
	// LogRotationOptions configures ComposeLogRotation.
	LogRotationOptions struct{}
	// VariablesOptions configures ComposeVariables.
	VariablesOptions struct{}
	// SyntaxOptions configures ComposeSyntax.
	SyntaxOptions struct{}
	// DockerfileHealthcheckOptions configures DockerfileHealthcheck.
	DockerfileHealthcheckOptions struct{}
)
