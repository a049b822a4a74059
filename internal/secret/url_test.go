package secret

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactURL(t *testing.T) {
	f := NewKeyedFingerprinter([]byte("a key for a test, never for input"))
	fp := func(v string) string { return "[redacted " + f.Fingerprint(v) + "]" }
	const tok = "ghp_4f8a9c2e7b1d6f3a0e5c9b8a7d6e5f4a3b2c"
	for _, tc := range []struct {
		name, in, want string
		secrets        []string
	}{
		{"password", "postgres://app:hunter2@db:5432/app", "postgres://app:" + fp("hunter2") + "@db:5432/app", []string{"hunter2"}},
		{"token as password", "https://user:" + tok + "@host/x", "https://user:" + fp(tok) + "@host/x", []string{tok}},
		{"token as user", "https://" + tok + "@github.com/x.git", "https://" + fp(tok) + "@github.com/x.git", []string{tok}},
		{"https user only", "https://deploybot@git.example.com/x.git", "https://" + fp("deploybot") + "@git.example.com/x.git", []string{"deploybot"}},
		{"git+https user only", "git+https://deploybot@host/x.git#main", "git+https://" + fp("deploybot") + "@host/x.git#main", []string{"deploybot"}},
		{"token user with oauth password", "https://" + tok + ":x-oauth-basic@github.com/o/r", "https://" + fp(tok) + ":" + fp("x-oauth-basic") + "@github.com/o/r", []string{tok, "x-oauth-basic"}},
		{"gitlab oauth2 user kept", "https://oauth2:glpat-abcdefghijklmnopqrst@gitlab.com/g/p.git", "https://oauth2:" + fp("glpat-abcdefghijklmnopqrst") + "@gitlab.com/g/p.git", []string{"glpat-abcdefghijklmnopqrst"}},
		{"escaped password", "redis://:p%40ss%2Fword@cache:6379/0", "redis://:" + fp("p@ss/word") + "@cache:6379/0", []string{"p%40ss%2Fword", "p@ss/word"}},
		{"unescaped slash in password", "mysql://root:pa/ss@db/app", "mysql://root:" + fp("pa/ss") + "@db/app", []string{"pa/ss"}},
		{"at sign in password", "amqp://guest:p@ss@mq:5672/", "amqp://guest:" + fp("p@ss") + "@mq:5672/", []string{"p@ss"}},
		{"query token", "https://api.example.com/v1?token=abc123def456&page=2", "https://api.example.com/v1?token=" + fp("abc123def456") + "&page=2", []string{"abc123def456"}},
		{"query access_token", "https://h/cb?access_token=ya29.a0AfH6SM&state=xyz", "https://h/cb?access_token=" + fp("ya29.a0AfH6SM") + "&state=xyz", []string{"ya29.a0AfH6SM"}},
		{"query password escaped", "jdbc:postgresql://db/app?user=app&password=s%3Dcret%26x", "jdbc:postgresql://db/app?user=app&password=" + fp("s=cret&x"), []string{"s%3Dcret%26x", "s=cret&x"}},
		{"query sig and amz", "https://b.blob.core.windows.net/c?sv=2021&sig=AbC%2Bd&X-Amz-Signature=deadbeef", "https://b.blob.core.windows.net/c?sv=2021&sig=" + fp("AbC+d") + "&X-Amz-Signature=" + fp("deadbeef"), []string{"AbC%2Bd", "AbC+d", "deadbeef"}},
		{"fragment token", "https://app/cb#access_token=tok-998877&token_type=bearer", "https://app/cb#access_token=" + fp("tok-998877") + "&token_type=bearer", []string{"tok-998877"}},
		{"query and fragment", "https://h/p?api_key=k-123456#frag", "https://h/p?api_key=" + fp("k-123456") + "#frag", []string{"k-123456"}},
		{"no scheme, query only", "/callback?code=1&client_secret=shh-123456", "/callback?code=1&client_secret=" + fp("shh-123456"), []string{"shh-123456"}},
		{"url inside text", `clone "https://` + tok + `@github.com/o/r" failed; see https://h/x?token=t0k3n-1`, `clone "https://` + fp(tok) + `@github.com/o/r" failed; see https://h/x?token=` + fp("t0k3n-1"), []string{tok, "t0k3n-1"}},
		// Nothing to redact: the same string back.
		{"plain https", "https://github.com/o/r.git", "https://github.com/o/r.git", nil},
		{"ssh user kept", "ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git", nil},
		{"postgres user only kept", "postgres://app@db:5432/app", "postgres://app@db:5432/app", nil},
		{"empty password", "postgres://app:@db/app", "postgres://app:@db/app", nil},
		{"neutral params", "https://h/p?token_type=bearer&password_min_length=12&key_id=3&page=2", "https://h/p?token_type=bearer&password_min_length=12&key_id=3&page=2", nil},
		{"empty secret param", "https://h/p?token=&x=1", "https://h/p?token=&x=1", nil},
		{"at in path", "https://registry.npmjs.org/@scope/pkg", "https://registry.npmjs.org/@scope/pkg", nil},
		{"ipv6 and port", "http://[::1]:8080/x@y", "http://[::1]:8080/x@y", nil},
		{"scp-like git", "git@github.com:o/r.git", "git@github.com:o/r.git", nil},
		{"text", "no url here? none.", "no url here? none.", nil},
		{"empty", "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.RedactURL(tc.in)
			assert.Equal(t, tc.want, got)
			for _, s := range tc.secrets {
				assert.NotContains(t, got, s)
			}
			assert.Equal(t, tc.secrets, URLSecrets(tc.in))
			assert.Equal(t, len(tc.secrets) > 0, URLHasSecret(tc.in))
			// The package-level function redacts the same parts.
			assert.Equal(t, strings.Count(tc.want, "[redacted "), strings.Count(RedactURL(tc.in), "[redacted "))
		})
	}
}

func TestURLHasPasswordUnchanged(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"postgres://app:hunter2@db:5432/app", true},
		{"https://user:tok@host", true},
		{"postgres://app@db:5432/app", false},
		{"https://ghp_abc@github.com/x.git", false}, // a token, but no password: URLHasSecret
		{"https://h/x?password=p", false},
		{"redis://db:6379", false},
		{"not a url", false},
	} {
		assert.Equal(t, tc.want, URLHasPassword(tc.in), tc.in)
	}
}
