package postgres_test

import (
	"fmt"

	"github.com/prodcheck/prodcheck/checks/database/postgres"
)

// The operations checks of one server: their IDs, severities and the
// checklist lines they serve. Building them connects to nothing; each
// run reads the server once for all of them.
func ExampleOperationsChecks() {
	s := postgres.Open("postgres://monitor@db.example.com:5432/app", postgres.Options{})
	for _, c := range postgres.OperationsChecks(s) {
		m := c.Meta()
		fmt.Printf("%-41s %-8s %s\n", m.ID, m.Severity, m.Item)
	}
	// Output:
	// postgres.wal.level                        high     Enable WAL (Write-Ahead Logging)
	// postgres.wal.archiving                    high     Enable WAL (Write-Ahead Logging)
	// postgres.wal.archiver                     high     Enable WAL (Write-Ahead Logging)
	// postgres.replication.primary              high     Configure streaming replication
	// postgres.replication.slots                medium   Configure streaming replication
	// postgres.replication.standby              high     Configure streaming replication
	// postgres.backup.recent                    high     Regular database backups
	// postgres.vacuum.autovacuum                high     Regular VACUUM and ANALYZE
	// postgres.vacuum.dead-tuples               medium   Regular VACUUM and ANALYZE
	// postgres.vacuum.stale                     low      Regular VACUUM and ANALYZE
	// postgres.vacuum.wraparound                critical Regular VACUUM and ANALYZE
	// postgres.index.invalid                    high     Add necessary indexes
	// postgres.index.unused                     low      Add necessary indexes
	// postgres.index.duplicate                  medium   Add necessary indexes
	// postgres.index.foreign-keys               medium   Add necessary indexes
	// postgres.queries.seq-scan                 low      Monitor and optimize query plans
	// postgres.queries.stats                    medium   Optimize slow queries
	// postgres.queries.slow                     medium   Optimize slow queries
	// postgres.queries.plans                    low      Monitor and optimize query plans
	// postgres.connections.use                  medium   Implement connection pooling
	// postgres.connections.idle-in-transaction  medium   Implement connection pooling
}
