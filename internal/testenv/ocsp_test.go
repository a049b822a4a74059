package testenv

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOCSPResponse reads the response back: status successful, a basic
// response naming the leaf's serial as good, signed by the CA. (openssl
// ocsp -respin ... -CAfile ca.pem -issuer ca.pem -cert leaf.pem says
// "Response verify OK" and "good" on it.)
func TestOCSPResponse(t *testing.T) {
	ca := NewCA(t)
	leaf := ca.Leaf(t, LeafOptions{RSABits: 2048})
	der := ca.OCSPResponse(t, leaf)

	var resp ocspResponse
	rest, err := asn1.Unmarshal(der, &resp)
	require.NoError(t, err)
	require.Empty(t, rest)
	assert.Equal(t, asn1.Enumerated(0), resp.Status)
	assert.True(t, resp.Bytes.Type.Equal(oidOCSPBasic))

	var basic ocspBasicResponse
	_, err = asn1.Unmarshal(resp.Bytes.Response, &basic)
	require.NoError(t, err)
	var data ocspResponseData
	_, err = asn1.Unmarshal(basic.TBS.FullBytes, &data)
	require.NoError(t, err)
	require.Len(t, data.Responses, 1)
	assert.Equal(t, 0, leaf.X509.SerialNumber.Cmp(data.Responses[0].CertID.SerialNumber))
	assert.Equal(t, 0, data.Responses[0].Good.Tag, "cert status good")
	assert.True(t, data.Responses[0].NextUpdate.After(data.Responses[0].ThisUpdate))

	digest := sha256.Sum256(basic.TBS.FullBytes)
	assert.True(t, ecdsa.VerifyASN1(ca.Cert.PublicKey.(*ecdsa.PublicKey), digest[:], basic.Signature.Bytes), "signed by the CA")
}
