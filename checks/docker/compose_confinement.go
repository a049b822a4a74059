package docker

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
)

// ----- docker.compose.non-root -----

// NonRootOptions configures [ComposeNonRoot]; its zero value is the
// production default.
type NonRootOptions struct{}

// composeIsRootUser reports whether a compose user: value runs as root:
// root, 0, and either with any group (0:0, root:root, 0:1000).
func composeIsRootUser(user string) bool {
	uid, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	return uid == "0" || uid == "root"
}

// composeRootAggravation says what a root service also has that makes
// root in the container root on the host: the runtime socket, privileged
// mode, added capabilities.
func (m *composeModel) rootAggravation(name string, s *types.ServiceConfig) []string {
	var with []string
	if s.Privileged {
		with = append(with, "privileged: true")
	}
	for _, v := range s.Volumes {
		if composeRuntimeSocket(v.Source) != "" {
			with = append(with, "the runtime socket mount "+v.Source)
		} else if src, ok := m.hostSource(name, v); ok && composeRuntimeSocketDir(src) {
			with = append(with, "the mount of "+src+" (it holds the runtime socket)")
		}
	}
	if s.UseAPISocket {
		with = append(with, "use_api_socket")
	}
	if len(s.CapAdd) > 0 {
		with = append(with, "cap_add "+strings.Join(s.CapAdd, ", "))
	}
	return with
}

// ComposeNonRoot checks that no service sets user: to root (root, 0, 0:0,
// root:root). A service that leaves user: unset runs as the image's USER,
// judged by docker.dockerfile.user for the images the project builds.
// When the same service also mounts the runtime socket, runs privileged
// or adds capabilities, the finding says so.
func ComposeNonRoot(p *ComposeProject, _ NonRootOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.non-root", "No compose service sets user: root",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove user: root, or set an unprivileged user (user: \"1000:1000\") and give the files it writes that owner; an image that must start as root to drop privileges (gosu, su-exec) needs no user: at all.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 4.1", "CIS Docker Benchmark 5.24", "Semgrep service-runs-as-root", "Trivy DS-0002 (Dockerfile twin)", "KICS fd54f200 (Dockerfile twin)")
	return composePerService(p, m, check.StatusFail, "no service sets user: root", "runs as root",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			if !composeIsRootUser(s.User) {
				return
			}
			msg := "runs as root (user: " + s.User + ")"
			if with := cm.rootAggravation(name, s); len(with) > 0 {
				msg += " together with " + strings.Join(with, " and ") + ": root in this container is root on the host"
			}
			f.add(cm.at(name, composeKey("user")), name, msg, "an unprivileged user (user: \"1000:1000\"), or no user: (the image's)", "user: "+s.User)
		})
}

// ----- docker.compose.confinement -----

// ConfinementOptions configures [ComposeConfinement]; its zero value is the
// production default.
type ConfinementOptions struct{}

// composeUnconfined reads a security_opt entry: what confinement it turns
// off, or "".
func composeUnconfined(opt string) string {
	k, v, ok := strings.Cut(opt, ":")
	if eq, ev, eok := strings.Cut(opt, "="); eok && (!ok || len(eq) < len(k)) {
		k, v, ok = eq, ev, eok
	}
	if !ok {
		return ""
	}
	k, v = strings.ToLower(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(v))
	switch {
	case k == "seccomp" && v == "unconfined":
		return "the seccomp filter: every system call is allowed"
	case k == "apparmor" && v == "unconfined":
		return "the AppArmor profile"
	case k == "label" && v == "disable":
		return "SELinux separation"
	case k == "label" && strings.ReplaceAll(v, "=", ":") == "type:spc_t":
		return "SELinux separation (spc_t is the super-privileged container type)"
	case k == "systempaths" && v == "unconfined":
		return "the masking of /proc and /sys paths"
	}
	return ""
}

// ComposeConfinement checks that no service turns off the kernel's confinement of
// containers: security_opt seccomp, apparmor or systempaths unconfined,
// label disable (or type:spc_t), and cgroup: host.
func ComposeConfinement(p *ComposeProject, _ ConfinementOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.confinement", "Compose services keep seccomp, AppArmor and SELinux confinement",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove the security_opt entry that turns confinement off (keep Docker's default seccomp and AppArmor profiles, or give a custom profile file) and cgroup: host; grant the one system call or capability the service needs instead.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.2", "CIS Docker Benchmark 5.3", "CIS Docker Benchmark 5.22",
		"KICS Default Seccomp Profile Disabled (404fde2c)", "Semgrep seccomp-confinement-disabled", "Semgrep selinux-separation-disabled")
	return composePerService(p, m, check.StatusFail, "every service keeps its confinement", "confinement disabled",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, o := range s.SecurityOpt {
				what := composeUnconfined(o)
				if what == "" {
					continue
				}
				f.add(cm.at(name, composeFirst(composeItem("security_opt", func(n *yaml.Node) bool {
					v, _ := composeScalar(n)
					return cm.ix.interpolate(v) == o
				}), composeKey("security_opt"))), name, "turns off "+what+" ("+o+")", "no "+o+" in security_opt", o)
			}
			if s.Cgroup == "host" {
				f.add(cm.at(name, composeKey("cgroup")), name, "shares the host's cgroup namespace (cgroup: host): the container sees and can reach the host's cgroup tree",
					"cgroup: private (the default on cgroup v2)", "cgroup: host")
			}
		})
}

// ----- docker.compose.devices -----

// HostDevicesOptions configures [ComposeDevices].
type HostDevicesOptions struct {
	// Allow lists host device paths accepted anyway ("/dev/sdb" for a
	// disk-health exporter).
	Allow []string
}

// ComposeDevices checks that no service is given a host device that
// reaches memory, the kernel or a disk (/dev/mem, /dev/kmem, /dev/port,
// /dev/kmsg, /dev/sda and other block devices, /dev/disk/...), nor every
// device at once with device_cgroup_rules "a". GPUs, /dev/net/tun,
// /dev/fuse and serial adapters are not reported.
func ComposeDevices(p *ComposeProject, opts HostDevicesOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.devices", "No compose service is given a sensitive host device",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove the device from devices:; a service that needs disk data gets a volume, not the block device.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.18")
	return composePerService(p, m, check.StatusFail, "no service is given a sensitive host device", "sensitive host device",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, d := range s.Devices {
				src := strings.TrimSpace(d.Source)
				if !composeDangerousDevice.MatchString(src) || composeSensitiveHostPath(src, opts.Allow) == "" {
					continue
				}
				pick := composeItem("devices", func(n *yaml.Node) bool {
					if v, ok := composeScalar(n); ok {
						v = cm.ix.interpolate(v)
						return v == src || strings.HasPrefix(v, src+":")
					}
					_, sn := composeMapGet(n, "source")
					v, _ := composeScalar(sn)
					return cm.ix.interpolate(v) == src
				})
				f.add(cm.at(name, composeFirst(pick, composeKey("devices"))), name,
					"is given the host device "+src+": raw access to memory, the kernel or a disk", "no "+src+" in devices", src+":"+d.Target)
			}
			for _, r := range s.DeviceCgroupRules {
				if t, _, _ := strings.Cut(strings.TrimSpace(r), " "); t == "a" {
					f.add(cm.at(name, composeFirst(composeItem("device_cgroup_rules", func(n *yaml.Node) bool {
						v, _ := composeScalar(n)
						return cm.ix.interpolate(v) == r
					}), composeKey("device_cgroup_rules"))), name,
						"device_cgroup_rules "+r+" allows every device of the host", "a rule naming one device class (c 189:* rwm)", r)
				}
			}
		})
}

// ----- docker.compose.cap-drop -----

// CapDropOptions configures [ComposeCapDrop]; its zero value is the
// production default.
type CapDropOptions struct{}

// ComposeCapDrop recommends cap_drop: [ALL] on every service, adding back
// with cap_add only the capabilities it needs (CIS Docker 5.3). Many
// images need CHOWN, SETUID or SETGID to start, so it warns, at low
// severity.
func ComposeCapDrop(p *ComposeProject, _ CapDropOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.cap-drop", "Compose services drop every capability they do not need",
		sectionConfig, itemReviewCompose, check.SeverityLow,
		"Add cap_drop: [ALL] to the service and cap_add back only what it needs (often CHOWN, SETUID, SETGID, NET_BIND_SERVICE).",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.3", "CIS Docker Benchmark 5.4", "KICS Container Capabilities Unrestricted (ce76b7d0)")
	return composePerService(p, m, check.StatusWarn, "every service drops all capabilities", "capabilities not dropped",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, c := range s.CapDrop {
				if composeCapName(c) == "ALL" {
					return
				}
			}
			actual := "no cap_drop"
			if len(s.CapDrop) > 0 {
				actual = "cap_drop " + strings.Join(s.CapDrop, ", ")
			}
			f.add(cm.at(name, composeKey("cap_drop")), name, "keeps Docker's default capabilities", "cap_drop: [ALL], with cap_add for what the service needs", actual)
		})
}
