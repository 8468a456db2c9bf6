package callback_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// testSecret is the binding secret shared by the test Signer and Verifier.
var testSecret = []byte("0123456789abcdef-callback-tests")

// captured is one callback the emulator sent, as it reached the app.
type captured struct {
	target string // the request target, "/path?query"
	header http.Header
	body   []byte
	keys   verify.KeyFetcher // trusts the emulator's callback key
}

// request returns a server-side request for the captured callback, as
// net/http would hand it to a handler.
func (c captured) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, c.target, bytes.NewReader(c.body))
	r.Header = c.header.Clone()
	return r
}

// captureCallback uploads a file to an emulator with a callback to
// callbackPath (a path and query) of a recording app, and returns the
// callback OSS sent. The callback URL is bound by the Signer with
// testSecret; bodyType is callback.BodyTypeForm or BodyTypeJSON.
func captureCallback(t *testing.T, callbackPath, bodyType, fileName string) captured {
	t.Helper()
	var (
		mu  sync.Mutex
		got *captured
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = &captured{target: r.RequestURI, header: r.Header.Clone(), body: body}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "{}")
	}))
	defer app.Close()
	srv, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	s := srv.Signer()
	s.CallbackSecret = testSecret
	params := &callback.Params{URL: app.URL + callbackPath, BodyType: bodyType}
	vars := []string{callback.VarBucket, callback.VarObject, callback.VarSize, callback.VarMimeType, "x:uid"}
	if bodyType == callback.BodyTypeJSON {
		params.Body = callback.JSONBody(vars...)
	} else {
		params.Body = callback.FormBody(vars...)
	}
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "u/42/", MaxSize: 1 << 20, Callback: params,
		CallbackVars: map[string]string{"x:uid": "42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, FileName: fileName, Body: strings.NewReader("hello")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(postReq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload answered %d, want 200 (callback answered)", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if got == nil {
		t.Fatal("no callback arrived")
	}
	got.keys = srv.KeyFetcher()
	return *got
}
