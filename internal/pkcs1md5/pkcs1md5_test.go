package pkcs1md5

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"errors"
	"strconv"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

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
		sigs = append(sigs, testkeys.RawSign(priv, testkeys.EncodeEM(k, testkeys.MD5DigestInfo[:len(testkeys.MD5DigestInfo)-1], append([]byte{0x10}, d[:]...))))
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
