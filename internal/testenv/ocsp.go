package testenv

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

// OCSP (RFC 6960) structures, enough to write a signed "good" response
// for a leaf: the module has no OCSP package (golang.org/x/crypto/ocsp is
// not a dependency).
type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  ocspResponseBytes `asn1:"explicit,tag:0"`
}

type ocspResponseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type ocspBasicResponse struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type ocspResponseData struct {
	ResponderKeyHash []byte    `asn1:"explicit,tag:2"`
	ProducedAt       time.Time `asn1:"generalized"`
	Responses        []ocspSingleResponse
}

type ocspSingleResponse struct {
	CertID     ocspCertID
	Good       asn1.RawValue // [0] IMPLICIT NULL
	ThisUpdate time.Time     `asn1:"generalized"`
	NextUpdate time.Time     `asn1:"generalized,explicit,tag:0"`
}

type ocspCertID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

var (
	oidOCSPBasic       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// OCSPResponse returns a DER OCSP response, signed by the CA, that says
// the leaf is good from an hour ago for a week: what nginx staples from
// NginxOptions.OCSPResponse (ssl_stapling_file).
func (ca *CA) OCSPResponse(t testing.TB, leaf Leaf) []byte {
	t.Helper()
	der, err := ca.ocspResponse(leaf.X509, time.Now())
	if err != nil {
		t.Fatalf("testenv: OCSP response: %v", err)
	}
	return der
}

func (ca *CA) ocspResponse(leaf *x509.Certificate, now time.Time) ([]byte, error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.Cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, err
	}
	nameHash := sha1.Sum(ca.Cert.RawSubject)
	keyHash := sha1.Sum(spki.PublicKey.RightAlign())
	now = now.UTC().Truncate(time.Second)
	tbs, err := asn1.Marshal(ocspResponseData{
		ResponderKeyHash: keyHash[:],
		ProducedAt:       now,
		Responses: []ocspSingleResponse{{
			CertID: ocspCertID{
				HashAlgorithm:  pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue},
				IssuerNameHash: nameHash[:],
				IssuerKeyHash:  keyHash[:],
				SerialNumber:   leaf.SerialNumber,
			},
			Good:       asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0},
			ThisUpdate: now.Add(-time.Hour),
			NextUpdate: now.Add(7 * 24 * time.Hour),
		}},
	})
	if err != nil {
		return nil, err
	}
	digest := crypto.SHA256.New()
	digest.Write(tbs)
	sig, err := ca.Key.Sign(rand.Reader, digest.Sum(nil), crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic, err := asn1.Marshal(ocspBasicResponse{
		TBS:       asn1.RawValue{FullBytes: tbs},
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256},
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(ocspResponse{Status: 0, Bytes: ocspResponseBytes{Type: oidOCSPBasic, Response: basic}})
}
