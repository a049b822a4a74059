// Package docker checks compose files and Dockerfiles statically, with a
// file:line on every finding.
package docker
