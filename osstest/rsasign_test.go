package osstest

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// TestWorkedCallbackSignature reproduces docs/PROTOCOL.md#512-bit-key: the
// fixed 512-bit test key signs
// "/index.php?id=1&index=2\nbucket=examplebucket" as bpwCP7sb…. PKCS#1 v1.5
// is deterministic, so the bytes must match.
func TestWorkedCallbackSignature(t *testing.T) {
	toSign := []byte(testkeys.WorkedStringToSign)
	if string(toSign) != "/index.php?id=1&index=2\nbucket=examplebucket" {
		t.Fatalf("fixture = %q", toSign)
	}
	k, err := newSigningKey(0)
	if err != nil {
		t.Fatal(err)
	}
	got := base64.StdEncoding.EncodeToString(k.signMD5(toSign))
	const want = "bpwCP7sbWY6enXUqLyVudHO8RUz26sha7IYuaNpQbBIYkHjPYvvSiqKyVhe7uY5xlzVzMtqjk2p7Yc7jhOCO/w=="
	if got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	if err := verify.VerifyPKCS1v15MD5(k.pub, toSign, k.signMD5(toSign)); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := verify.VerifyPKCS1v15MD5(verify.OSSPublicKey(), toSign, k.signMD5(toSign)); !errors.Is(err, verify.ErrBadSignature) {
		t.Errorf("OSS's real key accepted the test key's signature: %v", err)
	}
}

// TestFixedKeyIsTestPair: CallbackKeyBits 0 and 512 select the fixed pair
// of internal/testkeys, and the PEM the emulator publishes is its public
// half.
func TestFixedKeyIsTestPair(t *testing.T) {
	for _, bits := range []int{0, 512} {
		k, err := newSigningKey(bits)
		if err != nil {
			t.Fatal(err)
		}
		if !k.pub.Equal(&testkeys.Private(512).PublicKey) {
			t.Errorf("newSigningKey(%d) is not the 512-bit test pair", bits)
		}
		pub, err := verify.ParsePublicKeyPEM(k.pubPEM)
		if err != nil || !pub.Equal(k.pub) {
			t.Errorf("newSigningKey(%d): public PEM does not match the private key: %v", bits, err)
		}
	}
}

func TestSigningKeySizes(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		k, err := newSigningKey(bits)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("/cb\nbody")
		if err := verify.VerifyPKCS1v15MD5(k.pub, msg, k.signMD5(msg)); err != nil {
			t.Errorf("%d bits: %v", bits, err)
		}
		if pub, err := verify.ParsePublicKeyPEM(k.pubPEM); err != nil || !pub.Equal(k.pub) {
			t.Errorf("%d bits: PEM: %v", bits, err)
		}
	}
	for _, bits := range []int{256, 768, 1000, 8192, -1} {
		if _, err := newSigningKey(bits); !errors.Is(err, errKeyBits) {
			t.Errorf("newSigningKey(%d) = %v, want errKeyBits", bits, err)
		}
	}
}
