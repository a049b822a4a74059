package postgres

import (
	"context"
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
