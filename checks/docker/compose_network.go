package docker

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"gopkg.in/yaml.v3"

	"github.com/prodcheck/prodcheck/check"
)

// DatabaseOptions configures [ComposeDatabasePorts] and
// [ComposeDatabaseNetwork].
type DatabaseOptions struct {
	// Images adds repository names to the built-in list of database and
	// cache images. A name without '/' matches the last path component of
	// the repository ("pg-custom" matches registry.acme.io/team/pg-custom);
	// a name with '/' matches the end of the path ("acme/pg").
	Images []string
}

// composeDatabase is a well-known database or cache image.
type composeDatabase struct {
	names  []string // last path component, or a path suffix when it holds '/'
	engine string
	port   uint32
	pooler bool // a connection pooler or proxy in front of a database
}

// composeDatabases are matched on the image's repository path, registry and
// namespace included: postgres, bitnami/postgresql, docker.io/library/redis.
var composeDatabases = [...]composeDatabase{
	{[]string{"postgres", "postgresql", "postgis", "timescaledb", "timescaledb-ha", "pgvector", "postgresql-repmgr"}, "PostgreSQL", 5432, false},
	{[]string{"mysql", "mysql-server", "percona", "percona-server"}, "MySQL", 3306, false},
	{[]string{"mariadb", "mariadb-galera"}, "MariaDB", 3306, false},
	{[]string{"mongo", "mongodb", "mongodb-community-server", "mongodb-enterprise-server", "mongodb-sharded"}, "MongoDB", 27017, false},
	{[]string{"redis", "redis-stack", "redis-stack-server", "redis-cluster"}, "Redis", 6379, false},
	{[]string{"valkey", "valkey-cluster"}, "Valkey", 6379, false},
	{[]string{"keydb"}, "KeyDB", 6379, false},
	{[]string{"memcached"}, "Memcached", 11211, false},
	{[]string{"elasticsearch"}, "Elasticsearch", 9200, false},
	{[]string{"opensearch"}, "OpenSearch", 9200, false},
	{[]string{"cassandra"}, "Cassandra", 9042, false},
	{[]string{"scylla"}, "ScyllaDB", 9042, false},
	{[]string{"couchdb"}, "CouchDB", 5984, false},
	{[]string{"couchbase", "couchbase-server"}, "Couchbase", 8091, false},
	{[]string{"oracle-xe", "oracle-free", "oracle/database", "database/enterprise", "database/free", "database/express"}, "Oracle Database", 1521, false},
	{[]string{"mssql/server", "mssql-server-linux", "azure-sql-edge"}, "SQL Server", 1433, false},
	{[]string{"influxdb"}, "InfluxDB", 8086, false},
	{[]string{"neo4j"}, "Neo4j", 7687, false},
	{[]string{"clickhouse-server", "clickhouse"}, "ClickHouse", 8123, false},
	{[]string{"cockroach"}, "CockroachDB", 26257, false},
	{[]string{"etcd"}, "etcd", 2379, false},
	{[]string{"rabbitmq"}, "RabbitMQ", 5672, false},
	// Connection poolers and proxies hold the database's credentials and
	// speak its protocol: they are databases for the port and network
	// rules.
	{[]string{"pgbouncer"}, "PgBouncer", 6432, true},
	{[]string{"pgpool", "pgpool2", "pgpool-ii"}, "Pgpool-II", 5432, true},
	{[]string{"odyssey"}, "Odyssey", 6432, true},
	{[]string{"supavisor"}, "Supavisor", 6543, true},
	{[]string{"pgcat"}, "PgCat", 6432, true},
	{[]string{"proxysql"}, "ProxySQL", 6033, true},
	{[]string{"maxscale"}, "MaxScale", 4006, true},
}

// composeDatabaseOf returns the database an image runs, if it is a known one.
func composeDatabaseOf(image string, extra []string) (composeDatabase, bool) {
	if image == "" {
		return composeDatabase{}, false
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return composeDatabase{}, false
	}
	path := reference.Path(named)
	match := func(name string) bool {
		name = strings.ToLower(strings.Trim(name, "/"))
		if strings.Contains(name, "/") {
			return path == name || strings.HasSuffix(path, "/"+name)
		}
		return path[strings.LastIndexByte(path, '/')+1:] == name
	}
	for _, db := range composeDatabases {
		if slices.ContainsFunc(db.names, match) {
			return db, true
		}
	}
	for _, name := range extra {
		if match(name) {
			return composeDatabase{names: []string{name}, engine: "database " + strconv.Quote(name)}, true
		}
	}
	return composeDatabase{}, false
}

// composeIsLoopback reports whether a port's host IP keeps it on the host.
func composeIsLoopback(hostIP string) bool {
	if hostIP == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(hostIP, "[]"))
	return err == nil && a.IsLoopback()
}

// composePortString renders a port as short syntax: "127.0.0.1:5432:5432/udp".
func composePortString(p types.ServicePortConfig) string {
	s := strconv.FormatUint(uint64(p.Target), 10)
	if p.Published != "" {
		s = p.Published + ":" + s
	}
	if p.HostIP != "" {
		h := p.HostIP
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			h = "[" + h + "]"
		}
		if p.Published == "" {
			s = ":" + s
		}
		s = h + ":" + s
	}
	if p.Protocol != "" && p.Protocol != "tcp" {
		s += "/" + p.Protocol
	}
	return s
}

// portPick finds the ports: item that declares p.
func (m *composeModel) portPick(p types.ServicePortConfig) func(*yaml.Node) *yaml.Node {
	return composeItem("ports", func(item *yaml.Node) bool {
		if s, ok := composeScalar(item); ok {
			cfgs, err := types.ParsePortConfig(m.ix.interpolate(s))
			if err != nil {
				return false
			}
			for _, c := range cfgs {
				if c.Target == p.Target && c.Published == p.Published && c.HostIP == p.HostIP {
					return true
				}
			}
			return false
		}
		get := func(k string) string {
			_, v := composeMapGet(item, k)
			s, _ := composeScalar(v)
			return m.ix.interpolate(s)
		}
		return get("target") == strconv.FormatUint(uint64(p.Target), 10) && get("published") == p.Published && get("host_ip") == p.HostIP
	})
}

// ComposeDatabasePorts checks that well-known database and cache services
// (PostgreSQL, MySQL, MariaDB, MongoDB, Redis, Oracle, Memcached,
// Elasticsearch, ...) publish no port beyond the host's loopback
// interface. Docker's own iptables rules put a published port in front of
// any host firewall, so 5432:5432 exposes the database to the network.
func ComposeDatabasePorts(p *ComposeProject, opts DatabaseOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.database-ports", "Database and cache services publish no port on a public interface",
		sectionNetwork, itemPrivateDB, check.SeverityHigh,
		"Remove the ports: entry of the database (other services reach it by service name on a shared network); if a host tool needs it, bind it to loopback: 127.0.0.1:5432:5432.",
		[]string{"security", "network", "database"},
		"CIS Docker Benchmark 5.14", "KICS Container Traffic Not Bound To Host Interface (451d79dc; not database-aware)")
	return composeDatabaseCheck(p, m, opts.Images, func(cm *composeModel, dbs []composeDatabaseService) check.Result {
		f := &composeFindings{m: cm}
		for _, d := range dbs {
			name, s, db := d.name, d.s, d.db
			if s.NetworkMode == "host" {
				f.add(cm.at(name, composeKey("network_mode")), name,
					fmt.Sprintf("%s uses the host network, so it listens on every interface of the host", db.engine),
					"a private network and no network_mode: host", "network_mode host")
			}
			for _, port := range s.Ports {
				if composeIsLoopback(port.HostIP) {
					continue
				}
				where := "on all interfaces"
				if port.HostIP != "" && port.HostIP != "0.0.0.0" && port.HostIP != "::" {
					where = "on " + port.HostIP
				}
				what := fmt.Sprintf("%s service port %d", db.engine, port.Target)
				if db.port != 0 && port.Target == db.port {
					what = fmt.Sprintf("%s port %d", db.engine, port.Target)
				}
				host := "host port " + port.Published
				if port.Published == "" {
					host = "a random host port"
				}
				msg := fmt.Sprintf("publishes %s as %s %s; Docker's iptables rules bypass host firewalls such as ufw", what, host, where)
				expected := "no ports: entry (reach it by service name on a private network)"
				if port.Published != "" {
					expected += fmt.Sprintf(", or 127.0.0.1:%s:%d", port.Published, port.Target)
				}
				f.add(cm.at(name, cm.portPick(port)), name, msg, expected, composePortString(port))
			}
		}
		return composeVerdict(f, check.StatusFail, fmt.Sprintf("no database or cache publishes a public port (%s)", composeCount(len(dbs), "service")), len(dbs), "database/cache service", "database port published")
	})
}

// ComposeDatabaseNetwork checks that a database or cache service shares
// its networks only with the services that use it: a service that shares
// one without using it (no depends_on or links naming it, no reference to
// its host in its environment, env_file or command), such as a reverse
// proxy, is reported at that service, as is a database on the host
// network. When every service on the database's network talks to it, a
// dedicated network would remove no path, and the check passes; a network
// marked internal: true (no route out) is credited in the message. A
// service that uses a connection pooler in front of the database counts
// as using the database. When the only services at fault pass through a
// connection variable whose value the files do not hold (DATABASE_URL
// unset), the files cannot tell and the check warns.
func ComposeDatabaseNetwork(p *ComposeProject, opts DatabaseOptions) check.Check {
	m := dockerMeta("compose", "docker.compose.database-network", "Database and cache services share their network only with the services that use them",
		sectionNetwork, itemPrivateDB, check.SeverityMedium,
		"Put each database on a dedicated network (ideally internal: true) joined only by the services that connect to it, and keep the others, such as a reverse proxy, on their own networks.",
		[]string{"security", "network", "database"},
		"KICS Networks Not Set (ce14a68b)", "CIS Docker Benchmark 5.30")
	return composeDatabaseCheck(p, m, opts.Images, func(cm *composeModel, dbs []composeDatabaseService) check.Result {
		f := &composeFindings{m: cm}
		var credits []string
		certain := false
		hosts := map[string][]string{}
		isDB := map[string]bool{}
		for _, d := range dbs {
			isDB[d.name] = !d.db.pooler
			hosts[d.name] = cm.dbHosts(d.name)
		}
		unused := map[string]*unusedDB{} // service at fault: the databases it does not use
		svcNM := make(map[string]string, len(cm.names))
		svcNets := make(map[string][]string, len(cm.names))
		for _, n := range cm.names {
			svcNM[n] = cm.project.Services[n].NetworkMode
			svcNets[n] = slices.Collect(maps.Keys(cm.project.Services[n].Networks))
		}
		var poolers []composeDatabaseService
		for _, d := range dbs {
			if d.db.pooler {
				poolers = append(poolers, d)
			}
		}
		// The values a service could name a host in, read once per
		// service rather than once per (service, database) pair.
		values := map[string]composeHostWords{}
		talks := func(client, target string) bool {
			v, ok := values[client]
			if !ok {
				v = newComposeHostWords(cm.hostValues(client))
				values[client] = v
			}
			return cm.talksToIn(client, target, hosts[target], v)
		}
		uses := func(client string, d composeDatabaseService) bool {
			if talks(client, d.name) {
				return true
			}
			for _, pool := range poolers {
				if pool.name != d.name && pool.name != client && talks(client, pool.name) && talks(pool.name, d.name) {
					return true
				}
			}
			return false
		}
		for _, d := range dbs {
			name, s, db := d.name, d.s, d.db
			netOf := name
			switch nm := s.NetworkMode; {
			case nm == "host":
				f.add(cm.at(name, composeKey("network_mode")), name, db.engine+" uses the host network, so every process on the host and the network reaches it",
					"networks: [a dedicated network]", "network_mode host")
				certain = true
				continue
			case nm == "none":
				credits = append(credits, name+" (no network)")
				continue
			case strings.HasPrefix(nm, types.NetworkModeServicePrefix):
				netOf = strings.TrimPrefix(nm, types.NetworkModeServicePrefix)
			case strings.HasPrefix(nm, types.ContainerPrefix):
				credits = append(credits, name+" (network of "+strings.TrimPrefix(nm, types.ContainerPrefix)+", not inspected)")
				continue
			}
			nets := cm.project.Services[netOf].Networks
			byName, byNet := types.NetworkModeServicePrefix+name, types.NetworkModeServicePrefix+netOf
			var clients []string
			for _, other := range cm.names {
				if other == name || other == netOf {
					continue
				}
				// Read once per service, not per (service, database).
				nm, otherNets := svcNM[other], svcNets[other]
				if nm == byName || nm == byNet {
					clients = append(clients, other)
					continue
				}
				var shared []string
				for _, n := range otherNets {
					if _, ok := nets[n]; ok {
						shared = append(shared, n)
					}
				}
				if len(shared) == 0 {
					continue
				}
				slices.Sort(shared)
				if isDB[other] || uses(other, d) {
					// A data store beside another (redis beside
					// postgres) opens no connection to it.
					clients = append(clients, other)
					continue
				}
				u := unused[other]
				if u == nil {
					u = &unusedDB{nets: map[string]bool{}}
					unused[other] = u
				}
				u.dbs = append(u.dbs, name)
				u.engines = append(u.engines, db.engine)
				for _, n := range shared {
					u.nets[n] = true
				}
			}
			var internal []string
			for _, n := range slices.Sorted(maps.Keys(nets)) {
				if cm.project.Networks[n].Internal {
					internal = append(internal, n)
				}
			}
			credit := name
			switch {
			case len(clients) == 0:
				credit += " (alone on its network"
			default:
				credit += " (shared only with its clients " + strings.Join(clients, ", ")
			}
			if len(internal) > 0 {
				credit += "; " + strings.Join(internal, ", ") + " internal"
			}
			credits = append(credits, credit+")")
		}
		// One finding per service at fault, naming every database it
		// shares a network with but does not use.
		for _, other := range cm.names {
			u := unused[other]
			if u == nil {
				continue
			}
			shared := slices.Sorted(maps.Keys(u.nets))
			what := "network " + strconv.Quote(shared[0])
			if len(shared) > 1 {
				what = "networks " + strings.Join(shared, ", ")
			}
			if shared[0] == "default" && len(shared) == 1 {
				what = "the project's default network"
			}
			dbList := composeFirstNames(u.dbs, 5)
			var msg, expected string
			if len(u.dbs) == 1 {
				msg = fmt.Sprintf("shares %s with %s service %q but does not use it (no depends_on or links naming it, no reference to its host in environment, env_file or command), so a compromise of this service reaches the database", what, u.engines[0], u.dbs[0])
				expected = fmt.Sprintf("networks that leave out %s, or depends_on: [%s] if it connects to it", u.dbs[0], u.dbs[0])
			} else {
				msg = fmt.Sprintf("shares %s with %d database services (%s) but uses none of them (no depends_on or links naming them, no reference to their hosts in environment, env_file or command), so a compromise of this service reaches them", what, len(u.dbs), dbList)
				expected = "networks that leave out those databases, or depends_on naming the ones it connects to"
			}
			if pass := cm.passThrough(other); len(pass) > 0 {
				msg += fmt.Sprintf("; it passes through %s without a value in the files: if that names one of them, add it to depends_on", strings.Join(pass, ", "))
			} else {
				certain = true
			}
			f.add(cm.at(other, composeKey("networks")), other, msg, expected, "shares "+strings.Join(shared, ", ")+" with "+dbList)
		}
		status := check.StatusWarn
		if certain {
			status = check.StatusFail
		}
		return composeVerdict(f, status, "every service on a database's network uses it: "+strings.Join(credits, "; "), len(cm.names), "service", "services on a database's network without using it")
	})
}

// dbHosts returns the names by which other services reach service name:
// the service name, its hostname and container_name, and its network
// aliases.
func (m *composeModel) dbHosts(name string) []string {
	s := m.project.Services[name]
	hosts := []string{name}
	for _, h := range []string{s.Hostname, s.ContainerName} {
		if h != "" {
			hosts = append(hosts, h)
		}
	}
	for _, n := range s.Networks {
		if n != nil {
			hosts = append(hosts, n.Aliases...)
		}
	}
	return hosts
}

// composeHostWords holds a service's values and, for the common case of a
// host that is one word, the set of words they contain, so that a rule
// looking up many hosts does not scan every value for each.
type composeHostWords struct {
	values []string
	words  map[string]bool
}

func newComposeHostWords(values []string) composeHostWords {
	w := composeHostWords{values: values, words: map[string]bool{}}
	for _, v := range values {
		v = strings.ToLower(v)
		// A run of word characters names a host unless a '.' precedes it
		// ("x.db" names x, not db), as composeNamesHost reads it.
		for i := 0; i < len(v); {
			if !composeWordRune(rune(v[i])) {
				i++
				continue
			}
			j := i
			for j < len(v) && composeWordRune(rune(v[j])) {
				j++
			}
			if i == 0 || v[i-1] != '.' {
				w.words[v[i:j]] = true
			}
			i = j
		}
	}
	return w
}

// names reports whether the values name host as a whole word, as
// composeNamesHost decides.
func (w composeHostWords) names(host string) bool {
	if strings.IndexFunc(host, func(r rune) bool { return !composeWordRune(r) }) < 0 {
		return w.words[strings.ToLower(host)]
	}
	for _, v := range w.values {
		if composeNamesHost(v, host) {
			return true
		}
	}
	return false
}

// composeWordRune reports whether r can be part of a host word, as
// composeNamesHost reads them.
func composeWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// hostValues returns the values in which service client could name a
// host: its command, entrypoint, environment and env_file values.
func (m *composeModel) hostValues(client string) []string {
	s := m.project.Services[client]
	values := slices.Concat([]string(s.Command), []string(s.Entrypoint), m.envFileValues[client])
	for _, v := range s.Environment {
		if v != nil {
			values = append(values, *v)
		}
	}
	return values
}

// talksToIn reports whether service client names service target: in
// depends_on or links, one of target's hosts in its values (environment,
// env_file, command), or a secret they share (the database's password).
func (m *composeModel) talksToIn(client, target string, hosts []string, values composeHostWords) bool {
	// Fields are read through the map, not from a copy of the service.
	if _, ok := m.project.Services[client].DependsOn[target]; ok {
		return true
	}
	// A service given the database's own secret (its password file)
	// connects to it.
	for _, cs := range m.project.Services[client].Secrets {
		if slices.ContainsFunc(m.project.Services[target].Secrets, func(ts types.ServiceSecretConfig) bool { return ts.Source == cs.Source }) {
			return true
		}
	}
	for _, l := range m.project.Services[client].Links {
		if svc, _, _ := strings.Cut(l, ":"); svc == target {
			return true
		}
	}
	for _, h := range hosts {
		if values.names(h) {
			return true
		}
	}
	return false
}

// composeNamesHost reports whether value names host as a whole word:
// "db", "postgres://u@db:5432/app", "db.internal", not "mydb" or "db_name".
func composeNamesHost(value, host string) bool {
	value, host = strings.ToLower(value), strings.ToLower(host)
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	for from := 0; ; {
		i := strings.Index(value[from:], host)
		if i < 0 || host == "" {
			return false
		}
		i += from
		end := i + len(host)
		if (i == 0 || !word(value[i-1]) && value[i-1] != '.') && (end == len(value) || !word(value[end])) {
			return true
		}
		from = i + 1
	}
}

// passThrough returns the connection-like variables of a service whose
// value the files do not hold: passed through from the environment
// (DATABASE_URL, or DATABASE_URL: ${DATABASE_URL} unset).
func (m *composeModel) passThrough(name string) []string {
	var out []string
	for k, v := range m.project.Services[name].Environment {
		if v != nil && *v != "" {
			continue
		}
		u := strings.ToUpper(k)
		for _, w := range []string{"HOST", "URL", "URI", "DSN", "ADDR", "SERVER", "ENDPOINT", "CONN", "DATABASE", "DB"} {
			if strings.Contains(u, w) {
				out = append(out, k)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// unusedDB collects, for one service, the databases whose network it
// shares without using them.
type unusedDB struct {
	dbs, engines []string
	nets         map[string]bool
}

// composeFirstNames lists up to n names, then how many more there are.
func composeFirstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
}
