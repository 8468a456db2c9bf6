package callback_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// Helpers for this package's tests. The keys, the OSS signing and the real
// callback come from internal/testkeys.

// sign returns the Authorization header OSS would send for stringToSign:
// the Base64 MD5withRSA signature (docs/PROTOCOL.md#callback-signature).
func sign(priv *rsa.PrivateKey, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(testkeys.SignMD5(priv, []byte(stringToSign)))
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
func newSignedRequest(priv *rsa.PrivateKey, target, body, stringToSign string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Authorization", sign(priv, stringToSign))
	r.Header.Set("X-Oss-Pub-Key-Url", b64(testKeyURL))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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

// String returns the records so far as the JSON lines slog.JSONHandler
// writes.
func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	h := slog.NewJSONHandler(&b, nil)
	for _, r := range l.records {
		h.Handle(context.Background(), r)
	}
	return b.String()
}

// reset forgets the records so far.
func (l *logRecorder) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = nil
}

// discardLogger drops log lines of expected refusals.
var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))
