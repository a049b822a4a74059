package performance_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prodcheck/prodcheck/check"
	"github.com/prodcheck/prodcheck/checks/performance"
	"github.com/prodcheck/prodcheck/internal/testenv"
)

// The compression twins as people deploy them: nginx serving a large
// JSON file with `gzip on; gzip_types application/json; gzip_min_length
// 1000; gzip_vary on;`, and the same nginx with `gzip off`. A small JSON
// file under gzip_min_length is served uncompressed by both and skipped.
func compressionNginx(t *testing.T, gzip bool) *testenv.NginxServer {
	directives := "gzip off;"
	if gzip {
		directives = "gzip on; gzip_types application/json; gzip_min_length 1000; gzip_vary on;"
	}
	s := testenv.Nginx(t, testenv.NginxOptions{
		Server: `
        location /api/ {
            types { }
            default_type application/json;
            ` + directives + `
        }`,
	})
	dir := filepath.Join(s.Dir, "html", "api")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "items.json"), listJSON(400), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "small.json"), listJSON(3)[:500], 0o644))
	return s
}

var savedRE = regexp.MustCompile(`^gzip: ([0-9,]+) bytes sent for ([0-9,]+) bytes \(([0-9,]+) bytes saved, ([0-9]+)%\)$`)

func atoiCommas(t *testing.T, s string) int {
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	require.NoError(t, err)
	return n
}

func TestNginxCompressionTwins(t *testing.T) {
	body := listJSON(400)
	tests := []struct {
		name                    string
		gzip                    bool
		enabled, vary           check.Status
		smallEnabled, smallVary check.Status
	}{
		{name: "gzip on", gzip: true, enabled: check.StatusPass, vary: check.StatusPass, smallEnabled: check.StatusSkip, smallVary: check.StatusSkip},
		{name: "gzip off", gzip: false, enabled: check.StatusFail, vary: check.StatusSkip, smallEnabled: check.StatusSkip, smallVary: check.StatusSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := compressionNginx(t, tt.gzip)
			large := performance.Compression(s.HTTPURL+"/api/items.json", performance.CompressionOptions{})
			small := performance.Compression(s.HTTPSURL+"/api/small.json", performance.CompressionOptions{Client: s.Client()})
			rep, err := (&check.Runner{}).Run(t.Context(), append(large, small...)...)
			require.NoError(t, err)
			got := map[string]check.Outcome{}
			for _, o := range rep.Outcomes {
				key := o.Meta.ID
				if strings.HasSuffix(o.Meta.Target, "small.json") {
					key = "small " + key
				}
				got[key] = o
			}
			enabled := got["performance.compression.enabled"]
			t.Log(describeOutcome(enabled))
			assert.Equal(t, tt.enabled, enabled.Result.Status, describeOutcome(enabled))
			assert.Equal(t, tt.vary, got["performance.compression.vary"].Result.Status, describeOutcome(got["performance.compression.vary"]))
			assert.Equal(t, tt.smallEnabled, got["small performance.compression.enabled"].Result.Status, describeOutcome(got["small performance.compression.enabled"]))
			assert.Equal(t, tt.smallVary, got["small performance.compression.vary"].Result.Status)
			assert.Equal(t, "500 bytes of application/json, not over the 1,400 bytes threshold", got["small performance.compression.enabled"].Result.Message)

			if tt.gzip {
				// The bytes saved: the original is the file nginx served.
				m := savedRE.FindStringSubmatch(enabled.Result.Message)
				require.NotNil(t, m, enabled.Result.Message)
				wire, original, saved := atoiCommas(t, m[1]), atoiCommas(t, m[2]), atoiCommas(t, m[3])
				assert.Equal(t, len(body), original)
				assert.Equal(t, original-wire, saved)
				assert.Greater(t, saved, len(body)*8/10, "JSON compresses by more than 80%")
				assert.Equal(t, "gzip response with Vary: Accept-Encoding", got["performance.compression.vary"].Result.Message)
			} else {
				assert.True(t, strings.HasPrefix(enabled.Result.Message, "application/json sent uncompressed: gzip would save "), enabled.Result.Message)
				require.Len(t, enabled.Result.Findings, 1)
				f := enabled.Result.Findings[0]
				assert.Equal(t, "header Content-Encoding", f.Location.Resource)
				assert.Equal(t, s.HTTPURL+"/api/items.json", f.Location.URL)
				assert.Equal(t, "no Content-Encoding, "+commas(len(body))+" bytes of application/json", f.Actual)
			}

			// One GET per URL per run.
			s.Stop()
			var lines []string
			for _, l := range s.AccessLog() {
				lines = append(lines, l[strings.Index(l, " ")+1:])
			}
			assert.ElementsMatch(t, []string{
				`"GET /api/items.json HTTP/1.1" 200 origin="-"`,
				`"GET /api/small.json HTTP/1.1" 200 origin="-"`,
			}, lines)
		})
	}
}
