package osstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestV4KeyCache: signing through the cache gives what the uncached V4
// derivation gives, derives each (secret, region, date) key once, and
// keeps at most maxV4Keys keys.
func TestV4KeyCache(t *testing.T) {
	var c v4KeyCache
	for i := range 3 {
		for _, date := range []string{"20241203", "20241204"} {
			got := c.sign("secret", "cn-hangzhou", date, fmt.Sprint("string to sign ", i))
			if want := signV4("secret", "cn-hangzhou", date, fmt.Sprint("string to sign ", i)); got != want {
				t.Fatalf("cached %s, uncached %s", got, want)
			}
		}
	}
	if len(c.keys) != 2 {
		t.Errorf("%d keys cached for 2 dates", len(c.keys))
	}
	for i := range maxV4Keys + 10 {
		c.sign(fmt.Sprint("secret", i), "cn-hangzhou", "20241203", "s")
	}
	if len(c.keys) > maxV4Keys {
		t.Errorf("%d keys cached, want at most %d", len(c.keys), maxV4Keys)
	}
}

// BenchmarkV4HeaderCheck is the whole check of a V4 header signature on
// a small PUT (parse, canonical request, SHA-256, one HMAC with the cached
// signing key): what a signed small request costs more than an unsigned
// one. BenchmarkV4KeyDerivation is what the cache saves on each.
func BenchmarkV4HeaderCheck(b *testing.B) {
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	e, err := New(Config{AccessKeys: []AccessKey{{ID: "LTAI5tBench", Secret: "bench-secret"}}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPut, "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/small/1", strings.NewReader("x"))
	r.Header.Set("Content-Type", "application/octet-stream")
	r.Header.Set("X-Oss-Date", now.Format("20060102T150405Z"))
	r.Header.Set("X-Oss-Content-Sha256", v4UnsignedPayload)
	scope := "20241203/" + e.region + "/oss/" + v4Terminal
	sum := sha256.Sum256([]byte(v4CanonicalRequest(r, e.bucket, "small/1", nil, "")))
	sts := v4Algorithm + "\n" + r.Header.Get("X-Oss-Date") + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	r.Header.Set("Authorization", v4Algorithm+" Credential=LTAI5tBench/"+scope+",Signature="+signV4("bench-secret", e.region, "20241203", sts))
	if _, oe := e.authenticateRequest(r, e.bucket, "small/1"); oe != nil {
		b.Fatal(oe)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.authenticateRequest(r, e.bucket, "small/1")
	}
}

func BenchmarkV4KeyDerivation(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		k := deriveV4Key("bench-secret", "cn-hangzhou", "20241203")
		m := hmac.New(sha256.New, k)
		m.Write([]byte("string to sign"))
		m.Sum(nil)
	}
}

// signV4 is the uncached V4 signature the cache must agree with.
func signV4(secret, region, date, stringToSign string) string {
	m := hmac.New(sha256.New, deriveV4Key(secret, region, date))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}
