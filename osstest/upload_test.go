package osstest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

// The credentials of docs/PROTOCOL.md#worked-example and a clock inside its
// policy's validity.
var (
	testKey = osstest.AccessKey{ID: "LTAI5tExampleKeyId", Secret: "ExampleSecretKey1234567890abcd"}
	t0      = time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
)

// readObject returns the content Emulator.Object gives for key.
func readObject(emu interface {
	Object(string) (osstest.Object, bool)
}, key string) ([]byte, error) {
	obj, ok := emu.Object(key)
	if !ok {
		return nil, fmt.Errorf("%q is not stored", key)
	}
	return obj.Content, nil
}

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

// part is one multipart part of a hand-built form.
type part struct {
	name     string
	value    string
	file     bool              // a file part: value is the content
	filename string            // file only; "" sends no filename parameter
	ctype    string            // file only; the part's Content-Type line
	header   map[string]string // extra header lines
}

func field(name, value string) part { return part{name: name, value: value} }

func file(filename, ctype, content string) part {
	return part{name: "file", value: content, file: true, filename: filename, ctype: ctype}
}

// encodeForm writes parts as multipart/form-data.
func encodeForm(t testing.TB, parts []part) ([]byte, string) {
	t.Helper()
	body, ct, err := encodeFormErr(parts)
	if err != nil {
		t.Fatal(err)
	}
	return body, ct
}

// encodeFormErr is encodeForm for goroutines other than the test's, which
// must not call t.Fatal.
func encodeFormErr(parts []part) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name="%s"`, p.name)
		if p.file && p.filename != "" {
			cd += fmt.Sprintf(`; filename="%s"`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.file && p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		for k, v := range p.header {
			h.Set(k, v)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		io.WriteString(pw, p.value)
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// Independent signature implementations (docs/PROTOCOL.md#post-signature-v1,
// #post-signature-v4), checked against the #worked-example vectors in
// TestTestSigners, so the emulator is not tested
// against code that shares its bugs.
func signV1(secret, encPolicy string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(encPolicy))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func signV4(secret, region string, at time.Time, encPolicy string) string {
	h := func(k []byte, s string) []byte {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	k := h([]byte("aliyun_v4"+secret), at.UTC().Format("20060102"))
	k = h(k, region)
	k = h(k, "oss")
	k = h(k, "aliyun_v4_request")
	return hex.EncodeToString(h(k, encPolicy))
}

func TestTestSigners(t *testing.T) {
	const v1Policy = "eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0="
	const v4Policy = "eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0RXhhbXBsZUtleUlkLzIwMjQxMjAzL2NuLWhhbmd6aG91L29zcy9hbGl5dW5fdjRfcmVxdWVzdCJ9LHsieC1vc3MtZGF0ZSI6IjIwMjQxMjAzVDEyMTIxMloifSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVzZXIvZXJpYy8iXV19"
	if got, want := signV1(testKey.Secret, v1Policy), "X8tqkl9IljJipmDs1Ve4DP8THj8="; got != want {
		t.Errorf("signV1 = %s, want %s (docs/PROTOCOL.md#worked-example)", got, want)
	}
	at := time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)
	if got, want := signV4(testKey.Secret, "cn-hangzhou", at, v4Policy), "5bbaa7dccf181651f144b461cad5ff1390af4b75211afc7288bd7cdc98fc568e"; got != want {
		t.Errorf("signV4 = %s, want %s (docs/PROTOCOL.md#worked-example)", got, want)
	}
}

func mustEncode(t testing.TB, p policy.Policy) string {
	t.Helper()
	enc, err := p.Encode()
	if err != nil {
		t.Fatalf("policy.Encode: %v", err)
	}
	return enc
}

// v1Auth returns the V1 signature fields for p signed with ak.
func v1Auth(t testing.TB, ak osstest.AccessKey, p policy.Policy) []part {
	enc := mustEncode(t, p)
	return []part{field("OSSAccessKeyId", ak.ID), field("policy", enc), field("Signature", signV1(ak.Secret, enc))}
}

// v4Auth returns the V4 fields for a policy made of the V4 conditions
// (docs/PROTOCOL.md#post-signature-v4), the STS token condition when ak has
// one, and conds.
func v4Auth(t testing.TB, ak osstest.AccessKey, region string, at time.Time, expires time.Time, conds ...policy.Condition) []part {
	cred := ak.ID + "/" + at.UTC().Format("20060102") + "/" + region + "/oss/aliyun_v4_request"
	date := at.UTC().Format("20060102T150405Z")
	all := []policy.Condition{
		policy.Exact("x-oss-signature-version", "OSS4-HMAC-SHA256"),
		policy.Exact("x-oss-credential", cred),
		policy.Exact("x-oss-date", date),
	}
	if ak.SecurityToken != "" {
		all = append(all, policy.SecurityToken(ak.SecurityToken))
	}
	enc := mustEncode(t, policy.New(expires, append(all, conds...)...))
	parts := []part{
		field("x-oss-signature-version", "OSS4-HMAC-SHA256"),
		field("x-oss-credential", cred),
		field("x-oss-date", date),
	}
	if ak.SecurityToken != "" {
		parts = append(parts, field("x-oss-security-token", ak.SecurityToken))
	}
	return append(parts, field("policy", enc), field("x-oss-signature", signV4(ak.Secret, region, at, enc)))
}

func join(groups ...[]part) []part {
	var out []part
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// result is a response with its body read.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) ossError(t testing.TB) *osstest.ErrorResponse {
	t.Helper()
	e, err := osstest.ParseError(r.status, r.body)
	if err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	return e
}

func do(t testing.TB, c *http.Client, req *http.Request) result {
	t.Helper()
	r, err := tryDo(c, req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryDo is do for goroutines other than the test's.
func tryDo(c *http.Client, req *http.Request) (result, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func postForm(t testing.TB, url string, parts []part) result {
	t.Helper()
	body, ct := encodeForm(t, parts)
	r, err := tryPost(url, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryPost posts a form body; it does not call t.Fatal, so goroutines can
// use it.
func tryPost(url, contentType string, body []byte) (result, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", contentType)
	return tryDo(nil, req)
}

var requestIDRE = regexp.MustCompile(`^[0-9A-F]{24}$`)

func checkCommonHeaders(t testing.TB, r result) {
	t.Helper()
	if id := r.header.Get("x-oss-request-id"); !requestIDRE.MatchString(id) {
		t.Errorf("x-oss-request-id = %q, want 24 upper-case hex digits", id)
	}
	if s := r.header.Get("Server"); s != "AliyunOSS" {
		t.Errorf("Server = %q, want AliyunOSS", s)
	}
}

func basePolicy(conds ...policy.Condition) policy.Policy {
	return policy.New(t0.Add(time.Hour), append([]policy.Condition{
		policy.Bucket("examplebucket"),
		policy.ContentLengthRange(1, 1024),
		policy.KeyPrefix("user/eric/"),
	}, conds...)...)
}

func TestUploadV1Success(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	tests := []struct {
		name       string
		extra      []part
		wantStatus int
		wantBody   string
	}{
		{"default 204", nil, 204, ""},
		{"200", []part{field("success_action_status", "200")}, 200, ""},
		{"204", []part{field("success_action_status", "204")}, 204, ""},
		{"invalid status means 204", []part{field("success_action_status", "302")}, 204, ""},
		{"201", []part{field("success_action_status", "201")}, 201,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<PostResponse><Bucket>examplebucket</Bucket><Location>` + srv.URL + `/user/eric/a%20b.txt</Location>` +
				`<Key>user/eric/a b.txt</Key><ETag>5D41402ABC4B2A76B9719D911017C592</ETag></PostResponse>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/a b.txt")}, tc.extra,
				[]part{file("x.txt", "text/plain", "hello")})
			r := postForm(t, srv.URL+"/", parts)
			checkCommonHeaders(t, r)
			if r.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", r.status, tc.wantStatus, r.body)
			}
			if string(r.body) != tc.wantBody {
				t.Errorf("body = %q, want %q", r.body, tc.wantBody)
			}
			// MD5("hello") = 5d41402abc4b2a76b9719d911017c592.
			if got := r.header.Get("ETag"); got != `"5D41402ABC4B2A76B9719D911017C592"` {
				t.Errorf("ETag = %s", got)
			}
			if got := r.header.Get("Content-MD5"); got != "XUFAKrxLKna5cZ2REBfFkg==" {
				t.Errorf("Content-MD5 = %s", got)
			}
			obj, ok := srv.Object("user/eric/a b.txt")
			if !ok {
				t.Fatal("object not stored")
			}
			if r.header.Get("x-oss-hash-crc64ecma") != fmt.Sprint(obj.CRC64) {
				t.Errorf("x-oss-hash-crc64ecma = %s, object CRC64 %d", r.header.Get("x-oss-hash-crc64ecma"), obj.CRC64)
			}
		})
	}
}

// TestObjectMetadata checks what is stored from the form fields
// (docs/PROTOCOL.md#form-fields), including the content type precedence and
// ${filename}.
func TestObjectMetadata(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pol := basePolicy()

	tests := []struct {
		name  string
		parts []part
		want  osstest.Object
	}{
		{
			name: "x-oss-content-type wins",
			parts: []part{field("key", "user/eric/1"), field("Content-Type", "text/csv"), field("x-oss-content-type", "image/png"),
				file("f.bin", "application/pdf", "abc")},
			want: osstest.Object{Key: "user/eric/1", ContentType: "image/png"},
		},
		{
			name:  "file part type beats field",
			parts: []part{field("key", "user/eric/2"), field("Content-Type", "text/csv"), file("f.bin", "application/pdf", "abc")},
			want:  osstest.Object{Key: "user/eric/2", ContentType: "application/pdf"},
		},
		{
			name:  "field when the file part has none",
			parts: []part{field("key", "user/eric/3"), field("Content-Type", "text/csv"), file("f.bin", "", "abc")},
			want:  osstest.Object{Key: "user/eric/3", ContentType: "text/csv"},
		},
		{
			name:  "guessed from the key",
			parts: []part{field("key", "user/eric/4.png"), file("f.bin", "", "abc")},
			want:  osstest.Object{Key: "user/eric/4.png", ContentType: "image/png"},
		},
		{
			name:  "octet-stream",
			parts: []part{field("key", "user/eric/5"), file("f.bin", "", "abc")},
			want:  osstest.Object{Key: "user/eric/5", ContentType: "application/octet-stream"},
		},
		{
			name: "headers, metadata, ACL, storage class, encryption; names case-insensitive",
			parts: []part{field("KEY", "user/eric/6"), field("cache-control", "no-cache"), field("Content-Disposition", "attachment"),
				field("Content-Encoding", "identity"), field("Expires", "Wed, 21 Oct 2025 07:28:00 GMT"),
				field("X-OSS-Meta-Owner", "eric"), field("x-oss-meta-uuid", "1234"), field("x-oss-object-acl", "private"),
				field("x-oss-storage-class", "IA"), field("x-oss-server-side-encryption", "AES256"), file("f.txt", "text/plain", "abc")},
			want: osstest.Object{Key: "user/eric/6", ContentType: "text/plain", CacheControl: "no-cache", ContentDisposition: "attachment",
				ContentEncoding: "identity", Expires: "Wed, 21 Oct 2025 07:28:00 GMT", Meta: map[string]string{"owner": "eric", "uuid": "1234"},
				ACL: "private", StorageClass: "IA", ServerSideEncryption: "AES256"},
		},
		{
			name:  "${filename}",
			parts: []part{field("key", "user/eric/${filename}"), file("photo.png", "image/png", "abc")},
			want:  osstest.Object{Key: "user/eric/photo.png", ContentType: "image/png"},
		},
		{
			name:  "${filename} with a Windows path",
			parts: []part{field("key", "user/eric/w/${filename}"), file(`C:\Users\eric\notes.txt`, "text/plain", "abc")},
			want:  osstest.Object{Key: "user/eric/w/notes.txt", ContentType: "text/plain"},
		},
		{
			name:  "${filename} without a filename stays literal",
			parts: []part{field("key", "user/eric/${filename}"), file("", "", "abc")},
			want:  osstest.Object{Key: "user/eric/${filename}", ContentType: "application/octet-stream"},
		},
		{
			name: "${filename} from RFC 2231 filename*",
			parts: []part{field("key", "user/eric/${filename}"), {name: "file", value: "abc", file: true,
				header: map[string]string{"Content-Disposition": `form-data; name="file"; filename*=UTF-8''%E4%B8%AD%E6%96%87.txt`}}},
			want: osstest.Object{Key: "user/eric/中文.txt", ContentType: "text/plain"},
		},
		{
			name: "fields after the file are ignored",
			parts: []part{field("key", "user/eric/7"), file("f.txt", "text/plain", "abc"), field("submit", "Upload"),
				field("key", "user/eric/other")},
			want: osstest.Object{Key: "user/eric/7", ContentType: "text/plain"},
		},
		{
			name: "quoted-printable file is stored as sent",
			parts: []part{field("key", "user/eric/8"), {name: "file", value: "a=3Db", file: true, filename: "q.txt", ctype: "text/plain",
				header: map[string]string{"Content-Transfer-Encoding": "quoted-printable"}}},
			want: osstest.Object{Key: "user/eric/8", ContentType: "text/plain"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, srv.URL, join(v1Auth(t, testKey, pol), tc.parts))
			if r.status != 204 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			got, ok := srv.Object(tc.want.Key)
			if !ok {
				t.Fatalf("object %q not stored; have %v", tc.want.Key, srv.Objects())
			}
			defaults := osstest.Object{ACL: "default", StorageClass: "Standard"}
			if tc.want.ACL == "" {
				tc.want.ACL = defaults.ACL
			}
			if tc.want.StorageClass == "" {
				tc.want.StorageClass = defaults.StorageClass
			}
			ignore := cmpopts.IgnoreFields(osstest.Object{}, "Size", "ETag", "ContentMD5", "CRC64", "LastModified", "Content")
			if diff := cmp.Diff(tc.want, got, ignore, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("object (-want +got):\n%s", diff)
			}
			if !got.LastModified.Equal(t0) {
				t.Errorf("LastModified = %v, want the emulator clock %v", got.LastModified, t0)
			}
		})
	}
	content, err := readObject(srv, "user/eric/8")
	if err != nil || string(content) != "a=3Db" {
		t.Errorf("quoted-printable content = %q, %v; want it undecoded", content, err)
	}
}

func TestPathStyleAndVirtualHost(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		name, path, host string
		wantStatus       int
	}{
		{"bare host", "/", "", 204},
		{"path style", "/examplebucket/", "", 204},
		{"path style without slash", "/examplebucket", "", 204},
		{"virtual host", "/", "examplebucket.oss-cn-hangzhou.aliyuncs.com", 204},
		{"virtual host on localhost", "/", "examplebucket.localhost", 204},
		{"other bucket, virtual host", "/", "otherbucket.oss-cn-hangzhou.aliyuncs.com", 404},
		{"other bucket, path style", "/otherbucket/", "", 404},
		{"object path on a virtual host", "/x", "examplebucket.localhost", 405},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("user/eric/route%d", i)
			body, ct := encodeForm(t, join(v1Auth(t, testKey, basePolicy()), []part{field("key", key), file("a", "text/plain", "x")}))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			if tc.host != "" {
				req.Host = tc.host
			}
			r := do(t, nil, req)
			checkCommonHeaders(t, r)
			if r.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			_, stored := srv.Object(key)
			if stored != (tc.wantStatus == 204) {
				t.Errorf("stored = %v", stored)
			}
			if tc.wantStatus == 404 {
				if e := r.ossError(t); e.Code != "NoSuchBucket" {
					t.Errorf("code = %s", e.Code)
				}
			}
		})
	}
}

// TestGolden posts the golden V4 body of docs/PROTOCOL.md#worked-example byte
// for byte.
func TestGolden(t *testing.T) {
	body, err := os.ReadFile("testdata/v4_form_body.bin")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := osstest.NewServer(osstest.Config{
		Bucket: "examplebucket", Region: "cn-hangzhou",
		AccessKeys: []osstest.AccessKey{testKey},
		Now:        clock(t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Host = "examplebucket.oss-cn-hangzhou.aliyuncs.com"
	req.Header.Set("Content-Type", "multipart/form-data; boundary=WorkedExampleBoundary7MA4YWxkTrZu0gW")
	r := do(t, nil, req)
	checkCommonHeaders(t, r)
	if r.status != 201 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	wantHeaders := map[string]string{
		"ETag":                 `"B22E0DC370A7F7067FACF5F75D7FA385"`,
		"x-oss-hash-crc64ecma": "8707180448768400016",
		"Content-MD5":          "si4Nw3Cn9wZ/rPX3XX+jhQ==",
		"Content-Type":         "application/xml",
	}
	for k, v := range wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<PostResponse><Bucket>examplebucket</Bucket>` +
		`<Location>http://examplebucket.oss-cn-hangzhou.aliyuncs.com/user/eric/hello.txt</Location>` +
		`<Key>user/eric/hello.txt</Key><ETag>B22E0DC370A7F7067FACF5F75D7FA385</ETag></PostResponse>`
	if string(r.body) != want {
		t.Errorf("body:\n%s\nwant:\n%s", r.body, want)
	}
	obj, ok := srv.Object("user/eric/hello.txt")
	if !ok {
		t.Fatal("user/eric/hello.txt not stored")
	}
	wantObj := osstest.Object{
		Key: "user/eric/hello.txt", Size: 6, ETag: `"B22E0DC370A7F7067FACF5F75D7FA385"`,
		ContentMD5: "si4Nw3Cn9wZ/rPX3XX+jhQ==", CRC64: 8707180448768400016, ContentType: "text/plain",
		ACL: "default", StorageClass: "Standard", LastModified: t0, Content: []byte("hi oss"),
	}
	if diff := cmp.Diff(wantObj, obj); diff != "" {
		t.Errorf("object (-want +got):\n%s", diff)
	}

	// One minute past the policy's expiration (13:00Z) the same body is refused.
	late, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(time.Date(2024, 12, 3, 13, 1, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	req, _ = http.NewRequest(http.MethodPost, late.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=WorkedExampleBoundary7MA4YWxkTrZu0gW")
	r = do(t, nil, req)
	if e := r.ossError(t); r.status != 403 || e.Code != "AccessDenied" || e.Message != "Invalid according to Policy: Policy expired." {
		t.Errorf("late upload: %d %s %q", r.status, e.Code, e.Message)
	}
}

// TestAcceptedVariants covers forms OSS accepts although they differ from
// the canonical spelling or shape.
func TestAcceptedVariants(t *testing.T) {
	srv := newServer(t, osstest.Config{AccessKeys: []osstest.AccessKey{testKey, {ID: "LTAIsecond", Secret: "second secret"}}})
	rw := newServer(t, osstest.Config{ACL: "public-read-write"})
	enc := mustEncode(t, basePolicy())
	body := func(key string) []part { return []part{field("key", key), file("a.txt", "text/plain", "hello")} }
	tests := []struct {
		name   string
		srv    *osstest.Server
		parts  []part
		header map[string]string
		key    string
	}{
		{"lower-case field names (the demos' 'signature')", srv,
			join([]part{field("ossaccesskeyid", testKey.ID), field("POLICY", enc), field("signature", signV1(testKey.Secret, enc))}, body("user/eric/lc")), nil, "user/eric/lc"},
		{"second access key", srv, join(v1Auth(t, osstest.AccessKey{ID: "LTAIsecond", Secret: "second secret"}, basePolicy()), body("user/eric/k2")), nil, "user/eric/k2"},
		{"empty x-oss-security-token with a permanent key (Python SDK example)", srv,
			join(v1Auth(t, testKey, basePolicy()), []part{field("x-oss-security-token", "")}, body("user/eric/tok")), nil, "user/eric/tok"},
		{"fields the policy does not mention", srv,
			join(v1Auth(t, testKey, basePolicy()), []part{field("x-oss-meta-uuid", "1"), field("Content-Disposition", "inline"), field("x:var1", "v")}, body("user/eric/extra")), nil, "user/eric/extra"},
		{"correct Content-MD5 header", srv, join(v1Auth(t, testKey, basePolicy()), body("user/eric/md5")), map[string]string{"Content-MD5": "?"}, "user/eric/md5"},
		{"V4", srv, join(v4Auth(t, testKey, "cn-hangzhou", t0.Add(-time.Minute), t0.Add(time.Hour), basePolicy().Conditions...), body("user/eric/v4")), nil, "user/eric/v4"},
		{"V4 x-oss-date 10 minutes ahead", srv, join(v4Auth(t, testKey, "cn-hangzhou", t0.Add(10*time.Minute), t0.Add(time.Hour), basePolicy().Conditions...), body("user/eric/v4skew")), nil, "user/eric/v4skew"},
		{"anonymous upload to a public-read-write bucket", rw, body("anything/at/all"), nil, "anything/at/all"},
		{"signed upload to a public-read-write bucket", rw, join(v1Auth(t, rw.AccessKey(), basePolicy()), body("user/eric/rw")), nil, "user/eric/rw"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, ct := encodeForm(t, tc.parts)
			req, _ := http.NewRequest(http.MethodPost, tc.srv.URL, bytes.NewReader(raw))
			req.Header.Set("Content-Type", ct)
			for k, v := range tc.header {
				if v == "?" {
					sum := md5.Sum(raw)
					v = base64.StdEncoding.EncodeToString(sum[:])
				}
				req.Header.Set(k, v)
			}
			r := do(t, nil, req)
			if r.status != 204 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if _, ok := tc.srv.Object(tc.key); !ok {
				t.Errorf("%q not stored", tc.key)
			}
		})
	}

	// A public-read-write bucket still requires all signature fields once
	// one is present (docs/PROTOCOL.md#form-upload).
	r := postForm(t, rw.URL, join([]part{field("policy", enc)}, body("user/eric/partial")))
	if e := r.ossError(t); r.status != 400 || e.Message != "Post request accessKeyId is empty." {
		t.Errorf("partial signature on a public bucket: %d %q", r.status, e.Message)
	}
}

// TestSuccessActionRedirect: 303 to the given URL with bucket, key and
// etag appended, as Amazon S3 does [inferred for OSS].
func TestSuccessActionRedirect(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	tests := []struct{ redirect, want string }{
		{"https://app.example.com/done", "https://app.example.com/done?bucket=examplebucket&etag=%225D41402ABC4B2A76B9719D911017C592%22&key=user%2Feric%2Fr.txt"},
		{"https://app.example.com/done?x=1", "https://app.example.com/done?x=1&bucket=examplebucket&etag=%225D41402ABC4B2A76B9719D911017C592%22&key=user%2Feric%2Fr.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.redirect, func(t *testing.T) {
			parts := join(v1Auth(t, testKey, basePolicy()), []part{field("success_action_redirect", tc.redirect), field("success_action_status", "201"),
				field("key", "user/eric/r.txt"), file("a", "", "hello")})
			body, ct := encodeForm(t, parts)
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 || resp.Header.Get("Location") != tc.want {
				t.Errorf("%d Location %q, want 303 %q", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
}
