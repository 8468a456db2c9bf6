package signer

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// The benchmarks compare issuing a whole token bundle (Signer.Sign with
// static credentials: validation, policy construction and encoding,
// signing, the Fields map) with the bare cryptographic cost of the same
// bundle: Base64 of the already-serialised policy JSON, one HMAC over it,
// and Base64 (V1) or hex (V4) of the MAC. Run both in the same process:
//
//	go test -run=^$ -bench=Sign -benchmem ./signer

var benchSink string

// benchSign measures s.Sign of u.
func benchSign(b *testing.B, s *Signer, u Upload) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tok, err := s.Sign(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = tok.Fields["policy"]
	}
}

func BenchmarkSignV1(b *testing.B) { benchSign(b, workedSigner(V1), workedUpload) }
func BenchmarkSignV4(b *testing.B) { benchSign(b, workedSigner(V4), workedUpload) }

func BenchmarkSignV1Baseline(b *testing.B) {
	doc := []byte(workedPolicyV1)
	key := []byte(workedSecret)
	b.ReportAllocs()
	for b.Loop() {
		p := base64.StdEncoding.EncodeToString(doc)
		m := hmac.New(sha1.New, key)
		m.Write([]byte(p))
		benchSink = base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	if benchSink != workedSignatureV1 {
		b.Fatalf("baseline signature %s, want %s", benchSink, workedSignatureV1)
	}
}

// The V4 baseline starts from the derived signing key, as Sign does once
// the key is cached for the day.
func BenchmarkSignV4Baseline(b *testing.B) {
	doc := []byte(workedPolicyV4)
	key, _ := hex.DecodeString(workedSigningKeyV4)
	b.ReportAllocs()
	for b.Loop() {
		p := base64.StdEncoding.EncodeToString(doc)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(p))
		benchSink = hex.EncodeToString(m.Sum(nil))
	}
	if benchSink != workedSignatureV4 {
		b.Fatalf("baseline signature %s, want %s", benchSink, workedSignatureV4)
	}
}

// A bundle with STS, a bound callback, x: variables and every other pin.
// Its baseline signs the JSON of the very policy Sign produced.
func fullBench() (*Signer, Upload) {
	s := workedSigner(V4)
	s.Credentials = stsCreds
	s.Secrets = callback.Secrets{{ID: "k1", Key: []byte("benchmark callback secret")}}
	return s, fullUpload()
}

func BenchmarkSignV4Full(b *testing.B) {
	s, u := fullBench()
	benchSign(b, s, u)
}

// BenchmarkSignV4FullCached is BenchmarkSignV4Full with the STS
// credentials, which expire in a day, served by CachedCredentials.
func BenchmarkSignV4FullCached(b *testing.B) {
	s, u := fullBench()
	cr := Credentials(stsCreds)
	cr.Expires = workedTime.Add(24 * time.Hour)
	s.Credentials = &CachedCredentials{Provider: StaticCredentials(cr), Now: s.Now}
	benchSign(b, s, u)
}

// BenchmarkSignV4FullPerUser is BenchmarkSignV4Full with a callback URL
// that differs on every token (a new user id each time), so the callback
// is parsed and validated anew for each: an application's worst case.
func BenchmarkSignV4FullPerUser(b *testing.B) {
	s, u := fullBench()
	ctx := context.Background()
	urls := make([]string, 4096)
	for i := range urls {
		urls[i] = "https://app.example.com/oss/callback?uid=" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		cb := *u.Callback
		cb.URL = urls[i%len(urls)]
		i++
		u.Callback = &cb
		tok, err := s.Sign(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = tok.Fields["policy"]
	}
}

func BenchmarkSignV4FullBaseline(b *testing.B) {
	s, u := fullBench()
	tok, err := s.Sign(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := base64.StdEncoding.DecodeString(tok.Fields["policy"])
	if err != nil {
		b.Fatal(err)
	}
	key := signingKeyV4(stsCreds.AccessKeySecret, v4Date(workedTime), standardRegion(s.Region))
	b.ReportAllocs()
	for b.Loop() {
		p := base64.StdEncoding.EncodeToString(doc)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(p))
		benchSink = hex.EncodeToString(m.Sum(nil))
	}
	if benchSink != tok.Fields["x-oss-signature"] {
		b.Fatalf("baseline signature %s, want %s", benchSink, tok.Fields["x-oss-signature"])
	}
}
