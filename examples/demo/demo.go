// Package demo is the bundled demo deployment of prodcheck: an insecure
// compose stack and Dockerfile, an .env with weak values, documentation (one
// document a stub), an OpenAPI document, attestations (one expired) and a
// prodcheck.yaml with an expired waiver.
//
//	go run ./cmd/prodcheck run -c examples/demo/prodcheck.yaml --demo
//
// [Start] makes what cannot be stored in the repository: it copies the
// directory to a temporary one, makes a git history there (a commit that
// adds .env, a later one that deletes it), and starts an HTTP service on
// 127.0.0.1 with weak security headers, a reflected CORS origin, an insecure
// session cookie and an unbounded list endpoint.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/internal/guard"
)

// Deployment is a running demo: its directory and service. Close stops the
// service and removes the directory.
type Deployment struct {
	// Dir is the temporary copy of the demo directory, a git repository.
	Dir string
	// URL is the base URL of the demo service: "http://127.0.0.1:PORT".
	URL string

	srv  *http.Server
	done chan error
}

// Start copies src (a demo directory) to a temporary directory, makes its
// git history with the git binary, and starts the demo service.
func Start(ctx context.Context, src string) (d *Deployment, err error) {
	dir, err := os.MkdirTemp("", "prodcheck-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := copyTree(src, dir); err != nil {
		return nil, err
	}
	if err := history(ctx, dir); err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	d = &Deployment{
		Dir:  dir,
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: Handler(), ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
	}
	go func() { d.done <- d.srv.Serve(ln) }()
	return d, nil
}

// Close stops the service, waits for it, and removes the directory.
func (d *Deployment) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.srv.Shutdown(ctx)
	if serr := <-d.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, os.RemoveAll(d.Dir))
}

// copyTree copies the regular files of src (not its Go files, nor a .git)
// to dst, reading through the guarded reader.
func copyTree(src, dst string) error {
	r, err := guard.New(guard.Options{Root: src})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer r.Close()
	return filepath.WalkDir(r.Root(), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		rel, err := filepath.Rel(r.Root(), p)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		switch {
		case e.IsDir() && e.Name() == ".git":
			return filepath.SkipDir
		case e.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !e.Type().IsRegular() || strings.HasSuffix(e.Name(), ".go"):
			return nil
		}
		data, err := r.ReadFile(rel, filepath.ToSlash(rel))
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}

// history makes the repository: a first commit with everything, .env
// included (the mistake), and a second one that deletes .env from the
// repository while the file stays in the working tree.
func history(ctx context.Context, dir string) error {
	steps := [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "-m", "Initial import of the shop deployment"},
		{"rm", "-q", "--cached", ".env"},
		{"commit", "-q", "-m", "Remove .env from the repository"},
	}
	for i, args := range steps {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		date := time.Date(2026, 1, 5+i, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
		cmd.Env = append(os.Environ(),
			"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+dir,
			"GIT_AUTHOR_NAME=Demo", "GIT_AUTHOR_EMAIL=demo@example.com", "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME=Demo", "GIT_COMMITTER_EMAIL=demo@example.com", "GIT_COMMITTER_DATE="+date,
		)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("demo: git %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// Handler is the demo service: "/" is an HTML page and "/api/items" a JSON
// list, both with the weaknesses a first deployment often has.
func Handler() http.Handler {
	mux := http.NewServeMux()
	weak := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Server", "nginx/1.18.0")
		h.Set("X-Powered-By", "Express")
		if o := r.Header.Get("Origin"); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "demo-session-" + strconv.Itoa(len(r.URL.Path)), Path: "/"})
	}
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		weak(w, r)
		items := make([]map[string]any, 500) // the limit parameter is ignored
		for i := range items {
			items[i] = map[string]any{"id": i + 1, "name": "item " + strconv.Itoa(i+1)}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": items})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		weak(w, r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Demo shop</title><h1>Demo shop</h1>"+strings.Repeat("<p>Fresh items every day.</p>", 100))
	})
	return mux
}
