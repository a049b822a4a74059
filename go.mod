module github.com/prodcheck/prodcheck

go 1.26.8

require (
	github.com/hashicorp/go-multierror v1.1.1
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/compose-spec/compose-go/v2 v2.16.2 // indirect
	github.com/hashicorp/errwrap v1.0.0 // indirect
	github.com/joshdk/go-junit v1.0.0 // indirect
	github.com/moby/buildkit v0.34.2 // indirect
	github.com/moby/patternmatcher v0.6.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.25.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
