package callback_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// sentinels are all the errors Verify and Verifier.VerifyEvent
// distinguish; each hostile request must match exactly one of them.
var sentinels = map[string]error{
	"ErrMissingSignature": callback.ErrMissingSignature,
	"ErrMalformedRequest": callback.ErrMalformedRequest,
	"ErrUntrustedKeyURL":  verify.ErrUntrustedKeyURL,
	"ErrKeyFetch":         verify.ErrKeyFetch,
	"ErrBadSignature":     verify.ErrBadSignature,
	"ErrBodyTooLarge":     callback.ErrBodyTooLarge,
	"ErrUnbound":          callback.ErrUnbound,
	"ErrMalformedEvent":   callback.ErrMalformedEvent,
	"ErrConfig":           callback.ErrConfig,
}

// failingReader yields some bytes, then an error, like a connection reset
// mid-body.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

var errConnReset = errors.New("connection reset by peer")

// TestVerifyHostileRequests: malformed or hostile callbacks are each refused
// with the right error value and HTTP status, without panicking, and
// untrusted key URLs never reach the network.
func TestVerifyHostileRequests(t *testing.T) {
	priv := testkeys.Private(512)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	var hits atomic.Int64
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/test_cb_pub_512.pem":
			w.Write(pubPEM)
		case "/garbage.pem":
			io.WriteString(w, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer ks.Close()
	var logs logRecorder
	v := &callback.Verifier{
		Keys:         &verify.Fetcher{BaseURL: ks.URL, Client: ks.Client()},
		MaxBodyBytes: 256,
		AllowUnbound: true,
		Logger:       logs.logger(),
	}

	const target, body = "/cb?u=1", "bucket=b&object=a.jpg"
	const signed = target + "\n" + body
	goodSig := sign(priv, signed)
	rawSig, _ := base64.StdEncoding.DecodeString(goodSig)
	sigB64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	setAuth := func(s string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", s) } }
	setKeyURL := func(u string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-Oss-Pub-Key-Url", b64(u)) }
	}
	setBody := func(s string) func(*http.Request) {
		return func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(s))
			r.ContentLength = int64(len(s))
		}
	}
	setTarget := func(s string) func(*http.Request) { return func(r *http.Request) { r.RequestURI = s } }
	flipped := bytes.Clone(rawSig)
	flipped[10] ^= 0x01
	rc := testkeys.RealCallback()
	big := strings.Repeat("a", 257)

	cases := []struct {
		name   string
		mutate func(*http.Request)
		want   error
		status int
	}{
		{"no Authorization", func(r *http.Request) { r.Header.Del("Authorization") }, callback.ErrMissingSignature, 400},
		{"empty Authorization", setAuth(""), callback.ErrMissingSignature, 400},
		{"two Authorization headers", func(r *http.Request) { r.Header.Add("Authorization", goodSig) }, callback.ErrMalformedRequest, 400},
		{"OSS scheme prefix", setAuth("OSS " + goodSig), callback.ErrMalformedRequest, 400},
		{"Bearer token", setAuth("Bearer abc.def.ghi"), callback.ErrMalformedRequest, 400},
		{"not Base64", setAuth("!!!!"), callback.ErrMalformedRequest, 400},
		{"Base64 without padding", setAuth(strings.TrimRight(goodSig, "=")), callback.ErrMalformedRequest, 400},
		{"URL-safe alphabet", setAuth("-_" + goodSig[2:]), callback.ErrMalformedRequest, 400},
		{"non-canonical trailing bits", setAuth("QR=="), callback.ErrMalformedRequest, 400},
		{"Base64 with embedded space", setAuth(goodSig[:8] + " " + goodSig[8:]), callback.ErrMalformedRequest, 400},
		{"3 KB Authorization", setAuth(strings.Repeat("A", 3000)), callback.ErrMalformedRequest, 400},
		{"signature one byte short", setAuth(sigB64(rawSig[1:])), verify.ErrBadSignature, 403},
		{"signature one byte long", setAuth(sigB64(append([]byte{0}, rawSig...))), verify.ErrBadSignature, 403},
		{"1024-bit-sized signature", setAuth(sigB64(make([]byte, 128))), verify.ErrBadSignature, 403},
		{"all-zero signature", setAuth(sigB64(make([]byte, 64))), verify.ErrBadSignature, 403},
		{"all-ff signature (>= modulus)", setAuth(sigB64(bytes.Repeat([]byte{0xff}, 64))), verify.ErrBadSignature, 403},
		{"one signature bit flipped", setAuth(sigB64(flipped)), verify.ErrBadSignature, 403},
		{"signature of another request", setAuth(sign(priv, "/cb?u=2\n"+body)), verify.ErrBadSignature, 403},
		{"signature by a 1024-bit key", setAuth(sign(testkeys.Private(1024), signed)), verify.ErrBadSignature, 403},
		{"OSS's real signature replayed", setAuth(rc.Headers["Authorization"]), verify.ErrBadSignature, 403},
		{"no x-oss-pub-key-url", func(r *http.Request) { r.Header.Del("X-Oss-Pub-Key-Url") }, callback.ErrMissingSignature, 400},
		{"empty x-oss-pub-key-url", func(r *http.Request) { r.Header.Set("X-Oss-Pub-Key-Url", "") }, callback.ErrMissingSignature, 400},
		{"two x-oss-pub-key-url headers", func(r *http.Request) { r.Header.Add("X-Oss-Pub-Key-Url", b64(testKeyURL)) }, callback.ErrMalformedRequest, 400},
		{"key URL not Base64", func(r *http.Request) { r.Header.Set("X-Oss-Pub-Key-Url", testKeyURL) }, callback.ErrMalformedRequest, 400},
		{"key URL bad Base64", func(r *http.Request) { r.Header.Set("X-Oss-Pub-Key-Url", "aHR0cHM6Ly9=") }, callback.ErrMalformedRequest, 400},
		{"key URL with newline", setKeyURL(testKeyURL + "\nHost: evil.com"), callback.ErrMalformedRequest, 400},
		{"key URL with NUL", setKeyURL("https://gosspublic.alicdn.com/\x00.pem"), callback.ErrMalformedRequest, 400},
		{"key URL invalid UTF-8", setKeyURL("https://gosspublic.alicdn.com/\xff.pem"), callback.ErrMalformedRequest, 400},
		{"key URL 5 KB", func(r *http.Request) { r.Header.Set("X-Oss-Pub-Key-Url", strings.Repeat("A", 5000)) }, callback.ErrMalformedRequest, 400},
		{"look-alike: suffix host", setKeyURL("https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: userinfo", setKeyURL("https://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: userinfo with port", setKeyURL("https://gosspublic.alicdn.com:443@evil.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: backslash", setKeyURL("https://gosspublic.alicdn.com\\@evil.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: prefix host", setKeyURL("https://evilgosspublic.alicdn.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: Cyrillic i", setKeyURL("https://gosspublіc.alicdn.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"look-alike: trailing dot", setKeyURL("https://gosspublic.alicdn.com./callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"userinfo on the real host", setKeyURL("https://u:p@gosspublic.alicdn.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"real host, other port", setKeyURL("https://gosspublic.alicdn.com:8443/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"attacker's key server", setKeyURL("http://evil.com/callback_pub_key_v1.pem"), verify.ErrUntrustedKeyURL, 403},
		{"SSRF: metadata service", setKeyURL("http://169.254.169.254/latest/meta-data/"), verify.ErrUntrustedKeyURL, 403},
		{"SSRF: loopback key server", setKeyURL(ks.URL + "/test_cb_pub_512.pem"), verify.ErrUntrustedKeyURL, 403},
		{"file URL", setKeyURL("file:///etc/passwd"), verify.ErrUntrustedKeyURL, 403},
		{"OSS's real key, test signature", setKeyURL(verify.OSSKeyURL), verify.ErrBadSignature, 403},
		{"trusted host, key missing", setKeyURL("https://gosspublic.alicdn.com/nope.pem"), verify.ErrKeyFetch, 502},
		{"trusted host, garbage key", setKeyURL("https://gosspublic.alicdn.com/garbage.pem"), verify.ErrKeyFetch, 502},
		{"body changed", setBody("bucket=b&object=b.jpg"), verify.ErrBadSignature, 403},
		{"body truncated", setBody("bucket=b"), verify.ErrBadSignature, 403},
		{"body too large (Content-Length)", setBody(big), callback.ErrBodyTooLarge, 413},
		{"body too large (unknown length)", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(big))
			r.ContentLength = -1
		}, callback.ErrBodyTooLarge, 413},
		{"body ends early", func(r *http.Request) { r.ContentLength = int64(len(body) + 10) }, callback.ErrMalformedRequest, 400},
		{"body longer than Content-Length", func(r *http.Request) { r.ContentLength = int64(len(body) - 1) }, callback.ErrMalformedRequest, 400},
		{"no body but Content-Length", func(r *http.Request) { r.Body = nil }, callback.ErrMalformedRequest, 400},
		{"body read fails midway", func(r *http.Request) {
			r.Body = io.NopCloser(&failingReader{data: []byte(body[:5]), err: errConnReset})
		}, callback.ErrMalformedRequest, 400},
		{"body read fails, unknown length", func(r *http.Request) {
			r.Body = io.NopCloser(&failingReader{data: []byte(body[:5]), err: errConnReset})
			r.ContentLength = -1
		}, callback.ErrMalformedRequest, 400},
		{"path changed", setTarget("/cc?u=1"), verify.ErrBadSignature, 403},
		{"path case changed", setTarget("/CB?u=1"), verify.ErrBadSignature, 403},
		{"query changed", setTarget("/cb?u=2"), verify.ErrBadSignature, 403},
		{"query dropped", setTarget("/cb"), verify.ErrBadSignature, 403},
		{"query re-encoded", setTarget("/cb?u=%31"), verify.ErrBadSignature, 403},
		{"path with trailing slash", setTarget("/cb/?u=1"), verify.ErrBadSignature, 403},
		{"invalid escape in path", setTarget("/c%zz?u=1"), callback.ErrMalformedRequest, 400},
		{"truncated escape in path", setTarget("/cb%2?u=1"), callback.ErrMalformedRequest, 400},
		{"asterisk-form target", setTarget("*"), callback.ErrMalformedRequest, 400},
		{"authority-form target", setTarget("evil.com:443"), callback.ErrMalformedRequest, 400},
		{"ftp absolute form", setTarget("ftp://x/cb?u=1"), callback.ErrMalformedRequest, 400},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			before := hits.Load()
			r := newSignedRequest(priv, target, body, signed)
			c.mutate(r)
			logs.reset()
			ev, err := v.VerifyEvent(r)
			if ev != nil {
				t.Errorf("VerifyEvent returned an event with error %v", err)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			for name, s := range sentinels {
				if s != c.want && errors.Is(err, s) {
					t.Errorf("err = %v also matches %s", err, name)
				}
			}
			if got := callback.HTTPStatus(err); got != c.status {
				t.Errorf("HTTPStatus = %d, want %d", got, c.status)
			}
			if errors.Is(err, verify.ErrUntrustedKeyURL) && hits.Load() != before {
				t.Error("an untrusted key URL reached the network")
			}
			if strings.Contains(c.name, "fails") && !errors.Is(err, errConnReset) {
				t.Errorf("cause lost: %v", err)
			}
			// The refusal is logged with its reason and status.
			if reasons, statuses := logs.attrs("reason"), logs.attrs("status"); len(reasons) != 1 || reasons[0] != err.Error() || statuses[0] != fmt.Sprint(c.status) {
				t.Errorf("logged reasons %q statuses %v, want [%q] [%d]", reasons, statuses, err, c.status)
			}
			// The bare signature check agrees, except for the body cap,
			// which is the Verifier's MaxBodyBytes.
			if c.want != callback.ErrBodyTooLarge {
				r = newSignedRequest(priv, target, body, signed)
				c.mutate(r)
				if err := callback.Verify(r, v.Keys); !errors.Is(err, c.want) {
					t.Errorf("Verify: err = %v, want %v", err, c.want)
				}
			}

			// The Handler answers the same request with that status and
			// never calls the app.
			r = newSignedRequest(priv, target, body, signed)
			c.mutate(r)
			w := httptest.NewRecorder()
			v.Handler(func(context.Context, *callback.Event) (any, error) {
				t.Error("app called for a refused callback")
				return nil, nil
			}).ServeHTTP(w, r)
			if w.Code != c.status {
				t.Errorf("Handler status %d, want %d", w.Code, c.status)
			}
			if want := fmt.Sprintf(`{"error":%q}`, c.want.Error()); w.Body.String() != want {
				t.Errorf("Handler body %s, want %s", w.Body, want)
			}
		})
	}

	// Control: the unmodified request verifies, so every failure above is
	// caused by its mutation.
	if ev, err := v.VerifyEvent(newSignedRequest(priv, target, body, signed)); err != nil || ev.Object != "a.jpg" {
		t.Fatalf("control request: %+v, %v", ev, err)
	}
	if err := callback.Verify(newSignedRequest(priv, target, body, signed), v.Keys); err != nil {
		t.Fatalf("control request, Verify: %v", err)
	}
}
