package postgres

import "github.com/prodcheck/prodcheck/check"

// SecurityChecks returns the checks of the "Database Security" lines.
func SecurityChecks(s *Server) []check.Check { return nil }
