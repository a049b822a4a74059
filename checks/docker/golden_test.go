package docker

import "flag"

// update rewrites the golden files under testdata/ instead of comparing
// with them: go test ./checks/docker -update.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")
