package security

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// sqliDB opens the local PostgreSQL and creates a table of its own,
// dropped when the test ends.
func sqliDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	testenv.Require(t, "tcp:127.0.0.1:5432")
	db, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	table := "prodcheck_sqli_" + hex.EncodeToString(b)
	_, err = db.ExecContext(t.Context(), `CREATE TABLE `+table+` (id int PRIMARY KEY, name text NOT NULL)`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + table) })
	_, err = db.ExecContext(t.Context(), `INSERT INTO `+table+` VALUES (1, 'alice'), (2, 'bob'), (3, 'carol')`)
	require.NoError(t, err)
	return db, table
}

// sqliItems serves GET /items?id=&name= from the table. unsafe formats
// the values into the SQL text; verbose returns the driver's error.
func sqliItems(db *sql.DB, table string, unsafe, verbose bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, name := r.URL.Query().Get("id"), r.URL.Query().Get("name")
		var rows *sql.Rows
		var err error
		switch {
		case unsafe:
			q := `SELECT name FROM ` + table + ` WHERE true`
			if id != "" {
				q += fmt.Sprintf(" AND id = %s", id)
			}
			if name != "" {
				q += fmt.Sprintf(" AND name = '%s'", name)
			}
			rows, err = db.QueryContext(r.Context(), q)
		default:
			n := 0
			if id != "" {
				if n, err = strconv.Atoi(id); err != nil {
					http.Error(w, "id must be a number", http.StatusBadRequest)
					return
				}
			}
			rows, err = db.QueryContext(r.Context(),
				`SELECT name FROM `+table+` WHERE ($1 = '' OR id = $2) AND ($3 = '' OR name = $3)`, id, n, name)
		}
		if err != nil {
			if verbose {
				http.Error(w, "query failed: "+err.Error(), http.StatusInternalServerError)
			} else {
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
			return
		}
		defer rows.Close()
		names := []string{}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			names = append(names, s)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(names)
	})
}

func runSQLi(t *testing.T, h http.Handler, path string, opts SQLInjectionOptions) (map[string]check.Result, int64) {
	t.Helper()
	c := &ivCounter{h: h}
	ts := ivServer(t, c)
	ctx, release := check.WithMemo(t.Context())
	defer release()
	out := map[string]check.Result{}
	for _, ch := range SQLInjection(ts.URL+path, opts) {
		m := ch.Meta()
		require.NoError(t, m.Validate())
		assert.Equal(t, ts.URL+path, m.Target)
		out[m.ID] = ch.Run(ctx)
	}
	budget := opts.MaxRequests
	if budget <= 0 || budget > SQLiMaxRequests {
		budget = SQLiMaxRequests
	}
	assert.LessOrEqual(t, c.requests.Load(), int64(budget), "requests per URL")
	return out, c.requests.Load()
}

const (
	idErr   = "security.sqli.error-based"
	idDiff  = "security.sqli.differential"
	idXSS   = "security.xss.reflected"
	pgError = "PostgreSQL error"
)

// The must-show: a real PostgreSQL behind the endpoint. The query built
// with fmt.Sprintf fails the check, the parameterised twin passes.
func TestSQLInjectionPostgres(t *testing.T) {
	db, table := sqliDB(t)
	tests := []struct {
		name    string
		unsafe  bool
		verbose bool
		path    string
		opts    SQLInjectionOptions
		err     check.Status
		diff    check.Status
		mention string
		maxSent int64
	}{
		{name: "unsafe, verbose, numeric id", unsafe: true, verbose: true, path: "/items?id=1",
			err: check.StatusFail, diff: check.StatusPass, mention: pgError, maxSent: 2},
		{name: "unsafe, verbose, string name", unsafe: true, verbose: true, path: "/items?name=alice",
			err: check.StatusFail, diff: check.StatusPass, mention: pgError, maxSent: 2},
		{name: "unsafe, generic 500, string name", unsafe: true, path: "/items?name=alice",
			err: check.StatusFail, diff: check.StatusPass, mention: "harmless", maxSent: 3},
		{name: "unsafe, generic 500, numeric id: arithmetic differential", unsafe: true, path: "/items?id=1",
			err: check.StatusPass, diff: check.StatusWarn, mention: "3-2 and 4-2"},
		{name: "parameterised, both parameters", path: "/items?id=1&name=alice",
			err: check.StatusPass, diff: check.StatusPass},
		{name: "parameterised, verbose", verbose: true, path: "/items?id=2",
			err: check.StatusPass, diff: check.StatusPass},
		{name: "unsafe, parameter named by the caller", unsafe: true, verbose: true, path: "/items",
			opts: SQLInjectionOptions{Params: []string{"name"}}, err: check.StatusFail, diff: check.StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sent := runSQLi(t, sqliItems(db, table, tt.unsafe, tt.verbose), tt.path, tt.opts)
			assert.Equal(t, tt.err, got[idErr].Status, "%s %v", got[idErr].Message, got[idErr].Findings)
			assert.Equal(t, tt.diff, got[idDiff].Status, "%s %v", got[idDiff].Message, got[idDiff].Findings)
			if tt.mention != "" {
				all := fmt.Sprint(got[idErr].Findings, got[idDiff].Findings)
				assert.Contains(t, all, tt.mention)
			}
			for _, r := range got {
				for _, f := range r.Findings {
					assert.NotEmpty(t, f.Location.URL)
					assert.Contains(t, f.Location.Resource, "parameter ")
				}
			}
			if tt.maxSent > 0 {
				// The baseline, then the first quote is decisive.
				assert.LessOrEqual(t, sent, tt.maxSent, "stops at the first decisive answer")
			}
		})
	}
}

func TestSQLInjectionHostile(t *testing.T) {
	okAll := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	tests := []struct {
		name string
		h    http.Handler
		path string
		opts SQLInjectionOptions
		err  check.Status
		diff check.Status
		sent int64 // exact requests expected; 0: not checked
	}{
		{name: "200 to everything", h: okAll, path: "/?id=1&q=x", err: check.StatusPass, diff: check.StatusPass,
			sent: 1 + 5 + 5 + 2},
		{name: "500 to everything", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		}), path: "/?id=1", err: check.StatusPass, diff: check.StatusPass},
		{name: "a page that documents SQL errors in its baseline", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("FAQ: if you see 'You have an error in your SQL syntax', upgrade. " + r.URL.Query().Get("q")))
		}), path: "/?q=help", err: check.StatusPass, diff: check.StatusPass},
		{name: "500 for any odd value, not only quotes", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := strconv.Atoi(r.URL.Query().Get("id")); err != nil {
				http.Error(w, "bad", http.StatusInternalServerError)
				return
			}
			_, _ = w.Write([]byte("item"))
		}), path: "/?id=7", err: check.StatusPass, diff: check.StatusPass},
		{name: "MySQL error text", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.ContainsAny(r.URL.Query().Get("id"), `'"`) {
				_, _ = w.Write([]byte("Error 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version"))
				return
			}
			_, _ = w.Write([]byte("item"))
		}), path: "/?id=7", err: check.StatusFail, diff: check.StatusPass, sent: 2},
		{name: "more parameters than the cap", h: okAll, path: "/?" + manyParams(12),
			err: check.StatusWarn, diff: check.StatusWarn, sent: 1 + 5*7}, // a sixth parameter would not fit its 5 payloads
		{name: "caller's smaller cap", h: okAll, path: "/?a=1&b=2", opts: SQLInjectionOptions{MaxRequests: 8},
			err: check.StatusWarn, diff: check.StatusWarn},
		{name: "no parameter", h: okAll, path: "/", err: check.StatusError, diff: check.StatusError, sent: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sent := runSQLi(t, tt.h, tt.path, tt.opts)
			assert.Equal(t, tt.err, got[idErr].Status, "%s %v", got[idErr].Message, got[idErr].Findings)
			assert.Equal(t, tt.diff, got[idDiff].Status, "%s %v", got[idDiff].Message, got[idDiff].Findings)
			if tt.sent > 0 || tt.err == check.StatusError {
				assert.Equal(t, tt.sent, sent)
			}
		})
	}
}

func manyParams(n int) string {
	v := url.Values{}
	for i := range n {
		v.Set(fmt.Sprintf("p%02d", i), strconv.Itoa(i))
	}
	return v.Encode()
}

func TestWithParam(t *testing.T) {
	q := parseQuery("a=1&b=x%20y&flag&a=2")
	assert.Equal(t, "a=1&b=x%20y&flag&a=2", withParam(q, "", ""))
	assert.Equal(t, "a=1%27&b=x%20y&flag&a=2", withParam(q, "a", "1'"))
	assert.Equal(t, "a=1&b=x%20y&flag&a=2&c=%3C%3E", withParam(q, "c", "<>"))
	assert.Equal(t, "x y", paramValue(q, "b"))
	assert.Equal(t, []string{"a", "b", "flag"}, paramNames(q, nil))
	assert.Equal(t, []string{"z"}, paramNames(q, []string{"z", "z", ""}))
}

func TestMatchSignatures(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{`ERROR: unterminated quoted string at or near "'" (SQLSTATE 42601)`, []string{pgError}},
		{`pq: syntax error at or near "'"`, []string{pgError}},
		{`org.postgresql.util.PSQLException: ERROR: syntax error`, []string{pgError}},
		{`You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version`, []string{"MySQL error"}},
		{`<b>Warning</b>:  mysql_fetch_array() expects parameter 1`, []string{"MySQL error"}},
		{`sqlite3.OperationalError: unrecognized token: "'"`, []string{"SQLite error"}},
		{`SQL logic error: near "'": syntax error`, []string{"SQLite error"}},
		{`Unclosed quotation mark after the character string ''.`, []string{"Microsoft SQL Server error"}},
		{`mssql: Incorrect syntax near 'x'.`, []string{"Microsoft SQL Server error"}},
		{`ORA-01756: quoted string not properly terminated`, []string{"Oracle error"}},
		{`SQLSTATE[42000]: Syntax error or access violation`, []string{"SQL error"}},
		{"goroutine 7 [running]:\nmain.handler()", []string{"Go panic"}},
		{"\tmain.go:42 +0x1d", []string{"Go panic"}},
		{"Exception in thread \"main\" java.lang.NullPointerException\n\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)", []string{"Java stack trace"}},
		{"Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>", []string{"Python traceback"}},
		{"System.NullReferenceException: Object reference not set", []string{".NET exception"}},
		{"<b>Fatal error</b>: Uncaught Error: Call to undefined function", []string{"PHP error"}},
		{"TypeError: x is undefined\n    at handler (/srv/app/index.js:12:5)", []string{"Node.js stack trace"}},
		{"app/models/user.rb:10:in `find'", []string{"Ruby backtrace"}},
		// Ordinary pages.
		{`<html><body><h1>Our PostgreSQL and MySQL hosting</h1><p>System status: all good. Oracle partners.</p>`, nil},
		{`{"error":"invalid request","code":400}`, nil},
		{`We had an error. Please try again at a later time.`, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, matchSignatures([]byte(tt.text)), tt.text)
	}
	assert.Empty(t, matchSignatures([]byte("goroutine 7 [running]:"), sigSQL))
}

// A signature found in a text is still found when the text is part of a
// larger answer, and the matcher never panics.
func FuzzMatchSignatures(f *testing.F) {
	for _, s := range []string{
		`ERROR: syntax error at or near "'" (SQLSTATE 42601)`,
		"goroutine 1 [running]:",
		`<b>Warning</b>: pg_query()`,
		"Traceback (most recent call last):",
		"\xff\xfe<\x00",
	} {
		f.Add(s, "<html>")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := matchSignatures([]byte(a))
		for _, joined := range []string{a + "\n" + b, b + "\n" + a} {
			all := matchSignatures([]byte(joined))
			for _, g := range got {
				assert.Contains(t, all, g, "%q in %q", g, joined)
			}
		}
	})
}
