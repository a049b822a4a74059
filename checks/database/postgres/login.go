package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/database"
)

// A loginCandidate is one (user, password) pair the login probe tries,
// and why the password would be weak.
type loginCandidate struct {
	user, password, reason string
}

// loginCandidates orders the pairs the probe tries, so that a small
// budget covers every role first: each login role's first default
// credential, then password = user name for every role, then the other
// defaults. When the login roles are known, defaults of roles that do
// not exist are left out (a wasted, logged attempt).
func loginCandidates(roles []string, rolesKnown bool) []loginCandidate {
	exists := make(map[string]bool, len(roles))
	for _, r := range roles {
		exists[r] = true
	}
	var firsts, rest []loginCandidate
	seenUser := make(map[string]bool)
	for _, c := range database.DefaultCredentials("postgres") {
		if rolesKnown && !exists[c.User] {
			continue
		}
		lc := loginCandidate{user: c.User, password: c.Password, reason: database.ReasonDefaultCredential}
		if !seenUser[c.User] {
			seenUser[c.User] = true
			firsts = append(firsts, lc)
		} else {
			rest = append(rest, lc)
		}
	}
	out := firsts
	for _, r := range roles {
		out = append(out, loginCandidate{user: r, password: r, reason: database.ReasonUserName})
	}
	out = append(out, rest...)
	// Each pair once: postgres/postgres is both a default and the name.
	seen := make(map[[2]string]bool, len(out))
	uniq := out[:0]
	for _, c := range out {
		k := [2]string{c.user, c.password}
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, c)
		}
	}
	return uniq
}

// loginAnswer is what the server said to one login attempt.
type loginAnswer int

const (
	loginAccepted loginAnswer = iota + 1 // the password was accepted
	loginRefused                         // 28P01: wrong password
	loginBlocked                         // another class 28 refusal: no hba path, role may not log in
)

// probeLogins is the online default-password check for a role that
// cannot read pg_authid: at most limit logins over s's connection
// settings (TLS included), stopping at the first accepted one.
func (s *Server) probeLogins(ctx context.Context, snap *Snapshot, limit int) check.Result {
	cands := loginCandidates(snap.LoginRoles, snap.LoginRolesErr == nil)
	attempts := 0
	untried := make(map[string]bool) // roles with a candidate left out by the cap
	blocked := make(map[string]bool) // roles refused before the password was checked
	for _, c := range cands {
		if c.user == s.cfg.User && s.cfg.Password != "" {
			// The checker's own password is known: compare, do not log in.
			if c.password == s.cfg.Password {
				return weakLogin(c, "the checker's own password", attempts)
			}
			continue
		}
		if attempts == limit {
			untried[c.user] = true
			continue
		}
		if ctx.Err() != nil {
			return check.Error(fmt.Errorf("postgres: login probe: %w", context.Cause(ctx)))
		}
		attempts++
		answer, err := s.tryLogin(ctx, c.user, c.password)
		switch {
		case err != nil:
			return check.Error(err)
		case answer == loginBlocked:
			blocked[c.user] = true
		case answer == loginAccepted:
			return s.acceptedLogin(ctx, c, attempts, limit)
		}
	}
	return probeVerdict(cands, attempts, limit, untried, blocked)
}

// acceptedLogin reports a login that succeeded, after one control login
// with a random password (when the budget allows) to tell a weak
// password from an hba rule that checks none.
func (s *Server) acceptedLogin(ctx context.Context, c loginCandidate, attempts, limit int) check.Result {
	if attempts >= limit {
		return weakLogin(c, "no login left to rule out a trust rule", attempts)
	}
	answer, err := s.tryLogin(ctx, c.user, rand.Text())
	attempts++
	if err != nil || answer != loginAccepted {
		return weakLogin(c, "", attempts)
	}
	return check.Fail(fmt.Sprintf("login probe: role %s logs in with any password (%d logins)", c.user, attempts), check.Finding{
		Message:  "role " + c.user + " logs in without a valid password: the matching hba rule checks none (trust)",
		Location: check.Location{Resource: "role " + c.user},
		Expected: "a login refused without the role's password",
		Actual:   "a random password was accepted",
	})
}

// weakLogin is the failure for a candidate the server accepted (or that
// equals the checker's own password, how says).
func weakLogin(c loginCandidate, how string, attempts int) check.Result {
	msg := "role " + c.user + " logs in with a weak password"
	actual := c.reason
	if how != "" {
		actual += " (" + how + ")"
	}
	return check.Fail(fmt.Sprintf("login probe: %s (%d logins)", msg, attempts), check.Finding{
		Message:  msg,
		Location: check.Location{Resource: "role " + c.user},
		Expected: "a long random password",
		Actual:   actual,
	})
}

// probeVerdict passes only when every candidate was refused as a wrong
// password; a capped or blocked probe warns, naming the roles it could
// not clear.
func probeVerdict(cands []loginCandidate, attempts, limit int, untried, blocked map[string]bool) check.Result {
	if len(untried) == 0 && len(blocked) == 0 {
		return check.Pass(fmt.Sprintf("login probe: %d default and user-name passwords refused (%d logins, each "+
			"logged by the server); common passwords need the offline check (superuser)", len(cands), attempts))
	}
	var fs []check.Finding
	listed := make(map[string]bool)
	for _, c := range cands {
		if listed[c.user] || !untried[c.user] && !blocked[c.user] {
			continue
		}
		listed[c.user] = true
		why := fmt.Sprintf("not every candidate tried: the probe stopped at %d logins (Options.LoginAttempts)", limit)
		if blocked[c.user] {
			why = "the server refused a login before checking the password (no hba rule for this path, or no LOGIN)"
		}
		fs = append(fs, check.Finding{
			Message:  "role " + c.user + " was not cleared by the login probe",
			Location: check.Location{Resource: "role " + c.user},
			Expected: "every default and user-name password refused",
			Actual:   why,
		})
	}
	return check.Warn(fmt.Sprintf("login probe: no default or user-name password accepted in %d logins, "+
		"but %d roles were not cleared", attempts, len(fs)), fs...)
}

// tryLogin connects once as user with password over s's settings and
// closes the connection at once.
func (s *Server) tryLogin(ctx context.Context, user, password string) (loginAnswer, error) {
	cfg := s.cfg.Copy()
	cfg.User, cfg.Password = user, password
	_, release, err := dial(ctx, cfg)
	if err == nil {
		release()
		return loginAccepted, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28P01":
			return loginRefused, nil
		case pgErr.Code == "42501":
			// Authenticated, then refused CONNECT on the database.
			return loginAccepted, nil
		case strings.HasPrefix(pgErr.Code, "28"):
			return loginBlocked, nil
		}
	}
	return 0, fmt.Errorf("postgres: login probe as %s: %w", user, connectError(ctx, err))
}
