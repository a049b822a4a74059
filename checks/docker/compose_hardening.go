package docker

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/secret"
)

// ----- docker.compose.secrets -----

// composeEnvEntry is an environment: entry of a service as written.
type composeEnvEntry struct {
	loc      check.Location
	raw      string
	hasValue bool // false: a host passthrough (KEY, or KEY: with no value)
}

// envEntry finds the environment: entry key of a service in the
// definition that wins the merge.
func (m *composeModel) envEntry(service, key string) (composeEnvEntry, bool) {
	var e composeEnvEntry
	d, n := m.ix.find(service, func(svc *yaml.Node) *yaml.Node {
		_, env := composeMapGet(svc, "environment")
		if env == nil {
			return nil
		}
		switch env.Kind {
		case yaml.MappingNode:
			k, v := composeMapGet(env, key)
			if k == nil {
				return nil
			}
			e.raw, e.hasValue = "", false
			if !composeIsNull(v) {
				e.raw, e.hasValue = composeScalar(v)
			}
			return k
		case yaml.SequenceNode:
			for _, item := range env.Content {
				s, ok := composeScalar(item)
				if !ok {
					continue
				}
				if k, v, eq := strings.Cut(s, "="); k == key {
					e.raw, e.hasValue = v, eq
					return item
				}
			}
		}
		return nil
	})
	if n == nil {
		return e, false
	}
	e.loc = check.Location{File: d.display, Line: n.Line, Resource: composeResource(service)}
	return e, true
}

// composeHasVariable reports whether s refers to a variable.
func composeHasVariable(s string) bool {
	return strings.Contains(s, "$") && len(template.ExtractVariables(map[string]any{"v": s}, template.DefaultPattern)) > 0
}

// composeBlankVariables replaces every variable reference of s by nothing,
// leaving what is literal.
func composeBlankVariables(s string) string {
	out, err := template.SubstituteWithOptions(s, func(string) (string, bool) { return "", true }, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}

// ComposeSecrets checks that no environment: entry holds a literal secret:
// a key whose words name one (PASSWORD, SECRET, TOKEN, KEY, ...; not
// *_FILE, PUBLIC, ...) with a value written in the file, or any URL with a
// literal password. A ${VAR} reference, a host passthrough (KEY with no
// value) or secrets: is fine. Values never appear in the result: only the
// key and a fingerprint.
func ComposeSecrets(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.compose.secrets", "No literal secrets in compose environment",
		sectionEnv, itemSecretManager, check.SeverityHigh,
		"Move the value out of the compose file: reference a variable (${DB_PASSWORD:?}) set by your secret manager, or mount it with secrets: and point the image at the file (POSTGRES_PASSWORD_FILE=/run/secrets/db_password); then rotate the exposed secret.",
		[]string{"security", "secrets"},
		"CIS Docker Benchmark 4.10", "Polaris sensitiveContainerEnvVar", "KICS/Trivy: no compose rule (gap)")
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		keys := 0
		for _, name := range cm.names {
			s := cm.service(name)
			for _, key := range slices.Sorted(maps.Keys(s.Environment)) {
				e, ok := cm.envEntry(name, key)
				if !ok || !e.hasValue || e.raw == "" {
					continue
				}
				keys++
				if secret.IsSecretKey(key) && !composeHasVariable(e.raw) && !strings.HasPrefix(e.raw, "/run/secrets/") {
					value := cm.ix.interpolate(e.raw) // unescapes $$
					f.add(e.loc, name, fmt.Sprintf("environment %s holds a literal secret", key),
						"a ${VAR} reference, a host passthrough (- "+key+"), or secrets: with "+key+"_FILE",
						key+"="+cm.fp.Fingerprint(value))
					continue
				}
				if literal := composeBlankVariables(e.raw); secret.URLHasPassword(literal) {
					f.add(e.loc, name, fmt.Sprintf("environment %s holds a URL with a literal password", key),
						"the password from a variable (scheme://user:${DB_PASSWORD}@host) or a secret file",
						key+": URL password "+composeURLPasswordFingerprint(cm.fp, literal))
				}
			}
		}
		pass := fmt.Sprintf("no literal secret among %s", composeCount(keys, "environment value"))
		if keys == 0 {
			pass = "no environment value written in the compose files"
		}
		return composeVerdict(f, check.StatusFail, pass, len(cm.names), "service", "literal secret in environment")
	})
}

// ----- docker.hardening.* -----

// NotPrivileged checks that no service runs privileged: a privileged
// container has every capability and every device, root on the host in
// all but name.
func NotPrivileged(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.hardening.privileged", "No compose service runs privileged",
		sectionConfig, itemReviewCompose, check.SeverityCritical,
		"Remove privileged: true; grant the one capability (cap_add) or device (devices:) the service needs instead.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.5", "KICS Privileged Containers Enabled (ae5b6871)")
	return composePerService(p, m, check.StatusFail, "no service runs privileged", "privileged",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if s.Privileged {
				f.add(cm.at(name, composeKey("privileged")), name, "runs privileged: every capability and device of the host",
					"privileged: false (the default)", "privileged: true")
			}
		})
}

// composeRuntimeSockets are the sockets that give control of the host's
// container runtime.
var composeRuntimeSockets = [...]string{"docker.sock", "podman.sock", "containerd.sock", "crio.sock", "dockershim.sock"}

func composeRuntimeSocket(p string) string {
	base := path.Base(strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/"))
	if slices.Contains(composeRuntimeSockets[:], base) {
		return base
	}
	return ""
}

// NoDockerSocket checks that no service mounts the container runtime's
// socket (docker.sock and its kin) or asks for it with use_api_socket:
// whoever reaches that socket controls the host.
func NoDockerSocket(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.hardening.socket", "No compose service mounts the Docker socket",
		sectionConfig, itemReviewCompose, check.SeverityCritical,
		"Remove the docker.sock mount; if a tool must watch containers, give it a filtering socket proxy with read-only access to the endpoints it needs.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.32", "KICS Docker Socket Mounted In Container (d6355c88)")
	return composePerService(p, m, check.StatusFail, "no service mounts the Docker socket", "Docker socket mounted",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, v := range s.Volumes {
				sock := composeRuntimeSocket(v.Source)
				if sock == "" {
					continue
				}
				pick := composeItem("volumes", func(item *yaml.Node) bool {
					if s, ok := composeScalar(item); ok {
						return strings.Contains(cm.ix.interpolate(s), sock)
					}
					_, src := composeMapGet(item, "source")
					s, _ := composeScalar(src)
					return composeRuntimeSocket(cm.ix.interpolate(s)) == sock
				})
				ro := ""
				if v.ReadOnly {
					ro = " (read-only still allows every API call)"
				}
				f.add(cm.at(name, composeFirst(pick, composeKey("volumes"))), name, "mounts the container runtime socket "+v.Source+ro,
					"no runtime socket mount", v.Source+":"+v.Target)
			}
			if s.UseAPISocket {
				f.add(cm.at(name, composeKey("use_api_socket")), name, "use_api_socket gives the container the Docker API socket",
					"no use_api_socket", "use_api_socket: true")
			}
		})
}

// NoHostNamespaces checks that no service shares a namespace of the host:
// network_mode, pid, ipc, uts or userns_mode "host".
func NoHostNamespaces(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.hardening.host-namespaces", "No compose service shares a host namespace",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove network_mode/pid/ipc/uts/userns_mode: host; publish the ports the service needs, and use a shared named volume or network for what it shares with other containers.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.10", "CIS Docker Benchmark 5.16", "CIS Docker Benchmark 5.17", "CIS Docker Benchmark 5.21", "CIS Docker Benchmark 5.31",
		"KICS Shared Host Network Namespace (071a71ff)", "KICS Host Namespace is Shared (4f31dd9f)", "KICS Shared Host IPC Namespace (baa3890f)", "KICS Shared Host User Namespace (8af7162d)")
	return composePerService(p, m, check.StatusFail, "no service shares a host namespace", "host namespace shared",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, ns := range []struct{ key, value, what string }{
				{"network_mode", s.NetworkMode, "network"},
				{"pid", s.Pid, "process (PID)"},
				{"ipc", s.Ipc, "IPC"},
				{"uts", s.Uts, "UTS (hostname)"},
				{"userns_mode", s.UserNSMode, "user"},
			} {
				if ns.value == "host" {
					f.add(cm.at(name, composeKey(ns.key)), name, "shares the host's "+ns.what+" namespace",
						"no "+ns.key+": host", ns.key+": host")
				}
			}
		})
}

// composeNoNewPrivileges reads a security_opt entry: whether it is about
// no-new-privileges, and whether it sets it.
func composeNoNewPrivileges(opt string) (about, on bool) {
	k, v, hasValue := strings.Cut(opt, ":")
	if !hasValue {
		k, v, hasValue = strings.Cut(opt, "=")
	}
	if strings.TrimSpace(k) != "no-new-privileges" {
		return false, false
	}
	return true, !hasValue || strings.TrimSpace(v) == "true"
}

// NoNewPrivileges checks that every service sets security_opt
// no-new-privileges:true, so that setuid binaries cannot raise privileges.
// It warns.
func NoNewPrivileges(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.hardening.no-new-privileges", "Compose services set no-new-privileges",
		sectionConfig, itemReviewCompose, check.SeverityMedium,
		"Add security_opt: [\"no-new-privileges:true\"] to every service.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.26", "KICS No New Privileges Not Set (27fcc7d6)")
	return composePerService(p, m, check.StatusWarn, "every service sets no-new-privileges", "no-new-privileges not set",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			set, off := false, ""
			for _, o := range s.SecurityOpt {
				if about, on := composeNoNewPrivileges(o); about {
					set = on
					if !on {
						off = o
					}
				}
			}
			switch {
			case set:
			case off != "":
				f.add(cm.at(name, composeItem("security_opt", func(n *yaml.Node) bool { s, _ := composeScalar(n); return s == off })), name,
					"turns no-new-privileges off", "no-new-privileges:true", off)
			default:
				f.add(cm.missing(name), name, "does not set no-new-privileges", "security_opt: [\"no-new-privileges:true\"]", "not set")
			}
		})
}

// composeDangerousCaps are capabilities outside Docker's default set that
// open a way out of the container or onto the host.
var composeDangerousCaps = [...]string{
	"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "SYS_TIME",
	"DAC_READ_SEARCH", "MAC_ADMIN", "MAC_OVERRIDE", "BPF", "PERFMON", "SYSLOG", "LINUX_IMMUTABLE",
	"CHECKPOINT_RESTORE", "SYS_RESOURCE", "IPC_LOCK", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_CONTROL",
}

// CapabilitiesOptions configures [NoDangerousCapabilities].
type CapabilitiesOptions struct {
	// Allow lists capabilities accepted anyway ("NET_ADMIN" for a VPN
	// gateway), with or without the CAP_ prefix.
	Allow []string
}

func composeCapName(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// NoDangerousCapabilities checks that no service adds a dangerous
// capability (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE,
// DAC_READ_SEARCH, ...) with cap_add.
func NoDangerousCapabilities(p *ComposeProject, opts CapabilitiesOptions) check.Check {
	allow := map[string]bool{}
	for _, c := range opts.Allow {
		allow[composeCapName(c)] = true
	}
	m := dockerMeta("compose", "docker.hardening.capabilities", "No compose service adds a dangerous capability",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove the capability from cap_add, or replace it with the narrow one the service needs; start from cap_drop: [ALL] and add back only what is required.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.4", "KICS Container Capabilities Unrestricted (ce76b7d0)")
	return composePerService(p, m, check.StatusFail, "no service adds a dangerous capability", "dangerous capability added",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, c := range s.CapAdd {
				cap := composeCapName(c)
				if allow[cap] || !slices.Contains(composeDangerousCaps[:], cap) {
					continue
				}
				f.add(cm.at(name, composeFirst(composeItem("cap_add", func(n *yaml.Node) bool { s, _ := composeScalar(n); return composeCapName(s) == cap }), composeKey("cap_add"))),
					name, "adds the dangerous capability "+cap, "no "+cap+" in cap_add", "cap_add "+c)
			}
		})
}

// ReadOnlyRootFS checks that every service runs with a read-only root
// filesystem (read_only: true), writable paths given as volumes or tmpfs.
// It warns, at Info severity.
func ReadOnlyRootFS(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.hardening.read-only", "Compose services run with a read-only root filesystem",
		sectionConfig, itemReviewCompose, check.SeverityInfo,
		"Set read_only: true and give the paths the service writes as tmpfs: or volumes:.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.13", "Semgrep writable-filesystem-service")
	return composePerService(p, m, check.StatusWarn, "every service has a read-only root filesystem", "writable root filesystem",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if !s.ReadOnly {
				f.add(cm.at(name, composeKey("read_only")), name, "root filesystem is writable", "read_only: true", "read_only: false")
			}
		})
}

// ----- docker.logging.rotation -----

// LogRotation checks that every service's logs are rotated (json-file with
// max-size, or the local driver) or shipped to a central driver (syslog,
// journald, fluentd, gelf, awslogs, loki, ...). It warns.
func LogRotation(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.logging.rotation", "Compose services rotate or ship their logs",
		sectionLogging, itemLogRetention, check.SeverityLow,
		"Set logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}} on every service (a YAML anchor keeps it short), or a central driver such as fluentd, gelf, awslogs or loki.",
		[]string{"logging", "reliability"})
	return composePerService(p, m, check.StatusWarn, "every service rotates or ships its logs", "no log rotation",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			driver, opts := s.LogDriver, map[string]string(s.LogOpt)
			if s.Logging != nil {
				if s.Logging.Driver != "" {
					driver = s.Logging.Driver
				}
				if len(s.Logging.Options) > 0 {
					opts = s.Logging.Options
				}
			}
			const expected = "json-file with max-size (and max-file), the local driver, or a central driver"
			switch driver {
			case "", "json-file":
				if opts["max-size"] != "" && opts["max-size"] != "-1" {
					return
				}
				if s.Logging == nil && s.LogDriver == "" {
					f.add(cm.missing(name), name, "no logging configuration: the default json-file driver never rotates unless daemon.json sets log-opts",
						expected, "json-file, no max-size")
					return
				}
				f.add(cm.at(name, composeFirst(composeKey("logging"), composeKey("log_driver"), composeKey("log_opt"))), name,
					"json-file logs without max-size grow until the disk is full", expected, "json-file, no max-size")
			case "none":
				f.add(cm.at(name, composeFirst(composeKey("logging", "driver"), composeKey("log_driver"))), name,
					"logging driver none discards every log line", expected, "driver none")
			}
		})
}

// ----- docker.compose.variables -----

// VariablesSet checks that every variable a compose file uses without a
// default is set (in .env or the variables given): docker compose only
// warns and substitutes a blank, so image: app:${TAG} becomes app:.
func VariablesSet(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.compose.variables", "Compose variables used without a default are set",
		sectionEnv, itemSetValues, check.SeverityMedium,
		"Set the variable in .env or the deployment's environment, give it a default (${TAG:-1.4.2}), or make it required (${TAG:?set TAG}) so that a missing value stops the deployment.",
		[]string{"configuration"})
	return composeCheck(p, m, func(ctx context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm}
		seen := map[string]bool{}
		refs := 0
		for _, ref := range cm.variableRefs() {
			if ref.service != "" {
				if _, active := cm.project.Services[ref.service]; !active {
					continue
				}
			}
			refs++
			v := ref.v
			if v.Required || v.DefaultValue != "" || v.PresenceValue != "" {
				continue
			}
			if _, set := cm.env[v.Name]; set || !cm.unset[v.Name] {
				continue
			}
			key := fmt.Sprintf("%s:%d:%s:%s", ref.doc.display, ref.line, ref.path, v.Name)
			if seen[key] {
				continue
			}
			seen[key] = true
			where := ref.path
			if where == "" {
				where = "value"
			}
			msg := fmt.Sprintf("%s: variable %s is not set and becomes a blank", where, v.Name)
			if !strings.HasPrefix(ref.path, "environment") && !strings.HasPrefix(ref.path, "build.args") {
				if read := cm.ix.interpolate(ref.raw); cm.showable(ref.raw, read) {
					msg += fmt.Sprintf(": %q is read as %q", ref.raw, read)
				}
			}
			fd := check.Finding{
				Message:  msg,
				Location: check.Location{File: ref.doc.display, Line: ref.line, Resource: ref.resource},
				Expected: v.Name + " set, a default ${" + v.Name + ":-value}, or required ${" + v.Name + ":?message}",
				Actual:   v.Name + " unset",
			}
			f.fs = append(f.fs, fd)
		}
		fs := f.sorted()
		switch {
		case len(fs) == 0 && refs == 0:
			return check.Pass("the compose files use no variables")
		case len(fs) == 0:
			return check.Pass(fmt.Sprintf("every variable used is set or has a default (%s)", composeCount(refs, "reference")))
		}
		return check.Fail(fmt.Sprintf("unset variable left blank: %s", composeCount(len(fs), "reference")), fs...)
	})
}

// showable reports whether a value as written and as interpolated may be
// quoted in a finding: short, naming no secret variable, holding no known
// secret value and no URL password.
func (m *composeModel) showable(raw, read string) bool {
	if len(raw) > 200 || len(read) > 200 || secret.URLHasPassword(read) || secret.Redact(raw+"\n"+read, m.secrets) != raw+"\n"+read {
		return false
	}
	for name := range template.ExtractVariables(map[string]any{"v": raw}, template.DefaultPattern) {
		if secret.IsSecretKey(name) {
			return false
		}
	}
	for _, f := range strings.Fields(raw + " " + read) {
		if k, _, ok := strings.Cut(f, "="); ok && secret.IsSecretKey(strings.TrimLeft(k, "-")) {
			return false
		}
	}
	return true
}

// composeURLPasswordFingerprint fingerprints the password of a URL.
func composeURLPasswordFingerprint(fp *secret.Fingerprinter, v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.User == nil {
		return "unreadable"
	}
	p, _ := u.User.Password()
	return fp.Fingerprint(p)
}

// ----- docker.compose.syntax -----

// CurrentSyntax reports what compose-go would have logged while loading
// the project (this package steers it so that nothing reaches the
// program's stderr, see the package documentation): an obsolete top-level
// version: key and YAML 1.1 booleans (yes, no, on, off). They are harmless
// today, so the check warns at info severity, each note located.
func CurrentSyntax(p *ComposeProject) check.Check {
	m := dockerMeta("compose", "docker.compose.syntax", "Compose files use current Compose Specification syntax",
		sectionConfig, itemReviewCompose, check.SeverityInfo,
		"Remove the top-level version: key (compose ignores it) and write booleans as true or false.",
		[]string{"configuration"},
		"Compose Specification: version and name top-level elements")
	return composeCheck(p, m, func(_ context.Context, cm *composeModel) check.Result {
		f := &composeFindings{m: cm, fs: slices.Clone(cm.notes)}
		fs := f.sorted()
		if len(fs) == 0 {
			return check.Pass("no obsolete syntax in " + composeCount(len(cm.ix.allDocs()), "document"))
		}
		return check.Warn(fmt.Sprintf("obsolete syntax: %s", composeCount(len(fs), "note")), fs...)
	})
}
