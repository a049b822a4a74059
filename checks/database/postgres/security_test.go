package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/database"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// runSecurity runs every security check of s once and returns the
// results by ID, after checking each one's Meta.
func runSecurity(t *testing.T, s *Server) map[string]check.Result {
	t.Helper()
	out := make(map[string]check.Result)
	for _, c := range SecurityChecks(s) {
		m := c.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, sectionSecurity, m.Section, m.ID)
		assert.Equal(t, s.Target(), m.Target, m.ID)
		out[m.ID] = c.Run(t.Context())
	}
	require.Len(t, out, 13)
	return out
}

// assertStatuses compares every result with want (ID -> status) and
// checks that each finding is located and leaks none of secrets.
func assertStatuses(t *testing.T, got map[string]check.Result, want map[string]check.Status, secrets ...string) {
	t.Helper()
	for id, w := range want {
		r, ok := got[id]
		if !assert.True(t, ok, "no result for %s", id) {
			continue
		}
		assert.Equal(t, w, r.Status, "%s: %s %v", id, r.Message, r.Findings)
		if w == check.StatusPass {
			assert.Empty(t, r.Findings, id)
		}
		for _, f := range r.Findings {
			assert.NotEmpty(t, f.Location.Resource, "%s: %s", id, f)
			assert.NotEmpty(t, f.Expected, "%s: %s", id, f)
			for _, sec := range secrets {
				assert.NotContains(t, f.String(), sec, id)
			}
		}
		for _, sec := range secrets {
			assert.NotContains(t, r.Message, sec, id)
		}
	}
	assert.Len(t, got, len(want))
}

func TestSecurityInsecureCluster(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		HBA: []string{
			"local all all trust",
			"host all all 0.0.0.0/0 trust",
			"host all all 127.0.0.1/32 password",
		},
		Settings:           map[string]string{"ssl": "off"},
		Password:           "postgres",
		PasswordEncryption: "md5",
	})
	// The trust rule matches first: the superuser logs in over TCP.
	s := Open(pg.DSN("postgres", "postgres", "postgres"), Options{})
	stored := pg.QueryValue(t, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")
	require.True(t, strings.HasPrefix(stored, "md5"), "the test needs an md5 verifier")
	got := runSecurity(t, s)
	assertStatuses(t, got, map[string]check.Status{
		"postgres.password.default":    check.StatusFail,
		"postgres.password.encryption": check.StatusFail,
		"postgres.hba.auth":            check.StatusFail,
		"postgres.tls.server":          check.StatusFail,
		"postgres.tls.connection":      check.StatusFail,
		"postgres.tls.sessions":        check.StatusPass, // every session is from 127.0.0.1
		"postgres.tls.hba":             check.StatusFail,
		"postgres.access.listen":       check.StatusPass, // testenv listens on 127.0.0.1
		"postgres.access.hba-open":     check.StatusFail,
		"postgres.audit.connections":   check.StatusFail,
		"postgres.audit.line-prefix":   check.StatusFail,
		"postgres.audit.statement":     check.StatusFail,
		"postgres.audit.pgaudit":       check.StatusWarn,
	}, stored)

	def := got["postgres.password.default"]
	require.Len(t, def.Findings, 1)
	assert.Equal(t, "role postgres", def.Findings[0].Location.Resource)
	assert.Equal(t, database.ReasonDefaultCredential, def.Findings[0].Actual)

	enc := got["postgres.password.encryption"]
	require.Len(t, enc.Findings, 2)
	assert.Equal(t, "setting password_encryption", enc.Findings[0].Location.Resource)
	assert.True(t, strings.HasSuffix(enc.Findings[0].Location.File, "postgresql.conf"), enc.Findings[0].Location.File)
	assert.Positive(t, enc.Findings[0].Location.Line)
	assert.Equal(t, "role postgres", enc.Findings[1].Location.Resource)

	tlsSrv := got["postgres.tls.server"]
	require.Len(t, tlsSrv.Findings, 1)
	assert.Equal(t, "setting ssl", tlsSrv.Findings[0].Location.Resource)
	assert.NotEmpty(t, tlsSrv.Findings[0].Location.File)
	assert.Positive(t, tlsSrv.Findings[0].Location.Line)

	// The hba findings: file and line of each rule (line 1 is testenv's
	// comment).
	hbaLines := func(r check.Result) []string {
		var out []string
		for _, f := range r.Findings {
			assert.True(t, strings.HasSuffix(f.Location.File, "pg_hba.conf"), f.Location.File)
			out = append(out, fmt.Sprintf("%d %s", f.Location.Line, f.Actual))
		}
		return out
	}
	assert.Equal(t, []string{"2 trust", "3 trust", "4 password"}, hbaLines(got["postgres.hba.auth"]))
	assert.Equal(t, []string{"3 host"}, hbaLines(got["postgres.tls.hba"]))
	assert.Equal(t, []string{"3 0.0.0.0 0.0.0.0"}, hbaLines(got["postgres.access.hba-open"]))

	assert.Len(t, got["postgres.audit.connections"].Findings, 2)
	assert.Contains(t, got["postgres.audit.line-prefix"].Findings[0].Actual, "%u")
	assert.Equal(t, "none", got["postgres.audit.statement"].Findings[0].Actual)
}

// hardened starts a cluster configured the way a reviewer accepts: TLS
// 1.3 only, SCRAM everywhere (the local trust rule testenv needs to start
// is replaced once the superuser has a password), hostssl only from
// loopback, and connection and DDL logging. It returns the cluster and
// the passwords of its roles: postgres, mon (pg_monitor) and plain.
func hardened(t *testing.T, extraHBA ...string) (*testenv.PostgresServer, map[string]string) {
	t.Helper()
	leaf := testenv.NewCA(t).Leaf(t, testenv.LeafOptions{})
	pw := map[string]string{
		"postgres": "Sup3r-Long-Unguessable-Pass!",
		"mon":      "Mon1tor-Long-Unguessable-Pass!",
		"plain":    "Pla1n-Long-Unguessable-Pass!",
		"app":      "App-Long-Unguessable-Pass-42!",
	}
	hba := append([]string{"local all all trust", "hostssl all all 127.0.0.1/32 scram-sha-256"}, extraHBA...)
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		TLS:      &leaf,
		Password: pw["postgres"],
		HBA:      hba,
		Settings: map[string]string{
			"ssl_min_protocol_version": "TLSv1.3",
			"log_connections":          "on",
			"log_disconnections":       "on",
			"log_line_prefix":          "%m [%p] %u@%d %h ",
			"log_statement":            "ddl",
		},
	})
	pg.Exec(t, fmt.Sprintf(`CREATE ROLE mon LOGIN PASSWORD '%s' IN ROLE pg_monitor;
		CREATE ROLE plain LOGIN PASSWORD '%s';
		CREATE ROLE app LOGIN PASSWORD '%s'`, pw["mon"], pw["plain"], pw["app"]))
	hba[0] = "local all all scram-sha-256"
	writeHBA(t, pg, hba)
	return pg, pw
}

// writeHBA replaces pg_hba.conf and reloads it (over the socket, with the
// superuser's password once the rule asks for one).
func writeHBA(t *testing.T, pg *testenv.PostgresServer, lines []string) {
	t.Helper()
	path := filepath.Join(pg.DataDir, "pg_hba.conf")
	fi, err := os.Stat(pg.DataDir)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	require.NoError(t, os.WriteFile(path, []byte("# written by the test\n"+strings.Join(lines, "\n")+"\n"), 0o600))
	require.NoError(t, os.Chown(path, int(st.Uid), int(st.Gid)))
	pg.Exec(t, "SELECT pg_reload_conf()")
}

func TestSecurityHardenedCluster(t *testing.T) {
	pg, pw := hardened(t)
	privErr := check.StatusError
	for _, tc := range []struct {
		user string
		want map[string]check.Status
	}{
		{"postgres", map[string]check.Status{
			"postgres.password.default": check.StatusPass, "postgres.password.encryption": check.StatusPass,
			"postgres.hba.auth": check.StatusPass, "postgres.tls.server": check.StatusPass,
			"postgres.tls.connection": check.StatusPass, "postgres.tls.sessions": check.StatusPass,
			"postgres.tls.hba": check.StatusPass, "postgres.access.listen": check.StatusPass,
			"postgres.access.hba-open": check.StatusPass, "postgres.audit.connections": check.StatusPass,
			"postgres.audit.line-prefix": check.StatusPass, "postgres.audit.statement": check.StatusPass,
			"postgres.audit.pgaudit": check.StatusWarn, // not installed here
		}},
		{"mon", map[string]check.Status{
			"postgres.password.default": privErr, "postgres.password.encryption": check.StatusPass,
			"postgres.hba.auth": privErr, "postgres.tls.server": check.StatusPass,
			"postgres.tls.connection": check.StatusPass, "postgres.tls.sessions": check.StatusPass,
			"postgres.tls.hba": privErr, "postgres.access.listen": check.StatusPass,
			"postgres.access.hba-open": privErr, "postgres.audit.connections": check.StatusPass,
			"postgres.audit.line-prefix": check.StatusPass, "postgres.audit.statement": check.StatusPass,
			"postgres.audit.pgaudit": check.StatusWarn,
		}},
		{"plain", map[string]check.Status{
			"postgres.password.default": privErr, "postgres.password.encryption": check.StatusPass,
			// ssl_min_protocol_version is hidden from roles without pg_read_all_settings.
			"postgres.hba.auth": privErr, "postgres.tls.server": privErr,
			"postgres.tls.connection": check.StatusPass, "postgres.tls.sessions": privErr,
			"postgres.tls.hba": privErr, "postgres.access.listen": check.StatusPass,
			"postgres.access.hba-open": privErr, "postgres.audit.connections": check.StatusPass,
			"postgres.audit.line-prefix": check.StatusPass, "postgres.audit.statement": check.StatusPass,
			"postgres.audit.pgaudit": privErr,
		}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			s := Open(pg.DSN(tc.user, pw[tc.user], "postgres"), Options{MinTLSVersion: "TLSv1.3"})
			got := runSecurity(t, s)
			assertStatuses(t, got, tc.want, pw[tc.user])
			for id, r := range got {
				if r.Status == check.StatusError {
					assert.ErrorIs(t, r.Err, ErrInsufficientPrivilege, "%s: %s", id, r.Message)
				}
			}
			assert.Contains(t, got["postgres.tls.connection"].Message, "TLSv1.3")
			if tc.user != "postgres" {
				assert.Contains(t, got["postgres.password.default"].Message, "LoginAttempts")
			}
			enc := got["postgres.password.encryption"].Message
			assert.Equal(t, tc.user != "postgres", strings.Contains(enc, "not checked"), enc)
		})
	}
}

// TestSecurityJudgeEdges judges hand-built snapshots for what a test
// cluster cannot show: a broken hba line (PostgreSQL refuses to start
// with one), samenet, IPv6 and hostnames, an older server.
func TestSecurityJudgeEdges(t *testing.T) {
	rule := func(typ, addr, mask, method string) HBARule {
		return HBARule{File: "/etc/pg_hba.conf", Line: 7, Type: typ, Database: "all", User: "all",
			Address: addr, Netmask: mask, Method: method}
	}
	for _, tc := range []struct {
		name  string
		judge func(context.Context, *Snapshot) check.Result
		rules []HBARule
		want  check.Status
	}{
		{"auth local trust warns", judgeHBAAuth, []HBARule{rule("local", "", "", "trust")}, check.StatusWarn},
		{"auth hostssl trust fails", judgeHBAAuth, []HBARule{rule("hostssl", "10.0.0.0", "255.0.0.0", "trust")}, check.StatusFail},
		{"auth broken line fails", judgeHBAAuth, []HBARule{{File: "/etc/pg_hba.conf", Line: 3, Error: "invalid authentication method"}}, check.StatusFail},
		{"auth peer and cert pass", judgeHBAAuth, []HBARule{rule("local", "", "", "peer"), rule("hostssl", "all", "", "cert")}, check.StatusPass},
		{"tls ipv6 loopback host passes", judgeTLSHBA, []HBARule{rule("host", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "scram-sha-256")}, check.StatusPass},
		{"tls samehost passes", judgeTLSHBA, []HBARule{rule("host", "samehost", "", "scram-sha-256")}, check.StatusPass},
		{"tls hostnossl reject passes", judgeTLSHBA, []HBARule{rule("hostnossl", "0.0.0.0", "0.0.0.0", "reject")}, check.StatusPass},
		{"tls hostname fails", judgeTLSHBA, []HBARule{rule("host", ".example.com", "", "scram-sha-256")}, check.StatusFail},
		{"tls host 127/7 fails", judgeTLSHBA, []HBARule{rule("host", "127.0.0.0", "254.0.0.0", "scram-sha-256")}, check.StatusFail},
		{"open ipv6 any fails", judgeHBAOpen, []HBARule{rule("hostssl", "::", "::", "scram-sha-256")}, check.StatusFail},
		{"open all fails", judgeHBAOpen, []HBARule{rule("hostssl", "all", "", "cert")}, check.StatusFail},
		{"open samenet warns", judgeHBAOpen, []HBARule{rule("hostssl", "samenet", "", "scram-sha-256")}, check.StatusWarn},
		{"open reject all passes", judgeHBAOpen, []HBARule{rule("host", "all", "", "reject")}, check.StatusPass},
		{"open subnet passes", judgeHBAOpen, []HBARule{rule("hostssl", "10.1.0.0", "255.255.0.0", "scram-sha-256")}, check.StatusPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.judge(t.Context(), &Snapshot{HBA: tc.rules, CanReadHBA: true})
			assert.Equal(t, tc.want, r.Status, "%s %v", r.Message, r.Findings)
			for _, f := range r.Findings {
				assert.Equal(t, "/etc/pg_hba.conf", f.Location.File)
				assert.Positive(t, f.Location.Line)
			}
		})
	}

	t.Run("tls server before PostgreSQL 12", func(t *testing.T) {
		s := Open("postgres://db:5432/app", Options{})
		snap := &Snapshot{ReadAllSettings: true, Settings: map[string]Setting{"ssl": {Name: "ssl", Value: "on"}}}
		r := s.judgeTLSServer(t.Context(), snap)
		assert.Equal(t, check.StatusPass, r.Status)
		assert.Contains(t, r.Message, "not judged")
	})
	t.Run("bad MinTLSVersion", func(t *testing.T) {
		s := Open("postgres://db:5432/app", Options{MinTLSVersion: "TLS1.2"})
		r := s.judgeTLSServer(t.Context(), &Snapshot{})
		assert.Equal(t, check.StatusError, r.Status)
	})
	t.Run("listen all", func(t *testing.T) {
		snap := &Snapshot{Settings: map[string]Setting{"listen_addresses": {Name: "listen_addresses", Value: "*"}}}
		assert.Equal(t, check.StatusWarn, Open("postgres://db/app", Options{}).judgeListen(t.Context(), snap).Status)
		assert.Equal(t, check.StatusPass, Open("postgres://db/app", Options{AllowListenAll: true}).judgeListen(t.Context(), snap).Status)
	})
	t.Run("stored hashes honour ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r := judgeStoredHashes(ctx, []database.StoredHash{{User: "a", Hash: "md5" + strings.Repeat("0", 32)}})
		assert.Equal(t, check.StatusError, r.Status)
		assert.ErrorIs(t, r.Err, context.Canceled)
	})
	t.Run("unverifiable hash warns", func(t *testing.T) {
		r := judgeStoredHashes(t.Context(), []database.StoredHash{{User: "a", Hash: "SCRAM-SHA-1$x"}})
		assert.Equal(t, check.StatusWarn, r.Status)
		require.Len(t, r.Findings, 1)
		assert.Equal(t, "role a", r.Findings[0].Location.Resource)
	})
}

func TestPrefixEscapes(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"%m [%p] ", "mp"},
		{"%t %u %d %h", "tudh"},
		{"%%u %-10d %r", "dr"},
		{"100%", ""},
		{"", ""},
	} {
		assert.Equal(t, tc.want, prefixEscapes(tc.prefix), tc.prefix)
	}
}

func TestLoginCandidates(t *testing.T) {
	got := loginCandidates([]string{"app", "checker", "postgres"}, true)
	require.GreaterOrEqual(t, len(got), 4)
	// Every role is covered before the second default of any role.
	var firstFour []string
	for _, c := range got[:4] {
		firstFour = append(firstFour, c.user+"/"+c.password)
	}
	assert.Equal(t, []string{"postgres/postgres", "app/app", "checker/checker", "postgres/password"}, firstFour)
	seen := make(map[string]bool)
	for _, c := range got {
		k := c.user + "\x00" + c.password
		assert.False(t, seen[k], "duplicate %s", c.user)
		seen[k] = true
		assert.NotEqual(t, "admin", c.user, "a default of a role that does not exist")
	}
	unknown := loginCandidates(nil, false)
	assert.NotEmpty(t, unknown)
}

// probeLog counts the server's log lines about the probe's logins.
func probeLog(log, user string) (failed, authorized int) {
	return strings.Count(log, `password authentication failed for user "`+user+`"`),
		strings.Count(log, "connection authorized: user="+user+" ")
}

func TestSecurityLoginProbe(t *testing.T) {
	pg := testenv.Postgres(t, testenv.PostgresOptions{
		Password: "Sup3r-Long-Unguessable-Pass!",
		HBA:      []string{"local all all trust", "host all all 127.0.0.1/32 scram-sha-256"},
		Settings: map[string]string{"log_connections": "on"},
	})
	const checkerPW = "Check3r-Long-Unguessable!"
	pg.Exec(t, fmt.Sprintf(`CREATE ROLE checker LOGIN PASSWORD '%s'; CREATE ROLE app LOGIN PASSWORD 'app'`, checkerPW))
	probe := func(t *testing.T, attempts int) check.Result {
		s := Open(pg.DSN("checker", checkerPW, "postgres"), Options{LoginAttempts: attempts})
		for _, c := range SecurityChecks(s) {
			if c.Meta().ID == "postgres.password.default" {
				return c.Run(t.Context())
			}
		}
		t.Fatal("no postgres.password.default check")
		return check.Result{}
	}

	t.Run("weak app password found", func(t *testing.T) {
		r := probe(t, 5)
		require.Equal(t, check.StatusFail, r.Status, "%s %v", r.Message, r.Findings)
		require.Len(t, r.Findings, 1)
		assert.Equal(t, "role app", r.Findings[0].Location.Resource)
		assert.Equal(t, database.ReasonUserName, r.Findings[0].Actual)
		// postgres/postgres refused, app/app accepted, a random password
		// for app refused: three logins, within the five allowed.
		// (postgres's authorized lines are testenv's own socket sessions.)
		pf, _ := probeLog(pg.Log(), "postgres")
		af, aa := probeLog(pg.Log(), "app")
		assert.Equal(t, [3]int{1, 1, 1}, [3]int{pf, af, aa}, "log:\n%s", pg.Log())
		assert.LessOrEqual(t, pf+af+aa, 5)
		assert.Contains(t, r.Message, "3 logins")
	})

	t.Run("capped probe warns", func(t *testing.T) {
		before, _ := probeLog(pg.Log(), "postgres")
		r := probe(t, 1)
		require.Equal(t, check.StatusWarn, r.Status, "%s %v", r.Message, r.Findings)
		var roles []string
		for _, f := range r.Findings {
			roles = append(roles, f.Location.Resource)
		}
		// checker's own password is compared locally, never logged in.
		assert.ElementsMatch(t, []string{"role app", "role postgres"}, roles)
		after, _ := probeLog(pg.Log(), "postgres")
		assert.Equal(t, before+1, after)
		_, appAuth := probeLog(pg.Log(), "app")
		assert.Equal(t, 1, appAuth, "app was not tried again")
	})

	t.Run("strong passwords pass", func(t *testing.T) {
		pg.Exec(t, `ALTER ROLE app PASSWORD 'App-Long-Unguessable-Pass-42!'`)
		r := probe(t, MaxLoginAttempts)
		require.Equal(t, check.StatusPass, r.Status, "%s %v", r.Message, r.Findings)
		assert.Contains(t, r.Message, "login probe")
	})

	t.Run("a role the hba rejects is not cleared", func(t *testing.T) {
		writeHBA(t, pg, []string{"local all all trust", "host all postgres 127.0.0.1/32 reject",
			"host all all 127.0.0.1/32 scram-sha-256"})
		r := probe(t, MaxLoginAttempts)
		require.Equal(t, check.StatusWarn, r.Status, "%s %v", r.Message, r.Findings)
		require.Len(t, r.Findings, 1)
		assert.Equal(t, "role postgres", r.Findings[0].Location.Resource)
		assert.Contains(t, r.Findings[0].Actual, "before checking the password")
		writeHBA(t, pg, []string{"local all all trust", "host all all 127.0.0.1/32 scram-sha-256"})
	})

	t.Run("checker's own weak password", func(t *testing.T) {
		pg.Exec(t, `ALTER ROLE checker PASSWORD 'checker'`)
		s := Open(pg.DSN("checker", "checker", "postgres"), Options{LoginAttempts: 1})
		r := SecurityChecks(s)[0].Run(t.Context())
		require.Equal(t, check.StatusFail, r.Status, "%s %v", r.Message, r.Findings)
		assert.Equal(t, "role checker", r.Findings[0].Location.Resource)
	})

	t.Run("trust rule is not a weak password", func(t *testing.T) {
		writeHBA(t, pg, []string{"local all all trust", "host all app 127.0.0.1/32 trust", "host all all 127.0.0.1/32 scram-sha-256"})
		s := Open(pg.DSN("checker", "checker", "postgres"), Options{LoginAttempts: 5})
		r := SecurityChecks(s)[0].Run(t.Context())
		require.Equal(t, check.StatusFail, r.Status, "%s %v", r.Message, r.Findings)
		require.Len(t, r.Findings, 1)
		assert.Equal(t, "role app", r.Findings[0].Location.Resource)
		assert.Contains(t, r.Findings[0].Actual, "random password was accepted")
	})
}

// nonLoopbackIPv4 returns an IPv4 address of this host outside
// 127.0.0.0/8, to connect from.
func nonLoopbackIPv4(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.To4()
		}
	}
	if os.Getenv(testenv.RequireEnv) != "" {
		t.Fatal("no non-loopback IPv4 address on this host to connect from")
	}
	t.Skip("no non-loopback IPv4 address on this host to connect from")
	return nil
}

func TestSecurityPlaintextSession(t *testing.T) {
	ip := nonLoopbackIPv4(t)
	pg, pw := hardened(t, "host all app "+ip.String()+"/32 scram-sha-256")

	sessions := func(t *testing.T, user string) check.Result {
		s := Open(pg.DSN(user, pw[user], "postgres"), Options{})
		for _, c := range SecurityChecks(s) {
			if c.Meta().ID == "postgres.tls.sessions" {
				return c.Run(t.Context())
			}
		}
		t.Fatal("no postgres.tls.sessions check")
		return check.Result{}
	}
	require.Equal(t, check.StatusPass, sessions(t, "postgres").Status, "before the plaintext session")

	// A client on this host's network address, without TLS, over the
	// host rule (the server listens on 127.0.0.1: the source address is
	// what pg_stat_activity shows).
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d user=app dbname=postgres sslmode=disable connect_timeout=5", pg.Port))
	require.NoError(t, err)
	cfg.Password = pw["app"]
	cfg.DialFunc = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	require.NoError(t, err)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	}()

	for _, user := range []string{"postgres", "mon"} {
		t.Run(user, func(t *testing.T) {
			r := sessions(t, user)
			require.Equal(t, check.StatusFail, r.Status, "%s %v", r.Message, r.Findings)
			require.Len(t, r.Findings, 1)
			assert.Contains(t, r.Findings[0].Location.Resource, "app@postgres from "+ip.String())
			assert.Equal(t, "plaintext", r.Findings[0].Actual)
		})
	}
	t.Run("plain", func(t *testing.T) {
		r := sessions(t, "plain")
		assert.Equal(t, check.StatusError, r.Status)
		assert.True(t, errors.Is(r.Err, ErrInsufficientPrivilege), r.Message)
	})
}

// TestLogStatementWithPGAudit: pgaudit logging DDL is an audit trail of
// schema changes, so log_statement = none does not fail beside it.
func TestLogStatementWithPGAudit(t *testing.T) {
	for _, tc := range []struct {
		audit string // pgaudit.log; "" when pgaudit is not loaded
		want  check.Status
	}{
		{"", check.StatusFail},
		{"ddl, write", check.StatusPass},
		{"ALL, -misc", check.StatusPass},
		{"write", check.StatusFail},
		{"all, -ddl", check.StatusFail},
		{"-ddl, ddl", check.StatusPass},
	} {
		snap := &Snapshot{ReadAllSettings: true, Settings: map[string]Setting{
			"log_statement": {Name: "log_statement", Value: "none"},
		}}
		if tc.audit != "" {
			snap.Settings["pgaudit.log"] = Setting{Name: "pgaudit.log", Value: tc.audit}
		}
		assert.Equal(t, tc.want, judgeLogStatement(t.Context(), snap).Status, tc.audit)
	}
}

// TestLinePrefixDebianDefault: Debian's packaged prefix has no host, but
// with log_connections on each session's first line names it and %p
// ties the session's lines to it, as a reviewer would accept.
func TestLinePrefixDebianDefault(t *testing.T) {
	for _, tc := range []struct {
		prefix, connections string
		want                check.Status
	}{
		{"%m [%p] %q%u@%d ", "on", check.StatusPass},
		{"%m [%p] %q%u@%d ", "off", check.StatusFail},
		{"%m %q%u@%d ", "on", check.StatusFail}, // nothing ties a line to its session
		{"%m [%p] %u@%d %h ", "off", check.StatusPass},
		{"%m [%p] ", "on", check.StatusFail}, // no user, no database
	} {
		snap := &Snapshot{ReadAllSettings: true, Settings: map[string]Setting{
			"log_line_prefix": {Name: "log_line_prefix", Value: tc.prefix},
			"log_connections": {Name: "log_connections", Value: tc.connections},
		}}
		r := judgeLinePrefix(t.Context(), snap)
		assert.Equal(t, tc.want, r.Status, "%q with log_connections %s: %s", tc.prefix, tc.connections, r.Message)
	}
}
