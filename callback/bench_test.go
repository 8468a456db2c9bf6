package callback_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// rewindBody is a request body that can be replayed without allocating.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// benchRequest is the real OSS callback, with a body that is rewound before
// each iteration.
func benchRequest(b *testing.B) (*http.Request, func()) {
	rc := testkeys.RealCallback()
	r := rc.Request()
	body := []byte(rc.Body)
	rb := &rewindBody{}
	return r, func() {
		rb.Reset(body)
		r.Body = rb
	}
}

// BenchmarkVerify is callback.Verify on OSS's real callback with the
// default fetcher (embedded key, no network): header decoding, key lookup,
// reading the body, building the string to sign, MD5 and RSA.
func BenchmarkVerify(b *testing.B) {
	r, rewind := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		rewind()
		if err := callback.Verify(r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyEvent is the entry point on OSS's real callback: Verify's
// work plus parsing the JSON body into an Event (the real callback's URL
// predates binding, so the Verifier allows unbound URLs).
func BenchmarkVerifyEvent(b *testing.B) {
	r, rewind := benchRequest(b)
	v := &callback.Verifier{AllowUnbound: true}
	b.ReportAllocs()
	for b.Loop() {
		rewind()
		if _, err := v.VerifyEvent(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBaseline is the bare cryptographic work of the same
// verification: MD5 of the string to sign and the RSA public-key operation.
func BenchmarkVerifyBaseline(b *testing.B) {
	rc := testkeys.RealCallback()
	msg := []byte(rc.RequestURI + "\n" + rc.Body)
	sig, err := base64.StdEncoding.DecodeString(rc.Headers["Authorization"])
	if err != nil {
		b.Fatal(err)
	}
	pub := verify.OSSPublicKey()
	b.ReportAllocs()
	for b.Loop() {
		if err := verify.VerifyPKCS1v15MD5(pub, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler is the callback handler end to end, in process: verify,
// parse the JSON body into an Event, call the app, marshal and write the
// answer.
func BenchmarkHandler(b *testing.B) {
	r, rewind := benchRequest(b)
	// The real callback's URL carries no binding (it predates BindURL).
	benchHandler(b, &callback.Verifier{AllowUnbound: true}, r, rewind)
}

// benchHandler measures v.Handler, with an app that answers the event's
// size, on r, whose body rewind puts back.
func benchHandler(b *testing.B, v *callback.Verifier, r *http.Request, rewind func()) {
	h := v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return map[string]any{"ok": true, "size": ev.Size}, nil
	})
	b.ReportAllocs()
	for b.Loop() {
		rewind()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body)
		}
	}
}

// benchSecrets is a rotating keyring of three; the benchmarks' callbacks
// are bound with its last (oldest) secret, the slowest to look up.
var benchSecrets = callback.Secrets{
	{ID: "2027-02", Key: []byte("bench-secret-2027-02-0123456789")},
	{ID: "2027-01", Key: []byte("bench-secret-2027-01-0123456789")},
	{ID: "2026-12", Key: []byte("bench-secret-2026-12-0123456789")},
}

// boundRequest is OSS's real callback body sent to a URL bound with the
// oldest of benchSecrets, signed as OSS signs with a key of the size of
// OSS's (512 bits), with a body that is rewound before each iteration; msg
// and sig are what the bare check verifies.
func boundRequest(b *testing.B) (r *http.Request, rewind func(), keys verify.KeyFetcher, msg, sig []byte) {
	rc := testkeys.RealCallback()
	u, err := callback.BindURL(benchSecrets[2:], "https://app.example.com/oss/callback?uid=42", time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	target := strings.TrimPrefix(u, "https://app.example.com")
	priv := testkeys.Private(512)
	msg = []byte(target + "\n" + rc.Body)
	sig = testkeys.SignMD5(priv, msg)
	r = httptest.NewRequest(http.MethodPost, target, nil)
	r.Header.Set("Authorization", base64.StdEncoding.EncodeToString(sig))
	r.Header.Set("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(testKeyURL)))
	r.Header.Set("Content-Type", callback.BodyTypeJSON)
	r.ContentLength = int64(len(rc.Body))
	body := []byte(rc.Body)
	rb := &rewindBody{}
	return r, func() { rb.Reset(body); r.Body = rb }, staticKeys(priv), msg, sig
}

func benchVerifier(b *testing.B, secrets callback.Secrets) {
	r, rewind, keys, _, _ := boundRequest(b)
	v := &callback.Verifier{Secrets: secrets, Keys: keys}
	b.ReportAllocs()
	for b.Loop() {
		rewind()
		if _, err := v.VerifyEvent(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifierSecrets1 is VerifyEvent of a bound callback with one
// secret, the one that bound it.
func BenchmarkVerifierSecrets1(b *testing.B) { benchVerifier(b, benchSecrets[2:]) }

// BenchmarkVerifierSecrets3 is the same during a rotation: three secrets,
// the binding made with the last. The binding names its secret, so this
// costs one HMAC too.
func BenchmarkVerifierSecrets3(b *testing.B) { benchVerifier(b, benchSecrets) }

// BenchmarkHandlerBound is the Handler end to end on a bound callback, with
// the keyring of a rotation.
func BenchmarkHandlerBound(b *testing.B) {
	r, rewind, keys, _, _ := boundRequest(b)
	benchHandler(b, &callback.Verifier{Secrets: benchSecrets, Keys: keys}, r, rewind)
}

// BenchmarkHandlerBoundBaseline is the bare MD5 + RSA check of the bound
// callback BenchmarkHandlerBound serves.
func BenchmarkHandlerBoundBaseline(b *testing.B) {
	_, _, _, msg, sig := boundRequest(b)
	pub := &testkeys.Private(512).PublicKey
	b.ReportAllocs()
	for b.Loop() {
		if err := verify.VerifyPKCS1v15MD5(pub, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}
