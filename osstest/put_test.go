package osstest_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/osstest"
)

// auth says how a test request is signed. The signing code here is the
// tests' own, written from OSS's documentation like the emulator's but
// kept apart from it; both are checked against the OSS SDK's vectors
// (TestSDKSignatureVectors) and the SDK itself (the interop module).
type auth struct {
	kind    string // "", "v1", "v4", "v1query", "v4query"
	key     osstest.AccessKey
	at      time.Time     // signing time; zero means t0
	expires time.Duration // query signatures; zero means 15 minutes
	region  string        // V4; "" means cn-hangzhou
	extra   []string      // V4 additional headers
	// dates chooses the date headers of a header signature: "" is Date
	// (V1) or x-oss-date (V4); "x-oss-date" sends x-oss-date only (V1:
	// RFC 1123, as ali-oss does), "x-oss-date-iso" x-oss-date only in ISO
	// 8601 (V1), "Date" Date only (V4), "both" both headers.
	dates string
}

func escapeQuery(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// sign signs req, which addresses objKey in bucket, after its headers and
// query are final (except the signature's own parameters).
func (a auth) sign(req *http.Request, bucket, objKey string) {
	at := a.at
	if at.IsZero() {
		at = t0
	}
	expires := a.expires
	if expires == 0 {
		expires = 15 * time.Minute
	}
	region := a.region
	if region == "" {
		region = "cn-hangzhou"
	}
	switch a.kind {
	case "":
		return
	case "v1", "v1query":
		q := req.URL.Query()
		date := at.UTC().Format(http.TimeFormat)
		if a.kind == "v1query" {
			date = strconv.FormatInt(at.Add(expires).Unix(), 10)
			if a.key.SecurityToken != "" {
				q.Set("security-token", a.key.SecurityToken)
			}
		} else {
			switch a.dates {
			case "x-oss-date":
				req.Header.Set("X-Oss-Date", date)
			case "x-oss-date-iso":
				date = at.UTC().Format("20060102T150405Z")
				req.Header.Set("X-Oss-Date", date)
			case "both":
				req.Header.Set("Date", date)
				req.Header.Set("X-Oss-Date", date)
			default:
				req.Header.Set("Date", date)
			}
			if a.key.SecurityToken != "" {
				req.Header.Set("X-Oss-Security-Token", a.key.SecurityToken)
			}
		}
		// Names are sorted, not "name:value" lines: "x-oss-callback"
		// comes before "x-oss-callback-var".
		var hs []string
		for _, k := range sortedKeys(req.Header) {
			if l := strings.ToLower(k); strings.HasPrefix(l, "x-oss-") {
				hs = append(hs, l+":"+req.Header.Get(k)+"\n")
			}
		}
		var sub []string
		for _, k := range sortedKeys(q) {
			if strings.HasPrefix(k, "x-oss-") || map[string]bool{"uploads": true, "uploadId": true, "partNumber": true,
				"callback": true, "callback-var": true, "security-token": true, "acl": true, "objectMeta": true, "tagging": true, "delete": true,
				"bucketInfo": true, "versions": true, "versionId": true, "versioning": true, "cors": true, "append": true, "position": true, "sequential": true,
				"response-content-type": true, "response-content-disposition": true, "response-cache-control": true,
				"response-content-language": true, "response-expires": true, "response-content-encoding": true}[k] {
				if v := q.Get(k); v != "" {
					sub = append(sub, k+"="+v)
				} else {
					sub = append(sub, k)
				}
			}
		}
		resource := canonicalPath(bucket, objKey)
		if len(sub) > 0 {
			resource += "?" + strings.Join(sub, "&")
		}
		sts := req.Method + "\n" + req.Header.Get("Content-MD5") + "\n" + req.Header.Get("Content-Type") + "\n" + date + "\n" + strings.Join(hs, "") + resource
		sig := signV1(a.key.Secret, sts)
		if a.kind == "v1" {
			req.Header.Set("Authorization", "OSS "+a.key.ID+":"+sig)
			return
		}
		q.Set("OSSAccessKeyId", a.key.ID)
		q.Set("Expires", date)
		q.Set("Signature", sig)
		req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	case "v4", "v4query":
		xdate := at.UTC().Format("20060102T150405Z")
		scope := at.UTC().Format("20060102") + "/" + region + "/oss/aliyun_v4_request"
		q := req.URL.Query()
		if a.kind == "v4query" {
			q.Set("x-oss-signature-version", "OSS4-HMAC-SHA256")
			q.Set("x-oss-credential", a.key.ID+"/"+scope)
			q.Set("x-oss-date", xdate)
			q.Set("x-oss-expires", strconv.Itoa(int(expires/time.Second)))
			if len(a.extra) > 0 {
				q.Set("x-oss-additional-headers", strings.Join(a.extra, ";"))
			}
			if a.key.SecurityToken != "" {
				q.Set("x-oss-security-token", a.key.SecurityToken)
			}
		} else {
			switch a.dates {
			case "Date":
				req.Header.Set("Date", at.UTC().Format(http.TimeFormat))
			case "both":
				req.Header.Set("Date", at.UTC().Format(http.TimeFormat))
				req.Header.Set("X-Oss-Date", xdate)
			default:
				req.Header.Set("X-Oss-Date", xdate)
			}
			req.Header.Set("X-Oss-Content-Sha256", "UNSIGNED-PAYLOAD")
			if a.key.SecurityToken != "" {
				req.Header.Set("X-Oss-Security-Token", a.key.SecurityToken)
			}
		}
		escaped := map[string]string{}
		for k := range q {
			escaped[escapeQuery(k)] = escapeQuery(q.Get(k))
		}
		var pairs []string
		for _, k := range sortedKeys(escaped) {
			if v := escaped[k]; v == "" {
				pairs = append(pairs, k)
			} else {
				pairs = append(pairs, k+"="+v)
			}
		}
		lower := map[string]string{}
		for k := range req.Header {
			lower[strings.ToLower(k)] = strings.TrimSpace(req.Header.Get(k))
		}
		var hs []string
		for _, l := range sortedKeys(lower) {
			if strings.HasPrefix(l, "x-oss-") || l == "content-type" || l == "content-md5" || contains(a.extra, l) {
				hs = append(hs, l+":"+lower[l]+"\n")
			}
		}
		uri := strings.ReplaceAll(escapeQuery(canonicalPath(bucket, objKey)), "%2F", "/")
		canonical := req.Method + "\n" + uri + "\n" + strings.Join(pairs, "&") + "\n" + strings.Join(hs, "") + "\n" +
			strings.Join(a.extra, ";") + "\nUNSIGNED-PAYLOAD"
		sum := sha256.Sum256([]byte(canonical))
		sts := "OSS4-HMAC-SHA256\n" + xdate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		sig := signV4(a.key.Secret, region, at, sts)
		if a.kind == "v4" {
			authz := "OSS4-HMAC-SHA256 Credential=" + a.key.ID + "/" + scope
			if len(a.extra) > 0 {
				authz += ",AdditionalHeaders=" + strings.Join(a.extra, ";")
			}
			req.Header.Set("Authorization", authz+",Signature="+sig)
			return
		}
		q.Set("x-oss-signature", sig)
		req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	default:
		panic("unknown auth " + a.kind)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// objReq builds a request for objKey on srv, path style
// ("/examplebucket/<key>") unless host is set (virtual-host style).
// canonicalPath is "/<bucket>/<key>", or "/" for a request to no bucket
// (ListBuckets).
func canonicalPath(bucket, objKey string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + objKey
}

func objReq(t testing.TB, srv *osstest.Server, method, objKey, query string, body []byte, header map[string]string, host string) *http.Request {
	t.Helper()
	u := srv.URL + "/" + srv.Bucket() + "/" + strings.ReplaceAll(url.PathEscape(objKey), "%2F", "/")
	if host != "" {
		u = srv.URL + "/" + strings.ReplaceAll(url.PathEscape(objKey), "%2F", "/")
	}
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func md5B64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func md5ETag(b []byte) string {
	s := md5.Sum(b)
	return `"` + strings.ToUpper(hex.EncodeToString(s[:])) + `"`
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// TestPutObject: PutObject signed every way OSS accepts, path style and
// virtual-host style, answers 200 with ETag (upper-case hex MD5),
// Content-MD5 and x-oss-hash-crc64ecma, stores the body and its metadata,
// and the object reads back with and without a signature.
func TestPutObject(t *testing.T) {
	sts := osstest.AccessKey{ID: "STS.Put", Secret: "stsSecret", SecurityToken: "tokenP", Expires: t0.Add(time.Hour)}
	srv := newServer(t, osstest.Config{AccessKeys: []osstest.AccessKey{testKey, sts}})
	cases := []struct {
		name string
		auth auth
		host string
	}{
		{"V1 header", auth{kind: "v1", key: testKey}, ""},
		{"V4 header", auth{kind: "v4", key: testKey}, ""},
		{"V1 query", auth{kind: "v1query", key: testKey}, ""},
		{"V4 query", auth{kind: "v4query", key: testKey}, ""},
		{"V4 query STS", auth{kind: "v4query", key: sts}, ""},
		{"V4 header STS", auth{kind: "v4", key: sts}, ""},
		{"V1 query STS", auth{kind: "v1query", key: sts}, ""},
		{"V4 header virtual host", auth{kind: "v4", key: testKey}, "examplebucket.oss-cn-hangzhou.aliyuncs.com"},
		{"V1 query virtual host", auth{kind: "v1query", key: testKey}, "examplebucket.localhost"},
		{"V4 query additional header", auth{kind: "v4query", key: testKey, extra: []string{"content-disposition"}}, ""},
		{"V4 query signed 7 days", auth{kind: "v4query", key: testKey, at: t0.Add(-7*24*time.Hour + time.Second), expires: 7 * 24 * time.Hour}, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := "put/" + strconv.Itoa(i) + "/a b+c.txt"
			body := []byte(strings.Repeat("content of "+c.name+"\n", 100))
			req := objReq(t, srv, http.MethodPut, key, "", body, map[string]string{
				"Content-Type": "text/plain; charset=utf-8", "X-Oss-Meta-Owner": "eric", "Content-Disposition": "attachment",
			}, c.host)
			c.auth.sign(req, srv.Bucket(), key)
			r := do(t, nil, req)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			crc := strconv.FormatUint(crc64.Checksum(body, crcTable), 10)
			if r.header.Get("ETag") != md5ETag(body) || r.header.Get("Content-MD5") != md5B64(body) || r.header.Get("X-Oss-Hash-Crc64ecma") != crc {
				t.Errorf("headers %v", r.header)
			}
			obj, ok := srv.Object(key)
			if !ok {
				t.Fatal("not stored")
			}
			if obj.ContentType != "text/plain; charset=utf-8" || obj.Meta["owner"] != "eric" || obj.ContentDisposition != "attachment" || obj.Size != int64(len(body)) {
				t.Errorf("stored %+v", obj)
			}
			for _, a := range []auth{{kind: "v4", key: testKey}, {kind: "v1query", key: testKey}} {
				get := objReq(t, srv, http.MethodGet, key, "", nil, nil, "")
				a.sign(get, srv.Bucket(), key)
				g := do(t, nil, get)
				if g.status != 200 || !bytes.Equal(g.body, body) || g.header.Get("ETag") != md5ETag(body) {
					t.Errorf("GET signed %q: %d %q", a.kind, g.status, g.body)
				}
			}
			// The bucket is private: an unsigned GET is refused.
			if g := do(t, nil, objReq(t, srv, http.MethodGet, key, "", nil, nil, "")); g.status != 403 || bytes.Contains(g.body, body) {
				t.Errorf("unsigned GET of a private object: %d %q", g.status, g.body)
			}
		})
	}
}

// TestPutObjectDefaults: without Content-Type the key's extension decides;
// Content-MD5 that matches is accepted; HEAD answers the size; a PUT
// replaces the object.
func TestPutObjectDefaults(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	put := func(key string, body []byte, header map[string]string) result {
		req := objReq(t, srv, http.MethodPut, key, "", body, header, "")
		auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), key)
		return do(t, nil, req)
	}
	if r := put("d/x.png", []byte("png"), map[string]string{"Content-MD5": md5B64([]byte("png"))}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if obj, _ := srv.Object("d/x.png"); obj.ContentType != "image/png" {
		t.Errorf("content type %q", obj.ContentType)
	}
	if r := put("d/x.png", []byte("second"), nil); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	head := objReq(t, srv, http.MethodHead, "d/x.png", "", nil, nil, "")
	auth{kind: "v1", key: testKey}.sign(head, srv.Bucket(), "d/x.png")
	if r := do(t, nil, head); r.status != 200 || r.header.Get("Content-Length") != "6" {
		t.Errorf("HEAD %d %v", r.status, r.header)
	}
	bad := objReq(t, srv, http.MethodGet, "d/x.png", "", nil, nil, "")
	auth{kind: "v4", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}.sign(bad, srv.Bucket(), "d/x.png")
	r := do(t, nil, bad)
	if e := r.ossError(t); r.status != 403 || e.Code != "SignatureDoesNotMatch" || !strings.HasPrefix(e.StringToSign, "OSS4-HMAC-SHA256\n") || !strings.HasPrefix(e.CanonicalRequest, "GET\n/examplebucket/d/x.png\n") {
		t.Errorf("GET with a wrong secret: %d %+v", r.status, e)
	}
}

// callbackApp is a loopback app server that verifies OSS callbacks with
// the emulator's key and answers {"ok":true,"object":…}, or status.
type callbackApp struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	errs   []error
	status int
}

func newCallbackApp(t *testing.T, srv *osstest.Server) *callbackApp {
	a := &callbackApp{status: 200}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := callback.Verify(r, srv.KeyFetcher())
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.bodies = append(a.bodies, string(b))
		a.errs = append(a.errs, err)
		status := a.status
		a.mu.Unlock()
		if status != 200 {
			w.WriteHeader(status)
			return
		}
		v, _ := url.ParseQuery(string(b))
		out := `{"ok":true,"object":"` + v.Get("object") + `"}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		io.WriteString(w, out)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *callbackApp) calls() ([]string, []error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.bodies...), append([]error(nil), a.errs...)
}

func encodeVars(t testing.TB, vars map[string]string) string {
	t.Helper()
	enc, err := callbackwire.EncodeVars(vars)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestPutObjectCallback: a callback from the x-oss-callback header or the
// callback query parameter of a presigned URL reaches the app signed by
// the emulator's key with PutObject's variables, and the uploader gets the
// app's JSON; a failing app gives 203 CallbackFailed with the object
// stored.
func TestPutObjectCallback(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	app := newCallbackApp(t, srv)
	cb := mustEncodeCB(t, callback.Params{URL: app.URL + "/cb", Body: callback.FormBody("bucket", "object", "etag", "size", "mimeType", "crc64", "contentMd5", "operation", "x:uid")})
	vars := encodeVars(t, map[string]string{"x:uid": "42"})
	cases := []struct {
		name  string
		auth  auth
		query bool
	}{
		{"V4 header, callback headers", auth{kind: "v4", key: testKey}, false},
		{"V1 header, callback headers", auth{kind: "v1", key: testKey}, false},
		{"V4 query, callback in the query", auth{kind: "v4query", key: testKey}, true},
		{"V1 query, callback in the query", auth{kind: "v1query", key: testKey}, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := "cb/" + strconv.Itoa(i) + ".txt"
			body := []byte("hello callback")
			var req *http.Request
			if c.query {
				req = objReq(t, srv, http.MethodPut, key, "callback="+url.QueryEscape(cb)+"&callback-var="+url.QueryEscape(vars), body, nil, "")
			} else {
				req = objReq(t, srv, http.MethodPut, key, "", body, map[string]string{"X-Oss-Callback": cb, "X-Oss-Callback-Var": vars}, "")
			}
			c.auth.sign(req, srv.Bucket(), key)
			before, _ := app.calls()
			r := do(t, nil, req)
			want := `{"ok":true,"object":"` + key + `"}`
			if r.status != 200 || string(r.body) != want || r.header.Get("ETag") != md5ETag(body) {
				t.Fatalf("answer %d %q %v", r.status, r.body, r.header)
			}
			bodies, errs := app.calls()
			if len(bodies) != len(before)+1 {
				t.Fatalf("%d callbacks", len(bodies)-len(before))
			}
			if err := errs[len(errs)-1]; err != nil {
				t.Errorf("callback.Verify: %v", err)
			}
			got, _ := url.ParseQuery(bodies[len(bodies)-1])
			md5sum := md5.Sum(body)
			wantVars := map[string]string{
				"bucket": "examplebucket", "object": key, "etag": strings.ToUpper(hex.EncodeToString(md5sum[:])),
				"size": strconv.Itoa(len(body)), "mimeType": "text/plain", "crc64": strconv.FormatUint(crc64.Checksum(body, crcTable), 10),
				"contentMd5": md5B64(body), "operation": "PutObject", "x:uid": "42",
			}
			for k, v := range wantVars {
				if got.Get(k) != v {
					t.Errorf("callback %s = %q, want %q", k, got.Get(k), v)
				}
			}
		})
	}

	t.Run("app fails: 203 CallbackFailed, object stored", func(t *testing.T) {
		app.mu.Lock()
		app.status = 500
		app.mu.Unlock()
		defer func() { app.mu.Lock(); app.status = 200; app.mu.Unlock() }()
		req := objReq(t, srv, http.MethodPut, "cb/failed.txt", "", []byte("x"), map[string]string{"X-Oss-Callback": cb}, "")
		auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "cb/failed.txt")
		r := do(t, nil, req)
		if e := r.ossError(t); r.status != 203 || e.Code != "CallbackFailed" || e.Message != "Error status : 500." {
			t.Errorf("answer %d %+v", r.status, e)
		}
		if _, ok := srv.Object("cb/failed.txt"); !ok || r.header.Get("ETag") != md5ETag([]byte("x")) {
			t.Errorf("object not stored or no ETag: %v", r.header)
		}
	})
}
