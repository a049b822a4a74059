package database

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/prodcheck/prodcheck/check"
)

// strongPW is a random-looking password of 24 characters.
const strongPW = "u7#Kq2!vXr9$Lm4@Wz8&Tb3p"

// text is everything a result and its meta show.
func text(m check.Meta, r check.Result) string {
	s := fmt.Sprintf("%s %s %v", m.Target, r.Message, r.Err)
	for _, f := range r.Findings {
		s += fmt.Sprintf(" %s %s %s %s", f.Message, f.Location.Resource, f.Expected, f.Actual)
	}
	return s
}

func TestDSN(t *testing.T) {
	const (
		P  = check.StatusPass
		F  = check.StatusFail
		W  = check.StatusWarn
		S  = check.StatusSkip
		E  = check.StatusError
		no = check.StatusUnknown // the check is not returned
	)
	tests := []struct {
		name                        string
		dsn                         string
		opts                        DSNOptions
		target                      string
		password, tls, verify, priv check.Status
	}{
		{"pg url verify-full strong", "postgres://app:" + url.QueryEscape(strongPW) + "@10.0.0.5:5432/app?sslmode=verify-full", DSNOptions{MustBePrivate: true},
			"postgres://10.0.0.5:5432/app", P, P, P, P},
		{"pg default prefer", "postgresql://postgres:postgres@db.example.com/app", DSNOptions{MustBePrivate: true},
			"postgresql://db.example.com/app", F, F, S, W},
		{"pg require public ip", "postgres://app@203.0.113.7:5432/app?sslmode=require", DSNOptions{MustBePrivate: true},
			"postgres://203.0.113.7:5432/app", P, P, W, F},
		{"pg verify-ca", "postgres://app@db.internal/app?sslmode=verify-ca", DSNOptions{MustBePrivate: true},
			"postgres://db.internal/app", P, P, W, P},
		{"pg require sslrootcert=system", "postgres://app@db/app?sslmode=require&sslrootcert=system", DSNOptions{},
			"postgres://db/app", P, P, P, no},
		{"pg disable", "postgres://app@localhost/app?sslmode=disable", DSNOptions{}, "postgres://localhost/app", P, F, S, no},
		{"pg allow", "postgres://app@localhost/app?sslmode=allow", DSNOptions{}, "postgres://localhost/app", P, F, S, no},
		{"pg multi host", "postgres://app@10.0.0.1:5432,198.51.100.9:5433/app?sslmode=verify-full", DSNOptions{MustBePrivate: true},
			"postgres://10.0.0.1:5432,198.51.100.9:5433/app", P, P, P, F},
		{"pg password param", "postgres://db.internal/app?user=app&password=app&sslmode=verify-full", DSNOptions{},
			"postgres://db.internal/app", F, P, P, no},
		{"pg ipv6 ula", "postgres://app@[fd00::5]:5432/app?sslmode=verify-full", DSNOptions{MustBePrivate: true},
			"postgres://[fd00::5]:5432/app", P, P, P, P},
		{"pg socket", "postgres://app@%2Fvar%2Frun%2Fpostgresql/app?sslmode=verify-full", DSNOptions{MustBePrivate: true},
			"postgres://%2Fvar%2Frun%2Fpostgresql/app", P, P, P, P},
		{"pg key=value", "host=db.internal port=5432 user=app password='" + strongPW + "' dbname=app sslmode=verify-full", DSNOptions{MustBePrivate: true},
			"postgres://db.internal:5432/app", P, P, P, P},
		{"pg key=value quoted weak", `host=8.8.8.8 user=admin password = 'adm\'in' dbname=app`, DSNOptions{MustBePrivate: true},
			"postgres://8.8.8.8/app", F, F, S, F},
		{"pg key=value user=password", "host=10.1.2.3 user=Reporting_User_2024x password=reporting_user_2024x sslmode=verify-full", DSNOptions{},
			"postgres://10.1.2.3", F, P, P, no},
		{"pg short password", "postgres://app:Xk9%23q2Lm@db/app?sslmode=verify-full", DSNOptions{}, "postgres://db/app", F, P, P, no},
		{"mysql driver tls=true", "app:" + strongPW + "@tcp(10.0.0.9:3306)/shop?tls=true&parseTime=true", DSNOptions{MustBePrivate: true},
			"mysql://10.0.0.9:3306/shop", P, P, P, P},
		{"mysql driver root empty", "root:@tcp(127.0.0.1:3306)/shop", DSNOptions{MustBePrivate: true},
			"mysql://127.0.0.1:3306/shop", F, F, S, P},
		{"mysql skip-verify", "app@tcp(db:3306)/shop?tls=skip-verify", DSNOptions{}, "mysql://db:3306/shop", P, P, W, no},
		{"mysql preferred", "app@tcp(db:3306)/shop?tls=preferred", DSNOptions{}, "mysql://db:3306/shop", P, F, S, no},
		{"mysql custom config", "app@tcp(db:3306)/shop?tls=prod-ca", DSNOptions{}, "mysql://db:3306/shop", P, P, P, no},
		{"mysql unix", "app@unix(/run/mysqld/mysqld.sock)/shop?tls=true", DSNOptions{MustBePrivate: true},
			"mysql://%2Frun%2Fmysqld%2Fmysqld.sock/shop", P, P, P, P},
		{"mysql default credential", "root:mysql@/shop?tls=true", DSNOptions{}, "mysql://localhost/shop", F, P, P, no},
		{"mysql url", "mysql://root:root@db:3306/shop", DSNOptions{}, "mysql://db:3306/shop", F, F, S, no},
		{"mysql engine forced", "app@tcp(db)/shop", DSNOptions{Engine: "mariadb"}, "mysql://db/shop", P, F, S, no},
		{"mongo srv", "mongodb+srv://app:" + url.QueryEscape(strongPW) + "@cluster0.example.net/app", DSNOptions{}, "mongodb+srv://cluster0.example.net/app", P, P, P, no},
		{"mongo plain", "mongodb://app@10.0.0.1:27017,10.0.0.2:27017/app?replicaSet=rs0", DSNOptions{MustBePrivate: true},
			"mongodb://10.0.0.1:27017,10.0.0.2:27017/app", P, F, S, P},
		{"mongo tls insecure", "mongodb://app@db/app?tls=true&tlsAllowInvalidCertificates=true", DSNOptions{}, "mongodb://db/app", P, P, W, no},
		{"mongo ssl", "mongodb://app@db/app?ssl=true", DSNOptions{}, "mongodb://db/app", P, P, P, no},
		{"mongo srv tls off", "mongodb+srv://app@c.example.net/app?tls=false", DSNOptions{}, "mongodb+srv://c.example.net/app", P, F, S, no},
		{"redis plain foobared", "redis://:foobared@cache:6379/0", DSNOptions{MustBePrivate: true}, "redis://cache:6379/0", F, F, S, W},
		{"rediss", "rediss://default:" + url.QueryEscape(strongPW) + "@cache.internal:6380", DSNOptions{}, "rediss://cache.internal:6380", P, P, P, no},
		{"redis cgnat", "rediss://100.64.1.2:6380", DSNOptions{MustBePrivate: true}, "rediss://100.64.1.2:6380", P, P, P, P},
		{"unknown engine option", "postgres://a@b/c", DSNOptions{Engine: "db2"}, "unparsable 16-character DSN", E, E, E, no},
		{"garbage", "not a dsn", DSNOptions{}, "not a dsn", E, E, E, no},
		{"bad port keeps password out", "postgres://app:Sup3rS3cretPassw0rd!@db:99999/app", DSNOptions{}, "unparsable 48-character DSN", E, E, E, no},
		{"unescaped # in password", "postgres://app:ab#cdefgh@db/app", DSNOptions{}, "unparsable 31-character DSN", E, E, E, no},
		{"unterminated quote", "host=db password='abc", DSNOptions{}, "unparsable 21-character DSN", E, E, E, no},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := DSN(tt.dsn, tt.opts)
			want := map[string]check.Status{
				"database.dsn.password": tt.password, "database.dsn.tls": tt.tls,
				"database.dsn.tls-verify": tt.verify, "database.dsn.private": tt.priv,
			}
			got := map[string]bool{}
			for _, c := range checks {
				m := c.Meta()
				if err := m.Validate(); err != nil {
					t.Fatalf("%s: %v", m.ID, err)
				}
				if m.Target != tt.target {
					t.Errorf("%s: Target = %q, want %q", m.ID, m.Target, tt.target)
				}
				r := c.Run(context.Background())
				got[m.ID] = true
				if r.Status != want[m.ID] {
					t.Errorf("%s: status %v, want %v (%s; %v)", m.ID, r.Status, want[m.ID], r.Message, r.Findings)
				}
				if r.Status == check.StatusPass && len(r.Findings) > 0 {
					t.Errorf("%s: a pass with findings", m.ID)
				}
				for _, pw := range []string{strongPW, "Sup3rS3cretPassw0rd!", "adm'in", "foobared", "Xk9#q2Lm", "reporting_user_2024x", "ab#cdefgh", "cdefgh"} {
					if s := text(m, r); strings.Contains(s, pw) {
						t.Errorf("%s: output shows the password: %s", m.ID, s)
					}
				}
			}
			for id, st := range want {
				if (st != no) != got[id] {
					t.Errorf("%s returned = %v, want %v", id, got[id], st != no)
				}
			}
		})
	}
}

func TestDSNPasswordReasons(t *testing.T) {
	cases := map[string]string{
		"postgres://postgres:postgres@db/app":           "well-known",
		"postgres://admin:password@db/app":              "well-known",
		"postgres://dcmadmin:passw0rd@db/app":           "well-known",
		"postgres://Qz7vLp2Rkx9TfW:Qz7vLp2Rkx9TfW@db/a": "user name",
		"postgres://app:aB3$aB3$aB3$aB3$aB3$@db/a":      "repeated",
		"postgres://app:Tr0ub4dor&3xyzQ@db/a":           "shorter than 16",
	}
	for dsn, want := range cases {
		r := DSN(dsn, DSNOptions{})[0].Run(context.Background())
		if r.Status != check.StatusFail || !strings.Contains(r.Findings[0].Message, want) {
			t.Errorf("%s: %v %q, want a Fail mentioning %q", dsn, r.Status, r.Message, want)
		}
	}
}

func TestDSNCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range DSN("postgres://db/app", DSNOptions{}) {
		if r := c.Run(ctx); r.Status != check.StatusError {
			t.Errorf("%s: %v after cancel, want Error", c.Meta().ID, r.Status)
		}
	}
}

func TestHostKind(t *testing.T) {
	for host, want := range map[string]string{
		"10.1.2.3": "private", "172.16.0.1": "private", "192.168.1.1": "private", "127.0.0.1": "private",
		"::1": "private", "fe80::1%eth0": "private", "fd12::1": "private", "100.100.0.1": "private",
		"::ffff:10.0.0.1": "private", "8.8.8.8": "public", "2001:4860::8888": "public", "::ffff:8.8.8.8": "public",
		"localhost": "private", "db.internal": "private", "printer.local": "private", "nas.home.arpa": "private",
		"/var/run/postgresql": "private", "db": "name", "db.example.com": "name", "rds.amazonaws.com.": "name",
	} {
		if got := hostKind(host); got != want {
			t.Errorf("hostKind(%q) = %s, want %s", host, got, want)
		}
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"postgres://u:p@h:5432,h2/db?sslmode=verify-full", "host=h password='a\\'b' dbname=x",
		"u:p@tcp([::1]:3306)/db?tls=true", "mongodb+srv://u@c/db", "rediss://:p@h", "u@unix(/s)/d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range DSN(s, DSNOptions{MustBePrivate: true}) {
			m := c.Meta()
			if strings.ContainsAny(m.Target, "\n\r") {
				t.Fatalf("target with a newline: %q", m.Target)
			}
			r := c.Run(context.Background())
			if r.Status == check.StatusUnknown {
				t.Fatalf("%s: unknown status", m.ID)
			}
		}
	})
}
