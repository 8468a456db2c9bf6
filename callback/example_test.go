package callback_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// realRequest is the callback OSS really sent (testkeys.RealCallback), as an
// app server receives it at path.
func realRequest(path string) *http.Request {
	rc := testkeys.RealCallback()
	rc.RequestURI = path
	return rc.Request()
}

// signedLikeOSS is a callback to target signed the way OSS signs, with the
// fixed 1024-bit test key of internal/testkeys "published" at testKeyURL,
// for examples whose callback URL OSS's real callback was not sent to. The
// returned KeyFetcher trusts that key.
func signedLikeOSS(target, body string) (*http.Request, verify.KeyFetcher) {
	priv := testkeys.Private(1024)
	// The targets used here need no percent-decoding: OSS signs them as
	// they are.
	return newSignedRequest(priv, target, body, target+"\n"+body), staticKeys(priv)
}

// Verify a callback OSS really sent, with OSS's embedded key (nil fetcher)
// and no network request. Like Stripe's webhook errors, the error values
// say how to answer.
func ExampleVerify() {
	r := realRequest("/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH")
	fmt.Println(callback.Verify(r, nil))

	r = realRequest("/api/v3/callback/oss/another-id")
	err := callback.Verify(r, nil)
	fmt.Println(errors.Is(err, verify.ErrBadSignature), callback.HTTPStatus(err))

	r = realRequest("/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH")
	r.Header.Del("Authorization") // e.g. stripped by Apache/PHP-CGI
	err = callback.Verify(r, nil)
	fmt.Println(errors.Is(err, callback.ErrMissingSignature), callback.HTTPStatus(err))
	// Output:
	// <nil>
	// true 403
	// true 400
}

// Mount the callback handler; it verifies, parses and answers OSS with the
// app's JSON, 200 and a Content-Length. http.StripPrefix does not break
// verification: the signed path is read from the request line. (The real
// callback's URL was not bound by BindURL, hence AllowUnbound; see
// ExampleBindURL for the binding an app should use.)
func ExampleVerifier_Handler_stripPrefix() {
	v := &callback.Verifier{AllowUnbound: true}
	h := v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		// Record the upload; the answer goes back to the uploader via OSS.
		return map[string]any{"file": ev.Raw["name"], "size": ev.Size}, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/api/v3/", http.StripPrefix("/api/v3", h))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, realRequest("/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH"))
	fmt.Println(w.Code, w.Header().Get("Content-Length"))
	fmt.Println(w.Body)
	// Output:
	// 200 69
	// {"file":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020}
}

// A form template that names each field after its variable, so ParseEvent
// fills Event; the placeholders are what OSS replaces.
func ExampleFormBody() {
	p := callback.Params{
		URL:  "https://app.example.com/oss/callback",
		Body: callback.FormBody("bucket", "object", "size", "x:uid"),
	}
	fmt.Println(p.Body)
	fmt.Println(p.Validate())

	// The body OSS sends for it: each value URL-encoded.
	body := []byte("bucket=examplebucket&object=user%2F42%2Fa+b.jpg&size=5&x:uid=42")
	ev, _ := callback.ParseEvent(callback.BodyTypeForm, body)
	fmt.Println(ev.Object, ev.Size, ev.Vars["x:uid"])
	// Output:
	// bucket=${bucket}&object=${object}&size=${size}&x:uid=${x:uid}
	// <nil>
	// user/42/a b.jpg 5 42
}

// A JSON template leaves placeholders unquoted: OSS inserts whole JSON
// values, strings quoted and numbers bare (crc64 exceeds 2^53 and is kept
// exact).
func ExampleJSONBody() {
	p := callback.Params{
		URL:      "https://app.example.com/oss/callback",
		Body:     callback.JSONBody("object", "size", "crc64"),
		BodyType: callback.BodyTypeJSON,
	}
	fmt.Println(p.Body, p.Validate())

	// The body OSS sends for it.
	body := []byte(`{"object":"a \"b\".jpg","size":5,"crc64":18446744073709551615}`)
	ev, _ := callback.ParseEvent(callback.BodyTypeJSON, body)
	fmt.Println(ev.Object, ev.CRC64)
	// Output:
	// {"object":${object},"size":${size},"crc64":${crc64}} <nil>
	// a "b".jpg 18446744073709551615
}

// The callback form field the signer sends to the browser.
func ExampleParams_Encode() {
	p := callback.Params{URL: "https://app.example.com/cb", Body: "object=${object}"}
	s, err := p.Encode()
	fmt.Println(s, err)

	_, err = callback.Params{URL: "https://app.example.com/cb", Body: "object=%24%7Bobject%7D"}.Encode()
	fmt.Println(err)
	// Output:
	// eyJjYWxsYmFja1VybCI6Imh0dHBzOi8vYXBwLmV4YW1wbGUuY29tL2NiIiwiY2FsbGJhY2tCb2R5Ijoib2JqZWN0PSR7b2JqZWN0fSJ9 <nil>
	// callback: The callback body is invalid. (the template contains a percent-encoded ${...} placeholder, which OSS would send back unreplaced)
}

// Bind the callback URL to the app: put the identity the handler must trust
// in its query, bind it with the app's Secrets, and give the Verifier the
// same Secrets. A callback to any other URL, for example one that another
// OSS account's upload names, is refused although OSS signed it.
// (signer.Signer binds by itself; BindURL is for backends that sign
// otherwise.)
func ExampleBindURL() {
	secrets := callback.Secrets{{ID: "2026-12", Key: []byte("load-me-from-a-secret-store-0123")}}
	u, err := callback.BindURL(secrets, "https://app.example.com/oss/callback?uid=42", time.Time{})
	fmt.Println(u, err)

	// u goes into the callback parameter, which the signer pins in the
	// policy; the handler takes the user from Event.Query, not the body.
	v := &callback.Verifier{Secrets: secrets}
	h := v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		return map[string]string{"uid": ev.Query.Get("uid")}, nil
	})

	// The real OSS callback was sent to a URL that is not bound: refused,
	// although its signature is valid.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, realRequest("/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH"))
	fmt.Println(w.Code, w.Body)
	// Output:
	// https://app.example.com/oss/callback?uid=42&ossdirect-binding=2026-12.eZYr0JRhvb5wHbjgNES4xp1vA7PFXhmWqWXuMBaJHxs <nil>
	// 403 {"error":"callback: callback URL not bound by this app"}
}

// Give a binding an expiry: the token's expiry plus a margin for the
// transfer and the callback. The Verifier checks the signature, then the
// binding and its expiry: a late callback is refused although OSS signed it.
func ExampleBindURL_expiry() {
	secrets := callback.Secrets{{ID: "2026-12", Key: []byte("load-me-from-a-secret-store-0123")}}
	tokenExpires := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	u, err := callback.BindURL(secrets, "https://app.example.com/oss/callback?uid=42", tokenExpires.Add(time.Minute))
	fmt.Println(u, err)

	target := strings.TrimPrefix(u, "https://app.example.com")
	for _, now := range []time.Time{tokenExpires, tokenExpires.Add(2 * time.Minute)} {
		// A callback OSS signed, sent to the bound URL.
		r, keys := signedLikeOSS(target, "object=user%2F42%2Fa.jpg")
		v := &callback.Verifier{Secrets: secrets, Keys: keys, Now: func() time.Time { return now }}
		ev, err := v.VerifyEvent(r)
		if err != nil {
			fmt.Println(errors.Is(err, callback.ErrBindingExpired), errors.Is(err, callback.ErrUnbound), callback.HTTPStatus(err), err)
			continue
		}
		fmt.Println(ev.Object, ev.Query)
	}
	// Output:
	// https://app.example.com/oss/callback?uid=42&ossdirect-expires=1735787105&ossdirect-binding=2026-12.9OdU5jHuHmLLrPYAZnyFH1Fo_tywE5KTW0KkljQEjO4 <nil>
	// user/42/a.jpg map[uid:[42]]
	// true true 403 callback: callback URL not bound by this app: binding expired at 2025-01-02T03:05:05Z, 1m0s before the callback
}
