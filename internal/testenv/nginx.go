package testenv

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// NginxOptions configures one nginx for one test. The zero value serves
// {{dir}}/html/index.html ("ok") over HTTP and over HTTPS with TLS 1.2-1.3,
// nginx's default ciphers and a fresh ECDSA certificate for localhost and
// 127.0.0.1.
//
// Server, HTTPServer, TLSServer and HTTP are text/template strings executed
// with the [NginxServer] (ports known), so a redirect can name the HTTPS
// port: `return 301 https://$host:{{.HTTPSPort}}$request_uri;`.
type NginxOptions struct {
	// Server holds directives placed in both server blocks (add_header,
	// location blocks, server_tokens, ...).
	Server string
	// HTTPServer and TLSServer hold directives for the plain-HTTP or the
	// HTTPS server block only.
	HTTPServer string
	TLSServer  string
	// HTTP holds directives for the http block, outside the servers (map,
	// limit_req_zone, ...).
	HTTP string
	// TLS is the certificate served; nil makes one from a new CA. Suites
	// with RSA authentication need an RSA leaf.
	TLS *Leaf
	// Protocols is the ssl_protocols value; "" means "TLSv1.2 TLSv1.3".
	Protocols string
	// Ciphers is the ssl_ciphers value (TLS 1.2 and below); "" leaves
	// nginx's default (HIGH:!aNULL:!MD5). When Protocols names TLSv1 or
	// TLSv1.1 and Ciphers has no @SECLEVEL, ":@SECLEVEL=0" is appended
	// (see the package documentation).
	Ciphers string
	// PreferServerCiphers sets ssl_prefer_server_ciphers on.
	PreferServerCiphers bool
	// OCSPResponse, when set, is stapled to every handshake
	// (ssl_stapling on with ssl_stapling_file): see [CA.OCSPResponse].
	OCSPResponse []byte
	// StartTimeout bounds the wait for both ports to accept; 0 means 15 s.
	StartTimeout time.Duration
}

// NginxServer is a running nginx, stopped when the test ends.
type NginxServer struct {
	HTTPPort, HTTPSPort int
	HTTPAddr, HTTPSAddr string // 127.0.0.1:port
	HTTPURL, HTTPSURL   string // http://127.0.0.1:port, https://127.0.0.1:port (no trailing slash)
	Dir                 string // the prefix: nginx.conf, html/, logs and temp paths
	ConfigFile          string
	ErrorLogFile        string
	AccessLogFile       string
	Leaf                Leaf // the certificate served; Leaf.Pool() verifies it

	cmd      *exec.Cmd
	done     chan struct{}
	err      error // cmd.Wait's result, set before done closes
	stopOnce sync.Once
}

// nginxBinary is where Debian installs nginx; $PATH is searched as well.
const nginxBinary = "nginx"

// Nginx starts nginx with the configuration opts describes, waits until its
// HTTP and HTTPS ports accept connections, and stops it in t.Cleanup. A
// missing nginx skips the test (see [Require]).
func Nginx(t testing.TB, opts NginxOptions) *NginxServer {
	t.Helper()
	bin := Require(t, nginxBinary)
	leaf := opts.TLS
	if leaf == nil {
		l := NewCA(t).Leaf(t, LeafOptions{})
		leaf = &l
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startNginx(t, bin, *leaf, opts)
		if err == nil {
			return s
		}
		lastErr = err
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	t.Fatalf("testenv: nginx: %v", lastErr)
	return nil
}

func startNginx(t testing.TB, bin string, leaf Leaf, opts NginxOptions) (*NginxServer, error) {
	t.Helper()
	dir := t.TempDir()
	s := &NginxServer{
		Dir:           dir,
		ConfigFile:    filepath.Join(dir, "nginx.conf"),
		ErrorLogFile:  filepath.Join(dir, "logs", "error.log"),
		AccessLogFile: filepath.Join(dir, "logs", "access.log"),
		Leaf:          leaf,
		done:          make(chan struct{}),
	}
	s.HTTPPort, s.HTTPSPort = FreePort(t), FreePort(t)
	for s.HTTPSPort == s.HTTPPort {
		s.HTTPSPort = FreePort(t)
	}
	s.HTTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.HTTPPort))
	s.HTTPSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.HTTPSPort))
	s.HTTPURL, s.HTTPSURL = "http://"+s.HTTPAddr, "https://"+s.HTTPSAddr

	for _, d := range []string{"logs", "html", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "index.html"), []byte("ok\n"), 0o644); err != nil {
		return nil, err
	}
	if len(opts.OCSPResponse) > 0 {
		if err := os.WriteFile(filepath.Join(dir, "ocsp.der"), opts.OCSPResponse, 0o644); err != nil {
			return nil, err
		}
	}
	conf, err := s.config(opts)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.ConfigFile, []byte(conf), 0o644); err != nil {
		return nil, err
	}

	// master_process off: one process, no workers to orphan, no user switch
	// (the tests run as root, and nginx would otherwise want a "nobody"
	// worker able to read the temporary directory).
	cmd := exec.Command(bin, "-p", dir+"/", "-e", s.ErrorLogFile, "-c", s.ConfigFile,
		"-g", "daemon off; master_process off;")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = dir
	// If the test binary dies (a go test -timeout panic), take nginx with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s.cmd = cmd
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	if err := s.waitReady(timeout); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\noutput: %s\nerror log:\n%s\nconfig:\n%s", err, strings.TrimSpace(out.String()), s.ErrorLog(), conf)
	}
	t.Cleanup(s.Stop)
	return s, nil
}

var confTmpl = template.Must(template.New("nginx.conf").Parse(`# written by internal/testenv
pid {{.Dir}}/nginx.pid;
error_log {{.ErrorLogFile}} info;
events { worker_connections 512; }
http {
    log_format testenv '$server_port "$request" $status origin="$http_origin"';
    access_log {{.AccessLogFile}} testenv;
    client_body_temp_path {{.Dir}}/tmp/body;
    proxy_temp_path {{.Dir}}/tmp/proxy;
    fastcgi_temp_path {{.Dir}}/tmp/fastcgi;
    uwsgi_temp_path {{.Dir}}/tmp/uwsgi;
    scgi_temp_path {{.Dir}}/tmp/scgi;
    default_type text/html;
    root {{.Dir}}/html;
{{.HTTP}}
    server {
        listen {{.HTTPAddr}};
        server_name localhost;
{{.Server}}
{{.HTTPServer}}
    }
    server {
        listen {{.HTTPSAddr}} ssl;
        server_name localhost;
        ssl_certificate {{.CertFile}};
        ssl_certificate_key {{.KeyFile}};
        ssl_protocols {{.Protocols}};
{{- if .Ciphers}}
        ssl_ciphers '{{.Ciphers}}';
{{- end}}
        ssl_prefer_server_ciphers {{if .Prefer}}on{{else}}off{{end}};
{{- if .Staple}}
        ssl_stapling on;
        ssl_stapling_file {{.Dir}}/ocsp.der;
{{- end}}
{{.Server}}
{{.TLSServer}}
    }
}
`))

func (s *NginxServer) config(opts NginxOptions) (string, error) {
	expand := func(name, text string) (string, error) {
		tm, err := template.New(name).Parse(text)
		if err != nil {
			return "", fmt.Errorf("NginxOptions.%s: %w", name, err)
		}
		var b strings.Builder
		if err := tm.Execute(&b, s); err != nil {
			return "", fmt.Errorf("NginxOptions.%s: %w", name, err)
		}
		return b.String(), nil
	}
	var err error
	parts := map[string]string{"Server": opts.Server, "HTTPServer": opts.HTTPServer, "TLSServer": opts.TLSServer, "HTTP": opts.HTTP}
	for name, text := range parts {
		if parts[name], err = expand(name, text); err != nil {
			return "", err
		}
	}
	protocols := opts.Protocols
	if protocols == "" {
		protocols = "TLSv1.2 TLSv1.3"
	}
	ciphers := opts.Ciphers
	if legacy(protocols) && !strings.Contains(ciphers, "@SECLEVEL") {
		if ciphers == "" {
			ciphers = "HIGH:!aNULL:!MD5"
		}
		ciphers += ":@SECLEVEL=0"
	}
	var b strings.Builder
	err = confTmpl.Execute(&b, map[string]any{
		"Dir": s.Dir, "ErrorLogFile": s.ErrorLogFile, "AccessLogFile": s.AccessLogFile,
		"HTTPAddr": s.HTTPAddr, "HTTPSAddr": s.HTTPSAddr,
		"CertFile": s.Leaf.CertFile, "KeyFile": s.Leaf.KeyFile,
		"Protocols": protocols, "Ciphers": ciphers, "Prefer": opts.PreferServerCiphers, "Staple": len(opts.OCSPResponse) > 0,
		"Server": parts["Server"], "HTTPServer": parts["HTTPServer"], "TLSServer": parts["TLSServer"], "HTTP": parts["HTTP"],
	})
	return b.String(), err
}

// legacy reports whether an ssl_protocols value names TLS 1.0 or 1.1.
func legacy(protocols string) bool {
	for _, p := range strings.Fields(protocols) {
		if p == "TLSv1" || p == "TLSv1.1" {
			return true
		}
	}
	return false
}

// waitReady polls both ports until they accept, nginx exits, or the
// timeout passes.
func (s *NginxServer) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	for _, addr := range []string{s.HTTPAddr, s.HTTPSAddr} {
		for {
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				_ = c.Close()
				break
			}
			select {
			case <-s.done:
				return fmt.Errorf("nginx exited before serving: %v", s.err)
			case <-ctx.Done():
				return fmt.Errorf("nginx did not accept on %s within %s: %v", addr, timeout, err)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// stop ends nginx: SIGQUIT (graceful), then SIGKILL after 5 s; it returns
// once the process is reaped.
func (s *NginxServer) stop() { stopProcess(s.cmd, s.done, syscall.SIGQUIT, 5*time.Second) }

// Stop ends nginx now (a test of a refused connection); the cleanup then
// does nothing.
func (s *NginxServer) Stop() { s.stopOnce.Do(s.stop) }

// ErrorLog returns nginx's error log (handshake failures are logged at
// info level), or a note why it cannot be read.
func (s *NginxServer) ErrorLog() string { return readLog(s.ErrorLogFile) }

// AccessLog returns the lines nginx logged, one per request, for counting
// the requests a check made. A line reads
// `<server port> "<request line>" <status> origin="<Origin header>"`, so
// requests can be told apart by server (HTTPPort, HTTPSPort) and Origin.
// nginx logs a request after answering it, so read the log after [Stop]
// for every request to be in it.
func (s *NginxServer) AccessLog() []string {
	text := strings.TrimSpace(readLog(s.AccessLogFile))
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ""
		}
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// Client returns an HTTP client that trusts the server's certificate,
// does not follow redirects and times out after 10 s.
func (s *NginxServer) Client() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: s.Leaf.Pool()},
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
