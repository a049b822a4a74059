package testenv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func connectDSN(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestPostgresStarts(t *testing.T) {
	start := time.Now()
	pg := Postgres(t, PostgresOptions{
		Password: "secret",
		Preload:  []string{"pg_stat_statements"},
		Settings: map[string]string{
			"archive_mode":    "on",
			"archive_command": "cp %p {{.ArchiveDir}}/%f",
		},
	})
	t.Logf("cluster (PostgreSQL %d) started in %s", pg.Version, time.Since(start))
	if got := pg.QueryValue(t, "SELECT 1"); got != "1" {
		t.Errorf("SELECT 1 = %q", got)
	}
	if got := pg.QueryValue(t, "SHOW ssl"); got != "off" {
		t.Errorf("SHOW ssl = %q, want off", got)
	}
	if got, want := pg.QueryValue(t, "SHOW archive_command"), "cp %p "+pg.ArchiveDir+"/%f"; got != want {
		t.Errorf("archive_command = %q, want %q", got, want)
	}
	if got := pg.QueryValue(t, "SHOW shared_preload_libraries"); got != "pg_stat_statements" {
		t.Errorf("shared_preload_libraries = %q", got)
	}
	pg.Exec(t, "CREATE TABLE t (i int); INSERT INTO t VALUES (1)")
	if got := pg.QueryValue(t, "SELECT count(*) FROM t WHERE i = $1", 1); got != "1" {
		t.Errorf("count = %q", got)
	}

	// Over TCP: the scram rule takes the password and refuses a wrong one.
	conn := connectDSN(t, pg.DSN("postgres", "secret", "postgres"))
	var ssl bool
	if err := conn.QueryRow(context.Background(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || ssl {
		t.Errorf("pg_stat_ssl.ssl = %v, %v; want false", ssl, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, pg.DSN("postgres", "wrong", "postgres")); err == nil {
		_ = c.Close(ctx)
		t.Error("a wrong password was accepted")
	} else if !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("wrong password: %v", err)
	}

	pg.Stop()
	if c, err := pgx.Connect(ctx, pg.DSN("postgres", "secret", "postgres")); err == nil {
		_ = c.Close(ctx)
		t.Error("connected after Stop")
	}
}

func TestPostgresTLS(t *testing.T) {
	leaf := NewCA(t).Leaf(t, LeafOptions{})
	// An md5 hash cannot pass a scram-sha-256 rule: the md5 rule takes both.
	pg := Postgres(t, PostgresOptions{
		TLS: &leaf, Password: "pw", PasswordEncryption: "md5",
		HBA: []string{"local all all trust", "hostssl all all 127.0.0.1/32 md5"},
	})
	if got := pg.QueryValue(t, "SHOW ssl"); got != "on" {
		t.Errorf("SHOW ssl = %q, want on", got)
	}
	if got := pg.QueryValue(t, "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'postgres'"); got != "md5" {
		t.Errorf("password hash prefix = %q, want md5", got)
	}
	dsn := pg.DSN("postgres", "pw", "postgres")
	if !strings.Contains(dsn, "sslmode=verify-full") {
		t.Fatalf("DSN %q does not verify", dsn)
	}
	conn := connectDSN(t, dsn)
	var ssl bool
	var version string
	if err := conn.QueryRow(context.Background(), "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl, &version); err != nil || !ssl {
		t.Fatalf("pg_stat_ssl = %v %q, %v; want TLS", ssl, version, err)
	}
	t.Logf("verify-full connection over %s", version)
}

func TestPostgresStandby(t *testing.T) {
	primary := Postgres(t, PostgresOptions{Replication: true})
	start := time.Now()
	standby := primary.Standby(t, StandbyOptions{})
	t.Logf("standby started in %s", time.Since(start))
	if got := standby.QueryValue(t, "SELECT pg_is_in_recovery()"); got != "true" {
		t.Errorf("standby pg_is_in_recovery = %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		state := primary.QueryValue(t, "SELECT state FROM pg_stat_replication")
		if state == "streaming" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg_stat_replication state = %q after 20 s\nstandby log:\n%s", state, standby.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	primary.Exec(t, "CREATE TABLE r (i int); INSERT INTO r VALUES (42)")
	deadline = time.Now().Add(20 * time.Second)
	for standby.QueryValue(t, "SELECT count(*) FROM pg_class WHERE relname = 'r'") != "1" {
		if time.Now().After(deadline) {
			t.Fatal("table r never reached the standby")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
