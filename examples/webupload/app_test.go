package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
	"github.com/ossdirect/ossdirect/signer"
)

// browserClient is a Go stand-in for the page: an HTTP client with a cookie
// jar, so it keeps one user id like a browser does.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, res.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, b)
	}
}

type uploadForm struct {
	override    map[string]string // replaces or adds fields after the token's
	key         string
	fileName    string
	contentType string
	data        []byte
}

// post sends the PostObject form the way the page does: the token's fields,
// then key, then file last (docs/PROTOCOL.md#form-upload).
func post(t *testing.T, tok *signer.Token, f uploadForm) (int, []byte) {
	t.Helper()
	fields := map[string]string{}
	for k, v := range tok.Fields {
		fields[k] = v
	}
	for k, v := range f.override {
		fields[k] = v
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range names {
		mw.WriteField(k, fields[k])
	}
	mw.WriteField("key", f.key)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, f.fileName))
	h.Set("Content-Type", f.contentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(f.data)
	mw.Close()

	res, err := http.Post(tok.Host+"/", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestUploadThroughEmulator(t *testing.T) {
	const maxSize = 1000
	tests := []struct {
		name        string
		version     signer.Version
		key         string // "<dir>" is replaced by the user's prefix
		fileName    string
		contentType string
		size        int
		override    map[string]string

		wantStatus int
		wantObject string // "<dir>"-relative; "" for failures
		wantCode   string // OSS error code for failures
	}{
		{name: "V4 own prefix", key: "<dir>a.txt", fileName: "a.txt", contentType: "text/plain", size: 10,
			wantStatus: 200, wantObject: "<dir>a.txt"},
		{name: "V1 own prefix", version: signer.V1, key: "<dir>b.png", fileName: "b.png", contentType: "image/png", size: maxSize,
			wantStatus: 200, wantObject: "<dir>b.png"},
		{name: "local name through ${filename}", key: "<dir>${filename}", fileName: "field report.txt", contentType: "text/plain", size: 1,
			wantStatus: 200, wantObject: "<dir>field report.txt"},
		{name: "another user's prefix", key: "uploads/0123456789abcdef/a.txt", fileName: "a.txt", contentType: "text/plain", size: 10,
			wantStatus: 403, wantCode: "AccessDenied"},
		{name: "forged x:uid", key: "<dir>a.txt", fileName: "a.txt", contentType: "text/plain", size: 10,
			override:   map[string]string{"x:uid": "0123456789abcdef"},
			wantStatus: 403, wantCode: "AccessDenied"},
		{name: "type outside the policy", key: "<dir>a.html", fileName: "a.html", contentType: "text/html", size: 10,
			override:   map[string]string{"x-oss-content-type": "text/html"},
			wantStatus: 403, wantCode: "AccessDenied"},
		{name: "over the size limit", key: "<dir>big.txt", fileName: "big.txt", contentType: "text/plain", size: maxSize + 1,
			wantStatus: 400, wantCode: "EntityTooLarge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startDemo(t, demoOptions{version: tt.version, maxSize: maxSize})
			c := browserClient(t)
			var cfg pageConfig
			getJSON(t, c, d.appURL+"/api/config", &cfg)
			var tok signer.Token
			getJSON(t, c, d.appURL+"/oss/token", &tok)
			if tok.Dir != cfg.Dir || tok.Dir != userDir(cfg.UID) {
				t.Fatalf("token dir %q, config dir %q, want %q", tok.Dir, cfg.Dir, userDir(cfg.UID))
			}

			fields := map[string]string{}
			for k, v := range tt.override {
				fields[k] = v
			}
			if _, ok := fields["x-oss-content-type"]; !ok && len(tok.ContentTypes) > 0 {
				fields["x-oss-content-type"] = tt.contentType
			}
			data := bytes.Repeat([]byte("x"), tt.size)
			key := strings.Replace(tt.key, "<dir>", tok.Dir, 1)
			status, body := post(t, &tok, uploadForm{override: fields, key: key, fileName: tt.fileName, contentType: tt.contentType, data: data})
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}

			if tt.wantCode != "" {
				e, err := osstest.ParseError(status, body)
				if err != nil || e.Code != tt.wantCode {
					t.Errorf("error %+v (%v), want code %s: %s", e, err, tt.wantCode, body)
				}
				if n := d.objectCount(); n != 0 {
					t.Errorf("a refused upload stored %d objects", n)
				}
				if got := d.app.Records(cfg.UID); len(got) != 0 {
					t.Errorf("a refused upload was recorded: %+v", got)
				}
				return
			}

			object := strings.Replace(tt.wantObject, "<dir>", tok.Dir, 1)
			stored, ok := d.emu.Object(object)
			if !ok {
				t.Fatalf("object %q not stored; have %+v", object, d.emu.Objects())
			}
			var got Record
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("callback answer %s: %v", body, err)
			}
			want := Record{
				Status:   "OK",
				UID:      cfg.UID,
				Object:   object,
				Size:     int64(tt.size),
				MimeType: tt.contentType,
				ETag:     strings.Trim(stored.ETag, `"`),
				Bucket:   d.emu.Bucket(),
				Uploads:  1,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("callback answer relayed by OSS (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]Record{want}, d.app.Records(cfg.UID)); diff != "" {
				t.Errorf("app records (-want +got):\n%s", diff)
			}
			if b, _ := d.storedBytes(object); !bytes.Equal(b, data) {
				t.Errorf("stored %d bytes, want the %d uploaded", len(b), len(data))
			}
		})
	}
}

// A callback signed by any other key than the trusted one is refused: here
// a second emulator (same embedded test key, but another key URL) stores
// the object and calls the app, which answers 403, so the uploader gets
// 203 CallbackFailed (docs/PROTOCOL.md#callback-outcome) and the app
// records nothing.
func TestCallbackFromUntrustedKeyIsRefused(t *testing.T) {
	d := startDemo(t, demoOptions{maxSize: 1000})
	other, err := startEmulator(d.appURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)

	const uid = "00112233aabbccdd"
	r := httptest.NewRequest("GET", "/oss/token", nil)
	u, err := d.app.upload(r.WithContext(context.WithValue(r.Context(), userKey{}, uid)))
	if err != nil {
		t.Fatal(err)
	}
	ak := other.AccessKey()
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket:      other.Bucket(),
		Region:      other.Region(),
		Endpoint:    other.URL,
		// The app's own binding: only the key that signs the callback differs.
		Secrets: d.app.cfg.Secrets,
	}
	tok, err := s.Sign(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	key := tok.Dir + "a.txt"
	status, body := post(t, tok, uploadForm{
		override: map[string]string{"x-oss-content-type": "text/plain"},
		key:      key, fileName: "a.txt", contentType: "text/plain", data: []byte("hello"),
	})
	if status != 203 {
		t.Fatalf("status %d, want 203 CallbackFailed: %s", status, body)
	}
	if e, err := osstest.ParseError(status, body); err != nil || e.Code != "CallbackFailed" {
		t.Errorf("error %+v (%v), want CallbackFailed", e, err)
	}
	if _, ok := other.Object(key); !ok {
		t.Errorf("object not stored; OSS keeps it even when the callback fails")
	}
	if got := d.app.Records(uid); len(got) != 0 {
		t.Errorf("app recorded an upload from an untrusted callback: %+v", got)
	}
}

// OSS signs the callbacks of every account with one key, so a callback that
// verifies may come from someone else's upload. Here another account of the
// same OSS (a second access key on the emulator, whose callbacks carry the
// same trusted key URL) points its own uploads at the app, claiming a victim's
// user id: with the plain callback URL, and with the attacker's own bound URL
// taken from a token the app issued to the attacker. Both are refused (the
// uploader sees 203 CallbackFailed) and nothing is recorded for the victim.
func TestCallbackFromAnotherAccountIsRefused(t *testing.T) {
	appKey := osstest.AccessKey{ID: "LTAI5tTheDemoApp", Secret: "demo-app-secret"}
	otherKey := osstest.AccessKey{ID: "LTAI5tAnotherAccount", Secret: "another-secret"}
	d := startDemo(t, demoOptions{maxSize: 1000, accessKeys: []osstest.AccessKey{appKey, otherKey}})

	const victim, attacker = "00112233aabbccdd", "ffeeddccbbaa9988"
	r := httptest.NewRequest("GET", "/oss/token", nil)
	attackerUpload, err := d.app.upload(r.WithContext(context.WithValue(r.Context(), userKey{}, attacker)))
	if err != nil {
		t.Fatal(err)
	}
	attackerToken, err := d.app.signer.Sign(t.Context(), attackerUpload)
	if err != nil {
		t.Fatal(err)
	}
	boundParams, err := callbackwire.Decode(attackerToken.Fields["callback"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, callbackURL string }{
		{"plain callback URL", d.appURL + callbackPath + "?uid=" + victim},
		{"the attacker's own bound URL", boundParams.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forged := *attackerUpload.Callback
			forged.URL = tt.callbackURL
			// The attacker's own OSS client signs a policy by hand, with
			// the callback URL exactly as given.
			enc, err := forged.Encode()
			if err != nil {
				t.Fatal(err)
			}
			pol, err := policy.New(time.Now().Add(time.Minute), policy.Bucket(d.emu.Bucket()),
				policy.KeyPrefix(userDir(victim)), policy.ContentLengthRange(0, 1000), policy.Callback(enc)).Encode()
			if err != nil {
				t.Fatal(err)
			}
			tok := &signer.Token{Host: d.ossURL, Dir: userDir(victim), Fields: map[string]string{
				"OSSAccessKeyId": otherKey.ID, "policy": pol, "Signature": signV1(otherKey.Secret, pol),
				"callback": enc, uidVar: victim,
			}}
			status, body := post(t, tok, uploadForm{key: tok.Dir + "forged.txt", fileName: "forged.txt", contentType: "text/plain", data: []byte("x")})
			if e, err := osstest.ParseError(status, body); err != nil || status != 203 || e.Code != "CallbackFailed" {
				t.Errorf("status %d %s (%v), want 203 CallbackFailed", status, body, err)
			}
			if got := d.app.Records(victim); len(got) != 0 {
				t.Errorf("forged callback recorded for the victim: %+v", got)
			}
		})
	}
}

// testClock is a clock the test moves forward; the app reads it from the
// goroutine that serves OSS's callback.
type testClock struct{ unixNano atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Unix(0, c.unixNano.Load()) }
func (c *testClock) advance(d time.Duration) { c.unixNano.Add(int64(d)) }
func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.unixNano.Store(t.UnixNano())
	return c
}

// A token's callback URL is bound until the token expires plus
// callbackMargin: a callback that arrives later (here: the app's clock is
// moved forward between token and upload, while OSS's stays real so the
// upload itself is accepted) is refused, so a captured callback cannot be
// replayed for ever. The uploader sees 203 CallbackFailed and nothing is
// recorded.
func TestCallbackAfterBindingExpiryIsRefused(t *testing.T) {
	const expires = 5 * time.Minute
	tests := []struct {
		name       string
		advance    time.Duration // between token and upload, on the app's clock
		wantStatus int
	}{
		{"right away", 0, 200},
		// The expiry is inclusive.
		{"at the binding's expiry", expires + callbackMargin, 200},
		{"a second after the binding's expiry", expires + callbackMargin + time.Second, 203},
		{"a day later", 24 * time.Hour, 203},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A whole second, so the bound expiry is exactly token time +
			// expires + callbackMargin.
			clock := newTestClock(time.Now().Truncate(time.Second))
			d := startDemo(t, demoOptions{maxSize: 1000, expires: expires, now: clock.now})
			c := browserClient(t)
			var cfg pageConfig
			getJSON(t, c, d.appURL+"/api/config", &cfg)
			var tok signer.Token
			getJSON(t, c, d.appURL+"/oss/token", &tok)

			clock.advance(tt.advance)
			status, body := post(t, &tok, uploadForm{
				override: map[string]string{"x-oss-content-type": "text/plain"},
				key:      tok.Dir + "a.txt", fileName: "a.txt", contentType: "text/plain", data: []byte("hello"),
			})
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			got := d.app.Records(cfg.UID)
			if tt.wantStatus == 200 {
				if len(got) != 1 || got[0].Object != tok.Dir+"a.txt" {
					t.Errorf("records %+v, want the upload", got)
				}
				return
			}
			if e, err := osstest.ParseError(status, body); err != nil || e.Code != "CallbackFailed" {
				t.Errorf("error %+v (%v), want CallbackFailed", e, err)
			}
			if len(got) != 0 {
				t.Errorf("a callback after the binding's expiry was recorded: %+v", got)
			}
		})
	}
}

func TestCallbackWithoutSignatureIsRefused(t *testing.T) {
	d := startDemo(t, demoOptions{})
	res, err := http.Post(d.appURL+callbackPath, "application/json",
		strings.NewReader(`{"bucket":"examplebucket","object":"uploads/00112233aabbccdd/a.txt","size":1,"x:uid":"00112233aabbccdd"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("unsigned callback: status %d, want 400", res.StatusCode)
	}
	if got := d.app.Records("00112233aabbccdd"); len(got) != 0 {
		t.Errorf("unsigned callback recorded: %+v", got)
	}
}

func TestUserCookie(t *testing.T) {
	d := startDemo(t, demoOptions{})
	tests := []struct {
		name      string
		cookie    string
		wantKept  bool
		wantIssue bool
	}{
		{name: "first visit", wantIssue: true},
		{name: "returning user", cookie: "0123456789abcdef", wantKept: true},
		{name: "path in cookie", cookie: "../../../etc/pa", wantIssue: true},
		{name: "upper-case hex", cookie: "0123456789ABCDEF", wantIssue: true},
		{name: "too short", cookie: "0123", wantIssue: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", d.appURL+"/api/config", nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: uidCookie, Value: tt.cookie})
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var cfg pageConfig
			if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil {
				t.Fatal(err)
			}
			var issued *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == uidCookie {
					issued = c
				}
			}
			if tt.wantIssue {
				if issued == nil || !validUID(issued.Value) || !issued.HttpOnly {
					t.Fatalf("cookie issued: %+v, want a fresh HttpOnly user id", issued)
				}
				if cfg.UID != issued.Value || cfg.Dir != "uploads/"+issued.Value+"/" {
					t.Errorf("config uid %q dir %q, want the issued id %q", cfg.UID, cfg.Dir, issued.Value)
				}
			}
			if tt.wantKept {
				if issued != nil {
					t.Errorf("a valid cookie was replaced by %q", issued.Value)
				}
				if cfg.UID != tt.cookie {
					t.Errorf("uid %q, want %q", cfg.UID, tt.cookie)
				}
			}
		})
	}
}

func TestPageIsServed(t *testing.T) {
	d := startDemo(t, demoOptions{})
	tests := []struct {
		path, wantType, wantText string
	}{
		{"/", "text/html", `<script type="module" src="app.js">`},
		{"/app.js", "javascript", "x-oss-content-type"},
		{"/style.css", "text/css", "@media"},
	}
	for _, tt := range tests {
		res, err := http.Get(d.appURL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), tt.wantType) || !bytes.Contains(b, []byte(tt.wantText)) {
			t.Errorf("GET %s: %s %q, %d bytes; want 200 %s containing %q", tt.path, res.Status, res.Header.Get("Content-Type"), len(b), tt.wantType, tt.wantText)
		}
	}
}

func TestNewAppRefusesIncompleteConfig(t *testing.T) {
	emu, err := startEmulator("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	ak := emu.AccessKey()
	good := Config{
		PublicURL:   "http://127.0.0.1:1",
		Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket:      emu.Bucket(),
		Region:      emu.Region(),
		Endpoint:    emu.URL,
		Keys:        emu.KeyFetcher(),
	}
	if _, err := newApp(good); err != nil {
		t.Fatalf("complete config refused: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"no credentials", func(c *Config) { c.Credentials = nil }},
		{"no bucket", func(c *Config) { c.Bucket = "" }},
		{"credentials the provider cannot supply", func(c *Config) { c.Credentials = signer.StaticCredentials{} }},
		{"neither region nor endpoint", func(c *Config) { c.Region, c.Endpoint = "", "" }},
		{"no trusted keys", func(c *Config) { c.Keys = nil }},
		{"relative public URL", func(c *Config) { c.PublicURL = "/app" }},
		{"public URL without scheme", func(c *Config) { c.PublicURL = "app.example.com" }},
	}
	for _, tt := range tests {
		cfg := good
		tt.change(&cfg)
		if _, err := newApp(cfg); !errors.Is(err, errConfig) {
			t.Errorf("%s: got %v, want an error wrapping errConfig", tt.name, err)
		}
	}
}

func TestFlagsAndEnvironmentHelpers(t *testing.T) {
	versions := []struct {
		in      string
		want    signer.Version
		wantErr bool
	}{
		{"v4", signer.V4, false}, {"V4", signer.V4, false}, {"v1", signer.V1, false}, {"1", signer.V1, false},
		{"v2", 0, true}, {"", 0, true},
	}
	for _, tt := range versions {
		got, err := parseVersion(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && got != tt.want) {
			t.Errorf("parseVersion(%q) = %v, %v", tt.in, got, err)
		}
	}

	endpoints := []struct{ endpoint, want string }{
		{"oss-cn-hangzhou.aliyuncs.com", "https://bkt.oss-cn-hangzhou.aliyuncs.com"},
		{"oss-cn-hangzhou-internal.aliyuncs.com/", "https://bkt.oss-cn-hangzhou-internal.aliyuncs.com"},
		{"https://static.example.com/", "https://static.example.com"},
	}
	for _, tt := range endpoints {
		if got := bucketEndpoint("bkt", tt.endpoint); got != tt.want {
			t.Errorf("bucketEndpoint(%q) = %q, want %q", tt.endpoint, got, tt.want)
		}
	}

	if diff := cmp.Diff([]string{"http://127.0.0.1:8080", "http://localhost:8080", "https://app.example.com"},
		originsOf("http://127.0.0.1:8080", "http://127.0.0.1:8080/", "https://app.example.com/x")); diff != "" {
		t.Errorf("originsOf (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a/b", "c/d"}, splitList(" a/b, ,c/d,")); diff != "" {
		t.Errorf("splitList (-want +got):\n%s", diff)
	}
	if splitList("") != nil {
		t.Errorf("splitList(\"\") is not empty")
	}

	addrs := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "[::1]:8080"},
	}
	for _, tt := range addrs {
		if got := browsableAddr(tt.addr); got != tt.want {
			t.Errorf("browsableAddr(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}

	reachable := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8080", false}, {"http://localhost:8080", false}, {"http://192.168.1.2", false},
		{"http://0.0.0.0:8080", false}, {"https://app.example.com", true}, {"http://203.0.113.7:80", true},
	}
	for _, tt := range reachable {
		if got := reachableFromOSS(tt.url); got != tt.want {
			t.Errorf("reachableFromOSS(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// The app's refusals are read by people: sizes in the units the page
// writes, exact bytes only when the rounded sizes would look equal.
func TestTooLargeText(t *testing.T) {
	for _, tt := range []struct {
		size, limit int64
		want        string
	}{
		{65 << 20, 64 << 20, "the file is 65 MiB, over the limit of 64 MiB"},
		{50<<20 + 300<<10, 50 << 20, "the file is 50.3 MiB, over the limit of 50 MiB"},
		{64<<20 + 1, 64 << 20, "the file is 64.0 MiB (67108865 bytes), over the limit of 64 MiB"},
		{512001, 512000, "the file is 500.0 KiB (512001 bytes), over the limit of 500 KiB"},
		{2000, 1000, "the file is 2.0 KiB, over the limit of 1000 bytes"},
	} {
		if got := tooLarge("the file", tt.size, tt.limit); got != tt.want {
			t.Errorf("tooLarge(%d, %d) = %q, want %q", tt.size, tt.limit, got, tt.want)
		}
	}
}

// signV1 is the V1 PostObject signature of an encoded policy,
// Base64(HMAC-SHA1(secret, policy)), for forms the test forges.
func signV1(secret, encodedPolicy string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(encodedPolicy))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
