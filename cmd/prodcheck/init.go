package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/prodcheck/prodcheck/checklist"
)

const initHelp = `Usage: prodcheck init [-dir .] [--force]

Looks at a project directory (compose files, Dockerfiles, .env and its
.env.production.example, .git, openapi.yaml or openapi.json, docs/*.md,
attestations.yaml) and writes a commented prodcheck.yaml for it, which
'prodcheck run' accepts as it is. Targets it cannot detect (URLs, TLS
endpoints, databases) are written as comments to fill in.

Examples:
  prodcheck init
  prodcheck init -dir deploy --force
`

func cmdInit(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fset := newFlags("init", initHelp, stderr)
	dir := fset.String("dir", ".", "project `directory`")
	force := fset.Bool("force", false, "overwrite an existing prodcheck.yaml")
	if code, ok := parse(fset, args, stderr); !ok {
		return code
	}
	out := filepath.Join(*dir, checklist.DefaultConfigFile)
	if _, err := os.Lstat(out); err == nil && !*force {
		fmt.Fprintf(stderr, "prodcheck init: %s exists: use --force to overwrite it\n", out)
		return exitUsage
	}
	d, err := detect(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "prodcheck init: %v\n", err)
		return exitUsage
	}
	if err := os.WriteFile(out, []byte(d.yaml()), 0o644); err != nil {
		fmt.Fprintf(stderr, "prodcheck init: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	return exitPassed
}

type detected struct {
	compose, dockerfiles, docs                 []string
	env, example, openapi, attestations, gitOK string
}

var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// detect walks dir (at most four levels, not .git nor node_modules).
func detect(dir string) (*detected, error) {
	d := &detected{}
	root := filepath.Clean(dir)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if rel == ".git" {
				d.gitOK = "."
			}
			if rel != "." && (e.Name() == ".git" || e.Name() == "node_modules" || e.Name() == "vendor" || strings.Count(rel, "/") >= 3) {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		name := e.Name()
		switch {
		case rel == ".env":
			d.env = rel
		case rel == ".env.production.example" || (rel == ".env.example" && d.example == ""):
			d.example = rel
		case rel == "openapi.yaml" || rel == "openapi.yml" || (rel == "openapi.json" && d.openapi == ""):
			d.openapi = rel
		case rel == "attestations.yaml":
			d.attestations = rel
		case !strings.Contains(rel, "/") && contains(composeNames, name):
			d.compose = append(d.compose, rel)
		case name == "Dockerfile" || strings.HasSuffix(name, ".Dockerfile"):
			d.dockerfiles = append(d.dockerfiles, rel)
		case strings.HasPrefix(rel, "docs/") && strings.Count(rel, "/") == 1 && strings.HasSuffix(name, ".md"):
			d.docs = append(d.docs, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("no such directory: %s", dir)
	}
	return d, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// doc returns the first docs/*.md whose name contains one of words.
func (d *detected) doc(words ...string) string {
	for _, p := range d.docs {
		base := strings.ToLower(filepath.Base(p))
		for _, w := range words {
			if strings.Contains(base, w) {
				return p
			}
		}
	}
	return ""
}

func (d *detected) yaml() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# prodcheck configuration, written by `prodcheck init`. Run: prodcheck run\n")
	w("# Every path is relative to this file's directory. Every target kind is a\n")
	w("# list; a kind left out makes its checks skip as \"not configured\".\n")
	w("version: 1\n\ntargets:\n")
	w("  # Compose projects: a file, or a list of files merged in order.\n")
	if len(d.compose) > 0 {
		w("  compose:\n")
		for _, c := range d.compose {
			if strings.Contains(c, "override") {
				continue
			}
			w("    - %s\n", c)
		}
	} else {
		w("  # compose: [compose.yaml]\n")
	}
	w("  # Dockerfiles (those a compose file builds are checked anyway).\n")
	if len(d.dockerfiles) > 0 {
		w("  dockerfiles:\n")
		for _, f := range d.dockerfiles {
			w("    - %s\n", f)
		}
	} else {
		w("  # dockerfiles: [Dockerfile]\n")
	}
	w("  # Git repositories whose history must hold no .env and no secret.\n")
	if d.gitOK != "" {
		w("  git: [.]\n")
	} else {
		w("  # git: [.]\n")
	}
	w("  # Environment files and the example that documents them.\n")
	switch {
	case d.env != "" || d.example != "":
		env := d.env
		if env == "" {
			env = ".env"
		}
		w("  env:\n    - path: %s\n", env)
		if d.example != "" {
			w("      example: %s\n", d.example)
		}
	default:
		w("  # env:\n  #   - {path: .env, example: .env.production.example}\n")
	}
	w("  # Documentation: each must exist with real content (headings, more than a stub).\n")
	docs := []struct{ key, path string }{
		{"openapi", d.openapi},
		{"runbook", d.doc("runbook")},
		{"architecture", d.doc("architecture", "design")},
		{"incident_response", d.doc("incident")},
		{"rollback_plan", d.doc("rollback")},
	}
	n := 0
	for _, x := range docs {
		if x.path != "" {
			n++
		}
	}
	if n > 0 {
		w("  docs:\n")
	} else {
		w("  # docs:\n")
	}
	for _, x := range docs {
		if x.path != "" {
			w("    %s: %s\n", x.key, x.path)
		} else {
			w("    # %s: docs/%s.md\n", x.key, strings.ReplaceAll(x.key, "_", "-"))
		}
	}
	w("  # The attestation file (`prodcheck attest` writes it).\n")
	w("  attestations: attestations.yaml\n")
	w("  # Live targets to fill in:\n")
	w("  # urls:                      # headers, HSTS, CORS, cookies, compression\n")
	w("  #   - https://shop.example.com/\n")
	w("  #   - {url: https://shop.example.com/api/items, list: true}   # pagination too\n")
	w("  # tls: [shop.example.com:443]\n")
	w("  # databases:                 # the DSN comes from the environment, never from this file\n")
	w("  #   - {name: main, engine: postgres, dsn_env: DATABASE_URL, must_be_private: true}\n")
	w("  # pgbouncer:\n  #   - {name: pool, dsn_env: PGBOUNCER_ADMIN_URL, pool_mode: transaction, backend: main}   # the admin console (database pgbouncer)\n")
	w("  # mfa: {challenge_url: https://shop.example.com/login, body_env: MFA_TEST_LOGIN}\n\n")
	w("# Per-check options, keyed by check ID, e.g.:\n")
	w("# checks:\n#   security.headers.grade: {min_grade: A}\n#   postgres.backup.recent: {max_age: 26h, dir: backups, pattern: \"*.dump\"}   # or pgbackrest_info / walg_info: a file holding the tool's JSON\n\n")
	w("# Severity overrides: check ID (or glob) -> info|low|medium|high|critical.\n")
	w("# severity:\n#   docker.compose.read-only-rootfs: low\n\n")
	w("# Waivers: accept a known failure for a while, with a reason and an expiry.\n")
	w("# waivers:\n#   - {id: docker.compose.image-pinned, location: 'service \"legacy\"', reason: migrating, approver: ana, expires: 2027-01-31}\n\n")
	w("# Opt-in active probes (nothing active runs unless listed):\n")
	w("# probes: [%s]\n\n", strings.Join(checklist.Probes, ", "))
	w("# The lowest severity of a failure that fails the run; strict makes warnings\n# (and not-yet-automated lines) fail it too.\n")
	w("fail_on: high\nstrict: false\n")
	return b.String()
}
