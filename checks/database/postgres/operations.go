package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prodcheck/prodcheck/check"
)

// The checklist lines the operations checks serve.
const (
	itemWAL         = "Enable WAL (Write-Ahead Logging)"
	itemReplication = "Configure streaming replication"
	itemVacuum      = "Regular VACUUM and ANALYZE"
	itemBackups     = "Regular database backups"
	itemIndexes     = "Add necessary indexes"
	itemSlowQueries = "Optimize slow queries"
	itemPooling     = "Implement connection pooling"
	itemPlans       = "Monitor and optimize query plans"
)

// Fixed judgement bounds that have no option.
const (
	// wraparoundFail is check_postgres txn_wraparound's critical age.
	wraparoundFail = 1_400_000_000
	// freezeWarnShare of autovacuum_freeze_max_age is check_postgres
	// autovac_freeze's warning.
	freezeWarnShare = 0.9
	// minStaleRows: postgres.vacuum.stale does not judge smaller tables,
	// which autovacuum's base thresholds (50 rows) may leave alone for
	// long and which cost nothing to scan.
	minStaleRows = 1000
	// minSeqRowsPerScan: postgres.queries.seq-scan judges tables whose
	// sequential scans read at least this many rows on average.
	minSeqRowsPerScan = 10_000
	// provisionalStats: unused-index verdicts on statistics younger than
	// this are provisional (a weekly job may not have run yet).
	provisionalStats = 7 * 24 * time.Hour
	// maxShownQuery is how much of a redacted statement text a message
	// shows.
	maxShownQuery = 120
)

// OperationsChecks returns the WAL, replication, backup, VACUUM, index,
// slow-query and connection checks.
func OperationsChecks(s *Server) []check.Check {
	return []check.Check{
		s.newCheck(metaWALLevel, judgeWALLevel),
		s.newCheck(metaArchiving, judgeArchiving),
		s.newCheck(metaArchiver, s.judgeArchiver),
		s.newCheck(metaPrimary, s.judgePrimary),
		s.newCheck(metaSlots, s.judgeSlots),
		s.newCheck(metaStandby, s.judgeStandby),
		s.backupCheck(),
		s.newCheck(metaAutovacuum, judgeAutovacuum),
		s.newCheck(metaDeadTuples, s.judgeDeadTuples),
		s.newCheck(metaStale, s.judgeStale),
		s.newCheck(metaWraparound, judgeWraparound),
		s.newCheck(metaInvalidIndex, judgeInvalidIndexes),
		s.newCheck(metaUnusedIndex, s.judgeUnusedIndexes),
		s.newCheck(metaDuplicateIndex, judgeDuplicateIndexes),
		s.newCheck(metaForeignKeys, s.judgeForeignKeys),
		s.newCheck(metaSeqScan, s.judgeSeqScans),
		s.newCheck(metaStatementStats, judgeStatementStats),
		s.newCheck(metaSlowQueries, s.judgeSlowQueries),
		s.newCheck(metaPlans, judgePlans),
		s.newCheck(metaConnectionUse, s.judgeConnectionUse),
		s.newCheck(metaIdleInTx, s.judgeIdleInTx),
	}
}

// ---- WAL and archiving

var metaWALLevel = check.Meta{
	ID: "postgres.wal.level", Title: "Wal_level keeps enough WAL for point-in-time recovery and replication",
	Section: sectionPostgres, Item: itemWAL, Severity: check.SeverityHigh, Tags: []string{"wal"},
	Remediation: "Set wal_level = replica (or logical) in postgresql.conf and restart the server.",
	Refs:        []string{"postgresqltuner wal_level", "https://www.postgresql.org/docs/current/runtime-config-wal.html"},
}

func judgeWALLevel(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("wal_level")
	if err != nil {
		return check.Error(err)
	}
	if v.Value == "minimal" {
		return check.Fail("wal_level is minimal: no point-in-time recovery or streaming replication", check.Finding{
			Message:  "wal_level minimal: no point-in-time recovery or streaming replication",
			Location: settingLocation(v), Expected: "replica or logical", Actual: v.Value,
		})
	}
	return check.Pass("wal_level " + v.Value)
}

var metaArchiving = check.Meta{
	ID: "postgres.wal.archiving", Title: "WAL archiving is configured",
	Section: sectionPostgres, Item: itemWAL, Severity: check.SeverityHigh, Tags: []string{"wal", "backup"},
	Remediation: "Set archive_mode = on and an archive_command (or, from PostgreSQL 15, archive_library) that copies each segment to durable storage, e.g. pgbackrest archive-push %p; archive_mode needs a restart.",
	Refs:        []string{"CIS PostgreSQL 12 7.4", "https://www.postgresql.org/docs/current/continuous-archiving.html"},
}

func judgeArchiving(_ context.Context, snap *Snapshot) check.Result {
	mode, err := snap.Setting("archive_mode")
	if err != nil {
		return check.Error(err)
	}
	if mode.Value == "off" {
		return check.Fail("archive_mode is off: WAL is not archived", check.Finding{
			Message: "WAL archiving is off", Location: settingLocation(mode), Expected: "on or always", Actual: mode.Value,
		})
	}
	cmd, err := snap.Setting("archive_command")
	if err != nil {
		return check.Error(err)
	}
	if commandSet(cmd.Value) {
		return check.Pass("archive_mode " + mode.Value + " with an archive_command")
	}
	lib, err := snap.Setting("archive_library")
	switch {
	case err == nil && lib.Value != "":
		return check.Pass("archive_mode " + mode.Value + " with archive_library " + lib.Value)
	case err != nil && !errors.Is(err, ErrNoSetting):
		return check.Error(err)
	}
	return check.Fail("archive_mode is "+mode.Value+" but nothing archives: archive_command and archive_library are empty", check.Finding{
		Message: "archive_command is empty: segments pile up in pg_wal and are never archived", Location: settingLocation(cmd),
		Expected: "an archive_command or archive_library", Actual: "empty",
	})
}

// commandSet reports whether an archive_command value runs something.
func commandSet(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "(disabled)"
}

var metaArchiver = check.Meta{
	ID: "postgres.wal.archiver", Title: "WAL archiving works: recent segments archived, no failure since",
	Section: sectionPostgres, Item: itemWAL, Severity: check.SeverityHigh, Tags: []string{"wal", "backup"},
	Remediation: "Read the server log for the archive_command's error and fix it (permissions, space, credentials); on a quiet server set archive_timeout so a segment is archived at least that often.",
	Refs:        []string{"check_postgres archive_ready", "CIS PostgreSQL 12 7.4", "https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ARCHIVER-VIEW"},
}

func (s *Server) judgeArchiver(_ context.Context, snap *Snapshot) check.Result {
	mode, err := snap.Setting("archive_mode")
	if err != nil {
		return check.Error(err)
	}
	switch {
	case mode.Value == "off":
		return check.Skip("archive_mode is off: postgres.wal.archiving reports it")
	case snap.InRecovery && mode.Value != "always":
		return check.Skip("a standby with archive_mode " + mode.Value + ": only the primary archives")
	case snap.ArchiverErr != nil:
		return check.Error(snap.ArchiverErr)
	}
	a := snap.Archiver
	loc := check.Location{Resource: "pg_stat_archiver"}
	if a.LastArchivedAge == nil {
		actual := "none archived"
		if a.LastFailedAge != nil {
			actual = fmt.Sprintf("none archived, %d failed attempts, the last %s ago", a.Failed, roundAge(*a.LastFailedAge))
		}
		return check.Fail("archiving is on but pg_stat_archiver records no archived segment", check.Finding{
			Message: "no WAL segment archived since statistics were reset", Location: loc,
			Expected: "a segment archived within " + s.opts.maxArchiveAge().String(), Actual: actual,
		})
	}
	var fs []check.Finding
	if a.LastFailedAge != nil && *a.LastFailedAge < *a.LastArchivedAge {
		fs = append(fs, check.Finding{
			Message: "the last archive attempt failed after the last success", Location: loc,
			Expected: "no failure since the last archived segment",
			Actual:   fmt.Sprintf("failed %s ago, last success %s ago (%s)", roundAge(*a.LastFailedAge), roundAge(*a.LastArchivedAge), a.LastWAL),
		})
	}
	if *a.LastArchivedAge > s.opts.maxArchiveAge() {
		fs = append(fs, check.Finding{
			Message: "no WAL segment archived recently (a failing archive_command, or a quiet server without archive_timeout)", Location: loc,
			Expected: "within " + s.opts.maxArchiveAge().String(), Actual: "last archived " + roundAge(*a.LastArchivedAge) + " ago",
		})
	}
	return check.Judge(fs,
		fmt.Sprintf("%d segments archived, the last %s ago", a.Archived, roundAge(*a.LastArchivedAge)),
		"WAL archiving is not working")
}

// ---- replication

var metaPrimary = check.Meta{
	ID: "postgres.replication.primary", Title: "The primary streams to enough standbys, each replaying within the lag bound",
	Section: sectionPostgres, Item: itemReplication, Severity: check.SeverityHigh, Tags: []string{"replication"},
	Remediation: "Build a standby with pg_basebackup -R (max_wal_senders > 0, a replication rule in pg_hba.conf) and keep it streaming; investigate a standby's network, I/O or long queries when its replay lags.",
	Refs:        []string{"CIS PostgreSQL 12 7.5", "https://www.postgresql.org/docs/current/warm-standby.html#STREAMING-REPLICATION"},
}

func (s *Server) judgePrimary(_ context.Context, snap *Snapshot) check.Result {
	if snap.InRecovery {
		return check.Skip("a standby: see postgres.replication.standby")
	}
	if snap.ReplicasErr != nil {
		return check.Error(snap.ReplicasErr)
	}
	want := s.opts.minStandbys()
	if want == 0 && len(snap.Replicas) == 0 {
		return check.Pass("no standby required, none connected")
	}
	var fs []check.Finding
	var unsure []check.Finding
	var streaming, other []string
	for _, r := range snap.Replicas {
		name := replicaName(r)
		if r.State != "streaming" {
			other = append(other, name+" "+r.State)
			continue
		}
		streaming = append(streaming, name)
		loc := check.Location{Resource: "standby " + name}
		switch {
		case r.ReplayLag != nil && *r.ReplayLag > s.opts.maxLag():
			fs = append(fs, check.Finding{Message: "standby replay lags", Location: loc,
				Expected: "replay lag under " + s.opts.maxLag().String(), Actual: "replay lag " + roundAge(*r.ReplayLag)})
		case r.ReplayLag == nil && (r.ReplayBytes == nil || *r.ReplayBytes > 0):
			actual := "replay lag unknown"
			if r.ReplayBytes != nil {
				actual += fmt.Sprintf(", %s not replayed", bytesText(*r.ReplayBytes))
			}
			unsure = append(unsure, check.Finding{Message: "cannot tell how far the standby lags", Location: loc,
				Expected: "replay lag under " + s.opts.maxLag().String(), Actual: actual})
		}
	}
	if len(streaming) < want {
		actual := fmt.Sprintf("%d streaming", len(streaming))
		if len(other) > 0 {
			actual += "; not streaming: " + strings.Join(other, ", ")
		}
		fs = append(fs, check.Finding{Message: "too few streaming standbys", Location: check.Location{Resource: "pg_stat_replication"},
			Expected: fmt.Sprintf("at least %d streaming", want), Actual: actual})
	}
	msg := fmt.Sprintf("%d streaming standbys, %d required", len(streaming), want)
	if len(streaming) > 0 {
		msg = fmt.Sprintf("%d streaming standbys (%s), %d required", len(streaming), strings.Join(streaming, ", "), want)
	}
	switch {
	case len(fs) > 0:
		return check.Fail(msg, append(fs, unsure...)...)
	case len(unsure) > 0:
		return check.Warn(msg+"; the lag of some cannot be told", unsure...)
	}
	return check.Pass(msg)
}

func replicaName(r Replica) string {
	name := r.Name
	if name == "" {
		name = "(no application_name)"
	}
	if r.ClientAddr != "" {
		name += "@" + r.ClientAddr
	}
	return name
}

var metaSlots = check.Meta{
	ID: "postgres.replication.slots", Title: "No inactive replication slot holds back too much WAL",
	Section: sectionPostgres, Item: itemReplication, Severity: check.SeverityMedium, Tags: []string{"replication", "wal"},
	Remediation: "Reconnect the consumer of the slot, or drop it with pg_drop_replication_slot('name') when it is abandoned; set max_slot_wal_keep_size to bound what a slot may retain.",
	Refs:        []string{"check_postgres replication_slots", "https://www.postgresql.org/docs/current/view-pg-replication-slots.html"},
}

func (s *Server) judgeSlots(_ context.Context, snap *Snapshot) check.Result {
	if snap.SlotsErr != nil {
		return check.Error(snap.SlotsErr)
	}
	var fs []check.Finding
	for _, sl := range snap.Slots {
		if sl.Active || sl.Retained == nil || *sl.Retained <= s.opts.maxSlotRetained() {
			continue
		}
		fs = append(fs, check.Finding{
			Message:  "inactive " + sl.Type + " slot retains WAL that cannot be recycled",
			Location: check.Location{Resource: "replication slot " + sl.Name},
			Expected: "at most " + bytesText(s.opts.maxSlotRetained()) + " retained", Actual: bytesText(*sl.Retained) + " retained, inactive",
		})
	}
	return check.Judge(fs, fmt.Sprintf("%d replication slots, none inactive over %s", len(snap.Slots), bytesText(s.opts.maxSlotRetained())),
		fmt.Sprintf("%d inactive replication slots retain over %s of WAL", len(fs), bytesText(s.opts.maxSlotRetained())))
}

var metaStandby = check.Meta{
	ID: "postgres.replication.standby", Title: "A standby receives WAL by streaming and replays it within the lag bound",
	Section: sectionPostgres, Item: itemReplication, Severity: check.SeverityHigh, Tags: []string{"replication"},
	Remediation: "Check primary_conninfo, the primary's pg_hba.conf replication rule and the network; a standby that replays late is short of I/O or held by long queries (max_standby_streaming_delay).",
	Refs:        []string{"check_postgres hot_standby_delay", "https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-WAL-RECEIVER-VIEW"},
}

// nearlyReplayed is the WAL a standby may have received and not yet
// replayed and still be taken as keeping up: the records a quiet primary
// writes between two snapshots (checkpoints, running transactions).
const nearlyReplayed = 1 << 20

func (s *Server) judgeStandby(_ context.Context, snap *Snapshot) check.Result {
	if !snap.InRecovery {
		return check.Skip("not a standby")
	}
	if snap.ReceiverErr != nil {
		return check.Error(snap.ReceiverErr)
	}
	loc := check.Location{Resource: "pg_stat_wal_receiver"}
	if snap.Receiver == nil || snap.Receiver.Status != "streaming" {
		actual := "no WAL receiver"
		if snap.Receiver != nil {
			actual = "receiver " + snap.Receiver.Status
		}
		return check.Fail("the standby is not streaming from a primary", check.Finding{
			Message: "no streaming WAL receiver", Location: loc, Expected: "status streaming", Actual: actual,
		})
	}
	if snap.ReplayErr != nil {
		return check.Error(snap.ReplayErr)
	}
	from := "streaming from " + snap.Receiver.SenderHost
	r := snap.Replay
	switch {
	case r.Paused:
		return check.Fail(from+"; replay is paused", check.Finding{
			Message: "WAL replay is paused: the standby falls behind for as long as it stays paused", Location: loc,
			Expected: "replay running (SELECT pg_wal_replay_resume())", Actual: "paused",
		})
	case r.CaughtUp:
		return check.Pass(from + ", everything received is replayed")
	case r.Delay != nil && *r.Delay > s.opts.maxLag() && r.Behind != nil && *r.Behind <= nearlyReplayed:
		// The last transaction is old but almost nothing waits: an idle
		// primary (its standby has nothing to replay), or a replay blocked
		// just now. The time since the last transaction cannot tell.
		return check.Warn(from+"; cannot tell the replay delay", check.Finding{
			Message:  fmt.Sprintf("replay is within %s of what was received, but the last transaction replayed %s ago: an idle primary, or replay blocked", bytesText(*r.Behind), roundAge(*r.Delay)),
			Location: loc, Expected: "replay delay under " + s.opts.maxLag().String(), Actual: "unknown",
		})
	case r.Delay == nil:
		return check.Warn(from+"; cannot tell the replay delay", check.Finding{
			Message: "replay is behind what was received and no transaction was replayed yet", Location: loc,
			Expected: "replay delay under " + s.opts.maxLag().String(), Actual: "unknown",
		})
	case *r.Delay > s.opts.maxLag():
		return check.Fail(from+"; replay is late", check.Finding{
			Message: "the standby replays late", Location: loc,
			Expected: "replay delay under " + s.opts.maxLag().String(), Actual: "last transaction replayed " + roundAge(*r.Delay) + " ago",
		})
	}
	return check.Pass(fmt.Sprintf("%s, replay %s behind", from, roundAge(*r.Delay)))
}

// ---- backups

var metaBackup = check.Meta{
	ID: "postgres.backup.recent", Title: "A recent, non-empty backup exists",
	Section: sectionSecurity, Item: itemBackups, Severity: check.SeverityHigh, Tags: []string{"backup"},
	Remediation: "Schedule backups (pgbackrest backup, wal-g backup-push, or pg_dump) at least daily, alert when one fails, and point Options.Backup at their evidence.",
	Refs:        []string{"CIS PostgreSQL 12 7.3", "CIS PostgreSQL 12 8.2", "https://www.postgresql.org/docs/current/backup.html"},
}

// backupCheck judges Options.Backup; it reads the snapshot only for its
// server's target, so a server that cannot be reached still has its
// backups judged.
func (s *Server) backupCheck() check.Check {
	m := metaBackup
	m.Target = s.target
	m.Tags = append([]string{"database", "postgres"}, m.Tags...)
	return check.New(m, s.judgeBackup)
}

func (s *Server) judgeBackup(ctx context.Context) check.Result {
	if s.opts.Backup == nil {
		return check.Warn("no backup evidence configured: set Options.Backup (BackupDir, PgBackRestInfo, WALGInfo); WAL archiving alone is not a backup")
	}
	b, err := s.opts.Backup.Latest(ctx)
	if err != nil {
		return check.Error(err)
	}
	loc := check.Location{File: b.Where, Resource: b.Name}
	age := s.opts.now().Sub(b.Time)
	var fs []check.Finding
	if age > s.opts.maxBackupAge() {
		fs = append(fs, check.Finding{Message: "the newest backup is too old", Location: loc,
			Expected: "younger than " + roundAge(s.opts.maxBackupAge()), Actual: roundAge(age) + " old (" + b.Time.UTC().Format(time.RFC3339) + ")"})
	}
	if m, ok := s.opts.Backup.(measuredEvidence); ok && m.sizeMeasured() && b.Bytes == 0 {
		fs = append(fs, check.Finding{Message: "empty backup", Location: loc, Expected: "a non-empty file", Actual: "0 bytes"})
	}
	size := ""
	if b.Bytes > 0 {
		size = ", " + bytesText(b.Bytes)
	}
	return check.Judge(fs, fmt.Sprintf("newest backup %s in %s, %s old%s", b.Name, b.Where, roundAge(age), size),
		fmt.Sprintf("newest backup %s in %s is not usable as a recent backup", b.Name, b.Where))
}

// ---- VACUUM and ANALYZE

var metaAutovacuum = check.Meta{
	ID: "postgres.vacuum.autovacuum", Title: "Autovacuum and the statistics it needs are on",
	Section: sectionPostgres, Item: itemVacuum, Severity: check.SeverityHigh, Tags: []string{"vacuum"},
	Remediation: "Set autovacuum = on and track_counts = on in postgresql.conf and reload; tune per table rather than turning autovacuum off.",
	Refs:        []string{"postgresqltuner autovacuum", "https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM"},
}

func judgeAutovacuum(_ context.Context, snap *Snapshot) check.Result {
	var fs []check.Finding
	for _, name := range []string{"autovacuum", "track_counts"} {
		v, err := snap.Setting(name)
		if err != nil {
			return check.Error(err)
		}
		if v.Value != "on" {
			fs = append(fs, check.Finding{Message: name + " is off: tables are not vacuumed or analysed automatically",
				Location: settingLocation(v), Expected: "on", Actual: v.Value})
		}
	}
	return check.Judge(fs, "autovacuum on, track_counts on", "autovacuum cannot run")
}

var metaDeadTuples = check.Meta{
	ID: "postgres.vacuum.dead-tuples", Title: "No table carries a large share of dead rows",
	Section: sectionPostgres, Item: itemVacuum, Severity: check.SeverityMedium, Tags: []string{"vacuum"},
	Remediation: "VACUUM (ANALYZE) the table now; then find why autovacuum fell behind (autovacuum_enabled off for the table, long transactions, too few workers) and lower its autovacuum_vacuum_scale_factor.",
	Refs:        []string{"check_postgres bloat", "https://www.postgresql.org/docs/current/routine-vacuuming.html"},
}

func (s *Server) judgeDeadTuples(_ context.Context, snap *Snapshot) check.Result {
	if snap.TablesErr != nil {
		return check.Error(snap.TablesErr)
	}
	var fs []check.Finding
	for _, t := range snap.Tables {
		total := t.LiveTuples + t.DeadTuples
		if t.DeadTuples < s.opts.minDeadTuples() || total <= 0 {
			continue
		}
		ratio := float64(t.DeadTuples) / float64(total)
		if ratio <= s.opts.maxDeadRatio() {
			continue
		}
		fs = append(fs, check.Finding{Message: "too many dead rows: the table is bloated and its scans slow",
			Location: tableLocation(t.Schema, t.Name),
			Expected: fmt.Sprintf("at most %s dead", percent(s.opts.maxDeadRatio())),
			Actual:   fmt.Sprintf("%s dead (%s of %s rows)", percent(ratio), thousands(t.DeadTuples), thousands(total))})
	}
	return check.Judge(fs, fmt.Sprintf("%d tables in database %s, none over %s dead rows", len(snap.Tables), snap.Database, percent(s.opts.maxDeadRatio())),
		fmt.Sprintf("%d tables in database %s over %s dead rows", len(fs), snap.Database, percent(s.opts.maxDeadRatio())))
}

var metaStale = check.Meta{
	ID: "postgres.vacuum.stale", Title: "Changed tables were vacuumed and analysed recently",
	Section: sectionPostgres, Item: itemVacuum, Severity: check.SeverityLow, Tags: []string{"vacuum"},
	Remediation: "Run VACUUM (ANALYZE) on the table, and schedule it (or tune autovacuum thresholds) for tables autovacuum reaches too rarely.",
	Refs:        []string{"check_postgres last_vacuum", "check_postgres last_analyze"},
}

// judgeStale warns (never fails: autovacuum may simply not have reached
// a table yet) about tables with changes whose last vacuum or analyse is
// older than the bound. Tables under minStaleRows rows are not judged; a
// table never maintained is judged only once statistics have counted for
// longer than the bound, since a statistics reset also forgets the times.
func (s *Server) judgeStale(_ context.Context, snap *Snapshot) check.Result {
	if snap.TablesErr != nil {
		return check.Error(snap.TablesErr)
	}
	maxAge := s.opts.maxMaintenanceAge()
	counted := snap.Now.Sub(snap.StatsSince)
	var fs []check.Finding
	for _, t := range snap.Tables {
		if t.LiveTuples+t.DeadTuples < minStaleRows || (t.ModSinceAnalyze <= 0 && t.DeadTuples <= 0) {
			continue
		}
		var late []string
		for _, x := range []struct {
			what string
			age  *time.Duration
		}{{"vacuumed", t.VacuumAge}, {"analysed", t.AnalyzeAge}} {
			switch {
			case x.age == nil && counted > maxAge:
				late = append(late, "never "+x.what+" in "+roundAge(counted)+" of statistics")
			case x.age != nil && *x.age > maxAge:
				late = append(late, x.what+" "+roundAge(*x.age)+" ago")
			}
		}
		if len(late) == 0 {
			continue
		}
		fs = append(fs, check.Finding{Message: fmt.Sprintf("table changed (%s rows modified, %s dead) but not maintained recently",
			thousands(t.ModSinceAnalyze), thousands(t.DeadTuples)),
			Location: tableLocation(t.Schema, t.Name),
			Expected: "vacuumed and analysed within " + roundAge(maxAge), Actual: strings.Join(late, ", ")})
	}
	if len(fs) == 0 {
		return check.Pass(fmt.Sprintf("every changed table of %d in database %s maintained within %s", len(snap.Tables), snap.Database, roundAge(maxAge)))
	}
	return check.Warn(fmt.Sprintf("%d changed tables in database %s not vacuumed or analysed within %s", len(fs), snap.Database, roundAge(maxAge)), fs...)
}

var metaWraparound = check.Meta{
	ID: "postgres.vacuum.wraparound", Title: "No database nears transaction-ID wraparound",
	Section: sectionPostgres, Item: itemVacuum, Severity: check.SeverityCritical, Tags: []string{"vacuum"},
	Remediation: "Run VACUUM (FREEZE) in the database (vacuumdb --all --freeze), after ending long transactions and dropping stale replication slots or prepared transactions that hold the xmin horizon.",
	Refs:        []string{"check_postgres txn_wraparound", "check_postgres autovac_freeze", "https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-WRAPAROUND"},
}

func judgeWraparound(_ context.Context, snap *Snapshot) check.Result {
	if snap.DatabasesErr != nil {
		return check.Error(snap.DatabasesErr)
	}
	fmaxSetting, err := snap.Setting("autovacuum_freeze_max_age")
	if err != nil {
		return check.Error(err)
	}
	fmax, err := strconv.ParseInt(fmaxSetting.Value, 10, 64)
	if err != nil {
		return check.Errorf("postgres: autovacuum_freeze_max_age %q: %w", fmaxSetting.Value, err)
	}
	warnAt := int64(math.Round(freezeWarnShare * float64(fmax)))
	var fails, warns []check.Finding
	var oldest int64
	for _, d := range snap.Databases {
		oldest = max(oldest, d.Age)
		loc := check.Location{Resource: "database " + d.Name}
		switch {
		case d.Age >= wraparoundFail:
			fails = append(fails, check.Finding{Message: "transaction-ID age near wraparound: the server will stop accepting writes",
				Location: loc, Expected: "under " + thousands(wraparoundFail), Actual: "age " + thousands(d.Age)})
		case d.Age >= warnAt:
			warns = append(warns, check.Finding{Message: "transaction-ID age past 90% of autovacuum_freeze_max_age: anti-wraparound vacuum is not keeping up",
				Location: loc, Expected: "under " + thousands(warnAt), Actual: "age " + thousands(d.Age)})
		}
	}
	msg := fmt.Sprintf("oldest transaction-ID age %s of %d databases (autovacuum_freeze_max_age %s)", thousands(oldest), len(snap.Databases), thousands(fmax))
	switch {
	case len(fails) > 0:
		return check.Fail(msg, append(fails, warns...)...)
	case len(warns) > 0:
		return check.Warn(msg, warns...)
	}
	return check.Pass(msg)
}

// ---- indexes

var metaInvalidIndex = check.Meta{
	ID: "postgres.index.invalid", Title: "No index is invalid",
	Section: sectionOptimization, Item: itemIndexes, Severity: check.SeverityHigh, Tags: []string{"index"},
	Remediation: "An invalid index is left by a failed CREATE INDEX CONCURRENTLY: it is maintained on every write but never used. Fix the cause (duplicate rows for a unique index), then DROP INDEX CONCURRENTLY and create it again, or REINDEX INDEX CONCURRENTLY.",
	Refs:        []string{"postgresqltuner invalid indexes", "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY"},
}

func judgeInvalidIndexes(_ context.Context, snap *Snapshot) check.Result {
	if snap.IndexesErr != nil {
		return check.Error(snap.IndexesErr)
	}
	var fs []check.Finding
	for _, x := range snap.Indexes {
		if x.Valid {
			continue
		}
		fs = append(fs, check.Finding{Message: "invalid index (a failed CREATE INDEX CONCURRENTLY, or one still running): written on every change, never used",
			Location: check.Location{Resource: "index " + x.Schema + "." + x.Name + " on table " + x.Schema + "." + x.Table},
			Expected: "valid", Actual: "invalid"})
	}
	return check.Judge(fs, fmt.Sprintf("%d indexes in database %s, all valid", len(snap.Indexes), snap.Database),
		fmt.Sprintf("%d invalid indexes in database %s", len(fs), snap.Database))
}

var metaUnusedIndex = check.Meta{
	ID: "postgres.index.unused", Title: "No index of a sizeable table goes unused",
	Section: sectionOptimization, Item: itemIndexes, Severity: check.SeverityLow, Tags: []string{"index"},
	Remediation: "Confirm over a full business cycle (and on every standby, whose scans are counted there) that the index is unused, then DROP INDEX CONCURRENTLY: it costs every write and the cache.",
	Refs:        []string{"postgresqltuner unused indexes", "https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-INDEXES-VIEW"},
}

func (s *Server) judgeUnusedIndexes(_ context.Context, snap *Snapshot) check.Result {
	if snap.IndexesErr != nil {
		return check.Error(snap.IndexesErr)
	}
	counted := snap.Now.Sub(snap.StatsSince)
	since := "statistics collected for " + roundAge(counted)
	if counted < provisionalStats {
		since += " (under 7 days: provisional)"
	}
	var fs []check.Finding
	for _, x := range snap.Indexes {
		if x.Scans != 0 || x.Unique || x.Primary || x.Constraint || x.TableBytes < s.opts.minTableBytes() {
			continue
		}
		fs = append(fs, check.Finding{Message: "index never scanned; " + since,
			Location: check.Location{Resource: "index " + x.Schema + "." + x.Name + " on table " + x.Schema + "." + x.Table},
			Expected: "scanned at least once", Actual: "0 scans, " + bytesText(x.Bytes)})
	}
	if len(fs) == 0 {
		return check.Pass(fmt.Sprintf("no unused index on tables of at least %s in database %s; %s", bytesText(s.opts.minTableBytes()), snap.Database, since))
	}
	return check.Warn(fmt.Sprintf("%d unused indexes in database %s; %s", len(fs), snap.Database, since), fs...)
}

var metaDuplicateIndex = check.Meta{
	ID: "postgres.index.duplicate", Title: "No two indexes of a table are identical",
	Section: sectionOptimization, Item: itemIndexes, Severity: check.SeverityMedium, Tags: []string{"index"},
	Remediation: "Keep one index of each set (the one backing a constraint, if any) and DROP INDEX CONCURRENTLY the others.",
	Refs:        []string{"https://www.postgresql.org/docs/current/indexes.html"},
}

func judgeDuplicateIndexes(_ context.Context, snap *Snapshot) check.Result {
	if snap.DuplicateIndexesErr != nil {
		return check.Error(snap.DuplicateIndexesErr)
	}
	var fs []check.Finding
	for _, d := range snap.DuplicateIndexes {
		fs = append(fs, check.Finding{Message: "identical indexes: each costs every write and the cache, one is enough",
			Location: tableLocation(d.Schema, d.Table),
			Expected: "one index per definition", Actual: "indexes " + strings.Join(d.Indexes, ", ")})
	}
	return check.Judge(fs, "no duplicate indexes in database "+snap.Database,
		fmt.Sprintf("%d sets of duplicate indexes in database %s", len(fs), snap.Database))
}

var metaForeignKeys = check.Meta{
	ID: "postgres.index.foreign-keys", Title: "Foreign keys of sizeable tables are indexed",
	Section: sectionOptimization, Item: itemIndexes, Severity: check.SeverityMedium, Tags: []string{"index"},
	Remediation: "CREATE INDEX CONCURRENTLY on the referencing columns, in the key's order: deletes and updates of the parent, and joins, then use it.",
	Refs:        []string{"https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK"},
}

// judgeForeignKeys fails on unindexed foreign keys of tables of at least
// Options.MinTableBytes; smaller tables are dropped, as scanning them is
// cheap.
func (s *Server) judgeForeignKeys(_ context.Context, snap *Snapshot) check.Result {
	if snap.UnindexedForeignKeysErr != nil {
		return check.Error(snap.UnindexedForeignKeysErr)
	}
	var fs []check.Finding
	small := 0
	for _, k := range snap.UnindexedForeignKeys {
		if k.TableBytes < s.opts.minTableBytes() {
			small++
			continue
		}
		fs = append(fs, check.Finding{Message: "foreign key " + k.Name + " has no index: deletes and joins on the parent scan the child",
			Location: tableLocation(k.Schema, k.Table),
			Expected: "an index leading with (" + strings.Join(k.Columns, ", ") + ")", Actual: "none"})
	}
	note := ""
	if small > 0 {
		note = fmt.Sprintf(" (%d on tables under %s not judged)", small, bytesText(s.opts.minTableBytes()))
	}
	return check.Judge(fs, "every foreign key of a sizeable table is indexed in database "+snap.Database+note,
		fmt.Sprintf("%d unindexed foreign keys in database %s%s", len(fs), snap.Database, note))
}

var metaSeqScan = check.Meta{
	ID: "postgres.queries.seq-scan", Title: "Sizeable tables are not read mostly by large sequential scans",
	Section: sectionOptimization, Item: itemPlans, Severity: check.SeverityLow, Tags: []string{"index", "queries"},
	Remediation: "Find the queries scanning the table (pg_stat_statements, EXPLAIN) and add the index their filters need, or confirm the scans are intended (reports, batch jobs).",
	Refs:        []string{"https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-TABLES-VIEW"},
}

func (s *Server) judgeSeqScans(_ context.Context, snap *Snapshot) check.Result {
	if snap.TablesErr != nil {
		return check.Error(snap.TablesErr)
	}
	var fs []check.Finding
	for _, t := range snap.Tables {
		if t.Bytes < s.opts.minTableBytes() || t.SeqScans <= 0 {
			continue
		}
		perScan := t.SeqTupRead / t.SeqScans
		if perScan < minSeqRowsPerScan || (t.IndexScans != nil && t.SeqScans <= *t.IndexScans) {
			continue
		}
		idx := "no index"
		if t.IndexScans != nil {
			idx = thousands(*t.IndexScans) + " index scans"
		}
		fs = append(fs, check.Finding{Message: "read mostly by sequential scans of many rows: a missing index?",
			Location: tableLocation(t.Schema, t.Name),
			Expected: "more index scans than sequential scans",
			Actual:   fmt.Sprintf("%s sequential scans of %s rows on average, %s", thousands(t.SeqScans), thousands(perScan), idx)})
	}
	if len(fs) == 0 {
		return check.Pass(fmt.Sprintf("no table of at least %s read mostly by large sequential scans in database %s", bytesText(s.opts.minTableBytes()), snap.Database))
	}
	return check.Warn(fmt.Sprintf("%d tables read mostly by large sequential scans in database %s", len(fs), snap.Database), fs...)
}

// ---- queries

var metaStatementStats = check.Meta{
	ID: "postgres.queries.stats", Title: "Pg_stat_statements records query statistics",
	Section: sectionOptimization, Item: itemSlowQueries, Severity: check.SeverityMedium, Tags: []string{"queries"},
	Remediation: "Add pg_stat_statements to shared_preload_libraries (restart) and CREATE EXTENSION pg_stat_statements in the database the checks connect to.",
	Refs:        []string{"postgresqltuner pg_stat_statements", "https://www.postgresql.org/docs/current/pgstatstatements.html"},
}

func judgeStatementStats(_ context.Context, snap *Snapshot) check.Result {
	switch {
	case errors.Is(snap.StatementsErr, ErrNoStatements):
		return check.Warn(snap.StatementsErr.Error(), check.Finding{
			Message: "no query statistics: slow queries cannot be found", Location: check.Location{Resource: "extension pg_stat_statements"},
			Expected: "pg_stat_statements preloaded and created", Actual: "not available"})
	case snap.StatementsErr != nil:
		return check.Error(snap.StatementsErr)
	}
	return check.Pass("pg_stat_statements available in database " + snap.Database)
}

var metaSlowQueries = check.Meta{
	ID: "postgres.queries.slow", Title: "No frequent statement is slow on average",
	Section: sectionOptimization, Item: itemSlowQueries, Severity: check.SeverityMedium, Tags: []string{"queries"},
	Remediation: "EXPLAIN (ANALYZE, BUFFERS) the statement (pg_stat_statements has its full text by queryid), then add the index or rewrite it; reset the statistics with pg_stat_statements_reset() after fixing.",
	Refs:        []string{"https://www.postgresql.org/docs/current/pgstatstatements.html"},
}

func (s *Server) judgeSlowQueries(_ context.Context, snap *Snapshot) check.Result {
	switch {
	case errors.Is(snap.StatementsErr, ErrNoStatements):
		return check.Skip("pg_stat_statements is not available: postgres.queries.stats reports it")
	case snap.StatementsErr != nil:
		return check.Error(snap.StatementsErr)
	}
	var fs []check.Finding
	for _, st := range snap.Statements {
		if st.Mean <= s.opts.slowMean() {
			continue
		}
		db := st.Database
		if db == "" {
			db = "(unknown)"
		}
		fs = append(fs, check.Finding{Message: "slow statement: " + shownQuery(st.Text),
			Location: check.Location{Resource: fmt.Sprintf("query %d in database %s", st.QueryID, db)},
			Expected: "mean under " + s.opts.slowMean().String(),
			Actual:   fmt.Sprintf("mean %s over %s calls", millis(st.Mean), thousands(st.Calls))})
	}
	return check.Judge(fs, fmt.Sprintf("no statement with at least %d calls averages over %s", s.opts.slowMinCalls(), s.opts.slowMean()),
		fmt.Sprintf("%d statements average over %s", len(fs), s.opts.slowMean()))
}

// shownQuery is a statement text fit for a report: literals redacted,
// whitespace collapsed, at most maxShownQuery characters.
func shownQuery(text string) string {
	q := strings.Join(strings.Fields(redactQuery(text)), " ")
	if r := []rune(q); len(r) > maxShownQuery {
		q = string(r[:maxShownQuery-1]) + "…"
	}
	return q
}

// redactQuery replaces every single-quoted literal (with its E, B, X, U&
// or N prefix) and every dollar-quoted string with '?'. An unterminated
// literal (a text cut short) is redacted to its end. Comments are
// dropped, as they may quote values too.
func redactQuery(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'':
			i = skipQuoted(q, i)
			b.WriteString("'?'")
		case c == '$':
			if tag, ok := dollarTag(q, i); ok {
				end := strings.Index(q[i+len(tag):], tag)
				if end < 0 {
					i = len(q)
				} else {
					i += len(tag) + end + len(tag)
				}
				b.WriteString("'?'")
				continue
			}
			b.WriteByte(c)
			i++
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				i = len(q)
			} else {
				i += end
			}
			b.WriteByte(' ')
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				i = len(q)
			} else {
				i += 2 + end + 2
			}
			b.WriteByte(' ')
		case c == '"':
			// A quoted identifier: copied as is, so that a quote inside
			// it does not start a literal.
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				b.WriteString(q[i:])
				i = len(q)
			} else {
				b.WriteString(q[i : i+1+end+1])
				i += 1 + end + 1
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipQuoted returns the index after the single-quoted literal starting
// at q[i]: ” is an escaped quote, and a backslash escapes the next byte
// in an E” literal (or with standard_conforming_strings off; redacting
// more is the safe side).
func skipQuoted(q string, i int) int {
	escapes := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e')
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			if escapes {
				j++
			}
		case '\'':
			if j+1 < len(q) && q[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// dollarTag returns the $tag$ starting at q[i], if one does: a tag is
// empty or an identifier not starting with a digit (so $1 is a
// parameter, not a quote).
func dollarTag(q string, i int) (string, bool) {
	for j := i + 1; j < len(q); j++ {
		c := q[j]
		switch {
		case c == '$':
			return q[i : j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
		case c >= '0' && c <= '9' && j > i+1:
		default:
			return "", false
		}
	}
	return "", false
}

var metaPlans = check.Meta{
	ID: "postgres.queries.plans", Title: "Slow statements or their plans are logged",
	Section: sectionOptimization, Item: itemPlans, Severity: check.SeverityLow, Tags: []string{"queries"},
	Remediation: "Set log_min_duration_statement (e.g. 1s) or load auto_explain (shared_preload_libraries) with auto_explain.log_min_duration set, so slow statements and their plans reach the log.",
	Refs:        []string{"https://www.postgresql.org/docs/current/auto-explain.html", "https://www.postgresql.org/docs/current/runtime-config-logging.html"},
}

func judgePlans(_ context.Context, snap *Snapshot) check.Result {
	lmd, err := snap.Setting("log_min_duration_statement")
	if err != nil {
		return check.Error(err)
	}
	if lmd.Value != "-1" {
		return check.Pass("log_min_duration_statement " + lmd.Value + lmd.Unit)
	}
	var loaded []Setting
	for _, name := range []string{"shared_preload_libraries", "session_preload_libraries"} {
		v, err := snap.Setting(name)
		if err != nil {
			return check.Error(err)
		}
		if hasLibrary(v.Value, "auto_explain") {
			loaded = append(loaded, v)
		}
	}
	if len(loaded) > 0 {
		ae, err := snap.Setting("auto_explain.log_min_duration")
		switch {
		case err == nil && ae.Value != "-1":
			return check.Pass("auto_explain logs plans over " + ae.Value + ae.Unit)
		case err == nil:
			return check.Warn("auto_explain is loaded but auto_explain.log_min_duration is -1: no plan is logged", check.Finding{
				Message: "auto_explain logs nothing", Location: settingLocation(ae), Expected: "a duration, e.g. 1s", Actual: "-1"})
		case !errors.Is(err, ErrNoSetting):
			return check.Error(err)
		}
		// session_preload_libraries: the setting exists only in sessions
		// that loaded it, not in this one; the library is configured.
		return check.Pass("auto_explain loaded by " + loaded[0].Name + "; its threshold is not visible to this session")
	}
	return check.Warn("neither slow statements nor their plans are logged", check.Finding{
		Message: "slow statements are not logged", Location: settingLocation(lmd),
		Expected: "log_min_duration_statement set, or auto_explain loaded", Actual: "-1, auto_explain not loaded"})
}

// ---- connections

var metaConnectionUse = check.Meta{
	ID: "postgres.connections.use", Title: "Client connections leave headroom under max_connections",
	Section: sectionOptimization, Item: itemPooling, Severity: check.SeverityMedium, Tags: []string{"connections"},
	Remediation: "Put a pooler (pgBouncer in transaction mode) in front of the server, or shrink the applications' pools; raising max_connections costs memory per connection.",
	Refs:        []string{"check_postgres backends", "postgresqltuner max_connections"},
}

func (s *Server) judgeConnectionUse(_ context.Context, snap *Snapshot) check.Result {
	if snap.SessionsErr != nil {
		return check.Error(snap.SessionsErr)
	}
	maxConn, err := intSetting(snap, "max_connections")
	if err != nil {
		return check.Error(err)
	}
	reserved, err := intSetting(snap, "superuser_reserved_connections")
	if err != nil {
		return check.Error(err)
	}
	if r, err := intSetting(snap, "reserved_connections"); err == nil {
		reserved += r
	} else if !errors.Is(err, ErrNoSetting) {
		return check.Error(err)
	}
	available := maxConn - reserved
	clients := 0
	for _, x := range snap.Sessions {
		if x.BackendType == "client backend" {
			clients++
		}
	}
	if available <= 0 {
		return check.Errorf("postgres: max_connections %d leaves no connection after %d reserved", maxConn, reserved)
	}
	use := float64(clients) / float64(available)
	msg := fmt.Sprintf("%d of %d client connections in use (%s)", clients, available, percent(use))
	if use <= s.opts.maxConnectionUse() {
		return check.Pass(msg)
	}
	v, _ := snap.Setting("max_connections")
	return check.Fail(msg, check.Finding{Message: "client connections near the limit: new ones will be refused",
		Location: settingLocation(v),
		Expected: "at most " + percent(s.opts.maxConnectionUse()) + " in use",
		Actual:   fmt.Sprintf("%d of %d (max_connections %d less %d reserved)", clients, available, maxConn, reserved)})
}

func intSetting(snap *Snapshot, name string) (int64, error) {
	v, err := snap.Setting(name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("postgres: setting %s: %w", name, err)
	}
	return n, nil
}

var metaIdleInTx = check.Meta{
	ID: "postgres.connections.idle-in-transaction", Title: "No session sits idle in a transaction for long",
	Section: sectionOptimization, Item: itemPooling, Severity: check.SeverityMedium, Tags: []string{"connections"},
	Remediation: "Fix the application to commit or roll back promptly (a missing Close, a transaction held across a remote call); set idle_in_transaction_session_timeout as a backstop.",
	Refs:        []string{"check_postgres txn_idle", "https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-IDLE-IN-TRANSACTION-SESSION-TIMEOUT"},
}

func (s *Server) judgeIdleInTx(_ context.Context, snap *Snapshot) check.Result {
	if snap.SessionsErr != nil {
		return check.Error(snap.SessionsErr)
	}
	var fs []check.Finding
	for _, x := range snap.Sessions {
		if !strings.HasPrefix(x.State, "idle in transaction") || x.StateAge == nil || *x.StateAge <= s.opts.maxIdleInTx() {
			continue
		}
		fs = append(fs, check.Finding{Message: x.State + ": holds locks and the xmin horizon, so VACUUM cannot clean up",
			Location: check.Location{Resource: fmt.Sprintf("pid %d user %s", x.PID, x.User)},
			Expected: "idle in a transaction under " + s.opts.maxIdleInTx().String(),
			Actual:   fmt.Sprintf("%s for %s (database %s, application %q)", x.State, roundAge(*x.StateAge), x.Database, x.Application)})
	}
	return check.Judge(fs, fmt.Sprintf("%d sessions, none idle in a transaction over %s", len(snap.Sessions), s.opts.maxIdleInTx()),
		fmt.Sprintf("%d sessions idle in a transaction over %s", len(fs), s.opts.maxIdleInTx()))
}

// ---- formatting

func tableLocation(schema, name string) check.Location {
	return check.Location{Resource: "table " + schema + "." + name}
}

// roundAge renders d to a precision that fits its size: 812ms, 42s,
// 6m12s, 3h4m, 5d2h.
func roundAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	days := d / (24 * time.Hour)
	if h := (d - days*24*time.Hour) / time.Hour; h > 0 {
		return fmt.Sprintf("%dd%dh", days, h)
	}
	return fmt.Sprintf("%dd", days)
}

// millis renders d in milliseconds: 812 ms, 0.42 ms.
func millis(d time.Duration) string {
	if d < 10*time.Millisecond {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
	}
	return thousands(d.Round(time.Millisecond).Milliseconds()) + " ms"
}

func percent(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" }

// thousands renders n with commas: 12,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// bytesText renders n in binary units: 512 B, 8.0 MiB.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
