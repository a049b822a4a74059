package security

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
)

func TestParseHSTS(t *testing.T) {
	tests := []struct {
		in      string
		maxAge  uint64
		sub, pl bool
		bad     bool
	}{
		{in: "max-age=31536000; includeSubDomains; preload", maxAge: 31536000, sub: true, pl: true},
		{in: `MAX-AGE="600";INCLUDESUBDOMAINS`, maxAge: 600, sub: true},
		{in: "max-age=99999999999999999999999", maxAge: ^uint64(0)},
		{in: "max-age=10; foo=bar", maxAge: 10},
		{in: "", bad: true},
		{in: "includeSubDomains", bad: true},
		{in: "max-age=abc", bad: true},
		{in: "max-age=-1", bad: true},
		{in: "max-age=", bad: true},
		{in: "max-age=1; max-age=2", bad: true},
		{in: "max-age=1, max-age=2", bad: true},
		{in: "max-age=1; preload=yes", bad: true},
		{in: "max-age=1; in cludeSubDomains", bad: true},
	}
	for _, tc := range tests {
		h, err := ParseHSTS(tc.in)
		if tc.bad {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.maxAge, h.MaxAge, tc.in)
		assert.Equal(t, tc.sub, h.IncludeSubDomains, tc.in)
		assert.Equal(t, tc.pl, h.Preload, tc.in)
	}
}

func FuzzHSTS(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains; preload", `max-age="1"`, "max-age=0", ";;", "max-age=1,", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHSTS(s)
		if err == nil {
			if !h.HasMaxAge {
				t.Fatalf("%q parsed without max-age", s)
			}
			if strings.Contains(s, ",") {
				t.Fatalf("%q with a comma parsed", s)
			}
			_ = preloadGenerations(h)
		}
	})
}

func TestHSTS(t *testing.T) {
	const year = "max-age=31536000"
	tests := []struct {
		name    string
		hdr     []string
		policy  PreloadPolicy
		hsts    check.Status
		preload check.Status
		msg     string
	}{
		{"preload ready", []string{year + "; includeSubDomains; preload"}, "", check.StatusPass, check.StatusPass, "ready"},
		{"missing", nil, "", check.StatusFail, check.StatusWarn, "no Strict-Transport-Security"},
		{"short", []string{"max-age=86400"}, "", check.StatusFail, check.StatusWarn, "not ready"},
		{"zero", []string{"max-age=0"}, "", check.StatusFail, check.StatusWarn, ""},
		{"invalid", []string{"max-age=soon"}, "", check.StatusFail, check.StatusWarn, "invalid"},
		{"twice", []string{year, year}, "", check.StatusFail, check.StatusWarn, "2 times"},
		{"six months, no preload", []string{"max-age=15552000; includeSubDomains"}, "", check.StatusPass, check.StatusWarn, "bulk-legacy"},
		{"18 weeks generation", []string{"max-age=15552000; includeSubDomains; preload"}, PreloadBulk18Weeks, check.StatusPass, check.StatusPass, "bulk-18-weeks"},
		{"18 weeks header under 1 year rules", []string{"max-age=15552000; includeSubDomains; preload"}, "", check.StatusPass, check.StatusWarn, "meets bulk-18-weeks, bulk-legacy"},
		{"legacy generation", []string{"max-age=600; includeSubDomains"}, PreloadBulkLegacy, check.StatusFail, check.StatusPass, ""},
		{"unknown policy", []string{year}, "bulk-2-years", check.StatusPass, check.StatusError, "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := headerServer(t, map[string][]string{"Strict-Transport-Security": tc.hdr})
			p := NewPage(srv.URL, HTTPOptions{Client: srv.Client()})
			opts := HSTSOptions{PreloadPolicy: tc.policy}
			got := runByID(t, []check.Check{HSTS(p, opts), HSTSPreload(p, opts)})
			h, pl := got["security.https.hsts"], got["security.https.hsts-preload"]
			assert.Equal(t, tc.hsts, h.Status, h.Message)
			assert.Equal(t, tc.preload, pl.Status, pl.Message)
			assert.Contains(t, h.Message+" | "+pl.Message, tc.msg)
		})
	}
}

func TestHSTSOverHTTP(t *testing.T) {
	srv := plainServer(t, map[string][]string{"Strict-Transport-Security": {"max-age=31536000"}})
	r := HSTS(NewPage(srv.URL, HTTPOptions{}), HSTSOptions{}).Run(t.Context())
	assert.Equal(t, check.StatusFail, r.Status)
	assert.Contains(t, r.Message, "HTTPS")
}
