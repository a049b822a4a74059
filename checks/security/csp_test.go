package security

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCSP(t *testing.T) {
	ps, err := ParseCSP("Default-Src 'self'; report-uri /a; report-uri /b; img-src", "script-src 'none', object-src 'none'")
	require.NoError(t, err)
	require.Len(t, ps, 3)
	assert.Equal(t, []string{"'self'"}, ps[0].Directives["default-src"])
	assert.Equal(t, []string{"'none'"}, ps[0].Directives["img-src"])
	assert.True(t, ps[2].Has("object-src"))

	for _, bad := range []string{"", "a", "script-src 'self'; script-src *", "scr!pt-src x", "default-src \x01", "default-src caf\xc3\xa9"} {
		_, err := ParseCSP(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestJudgeCSPAllPoliciesEnforced(t *testing.T) {
	// The second policy forbids inline script, so the pair does too.
	ps, err := ParseCSP("script-src 'unsafe-inline' 'self'", "script-src 'self'; default-src 'self'")
	require.NoError(t, err)
	v := judgeCSP(ps, true)
	assert.False(t, v.scriptInline)
	assert.False(t, v.noDefaultSrc)
	assert.True(t, judgeCSP(ps[:1], true).scriptInline)
}

func FuzzCSP(f *testing.F) {
	for _, s := range []string{
		"default-src 'none'; frame-ancestors 'none'",
		"script-src 'nonce-x' 'strict-dynamic' https: 'unsafe-inline'",
		"default-src 'self', img-src http:", ";;;", "report-uri /a; report-uri /b; default-src *",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseCSP(s)
		if err != nil {
			return
		}
		if len(ps) == 0 {
			t.Fatalf("%q: no policy and no error", s)
		}
		_ = judgeCSP(ps, true)
		_ = judgeCSP(ps, false)
	})
}
