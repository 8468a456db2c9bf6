package osstest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// testKey512 is the throwaway 512-bit key pair of
// docs/PROTOCOL.md#512-bit-key (not OSS's key). OSS signs callbacks with a
// 512-bit key; signing with one of the same size makes verifiers under test
// meet what production sends. Current Go refuses to generate or use RSA keys
// under 1024 bits, so the pair is fixed and the signature is computed with
// math/big (signingKey.signMD5).
const (
	testKey512Private = `-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAupIffI0/+t+XlUL/
Xsj4HOV1yDoAK1Rb8wQmmIF8XNNZqC2vO2m1rR853EQAAlFjrOR/SadqLm+6+8tA
WkepdwIDAQABAkBPaVjbk+eyqa8EikLWHmZ1Ljnm4sElsD9+/bpL2XmMrHHjgkHj
87nL8cbWfbVIpUefBk11YQ2jtDArRHOx15ZpAiEA9BMFkv4ZoDSrj6JqeLCGduwC
E1ole9Ln06Lb+rQChJMCIQDDr9MR7ncZSDhRSV0M1h1Vks5bDWSqIsxueoIzVpAa
DQIhAMGhNZLfs0S9hD13BDCrGoHNyffAVGxfbTsgwJOrqzOxAiBZACvgePPkJMuw
dMyEXRHEbNu739CL7P3LtZ5oGRO7NQIhALiiyarr78im7S90mMDXmE1ZrVrzMVpc
fQYpTsFOsGtm
-----END PRIVATE KEY-----
`
	testKey512Public = `-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALqSH3yNP/rfl5VC/17I+Bzldcg6ACtU
W/MEJpiBfFzTWagtrztpta0fOdxEAAJRY6zkf0mnai5vuvvLQFpHqXcCAwEAAQ==
-----END PUBLIC KEY-----
`
)

// md5DigestInfo is the DER prefix of a PKCS#1 v1.5 DigestInfo for MD5
// (RFC 8017 §9.2 note 1); OSS signs callbacks with MD5withRSA
// (docs/PROTOCOL.md#callback-signature).
var md5DigestInfo = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// signingKey signs callback requests.
type signingKey struct {
	pub    *rsa.PublicKey
	d      *big.Int
	pubPEM []byte
}

var errKeyBits = errors.New("unsupported CallbackKeyBits")

func newSigningKey(bits int) (*signingKey, error) {
	switch bits {
	case 0, 512:
		return parseSigningKey([]byte(testKey512Private), []byte(testKey512Public))
	case 1024, 2048, 3072, 4096:
	default:
		return nil, fmt.Errorf("%w: %d (want 512, 1024, 2048, 3072 or 4096)", errKeyBits, bits)
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &signingKey{
		pub:    &priv.PublicKey,
		d:      priv.D,
		pubPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
	}, nil
}

func parseSigningKey(privPEM, pubPEM []byte) (*signingKey, error) {
	block, _ := pem.Decode(privPEM)
	if block == nil {
		return nil, errors.New("no PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want RSA", k)
	}
	return &signingKey{pub: &priv.PublicKey, d: priv.D, pubPEM: pubPEM}, nil
}

// signMD5 returns the RSASSA-PKCS1-v1_5 signature of msg with MD5:
// s = EM^d mod n, EM = 00 01 FF…FF 00 || DigestInfo(MD5) || MD5(msg)
// (RFC 8017 §8.2.1, §9.2). It is done with math/big because crypto/rsa
// refuses keys under 1024 bits; the emulator is a test tool, so the
// missing blinding and constant-time arithmetic do not matter.
func (k *signingKey) signMD5(msg []byte) []byte {
	sum := md5.Sum(msg)
	size := (k.pub.N.BitLen() + 7) / 8
	em := make([]byte, size)
	em[1] = 0x01
	tLen := len(md5DigestInfo) + len(sum)
	for i := 2; i < size-tLen-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-tLen:], md5DigestInfo)
	copy(em[size-len(sum):], sum[:])
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), k.d, k.pub.N)
	return s.FillBytes(make([]byte, size))
}
