// Package testkeys holds the fixed RSA key pairs and OSS callback vectors
// that this module's tests and the osstest emulator share, and signs with
// those keys the way OSS signs callbacks (MD5withRSA, PKCS#1 v1.5).
//
// The private keys are published in this repository: they are for tests
// only, and none of them is OSS's key. The 512-bit pair has the size of
// OSS's real callback key (docs/PROTOCOL.md#512-bit-key), so verifiers meet
// in tests what production sends.
package testkeys

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

var (
	//go:embed testdata/test_cb_priv_512.pem
	private512PEM []byte
	//go:embed testdata/test_priv_1024.pem
	private1024PEM []byte
	//go:embed testdata/test_priv_2048.pem
	private2048PEM []byte
	//go:embed testdata/test_cb_pub_512.pem
	public512PEM []byte
	//go:embed testdata/real-callback.json
	realCallbackJSON []byte
)

// PrivatePEM returns a copy of the PKCS#8 "PRIVATE KEY" PEM of the fixed
// key of the given size. It panics for a size other than 512, 1024 or 2048.
func PrivatePEM(bits int) []byte {
	switch bits {
	case 512:
		return clone(private512PEM)
	case 1024:
		return clone(private1024PEM)
	case 2048:
		return clone(private2048PEM)
	}
	panic(fmt.Sprintf("testkeys: no fixed %d-bit key (have 512, 1024, 2048)", bits))
}

// Private returns the fixed private key of the given size, freshly parsed,
// so a test may change it without affecting others. It panics for a size
// other than 512, 1024 or 2048.
func Private(bits int) *rsa.PrivateKey {
	block, _ := pem.Decode(PrivatePEM(bits))
	if block == nil {
		panic(fmt.Sprintf("testkeys: %d-bit key: no PEM block", bits))
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(fmt.Sprintf("testkeys: %d-bit key: %v", bits, err))
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() != bits {
		panic(fmt.Sprintf("testkeys: %d-bit key is %T", bits, k))
	}
	return priv
}

// PublicPEM returns the public half of the fixed key of the given size as a
// PKIX "PUBLIC KEY" PEM block, the format OSS publishes its key in. For 512
// bits it is testdata/test_cb_pub_512.pem byte for byte. It panics for a
// size other than 512, 1024 or 2048.
func PublicPEM(bits int) []byte {
	if bits == 512 {
		return clone(public512PEM)
	}
	der, err := x509.MarshalPKIXPublicKey(&Private(bits).PublicKey)
	if err != nil {
		panic(fmt.Sprintf("testkeys: %d-bit public key: %v", bits, err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// MD5DigestInfo is the DER prefix of a PKCS#1 v1.5 DigestInfo for MD5
// (RFC 8017 §9.2 note 1).
var MD5DigestInfo = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// SignMD5 returns the RSASSA-PKCS1-v1_5 signature of msg with MD5, as OSS
// computes a callback's Authorization (before Base64). Since Go 1.24
// crypto/rsa refuses keys under 1024 bits
// (https://go.dev/doc/go1.24#cryptorsapkgcryptorsa), so for those the
// signature is computed with math/big, without blinding or constant-time
// arithmetic: fine for test keys, never for a secret one. Larger keys go
// through crypto/rsa. PKCS#1 v1.5 is deterministic, so both give the same
// bytes. It panics if crypto/rsa refuses the key.
func SignMD5(priv *rsa.PrivateKey, msg []byte) []byte {
	sum := md5.Sum(msg)
	if priv.N.BitLen() < 1024 {
		return signSmall(priv, sum[:])
	}
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.MD5, sum[:])
	if err != nil {
		panic(fmt.Sprintf("testkeys: signing with a %d-bit key: %v", priv.N.BitLen(), err))
	}
	return sig
}

// signSmall is s = EM^d mod n with EM = 00 01 FF…FF 00 || DigestInfo(MD5)
// || digest (RFC 8017 §8.2.1, §9.2).
func signSmall(priv *rsa.PrivateKey, digest []byte) []byte {
	return RawSign(priv, EncodeEM((priv.N.BitLen()+7)/8, MD5DigestInfo, digest))
}

// EncodeEM returns the k-byte EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2)
// 00 01 FF…FF 00 || prefix || hash, written out from the RFC independently
// of the code under test.
func EncodeEM(k int, prefix, hash []byte) []byte {
	t := append(append([]byte{}, prefix...), hash...)
	em := make([]byte, k)
	em[1] = 0x01
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	return em
}

// RawSign computes em^d mod n: the RSA private-key operation on an
// arbitrary encoded message, so tests can forge bad paddings too.
func RawSign(priv *rsa.PrivateKey, em []byte) []byte {
	k := (priv.N.BitLen() + 7) / 8
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
	return s.FillBytes(make([]byte, k))
}

// The worked example of docs/PROTOCOL.md#512-bit-key: the string OSS would
// sign for POST /index.php?id=1&index=2 with body "bucket=examplebucket",
// its MD5, and its signature with the fixed 512-bit key (Base64), as
// cross-checked with openssl dgst -md5 -sign.
const (
	WorkedStringToSign = "/index.php?id=1&index=2\nbucket=examplebucket"
	WorkedMD5Hex       = "cbfd9c155a5d6b343773e66dd60b70a4"
	WorkedSignature    = "bpwCP7sbWY6enXUqLyVudHO8RUz26sha7IYuaNpQbBIYkHjPYvvSiqKyVhe7uY5xlzVzMtqjk2p7Yc7jhOCO/w=="
)

// Callback is a callback request as an application server receives it.
type Callback struct {
	Method string
	// RequestURI is the request target as sent: Path, then "?" and
	// RawQuery if there is a query.
	RequestURI string
	Path       string
	RawQuery   string
	// Headers holds the headers that matter for verification, in their
	// canonical spelling: Authorization, X-Oss-Pub-Key-Url, Content-Type.
	Headers map[string]string
	Body    string
	// Signature is the Authorization header: the Base64 signature.
	Signature string
}

// RealCallback returns one callback that OSS really sent and signed with its
// own 512-bit key (https://gosspublic.alicdn.com/callback_pub_key_v1.pem),
// kept in testdata/real-callback.json. Its target has no query and no
// escapes, so the string OSS signed is RequestURI + "\n" + Body.
func RealCallback() Callback {
	var raw struct {
		Method     string            `json:"method"`
		RequestURI string            `json:"request_uri"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(realCallbackJSON, &raw); err != nil {
		panic("testkeys: testdata/real-callback.json: " + err.Error())
	}
	u, err := url.ParseRequestURI(raw.RequestURI)
	if err != nil {
		panic("testkeys: testdata/real-callback.json: " + err.Error())
	}
	return Callback{
		Method:     raw.Method,
		RequestURI: raw.RequestURI,
		Path:       u.Path,
		RawQuery:   u.RawQuery,
		Headers:    raw.Headers,
		Body:       raw.Body,
		Signature:  raw.Headers["Authorization"],
	}
}

// Request returns the callback as a server receives it
// (httptest.NewRequest: RequestURI set, Body readable once), with c.Headers
// set.
func (c Callback) Request() *http.Request {
	r := httptest.NewRequest(c.Method, c.RequestURI, strings.NewReader(c.Body))
	for k, v := range c.Headers {
		r.Header.Set(k, v)
	}
	return r
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
