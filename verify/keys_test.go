package verify

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// Test helpers shared by this package's tests. Go refuses to generate or
// sign with keys under 1024 bits, so the fixed 512-bit test pair of
// docs/PROTOCOL.md#512-bit-key is loaded from testdata and signed with
// math/big here.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadPrivateKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(readTestdata(t, name))
	if block == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k.(*rsa.PrivateKey)
}

// testKey returns the private key of the given size: the PROTOCOL.md pair
// for 512 bits, fixed openssl-generated keys for 1024 and 2048.
func testKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	switch bits {
	case 512:
		return loadPrivateKey(t, "test_cb_priv_512.pem")
	case 1024:
		return loadPrivateKey(t, "test_priv_1024.pem")
	case 2048:
		return loadPrivateKey(t, "test_priv_2048.pem")
	}
	t.Fatalf("no %d-bit test key", bits)
	return nil
}

// rawSign computes em^d mod n: the RSA private-key operation on an
// arbitrary encoded message, so tests can forge bad paddings too.
func rawSign(priv *rsa.PrivateKey, em []byte) []byte {
	k := (priv.N.BitLen() + 7) / 8
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, priv.D, priv.N)
	return s.FillBytes(make([]byte, k))
}

// encodeEM builds EMSA-PKCS1-v1_5 (RFC 8017 §9.2) independently of the code
// under test, with the DigestInfo prefix written out from the RFC.
func encodeEM(k int, prefix, hash []byte) []byte {
	t := append(append([]byte{}, prefix...), hash...)
	em := make([]byte, k)
	em[1] = 0x01
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	return em
}

// rfcMD5Prefix is RFC 8017 §9.2 note 1's MD5 DigestInfo prefix.
var rfcMD5Prefix = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// signMD5 signs msg with MD5/PKCS#1 v1.5: math/big for small keys,
// crypto/rsa otherwise (which also cross-checks encodeEM).
func signMD5(t testing.TB, priv *rsa.PrivateKey, msg []byte) []byte {
	t.Helper()
	d := md5.Sum(msg)
	if priv.N.BitLen() < 1024 {
		return rawSign(priv, encodeEM((priv.N.BitLen()+7)/8, rfcMD5Prefix, d[:]))
	}
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.MD5, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// realCallback is testdata/real-callback.json: one callback really sent
// and signed by OSS (also in callback/testdata).
type realCallback struct {
	Method     string            `json:"method"`
	RequestURI string            `json:"request_uri"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func loadRealCallback(t testing.TB) realCallback {
	t.Helper()
	var rc realCallback
	if err := json.Unmarshal(readTestdata(t, "real-callback.json"), &rc); err != nil {
		t.Fatal(err)
	}
	return rc
}
