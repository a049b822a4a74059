package dotenverr_test

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/internal/dotenverr"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		input, reason string
	}{
		{"A=1\nDB_PASSWORD=\"CANARY-secret\n", "unterminated quoted value"},
		{"A=1\nCANARY$x=1\n", "unexpected character in a variable name"},
		{"A B=CANARY\n", "a variable name contains a space"},
	} {
		_, err := dotenv.ParseWithLookup(strings.NewReader(tc.input), func(string) (string, bool) { return "", true })
		require.Error(t, err, tc.input)
		line, reason := dotenverr.Describe(err)
		assert.Equal(t, tc.reason, reason, tc.input)
		assert.NotContains(t, reason, "CANARY")
		assert.GreaterOrEqual(t, line, 0)
	}
}
