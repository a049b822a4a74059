package docker

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
)

// ----- mounts: helpers -----

// volumePick finds the volumes: item of a service that mounts at v's
// target, in short or long syntax.
func (m *composeModel) volumePick(v types.ServiceVolumeConfig) func(*yaml.Node) *yaml.Node {
	want := path.Clean(v.Target)
	return composeItem("volumes", func(item *yaml.Node) bool {
		_, target := m.volumeWritten(item)
		return target != "" && path.Clean(target) == want
	})
}

// volumeWritten returns the source and target of a volumes: item as
// written, after interpolation: a relative source stays relative.
func (m *composeModel) volumeWritten(item *yaml.Node) (source, target string) {
	if s, ok := composeScalar(item); ok {
		v, err := format.ParseVolume(m.ix.interpolate(s))
		if err != nil {
			return "", ""
		}
		return v.Source, v.Target
	}
	get := func(k string) string {
		_, n := composeMapGet(item, k)
		s, _ := composeScalar(n)
		return m.ix.interpolate(s)
	}
	return get("source"), get("target")
}

// hostSource returns the host path a bind mount names, as written (after
// interpolation), and whether it is absolute or under ~: a relative
// source (./data) lies in the project and is never a host system path.
func (m *composeModel) hostSource(service string, v types.ServiceVolumeConfig) (string, bool) {
	if v.Type != types.VolumeTypeBind {
		return "", false
	}
	src := v.Source
	var written string
	if _, n := m.ix.find(service, m.volumePick(v)); n != nil {
		written, _ = m.volumeWritten(composeDeref(n))
	}
	if written == "" {
		// Not found as written: a path the loader resolved inside the
		// project directory was relative.
		if wd := m.project.WorkingDir; wd != "" && (src == wd || strings.HasPrefix(src, strings.TrimSuffix(wd, "/")+"/")) {
			return "", false
		}
		written = src
	}
	written = strings.ReplaceAll(written, `\`, "/")
	if !strings.HasPrefix(written, "/") && written != "~" && !strings.HasPrefix(written, "~/") {
		return "", false
	}
	if strings.HasPrefix(written, "/") {
		written = path.Clean(written)
	}
	return written, true
}

// composeSocketDirs are host directories that hold a container runtime's
// socket: mounting one mounts the socket.
var composeSocketDirs = [...]string{
	"/run", "/var/run",
	"/run/containerd", "/var/run/containerd",
	"/run/podman", "/var/run/podman",
	"/run/crio", "/var/run/crio",
	"/run/docker", "/var/run/docker",
}

var composeRootlessRunDir = regexp.MustCompile(`^(/var)?/run/user/[0-9]+(/docker|/podman)?$`)

// composeRuntimeSocketDir reports whether a host path is a directory
// holding a container runtime's socket.
func composeRuntimeSocketDir(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	p = path.Clean(p)
	return slices.Contains(composeSocketDirs[:], p) || composeRootlessRunDir.MatchString(p)
}

// composeDangerousDevice matches device nodes that give raw access to
// memory, the kernel or a disk.
var composeDangerousDevice = regexp.MustCompile(`^/dev/(mem|kmem|port|kmsg|(sd|hd|vd|xvd)[a-z]+[0-9]*|nvme[0-9]+(n[0-9]+(p[0-9]+)?)?|mmcblk[0-9]+(p[0-9]+)?|loop[0-9]+|loop-control|dm-[0-9]+|md[0-9]+|nbd[0-9]+|sg[0-9]+|mapper(/.*)?|disk(/.*)?|cpu(/.*)?|bus/usb.*|watchdog[0-9]*)$`)

// composeBenignHostPaths are host paths below sensitive directories that
// services commonly mount to learn the time zone, trust anchors or host
// identity: not sensitive.
var composeBenignHostPaths = [...]string{
	"/etc/localtime", "/etc/timezone", "/etc/ssl/certs", "/etc/ca-certificates", "/etc/pki/ca-trust",
	"/etc/machine-id", "/etc/hostname", "/etc/os-release", "/etc/letsencrypt",
	"/usr/share/zoneinfo", "/usr/share/ca-certificates", "/usr/local/share/ca-certificates",
}

// composeSensitiveTrees are host directories sensitive with everything
// below them.
var composeSensitiveTrees = [...]string{
	"/root", "/proc", "/sys", "/boot", "/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet",
	"/etc/kubernetes", "/etc/docker", "/etc/containerd", "/etc/ssh", "/etc/sudoers.d", "/etc/systemd",
	"/etc/pam.d", "/etc/security", "/etc/cron.d", "/etc/ssl/private", "/etc/pki/tls/private",
	"/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
}

// composeSensitiveExact are host paths sensitive themselves, though what
// lies below them need not be.
var composeSensitiveExact = [...]string{
	"/", "/etc", "/home", "/var", "/var/lib", "/dev",
	"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/group", "/etc/sudoers", "/etc/crontab",
	"/etc/ld.so.preload", "/etc/fstab",
}

// composeHomeSecrets are directories of a home that hold credentials.
var composeHomeSecrets = [...]string{".ssh", ".aws", ".docker", ".kube", ".gnupg", ".config/gcloud", ".azure", ".netrc"}

// composeSensitiveHostPath says why a host path (absolute, or under ~) is
// sensitive, or "" when it is not. allow lists paths accepted anyway.
func composeSensitiveHostPath(p string, allow []string) string {
	under := func(base string) bool { return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/") }
	for _, a := range allow {
		if a = path.Clean(strings.TrimSpace(a)); a != "." && under(a) {
			return ""
		}
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		rest := strings.TrimPrefix(strings.TrimPrefix(p, "~"), "/")
		if rest == "" {
			return "the home directory of the user running compose"
		}
		for _, h := range composeHomeSecrets {
			if rest == h || strings.HasPrefix(rest, h+"/") {
				return "credentials in the home directory (" + h + ")"
			}
		}
		return ""
	}
	if slices.ContainsFunc(composeBenignHostPaths[:], under) {
		return ""
	}
	switch {
	case p == "/":
		return "the host's whole filesystem, the Docker socket under /run included"
	case strings.HasPrefix(p, "/dev/"):
		if composeDangerousDevice.MatchString(p) {
			return "a host device node with raw access to memory, the kernel or a disk"
		}
		return ""
	case slices.Contains(composeSensitiveExact[:], p):
		return "a host system path"
	case slices.ContainsFunc(composeSensitiveTrees[:], under):
		return "a host system path"
	}
	if rest, ok := strings.CutPrefix(p, "/home/"); ok {
		user, sub, _ := strings.Cut(rest, "/")
		if sub == "" && user != "" {
			return "a user's whole home directory"
		}
		for _, h := range composeHomeSecrets {
			if sub == h || strings.HasPrefix(sub, h+"/") {
				return "credentials in a home directory (" + h + ")"
			}
		}
	}
	return ""
}

// HostPathsOptions configures [ComposeHostPaths] and
// [ComposeHostPathsReadOnly].
type HostPathsOptions struct {
	// Allow lists host paths accepted anyway, with what lies below them
	// ("/var/lib/docker" for a monitoring agent).
	Allow []string
}

var hostPathsRefs = []string{
	"CIS Docker Benchmark 5.6", "KICS Volume Has Sensitive Host Directory (1c1325ff)", "dockle DKL-DI-0002",
}

// hostPathsRule reports the bind mounts of sensitive host paths whose
// read-only flag equals readOnly. The runtime's socket directories are
// left to [ComposeNoRuntimeSocket].
func hostPathsRule(readOnly bool, allow []string) composeServiceRule {
	return func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
		for _, v := range s.Volumes {
			if v.ReadOnly != readOnly {
				continue
			}
			src, ok := cm.hostSource(name, v)
			if !ok || composeRuntimeSocket(src) != "" || composeRuntimeSocketDir(src) {
				continue
			}
			why := composeSensitiveHostPath(src, allow)
			if why == "" {
				continue
			}
			loc := cm.at(name, composeFirst(cm.volumePick(v), composeKey("volumes")))
			mount := src + ":" + v.Target
			if readOnly {
				f.add(loc, name, "mounts "+src+" read-only: "+why+"; the container reads what it holds",
					"no mount of "+src+", or a narrower path", mount+":ro")
				continue
			}
			f.add(loc, name, "mounts "+src+" writable: "+why+"; the container can change the host",
				"no mount of "+src+"; if the service must read it, a narrower path with :ro", mount)
		}
	}
}

// ComposeHostPaths checks that no service bind-mounts a sensitive
// host path writable: /, /etc (and files such as /etc/shadow), /root, a
// whole home directory or its credentials (~/.ssh), /proc, /sys, /boot,
// /dev and raw devices, /usr and the system binaries, /var/lib/docker.
// Paths relative to the project, and time-zone and CA-certificate files,
// are fine. The runtime socket and the directories that hold it (/run,
// /var/run) are [ComposeNoRuntimeSocket]'s; read-only mounts are
// [ComposeHostPathsReadOnly]'s.
func ComposeHostPaths(p *ComposeProject, opts HostPathsOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.host-paths", "No compose service mounts a sensitive host path writable",
		sectionConfig, itemReviewCompose, check.SeverityHigh,
		"Remove the bind mount, or mount the one file or directory the service needs, read-only (:ro); keep data in named volumes or project-relative paths.",
		[]string{"security", "hardening"}, hostPathsRefs...)
	return composePerService(p, m, check.StatusFail, "no service mounts a sensitive host path writable", "sensitive host path mounted writable",
		hostPathsRule(false, opts.Allow))
}

// ComposeHostPathsReadOnly checks that no service bind-mounts a
// sensitive host path even read-only (see [ComposeHostPaths] for the
// list): a monitoring agent reading /proc or / may need it, so it warns.
func ComposeHostPathsReadOnly(p *ComposeProject, opts HostPathsOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.host-paths-read-only", "Compose services mount no sensitive host path, even read-only",
		sectionConfig, itemReviewCompose, check.SeverityMedium,
		"Mount only the file the service needs; for a monitoring agent that must read /proc, /sys or /, allow the path with HostPathsOptions.Allow or a waiver naming the service.",
		[]string{"security", "hardening"}, hostPathsRefs...)
	return composePerService(p, m, check.StatusWarn, "no service mounts a sensitive host path read-only", "sensitive host path mounted read-only",
		hostPathsRule(true, opts.Allow))
}

// MountPropagationOptions configures [ComposeMountPropagation]; its zero
// value is the production default.
type MountPropagationOptions struct{}

// ComposeMountPropagation checks that no bind mount uses shared or
// rshared propagation: mounts the container makes then appear on the
// host.
func ComposeMountPropagation(p *ComposeProject, _ MountPropagationOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.mount-propagation", "No compose bind mount propagates mounts back to the host",
		sectionConfig, itemReviewCompose, check.SeverityMedium,
		"Remove the shared/rshared propagation option (the default rprivate keeps the container's mounts to itself); a tool that must see new host mounts needs only rslave.",
		[]string{"security", "hardening"},
		"CIS Docker Benchmark 5.20", "KICS Volume Mounted In Multiple Containers (baa452f0)")
	return composePerService(p, m, check.StatusFail, "no bind mount uses shared propagation", "shared mount propagation",
		func(cm *composeModel, name string, s *types.ServiceConfig, f *composeFindings) {
			for _, v := range s.Volumes {
				if v.Bind == nil || (v.Bind.Propagation != types.PropagationShared && v.Bind.Propagation != types.PropagationRShared) {
					continue
				}
				f.add(cm.at(name, composeFirst(cm.volumePick(v), composeKey("volumes"))), name,
					"mounts "+v.Source+" with "+v.Bind.Propagation+" propagation: mounts made in the container appear on the host",
					"rprivate (the default), or rslave", v.Target+" propagation "+v.Bind.Propagation)
			}
		})
}
