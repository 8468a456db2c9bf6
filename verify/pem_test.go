package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/internal/testkeys"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func spki(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParsePublicKeyPEM(t *testing.T) {
	oss, err := ParsePublicKeyPEM(readTestdata(t, "callback_pub_key_v1.pem"))
	if err != nil {
		t.Fatalf("OSS key: %v", err)
	}
	if oss.N.BitLen() != 512 || oss.E != 65537 {
		t.Errorf("OSS key: %d bits, e=%d; OSS's key is 512 bits (docs/PROTOCOL.md#512-bit-key)", oss.N.BitLen(), oss.E)
	}
	if oss.N.Cmp(OSSPublicKey().N) != 0 || oss.E != OSSPublicKey().E {
		t.Error("embedded key differs from testdata/callback_pub_key_v1.pem")
	}

	priv := testkeys.Private(1024)
	pkcs1, err := ParsePublicKeyPEM(pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&priv.PublicKey)))
	if err != nil {
		t.Fatalf("PKCS#1 form: %v", err)
	}
	if !pkcs1.Equal(&priv.PublicKey) {
		t.Error("PKCS#1 form parsed to a different key")
	}
	withText := append([]byte("OSS callback key\n"), readTestdata(t, "callback_pub_key_v1.pem")...)
	if _, err := ParsePublicKeyPEM(append(withText, "\n\n"...)); err != nil {
		t.Errorf("text before the block and whitespace after: %v", err)
	}
}

func TestParsePublicKeyPEMErrors(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n512 := testkeys.Private(512).N
	small, _ := new(big.Int).SetString("c5d2a7f3d9ec1e07a0f4bfa1b0c3e5d7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9", 16)
	ossPEM := readTestdata(t, "callback_pub_key_v1.pem")
	cases := map[string][]byte{
		"empty":             nil,
		"not PEM":           []byte("MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs"),
		"private key type":  testkeys.PrivatePEM(512),
		"certificate type":  pemOf("CERTIFICATE", spki(t, &rsa.PublicKey{N: n512, E: 65537})),
		"EC key":            pemOf("PUBLIC KEY", spki(t, &ec.PublicKey)),
		"garbage DER":       pemOf("PUBLIC KEY", []byte("not DER at all")),
		"truncated DER":     pemOf("PUBLIC KEY", spki(t, &rsa.PublicKey{N: n512, E: 65537})[:40]),
		"two blocks":        append(append([]byte{}, ossPEM...), ossPEM...),
		"trailing junk":     append(append([]byte{}, ossPEM...), "junk"...),
		"256-bit modulus":   pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: small, E: 65537})),
		"even modulus":      pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: new(big.Int).Add(n512, big.NewInt(1)), E: 65537})),
		"exponent 1":        pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: n512, E: 1})),
		"even exponent":     pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: n512, E: 65536})),
		"header only":       []byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
		"mismatched footer": []byte("-----BEGIN PUBLIC KEY-----\nMFww\n-----END RSA PUBLIC KEY-----\n"),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			k, err := ParsePublicKeyPEM(in)
			if !errors.Is(err, ErrBadKey) || k != nil {
				t.Errorf("key %v, err = %v; want nil, ErrBadKey", k != nil, err)
			}
		})
	}
}

func TestOSSPublicKeyIsACopy(t *testing.T) {
	k := OSSPublicKey()
	want := OSSPublicKey()
	k.N.SetInt64(3)
	k.E = 5
	if diff := cmp.Diff(want.N.String(), OSSPublicKey().N.String()); diff != "" || OSSPublicKey().E != want.E {
		t.Errorf("modifying a returned key changed the embedded one (-want +got):\n%s", diff)
	}
}

func TestStaticKeys(t *testing.T) {
	pub := &testkeys.Private(512).PublicKey
	const u = "http://127.0.0.1:1234/callback_pub_key.pem"
	keys := StaticKeys{u: pub, "http://bad/": {N: big.NewInt(4), E: 65537}}
	got, err := keys.FetchKey(t.Context(), u)
	if err != nil || got != pub {
		t.Fatalf("FetchKey(%q) = %v, %v", u, got, err)
	}
	for _, other := range []string{u + "x", "http://127.0.0.1:1234/callback_pub_key.pem/", "HTTP://127.0.0.1:1234/callback_pub_key.pem", OSSKeyURL, ""} {
		if _, err := keys.FetchKey(t.Context(), other); !errors.Is(err, ErrUntrustedKeyURL) {
			t.Errorf("FetchKey(%q): err = %v, want ErrUntrustedKeyURL", other, err)
		}
	}
	if _, err := keys.FetchKey(t.Context(), "http://bad/"); !errors.Is(err, ErrKeyFetch) || !errors.Is(err, ErrBadKey) {
		t.Errorf("bad key in map: err = %v, want ErrKeyFetch and ErrBadKey", err)
	}
}
