package security

import (
	"crypto/hmac"
	"crypto/rand"

	"github.com/golang-jwt/jwt/v5"
)

// hmacSum is the HMAC of data under key with the method's hash.
func hmacSum(m *jwt.SigningMethodHMAC, data string, key []byte) []byte {
	h := hmac.New(m.Hash.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func randRead(b []byte) (int, error) { return rand.Read(b) }
