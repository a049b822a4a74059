package postgres_test

import (
	"fmt"

	"github.com/prodcheck/prodcheck/checks/database/postgres"
)

// The pgBouncer checks of one bouncer, read through its admin console by a
// user in stats_users. Nothing connects until the checks run; the password
// never appears in the target.
func ExampleBouncerChecks() {
	b := postgres.OpenBouncer("postgres://monitor:secret@pgbouncer.internal:6432/pgbouncer?sslmode=verify-full",
		postgres.BouncerOptions{PoolMode: "transaction", MaxServerConnections: 190})
	for _, c := range postgres.BouncerChecks(b) {
		m := c.Meta()
		fmt.Printf("%-30s %-8s %s\n", m.ID, m.Severity, m.Target)
	}
	// Output:
	// postgres.pgbouncer.reachable   high     postgres://pgbouncer.internal:6432/pgbouncer
	// postgres.pgbouncer.pool-mode   medium   postgres://pgbouncer.internal:6432/pgbouncer
	// postgres.pgbouncer.auth-type   critical postgres://pgbouncer.internal:6432/pgbouncer
	// postgres.pgbouncer.client-tls  high     postgres://pgbouncer.internal:6432/pgbouncer
	// postgres.pgbouncer.pool-size   high     postgres://pgbouncer.internal:6432/pgbouncer
	// postgres.pgbouncer.waiting     medium   postgres://pgbouncer.internal:6432/pgbouncer
}
