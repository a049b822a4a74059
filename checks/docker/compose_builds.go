package docker

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/prodcheck/prodcheck/internal/guard"
)

// Builds returns one [DockerfileSource] per distinct build of the project's
// active services (build context and Dockerfile), sorted by target, so
// that the Dockerfile checks can run on every image the project builds in
// the same run as its compose checks:
//
//	builds, err := project.Builds(ctx)
//	if err != nil { ... }
//	for _, df := range builds {
//		checks = append(checks, docker.DockerfileChecks(df)...)
//	}
//
// A check's Meta must be known before the run, and which Dockerfiles a
// project builds is known only once it loads: call Builds before
// [check.Runner.Run]. It loads the project (afresh, unless ctx carries a
// run's memo, see [check.WithMemo]), honours ctx, and returns a load error
// (a *[ComposeError]) as its error.
//
// Each source's Target is the Dockerfile's path as the caller named the
// project ("deploy/prod/api/Dockerfile" for ComposeOptions{Dir:
// "deploy/prod"} and build: ./api), its ContextDir the build context, its
// BuildArgs the build's args with a value, and [DockerfileSource.Services]
// lists the services that build it. The Dockerfile, its context and its
// ignore file are confined to the project root (see [ComposeOptions]
// Root): a build naming a path outside it, such as dockerfile:
// /etc/hostname, gives a source whose checks report an Error "outside the
// project root", and nothing of the file is read. One Dockerfile built with two
// contexts gives two sources, whose targets add the context:
// "api/Dockerfile (context .)". Services sharing a build share one
// source, with the args of the first of them by name. A build with
// dockerfile_inline or a remote context (a URL, git@...) is left out: there
// is no file to read.
func (p *ComposeProject) Builds(ctx context.Context) ([]*DockerfileSource, error) {
	if p == nil {
		return nil, fmt.Errorf("docker: compose: nil project")
	}
	cm, err := p.src.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docker: compose: %w", err)
	}
	type build struct {
		ctxDir, dockerfile string // absolute
		args               map[string]string
		services           []string
	}
	byKey := map[[2]string]*build{}
	for _, name := range cm.names { // sorted
		s := cm.service(name)
		if s.Build == nil || s.Build.DockerfileInline != "" {
			continue
		}
		ctxDir, df, remote := buildPaths(cm.project.WorkingDir, s.Build)
		if remote {
			continue
		}
		key := [2]string{filepath.Clean(ctxDir), filepath.Clean(df)}
		b := byKey[key]
		if b == nil {
			b = &build{ctxDir: key[0], dockerfile: key[1]}
			for k, v := range s.Build.Args {
				if v != nil {
					if b.args == nil {
						b.args = map[string]string{}
					}
					b.args[k] = *v
				}
			}
			byKey[key] = b
		}
		b.services = append(b.services, name)
	}
	root := cm.root
	if root == "" {
		if root, err = guard.DefaultRoot(cm.project.WorkingDir); err != nil {
			return nil, fmt.Errorf("docker: compose: %w", err)
		}
	}
	out := make([]*DockerfileSource, 0, len(byKey))
	for _, b := range byKey {
		src := Dockerfile(DockerfileOptions{
			Path:       p.callerPath(cm, b.dockerfile),
			ContextDir: p.callerPath(cm, b.ctxDir),
			Root:       root,
			BuildArgs:  b.args,
		})
		src.services = b.services
		src.compose = composeBuildFacts(cm, b.services, b.ctxDir)
		// The compose file named the Dockerfile and the context: both are
		// confined to the project root, and a path outside it (dockerfile:
		// /etc/hostname, context: ../..) loads to an Error naming the rule.
		src.namedBy = composeBuildNamer(b.services)
		out = append(out, src)
	}
	slices.SortStableFunc(out, func(a, b *DockerfileSource) int {
		return cmp.Or(cmp.Compare(a.Target(), b.Target()), cmp.Compare(a.ContextDir(), b.ContextDir()))
	})
	// One Dockerfile built with two contexts: name each by its context.
	for i := range out {
		same := (i > 0 && out[i-1].opts.Path == out[i].opts.Path) || (i+1 < len(out) && out[i+1].opts.Path == out[i].opts.Path)
		if same {
			out[i].target += " (context " + filepath.ToSlash(out[i].ContextDir()) + ")"
		}
	}
	return out, nil
}

// callerPath names the absolute path abs as the caller named the project:
// relative to the project directory, joined to the directory the caller
// gave ("deploy/prod" + "api/Dockerfile").
func (p *ComposeProject) callerPath(cm *composeModel, abs string) string {
	rel, err := filepath.Rel(cm.project.WorkingDir, abs)
	if err != nil {
		return abs
	}
	return filepath.Join(p.callerDir(), rel)
}

// buildPaths resolves a service's build context and Dockerfile to absolute
// paths against the project's working directory, the way compose does. A
// remote context (a URL or git@ address) is reported as remote, with
// ctxDir holding it as written.
func buildPaths(workDir string, b *types.BuildConfig) (ctxDir, dockerfile string, remote bool) {
	ctxDir = b.Context
	if ctxDir == "" {
		ctxDir = workDir
	}
	if strings.Contains(ctxDir, "://") || strings.HasPrefix(ctxDir, "git@") {
		return ctxDir, "", true
	}
	if !filepath.IsAbs(ctxDir) {
		ctxDir = filepath.Join(workDir, ctxDir)
	}
	dockerfile = b.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(ctxDir, dockerfile)
	}
	return ctxDir, dockerfile, false
}

// composeBuildNamer says which builds named a Dockerfile, for errors:
// "the build of service \"api\"", "the builds of services \"api\", \"worker\"".
func composeBuildNamer(services []string) string {
	quoted := make([]string, len(services))
	for i, s := range services {
		quoted[i] = strconv.Quote(s)
	}
	if len(quoted) == 1 {
		return "the build of service " + quoted[0]
	}
	return "the builds of services " + strings.Join(quoted, ", ")
}
