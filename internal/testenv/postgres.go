package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions configures one private PostgreSQL cluster for one test.
// The zero value is a fresh cluster (initdb -U postgres, UTF8, locale C)
// listening on 127.0.0.1 at a free port, with the default pg_hba.conf
// (local trust, host 127.0.0.1/32 scram-sha-256) and ssl off.
type PostgresOptions struct {
	// Settings are appended to postgresql.conf as key = 'value' (in key
	// order). A value is a text/template executed with the
	// [PostgresServer], so an archive_command can name the archive
	// directory: "cp %p {{.ArchiveDir}}/%f". A value already starting with
	// a quote is written as is. port, listen_addresses and
	// unix_socket_directories are set on the command line and win.
	Settings map[string]string
	// HBA replaces the pg_hba.conf lines; nil means DefaultHBA.
	HBA []string
	// Replication adds "host replication all 127.0.0.1/32 trust" to
	// pg_hba.conf (first), as [PostgresServer.Standby] needs.
	Replication bool
	// TLS, when set, is written as server.crt (chain) and server.key
	// (0600, owned by postgres) and ssl is turned on.
	TLS *Leaf
	// Password, when set, becomes the postgres superuser's password, hashed
	// with PasswordEncryption ("" means scram-sha-256; with md5 the hash
	// only passes md5 rules, not the default scram-sha-256 one). A set
	// PasswordEncryption is also written to postgresql.conf.
	Password           string
	PasswordEncryption string
	// Preload sets shared_preload_libraries (e.g. pg_stat_statements).
	Preload []string
	// StartTimeout bounds the wait for connections; 0 means 20 s.
	StartTimeout time.Duration
}

// DefaultHBA is the pg_hba.conf used when PostgresOptions.HBA is nil.
var DefaultHBA = []string{
	"local all all trust",
	"host all all 127.0.0.1/32 scram-sha-256",
}

// StandbyOptions configures a streaming standby; the zero value is fine.
type StandbyOptions struct {
	// Settings are appended to the standby's postgresql.conf (see
	// PostgresOptions.Settings); the primary's settings are copied by
	// pg_basebackup.
	Settings map[string]string
	// User and Password authenticate pg_basebackup and the standby's
	// stream (pg_basebackup -R writes them into primary_conninfo); the
	// zero value is postgres with no password, which needs a trust
	// replication rule (PostgresOptions.Replication). With a TLS
	// primary the stream uses sslmode=verify-full against its CA.
	User, Password string
	// StartTimeout bounds the wait for connections; 0 means 20 s.
	StartTimeout time.Duration
}

// PostgresServer is a running cluster, stopped when the test ends.
type PostgresServer struct {
	Host       string // 127.0.0.1
	Port       int
	Addr       string // 127.0.0.1:port
	DataDir    string // owned by the postgres OS user
	ArchiveDir string // empty, owned by postgres; {{.ArchiveDir}} in Settings
	SocketDir  string // the Unix socket directory (local connections)
	LogFile    string // the server's stderr
	Version    int    // the major version, e.g. 15
	TLS        *Leaf  // the certificate served, when ssl is on
	Password   string // the postgres superuser's password, if set

	bin      string // the directory holding initdb, postgres, pg_basebackup
	base     string // the per-cluster directory holding the above
	cred     *syscall.Credential
	cmd      *exec.Cmd
	done     chan struct{}
	err      error
	stopOnce sync.Once
}

// postgresBinDir finds the newest /usr/lib/postgresql/*/bin holding
// initdb, postgres and pg_basebackup.
func postgresBinDir() (string, int, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", 0
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err != nil || v <= bestV {
			continue
		}
		ok := true
		for _, b := range []string{"initdb", "postgres", "pg_basebackup"} {
			if _, err := exec.LookPath(filepath.Join(d, b)); err != nil {
				ok = false
			}
		}
		if ok {
			best, bestV = d, v
		}
	}
	if best == "" {
		return "", 0, errors.New("no /usr/lib/postgresql/*/bin with initdb, postgres and pg_basebackup")
	}
	return best, bestV, nil
}

// postgresUser returns the credentials of the postgres OS user: PostgreSQL
// refuses to run as root, and the tests do.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Postgres runs initdb in t.TempDir(), writes the configuration opts
// describes, starts postgres as the postgres OS user, waits until it
// accepts a pgx connection, and stops it in t.Cleanup. Missing binaries or
// a missing postgres user skip the test (see [Require]).
func Postgres(t testing.TB, opts PostgresOptions) *PostgresServer {
	t.Helper()
	s := newPostgres(t)
	if err := s.initdb(); err != nil {
		t.Fatalf("testenv: postgres: %v", err)
	}
	if err := s.configure(opts); err != nil {
		t.Fatalf("testenv: postgres: %v", err)
	}
	s.start(t, opts.StartTimeout)
	if opts.Password != "" {
		enc := opts.PasswordEncryption
		if enc == "" {
			enc = "scram-sha-256"
		}
		s.execSession(t, []string{
			"SET password_encryption = " + quoteLiteral(enc),
			"ALTER ROLE postgres PASSWORD " + quoteLiteral(opts.Password),
		})
		s.Password = opts.Password
	}
	return s
}

// newPostgres finds the binaries and user and prepares the directories.
func newPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin, v, err := postgresBinDir()
	if err != nil {
		missing(t, "postgresql (initdb)", err)
		return nil
	}
	cred, err := postgresUser()
	if err != nil {
		missing(t, "the postgres OS user", err)
		return nil
	}
	base := t.TempDir()
	// t.TempDir and its parent are 0700 root: let postgres through.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatalf("testenv: postgres: %v", err)
		}
	}
	// A Unix socket path is limited to 107 bytes: keep it short.
	sock, err := os.MkdirTemp("/tmp", "pgs")
	if err != nil {
		t.Fatalf("testenv: postgres: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sock) })
	s := &PostgresServer{
		Host:       "127.0.0.1",
		DataDir:    filepath.Join(base, "data"),
		ArchiveDir: filepath.Join(base, "archive"),
		SocketDir:  sock,
		LogFile:    filepath.Join(base, "postgres.log"),
		Version:    v,
		bin:        bin,
		base:       base,
		cred:       cred,
	}
	for _, d := range []string{s.DataDir, s.ArchiveDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("testenv: postgres: %v", err)
		}
	}
	for _, d := range []string{base, s.DataDir, s.ArchiveDir, sock} {
		if err := s.chown(d); err != nil {
			t.Fatalf("testenv: postgres: %v", err)
		}
	}
	return s
}

func (s *PostgresServer) chown(path string) error {
	return os.Chown(path, int(s.cred.Uid), int(s.cred.Gid))
}

// command returns bin/name args... to run as the postgres user.
func (s *PostgresServer) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.base
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + s.base, "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (s *PostgresServer) run(timeout time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := s.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (s *PostgresServer) initdb() error {
	return s.run(60*time.Second, "initdb", "-D", s.DataDir, "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
}

// configure writes pg_hba.conf, the certificate and postgresql.conf lines.
func (s *PostgresServer) configure(opts PostgresOptions) error {
	hba := opts.HBA
	if hba == nil {
		hba = DefaultHBA
	}
	if opts.Replication {
		hba = append([]string{"host replication all 127.0.0.1/32 trust"}, hba...)
	}
	if err := s.writeOwned("pg_hba.conf", []byte("# written by internal/testenv\n"+strings.Join(hba, "\n")+"\n")); err != nil {
		return err
	}
	settings := map[string]string{}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	if opts.TLS != nil {
		s.TLS = opts.TLS
		crt, err := os.ReadFile(opts.TLS.CertFile)
		if err != nil {
			return err
		}
		key, err := os.ReadFile(opts.TLS.KeyFile)
		if err != nil {
			return err
		}
		if err := s.writeOwned("server.crt", crt); err != nil {
			return err
		}
		if err := s.writeOwned("server.key", key); err != nil {
			return err
		}
		if _, ok := settings["ssl"]; !ok {
			settings["ssl"] = "on"
		}
	}
	if len(opts.Preload) > 0 {
		settings["shared_preload_libraries"] = strings.Join(opts.Preload, ",")
	}
	if opts.PasswordEncryption != "" {
		if _, ok := settings["password_encryption"]; !ok {
			settings["password_encryption"] = opts.PasswordEncryption
		}
	}
	return s.appendSettings(settings)
}

// appendSettings appends key = 'value' lines to postgresql.conf.
func (s *PostgresServer) appendSettings(settings map[string]string) error {
	if len(settings) == 0 {
		return nil
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n# written by internal/testenv\n")
	for _, k := range keys {
		tmpl, err := template.New(k).Parse(settings[k])
		if err != nil {
			return fmt.Errorf("setting %s: %w", k, err)
		}
		var v strings.Builder
		if err := tmpl.Execute(&v, s); err != nil {
			return fmt.Errorf("setting %s: %w", k, err)
		}
		val := v.String()
		if !strings.HasPrefix(val, "'") {
			val = quoteLiteral(val)
		}
		fmt.Fprintf(&b, "%s = %s\n", k, val)
	}
	f, err := os.OpenFile(filepath.Join(s.DataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// writeOwned writes name in the data directory, 0600, owned by postgres.
func (s *PostgresServer) writeOwned(name string, data []byte) error {
	path := filepath.Join(s.DataDir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	return s.chown(path)
}

func quoteLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// start launches postgres on a free port (three tries on a port taken in
// between) and waits until it serves; it registers the stop.
func (s *PostgresServer) start(t testing.TB, timeout time.Duration) {
	t.Helper()
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		err := s.startOnce(FreePort(t), timeout)
		if err == nil {
			t.Cleanup(s.Stop)
			return
		}
		lastErr = err
		if !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "already in use") {
			break
		}
	}
	t.Fatalf("testenv: postgres: %v", lastErr)
}

func (s *PostgresServer) startOnce(port int, timeout time.Duration) error {
	s.Port = port
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(port))
	s.done = make(chan struct{})
	s.err = nil
	log, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := s.command(context.Background(), "postgres", "-D", s.DataDir, "-p", strconv.Itoa(port),
		"-k", s.SocketDir, "-c", "listen_addresses="+s.Host)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.cmd = cmd
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(timeout); err != nil {
		s.stop()
		return fmt.Errorf("%w\nlog:\n%s", err, readLog(s.LogFile))
	}
	return nil
}

// waitReady polls a TCP dial, then a pgx connection over the socket, until
// one succeeds, postgres exits, or the timeout passes.
func (s *PostgresServer) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	var lastErr error
	tcpOK := false
	for {
		if !tcpOK {
			c, err := d.DialContext(ctx, "tcp", s.Addr)
			if err == nil {
				_ = c.Close()
				tcpOK = true
			}
			lastErr = err
		}
		if tcpOK {
			cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
			conn, err := s.connect(cctx)
			if err == nil {
				err = conn.Ping(cctx)
				_ = conn.Close(context.Background())
			}
			ccancel()
			if err == nil {
				return nil
			}
			lastErr = err
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited before serving: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not serve on %s within %s: %v", s.Addr, timeout, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// connect opens a superuser connection over the Unix socket (local trust
// in the default pg_hba.conf).
func (s *PostgresServer) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres sslmode=disable connect_timeout=5", s.SocketDir, s.Port))
	if err != nil {
		return nil, err
	}
	if s.Password != "" {
		cfg.Password = s.Password
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// stop ends postgres: SIGINT (fast shutdown), then SIGKILL after 10 s; it
// returns once the process is reaped.
func (s *PostgresServer) stop() { stopProcess(s.cmd, s.done, syscall.SIGINT, 10*time.Second) }

// Stop ends postgres now (a test of a refused connection); the cleanup then
// does nothing.
func (s *PostgresServer) Stop() { s.stopOnce.Do(s.stop) }

// Log returns what postgres wrote to stderr.
func (s *PostgresServer) Log() string { return readLog(s.LogFile) }

// DSN returns a URL for user on 127.0.0.1:Port (TCP, so pg_hba.conf host
// rules apply). With TLS it asks for sslmode=verify-full against the
// leaf's CA; otherwise sslmode=disable.
func (s *PostgresServer) DSN(user, password, db string) string {
	return pgDSN(s.Addr, user, password, db, s.TLS)
}

// pgDSN is a libpq URL for user at addr: sslmode=verify-full against
// tls's CA when it has one, else sslmode=disable.
func pgDSN(addr, user, password, db string, tls *Leaf) string {
	u := url.URL{Scheme: "postgres", Host: addr, Path: "/" + db}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	q := url.Values{}
	if tls != nil && tls.CA != nil {
		q.Set("sslmode", "verify-full")
		q.Set("sslrootcert", tls.CA.CertFile)
	} else {
		q.Set("sslmode", "disable")
	}
	q.Set("connect_timeout", "5")
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs sql (one statement, or several without args) as the postgres
// superuser over the Unix socket, failing the test on error.
func (s *PostgresServer) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.connect(ctx)
	if err != nil {
		t.Fatalf("testenv: postgres: connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("testenv: postgres: %s: %v", sql, err)
	}
}

// execSession runs statements in order on one connection.
func (s *PostgresServer) execSession(t testing.TB, stmts []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.connect(ctx)
	if err != nil {
		t.Fatalf("testenv: postgres: connect: %v", err)
	}
	defer conn.Close(context.Background())
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("testenv: postgres: %s: %v", q, err)
		}
	}
}

// QueryValue runs sql as the superuser over the Unix socket and returns
// the first column of the first row as text (fmt.Sprint of the value; ""
// for NULL or no row).
func (s *PostgresServer) QueryValue(t testing.TB, sql string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.connect(ctx)
	if err != nil {
		t.Fatalf("testenv: postgres: connect: %v", err)
	}
	defer conn.Close(context.Background())
	var v any
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return ""
		}
		t.Fatalf("testenv: postgres: %s: %v", sql, err)
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// Standby makes a streaming standby of s with pg_basebackup -R -X stream
// (as the postgres OS user, over TCP as postgres) and starts it on its own
// port. The primary needs PostgresOptions.Replication (or an equivalent
// replication rule in HBA) and wal_level replica (the default).
func (s *PostgresServer) Standby(t testing.TB, opts StandbyOptions) *PostgresServer {
	t.Helper()
	sb := newPostgres(t)
	sb.TLS, sb.Password = s.TLS, s.Password
	// pg_basebackup wants an empty or missing target directory.
	if err := os.Remove(sb.DataDir); err != nil {
		t.Fatalf("testenv: standby: %v", err)
	}
	user := opts.User
	if user == "" {
		user = "postgres"
	}
	var env []string
	if opts.Password != "" {
		env = append(env, "PGPASSWORD="+opts.Password)
	}
	if s.TLS != nil && s.TLS.CA != nil {
		ca, err := os.ReadFile(s.TLS.CA.CertFile)
		if err != nil {
			t.Fatalf("testenv: standby: %v", err)
		}
		root := filepath.Join(sb.base, "primary-ca.crt")
		if err := os.WriteFile(root, ca, 0o644); err != nil {
			t.Fatalf("testenv: standby: %v", err)
		}
		env = append(env, "PGSSLMODE=verify-full", "PGSSLROOTCERT="+root)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := sb.command(ctx, "pg_basebackup", "-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", user,
		"-D", sb.DataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync", "-w")
	cmd.Env = append(cmd.Env, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: standby: pg_basebackup: %v\n%s\nprimary log:\n%s", err, out, s.Log())
	}
	if err := sb.appendSettings(opts.Settings); err != nil {
		t.Fatalf("testenv: standby: %v", err)
	}
	sb.start(t, opts.StartTimeout)
	return sb
}

// RequirePostgresModule skips (or, with PRODCHECK_REQUIRE_SERVICES, fails)
// the test unless the server's library directory holds name.so, a module
// such as pgaudit that a Debian package (postgresql-<major>-<name>)
// installs.
func RequirePostgresModule(t testing.TB, name string) {
	t.Helper()
	bin, v, err := postgresBinDir()
	if err != nil {
		missing(t, "postgresql (initdb)", err)
		return
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(bin), "lib", name+".so")); err != nil {
		missing(t, fmt.Sprintf("%s (Debian package postgresql-%d-%s)", name, v, name), err)
	}
}
