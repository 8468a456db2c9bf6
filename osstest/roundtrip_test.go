package osstest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// tokenParts turns a signer token into the form a browser sends: every
// field, then key, then file last (docs/PROTOCOL.md#form-upload).
func tokenParts(tok *signer.Token, key string, f part) []part {
	names := make([]string, 0, len(tok.Fields))
	for n := range tok.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []part
	for _, n := range names {
		parts = append(parts, field(n, tok.Fields[n]))
	}
	return append(parts, field("key", key), f)
}

// TestSignerRoundTrip uploads with tokens from package signer (V1, V4,
// STS) to the emulator, whose callback is verified by the app with
// Verifier.Handler, the emulator's KeyFetcher and the binding secret the
// Signer bound the callback URL with.
func TestSignerRoundTrip(t *testing.T) {
	sts := osstest.AccessKey{ID: "STS.NUgYrLnoQ", Secret: "stsSecretValue", SecurityToken: "CAISsecuritytoken=="}
	secret := []byte("round-trip-binding-secret")
	tests := []struct {
		name    string
		version signer.Version
		creds   signer.Credentials
	}{
		{"V4", signer.V4, signer.Credentials{AccessKeyID: testKey.ID, AccessKeySecret: testKey.Secret}},
		{"V1", signer.V1, signer.Credentials{AccessKeyID: testKey.ID, AccessKeySecret: testKey.Secret}},
		{"V4 STS", signer.V4, signer.Credentials{AccessKeyID: sts.ID, AccessKeySecret: sts.Secret, SecurityToken: sts.SecurityToken}},
		{"V1 STS", signer.V1, signer.Credentials{AccessKeyID: sts.ID, AccessKeySecret: sts.Secret, SecurityToken: sts.SecurityToken}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, osstest.Config{AccessKeys: []osstest.AccessKey{testKey, sts}, Region: "cn-shanghai"})
			events := make(chan *callback.Event, 1)
			// The Verifier shares the Signer's clock: the binding expires
			// after the token plus the Signer's default CallbackMargin.
			app := httptest.NewServer((&callback.Verifier{Keys: srv.KeyFetcher(), BindingSecret: secret, Now: clock(t0)}).Handler(func(_ context.Context, ev *callback.Event) (any, error) {
				events <- ev
				return map[string]string{"stored": ev.Object, "uid": ev.Vars["x:uid"]}, nil
			}))
			defer app.Close()

			s := &signer.Signer{
				Credentials: signer.StaticCredentials(tc.creds),
				Bucket:      "examplebucket",
				Region:      "oss-cn-shanghai",
				Endpoint:    srv.URL,
				Version:     tc.version,
				Now:         clock(t0),
				// Binds the callback URL; the Verifier checks it.
				CallbackSecret: secret,
			}
			tok, err := s.Sign(context.Background(), signer.Upload{
				KeyPrefix:       "user/eric/",
				MaxSize:         1 << 20,
				ContentTypes:    []string{"text/plain"},
				ACL:             "private",
				Meta:            map[string]string{"owner": "eric"},
				ForbidOverwrite: true,
				Callback:        &callback.Params{URL: app.URL + "/oss/callback", Body: callback.FormBody("bucket", "object", "size", "mimeType", "x:uid")},
				CallbackVars:    map[string]string{"x:uid": "42"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Host != srv.URL {
				t.Fatalf("token host %q", tok.Host)
			}
			r := postForm(t, tok.Host, tokenParts(tok, tok.Dir+"${filename}", file("notes.txt", "application/octet-stream", "round trip")))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var answer map[string]string
			if err := json.Unmarshal(r.body, &answer); err != nil || answer["stored"] != "user/eric/notes.txt" || answer["uid"] != "42" {
				t.Errorf("answer %s (%v)", r.body, err)
			}
			ev := <-events
			// The bound URL had no query of its own: the binding
			// parameters are checked and removed.
			if ev.Bucket != "examplebucket" || ev.Size != 10 || ev.MimeType != "text/plain" || ev.Query == nil || len(ev.Query) != 0 {
				t.Errorf("event %+v", ev)
			}
			obj, ok := srv.Object("user/eric/notes.txt")
			if !ok || obj.ACL != "private" || obj.Meta["owner"] != "eric" || obj.ContentType != "text/plain" {
				t.Errorf("object %+v", obj)
			}

			// The same token cannot overwrite (pinned x-oss-forbid-overwrite)...
			r = postForm(t, tok.Host, tokenParts(tok, tok.Dir+"${filename}", file("notes.txt", "", "again")))
			if e := r.ossError(t); r.status != 409 || e.Code != "FileAlreadyExists" {
				t.Errorf("second upload: %d %s", r.status, e.Code)
			}
			// ...nor forge the pinned x:uid, nor leave the prefix.
			forged := tokenParts(tok, "user/eric/forged.txt", file("f", "", "x"))
			r = postForm(t, tok.Host, with(forged, "x:uid", "1"))
			if e := r.ossError(t); r.status != 403 || e.Message != `Invalid according to Policy: Policy Condition failed: ["eq", "$x:uid", "42"]` {
				t.Errorf("forged x:uid: %d %q", r.status, e.Message)
			}
			r = postForm(t, tok.Host, tokenParts(tok, "user/mallory/x.txt", file("f", "", "x")))
			if e := r.ossError(t); r.status != 403 || e.Code != "AccessDenied" {
				t.Errorf("outside prefix: %d %s", r.status, e.Code)
			}
			if n := len(srv.Objects()); n != 1 {
				t.Errorf("%d objects", n)
			}

			// After the token's expiry the emulator refuses it.
			late := newServer(t, osstest.Config{AccessKeys: []osstest.AccessKey{testKey, sts}, Region: "cn-shanghai",
				Now: clock(time.Unix(tok.Expire, 0))})
			r = postForm(t, late.URL, tokenParts(tok, "user/eric/late.txt", file("f", "", "x")))
			if e := r.ossError(t); r.status != 403 || e.Message != "Invalid according to Policy: Policy expired." {
				t.Errorf("expired token: %d %q", r.status, e.Message)
			}
		})
	}
}

// TestSignerHandlerToEmulator drives signer.Handler (the token endpoint)
// and posts its JSON token to the emulator, as a browser page would.
func TestSignerHandlerToEmulator(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	h := &signer.Handler{
		Signer: &signer.Signer{
			Credentials: signer.StaticCredentials{AccessKeyID: testKey.ID, AccessKeySecret: testKey.Secret},
			Bucket:      "examplebucket", Region: "cn-hangzhou", Endpoint: srv.URL, Now: clock(t0),
		},
		Upload: func(*http.Request) (signer.Upload, error) {
			return signer.Upload{KeyPrefix: "uploads/", MaxSize: 100, SuccessActionStatus: 201}, nil
		},
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	var tok signer.Token
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := postForm(t, tok.Host, tokenParts(&tok, tok.Dir+"a.txt", file("a.txt", "text/plain", "hi")))
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if _, ok := srv.Object("uploads/a.txt"); !ok {
		t.Error("not stored")
	}
}
