package docker

import (
	"flag"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
)

// update rewrites the golden files under testdata/ instead of comparing
// with them: go test ./checks/docker -update.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// assertFindingsActionable asserts that every finding of rep is located
// (file, line and resource) and says what was expected and what was found.
func assertFindingsActionable(t *testing.T, rep *check.Report) {
	t.Helper()
	for _, o := range rep.Outcomes {
		for _, f := range o.Result.Findings {
			assert.NotEmpty(t, f.Location.File, "%s: %s", o.Meta.ID, f)
			assert.Positive(t, f.Location.Line, "%s: %s", o.Meta.ID, f)
			assert.NotEmpty(t, f.Location.Resource, "%s: %s", o.Meta.ID, f)
			assert.NotEmpty(t, f.Expected, "%s: %s", o.Meta.ID, f)
			assert.NotEmpty(t, f.Actual, "%s: %s", o.Meta.ID, f)
		}
	}
}
