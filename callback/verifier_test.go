package callback_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		v     *callback.Verifier
		field string // named in the error; "" means valid
	}{
		{"bound", &callback.Verifier{BindingSecret: testSecret}, ""},
		{"unbound on purpose", &callback.Verifier{AllowUnbound: true}, ""},
		{"proxy prefix", &callback.Verifier{BindingSecret: testSecret, StrippedPrefix: "/api", PrefixHeader: "X-Forwarded-Prefix"}, ""},
		{"nil", nil, "nil"},
		{"zero value", &callback.Verifier{}, "BindingSecret"},
		{"secret from an unset variable", &callback.Verifier{BindingSecret: []byte(os.Getenv("OSSDIRECT_TEST_UNSET_SECRET"))}, "BindingSecret"},
		{"short secret", &callback.Verifier{BindingSecret: []byte("short")}, "BindingSecret"},
		{"secret and AllowUnbound", &callback.Verifier{BindingSecret: testSecret, AllowUnbound: true}, "AllowUnbound"},
		{"prefix without slash", &callback.Verifier{BindingSecret: testSecret, StrippedPrefix: "api"}, "StrippedPrefix"},
		{"prefix with trailing slash", &callback.Verifier{BindingSecret: testSecret, StrippedPrefix: "/api/"}, "StrippedPrefix"},
		{"prefix header not a name", &callback.Verifier{BindingSecret: testSecret, PrefixHeader: "X Prefix"}, "PrefixHeader"},
		{"negative body cap", &callback.Verifier{BindingSecret: testSecret, MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"empty static keys", &callback.Verifier{BindingSecret: testSecret, Keys: verifyStaticKeys(nil)}, "Keys"},
		{"nil static key", &callback.Verifier{BindingSecret: testSecret, Keys: verifyStaticKeys(map[string]bool{"https://gosspublic.alicdn.com/callback_pub_key_v1.pem": false})}, "Keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, callback.ErrConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want ErrConfig naming %s", err, tt.field)
			}
			if got := callback.HTTPStatus(err); got != http.StatusInternalServerError {
				t.Errorf("HTTPStatus = %d, want 500", got)
			}
		})
	}
}

// TestMisconfiguredVerifierAnswers500AndLogs: a Verifier that fails
// Validate refuses a genuine callback as a server fault, logs why at
// error level, and tells OSS nothing of it.
func TestMisconfiguredVerifierAnswers500AndLogs(t *testing.T) {
	form, _, _ := callbacks(t)
	logs := &logRecorder{}
	v := &callback.Verifier{BindingSecret: []byte(os.Getenv("OSSDIRECT_TEST_UNSET_SECRET")), Keys: form.keys, Logger: logs.logger()}
	called := false
	h := v.Handler(func(context.Context, *callback.Event) (any, error) { called = true; return nil, nil })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, form.request())
	if w.Code != http.StatusInternalServerError || called {
		t.Fatalf("status %d (fn called: %v), want 500", w.Code, called)
	}
	if strings.Contains(w.Body.String(), "BindingSecret") {
		t.Errorf("the reason reached the caller: %s", w.Body)
	}
	var line struct{ Level, Msg, Reason string }
	if err := json.Unmarshal([]byte(logs.String()), &line); err != nil {
		t.Fatalf("log %q: %v", logs, err)
	}
	if line.Level != "ERROR" || !strings.Contains(line.Reason, "BindingSecret") {
		t.Errorf("log line %+v, want an ERROR naming BindingSecret", line)
	}
}

// TestEveryRefusalIsLogged: VerifyEvent (the README's middleware path) logs
// a refusal with its reason even when the application logs nothing.
func TestEveryRefusalIsLogged(t *testing.T) {
	form, _, _ := callbacks(t)
	for _, tt := range []struct {
		name   string
		mutate func(r *http.Request)
		reason string
	}{
		{"no signature", func(r *http.Request) { r.Header.Del("Authorization") }, "Authorization"},
		{"bad signature", func(r *http.Request) {
			r.Header.Set("Authorization", base64.StdEncoding.EncodeToString(make([]byte, 64)))
		}, "wrong-key"},
		{"not a POST body", func(r *http.Request) { r.Body = nil }, "nil"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecorder{}
			v := &callback.Verifier{BindingSecret: testSecret, Keys: form.keys, Logger: logs.logger()}
			r := form.request()
			tt.mutate(r)
			if _, err := v.VerifyEvent(r); err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(logs.String(), "OSS callback refused") || !strings.Contains(logs.String(), tt.reason) {
				t.Errorf("log %q lacks the refusal or %q", logs, tt.reason)
			}
		})
	}
}

func TestNilInputs(t *testing.T) {
	v := &callback.Verifier{BindingSecret: testSecret, Logger: discardLogger}
	if err := callback.Verify(nil, nil); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("Verify(nil, nil) = %v", err)
	}
	if _, err := v.VerifyEvent(nil); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("VerifyEvent(nil) = %v", err)
	}
	var nilV *callback.Verifier
	if _, err := nilV.VerifyEvent(httptest.NewRequest("POST", "/cb", nil)); !errors.Is(err, callback.ErrConfig) {
		t.Errorf("nil Verifier: %v", err)
	}
	w := httptest.NewRecorder()
	nilV.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }).ServeHTTP(w, httptest.NewRequest("POST", "/cb", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("nil Verifier's Handler answered %d", w.Code)
	}

	form, _, _ := callbacks(t)
	r := form.request()
	r.Body = nil
	if err := callback.Verify(r, form.keys); !errors.Is(err, callback.ErrBodyRead) {
		t.Errorf("nil Body: %v", err)
	}
	r = form.request()
	r.RequestURI, r.URL = "", nil
	if err := callback.Verify(r, form.keys); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("nil URL: %v", err)
	}
	r = form.request()
	r.Header = nil
	if err := callback.Verify(r, form.keys); !errors.Is(err, callback.ErrMissingSignature) {
		t.Errorf("nil Header: %v", err)
	}
	ev, err := callback.ParseEvent("", []byte("bucket=b"))
	if err != nil || ev.Query == nil {
		t.Errorf("ParseEvent: %v, Query %v", err, ev.Query)
	}
}

// TestUnboundForgeryRefused is the attack the README warns about, through
// the README's own code: OSS signs every account's callbacks with one key,
// so another account can make OSS call this app's URL with ?uid=victim. The
// bare signature check accepts it; the Verifier refuses it.
func TestUnboundForgeryRefused(t *testing.T) {
	var got []error
	logs := &logRecorder{}
	v := &callback.Verifier{BindingSecret: testSecret, Logger: logs.logger()}
	var bare []error
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bare = append(bare, callback.Verify(r, v.Keys))
		_, err := v.VerifyEvent(r)
		got = append(got, err)
		w.WriteHeader(callback.HTTPStatus(err))
	}))
	defer app.Close()
	// The attacker's own bucket; the emulator's key stands for OSS's.
	evil, err := osstest.NewServer(osstest.Config{Bucket: "attackerbucket"})
	if err != nil {
		t.Fatal(err)
	}
	defer evil.Close()
	v.Keys = evil.KeyFetcher()

	cb := callback.Params{URL: app.URL + "/oss/callback?uid=victim", Body: callback.FormBody(callback.VarObject, "x:uid")}
	// 1. No binding at all: a hand-made policy, as any OSS client makes.
	enc, err := cb.Encode()
	if err != nil {
		t.Fatal(err)
	}
	k := evil.AccessKey()
	pol, err := policy.New(time.Now().Add(time.Minute), policy.Bucket("attackerbucket"), policy.AnyKey(),
		policy.ContentLengthRange(0, 100), policy.Callback(enc)).Encode()
	if err != nil {
		t.Fatal(err)
	}
	unbound := &signer.Token{Host: evil.URL, Fields: map[string]string{
		"OSSAccessKeyId": k.ID, "policy": pol, "Signature": signer.SignV1(k.Secret, pol), "callback": enc, "x:uid": "victim"}}
	// 2. Bound by the attacker's own Signer, with a secret of theirs.
	s := evil.Signer()
	s.CallbackSecret = []byte("the attacker's own secret, 32 bytes")
	wrongSecret, err := s.Sign(context.Background(), signer.Upload{AllowAnyKey: true, MaxSize: 100, Callback: &cb,
		CallbackVars: map[string]string{"x:uid": "victim"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []*signer.Token{unbound, wrongSecret} {
		postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, Key: "x", FileName: "x", Body: strings.NewReader("forged")})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := evil.Client().Do(postReq)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 203 {
			t.Errorf("upload answered %d, want 203 CallbackFailed", resp.StatusCode)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d callbacks reached the app, want 2", len(got))
	}
	for i, err := range got {
		if bare[i] != nil {
			t.Errorf("callback %d: the bare signature check refused it (%v); the forgery must be signed by OSS's key to be the attack", i, bare[i])
		}
		if !errors.Is(err, callback.ErrUnbound) {
			t.Errorf("callback %d: %v, want ErrUnbound", i, err)
		}
	}
	if strings.Count(logs.String(), "OSS callback refused") != 2 {
		t.Errorf("log: %s", logs)
	}
}

// TestLifetimeWrittenOnce: the binding's expiry follows the token's own
// expiry plus the Signer's CallbackMargin, on the Signer's clock; the
// application states the lifetime once, in Upload.Expires.
func TestLifetimeWrittenOnce(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: "id", AccessKeySecret: "secret"},
		Bucket:      "b", Region: "cn-hangzhou",
		CallbackSecret: testSecret, CallbackMargin: 90 * time.Second,
		Now: func() time.Time { return now },
	}
	tok, err := s.Sign(context.Background(), signer.Upload{KeyPrefix: "u/", MaxSize: 10, Expires: 2 * time.Minute,
		Callback: &callback.Params{URL: "https://app.example.com/cb?uid=7", Body: callback.FormBody(callback.VarObject)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(2 * time.Minute).Unix(); tok.Expire != want {
		t.Fatalf("token expires %d, want %d", tok.Expire, want)
	}
	raw, err := base64.StdEncoding.DecodeString(tok.Fields["callback"])
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ CallbackUrl string }
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.CallbackUrl)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Query().Get(callback.BindingExpiresParam), itoa(tok.Expire+90); got != want {
		t.Errorf("binding expires %s, want token expiry + margin %s", got, want)
	}
	want, err := callback.BindURLUntil(testSecret, "https://app.example.com/cb?uid=7", time.Unix(tok.Expire+90, 0))
	if err != nil {
		t.Fatal(err)
	}
	if p.CallbackUrl != want {
		t.Errorf("callback URL %s, want %s", p.CallbackUrl, want)
	}

	// The default margin.
	s.CallbackMargin = 0
	tok, err = s.Sign(context.Background(), signer.Upload{KeyPrefix: "u/", MaxSize: 10,
		Callback: &callback.Params{URL: "https://app.example.com/cb", Body: callback.FormBody(callback.VarObject)}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = base64.StdEncoding.DecodeString(tok.Fields["callback"])
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(p.CallbackUrl)
	if got, want := u.Query().Get(callback.BindingExpiresParam), itoa(tok.Expire+int64(signer.DefaultCallbackMargin/time.Second)); got != want {
		t.Errorf("default margin: binding expires %s, want %s", got, want)
	}
}

// TestBehindReverseProxy puts a prefix-stripping httputil.ReverseProxy in
// front of the app, as nginx's "location /api/ { proxy_pass http://app/; }"
// does: callbacks pass with StrippedPrefix set and fail, with the cause
// named in the log, without it.
func TestBehindReverseProxy(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prefix string
		status int
	}{
		{"StrippedPrefix set", "/api", http.StatusOK},
		{"StrippedPrefix unset", "", 203},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecorder{}
			srv, err := osstest.NewServer(osstest.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			v := &callback.Verifier{BindingSecret: testSecret, Keys: srv.KeyFetcher(), StrippedPrefix: tt.prefix, Logger: logs.logger()}
			mux := http.NewServeMux()
			mux.Handle("POST /oss/callback", v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
				return map[string]string{"uid": ev.Query.Get("uid"), "object": ev.Object}, nil
			}))
			app := httptest.NewServer(mux)
			defer app.Close()
			appURL, _ := url.Parse(app.URL)
			proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(appURL)
				pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/api")
				pr.Out.URL.RawPath = ""
				pr.Out.Header.Set("X-Forwarded-Prefix", "/api")
			}})
			defer proxy.Close()

			s := srv.Signer()
			s.CallbackSecret = testSecret
			tok, err := s.Sign(context.Background(), signer.Upload{KeyPrefix: "u/42/", MaxSize: 100,
				Callback: &callback.Params{URL: proxy.URL + "/api/oss/callback?uid=42", Body: callback.FormBody(callback.VarObject)}})
			if err != nil {
				t.Fatal(err)
			}
			postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, FileName: "a.txt", Body: strings.NewReader("hi")})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(postReq)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("upload answered %d %s, want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == http.StatusOK {
				if want := `{"object":"u/42/a.txt","uid":"42"}`; string(body) != want {
					t.Errorf("answer %s, want %s", body, want)
				}
				return
			}
			if !strings.Contains(logs.String(), string(callback.CausePrefixStripped)) || !strings.Contains(logs.String(), `StrippedPrefix to \"/api\"`) {
				t.Errorf("log does not explain the stripped prefix: %s", logs)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// verifyStaticKeys builds a verify.StaticKeys for Validate's table: the
// URLs of trusted, each with OSS's key when true and a nil key when false.
func verifyStaticKeys(trusted map[string]bool) verify.StaticKeys {
	sk := verify.StaticKeys{}
	for u, ok := range trusted {
		if ok {
			sk[u] = verify.OSSPublicKey()
		} else {
			sk[u] = nil
		}
	}
	return sk
}
