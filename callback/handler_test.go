package callback_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/verify"
)

// post sends a signed callback to srv over loopback and returns the
// response with its body read.
func post(t *testing.T, srv *httptest.Server, r *http.Request) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(r.Method, srv.URL+r.RequestURI, r.Body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.Header.Clone()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// checkOSSAnswer asserts what docs/PROTOCOL.md#callback-answer requires of an answer OSS
// accepts: exactly 200, a Content-Length matching the body (not chunked),
// JSON.
func checkOSSAnswer(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, body is %d bytes", cl, len(body))
	}
	if len(resp.TransferEncoding) != 0 {
		t.Errorf("Transfer-Encoding %v, want none", resp.TransferEncoding)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if !json.Valid([]byte(body)) {
		t.Errorf("body is not JSON: %q", body)
	}
}

func TestHandler(t *testing.T) {
	priv := testkeys.Private(512)
	values := map[string]string{"bucket": "examplebucket", "object": "user/42/照片 1.jpg", "size": "5", "x:uid": "42"}
	formBody, err := callbackwire.Render(callbackwire.Params(callback.Params{Body: callback.FormBody("bucket", "object", "size", "x:uid")}), values)
	if err != nil {
		t.Fatal(err)
	}
	var gotEvent *callback.Event
	var logs logRecorder
	// The requests' URLs are not bound: AllowUnbound, so that the query
	// reaches the app as sent.
	v := &callback.Verifier{Keys: staticKeys(priv), AllowUnbound: true, Logger: logs.logger()}
	srv := httptest.NewServer(v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		gotEvent = ev
		switch ev.Vars["x:uid"] {
		case "nil":
			return nil, nil
		case "fail":
			return nil, errors.New("database down: secret details")
		case "conflict":
			return nil, &callback.HTTPError{Status: http.StatusConflict, Message: "already uploaded", Err: errors.New("dup key")}
		case "bad-status":
			return nil, &callback.HTTPError{Status: 200, Message: "not an error status"}
		case "unmarshalable":
			return map[string]any{"c": make(chan int)}, nil
		case "huge":
			return strings.Repeat("a", callbackwire.MaxResponseBytes), nil
		}
		return map[string]any{"ok": true, "object": ev.Object}, nil
	}))
	defer srv.Close()

	r := newSignedRequest(priv, "/oss/callback?app=1", string(formBody), "/oss/callback?app=1\n"+string(formBody))
	resp, body := post(t, srv, r)
	checkOSSAnswer(t, resp, body)
	if want := `{"object":"user/42/照片 1.jpg","ok":true}`; body != want {
		t.Errorf("body %s, want %s", body, want)
	}
	wantEvent := &callback.Event{Bucket: "examplebucket", Object: "user/42/照片 1.jpg", Size: 5, Vars: map[string]string{"x:uid": "42"}, Raw: values,
		Query: url.Values{"app": {"1"}}}
	if diff := cmp.Diff(wantEvent, gotEvent); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}

	cases := []struct {
		uid, body string
		status    int
	}{
		{"nil", `{"Status":"OK"}`, 200},
		{"fail", `{"error":"internal error"}`, 500},
		{"conflict", `{"error":"already uploaded"}`, 409},
		{"bad-status", `{"error":"internal error"}`, 500},
		{"unmarshalable", `{"error":"internal error"}`, 500},
		{"huge", `{"error":"internal error"}`, 500},
	}
	for _, c := range cases {
		t.Run(c.uid, func(t *testing.T) {
			logs.reset()
			b := "x:uid=" + c.uid
			resp, body := post(t, srv, newSignedRequest(priv, "/cb", b, "/cb\n"+b))
			if resp.StatusCode != c.status || body != c.body {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, c.status, c.body)
			}
			if resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", resp.Header)
			}
			// Every failure is logged once, with the status it was answered
			// with; a success is not logged.
			if statuses := logs.attrs("status"); (c.status != 200) != (len(statuses) == 1) || (len(statuses) == 1 && statuses[0] != strconv.Itoa(c.status)) {
				t.Errorf("logged statuses %v, want one %d for a failure, none for success", statuses, c.status)
			}
			// The app's error text is logged for the operator but never
			// sent to OSS.
			if c.uid == "fail" {
				if reasons := logs.attrs("reason"); len(reasons) != 1 || !strings.Contains(reasons[0], "database down: secret details") {
					t.Errorf("logged reasons %q, want the app's error", reasons)
				}
			}
		})
	}

	// Verified but unparsable body: 400, app not called.
	gotEvent = nil
	r = newSignedRequest(priv, "/cb", "{not json", "/cb\n{not json")
	r.Header.Set("Content-Type", "application/json")
	if resp, body := post(t, srv, r); resp.StatusCode != 400 || gotEvent != nil || !strings.Contains(body, "malformed callback body") {
		t.Errorf("unparsable body: %d %s, app called: %v", resp.StatusCode, body, gotEvent != nil)
	}
	if reasons := logs.attrs("reason"); len(reasons) == 0 || !strings.Contains(reasons[len(reasons)-1], callback.ErrMalformedEvent.Error()) {
		t.Errorf("refusal of an unparsable body not logged with ErrMalformedEvent: %q", reasons)
	}

	// Wrong method.
	resp, err = srv.Client().Get(srv.URL + "/cb")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestHandlerRealCallback: Verifier.Handler with the default fetcher
// accepts OSS's real callback, also behind http.StripPrefix. Its URL was not
// bound by BindURL, hence AllowUnbound.
func TestHandlerRealCallback(t *testing.T) {
	rc := testkeys.RealCallback()
	h := (&callback.Verifier{AllowUnbound: true}).Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return map[string]any{"name": ev.Raw["name"], "size": ev.Size}, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, body := post(t, srv, rc.Request())
	checkOSSAnswer(t, resp, body)
	if want := `{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020}`; body != want {
		t.Errorf("body %s, want %s", body, want)
	}
}

func TestMiddleware(t *testing.T) {
	priv := testkeys.Private(1024)
	called := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called++
		ev, ok := callback.EventFromContext(r.Context())
		if !ok {
			t.Error("no event in context")
			return
		}
		raw, _ := io.ReadAll(r.Body)
		b, _ := json.Marshal(map[string]string{"object": ev.Object, "body": string(raw)})
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
	v := &callback.Verifier{Keys: staticKeys(priv), AllowUnbound: true, Logger: discardLogger}
	srv := httptest.NewServer(v.Middleware(next))
	defer srv.Close()

	resp, body := post(t, srv, newSignedRequest(priv, "/cb", "object=a%20b.jpg", "/cb\nobject=a%20b.jpg"))
	if resp.StatusCode != 200 || body != `{"body":"object=a%20b.jpg","object":"a b.jpg"}` {
		t.Errorf("signed: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, srv, newSignedRequest(priv, "/cb", "object=a%20b.jpg", "/cb\nobject=other"))
	if resp.StatusCode != 403 || called != 1 {
		t.Errorf("bad signature: %d %s, next called %d times", resp.StatusCode, body, called)
	}
	if _, ok := callback.EventFromContext(context.Background()); ok {
		t.Error("EventFromContext on an empty context reported an event")
	}
}

func TestHTTPStatus(t *testing.T) {
	cases := map[error]int{
		nil:                              200,
		errors.New("other"):              500,
		callback.ErrMalformedEvent:       400,
		&callback.HTTPError{Status: 418}: 418,
		&callback.HTTPError{Status: 302}: 500,
		verify.ErrKeyFetch:               502,
		verify.ErrUntrustedKeyURL:        403,
		callback.ErrUnbound:              403,
		callback.ErrBindingExpired:       403,
		callback.ErrConfig:               500,
		callback.ErrMalformedRequest:     400,
		&callback.Diagnosis{Err: verify.ErrBadSignature, Cause: "wrong-key"}: 403,
		callback.ErrBodyTooLarge:     413,
		callback.ErrMissingSignature: 400,
		callback.ErrMalformedRequest: 400,
	}
	for err, want := range cases {
		if got := callback.HTTPStatus(err); got != want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", err, got, want)
		}
	}
}
