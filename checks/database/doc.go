// Package database holds the engine-neutral database checks and helpers
// of prodcheck. Nothing here opens a connection or imports a driver: the
// per-engine packages (checks/database/postgres, ...) do, and build on
// this one.
//
//   - [DSN] analyses a connection string offline and returns the checks
//     database.dsn.password (high), database.dsn.tls (high),
//     database.dsn.tls-verify (medium) and, when the caller asks for a
//     private host, database.dsn.private (high). Each check's Target is
//     the DSN without credentials; no finding shows a password, only its
//     fingerprint (internal/secret).
//   - [DefaultCredentials] returns the well-known default accounts of
//     PostgreSQL, MySQL/MariaDB, Oracle, SQL Server and Redis, kept as
//     embedded data (data/*.txt), facts collected by hand rather than
//     copies of licensed wordlists.
//   - [VerifyHash] checks a candidate password against a stored verifier
//     (PostgreSQL md5 and SCRAM-SHA-256, MySQL mysql_native_password,
//     Redis ACL SHA-256), and [WeakStoredPasswords] runs the default
//     list, the empty password, the user name and common database
//     passwords against the stored hashes, so a weak password is found
//     from the catalogue without a single login attempt.
//
// The rules for what makes a secret weak live in one place,
// internal/secret ([secret.Weakness], [secret.Strength]); this package
// only applies them with database thresholds ([MinPasswordLength],
// [MinPasswordBits]).
package database
