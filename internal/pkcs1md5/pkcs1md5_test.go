package pkcs1md5

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"errors"
	"math/big"
	"strconv"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

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

// TestDigestLength: VerifyDigest takes exactly an MD5 digest.
func TestDigestLength(t *testing.T) {
	priv := testkeys.Private(512)
	pub := &priv.PublicKey
	msg := []byte("/\n")
	good := testkeys.SignMD5(priv, msg)
	d := md5.Sum(msg)
	for _, n := range []int{0, 15, 17, 20} {
		if err := VerifyDigest(pub, make([]byte, n), good); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%d-byte digest: err = %v, want ErrBadSignature", n, err)
		}
	}
	if err := VerifyDigest(pub, d[:], good); err != nil {
		t.Errorf("digest form: %v", err)
	}
}

// TestMathBigAgreesWithCryptoRSA runs the math/big path on 1024- and
// 2048-bit keys, where crypto/rsa is the reference.
func TestMathBigAgreesWithCryptoRSA(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		priv := testkeys.Private(bits)
		pub := &priv.PublicKey
		k := (bits + 7) / 8
		msg := []byte("/cb?x=1\nbucket=b")
		d := md5.Sum(msg)
		good := testkeys.SignMD5(priv, msg)
		sigs := [][]byte{good}
		for _, i := range []int{0, 1, k / 2, k - 1} {
			b := bytes.Clone(good)
			b[i] ^= 0x04
			sigs = append(sigs, b)
		}
		sigs = append(sigs, rawSign(priv, encodeEM(k, rfcMD5Prefix[:len(rfcMD5Prefix)-1], append([]byte{0x10}, d[:]...))))
		for i, sig := range sigs {
			want := rsa.VerifyPKCS1v15(pub, crypto.MD5, d[:], sig) == nil
			if got := verifySmall(pub, d[:], sig, k); got != want {
				t.Errorf("%d bits, sig %d: math/big says %v, crypto/rsa says %v", bits, i, got, want)
			}
		}
		if !verifySmall(pub, d[:], good, k) {
			t.Errorf("%d bits: math/big rejects a crypto/rsa signature", bits)
		}
	}
}

func TestSignedDigest(t *testing.T) {
	for _, bits := range []int{512, 1024, 2048} {
		t.Run(strconv.Itoa(bits), func(t *testing.T) {
			priv := testkeys.Private(bits)
			msg := []byte("/callback?x=1\nbucket=b")
			sig := testkeys.SignMD5(priv, msg)
			got, err := SignedDigest(&priv.PublicKey, sig)
			if want := md5.Sum(msg); err != nil || !bytes.Equal(got, want[:]) {
				t.Fatalf("SignedDigest = %x, %v; want %x", got, err, want)
			}
			other := testkeys.Private(map[int]int{512: 1024, 1024: 2048, 2048: 512}[bits])
			if _, err := SignedDigest(&other.PublicKey, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("under another key: %v, want ErrBadSignature", err)
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/2] ^= 1
			if _, err := SignedDigest(&priv.PublicKey, bad); !errors.Is(err, ErrBadSignature) {
				t.Errorf("altered signature: %v, want ErrBadSignature", err)
			}
		})
	}
}
