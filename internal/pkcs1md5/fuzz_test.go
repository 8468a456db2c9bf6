package pkcs1md5

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// FuzzVerifyMathBigVsCryptoRSA checks the math/big verification against
// crypto/rsa on a 1024-bit key (where crypto/rsa is allowed): a signature of
// msg with the bytes of flip XORed in must be judged alike by both.
func FuzzVerifyMathBigVsCryptoRSA(f *testing.F) {
	f.Add([]byte("/index.php?id=1&index=2\nbucket=examplebucket"), []byte{})
	f.Add([]byte(""), []byte{0, 0, 0, 1})
	f.Add([]byte("/\n"), bytes.Repeat([]byte{0xff}, 128))
	f.Add([]byte("x"), bytes.Repeat([]byte{0}, 129))
	priv := testkeys.Private(1024)
	pub := &priv.PublicKey
	f.Fuzz(func(t *testing.T, msg, flip []byte) {
		sig := testkeys.SignMD5(priv, msg)
		for i := 0; i < len(flip) && i < len(sig); i++ {
			sig[i] ^= flip[i]
		}
		if len(flip) > len(sig) {
			sig = append(sig, flip[len(sig):]...)
		}
		d := md5.Sum(msg)
		want := rsa.VerifyPKCS1v15(pub, crypto.MD5, d[:], sig) == nil
		if len(sig) == 128 {
			if got := verifySmall(pub, d[:], sig, 128); got != want {
				t.Fatalf("math/big = %v, crypto/rsa = %v", got, want)
			}
		}
		if got := VerifyDigest(pub, d[:], sig) == nil; got != want {
			t.Fatalf("VerifyDigest = %v, crypto/rsa = %v", got, want)
		}
	})
}
