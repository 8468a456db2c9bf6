package osstest

import (
	"encoding/base64"
	"errors"
	"os"
	"testing"

	"github.com/ossdirect/ossdirect/verify"
)

// TestWorkedCallbackSignature reproduces docs/PROTOCOL.md#512-bit-key: the
// fixed 512-bit test key signs
// "/index.php?id=1&index=2\nbucket=examplebucket" as bpwCP7sb…. PKCS#1 v1.5
// is deterministic, so the bytes must match.
func TestWorkedCallbackSignature(t *testing.T) {
	toSign, err := os.ReadFile("testdata/cb_string_to_sign.txt")
	if err != nil {
		t.Fatal(err)
	}
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

// TestEmbeddedKeyMatchesFixture guards the embedded PEM copies against the
// fixtures of docs/PROTOCOL.md#512-bit-key.
func TestEmbeddedKeyMatchesFixture(t *testing.T) {
	for name, embedded := range map[string]string{
		"testdata/test_cb_priv_512.pem": testKey512Private,
		"testdata/test_cb_pub_512.pem":  testKey512Public,
	} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != embedded {
			t.Errorf("%s differs from the embedded copy", name)
		}
	}
	k, err := newSigningKey(512)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := verify.ParsePublicKeyPEM(k.pubPEM)
	if err != nil || !pub.Equal(k.pub) {
		t.Errorf("public PEM does not match the private key: %v", err)
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
