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

// DatabaseOptions configures [DatabasePortsPrivate] and
// [DatabaseNetworkPrivate].
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
}

// composeDatabases are matched on the image's repository path, registry and
// namespace included: postgres, bitnami/postgresql, docker.io/library/redis.
var composeDatabases = [...]composeDatabase{
	{[]string{"postgres", "postgresql", "postgis", "timescaledb", "timescaledb-ha", "pgvector", "postgresql-repmgr"}, "PostgreSQL", 5432},
	{[]string{"mysql", "mysql-server", "percona", "percona-server"}, "MySQL", 3306},
	{[]string{"mariadb", "mariadb-galera"}, "MariaDB", 3306},
	{[]string{"mongo", "mongodb", "mongodb-community-server", "mongodb-enterprise-server", "mongodb-sharded"}, "MongoDB", 27017},
	{[]string{"redis", "redis-stack", "redis-stack-server", "redis-cluster"}, "Redis", 6379},
	{[]string{"valkey", "valkey-cluster"}, "Valkey", 6379},
	{[]string{"keydb"}, "KeyDB", 6379},
	{[]string{"memcached"}, "Memcached", 11211},
	{[]string{"elasticsearch"}, "Elasticsearch", 9200},
	{[]string{"opensearch"}, "OpenSearch", 9200},
	{[]string{"cassandra"}, "Cassandra", 9042},
	{[]string{"scylla"}, "ScyllaDB", 9042},
	{[]string{"couchdb"}, "CouchDB", 5984},
	{[]string{"couchbase", "couchbase-server"}, "Couchbase", 8091},
	{[]string{"oracle-xe", "oracle-free", "oracle/database", "database/enterprise", "database/free", "database/express"}, "Oracle Database", 1521},
	{[]string{"mssql/server", "mssql-server-linux", "azure-sql-edge"}, "SQL Server", 1433},
	{[]string{"influxdb"}, "InfluxDB", 8086},
	{[]string{"neo4j"}, "Neo4j", 7687},
	{[]string{"clickhouse-server", "clickhouse"}, "ClickHouse", 8123},
	{[]string{"cockroach"}, "CockroachDB", 26257},
	{[]string{"etcd"}, "etcd", 2379},
	{[]string{"rabbitmq"}, "RabbitMQ", 5672},
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

// DatabasePortsPrivate checks that well-known database and cache services
// (PostgreSQL, MySQL, MariaDB, MongoDB, Redis, Oracle, Memcached,
// Elasticsearch, ...) publish no port beyond the host's loopback
// interface. Docker's own iptables rules put a published port in front of
// any host firewall, so 5432:5432 exposes the database to the network.
func DatabasePortsPrivate(p *ComposeProject, opts DatabaseOptions) check.Check {
	m := dockerMeta("compose", "docker.network.database-ports", "Database and cache services publish no port on a public interface",
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

// DatabaseNetworkPrivate checks that database and cache services join a
// network of their own rather than only the project's default network,
// which every service of the project shares. A network marked
// internal: true (no route out) is credited in the message.
func DatabaseNetworkPrivate(p *ComposeProject, opts DatabaseOptions) check.Check {
	m := dockerMeta("compose", "docker.network.database-network", "Database and cache services sit on a dedicated network",
		sectionNetwork, itemPrivateDB, check.SeverityMedium,
		"Put each database on a dedicated network shared only with the services that use it, ideally marked internal: true, instead of the project's default network.",
		[]string{"security", "network", "database"},
		"KICS Networks Not Set (ce14a68b)", "CIS Docker Benchmark 5.30")
	return composeDatabaseCheck(p, m, opts.Images, func(cm *composeModel, dbs []composeDatabaseService) check.Result {
		f := &composeFindings{m: cm}
		var credits []string
		for _, d := range dbs {
			name, s, db := d.name, d.s, d.db
			netOf := name
			switch nm := s.NetworkMode; {
			case nm == "host":
				f.add(cm.at(name, composeKey("network_mode")), name, db.engine+" uses the host network instead of a private one",
					"networks: [a dedicated network]", "network_mode host")
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
			var own, internal []string
			for _, n := range slices.Sorted(maps.Keys(nets)) {
				if cm.project.Networks[n].Internal {
					internal = append(internal, n)
				}
				if n != "default" {
					own = append(own, n)
				}
			}
			switch {
			case len(internal) > 0:
				credits = append(credits, name+" ("+strings.Join(internal, ", ")+", internal)")
			case len(own) > 0:
				credits = append(credits, name+" ("+strings.Join(own, ", ")+", not internal)")
			default:
				f.add(cm.at(name, composeKey("networks")), name,
					db.engine+" joins only the project's default network, which every service of the project shares",
					"networks: [a dedicated network, ideally internal: true]", "default network")
			}
		}
		return composeVerdict(f, check.StatusFail, "databases and caches on dedicated networks: "+strings.Join(credits, "; "), len(dbs), "database/cache service", "database on the default network")
	})
}
