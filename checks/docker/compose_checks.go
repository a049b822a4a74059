package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// Checklist lines the compose checks serve (Meta.Item), verbatim.
const (
	itemImages        = "Use production-ready images (no `:latest` tags)"
	itemHealth        = "Implement health checks"
	itemLimits        = "Configure proper resource limits (CPU, memory)"
	itemInfraLimits   = "Configure resource limits"
	itemReviewCompose = "Review `docker-compose.yml` for production settings"
	itemPrivateDB     = "Use private networks for database connections"
	itemSecretManager = "Use secret management service (AWS Secrets Manager, HashiCorp Vault)"
	itemSetValues     = "Set all sensitive values"
	itemLogRetention  = "Set appropriate log retention policy"
)

// ComposeChecksOptions configures every compose check at once; its zero
// value means the production defaults of each check.
type ComposeChecksOptions struct {
	Image        ImagePinnedOptions
	Health       HealthcheckOptions
	Restart      RestartPolicyOptions
	Databases    DatabaseOptions
	Capabilities CapabilitiesOptions
	HostPaths    HostPathsOptions
	Devices      HostDevicesOptions
	Secrets      SecretStrengthOptions
}

// ComposeChecks returns every compose check over p, in checklist order.
func ComposeChecks(p *ComposeProject, opts ComposeChecksOptions) []check.Check {
	return []check.Check{
		ComposeImagePinned(p, opts.Image),
		ComposeImageMajorOnly(p, opts.Image),
		ComposeBuildPullPolicy(p, BuildPullPolicyOptions{}),
		ComposeHealthcheck(p, opts.Health),
		ComposeMemoryLimit(p, ResourceLimitOptions{}),
		ComposeCPULimit(p, ResourceLimitOptions{}),
		ComposePidsLimit(p, ResourceLimitOptions{}),
		ComposeRestartPolicy(p, opts.Restart),
		ComposeDatabasePorts(p, opts.Databases),
		ComposeDatabaseNetwork(p, opts.Databases),
		ComposeDatabaseAuth(p, opts.Databases),
		ComposeSecrets(p, SecretsOptions{}),
		ComposeSecretStrength(p, opts.Secrets),
		ComposeUnprivileged(p, HardeningOptions{}),
		ComposeNoRuntimeSocket(p, HardeningOptions{}),
		ComposeNoHostNamespaces(p, HardeningOptions{}),
		ComposeNonRoot(p, NonRootOptions{}),
		ComposeConfinement(p, ConfinementOptions{}),
		ComposeDevices(p, opts.Devices),
		ComposeHostPaths(p, opts.HostPaths),
		ComposeHostPathsReadOnly(p, opts.HostPaths),
		ComposeMountPropagation(p, MountPropagationOptions{}),
		ComposeNoNewPrivileges(p, HardeningOptions{}),
		ComposeNoDangerousCapabilities(p, opts.Capabilities),
		ComposeCapDrop(p, CapDropOptions{}),
		ComposeReadOnlyRootfs(p, HardeningOptions{}),
		ComposeLogRotation(p, LogRotationOptions{}),
		ComposeVariables(p, VariablesOptions{}),
		ComposeSyntax(p, SyntaxOptions{}),
	}
}

// composeCheck builds a check that loads p (once per run) and judges it.
func composeCheck(p *ComposeProject, m check.Meta, judge func(ctx context.Context, cm *composeModel) check.Result) check.Check {
	m.Target = p.Target()
	return check.New(m, func(ctx context.Context) check.Result {
		cm, err := p.src.Get(ctx)
		if err != nil {
			return composeErrorResult(err)
		}
		if err := ctx.Err(); err != nil {
			return check.Error(fmt.Errorf("docker: compose: %w", err))
		}
		if len(cm.names) == 0 {
			return cm.coverage(check.Skip("no active service in the compose project"))
		}
		return cm.coverage(judge(ctx, cm))
	})
}

// composeErrorResult is the Error result of a project that did not load,
// located where the error says.
func composeErrorResult(err error) check.Result {
	r := check.Error(err)
	var ce *ComposeError
	if errors.As(err, &ce) && ce.File != "" {
		r.Findings = []check.Finding{{Message: err.Error(), Location: check.Location{File: ce.File, Line: ce.Line}}}
	}
	return r
}

// composeFindings collects findings about services.
type composeFindings struct {
	m  *composeModel
	fs []check.Finding
}

// at locates the value pick selects in the definition that wins the merge,
// or the service when it is not set.
func (m *composeModel) at(service string, pick func(*yaml.Node) *yaml.Node) check.Location {
	if pick != nil {
		if d, n := m.ix.find(service, pick); n != nil {
			return check.Location{File: d.display, Line: n.Line, Resource: composeResource(service)}
		}
	}
	return m.missing(service)
}

// missing locates a service: its line in the first file that defines it.
func (m *composeModel) missing(service string) check.Location {
	if d, n := m.ix.firstService(service); d != nil {
		return check.Location{File: d.display, Line: n.Line, Resource: composeResource(service)}
	}
	loc := check.Location{Resource: composeResource(service)}
	if len(m.ix.docs) > 0 {
		loc.File = m.ix.docs[0].display
	}
	return loc
}

func (f *composeFindings) add(loc check.Location, service, msg, expected, actual string) {
	f.fs = append(f.fs, check.Finding{
		Message:  msg, // the location's resource names the service
		Location: loc,
		Expected: expected,
		Actual:   actual,
	})
}

// sorted returns the findings by file order, line and message.
func (f *composeFindings) sorted() []check.Finding {
	order := map[string]int{}
	for i, d := range f.m.ix.allDocs() {
		if _, ok := order[d.display]; !ok {
			order[d.display] = i
		}
	}
	slices.SortStableFunc(f.fs, func(a, b check.Finding) int {
		return cmp.Or(
			cmp.Compare(order[a.Location.File], order[b.Location.File]),
			cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return f.fs
}

// composeKey picks the key at path in a service definition.
func composeKey(path ...string) func(*yaml.Node) *yaml.Node {
	return func(svc *yaml.Node) *yaml.Node { return composeGetPath(svc, path...) }
}

// composeItem picks the first item of the sequence at key that match
// accepts, falling back to nothing.
func composeItem(key string, match func(item *yaml.Node) bool) func(*yaml.Node) *yaml.Node {
	return func(svc *yaml.Node) *yaml.Node {
		_, seq := composeMapGet(svc, key)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			return nil
		}
		for _, item := range seq.Content {
			if match(composeDeref(item)) {
				return item
			}
		}
		return nil
	}
}

// composeFirst returns the first picker that finds something.
func composeFirst(picks ...func(*yaml.Node) *yaml.Node) func(*yaml.Node) *yaml.Node {
	return func(svc *yaml.Node) *yaml.Node {
		for _, p := range picks {
			if n := p(svc); n != nil {
				return n
			}
		}
		return nil
	}
}

// rawValue returns the scalar at key of a service as written, and whether
// it was found.
func (m *composeModel) rawValue(service string, path ...string) (string, bool) {
	var raw string
	_, n := m.ix.find(service, func(svc *yaml.Node) *yaml.Node {
		var k, v *yaml.Node
		for _, p := range path {
			if k, v = composeMapGet(svc, p); k == nil {
				return nil
			}
			svc = v
		}
		s, ok := composeScalar(v)
		if !ok {
			return nil
		}
		raw = s
		return k
	})
	return raw, n != nil
}

func (m *composeModel) service(name string) *types.ServiceConfig {
	s := m.project.Services[name]
	return &s
}

// oneShot reports whether service name runs to completion: listed in
// extra, or restarted never and awaited by a service_completed_successfully
// dependency.
func (m *composeModel) oneShot(name string) bool {
	if slices.Contains(m.oneShots, name) {
		return true
	}
	s := m.service(name)
	if s.Restart != "" && s.Restart != types.RestartPolicyNo {
		return false
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil && s.Deploy.RestartPolicy.Condition != "none" {
		return false
	}
	return m.awaited[name]
}

// composeCount says "1 service" or "3 services".
func composeCount(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// composeVerdict passes with pass, or fails (or warns) with every finding
// and a message counting the services at fault.
func composeVerdict(f *composeFindings, status check.Status, pass string, total int, noun, what string) check.Result {
	fs := f.sorted()
	if len(fs) == 0 {
		return check.Pass(pass)
	}
	services := map[string]bool{}
	for _, x := range fs {
		services[x.Location.Resource] = true
	}
	msg := fmt.Sprintf("%s: %d of %s", what, len(services), composeCount(total, noun))
	if status == check.StatusWarn {
		return check.Warn(msg, fs...)
	}
	return check.Fail(msg, fs...)
}

// ----- docker.compose.image-pinned, docker.compose.image-major-only -----

// ImagePinnedOptions configures [ComposeImagePinned] and [ComposeImageMajorOnly]. Both
// read images with the same rule as the Dockerfile checks (see
// BasePinnedOptions).
type ImagePinnedOptions struct {
	// RequireDigest requires every pulled image to be pinned by digest
	// (app@sha256:…), not only by a version tag.
	RequireDigest bool
	// FloatingTags are the channel tags that move, compared without case;
	// nil means latest, lts, stable, edge, current, rolling, nightly,
	// release, mainline, alpha, beta, canary, dev, develop, devel, main,
	// master, next, preview, snapshot, unstable, test, testing,
	// experimental and insider, and then a distribution or variant word
	// alone (alpine, slim, bookworm, jammy...) floats too. Compounds of
	// these words with no version (lts-alpine, stable-slim) float.
	FloatingTags []string
}

func (o ImagePinnedOptions) rule() imageRefOptions {
	return imageRefOptions{requireDigest: o.RequireDigest, channels: o.FloatingTags}
}

// composeImageState says how a service's image is judged.
type composeImageState int

const (
	composeImageNone      composeImageState = iota // no image (build only) or scratch
	composeImageBuilt                              // build: with pull_policy build or never: never pulled
	composeImageBuildPull                          // build: beside image: with a pull policy that pulls first
	composeImageUnknown                            // a variable with no value leaves the reference incomplete
	composeImagePulled                             // pulled by name: judged by the image rule
)

// composeImage is one service's image and how it is judged.
type composeImage struct {
	service string
	image   string // interpolated
	raw     string // as written, when found
	state   composeImageState
	unset   []string // variables of raw with no value
	ref     imageRef
}

// images judges the image of every active service with the image rule.
func (m *composeModel) images(opts imageRefOptions) []composeImage {
	out := make([]composeImage, 0, len(m.names))
	for _, name := range m.names {
		s := m.service(name)
		ci := composeImage{service: name, image: s.Image}
		ci.raw, _ = m.rawValue(name, "image")
		ci.unset = m.unsetVars(ci.raw)
		pp := strings.ToLower(s.PullPolicy)
		switch {
		case s.Image == "" && s.Build != nil, s.Image == "scratch":
			ci.state = composeImageNone
		case s.Build != nil && (pp == types.PullPolicyBuild || pp == types.PullPolicyNever):
			ci.state = composeImageBuilt
		case s.Build != nil && (pp == "" || pp == types.PullPolicyMissing || pp == types.PullPolicyIfNotPresent):
			ci.state = composeImageBuildPull
		default:
			ci.ref = judgeImageRef(s.Image, opts)
			ci.state = composeImagePulled
			if len(ci.unset) > 0 && (ci.ref.kind == imageRefInvalid || ci.ref.kind == imageRefUntagged || s.Image == "") {
				ci.state = composeImageUnknown
			}
		}
		out = append(out, ci)
	}
	return out
}

// composeImageNotes is the part of a message that says which images were
// not judged by the tag rule, and why: "; 2 built here (pull_policy build),
// judged by their Dockerfile; not judged: service "app" (TAG is not set)".
func composeImageNotes(images []composeImage) string {
	built, buildPull := 0, 0
	var unknown []string
	for _, ci := range images {
		switch ci.state {
		case composeImageBuilt:
			built++
		case composeImageBuildPull:
			buildPull++
		case composeImageUnknown:
			unknown = append(unknown, fmt.Sprintf("service %q (%s %s not set)", ci.service, strings.Join(ci.unset, ", "), composeIsAre(len(ci.unset))))
		}
	}
	var notes []string
	if built > 0 {
		notes = append(notes, composeCount(built, "image")+" built here and never pulled (pull_policy build or never), judged by their Dockerfile's base images")
	}
	if buildPull > 0 {
		notes = append(notes, composeCount(buildPull, "image")+" built here, whose tag is not a pin (see docker.compose.build-pull-policy)")
	}
	if len(unknown) > 0 {
		notes = append(notes, "not known until the deploy sets a variable: "+strings.Join(unknown, ", "))
	}
	if len(notes) == 0 {
		return ""
	}
	return "; " + strings.Join(notes, "; ")
}

func composeIsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// ComposeImagePinned checks that every image compose pulls names a version tag (or
// a digest), by the same rule as [DockerfileBasePinned]: an untagged image
// means :latest, a channel tag (latest, lts, stable, edge, release,
// mainline, alpha...) or a distribution word alone or compounded (alpine,
// bookworm, lts-alpine) moves, and app:${TAG:-latest} deploys latest when
// TAG is unset. A major-only tag (22-alpine, 16) passes here and is
// reported by [ComposeImageMajorOnly]. Not judged, and said so in the message:
// services that only build, scratch, images this file builds (with
// pull_policy build or never they are never pulled; without one, see
// [ComposeBuildPullPolicy]), and a reference that a variable with no value
// leaves incomplete (app:${TAG}): the deploy decides, and
// docker.compose.variables reports the blank.
func ComposeImagePinned(p *ComposeProject, opts ImagePinnedOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.image-pinned", "Compose images are pinned to a version or digest",
		sectionInfra, itemImages, check.SeverityMedium,
		"Pin every image to a version tag (postgres:16.4) or, better, a digest (postgres@sha256:…); give variables used in tags a pinned default (${TAG:-1.4.2}) or require them (${TAG:?set TAG}).",
		[]string{"reliability", "supply-chain"},
		"CIS Docker Benchmark 4.2", "hadolint DL3006/DL3007 (Dockerfile twins)", "Trivy DS-0001 (Dockerfile twin)",
		"DCLint service-image-require-explicit-tag", "Polaris tagNotSpecified", "KICS: no compose rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		images := cm.images(opts.rule())
		checked := 0
		for _, ci := range images {
			if ci.state != composeImagePulled {
				continue
			}
			checked++
			problem := ci.ref.problem()
			if problem == "" {
				continue
			}
			msg := fmt.Sprintf("image %q %s", ci.image, problem)
			if ci.raw != "" && ci.raw != ci.image {
				msg += fmt.Sprintf(" (written %q", ci.raw) + cm.unsetNote(ci.raw) + ")"
			}
			f.add(cm.at(ci.service, composeKey("image")), ci.service, msg, ci.ref.expected(opts.RequireDigest), ci.image)
		}
		notes := composeImageNotes(images)
		if checked == 0 {
			return check.Skip("no image is pulled by name" + notes + " (build-only services are judged by their Dockerfile)")
		}
		what := "pinned to a version"
		if opts.RequireDigest {
			what = "pinned by digest"
		}
		r := composeVerdict(f, check.StatusFail, fmt.Sprintf("every pulled image %s (%s)", what, composeCount(checked, "image")), checked, "pulled image", "unpinned image")
		r.Message += notes
		return r
	})
}

// ComposeImageMajorOnly checks that no image compose pulls is pinned to a major
// version only (node:22-alpine, postgres:16): such a tag moves to every
// minor release, so two deploys of the same file may run different code.
// It warns; the tag rule is [ComposeImagePinned]'s, which reports untagged and
// floating images. With RequireDigest it skips: ComposeImagePinned asks for a
// digest already.
func ComposeImageMajorOnly(p *ComposeProject, opts ImagePinnedOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.image-major-only", "Compose images are pinned past the major version",
		sectionInfra, itemImages, check.SeverityLow,
		"Pin a minor or patch release (node:22.11-alpine, postgres:16.4) or a digest, and let a bot (Renovate, Dependabot) propose updates.",
		[]string{"reliability", "supply-chain"},
		"CIS Docker Benchmark 4.2 (partial)", "DCLint service-image-require-explicit-tag (partial)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		if opts.RequireDigest {
			return check.Skip("RequireDigest is set: docker.compose.image-pinned asks for a digest")
		}
		f := &composeFindings{m: cm}
		checked := 0
		for _, ci := range cm.images(opts.rule()) {
			if ci.state != composeImagePulled {
				continue
			}
			checked++
			if ci.ref.kind != imageRefMajorOnly {
				continue
			}
			f.add(cm.at(ci.service, composeKey("image")), ci.service,
				fmt.Sprintf("image %q is pinned to a major version only: :%s moves to each new minor release", ci.image, ci.ref.tag),
				ci.ref.expected(false), ci.image)
		}
		if checked == 0 {
			return check.Skip("no image is pulled by name")
		}
		return composeVerdict(f, check.StatusWarn, fmt.Sprintf("no pulled image is pinned to a major version only (%s)", composeCount(checked, "image")), checked, "pulled image", "major-only tag")
	})
}

// BuildPullPolicyOptions configures [ComposeBuildPullPolicy]; it has no field yet.
type BuildPullPolicyOptions struct{}

// ComposeBuildPullPolicy checks that a service that both builds (build:) and names
// its image (image:) says pull_policy: build (or never). Without it,
// compose pulls the name first and builds only when the pull fails, so an
// image of the same name in a registry (yours from CI, or someone else's
// on Docker Hub) runs instead of what the file builds; with always,
// refresh or a period, it is pulled over the build. It warns.
func ComposeBuildPullPolicy(p *ComposeProject, _ BuildPullPolicyOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.build-pull-policy", "Compose services that build their image do not pull it",
		sectionInfra, itemImages, check.SeverityLow,
		"Add pull_policy: build to every service with both build: and image:, so that compose builds the image instead of pulling whatever carries that name.",
		[]string{"reliability", "supply-chain"},
		"Compose specification pull_policy", "KICS: no rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		for _, name := range cm.names {
			s := cm.service(name)
			if s.Build == nil || s.Image == "" {
				continue
			}
			checked++
			pp := strings.ToLower(s.PullPolicy)
			switch pp {
			case types.PullPolicyBuild, types.PullPolicyNever:
				continue
			case "", types.PullPolicyMissing, types.PullPolicyIfNotPresent:
				f.add(cm.at(name, composeFirst(composeKey("pull_policy"), composeKey("image"))), name,
					fmt.Sprintf("builds its image but names it %q with no pull_policy: compose pulls that name first and builds only if the pull fails", s.Image),
					"pull_policy: build", composePullPolicyShown(pp))
			default:
				f.add(cm.at(name, composeKey("pull_policy")), name,
					fmt.Sprintf("builds its image but pull_policy %s pulls %q over the build", pp, s.Image),
					"pull_policy: build", "pull_policy "+pp)
			}
		}
		if checked == 0 {
			return check.Skip("no service both builds and names its image")
		}
		return composeVerdict(f, check.StatusWarn, fmt.Sprintf("every service that builds and names its image has pull_policy build or never (%s)", composeCount(checked, "service")), checked, "service that builds", "pulls before building")
	})
}

func composePullPolicyShown(pp string) string {
	if pp == "" {
		return "no pull_policy (missing)"
	}
	return "pull_policy " + pp
}

// unsetVars returns the variables of raw that are not set, sorted.
func (m *composeModel) unsetVars(raw string) []string {
	if !strings.Contains(raw, "$") {
		return nil
	}
	vars := template.ExtractVariables(map[string]any{"v": raw}, template.DefaultPattern)
	var unset []string
	for name, v := range vars {
		if _, ok := m.env[name]; !ok && v.DefaultValue == "" && !v.Required {
			unset = append(unset, name)
		}
	}
	slices.Sort(unset)
	return unset
}

// unsetNote names the variables of raw that are not set: "; TAG is not set".
func (m *composeModel) unsetNote(raw string) string {
	vars := template.ExtractVariables(map[string]any{"v": raw}, template.DefaultPattern)
	var unset []string
	for name := range vars {
		if _, ok := m.env[name]; !ok {
			unset = append(unset, name)
		}
	}
	if len(unset) == 0 {
		return ""
	}
	slices.Sort(unset)
	return "; " + strings.Join(unset, ", ") + " " + composeIsAre(len(unset)) + " not set"
}

// ----- docker.compose.healthcheck -----

// HealthcheckOptions configures [ComposeHealthcheck].
type HealthcheckOptions struct {
	// ImagesWithHealthcheck are more images known to declare a
	// HEALTHCHECK of their own, as path.Match patterns over the image
	// name ("registry.acme.io/team/*"), added to the built-in list
	// (see composeImagesWithHealthcheck).
	ImagesWithHealthcheck []string
}

// composeImagesWithHealthcheck are images whose published Dockerfile
// declares a HEALTHCHECK, matched by name (any tag). Docker's official
// images (postgres, redis, nginx...) declare none.
var composeImagesWithHealthcheck = [...]string{
	"containrrr/watchtower",
	"vaultwarden/server",
	"louislam/uptime-kuma",
	"jc21/nginx-proxy-manager",
	"pihole/pihole",
	"jellyfin/jellyfin",
	"ghcr.io/immich-app/immich-server",
	"ghcr.io/goauthentik/server",
	"ghcr.io/paperless-ngx/paperless-ngx",
}

// ComposeHealthcheck checks that every long-running service has a healthcheck
// that can work. Broken: disable: true or test: ["NONE"]. Missing: no
// healthcheck (or one with an empty test, which inherits the image's) and
// no HEALTHCHECK in the image: a built image's Dockerfile is read; a
// pulled image passes when it is known to declare one (a small built-in
// list, extended by ImagesWithHealthcheck), and otherwise the files cannot
// tell, so it asks for the healthcheck in compose. Timing is not judged:
// Docker starts the next probe only when the previous one ends, and uses 3
// when retries is 0 or less.
func ComposeHealthcheck(p *ComposeProject, opts HealthcheckOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.healthcheck", "Long-running compose services declare a healthcheck",
		sectionInfra, itemHealth, check.SeverityMedium,
		"Add a healthcheck (test, interval, timeout, retries) to every long-running service, or a HEALTHCHECK to the Dockerfile of a built one, and let dependants wait with condition: service_healthy.",
		[]string{"reliability"},
		"CIS Docker Benchmark 4.6", "CIS Docker Benchmark 5.27", "Trivy DS-0026 (Dockerfile twin)", "KICS Healthcheck Not Set (698ed579)")
	known := append(slices.Clone(composeImagesWithHealthcheck[:]), opts.ImagesWithHealthcheck...)
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		var fromImage []string
		dockerfiles := map[string]bool{}
		for _, name := range cm.names {
			if err := ctx.Err(); err != nil {
				return check.Error(fmt.Errorf("docker: compose: %w", err))
			}
			if cm.oneShot(name) {
				continue
			}
			checked++
			s := cm.service(name)
			hc := s.HealthCheck
			if hc != nil && (hc.Disable || (len(hc.Test) > 0 && strings.EqualFold(hc.Test[0], "NONE"))) {
				f.add(cm.at(name, composeFirst(composeKey("healthcheck", "disable"), composeKey("healthcheck", "test"), composeKey("healthcheck"))),
					name, "healthcheck is disabled", "a healthcheck test such as [\"CMD\", \"curl\", \"-f\", \"http://localhost/health\"]", "disabled")
				continue
			}
			if hc != nil && len(hc.Test) > 0 {
				continue
			}
			// No test in compose: the image's HEALTHCHECK applies.
			if s.Build == nil && imageMatches(s.Image, known) {
				fromImage = append(fromImage, name)
				continue
			}
			if ok, why := cm.dockerfileHealth(ctx, s, dockerfiles); !ok {
				f.add(cm.missing(name), name, why, "healthcheck: with test, interval, timeout and retries", "no healthcheck")
			}
		}
		if checked == 0 {
			return check.Skip("every service is a one-shot job")
		}
		r := composeVerdict(f, check.StatusFail, fmt.Sprintf("every long-running service declares a healthcheck (%s)", composeCount(checked, "service")), checked, "long-running service", "no working healthcheck")
		if len(fromImage) > 0 {
			r.Message += fmt.Sprintf("; from its image's own HEALTHCHECK (an image known to declare one): %s", composeQuoteList(fromImage))
		}
		return r
	})
}

// composeServiceList says `service "api"` or `services "api", "worker"`.
func composeServiceList(names []string) string {
	if len(names) == 1 {
		return "service " + strconv.Quote(names[0])
	}
	return "services " + composeQuoteList(names)
}

func composeQuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// dockerfileHealth reports whether a service without a compose healthcheck
// gets one from the Dockerfile it builds, or why not.
func (m *composeModel) dockerfileHealth(ctx context.Context, s *types.ServiceConfig, seen map[string]bool) (bool, string) {
	if s.Build == nil {
		img := s.Image
		return false, fmt.Sprintf("no healthcheck: image %q may define one, but that cannot be known from the files; declare it in compose", img)
	}
	if s.Build.DockerfileInline != "" {
		return false, "no healthcheck in compose, and its dockerfile_inline is not inspected; declare it in compose"
	}
	ctxDir, df, remote := buildPaths(m.project.WorkingDir, s.Build)
	if remote {
		return false, fmt.Sprintf("no healthcheck in compose, and its build context %s is remote; declare it in compose", m.fp.RedactURL(ctxDir))
	}
	shown := m.ix.display(df)
	ok, seenBefore := seen[df]
	if !seenBefore {
		// The Dockerfile path is named by the compose file: read it only
		// when the guard would.
		if why := m.refused(df, shown); why != "" {
			return false, fmt.Sprintf("no healthcheck in compose, and its Dockerfile %s is not read: %s", shown, why)
		}
		var err error
		ok, err = dockerfileDeclaresHealthcheckIn(ctx, m.root, df)
		if err != nil {
			return false, fmt.Sprintf("no healthcheck in compose, and its Dockerfile %s could not be read: %v", shown, composeStripPath(err))
		}
		seen[df] = ok
	}
	if ok {
		return true, ""
	}
	return false, fmt.Sprintf("no healthcheck in compose nor a HEALTHCHECK in its Dockerfile %s", shown)
}

// composeDeclaresHealthcheck reports whether a service's compose
// healthcheck has a test that can run (not disabled, not NONE).
func composeDeclaresHealthcheck(s *types.ServiceConfig) bool {
	hc := s.HealthCheck
	return hc != nil && !hc.Disable && len(hc.Test) > 0 && !strings.EqualFold(hc.Test[0], "NONE")
}

// composeBuildFacts is what the compose definitions of services say about
// the Dockerfile they build with context ctxDir (absolute): who declares a
// healthcheck, and which env_file paths lie inside the context.
func composeBuildFacts(cm *composeModel, services []string, ctxDir string) *dfComposeFacts {
	f := &dfComposeFacts{}
	for _, name := range services {
		s := cm.service(name)
		if composeDeclaresHealthcheck(s) {
			f.health = append(f.health, name)
		} else {
			f.noHealth = append(f.noHealth, name)
		}
		for _, ef := range s.EnvFiles {
			p := ef.Path
			if !filepath.IsAbs(p) {
				p = filepath.Join(cm.project.WorkingDir, p)
			}
			rel, err := filepath.Rel(ctxDir, p)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				continue
			}
			if rel = filepath.ToSlash(rel); !slices.Contains(f.envFiles, rel) {
				f.envFiles = append(f.envFiles, rel)
			}
		}
	}
	return f
}

// refused says why the guard would refuse the file abs a compose file
// names, or "" when it would read it.
func (m *composeModel) refused(abs, shown string) string {
	g, err := guard.New(guard.Options{Root: m.root})
	if err != nil {
		return "the project root cannot be opened"
	}
	defer g.Close()
	fi, err := g.Stat(abs, shown)
	var ge *guard.Error
	switch {
	case errors.As(err, &ge) && ge.Rule == guard.ErrOutside:
		return "it is " + guard.ErrOutside.Error()
	case err != nil:
		return "" // missing or unreadable: the Dockerfile's own error says so
	case !fi.Mode().IsRegular():
		return "it is " + guard.ErrNotRegular.Error()
	}
	return ""
}

// ----- resource limits -----

func composeResourceLimits(s *types.ServiceConfig) *types.Resource {
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		return s.Deploy.Resources.Limits
	}
	return &types.Resource{}
}

// ComposeMemoryLimit checks that every service has a memory limit, through
// deploy.resources.limits.memory or mem_limit, whether or not the file has
// a version: key.
func ComposeMemoryLimit(p *ComposeProject, _ ResourceLimitOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.memory-limit", "Compose services have a memory limit",
		sectionConfig, itemLimits, check.SeverityMedium,
		"Set deploy.resources.limits.memory (or mem_limit) on every service, sized from its observed peak plus headroom, so that one leak cannot starve the host.",
		[]string{"reliability", "resources"},
		"CIS Docker Benchmark 5.11", "KICS Memory Not Limited (bb9ac4f7)")
	return composePerService(p, m, check.StatusFail, "every service has a memory limit", "no memory limit",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if s.MemLimit > 0 || composeResourceLimits(s).MemoryBytes > 0 {
				return
			}
			f.add(cm.at(name, composeFirst(composeKey("deploy", "resources", "limits", "memory"), composeKey("mem_limit"))), name,
				"no memory limit", "deploy.resources.limits.memory (or mem_limit), e.g. 512M", "unlimited")
		})
}

// ComposeCPULimit checks that every service has a CPU limit, through
// deploy.resources.limits.cpus, cpus or cpu_quota.
func ComposeCPULimit(p *ComposeProject, _ ResourceLimitOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.cpu-limit", "Compose services have a CPU limit",
		sectionConfig, itemLimits, check.SeverityLow,
		"Set deploy.resources.limits.cpus (or cpus) on every service, so that one busy container cannot starve the others.",
		[]string{"reliability", "resources"},
		"CIS Docker Benchmark 5.12", "KICS Cpus Not Limited (6b610c50)")
	return composePerService(p, m, check.StatusFail, "every service has a CPU limit", "no CPU limit",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if s.CPUS > 0 || s.CPUQuota > 0 || composeResourceLimits(s).NanoCPUs > 0 {
				return
			}
			f.add(cm.at(name, composeFirst(composeKey("deploy", "resources", "limits", "cpus"), composeKey("cpus"))), name,
				"no CPU limit", "deploy.resources.limits.cpus (or cpus), e.g. \"1.0\"", "unlimited")
		})
}

// ComposePidsLimit checks that every service limits its number of processes
// (pids_limit or deploy.resources.limits.pids), against fork bombs. It
// warns.
func ComposePidsLimit(p *ComposeProject, _ ResourceLimitOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.pids-limit", "Compose services limit their number of processes",
		sectionInfra, itemInfraLimits, check.SeverityLow,
		"Set pids_limit (or deploy.resources.limits.pids) on every service, e.g. 200, so that a fork bomb or a thread leak stays inside the container.",
		[]string{"reliability", "resources", "security"},
		"CIS Docker Benchmark 5.29", "KICS Pids Limit Not Set (221e0658)")
	return composePerService(p, m, check.StatusWarn, "every service limits its processes", "no pids limit",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if s.PidsLimit > 0 || composeResourceLimits(s).Pids > 0 {
				return
			}
			actual := "unlimited"
			if s.PidsLimit < 0 {
				actual = "pids_limit " + strconv.FormatInt(s.PidsLimit, 10)
			}
			f.add(cm.at(name, composeFirst(composeKey("pids_limit"), composeKey("deploy", "resources", "limits", "pids"))), name,
				"no limit on the number of processes", "pids_limit: 200 (or deploy.resources.limits.pids)", actual)
		})
}

// ----- docker.compose.restart-policy -----

// RestartPolicyOptions configures [ComposeRestartPolicy]. It has no
// option yet; which services are one-shot jobs is a fact of the project:
// ComposeOptions.OneShot.
type RestartPolicyOptions struct{}

// ComposeRestartPolicy checks that every long-running service restarts on its
// own: restart always, unless-stopped or on-failure[:N], or a
// deploy.restart_policy whose condition is not none. A missing policy
// fails.
func ComposeRestartPolicy(p *ComposeProject, opts RestartPolicyOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.restart-policy", "Long-running compose services have a restart policy",
		sectionConfig, itemReviewCompose, check.SeverityMedium,
		"Set restart: unless-stopped (or always, or on-failure:5) on every long-running service, so that it comes back after a crash or a reboot.",
		[]string{"reliability"},
		"CIS Docker Benchmark 5.15", "KICS Restart Policy On Failure Not Set To 5 (2fc99041; does not flag a missing policy)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		for _, name := range cm.names {
			if cm.oneShot(name) {
				continue
			}
			checked++
			s := cm.service(name)
			if composeRestarts(s.Restart) {
				continue
			}
			if rp := composeDeployRestart(s); rp != nil && rp.Condition != "none" {
				continue
			}
			const expected = "restart: unless-stopped (or always, on-failure[:N], deploy.restart_policy)"
			switch rp := composeDeployRestart(s); {
			case s.Restart != "":
				f.add(cm.at(name, composeKey("restart")), name, fmt.Sprintf("restart %q never restarts the service", s.Restart), expected, "restart "+s.Restart)
			case rp != nil:
				f.add(cm.at(name, composeKey("deploy", "restart_policy", "condition")), name, "deploy.restart_policy condition none never restarts the service", expected, "condition none")
			default:
				f.add(cm.missing(name), name, "no restart policy: the service stays down after a crash or a reboot", expected, "none (restart \"no\")")
			}
		}
		if checked == 0 {
			return check.Skip("every service is a one-shot job")
		}
		return composeVerdict(f, check.StatusFail, fmt.Sprintf("every long-running service has a restart policy (%s)", composeCount(checked, "service")), checked, "long-running service", "no restart policy")
	})
}

func composeRestarts(r string) bool {
	switch {
	case r == types.RestartPolicyAlways, r == types.RestartPolicyUnlessStopped, r == types.RestartPolicyOnFailure:
		return true
	case strings.HasPrefix(r, types.RestartPolicyOnFailure+":"):
		n, err := strconv.Atoi(strings.TrimPrefix(r, types.RestartPolicyOnFailure+":"))
		return err == nil && n > 0
	}
	return false
}

func composeDeployRestart(s *types.ServiceConfig) *types.RestartPolicy {
	if s.Deploy == nil {
		return nil
	}
	return s.Deploy.RestartPolicy
}
