// Package externaltest proves, from go test, what a user outside this
// repository gets: a module declaring go 1.26.0 that imports check,
// check/checktest and report builds, vets and tests offline with the local
// toolchain (a custom check in a few lines, run under a policy, rendered
// in every format, asserted with checktest); and every ```go block of the
// README compiles. It holds no code.
package externaltest
