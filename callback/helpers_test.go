package callback_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ossdirect/ossdirect/verify"
)

// Helpers for this package's tests. Go refuses to sign with keys under 1024
// bits, so the 512-bit test pair (docs/PROTOCOL.md#512-bit-key) is signed
// with math/big here.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	name := map[int]string{512: "test_cb_priv_512.pem", 1024: "test_priv_1024.pem", 2048: "test_priv_2048.pem"}[bits]
	block, _ := pem.Decode(readTestdata(t, name))
	if block == nil {
		t.Fatalf("%s: no PEM", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

var md5Prefix = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// sign returns the Base64 MD5withRSA signature of the string to sign, the
// way OSS computes Authorization (docs/PROTOCOL.md#callback-signature).
func sign(t testing.TB, priv *rsa.PrivateKey, stringToSign string) string {
	t.Helper()
	d := md5.Sum([]byte(stringToSign))
	k := (priv.N.BitLen() + 7) / 8
	var sig []byte
	if priv.N.BitLen() < 1024 {
		em := make([]byte, k)
		em[1] = 1
		tl := len(md5Prefix) + len(d)
		for i := 2; i < k-tl-1; i++ {
			em[i] = 0xff
		}
		copy(em[k-tl:], md5Prefix)
		copy(em[k-len(d):], d[:])
		sig = new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N).FillBytes(make([]byte, k))
	} else {
		var err error
		if sig, err = rsa.SignPKCS1v15(nil, priv, crypto.MD5, d[:]); err != nil {
			t.Fatal(err)
		}
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// testKeyURL is where the tests' own keys are "published": a URL on the
// trusted host, so the real allowlist is exercised; a Fetcher with BaseURL
// fetches it from a loopback key server.
const testKeyURL = "https://gosspublic.alicdn.com/test_cb_pub_512.pem"

// staticKeys trusts testKeyURL with the public half of priv.
func staticKeys(priv *rsa.PrivateKey) verify.KeyFetcher {
	return verify.StaticKeys{testKeyURL: &priv.PublicKey}
}

// newSignedRequest is a callback request as a server receives it
// (RequestURI = target), signed over stringToSign.
func newSignedRequest(t testing.TB, priv *rsa.PrivateKey, target, body, stringToSign string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Authorization", sign(t, priv, stringToSign))
	r.Header.Set("X-Oss-Pub-Key-Url", b64(testKeyURL))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// realCallback is testdata/real-callback.json: a callback OSS really sent.
type realCallback struct {
	Method     string            `json:"method"`
	RequestURI string            `json:"request_uri"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func loadRealCallback(t testing.TB) realCallback {
	t.Helper()
	var rc realCallback
	if err := json.Unmarshal(readTestdata(t, "real-callback.json"), &rc); err != nil {
		t.Fatal(err)
	}
	return rc
}

// request builds the real callback as received by a server.
func (rc realCallback) request() *http.Request {
	r := httptest.NewRequest(rc.Method, rc.RequestURI, strings.NewReader(rc.Body))
	for k, v := range rc.Headers {
		r.Header.Set(k, v)
	}
	return r
}

func readBody(t testing.TB, r *http.Request) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := io.Copy(&b, r.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// logRecorder is a slog.Handler that keeps every record, for tests that
// check what a Verifier logs when it refuses a callback. WithAttrs and
// WithGroup return the recorder itself: the Verifier logs with neither.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// logger returns a slog.Logger writing to l.
func (l *logRecorder) logger() *slog.Logger { return slog.New(l) }

// attrs returns the given attribute of every record so far, in order ("" where
// a record lacks it).
func (l *logRecorder) attrs(key string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.records))
	for _, r := range l.records {
		v := ""
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				v = a.Value.String()
				return false
			}
			return true
		})
		out = append(out, v)
	}
	return out
}

// reset forgets the records so far.
func (l *logRecorder) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = nil
}
