// Package postgres checks a live PostgreSQL server, and the pgBouncer in
// front of it, against the checklist's "Database Security", "PostgreSQL"
// and "Database Optimization" lines, with the rules of the CIS PostgreSQL
// benchmark (as dev-sec/postgres-baseline and ansible-lockdown implement
// it) and the thresholds of check_postgres and postgresqltuner.
//
// # A server, its snapshot, its checks
//
// A [Server] is one database on one server: [New] takes the caller's
// pool or connection (anything with SendBatch: *pgxpool.Pool, *pgx.Conn),
// [Open] takes a DSN and connects at each run, closing after. Its checks
// ([Checks], or [SecurityChecks] and [OperationsChecks]) carry the
// server as Meta.Target ("postgres://db:5432/app", never with
// credentials), so one run checks a primary, its standby and the
// pgBouncer in front with the same rules, each outcome named by its
// server.
//
// Every check of a Server reads one [Snapshot] per run, shared through
// the Runner's memo: two pipelined batches whatever the number of
// checks. The first reads the role's privileges, every setting
// (pg_settings) and the statistics views; the second reads what the
// first said the role may read (pg_hba_file_rules, pg_authid,
// pg_stat_statements). The memo holds that data, never a connection.
//
// # Privileges
//
// PostgreSQL does not refuse a role without pg_monitor: it hides other
// sessions' state, replication state and superuser-only settings. The
// snapshot asks what the role may see first, and a check whose data was
// hidden returns Error wrapping [ErrInsufficientPrivilege] with the grant
// it needs, never a pass on nothing. A pg_monitor role gets every
// verdict except those that need pg_hba_file_rules (superuser, or the
// two grants the error names) and pg_authid (superuser only: the offline
// password audit; [Options.LoginAttempts] enables a capped online probe
// instead).
//
// # Checks
//
// Security (checklist "Database Security"): postgres.password.default,
// postgres.password.encryption, postgres.hba.auth, postgres.tls.server,
// postgres.tls.connection, postgres.tls.sessions, postgres.tls.hba,
// postgres.access.listen, postgres.access.hba-open,
// postgres.audit.connections, postgres.audit.line-prefix,
// postgres.audit.statement, postgres.audit.pgaudit.
//
// Operations ("PostgreSQL", "Database Optimization", backups):
// postgres.wal.level, postgres.wal.archiving, postgres.wal.archiver,
// postgres.replication.primary, postgres.replication.slots,
// postgres.replication.standby, postgres.backup.recent,
// postgres.vacuum.autovacuum, postgres.vacuum.dead-tuples,
// postgres.vacuum.stale, postgres.vacuum.wraparound,
// postgres.index.invalid, postgres.index.unused,
// postgres.index.duplicate, postgres.index.foreign-keys,
// postgres.queries.seq-scan, postgres.queries.stats,
// postgres.queries.slow, postgres.queries.plans,
// postgres.connections.use, postgres.connections.idle-in-transaction.
//
// pgBouncer ([Bouncer], through its admin console with the simple query
// protocol): postgres.pgbouncer.reachable, pool-mode, auth-type,
// client-tls, pool-size and waiting.
//
// The per-database parts (tables, indexes, foreign keys) judge the
// database the Server connects to; check each application database with
// a Server of its own.
package postgres
