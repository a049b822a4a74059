package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/guard"
)

// ----- docker.compose.database-auth -----

// composeEnvValue reads environment key of a service as the loaded project
// has it (interpolated): present tells whether the key is set at all,
// known whether its value is written in the files (false for a host
// passthrough: KEY with no value).
func composeEnvValue(s *types.ServiceConfig, key string) (value string, present, known bool) {
	v, ok := s.Environment[key]
	if !ok {
		return "", false, false
	}
	if v == nil {
		return "", true, false
	}
	return *v, true, true
}

// composeEnvSet reports whether one of keys is set to something that may
// be non-empty: a written non-empty value, or a host passthrough.
func composeEnvSet(s *types.ServiceConfig, keys ...string) bool {
	for _, k := range keys {
		if v, present, known := composeEnvValue(s, k); present && (!known || strings.TrimSpace(v) != "") {
			return true
		}
	}
	return false
}

// composeBitnamiYes is the bitnami images' is_boolean_yes: 1, yes or true.
func composeBitnamiYes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "true":
		return true
	}
	return false
}

// composeImagePath is the repository path of an image reference
// ("bitnami/redis", "library/redis"), or "" when it does not parse.
func composeImagePath(image string) string {
	if image == "" {
		return ""
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	return reference.Path(named)
}

func composeIsBitnami(image string) bool {
	p := composeImagePath(image)
	return strings.HasPrefix(p, "bitnami/") || strings.HasPrefix(p, "bitnamilegacy/") || strings.HasPrefix(p, "bitnamisecure/")
}

func composeIsPgBouncer(image string) bool {
	p := composeImagePath(image)
	return p != "" && strings.Contains(path.Base(p), "pgbouncer")
}

// composePublishedPublicly says how a service is reachable from outside
// the host ("port 6379 on all interfaces", "the host network"), or "".
func composePublishedPublicly(s *types.ServiceConfig) string {
	if s.NetworkMode == "host" {
		return "the host network"
	}
	for _, p := range s.Ports {
		if composeIsLoopback(p.HostIP) {
			continue
		}
		where := "all interfaces"
		if p.HostIP != "" && p.HostIP != "0.0.0.0" && p.HostIP != "::" {
			where = p.HostIP
		}
		return fmt.Sprintf("port %s on %s", composePortString(p), where)
	}
	return ""
}

// composeCommandWords are the words of a service's entrypoint and command.
func composeCommandWords(s *types.ServiceConfig) []string {
	var words []string
	for _, w := range append(slices.Clone(s.Entrypoint), s.Command...) {
		words = append(words, strings.Fields(w)...)
	}
	return words
}

// composeAuth collects the findings of ComposeDatabaseAuth.
type composeAuth struct {
	cm       *composeModel
	f        *composeFindings
	notes    []string // what could not be inspected, for the pass message
	services int      // services judged
}

func (a *composeAuth) env(name, key, msg, expected string) {
	loc := a.cm.at(name, composeKey("environment"))
	if e, ok := a.cm.envEntry(name, key); ok {
		loc = e.loc
	}
	v, _, _ := composeEnvValue(a.cm.service(name), key)
	a.f.add(loc, name, msg, expected, key+"="+v)
}

// ComposeDatabaseAuth checks that no database, cache or connection pooler runs
// with authentication switched off: POSTGRES_HOST_AUTH_METHOD=trust,
// pgBouncer AUTH_TYPE (or PGBOUNCER_AUTH_TYPE) trust or any,
// MYSQL_ALLOW_EMPTY_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD with no
// root password, the bitnami images' ALLOW_EMPTY_PASSWORD=yes, and Redis
// (Valkey, KeyDB) or MongoDB published beyond loopback with no password
// in their command, environment or (bind-mounted) configuration file.
// Environment values are read as the loaded project has them,
// interpolated. opts.Images adds database images, as for
// [ComposeDatabasePorts].
func ComposeDatabaseAuth(p *ComposeProject, opts DatabaseOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.database-auth", "Databases, caches and poolers require authentication",
		sectionNetwork, itemPrivateDB, check.SeverityHigh,
		"Remove the setting that switches authentication off (POSTGRES_HOST_AUTH_METHOD=trust, *_ALLOW_EMPTY_*PASSWORD, AUTH_TYPE=trust) and set a password from a secret (POSTGRES_PASSWORD_FILE, --requirepass from a secret, MONGO_INITDB_ROOT_PASSWORD_FILE); stop publishing the port if only other services use it.",
		[]string{"security", "database", "authentication"},
		"CIS PostgreSQL Benchmark 4.x (pg_hba trust)", "OWASP ASVS 2.x (no default or empty credentials)", "KICS/Trivy: no compose rule (gap)")
	return composeCheck(p, m, func(_ context.Context, cm *composeModel) check.Result {
		a := &composeAuth{cm: cm, f: &composeFindings{m: cm}}
		for _, name := range cm.names {
			a.service(name, opts.Images)
		}
		if a.services == 0 {
			return check.Skip("no database, cache or connection pooler in the project")
		}
		pass := fmt.Sprintf("no database, cache or pooler has authentication switched off (%s)", composeCount(a.services, "service"))
		if len(a.notes) > 0 {
			pass += "; not inspected: " + strings.Join(a.notes, "; ")
		}
		return composeVerdict(a.f, check.StatusFail, pass, a.services, "database/cache service", "authentication switched off")
	})
}

// service judges one service.
func (a *composeAuth) service(name string, extra []string) {
	s := a.cm.service(name)
	db, isDB := composeDatabaseOf(s.Image, extra)
	bouncer := composeIsPgBouncer(s.Image)
	engine := func(def string) string {
		if isDB {
			return db.engine
		}
		return def
	}
	judged := isDB || bouncer
	mark := func() { judged = true }
	defer func() {
		if judged {
			a.services++
		}
	}()

	// PostgreSQL (official image and images built on it).
	if v, present, _ := composeEnvValue(s, "POSTGRES_HOST_AUTH_METHOD"); present {
		mark()
		if strings.EqualFold(strings.TrimSpace(v), "trust") {
			a.env(name, "POSTGRES_HOST_AUTH_METHOD",
				engine("PostgreSQL")+" accepts every connection without a password (pg_hba.conf: host all all all trust)",
				"POSTGRES_HOST_AUTH_METHOD unset (scram-sha-256) and POSTGRES_PASSWORD_FILE from a secret")
		}
	}

	// pgBouncer: edoburu/pgbouncer reads AUTH_TYPE, bitnami/pgbouncer PGBOUNCER_AUTH_TYPE.
	keys := []string{"PGBOUNCER_AUTH_TYPE"}
	if bouncer {
		keys = append(keys, "AUTH_TYPE")
	}
	for _, k := range keys {
		if v, present, _ := composeEnvValue(s, k); present {
			mark()
			switch t := strings.ToLower(strings.TrimSpace(v)); t {
			case "trust", "any":
				what := "accepts any password for a known user"
				if t == "any" {
					what = "accepts any user without a password"
				}
				a.env(name, k, "pgBouncer "+what+" ("+k+"="+t+")", k+"=scram-sha-256 (or md5) with an auth_file or auth_query")
			}
		}
	}

	// MySQL and MariaDB (official images): any non-empty value turns the
	// empty root password on, "no" and "false" included.
	rootSet := composeEnvSet(s, "MYSQL_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD_FILE", "MYSQL_RANDOM_ROOT_PASSWORD",
		"MARIADB_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_FILE", "MARIADB_ROOT_PASSWORD_HASH", "MARIADB_RANDOM_ROOT_PASSWORD")
	for _, k := range []string{"MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "MARIADB_ALLOW_EMPTY_PASSWORD"} {
		v, present, known := composeEnvValue(s, k)
		if !present {
			continue
		}
		mark()
		if (known && strings.TrimSpace(v) == "") || rootSet {
			continue
		}
		def := "MySQL"
		if strings.HasPrefix(k, "MARIADB") {
			def = "MariaDB"
		}
		msg := engine(def) + " root user has an empty password (" + k + " is set and no root password is)"
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "no", "false", "0", "off":
			msg += "; the image turns it on for any non-empty value, " + v + " included"
		case "":
			msg += "; its value comes from the host environment, and any non-empty value turns it on"
		}
		a.env(name, k, msg, "no "+k+"; MYSQL_ROOT_PASSWORD_FILE (or MARIADB_ROOT_PASSWORD_FILE) from a secret")
	}

	// bitnami images: ALLOW_EMPTY_PASSWORD=yes.
	if isDB || bouncer || composeIsBitnami(s.Image) {
		if v, present, _ := composeEnvValue(s, "ALLOW_EMPTY_PASSWORD"); present {
			mark()
			if composeBitnamiYes(v) {
				a.env(name, "ALLOW_EMPTY_PASSWORD", engine("The bitnami image")+" starts with no password (ALLOW_EMPTY_PASSWORD="+v+")",
					"no ALLOW_EMPTY_PASSWORD; the image's *_PASSWORD_FILE from a secret")
			}
		}
	}

	if !isDB {
		return
	}
	switch db.engine {
	case "Redis", "Valkey", "KeyDB":
		a.redis(name, s, db)
	case "MongoDB":
		a.mongo(name, s, db)
	}
}

// redis judges a Redis-protocol server published beyond loopback.
func (a *composeAuth) redis(name string, s *types.ServiceConfig, db composeDatabase) {
	where := composePublishedPublicly(s)
	if where == "" || composeIsBitnami(s.Image) { // bitnami refuses to start without a password or ALLOW_EMPTY_PASSWORD
		return
	}
	words := composeCommandWords(s)
	for _, w := range words {
		l := strings.ToLower(w)
		if strings.Contains(l, "requirepass") || strings.Contains(l, "aclfile") {
			return
		}
	}
	for k, v := range s.Environment {
		if v != nil && (strings.Contains(strings.ToLower(*v), "requirepass") || strings.Contains(strings.ToLower(*v), "aclfile")) && strings.HasSuffix(k, "_ARGS") {
			return // redis-stack: REDIS_ARGS="--requirepass ..."
		}
	}
	for _, w := range words {
		if !strings.HasSuffix(w, ".conf") {
			continue
		}
		switch auth, why := a.configHas(name, s, w, "requirepass", "aclfile", "user"); {
		case auth:
			return
		case why != "":
			a.notes = append(a.notes, fmt.Sprintf("%s config %s (%s)", name, w, why))
			return
		}
	}
	a.f.add(a.cm.at(name, composeFirst(composeKey("command"), composeKey("ports"), composeKey("network_mode"))), name,
		fmt.Sprintf("%s is published on %s and requires no password: anyone who reaches it reads and writes every key, and can often run code through CONFIG SET", db.engine, where),
		"command: [\"redis-server\", \"--requirepass\", \"...\"] from a secret (or an ACL file), and no public port", "no requirepass, no ACL")
}

// mongo judges a MongoDB server published beyond loopback.
func (a *composeAuth) mongo(name string, s *types.ServiceConfig, db composeDatabase) {
	where := composePublishedPublicly(s)
	if where == "" || composeIsBitnami(s.Image) {
		return
	}
	user := composeEnvSet(s, "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_USERNAME_FILE")
	pass := composeEnvSet(s, "MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD_FILE")
	if user && pass {
		return
	}
	words := composeCommandWords(s)
	for i, w := range words {
		switch {
		case w == "--auth" || strings.HasPrefix(w, "--keyFile"):
			return
		case (w == "--config" || w == "-f") && i+1 < len(words):
			a.notes = append(a.notes, fmt.Sprintf("%s config %s (authorization not read from it)", name, words[i+1]))
			return
		}
	}
	a.f.add(a.cm.at(name, composeFirst(composeKey("environment"), composeKey("ports"), composeKey("network_mode"))), name,
		fmt.Sprintf("%s is published on %s without MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD, so it starts with access control off", db.engine, where),
		"MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD_FILE from a secret (or --auth), and no public port", "no root user, no --auth")
}

// configHas reads the configuration file at container path conf through
// the bind mount that provides it, and reports whether a non-comment line
// starts with one of the directives; why says why it could not be read.
func (a *composeAuth) configHas(name string, s *types.ServiceConfig, conf string, directives ...string) (found bool, why string) {
	var host string
	for _, v := range s.Volumes {
		t := path.Clean(v.Target)
		if v.Type != types.VolumeTypeBind || (t != conf && !strings.HasPrefix(conf, strings.TrimSuffix(t, "/")+"/")) {
			continue
		}
		host = v.Source + strings.TrimPrefix(conf, t)
	}
	if host == "" {
		return false, "not provided by a bind mount, so not readable here"
	}
	g, err := guard.New(guard.Options{Root: a.cm.root, MaxFileSize: a.cm.ix.limit})
	if err != nil {
		return false, "unreadable"
	}
	defer g.Close()
	data, err := g.ReadFile(host, conf)
	if err != nil {
		return false, "not readable within the project"
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !slices.Contains(directives, strings.ToLower(f[0])) {
			continue
		}
		// An ACL user with nopass, or requirepass "", asks for nothing.
		if !slices.Contains(f, "nopass") && strings.Trim(f[1], `"'`) != "" {
			return true, ""
		}
	}
	return false, ""
}
