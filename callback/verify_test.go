package callback_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// TestVerifyRealCallback: the callback OSS really sent verifies with the
// embedded key (nil KeyFetcher), without GODEBUG, and any change of a path,
// query or body byte breaks it.
func TestVerifyRealCallback(t *testing.T) {
	rc := testkeys.RealCallback()
	r := rc.Request()
	if err := callback.Verify(r, nil); err != nil {
		t.Fatalf("real callback: %v", err)
	}
	if got := readBody(t, r); got != rc.Body {
		t.Errorf("body after Verify = %q, want the original", got)
	}

	for i := 1; i < len(rc.RequestURI); i++ { // byte 0 is the leading "/"
		b := []byte(rc.RequestURI)
		b[i] = otherPathByte(b[i])
		r := rc.Request()
		r.RequestURI = string(b)
		if err := callback.Verify(r, nil); !errors.Is(err, verify.ErrBadSignature) {
			t.Fatalf("path byte %d changed (%s): err = %v, want ErrBadSignature", i, b, err)
		}
	}
	for _, q := range []string{"?", "?a", "?a=1", "?size=114020"} {
		r := rc.Request()
		r.RequestURI += q
		if err := callback.Verify(r, nil); !errors.Is(err, verify.ErrBadSignature) {
			t.Errorf("query %q added: err = %v, want ErrBadSignature", q, err)
		}
	}
	for i := range rc.Body {
		b := []byte(rc.Body)
		b[i] ^= 0x01
		r := httptest.NewRequest(http.MethodPost, rc.RequestURI, bytes.NewReader(b))
		for k, v := range rc.Headers {
			r.Header.Set(k, v)
		}
		if err := callback.Verify(r, nil); !errors.Is(err, verify.ErrBadSignature) {
			t.Fatalf("body byte %d changed: err = %v, want ErrBadSignature", i, err)
		}
	}
}

// otherPathByte replaces a path byte with a different byte that keeps the
// request target valid.
func otherPathByte(c byte) byte {
	switch {
	case c == '/':
		return '_'
	case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
		return c + 1
	default:
		return '0'
	}
}

// TestVerifyRealCallbackBehindRouters sends the real callback over a real
// loopback connection to handlers mounted under http.StripPrefix and a
// ServeMux pattern, which both change r.URL.Path before Verify runs.
func TestVerifyRealCallbackBehindRouters(t *testing.T) {
	rc := testkeys.RealCallback()
	verifyHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := callback.Verify(r, nil); err != nil {
			http.Error(w, err.Error(), callback.HTTPStatus(err))
			return
		}
		io.WriteString(w, "ok "+r.URL.Path)
	})
	mux := http.NewServeMux()
	mux.Handle("/api/v3/", http.StripPrefix("/api/v3", verifyHandler))
	mux.Handle("/nested/", http.StripPrefix("/nested", http.StripPrefix("/api", verifyHandler)))
	mux.Handle("POST /routed/api/v3/callback/oss/{id}", http.StripPrefix("/routed", verifyHandler))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range rc.Headers {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(rc.RequestURI, rc.Body); code != 200 || body != "ok /callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH" {
		t.Errorf("behind StripPrefix: %d %q", code, body)
	}
	if code, body := post(rc.RequestURI, rc.Body+" "); code != http.StatusForbidden {
		t.Errorf("behind StripPrefix, body changed: %d %q, want 403", code, body)
	}
	// The path OSS signed is the one on the wire. Mounted elsewhere, the
	// same callback no longer verifies, as it should not.
	if code, _ := post("/nested"+rc.RequestURI, rc.Body); code != http.StatusForbidden {
		t.Errorf("under /nested: %d, want 403", code)
	}
	if code, _ := post("/routed"+rc.RequestURI, rc.Body); code != http.StatusForbidden {
		t.Errorf("under /routed: %d, want 403", code)
	}
}

// TestVerifyStringToSign signs requests over the string OSS's callback
// signature (docs/PROTOCOL.md#callback-signature) prescribes (written out by
// hand in the table) with 512-, 1024- and 2048-bit keys, and checks Verify
// accepts them: decoded path, raw query with its "?", "\n", raw body.
func TestVerifyStringToSign(t *testing.T) {
	cases := []struct {
		name, target, body, signed string
	}{
		{"worked example (docs/PROTOCOL.md#512-bit-key)", "/index.php?id=1&index=2", "bucket=examplebucket", "/index.php?id=1&index=2\nbucket=examplebucket"},
		{"empty body", "/cb", "", "/cb\n"},
		{"root", "/", "a=1", "/\na=1"},
		{"UTF-8 path", "/%E4%B8%8A%E4%BC%A0/%E5%9B%9E%E8%B0%83", "object=%E4%B8%AD.jpg", "/上传/回调\nobject=%E4%B8%AD.jpg"},
		{"escapes decoded once, + kept", "/a%2Fb%2525c+d", "x", "/a/b%25c+d\nx"},
		{"needlessly escaped path", "/%63%62", "x", "/cb\nx"},
		{"raw query kept raw", "/cb?x=%2F%25+&y=%E4%B8%AD", "x", "/cb?x=%2F%25+&y=%E4%B8%AD\nx"},
		{"empty query keeps ?", "/cb?", "x", "/cb?\nx"},
		{"repeated params", "/?a=1&a=2", "", "/?a=1&a=2\n"},
		{"semicolon in path", "/cb;jsessionid=1?x", "x", "/cb;jsessionid=1?x\nx"},
		{"JSON body", "/cb", `{"object":"a \"b\".jpg","size":5}`, "/cb\n" + `{"object":"a \"b\".jpg","size":5}`},
		{"body with newlines and NUL", "/cb", "a\nb\r\n\x00", "/cb\na\nb\r\n\x00"},
		{"absolute form", "http://app.example.com/cb?x=1", "x", "/cb?x=1\nx"},
		{"absolute form https with port", "https://app.example.com:8443/a%20b", "x", "/a b\nx"},
	}
	for _, bits := range []int{512, 1024, 2048} {
		t.Run(fmt.Sprintf("%d-bit key", bits), func(t *testing.T) {
			priv := testkeys.Private(bits)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := newSignedRequest(priv, c.target, c.body, c.signed)
					if err := callback.Verify(r, staticKeys(priv)); err != nil {
						t.Error(err)
						return
					}
					if got := readBody(t, r); got != c.body {
						t.Errorf("body after Verify = %q", got)
					}
					r = newSignedRequest(priv, c.target, c.body+"!", c.signed)
					if err := callback.Verify(r, staticKeys(priv)); !errors.Is(err, verify.ErrBadSignature) {
						t.Errorf("body changed: err = %v", err)
					}
				})
			}
		})
	}
	// The worked example's Authorization is the value in
	// docs/PROTOCOL.md#512-bit-key, cross-checked there with openssl.
	r := newSignedRequest(testkeys.Private(512), "/index.php?id=1&index=2", "bucket=examplebucket", testkeys.WorkedStringToSign)
	if got, want := r.Header.Get("Authorization"), "bpwCP7sbWY6enXUqLyVudHO8RUz26sha7IYuaNpQbBIYkHjPYvvSiqKyVhe7uY5xlzVzMtqjk2p7Yc7jhOCO/w=="; got != want {
		t.Errorf("worked example Authorization = %s, want %s", got, want)
	}
}

// TestVerifyClientBuiltRequest: without RequestURI (http.NewRequest), the
// string to sign comes from r.URL.
func TestVerifyClientBuiltRequest(t *testing.T) {
	priv := testkeys.Private(1024)
	for _, c := range []struct{ url, signed string }{
		{"http://app.example.com/a%20b?q=%2F", "/a b?q=%2F\nx"},
		{"http://app.example.com", "/\nx"},
		{"http://app.example.com/cb?", "/cb?\nx"},
	} {
		t.Run(c.url, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPost, c.url, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Authorization", sign(priv, c.signed))
			r.Header.Set("X-Oss-Pub-Key-Url", b64(testKeyURL))
			if err := callback.Verify(r, staticKeys(priv)); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestVerifyBodyRestored: handlers after Verify read the same body, also
// when Content-Length is unknown: -1 on a server request, and 0 on a client
// request whose body is a reader of unknown length (net/http documents 0
// with a non-nil Body as unknown for client requests).
func TestVerifyBodyRestored(t *testing.T) {
	priv := testkeys.Private(512)
	const body = "a=1&b=2"
	hidden := func() io.ReadCloser { return io.NopCloser(iotest.OneByteReader(strings.NewReader(body))) }
	cases := []struct {
		name string
		req  func(t *testing.T) *http.Request
	}{
		{"known length", func(t *testing.T) *http.Request { return newSignedRequest(priv, "/cb", body, "/cb\n"+body) }},
		{"server request, length -1", func(t *testing.T) *http.Request {
			r := newSignedRequest(priv, "/cb", body, "/cb\n"+body)
			r.ContentLength = -1
			r.Body = hidden()
			return r
		}},
		{"client request, length 0 (unknown)", func(t *testing.T) *http.Request {
			r, err := http.NewRequest(http.MethodPost, "http://app.example.com/cb", hidden())
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Authorization", sign(priv, "/cb\n"+body))
			r.Header.Set("X-Oss-Pub-Key-Url", b64(testKeyURL))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req(t)
			if err := callback.Verify(r, staticKeys(priv)); err != nil {
				t.Error(err)
				return
			}
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			if got := r.PostForm.Get("b"); got != "2" {
				t.Errorf("PostForm b = %q after Verify, want 2", got)
			}
		})
	}
}

// TestVerifyOnPlainKeyFetchers: errors from a KeyFetcher that does not use
// this project's sentinels still come out as ErrKeyFetch.
func TestVerifyOnPlainKeyFetchers(t *testing.T) {
	priv := testkeys.Private(512)
	boom := errors.New("boom")
	for name, kf := range map[string]keyFetcherFunc{
		"error":         func(context.Context, string) (*rsa.PublicKey, error) { return nil, boom },
		"nil key":       func(context.Context, string) (*rsa.PublicKey, error) { return nil, nil },
		"unusable key":  func(context.Context, string) (*rsa.PublicKey, error) { return &rsa.PublicKey{N: priv.N, E: 2}, nil },
		"context error": func(ctx context.Context, _ string) (*rsa.PublicKey, error) { return nil, context.DeadlineExceeded },
	} {
		r := newSignedRequest(priv, "/cb", "x", "/cb\nx")
		err := callback.Verify(r, kf)
		if !errors.Is(err, verify.ErrKeyFetch) {
			t.Errorf("%s: err = %v, want ErrKeyFetch", name, err)
		}
		if name == "error" && !errors.Is(err, boom) {
			t.Errorf("%s: cause lost: %v", name, err)
		}
	}
}

type keyFetcherFunc func(ctx context.Context, url string) (*rsa.PublicKey, error)

func (f keyFetcherFunc) FetchKey(ctx context.Context, url string) (*rsa.PublicKey, error) {
	return f(ctx, url)
}

// TestVerifyTargetAmbiguity: OSS signs url_decode(path) + raw query + "\n" +
// body without delimiting the parts (docs/PROTOCOL.md#callback-signature), so a decoded "?" or
// newline in the path, or a newline in the query, would let a captured
// callback be replayed with its bytes moved between path, query and body:
// it would verify, yet the handler would see a different path, query or
// body than OSS sent. Each such request is refused as malformed, while the
// legitimate original still verifies.
func TestVerifyTargetAmbiguity(t *testing.T) {
	priv := testkeys.Private(512)
	cases := []struct {
		name                   string
		legitTarget, legitBody string // what OSS sent and signed
		target, body           string // the replay
	}{
		{"query moved into the path", "/cb?uid=7", "x", "/cb%3Fuid=7", "x"},
		{"empty query moved into the path", "/cb?", "x", "/cb%3F", "x"},
		{"body line moved into the path", "/cb", "{\n\"uid\":7}", "/cb%0A%7B", "\"uid\":7}"},
		{"body line moved into the query", "/cb?a", "b\nc", "/cb?a\nb", "c"},
		{"query and body line moved into the path", "/cb?a", "b\nc", "/cb%3Fa%0Ab", "c"},
		{"absolute form, query moved into the path", "/cb?uid=7", "x", "http://app.example.com/cb%3Fuid=7", "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			legit := newSignedRequest(priv, c.legitTarget, c.legitBody, stringToSign(t, c.legitTarget, c.legitBody))
			if err := callback.Verify(legit, staticKeys(priv)); err != nil {
				t.Fatalf("legitimate callback: %v", err)
			}
			r := newSignedRequest(priv, c.legitTarget, c.body, stringToSign(t, c.legitTarget, c.legitBody))
			r.RequestURI = c.target
			if err := callback.Verify(r, staticKeys(priv)); !errors.Is(err, callback.ErrMalformedRequest) {
				t.Errorf("replay at %q: err = %v, want ErrMalformedRequest", c.target, err)
			}
			// The same replay built as a client request (no RequestURI).
			if strings.ContainsRune(c.target, '\n') || !strings.HasPrefix(c.target, "/") {
				return
			}
			cr, err := http.NewRequest(http.MethodPost, "http://app.example.com"+c.target, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			cr.Header = r.Header
			if err := callback.Verify(cr, staticKeys(priv)); !errors.Is(err, callback.ErrMalformedRequest) {
				t.Errorf("client-built replay at %q: err = %v, want ErrMalformedRequest", c.target, err)
			}
		})
	}
}

// stringToSign is OSS's string to sign (docs/PROTOCOL.md#callback-signature)
// for an origin-form target whose path has no escapes.
func stringToSign(t *testing.T, target, body string) string {
	t.Helper()
	if strings.Contains(target, "%") {
		t.Fatalf("stringToSign: %q has escapes", target)
	}
	return target + "\n" + body
}

// TestVerifyNilVerifier: a nil or zero *Verifier is a configuration error:
// it refuses every callback, even OSS's real one, with ErrConfig (500)
// instead of panicking or accepting callbacks from anyone's upload; the same
// callback passes once AllowUnbound is said explicitly.
func TestVerifyNilVerifier(t *testing.T) {
	rc := testkeys.RealCallback()
	var logs logRecorder
	for name, v := range map[string]*callback.Verifier{
		"nil":  nil,
		"zero": {Logger: logs.logger()},
	} {
		if err := v.Validate(); !errors.Is(err, callback.ErrConfig) {
			t.Errorf("%s: Validate = %v, want ErrConfig", name, err)
		}
		if ev, err := v.VerifyEvent(rc.Request()); !errors.Is(err, callback.ErrConfig) || ev != nil {
			t.Errorf("%s: VerifyEvent = %+v, %v; want ErrConfig", name, ev, err)
		}
		for hname, h := range map[string]http.Handler{
			"Handler":    v.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }),
			"Middleware": v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })),
		} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, rc.Request())
			if w.Code != http.StatusInternalServerError {
				t.Errorf("%s %s: status %d, want 500 (%s)", name, hname, w.Code, w.Body)
			}
		}
	}
	// The zero Verifier's refusals are logged, with the field at fault.
	if reasons := logs.attrs("reason"); len(reasons) != 3 || !strings.Contains(reasons[0], "Secrets") {
		t.Errorf("zero Verifier logged %q, want 3 refusals naming Secrets", reasons)
	}

	v := &callback.Verifier{AllowUnbound: true, Logger: discardLogger}
	for name, h := range map[string]http.Handler{
		"Handler":    v.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }),
		"Middleware": v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, rc.Request())
		if w.Code != http.StatusOK {
			t.Errorf("AllowUnbound %s: status %d, want 200 (%s)", name, w.Code, w.Body)
		}
		r := rc.Request()
		r.Header.Set("Authorization", "AAAA")
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("AllowUnbound %s, bad signature: status %d, want 403", name, w.Code)
		}
	}
}

// TestVerifyNilRequest: a missing request or body is refused, not a panic.
func TestVerifyNilRequest(t *testing.T) {
	v := &callback.Verifier{AllowUnbound: true, Logger: discardLogger}
	if ev, err := v.VerifyEvent(nil); !errors.Is(err, callback.ErrMalformedRequest) || ev != nil {
		t.Errorf("VerifyEvent(nil) = %+v, %v; want ErrMalformedRequest", ev, err)
	}
	if err := callback.Verify(nil, nil); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("Verify(nil) = %v, want ErrMalformedRequest", err)
	}
	r := testkeys.RealCallback().Request()
	r.Body = nil
	if ev, err := v.VerifyEvent(r); !errors.Is(err, callback.ErrMalformedRequest) || ev != nil {
		t.Errorf("VerifyEvent with nil Body = %+v, %v; want ErrBodyRead", ev, err)
	}
	r = testkeys.RealCallback().Request()
	r.Body = nil
	if err := callback.Verify(r, nil); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("Verify with nil Body = %v, want ErrBodyRead", err)
	}
}
