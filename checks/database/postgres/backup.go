package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// BackupEvidence says when the newest backup was taken. Implementations:
// [BackupDir], [PgBackRestInfo], [WALGInfo], or one of the caller's.
type BackupEvidence interface {
	Latest(ctx context.Context) (Backup, error)
}

// Backup is one backup as its evidence describes it.
type Backup struct {
	Name  string    // file name, backup label
	Where string    // directory, repository, stanza: for the finding's location
	Time  time.Time // when it completed
	Bytes int64     // its size; 0 when the evidence does not say
}

// maxEvidenceBytes caps what an evidence file may hold: a catalogue of
// backups is a few kilobytes, so more is not one.
const maxEvidenceBytes = 1 << 20

// measuredEvidence is evidence whose Bytes is always measured, so that
// 0 means an empty backup rather than an unknown size.
type measuredEvidence interface {
	sizeMeasured() bool
}

// BackupDir is evidence from a directory of dump files: the newest
// regular file whose name matches pattern (a [filepath.Match] glob such
// as "*.dump"; "" matches every file), by modification time, with its
// size. Subdirectories, symbolic links and other non-regular files are
// ignored. The directory is read on each Latest.
func BackupDir(dir, pattern string) BackupEvidence {
	return backupDir{dir: dir, pattern: pattern}
}

type backupDir struct{ dir, pattern string }

func (backupDir) sizeMeasured() bool { return true }

func (d backupDir) Latest(ctx context.Context) (Backup, error) {
	if err := ctx.Err(); err != nil {
		return Backup{}, err
	}
	pattern := d.pattern
	if pattern == "" {
		pattern = "*"
	}
	if _, err := filepath.Match(pattern, ""); err != nil {
		return Backup{}, fmt.Errorf("postgres: backup dir %s: pattern %q: %w", d.dir, pattern, err)
	}
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return Backup{}, fmt.Errorf("postgres: backup dir: %w", err)
	}
	var newest Backup
	found := false
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if ok, _ := filepath.Match(pattern, e.Name()); !ok {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed since the listing
		}
		if !found || info.ModTime().After(newest.Time) {
			newest, found = Backup{Name: e.Name(), Where: d.dir, Time: info.ModTime(), Bytes: info.Size()}, true
		}
	}
	if !found {
		return Backup{}, fmt.Errorf("postgres: no backup in dir %s matching %q", d.dir, pattern)
	}
	return newest, nil
}

// readEvidence reads path, a regular file of at most maxEvidenceBytes,
// without blocking on a FIFO or a device.
func readEvidence(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEvidenceBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxEvidenceBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxEvidenceBytes)
	}
	return data, nil
}

// decodeEvidence unmarshals data into v; a broken document is an error
// naming the file and the offset, never quoting its content.
func decodeEvidence(path string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("%s: invalid JSON at byte %d: %w", path, syn.Offset, err)
		case errors.As(err, &typ):
			return fmt.Errorf("%s: unexpected JSON %s at byte %d for %s", path, typ.Value, typ.Offset, typ.Field)
		}
		return fmt.Errorf("%s: invalid JSON: %w", path, err)
	}
	return nil
}

// PgBackRestInfo is evidence from a file holding the output of
// `pgbackrest info --output=json`: an array of stanzas, each with its
// backups. The newest backup (by stop time) of any stanza wins; a stanza
// whose status is not ok is named in the backup's Name. Backups marked
// with an error (page checksum failures) still count: they completed. The
// file is read on each Latest, at most 1 MiB.
func PgBackRestInfo(path string) BackupEvidence { return pgBackRestInfo{path: path} }

type pgBackRestInfo struct{ path string }

type pgBackRestStanza struct {
	Name   string `json:"name"`
	Status struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
	Backup []struct {
		Label     string `json:"label"`
		Type      string `json:"type"`
		Timestamp struct {
			Start int64 `json:"start"`
			Stop  int64 `json:"stop"`
		} `json:"timestamp"`
		Info struct {
			Size       int64 `json:"size"`
			Repository struct {
				Size int64 `json:"size"`
			} `json:"repository"`
		} `json:"info"`
	} `json:"backup"`
}

func (p pgBackRestInfo) Latest(ctx context.Context) (Backup, error) {
	data, err := readEvidence(ctx, p.path)
	if err != nil {
		return Backup{}, fmt.Errorf("postgres: pgbackrest info: %w", err)
	}
	var stanzas []pgBackRestStanza
	if err := decodeEvidence(p.path, data, &stanzas); err != nil {
		return Backup{}, fmt.Errorf("postgres: pgbackrest info: %w", err)
	}
	var newest Backup
	found := false
	var unhealthy []string
	for _, st := range stanzas {
		if st.Status.Code != 0 {
			unhealthy = append(unhealthy, fmt.Sprintf("stanza %s status %d (%s)", st.Name, st.Status.Code, st.Status.Message))
		}
		for _, b := range st.Backup {
			if b.Timestamp.Stop <= 0 {
				continue
			}
			t := time.Unix(b.Timestamp.Stop, 0).UTC()
			if found && !t.After(newest.Time) {
				continue
			}
			found = true
			size := b.Info.Repository.Size
			if size == 0 {
				size = b.Info.Size
			}
			newest = Backup{
				Name:  "stanza " + st.Name + " " + b.Type + " backup " + b.Label,
				Where: p.path,
				Time:  t,
				Bytes: size,
			}
		}
	}
	if !found {
		msg := fmt.Sprintf("postgres: pgbackrest info %s: no completed backup in %d stanzas", p.path, len(stanzas))
		for _, u := range unhealthy {
			msg += "; " + u
		}
		return Backup{}, errors.New(msg)
	}
	for _, u := range unhealthy {
		newest.Name += "; " + u
	}
	return newest, nil
}

// WALGInfo is evidence from a file holding the output of
// `wal-g backup-list --json --detail`: an array of backups with RFC 3339
// times. A backup's completion is its finish_time, else its time (when
// the backup's sentinel was written). The file is read on each Latest,
// at most 1 MiB.
func WALGInfo(path string) BackupEvidence { return walgInfo{path: path} }

type walgInfo struct{ path string }

type walgBackup struct {
	Name             string          `json:"backup_name"`
	Time             string          `json:"time"`
	FinishTime       string          `json:"finish_time"`
	CompressedSize   json.RawMessage `json:"compressed_size"`
	UncompressedSize json.RawMessage `json:"uncompressed_size"`
}

func (w walgInfo) Latest(ctx context.Context) (Backup, error) {
	data, err := readEvidence(ctx, w.path)
	if err != nil {
		return Backup{}, fmt.Errorf("postgres: wal-g backup-list: %w", err)
	}
	var list []walgBackup
	if err := decodeEvidence(w.path, data, &list); err != nil {
		return Backup{}, fmt.Errorf("postgres: wal-g backup-list: %w", err)
	}
	var newest Backup
	found := false
	for i, b := range list {
		when := b.FinishTime
		if when == "" {
			when = b.Time
		}
		t, err := time.Parse(time.RFC3339Nano, when)
		if err != nil {
			return Backup{}, fmt.Errorf("postgres: wal-g backup-list: %s: backup %d: time is not RFC 3339", w.path, i)
		}
		if found && !t.After(newest.Time) {
			continue
		}
		found = true
		newest = Backup{Name: b.Name, Where: w.path, Time: t, Bytes: jsonSize(b.CompressedSize)}
		if newest.Bytes == 0 {
			newest.Bytes = jsonSize(b.UncompressedSize)
		}
	}
	if !found {
		return Backup{}, fmt.Errorf("postgres: wal-g backup-list %s: no backup listed", w.path)
	}
	return newest, nil
}

// jsonSize reads a byte count written as a JSON number; anything else
// (absent, null, a string) is 0: unknown.
func jsonSize(raw json.RawMessage) int64 {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
