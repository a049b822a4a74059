package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PgbouncerOptions configures one pgbouncer in front of a [PostgresServer].
// The zero value pools every database of the server ("* = host=127.0.0.1
// port=<port>") in transaction mode with scram-sha-256 authentication
// against an empty auth_file, no client TLS, and pgbouncer's defaults
// otherwise.
type PgbouncerOptions struct {
	// PoolMode is pool_mode; "" means transaction.
	PoolMode string
	// AuthType is auth_type; "" means scram-sha-256 (which works with the
	// plaintext passwords of the auth_file).
	AuthType string
	// Users are written to the auth_file: name → plaintext password.
	// pgbouncer logs in to PostgreSQL with the same name and password.
	Users map[string]string
	// AdminUsers and StatsUsers are admin_users and stats_users.
	AdminUsers, StatsUsers []string
	// DefaultPoolSize and MaxClientConn are default_pool_size and
	// max_client_conn; 0 leaves pgbouncer's default (20, 100).
	DefaultPoolSize int
	MaxClientConn   int
	// ClientTLS, when set, is the certificate pgbouncer serves to clients
	// (client_tls_key_file, client_tls_cert_file), with
	// client_tls_sslmode = ClientTLSMode, "" meaning require.
	ClientTLS     *Leaf
	ClientTLSMode string
	// HBA, when set, is written as the auth_hba_file (lines of
	// pg_hba.conf syntax) that auth_type hba reads.
	HBA []string
	// Databases are the [databases] section: name → connection string. A
	// value without "host=" is prefixed with the server's
	// "host=127.0.0.1 port=<port>", so {"app": "dbname=postgres
	// pool_size=5"} is enough. nil means {"*": ""}.
	Databases map[string]string
	// Settings are more [pgbouncer] lines, key = value (in key order),
	// written after the ones above, so they win.
	Settings map[string]string
	// StartTimeout bounds the wait for the port to accept; 0 means 15 s.
	StartTimeout time.Duration
}

// PgbouncerServer is a running pgbouncer, stopped when the test ends.
type PgbouncerServer struct {
	Host       string // 127.0.0.1
	Port       int
	Addr       string // 127.0.0.1:port
	Dir        string // holds the ini, the auth_file and the TLS files, owned by postgres
	ConfigFile string
	LogFile    string // pgbouncer's stderr
	TLS        *Leaf  // the client certificate served, when client TLS is on

	cmd      *exec.Cmd
	done     chan struct{}
	err      error // cmd.Wait's result, set before done closes
	stopOnce sync.Once
}

// pgbouncerBinary is where Debian installs pgbouncer (/usr/sbin, searched
// after $PATH).
const pgbouncerBinary = "pgbouncer"

// Pgbouncer writes a configuration for pg into t.TempDir(), starts
// pgbouncer in the foreground as the postgres OS user on a free port of
// 127.0.0.1, waits until it accepts connections and stops it in
// t.Cleanup. A missing pgbouncer or postgres user skips the test (see
// [Require]).
func Pgbouncer(t testing.TB, pg *PostgresServer, opts PgbouncerOptions) *PgbouncerServer {
	t.Helper()
	bin := Require(t, pgbouncerBinary)
	cred, err := postgresUser()
	if err != nil {
		missing(t, "the postgres OS user", err)
		return nil
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startPgbouncer(t, bin, cred, pg, opts)
		if err == nil {
			return s
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	t.Fatalf("testenv: pgbouncer: %v", lastErr)
	return nil
}

func startPgbouncer(t testing.TB, bin string, cred *syscall.Credential, pg *PostgresServer, opts PgbouncerOptions) (*PgbouncerServer, error) {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir and its parent are 0700 root: let postgres through.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			return nil, err
		}
	}
	s := &PgbouncerServer{
		Host:       "127.0.0.1",
		Port:       FreePort(t),
		Dir:        dir,
		ConfigFile: filepath.Join(dir, "pgbouncer.ini"),
		LogFile:    filepath.Join(dir, "pgbouncer.log"),
		TLS:        opts.ClientTLS,
		done:       make(chan struct{}),
	}
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	own := func(name string, data []byte) (string, error) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", err
		}
		return path, os.Chown(path, int(cred.Uid), int(cred.Gid))
	}
	if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
		return nil, err
	}
	if _, err := own("users.txt", authFile(opts.Users)); err != nil {
		return nil, err
	}
	ini, err := s.ini(pg, opts, own)
	if err != nil {
		return nil, err
	}
	if _, err := own("pgbouncer.ini", ini); err != nil {
		return nil, err
	}
	if err := s.start(t, bin, cred, opts.StartTimeout); err != nil {
		return nil, err
	}
	return s, nil
}

// authFile renders users as pgbouncer's auth_file: "name" "password"
// lines, a double quote doubled.
func authFile(users map[string]string) []byte {
	var b strings.Builder
	for _, name := range sortedKeys(users) {
		fmt.Fprintf(&b, "%s %s\n", quoteIdent(name), quoteIdent(users[name]))
	}
	return []byte(b.String())
}

func quoteIdent(v string) string { return `"` + strings.ReplaceAll(v, `"`, `""`) + `"` }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ini renders pgbouncer.ini; own writes a file owned by postgres in Dir.
func (s *PgbouncerServer) ini(pg *PostgresServer, opts PgbouncerOptions, own func(string, []byte) (string, error)) ([]byte, error) {
	var b strings.Builder
	b.WriteString("; written by internal/testenv\n[databases]\n")
	dbs := opts.Databases
	if dbs == nil {
		dbs = map[string]string{"*": ""}
	}
	for _, name := range sortedKeys(dbs) {
		conn := dbs[name]
		if !strings.Contains(conn, "host=") {
			conn = strings.TrimSpace(fmt.Sprintf("host=%s port=%d %s", pg.Host, pg.Port, conn))
		}
		fmt.Fprintf(&b, "%s = %s\n", name, conn)
	}
	set := map[string]string{
		"listen_addr":     s.Host,
		"listen_port":     strconv.Itoa(s.Port),
		"unix_socket_dir": "",
		"pidfile":         "",
		"logfile":         "",
		"auth_file":       filepath.Join(s.Dir, "users.txt"),
		"auth_type":       orDefault(opts.AuthType, "scram-sha-256"),
		"pool_mode":       orDefault(opts.PoolMode, "transaction"),
		"admin_users":     strings.Join(opts.AdminUsers, ","),
		"stats_users":     strings.Join(opts.StatsUsers, ","),
	}
	if opts.HBA != nil {
		path, err := own("pg_hba.conf", []byte(strings.Join(opts.HBA, "\n")+"\n"))
		if err != nil {
			return nil, err
		}
		set["auth_hba_file"] = path
	}
	if opts.DefaultPoolSize > 0 {
		set["default_pool_size"] = strconv.Itoa(opts.DefaultPoolSize)
	}
	if opts.MaxClientConn > 0 {
		set["max_client_conn"] = strconv.Itoa(opts.MaxClientConn)
	}
	if opts.ClientTLS != nil {
		if err := s.clientTLS(opts, set, own); err != nil {
			return nil, err
		}
	} else if opts.ClientTLSMode != "" {
		set["client_tls_sslmode"] = opts.ClientTLSMode
	}
	for k, v := range opts.Settings {
		set[k] = v
	}
	b.WriteString("\n[pgbouncer]\n")
	for _, k := range sortedKeys(set) {
		fmt.Fprintf(&b, "%s = %s\n", k, set[k])
	}
	return []byte(b.String()), nil
}

// clientTLS copies the leaf's key and chain into Dir and sets the
// client_tls_* settings.
func (s *PgbouncerServer) clientTLS(opts PgbouncerOptions, set map[string]string, own func(string, []byte) (string, error)) error {
	crt, err := os.ReadFile(opts.ClientTLS.CertFile)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(opts.ClientTLS.KeyFile)
	if err != nil {
		return err
	}
	crtPath, err := own("client.crt", crt)
	if err != nil {
		return err
	}
	keyPath, err := own("client.key", key)
	if err != nil {
		return err
	}
	set["client_tls_sslmode"] = orDefault(opts.ClientTLSMode, "require")
	set["client_tls_cert_file"] = crtPath
	set["client_tls_key_file"] = keyPath
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// start runs pgbouncer in the foreground and waits until its port
// accepts; it registers the stop.
func (s *PgbouncerServer) start(t testing.TB, bin string, cred *syscall.Credential, timeout time.Duration) error {
	t.Helper()
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	log, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(bin, s.ConfigFile)
	cmd.Dir = s.Dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + s.Dir, "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting pgbouncer: %w", err)
	}
	s.cmd = cmd
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(timeout); err != nil {
		s.stop()
		return fmt.Errorf("%w\nlog:\n%s", err, s.Log())
	}
	t.Cleanup(s.Stop)
	return nil
}

// waitReady polls a TCP dial until it succeeds, pgbouncer exits, or the
// timeout passes.
func (s *PgbouncerServer) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", s.Addr)
		if err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("pgbouncer exited before serving: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("pgbouncer did not serve on %s within %s: %v", s.Addr, timeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends pgbouncer: SIGTERM (immediate shutdown), then SIGKILL after
// 10 s; it returns once the process is reaped.
func (s *PgbouncerServer) stop() { stopProcess(s.cmd, s.done, syscall.SIGTERM, 10*time.Second) }

// Stop ends pgbouncer now; the cleanup then does nothing.
func (s *PgbouncerServer) Stop() { s.stopOnce.Do(s.stop) }

// Log returns what pgbouncer wrote to stderr.
func (s *PgbouncerServer) Log() string { return readLog(s.LogFile) }

// DSN returns a URL for user on the bouncer's database db. With client TLS
// it asks for sslmode=verify-full against the leaf's CA; otherwise
// sslmode=disable.
func (s *PgbouncerServer) DSN(user, password, db string) string {
	return pgDSN(s.Addr, user, password, db, s.TLS)
}
