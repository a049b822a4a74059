package checktest_test

import (
	"context"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func meta(id string) check.Meta {
	return check.Meta{
		ID:          id,
		Title:       "Test check " + id,
		Section:     "Test / Checktest",
		Item:        "checks run in go test",
		Severity:    check.SeverityHigh,
		Remediation: "Fix " + id + ".",
	}
}

// fixed returns a check that honours its context and otherwise returns r.
func fixed(id string, r check.Result) check.Check {
	return fixedMeta(meta(id), r)
}

func fixedMeta(m check.Meta, r check.Result) check.Check {
	return check.New(m, func(ctx context.Context) check.Result {
		if err := ctx.Err(); err != nil {
			return check.Error(err)
		}
		return r
	})
}

// unpinned is a located finding with what was expected and found.
var unpinned = check.Finding{
	Message:  "image is not pinned to a digest",
	Location: check.Location{File: "docker-compose.yml", Line: 12, Col: 5, Resource: "service web"},
	Expected: "nginx@sha256:<digest>",
	Actual:   "nginx:latest",
}
