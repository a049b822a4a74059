package security

import (
	"regexp"
	"sort"
)

// signatureKind separates database errors from stack traces: the SQL
// injection check reads only the first, the input validation checks
// read both.
type signatureKind int

const (
	sigSQL   signatureKind = iota // a database error message
	sigTrace                      // a stack trace or a framework's error page
)

// errorSignature is one family of error text: a database engine or a
// language runtime, matched by one alternation. The patterns follow the
// error lists of ZAP's SQL injection rule (40018), its application error
// disclosure rule (90022) and sqlmap's errors.xml, narrowed so that a
// page that merely mentions a product does not match. A family matches
// when any of its patterns does.
type errorSignature struct {
	name string
	kind signatureKind
	res  []*regexp.Regexp
}

// sigScanLimit bounds how much of a body the matcher reads.
const sigScanLimit = 1 << 20

// errorSignatures lists the families. Each pattern is compiled on its
// own and starts with a literal where it can, so the regexp engine skips
// to the candidates with a substring search: a megabyte of HTML is
// scanned in a few milliseconds.
var errorSignatures = compileSignatures([]signatureSource{
	{"PostgreSQL error", sigSQL, []string{
		`PostgreSQL[^\n]*?ERROR`,
		`ERROR:\s+(syntax error at or near|unterminated quoted (string|identifier) at or near|invalid input syntax for|column "[^"\n]*" does not exist|relation "[^"\n]*" does not exist)`,
		`\(SQLSTATE [0-9A-Z]{5}\)`, // pgx
		`pq: [a-z]`,                // lib/pq
		`org\.postgresql\.util\.PSQLException`,
		`Npgsql\.`,
		`PG::(SyntaxError|Error|UndefinedColumn)`,
		`psycopg2?\.(errors\.)?\w*Error`,
		`Warning[^\n]*?\Wpg_`,
		`valid PostgreSQL result`,
		`current transaction is aborted, commands ignored`,
	}},
	{"MySQL error", sigSQL, []string{
		`You have an error in your SQL syntax`,
		`check the manual that (corresponds|fits) to your (MySQL|MariaDB) server version`,
		`SQL syntax[^\n]*?MySQL`,
		`Warning[^\n]*?\Wmysqli?_`,
		`MySQLSyntaxErrorException`,
		`valid MySQL result`,
		`com\.mysql\.(cj\.)?jdbc`,
		`Error 1064( \(42000\))?:`, // go-sql-driver/mysql
		`Unknown column '[^'\n]*' in '`,
		`MySqlClient\.MySqlException`,
		`mysql_fetch_(array|assoc|row)\(\)`,
	}},
	{"SQLite error", sigSQL, []string{
		`SQLite/JDBCDriver`,
		`SQLite\.Exception`,
		`System\.Data\.SQLite\.SQLiteException`,
		`Warning[^\n]*?\W(sqlite_|SQLite3::)`,
		`\[SQLITE_ERROR\]`,
		`SQLite error \d+:`,
		`sqlite3\.OperationalError:`,
		`SQLite3::SQLException`,
		`unrecognized token: "`,
		`SQL logic error`,
		`near "[^"\n]*": syntax error`,
	}},
	{"Microsoft SQL Server error", sigSQL, []string{
		`Driver[^\n]*? SQL[\-_ ]*Server`,
		`OLE DB[^\n]*? SQL Server`,
		`SQL Server[^<"\n]*Driver`,
		`Warning[^\n]*?\W(mssql|sqlsrv)_`,
		`System\.Data\.SqlClient\.SqlException`,
		`Microsoft\.Data\.SqlClient\.SqlException`,
		`Unclosed quotation mark after the character string`,
		`Incorrect syntax near '`,
		`Microsoft SQL Native Client error '[0-9a-fA-F]{8}`,
		`mssql: [A-Z]`,
		`ODBC SQL Server Driver`,
		`com\.microsoft\.sqlserver\.jdbc`,
	}},
	{"Oracle error", sigSQL, []string{
		`ORA-\d{5}\b`,
		`Oracle error`,
		`Oracle[^\n]*?Driver`,
		`Warning[^\n]*?\W(oci|ora)_`,
		`quoted string not properly terminated`,
		`SQL command not properly ended`,
		`oracle\.jdbc\.driver`,
	}},
	{"SQL error", sigSQL, []string{
		`SQLSTATE\[[0-9A-Z]{5}\]`, // PHP PDO
		`PDOException\b`,
		`java\.sql\.SQL\w*Exception`,
		`sqlalchemy\.exc\.\w+Error`,
		`Syntax error in string in query expression`, // Access
		`Microsoft (Access|JET Database Engine) (Driver|error)`,
	}},

	{"Go panic", sigTrace, []string{
		`goroutine \d+ \[[a-z ,0-9]+\]:`,
		`panic: .*\n\s*\n?goroutine `,
		`runtime/debug\.Stack\(`,
		`\.go:\d+ \+0x[0-9a-f]+`,
	}},
	{"Java stack trace", sigTrace, []string{
		`Exception in thread "`,
		`at (java|javax|jdk|sun|org\.springframework|org\.apache|org\.hibernate|com\.sun)\.[\w$.]+\(`,
		`java\.lang\.\w+(Exception|Error)\b`,
	}},
	{"Python traceback", sigTrace, []string{
		`Traceback \(most recent call last\)`,
		`File "[^"\n]+", line \d+, in `,
	}},
	{".NET exception", sigTrace, []string{
		`System\.[A-Z]\w*(\.[A-Z]\w*)*Exception\b`,
		`Server Error in '[^']*' Application`,
		`at [\w.<>` + "`" + `]+\([^)\n]*\) in [^\n]+:line \d+`,
	}},
	{"PHP error", sigTrace, []string{
		`Fatal error</b>:`,
		`Parse error</b>:`,
		`PHP (Fatal|Parse|Warning|Notice)[ a-z]*:`,
		`Fatal error: (Uncaught|Allowed memory|Call to)`,
		`Stack trace:\s*(<br />)?\s*#0 `,
	}},
	{"Node.js stack trace", sigTrace, []string{
		`at [^\n()]*\((node:internal/[^)]+|/[^)\n]+\.[cm]?js:\d+:\d+)\)`,
		`at (node:internal/|/[^\n]+\.[cm]?js:\d+:\d+\n)`,
	}},
	{"Ruby backtrace", sigTrace, []string{
		`\.rb:\d+:in ` + "[`']",
		`ActionController::RoutingError`,
		`ActiveRecord::StatementInvalid`,
	}},
})

type signatureSource struct {
	name     string
	kind     signatureKind
	patterns []string
}

func compileSignatures(src []signatureSource) []errorSignature {
	out := make([]errorSignature, 0, len(src))
	for _, s := range src {
		sig := errorSignature{name: s.name, kind: s.kind}
		for _, p := range s.patterns {
			sig.res = append(sig.res, regexp.MustCompile(p))
		}
		out = append(out, sig)
	}
	return out
}

// matchSignatures returns the names of the signature families of kinds
// found in body, sorted. Only the first [sigScanLimit] bytes are read.
func matchSignatures(body []byte, kinds ...signatureKind) []string {
	if len(body) > sigScanLimit {
		body = body[:sigScanLimit]
	}
	var out []string
	for _, s := range errorSignatures {
		if !hasKind(kinds, s.kind) {
			continue
		}
		for _, re := range s.res {
			if re.Match(body) {
				out = append(out, s.name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func hasKind(kinds []signatureKind, k signatureKind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// newSignatures returns the families in got that are not in base.
func newSignatures(got, base []string) []string {
	var out []string
	for _, g := range got {
		found := false
		for _, b := range base {
			if g == b {
				found = true
				break
			}
		}
		if !found {
			out = append(out, g)
		}
	}
	return out
}
