// Package tlsprobe writes a TLS ClientHello for any protocol version (TLS 1.0
// to 1.2) and any list of cipher-suite code points, and reads only the
// server's ServerHello or alert. It never completes a handshake and implements
// no cryptography, so it can ask a server about suites crypto/tls cannot offer
// (RC4, 3DES, NULL, EXPORT, DHE, CAMELLIA, ...), the way testssl.sh's
// "sockets" mode and cfssl's scanner do.
//
// The reader is written for hostile servers: every length is bounded, at most
// 32 records are read, and a short read is an error.
package tlsprobe
