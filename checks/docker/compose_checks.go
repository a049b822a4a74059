package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
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
	Health       HealthCheckedOptions
	Restart      RestartPolicyOptions
	Databases    DatabaseOptions
	Capabilities CapabilitiesOptions
}

// ComposeChecks returns every compose check over p, in checklist order.
func ComposeChecks(p *ComposeProject, opts ComposeChecksOptions) []check.Check {
	return []check.Check{
		ImagePinned(p, opts.Image),
		HealthChecked(p, opts.Health),
		MemoryLimited(p),
		CPULimited(p),
		PidsLimited(p),
		RestartPolicy(p, opts.Restart),
		DatabasePortsPrivate(p, opts.Databases),
		DatabaseNetworkPrivate(p, opts.Databases),
		ComposeSecrets(p),
		NotPrivileged(p),
		NoDockerSocket(p),
		NoHostNamespaces(p),
		NoNewPrivileges(p),
		NoDangerousCapabilities(p, opts.Capabilities),
		ReadOnlyRootFS(p),
		LogRotation(p),
		VariablesSet(p),
		CurrentSyntax(p),
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
			return check.Skip("no active service in the compose project")
		}
		return judge(ctx, cm)
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
func (m *composeModel) oneShot(name string, extra []string) bool {
	if slices.Contains(extra, name) {
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

// ----- docker.image.pinned -----

// ImagePinnedOptions configures [ImagePinned].
type ImagePinnedOptions struct {
	// RequireDigest requires every image to be pinned by digest
	// (app@sha256:…), not only by a version tag.
	RequireDigest bool
	// FloatingTags are tags that move, compared without case; nil means
	// latest, stable, edge, nightly, dev, develop, main, master, beta,
	// canary, lts, current, rolling, snapshot and unstable.
	FloatingTags []string
}

// composeFloatingTags is the default list of tags that move.
var composeFloatingTags = [...]string{"latest", "stable", "edge", "nightly", "dev", "develop", "main", "master", "beta", "canary", "lts", "current", "rolling", "snapshot", "unstable"}

// ImagePinned checks that every service's image, after interpolation, names
// a version tag (or a digest): an untagged image means :latest, and
// app:${TAG:-latest} deploys latest when TAG is unset. Services that only
// build (build: without image:) are skipped; scratch is exempt.
func ImagePinned(p *ComposeProject, opts ImagePinnedOptions) check.Check {
	floating := opts.FloatingTags
	if floating == nil {
		floating = composeFloatingTags[:]
	}
	m := dockerMeta("compose", "docker.image.pinned", "Compose images are pinned to a version or digest",
		sectionInfra, itemImages, check.SeverityMedium,
		"Pin every image to a version tag (postgres:16.4) or, better, a digest (postgres@sha256:…); give variables used in tags a pinned default (${TAG:-1.4.2}) or require them (${TAG:?set TAG}).",
		[]string{"reliability", "supply-chain"},
		"DCLint service-image-require-explicit-tag", "Polaris tagNotSpecified", "KICS: no compose rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		for _, name := range cm.names {
			s := cm.service(name)
			if s.Image == "" || s.Image == "scratch" {
				continue
			}
			checked++
			problem, expected := composeImageProblem(s.Image, opts.RequireDigest, floating)
			if problem == "" {
				continue
			}
			msg := problem
			if raw, ok := cm.rawValue(name, "image"); ok && raw != s.Image {
				msg += fmt.Sprintf(" (written %q", raw) + cm.unsetNote(raw) + ")"
			}
			f.add(cm.at(name, composeKey("image")), name, msg, expected, s.Image)
		}
		if checked == 0 {
			return check.Skip("no service names an image (build-only services are judged by their Dockerfile)")
		}
		what := "pinned to a version"
		if opts.RequireDigest {
			what = "pinned by digest"
		}
		return composeVerdict(f, check.StatusFail, fmt.Sprintf("every image %s (%s)", what, composeCount(checked, "image")), checked, "image", "unpinned image")
	})
}

// composeImageProblem says what is wrong with image, and what a pinned
// reference looks like; "" when it is pinned.
func composeImageProblem(image string, requireDigest bool, floating []string) (problem, expected string) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Sprintf("image %q is not a valid reference: %v", image, err), "a reference such as app:1.4.2"
	}
	name := reference.FamiliarName(named)
	_, digested := named.(reference.Digested)
	tagged, hasTag := named.(reference.Tagged)
	switch {
	case digested:
		return "", ""
	case requireDigest:
		return fmt.Sprintf("image %q is not pinned by digest", image), name + "@sha256:<digest>"
	case !hasTag:
		return fmt.Sprintf("image %q has no tag, which means :latest", image), name + ":<version>"
	}
	for _, t := range floating {
		if strings.EqualFold(tagged.Tag(), t) {
			return fmt.Sprintf("image %q uses the floating tag :%s", image, tagged.Tag()), name + ":<version>"
		}
	}
	return "", ""
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
	verb := " is"
	if len(unset) > 1 {
		verb = " are"
	}
	return "; " + strings.Join(unset, ", ") + verb + " not set"
}

// ----- docker.compose.healthcheck -----

// HealthCheckedOptions configures [HealthChecked].
type HealthCheckedOptions struct {
	// OneShot names services that run to completion (migrations, seed
	// jobs) and need no healthcheck. A service with restart "no" that
	// another service awaits with condition service_completed_successfully
	// is recognised without being listed.
	OneShot []string
}

// Docker's healthcheck defaults.
const (
	composeDefaultInterval = 30 * time.Second
	composeDefaultTimeout  = 30 * time.Second
	composeDefaultRetries  = 3
)

// HealthChecked checks that every long-running service declares a
// healthcheck that is not disabled, with a timeout no longer than its
// interval and at least one retry (Docker's defaults applied first). A
// service with build: whose Dockerfile has a HEALTHCHECK counts as checked;
// for an image pulled by name the check cannot know what the image bakes
// in, so it asks for the healthcheck in compose.
func HealthChecked(p *ComposeProject, opts HealthCheckedOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.healthcheck", "Long-running compose services declare a healthcheck",
		sectionInfra, itemHealth, check.SeverityMedium,
		"Add a healthcheck (test, interval, timeout, retries) to every long-running service, or a HEALTHCHECK to the Dockerfile of a built one; keep timeout at or below interval, and let dependants wait with condition: service_healthy.",
		[]string{"reliability"},
		"CIS Docker Benchmark 4.6", "CIS Docker Benchmark 5.27", "KICS Healthcheck Not Set (698ed579)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		dockerfiles := map[string]bool{}
		for _, name := range cm.names {
			if err := ctx.Err(); err != nil {
				return check.Error(fmt.Errorf("docker: compose: %w", err))
			}
			if cm.oneShot(name, opts.OneShot) {
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
			if hc == nil || len(hc.Test) == 0 {
				if ok, why := cm.dockerfileHealth(ctx, s, dockerfiles); !ok {
					f.add(cm.missing(name), name, why, "healthcheck: with test, interval, timeout and retries", "no healthcheck")
					continue
				}
			}
			if hc == nil {
				continue
			}
			interval, timeout := composeDur(hc.Interval, composeDefaultInterval), composeDur(hc.Timeout, composeDefaultTimeout)
			if timeout > interval {
				f.add(cm.at(name, composeFirst(composeKey("healthcheck", "timeout"), composeKey("healthcheck", "interval"))), name,
					fmt.Sprintf("healthcheck timeout %v is longer than its interval %v", timeout, interval),
					"timeout <= interval", fmt.Sprintf("timeout %v, interval %v", timeout, interval))
			}
			if hc.Retries != nil && *hc.Retries < 1 {
				f.add(cm.at(name, composeKey("healthcheck", "retries")), name,
					"healthcheck retries is 0: one failed probe marks it unhealthy with no second chance, or never counts failures",
					"retries >= 1 (Docker's default is 3)", "retries 0")
			}
		}
		if checked == 0 {
			return check.Skip("every service is a one-shot job")
		}
		return composeVerdict(f, check.StatusFail, fmt.Sprintf("every long-running service declares a healthcheck (%s)", composeCount(checked, "service")), checked, "long-running service", "no working healthcheck")
	})
}

func composeDur(d *types.Duration, def time.Duration) time.Duration {
	if d == nil || *d <= 0 {
		return def
	}
	return time.Duration(*d)
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

// ----- docker.resources.* -----

func composeResourceLimits(s *types.ServiceConfig) *types.Resource {
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		return s.Deploy.Resources.Limits
	}
	return &types.Resource{}
}

// MemoryLimited checks that every service has a memory limit, through
// deploy.resources.limits.memory or mem_limit, whether or not the file has
// a version: key.
func MemoryLimited(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.resources.memory", "Compose services have a memory limit",
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

// CPULimited checks that every service has a CPU limit, through
// deploy.resources.limits.cpus, cpus or cpu_quota.
func CPULimited(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.resources.cpu", "Compose services have a CPU limit",
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

// PidsLimited checks that every service limits its number of processes
// (pids_limit or deploy.resources.limits.pids), against fork bombs. It
// warns.
func PidsLimited(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.resources.pids", "Compose services limit their number of processes",
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

// ----- docker.restart.policy -----

// RestartPolicyOptions configures [RestartPolicy].
type RestartPolicyOptions struct {
	// OneShot names services that run to completion and must not be
	// restarted; see HealthCheckedOptions.OneShot.
	OneShot []string
}

// RestartPolicy checks that every long-running service restarts on its
// own: restart always, unless-stopped or on-failure[:N], or a
// deploy.restart_policy whose condition is not none. A missing policy
// fails.
func RestartPolicy(p *ComposeProject, opts RestartPolicyOptions) check.Check {
	m := dockerMeta("compose", "docker.restart.policy", "Long-running compose services have a restart policy",
		sectionConfig, itemReviewCompose, check.SeverityMedium,
		"Set restart: unless-stopped (or always, or on-failure:5) on every long-running service, so that it comes back after a crash or a reboot.",
		[]string{"reliability"},
		"CIS Docker Benchmark 5.15", "KICS Restart Policy On Failure Not Set To 5 (2fc99041; does not flag a missing policy)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		checked := 0
		for _, name := range cm.names {
			if cm.oneShot(name, opts.OneShot) {
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
