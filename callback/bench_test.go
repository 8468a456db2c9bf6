package callback_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

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
	v := &callback.Verifier{AllowUnbound: true}
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
