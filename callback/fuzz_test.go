package callback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// FuzzVerify feeds arbitrary request targets, headers and bodies to Verify,
// Verifier.VerifyEvent and Handler. Nothing may panic; every error must be
// one of the sentinels and map to the status Handler sends; VerifyEvent
// accepts only what Verify accepts; a request that verifies must leave the
// body readable and unchanged.
func FuzzVerify(f *testing.F) {
	priv := testkeys.Private(512)
	keys := staticKeys(priv)
	goodSig := sign(priv, "/cb?x=1\nbucket=b")
	f.Add("/cb?x=1", goodSig, b64(testKeyURL), []byte("bucket=b"), "application/x-www-form-urlencoded", int64(8))
	f.Add("/%63b?x=1", goodSig, b64(testKeyURL), []byte("bucket=b"), "", int64(-1))
	f.Add("http://h/cb?x=1", goodSig, b64(testKeyURL), []byte("bucket=b"), "", int64(8))
	f.Add("/cb%zz", "AAAA", "aHR0cA==", []byte{}, "application/json", int64(0))
	f.Add("*", "", "", []byte("x"), "text/plain", int64(100))
	f.Add("/cb", goodSig, b64("https://gosspublic.alicdn.com@evil.com/k.pem"), []byte("{}"), "application/json", int64(2))
	f.Fuzz(func(t *testing.T, target, auth, keyURL string, body []byte, ct string, contentLength int64) {
		newReq := func() *http.Request {
			r := &http.Request{
				Method:        http.MethodPost,
				RequestURI:    target,
				URL:           &url.URL{Path: "/"},
				Header:        http.Header{},
				Body:          io.NopCloser(bytes.NewReader(body)),
				ContentLength: contentLength,
			}
			r.Header["Authorization"] = []string{auth}
			r.Header["X-Oss-Pub-Key-Url"] = []string{keyURL}
			r.Header["Content-Type"] = []string{ct}
			return r.WithContext(context.Background())
		}
		oneSentinel := func(err error) {
			t.Helper()
			matched := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("error %v matches %d sentinels", err, matched)
			}
		}
		r := newReq()
		if err := callback.Verify(r, keys); err == nil {
			got, _ := io.ReadAll(r.Body)
			if !bytes.Equal(got, body) {
				t.Fatalf("body after Verify = %q, want %q", got, body)
			}
		} else {
			oneSentinel(err)
		}
		v := &callback.Verifier{Keys: keys, MaxBodyBytes: 1024, AllowUnbound: true, Logger: discardLogger}
		r = newReq()
		ev, err := v.VerifyEvent(r)
		if err == nil {
			if ev == nil {
				t.Fatal("VerifyEvent returned neither event nor error")
			}
			if err := callback.Verify(newReq(), keys); err != nil {
				t.Fatalf("VerifyEvent accepted what Verify refuses: %v", err)
			}
			got, _ := io.ReadAll(r.Body)
			if !bytes.Equal(got, body) {
				t.Fatalf("body after VerifyEvent = %q, want %q", got, body)
			}
		} else {
			if ev != nil {
				t.Fatalf("VerifyEvent returned an event with error %v", err)
			}
			oneSentinel(err)
		}
		w := httptest.NewRecorder()
		v.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }).ServeHTTP(w, newReq())
		if w.Code != callback.HTTPStatus(err) {
			t.Fatalf("Handler answered %d, HTTPStatus(%v) = %d", w.Code, err, callback.HTTPStatus(err))
		}
		if w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
			t.Fatalf("Content-Length %q for %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
		}
	})
}

// FuzzParseEvent: arbitrary bodies never panic; a parsed event's typed
// fields agree with its raw values.
func FuzzParseEvent(f *testing.F) {
	f.Add("", []byte("bucket=b&object=a%2Fb+c.jpg&size=5&crc64=18446744073709551615&x:uid=1"))
	f.Add("application/json", []byte(`{"bucket":"b","size":114020,"crc64":18446744073709551615,"vpcId":null,"img":{"h":[1]}}`))
	f.Add("application/json; charset=utf-8", []byte(`{"name":"2f7b.jpg","size":114020,"pic_info":"810,539"}`))
	f.Add("application/x-www-form-urlencoded", []byte("size=&a=%zz"))
	f.Add("text/plain", []byte("x"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		ev, err := callback.ParseEvent(ct, body)
		if err != nil {
			if !errors.Is(err, callback.ErrMalformedEvent) || ev != nil {
				t.Fatalf("ParseEvent = %v, %v", ev, err)
			}
			return
		}
		if ev.Raw == nil || ev.Vars == nil {
			t.Fatal("nil maps")
		}
		if ev.Bucket != ev.Raw["bucket"] || ev.Object != ev.Raw["object"] || ev.VpcID != ev.Raw["vpcId"] {
			t.Fatal("string fields disagree with Raw")
		}
		if s := ev.Raw["size"]; s != "" {
			if n, err := strconv.ParseInt(s, 10, 64); err != nil || n != ev.Size {
				t.Fatalf("Size %d from %q", ev.Size, s)
			}
		}
		if s := ev.Raw["crc64"]; s != "" {
			if n, err := strconv.ParseUint(s, 10, 64); err != nil || n != ev.CRC64 {
				t.Fatalf("CRC64 %d from %q", ev.CRC64, s)
			}
		}
		for k, v := range ev.Vars {
			if ev.Raw[k] != v || len(k) < 2 || k[:2] != "x:" {
				t.Fatalf("Vars[%q] = %q disagrees with Raw", k, v)
			}
		}
	})
}

// FuzzBindURL binds arbitrary callback URLs, without expiry when expires is
// 0 and else until time.Unix(expires, 0). Properties: binding either fails
// with ErrInvalidParams or returns a URL that passes Params.Validate and
// whose callback, signed as OSS signs it (target as net/url parses it),
// verifies under the same Secrets at the expiry and hands the app the
// original query; a second later it is refused with ErrBindingExpired (or
// still accepted without expiry); the same callback with anything appended
// to the target is refused.
func FuzzBindURL(f *testing.F) {
	priv := testkeys.Private(1024)
	keys := staticKeys(priv)
	f.Fuzz(func(t *testing.T, rawURL, tamper string, expires int64) {
		notAfter := time.Time{}
		if expires != 0 {
			notAfter = time.Unix(expires, 0)
		}
		bound, err := callback.BindURL(bindingSecrets, rawURL, notAfter)
		if err != nil {
			if !errors.Is(err, callback.ErrInvalidParams) {
				t.Fatalf("BindURL error %v does not wrap ErrInvalidParams", err)
			}
			return
		}
		if err := (callback.Params{URL: bound, Body: "a=${bucket}"}).Validate(); err != nil {
			t.Fatalf("bound URL %q refused by Validate: %v", bound, err)
		}
		withScheme := bound
		if !bytes.Contains([]byte(bound), []byte("://")) {
			withScheme = "http://" + bound
		}
		u, err := url.Parse(withScheme)
		if err != nil {
			t.Fatalf("bound URL %q does not parse: %v", bound, err)
		}
		orig, _ := url.Parse(withScheme[:len(withScheme)-len(bound)+len(rawURL)])
		wantQuery, _ := url.ParseQuery(orig.RawQuery)

		now := time.Unix(expires, 0)
		var logs logRecorder
		v := &callback.Verifier{Keys: keys, Secrets: bindingSecrets, Now: func() time.Time { return now }, Logger: logs.logger()}
		// send makes OSS's callback to target: through VerifyEvent for the
		// error value, and through Handler, which must answer and log the
		// same.
		send := func(target string) (*callback.Event, error) {
			ru, err := url.ParseRequestURI(target)
			if err != nil {
				return nil, errSkip
			}
			path := ru.Path
			if path == "" {
				path = "/"
			}
			const body = "bucket=b"
			auth := sign(priv, path+"?"+ru.RawQuery+"\n"+body)
			newReq := func() *http.Request {
				r := &http.Request{
					Method: http.MethodPost, RequestURI: target, URL: ru, Header: http.Header{},
					Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body)),
				}
				r.Header.Set("Authorization", auth)
				r.Header.Set("X-Oss-Pub-Key-Url", b64(testKeyURL))
				return r.WithContext(context.Background())
			}
			ev, refused := v.VerifyEvent(newReq())
			var handled *callback.Event
			w := httptest.NewRecorder()
			logs.reset()
			v.Handler(func(_ context.Context, e *callback.Event) (any, error) { handled = e; return nil, nil }).ServeHTTP(w, newReq())
			if w.Code != callback.HTTPStatus(refused) {
				t.Fatalf("Handler answered %d %s, VerifyEvent: %v", w.Code, w.Body, refused)
			}
			if refused != nil {
				if reasons := logs.attrs("reason"); len(reasons) != 1 || reasons[0] != refused.Error() {
					t.Fatalf("Handler logged %q, want [%q]", reasons, refused)
				}
				return nil, fmt.Errorf("%d %s: %w", w.Code, w.Body, refused)
			}
			if diff := cmp.Diff(ev, handled); diff != "" {
				t.Fatalf("Handler's event differs from VerifyEvent's (-VerifyEvent +Handler):\n%s", diff)
			}
			return ev, nil
		}
		ev, err := send(u.RequestURI())
		if err != nil {
			t.Fatalf("callback to %q (bound from %q): %v", u.RequestURI(), rawURL, err)
		}
		if len(wantQuery) == 0 {
			wantQuery = url.Values{}
		}
		if diff := cmp.Diff(wantQuery, ev.Query); diff != "" {
			t.Fatalf("Event.Query for %q (-want +got):\n%s", rawURL, diff)
		}
		now = now.Add(time.Second)
		_, err = send(u.RequestURI())
		if expires != 0 && !errors.Is(err, callback.ErrBindingExpired) {
			t.Fatalf("callback to %q a second after its expiry: %v, want ErrBindingExpired", u.RequestURI(), err)
		}
		if expires == 0 && err != nil {
			t.Fatalf("callback to %q bound without expiry, a second later: %v", u.RequestURI(), err)
		}
		now = now.Add(-time.Second)
		if tamper == "" {
			return
		}
		if _, err := send(u.RequestURI() + tamper); err == nil {
			t.Fatalf("callback to %q verified with %q appended", u.RequestURI(), tamper)
		}
	})
}

var errSkip = errors.New("skip")
