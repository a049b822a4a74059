package docker

import "context"

// dockerfileDeclaresHealthcheck reports whether the final stage of the
// Dockerfile at path declares a HEALTHCHECK that is not NONE. path is read
// where it is (the caller's own path), still through the guarded reader:
// never a FIFO, a device or an oversized file.
//
// A HEALTHCHECK inherited from the local stage the final stage builds on
// counts; one declared by an external base image cannot be seen and does
// not. Read and parse errors are those of a [DockerfileSource]: a
// *DockerfileError naming the file and line, quoting no input.
func dockerfileDeclaresHealthcheck(ctx context.Context, path string) (bool, error) {
	return dockerfileDeclaresHealthcheckIn(ctx, "", path)
}

// dockerfileDeclaresHealthcheckIn is dockerfileDeclaresHealthcheck for a
// Dockerfile that an input file named (a compose build): with root set, a
// path outside root, or leading out of it through a symlink, is refused
// with an error naming the rule ("outside the project root").
func dockerfileDeclaresHealthcheckIn(ctx context.Context, root, path string) (bool, error) {
	p, err := dockerfileParseFile(ctx, root, path, DefaultDockerfileMaxSize, nil)
	if err != nil {
		return false, err
	}
	_, h, ok := dfLastHealth(p, p.final())
	return ok && !h.none, nil
}
