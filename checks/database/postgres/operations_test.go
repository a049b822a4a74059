package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// opsTrustHBA lets every role in over TCP without a password: these
// tests are about what a role may see, not how it logs in.
var opsTrustHBA = []string{"local all all trust", "host all all 127.0.0.1/32 trust"}

// opsResults runs every operations check of the server dsn names, the
// way a Runner does: one snapshot shared by all.
func opsResults(t *testing.T, dsn string, opts Options) map[string]check.Result {
	t.Helper()
	ctx, release := check.WithMemo(t.Context())
	defer release()
	out := map[string]check.Result{}
	for _, c := range OperationsChecks(Open(dsn, opts)) {
		out[c.Meta().ID] = c.Run(ctx)
	}
	return out
}

// opsWaitTrue polls sql (a boolean query run as the superuser) until it is
// true, for at most 30 s.
func opsWaitTrue(t *testing.T, pg *testenv.PostgresServer, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for pg.QueryValue(t, sql, args...) != "true" {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v\nserver log:\n%s", sql, ctx.Err(), pg.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// opsWaitReplayed waits until the primary has heard from every streaming
// standby that it replayed all the WAL written so far. Until a standby's
// first feedback reaches the primary, replay_lsn and replay_lag are NULL,
// and postgres.replication.primary rightly warns that it cannot tell the lag.
func opsWaitReplayed(t *testing.T, primary *testenv.PostgresServer) {
	t.Helper()
	opsWaitTrue(t, primary, `SELECT bool_and(replay_lsn IS NOT NULL AND replay_lsn >= pg_current_wal_lsn())
		FROM pg_stat_replication WHERE state = 'streaming'`)
}

// opsConnect opens a connection as user, closed when the test ends.
func opsConnect(t *testing.T, pg *testenv.PostgresServer, user string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), pg.DSN(user, "", "postgres"))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	})
	return conn
}

// opsAssertStatuses compares the statuses of the named checks.
func opsAssertStatuses(t *testing.T, got map[string]check.Result, want map[string]check.Status) {
	t.Helper()
	for id, st := range want {
		r, ok := got[id]
		if assert.True(t, ok, id) {
			assert.Equal(t, st, r.Status, "%s: %s", id, opsRender(r))
		}
	}
}

func TestWALAndArchiving(t *testing.T) {
	writeAndSwitch := func(t *testing.T, pg *testenv.PostgresServer) {
		pg.Exec(t, `CREATE TABLE IF NOT EXISTS w (g int); INSERT INTO w SELECT generate_series(1, 1000)`)
		pg.QueryValue(t, `SELECT pg_switch_wal()`)
	}
	for _, tc := range []struct {
		name     string
		settings map[string]string
		setup    func(t *testing.T, pg *testenv.PostgresServer)
		want     map[string]check.Status
		contains map[string]string
	}{
		{
			name:     "minimal",
			settings: map[string]string{"wal_level": "minimal", "max_wal_senders": "0", "archive_mode": "off"},
			want: map[string]check.Status{
				"postgres.wal.level": check.StatusFail, "postgres.wal.archiving": check.StatusFail,
				"postgres.wal.archiver": check.StatusSkip, "postgres.replication.primary": check.StatusFail,
				"postgres.replication.standby": check.StatusSkip, "postgres.queries.stats": check.StatusWarn,
				"postgres.queries.slow": check.StatusSkip, "postgres.queries.plans": check.StatusWarn,
			},
			contains: map[string]string{
				"postgres.wal.level":           "no point-in-time recovery or streaming replication",
				"postgres.replication.primary": "0 streaming",
				"postgres.queries.stats":       "CREATE EXTENSION pg_stat_statements",
			},
		},
		{
			name:     "archiving works",
			settings: map[string]string{"archive_mode": "on", "archive_command": "cp %p {{.ArchiveDir}}/%f", "log_min_duration_statement": "1s"},
			setup: func(t *testing.T, pg *testenv.PostgresServer) {
				writeAndSwitch(t, pg)
				opsWaitTrue(t, pg, `SELECT archived_count > 0 FROM pg_stat_archiver`)
			},
			want: map[string]check.Status{
				"postgres.wal.level": check.StatusPass, "postgres.wal.archiving": check.StatusPass,
				"postgres.wal.archiver": check.StatusPass, "postgres.replication.primary": check.StatusFail,
				"postgres.queries.plans": check.StatusPass,
			},
			contains: map[string]string{"postgres.wal.archiver": "segments archived", "postgres.queries.plans": "log_min_duration_statement 1000ms"},
		},
		{
			name:     "archive command fails",
			settings: map[string]string{"archive_mode": "on", "archive_command": "false"},
			setup: func(t *testing.T, pg *testenv.PostgresServer) {
				writeAndSwitch(t, pg)
				opsWaitTrue(t, pg, `SELECT failed_count > 0 FROM pg_stat_archiver`)
			},
			want:     map[string]check.Status{"postgres.wal.archiving": check.StatusPass, "postgres.wal.archiver": check.StatusFail},
			contains: map[string]string{"postgres.wal.archiver": "failed attempts"},
		},
		{
			name:     "archive command fails after a success",
			settings: map[string]string{"archive_mode": "on", "archive_command": "cp %p {{.ArchiveDir}}/%f"},
			setup: func(t *testing.T, pg *testenv.PostgresServer) {
				writeAndSwitch(t, pg)
				opsWaitTrue(t, pg, `SELECT archived_count > 0 FROM pg_stat_archiver`)
				pg.Exec(t, `ALTER SYSTEM SET archive_command = 'false'`)
				pg.QueryValue(t, `SELECT pg_reload_conf()`)
				opsWaitTrue(t, pg, `SELECT setting = 'false' FROM pg_settings WHERE name = 'archive_command'`)
				writeAndSwitch(t, pg)
				opsWaitTrue(t, pg, `SELECT failed_count > 0 FROM pg_stat_archiver`)
			},
			want:     map[string]check.Status{"postgres.wal.archiver": check.StatusFail},
			contains: map[string]string{"postgres.wal.archiver": "the last archive attempt failed after the last success"},
		},
		{
			name:     "archive mode without command",
			settings: map[string]string{"archive_mode": "on", "archive_command": ""},
			want:     map[string]check.Status{"postgres.wal.archiving": check.StatusFail},
			contains: map[string]string{"postgres.wal.archiving": "archive_command and archive_library are empty"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pg := testenv.Postgres(t, testenv.PostgresOptions{Settings: tc.settings, HBA: opsTrustHBA})
			if tc.setup != nil {
				tc.setup(t, pg)
			}
			got := opsResults(t, pg.DSN("postgres", "", "postgres"), Options{})
			opsAssertStatuses(t, got, tc.want)
			for id, s := range tc.contains {
				assert.Contains(t, opsRender(got[id]), s, id)
			}
			if r := got["postgres.wal.level"]; r.Status == check.StatusFail {
				require.Len(t, r.Findings, 1)
				assert.Equal(t, "setting wal_level", r.Findings[0].Location.Resource)
				assert.Contains(t, r.Findings[0].Location.File, "postgresql.conf")
				assert.Positive(t, r.Findings[0].Location.Line)
			}
		})
	}
}

func TestReplication(t *testing.T) {
	primary := testenv.Postgres(t, testenv.PostgresOptions{Replication: true, HBA: opsTrustHBA})
	primary.Exec(t, `CREATE ROLE mon LOGIN IN ROLE pg_monitor; CREATE ROLE plain LOGIN`)
	standby := primary.Standby(t, testenv.StandbyOptions{})
	opsWaitTrue(t, primary, `SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming'`)
	opsWaitTrue(t, standby, `SELECT coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false)`)
	opsWaitTrue(t, standby, `SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()`)
	opsWaitReplayed(t, primary)

	for _, tc := range []struct {
		user string
		want check.Status // for the role-gated checks
	}{
		{"postgres", check.StatusPass},
		{"mon", check.StatusPass},
		{"plain", check.StatusError},
	} {
		t.Run(tc.user, func(t *testing.T) {
			p := opsResults(t, primary.DSN(tc.user, "", "postgres"), Options{})
			opsAssertStatuses(t, p, map[string]check.Status{
				"postgres.replication.primary":             tc.want,
				"postgres.replication.standby":             check.StatusSkip,
				"postgres.connections.idle-in-transaction": tc.want,
				"postgres.replication.slots":               check.StatusPass,
			})
			s := opsResults(t, standby.DSN(tc.user, "", "postgres"), Options{})
			opsAssertStatuses(t, s, map[string]check.Status{
				"postgres.replication.primary":             check.StatusSkip,
				"postgres.replication.standby":             tc.want,
				"postgres.connections.idle-in-transaction": tc.want,
				"postgres.wal.archiver":                    check.StatusSkip,
			})
			assert.Contains(t, s["postgres.replication.primary"].Message, "a standby: see postgres.replication.standby")
			if tc.want == check.StatusError {
				for _, r := range []check.Result{p["postgres.replication.primary"], s["postgres.replication.standby"], p["postgres.connections.idle-in-transaction"]} {
					assert.ErrorIs(t, r.Err, ErrInsufficientPrivilege)
					assert.Contains(t, r.Message, "pg_monitor")
				}
			} else {
				assert.Contains(t, p["postgres.replication.primary"].Message, "1 streaming standbys")
				assert.Contains(t, s["postgres.replication.standby"].Message, "streaming from")
			}
		})
	}
	t.Run("more standbys required", func(t *testing.T) {
		p := opsResults(t, primary.DSN("postgres", "", "postgres"), Options{MinStandbys: 2})
		r := p["postgres.replication.primary"]
		require.Equal(t, check.StatusFail, r.Status, opsRender(r))
		assert.Equal(t, "at least 2 streaming", r.Findings[0].Expected)
	})
}

func TestSlotsAndStandbyPolicy(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{HBA: opsTrustHBA})
	pg.QueryValue(t, `SELECT pg_create_physical_replication_slot('forgotten', true)`)
	pg.Exec(t, `CREATE TABLE big AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 50000) g`)
	opsWaitTrue(t, pg, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > 1048576 FROM pg_replication_slots WHERE slot_name = 'forgotten'`)

	dsn := pg.DSN("postgres", "", "postgres")
	r := opsResults(t, dsn, Options{MaxSlotRetainedBytes: 1 << 20})["postgres.replication.slots"]
	require.Equal(t, check.StatusFail, r.Status, opsRender(r))
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "replication slot forgotten", r.Findings[0].Location.Resource)
	assert.Contains(t, r.Findings[0].Actual, "inactive")

	got := opsResults(t, dsn, Options{MinStandbys: -1})
	opsAssertStatuses(t, got, map[string]check.Status{
		"postgres.replication.slots":   check.StatusPass, // 1 GiB default
		"postgres.replication.primary": check.StatusPass,
	})
	assert.Contains(t, got["postgres.replication.primary"].Message, "no standby required")
}

func TestTablesIndexesAndQueries(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{HBA: opsTrustHBA, Preload: []string{"pg_stat_statements"}})
	pg.Exec(t, `CREATE EXTENSION pg_stat_statements;
		CREATE ROLE canary LOGIN;
		CREATE TABLE bloat (g int, pad text) WITH (autovacuum_enabled = false);
		INSERT INTO bloat SELECT g, repeat('b', 20) FROM generate_series(1, 50000) g;
		DELETE FROM bloat WHERE g % 10 < 6;
		CREATE TABLE items (id int PRIMARY KEY, v int, pad text);
		INSERT INTO items SELECT g, g % 100, repeat('i', 30) FROM generate_series(1, 20000) g;
		CREATE INDEX items_v_unused ON items (v);
		CREATE INDEX items_pad_a ON items (pad); CREATE INDEX items_pad_b ON items (pad);
		CREATE TABLE parent (id int PRIMARY KEY);
		INSERT INTO parent SELECT generate_series(1, 100);
		CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
		INSERT INTO child SELECT g, g % 100 + 1 FROM generate_series(1, 5000) g;
		CREATE TABLE tiny_child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
		INSERT INTO tiny_child VALUES (1, 1);
		CREATE TABLE dupdata (v int);
		INSERT INTO dupdata VALUES (1), (1);
		ANALYZE items, parent, child, tiny_child, dupdata`)
	// A unique index built concurrently on duplicate rows fails and
	// stays behind, invalid.
	conn := opsConnect(t, pg, "postgres")
	_, err := conn.Exec(t.Context(), `CREATE UNIQUE INDEX CONCURRENTLY dupdata_v ON dupdata (v)`)
	require.Error(t, err)
	for range 3 {
		_, err := conn.Exec(t.Context(), `SELECT count(*) FROM items WHERE pad = 'nope'`)
		require.NoError(t, err)
		_, err = conn.Exec(t.Context(), `SELECT pg_sleep(0.03)`)
		require.NoError(t, err)
		_, err = conn.Exec(t.Context(), `DO $body$ BEGIN PERFORM pg_sleep(0.03); PERFORM 'canary-dollar-secret'; END $body$`)
		require.NoError(t, err)
	}
	for range 2 {
		_, err := conn.Exec(t.Context(), `ALTER ROLE canary PASSWORD 'canary-secret'`)
		require.NoError(t, err)
	}
	_, err = conn.Exec(t.Context(), `SELECT pg_stat_force_next_flush()`)
	require.NoError(t, err)
	opsWaitTrue(t, pg, `SELECT n_dead_tup = 30000 AND n_live_tup = 20000 FROM pg_stat_user_tables WHERE relname = 'bloat'`)
	opsWaitTrue(t, pg, `SELECT seq_scan >= 3 FROM pg_stat_user_tables WHERE relname = 'items'`)

	dsn := pg.DSN("postgres", "", "postgres")
	opts := Options{MinTableBytes: 64 << 10, SlowQueryMean: 10 * time.Millisecond, SlowQueryMinCalls: 2}
	got := opsResults(t, dsn, opts)
	opsAssertStatuses(t, got, map[string]check.Status{
		"postgres.vacuum.autovacuum":   check.StatusPass,
		"postgres.vacuum.dead-tuples":  check.StatusFail,
		"postgres.vacuum.stale":        check.StatusPass, // never vacuumed, but statistics are minutes old
		"postgres.vacuum.wraparound":   check.StatusPass,
		"postgres.index.invalid":       check.StatusFail,
		"postgres.index.unused":        check.StatusWarn,
		"postgres.index.duplicate":     check.StatusFail,
		"postgres.index.foreign-keys":  check.StatusFail,
		"postgres.queries.seq-scan":    check.StatusWarn,
		"postgres.queries.stats":       check.StatusPass,
		"postgres.queries.slow":        check.StatusFail,
		"postgres.queries.plans":       check.StatusWarn,
		"postgres.connections.use":     check.StatusPass,
		"postgres.backup.recent":       check.StatusWarn,
		"postgres.replication.primary": check.StatusFail,
	})

	dead := got["postgres.vacuum.dead-tuples"]
	require.Len(t, dead.Findings, 1, opsRender(dead))
	assert.Equal(t, "table public.bloat", dead.Findings[0].Location.Resource)
	assert.Equal(t, "60% dead (30,000 of 50,000 rows)", dead.Findings[0].Actual)

	inv := got["postgres.index.invalid"]
	require.Len(t, inv.Findings, 1, opsRender(inv))
	assert.Equal(t, "index public.dupdata_v on table public.dupdata", inv.Findings[0].Location.Resource)

	unused := opsRender(got["postgres.index.unused"])
	assert.Contains(t, unused, "items_v_unused")
	assert.Contains(t, unused, "provisional")
	assert.NotContains(t, unused, "items_pkey")

	dup := got["postgres.index.duplicate"]
	require.Len(t, dup.Findings, 1, opsRender(dup))
	assert.Equal(t, "table public.items", dup.Findings[0].Location.Resource)
	assert.Equal(t, "indexes items_pad_a, items_pad_b", dup.Findings[0].Actual)

	fk := got["postgres.index.foreign-keys"]
	require.Len(t, fk.Findings, 1, opsRender(fk))
	assert.Equal(t, "table public.child", fk.Findings[0].Location.Resource)
	assert.Contains(t, fk.Findings[0].Message, "deletes and joins on the parent scan the child")
	assert.Contains(t, fk.Message, "1 on tables under 64.0 KiB not judged")

	assert.Contains(t, opsRender(got["postgres.queries.seq-scan"]), "table public.items")

	slow := got["postgres.queries.slow"]
	var sleep, do bool
	for _, f := range slow.Findings {
		assert.Contains(t, f.Location.Resource, "in database postgres")
		assert.LessOrEqual(t, len([]rune(strings.TrimPrefix(f.Message, "slow statement: "))), maxShownQuery)
		sleep = sleep || strings.Contains(f.Message, "SELECT pg_sleep($1)")
		do = do || strings.Contains(f.Message, "DO '?'")
	}
	assert.True(t, sleep, opsRender(slow))
	assert.True(t, do, opsRender(slow))

	// Every statement with two calls is "slow" at 1 ns: the ALTER ROLE
	// with its password literal is reported, redacted.
	all := opsResults(t, dsn, Options{SlowQueryMean: time.Nanosecond, SlowQueryMinCalls: 2, MaxMaintenanceAge: time.Nanosecond})
	assert.Contains(t, opsRender(all["postgres.queries.slow"]), "ALTER ROLE canary PASSWORD '?'")
	stale := all["postgres.vacuum.stale"]
	require.Equal(t, check.StatusWarn, stale.Status, opsRender(stale))
	assert.Contains(t, opsRender(stale), "table public.bloat")
	for _, res := range []map[string]check.Result{got, all} {
		for id, r := range res {
			assert.NotContains(t, opsRender(r), "canary-secret", id)
			assert.NotContains(t, opsRender(r), "canary-dollar-secret", id)
		}
	}
}

func TestSessions(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{HBA: opsTrustHBA,
		Settings: map[string]string{"max_connections": "6", "superuser_reserved_connections": "1"}})
	pg.Exec(t, `CREATE ROLE mon LOGIN IN ROLE pg_monitor; CREATE ROLE plain LOGIN`)

	idle := opsConnect(t, pg, "postgres")
	tx, err := idle.Begin(t.Context())
	require.NoError(t, err)
	_, err = tx.Exec(t.Context(), `SELECT 1`)
	require.NoError(t, err)
	pid := idle.PgConn().PID()
	opsWaitTrue(t, pg, `SELECT now() - state_change > interval '200 milliseconds' FROM pg_stat_activity WHERE pid = $1`, int32(pid))

	opts := Options{MaxIdleInTransaction: 100 * time.Millisecond}
	for _, tc := range []struct {
		user       string
		idle, conn check.Status
	}{
		{"postgres", check.StatusFail, check.StatusPass},
		{"mon", check.StatusFail, check.StatusPass},
		{"plain", check.StatusError, check.StatusError},
	} {
		t.Run(tc.user, func(t *testing.T) {
			got := opsResults(t, pg.DSN(tc.user, "", "postgres"), opts)
			opsAssertStatuses(t, got, map[string]check.Status{
				"postgres.connections.idle-in-transaction": tc.idle,
				"postgres.connections.use":                 tc.conn,
			})
			r := got["postgres.connections.idle-in-transaction"]
			if tc.idle == check.StatusError {
				assert.ErrorIs(t, r.Err, ErrInsufficientPrivilege)
				return
			}
			require.Len(t, r.Findings, 1, opsRender(r))
			assert.Equal(t, "pid "+strconv.FormatUint(uint64(pid), 10)+" user postgres", r.Findings[0].Location.Resource)
			assert.Contains(t, r.Findings[0].Actual, "idle in transaction for")
		})
	}

	// 4 held + the checker's = 5 of the 5 non-reserved connections.
	for range 3 {
		opsConnect(t, pg, "postgres")
	}
	r := opsResults(t, pg.DSN("postgres", "", "postgres"), opts)["postgres.connections.use"]
	require.Equal(t, check.StatusFail, r.Status, opsRender(r))
	assert.Equal(t, "setting max_connections", r.Findings[0].Location.Resource)
	assert.Contains(t, r.Findings[0].Actual, "of 5 (max_connections 6 less 1 reserved)")
	require.NoError(t, tx.Rollback(t.Context()))
}

// TestJudgeEdges judges hand-built snapshots for states a test server
// cannot reach quickly: wraparound, unknown lag.
func TestJudgeEdges(t *testing.T) {
	s := Open("postgres://127.0.0.1:1/app", Options{})
	dur := func(d time.Duration) *time.Duration { return &d }
	n := func(v int64) *int64 { return &v }
	settings := map[string]Setting{"autovacuum_freeze_max_age": {Name: "autovacuum_freeze_max_age", Value: "200000000"}}
	for _, tc := range []struct {
		name   string
		judge  func(context.Context, *Snapshot) check.Result
		snap   Snapshot
		status check.Status
		text   string
	}{
		{"wraparound critical", judgeWraparound, Snapshot{Settings: settings, Databases: []DatabaseAge{{"app", 1_500_000_000}, {"old", 190_000_000}}},
			check.StatusFail, "age 1,500,000,000"},
		{"wraparound warn", judgeWraparound, Snapshot{Settings: settings, Databases: []DatabaseAge{{"app", 185_000_000}}},
			check.StatusWarn, "under 180,000,000"},
		{"wraparound fine", judgeWraparound, Snapshot{Settings: settings, Databases: []DatabaseAge{{"app", 1000}}},
			check.StatusPass, "oldest transaction-ID age 1,000"},
		{"primary lag", s.judgePrimary, Snapshot{Replicas: []Replica{{Name: "sb", State: "streaming", ReplayLag: dur(2 * time.Minute)}}},
			check.StatusFail, "replay lag 2m0s"},
		{"primary lag unknown", s.judgePrimary, Snapshot{Replicas: []Replica{{Name: "sb", State: "streaming", ReplayBytes: n(4096)}}},
			check.StatusWarn, "4.0 KiB not replayed"},
		{"primary idle standby", s.judgePrimary, Snapshot{Replicas: []Replica{{Name: "sb", State: "streaming", ReplayBytes: n(0)}}},
			check.StatusPass, "1 streaming"},
		{"primary catchup only", s.judgePrimary, Snapshot{Replicas: []Replica{{Name: "sb", State: "catchup"}}},
			check.StatusFail, "not streaming: sb catchup"},
		{"standby delay unknown", s.judgeStandby, Snapshot{InRecovery: true, Receiver: &Receiver{Status: "streaming", SenderHost: "p"}},
			check.StatusWarn, "cannot tell"},
		{"standby late", s.judgeStandby, Snapshot{InRecovery: true, Receiver: &Receiver{Status: "streaming"}, Replay: Replay{Delay: dur(time.Hour)}},
			check.StatusFail, "1h0m"},
		{"standby late and far behind", s.judgeStandby, Snapshot{InRecovery: true, Receiver: &Receiver{Status: "streaming"}, Replay: Replay{Delay: dur(time.Hour), Behind: n(64 << 20)}},
			check.StatusFail, "1h0m"},
		{"standby of an idle primary", s.judgeStandby, Snapshot{InRecovery: true, Receiver: &Receiver{Status: "streaming"}, Replay: Replay{Delay: dur(3 * time.Hour), Behind: n(120)}},
			check.StatusWarn, "idle primary"},
		{"standby paused", s.judgeStandby, Snapshot{InRecovery: true, Receiver: &Receiver{Status: "streaming"}, Replay: Replay{CaughtUp: true, Paused: true}},
			check.StatusFail, "paused"},
		{"standby not streaming", s.judgeStandby, Snapshot{InRecovery: true},
			check.StatusFail, "no WAL receiver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.judge(t.Context(), &tc.snap)
			assert.Equal(t, tc.status, r.Status, opsRender(r))
			assert.Contains(t, opsRender(r), tc.text)
		})
	}
}

func TestRedactQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`ALTER ROLE x PASSWORD 'secret'`, `ALTER ROLE x PASSWORD '?'`},
		{`SELECT 'it''s', E'a\'b', $1`, `SELECT '?', E'?', $1`},
		{`DO $$ BEGIN PERFORM 'x'; END $$`, `DO '?'`},
		{`DO $f$ a $$ b $f$ ; SELECT 1`, `DO '?' ; SELECT 1`},
		{"SELECT  1 -- 'note'\n  FROM t /* 'c' */", `SELECT 1 FROM t`},
		{`SELECT "we'ird" FROM t WHERE a = 'cut off`, `SELECT "we'ird" FROM t WHERE a = '?'`},
		{`SELECT $tag$ never closed`, `SELECT '?'`},
	} {
		assert.Equal(t, tc.want, shownQuery(tc.in), tc.in)
	}
	long := shownQuery("SELECT " + strings.Repeat("a, ", 100) + "'secret'")
	assert.Len(t, []rune(long), maxShownQuery)
	assert.NotContains(t, long, "secret")
}

func TestOperationsMeta(t *testing.T) {
	cs := OperationsChecks(Open("postgres://db.example.com:5432/app", Options{}))
	require.Len(t, cs, 21)
	seen := map[string]bool{}
	for _, c := range cs {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.False(t, seen[m.ID], m.ID)
		seen[m.ID] = true
		assert.Equal(t, "postgres://db.example.com:5432/app", m.Target)
		assert.NotEmpty(t, m.Remediation, m.ID)
		assert.NotEmpty(t, m.Refs, m.ID)
		assert.True(t, m.HasTag("postgres"), m.ID)
		if m.ID == "postgres.backup.recent" {
			assert.Equal(t, sectionSecurity, m.Section)
		} else {
			assert.Contains(t, []string{sectionPostgres, sectionOptimization}, m.Section, m.ID)
		}
	}
}
