package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/prodcheck/prodcheck/check"
)

// Querier is what the checks need of a connection: pipelined batches.
// *pgx.Conn, *pgxpool.Pool, *pgxpool.Conn and pgx.Tx all satisfy it. The
// caller owns it; no check closes it.
type Querier interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// ErrInsufficientPrivilege is wrapped by every error saying that the
// checking role cannot see what a check must judge. PostgreSQL does not
// refuse such reads: it hides rows and columns, so a check that did not
// ask would pass on nothing. The message names the grant that is missing.
var ErrInsufficientPrivilege = errors.New("insufficient privilege")

// privilegeError returns an error wrapping [ErrInsufficientPrivilege]
// that names the grant that would let the check see.
func privilegeError(needs string) error {
	return fmt.Errorf("%w: needs %s", ErrInsufficientPrivilege, needs)
}

// The grants the checks ask for by name.
const (
	needsMonitor  = "pg_monitor (or pg_read_all_stats)"
	needsSettings = "pg_monitor (or pg_read_all_settings)"
	needsHBA      = "superuser, or GRANT SELECT ON pg_hba_file_rules and GRANT EXECUTE ON FUNCTION pg_hba_file_rules()"
	needsAuthid   = "superuser (pg_authid is readable by superusers only)"
)

// Options configures a [Server]'s checks. The zero value is a production
// default throughout; each field says its default.
type Options struct {
	// Target names the server in every outcome: "postgres://db:5432/app".
	// Empty: from the connection's host, port and database. Never put
	// credentials here.
	Target string

	// TLS
	// MinTLSVersion is the lowest ssl_min_protocol_version accepted:
	// "TLSv1.2" (default) or "TLSv1.3".
	MinTLSVersion string
	// AllowListenAll accepts listen_addresses = '*' without a warning, for
	// a server whose network reach is closed elsewhere (a container
	// network, a firewall).
	AllowListenAll bool

	// Passwords
	// LoginAttempts enables the online default-password probe used when
	// the role cannot read pg_authid: at most this many login attempts
	// (each logged by the server as a failed login), capped at
	// [MaxLoginAttempts]. 0: no login attempt.
	LoginAttempts int

	// Replication and archiving
	// MinStandbys is how many streaming standbys a primary must have:
	// 0 means 1; a negative value requires none (a single server by
	// design).
	MinStandbys int
	// MaxReplicationLag bounds a standby's replay lag (on the primary)
	// and replay delay (on the standby). 0: 1 minute.
	MaxReplicationLag time.Duration
	// MaxSlotRetainedBytes bounds the WAL an inactive replication slot
	// may hold back. 0: 1 GiB.
	MaxSlotRetainedBytes int64
	// MaxArchiveAge bounds the age of the last archived WAL segment.
	// 0: 1 hour.
	MaxArchiveAge time.Duration

	// Backups
	// Backup is where the evidence of the newest backup comes from: a
	// directory of dumps, pgBackRest or WAL-G info. nil: no evidence,
	// and postgres.backup.recent warns that it cannot know.
	Backup BackupEvidence
	// MaxBackupAge bounds the newest backup's age. 0: 26 hours (a daily
	// backup, with slack).
	MaxBackupAge time.Duration

	// VACUUM and ANALYZE
	// MaxDeadRatio bounds n_dead_tup / (n_live_tup + n_dead_tup) on a
	// table with at least MinDeadTuples dead rows. 0: 0.2, the default
	// autovacuum_vacuum_scale_factor.
	MaxDeadRatio float64
	// MinDeadTuples: a table with fewer dead rows is not judged. 0: 1000.
	MinDeadTuples int64
	// MaxMaintenanceAge bounds the time since a changed table was last
	// vacuumed or analysed. 0: 7 days.
	MaxMaintenanceAge time.Duration

	// Indexes and plans
	// MinTableBytes: smaller tables are not judged for unused indexes
	// and sequential scans. 0: 8 MiB.
	MinTableBytes int64

	// Slow queries
	// SlowQueryMean is the mean execution time above which a statement
	// is slow. 0: 500 ms.
	SlowQueryMean time.Duration
	// SlowQueryMinCalls: statements called fewer times are not judged.
	// 0: 100.
	SlowQueryMinCalls int64

	// Connections
	// MaxConnectionUse bounds the share of max_connections (less the
	// reserved ones) in use. 0: 0.8.
	MaxConnectionUse float64
	// MaxIdleInTransaction bounds how long a session may sit idle in a
	// transaction. 0: 5 minutes.
	MaxIdleInTransaction time.Duration

	// Now is the clock for ages judged on this side (backup files); nil:
	// time.Now. Ages of server events use the server's now().
	Now func() time.Time
}

// MaxLoginAttempts is the hard cap on Options.LoginAttempts.
const MaxLoginAttempts = 20

func (o Options) minTLS() string {
	if o.MinTLSVersion == "" {
		return "TLSv1.2"
	}
	return o.MinTLSVersion
}

func (o Options) loginAttempts() int { return min(max(o.LoginAttempts, 0), MaxLoginAttempts) }

func (o Options) minStandbys() int {
	switch {
	case o.MinStandbys == 0:
		return 1
	case o.MinStandbys < 0:
		return 0
	}
	return o.MinStandbys
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orInt(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

func orFloat(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

func (o Options) maxLag() time.Duration { return orDuration(o.MaxReplicationLag, time.Minute) }
func (o Options) maxSlotRetained() int64 {
	return orInt(o.MaxSlotRetainedBytes, 1<<30)
}
func (o Options) maxArchiveAge() time.Duration { return orDuration(o.MaxArchiveAge, time.Hour) }
func (o Options) maxBackupAge() time.Duration  { return orDuration(o.MaxBackupAge, 26*time.Hour) }
func (o Options) maxDeadRatio() float64        { return orFloat(o.MaxDeadRatio, 0.2) }
func (o Options) minDeadTuples() int64         { return orInt(o.MinDeadTuples, 1000) }
func (o Options) maxMaintenanceAge() time.Duration {
	return orDuration(o.MaxMaintenanceAge, 7*24*time.Hour)
}
func (o Options) minTableBytes() int64      { return orInt(o.MinTableBytes, 8<<20) }
func (o Options) slowMean() time.Duration   { return orDuration(o.SlowQueryMean, 500*time.Millisecond) }
func (o Options) slowMinCalls() int64       { return orInt(o.SlowQueryMinCalls, 100) }
func (o Options) maxConnectionUse() float64 { return orFloat(o.MaxConnectionUse, 0.8) }
func (o Options) maxIdleInTx() time.Duration {
	return orDuration(o.MaxIdleInTransaction, 5*time.Minute)
}
func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Server is one PostgreSQL server (one database on it) as the checks see
// it: a connection, its target name and the source that reads it once
// per run. It holds no connection of its own between runs: a Server from
// [Open] connects at each load and closes after, a Server from [New]
// uses the caller's pool. It is safe for concurrent use.
type Server struct {
	target   string
	opts     Options
	q        Querier
	cfg      *pgx.ConnConfig // for Open and the login probe; nil when unknown
	err      error           // a construction error every check reports
	snapshot *check.Source[*Snapshot]
}

// New returns the Server that q connects to. The Target comes from
// opts.Target, else from q's configuration when q is a *pgxpool.Pool,
// *pgxpool.Conn or *pgx.Conn; otherwise it is "postgres" and the caller
// should set opts.Target.
func New(q Querier, opts Options) *Server {
	s := &Server{opts: opts, q: q, cfg: configOf(q)}
	if q == nil {
		s.err = errors.New("postgres: nil Querier")
	}
	s.init()
	return s
}

// Open returns the Server dsn names. Each run connects once, reads the
// snapshot and closes; nothing stays open between runs. An invalid DSN
// is reported by every check, without the DSN's password.
func Open(dsn string, opts Options) *Server {
	s := &Server{opts: opts}
	// One exchange per batch: no statement to prepare first on a
	// connection that lives for one read.
	s.cfg, s.err = parseDSN(dsn, pgx.QueryExecModeExec)
	if s.err != nil {
		s.err = fmt.Errorf("postgres: %w", s.err)
	}
	s.init()
	return s
}

// configOf returns the connection configuration of a pgx connection or
// pool, or nil for another Querier.
func configOf(q any) *pgx.ConnConfig {
	switch c := q.(type) {
	case *pgxpool.Pool:
		return c.Config().ConnConfig
	case *pgxpool.Conn:
		return c.Conn().Config()
	case *pgx.Conn:
		return c.Config()
	}
	return nil
}

// parseDSN parses dsn for connections in mode. Its error never quotes
// the DSN: pgconn's ParseConfigError quotes it with the password masked
// as best it can, keeps it unmasked in a field, and its cause may quote a
// part of it, so only its own words are kept.
func parseDSN(dsn string, mode pgx.QueryExecMode) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("invalid DSN: %s", parseConfigReason(err))
	}
	cfg.DefaultQueryExecMode = mode
	return cfg, nil
}

// targetName is the Target of a server: the caller's, else the
// connection's host, port and database, else fallback.
func targetName(explicit string, cfg *pgx.ConnConfig, fallback string) string {
	switch {
	case explicit != "":
		return explicit
	case cfg != nil:
		return targetOf(cfg.Host, cfg.Port, cfg.Database)
	}
	return fallback
}

// parseConfigReason returns what pgx said was wrong with a DSN without
// the DSN: "invalid port".
func parseConfigReason(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return "cannot parse"
	}
	msg := pe.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+3:]
	}
	if cause := pe.Unwrap(); cause != nil {
		msg = strings.TrimSuffix(msg, " ("+cause.Error()+")")
	}
	return msg
}

func (s *Server) init() {
	s.target = targetName(s.opts.Target, s.cfg, "postgres")
	s.snapshot = check.NewSource(s.load)
}

// targetOf renders host, port and database as a libpq URL without
// credentials; a Unix socket directory goes in the host parameter.
func targetOf(host string, port uint16, db string) string {
	u := url.URL{Scheme: "postgres", Path: "/" + db}
	p := strconv.Itoa(int(port))
	if strings.HasPrefix(host, "/") {
		u.Host = ":" + p
		u.RawQuery = url.Values{"host": {host}}.Encode()
	} else {
		u.Host = net.JoinHostPort(host, p)
	}
	return u.String()
}

// Target returns the name the Server's checks carry in Meta.Target.
func (s *Server) Target() string { return s.target }

// Snapshot returns what the server said in this run: loaded once per run
// (the Runner's memo) and shared by every check of s. Use it to write
// checks of your own over the same two round trips.
func (s *Server) Snapshot(ctx context.Context) (*Snapshot, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.snapshot.Get(ctx)
}

// load connects when the Server owns no pool, and reads the snapshot.
func (s *Server) load(ctx context.Context) (*Snapshot, error) {
	q := s.q
	if q == nil {
		conn, release, err := dial(ctx, s.cfg)
		if err != nil {
			return nil, fmt.Errorf("postgres: connect %s: %w", s.target, connectError(ctx, err))
		}
		defer release()
		q = conn
	}
	return readSnapshot(ctx, q, s.opts)
}

// dial opens a connection for one read. release closes it, taking at
// most a second, even once ctx is done.
func dial(ctx context.Context, cfg *pgx.ConnConfig) (conn *pgx.Conn, release func(), err error) {
	conn, err = pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, nil, err
	}
	return conn, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}, nil
}

// connectError keeps the cause of a failed connect and adds the context's
// cause when it ran out, so a silent server reads "timed out", not "EOF".
func connectError(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return err
}
