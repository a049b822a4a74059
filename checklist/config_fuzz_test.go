package checklist

import (
	"os"
	"strings"
	"testing"
)

// FuzzParseConfig: any bytes give a config or an error naming the file,
// never a panic, and a value under a secret-looking key never reaches the
// error.
func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{"../examples/demo/prodcheck.yaml", "testdata/config/lists.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("version: 1\ntargets:\n  databases:\n    - dsn: postgres://u:Canary-Fuzz-Secret@db/app\n"))
	f.Add([]byte("version: 1\nwaivers: [{id: a, expires: 2027-13-45}]\n"))
	f.Add([]byte("\xff\xfe\x00binary"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("/project", "prodcheck.yaml", data)
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without an error")
			}
			return
		}
		if !strings.Contains(err.Error(), "prodcheck.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if strings.Contains(err.Error(), "Canary-Fuzz-Secret") {
			t.Fatalf("error quotes a DSN: %v", err)
		}
	})
}
