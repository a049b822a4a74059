package postgres

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

// backupResult runs postgres.backup.recent with evidence e at now. The
// check reads no server, so the DSN points nowhere.
func backupResult(t *testing.T, e BackupEvidence, now time.Time) check.Result {
	t.Helper()
	s := Open("postgres://127.0.0.1:1/app?sslmode=disable&connect_timeout=1", Options{Backup: e, Now: func() time.Time { return now }})
	for _, c := range OperationsChecks(s) {
		if c.Meta().ID == "postgres.backup.recent" {
			return c.Run(t.Context())
		}
	}
	t.Fatal("no postgres.backup.recent check")
	return check.Result{}
}

func TestBackupDir(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	write := func(t *testing.T, dir, name string, size int, mtime time.Time) {
		t.Helper()
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, make([]byte, size), 0o600))
		require.NoError(t, os.Chtimes(path, mtime, mtime))
	}
	for _, tc := range []struct {
		name     string
		setup    func(t *testing.T, dir string)
		pattern  string
		status   check.Status
		newest   string
		contains string
	}{
		{"fresh", func(t *testing.T, dir string) {
			write(t, dir, "app-0309.dump", 100, now.Add(-27*time.Hour))
			write(t, dir, "app-0310.dump", 4096, now.Add(-2*time.Hour))
			write(t, dir, "notes.txt", 10, now.Add(-time.Minute)) // newer, but does not match
		}, "*.dump", check.StatusPass, "app-0310.dump", "4.0 KiB"},
		{"old", func(t *testing.T, dir string) {
			write(t, dir, "app-0301.dump", 100, now.Add(-9*24*time.Hour))
		}, "*.dump", check.StatusFail, "app-0301.dump", "too old"},
		{"empty file", func(t *testing.T, dir string) {
			write(t, dir, "app-0310.dump", 0, now.Add(-time.Hour))
		}, "*.dump", check.StatusFail, "app-0310.dump", "empty backup"},
		{"no match", func(t *testing.T, dir string) {
			write(t, dir, "notes.txt", 10, now)
		}, "*.dump", check.StatusError, "", "no backup in dir"},
		{"directories and fifos ignored", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "z.dump"), 0o700))
			require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "y.dump"), 0o600))
			write(t, dir, "a.dump", 10, now.Add(-time.Hour))
		}, "*.dump", check.StatusPass, "a.dump", "a.dump"},
		{"bad pattern", func(t *testing.T, dir string) {}, "[", check.StatusError, "", "pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			if tc.newest != "" {
				b, err := BackupDir(dir, tc.pattern).Latest(t.Context())
				require.NoError(t, err)
				assert.Equal(t, tc.newest, b.Name)
				assert.Equal(t, dir, b.Where)
			}
			r := backupResult(t, BackupDir(dir, tc.pattern), now)
			assert.Equal(t, tc.status, r.Status, "%s", opsRender(r))
			assert.Contains(t, opsRender(r), tc.contains)
			for _, f := range r.Findings {
				assert.Equal(t, dir, f.Location.File)
				assert.Equal(t, tc.newest, f.Location.Resource)
			}
		})
	}
	t.Run("missing dir", func(t *testing.T) {
		r := backupResult(t, BackupDir(filepath.Join(t.TempDir(), "gone"), "*"), now)
		assert.Equal(t, check.StatusError, r.Status)
	})
}

func TestBackupCatalogues(t *testing.T) {
	// pgbackrest.json: stanza main, newest backup the diff that stopped
	// at 1767315630 (2026-01-02T01:00:30Z); stanza reports has none.
	pgbStop := time.Unix(1767315630, 0).UTC()
	walgFinish := time.Date(2026, 1, 2, 1, 0, 40, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		e        BackupEvidence
		now      time.Time
		status   check.Status
		contains []string
	}{
		{"pgbackrest fresh", PgBackRestInfo("testdata/backup/pgbackrest.json"), pgbStop.Add(3 * time.Hour), check.StatusPass,
			[]string{"stanza main diff backup 20260101-010000F_20260102-010000D", "stanza reports status 2 (no valid backups)", "2.9 MiB"}},
		{"pgbackrest old", PgBackRestInfo("testdata/backup/pgbackrest.json"), pgbStop.Add(30 * time.Hour), check.StatusFail,
			[]string{"too old", "30h0m"}},
		{"pgbackrest no backup", PgBackRestInfo("testdata/backup/pgbackrest-empty.json"), pgbStop, check.StatusError,
			[]string{"no completed backup", "missing stanza path"}},
		{"walg fresh", WALGInfo("testdata/backup/walg.json"), walgFinish.Add(time.Hour), check.StatusPass,
			[]string{"base_00000001000000000000000C", "3.1 MiB"}},
		{"walg old", WALGInfo("testdata/backup/walg.json"), walgFinish.Add(27 * time.Hour), check.StatusFail,
			[]string{"too old"}},
		{"walg empty list", WALGInfo("testdata/backup/walg-empty.json"), walgFinish, check.StatusError, []string{"no backup listed"}},
		{"broken json", WALGInfo("testdata/backup/broken.json"), walgFinish, check.StatusError,
			[]string{"testdata/backup/broken.json", "invalid JSON"}},
		{"broken json pgbackrest", PgBackRestInfo("testdata/backup/broken.json"), walgFinish, check.StatusError,
			[]string{"testdata/backup/broken.json"}},
		{"wrong shape", PgBackRestInfo("testdata/backup/walg-empty.json"), walgFinish, check.StatusError, []string{"no completed backup in 0 stanzas"}},
		{"missing file", PgBackRestInfo("testdata/backup/none.json"), walgFinish, check.StatusError, []string{"none.json"}},
		{"not configured", nil, walgFinish, check.StatusWarn, []string{"no backup evidence configured", "WAL archiving alone is not a backup"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := backupResult(t, tc.e, tc.now)
			assert.Equal(t, tc.status, r.Status, "%s", opsRender(r))
			for _, s := range tc.contains {
				assert.Contains(t, opsRender(r), s)
			}
		})
	}
	t.Run("newest wins", func(t *testing.T) {
		b, err := PgBackRestInfo("testdata/backup/pgbackrest.json").Latest(t.Context())
		require.NoError(t, err)
		assert.Equal(t, pgbStop, b.Time)
		assert.Equal(t, int64(3000000), b.Bytes)
		assert.Equal(t, "testdata/backup/pgbackrest.json", b.Where)
		b, err = WALGInfo("testdata/backup/walg.json").Latest(t.Context())
		require.NoError(t, err)
		assert.Equal(t, walgFinish, b.Time)
		assert.Equal(t, int64(3200000), b.Bytes)
	})
	t.Run("size cap and non-regular files", func(t *testing.T) {
		dir := t.TempDir()
		big := filepath.Join(dir, "big.json")
		require.NoError(t, os.WriteFile(big, []byte("["+strings.Repeat(" ", maxEvidenceBytes)+"]"), 0o600))
		_, err := WALGInfo(big).Latest(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "larger than")
		fifo := filepath.Join(dir, "fifo.json")
		require.NoError(t, syscall.Mkfifo(fifo, 0o600))
		_, err = PgBackRestInfo(fifo).Latest(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not a regular file")
	})
}

// opsRender is every text a result carries, as a report would show it.
func opsRender(r check.Result) string {
	var b strings.Builder
	b.WriteString(r.Status.String() + ": " + r.Message + "\n")
	for _, f := range r.Findings {
		b.WriteString(f.String() + "\n")
	}
	if r.Err != nil {
		b.WriteString(r.Err.Error() + "\n")
	}
	return b.String()
}
