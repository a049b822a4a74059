// Package docker checks compose files and Dockerfiles statically, before
// anything is built or started, with a file:line on every finding. No
// Docker engine is needed.
//
// # Sources
//
// Checks are built over two sources, each loaded once per run however many
// checks read it (see check.Source):
//
//	p := docker.Compose(docker.ComposeOptions{Dir: "deploy", Files: []string{"compose.yaml", "compose.prod.yaml"}})
//	df := docker.Dockerfile(docker.DockerfileOptions{Path: "api/Dockerfile"})
//	checks := append(docker.ComposeChecks(p, docker.ComposeChecksOptions{}), docker.DockerfileChecks(df)...)
//
// A compose project is loaded with compose-go, as docker compose does:
// several files merge in order, extends and include are followed, and
// variables are interpolated from the .env file of the directory and from
// ComposeOptions.Env, never from the process environment unless
// UseProcessEnv is set. Schema validation stays on. A yaml.v3 pass over the
// same files gives line numbers: a finding about a value points at the file
// and line that set it last; a finding about something missing points at
// the service's line in the first file that defines it. A missing required
// variable (${X:?}) is an Error naming X; an unset variable that leaves a
// blank is a finding of docker.compose.variables.
//
// A Dockerfile is parsed with BuildKit's parser and instruction reader,
// with its linter: ARG defaults (and build arguments) are resolved in FROM,
// multi-stage builds are understood (USER, HEALTHCHECK and secrets are
// judged in the final stage, base-image pinning in every stage that is not
// a local stage name), and .dockerignore (or <Dockerfile>.dockerignore)
// is read with the Docker CLI's own matcher.
//
// # Targets and locations
//
// Every check's Meta.Target names its source, so that one run can check
// several projects and Dockerfiles with the same rules, and waivers,
// overrides and filters can pick one by path pattern:
//
//   - a compose check: the first compose file as the caller named it,
//     joined to Dir when relative, with forward slashes:
//     ComposeOptions{Dir: "deploy/prod"} gives "deploy/prod/compose.yml"
//     (the default file found there); an absolute path stays absolute;
//   - a Dockerfile check: DockerfileOptions.Path, likewise
//     ("deploy/prod/api/Dockerfile").
//
// ComposeOptions.Target and DockerfileOptions.Target name a source apart
// when two would otherwise share a target (one file checked twice with
// different options); the Runner rejects two checks with the same ID and
// target.
//
// A finding's Location.File is relative to the root of its source, with
// forward slashes, and is read together with the target: for a compose
// project, the project directory ("compose.prod.yaml", "common/base.yaml",
// "../shared.yaml"); for a Dockerfile, its build context ("Dockerfile",
// ".dockerignore"). A service is never a target: it is the finding's
// Location.Resource (`service "api"`).
//
// The Dockerfiles a compose project builds are known only once it loads,
// and a check's Meta must be known before the run, so listing them is an
// explicit step: [ComposeProject.Builds] loads the project and returns one
// DockerfileSource per distinct build (context and Dockerfile), to pass
// to [DockerfileChecks] before calling Run:
//
//	builds, err := p.Builds(ctx) // a *ComposeError when the project does not load
//	for _, df := range builds {
//		checks = append(checks, docker.DockerfileChecks(df)...)
//	}
//
// Bad input (a YAML or Dockerfile syntax error, a schema error, a missing,
// binary or oversized file) gives an Error outcome for every check on the
// source, naming the file, the line where known and the parser's words.
//
// # Checks
//
// One rule per ID, one verdict per rule, and one shape for every
// constructor: a source and an options value whose zero value is the
// production default, named after the ID (docker.compose.memory-limit is
// [ComposeMemoryLimit]). [ComposeChecks] and [DockerfileChecks] return
// them all. Compose rules cover images (pinned, major-only tags, pull
// policy of built images), health checks, resource limits, restart
// policy, databases (published ports, networks shared with services that
// do not use them, authentication switched off), secrets (literal values,
// and weak, demo or example values in compose, .env and env_file),
// privilege (privileged, runtime sockets and their directories, host
// namespaces, user: root, confinement, devices, sensitive host paths,
// mount propagation, no-new-privileges, added and undropped
// capabilities, a read-only root filesystem), log rotation, variables and
// obsolete syntax. Dockerfile rules cover base images (with compose's
// build args and the # syntax= frontend), the user (and entrypoints that
// step down from root), the health check (credited when the compose
// services that build the image declare one), literal and build-time
// secrets, and .env or key files copied with the context.
//
// Each reports every offending service or instruction, and its Meta names
// the checklist line, a remediation and the CIS Docker Benchmark and
// peer-tool rules it corresponds to. The README lists every ID with its
// severity.
//
// Every service of every profile is checked by default, and a finding
// about a service that starts only under a profile marks it
// (`service "debug" (profile debug)`); ComposeOptions.ActiveProfilesOnly
// checks what docker compose up would start and says what it skipped.
//
// # Secrets
//
// Secret values never reach a result: a finding shows the key and a
// fingerprint (length and an HMAC under a key made for each load), or for a
// weak or well-known value only why it is weak. Whether a value is a
// secret at all is internal/secret's one rule, shared with the other
// families. Parser errors that quote a line are rewritten to the file,
// line and key.
//
// # Logging
//
// This package writes no log line, and never changes logrus's standard
// logger, through which compose-go logs (that would silence the embedding
// program's own logs). Instead it steers each load so that compose-go has
// nothing to log, and reports the notes as findings of
// docker.compose.syntax, located:
//
//   - an obsolete top-level version: key: the bytes handed to compose-go
//     carry it renamed to an x- extension key of the same length, so lines
//     do not move;
//   - YAML 1.1 booleans (yes, no, on, off): the loader's boolean casts are
//     wrapped per load;
//   - unset variables: substituted without logging, and reported by
//     docker.compose.variables.
//
// Known gaps, where compose-go reads the input itself: a version: key in a
// file pulled in with include: (it is still reported as a finding), the
// deprecated external.name of a network or volume, and a path starting
// with ~ when HOME is unset are still logged by compose-go.
//
// All sources and checks are safe for concurrent use.
package docker
