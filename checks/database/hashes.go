package database

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// ErrUnsupportedHash is returned (wrapped) for a stored value whose format
// no verifier here reads: MySQL caching_sha2_password, an unknown engine.
var ErrUnsupportedHash = errors.New("unsupported stored password format")

// MaxSCRAMIterations bounds the PBKDF2 iteration count a stored SCRAM
// verifier may ask for (PostgreSQL's default is 4096), so a crafted row
// cannot make a verification run for minutes.
const MaxSCRAMIterations = 1 << 20

// A StoredHash is one account's stored password: PostgreSQL
// pg_authid.rolpassword, MySQL mysql.user.authentication_string, the
// "#<sha256>" of a Redis ACL rule.
type StoredHash struct {
	User string
	Hash string
}

// A WeakFinding is an account whose stored hash matched a weak password.
// It never holds the password: Reason says which rule caught it. A
// finding with Err set is an account that could not be checked (an
// unsupported format), never a pass.
type WeakFinding struct {
	User   string
	Reason string
	Err    error
}

// The reasons of a WeakFinding.
const (
	ReasonDefaultCredential = "a default credential of the engine"
	ReasonDefaultPassword   = "a default password of the engine (for another account)"
	ReasonUserName          = "the password equals the user name"
	ReasonEmptyPassword     = "an empty password"
	ReasonNoPassword        = "no password required (nopass)"
)

// VerifyHash reports whether candidate is the password behind stored, the
// stored verifier of user on engine, without contacting any server:
//
//   - postgres, "md5" + hex MD5(password + user);
//   - postgres, "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>"
//     (RFC 5802, RFC 7677; the candidate is used as is, without SASLprep,
//     which changes only non-ASCII passwords);
//   - mysql, mysql_native_password: "*" + upper-case hex SHA1(SHA1(password));
//   - redis, an ACL password: hex SHA-256(password), with or without the
//     leading '#' that ACL LIST shows.
//
// It returns an error wrapping [ErrUnsupportedHash] for another format,
// and a parse error for a malformed value.
func VerifyHash(engine, user, stored, candidate string) (bool, error) {
	switch e := canonicalEngine(engine); {
	case e == "postgres" && strings.HasPrefix(stored, "md5"):
		want, err := hex.DecodeString(stored[3:])
		if err != nil || len(want) != md5.Size {
			return false, errors.New("postgres md5: want \"md5\" and 32 hex digits")
		}
		sum := md5.Sum([]byte(candidate + user))
		return hmac.Equal(sum[:], want), nil
	case e == "postgres" && strings.HasPrefix(stored, "SCRAM-SHA-256$"):
		s, err := parseSCRAM(stored)
		if err != nil {
			return false, err
		}
		return s.verify(candidate)
	case e == "mysql" && strings.HasPrefix(stored, "*"):
		want, err := hex.DecodeString(stored[1:])
		if err != nil || len(want) != sha1.Size {
			return false, errors.New("mysql native: want '*' and 40 hex digits")
		}
		return hmac.Equal(mysqlNative(candidate), want), nil
	case e == "redis":
		want, err := hex.DecodeString(strings.TrimPrefix(stored, "#"))
		if err != nil || len(want) != sha256.Size {
			return false, errors.New("redis ACL: want 64 hex digits")
		}
		sum := sha256.Sum256([]byte(candidate))
		return hmac.Equal(sum[:], want), nil
	case e == "":
		return false, fmt.Errorf("%w: unknown engine %q", ErrUnsupportedHash, engine)
	default:
		return false, fmt.Errorf("%w for %s: %s", ErrUnsupportedHash, e, describeFormat(stored))
	}
}

// describeFormat names the format of stored without quoting it.
func describeFormat(stored string) string {
	switch {
	case strings.HasPrefix(stored, "$A$"):
		return "caching_sha2_password"
	case strings.HasPrefix(stored, "SCRAM-"):
		return "a SCRAM mechanism other than SCRAM-SHA-256"
	case strings.HasPrefix(stored, "$"):
		if i := strings.IndexByte(stored[1:], '$'); i > 0 && i < 12 {
			return "crypt-style \"$" + stored[1:i+1] + "$\""
		}
	}
	return fmt.Sprintf("an unrecognised value of %d characters", len(stored))
}

// mysqlNative returns SHA1(SHA1(password)).
func mysqlNative(password string) []byte {
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	return h2[:]
}

// scram is a parsed SCRAM-SHA-256 verifier.
type scram struct {
	iter      int
	salt      []byte
	storedKey []byte
	serverKey []byte
}

// parseSCRAM reads "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>",
// the format of PostgreSQL's pg_authid.rolpassword, with standard base64.
func parseSCRAM(s string) (scram, error) {
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	if !ok {
		return scram{}, errors.New("scram: want the prefix SCRAM-SHA-256$")
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return scram{}, errors.New("scram: want <iter>:<salt>$<StoredKey>:<ServerKey>")
	}
	iterText, saltText, ok1 := strings.Cut(params, ":")
	storedText, serverText, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return scram{}, errors.New("scram: want <iter>:<salt>$<StoredKey>:<ServerKey>")
	}
	iter, err := strconv.Atoi(iterText)
	if err != nil || iter < 1 || iter > MaxSCRAMIterations || iterText[0] == '+' {
		return scram{}, fmt.Errorf("scram: iteration count not in 1..%d", MaxSCRAMIterations)
	}
	var v scram
	v.iter = iter
	enc := base64.StdEncoding.Strict()
	if v.salt, err = enc.DecodeString(saltText); err != nil || len(v.salt) == 0 {
		return scram{}, errors.New("scram: salt is not non-empty base64")
	}
	if v.storedKey, err = enc.DecodeString(storedText); err != nil || len(v.storedKey) != sha256.Size {
		return scram{}, errors.New("scram: StoredKey is not 32 bytes of base64")
	}
	if v.serverKey, err = enc.DecodeString(serverText); err != nil || len(v.serverKey) != sha256.Size {
		return scram{}, errors.New("scram: ServerKey is not 32 bytes of base64")
	}
	return v, nil
}

// verify reports whether password gives the verifier's StoredKey and
// ServerKey.
func (v scram) verify(password string) (bool, error) {
	salted, err := pbkdf2.Key(sha256.New, password, v.salt, v.iter, sha256.Size)
	if err != nil {
		return false, fmt.Errorf("scram: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	server := hmacSHA256(salted, "Server Key")
	return hmac.Equal(stored[:], v.storedKey) && hmac.Equal(server, v.serverKey), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// WeakStoredPasswords tries, for each row, the default credentials of
// engine ([DefaultCredentials]), the empty password, the user name and a
// short list of common database passwords (each one weak by
// internal/secret's [secret.Weakness] rule) against the stored hash, and
// returns one finding per account whose password is among them. No login
// is attempted and no password leaves the function.
//
// A row with an empty hash is an account without a password: skipped for
// PostgreSQL (no password login), an empty password for MySQL. A Redis
// row "nopass" is an account that needs none. A row whose format cannot
// be verified is returned with Err set.
func WeakStoredPasswords(engine string, rows []StoredHash) []WeakFinding {
	e := canonicalEngine(engine)
	var out []WeakFinding
	for _, r := range rows {
		switch {
		case r.Hash == "" && e == "mysql":
			out = append(out, WeakFinding{User: r.User, Reason: ReasonEmptyPassword})
			continue
		case r.Hash == "":
			continue
		case e == "redis" && r.Hash == "nopass":
			out = append(out, WeakFinding{User: r.User, Reason: ReasonNoPassword})
			continue
		}
		for _, c := range candidates(e, r.User) {
			ok, err := VerifyHash(e, r.User, r.Hash, c)
			if err != nil {
				out = append(out, WeakFinding{User: r.User, Err: err})
				break
			}
			if ok {
				out = append(out, WeakFinding{User: r.User, Reason: weakReason(e, r.User, c)})
				break
			}
		}
	}
	return out
}

// weakReason says why the password pw of user is weak, without it.
func weakReason(engine, user, pw string) string {
	switch {
	case pw == "":
		return ReasonEmptyPassword
	case defaultFor(engine, user, pw):
		return ReasonDefaultCredential
	case strings.EqualFold(pw, user):
		return ReasonUserName
	}
	for _, c := range credentialLists()[engine] {
		if c.Password == pw {
			return ReasonDefaultPassword
		}
	}
	if w := secret.Weakness(pw); w != "" {
		return "a common password: " + w
	}
	return "a common password"
}
