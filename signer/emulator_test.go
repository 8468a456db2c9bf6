package signer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// postForm posts a token's form the way a browser does: every field of
// tok.Fields, then extra (fields the page adds), then key, then the file
// part with its own Content-Type line, last (docs/PROTOCOL.md#form-upload).
func postForm(t *testing.T, client *http.Client, tok *signer.Token, extra map[string]string, key, fileType string, content []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fields := map[string]string{}
	for k, v := range tok.Fields {
		fields[k] = v
	}
	for k, v := range extra {
		if v == "" {
			delete(fields, k)
		} else {
			fields[k] = v
		}
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.WriteField("key", key)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="page.html"`)
	h.Set("Content-Type", fileType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(content)
	w.Close()
	resp, err := client.Post(tok.Host+"/", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Tokens from Signer work against the osstest emulator for every signature
// version and credential kind, and what the policy pins holds on the wire:
// the stored content type is the pinned x-oss-content-type even when the file
// part claims text/html (docs/PROTOCOL.md#form-fields), and the key prefix,
// size range and callback identity cannot be changed.
func TestSignAgainstEmulator(t *testing.T) {
	now := time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)
	clock := func() time.Time { return now }
	perm := osstest.AccessKey{ID: "LTAI5tPermanent", Secret: "permanent-secret"}
	sts := osstest.AccessKey{ID: "STS.NTemp", Secret: "temp-secret", SecurityToken: "CAIS/sts+token=="}

	var mu sync.Mutex
	var uids []string
	app := httptest.NewServer(nil)
	defer app.Close()
	srv, err := osstest.NewServer(osstest.Config{Now: clock, AccessKeys: []osstest.AccessKey{perm, sts}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	secret := []byte("the-app's-binding-secret")
	// The Verifier shares the emulator's clock: the bindings the Signer
	// makes expire an hour and DefaultCallbackMargin after that instant.
	v := &callback.Verifier{Keys: srv.KeyFetcher(), BindingSecret: secret, Now: clock}
	app.Config.Handler = v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		mu.Lock()
		uids = append(uids, ev.Vars["x:uid"])
		mu.Unlock()
		return map[string]string{"object": ev.Object}, nil
	})

	upload := signer.Upload{
		KeyPrefix:           "users/42/",
		MinSize:             1,
		MaxSize:             64,
		ContentTypes:        []string{"image/png", "image/jpeg"},
		SuccessActionStatus: 200,
		Meta:                map[string]string{"owner": "42"},
		Callback:            &callback.Params{URL: app.URL + "/cb", Body: callback.FormBody(callback.VarObject, "x:uid")},
		CallbackVars:        map[string]string{"x:uid": "42"},
	}
	content := []byte("<script>alert(1)</script>")

	for _, v := range []signer.Version{signer.V4, signer.V1} {
		for _, key := range []osstest.AccessKey{perm, sts} {
			name := v.String() + "/" + key.ID
			t.Run(name, func(t *testing.T) {
				s := &signer.Signer{
					Credentials: signer.StaticCredentials{AccessKeyID: key.ID, AccessKeySecret: key.Secret, SecurityToken: key.SecurityToken},
					Bucket:      srv.Bucket(), Region: "oss-" + srv.Region(), Endpoint: srv.URL, Version: v, Now: clock,
					CallbackSecret: secret,
				}
				tok, err := s.Sign(context.Background(), upload)
				if err != nil {
					t.Fatal(err)
				}
				objKey := tok.Dir + strings.ReplaceAll(name, "/", "-") + ".png"
				png := map[string]string{"x-oss-content-type": "image/png"}

				tests := []struct {
					name       string
					extra      map[string]string
					key        string
					content    []byte
					wantStatus int
					wantInBody string
				}{
					{"no x-oss-content-type", nil, objKey, content, 403, "x-oss-content-type"},
					{"type not allowed", map[string]string{"x-oss-content-type": "text/html"}, objKey, content, 403, "x-oss-content-type"},
					{"other user's prefix", png, "users/43/x.png", content, 403, "starts-with"},
					{"forged uid", map[string]string{"x-oss-content-type": "image/png", "x:uid": "1"}, objKey, content, 403, "x:uid"},
					{"callback dropped", map[string]string{"x-oss-content-type": "image/png", "callback": ""}, objKey, content, 403, "callback"},
					// The app left ACL unset, so it is not pinned and OSS
					// accepts the uploader's choice
					// (docs/PROTOCOL.md#unlisted-fields); Upload.ACL
					// documents this.
					{"unpinned ACL", map[string]string{"x-oss-content-type": "image/png", "x-oss-object-acl": "public-read"}, objKey, content, 200, ""},
					{"too large", png, objKey, bytes.Repeat([]byte("x"), 65), 400, "EntityTooLarge"},
					{"empty", png, objKey, nil, 400, "EntityTooSmall"},
					{"ok", png, objKey, content, 200, `"object":"` + objKey + `"`},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						status, body := postForm(t, srv.Client(), tok, tt.extra, tt.key, "text/html", tt.content)
						if status != tt.wantStatus || !strings.Contains(body, tt.wantInBody) {
							t.Errorf("%d %s; want %d containing %q", status, body, tt.wantStatus, tt.wantInBody)
						}
					})
				}
				obj, ok := srv.Object(objKey)
				if !ok {
					t.Fatalf("object %s not stored", objKey)
				}
				if obj.ContentType != "image/png" || obj.Meta["owner"] != "42" {
					t.Errorf("stored Content-Type %q, meta %v; want image/png and owner=42", obj.ContentType, obj.Meta)
				}
			})
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// Two successful uploads per sub-test (the unpinned ACL and "ok"),
	// each calling back with the pinned uid.
	if want := 8; len(uids) != want {
		t.Errorf("%d callbacks, want %d", len(uids), want)
	}
	for _, uid := range uids {
		if uid != "42" {
			t.Errorf("callback uid %q, want 42", uid)
		}
	}
}

// The token endpoint's JSON is everything a page needs: decoded as a
// browser would, it uploads to the emulator.
func TestHandlerTokenUploads(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ak := srv.AccessKey()
	h := &signer.Handler{
		Signer: &signer.Signer{Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
			Bucket: srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL},
		Upload: func(r *http.Request) (signer.Upload, error) {
			return signer.Upload{KeyPrefix: "u/" + r.URL.Query().Get("u") + "/", MaxSize: 1 << 10, SuccessActionStatus: 201}, nil
		},
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/oss/token?u=7")
	if err != nil {
		t.Fatal(err)
	}
	var tok signer.Token
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	status, body := postForm(t, srv.Client(), &tok, nil, tok.Dir+"${filename}", "text/plain", []byte("hi oss"))
	if status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	if _, ok := srv.Object("u/7/page.html"); !ok {
		t.Errorf("u/7/page.html not stored; have %v", srv.Objects())
	}
}

// OSS signs the callbacks of every account with one key, so anyone's
// upload can name an app's callback URL and claim any x:uid, and the
// callback verifies. Here a second AccessKey on the emulator plays the
// other account, with a Signer (and CallbackSecret) of its own or a
// callback parameter it writes itself. The app's Signer binds its callback
// URLs with its CallbackSecret, and a Verifier with that BindingSecret
// refuses callbacks to URLs the app did not bind; the identity it can
// trust is the one in the bound URL's query (Event.Query), which the user
// the URL was issued to cannot change either.
func TestCrossAccountCallbacks(t *testing.T) {
	appKey := osstest.AccessKey{ID: "LTAI5tTheApp", Secret: "app-secret"}
	otherKey := osstest.AccessKey{ID: "LTAI5tSomeoneElse", Secret: "other-secret"}
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{appKey, otherKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	secret := []byte("the-app's-binding-secret")
	otherSecret := []byte("another-app's-own-secret")

	type accepted struct{ BodyUID, QueryUID string }
	var mu sync.Mutex
	got := map[string][]accepted{}
	record := func(route string) func(context.Context, *callback.Event) (any, error) {
		return func(_ context.Context, ev *callback.Event) (any, error) {
			mu.Lock()
			got[route] = append(got[route], accepted{ev.Vars["x:uid"], ev.Query.Get("uid")})
			mu.Unlock()
			return nil, nil
		}
	}
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.Handle("/plain", (&callback.Verifier{Keys: srv.KeyFetcher(), AllowUnbound: true, Logger: logger}).Handler(record("plain")))
	mux.Handle("/bound", (&callback.Verifier{Keys: srv.KeyFetcher(), BindingSecret: secret, Logger: logger}).Handler(record("bound")))
	app := httptest.NewServer(mux)
	defer app.Close()

	newSigner := func(key osstest.AccessKey, secret []byte) *signer.Signer {
		return &signer.Signer{
			Credentials: signer.StaticCredentials{AccessKeyID: key.ID, AccessKeySecret: key.Secret},
			Bucket:      srv.Bucket(), Region: srv.Region(), Endpoint: srv.URL, CallbackSecret: secret,
		}
	}
	appSigner, otherSigner := newSigner(appKey, secret), newSigner(otherKey, otherSecret)
	// upload signs a token for uid with s and uploads with it. A nil cb
	// means a token without callback, with the callback parameter and
	// x:uid sent as extra form fields the policy does not pin, as anyone
	// with an OSS account can do with a policy of their own.
	upload := func(s *signer.Signer, uid string, cb *callback.Params, forged string) (*signer.Token, int, string) {
		t.Helper()
		u := signer.Upload{KeyPrefix: "users/" + uid + "/", MaxSize: 64, SuccessActionStatus: 200}
		var extra map[string]string
		if cb != nil {
			u.Callback, u.CallbackVars = cb, map[string]string{"x:uid": uid}
		} else {
			extra = map[string]string{"callback": forged, "x:uid": uid}
		}
		tok, err := s.Sign(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		status, body := postForm(t, srv.Client(), tok, extra, tok.Dir+"a.txt", "text/plain", []byte("hi"))
		return tok, status, body
	}
	unbound := func(url string) string {
		enc, err := callback.Params{URL: url, Body: callback.FormBody(callback.VarObject, "x:uid")}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	body := callback.FormBody(callback.VarObject, "x:uid")

	// The app's token for user 7: the Signer binds the callback URL.
	tok7, status, resp := upload(appSigner, "7", &callback.Params{URL: app.URL + "/bound?uid=7", Body: body}, "")
	if status != 200 {
		t.Errorf("the app's token for user 7: upload %d %s, want 200", status, resp)
	}
	p7, err := callback.DecodeParams(tok7.Fields["callback"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p7.URL, callback.BindingParam+"=") {
		t.Errorf("the app's token names callback URL %q, not bound", p7.URL)
	}

	steps := []struct {
		name       string
		cb         *callback.Params // signed by the other account's own Signer
		forged     string           // else this callback parameter, unpinned
		uid        string
		wantStatus int // 203: OSS reports CallbackFailed to the uploader
	}{
		{"another account names the plain URL, claims user 42", nil, unbound(app.URL + "/plain"), "42", 200},
		{"another account names the bound route, claims user 42", nil, unbound(app.URL + "/bound?uid=42"), "42", 203},
		{"another account binds the bound route with its own secret, claims user 42", &callback.Params{URL: app.URL + "/bound?uid=42", Body: body}, "", "42", 203},
		{"another account reuses user 7's bound URL, claims 42 in the body", nil, tok7.Fields["callback"], "42", 200},
	}
	for _, st := range steps {
		if _, status, resp := upload(otherSigner, st.uid, st.cb, st.forged); status != st.wantStatus {
			t.Errorf("%s: upload %d %s, want %d", st.name, status, resp, st.wantStatus)
		}
	}
	want := map[string][]accepted{
		// The forgery the plain handler cannot tell apart.
		"plain": {{BodyUID: "42"}},
		// The bound route took only callbacks to its bound URL, whose
		// query says user 7 whatever the body claims.
		"bound": {{BodyUID: "7", QueryUID: "7"}, {BodyUID: "42", QueryUID: "7"}},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("callbacks accepted (-want +got):\n%s", diff)
	}
	// Both refusals were logged as unbound.
	if n := strings.Count(logs.String(), callback.ErrUnbound.Error()); n != 2 {
		t.Errorf("%d refusals logged as %q, want 2:\n%s", n, callback.ErrUnbound, logs.String())
	}
}

// syncBuffer is a log sink safe to read while servers may write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
