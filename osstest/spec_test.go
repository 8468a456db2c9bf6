package osstest_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

// This file walks docs/PROTOCOL.md line by line where the other tests leave
// a documented behaviour uncovered.

// TestPolicySeesRawKey: conditions are evaluated on the key as sent, before
// ${filename} is expanded (docs/PROTOCOL.md#object-key).
func TestPolicySeesRawKey(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	exp := t0.Add(time.Hour)
	tests := []struct {
		name       string
		cond       policy.Condition
		key        string
		filename   string
		wantStatus int
		wantKey    string // stored key, for successes
		wantMsg    string // error message, for failures
	}{
		{name: "eq on the literal ${filename} passes", cond: policy.Key("user/eric/${filename}"), key: "user/eric/${filename}", filename: "photo.png",
			wantStatus: 204, wantKey: "user/eric/photo.png"},
		{name: "eq on the expanded name fails", cond: policy.Key("user/eric/photo2.png"), key: "user/eric/${filename}", filename: "photo2.png",
			wantStatus: 403, wantMsg: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "user/eric/photo2.png"]`},
		{name: "starts-with cannot see into ${filename}", cond: policy.KeyPrefix("user/eric/ph"), key: "user/eric/${filename}", filename: "photo3.png",
			wantStatus: 403, wantMsg: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/ph"]`},
		{name: "raw UTF-8 filename", cond: policy.KeyPrefix("user/eric/"), key: "user/eric/${filename}", filename: "中文 名.txt",
			wantStatus: 204, wantKey: "user/eric/中文 名.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := join(v1Auth(t, testKey, policy.New(exp, tc.cond)), []part{field("key", tc.key), file(tc.filename, "text/plain", "abc")})
			r := postForm(t, srv.URL, parts)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if tc.wantStatus != 204 {
				if e := r.ossError(t); e.Code != "AccessDenied" || e.Message != tc.wantMsg {
					t.Errorf("got %s %q, want AccessDenied %q", e.Code, e.Message, tc.wantMsg)
				}
				return
			}
			if b, err := readObject(srv, tc.wantKey); err != nil || string(b) != "abc" {
				t.Errorf("object %q: %q, %v; have %v", tc.wantKey, b, err, srv.Objects())
			}
		})
	}
}

// TestObjectSettingValues: every documented x-oss-object-acl and
// x-oss-server-side-encryption value is accepted, the encryption is echoed in
// the response, and x-oss-forbid-overwrite other than "true" does not forbid
// (docs/PROTOCOL.md#form-fields, #success-response). The ACL may also come as
// an HTTP header, and the form field wins.
func TestObjectSettingValues(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	if r := postForm(t, srv.URL, join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/exists"), file("a", "", "old")})); r.status != 204 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	tests := []struct {
		name    string
		fields  []part
		header  map[string]string
		key     string
		wantACL string
		wantSSE string
	}{
		{name: "acl default", fields: []part{field("x-oss-object-acl", "default")}, key: "user/eric/acl1", wantACL: "default"},
		{name: "acl private", fields: []part{field("x-oss-object-acl", "private")}, key: "user/eric/acl2", wantACL: "private"},
		{name: "acl public-read", fields: []part{field("x-oss-object-acl", "public-read")}, key: "user/eric/acl3", wantACL: "public-read"},
		{name: "acl public-read-write", fields: []part{field("x-oss-object-acl", "public-read-write")}, key: "user/eric/acl4", wantACL: "public-read-write"},
		{name: "acl as an HTTP header", header: map[string]string{"x-oss-object-acl": "public-read"}, key: "user/eric/acl5", wantACL: "public-read"},
		{name: "acl field wins over the header", fields: []part{field("x-oss-object-acl", "private")}, header: map[string]string{"x-oss-object-acl": "public-read"},
			key: "user/eric/acl6", wantACL: "private"},
		{name: "sse AES256", fields: []part{field("x-oss-server-side-encryption", "AES256")}, key: "user/eric/sse1", wantACL: "default", wantSSE: "AES256"},
		{name: "sse KMS", fields: []part{field("x-oss-server-side-encryption", "KMS")}, key: "user/eric/sse2", wantACL: "default", wantSSE: "KMS"},
		{name: "sse SM4", fields: []part{field("x-oss-server-side-encryption", "SM4")}, key: "user/eric/sse3", wantACL: "default", wantSSE: "SM4"},
		{name: "forbid-overwrite false overwrites", fields: []part{field("x-oss-forbid-overwrite", "false")}, key: "user/eric/exists", wantACL: "default"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, ct := encodeForm(t, join(v1Auth(t, testKey, basePolicy()), tc.fields, []part{field("key", tc.key), file("a.txt", "text/plain", "new")}))
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(raw))
			req.Header.Set("Content-Type", ct)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			r := do(t, nil, req)
			if r.status != 204 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := r.header.Get("x-oss-server-side-encryption"); got != tc.wantSSE {
				t.Errorf("x-oss-server-side-encryption = %q, want %q", got, tc.wantSSE)
			}
			obj, ok := srv.Object(tc.key)
			if !ok {
				t.Fatal("not stored")
			}
			if obj.ACL != tc.wantACL || obj.ServerSideEncryption != tc.wantSSE {
				t.Errorf("ACL %q, SSE %q; want %q, %q", obj.ACL, obj.ServerSideEncryption, tc.wantACL, tc.wantSSE)
			}
			if b, _ := readObject(srv, tc.key); string(b) != "new" {
				t.Errorf("content %q", b)
			}
		})
	}
}

// TestLocationFollowsRequest: the 201 body's Location uses the scheme and
// Host the upload arrived with (docs/PROTOCOL.md#success-response).
func TestLocationFollowsRequest(t *testing.T) {
	emu, err := osstest.New(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(emu)
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(emu)
	defer tlsSrv.Close()
	tests := []struct {
		name, url, host string
		client          *http.Client
		want            string
	}{
		{"http on a bare host", plain.URL, "", plain.Client(), plain.URL + "/user/eric/l%C3%B6c%20a.txt"},
		{"https on a bare host", tlsSrv.URL, "", tlsSrv.Client(), tlsSrv.URL + "/user/eric/l%C3%B6c%20a.txt"},
		{"https on a virtual host", tlsSrv.URL, "examplebucket.oss-cn-hangzhou.aliyuncs.com", tlsSrv.Client(),
			"https://examplebucket.oss-cn-hangzhou.aliyuncs.com/user/eric/l%C3%B6c%20a.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, ct := encodeForm(t, join(v1Auth(t, testKey, basePolicy()), []part{field("success_action_status", "201"),
				field("key", "user/eric/löc a.txt"), file("a", "", "x")}))
			req, _ := http.NewRequest(http.MethodPost, tc.url+"/", bytes.NewReader(raw))
			req.Header.Set("Content-Type", ct)
			if tc.host != "" {
				req.Host = tc.host
			}
			r := do(t, tc.client, req)
			if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			loc := regexp.MustCompile(`<Location>([^<]*)</Location>`).FindSubmatch(r.body)
			if loc == nil || string(loc[1]) != tc.want {
				t.Errorf("body %s, want Location %s", r.body, tc.want)
			}
		})
	}
}

// wireRequest is a callback request as the app server received it.
type wireRequest struct {
	host   string
	header http.Header
	body   []byte
}

// recordingApp answers every callback with answer and passes what it
// received to the returned channel.
func recordingApp(t *testing.T, answer string) (*httptest.Server, <-chan wireRequest) {
	t.Helper()
	ch := make(chan wireRequest, 8)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- wireRequest{host: r.Host, header: r.Header.Clone(), body: b}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	}))
	t.Cleanup(app.Close)
	return app, ch
}

// TestCallbackWireHeaders: the app server receives exactly the header set of
// docs/PROTOCOL.md#callback-request (plus Content-Length, which the old
// examples show), and nothing else: no x-oss-owner, no
// x-oss-additional-headers, and no Accept-Encoding, whichever client sends
// the callbacks.
func TestCallbackWireHeaders(t *testing.T) {
	want := []string{
		"Authorization", "Connection", "Content-Length", "Content-Md5", "Content-Type", "Date", "User-Agent",
		"X-Oss-Bucket", "X-Oss-Pub-Key-Url", "X-Oss-Request-Id", "X-Oss-Requester", "X-Oss-Signature-Version", "X-Oss-Tag",
	}
	tests := []struct {
		name     string
		bodyType string
		client   *http.Client
	}{
		{"form body, default client", callback.BodyTypeForm, nil},
		{"JSON body, default client", callback.BodyTypeJSON, nil},
		{"client with nil Transport", callback.BodyTypeForm, &http.Client{}},
		{"client with its own Transport", callback.BodyTypeForm, &http.Client{Transport: &http.Transport{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, osstest.Config{CallbackClient: tc.client})
			app, got := recordingApp(t, `{"Status":"OK"}`)
			body := "object=${object}"
			if tc.bodyType == callback.BodyTypeJSON {
				body = `{"object":${object}}`
			}
			r := uploadWithCallback(t, srv, "user/eric/h.txt", "hello", callback.Params{URL: app.URL + "/cb", Body: body, BodyType: tc.bodyType})
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			req := <-got
			var names []string
			for k := range req.header {
				names = append(names, k)
			}
			sort.Strings(names)
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("callback header names (-want +got):\n%s", diff)
			}
			for k, v := range map[string]string{"Connection": "close", "User-Agent": "aliyun-oss-callback", "Content-Type": tc.bodyType,
				"Content-Length": fmt.Sprint(len(req.body)), "X-Oss-Tag": "CALLBACK", "X-Oss-Signature-Version": "1.0"} {
				if req.header.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, req.header.Get(k), v)
				}
			}
		})
	}
}

// TestCallbackGzipApp: an app behind a compressing middleware answers OSS
// uncompressed, with a Content-Length, because OSS does not ask for gzip;
// the emulator must not ask either (docs/PROTOCOL.md#callback-request,
// #callback-answer).
func TestCallbackGzipApp(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			// What a compression middleware does: gzip, chunked, no length.
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			w.Write(gzipped(t, `{"Status":"OK"}`))
			return
		}
		w.Write([]byte(`{"Status":"OK"}`))
	}))
	defer app.Close()
	r := uploadWithCallback(t, srv, "user/eric/gz.txt", "hello", callback.Params{URL: app.URL, Body: "a=${object}"})
	if r.status != 200 || string(r.body) != `{"Status":"OK"}` {
		t.Errorf("%d %s, want 200 with the app's answer", r.status, r.body)
	}
}

// TestCallbackJSONWireBody: in a JSON body strings are inserted quoted and
// escaped, size and crc64 as bare numbers, an empty vpcId as null
// (docs/PROTOCOL.md#callback-variables); the body is the exact bytes the app
// receives.
func TestCallbackJSONWireBody(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	app, got := recordingApp(t, `{}`)
	const key = `user/eric/say "hi" \ 中.txt`
	p := callback.Params{URL: app.URL, BodyType: callback.BodyTypeJSON,
		Body: `{"b":${bucket},"o":${object},"s":${size},"c":${crc64},"v":${vpcId},"m":${mimeType},"op":${operation},"u":${x:uid}}`}
	if r := uploadWithCallback(t, srv, key, "hello", p, field("x:uid", `4"2`)); r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	crc := crc64.Checksum([]byte("hello"), crc64.MakeTable(crc64.ECMA))
	want := fmt.Sprintf(`{"b":"examplebucket","o":"user/eric/say \"hi\" \\ 中.txt","s":5,"c":%d,"v":null,"m":"text/plain","op":"PostObject","u":"4\"2"}`, crc)
	if req := <-got; string(req.body) != want {
		t.Errorf("body\n%s\nwant\n%s", req.body, want)
	}
}

// TestCallbackAnswerWhateverSuccessAction: with a callback the uploader
// gets 200 and the app's body, whatever success_action_status or
// success_action_redirect say (docs/PROTOCOL.md#callback-outcome).
func TestCallbackAnswerWhateverSuccessAction(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	app, _ := recordingApp(t, `{"answer":1}`)
	tests := []struct {
		name  string
		extra []part
	}{
		{"nothing", nil},
		{"status 200", []part{field("success_action_status", "200")}},
		{"status 201", []part{field("success_action_status", "201")}},
		{"status 204", []part{field("success_action_status", "204")}},
		{"invalid status", []part{field("success_action_status", "999")}},
		{"redirect", []part{field("success_action_redirect", "https://app.example.com/done")}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := uploadWithCallback(t, srv, fmt.Sprintf("user/eric/sa%d", i), "x", callback.Params{URL: app.URL, Body: "a=1"}, tc.extra...)
			if r.status != 200 || string(r.body) != `{"answer":1}` || r.header.Get("Content-Type") != "application/json" || r.header.Get("Location") != "" {
				t.Errorf("%d %q %q Location %q; want 200 application/json {\"answer\":1}", r.status, r.header.Get("Content-Type"), r.body, r.header.Get("Location"))
			}
		})
	}
}

// TestCallbackHostEveryURL: callbackHost is the Host of every attempt, in
// order, until one succeeds (docs/PROTOCOL.md#callback-parameter) [inferred].
func TestCallbackHostEveryURL(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	var mu sync.Mutex
	var seen []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Host)
		mu.Unlock()
		if r.URL.Path != "/ok" {
			w.WriteHeader(500)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer app.Close()
	p := callback.Params{URL: app.URL + "/bad;" + app.URL + "/ok;" + app.URL + "/never", Host: "cb.example.com", Body: "a=1"}
	if r := uploadWithCallback(t, srv, "user/eric/hosts", "x", p); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"/bad cb.example.com", "/ok cb.example.com"}, seen); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	var hosts []string
	for _, rec := range srv.Callbacks() {
		hosts = append(hosts, rec.Host)
	}
	if diff := cmp.Diff([]string{"cb.example.com", "cb.example.com"}, hosts); diff != "" {
		t.Errorf("CallbackRecord.Host (-want +got):\n%s", diff)
	}
}

// goroutineIDs returns the ids of all goroutines and, for reporting, their
// stacks.
func goroutineIDs() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if id, _, ok := strings.Cut(strings.TrimPrefix(g, "goroutine "), " "); ok {
			out[id] = g
		}
	}
	return out
}

// checkNoNewGoroutines waits for every goroutine started since before to
// end. Goroutines of closed servers and connections end asynchronously, so
// it polls, yielding in between; the deadline only bounds a failure.
func checkNoNewGoroutines(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var leaked []string
		for id, stack := range goroutineIDs() {
			if _, ok := before[id]; !ok && !strings.Contains(stack, "osstest_test.checkNoNewGoroutines") {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines outlive the emulator:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		runtime.Gosched()
	}
}

// TestCloseStopsCallbacks: Close does not wait out CallbackTimeout for an
// app that never answers; it cancels the callback (the uploader gets 203
// CallbackFailed, the object stays stored), and afterwards no goroutine of
// the emulator, its connections or its callbacks is left running.
func TestCloseStopsCallbacks(t *testing.T) {
	before := goroutineIDs()

	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0), CallbackTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{})
	var once sync.Once
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // lets net/http notice the emulator hanging up
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
	}))

	// A few plain uploads first, so streaming goroutines have run too.
	for i := range 3 {
		if r := postForm(t, srv.URL, join(v1Auth(t, testKey, basePolicy()), []part{field("key", fmt.Sprintf("user/eric/p%d", i)), file("a", "", "x")})); r.status != 204 {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}

	type outcome struct {
		r   result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		parts := join(v1Auth(t, testKey, basePolicy()), []part{field("callback", mustEncodeCB(t, callback.Params{URL: app.URL, Body: "a=1"})),
			field("key", "user/eric/hang"), file("f", "", "hello")})
		r, err := postFromGoroutine(srv.URL, parts)
		done <- outcome{r, err}
	}()
	<-arrived

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close is still waiting for a callback an hour from timing out")
	}
	out := <-done
	if out.err != nil {
		t.Fatalf("upload: %v", out.err)
	}
	if e := out.r.ossError(t); out.r.status != 203 || e.Code != "CallbackFailed" {
		t.Errorf("upload answered %d %s %q, want 203 CallbackFailed", out.r.status, e.Code, e.Message)
	}
	if b, err := readObject(srv, "user/eric/hang"); err != nil || string(b) != "hello" {
		t.Errorf("object: %q, %v", b, err)
	}
	app.Close()
	checkNoNewGoroutines(t, before)
}

// A bare Emulator mounted in the test's own server: Emulator.Close ends a
// callback in progress without waiting for CallbackTimeout.
func TestEmulatorCloseStopsCallbacks(t *testing.T) {
	emu, err := osstest.New(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0), CallbackTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	arrived := make(chan struct{})
	var once sync.Once
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
	}))
	defer app.Close()

	done := make(chan result, 1)
	errc := make(chan error, 1)
	go func() {
		parts := join(v1Auth(t, testKey, basePolicy()), []part{field("callback", mustEncodeCB(t, callback.Params{URL: app.URL, Body: "a=1"})),
			field("key", "user/eric/hang"), file("f", "", "hello")})
		r, err := postFromGoroutine(srv.URL, parts)
		errc <- err
		done <- r
	}()
	<-arrived
	emu.Close()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the upload still waits for a callback an hour from timing out")
	}
	r := <-done
	if e := r.ossError(t); r.status != 203 || e.Code != "CallbackFailed" {
		t.Errorf("upload answered %d %s %q, want 203 CallbackFailed", r.status, e.Code, e.Message)
	}
	if b, err := readObject(emu, "user/eric/hang"); err != nil || string(b) != "hello" {
		t.Errorf("object: %q, %v", b, err)
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
