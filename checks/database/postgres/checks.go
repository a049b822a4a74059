package postgres

import (
	"context"

	"github.com/prodcheck/prodcheck/check"
)

// The checklist sections the checks serve.
const (
	sectionSecurity     = "Security Hardening / Database Security"
	sectionPostgres     = "Database Management / PostgreSQL"
	sectionOptimization = "Performance Optimization / Database Optimization"
)

// Checks returns every check of s, in checklist order: the security
// checks, then WAL, replication, backups and VACUUM, then indexes, slow
// queries and connections. They share one snapshot per run.
func Checks(s *Server) []check.Check {
	var cs []check.Check
	cs = append(cs, SecurityChecks(s)...)
	cs = append(cs, OperationsChecks(s)...)
	return cs
}

// newCheck returns a check of s: m with s's target and the database and
// postgres tags, judged by judge on the run's snapshot. A snapshot that
// could not be read is the check's Error.
func (s *Server) newCheck(m check.Meta, judge func(ctx context.Context, snap *Snapshot) check.Result) check.Check {
	m.Target = s.target
	m.Tags = append([]string{"database", "postgres"}, m.Tags...)
	return check.New(m, func(ctx context.Context) check.Result {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			return check.Error(err)
		}
		return judge(ctx, snap)
	})
}

// settingLocation locates a finding about setting v: the file and line
// that set it when the role may see them, and the setting's name.
func settingLocation(v Setting) check.Location {
	return check.Location{File: v.File, Line: v.Line, Resource: "setting " + v.Name}
}

// hbaLocation locates a finding about an hba rule.
func hbaLocation(r HBARule) check.Location {
	return check.Location{File: r.File, Line: r.Line, Resource: "hba rule " + r.Type + " " + r.Database + " " + r.User + " " + r.Address}
}
