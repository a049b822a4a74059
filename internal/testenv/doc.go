// Package testenv starts the real servers that tests of this module run
// against, and builds the certificates they serve. Only tests import it.
//
//   - [Require] skips a test whose binary or service is missing, naming it,
//     or fails it when PRODCHECK_REQUIRE_SERVICES=1 (CI sets it, so a
//     missing nginx is a red build, not a quiet skip).
//   - [NewCA] and [CA.Leaf] make a throwaway CA and leaf certificates
//     (ECDSA or RSA of any size, SHA-1 signed, expired, self-signed, any
//     host names), written as PEM files in the test's temporary directory.
//   - [Nginx] writes an nginx configuration into the test's temporary
//     directory and runs /usr/sbin/nginx in the foreground on two free
//     loopback ports (HTTP and HTTPS) until the test ends.
//
// # TLS 1.0 and 1.1 on OpenSSL 3
//
// Debian 12's nginx links OpenSSL 3.0, whose default security level (1)
// forbids the SHA-1 and MD5+SHA-1 handshake signatures that TLS 1.0 and 1.1
// need: `ssl_protocols TLSv1` alone accepts no TLS 1.0 handshake ("no
// shared cipher"/"unsupported protocol"). Appending `:@SECLEVEL=0` to
// `ssl_ciphers` brings them back; [Nginx] does that by itself when
// [NginxOptions.Protocols] names TLSv1 or TLSv1.1 and
// [NginxOptions.Ciphers] sets no @SECLEVEL. The static-RSA suites
// (AES128-SHA and the like) and ECDHE-RSA suites need an RSA certificate:
// pass a leaf made with [LeafOptions.RSABits].
package testenv
