package check_test

import (
	"encoding/json"
	"testing"

	"github.com/prodcheck/prodcheck/check"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusText(t *testing.T) {
	for s := check.StatusUnknown; s <= check.StatusError; s++ {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var got check.Status
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, s, got)
	}
	_, err := check.Status(42).MarshalText()
	assert.Error(t, err)
	got, err := check.ParseStatus("  FAIL ")
	require.NoError(t, err)
	assert.Equal(t, check.StatusFail, got)
	_, err = check.ParseStatus("failed")
	assert.ErrorContains(t, err, `unknown status "failed"`)
	assert.Equal(t, check.StatusError, max(check.StatusPass, check.StatusError, check.StatusWarn), "the worst is the maximum")
	assert.False(t, check.StatusUnknown.Valid())
}

func TestSeverityJSON(t *testing.T) {
	type doc struct {
		Severity check.Severity `json:"severity"`
		Status   check.Status   `json:"status"`
	}
	m := doc{Severity: check.SeverityHigh, Status: check.StatusWarn}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"severity":"high","status":"warn"}`, string(b))
	var back doc
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, m, back)
	assert.Error(t, json.Unmarshal([]byte(`{"severity":"urgent"}`), &back))
	s, err := check.ParseSeverity("")
	require.NoError(t, err)
	assert.Equal(t, check.SeverityUnset, s)
	assert.True(t, check.SeverityCritical > check.SeverityHigh)
}

func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"pass", "FAIL", " warn ", "", "unknown", "status(7)", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := check.ParseStatus(in)
		if err != nil {
			return
		}
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("parsed %q to %d, which does not marshal: %v", in, s, err)
		}
		again, err := check.ParseStatus(string(b))
		if err != nil || again != s {
			t.Fatalf("round trip of %q: %v, %v", in, again, err)
		}
	})
}

func FuzzParseSeverity(f *testing.F) {
	for _, s := range []string{"info", "Critical", " high", "", "unset", "severity(9)", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := check.ParseSeverity(in)
		if err != nil {
			return
		}
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("parsed %q to %d, which does not marshal: %v", in, s, err)
		}
		again, err := check.ParseSeverity(string(b))
		if err != nil || again != s {
			t.Fatalf("round trip of %q: %v, %v", in, again, err)
		}
	})
}
