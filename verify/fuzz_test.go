package verify

import (
	"crypto/x509"
	"net/url"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// FuzzParsePublicKeyPEM: arbitrary input never panics, and any key accepted
// is usable and survives a marshal/parse round trip.
func FuzzParsePublicKeyPEM(f *testing.F) {
	f.Add(ossKeyPEM)
	f.Add(testkeys.PublicPEM(512))
	f.Add([]byte("-----BEGIN RSA PUBLIC KEY-----\nMEgCQQC6kh98jT/635eVQv9eyPgc5XXIOgArVFvzBCaYgXxc01moLa87abWtHznc\nRAACUWOs5H9Jp2oub7r7y0BaR6l3AgMBAAE=\n-----END RSA PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePublicKeyPEM(data)
		if err != nil {
			return
		}
		if err := pkcs1md5.CheckKey(k); err != nil {
			t.Fatalf("accepted a key checkKey refuses: %v", err)
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := ParsePublicKeyPEM(pemOf("PUBLIC KEY", der))
		if err != nil || !k2.Equal(k) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzIsOSSKeyURL: whatever the input, a trusted URL is fetched over https
// from gosspublic.alicdn.com and nowhere else.
func FuzzIsOSSKeyURL(f *testing.F) {
	for _, s := range []string{OSSKeyURL, "http://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"https://gosspublic.alicdn.com@evil.com/x", "https://gosspublic.alicdn.com.evil.com/x",
		"https://gosspublic.alicdn.com/a/../../x?y#z", "https://gosspublic.alicdn.com/%2F%2Fevil.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fe Fetcher
		fetchURL, _, err := fe.resolve(s)
		if IsOSSKeyURL(s) != (err == nil) {
			t.Fatalf("IsOSSKeyURL and resolve disagree on %q", s)
		}
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, "https://gosspublic.alicdn.com/") && !strings.HasPrefix(s, "http://gosspublic.alicdn.com/") {
			t.Fatalf("trusted %q without the documented prefix", s)
		}
		u, err := url.Parse(fetchURL)
		if err != nil {
			t.Fatalf("fetch URL %q does not parse: %v", fetchURL, err)
		}
		if u.Scheme != "https" || u.Host != "gosspublic.alicdn.com" || u.User != nil {
			t.Fatalf("%q is fetched from %q", s, fetchURL)
		}
	})
}
