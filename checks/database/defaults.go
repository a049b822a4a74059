package database

import (
	"embed"
	"strings"
	"sync"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// The default-credential lists, kept as data: one "user:password" pair a
// line; '#' starts a comment line. The common guesses tried beside them are
// internal/secret's well-known values, the one list of weak secrets.
//
//go:embed data/*.txt
var dataFS embed.FS

// A Credential is a user name and password pair known as a default.
type Credential struct {
	User     string
	Password string // may be empty: "root" with no password
}

// engines maps the names an engine goes by to its canonical name.
var engines = map[string]string{
	"postgres": "postgres", "postgresql": "postgres", "pg": "postgres",
	"mysql": "mysql", "mariadb": "mysql",
	"oracle": "oracle",
	"mssql":  "mssql", "sqlserver": "mssql",
	"mongodb": "mongodb", "mongo": "mongodb",
	"redis": "redis",
}

// canonicalEngine returns the canonical name of engine, or "" when it is
// not one this package knows.
func canonicalEngine(engine string) string {
	return engines[strings.ToLower(strings.TrimSpace(engine))]
}

// readList returns the non-blank, non-comment lines of an embedded file.
func readList(name string) []string {
	b, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		return nil
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

var credentialLists = sync.OnceValue(func() map[string][]Credential {
	m := make(map[string][]Credential)
	for _, e := range []string{"postgres", "mysql", "oracle", "mssql", "redis"} {
		for _, line := range readList(e + ".txt") {
			user, pw, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			m[e] = append(m[e], Credential{User: strings.TrimSpace(user), Password: pw})
		}
	}
	return m
})

// guesses are internal/secret's well-known values: the one list of weak
// secrets, tried against stored hashes.
func guesses() []string { return secret.WellKnownSecrets() }

// DefaultCredentials returns the well-known default credentials of engine:
// "postgres" (or "postgresql"), "mysql" (or "mariadb"), "oracle", "mssql"
// and "redis". MongoDB has no built-in account, so "mongodb" returns none,
// as does an unknown engine. The lists are facts collected by hand from
// vendor documentation and images, not copies of licensed wordlists.
//
// The rule "password = user name" applies to every engine and is not in
// the lists: [WeakStoredPasswords] and [DSN] apply it. The slice is a
// fresh copy the caller may modify.
func DefaultCredentials(engine string) []Credential {
	list := credentialLists()[canonicalEngine(engine)]
	return append([]Credential(nil), list...)
}

// defaultFor reports whether (user, password) is a default credential of
// engine, user names compared ignoring case (and passwords too for
// Oracle, whose old releases ignored it).
func defaultFor(engine, user, password string) bool {
	e := canonicalEngine(engine)
	for _, c := range credentialLists()[e] {
		if !strings.EqualFold(c.User, user) {
			continue
		}
		if c.Password == password || e == "oracle" && strings.EqualFold(c.Password, password) {
			return true
		}
	}
	return false
}

// candidates returns the passwords to try against user's stored hash: the
// defaults of user first, the empty password, the user name (as written,
// lower and upper case), the other default passwords of engine, and the
// common guesses, each once.
func candidates(engine, user string) []string {
	seen := make(map[string]bool)
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	list := credentialLists()[canonicalEngine(engine)]
	for _, c := range list {
		if strings.EqualFold(c.User, user) {
			add(c.Password)
			if canonicalEngine(engine) == "oracle" {
				add(strings.ToUpper(c.Password))
			}
		}
	}
	add("")
	add(user)
	add(strings.ToLower(user))
	add(strings.ToUpper(user))
	for _, c := range list {
		add(c.Password)
	}
	for _, g := range guesses() {
		add(g)
	}
	return out
}
