package docker

import "context"

// dockerfileDeclaresHealthcheck reports whether the final stage of the Dockerfile at path declares a HEALTHCHECK that is not NONE.
//
// A HEALTHCHECK inherited from the local stage the final stage builds on
// counts; one declared by an external base image cannot be seen and does
// not. Read and parse errors are those of a [DockerfileSource]: a
// *DockerfileError naming the file and line.
func dockerfileDeclaresHealthcheck(ctx context.Context, path string) (bool, error) {
	p, err := dockerfileParseFile(ctx, path, DefaultDockerfileMaxSize, nil)
	if err != nil {
		return false, err
	}
	_, h, ok := dfLastHealth(p, p.final())
	return ok && !h.none, nil
}
