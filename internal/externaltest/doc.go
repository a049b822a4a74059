// Package externaltest proves, from go test, that a module outside this
// repository can write its own check in a few lines, run it with the
// Runner and render it in every report format. It holds no code.
package externaltest
