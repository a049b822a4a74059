package database

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/prodcheck/prodcheck/internal/secret"
)

// pbkdf2SHA256 is PBKDF2-HMAC-SHA256 written from RFC 8018 §5.2 for one
// 32-byte block, independent of crypto/pbkdf2, so the known answers are
// computed from the spec rather than by the code under test.
func pbkdf2SHA256(password, salt []byte, iter int) []byte {
	prf := hmac.New(sha256.New, password)
	prf.Write(salt)
	prf.Write(binary.BigEndian.AppendUint32(nil, 1)) // INT(1): block 1
	u := prf.Sum(nil)
	t := append([]byte(nil), u...)
	for i := 1; i < iter; i++ {
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(u[:0])
		for j := range t {
			t[j] ^= u[j]
		}
	}
	return t
}

// scramVerifier builds a PostgreSQL SCRAM-SHA-256 verifier from RFC 5802
// §3 and RFC 7677.
func scramVerifier(password string, salt []byte, iter int) string {
	salted := pbkdf2SHA256([]byte(password), salt, iter)
	mac := func(msg string) []byte {
		m := hmac.New(sha256.New, salted)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac("Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := mac("Server Key")
	b := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$" + strconv.Itoa(iter) + ":" + b(salt) + "$" + b(storedKey[:]) + ":" + b(serverKey)
}

func pgMD5(user, password string) string {
	sum := md5.Sum([]byte(password + user))
	return "md5" + hex.EncodeToString(sum[:])
}

func mysqlNativeHash(password string) string {
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(h2[:]))
}

func redisACL(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

func TestPBKDF2MatchesRFC7914(t *testing.T) {
	// RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, first 32 bytes.
	got := hex.EncodeToString(pbkdf2SHA256([]byte("passwd"), []byte("salt"), 1))
	if want := "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"; got != want {
		t.Fatalf("test PBKDF2 = %s, want the RFC 7914 vector %s", got, want)
	}
}

func TestVerifyHash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	scram := scramVerifier("pencil", salt, 4096)
	tests := []struct {
		engine, user, stored, candidate string
		want                            bool
	}{
		{"postgres", "app", pgMD5("app", "s3cret-App"), "s3cret-App", true},
		{"postgres", "app", pgMD5("app", "s3cret-App"), "s3cret-app", false},
		{"postgres", "other", pgMD5("app", "s3cret-App"), "s3cret-App", false}, // the user is the salt
		{"postgresql", "user", scram, "pencil", true},
		{"postgres", "user", scram, "Pencil", false},
		{"postgres", "u", scramVerifier("", salt, 1), "", true},
		{"mysql", "root", mysqlNativeHash("root"), "root", true},
		{"mariadb", "root", strings.ToLower(mysqlNativeHash("x")), "x", true},
		{"mysql", "root", mysqlNativeHash("root"), "toor", false},
		{"redis", "default", redisACL("foobared"), "foobared", true},
		{"redis", "default", "#" + redisACL("foobared"), "foobared", true},
		{"redis", "default", redisACL("foobared"), "foobar", false},
	}
	for _, tt := range tests {
		got, err := VerifyHash(tt.engine, tt.user, tt.stored, tt.candidate)
		if err != nil || got != tt.want {
			t.Errorf("VerifyHash(%s, %s, %.20s..., %q) = %v, %v; want %v", tt.engine, tt.user, tt.stored, tt.candidate, got, err, tt.want)
		}
	}
}

// Values known from the engines' documentation, as a cross-check of the
// computed answers above.
func TestVerifyHashKnownValues(t *testing.T) {
	// MySQL: SELECT PASSWORD('password') on 5.x.
	if ok, err := VerifyHash("mysql", "root", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", "password"); !ok || err != nil {
		t.Errorf("mysql native PASSWORD('password'): %v, %v", ok, err)
	}
	if got := mysqlNativeHash("password"); got != "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19" {
		t.Errorf("test helper: %s", got)
	}
}

func TestVerifyHashErrors(t *testing.T) {
	for _, tt := range []struct{ engine, stored string }{
		{"postgres", "md5zz"},
		{"postgres", "md5" + strings.Repeat("a", 31)},
		{"postgres", "SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"},
		{"postgres", "SCRAM-SHA-256$0:c2FsdA==$" + strings.Repeat("A", 43) + "=:" + strings.Repeat("A", 43) + "="},
		{"postgres", "SCRAM-SHA-256$99999999:c2FsdA==$" + strings.Repeat("A", 43) + "=:" + strings.Repeat("A", 43) + "="},
		{"mysql", "*1234"},
		{"redis", "nothex"},
	} {
		if _, err := VerifyHash(tt.engine, "u", tt.stored, "x"); err == nil || errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("VerifyHash(%s, %q): err %v, want a parse error", tt.engine, tt.stored, err)
		}
	}
	for _, tt := range []struct{ engine, stored string }{
		{"mysql", "$A$005$abcdefghijklmnopqrst"},
		{"postgres", "SCRAM-SHA-1$x"},
		{"postgres", "plaintext"},
		{"oracle", "S:ABCDEF"},
		{"db2", "x"},
	} {
		_, err := VerifyHash(tt.engine, "u", tt.stored, "x")
		if !errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("VerifyHash(%s, %q): err %v, want ErrUnsupportedHash", tt.engine, tt.stored, err)
		}
		if err != nil && strings.Contains(err.Error(), tt.stored) && len(tt.stored) > 2 {
			t.Errorf("error quotes the stored value: %v", err)
		}
	}
}

func TestWeakStoredPasswords(t *testing.T) {
	salt := []byte("pepper-salt-1234")
	strong := "Zq8!vN3#rT6@wY1$kP4"
	pg := WeakStoredPasswords("postgres", []StoredHash{
		{User: "postgres", Hash: scramVerifier("postgres", salt, 4096)},
		{User: "app", Hash: pgMD5("app", "app")},
		{User: "svc", Hash: scramVerifier(strong, salt, 4096)},
		{User: "report", Hash: pgMD5("report", "changeme")},
		{User: "nologin", Hash: ""},
		{User: "legacy", Hash: "SCRAM-SHA-512$x"},
		{User: "someone", Hash: pgMD5("someone", "amber")},
	})
	want := map[string]string{
		"postgres": ReasonDefaultCredential,
		"app":      ReasonUserName,
		"report":   "a common password: " + secret.WeakPlaceholder,
		"someone":  ReasonDefaultPassword,
	}
	checkFindings(t, pg, want, []string{"legacy"})

	my := WeakStoredPasswords("mysql", []StoredHash{
		{User: "root", Hash: ""},
		{User: "ROOT2", Hash: mysqlNativeHash("root2")},
		{User: "cloudera", Hash: mysqlNativeHash("cloudera")},
		{User: "app", Hash: mysqlNativeHash(strong)},
		{User: "x", Hash: mysqlNativeHash("")},
	})
	checkFindings(t, my, map[string]string{
		"root": ReasonEmptyPassword, "ROOT2": ReasonUserName, "cloudera": ReasonDefaultCredential, "x": ReasonEmptyPassword,
	}, nil)

	rd := WeakStoredPasswords("redis", []StoredHash{
		{User: "default", Hash: "nopass"},
		{User: "cache", Hash: "#" + redisACL("foobared")},
		{User: "app", Hash: redisACL(strong)},
	})
	checkFindings(t, rd, map[string]string{"default": ReasonNoPassword, "cache": ReasonDefaultPassword}, nil)
}

func checkFindings(t *testing.T, got []WeakFinding, want map[string]string, errUsers []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range got {
		seen[f.User] = true
		if f.Err != nil {
			if !containsStr(errUsers, f.User) {
				t.Errorf("%s: unexpected error %v", f.User, f.Err)
			}
			continue
		}
		if w, ok := want[f.User]; !ok || f.Reason != w {
			t.Errorf("%s: reason %q, want %q (listed %v)", f.User, f.Reason, w, ok)
		}
	}
	for u := range want {
		if !seen[u] {
			t.Errorf("%s: not found weak", u)
		}
	}
	for _, u := range errUsers {
		if !seen[u] {
			t.Errorf("%s: want an Err finding", u)
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestGuessesAreWeakBySecretRule(t *testing.T) {
	if len(guesses()) < 10 {
		t.Fatalf("only %d guesses", len(guesses()))
	}
	for _, g := range guesses() {
		if secret.Weakness(g) == "" {
			t.Errorf("guess %q is not weak by secret.Weakness: the weak-secret list and the weakness rule disagree", g)
		}
	}
}

func FuzzParseSCRAM(f *testing.F) {
	f.Add(scramVerifier("pencil", []byte("salt"), 4096))
	f.Add("SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB")
	f.Add("SCRAM-SHA-256$$:")
	f.Add("SCRAM-SHA-256$-1:x$y:z")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSCRAM(s)
		if err != nil {
			return
		}
		if v.iter < 1 || v.iter > MaxSCRAMIterations || len(v.salt) == 0 ||
			len(v.storedKey) != sha256.Size || len(v.serverKey) != sha256.Size {
			t.Fatalf("accepted an invalid verifier: %+v", v)
		}
	})
}

func FuzzVerifyHash(f *testing.F) {
	f.Add("postgres", "md5"+strings.Repeat("0", 32))
	f.Add("mysql", "*"+strings.Repeat("A", 40))
	f.Add("redis", "#"+strings.Repeat("a", 64))
	f.Add("postgres", "SCRAM-SHA-256$1:c2FsdA==$"+strings.Repeat("A", 43)+"=:"+strings.Repeat("A", 43)+"=")
	f.Fuzz(func(t *testing.T, engine, stored string) {
		if strings.Contains(stored, "SCRAM") {
			if v, err := parseSCRAM(stored); err == nil && v.iter > 10000 {
				t.Skip("slow verifier")
			}
		}
		_, _ = VerifyHash(engine, "u", stored, "candidate")
	})
}
