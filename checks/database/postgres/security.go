package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/database"
)

// The checklist lines the security checks serve.
const (
	itemDefaultPasswords = "Change all default passwords"
	itemStrongPasswords  = "Use strong database passwords (16+ characters, mixed case, numbers, symbols)"
	itemEncryption       = "Enable database connection encryption (SSL/TLS)"
	itemRestrictAccess   = "Restrict database access to specific IPs"
	itemAuditLogging     = "Enable database audit logging"
)

// Reference prefixes: the CIS PostgreSQL benchmark (as implemented by
// ansible-lockdown/POSTGRES-12-CIS) and dev-sec's postgres-baseline.
const (
	refCIS    = "CIS PostgreSQL 12 "
	refDevSec = "dev-sec postgres-baseline "
)

// SecurityChecks returns the checks of the "Database Security" lines:
// default and weak passwords, password hashing and hba authentication
// methods, TLS on the server, this connection and every session,
// listening addresses and open hba rules, and audit logging. They share
// the Server's snapshot; only postgres.password.default may open more
// connections (the opt-in login probe, see [Options.LoginAttempts]).
func SecurityChecks(s *Server) []check.Check {
	return []check.Check{
		s.newCheck(check.Meta{
			ID:       "postgres.password.default",
			Title:    "No login role has a default, empty, user-name or common password",
			Section:  sectionSecurity,
			Item:     itemDefaultPasswords,
			Severity: check.SeverityCritical,
			Tags:     []string{"security", "passwords"},
			Remediation: "Set a long random password on every reported role (ALTER ROLE name PASSWORD ...) " +
				"and store it in a secret manager.",
			Refs: []string{refDevSec + "postgres-06", "CWE-521", "CWE-798"},
		}, s.judgeDefaultPasswords),
		s.newCheck(check.Meta{
			ID:       "postgres.password.encryption",
			Title:    "Passwords are hashed with SCRAM-SHA-256",
			Section:  sectionSecurity,
			Item:     itemStrongPasswords,
			Severity: check.SeverityHigh,
			Tags:     []string{"security", "passwords"},
			Remediation: "Set password_encryption = 'scram-sha-256' and reset the password of every role that " +
				"still stores an md5 verifier, so it is stored again as SCRAM.",
			Refs: []string{refCIS + "6.8", refDevSec + "postgres-07", refDevSec + "postgres-14"},
		}, judgePasswordEncryption),
		s.newCheck(check.Meta{
			ID:       "postgres.hba.auth",
			Title:    "No pg_hba.conf rule lets clients in without a password or with a cleartext one",
			Section:  sectionSecurity,
			Item:     itemStrongPasswords,
			Severity: check.SeverityCritical,
			Tags:     []string{"security", "passwords", "hba"},
			Remediation: "Replace trust and password rules in pg_hba.conf with scram-sha-256 (or cert, peer for " +
				"local), fix any line PostgreSQL reports as broken, then SELECT pg_reload_conf().",
			Refs: []string{refDevSec + "postgres-06", refCIS + "5.2"},
		}, judgeHBAAuth),
		s.newCheck(check.Meta{
			ID:       "postgres.tls.server",
			Title:    "The server offers TLS at a current minimum protocol version",
			Section:  sectionSecurity,
			Item:     itemEncryption,
			Severity: check.SeverityHigh,
			Tags:     []string{"security", "tls"},
			Remediation: "Set ssl = on with ssl_cert_file and ssl_key_file, and ssl_min_protocol_version = '" +
				s.opts.minTLS() + "' (or later), then reload.",
			Refs: []string{refDevSec + "postgres-11", refDevSec + "postgres-12", refCIS + "6.8"},
		}, s.judgeTLSServer),
		s.newCheck(check.Meta{
			ID:          "postgres.tls.connection",
			Title:       "The checker's own connection is encrypted",
			Section:     sectionSecurity,
			Item:        itemEncryption,
			Severity:    check.SeverityHigh,
			Tags:        []string{"security", "tls"},
			Remediation: "Connect with sslmode=verify-full (and sslrootcert) so the session cannot fall back to plaintext.",
			Refs:        []string{"CWE-319"},
		}, judgeTLSConnection),
		s.newCheck(check.Meta{
			ID:       "postgres.tls.sessions",
			Title:    "No client connected over the network without TLS",
			Section:  sectionSecurity,
			Item:     itemEncryption,
			Severity: check.SeverityHigh,
			Tags:     []string{"security", "tls"},
			Remediation: "Make the reported clients connect with sslmode=verify-full, then turn their plaintext " +
				"path off with hostssl rules in pg_hba.conf.",
			Refs: []string{"CWE-319", refDevSec + "postgres-15"},
		}, judgeTLSSessions),
		s.newCheck(check.Meta{
			ID:       "postgres.tls.hba",
			Title:    "pg_hba.conf admits remote clients over TLS only",
			Section:  sectionSecurity,
			Item:     itemEncryption,
			Severity: check.SeverityHigh,
			Tags:     []string{"security", "tls", "hba"},
			Remediation: "Change the reported host and hostnossl rules to hostssl (or to reject), then " +
				"SELECT pg_reload_conf().",
			Refs: []string{refDevSec + "postgres-15", refCIS + "5.2"},
		}, judgeTLSHBA),
		s.newCheck(check.Meta{
			ID:       "postgres.access.listen",
			Title:    "The server listens on specific addresses only",
			Section:  sectionSecurity,
			Item:     itemRestrictAccess,
			Severity: check.SeverityMedium,
			Tags:     []string{"security", "network"},
			Remediation: "Set listen_addresses to the addresses clients use (restart needed), or, when a container " +
				"network or firewall closes the port, set Options.AllowListenAll.",
			Refs: []string{refCIS + "5.1", refDevSec + "postgres-13"},
		}, s.judgeListen),
		s.newCheck(check.Meta{
			ID:       "postgres.access.hba-open",
			Title:    "No pg_hba.conf rule admits every network address",
			Section:  sectionSecurity,
			Item:     itemRestrictAccess,
			Severity: check.SeverityHigh,
			Tags:     []string{"security", "network", "hba"},
			Remediation: "Narrow the reported rules to the client networks (an address/prefix per application " +
				"subnet), then SELECT pg_reload_conf().",
			Refs: []string{refCIS + "5.2", refDevSec + "postgres-14"},
		}, judgeHBAOpen),
		s.newCheck(check.Meta{
			ID:          "postgres.audit.connections",
			Title:       "Connections and disconnections are logged",
			Section:     sectionSecurity,
			Item:        itemAuditLogging,
			Severity:    check.SeverityMedium,
			Tags:        []string{"security", "audit"},
			Remediation: "Set log_connections = on and log_disconnections = on, then reload.",
			Refs:        []string{refDevSec + "postgres-16", refCIS + "3.1"},
		}, judgeLogConnections),
		s.newCheck(check.Meta{
			ID:       "postgres.audit.line-prefix",
			Title:    "Log lines name the user, database and client",
			Section:  sectionSecurity,
			Item:     itemAuditLogging,
			Severity: check.SeverityLow,
			Tags:     []string{"security", "audit"},
			Remediation: "Set log_line_prefix to include %u, %d and %h (or %r), for example " +
				"'%m [%p] %u@%d %h ', then reload.",
			Refs: []string{refDevSec + "postgres-16", refCIS + "3.1"},
		}, judgeLinePrefix),
		s.newCheck(check.Meta{
			ID:          "postgres.audit.statement",
			Title:       "Schema changes (at least) are logged",
			Section:     sectionSecurity,
			Item:        itemAuditLogging,
			Severity:    check.SeverityMedium,
			Tags:        []string{"security", "audit"},
			Remediation: "Set log_statement = 'ddl' (or 'mod' to also log data changes), then reload.",
			Refs:        []string{refCIS + "3.1"},
		}, judgeLogStatement),
		s.newCheck(check.Meta{
			ID:       "postgres.audit.pgaudit",
			Title:    "pgAudit is loaded for session and object audit logging",
			Section:  sectionSecurity,
			Item:     itemAuditLogging,
			Severity: check.SeverityInfo,
			Tags:     []string{"security", "audit"},
			Remediation: "Install pgaudit, add it to shared_preload_libraries (restart), CREATE EXTENSION pgaudit " +
				"and set pgaudit.log (for example 'ddl,write').",
			Refs: []string{refCIS + "3.2"},
		}, judgePGAudit),
	}
}

// judgeDefaultPasswords verifies every stored verifier against the
// default and common passwords when the role may read pg_authid, and
// otherwise runs the opt-in login probe.
func (s *Server) judgeDefaultPasswords(ctx context.Context, snap *Snapshot) check.Result {
	if snap.CanReadAuthid && snap.hashesErr == nil {
		return judgeStoredHashes(ctx, snap.storedHashes)
	}
	if n := s.opts.loginAttempts(); n > 0 && s.cfg != nil {
		return s.probeLogins(ctx, snap, n)
	}
	return check.Error(fmt.Errorf("postgres: default passwords: %w; set Options.LoginAttempts to try "+
		"default credentials by logging in instead", snap.hashesErr))
}

// judgeStoredHashes runs the offline verification of each account (SCRAM
// costs thousands of PBKDF2 rounds per guess) on every CPU at once,
// checking ctx between accounts; findings keep the accounts' order.
func judgeStoredHashes(ctx context.Context, hashes []database.StoredHash) check.Result {
	found := make([][]database.WeakFinding, len(hashes))
	var g errgroup.Group
	g.SetLimit(max(runtime.GOMAXPROCS(0), 1))
	for i, h := range hashes {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil {
				found[i] = database.WeakStoredPasswords("postgres", []database.StoredHash{h})
			}
			return nil
		})
	}
	_ = g.Wait() // the workers return no error
	if ctx.Err() != nil {
		return check.Error(fmt.Errorf("postgres: default passwords: %w", context.Cause(ctx)))
	}
	var weak, unverified []check.Finding
	for _, ws := range found {
		for _, w := range ws {
			loc := check.Location{Resource: "role " + w.User}
			if w.Err != nil {
				unverified = append(unverified, check.Finding{
					Message:  "the stored password of role " + w.User + " could not be verified",
					Location: loc,
					Expected: "a SCRAM-SHA-256 or md5 verifier",
					Actual:   w.Err.Error(),
				})
				continue
			}
			weak = append(weak, check.Finding{
				Message:  "role " + w.User + " has a weak password",
				Location: loc,
				Expected: "a long random password",
				Actual:   w.Reason,
			})
		}
	}
	switch {
	case len(weak) > 0:
		return check.Fail(fmt.Sprintf("%d of %d login roles with a password have a default or weak one",
			len(weak), len(hashes)), append(weak, unverified...)...)
	case len(unverified) > 0:
		return check.Warn(fmt.Sprintf("%d of %d stored passwords could not be verified", len(unverified), len(hashes)),
			unverified...)
	}
	return check.Pass(fmt.Sprintf("%d stored passwords checked offline: none is a default, empty, user-name "+
		"or common password", len(hashes)))
}

// judgePasswordEncryption judges password_encryption and, for a
// superuser, the verifiers already stored.
func judgePasswordEncryption(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("password_encryption")
	if err != nil {
		return check.Error(err)
	}
	var fs []check.Finding
	if v.Value != "scram-sha-256" {
		fs = append(fs, check.Finding{
			Message:  "new passwords are stored as " + v.Value,
			Location: settingLocation(v),
			Expected: "scram-sha-256",
			Actual:   v.Value,
		})
	}
	checked := snap.CanReadAuthid && snap.hashesErr == nil
	if checked {
		for _, h := range snap.storedHashes {
			if strings.HasPrefix(h.Hash, "md5") {
				fs = append(fs, check.Finding{
					Message:  "role " + h.User + " stores an md5 verifier",
					Location: check.Location{Resource: "role " + h.User},
					Expected: "a SCRAM-SHA-256 verifier",
					Actual:   "md5",
				})
			}
		}
	}
	msg := "password_encryption = " + v.Value
	if checked {
		msg += fmt.Sprintf("; %d stored passwords checked", len(snap.storedHashes))
	} else {
		msg += "; stored hashes were not checked (reading pg_authid needs superuser)"
	}
	return check.Judge(fs, msg, msg)
}

// inertHostSSL reports whether r is a hostssl line PostgreSQL loaded but
// that cannot match because ssl is off: not an authentication weakness.
func inertHostSSL(r HBARule) bool {
	return r.Type == "hostssl" && strings.Contains(r.Error, "SSL is disabled")
}

// judgeHBAAuth fails trust (outside local rules) and cleartext password
// rules, and lines PostgreSQL reports as invalid; local trust is a
// warning.
func judgeHBAAuth(_ context.Context, snap *Snapshot) check.Result {
	if snap.HBAErr != nil {
		return check.Error(snap.HBAErr)
	}
	var fs []check.Finding
	failed := false
	for _, r := range snap.HBA {
		switch {
		case r.Error != "" && inertHostSSL(r):
			// A hostssl line on a server with ssl off never matches:
			// postgres.tls.server reports the cause.
		case r.Error != "":
			failed = true
			fs = append(fs, check.Finding{
				Message:  "PostgreSQL reports this pg_hba.conf line as invalid (a file with a line it cannot parse is not loaded)",
				Location: hbaLocation(r),
				Expected: "a valid rule",
				Actual:   r.Error,
			})
		case r.Method == "password":
			failed = true
			fs = append(fs, check.Finding{
				Message:  "the rule sends passwords in cleartext",
				Location: hbaLocation(r),
				Expected: "scram-sha-256",
				Actual:   "password",
			})
		case r.Method == "trust" && r.Type == "local":
			fs = append(fs, check.Finding{
				Message:  "any OS user on the host can log in as the matching roles over the Unix socket without a password",
				Location: hbaLocation(r),
				Expected: "peer or scram-sha-256",
				Actual:   "trust",
			})
		case r.Method == "trust":
			failed = true
			fs = append(fs, check.Finding{
				Message:  "clients matching the rule log in without a password",
				Location: hbaLocation(r),
				Expected: "scram-sha-256 or cert",
				Actual:   "trust",
			})
		}
	}
	msg := fmt.Sprintf("%d hba rules: no trust, cleartext password or broken rule", len(snap.HBA))
	switch {
	case failed:
		return check.Fail(fmt.Sprintf("%d of %d hba rules allow logins without a (protected) password or are broken",
			len(fs), len(snap.HBA)), fs...)
	case len(fs) > 0:
		return check.Warn(fmt.Sprintf("%d local hba rules trust every OS user", len(fs)), fs...)
	}
	return check.Pass(msg)
}

// tlsVersions orders the values of ssl_min_protocol_version.
var tlsVersions = map[string]int{"TLSv1": 10, "TLSv1.1": 11, "TLSv1.2": 12, "TLSv1.3": 13}

// judgeTLSServer judges ssl and ssl_min_protocol_version.
func (s *Server) judgeTLSServer(_ context.Context, snap *Snapshot) check.Result {
	want, ok := tlsVersions[s.opts.minTLS()]
	if !ok {
		return check.Errorf("postgres: Options.MinTLSVersion %q is not one of TLSv1.2, TLSv1.3", s.opts.MinTLSVersion)
	}
	ssl, err := snap.Setting("ssl")
	if err != nil {
		return check.Error(err)
	}
	var fs []check.Finding
	if ssl.Value != "on" {
		fs = append(fs, check.Finding{
			Message:  "the server does not offer TLS: every connection is plaintext",
			Location: settingLocation(ssl),
			Expected: "on",
			Actual:   ssl.Value,
		})
	}
	msg := "ssl = " + ssl.Value
	minv, err := snap.Setting("ssl_min_protocol_version")
	switch {
	case errors.Is(err, ErrNoSetting):
		msg += "; this server has no ssl_min_protocol_version (before PostgreSQL 12): the protocol floor was not judged"
	case err != nil && len(fs) > 0:
		// ssl is off: the floor does not change the verdict.
		return check.Fail(msg+"; ssl_min_protocol_version was not judged ("+err.Error()+")", fs...)
	case err != nil:
		return check.Error(err)
	default:
		msg += ", ssl_min_protocol_version = " + minv.Value
		if got, known := tlsVersions[minv.Value]; !known || got < want {
			fs = append(fs, check.Finding{
				Message:  "the server accepts TLS versions older than " + s.opts.minTLS(),
				Location: settingLocation(minv),
				Expected: s.opts.minTLS() + " or later",
				Actual:   minv.Value,
			})
		}
	}
	return check.Judge(fs, msg, msg)
}

// judgeTLSConnection judges this session's row of pg_stat_ssl.
func judgeTLSConnection(_ context.Context, snap *Snapshot) check.Result {
	for _, x := range snap.Sessions {
		if !x.Own {
			continue
		}
		switch {
		case x.ClientAddr == "":
			return check.Skip("connected over a Unix socket; TLS does not apply")
		case x.SSL == nil:
			return check.Errorf("postgres: pg_stat_ssl has no row for this session (pid %d)", x.PID)
		case *x.SSL:
			return check.Pass("this session from " + x.ClientAddr + " uses " + x.TLSVersion)
		}
		return check.Fail("this session is not encrypted", check.Finding{
			Message:  "the checker's connection from " + x.ClientAddr + " is plaintext",
			Location: check.Location{Resource: sessionResource(x)},
			Expected: "TLS (sslmode=verify-full)",
			Actual:   "plaintext",
		})
	}
	if snap.SessionsErr != nil {
		return check.Error(snap.SessionsErr)
	}
	return check.Errorf("postgres: pg_stat_activity has no row for this session (pid %d)", snap.PID)
}

func sessionResource(x Session) string {
	return fmt.Sprintf("session pid %d %s@%s from %s", x.PID, x.User, x.Database, x.ClientAddr)
}

// isLoopback reports whether a client address is on this host: empty (a
// Unix socket or a background process), 127.0.0.0/8 or ::1.
func isLoopback(addr string) bool {
	if addr == "" {
		return true
	}
	a, err := netip.ParseAddr(addr)
	return err == nil && a.Unmap().IsLoopback()
}

// judgeTLSSessions fails every network client session without TLS.
func judgeTLSSessions(_ context.Context, snap *Snapshot) check.Result {
	if snap.SessionsErr != nil {
		return check.Error(snap.SessionsErr)
	}
	var fs, unknown []check.Finding
	remote := 0
	for _, x := range snap.Sessions {
		if (x.BackendType != "client backend" && x.BackendType != "walsender") || isLoopback(x.ClientAddr) {
			continue
		}
		remote++
		switch {
		case x.SSL == nil:
			unknown = append(unknown, check.Finding{
				Message:  "the TLS state of the session is not shown",
				Location: check.Location{Resource: sessionResource(x)},
				Expected: "a pg_stat_ssl row",
			})
		case !*x.SSL:
			fs = append(fs, check.Finding{
				Message:  "a client is connected over the network without TLS",
				Location: check.Location{Resource: sessionResource(x)},
				Expected: "TLS",
				Actual:   "plaintext",
			})
		}
	}
	switch {
	case len(fs) > 0:
		return check.Fail(fmt.Sprintf("%d of %d network sessions are plaintext", len(fs), remote), append(fs, unknown...)...)
	case len(unknown) > 0:
		return check.Warn(fmt.Sprintf("the TLS state of %d of %d network sessions is unknown", len(unknown), remote), unknown...)
	}
	return check.Pass(fmt.Sprintf("%d network sessions, all over TLS (%d sessions in all)", remote, len(snap.Sessions)))
}

// loopbackRule reports whether an hba rule's address reaches this host
// only: samehost, localhost, or a network inside 127.0.0.0/8 or ::1/128.
func loopbackRule(r HBARule) bool {
	switch r.Address {
	case "samehost", "localhost":
		return true
	}
	p, ok := rulePrefix(r)
	if !ok {
		return false
	}
	if p.Addr().Is4() {
		return p.Bits() >= 8 && p.Addr().IsLoopback()
	}
	return p.Bits() == 128 && p.Addr().IsLoopback()
}

// rulePrefix returns an hba rule's address and netmask as a prefix, when
// they are an IP network.
func rulePrefix(r HBARule) (netip.Prefix, bool) {
	a, err := netip.ParseAddr(r.Address)
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := a.BitLen()
	if r.Netmask != "" {
		m, err := netip.ParseAddr(r.Netmask)
		if err != nil {
			return netip.Prefix{}, false
		}
		bits = maskBits(m.AsSlice())
	}
	p, err := a.Prefix(bits)
	return p, err == nil
}

// maskBits counts the leading one bits of a netmask.
func maskBits(m []byte) int {
	n := 0
	for _, b := range m {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) == 0 {
				return n
			}
			n++
		}
	}
	return n
}

// judgeTLSHBA fails host and hostnossl rules that admit remote clients.
func judgeTLSHBA(_ context.Context, snap *Snapshot) check.Result {
	if snap.HBAErr != nil {
		return check.Error(snap.HBAErr)
	}
	var fs []check.Finding
	for _, r := range snap.HBA {
		if r.Error != "" || (r.Type != "host" && r.Type != "hostnossl") || r.Method == "reject" || loopbackRule(r) {
			continue
		}
		fs = append(fs, check.Finding{
			Message:  "remote clients may connect without TLS; use hostssl",
			Location: hbaLocation(r),
			Expected: "hostssl",
			Actual:   r.Type,
		})
	}
	msg := fmt.Sprintf("%d hba rules: remote clients are admitted over TLS only", len(snap.HBA))
	return check.Judge(fs, msg, fmt.Sprintf("%d hba rules admit remote clients without TLS", len(fs)))
}

// judgeListen warns when the server listens on every address.
func (s *Server) judgeListen(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("listen_addresses")
	if err != nil {
		return check.Error(err)
	}
	var all []string
	for a := range strings.SplitSeq(v.Value, ",") {
		switch a = strings.TrimSpace(a); a {
		case "*", "0.0.0.0", "::":
			all = append(all, a)
		}
	}
	shown := v.Value
	if shown == "" {
		shown = "'' (Unix sockets only)"
	}
	switch {
	case len(all) == 0:
		return check.Pass("listen_addresses = " + shown)
	case s.opts.AllowListenAll:
		return check.Pass("listen_addresses = " + shown + " (accepted: Options.AllowListenAll)")
	}
	return check.Warn("listen_addresses = "+shown+": the server accepts TCP connections on every interface",
		check.Finding{
			Message:  "the server listens on every address; pg_hba.conf and the firewall are all that restrict access",
			Location: settingLocation(v),
			Expected: "the addresses clients use",
			Actual:   v.Value,
		})
}

// openRule reports whether an hba rule admits every address.
func openRule(r HBARule) bool {
	if r.Address == "all" {
		return true
	}
	p, ok := rulePrefix(r)
	return ok && p.Bits() == 0
}

// judgeHBAOpen fails rules that admit every address and warns on samenet.
func judgeHBAOpen(_ context.Context, snap *Snapshot) check.Result {
	if snap.HBAErr != nil {
		return check.Error(snap.HBAErr)
	}
	var fs []check.Finding
	failed := false
	for _, r := range snap.HBA {
		if r.Error != "" || r.Type == "local" || r.Method == "reject" {
			continue
		}
		switch {
		case openRule(r):
			failed = true
			fs = append(fs, check.Finding{
				Message:  "the rule admits clients from any address",
				Location: hbaLocation(r),
				Expected: "the client networks only",
				Actual:   strings.TrimSpace(r.Address + " " + r.Netmask),
			})
		case r.Address == "samenet":
			fs = append(fs, check.Finding{
				Message:  "the rule admits every host on the server's subnets",
				Location: hbaLocation(r),
				Expected: "the client networks only",
				Actual:   "samenet",
			})
		}
	}
	switch {
	case failed:
		return check.Fail(fmt.Sprintf("%d hba rules admit every address or subnet", len(fs)), fs...)
	case len(fs) > 0:
		return check.Warn(fmt.Sprintf("%d hba rules admit the server's whole subnets", len(fs)), fs...)
	}
	return check.Pass(fmt.Sprintf("%d hba rules: none admits every address", len(snap.HBA)))
}

// settingOn reports whether a boolean setting (or PostgreSQL 18's
// log_connections list) is on.
func settingOn(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "off", "false", "no", "0":
		return false
	}
	return true
}

// judgeLogConnections judges log_connections and log_disconnections.
func judgeLogConnections(_ context.Context, snap *Snapshot) check.Result {
	var fs []check.Finding
	var parts []string
	for _, name := range []string{"log_connections", "log_disconnections"} {
		v, err := snap.Setting(name)
		if err != nil {
			return check.Error(err)
		}
		parts = append(parts, name+" = "+v.Value)
		if !settingOn(v.Value) {
			fs = append(fs, check.Finding{
				Message:  name + " is off",
				Location: settingLocation(v),
				Expected: "on",
				Actual:   v.Value,
			})
		}
	}
	msg := strings.Join(parts, ", ")
	if v, err := snap.Setting("logging_collector"); err == nil && !settingOn(v.Value) {
		msg += "; logging_collector is off, so the log goes to stderr (keep what the platform captures)"
	}
	return check.Judge(fs, msg, msg)
}

// prefixEscapes returns the escape letters of a log_line_prefix value:
// "%m [%p] %u" gives "mpu". "%%" is a literal percent sign, and a
// padding ("%-10u") is skipped.
func prefixEscapes(prefix string) string {
	var b strings.Builder
	for i := 0; i < len(prefix); i++ {
		if prefix[i] != '%' {
			continue
		}
		i++
		for i < len(prefix) && (prefix[i] == '-' || prefix[i] >= '0' && prefix[i] <= '9') {
			i++
		}
		if i < len(prefix) && prefix[i] != '%' {
			b.WriteByte(prefix[i])
		}
	}
	return b.String()
}

// judgeLinePrefix wants the user, the database and the client host.
func judgeLinePrefix(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("log_line_prefix")
	if err != nil {
		return check.Error(err)
	}
	esc := prefixEscapes(v.Value)
	var missing []string
	if !strings.Contains(esc, "u") {
		missing = append(missing, "%u (user)")
	}
	if !strings.Contains(esc, "d") {
		missing = append(missing, "%d (database)")
	}
	msg := "log_line_prefix = " + strconv.Quote(v.Value)
	if !strings.ContainsAny(esc, "hr") {
		// With connections logged ("connection received: host=..."),
		// the process ID (%p) or session ID (%c) in every line leads
		// to the client: Debian's default, '%m [%p] %q%u@%d ', with
		// log_connections on.
		if lc, err := snap.Setting("log_connections"); err == nil && settingOn(lc.Value) && strings.ContainsAny(esc, "pc") {
			msg += "; the client host is in each session's connection line, found by its process or session ID"
		} else {
			missing = append(missing, "%h or %r (client host), or %p with log_connections on")
		}
	}
	if len(missing) == 0 {
		return check.Pass(msg)
	}
	return check.Fail(msg+" lacks "+strings.Join(missing, ", "), check.Finding{
		Message:  "log lines do not say who connected from where",
		Location: settingLocation(v),
		Expected: "a prefix with %u, %d and %h",
		Actual:   "missing " + strings.Join(missing, ", "),
	})
}

// judgeLogStatement wants DDL at least.
func judgeLogStatement(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("log_statement")
	if err != nil {
		return check.Error(err)
	}
	msg := "log_statement = " + v.Value
	switch v.Value {
	case "ddl", "mod", "all":
		return check.Pass(msg)
	}
	// pgaudit logging DDL is the audit trail CIS prefers to log_statement.
	if a, err := snap.Setting("pgaudit.log"); err == nil && pgauditLogsDDL(a.Value) {
		return check.Pass(msg + "; pgaudit.log = " + a.Value + " records schema changes")
	}
	return check.Fail(msg, check.Finding{
		Message:  "schema changes are not logged",
		Location: settingLocation(v),
		Expected: "ddl, mod or all",
		Actual:   v.Value,
	})
}

// pgauditLogsDDL reports whether a pgaudit.log value ("ddl, write",
// "all, -misc") covers the ddl class.
func pgauditLogsDDL(v string) bool {
	on := false
	for _, c := range strings.Split(strings.ToLower(v), ",") {
		switch strings.TrimSpace(c) {
		case "ddl", "all":
			on = true
		case "-ddl":
			on = false
		}
	}
	return on
}

// judgePGAudit looks for pgaudit in shared_preload_libraries.
func judgePGAudit(_ context.Context, snap *Snapshot) check.Result {
	v, err := snap.Setting("shared_preload_libraries")
	if err != nil {
		return check.Error(err)
	}
	if hasLibrary(v.Value, "pgaudit") {
		return check.Pass("pgaudit is in shared_preload_libraries")
	}
	return check.Warn("pgaudit is not loaded: only the server log records activity", check.Finding{
		Message:  "pgaudit is not in shared_preload_libraries",
		Location: settingLocation(v),
		Expected: "a list including pgaudit",
		Actual:   strconv.Quote(v.Value),
	})
}
