package postgres_test

import (
	"fmt"

	"github.com/prodcheck/prodcheck/checks/database/postgres"
)

// The security checks of a server, known before anything connects: Open
// only parses the DSN, and each check connects (once per run, shared) when
// it runs. The target never carries the password.
func ExampleSecurityChecks() {
	s := postgres.Open("postgres://checker:secret@db.example.com:5432/app?sslmode=verify-full", postgres.Options{})
	fmt.Println(s.Target())
	for _, c := range postgres.SecurityChecks(s) {
		m := c.Meta()
		fmt.Printf("%-29s %-8s %s\n", m.ID, m.Severity, m.Item)
	}
	// Output:
	// postgres://db.example.com:5432/app
	// postgres.password.default     critical Change all default passwords
	// postgres.password.encryption  high     Use strong database passwords (16+ characters, mixed case, numbers, symbols)
	// postgres.hba.auth             critical Use strong database passwords (16+ characters, mixed case, numbers, symbols)
	// postgres.tls.server           high     Enable database connection encryption (SSL/TLS)
	// postgres.tls.connection       high     Enable database connection encryption (SSL/TLS)
	// postgres.tls.sessions         high     Enable database connection encryption (SSL/TLS)
	// postgres.tls.hba              high     Enable database connection encryption (SSL/TLS)
	// postgres.access.listen        medium   Restrict database access to specific IPs
	// postgres.access.hba-open      high     Restrict database access to specific IPs
	// postgres.audit.connections    medium   Enable database audit logging
	// postgres.audit.line-prefix    low      Enable database audit logging
	// postgres.audit.statement      medium   Enable database audit logging
	// postgres.audit.pgaudit        info     Enable database audit logging
}
