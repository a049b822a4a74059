package database_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"

	"github.com/prodcheck/prodcheck/checks/database"
)

func ExampleDSN() {
	dsn := "postgres://app:postgres@203.0.113.7:5432/app?sslmode=require"
	for _, c := range database.DSN(dsn, database.DSNOptions{MustBePrivate: true}) {
		m := c.Meta()
		r := c.Run(context.Background())
		fmt.Printf("%-24s %-5v %s | %s\n", m.ID, r.Status, m.Target, r.Message)
		for _, f := range r.Findings {
			fmt.Printf("  %s: %s\n", f.Location.Resource, f.Actual)
		}
	}
	// Output:
	// database.dsn.password    fail  postgres://203.0.113.7:5432/app | the DSN's password is weak: a well-known default
	//   password of user app: 8 chars, weak: a well-known default
	// database.dsn.tls         pass  postgres://203.0.113.7:5432/app | TLS required: sslmode=require
	// database.dsn.tls-verify  warn  postgres://203.0.113.7:5432/app | TLS without full verification: sslmode=require
	//   setting sslmode=require: sslmode=require
	// database.dsn.private     fail  postgres://203.0.113.7:5432/app | 1 of 1 hosts public
	//   host 203.0.113.7: 203.0.113.7
}

func ExampleDSN_mysql() {
	dsn := "root:@tcp(10.0.0.9:3306)/shop?tls=skip-verify"
	for _, c := range database.DSN(dsn, database.DSNOptions{}) {
		r := c.Run(context.Background())
		fmt.Printf("%s [%s]: %v: %s\n", c.Meta().ID, c.Meta().Target, r.Status, r.Message)
	}
	// Output:
	// database.dsn.password [mysql://10.0.0.9:3306/shop]: fail: the DSN's password is weak: empty
	// database.dsn.tls [mysql://10.0.0.9:3306/shop]: pass: TLS required: tls=skip-verify
	// database.dsn.tls-verify [mysql://10.0.0.9:3306/shop]: warn: TLS without full verification: tls=skip-verify
}

func ExampleDefaultCredentials() {
	for _, c := range database.DefaultCredentials("oracle")[:3] {
		fmt.Printf("%s/%s\n", c.User, c.Password)
	}
	// Output:
	// scott/tiger
	// system/manager
	// system/oracle
}

func ExampleVerifyHash() {
	// pg_authid.rolpassword of an md5 role: "md5" + md5(password + user).
	sum := md5.Sum([]byte("hunter2" + "app"))
	stored := "md5" + hex.EncodeToString(sum[:])
	ok, err := database.VerifyHash("postgres", "app", stored, "hunter2")
	fmt.Println(ok, err)
	// Output:
	// true <nil>
}

func ExampleWeakStoredPasswords() {
	rows := []database.StoredHash{
		{User: "root", Hash: ""}, // no password at all
		{User: "admin", Hash: "*4ACFE3202A5FF5CF467898FC58AAB1D615029441"}, // SHA1(SHA1("admin"))
		{User: "app", Hash: "$A$005$caching-sha2-is-not-verifiable-offline"},
	}
	for _, f := range database.WeakStoredPasswords("mysql", rows) {
		if f.Err != nil {
			fmt.Printf("%s: not checked: %v\n", f.User, f.Err)
			continue
		}
		fmt.Printf("%s: %s\n", f.User, f.Reason)
	}
	// Output:
	// root: an empty password
	// admin: a default credential of the engine
	// app: not checked: unsupported stored password format for mysql: caching_sha2_password
}
