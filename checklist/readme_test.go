package checklist

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeConfigParses: the prodcheck.yaml shown in the README is a
// valid configuration, with every target kind as a list.
func TestReadmeConfigParses(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(data), "```yaml\nversion: 1\n")
	require.True(t, ok, "README has no prodcheck.yaml block")
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	cfg, err := ParseConfig(t.TempDir(), "prodcheck.yaml", []byte("version: 1\n"+block))
	require.NoError(t, err)
	assert.Len(t, cfg.URLs, 2)
	assert.Len(t, cfg.Databases, 1)
	require.Len(t, cfg.PgBouncer, 1)
	assert.Equal(t, "main", cfg.PgBouncer[0].Backend)
	assert.Len(t, cfg.Waivers, 1)
	assert.True(t, cfg.Probe("latency"))
}
