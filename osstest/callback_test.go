package osstest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/verify"
)

// uploadWithCallback uploads content to key with the callback p and the
// given extra fields, signed V1 with a policy that allows anything under
// user/eric/.
func uploadWithCallback(t *testing.T, srv *osstest.Server, key, content string, p callback.Params, extra ...part) result {
	t.Helper()
	parts := join(v1Auth(t, testKey, basePolicy()), []part{field("callback", mustEncodeCB(t, p))}, extra,
		[]part{field("key", key), file("f.txt", "text/plain", content)})
	return postForm(t, srv.URL, parts)
}

func newServer(t testing.TB, cfg osstest.Config) *osstest.Server {
	t.Helper()
	if cfg.AccessKeys == nil {
		cfg.AccessKeys = []osstest.AccessKey{testKey}
	}
	if cfg.Now == nil {
		cfg.Now = clock(t0)
	}
	srv, err := osstest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestCallbackVerified runs the whole callback exchange of docs/PROTOCOL.md:
// the app verifies the emulator's callback with callback.Handler and the
// emulator's KeyFetcher, and the uploader receives the app's JSON.
func TestCallbackVerified(t *testing.T) {
	for _, bodyType := range []string{callback.BodyTypeForm, callback.BodyTypeJSON} {
		t.Run(bodyType, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			events := make(chan *callback.Event, 1)
			app := httptest.NewServer((&callback.Verifier{Keys: srv.KeyFetcher(), AllowUnbound: true}).Handler(func(_ context.Context, ev *callback.Event) (any, error) {
				events <- ev
				return map[string]any{"ok": true, "object": ev.Object}, nil
			}))
			defer app.Close()

			vars := append(callbackwire.SystemVars(), "x:uid", "x:note")
			body := callback.FormBody(vars...)
			if bodyType == callback.BodyTypeJSON {
				body = callback.JSONBody(vars...)
			}
			p := callback.Params{URL: app.URL + "/cb/%E4%B8%AD?id=1&index=2", Body: body, BodyType: bodyType}
			r := uploadWithCallback(t, srv, "user/eric/a b+c.txt", "hello", p,
				field("x:uid", "42"), field("x:note", `quote " & amp / 中`), field("success_action_status", "201"))
			checkCommonHeaders(t, r)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got, want := string(r.body), `{"object":"user/eric/a b+c.txt","ok":true}`; got != want {
				t.Errorf("body = %s, want %s", got, want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if r.header.Get("ETag") != `"5D41402ABC4B2A76B9719D911017C592"` || r.header.Get("Content-MD5") != "XUFAKrxLKna5cZ2REBfFkg==" {
				t.Errorf("upload headers missing: %v", r.header)
			}
			ev := <-events
			obj, ok := srv.Object("user/eric/a b+c.txt")
			if !ok {
				t.Fatal("not stored")
			}
			want := &callback.Event{
				Bucket: "examplebucket", Object: "user/eric/a b+c.txt", ETag: "5D41402ABC4B2A76B9719D911017C592", Size: 5,
				MimeType: "text/plain", CRC64: obj.CRC64, ContentMD5: "XUFAKrxLKna5cZ2REBfFkg==", ClientIP: "127.0.0.1",
				ReqID: r.header.Get("x-oss-request-id"), Operation: "PostObject",
				Vars: map[string]string{"x:uid": "42", "x:note": `quote " & amp / 中`},
			}
			// Only the fields filled from the body are compared: Raw repeats
			// them, and fields the callback package derives from the request
			// (such as the URL's query) are its own tests' business.
			fromRequest := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Query" }, cmp.Ignore())
			if diff := cmp.Diff(want, ev, cmpopts.IgnoreFields(callback.Event{}, "Raw"), fromRequest); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}

			recs := srv.Callbacks()
			if len(recs) != 1 {
				t.Fatalf("%d callback records", len(recs))
			}
			rec := recs[0]
			if rec.Err != nil || rec.Status != 200 {
				t.Errorf("record: status %d, err %v", rec.Status, rec.Err)
			}
			checkCallbackHeaders(t, srv, rec, bodyType, r.header.Get("x-oss-request-id"))

			// The signature also verifies by hand over the string to sign of
			// docs/PROTOCOL.md#callback-signature, with the key served at the
			// advertised URL.
			pub := fetchPublicKey(t, keyURL(srv))
			sig, _ := base64.StdEncoding.DecodeString(rec.Header.Get("Authorization"))
			toSign := append([]byte("/cb/中?id=1&index=2\n"), rec.Body...)
			if err := verify.VerifyPKCS1v15MD5(pub, toSign, sig); err != nil {
				t.Errorf("signature over %q: %v", toSign, err)
			}
		})
	}
}

// keyURL is where a Server serves its callback public key, the URL its
// callbacks advertise in x-oss-pub-key-url.
func keyURL(srv *osstest.Server) string { return srv.URL + "/__osstest__/callback_pub_key_v1.pem" }

// publicKey is the key a Server signs callbacks with, through its own
// KeyFetcher.
func publicKey(t *testing.T, srv *osstest.Server) *rsa.PublicKey {
	t.Helper()
	pub, err := srv.KeyFetcher().FetchKey(context.Background(), keyURL(srv))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func checkCallbackHeaders(t *testing.T, srv *osstest.Server, rec osstest.CallbackRecord, bodyType, reqID string) {
	t.Helper()
	sum := md5.Sum(rec.Body)
	advertised, _ := base64.StdEncoding.DecodeString(rec.Header.Get("x-oss-pub-key-url"))
	if string(advertised) != keyURL(srv) {
		t.Errorf("x-oss-pub-key-url = %q, want %q", advertised, keyURL(srv))
	}
	want := map[string]string{
		"Content-MD5":             base64.StdEncoding.EncodeToString(sum[:]),
		"Content-Type":            bodyType,
		"Date":                    t0.Format(http.TimeFormat),
		"User-Agent":              "aliyun-oss-callback",
		"X-Oss-Bucket":            "examplebucket",
		"X-Oss-Request-Id":        reqID,
		"X-Oss-Signature-Version": "1.0",
		"X-Oss-Tag":               "CALLBACK",
	}
	for k, v := range want {
		if got := rec.Header.Get(k); got != v {
			t.Errorf("callback header %s = %q, want %q", k, got, v)
		}
	}
	if rec.Header.Get("Authorization") == "" || rec.Header.Get("X-Oss-Requester") == "" {
		t.Errorf("Authorization or x-oss-requester missing: %v", rec.Header)
	}
	if strings.HasPrefix(rec.Header.Get("Authorization"), "OSS ") {
		t.Error("Authorization has an OSS prefix; OSS sends bare Base64 (docs/PROTOCOL.md#callback-request)")
	}
}

func fetchPublicKey(t *testing.T, u string) *rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	pub, err := verify.ParsePublicKeyPEM(b)
	if err != nil {
		t.Fatalf("GET %s: %d %q: %v", u, resp.StatusCode, b, err)
	}
	return pub
}

// TestCallbackWire checks what the app server receives on the wire: the
// Host (callbackHost), the path and query exactly as in callbackUrl, the
// body, and that the request verifies with callback.Verify.
func TestCallbackWire(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	type got struct {
		host, uri, conn string
		body            []byte
		err             error
	}
	ch := make(chan got, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := callback.Verify(r, srv.KeyFetcher())
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Host, r.RequestURI, r.Header.Get("Connection"), b, err}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Status":"OK"}`))
	}))
	defer app.Close()
	u, _ := url.Parse(app.URL)
	// The scheme may be omitted (docs/PROTOCOL.md#callback-parameter).
	p := callback.Params{URL: u.Host + "/a%2Fb/c?x=%41&y", Host: "callback.example.com", Body: "object=${object}&size=${size}&mime=${mimeType}"}
	r := uploadWithCallback(t, srv, "user/eric/dir/a&b=c.txt", "12345", p)
	if r.status != 200 || string(r.body) != `{"Status":"OK"}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
	g := <-ch
	if g.err != nil {
		t.Errorf("callback.Verify: %v", g.err)
	}
	if g.host != "callback.example.com" {
		t.Errorf("Host = %q, want callbackHost", g.host)
	}
	if g.uri != "/a%2Fb/c?x=%41&y" {
		t.Errorf("request URI = %q", g.uri)
	}
	if g.conn != "close" {
		t.Errorf("Connection = %q", g.conn)
	}
	if want := "object=user%2Feric%2Fdir%2Fa%26b%3Dc.txt&size=5&mime=text%2Fplain"; string(g.body) != want {
		t.Errorf("body = %s, want %s", g.body, want)
	}
}

// TestCallbackKeyFetcher checks what the emulator's fetcher trusts.
func TestCallbackKeyFetcher(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	kf := srv.KeyFetcher()
	pub, err := kf.FetchKey(context.Background(), keyURL(srv))
	if err != nil || !pub.Equal(fetchPublicKey(t, keyURL(srv))) {
		t.Errorf("own URL: %v", err)
	}
	if pub.N.BitLen() != 512 {
		t.Errorf("default key has %d bits, want 512 like OSS's", pub.N.BitLen())
	}
	for _, u := range []string{verify.OSSKeyURL, "http://gosspublic.alicdn.com/callback_pub_key_v1.pem", srv.URL + "/other.pem", strings.Replace(keyURL(srv), "http:", "https:", 1)} {
		if _, err := kf.FetchKey(context.Background(), u); !errors.Is(err, verify.ErrUntrustedKeyURL) {
			t.Errorf("FetchKey(%s) = %v, want ErrUntrustedKeyURL", u, err)
		}
	}
	// OSS's own fetcher does not trust the emulator's key.
	other := newServer(t, osstest.Config{})
	if _, err := other.KeyFetcher().FetchKey(context.Background(), keyURL(srv)); !errors.Is(err, verify.ErrUntrustedKeyURL) {
		t.Errorf("another emulator trusts this one: %v", err)
	}
}

// TestCallbackFailures: the uploader gets 203 CallbackFailed with OSS's
// message (docs/PROTOCOL.md#callback-answer, #callback-outcome), the upload
// headers, and the object stays.
func TestCallbackFailures(t *testing.T) {
	release := make(chan struct{})
	redirectTarget := atomic.Int32{}
	handlers := map[string]http.HandlerFunc{
		"/500": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"/201": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201); w.Write([]byte(`{}`)) },
		"/redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/target", http.StatusMovedPermanently)
		},
		"/target": func(w http.ResponseWriter, r *http.Request) {
			redirectTarget.Add(1)
			w.Write([]byte(`{}`))
		},
		"/text": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("OK")) },
		"/bom":  func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\xef\xbb\xbf{\"a\":1}")) },
		"/empty": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
		},
		"/xml-as-json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("<a>1</a>"))
		},
		"/bad-xml": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.Write([]byte("<a>1</b>"))
		},
		"/chunked": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"a":`))
			w.(http.Flusher).Flush()
			w.Write([]byte(`1}`))
		},
		"/huge": func(w http.ResponseWriter, r *http.Request) {
			body := `{"a":"` + strings.Repeat("x", 1<<20) + `"}`
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write([]byte(body))
		},
		"/slow": func(w http.ResponseWriter, r *http.Request) {
			// Reading the body lets net/http notice the emulator
			// hanging up, which cancels r.Context().
			io.ReadAll(r.Body)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		},
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handlers[r.URL.Path](w, r) }))
	defer app.Close()
	defer close(release) // before app.Close, which waits for handlers
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	appHost := strings.TrimPrefix(app.URL, "http://")

	// Only /slow needs the short timeout: the others must not depend on
	// how fast a loaded machine (-race, two cores) answers in 200 ms.
	srv := newServer(t, osstest.Config{})
	slowSrv := newServer(t, osstest.Config{CallbackTimeout: 200 * time.Millisecond})
	tests := []struct {
		path, url, msg string
	}{
		{path: "/500", msg: "Error status : 500."},
		{path: "/201", msg: "Error status : 201."},
		{path: "/redirect", msg: "Error status : 301."},
		{path: "/text", msg: "Response body is not valid json format."},
		{path: "/bom", msg: "Response body is not valid json format."},
		{path: "/empty", msg: "Response body is not valid json format."},
		{path: "/xml-as-json", msg: "Response body is not valid json format."},
		{path: "/bad-xml", msg: "Response body is not valid json format."},
		{path: "/chunked", msg: "Response has no Content-Length header."},
		{path: "/huge", msg: "Response body is too large."},
		{path: "/slow", msg: "error status:-1 " + appHost + " reply timeout, cost:200 MS, timeout:200 MS"},
		{url: closedURL + "/cb", msg: "Error status : -1. OSS can not connect to your callbackUrl, please check it."},
	}
	for i, tc := range tests {
		name := tc.path
		if name == "" {
			name = "unreachable"
		}
		t.Run(name, func(t *testing.T) {
			u := tc.url
			if u == "" {
				u = app.URL + tc.path
			}
			key := fmt.Sprintf("user/eric/fail%d", i)
			srv := srv
			if tc.path == "/slow" {
				srv = slowSrv
			}
			n := len(srv.Callbacks())
			r := uploadWithCallback(t, srv, key, "hello", callback.Params{URL: u, Body: "object=${object}"})
			checkCommonHeaders(t, r)
			if r.status != 203 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			e := r.ossError(t)
			if e.Code != "CallbackFailed" || e.Message != tc.msg || e.EC != "0007-00000203" {
				t.Errorf("got %s %q EC %s, want CallbackFailed %q", e.Code, e.Message, e.EC, tc.msg)
			}
			if r.header.Get("ETag") != `"5D41402ABC4B2A76B9719D911017C592"` || r.header.Get("x-oss-hash-crc64ecma") == "" || r.header.Get("Content-MD5") == "" {
				t.Errorf("203 without upload headers: %v", r.header)
			}
			if data, err := readObject(srv, key); err != nil || string(data) != "hello" {
				t.Errorf("object after failed callback: %q, %v", data, err)
			}
			recs := srv.Callbacks()[n:]
			if len(recs) != 1 || recs[0].Err == nil || recs[0].Err.Error() != tc.msg {
				t.Errorf("records: %+v", recs)
			}
		})
	}
	if n := redirectTarget.Load(); n != 0 {
		t.Errorf("redirect was followed %d times", n)
	}
}

// TestCallbackURLs: up to five URLs are tried in order until one succeeds
// (docs/PROTOCOL.md#callback-outcome); the fault hook makes an attempt fail
// without sending.
func TestCallbackURLs(t *testing.T) {
	var hits []string
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-mu
		hits = append(hits, r.URL.Path)
		mu <- struct{}{}
		if strings.HasPrefix(r.URL.Path, "/ok") {
			w.Write([]byte(`{"from":"` + r.URL.Path + `"}`))
			return
		}
		w.WriteHeader(502)
	}))
	defer app.Close()
	errDown := errors.New("injected: network down")
	srv := newServer(t, osstest.Config{CallbackFault: func(u string) error {
		if strings.HasSuffix(u, "/down") {
			return errDown
		}
		return nil
	}})

	tests := []struct {
		name     string
		paths    []string
		status   int
		wantBody string
		wantHits []string
		wantMsgs []string
	}{
		{"first succeeds", []string{"/ok1", "/ok2"}, 200, `{"from":"/ok1"}`, []string{"/ok1"}, []string{""}},
		{"second succeeds", []string{"/bad", "/ok2"}, 200, `{"from":"/ok2"}`, []string{"/bad", "/ok2"}, []string{"Error status : 502.", ""}},
		{"fault then success", []string{"/down", "/ok3"}, 200, `{"from":"/ok3"}`, []string{"/ok3"},
			[]string{"Error status : -1. OSS can not connect to your callbackUrl, please check it.", ""}},
		{"all fail: the last message is reported", []string{"/bad1", "/bad2", "/bad3", "/bad4", "/down"}, 203, "",
			[]string{"/bad1", "/bad2", "/bad3", "/bad4"},
			[]string{"Error status : 502.", "Error status : 502.", "Error status : 502.", "Error status : 502.", "Error status : -1. OSS can not connect to your callbackUrl, please check it."}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			<-mu
			hits = nil
			mu <- struct{}{}
			var urls []string
			for _, p := range tc.paths {
				urls = append(urls, app.URL+p)
			}
			n := len(srv.Callbacks())
			r := uploadWithCallback(t, srv, fmt.Sprintf("user/eric/urls%d", i), "x", callback.Params{URL: strings.Join(urls, ";"), Body: "a=${object}"})
			if r.status != tc.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tc.status == 200 && string(r.body) != tc.wantBody {
				t.Errorf("body %s, want %s", r.body, tc.wantBody)
			}
			if tc.status == 203 {
				if e := r.ossError(t); e.Message != tc.wantMsgs[len(tc.wantMsgs)-1] {
					t.Errorf("message %q", e.Message)
				}
			}
			<-mu
			if diff := cmp.Diff(tc.wantHits, hits); diff != "" {
				t.Errorf("app hits (-want +got):\n%s", diff)
			}
			mu <- struct{}{}
			var msgs []string
			for _, rec := range srv.Callbacks()[n:] {
				m := ""
				if rec.Err != nil {
					m = rec.Err.Error()
				}
				msgs = append(msgs, m)
			}
			if diff := cmp.Diff(tc.wantMsgs, msgs); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
		})
	}
	recs := srv.Callbacks()
	var faulted *osstest.CallbackRecord
	for i := range recs {
		if strings.HasSuffix(recs[i].URL, "/down") {
			faulted = &recs[i]
		}
	}
	if faulted == nil || !errors.Is(faulted.Err, errDown) || faulted.Status != 0 {
		t.Errorf("faulted attempt: %+v", faulted)
	}

}

// TestCallbackXMLAnswer: S9z allows an XML answer declared as application/xml.
func TestCallbackXMLAnswer(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(`<Result><Status>OK</Status></Result>`))
	}))
	defer app.Close()
	srv := newServer(t, osstest.Config{})
	r := uploadWithCallback(t, srv, "user/eric/xml", "x", callback.Params{URL: app.URL, Body: "a=1"})
	if r.status != 200 || string(r.body) != `<Result><Status>OK</Status></Result>` || r.header.Get("Content-Type") != "application/xml" {
		t.Errorf("%d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// TestCallbackImageInfo: imageInfo.* describe PNG uploads.
func TestCallbackImageInfo(t *testing.T) {
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 7, 3))); err != nil {
		t.Fatal(err)
	}
	bodies := make(chan string, 2)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
		w.Write([]byte(`{}`))
	}))
	defer app.Close()
	srv := newServer(t, osstest.Config{})
	p := callback.Params{URL: app.URL, Body: callback.FormBody("imageInfo.height", "imageInfo.width", "imageInfo.format")}
	if r := uploadWithCallback(t, srv, "user/eric/i.png", img.String(), p); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got, want := <-bodies, "imageInfo.height=3&imageInfo.width=7&imageInfo.format=PNG"; got != want {
		t.Errorf("png: %s, want %s", got, want)
	}
	if r := uploadWithCallback(t, srv, "user/eric/t.txt", "not an image", p); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got, want := <-bodies, "imageInfo.height=&imageInfo.width=&imageInfo.format="; got != want {
		t.Errorf("text: %s, want %s", got, want)
	}
}

// TestCallbackKeySizes: larger generated keys sign verifiable callbacks
// too (with crypto/rsa as a second, independent verifier).
func TestCallbackKeySizes(t *testing.T) {
	for _, bits := range []int{512, 1024, 2048} {
		t.Run(strconv.Itoa(bits), func(t *testing.T) {
			srv := newServer(t, osstest.Config{CallbackKeyBits: bits})
			if got := publicKey(t, srv).N.BitLen(); got != bits {
				t.Fatalf("key has %d bits", got)
			}
			verified := make(chan error, 1)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				verified <- callback.Verify(r, srv.KeyFetcher())
				w.Write([]byte(`{}`))
			}))
			defer app.Close()
			if r := uploadWithCallback(t, srv, "user/eric/k", "x", callback.Params{URL: app.URL + "/p?q=1", Body: "a=${object}"}); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if err := <-verified; err != nil {
				t.Errorf("callback.Verify: %v", err)
			}
			if bits >= 1024 {
				rec := srv.Callbacks()[0]
				sig, _ := base64.StdEncoding.DecodeString(rec.Header.Get("Authorization"))
				sum := md5.Sum(append([]byte("/p?q=1\n"), rec.Body...))
				if err := rsa.VerifyPKCS1v15(publicKey(t, srv), crypto.MD5, sum[:], sig); err != nil {
					t.Errorf("crypto/rsa: %v", err)
				}
			}
		})
	}
}

// TestBareEmulatorKeyURL: an Emulator mounted by the caller derives its
// key URL from the upload's Host, serves the key there, and trusts it.
func TestBareEmulatorKeyURL(t *testing.T) {
	emu, err := osstest.New(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", emu)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	verified := make(chan error, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verified <- callback.Verify(r, emu.KeyFetcher())
		w.Write([]byte(`{}`))
	}))
	defer app.Close()
	parts := join(v1Auth(t, testKey, basePolicy()), []part{field("callback", mustEncodeCB(t, callback.Params{URL: app.URL, Body: "a=1"})),
		field("key", "user/eric/bare"), file("f", "", "x")})
	if r := postForm(t, ts.URL, parts); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if err := <-verified; err != nil {
		t.Errorf("callback.Verify: %v", err)
	}
	u, _ := base64.StdEncoding.DecodeString(emu.Callbacks()[0].Header.Get("x-oss-pub-key-url"))
	if want := ts.URL + "/__osstest__/callback_pub_key_v1.pem"; string(u) != want {
		t.Errorf("key URL %q, want %q", u, want)
	}
	if pub, err := emu.KeyFetcher().FetchKey(context.Background(), string(u)); err != nil || !fetchPublicKey(t, string(u)).Equal(pub) {
		t.Errorf("served key differs from the trusted one (%v)", err)
	}

	// A configured URL is used verbatim.
	emu2, err := osstest.New(osstest.Config{PublicKeyURL: "https://keys.example/cb.pem"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu2.KeyFetcher().FetchKey(context.Background(), "https://keys.example/cb.pem"); err != nil {
		t.Errorf("configured URL not trusted: %v", err)
	}
}
