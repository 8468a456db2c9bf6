package verify

import (
	"crypto/rsa"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// Test helpers shared by this package's tests. The fixed keys, OSS-style
// signing and the real callback come from internal/testkeys; the helpers
// below build PKCS#1 v1.5 encodings independently of both that package and
// the code under test.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
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
