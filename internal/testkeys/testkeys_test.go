package testkeys_test

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

func TestKeys(t *testing.T) {
	for _, bits := range []int{512, 1024, 2048} {
		t.Run(fmt.Sprintf("%d bits", bits), func(t *testing.T) {
			priv := testkeys.Private(bits)
			if priv.N.BitLen() != bits {
				t.Fatalf("Private(%d) has %d bits", bits, priv.N.BitLen())
			}
			pub, err := verify.ParsePublicKeyPEM(testkeys.PublicPEM(bits))
			if err != nil || !pub.Equal(&priv.PublicKey) {
				t.Errorf("PublicPEM(%d) is not the public half of Private(%d): %v", bits, bits, err)
			}
			// Each call parses afresh: changing one key leaves the next intact.
			priv.N.SetInt64(1)
			if testkeys.Private(bits).N.BitLen() != bits {
				t.Errorf("Private(%d) returned a shared key", bits)
			}
			p := testkeys.PrivatePEM(bits)
			p[0] = 'X'
			if testkeys.PrivatePEM(bits)[0] != '-' {
				t.Errorf("PrivatePEM(%d) returned shared bytes", bits)
			}
		})
	}
}

func TestPublic512MatchesFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/test_cb_pub_512.pem")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(testkeys.PublicPEM(512), b) {
		t.Error("PublicPEM(512) differs from testdata/test_cb_pub_512.pem")
	}
	// The file is the PKIX encoding of the private key's public half.
	pub, err := verify.ParsePublicKeyPEM(b)
	if err != nil || !pub.Equal(&testkeys.Private(512).PublicKey) {
		t.Errorf("testdata/test_cb_pub_512.pem does not match the private key: %v", err)
	}
}

func TestUnknownSizePanics(t *testing.T) {
	for _, bits := range []int{0, 256, 3072} {
		for name, f := range map[string]func(){
			"Private":    func() { testkeys.Private(bits) },
			"PrivatePEM": func() { testkeys.PrivatePEM(bits) },
			"PublicPEM":  func() { testkeys.PublicPEM(bits) },
		} {
			t.Run(fmt.Sprintf("%s(%d)", name, bits), func(t *testing.T) {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(%d) did not panic", name, bits)
					}
				}()
				f()
			})
		}
	}
}

// TestWorkedSignature: the 512-bit key signs the worked example as
// docs/PROTOCOL.md#512-bit-key says, through the math/big path.
func TestWorkedSignature(t *testing.T) {
	if got := md5.Sum([]byte(testkeys.WorkedStringToSign)); hex.EncodeToString(got[:]) != testkeys.WorkedMD5Hex {
		t.Fatalf("MD5 = %x, want %s", got, testkeys.WorkedMD5Hex)
	}
	sig := testkeys.SignMD5(testkeys.Private(512), []byte(testkeys.WorkedStringToSign))
	if got := base64.StdEncoding.EncodeToString(sig); got != testkeys.WorkedSignature {
		t.Errorf("SignMD5 = %s, want %s", got, testkeys.WorkedSignature)
	}
	if err := verify.VerifyPKCS1v15MD5(&testkeys.Private(512).PublicKey, []byte(testkeys.WorkedStringToSign), sig); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := verify.VerifyPKCS1v15MD5(verify.OSSPublicKey(), []byte(testkeys.WorkedStringToSign), sig); !errors.Is(err, verify.ErrBadSignature) {
		t.Errorf("OSS's key accepted the test key's signature: %v", err)
	}
}

// TestSignMD5LargeKeys: for 1024 and 2048 bits SignMD5 is crypto/rsa's
// signature, which crypto/rsa verifies, and a changed message does not.
func TestSignMD5LargeKeys(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		priv := testkeys.Private(bits)
		msg := []byte("/cb?a=1\nobject=x.jpg")
		sig := testkeys.SignMD5(priv, msg)
		sum := md5.Sum(msg)
		if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.MD5, sum[:], sig); err != nil {
			t.Errorf("%d bits: crypto/rsa does not verify: %v", bits, err)
		}
		sum = md5.Sum(append(msg, 'x'))
		if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.MD5, sum[:], sig); err == nil {
			t.Errorf("%d bits: signature verifies for another message", bits)
		}
	}
}

// TestRealCallback: the vector is the request OSS sent, and its signature
// verifies with OSS's real key over RequestURI + "\n" + Body.
func TestRealCallback(t *testing.T) {
	rc := testkeys.RealCallback()
	if rc.Method != "POST" || rc.Path != "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH" || rc.RawQuery != "" || rc.RequestURI != rc.Path {
		t.Errorf("target: %s %q path %q query %q", rc.Method, rc.RequestURI, rc.Path, rc.RawQuery)
	}
	if rc.Signature != rc.Headers["Authorization"] || rc.Headers["Content-Type"] != "application/json" {
		t.Errorf("headers: %v", rc.Headers)
	}
	sig, err := base64.StdEncoding.DecodeString(rc.Signature)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(rc.RequestURI + "\n" + rc.Body)
	if err := verify.VerifyPKCS1v15MD5(verify.OSSPublicKey(), msg, sig); err != nil {
		t.Errorf("real callback does not verify with OSS's key: %v", err)
	}
	r := rc.Request()
	if r.Method != rc.Method || r.RequestURI != rc.RequestURI || r.Header.Get("X-Oss-Pub-Key-Url") != rc.Headers["X-Oss-Pub-Key-Url"] {
		t.Errorf("Request: %s %s %v", r.Method, r.RequestURI, r.Header)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != rc.Body {
		t.Errorf("Request body = %q", b)
	}
	// Each call returns its own Headers map.
	rc.Headers["Authorization"] = "x"
	if testkeys.RealCallback().Headers["Authorization"] == "x" {
		t.Error("RealCallback returned a shared Headers map")
	}
}
