package osstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// signingKey signs callback requests. For CallbackKeyBits 0 or 512 it is
// the fixed 512-bit pair of internal/testkeys (the key of
// docs/PROTOCOL.md#512-bit-key, not OSS's key): OSS signs callbacks with a
// 512-bit key, and signing with one of the same size makes verifiers under
// test meet what production sends. Current Go refuses to generate or use RSA
// keys under 1024 bits, so that pair is fixed and testkeys.SignMD5 signs
// with it using math/big.
type signingKey struct {
	priv   *rsa.PrivateKey
	pub    *rsa.PublicKey
	pubPEM []byte
}

var errKeyBits = errors.New("unsupported CallbackKeyBits")

func newSigningKey(bits int) (*signingKey, error) {
	switch bits {
	case 0, 512:
		priv := testkeys.Private(512)
		return &signingKey{priv: priv, pub: &priv.PublicKey, pubPEM: testkeys.PublicPEM(512)}, nil
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
		priv:   priv,
		pub:    &priv.PublicKey,
		pubPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
	}, nil
}

// signMD5 returns the RSASSA-PKCS1-v1_5 signature of msg with MD5, as OSS
// signs callbacks (docs/PROTOCOL.md#callback-signature).
func (k *signingKey) signMD5(msg []byte) []byte { return testkeys.SignMD5(k.priv, msg) }
