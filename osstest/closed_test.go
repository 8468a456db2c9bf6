package osstest_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// closedWrite is a write request sent to a closed Server.
type closedWrite struct {
	name        string
	method, key string
	query       string
	body        string
	header      map[string]string
}

// closedWrites are the writes TestWritesAfterClose sends, but PostObject:
// every other object operation that changes what is stored, on the object
// a.txt and the multipart upload of m.bin with one part.
func closedWrites(uploadID string) []closedWrite {
	del := `<Delete><Quiet>true</Quiet><Object><Key>a.txt</Key></Object></Delete>`
	sum := md5.Sum([]byte(del))
	up := "uploadId=" + uploadID
	return []closedWrite{
		{"PutObject", http.MethodPut, "new.txt", "", "new", nil},
		{"AppendObject", http.MethodPost, "log.txt", "append&position=0", "log", nil},
		{"CopyObject", http.MethodPut, "copy.txt", "", "", map[string]string{"x-oss-copy-source": "/examplebucket/a.txt"}},
		{"DeleteObject", http.MethodDelete, "a.txt", "", "", nil},
		{"DeleteObject of a version a.txt does not have", http.MethodDelete, "a.txt", "versionId=abc", "", nil},
		{"DeleteMultipleObjects", http.MethodPost, "", "delete", del, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}},
		{"PutObjectACL", http.MethodPut, "a.txt", "acl", "", map[string]string{"x-oss-object-acl": "public-read"}},
		{"PutObjectTagging", http.MethodPut, "a.txt", "tagging", `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`, nil},
		{"DeleteObjectTagging", http.MethodDelete, "a.txt", "tagging", "", nil},
		{"InitiateMultipartUpload", http.MethodPost, "m2.bin", "uploads", "", nil},
		{"UploadPart", http.MethodPut, "m.bin", "partNumber=2&" + up, "part", nil},
		{"UploadPartCopy", http.MethodPut, "m.bin", "partNumber=3&" + up, "", map[string]string{"x-oss-copy-source": "/examplebucket/a.txt"}},
		{"CompleteMultipartUpload", http.MethodPost, "m.bin", up, "", map[string]string{"x-oss-complete-all": "yes"}},
		{"AbortMultipartUpload", http.MethodDelete, "m.bin", up, "", nil},
	}
}

// TestWritesAfterClose: after Server.Close, the Emulator's handler, which
// a caller can still reach, answers every write as it answers
// InitiateMultipartUpload, 500 InternalError "the emulator is closed", and
// changes nothing stored, in memory as with Config.Dir.
func TestWritesAfterClose(t *testing.T) {
	for _, tc := range []struct{ dir, versioned bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		dir := tc.dir
		t.Run(fmt.Sprintf("dir=%v,versioned=%v", tc.dir, tc.versioned), func(t *testing.T) {
			cfg := osstest.Config{}
			if dir {
				cfg.Dir = t.TempDir()
			}
			srv := newServer(t, cfg)
			sign := func(w closedWrite) *http.Request {
				req := objReq(t, srv, w.method, w.key, w.query, []byte(w.body), w.header, "")
				auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), w.key)
				return req
			}
			if tc.versioned {
				runSteps(t, srv, "v4", []step{{name: "PutBucketVersioning", method: "PUT", bucket: srv.Bucket(), query: "versioning",
					body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", status: 200}})
			}
			if r := do(t, nil, sign(closedWrite{method: http.MethodPut, key: "a.txt", body: "a", header: map[string]string{"x-oss-tagging": "k=v"}})); r.status != 200 {
				t.Fatalf("PUT: %d %s", r.status, r.body)
			}
			r := do(t, nil, sign(closedWrite{method: http.MethodPost, key: "m.bin", query: "uploads"}))
			var init struct{ UploadId string }
			if err := xml.Unmarshal(r.body, &init); err != nil || r.status != 200 {
				t.Fatalf("initiate: %d %s", r.status, r.body)
			}
			if r := do(t, nil, sign(closedWrite{method: http.MethodPut, key: "m.bin", query: "partNumber=1&uploadId=" + init.UploadId, body: "p1"})); r.status != 200 {
				t.Fatalf("part: %d %s", r.status, r.body)
			}
			tok, err := srv.Signer().Sign(context.Background(), signer.Upload{Key: "posted.txt", MaxSize: 10})
			if err != nil {
				t.Fatal(err)
			}
			objects, uploads := srv.Objects(), srv.MultipartUploads()
			srv.Close()

			reqs := map[string]*http.Request{}
			for _, w := range closedWrites(init.UploadId) {
				reqs[w.name] = sign(w)
			}
			if reqs["PostObject"], err = osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, Body: strings.NewReader("posted")}); err != nil {
				t.Fatal(err)
			}
			answer := func(req *http.Request) (int, string, string) {
				rec := httptest.NewRecorder()
				srv.Emulator.ServeHTTP(rec, req)
				e, err := osstest.ParseError(rec.Code, rec.Body.Bytes())
				if err != nil {
					return rec.Code, "", rec.Body.String()
				}
				return rec.Code, e.Code, e.Message
			}
			wantStatus, wantCode, wantMessage := answer(sign(closedWrite{method: http.MethodPost, key: "m3.bin", query: "uploads"}))
			if wantStatus != 500 || wantCode != "InternalError" || !strings.Contains(wantMessage, "the emulator is closed") {
				t.Fatalf("InitiateMultipartUpload after Close: %d %s %q", wantStatus, wantCode, wantMessage)
			}
			for name, req := range reqs {
				if status, code, message := answer(req); status != wantStatus || code != wantCode || message != wantMessage {
					t.Errorf("%s after Close: %d %s %q, want %d %s %q", name, status, code, message, wantStatus, wantCode, wantMessage)
				}
			}
			if got := srv.Objects(); !cmp.Equal(got, objects) {
				t.Errorf("objects after Close changed:\n%s", cmp.Diff(objects, got))
			}
			if got := srv.MultipartUploads(); !cmp.Equal(got, uploads) {
				t.Errorf("multipart uploads after Close changed:\n%s", cmp.Diff(uploads, got))
			}
		})
	}
}

// TestWritesAfterEmulatorClose: Emulator.Close, which a server of one's
// own calls before shutting down, leaves writes working, so that requests
// in flight complete, and they persist in Config.Dir.
func TestWritesAfterEmulatorClose(t *testing.T) {
	dir := t.TempDir()
	cfg := osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0), Dir: dir}
	emu, err := osstest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	defer ts.Close()
	emu.Close()
	req, err := http.NewRequest(http.MethodPut, ts.URL+"/"+emu.Bucket()+"/a.txt", strings.NewReader("after"))
	if err != nil {
		t.Fatal(err)
	}
	auth{kind: "v4", key: testKey}.sign(req, emu.Bucket(), "a.txt")
	if r := do(t, nil, req); r.status != 200 {
		t.Fatalf("PUT after Emulator.Close: %d %s", r.status, r.body)
	}
	again, err := osstest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := again.Object("a.txt"); !ok || string(o.Content) != "after" {
		t.Errorf("a.txt in Config.Dir after Emulator.Close: %q, %v", o.Content, ok)
	}
}

// TestBucketWritesAfterClose: after Server.Close, the writes to buckets
// (their settings, PutBucket, DeleteBucket) are answered as the object
// writes are, 500 InternalError "the emulator is closed", and change
// nothing, in memory as with Config.Dir.
func TestBucketWritesAfterClose(t *testing.T) {
	for _, dir := range []bool{false, true} {
		t.Run(fmt.Sprintf("dir=%v", dir), func(t *testing.T) {
			cfg := osstest.Config{}
			if dir {
				cfg.Dir = t.TempDir()
			}
			srv := newServer(t, cfg)
			req := func(method, bucket, query, body string, h map[string]string) *http.Request {
				u := srv.URL + "/" + bucket + "/"
				if query != "" {
					u += "?" + query
				}
				r, err := http.NewRequest(method, u, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range h {
					r.Header.Set(k, v)
				}
				auth{kind: "v4", key: testKey}.sign(r, bucket, "")
				return r
			}
			answer := func(r *http.Request) (int, string) {
				rec := httptest.NewRecorder()
				srv.Emulator.ServeHTTP(rec, r)
				if e, err := osstest.ParseError(rec.Code, rec.Body.Bytes()); err == nil {
					return rec.Code, e.Code + " " + e.Message
				}
				return rec.Code, ""
			}
			root := srv.Bucket()
			if status, msg := answer(req("PUT", "made-bucket", "", "", nil)); status != 200 {
				t.Fatalf("PutBucket: %d %s", status, msg)
			}
			srv.Close()
			for name, r := range map[string]*http.Request{
				"PutBucketVersioning": req("PUT", root, "versioning", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", nil),
				"PutBucketTags":       req("PUT", root, "tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", nil),
				"DeleteBucketTags":    req("DELETE", root, "tagging", "", nil),
				"PutBucket ACL":       req("PUT", "made-bucket", "", "", map[string]string{"x-oss-acl": "public-read"}),
				"PutBucket":           req("PUT", "new-bucket", "", "", nil),
				"DeleteBucket":        req("DELETE", "made-bucket", "", "", nil),
			} {
				if status, msg := answer(r); status != 500 || !strings.Contains(msg, "the emulator is closed") {
					t.Errorf("%s after Close: %d %s", name, status, msg)
				}
			}
			for _, tc := range []struct {
				bucket, query string
				status        int
				body          string
			}{
				{root, "versioning", 200, "<VersioningConfiguration></VersioningConfiguration>"},
				{"made-bucket", "bucketInfo", 200, "<Grant>private</Grant>"},
				{"new-bucket", "versioning", 404, ""},
			} {
				rec := httptest.NewRecorder()
				srv.Emulator.ServeHTTP(rec, req("GET", tc.bucket, tc.query, "", nil))
				if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
					t.Errorf("GET %s ?%s after Close: %d %s", tc.bucket, tc.query, rec.Code, rec.Body)
				}
			}
		})
	}
}
