package docker

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
)

// ----- hardening rules -----

// ComposeUnprivileged checks that no service runs privileged: a privileged
// container has every capability and every device, root on the host in
// all but name.
func ComposeUnprivileged(p *ComposeProject, _ HardeningOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.unprivileged", "No compose service runs privileged",
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

// ComposeNoRuntimeSocket checks that no service mounts the container runtime's
// socket (docker.sock and its kin), or a directory that holds it (/run,
// /var/run, /run/containerd, a rootless /run/user/<uid>), or asks for it
// with use_api_socket: whoever reaches that socket controls the host,
// read-only mount or not.
func ComposeNoRuntimeSocket(p *ComposeProject, _ HardeningOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.no-runtime-socket", "No compose service mounts the Docker socket",
		sectionConfig, itemReviewCompose, check.SeverityCritical,
		"Remove the docker.sock mount; if a tool must watch containers, give it a filtering socket proxy with read-only access to the endpoints it needs.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.32", "KICS Docker Socket Mounted In Container (d6355c88)")
	return composePerService(p, m, check.StatusFail, "no service mounts the Docker socket", "Docker socket mounted",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, v := range s.Volumes {
				sock := composeRuntimeSocket(v.Source)
				what := "the container runtime socket " + v.Source
				if sock == "" {
					src, ok := cm.hostSource(name, v)
					if !ok || !composeRuntimeSocketDir(src) {
						continue
					}
					what = src + ", which holds the container runtime socket"
				}
				ro := ""
				if v.ReadOnly {
					ro = " (read-only still allows every API call)"
				}
				f.add(cm.at(name, composeFirst(cm.volumePick(v), composeKey("volumes"))), name, "mounts "+what+ro,
					"no runtime socket mount", v.Source+":"+v.Target)
			}
			if s.UseAPISocket {
				f.add(cm.at(name, composeKey("use_api_socket")), name, "use_api_socket gives the container the Docker API socket",
					"no use_api_socket", "use_api_socket: true")
			}
		})
}

// ComposeNoHostNamespaces checks that no service shares a namespace of the host:
// network_mode, pid, ipc, uts or userns_mode "host".
func ComposeNoHostNamespaces(p *ComposeProject, _ HardeningOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.no-host-namespaces", "No compose service shares a host namespace",
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

// ComposeNoNewPrivileges checks that every service sets security_opt
// no-new-privileges:true, so that setuid binaries cannot raise privileges.
// It warns.
func ComposeNoNewPrivileges(p *ComposeProject, _ HardeningOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.no-new-privileges", "Compose services set no-new-privileges",
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

// CapabilitiesOptions configures [ComposeNoDangerousCapabilities].
type CapabilitiesOptions struct {
	// Allow lists capabilities accepted anyway ("NET_ADMIN" for a VPN
	// gateway), with or without the CAP_ prefix.
	Allow []string
}

func composeCapName(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// ComposeNoDangerousCapabilities checks that no service adds a dangerous
// capability (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE,
// DAC_READ_SEARCH, ...) with cap_add.
func ComposeNoDangerousCapabilities(p *ComposeProject, opts CapabilitiesOptions) check.Check {
	allow := map[string]bool{}
	for _, c := range opts.Allow {
		allow[composeCapName(c)] = true
	}
	m := dockerMeta("compose", "docker.compose.no-dangerous-capabilities", "No compose service adds a dangerous capability",
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

// ComposeReadOnlyRootfs checks that every service runs with a read-only root
// filesystem (read_only: true), writable paths given as volumes or tmpfs.
// It warns, at Info severity.
func ComposeReadOnlyRootfs(p *ComposeProject, _ HardeningOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.read-only-rootfs", "Compose services run with a read-only root filesystem",
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

// ----- docker.compose.log-rotation -----

// ComposeLogRotation checks that every service's logs are rotated (json-file with
// max-size, or the local driver) or shipped to a central driver (syslog,
// journald, fluentd, gelf, awslogs, loki, ...). It warns.
func ComposeLogRotation(p *ComposeProject, _ LogRotationOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.log-rotation", "Compose services rotate or ship their logs",
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

// ----- docker.compose.syntax -----

// ComposeSyntax reports what compose-go would have logged while loading
// the project (this package steers it so that nothing reaches the
// program's stderr, see the package documentation): an obsolete top-level
// version: key and YAML 1.1 booleans (yes, no, on, off). They are harmless
// today, so the check warns at info severity, each note located.
func ComposeSyntax(p *ComposeProject, _ SyntaxOptions) check.Check {
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
