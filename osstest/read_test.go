package osstest_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"hash/crc64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

func get(t *testing.T, method, url, host string, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, nil, req)
}

// TestReadBack: stored objects are served by GET and HEAD with OSS's
// object headers, from memory and from a directory.
func TestReadBack(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		name := "memory"
		if dir != "" {
			name = "dir"
		}
		t.Run(name, func(t *testing.T) {
			// A public-read bucket, so that the reads below go unsigned;
			// TestReadACL covers private reads.
			srv := newServer(t, osstest.Config{Dir: dir, ACL: "public-read"})
			parts := join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/r 1.txt"), field("x-oss-meta-owner", "eric"),
				field("Cache-Control", "max-age=60"), file("f.txt", "text/plain", "hello world")})
			if r := postForm(t, srv.URL, parts); r.status != 204 {
				t.Fatalf("upload %d %s", r.status, r.body)
			}

			r := get(t, http.MethodGet, srv.URL+"/user/eric/r%201.txt", "", nil)
			checkCommonHeaders(t, r)
			want := map[string]string{
				"Content-Type":         "text/plain",
				"Content-Length":       "11",
				"ETag":                 `"5EB63BBBE01EEED093CB22BB8F5ACDC3"`, // MD5("hello world")
				"Content-MD5":          "XrY7u+Ae7tCTyyK7j1rNww==",
				"x-oss-hash-crc64ecma": strconv.FormatUint(crc64.Checksum([]byte("hello world"), crc64.MakeTable(crc64.ECMA)), 10),
				"x-oss-meta-owner":     "eric",
				"Cache-Control":        "max-age=60",
				"Last-Modified":        t0.Format(http.TimeFormat),
			}
			if r.status != 200 || string(r.body) != "hello world" {
				t.Errorf("GET: %d %q", r.status, r.body)
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("GET %s = %q, want %q", k, got, v)
				}
			}

			r = get(t, http.MethodHead, srv.URL+"/user/eric/r%201.txt", "examplebucket.localhost", nil)
			if r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Length") != "11" || r.header.Get("ETag") != want["ETag"] {
				t.Errorf("HEAD: %d %q %v", r.status, r.body, r.header)
			}

			r = get(t, http.MethodGet, srv.URL+"/user/eric/r%201.txt", "", map[string]string{"Range": "bytes=6-"})
			if r.status != 206 || string(r.body) != "world" {
				t.Errorf("Range: %d %q", r.status, r.body)
			}
			r = get(t, http.MethodGet, srv.URL+"/user/eric/r%201.txt", "", map[string]string{"If-None-Match": want["ETag"]})
			if r.status != 304 || len(r.body) != 0 {
				t.Errorf("If-None-Match: %d %q", r.status, r.body)
			}

			r = get(t, http.MethodGet, srv.URL+"/user/eric/missing", "", nil)
			if e := r.ossError(t); r.status != 404 || e.Code != "NoSuchKey" || e.Message != "The specified key does not exist." {
				t.Errorf("missing: %d %s %q", r.status, e.Code, e.Message)
			}
			if _, ok := srv.Object("user/eric/missing"); ok {
				t.Error("Object(missing) reports it stored")
			}

			// Reads are served unsigned; a DELETE (DeleteObject) is not.
			r = get(t, http.MethodDelete, srv.URL+"/user/eric/r%201.txt", "", nil)
			if e := r.ossError(t); r.status != 403 || e.Code != "AccessDenied" {
				t.Errorf("unsigned DELETE: %d %s", r.status, e.Code)
			}
			if _, ok := srv.Object("user/eric/r 1.txt"); !ok {
				t.Error("an unsigned DELETE removed the object")
			}
		})
	}
}

// TestOverwrite: a second upload replaces the object; a reader opened
// before keeps the old content.
func TestOverwrite(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		srv := newServer(t, osstest.Config{Dir: dir})
		upload := func(content string) {
			t.Helper()
			parts := join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/o"), file("f", "", content)})
			if r := postForm(t, srv.URL, parts); r.status != 204 {
				t.Fatalf("upload %d %s", r.status, r.body)
			}
		}
		upload("first")
		old, err := osstest.Open(srv.Emulator, "user/eric/o")
		if err != nil {
			t.Fatal(err)
		}
		upload("second version")
		b, _ := io.ReadAll(old)
		old.Close()
		if string(b) != "first" {
			t.Errorf("dir=%q: old reader read %q", dir, b)
		}
		if b, _ := readObject(srv, "user/eric/o"); string(b) != "second version" {
			t.Errorf("dir=%q: content %q", dir, b)
		}
		if obj, _ := srv.Object("user/eric/o"); obj.Size != int64(len("second version")) {
			t.Errorf("size %d", obj.Size)
		}
		if dir != "" {
			// One object: its content and its metadata file.
			files, _ := os.ReadDir(dir)
			if len(files) != 2 {
				t.Errorf("files in Dir after overwrite: %v", files)
			}
		}
	}
}

// TestCutOffUpload: a body that breaks off inside the file stores nothing
// and leaves no files behind.
func TestCutOffUpload(t *testing.T) {
	dir := t.TempDir()
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	full, ct := encodeForm(t, join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/cut"), file("f", "", strings.Repeat("z", 1000))}))
	gaveUp := errors.New("client gave up")
	pr, pw := io.Pipe()
	go func() {
		pw.Write(full[:len(full)-500])
		pw.CloseWithError(gaveUp)
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
	req.Header.Set("Content-Type", ct)
	// The client's own error usually wins; if the server's answer arrives
	// first, it must be a refusal, never a success.
	resp, err := http.DefaultClient.Do(req)
	switch {
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("cut-off upload answered %d, want 400", resp.StatusCode)
		}
	case !errors.Is(err, gaveUp):
		t.Errorf("client error %v, want the body's error", err)
	}
	srv.Close() // waits for the handler to finish
	if objs := srv.Objects(); len(objs) != 0 {
		t.Errorf("stored %v", objs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "[^j]*")) // all but the journal
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(files)+len(hidden) != 0 {
		t.Errorf("left behind: %v %v", files, hidden)
	}
}

// TestListObjects checks the minimal ListObjects answer and Objects.
func TestListObjects(t *testing.T) {
	srv := newServer(t, osstest.Config{ACL: "public-read"})
	for _, k := range []string{"user/eric/b", "user/eric/a", "user/eric/sub/c"} {
		parts := join(v1Auth(t, testKey, basePolicy()), []part{field("key", k), file("f", "", k)})
		if r := postForm(t, srv.URL, parts); r.status != 204 {
			t.Fatalf("upload %d %s", r.status, r.body)
		}
	}
	var keys []string
	for _, o := range srv.Objects() {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "user/eric/a,user/eric/b,user/eric/sub/c" {
		t.Errorf("Objects() keys = %v", keys)
	}
	r := get(t, http.MethodGet, srv.URL+"/?prefix=user/eric/sub/", "", nil)
	if r.status != 200 || !bytes.Contains(r.body, []byte("<Key>user/eric/sub/c</Key>")) || bytes.Contains(r.body, []byte("<Key>user/eric/a</Key>")) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	// A private bucket is listed only with a signature.
	private := newServer(t, osstest.Config{})
	putObject(t, private, "user/eric/secret", []byte("x"))
	r = get(t, http.MethodGet, private.URL+"/", "", nil)
	if e := r.ossError(t); r.status != 403 || e.Code != "AccessDenied" || bytes.Contains(r.body, []byte("user/eric/secret")) {
		t.Errorf("unsigned list of a private bucket: %d %s", r.status, r.body)
	}
	req := objReq(t, private, http.MethodGet, "", "", nil, nil, "")
	auth{kind: "v4", key: testKey}.sign(req, private.Bucket(), "")
	if r := do(t, nil, req); r.status != 200 || !bytes.Contains(r.body, []byte("<Key>user/eric/secret</Key>")) {
		t.Errorf("signed list of a private bucket: %d %s", r.status, r.body)
	}
}

// TestHeadErrorHeader: a HEAD error has no body, so OSS puts the error
// document, Base64-encoded, in x-oss-err, and the EC code in x-oss-ec; the
// Go SDK v2 (oss/client.go) decodes x-oss-err when the body is empty and
// reports BadErrorResponse without it.
func TestHeadErrorHeader(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	for _, tc := range []struct {
		name, method string
		auth         auth
		status       int
		code, ec     string
	}{
		{"unsigned HEAD of a private bucket", http.MethodHead, auth{}, 403, "AccessDenied", "0003-00000001"},
		{"signed HEAD of a missing key", http.MethodHead, auth{kind: "v4", key: testKey}, 404, "NoSuchKey", "0026-00000001"},
		{"unsigned GET: the document is the body", http.MethodGet, auth{}, 403, "AccessDenied", "0003-00000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := objReq(t, srv, tc.method, "missing", "", nil, nil, "")
			tc.auth.sign(req, srv.Bucket(), "missing")
			r := do(t, nil, req)
			if r.status != tc.status || r.header.Get("X-Oss-Ec") != tc.ec {
				t.Fatalf("%d, x-oss-ec %q; want %d, %q", r.status, r.header.Get("X-Oss-Ec"), tc.status, tc.ec)
			}
			doc := r.body
			if tc.method == http.MethodHead {
				var err error
				if doc, err = base64.StdEncoding.DecodeString(r.header.Get("X-Oss-Err")); err != nil || len(r.body) != 0 {
					t.Fatalf("x-oss-err %q (%v), body %q", r.header.Get("X-Oss-Err"), err, r.body)
				}
			} else if r.header.Get("X-Oss-Err") != "" {
				t.Errorf("x-oss-err on a GET")
			}
			e, err := osstest.ParseError(r.status, doc)
			if err != nil || e.Code != tc.code || e.EC != tc.ec || e.RequestID != r.header.Get("X-Oss-Request-Id") {
				t.Errorf("document %+v (%v)", e, err)
			}
		})
	}
}

// TestResponseOverrides: a signed GET sets the answer's headers from the
// response-* query parameters (a download that saves under the original
// name); an unsigned one on a public-read bucket cannot.
func TestResponseOverrides(t *testing.T) {
	srv := newServer(t, osstest.Config{ACL: "public-read"})
	putObject(t, srv, "u/1/3f2a.bin", []byte("data"))
	q := "response-content-disposition=" + escapeQuery(`attachment; filename="report 2024.pdf"`) +
		"&response-content-type=application%2Fpdf&response-cache-control=no-store"
	req := objReq(t, srv, http.MethodGet, "u/1/3f2a.bin", q, nil, nil, "")
	auth{kind: "v4query", key: testKey}.sign(req, srv.Bucket(), "u/1/3f2a.bin")
	r := do(t, nil, req)
	if r.status != 200 || string(r.body) != "data" || r.header.Get("Content-Disposition") != `attachment; filename="report 2024.pdf"` ||
		r.header.Get("Content-Type") != "application/pdf" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("signed: %d %q %v", r.status, r.body, r.header)
	}
	r = do(t, nil, objReq(t, srv, http.MethodGet, "u/1/3f2a.bin", q, nil, nil, ""))
	if r.status != 200 || r.header.Get("Content-Disposition") != "" || r.header.Get("Content-Type") == "application/pdf" {
		t.Errorf("unsigned: %d %v", r.status, r.header)
	}
}
