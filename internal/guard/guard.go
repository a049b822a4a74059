// Package guard is the one way prodcheck reads a file that an input names:
// a compose file's include, a Dockerfile path, an env_file, a .dockerignore.
// Such inputs may come from a pull request, and the report may be posted
// back as a comment, so a Reader:
//
//   - confines every path to a root directory, on an [os.Root], so that
//     neither ".." nor a symlink can leave it;
//   - refuses FIFOs, sockets, devices and directories without blocking:
//     it opens with O_NONBLOCK and checks the opened file before reading;
//   - refuses files over a size limit, at every depth, reading through a
//     limit so that a file growing under it cannot exceed it either;
//   - returns errors that name the file and the rule it broke, never its
//     content.
//
// Only paths that input files name are confined: the files a caller names
// itself are the caller's choice, and callers read them with their own
// Reader rooted where they decide.
package guard

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"
)

// DefaultMaxFileSize is the size limit of a Reader whose Options leave it 0.
const DefaultMaxFileSize = 8 << 20

// The rules a read can break, matched with errors.Is.
var (
	ErrOutside    = errors.New("outside the project root")
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("larger than the size limit")
)

// Error is a refused or failed read: which file, which rule, and a detail
// that never includes the file's content.
type Error struct {
	// File is the file as the caller displays it.
	File string
	// Rule is ErrOutside, ErrNotRegular, ErrTooLarge, or the underlying
	// error of the read (a missing file, a permission error).
	Rule error
	// Detail says more: the root, the kind of file, the limit.
	Detail string
}

func (e *Error) Error() string {
	s := "guard: " + e.File + ": " + e.Rule.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the rule.
func (e *Error) Unwrap() error { return e.Rule }

// Options configures a Reader.
type Options struct {
	// Root is the directory reads are confined to. Required.
	Root string
	// MaxFileSize is the largest file read, in bytes; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
}

// A Reader reads files confined to a root directory. It is safe for
// concurrent use. Close releases the root.
type Reader struct {
	root  *os.Root
	dir   string
	limit int64
}

// New opens opts.Root for confined reads.
func New(opts Options) (*Reader, error) {
	if opts.Root == "" {
		return nil, errors.New("guard: no root directory")
	}
	dir, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("guard: root: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("guard: root: %w", err)
	}
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	return &Reader{root: root, dir: dir, limit: limit}, nil
}

// Close releases the root directory.
func (r *Reader) Close() error { return r.root.Close() }

// Root returns the absolute root directory.
func (r *Reader) Root() string { return r.dir }

// Limit returns the size limit in bytes.
func (r *Reader) Limit() int64 { return r.limit }

// Rel returns name (absolute, or relative to the root) relative to the
// root, with the OS's separators, or an *Error with ErrOutside when it
// lies outside. It does not look at the file system, so a symlink is
// judged when the file is opened.
func (r *Reader) Rel(name, display string) (string, error) {
	p := name
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(r.dir, p)
		if err != nil {
			return "", r.outside(display, name)
		}
		p = rel
	}
	p = filepath.Clean(p)
	if p == ".." || strings.HasPrefix(p, ".."+string(filepath.Separator)) || filepath.IsAbs(p) {
		return "", r.outside(display, name)
	}
	return p, nil
}

func (r *Reader) outside(display, name string) error {
	return &Error{File: display, Rule: ErrOutside, Detail: fmt.Sprintf("%s is not below %s", quote(name), r.dir)}
}

// quote shows a path named by an input, capped and with control
// characters escaped.
func quote(s string) string {
	if len(s) > 200 {
		i := 200
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// Stat returns the file's information, following symlinks within the
// root, with the same confinement as ReadFile.
func (r *Reader) Stat(name, display string) (fs.FileInfo, error) {
	rel, err := r.Rel(name, display)
	if err != nil {
		return nil, err
	}
	fi, err := r.root.Stat(rel)
	if err != nil {
		return nil, r.wrap(display, name, err)
	}
	return fi, nil
}

// ReadFile reads the file name (absolute, or relative to the root) and
// returns its content. display is how errors name it.
func (r *Reader) ReadFile(name, display string) ([]byte, error) {
	rel, err := r.Rel(name, display)
	if err != nil {
		return nil, err
	}
	// O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
	f, err := r.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, r.wrap(display, name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{File: display, Rule: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{File: display, Rule: ErrNotRegular, Detail: kind(fi.Mode())}
	}
	if fi.Size() > r.limit {
		return nil, r.tooLarge(display)
	}
	data, err := io.ReadAll(io.LimitReader(f, r.limit+1))
	if err != nil {
		return nil, &Error{File: display, Rule: err}
	}
	if int64(len(data)) > r.limit {
		return nil, r.tooLarge(display)
	}
	return data, nil
}

func (r *Reader) tooLarge(display string) error {
	return &Error{File: display, Rule: ErrTooLarge, Detail: fmt.Sprintf("limit %d bytes", r.limit)}
}

// wrap turns an os.Root error into an *Error: an escape (through ".." or
// a symlink) is ErrOutside; anything else keeps its cause, with the path
// error's own text (which names the path, not the content).
func (r *Reader) wrap(display, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes") {
		return r.outside(display, name)
	}
	if errors.As(err, &pe) {
		return &Error{File: display, Rule: pe.Err}
	}
	return &Error{File: display, Rule: err}
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// DefaultRoot returns the top of the git work tree that holds dir (the
// nearest ancestor with a .git entry), or dir itself when there is none,
// as an absolute path. Common layouts then keep working: `context: ..`,
// `include: ../shared/x.yml`, `env_file: ../.env`.
func DefaultRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("guard: %w", err)
	}
	for d := abs; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return abs, nil
		}
		d = parent
	}
}
