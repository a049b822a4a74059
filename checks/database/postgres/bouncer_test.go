package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

const (
	bouncerSuperPW = "Sup3r-Long-Unguessable-Pass"
	bouncerMonPW   = "Mon1tor-Long-Unguessable"
	bouncerAppPW   = "App-Long-Unguessable-Pass"
)

// bouncerBackend starts a cluster with max_connections 100 (3 reserved
// for superusers) and an application role.
func bouncerBackend(t *testing.T) *testenv.PostgresServer {
	t.Helper()
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		Password: bouncerSuperPW,
		Settings: map[string]string{"max_connections": "100", "superuser_reserved_connections": "3"},
	})
	pg.Exec(t, "CREATE ROLE app LOGIN PASSWORD '"+bouncerAppPW+"'")
	return pg
}

// bouncerUsers are the auth_file of every test bouncer.
var bouncerUsers = map[string]string{"postgres": bouncerSuperPW, "app": bouncerAppPW, "mon": bouncerMonPW}

// runBouncer runs every check of b in one Runner run (one console read)
// and returns the results by ID.
func runBouncer(t *testing.T, b *Bouncer) map[string]check.Result {
	t.Helper()
	rep, err := (&check.Runner{}).Run(t.Context(), BouncerChecks(b)...)
	require.NoError(t, err)
	out := map[string]check.Result{}
	for _, o := range rep.Outcomes {
		assert.Equal(t, b.Target(), o.Meta.Target)
		assert.True(t, o.Meta.HasTag("pgbouncer"))
		assert.Equal(t, sectionPostgres, o.Meta.Section)
		out[o.Meta.ID] = o.Result
		t.Logf("%s: %s: %s %v", o.Meta.ID, o.Result.Status, o.Result.Message, o.Result.Findings)
	}
	return out
}

// TestBouncerChecks judges an insecure and a hardened real pgBouncer in
// front of a real cluster: the insecure one fails exactly the four rules
// it breaks, the hardened one passes all.
func TestBouncerChecks(t *testing.T) {
	pg := bouncerBackend(t)
	backend := Open(pg.DSN("postgres", bouncerSuperPW, "postgres"), Options{})
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{})
	for _, tc := range []struct {
		name  string
		opts  testenv.PgbouncerOptions
		fails []string
	}{
		{
			name: "insecure",
			opts: testenv.PgbouncerOptions{
				AuthType: "trust", PoolMode: "session", DefaultPoolSize: 200,
				Databases: map[string]string{"app": "dbname=postgres"},
			},
			fails: []string{"postgres.pgbouncer.auth-type", "postgres.pgbouncer.client-tls",
				"postgres.pgbouncer.pool-mode", "postgres.pgbouncer.pool-size"},
		},
		{
			name: "hardened",
			opts: testenv.PgbouncerOptions{
				AuthType: "scram-sha-256", PoolMode: "transaction", DefaultPoolSize: 20,
				ClientTLS: &leaf,
				Databases: map[string]string{"app": "dbname=postgres", "reports": "dbname=postgres pool_size=10"},
				Settings:  map[string]string{"reserve_pool_size": "5"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Users, tc.opts.StatsUsers = bouncerUsers, []string{"mon"}
			pb := testenv.Pgbouncer(t, pg, tc.opts)
			b := OpenBouncer(pb.DSN("mon", bouncerMonPW, "pgbouncer"), BouncerOptions{Backend: backend})
			assert.Equal(t, "postgres://"+pb.Addr+"/pgbouncer", b.Target())
			got := runBouncer(t, b)
			require.Len(t, got, 6)
			var failed []string
			for id, r := range got {
				assert.Contains(t, []check.Status{check.StatusPass, check.StatusFail}, r.Status, "%s: %s %v", id, r.Message, r.Err)
				if r.Status == check.StatusFail {
					failed = append(failed, id)
					for _, f := range r.Findings {
						assert.NotEmpty(t, f.Location.Resource, id)
						assert.NotEmpty(t, f.Expected, id)
						assert.NotEmpty(t, f.Actual, id)
					}
				}
				for _, secret := range []string{bouncerSuperPW, bouncerMonPW, bouncerAppPW} {
					assert.NotContains(t, fmt.Sprint(r), secret)
				}
			}
			assert.ElementsMatch(t, tc.fails, failed)
			assert.Contains(t, got["postgres.pgbouncer.reachable"].Message, "PgBouncer 1.")
			size := got["postgres.pgbouncer.pool-size"]
			assert.Contains(t, size.Message, "max_connections 100 - superuser_reserved_connections 3")
			assert.Contains(t, size.Message, "each (database, user) pair gets its own pool")
			if tc.name == "insecure" {
				require.Len(t, size.Findings, 1)
				assert.Equal(t, "200", size.Findings[0].Actual)
				assert.Equal(t, "at most 97", size.Findings[0].Expected)
				assert.Equal(t, "trust", got["postgres.pgbouncer.auth-type"].Findings[0].Actual)
				assert.Equal(t, "session", got["postgres.pgbouncer.pool-mode"].Findings[0].Actual)
				assert.Equal(t, "disable", got["postgres.pgbouncer.client-tls"].Findings[0].Actual)
			} else {
				// app (20+5) + reports (10+5) on one server.
				assert.Contains(t, size.Message, "40 (to 127.0.0.1:")
			}
		})
	}
}

// TestBouncerPoolSizeCapacity covers the other ways to know the server's
// capacity, on one real bouncer whose pools open 30 connections.
func TestBouncerPoolSizeCapacity(t *testing.T) {
	pg := bouncerBackend(t)
	pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
		Users: bouncerUsers, StatsUsers: []string{"mon"},
		Databases: map[string]string{"app": "dbname=postgres pool_size=30"},
	})
	for _, tc := range []struct {
		name   string
		opts   BouncerOptions
		status check.Status
	}{
		{"unknown", BouncerOptions{}, check.StatusWarn},
		{"enough", BouncerOptions{MaxServerConnections: 30}, check.StatusPass},
		{"too few", BouncerOptions{MaxServerConnections: 29}, check.StatusFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBouncer(t, OpenBouncer(pb.DSN("mon", bouncerMonPW, "pgbouncer"), tc.opts))["postgres.pgbouncer.pool-size"]
			assert.Equal(t, tc.status, r.Status, r.Message)
			if tc.status == check.StatusWarn {
				assert.Contains(t, r.Message, "set Backend or MaxServerConnections")
			}
		})
	}
}

// TestBouncerNotAllowed connects as a user in neither stats_users nor
// admin_users: every check is an Error wrapping ErrInsufficientPrivilege.
func TestBouncerNotAllowed(t *testing.T) {
	pg := bouncerBackend(t)
	pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{Users: bouncerUsers, StatsUsers: []string{"mon"}})
	got := runBouncer(t, OpenBouncer(pb.DSN("app", bouncerAppPW, "pgbouncer"), BouncerOptions{MaxServerConnections: 90}))
	require.Len(t, got, 6)
	for id, r := range got {
		assert.Equal(t, check.StatusError, r.Status, id)
		assert.ErrorIs(t, r.Err, ErrInsufficientPrivilege, id)
		assert.Contains(t, r.Message, "needs the user in stats_users or admin_users", id)
		assert.NotContains(t, r.Message, bouncerAppPW)
	}
}

// TestBouncerUnreachable points at a closed port: reachable fails, the
// others cannot decide.
func TestBouncerUnreachable(t *testing.T) {
	port := testenv.FreePort(t)
	got := runBouncer(t, OpenBouncer(fmt.Sprintf("postgres://mon:%s@127.0.0.1:%d/pgbouncer?sslmode=disable&connect_timeout=5", bouncerMonPW, port), BouncerOptions{}))
	for id, r := range got {
		want := check.StatusError
		if id == "postgres.pgbouncer.reachable" {
			want = check.StatusFail
		}
		assert.Equal(t, want, r.Status, "%s: %s", id, r.Message)
		assert.NotContains(t, fmt.Sprint(r), bouncerMonPW)
	}
}

// countingQuerier counts the console queries.
type countingQuerier struct {
	BouncerQuerier
	n atomic.Int32
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n.Add(1)
	return c.BouncerQuerier.Query(ctx, sql, args...)
}

// TestBouncerCallerConn uses a caller's *pgx.Conn opened with pgx's
// default (extended protocol) mode: the console refuses it for a plain
// Query, yet the checks work because every query asks for the simple
// protocol, and one run costs exactly four queries.
func TestBouncerCallerConn(t *testing.T) {
	pg := bouncerBackend(t)
	pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
		Users: bouncerUsers, StatsUsers: []string{"mon"},
		Databases: map[string]string{"app": "dbname=postgres"},
	})
	ctx := t.Context()
	// The console refuses the extended protocol, and drops the session.
	probe, err := pgx.Connect(ctx, pb.DSN("mon", bouncerMonPW, "pgbouncer"))
	require.NoError(t, err)
	var v string
	err = probe.QueryRow(ctx, "SHOW VERSION").Scan(&v)
	_ = probe.Close(context.Background())
	require.Error(t, err, "the console refuses the extended protocol")
	assert.Contains(t, err.Error(), "extended query protocol not supported")

	conn, err := pgx.Connect(ctx, pb.DSN("mon", bouncerMonPW, "pgbouncer"))
	require.NoError(t, err)
	defer conn.Close(context.Background())
	require.Equal(t, pgx.QueryExecModeCacheStatement, conn.Config().DefaultQueryExecMode)

	q := &countingQuerier{BouncerQuerier: conn}
	b := NewBouncer(q, BouncerOptions{Target: "postgres://" + pb.Addr + "/pgbouncer", MaxServerConnections: 50})
	got := runBouncer(t, b)
	for id, r := range got {
		assert.NotEqual(t, check.StatusError, r.Status, "%s: %s", id, r.Message)
	}
	assert.Equal(t, check.StatusPass, got["postgres.pgbouncer.reachable"].Status)
	assert.Equal(t, int32(4), q.n.Load(), "one console read per run")

	// The conn's own target is used when none is given.
	assert.Equal(t, "postgres://"+pb.Addr+"/pgbouncer", NewBouncer(conn, BouncerOptions{}).Target())
}

// TestBouncerWaiting holds the only server connection of a pool in an open
// transaction while a second client waits for it.
func TestBouncerWaiting(t *testing.T) {
	pg := bouncerBackend(t)
	pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
		Users: bouncerUsers, StatsUsers: []string{"mon"}, DefaultPoolSize: 1,
		Databases: map[string]string{"app": "dbname=postgres"},
	})
	ctx := t.Context()
	holder, err := pgx.Connect(ctx, pb.DSN("app", bouncerAppPW, "app"))
	require.NoError(t, err)
	defer holder.Close(context.Background())
	tx, err := holder.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1")
	require.NoError(t, err)

	waiter, err := pgx.Connect(ctx, pb.DSN("app", bouncerAppPW, "app"))
	require.NoError(t, err)
	defer waiter.Close(context.Background())
	blocked := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(context.Background(), "SELECT 1")
		blocked <- err
	}()
	released := false
	release := func() {
		if !released {
			released = true
			require.NoError(t, tx.Rollback(context.Background()))
			require.NoError(t, <-blocked)
		}
	}
	defer release()

	admin, err := pgx.Connect(ctx, pb.DSN("mon", bouncerMonPW, "pgbouncer"))
	require.NoError(t, err)
	defer admin.Close(context.Background())
	waitForWaiting(t, admin)

	got := runBouncer(t, NewBouncer(admin, BouncerOptions{MaxWait: time.Microsecond, MaxServerConnections: 50}))
	r := got["postgres.pgbouncer.waiting"]
	require.Equal(t, check.StatusFail, r.Status, r.Message)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "pool app/app", r.Findings[0].Location.Resource)
	assert.Contains(t, r.Findings[0].Message, "1 client(s) waiting")

	relaxed := runBouncer(t, NewBouncer(admin, BouncerOptions{MaxWait: time.Hour, MaxServerConnections: 50}))
	assert.Equal(t, check.StatusPass, relaxed["postgres.pgbouncer.waiting"].Status, relaxed["postgres.pgbouncer.waiting"].Message)
	assert.Contains(t, relaxed["postgres.pgbouncer.waiting"].Message, "1 clients waiting")

	release()
	after := runBouncer(t, NewBouncer(admin, BouncerOptions{MaxWait: time.Microsecond, MaxServerConnections: 50}))
	assert.Equal(t, check.StatusPass, after["postgres.pgbouncer.waiting"].Status, after["postgres.pgbouncer.waiting"].Message)
}

// waitForWaiting polls SHOW POOLS (bounded) until a client of pool app/app
// waits and has waited a measurable time.
func waitForWaiting(t *testing.T, admin *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for {
		rows, err := showRows(ctx, admin, "SHOW POOLS")
		require.NoError(t, err)
		for _, p := range rows {
			if p["database"] == "app" && p["cl_waiting"] != "0" && (p["maxwait_us"] != "0" || p["maxwait"] != "0") {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no client waited in pool app/app within 15s: %v", rows)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestBouncerAuthType judges each auth_type on a real bouncer.
func TestBouncerAuthType(t *testing.T) {
	pg := bouncerBackend(t)
	for _, tc := range []struct {
		auth   string
		hba    []string
		status check.Status
		says   string
	}{
		{"scram-sha-256", nil, check.StatusPass, "scram-sha-256"},
		{"hba", []string{"host all all 127.0.0.1/32 scram-sha-256"}, check.StatusPass, "auth_hba_file"},
		{"md5", nil, check.StatusWarn, "prefer scram-sha-256"},
		{"plain", nil, check.StatusFail, "clear text"},
		{"trust", nil, check.StatusFail, "without a password"},
	} {
		t.Run(tc.auth, func(t *testing.T) {
			pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
				AuthType: tc.auth, HBA: tc.hba, Users: bouncerUsers, StatsUsers: []string{"mon"},
			})
			r := runBouncer(t, OpenBouncer(pb.DSN("mon", bouncerMonPW, "pgbouncer"), BouncerOptions{}))["postgres.pgbouncer.auth-type"]
			assert.Equal(t, tc.status, r.Status, r.Message)
			assert.Contains(t, fmt.Sprint(r.Message, r.Findings), tc.says)
			for _, f := range r.Findings {
				assert.Equal(t, "setting auth_type", f.Location.Resource)
				assert.Equal(t, tc.auth, f.Actual)
			}
		})
	}
}

// TestBouncerPools counts pools the way pgBouncer opens them: a database
// overriding pool_mode is named, each (database, user) pair gets its own
// pool, and a bouncer serving only '*' is judged by its default pool.
func TestBouncerPools(t *testing.T) {
	pg := bouncerBackend(t)
	backend := Open(pg.DSN("postgres", bouncerSuperPW, "postgres"), Options{})

	t.Run("per database and user", func(t *testing.T) {
		pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
			Users: bouncerUsers, StatsUsers: []string{"mon"},
			Databases: map[string]string{"app": "dbname=postgres pool_size=30", "legacy": "dbname=postgres pool_size=5 pool_mode=session"},
		})
		b := OpenBouncer(pb.DSN("mon", bouncerMonPW, "pgbouncer"), BouncerOptions{MaxServerConnections: 50})
		got := runBouncer(t, b)
		mode := got["postgres.pgbouncer.pool-mode"]
		require.Equal(t, check.StatusFail, mode.Status, mode.Message)
		require.Len(t, mode.Findings, 1)
		assert.Equal(t, "database legacy", mode.Findings[0].Location.Resource)
		assert.Equal(t, check.StatusPass, got["postgres.pgbouncer.pool-size"].Status, "30+5 within 50")

		// A second user of app opens a second pool of 30.
		for _, u := range []struct{ user, pw string }{{"app", bouncerAppPW}, {"postgres", bouncerSuperPW}} {
			c, err := pgx.Connect(t.Context(), pb.DSN(u.user, u.pw, "app"))
			require.NoError(t, err)
			_, err = c.Exec(t.Context(), "SELECT 1")
			_ = c.Close(context.Background())
			require.NoError(t, err)
		}
		size := runBouncer(t, b)["postgres.pgbouncer.pool-size"]
		require.Equal(t, check.StatusFail, size.Status, size.Message)
		require.Len(t, size.Findings, 1)
		assert.Equal(t, "65", size.Findings[0].Actual, "2×30 for app, 5 for legacy")
		assert.Equal(t, "pools to "+pg.Addr, size.Findings[0].Location.Resource)
	})

	t.Run("only the backend's databases", func(t *testing.T) {
		// Two servers behind one bouncer: the Backend's capacity bounds
		// only the pools pointing at it.
		host, port, ok := strings.Cut(pg.Addr, ":")
		require.True(t, ok)
		st := &bouncerState{databases: []bouncerRow{
			{"name": "app", "host": host, "port": port, "pool_size": "40", "reserve_pool": "0", "max_connections": "0"},
			{"name": "other", "host": "10.0.0.9", "port": "5432", "pool_size": "500", "reserve_pool": "0", "max_connections": "0"},
		}}
		b := OpenBouncer("postgres://mon@127.0.0.1:1/pgbouncer", BouncerOptions{Backend: backend})
		r := b.judgePoolSize(t.Context(), st)
		assert.Equal(t, check.StatusPass, r.Status, r.Message)
		assert.Contains(t, r.Message, "40 (to "+pg.Addr+")")
		st.databases[0]["max_connections"] = "0"
		st.databases[0]["pool_size"] = "98"
		r = b.judgePoolSize(t.Context(), st)
		require.Equal(t, check.StatusFail, r.Status, r.Message)
		assert.Len(t, r.Findings, 1)
		st.databases[0]["max_connections"] = "90"
		r = b.judgePoolSize(t.Context(), st)
		assert.Equal(t, check.StatusPass, r.Status, "max_db_connections 90 caps the pool: %s", r.Message)

		// A Backend at none of the bouncer's servers: which pools it
		// serves is unknown, so no server is judged by its capacity.
		st.databases[0]["host"] = "10.0.0.8"
		r = b.judgePoolSize(t.Context(), st)
		require.Equal(t, check.StatusWarn, r.Status, r.Message)
		assert.Contains(t, r.Findings[0].Message, "none of the servers")
	})

	t.Run("auto-database only", func(t *testing.T) {
		pb := testenv.Pgbouncer(t, pg, testenv.PgbouncerOptions{
			Users: bouncerUsers, StatsUsers: []string{"mon"}, DefaultPoolSize: 200,
		})
		size := runBouncer(t, OpenBouncer(pb.DSN("mon", bouncerMonPW, "pgbouncer"), BouncerOptions{Backend: backend}))["postgres.pgbouncer.pool-size"]
		require.Equal(t, check.StatusFail, size.Status, size.Message)
		assert.Contains(t, size.Findings[0].Message, "'*' auto-database")
		assert.Equal(t, "setting default_pool_size", size.Findings[0].Location.Resource)
		assert.Equal(t, "200", size.Findings[0].Actual)
	})
}

// TestBouncerClientTLSModes judges every client_tls_sslmode pgBouncer
// knows; a real bouncer for each is covered by TestBouncerChecks
// (disable, require), the others are judged on the SHOW CONFIG value.
func TestBouncerClientTLSModes(t *testing.T) {
	for mode, want := range map[string]check.Status{
		"disable": check.StatusFail, "allow": check.StatusFail, "prefer": check.StatusFail,
		"require": check.StatusPass, "verify-ca": check.StatusPass, "verify-full": check.StatusPass,
	} {
		r := judgeClientTLS(t.Context(), &bouncerState{config: map[string]string{"client_tls_sslmode": mode}})
		assert.Equal(t, want, r.Status, mode)
	}
	r := judgeClientTLS(t.Context(), &bouncerState{config: map[string]string{}})
	assert.Equal(t, check.StatusError, r.Status, "a missing key cannot be judged")
}
