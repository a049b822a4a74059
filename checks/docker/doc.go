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
// Bad input (a YAML or Dockerfile syntax error, a schema error, a missing,
// binary or oversized file) gives an Error outcome for every check on the
// source, naming the file, the line where known and the parser's words.
//
// # Checks
//
// One rule per ID. Compose: docker.image.pinned, docker.compose.healthcheck,
// docker.resources.memory, docker.resources.cpu, docker.resources.pids,
// docker.restart.policy, docker.network.database-ports,
// docker.network.database-network, docker.compose.secrets,
// docker.compose.variables, docker.hardening.privileged,
// docker.hardening.socket, docker.hardening.host-namespaces,
// docker.hardening.no-new-privileges, docker.hardening.capabilities,
// docker.hardening.read-only and docker.logging.rotation. Dockerfile:
// docker.dockerfile.base-pinned, docker.dockerfile.user,
// docker.dockerfile.healthcheck, docker.dockerfile.secrets and
// docker.dockerfile.env-excluded. Each reports every offending service or
// instruction, not only the first, and its Meta names the checklist line,
// a remediation and the CIS Docker Benchmark and peer-tool rules it
// corresponds to.
//
// # Secrets
//
// Secret values never reach a result: a finding shows the key and a
// fingerprint (length and a short SHA-256). Parser errors that quote a
// line are redacted the same way.
//
// # Logging
//
// compose-go logs through logrus's standard logger (for example one
// warning per file that still has a version: key). This package never
// changes logrus's settings; a program that wants silence sets them itself.
//
// All sources and checks are safe for concurrent use.
package docker
