package secret

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		secret     bool
		reason     string
		wellKnown  bool
	}{
		// Not secrets: the value says so.
		{"MYSQL_RANDOM_ROOT_PASSWORD", "yes", false, ReasonFlag, false},
		{"MYSQL_ALLOW_EMPTY_PASSWORD", "true", false, ReasonFlag, false},
		{"TOKEN_EXPIRATION", "3600", false, ReasonNotSecretKey, false},
		{"JWT_EXPIRES_IN", "7d", false, ReasonNotSecretKey, false},
		{"SESSION_LIFETIME", "120", false, ReasonNotSecretKey, false},
		{"SESSION", "3600", false, ReasonNumber, false},
		{"AUTH_TOKEN", "15m", false, ReasonNumber, false},
		{"JWT_SECRET", "15m", false, ReasonNumber, false},
		{"SESSION_DRIVER", "redis", false, ReasonNotSecretKey, false},
		{"AUTH_PROVIDER", "oidc", false, ReasonNotSecretKey, false},
		{"PASSWORD_HASHER", "argon2", false, ReasonNotSecretKey, false},
		{"AUTH", "oidc", false, ReasonName, false},
		{"JWT", "HS256", false, ReasonName, false},
		{"AUTH_ROLE", "admin", false, ReasonNotSecretKey, false},
		{"JWT_AUDIENCE", "api", false, ReasonNotSecretKey, false},
		{"GOOGLE_APPLICATION_CREDENTIALS", "./key.json", false, ReasonPath, false},
		{"GOOGLE_APPLICATION_CREDENTIALS", "/secrets/gcp/key.json", false, ReasonPath, false},
		{"SSL_KEY", "certs/server.key", false, ReasonPath, false},
		{"AWS_SHARED_CREDENTIALS", "~/.aws/credentials", false, ReasonPath, false},
		{"DB_PASSWORD", "<your password>", false, ReasonTemplate, false},
		{"DB_PASSWORD", "{{ .Password }}", false, ReasonTemplate, false},
		{"DB_PASSWORD", "xxxxxxxx", false, ReasonTemplate, false},
		{"DB_PASSWORD", "${DB_PASSWORD}", false, ReasonReference, false},
		{"DB_PASSWORD", "$DB_PASSWORD", false, ReasonReference, false},
		{"DB_PASSWORD", "", false, ReasonEmpty, false},
		{"POSTGRES_USER", "postgres", false, ReasonNotSecretKey, false},
		{"RABBITMQ_DEFAULT_USR", "guest", false, ReasonNotSecretKey, false},
		{"JWT_KID", "2024-01", false, ReasonNotSecretKey, false},
		{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", false, ReasonNotSecretKey, false},
		{"AUTH_URL", "https://auth.example.com", false, ReasonNotSecretKey, false},
		{"AUTH", "https://auth.example.com/login", false, ReasonURL, false},
		{"BYPASS", "hunter2", false, ReasonNotSecretKey, false},
		{"MONKEY", "hunter2", false, ReasonNotSecretKey, false},
		// Secrets, strong and weak.
		{"DB_PASSWORD", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"PGPASSWORD", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"MYSQL_PWD", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"REDIS_PASS", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"REDISPASS", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"GHTOKEN", "4f9!Qz7#Lm2@Xw8k", true, ReasonSecret, false},
		{"REDIS_PASSWORD", "redis", true, ReasonSecret, true},
		{"POSTGRES_PASSWORD", "postgres", true, ReasonSecret, true},
		{"DB_PASSWORD", "123456", true, ReasonSecret, true},
		{"DB_PASSWORD", "10m", true, ReasonSecret, false},
		{"API_KEY", "changeme", true, ReasonSecret, true},
		{"JWT_SECRET", "your-256-bit-secret", true, ReasonSecret, true},
		{"JWT_SECRET", "super-secret-jwt-token-with-at-least-32-characters-long", true, ReasonSecret, true},
		{"SECRET_KEY", "django-insecure-k3j2h4g5f6d7s8a9", true, ReasonSecret, true},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true, ReasonSecret, true},
		{"MINIO_ROOT_PASSWORD", "minioadmin", true, ReasonSecret, true},
		{"SESSION_SECRET", "b64+/Zm9vYmFyYmF6cXV4", true, ReasonSecret, false},
		{"SECRET", "/Zm9vYmFyYmF6cXV4cXV1eA==", true, ReasonSecret, false},
	} {
		v := Judge(tc.key, tc.value)
		assert.Equal(t, tc.secret, v.IsSecret, "%s=%s", tc.key, tc.value)
		assert.Equal(t, tc.reason, v.Reason, "%s=%s", tc.key, tc.value)
		assert.Equal(t, tc.wellKnown, v.WellKnown, "%s=%s", tc.key, tc.value)
		if v.IsSecret {
			assert.Equal(t, Weakness(tc.value), v.Weak, "%s=%s", tc.key, tc.value)
		} else {
			assert.Empty(t, v.Weak, "%s=%s", tc.key, tc.value)
		}
		assert.NotContains(t, v.Reason, tc.value+"x", "a reason never quotes the value")
	}
}

func TestIsSecretKeyCompounds(t *testing.T) {
	for key, want := range map[string]bool{
		"PGPASSWORD": true, "MYSQL_PWD": true, "REDIS_PASS": true, "DBPASS": true,
		"ADMINSECRET": true, "BYPASS": false, "COMPASS": false, "TURKEY": false,
		"MYSQL_USER": false, "RABBITMQ_DEFAULT_USR": false, "SESSION_DRIVER": false,
		"TOKEN_EXPIRATION": false, "JWT_KID": false,
	} {
		assert.Equal(t, want, IsSecretKey(key), key)
	}
}

func TestLooksLikePath(t *testing.T) {
	for v, want := range map[string]bool{
		"/run/secrets/db_password": true, "/etc/ssl/private/app.key": true, "./key.json": true,
		"../certs/a.pem": true, "~/.aws/credentials": true, "key.json": true, "hunter2": false,
		"/Zm9vYmFyYmF6cXV4cXV1eA==": false, "/aB3dE5fG7hJ9kL1mN3p": false, "notes.md": false,
	} {
		assert.Equal(t, want, LooksLikePath(v), v)
	}
}
