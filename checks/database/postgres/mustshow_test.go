package postgres

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// runSuite runs every check of s through a Runner, as a deploy pipeline
// would, and returns the outcomes by ID after checking each is named by
// s's target.
func runSuite(t *testing.T, s *Server) map[string]check.Outcome {
	t.Helper()
	var r check.Runner
	rep, err := r.Run(t.Context(), Checks(s)...)
	require.NoError(t, err)
	out := map[string]check.Outcome{}
	for _, o := range rep.Outcomes {
		assert.Equal(t, s.Target(), o.Meta.Target, o.Meta.ID)
		out[o.Meta.ID] = o
	}
	require.Len(t, out, 34)
	return out
}

// statuses returns each outcome's status by ID.
func statuses(got map[string]check.Outcome) map[string]check.Status {
	m := map[string]check.Status{}
	for id, o := range got {
		m[id] = o.Result.Status
	}
	return m
}

// describe renders every outcome with its findings, for failure messages.
func describe(got map[string]check.Outcome) string {
	ids := make([]string, 0, len(got))
	for id := range got {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		o := got[id]
		fmt.Fprintf(&b, "%s %s: %s\n", o.Result.Status, id, o.Result.Message)
		for _, f := range o.Result.Findings {
			fmt.Fprintf(&b, "    %s\n", f)
		}
	}
	return b.String()
}

// allPassExcept returns every check ID of the suite with Pass, then the
// exceptions.
func allPassExcept(except map[string]check.Status) map[string]check.Status {
	m := map[string]check.Status{}
	for _, c := range Checks(Open("postgres://x@127.0.0.1:1/x", Options{})) {
		m[c.Meta().ID] = check.StatusPass
	}
	for id, st := range except {
		m[id] = st
	}
	return m
}

// assertLocated: every finding of a failing or warning outcome says
// where (a setting with its file and line, an hba line, a table, a role)
// and what was expected.
func assertLocated(t *testing.T, got map[string]check.Outcome) {
	t.Helper()
	for id, o := range got {
		for _, f := range o.Result.Findings {
			assert.False(t, f.Location.IsZero(), "%s: finding without a location: %s", id, f)
			assert.NotEmpty(t, f.Expected, "%s: finding without an expectation: %s", id, f)
			// A setting left at its default has no file to name; an hba
			// rule always has one.
			if strings.HasPrefix(f.Location.Resource, "hba rule") {
				assert.NotEmpty(t, f.Location.File, "%s: %s", id, f)
				assert.Positive(t, f.Location.Line, "%s: %s", id, f)
			}
		}
	}
}

// TestMustShowInsecureCluster: trust rules, ssl off, minimal WAL, no
// standby, the default password and a bloated table fail exactly the
// checks that judge them, each with a located finding.
func TestMustShowInsecureCluster(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		HBA:                []string{"local all all trust", "host all all 0.0.0.0/0 trust"},
		Password:           "postgres",
		PasswordEncryption: "md5",
		Settings: map[string]string{
			"ssl": "off", "wal_level": "minimal", "max_wal_senders": "0", "archive_mode": "off",
		},
	})
	pg.Exec(t, `CREATE TABLE orders (id int, note text) WITH (autovacuum_enabled = false);
		INSERT INTO orders SELECT g, repeat('x', 40) FROM generate_series(1, 50000) g;
		DELETE FROM orders WHERE id % 10 < 6;
		SELECT pg_stat_force_next_flush()`)
	opsWaitTrue(t, pg, `SELECT n_dead_tup = 30000 FROM pg_stat_user_tables WHERE relname = 'orders'`)

	got := runSuite(t, Open(pg.DSN("postgres", "postgres", "postgres"), Options{}))
	want := allPassExcept(map[string]check.Status{
		// Database Security
		"postgres.password.default":    check.StatusFail, // postgres/postgres
		"postgres.password.encryption": check.StatusFail, // md5
		"postgres.hba.auth":            check.StatusFail, // trust
		"postgres.tls.server":          check.StatusFail, // ssl off
		"postgres.tls.connection":      check.StatusFail,
		"postgres.tls.hba":             check.StatusFail, // host, not hostssl
		"postgres.access.hba-open":     check.StatusFail, // 0.0.0.0/0
		"postgres.audit.connections":   check.StatusFail, // the defaults log nothing
		"postgres.audit.line-prefix":   check.StatusFail,
		"postgres.audit.statement":     check.StatusFail,
		"postgres.audit.pgaudit":       check.StatusWarn,
		"postgres.backup.recent":       check.StatusWarn, // no evidence given: cannot know
		// PostgreSQL
		"postgres.wal.level":           check.StatusFail, // minimal
		"postgres.wal.archiving":       check.StatusFail,
		"postgres.wal.archiver":        check.StatusSkip, // archiving is off: wal.archiving says so
		"postgres.replication.primary": check.StatusFail, // no standby
		"postgres.replication.standby": check.StatusSkip, // not a standby
		"postgres.vacuum.dead-tuples":  check.StatusFail, // 60% dead in orders
		// Database Optimization
		"postgres.queries.stats": check.StatusWarn, // no pg_stat_statements
		"postgres.queries.slow":  check.StatusSkip, // (so nothing to judge)
		"postgres.queries.plans": check.StatusWarn, // no auto_explain, no log_min_duration_statement
	})
	assert.Equal(t, want, statuses(got), describe(got))
	assertLocated(t, got)

	dead := got["postgres.vacuum.dead-tuples"].Result.Findings
	require.Len(t, dead, 1)
	assert.Equal(t, "table public.orders", dead[0].Location.Resource)
	hba := got["postgres.access.hba-open"].Result.Findings
	require.Len(t, hba, 1)
	assert.Equal(t, 3, hba[0].Location.Line, "line 1 is testenv's comment")
	assert.True(t, strings.HasSuffix(hba[0].Location.File, "pg_hba.conf"))
	stored := pg.QueryValue(t, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")
	require.NotEmpty(t, stored)
	assert.NotContains(t, describe(got), stored)
}

// hardenedCluster is a primary a reviewer accepts, with a streaming
// standby: TLS 1.3 only, SCRAM over hostssl only (replication too, by a
// replication-only role), connection, DDL and pgaudit logging, WAL
// archiving that has archived, pg_stat_statements, slow statements
// logged, and a fresh pg_dump as backup evidence.
func hardenedCluster(t *testing.T) (primary, standby *testenv.PostgresServer, pw map[string]string, backup BackupEvidence) {
	t.Helper()
	testenv.RequirePostgresModule(t, "pgaudit")
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{})
	pw = map[string]string{
		"postgres": "Sup3r-Long-Unguessable-Pass!",
		"mon":      "Mon1tor-Long-Unguessable-Pass!",
		"repl":     "Repl1cation-Long-Unguessable!",
	}
	hba := []string{
		"local all all trust", // testenv's start needs it; replaced below
		"hostssl replication repl 127.0.0.1/32 scram-sha-256",
		"hostssl all all 127.0.0.1/32 scram-sha-256",
	}
	primary = testenv.Postgres(t, testenv.PostgresOptions{
		TLS:      &leaf,
		Password: pw["postgres"],
		HBA:      hba,
		Preload:  []string{"pg_stat_statements", "pgaudit"},
		Settings: map[string]string{
			"ssl_min_protocol_version":   "TLSv1.3",
			"log_connections":            "on",
			"log_disconnections":         "on",
			"log_line_prefix":            "%m [%p] %u@%d %h ",
			"log_statement":              "ddl",
			"log_min_duration_statement": "1000",
			"pgaudit.log":                "ddl,role",
			"archive_mode":               "on",
			"archive_command":            "cp %p {{.ArchiveDir}}/%f",
		},
	})
	primary.Exec(t, fmt.Sprintf(`CREATE EXTENSION pg_stat_statements;
		CREATE ROLE mon LOGIN PASSWORD '%s' IN ROLE pg_monitor;
		CREATE ROLE repl LOGIN REPLICATION PASSWORD '%s';
		CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
		CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id));
		CREATE INDEX orders_customer_id ON orders (customer_id);
		INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 1000) g;
		INSERT INTO orders SELECT g, 1 + g %% 1000 FROM generate_series(1, 5000) g;
		ANALYZE`, pw["mon"], pw["repl"]))
	hba[0] = "local all all scram-sha-256"
	writeHBA(t, primary, hba)

	standby = primary.Standby(t, testenv.StandbyOptions{User: "repl", Password: pw["repl"]})
	opsWaitTrue(t, primary, `SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming' AND usename = 'repl'`)
	primary.Exec(t, `SELECT pg_switch_wal()`)
	opsWaitTrue(t, primary, `SELECT archived_count > 0 AND failed_count = 0 FROM pg_stat_archiver`)
	// Traffic after the standby started: it has replayed a commit.
	primary.Exec(t, `INSERT INTO customers VALUES (100001, 'late@example.com')`)
	opsWaitTrue(t, standby, `SELECT count(*) = 1 FROM customers WHERE id = 100001`)
	opsWaitReplayed(t, primary)

	// A real logical backup, taken over TLS like any client would.
	dumps := t.TempDir()
	pgDump := testenv.Require(t, "pg_dump")
	cmd := exec.CommandContext(t.Context(), pgDump, "-h", primary.Host, "-p", fmt.Sprint(primary.Port), "-U", "postgres",
		"-Fc", "-f", filepath.Join(dumps, "app-20261202.dump"), "postgres")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pw["postgres"], "PGSSLMODE=verify-full", "PGSSLROOTCERT="+leaf.CA.CertFile)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return primary, standby, pw, BackupDir(dumps, "*.dump")
}

// TestMustShowHardenedCluster: the hardened primary passes every check
// (the standby check does not apply to it), its standby passes every
// check that applies to a standby, and a pg_monitor role gets the same
// verdicts, except Error where pg_monitor cannot see: pg_authid and
// pg_hba_file_rules.
func TestMustShowHardenedCluster(t *testing.T) {
	primary, standby, pw, backup := hardenedCluster(t)
	opts := Options{MinTLSVersion: "TLSv1.3", Backup: backup}

	got := runSuite(t, Open(primary.DSN("postgres", pw["postgres"], "postgres"), opts))
	onPrimary := allPassExcept(map[string]check.Status{
		"postgres.replication.standby": check.StatusSkip, // not a standby
	})
	assert.Equal(t, onPrimary, statuses(got), describe(got))
	assert.Contains(t, got["postgres.replication.primary"].Result.Message, "1")

	sb := runSuite(t, Open(standby.DSN("postgres", pw["postgres"], "postgres"), opts))
	onStandby := allPassExcept(map[string]check.Status{
		"postgres.replication.primary": check.StatusSkip, // a standby
		"postgres.wal.archiver":        check.StatusSkip, // archive_mode on, not always: the primary archives
	})
	assert.Equal(t, onStandby, statuses(sb), describe(sb))
	assert.NotEqual(t, got["postgres.replication.standby"].Meta.Target, sb["postgres.replication.standby"].Meta.Target)

	// A paused replay is a failure, not a delay to wait out.
	standby.Exec(t, `SELECT pg_wal_replay_pause()`)
	paused := runSuite(t, Open(standby.DSN("postgres", pw["postgres"], "postgres"), opts))["postgres.replication.standby"].Result
	assert.Equal(t, check.StatusFail, paused.Status, paused.Message)
	assert.Contains(t, paused.Message, "paused")
	standby.Exec(t, `SELECT pg_wal_replay_resume()`)

	mon := runSuite(t, Open(primary.DSN("mon", pw["mon"], "postgres"), opts))
	needsMore := map[string]bool{
		"postgres.password.default": true, // pg_authid: superuser only
		"postgres.hba.auth":         true, // pg_hba_file_rules
		"postgres.tls.hba":          true,
		"postgres.access.hba-open":  true,
	}
	for id, o := range mon {
		if needsMore[id] {
			assert.Equal(t, check.StatusError, o.Result.Status, "%s: %s", id, o.Result.Message)
			assert.True(t, errors.Is(o.Result.Err, ErrInsufficientPrivilege), "%s: %v", id, o.Result.Err)
			continue
		}
		assert.Equal(t, onPrimary[id], o.Result.Status, "%s as pg_monitor: %s", id, o.Result.Message)
	}
}
