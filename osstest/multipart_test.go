package osstest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/ossmsg"
	"github.com/ossdirect/ossdirect/osstest"
)

// mpClient drives the multipart API of srv for one key, signing every
// request with a.
type mpClient struct {
	t   testing.TB
	srv *osstest.Server
	a   auth
	key string
	id  string
}

func (c *mpClient) do(method, query string, body []byte, header map[string]string) result {
	c.t.Helper()
	req := objReq(c.t, c.srv, method, c.key, query, body, header, "")
	c.a.sign(req, c.srv.Bucket(), c.key)
	return do(c.t, nil, req)
}

func (c *mpClient) initiate(header map[string]string) {
	c.t.Helper()
	r := c.do(http.MethodPost, "uploads", nil, header)
	var res struct {
		Bucket, Key, UploadId string
	}
	if err := xml.Unmarshal(r.body, &res); r.status != 200 || err != nil {
		c.t.Fatalf("initiate: %d %s", r.status, r.body)
	}
	if res.Bucket != c.srv.Bucket() || res.Key != c.key || len(res.UploadId) != 32 {
		c.t.Fatalf("initiate answered %+v", res)
	}
	c.id = res.UploadId
}

func (c *mpClient) part(n int, data []byte) string {
	c.t.Helper()
	r := c.do(http.MethodPut, fmt.Sprintf("partNumber=%d&uploadId=%s", n, c.id), data, nil)
	if r.status != 200 {
		c.t.Fatalf("part %d: %d %s", n, r.status, r.body)
	}
	if r.header.Get("ETag") != md5ETag(data) || r.header.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crc64.Checksum(data, crcTable), 10) {
		c.t.Errorf("part %d headers %v", n, r.header)
	}
	return r.header.Get("ETag")
}

type xmlPart struct {
	PartNumber int
	ETag       string
}

func completeXML(parts ...xmlPart) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for _, p := range parts {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p.PartNumber, p.ETag)
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// multipartETag is "<MD5 of the parts' binary MD5s>-<N>", upper case.
func multipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return `"` + strings.ToUpper(hex.EncodeToString(h.Sum(nil))) + "-" + strconv.Itoa(len(parts)) + `"`
}

func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// TestMultipartUpload: initiate, parts uploaded out of order and one sent
// twice, ListParts, complete; the object is the parts in part-number
// order with OSS's multipart ETag and the combined CRC-64, the upload is
// gone, and the object reads back with its metadata. Part numbers need not
// be consecutive.
func TestMultipartUpload(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		for _, a := range []auth{{kind: "v4", key: testKey}, {kind: "v1query", key: testKey}} {
			t.Run(fmt.Sprintf("dir=%v/%s", dir != "", a.kind), func(t *testing.T) {
				srv := newServer(t, osstest.Config{Dir: dir})
				c := &mpClient{t: t, srv: srv, a: a, key: "mp/big file.bin"}
				c.initiate(map[string]string{"Content-Type": "video/mp4", "X-Oss-Meta-Owner": "eric"})
				p1, p3, p7 := randomBytes(100<<10, 1), randomBytes(150<<10, 3), randomBytes(10, 7)
				e7 := c.part(7, p7)
				c.part(1, randomBytes(200<<10, 9)) // replaced below
				e1 := c.part(1, p1)
				e3 := c.part(3, p3)

				r := c.do(http.MethodGet, "uploadId="+c.id+"&max-parts=2", nil, nil)
				var lp struct {
					IsTruncated          bool
					NextPartNumberMarker int
					Part                 []struct {
						PartNumber int
						ETag       string
						Size       int64
					}
				}
				if err := xml.Unmarshal(r.body, &lp); r.status != 200 || err != nil {
					t.Fatalf("ListParts %d %s", r.status, r.body)
				}
				if !lp.IsTruncated || lp.NextPartNumberMarker != 3 || len(lp.Part) != 2 || lp.Part[0].ETag != e1 || lp.Part[1].Size != 150<<10 {
					t.Errorf("ListParts page 1: %+v", lp)
				}
				if ups := srv.MultipartUploads(); len(ups) != 1 || len(ups[0].Parts) != 3 || ups[0].UploadID != c.id {
					t.Errorf("MultipartUploads = %+v", ups)
				}

				r = c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}, xmlPart{3, e3}, xmlPart{7, e7}), nil)
				var res struct {
					Bucket, Key, ETag, Location string
				}
				if err := xml.Unmarshal(r.body, &res); r.status != 200 || err != nil {
					t.Fatalf("complete %d %s", r.status, r.body)
				}
				whole := bytes.Join([][]byte{p1, p3, p7}, nil)
				wantETag := multipartETag(p1, p3, p7)
				wantCRC := strconv.FormatUint(crc64.Checksum(whole, crcTable), 10)
				if res.ETag != wantETag || res.Key != c.key || res.Bucket != srv.Bucket() || r.header.Get("X-Oss-Hash-Crc64ecma") != wantCRC {
					t.Errorf("complete answered %+v %v, want ETag %s CRC %s", res, r.header, wantETag, wantCRC)
				}
				if ups := srv.MultipartUploads(); len(ups) != 0 {
					t.Errorf("uploads left: %+v", ups)
				}
				obj, ok := srv.Object(c.key)
				if !ok || obj.ETag != wantETag || obj.Size != int64(len(whole)) || obj.ContentType != "video/mp4" || obj.Meta["owner"] != "eric" || obj.ContentMD5 != "" {
					t.Errorf("stored %+v", obj)
				}
				g := c.do(http.MethodGet, "", nil, nil)
				if g.status != 200 || !bytes.Equal(g.body, whole) || g.header.Get("ETag") != wantETag {
					t.Errorf("GET %d, %d bytes, ETag %s", g.status, len(g.body), g.header.Get("ETag"))
				}
				// A completed upload id is gone.
				if r := c.do(http.MethodPut, "partNumber=1&uploadId="+c.id, p1, nil); r.status != 404 || r.ossError(t).Code != "NoSuchUpload" {
					t.Errorf("part after complete: %d %s", r.status, r.body)
				}
			})
		}
	}
}

// TestMultipartAbortAndCompleteAll: abort removes the upload and its part
// files; x-oss-complete-all: yes completes with every uploaded part.
func TestMultipartAbortAndCompleteAll(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4query", key: testKey}, key: "mp/aborted"}
	c.initiate(nil)
	c.part(1, randomBytes(1000, 1))
	if r := c.do(http.MethodDelete, "uploadId="+c.id, nil, nil); r.status != 204 {
		t.Fatalf("abort %d %s", r.status, r.body)
	}
	if ups := srv.MultipartUploads(); len(ups) != 0 {
		t.Errorf("uploads after abort: %+v", ups)
	}
	if files := dirFiles(t, dir); len(files) != 0 {
		t.Errorf("files after abort: %v", files)
	}
	if r := c.do(http.MethodDelete, "uploadId="+c.id, nil, nil); r.status != 404 {
		t.Errorf("second abort %d", r.status)
	}

	c.key = "mp/all"
	c.initiate(nil)
	p1, p2 := randomBytes(100<<10, 1), randomBytes(5, 2)
	c.part(2, p2)
	c.part(1, p1)
	r := c.do(http.MethodPost, "uploadId="+c.id, nil, map[string]string{"X-Oss-Complete-All": "yes"})
	if r.status != 200 {
		t.Fatalf("complete-all %d %s", r.status, r.body)
	}
	if b, _ := readObject(srv, "mp/all"); !bytes.Equal(b, append(p1, p2...)) {
		t.Errorf("content %d bytes", len(b))
	}
	if obj, _ := srv.Object("mp/all"); obj.ETag != multipartETag(p1, p2) {
		t.Errorf("ETag %s", obj.ETag)
	}
	if files := dirFiles(t, dir); len(files) != 1 {
		t.Errorf("files after complete: %v", files)
	}
}

// dirFiles lists the files in dir, hidden ones included, except the
// metadata files stored objects have beside their content.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		// Content and temporary files; the journal of Config.Dir is always there.
		if e.Name() != "journal" {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestMultipartCallback: a callback on CompleteMultipartUpload (header or
// presigned query) reaches the app with the whole object's size, the
// multipart ETag and operation CompleteMultipartUpload, and the uploader
// gets the app's JSON instead of the XML result.
func TestMultipartCallback(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	app := newCallbackApp(t, srv)
	cb := mustEncodeCB(t, callback.Params{URL: app.URL, Body: callback.FormBody("object", "etag", "size", "operation", "contentMd5", "x:plan")})
	vars := encodeVars(t, map[string]string{"x:plan": "p1"})
	for i, inQuery := range []bool{false, true} {
		c := &mpClient{t: t, srv: srv, a: auth{kind: "v4query", key: testKey}, key: "mp/cb" + strconv.Itoa(i)}
		c.initiate(nil)
		p1, p2 := randomBytes(120<<10, 1), randomBytes(77, 2)
		e1, e2 := c.part(1, p1), c.part(2, p2)
		query, header := "uploadId="+c.id, map[string]string{"X-Oss-Callback": cb, "X-Oss-Callback-Var": vars}
		if inQuery {
			query += "&callback=" + url.QueryEscape(cb) + "&callback-var=" + url.QueryEscape(vars)
			header = nil
		}
		r := c.do(http.MethodPost, query, completeXML(xmlPart{1, e1}, xmlPart{2, e2}), header)
		if want := `{"ok":true,"object":"` + c.key + `"}`; r.status != 200 || string(r.body) != want || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("query=%v: complete answered %d %q", inQuery, r.status, r.body)
		}
		bodies, errs := app.calls()
		if errs[len(errs)-1] != nil {
			t.Errorf("callback.Verify: %v", errs[len(errs)-1])
		}
		got, _ := url.ParseQuery(bodies[len(bodies)-1])
		want := url.Values{"object": {c.key}, "etag": {strings.Trim(multipartETag(p1, p2), `"`)}, "size": {strconv.Itoa(len(p1) + len(p2))},
			"operation": {"CompleteMultipartUpload"}, "contentMd5": {""}, "x:plan": {"p1"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("callback body (-want +got):\n%s", diff)
		}
	}
}

// TestMultipartCORS: a browser on an allowed origin may preflight PUT
// with the headers it sends, and read the ETag of each part.
func TestMultipartCORS(t *testing.T) {
	srv := newServer(t, osstest.Config{CORS: []osstest.CORSRule{{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"PUT", "POST", "GET", "DELETE"},
		AllowedHeaders: []string{"content-type", "x-oss-*"},
		ExposeHeaders:  []string{"ETag", "x-oss-request-id"},
	}}})
	pre := get(t, http.MethodOptions, srv.URL+"/examplebucket/k?partNumber=1&uploadId=x", "", map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,x-oss-callback",
	})
	if pre.status != 200 || pre.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "PUT") || pre.header.Get("Access-Control-Allow-Headers") != "content-type, x-oss-callback" {
		t.Errorf("preflight %d %v", pre.status, pre.header)
	}
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4query", key: testKey}, key: "k"}
	c.initiate(nil)
	req := objReq(t, srv, http.MethodPut, "k", "partNumber=1&uploadId="+c.id, []byte("part"), map[string]string{"Origin": "https://app.example.com"}, "")
	c.a.sign(req, srv.Bucket(), "k")
	r := do(t, nil, req)
	if r.status != 200 || r.header.Get("Access-Control-Expose-Headers") != "ETag, x-oss-request-id" || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("PUT %d %v", r.status, r.header)
	}
	pre = get(t, http.MethodOptions, srv.URL+"/examplebucket/k", "", map[string]string{
		"Origin": "https://evil.example.com", "Access-Control-Request-Method": "PUT",
	})
	if pre.status != 403 || pre.ossError(t).Code != "AccessForbidden" {
		t.Errorf("preflight from another origin: %d", pre.status)
	}
}

// rejectFixture is the state the rejection table starts from: an upload
// in progress with a 1 KB part 1 and 100 KB parts 2 and 3, and an object
// "exists".
type rejectFixture struct {
	srv        *osstest.Server
	id         string
	etag       map[int]string
	cb, cbVars string
}

// TestRejectedPutAndMultipart is the table of PutObject, multipart and
// DeleteObject requests OSS refuses, with OSS's status, code and (where OSS documents
// it) message and EC. After every case nothing is stored (objects and
// uploads unchanged) and no callback was sent.
func TestRejectedPutAndMultipart(t *testing.T) {
	stsKey := osstest.AccessKey{ID: "STS.Key", Secret: "stsSecret", SecurityToken: "tokenA"}
	oldKey := osstest.AccessKey{ID: "STS.Old", Secret: "oldSecret", SecurityToken: "tokenOld", Expires: t0.Add(-time.Minute)}
	srv := newServer(t, osstest.Config{AccessKeys: []osstest.AccessKey{testKey, stsKey, oldKey}})
	var hits sync.Map
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "{}")
	}))
	defer app.Close()
	f := &rejectFixture{srv: srv, etag: map[int]string{}}
	f.cb = mustEncodeCB(t, callback.Params{URL: app.URL + "/cb", Body: callback.FormBody("object")})
	f.cbVars = encodeVars(t, map[string]string{"x:a": "1"})
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4", key: testKey}, key: "up/object"}
	c.initiate(nil)
	f.id = c.id
	f.etag[1] = c.part(1, randomBytes(1<<10, 1))
	f.etag[2] = c.part(2, randomBytes(100<<10, 2))
	f.etag[3] = c.part(3, randomBytes(100<<10, 3))
	exists := objReq(t, srv, http.MethodPut, "up/exists", "", []byte("old"), nil, "")
	auth{kind: "v4", key: testKey}.sign(exists, srv.Bucket(), "up/exists")
	if r := do(t, nil, exists); r.status != 200 {
		t.Fatal(r.status)
	}

	v4 := auth{kind: "v4", key: testKey}
	v4q := auth{kind: "v4query", key: testKey}
	body := []byte("new content")
	put := func(a auth, header map[string]string, query string, mutate func(*http.Request)) *http.Request {
		req := objReq(t, srv, http.MethodPut, "up/new.txt", query, body, header, "")
		a.sign(req, srv.Bucket(), "up/new.txt")
		if mutate != nil {
			mutate(req)
		}
		return req
	}
	partQ := func(n string) string { return "partNumber=" + n + "&uploadId=" + f.id }
	mp := func(a auth, method, query string, data []byte, header map[string]string, mutate func(*http.Request)) *http.Request {
		req := objReq(t, srv, method, "up/object", query, data, header, "")
		a.sign(req, srv.Bucket(), "up/object")
		if mutate != nil {
			mutate(req)
		}
		return req
	}
	del := func(a auth) *http.Request {
		req := objReq(t, srv, http.MethodDelete, "up/exists", "", nil, nil, "")
		a.sign(req, srv.Bucket(), "up/exists")
		return req
	}
	complete := func(parts ...xmlPart) *http.Request {
		return mp(v4, http.MethodPost, "uploadId="+f.id, completeXML(parts...), nil, nil)
	}
	setHeader := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	sigMismatch := "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	partOrder := "The list of parts was not in ascending order. The parts list must be specified in order by part number."
	invalidPart := "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."

	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
		msg    string // "" means not checked
		ec     string
	}{
		// Signatures and credentials.
		{"V4 presigned URL expired", put(auth{kind: "v4query", key: testKey, at: t0.Add(-16 * time.Minute)}, nil, "", nil), 403, "AccessDenied", "Request has expired.", "0002-00000069"},
		{"V1 presigned URL expired", put(auth{kind: "v1query", key: testKey, at: t0.Add(-16 * time.Minute)}, nil, "", nil), 403, "AccessDenied", "Request has expired.", "0002-00000069"},
		{"V4 header wrong secret", put(auth{kind: "v4", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}, nil, "", nil), 403, "SignatureDoesNotMatch", sigMismatch, "0002-00000705"},
		{"V1 header wrong secret", put(auth{kind: "v1", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}, nil, "", nil), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 query signed Content-Type not sent", put(v4q, map[string]string{"Content-Type": "image/png"}, "", func(r *http.Request) { r.Header.Del("Content-Type") }), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 query browser adds Content-Type", put(v4q, nil, "", setHeader("Content-Type", "image/png")), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 query x-oss-meta header added", put(v4q, nil, "", setHeader("X-Oss-Meta-A", "1")), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 header signed x-oss header not sent", put(v4, map[string]string{"X-Oss-Meta-A": "1"}, "", func(r *http.Request) { r.Header.Del("X-Oss-Meta-A") }), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 query additional header not sent", put(auth{kind: "v4query", key: testKey, extra: []string{"content-disposition"}}, map[string]string{"Content-Disposition": "inline"}, "", func(r *http.Request) { r.Header.Del("Content-Disposition") }), 400, "InvalidArgument", "The request lacks the header content-disposition that x-oss-additional-headers names.", "0002-00000077"},
		{"V1 query callback changed", put(auth{kind: "v1query", key: testKey}, nil, "callback="+url.QueryEscape(f.cb), func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "callback=", "callback=e30%3D", 1)
		}), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"V4 query x-oss-expires over 7 days", put(auth{kind: "v4query", key: testKey, expires: 604801 * time.Second}, nil, "", nil), 400, "InvalidArgument", "", "0002-00000070"},
		{"V4 query x-oss-expires missing", put(v4q, nil, "", func(r *http.Request) {
			q := r.URL.Query()
			q.Del("x-oss-expires")
			r.URL.RawQuery = q.Encode()
		}), 400, "InvalidArgument", "", "0002-00000215"},
		{"V4 header 20 minutes old", put(auth{kind: "v4", key: testKey, at: t0.Add(-20 * time.Minute)}, nil, "", nil), 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", ""},
		{"V1 header Date 20 minutes ahead", put(auth{kind: "v1", key: testKey, at: t0.Add(20 * time.Minute)}, nil, "", nil), 403, "RequestTimeTooSkewed", "", ""},
		{"V4 header without x-oss-content-sha256", put(v4, nil, "", func(r *http.Request) { r.Header.Del("X-Oss-Content-Sha256") }), 400, "InvalidArgument", "", "0002-00000214"},
		{"V4 credential names another region", put(auth{kind: "v4", key: testKey, region: "cn-beijing"}, nil, "", nil), 400, "InvalidArgument", "The signing region in credential is invalid.", "0002-00000715"},
		{"unknown access key", put(auth{kind: "v4", key: osstest.AccessKey{ID: "LTAIunknown", Secret: "x"}}, nil, "", nil), 403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", ""},
		{"STS key without token", put(auth{kind: "v4query", key: osstest.AccessKey{ID: stsKey.ID, Secret: stsKey.Secret}}, nil, "", nil), 403, "InvalidAccessKeyId", "", ""},
		{"STS key wrong token", put(auth{kind: "v4", key: osstest.AccessKey{ID: stsKey.ID, Secret: stsKey.Secret, SecurityToken: "forged"}}, nil, "", nil), 403, "InvalidSecurityToken", "The security token you provided is invalid.", ""},
		{"STS token expired", put(auth{kind: "v1query", key: oldKey}, nil, "", nil), 403, "SecurityTokenExpired", "The security token you provided has expired.", ""},
		{"anonymous PUT to a private bucket", put(auth{}, nil, "", nil), 403, "AccessDenied", "You have no right to access this object because of bucket acl.", ""},
		{"header and query signature at once", put(v4, nil, "", func(r *http.Request) { r.URL.RawQuery = "OSSAccessKeyId=x&Signature=y&Expires=1" }), 400, "InvalidArgument", "", ""},
		// Body and object checks.
		{"Content-MD5 does not match", put(v4, map[string]string{"Content-MD5": md5B64([]byte("other"))}, "", nil), 400, "InvalidDigest", "The Content-MD5 you specified was invalid.", ""},
		{"Content-MD5 not Base64", put(v4, map[string]string{"Content-MD5": "!!"}, "", nil), 400, "InvalidDigest", "", ""},
		{"bad object ACL", put(v4, map[string]string{"X-Oss-Object-Acl": "everyone"}, "", nil), 400, "InvalidArgument", "no such object access control exists", ""},
		{"forbid overwrite of an existing object", func() *http.Request {
			req := objReq(t, srv, http.MethodPut, "up/exists", "", body, map[string]string{"X-Oss-Forbid-Overwrite": "true"}, "")
			v4.sign(req, srv.Bucket(), "up/exists")
			return req
		}(), 409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.", ""},
		// Callback parameters.
		{"callback in header and query", put(v4, map[string]string{"X-Oss-Callback": f.cb}, "callback="+url.QueryEscape(f.cb), nil), 400, "InvalidArgument", "Either the callback query string parameter or the x-oss-callback header should be specified, not both.", ""},
		{"callback-var in header and query", put(v4, map[string]string{"X-Oss-Callback": f.cb, "X-Oss-Callback-Var": f.cbVars}, "callback-var="+url.QueryEscape(f.cbVars), nil), 400, "InvalidArgument", "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both.", ""},
		{"callback not Base64", put(v4, map[string]string{"X-Oss-Callback": "not base64!"}, "", nil), 400, "InvalidArgument", ossmsg.MsgNotBase64, "0007-00000002"},
		{"callback over 5 KB", put(v4, map[string]string{"X-Oss-Callback": mustEncodeCB(t, callback.Params{URL: app.URL, Body: "a=" + strings.Repeat("b", 5<<10)})}, "", nil), 400, "InvalidArgument", "The length of callback exceed max value.", ""},
		{"callback-var not JSON", put(v4, map[string]string{"X-Oss-Callback": f.cb, "X-Oss-Callback-Var": b64("x:a=1")}, "", nil), 400, "InvalidArgument", "The callback var is not expecten json.", ""},
		// Multipart.
		{"initiate with a wrong signature", mp(auth{kind: "v4", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}, http.MethodPost, "uploads", nil, nil, nil), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"part for an unknown upload id", mp(v4, http.MethodPut, "partNumber=1&uploadId=0004B9B2D2F7815C432C9057C031AAAA", body, nil, nil), 404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", ""},
		{"part number 0", mp(v4, http.MethodPut, partQ("0"), body, nil, nil), 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.", "0017-00000220"},
		{"part number 10001", mp(v4, http.MethodPut, partQ("10001"), body, nil, nil), 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.", "0017-00000220"},
		{"part with an expired presigned URL", mp(auth{kind: "v4query", key: testKey, at: t0.Add(-time.Hour)}, http.MethodPut, partQ("4"), body, nil, nil), 403, "AccessDenied", "Request has expired.", ""},
		{"part with a wrong Content-MD5", mp(v4, http.MethodPut, partQ("4"), body, map[string]string{"Content-MD5": md5B64([]byte("x"))}, nil), 400, "InvalidDigest", "", ""},
		{"complete an unknown upload id", mp(v4, http.MethodPost, "uploadId=FFFF", completeXML(xmlPart{2, f.etag[2]}), nil, nil), 404, "NoSuchUpload", "", ""},
		{"complete with parts out of order", complete(xmlPart{3, f.etag[3]}, xmlPart{2, f.etag[2]}), 400, "InvalidPartOrder", partOrder, "0042-00000209"},
		{"complete with a part listed twice", complete(xmlPart{2, f.etag[2]}, xmlPart{2, f.etag[2]}), 400, "InvalidPartOrder", partOrder, ""},
		{"complete with a missing part", complete(xmlPart{2, f.etag[2]}, xmlPart{3, f.etag[3]}, xmlPart{4, f.etag[3]}), 400, "InvalidPart", invalidPart, ""},
		{"complete with a wrong ETag", complete(xmlPart{2, f.etag[3]}, xmlPart{3, f.etag[3]}), 400, "InvalidPart", invalidPart, ""},
		{"complete with a part under 100 KB", complete(xmlPart{1, f.etag[1]}, xmlPart{2, f.etag[2]}), 400, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.", "0042-00000213"},
		{"complete with malformed XML", mp(v4, http.MethodPost, "uploadId="+f.id, []byte("<CompleteMultipartUpload><Part>"), nil, nil), 400, "MalformedXML", "", ""},
		{"complete with another root element", mp(v4, http.MethodPost, "uploadId="+f.id, []byte("<Parts/>"), nil, nil), 400, "MalformedXML", "", ""},
		{"complete with callback in header and query", mp(v4, http.MethodPost, "uploadId="+f.id+"&callback="+url.QueryEscape(f.cb), completeXML(xmlPart{2, f.etag[2]}), map[string]string{"X-Oss-Callback": f.cb}, nil), 400, "InvalidArgument", "Either the callback query string parameter or the x-oss-callback header should be specified, not both.", ""},
		{"complete with a wrong signature", mp(auth{kind: "v1", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}, http.MethodPost, "uploadId="+f.id, completeXML(xmlPart{2, f.etag[2]}), map[string]string{"X-Oss-Callback": f.cb}, nil), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"abort an unknown upload id", mp(v4, http.MethodDelete, "uploadId=FFFF", nil, nil, nil), 404, "NoSuchUpload", "", ""},
		{"list parts of an unknown upload id", mp(v4, http.MethodGet, "uploadId=FFFF", nil, nil, nil), 404, "NoSuchUpload", "", ""},
		{"GET with an expired presigned URL", mp(auth{kind: "v1query", key: testKey, at: t0.Add(-time.Hour)}, http.MethodGet, "", nil, nil, nil), 403, "AccessDenied", "Request has expired.", ""},
		// DeleteObject of "up/exists", refused, leaves it in place.
		{"DELETE with a wrong signature", del(auth{kind: "v4", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}), 403, "SignatureDoesNotMatch", sigMismatch, "0002-00000705"},
		{"DELETE with a V1 query wrong signature", del(auth{kind: "v1query", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}), 403, "SignatureDoesNotMatch", sigMismatch, ""},
		{"DELETE with an expired V4 presigned URL", del(auth{kind: "v4query", key: testKey, at: t0.Add(-time.Hour)}), 403, "AccessDenied", "Request has expired.", "0002-00000069"},
		{"DELETE with an expired V1 presigned URL", del(auth{kind: "v1query", key: testKey, at: t0.Add(-time.Hour)}), 403, "AccessDenied", "Request has expired.", "0002-00000069"},
		{"anonymous DELETE on a private bucket", del(auth{}), 403, "AccessDenied", "You have no right to access this object because of bucket acl.", ""},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	objects, uploads := srv.Objects(), srv.MultipartUploads()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, nil, c.req)
			e := r.ossError(t)
			if r.status != c.status || e.Code != c.code || (c.msg != "" && e.Message != c.msg) || (c.ec != "" && e.EC != c.ec) {
				t.Errorf("got %d %s %q EC %s; want %d %s %q EC %s", r.status, e.Code, e.Message, e.EC, c.status, c.code, c.msg, c.ec)
			}
			if diff := cmp.Diff(objects, srv.Objects()); diff != "" {
				t.Errorf("objects changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(uploads, srv.MultipartUploads()); diff != "" {
				t.Errorf("uploads changed (-before +after):\n%s", diff)
			}
			if n := len(srv.Callbacks()); n != 0 {
				t.Errorf("%d callbacks attempted", n)
			}
		})
	}
	hits.Range(func(k, _ any) bool { t.Errorf("app called at %v", k); return true })
}

// TestLargeMultipartMemory uploads 1 GiB as 16 parts of 64 MiB (under the
// race detector 128 MiB as 16 parts of 8 MiB; test.sh also runs it at full
// size without), two at a time, through the directory store, and completes
// it: the heap grows by
// less than 64 MiB at every sampled point (client, server and emulator
// all run in this process), the object has the multipart ETag and the
// CRC-64 of the whole, and only its file is left in the directory.
func TestLargeMultipartMemory(t *testing.T) {
	partSize, parts := int64(64<<20), 16
	if raceEnabled {
		partSize = 8 << 20
	}
	t.Logf("%d parts of %d MiB", parts, partSize>>20)
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4query", key: testKey, expires: time.Hour}, key: "big/multipart"}
	c.initiate(nil)

	heap := newHeapSampler()
	runtime.GC()
	base := heap.read()
	heap.peak = base

	type sum struct {
		md5  []byte
		etag string
	}
	sums := make([]sum, parts)
	var wg sync.WaitGroup
	errs := make(chan error, parts)
	next := make(chan int, parts)
	for i := range parts {
		next <- i
	}
	close(next)
	var heapMu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				md5h := md5.New()
				heapMu.Lock()
				src := newRandomReader(partSize, heap)
				heapMu.Unlock()
				body := io.TeeReader(&lockedReader{r: src, mu: &heapMu}, md5h)
				req := objReq(t, srv, http.MethodPut, c.key, fmt.Sprintf("partNumber=%d&uploadId=%s", i+1, c.id), nil, nil, "")
				req.Body = io.NopCloser(body)
				req.ContentLength = partSize
				c.a.sign(req, srv.Bucket(), c.key)
				r, err := tryDo(nil, req)
				if err == nil && r.status != 200 {
					err = fmt.Errorf("part %d: %d %s", i+1, r.status, r.body)
				}
				if err != nil {
					errs <- err
					return
				}
				sums[i] = sum{md5h.Sum(nil), r.header.Get("ETag")}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	xmlParts := make([]xmlPart, parts)
	etagOfParts := md5.New()
	for i, s := range sums {
		if want := `"` + strings.ToUpper(hex.EncodeToString(s.md5)) + `"`; s.etag != want {
			t.Errorf("part %d ETag %s, want %s", i+1, s.etag, want)
		}
		xmlParts[i] = xmlPart{i + 1, s.etag}
		etagOfParts.Write(s.md5)
	}
	r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlParts...), nil)
	heapMu.Lock()
	heap.read()
	heapMu.Unlock()
	if r.status != 200 {
		t.Fatalf("complete %d %s", r.status, r.body)
	}
	obj, _ := srv.Object(c.key)
	wantETag := `"` + strings.ToUpper(hex.EncodeToString(etagOfParts.Sum(nil))) + "-16" + `"`
	if obj.Size != partSize*int64(parts) || obj.ETag != wantETag {
		t.Errorf("stored %d bytes, ETag %s; want %d, %s", obj.Size, obj.ETag, partSize*int64(parts), wantETag)
	}
	if files := dirFiles(t, dir); len(files) != 1 {
		t.Errorf("files left: %v", files)
	}
	growth := heap.peak - base
	t.Logf("1 GiB in %d parts: heap %d MiB at start, peak growth %.1f MiB over %d samples", parts, base>>20, float64(growth)/(1<<20), heap.n)
	if growth >= 64<<20 {
		t.Errorf("heap grew by %d bytes, want < 64 MiB", growth)
	}
	if int64(heap.n) < int64(parts)*partSize/sampleEvery {
		t.Errorf("only %d heap samples", heap.n)
	}
}

// lockedReader serialises reads of generators that share a heapSampler.
type lockedReader struct {
	r  io.Reader
	mu *sync.Mutex
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// BenchmarkUploadPart measures UploadPart throughput (V4 query signature,
// MD5 + CRC-64, storing) for a 64 MiB part over loopback. Compare with
// BenchmarkUploadBaselineMD5, a bare loopback POST of as many bytes whose
// handler only computes their MD5, in the same run:
//
//	go test -run '^$' -bench 'BenchmarkUploadPart|BenchmarkUploadBaselineMD5' -count 4 ./osstest
func BenchmarkUploadPart(b *testing.B) {
	content := randomBytes(benchFileSize, 9)
	for _, store := range []string{"memory", "dir"} {
		b.Run(store, func(b *testing.B) {
			var cfg osstest.Config
			if store == "dir" {
				cfg.Dir = b.TempDir()
			}
			srv := newServer(b, cfg)
			c := &mpClient{t: b, srv: srv, a: auth{kind: "v4query", key: testKey}, key: "bench/part"}
			c.initiate(nil)
			req := objReq(b, srv, http.MethodPut, c.key, "partNumber=1&uploadId="+c.id, nil, nil, "")
			c.a.sign(req, srv.Bucket(), c.key)
			u := req.URL.String()
			b.SetBytes(benchFileSize)
			b.ResetTimer()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(content))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// FuzzCompleteMultipartUpload: any CompleteMultipartUpload body is
// answered 200 or with an OSS 4xx error, never a panic or a 5xx, and an
// answer other than 200 leaves the upload in progress and stores nothing.
// A 200 stores the one part, or an empty object for an empty part list.
func FuzzCompleteMultipartUpload(f *testing.F) {
	f.Add([]byte("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"X\"</ETag></Part></CompleteMultipartUpload>"))
	f.Add([]byte("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>"))
	f.Add([]byte("<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>"))
	f.Add([]byte("<CompleteMultipartUpload/>"))
	f.Add([]byte(""))
	srv := newServer(f, osstest.Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &mpClient{t: t, srv: srv, a: auth{kind: "v4", key: testKey}, key: "fuzz"}
		c.initiate(nil)
		etag := c.part(1, []byte("only part"))
		body = bytes.ReplaceAll(body, []byte(`"X"`), []byte(etag))
		before, _ := srv.Object("fuzz")
		r := c.do(http.MethodPost, "uploadId="+c.id, body, nil)
		after, _ := srv.Object("fuzz")
		switch {
		case r.status == 200:
			if after.ETag != multipartETag([]byte("only part")) && after.ETag != multipartETag() {
				t.Fatalf("200 but stored %+v", after)
			}
		case r.status >= 400 && r.status < 500:
			r.ossError(t)
			if !cmp.Equal(before, after) {
				t.Fatalf("%d but stored %+v", r.status, after)
			}
			c.do(http.MethodDelete, "uploadId="+c.id, nil, nil)
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if ups := srv.MultipartUploads(); len(ups) != 0 {
			t.Fatalf("uploads left: %v", ups)
		}
	})
}

// TestMultipartObjectType: an object made by CompleteMultipartUpload is of
// type Multipart and has no Content-MD5, as OSS answers HEAD for it
// (https://www.alibabacloud.com/help/en/oss/developer-reference/headobject);
// a PutObject's is Normal with its Content-MD5.
func TestMultipartObjectType(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	a := auth{kind: "v4", key: testKey}
	c := &mpClient{t: t, srv: srv, a: a, key: "mp/typed"}
	c.initiate(nil)
	etag := c.part(1, []byte("one part"))
	if r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, etag}), nil); r.status != 200 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	putObject(t, srv, "plain", []byte("plain"))
	for key, want := range map[string]string{"mp/typed": "Multipart", "plain": "Normal"} {
		req := objReq(t, srv, http.MethodHead, key, "", nil, nil, "")
		a.sign(req, srv.Bucket(), key)
		r := do(t, nil, req)
		_, hasMD5 := r.header["Content-Md5"]
		if r.status != 200 || r.header.Get("X-Oss-Object-Type") != want || hasMD5 != (want == "Normal") {
			t.Errorf("%s: %d type %q, Content-MD5 present %v", key, r.status, r.header.Get("X-Oss-Object-Type"), hasMD5)
		}
	}
}
