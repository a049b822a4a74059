package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/prodcheck/prodcheck/check"
)

// BouncerQuerier is what the pgBouncer checks need of a connection to
// pgBouncer's admin console (the "pgbouncer" pseudo-database).
// *pgx.Conn, *pgxpool.Pool and *pgxpool.Conn satisfy it. Every query is
// sent with [pgx.QueryExecModeSimpleProtocol], the only protocol the
// console speaks, so a pool opened with pgx's default mode works. The
// caller owns it; no check closes it.
type BouncerQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// BouncerOptions configures a [Bouncer]'s checks. The zero value is a
// production default throughout, except that the server's capacity is
// unknown until Backend or MaxServerConnections is set.
type BouncerOptions struct {
	// Target names the bouncer in every outcome. Empty: from the
	// connection: "postgres://host:port/pgbouncer". Never put credentials
	// here.
	Target string
	// PoolMode is the expected pool_mode: "transaction" (default),
	// "session" (for applications that need session state) or
	// "statement".
	PoolMode string
	// Backend is the PostgreSQL server behind the bouncer: its
	// max_connections less superuser_reserved_connections (and
	// reserved_connections, PostgreSQL 16+) bound the pools.
	Backend *Server
	// MaxServerConnections is the number of connections the server can
	// give the bouncer, when Backend is not set.
	MaxServerConnections int
	// MaxWait bounds how long a client may wait for a server connection
	// (SHOW POOLS maxwait). 0: 5 seconds.
	MaxWait time.Duration
}

func (o BouncerOptions) poolMode() string {
	if o.PoolMode == "" {
		return "transaction"
	}
	return o.PoolMode
}

func (o BouncerOptions) maxWait() time.Duration { return orDuration(o.MaxWait, 5*time.Second) }

// Bouncer is one pgBouncer as its checks see it, read through the admin
// console once per run (SHOW VERSION, SHOW CONFIG, SHOW POOLS, SHOW
// DATABASES: four queries whatever the number of checks). A Bouncer from
// [OpenBouncer] connects at each load and closes after; one from
// [NewBouncer] uses the caller's connection. It is safe for concurrent
// use. The checking user must be in stats_users or admin_users.
type Bouncer struct {
	target string
	opts   BouncerOptions
	q      BouncerQuerier
	cfg    *pgx.ConnConfig
	err    error
	state  *check.Source[*bouncerState]
}

// NewBouncer returns the Bouncer q is connected to (its "pgbouncer"
// database). The Target comes from opts.Target, else from q's
// configuration when q is a *pgx.Conn, *pgxpool.Pool or *pgxpool.Conn.
func NewBouncer(q BouncerQuerier, opts BouncerOptions) *Bouncer {
	b := &Bouncer{opts: opts, q: q, cfg: configOf(q)}
	if q == nil {
		b.err = errors.New("postgres: pgbouncer: nil BouncerQuerier")
	}
	b.init()
	return b
}

// OpenBouncer returns the Bouncer dsn names (its database should be
// "pgbouncer"). Each run connects once with the simple query protocol,
// reads the console and closes. An invalid DSN is reported by every
// check, without the DSN's password.
func OpenBouncer(dsn string, opts BouncerOptions) *Bouncer {
	b := &Bouncer{opts: opts}
	b.cfg, b.err = parseDSN(dsn, pgx.QueryExecModeSimpleProtocol)
	if b.err != nil {
		b.err = fmt.Errorf("postgres: pgbouncer: %w", b.err)
	}
	b.init()
	return b
}

func (b *Bouncer) init() {
	b.target = targetName(b.opts.Target, b.cfg, "pgbouncer")
	b.state = check.NewSource(b.load)
}

// Target returns the name the Bouncer's checks carry in Meta.Target.
func (b *Bouncer) Target() string { return b.target }

// bouncerRow is one row of a SHOW command, by column name, as text.
type bouncerRow map[string]string

// bouncerState is what the console said in one run.
type bouncerState struct {
	version   string
	config    map[string]string
	pools     []bouncerRow
	databases []bouncerRow
}

// maxBouncerRows caps the rows read from one SHOW command.
const maxBouncerRows = 10000

func (b *Bouncer) get(ctx context.Context) (*bouncerState, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.state.Get(ctx)
}

func (b *Bouncer) load(ctx context.Context) (*bouncerState, error) {
	q := b.q
	if q == nil {
		conn, release, err := dial(ctx, b.cfg)
		if err != nil {
			return nil, b.consoleError(ctx, "connect", err)
		}
		defer release()
		q = conn
	}
	st := &bouncerState{config: map[string]string{}}
	version, err := showRows(ctx, q, "SHOW VERSION")
	if err != nil {
		return nil, b.consoleError(ctx, "SHOW VERSION", err)
	}
	for _, r := range version {
		st.version = r["version"]
	}
	config, err := showRows(ctx, q, "SHOW CONFIG")
	if err != nil {
		return nil, b.consoleError(ctx, "SHOW CONFIG", err)
	}
	for _, r := range config {
		st.config[r["key"]] = r["value"]
	}
	if st.pools, err = showRows(ctx, q, "SHOW POOLS"); err != nil {
		return nil, b.consoleError(ctx, "SHOW POOLS", err)
	}
	if st.databases, err = showRows(ctx, q, "SHOW DATABASES"); err != nil {
		return nil, b.consoleError(ctx, "SHOW DATABASES", err)
	}
	return st, nil
}

// errUnreachable marks a load that could not reach the bouncer at all.
var errUnreachable = errors.New("unreachable")

// consoleError names the step, turns "not allowed" into
// [ErrInsufficientPrivilege] and marks a failed connection.
func (b *Bouncer) consoleError(ctx context.Context, step string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Message == "not allowed" {
		return fmt.Errorf("postgres: pgbouncer %s: %s: %w", b.target, step, privilegeError("the user in stats_users or admin_users"))
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) && ctx.Err() == nil {
		return fmt.Errorf("postgres: pgbouncer %s: %s: %w: %w", b.target, step, errUnreachable, err)
	}
	return fmt.Errorf("postgres: pgbouncer %s: %s: %w", b.target, step, connectError(ctx, err))
}

// showRows runs one console command and reads its rows by column name:
// the columns differ between pgBouncer versions.
func showRows(ctx context.Context, q BouncerQuerier, sql string) ([]bouncerRow, error) {
	rows, err := q.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var out []bouncerRow
	for rows.Next() && len(out) < maxBouncerRows {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := make(bouncerRow, len(fields))
		for i, f := range fields {
			if i < len(vals) {
				r[f.Name] = textOf(vals[i])
			}
		}
		out = append(out, r)
	}
	rows.Close()
	return out, rows.Err()
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// intCol returns column name of r as an integer; ok is false when the
// column is absent (another pgBouncer version).
func (r bouncerRow) intCol(name string) (n int64, ok bool, err error) {
	v, ok := r[name]
	if !ok {
		return 0, false, nil
	}
	if v == "" {
		return 0, true, nil
	}
	n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("postgres: pgbouncer: column %s: %w", name, err)
	}
	return n, true, nil
}

// setting returns the SHOW CONFIG value of key, or an error when this
// pgBouncer has no such key.
func (s *bouncerState) setting(key string) (string, error) {
	v, ok := s.config[key]
	if !ok {
		return "", fmt.Errorf("postgres: pgbouncer: SHOW CONFIG has no %s", key)
	}
	return v, nil
}

func (s *bouncerState) intSetting(key string) (int64, error) {
	v, err := s.setting(key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("postgres: pgbouncer: %s: %w", key, err)
	}
	return n, nil
}

// bouncerItem is the checklist line every pgBouncer check serves.
const bouncerItem = "Set up pgBouncer for connection pooling"

// newCheck returns a check of b judged on the run's console state.
func (b *Bouncer) newCheck(m check.Meta, judge func(ctx context.Context, st *bouncerState) check.Result) check.Check {
	m.Target = b.target
	m.Section = sectionPostgres
	m.Item = bouncerItem
	m.Tags = append([]string{"database", "postgres", "pgbouncer"}, m.Tags...)
	return check.New(m, func(ctx context.Context) check.Result {
		st, err := b.get(ctx)
		if err != nil {
			return check.Error(err)
		}
		return judge(ctx, st)
	})
}

// BouncerChecks returns every check of b: reachable, pool-mode,
// auth-type, client-tls, pool-size, waiting. They share one read of the
// console per run.
func BouncerChecks(b *Bouncer) []check.Check {
	return []check.Check{
		b.reachable(),
		b.newCheck(check.Meta{
			ID:          "postgres.pgbouncer.pool-mode",
			Title:       "pgBouncer pools in the expected pool_mode",
			Severity:    check.SeverityMedium,
			Remediation: "Set pool_mode in pgbouncer.ini (and any pool_mode= on a [databases] line) to the mode the application was built for, then RELOAD.",
			Refs:        []string{"pgbouncer(5) pool_mode"},
		}, b.judgePoolMode),
		b.newCheck(check.Meta{
			ID:          "postgres.pgbouncer.auth-type",
			Title:       "pgBouncer authenticates clients with a password hash or certificate",
			Severity:    check.SeverityCritical,
			Tags:        []string{"security"},
			Remediation: "Set auth_type = scram-sha-256 (or cert) in pgbouncer.ini with SCRAM secrets or an auth_query, then RELOAD.",
			Refs:        []string{"pgbouncer(5) auth_type", "postgres.hba.auth"},
		}, judgeAuthType),
		b.newCheck(check.Meta{
			ID:          "postgres.pgbouncer.client-tls",
			Title:       "pgBouncer requires TLS from clients",
			Severity:    check.SeverityHigh,
			Tags:        []string{"security", "tls"},
			Remediation: "Set client_tls_sslmode = require (or verify-ca/verify-full) with client_tls_key_file and client_tls_cert_file in pgbouncer.ini, then RELOAD.",
			Refs:        []string{"pgbouncer(5) client_tls_sslmode"},
		}, judgeClientTLS),
		b.newCheck(check.Meta{
			ID:          "postgres.pgbouncer.pool-size",
			Title:       "pgBouncer's pools fit in the server's connections",
			Severity:    check.SeverityHigh,
			Remediation: "Lower default_pool_size / pool_size and reserve_pool_size (or max_db_connections) until the pools fit in max_connections less the reserved connections, or raise max_connections on the server.",
			Refs:        []string{"pgbouncer(5) default_pool_size", "pgbouncer(5) max_db_connections"},
		}, b.judgePoolSize),
		b.newCheck(check.Meta{
			ID:          "postgres.pgbouncer.waiting",
			Title:       "No pgBouncer client waits long for a server connection",
			Severity:    check.SeverityMedium,
			Tags:        []string{"performance"},
			Remediation: "Shorten the transactions that hold server connections, or raise the pool's size within the server's capacity.",
			Refs:        []string{"pgbouncer(1) SHOW POOLS"},
		}, b.judgeWaiting),
	}
}

// reachable is the one check whose Fail is a load that could not connect.
func (b *Bouncer) reachable() check.Check {
	m := check.Meta{
		ID:          "postgres.pgbouncer.reachable",
		Title:       "pgBouncer answers on its admin console",
		Severity:    check.SeverityHigh,
		Remediation: "Start pgBouncer and open its listen_addr/listen_port to the application and the checker, with the checking user in stats_users.",
		Refs:        []string{"pgbouncer(1) SHOW VERSION"},
		Target:      b.target,
		Section:     sectionPostgres,
		Item:        bouncerItem,
		Tags:        []string{"database", "postgres", "pgbouncer"},
	}
	return check.New(m, func(ctx context.Context) check.Result {
		st, err := b.get(ctx)
		switch {
		case errors.Is(err, errUnreachable):
			r := check.Fail("pgBouncer is not reachable", check.Finding{
				Message:  "no answer from the admin console",
				Location: check.Location{Resource: "pgbouncer " + b.target},
				Expected: "SHOW VERSION answers",
				Actual:   "connection failed",
			})
			r.Err = err
			return r
		case err != nil:
			return check.Error(err)
		}
		if !strings.HasPrefix(st.version, "PgBouncer ") {
			return check.Fail("the admin console did not answer SHOW VERSION as pgBouncer", check.Finding{
				Message:  "SHOW VERSION did not name pgBouncer",
				Location: check.Location{Resource: "pgbouncer " + b.target},
				Expected: "PgBouncer x.y",
				Actual:   fmt.Sprintf("%q", truncateText(st.version, 60)),
			})
		}
		return check.Pass(st.version + " answers")
	})
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// poolModeNote says what each mode trades.
var poolModeNote = map[string]string{
	"session":     "a server connection per client session: every session feature works, little is pooled",
	"transaction": "a server connection per transaction: the usual choice; SET, advisory locks and LISTEN do not outlive a transaction",
	"statement":   "a server connection per statement: transactions of several statements are refused",
}

func (b *Bouncer) judgePoolMode(_ context.Context, st *bouncerState) check.Result {
	want := b.opts.poolMode()
	mode, err := st.setting("pool_mode")
	if err != nil {
		return check.Error(err)
	}
	note := poolModeNote[want]
	var fs []check.Finding
	if mode != want {
		fs = append(fs, check.Finding{
			Message:  "pool_mode " + mode + ": " + orText(poolModeNote[mode], "unknown mode"),
			Location: check.Location{Resource: "setting pool_mode"},
			Expected: want,
			Actual:   mode,
		})
	}
	for _, db := range st.databases {
		name := db["name"]
		if name == "pgbouncer" || db["pool_mode"] == "" || db["pool_mode"] == want {
			continue
		}
		fs = append(fs, check.Finding{
			Message:  "database " + name + " overrides pool_mode with " + db["pool_mode"],
			Location: check.Location{Resource: "database " + name},
			Expected: want,
			Actual:   db["pool_mode"],
		})
	}
	return check.Judge(fs, "pool_mode is "+want+" ("+note+")",
		fmt.Sprintf("pool_mode is not the expected %s (%s)", want, note))
}

func orText(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func judgeAuthType(_ context.Context, st *bouncerState) check.Result {
	auth, err := st.setting("auth_type")
	if err != nil {
		return check.Error(err)
	}
	loc := check.Location{Resource: "setting auth_type"}
	const want = "scram-sha-256 or cert"
	switch auth {
	case "scram-sha-256", "cert":
		return check.Pass("auth_type is " + auth)
	case "hba":
		return check.Pass("auth_type is hba: the rules of auth_hba_file decide per connection; review them for trust")
	case "trust":
		return check.Fail("pgBouncer lets clients in without a password", check.Finding{
			Message:  "auth_type trust accepts any client that reaches the port",
			Location: loc, Expected: want, Actual: auth,
		})
	case "any":
		return check.Fail("pgBouncer lets clients in without a password", check.Finding{
			Message:  "auth_type any accepts any client that reaches the port, under any user name, admin console included",
			Location: loc, Expected: want, Actual: auth,
		})
	case "plain":
		return check.Fail("pgBouncer asks clients for their passwords in clear text", check.Finding{
			Message:  "auth_type plain sends each password to pgBouncer in clear text",
			Location: loc, Expected: want, Actual: auth,
		})
	case "md5":
		return check.Warn("pgBouncer authenticates with md5", check.Finding{
			Message:  "md5 password hashes are weak and replayable from a stolen auth_file; prefer scram-sha-256",
			Location: loc, Expected: want, Actual: auth,
		})
	case "pam":
		return check.Warn("pgBouncer authenticates through PAM", check.Finding{
			Message:  "auth_type pam receives each password in clear text; it is safe on the wire only with client TLS required",
			Location: loc, Expected: want, Actual: auth,
		})
	}
	return check.Warn("pgBouncer uses an auth_type this check does not know", check.Finding{
		Message:  "unknown auth_type",
		Location: loc, Expected: want, Actual: truncateText(auth, 40),
	})
}

func judgeClientTLS(_ context.Context, st *bouncerState) check.Result {
	mode, err := st.setting("client_tls_sslmode")
	if err != nil {
		return check.Error(err)
	}
	switch mode {
	case "require", "verify-ca", "verify-full":
		return check.Pass("client_tls_sslmode is " + mode)
	}
	return check.Fail("pgBouncer accepts clients without TLS", check.Finding{
		Message:  "client_tls_sslmode " + mode + " lets clients send passwords and data in plaintext",
		Location: check.Location{Resource: "setting client_tls_sslmode"},
		Expected: "require, verify-ca or verify-full",
		Actual:   mode,
	})
}

// serverPools is the most server connections the bouncer may open to one
// server (host:port), summed over the databases pointing at it.
type serverPools struct {
	addr  string
	conns int64
	dbs   []string
	auto  bool // no database listed: one pool of the '*' auto-database
}

// poolsByServer sums, per server, pool_size + reserve_pool for every
// (database, user) pool SHOW POOLS knows (at least one per database),
// capped by the database's max_connections.
func poolsByServer(st *bouncerState) ([]*serverPools, error) {
	users := map[string]map[string]bool{}
	for _, p := range st.pools {
		if users[p["database"]] == nil {
			users[p["database"]] = map[string]bool{}
		}
		users[p["database"]][p["user"]] = true
	}
	byAddr := map[string]*serverPools{}
	var out []*serverPools
	for _, db := range st.databases {
		name := db["name"]
		if name == "pgbouncer" {
			continue
		}
		size, _, err := db.intCol("pool_size")
		if err != nil {
			return nil, err
		}
		reserve, _, err := db.intCol("reserve_pool")
		if err != nil {
			return nil, err
		}
		limit, _, err := db.intCol("max_connections")
		if err != nil {
			return nil, err
		}
		n := (size + reserve) * int64(max(1, len(users[name])))
		if limit > 0 {
			n = min(n, limit)
		}
		addr := net.JoinHostPort(db["host"], db["port"])
		sp := byAddr[addr]
		if sp == nil {
			sp = &serverPools{addr: addr}
			byAddr[addr] = sp
			out = append(out, sp)
		}
		sp.conns += n
		sp.dbs = append(sp.dbs, name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out, nil
}

// capacity returns the connections the server can give the bouncer and
// how that was measured; 0 with a nil error when nobody said.
func (b *Bouncer) capacity(ctx context.Context) (int64, string, error) {
	if b.opts.Backend == nil {
		if b.opts.MaxServerConnections > 0 {
			return int64(b.opts.MaxServerConnections), fmt.Sprintf("MaxServerConnections %d", b.opts.MaxServerConnections), nil
		}
		return 0, "", nil
	}
	snap, err := b.opts.Backend.Snapshot(ctx)
	if err != nil {
		return 0, "", err
	}
	total, desc := int64(0), ""
	for i, name := range []string{"max_connections", "superuser_reserved_connections", "reserved_connections"} {
		v, err := snap.Setting(name)
		if errors.Is(err, ErrNoSetting) {
			continue // reserved_connections is new in PostgreSQL 16
		}
		if err != nil {
			return 0, "", err
		}
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("postgres: setting %s: %w", name, err)
		}
		if i == 0 {
			total, desc = n, fmt.Sprintf("%s %d", name, n)
			continue
		}
		total -= n
		desc += fmt.Sprintf(" - %s %d", name, n)
	}
	return total, desc + " on " + b.opts.Backend.Target(), nil
}

// backendAddr is the Backend's host:port when known.
func (b *Bouncer) backendAddr() string {
	if b.opts.Backend == nil || b.opts.Backend.cfg == nil {
		return ""
	}
	return net.JoinHostPort(b.opts.Backend.cfg.Host, strconv.Itoa(int(b.opts.Backend.cfg.Port)))
}

const poolSizeNote = "each (database, user) pair gets its own pool; a database matched by '*' is listed once a client used it"

func (b *Bouncer) judgePoolSize(ctx context.Context, st *bouncerState) check.Result {
	servers, err := poolsByServer(st)
	if err != nil {
		return check.Error(err)
	}
	if len(servers) == 0 {
		// Only the auto-database may serve: one pool of the defaults.
		size, err := st.intSetting("default_pool_size")
		if err != nil {
			return check.Error(err)
		}
		reserve, err := st.intSetting("reserve_pool_size")
		if err != nil {
			return check.Error(err)
		}
		servers = []*serverPools{{addr: "the '*' auto-database", conns: size + reserve, auto: true}}
	}
	capacity, measured, err := b.capacity(ctx)
	if err != nil {
		return check.Errorf("postgres: pgbouncer: the backend's capacity: %w", err)
	}
	if capacity == 0 && measured == "" {
		return check.Warn("cannot know the server's capacity: set Backend or MaxServerConnections", check.Finding{
			Message:  fmt.Sprintf("the pools may open %s server connections; %s", describePools(servers), poolSizeNote),
			Location: check.Location{Resource: "setting default_pool_size"},
			Expected: "pools within the server's max_connections less the reserved connections",
			Actual:   "capacity unknown",
		})
	}
	if addr := b.backendAddr(); addr != "" && len(servers) > 1 {
		var match *serverPools
		for _, sp := range servers {
			if sp.addr == addr {
				match = sp
				break
			}
		}
		if match == nil {
			// Judging every server's pools by one server's capacity
			// would be wrong: say what is unknown instead.
			return check.Warn("cannot tell which pools the Backend serves", check.Finding{
				Message:  fmt.Sprintf("the Backend %s is none of the servers the bouncer pools for (%s); name it as pgbouncer.ini does", addr, describePools(servers)),
				Location: check.Location{Resource: "setting Backend"},
				Expected: "the Backend at one of the bouncer's server addresses",
				Actual:   addr,
			})
		}
		servers = []*serverPools{match}
	}
	var fs []check.Finding
	for _, sp := range servers {
		if sp.conns <= capacity {
			continue
		}
		what := fmt.Sprintf("the pools of %s may open %d server connections to %s", strings.Join(sp.dbs, ", "), sp.conns, sp.addr)
		loc := check.Location{Resource: "pools to " + sp.addr}
		if sp.auto {
			what = fmt.Sprintf("one pool of the '*' auto-database may open %d server connections (default_pool_size + reserve_pool_size)", sp.conns)
			loc = check.Location{Resource: "setting default_pool_size"}
		}
		fs = append(fs, check.Finding{
			Message:  fmt.Sprintf("%s, more than the %d the server can give (%s)", what, capacity, measured),
			Location: loc,
			Expected: fmt.Sprintf("at most %d", capacity),
			Actual:   strconv.FormatInt(sp.conns, 10),
		})
	}
	return check.Judge(fs,
		fmt.Sprintf("pools may open %s server connections, within %d (%s); %s", describePools(servers), capacity, measured, poolSizeNote),
		fmt.Sprintf("pools may open more server connections than the server can give (%d: %s); %s", capacity, measured, poolSizeNote))
}

func describePools(servers []*serverPools) string {
	parts := make([]string, len(servers))
	for i, sp := range servers {
		parts[i] = fmt.Sprintf("%d (to %s)", sp.conns, sp.addr)
	}
	return strings.Join(parts, ", ")
}

func (b *Bouncer) judgeWaiting(_ context.Context, st *bouncerState) check.Result {
	limit := b.opts.maxWait()
	var fs []check.Finding
	waiting := 0
	for _, p := range st.pools {
		n, _, err := p.intCol("cl_waiting")
		if err != nil {
			return check.Error(err)
		}
		secs, _, err := p.intCol("maxwait")
		if err != nil {
			return check.Error(err)
		}
		us, _, err := p.intCol("maxwait_us")
		if err != nil {
			return check.Error(err)
		}
		if n == 0 {
			continue
		}
		waiting += int(n)
		wait := time.Duration(secs)*time.Second + time.Duration(us)*time.Microsecond
		if wait <= limit {
			continue
		}
		fs = append(fs, check.Finding{
			Message:  fmt.Sprintf("%d client(s) waiting for a server connection", n),
			Location: check.Location{Resource: "pool " + p["database"] + "/" + p["user"]},
			Expected: "no client waiting longer than " + limit.String(),
			Actual:   "longest wait " + wait.Round(time.Millisecond).String(),
		})
	}
	return check.Judge(fs,
		fmt.Sprintf("%d pools, %d clients waiting, none longer than %s", len(st.pools), waiting, limit),
		fmt.Sprintf("clients wait longer than %s for a server connection", limit))
}
