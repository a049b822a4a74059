package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/prodcheck/prodcheck/checks/database"
)

// Snapshot is everything the checks read from one server in one run, in
// two pipelined round trips whatever the number of checks: the first
// batch reads the privileges, every setting and every statistics view a
// role of any privilege can query; the second reads what the first said
// this role may read (pg_hba_file_rules, pg_authid, pg_stat_statements).
//
// A part the role cannot see is empty with its Err field wrapping
// [ErrInsufficientPrivilege]; PostgreSQL would have hidden the rows
// silently. It holds no connection.
type Snapshot struct {
	Target     string
	RoundTrips int       // network round trips the snapshot took
	Now        time.Time // the server's now()
	Version    int       // server_version_num: 150019
	User       string    // the checking role
	Database   string
	PID        int32 // this session's backend pid
	InRecovery bool  // a standby (or a server recovering)
	StartedAt  time.Time
	// StatsSince is when this database's statistics started counting:
	// pg_stat_database.stats_reset, else the server's start.
	StatsSince time.Time

	// What the role may see.
	Superuser       bool
	ReadAllSettings bool // pg_read_all_settings (in pg_monitor)
	ReadAllStats    bool // pg_read_all_stats (in pg_monitor)
	Monitor         bool // pg_monitor
	CanReadHBA      bool // SELECT on pg_hba_file_rules and EXECUTE on pg_hba_file_rules()
	CanReadAuthid   bool // SELECT on pg_authid (superusers)

	// Settings is pg_settings by name. A role without
	// pg_read_all_settings does not see the superuser-only ones
	// (shared_preload_libraries, ssl_ciphers, hba_file, ...): use
	// [Snapshot.Setting], which says so.
	Settings    map[string]Setting
	SettingsErr error

	Archiver    Archiver
	ArchiverErr error

	// Replicas are pg_stat_replication's rows; without pg_read_all_stats
	// their state and lag are NULL and ReplicasErr says so.
	Replicas    []Replica
	ReplicasErr error
	Slots       []Slot
	SlotsErr    error
	// Receiver is pg_stat_wal_receiver's row, nil when there is none
	// (a primary, or a standby not streaming).
	Receiver    *Receiver
	ReceiverErr error
	Replay      Replay
	ReplayErr   error

	// Sessions are pg_stat_activity joined with pg_stat_ssl (at most
	// 10,000). Without pg_read_all_stats other roles' state, client
	// address and TLS are hidden and SessionsErr says so; this session's
	// row is always complete.
	Sessions    []Session
	SessionsErr error

	Databases    []DatabaseAge
	DatabasesErr error
	// LoginRoles are the roles that can log in (pg_roles, any role).
	LoginRoles    []string
	LoginRolesErr error

	// Tables, Indexes, DuplicateIndexes and UnindexedForeignKeys are of
	// this database only (at most 5,000 tables and indexes, largest
	// first; 1,000 duplicate sets and foreign keys).
	Tables                  []Table
	TablesErr               error
	Indexes                 []Index
	IndexesErr              error
	DuplicateIndexes        []DuplicateIndex
	DuplicateIndexesErr     error
	UnindexedForeignKeys    []ForeignKey
	UnindexedForeignKeysErr error

	HBA    []HBARule
	HBAErr error

	// Statements are pg_stat_statements' slowest statements by mean time
	// with at least Options.SlowQueryMinCalls calls (at most 50), texts
	// cut to 1,000 bytes. StatementsErr is set when the extension is
	// missing from this database or not preloaded.
	Statements    []Statement
	StatementsErr error

	// storedHashes are pg_authid's login roles and their verifiers:
	// secrets, never exported or printed.
	storedHashes []database.StoredHash
	hashesErr    error
}

// A Setting is one row of pg_settings.
type Setting struct {
	Name   string
	Value  string // pg_settings.setting, in Unit
	Unit   string // "ms", "s", "8kB", ""
	Source string // "configuration file", "default", "command line", ...
	File   string // where it was set, when the role may see it
	Line   int
}

// Setting returns the setting name, or an error: one wrapping
// [ErrInsufficientPrivilege] when the role may not see it, and one
// saying the server has no such setting otherwise.
func (s *Snapshot) Setting(name string) (Setting, error) {
	if v, ok := s.Settings[name]; ok {
		return v, nil
	}
	if s.SettingsErr != nil {
		return Setting{}, s.SettingsErr
	}
	if !s.ReadAllSettings {
		return Setting{}, fmt.Errorf("postgres: setting %s: %w", name, privilegeError(needsSettings))
	}
	return Setting{}, fmt.Errorf("postgres: setting %s: %w", name, ErrNoSetting)
}

// ErrNoSetting is wrapped when the server has no setting of that name
// (an older or newer major version).
var ErrNoSetting = errors.New("no such setting on this server")

// Archiver is pg_stat_archiver.
type Archiver struct {
	Archived, Failed int64
	LastWAL          string
	// LastArchivedAge and LastFailedAge are how long ago, by the
	// server's clock; nil when it never happened.
	LastArchivedAge *time.Duration
	LastFailedAge   *time.Duration
}

// A Replica is one row of pg_stat_replication.
type Replica struct {
	Name, ClientAddr, State, SyncState string
	ReplayLag                          *time.Duration // NULL when idle or hidden
	ReplayBytes                        *int64         // WAL not yet replayed; nil on a standby
}

// A Slot is one row of pg_replication_slots.
type Slot struct {
	Name, Type string
	Active     bool
	Retained   *int64 // bytes of WAL held back; nil when the slot has none
}

// Receiver is pg_stat_wal_receiver.
type Receiver struct {
	Status, SenderHost string
}

// Replay is a standby's replay position: CaughtUp when everything
// received is replayed; Delay since the last replayed transaction.
type Replay struct {
	CaughtUp bool
	Delay    *time.Duration
	// Behind is the WAL received but not replayed, in bytes; nil on a
	// primary.
	Behind *int64
	// Paused is set when replay was paused (pg_wal_replay_pause()).
	Paused bool
}

// A Session is one row of pg_stat_activity with its TLS state.
type Session struct {
	PID                         int32
	User, Database, Application string
	ClientAddr                  string // "" for a Unix socket, a background process, or hidden
	State, BackendType          string
	TransactionAge, StateAge    *time.Duration
	SSL                         *bool // nil when hidden or not a client
	TLSVersion                  string
	Own                         bool // this session
}

// DatabaseAge is a database's transaction-ID age (age(datfrozenxid)).
type DatabaseAge struct {
	Name string
	Age  int64
}

// A Table is one row of pg_stat_user_tables with its size.
type Table struct {
	Schema, Name                            string
	LiveTuples, DeadTuples, ModSinceAnalyze int64
	// VacuumAge and AnalyzeAge: since the last manual or automatic run;
	// nil when never.
	VacuumAge, AnalyzeAge *time.Duration
	SeqScans, SeqTupRead  int64
	IndexScans            *int64 // nil for a table without indexes
	Bytes                 int64  // relpages × block size (no lock taken)
}

// An Index is one index of a user table with its statistics.
type Index struct {
	Schema, Table, Name string
	Scans               int64
	Bytes, TableBytes   int64
	Unique, Primary     bool
	Valid               bool
	Constraint          bool // backs a constraint (primary key, unique, exclusion)
	Definition          string
}

// DuplicateIndex is a set of indexes of one table on the same columns,
// operator classes, expressions and predicate.
type DuplicateIndex struct {
	Schema, Table string
	Indexes       []string
	Bytes         int64 // the largest one's size
}

// A ForeignKey is a foreign key with no index leading with its columns.
type ForeignKey struct {
	Schema, Table, Name string
	Columns             []string
	TableBytes          int64
}

// An HBARule is one line of pg_hba_file_rules.
type HBARule struct {
	File                     string // PostgreSQL 15+; else the hba_file setting when visible
	Line                     int
	Type, Database, User     string
	Address, Netmask, Method string
	Error                    string
}

// A Statement is one row of pg_stat_statements.
type Statement struct {
	QueryID     int64
	Database    string
	Calls       int64
	Mean, Total time.Duration
	Rows        int64
	Text        string // as pg_stat_statements keeps it: redact before showing
}

// query is one statement of a batch and what to do with its rows.
type query struct {
	name string
	sql  string
	args []any
	scan func(rows pgx.Rows) error
	fail func(err error) // records an error the query ended with
}

// readSnapshot reads a Snapshot over q in two round trips (more only
// when a query of a batch fails and the rest are sent again).
func readSnapshot(ctx context.Context, q Querier, opts Options) (*Snapshot, error) {
	s := &Snapshot{Settings: make(map[string]Setting, 400)}
	var ext string // "<version> <schema>" of pg_stat_statements, or ""
	probe := query{name: "privileges", sql: probeSQL, scan: func(rows pgx.Rows) error {
		if !rows.Next() {
			return errNoRow
		}
		var started time.Time
		var reset *time.Time
		var extp *string
		if err := rows.Scan(&s.Version, &s.User, &s.Database, &s.Superuser, &s.ReadAllSettings, &s.ReadAllStats,
			&s.Monitor, &s.CanReadHBA, &s.CanReadAuthid, &s.InRecovery, &s.PID, &s.Now, &started, &reset, &extp); err != nil {
			return err
		}
		s.StartedAt, s.StatsSince = started, started
		if reset != nil {
			s.StatsSince = *reset
		}
		if extp != nil {
			ext = *extp
		}
		return nil
	}}
	var fatal error
	probe.fail = func(err error) { fatal = err }
	first := []query{probe, settingsQuery(s)}
	first = append(first, statsQueries(s)...)
	n, err := runQueries(ctx, q, first)
	s.RoundTrips += n
	if err != nil {
		return nil, err
	}
	if fatal != nil {
		return nil, fmt.Errorf("postgres: read privileges: %w", fatal)
	}
	s.applyPrivileges()

	second := gatedQueries(s, ext, opts)
	if len(second) > 0 {
		n, err := runQueries(ctx, q, second)
		s.RoundTrips += n
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// applyPrivileges records, for each part PostgreSQL masks rather than
// refuses, that the role could not see all of it.
func (s *Snapshot) applyPrivileges() {
	if s.ReadAllStats {
		return
	}
	hidden := privilegeError(needsMonitor)
	if s.ReplicasErr == nil {
		s.ReplicasErr = fmt.Errorf("postgres: pg_stat_replication: %w", hidden)
	}
	if s.ReceiverErr == nil {
		s.ReceiverErr = fmt.Errorf("postgres: pg_stat_wal_receiver: %w", hidden)
	}
	if s.SessionsErr == nil {
		s.SessionsErr = fmt.Errorf("postgres: pg_stat_activity: %w", hidden)
	}
}

// runQueries sends qs as pipelined batches: one round trip, plus one for
// the rest after each query that fails (the server skips what follows an
// error). A connection-level error ends the read and is returned.
func runQueries(ctx context.Context, q Querier, qs []query) (roundTrips int, err error) {
	for len(qs) > 0 {
		b := &pgx.Batch{}
		for _, x := range qs {
			b.Queue(x.sql, x.args...)
		}
		roundTrips++
		br := q.SendBatch(ctx, b)
		failed := -1
		for i, x := range qs {
			err := readOne(br, x)
			if err == nil {
				continue
			}
			if !isStatementError(err) {
				_ = br.Close()
				return roundTrips, fmt.Errorf("postgres: %s: %w", x.name, connectError(ctx, err))
			}
			x.fail(fmt.Errorf("postgres: %s: %w", x.name, err))
			failed = i
			break
		}
		cerr := br.Close()
		if failed < 0 {
			if cerr != nil && !isStatementError(cerr) {
				return roundTrips, fmt.Errorf("postgres: %w", connectError(ctx, cerr))
			}
			return roundTrips, nil
		}
		if cerr != nil && !isStatementError(cerr) {
			return roundTrips, fmt.Errorf("postgres: %w", connectError(ctx, cerr))
		}
		qs = qs[failed+1:]
	}
	return roundTrips, nil
}

func readOne(br pgx.BatchResults, x query) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := x.scan(rows); err != nil {
		rows.Close()
		if rerr := rows.Err(); rerr != nil {
			return rerr
		}
		return err
	}
	rows.Close()
	return rows.Err()
}

// isStatementError reports whether err came from one statement (the
// server answered with an error, or a row did not scan), leaving the
// connection usable.
func isStatementError(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 (connection exception) and 57P (operator
		// intervention, a shutdown) end the connection.
		return !strings.HasPrefix(pgErr.Code, "08") && !strings.HasPrefix(pgErr.Code, "57P")
	}
	var scanErr pgx.ScanArgError
	return errors.As(err, &scanErr) || errors.Is(err, errNoRow)
}

var errNoRow = errors.New("no row")

const probeSQL = `SELECT current_setting('server_version_num')::int,
	current_user::text, current_database()::text,
	coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false),
	pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'USAGE'),
	pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
	pg_catalog.pg_has_role(current_user, 'pg_monitor', 'USAGE'),
	pg_catalog.has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT')
		AND pg_catalog.has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE'),
	pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
	pg_catalog.pg_is_in_recovery(),
	pg_catalog.pg_backend_pid(),
	now(), pg_catalog.pg_postmaster_start_time(),
	(SELECT stats_reset FROM pg_catalog.pg_stat_database WHERE datname = current_database()),
	(SELECT e.extversion || ' ' || n.nspname FROM pg_catalog.pg_extension e
		JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements')`

func settingsQuery(s *Snapshot) query {
	return query{
		name: "pg_settings",
		sql:  `SELECT name, setting, coalesce(unit, ''), source, coalesce(sourcefile, ''), coalesce(sourceline, 0) FROM pg_catalog.pg_settings`,
		scan: func(rows pgx.Rows) error {
			for rows.Next() {
				var v Setting
				var line int32
				if err := rows.Scan(&v.Name, &v.Value, &v.Unit, &v.Source, &v.File, &line); err != nil {
					return err
				}
				v.Line = int(line)
				s.Settings[v.Name] = v
			}
			return nil
		},
		fail: func(err error) { s.SettingsErr = err },
	}
}

// seconds turns a nullable epoch count into a nullable duration.
func seconds(f *float64) *time.Duration {
	if f == nil {
		return nil
	}
	d := time.Duration(*f * float64(time.Second))
	return &d
}

const blockBytes = `current_setting('block_size')::bigint`

// statsQueries are the first batch's statistics reads: none of them is
// refused for lack of privilege (PostgreSQL masks instead).
func statsQueries(s *Snapshot) []query {
	return []query{
		{
			name: "pg_stat_archiver",
			sql: `SELECT archived_count, failed_count, coalesce(last_archived_wal, ''),
				extract(epoch FROM now() - last_archived_time)::float8,
				extract(epoch FROM now() - last_failed_time)::float8
				FROM pg_catalog.pg_stat_archiver`,
			scan: func(rows pgx.Rows) error {
				if !rows.Next() {
					return errNoRow
				}
				var a, f *float64
				if err := rows.Scan(&s.Archiver.Archived, &s.Archiver.Failed, &s.Archiver.LastWAL, &a, &f); err != nil {
					return err
				}
				s.Archiver.LastArchivedAge, s.Archiver.LastFailedAge = seconds(a), seconds(f)
				return nil
			},
			fail: func(err error) { s.ArchiverErr = err },
		},
		{
			name: "pg_stat_replication",
			sql: `SELECT coalesce(application_name, ''), coalesce(host(client_addr), ''), coalesce(state, ''),
				coalesce(sync_state, ''), extract(epoch FROM replay_lag)::float8,
				CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
					ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::bigint END
				FROM pg_catalog.pg_stat_replication ORDER BY 1 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var r Replica
					var lag *float64
					if err := rows.Scan(&r.Name, &r.ClientAddr, &r.State, &r.SyncState, &lag, &r.ReplayBytes); err != nil {
						return err
					}
					r.ReplayLag = seconds(lag)
					s.Replicas = append(s.Replicas, r)
				}
				return nil
			},
			fail: func(err error) { s.ReplicasErr = err },
		},
		{
			name: "pg_replication_slots",
			sql: `SELECT slot_name::text, slot_type, active,
				pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
					ELSE pg_catalog.pg_current_wal_lsn() END, restart_lsn)::bigint
				FROM pg_catalog.pg_replication_slots ORDER BY 1 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var sl Slot
					if err := rows.Scan(&sl.Name, &sl.Type, &sl.Active, &sl.Retained); err != nil {
						return err
					}
					s.Slots = append(s.Slots, sl)
				}
				return nil
			},
			fail: func(err error) { s.SlotsErr = err },
		},
		{
			name: "pg_stat_wal_receiver",
			sql:  `SELECT coalesce(status, ''), coalesce(sender_host, '') FROM pg_catalog.pg_stat_wal_receiver`,
			scan: func(rows pgx.Rows) error {
				if rows.Next() {
					var r Receiver
					if err := rows.Scan(&r.Status, &r.SenderHost); err != nil {
						return err
					}
					s.Receiver = &r
				}
				return nil
			},
			fail: func(err error) { s.ReceiverErr = err },
		},
		{
			name: "replay",
			sql: `SELECT pg_catalog.pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_catalog.pg_last_wal_replay_lsn(),
				extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp())::float8,
				pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::bigint,
				CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END`,
			scan: func(rows pgx.Rows) error {
				if !rows.Next() {
					return errNoRow
				}
				var d *float64
				if err := rows.Scan(&s.Replay.CaughtUp, &d, &s.Replay.Behind, &s.Replay.Paused); err != nil {
					return err
				}
				s.Replay.Delay = seconds(d)
				return nil
			},
			fail: func(err error) { s.ReplayErr = err },
		},
		{
			name: "pg_stat_activity",
			sql: `SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.datname::text, ''), coalesce(a.application_name, ''),
				coalesce(host(a.client_addr), ''), coalesce(a.state, ''), coalesce(a.backend_type, ''),
				extract(epoch FROM now() - a.xact_start)::float8, extract(epoch FROM now() - a.state_change)::float8,
				l.ssl, coalesce(l.version, ''), a.pid = pg_catalog.pg_backend_pid()
				FROM pg_catalog.pg_stat_activity a LEFT JOIN pg_catalog.pg_stat_ssl l ON l.pid = a.pid
				ORDER BY a.pid LIMIT 10000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var x Session
					var tx, st *float64
					if err := rows.Scan(&x.PID, &x.User, &x.Database, &x.Application, &x.ClientAddr, &x.State, &x.BackendType,
						&tx, &st, &x.SSL, &x.TLSVersion, &x.Own); err != nil {
						return err
					}
					x.TransactionAge, x.StateAge = seconds(tx), seconds(st)
					s.Sessions = append(s.Sessions, x)
				}
				return nil
			},
			fail: func(err error) { s.SessionsErr = err },
		},
		{
			name: "pg_database",
			sql:  `SELECT datname::text, age(datfrozenxid)::bigint FROM pg_catalog.pg_database WHERE datallowconn ORDER BY 2 DESC, 1 LIMIT 10000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var d DatabaseAge
					if err := rows.Scan(&d.Name, &d.Age); err != nil {
						return err
					}
					s.Databases = append(s.Databases, d)
				}
				return nil
			},
			fail: func(err error) { s.DatabasesErr = err },
		},
		{
			name: "pg_roles",
			sql:  `SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolcanlogin ORDER BY 1 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var r string
					if err := rows.Scan(&r); err != nil {
						return err
					}
					s.LoginRoles = append(s.LoginRoles, r)
				}
				return nil
			},
			fail: func(err error) { s.LoginRolesErr = err },
		},
		{
			name: "pg_stat_user_tables",
			sql: `SELECT t.schemaname::text, t.relname::text, t.n_live_tup, t.n_dead_tup, t.n_mod_since_analyze,
				extract(epoch FROM now() - greatest(t.last_vacuum, t.last_autovacuum))::float8,
				extract(epoch FROM now() - greatest(t.last_analyze, t.last_autoanalyze))::float8,
				coalesce(t.seq_scan, 0), coalesce(t.seq_tup_read, 0), t.idx_scan,
				c.relpages::bigint * ` + blockBytes + `
				FROM pg_catalog.pg_stat_user_tables t JOIN pg_catalog.pg_class c ON c.oid = t.relid
				ORDER BY c.relpages DESC, 1, 2 LIMIT 5000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var t Table
					var v, a *float64
					if err := rows.Scan(&t.Schema, &t.Name, &t.LiveTuples, &t.DeadTuples, &t.ModSinceAnalyze, &v, &a,
						&t.SeqScans, &t.SeqTupRead, &t.IndexScans, &t.Bytes); err != nil {
						return err
					}
					t.VacuumAge, t.AnalyzeAge = seconds(v), seconds(a)
					s.Tables = append(s.Tables, t)
				}
				return nil
			},
			fail: func(err error) { s.TablesErr = err },
		},
		{
			name: "pg_stat_user_indexes",
			sql: `SELECT s.schemaname::text, s.relname::text, s.indexrelname::text, coalesce(s.idx_scan, 0),
				ci.relpages::bigint * ` + blockBytes + `, ct.relpages::bigint * ` + blockBytes + `,
				i.indisunique, i.indisprimary, i.indisvalid,
				EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = s.indexrelid),
				pg_catalog.pg_get_indexdef(s.indexrelid)
				FROM pg_catalog.pg_stat_user_indexes s
				JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
				JOIN pg_catalog.pg_class ci ON ci.oid = s.indexrelid
				JOIN pg_catalog.pg_class ct ON ct.oid = s.relid
				ORDER BY ci.relpages DESC, 1, 2, 3 LIMIT 5000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var x Index
					if err := rows.Scan(&x.Schema, &x.Table, &x.Name, &x.Scans, &x.Bytes, &x.TableBytes,
						&x.Unique, &x.Primary, &x.Valid, &x.Constraint, &x.Definition); err != nil {
						return err
					}
					s.Indexes = append(s.Indexes, x)
				}
				return nil
			},
			fail: func(err error) { s.IndexesErr = err },
		},
		{
			name: "duplicate indexes",
			sql: `SELECT n.nspname::text, t.relname::text, array_agg(c.relname::text ORDER BY c.relname),
				max(c.relpages)::bigint * ` + blockBytes + `
				FROM pg_catalog.pg_index i
				JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
				JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
				JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
				WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
				GROUP BY n.nspname, t.relname, i.indrelid, c.relam, i.indkey::text, i.indclass::text, i.indcollation::text,
					coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), ''),
					coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid), '')
				HAVING count(*) > 1
				ORDER BY 1, 2, 3 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var d DuplicateIndex
					if err := rows.Scan(&d.Schema, &d.Table, &d.Indexes, &d.Bytes); err != nil {
						return err
					}
					s.DuplicateIndexes = append(s.DuplicateIndexes, d)
				}
				return nil
			},
			fail: func(err error) { s.DuplicateIndexesErr = err },
		},
		{
			name: "unindexed foreign keys",
			sql: `SELECT n.nspname::text, t.relname::text, c.conname::text,
				ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
					JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
				t.relpages::bigint * ` + blockBytes + `
				FROM pg_catalog.pg_constraint c
				JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
				JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
				WHERE c.contype = 'f' AND NOT EXISTS (
					SELECT 1 FROM pg_catalog.pg_index i
					WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
					AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey)
				ORDER BY 1, 2, 3 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var f ForeignKey
					if err := rows.Scan(&f.Schema, &f.Table, &f.Name, &f.Columns, &f.TableBytes); err != nil {
						return err
					}
					s.UnindexedForeignKeys = append(s.UnindexedForeignKeys, f)
				}
				return nil
			},
			fail: func(err error) { s.UnindexedForeignKeysErr = err },
		},
	}
}

// gatedQueries are the second batch: what the first said the role may
// read. pg_stat_statements goes last: it is the one that can still fail
// (created but not preloaded).
func gatedQueries(s *Snapshot, ext string, opts Options) []query {
	var qs []query
	if s.CanReadHBA {
		file := `''`
		if s.Version >= 160000 {
			file = `coalesce(file_name, '')`
		}
		qs = append(qs, query{
			name: "pg_hba_file_rules",
			sql: `SELECT ` + file + `, coalesce(line_number, 0), coalesce(type, ''),
				coalesce(array_to_string(database, ','), ''), coalesce(array_to_string(user_name, ','), ''),
				coalesce(address, ''), coalesce(netmask, ''), coalesce(auth_method, ''), coalesce(error, '')
				FROM pg_catalog.pg_hba_file_rules ORDER BY 2 LIMIT 10000`,
			scan: func(rows pgx.Rows) error {
				hbaFile := s.Settings["hba_file"].Value
				for rows.Next() {
					var r HBARule
					var line int32
					if err := rows.Scan(&r.File, &line, &r.Type, &r.Database, &r.User, &r.Address, &r.Netmask, &r.Method, &r.Error); err != nil {
						return err
					}
					r.Line = int(line)
					if r.File == "" {
						r.File = hbaFile
					}
					s.HBA = append(s.HBA, r)
				}
				return nil
			},
			fail: func(err error) { s.HBAErr = err },
		})
	} else {
		s.HBAErr = fmt.Errorf("postgres: pg_hba_file_rules: %w", privilegeError(needsHBA))
	}
	if s.CanReadAuthid {
		qs = append(qs, query{
			name: "pg_authid",
			sql:  `SELECT rolname::text, rolpassword FROM pg_catalog.pg_authid WHERE rolcanlogin AND rolpassword IS NOT NULL ORDER BY 1 LIMIT 1000`,
			scan: func(rows pgx.Rows) error {
				for rows.Next() {
					var h database.StoredHash
					if err := rows.Scan(&h.User, &h.Hash); err != nil {
						return err
					}
					s.storedHashes = append(s.storedHashes, h)
				}
				return nil
			},
			fail: func(err error) { s.hashesErr = err },
		})
	} else {
		s.hashesErr = fmt.Errorf("postgres: pg_authid: %w", privilegeError(needsAuthid))
	}
	if sq, err := statementsQuery(s, ext, opts); err != nil {
		s.StatementsErr = err
	} else {
		qs = append(qs, sq)
	}
	return qs
}

// ErrNoStatements is wrapped when pg_stat_statements is not installed in
// the database or not loaded by the server.
var ErrNoStatements = errors.New("pg_stat_statements is not available")

// statementsQuery builds the pg_stat_statements read for the extension's
// version: 1.8 (PostgreSQL 13) renamed mean_time and total_time to
// mean_exec_time and total_exec_time.
func statementsQuery(s *Snapshot, ext string, opts Options) (query, error) {
	version, schema, ok := strings.Cut(ext, " ")
	if !ok {
		return query{}, fmt.Errorf("postgres: %w: CREATE EXTENSION pg_stat_statements in %s", ErrNoStatements, s.Database)
	}
	if pre, err := s.Setting("shared_preload_libraries"); err == nil && !hasLibrary(pre.Value, "pg_stat_statements") {
		return query{}, fmt.Errorf("postgres: %w: add pg_stat_statements to shared_preload_libraries", ErrNoStatements)
	}
	mean, total := statementColumns(version)
	return query{
		name: "pg_stat_statements",
		sql: `SELECT coalesce(s.queryid, 0), coalesce(d.datname::text, ''), s.calls, s.` + mean + `, s.` + total + `, s.rows, left(s.query, 1000)
			FROM ` + pgx.Identifier{schema, "pg_stat_statements"}.Sanitize() + ` s
			LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid
			WHERE s.calls >= $1 ORDER BY s.` + mean + ` DESC LIMIT 50`,
		args: []any{opts.slowMinCalls()},
		scan: func(rows pgx.Rows) error {
			for rows.Next() {
				var st Statement
				var mean, total float64
				if err := rows.Scan(&st.QueryID, &st.Database, &st.Calls, &mean, &total, &st.Rows, &st.Text); err != nil {
					return err
				}
				st.Mean = time.Duration(mean * float64(time.Millisecond))
				st.Total = time.Duration(total * float64(time.Millisecond))
				s.Statements = append(s.Statements, st)
			}
			return nil
		},
		fail: func(err error) { s.StatementsErr = fmt.Errorf("%w (%w)", ErrNoStatements, err) },
	}, nil
}

// statementColumns returns the mean and total time columns of
// pg_stat_statements at extension version v ("1.10").
func statementColumns(v string) (mean, total string) {
	major, minor, _ := strings.Cut(v, ".")
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(minor)
	if ma > 1 || (ma == 1 && mi >= 8) {
		return "mean_exec_time", "total_exec_time"
	}
	return "mean_time", "total_time"
}

// hasLibrary reports whether a comma-separated library list (as in
// shared_preload_libraries) names lib.
func hasLibrary(list, lib string) bool {
	for _, l := range strings.Split(list, ",") {
		l = strings.Trim(strings.TrimSpace(l), `"`)
		if l == lib || strings.HasSuffix(l, "/"+lib) {
			return true
		}
	}
	return false
}
