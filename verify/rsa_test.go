package verify

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// The test vector of docs/PROTOCOL.md#512-bit-key, signed with the
// test-only 512-bit key.
const workedSignature = "bpwCP7sbWY6enXUqLyVudHO8RUz26sha7IYuaNpQbBIYkHjPYvvSiqKyVhe7uY5xlzVzMtqjk2p7Yc7jhOCO/w=="

func TestWorkedExample(t *testing.T) {
	msg := []byte(testkeys.WorkedStringToSign)
	if string(msg) != "/index.php?id=1&index=2\nbucket=examplebucket" {
		t.Fatalf("string to sign fixture = %q", msg)
	}
	if got := md5.Sum(msg); string(got[:]) != string(mustHex(t, "cbfd9c155a5d6b343773e66dd60b70a4")) {
		t.Fatalf("MD5 = %x, docs/PROTOCOL.md#512-bit-key says cbfd9c15...", got)
	}
	sig, err := base64.StdEncoding.DecodeString(workedSignature)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(testkeys.PublicPEM(512))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPKCS1v15MD5(pub, msg, sig); err != nil {
		t.Errorf("worked signature does not verify with the test key: %v", err)
	}
	// Our math/big test signer must reproduce the published signature
	// (PKCS#1 v1.5 is deterministic), which validates the signer the other
	// tests rely on.
	if got := base64.StdEncoding.EncodeToString(testkeys.SignMD5(testkeys.Private(512), msg)); got != workedSignature {
		t.Errorf("test signer produced %s, want %s", got, workedSignature)
	}
	// The same signature must fail against OSS's real key.
	if err := VerifyPKCS1v15MD5(OSSPublicKey(), msg, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("worked signature with OSS's key: err = %v, want ErrBadSignature", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealCallbackSignature checks the one callback OSS really signed
// (testkeys.RealCallback) against the embedded key, with no
// GODEBUG, and that changing any single byte of the signed string fails.
func TestRealCallbackSignature(t *testing.T) {
	rc := testkeys.RealCallback()
	sig, err := base64.StdEncoding.DecodeString(rc.Headers["Authorization"])
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(rc.RequestURI + "\n" + rc.Body) // no query, nothing to decode
	if err := VerifyPKCS1v15MD5(OSSPublicKey(), msg, sig); err != nil {
		t.Fatalf("real OSS callback does not verify: %v", err)
	}
	// crypto/rsa itself refuses the key on this Go without GODEBUG, which
	// is why the math/big path exists. If crypto/rsa accepts it, something
	// set GODEBUG=rsa1024min=0 (the project sets none), and this test no
	// longer shows that VerifyPKCS1v15MD5 works where crypto/rsa does not.
	d := md5.Sum(msg)
	if err := rsa.VerifyPKCS1v15(OSSPublicKey(), crypto.MD5, d[:], sig); err == nil {
		t.Errorf("crypto/rsa verified with the 512-bit key: GODEBUG rsa1024min=0 is in effect (GODEBUG=%q), so this test proves nothing about the math/big path", os.Getenv("GODEBUG"))
	}
	for i := range msg {
		bad := bytes.Clone(msg)
		bad[i] ^= 0x01
		if err := VerifyPKCS1v15MD5(OSSPublicKey(), bad, sig); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("byte %d changed: err = %v, want ErrBadSignature", i, err)
		}
	}
	for i := range sig {
		bad := bytes.Clone(sig)
		bad[i] ^= 0x80
		if err := VerifyPKCS1v15MD5(OSSPublicKey(), msg, bad); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signature byte %d changed: err = %v, want ErrBadSignature", i, err)
		}
	}
}

func TestSignVerifyKeySizes(t *testing.T) {
	fresh, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PrivateKey{
		"512 (test pair)": testkeys.Private(512),
		"1024 fixed":      testkeys.Private(1024),
		"1024 fresh":      fresh,
		"2048 fixed":      testkeys.Private(2048),
	}
	msgs := [][]byte{
		[]byte(""),
		[]byte("/\n"),
		[]byte("/index.php?id=1&index=2\nbucket=examplebucket"),
		[]byte("/上传/回调 %?a=%2F+b\n{\"object\":\"中文 名.jpg\"}"),
		bytes.Repeat([]byte{0, 0xff}, 4096),
	}
	for name, priv := range keys {
		t.Run(name, func(t *testing.T) {
			for _, msg := range msgs {
				sig := testkeys.SignMD5(priv, msg)
				if err := VerifyPKCS1v15MD5(&priv.PublicKey, msg, sig); err != nil {
					t.Errorf("msg %.20q: %v", msg, err)
				}
				tampered := append(bytes.Clone(msg), 'x')
				if err := VerifyPKCS1v15MD5(&priv.PublicKey, tampered, sig); !errors.Is(err, ErrBadSignature) {
					t.Errorf("msg %.20q + x: err = %v, want ErrBadSignature", msg, err)
				}
			}
		})
	}
}

// TestForgedPaddings signs malformed encodings with the real private key:
// each is a correct RSA operation over a wrong EM, the classic PKCS#1 v1.5
// forgery shapes, and must be refused.
func TestForgedPaddings(t *testing.T) {
	priv := testkeys.Private(512)
	k := 64
	msg := []byte("/cb\nobject=a.jpg")
	d := md5.Sum(msg)
	s1 := sha1.Sum(msg)
	sha1Prefix := []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}
	good := testkeys.EncodeEM(k, testkeys.MD5DigestInfo, d[:])

	mutate := func(f func(em []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"block type 2":            mutate(func(em []byte) []byte { em[1] = 0x02; return em }),
		"leading byte 1":          mutate(func(em []byte) []byte { em[0] = 0x01; return em }),
		"padding byte not ff":     mutate(func(em []byte) []byte { em[5] = 0xfe; return em }),
		"missing 00 separator":    mutate(func(em []byte) []byte { em[k-len(testkeys.MD5DigestInfo)-md5.Size-1] = 0xff; return em }),
		"raw MD5, no DigestInfo":  testkeys.EncodeEM(k, nil, d[:]),
		"SHA-1 DigestInfo":        testkeys.EncodeEM(k, sha1Prefix, s1[:]),
		"MD5 OID, no NULL params": testkeys.EncodeEM(k, []byte{0x30, 0x1e, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x04, 0x10}, d[:]),
		"garbage after digest (Bleichenbacher'06)": func() []byte {
			em := testkeys.EncodeEM(k, testkeys.MD5DigestInfo, append(d[:], 0xde, 0xad, 0xbe, 0xef))
			return em
		}(),
		"digest of another message": func() []byte {
			o := md5.Sum([]byte("other"))
			return testkeys.EncodeEM(k, testkeys.MD5DigestInfo, o[:])
		}(),
	}
	if err := VerifyPKCS1v15MD5(&priv.PublicKey, msg, testkeys.RawSign(priv, good)); err != nil {
		t.Fatalf("control: correct EM does not verify: %v", err)
	}
	for name, em := range cases {
		t.Run(name, func(t *testing.T) {
			if err := VerifyPKCS1v15MD5(&priv.PublicKey, msg, testkeys.RawSign(priv, em)); !errors.Is(err, ErrBadSignature) {
				t.Errorf("err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestSignatureShape(t *testing.T) {
	priv := testkeys.Private(512)
	pub := &priv.PublicKey
	msg := []byte("/\n")
	good := testkeys.SignMD5(priv, msg)
	nPlus := new(big.Int).Add(new(big.Int).SetBytes(good), pub.N).FillBytes(make([]byte, 65))
	cases := map[string][]byte{
		"nil":                  nil,
		"empty":                {},
		"one byte short":       good[1:],
		"one byte long":        append([]byte{0}, good...),
		"two moduli long":      append(bytes.Clone(good), good...),
		"equal to modulus":     pub.N.FillBytes(make([]byte, 64)),
		"all ff":               bytes.Repeat([]byte{0xff}, 64),
		"all zero":             make([]byte, 64),
		"s + n (65 bytes)":     nPlus,
		"s + n truncated to k": nPlus[1:],
	}
	for name, sig := range cases {
		t.Run(name, func(t *testing.T) {
			if err := VerifyPKCS1v15MD5(pub, msg, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestBadKeys(t *testing.T) {
	n512 := testkeys.Private(512).N
	small, _ := new(big.Int).SetString("c5d2a7f3d9ec1e07a0f4bfa1b0c3e5d7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9", 16) // 256 bits, odd
	huge := new(big.Int).Lsh(big.NewInt(1), MaxKeyBits)
	huge.Add(huge, big.NewInt(1))
	cases := map[string]*rsa.PublicKey{
		"nil key":      nil,
		"nil modulus":  {E: 65537},
		"zero modulus": {N: new(big.Int), E: 65537},
		"negative":     {N: new(big.Int).Neg(n512), E: 65537},
		"even modulus": {N: new(big.Int).Add(n512, big.NewInt(1)), E: 65537},
		"256-bit":      {N: small, E: 65537},
		"8193-bit":     {N: huge, E: 65537},
		"e = 1":        {N: n512, E: 1},
		"e = 2":        {N: n512, E: 2},
		"e = 65536":    {N: n512, E: 65536},
		"e = 0":        {N: n512, E: 0},
		"e negative":   {N: n512, E: -3},
	}
	for name, pub := range cases {
		t.Run(name, func(t *testing.T) {
			err := VerifyPKCS1v15MD5(pub, []byte("x"), make([]byte, 64))
			if !errors.Is(err, ErrBadKey) {
				t.Errorf("err = %v, want ErrBadKey", err)
			}
		})
	}
}
