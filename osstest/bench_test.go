package osstest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

const benchFileSize = 64 << 20

// benchForm is a signed form carrying a benchFileSize-byte random file.
func benchForm(b *testing.B) ([]byte, string) {
	content := make([]byte, benchFileSize)
	rand.NewChaCha8([32]byte{9}).Read(content)
	auth := v1Auth(b, testKey, policy.New(t0.Add(time.Hour), policy.KeyPrefix("bench/"), policy.ContentLengthRange(0, benchFileSize)))
	return encodeForm(b, join(auth, []part{field("key", "bench/blob"), file("blob", "application/octet-stream", string(content))}))
}

func benchPost(b *testing.B, url string, body []byte, ct string, want int) {
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkUpload measures PostObject throughput through the emulator
// (multipart parsing, V1 check, MD5 + CRC-64, storing) over loopback.
// Compare with BenchmarkUploadBaseline, the same bytes POSTed to a handler
// that only io.Copies them to io.Discard, and with BenchmarkUploadBaselineMD5,
// which also hashes them as OSS must:
//
//	go test -run '^$' -bench 'BenchmarkUpload' -benchtime 20x ./osstest
func BenchmarkUpload(b *testing.B) {
	body, ct := benchForm(b)
	for _, store := range []string{"memory", "dir"} {
		b.Run(store, func(b *testing.B) {
			cfg := osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)}
			if store == "dir" {
				cfg.Dir = b.TempDir()
			}
			srv, err := osstest.NewServer(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			benchPost(b, srv.URL, body, ct, 204)
		})
	}
}

// BenchmarkUploadBaseline is the bare loopback HTTP POST of the same body.
func BenchmarkUploadBaseline(b *testing.B) {
	body, ct := benchForm(b)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(204)
	}))
	defer ts.Close()
	benchPost(b, ts.URL, body, ct, 204)
}

// BenchmarkUploadBaselineMD5 is BenchmarkUploadBaseline with the one piece of
// work no faithful emulator can skip: the MD5 of the bytes, which OSS returns
// as ETag and Content-MD5 (docs/PROTOCOL.md#success-response) before it
// answers. MD5 cannot be parallelised within one stream, so this is the
// ceiling for the emulator on this machine; BenchmarkUpload / this is how
// much of it the emulator reaches.
func BenchmarkUploadBaselineMD5(b *testing.B) {
	body, ct := benchForm(b)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := md5.New()
		io.Copy(h, r.Body)
		w.Header().Set("ETag", hex.EncodeToString(h.Sum(nil)))
		w.WriteHeader(204)
	}))
	defer ts.Close()
	benchPost(b, ts.URL, body, ct, 204)
}
