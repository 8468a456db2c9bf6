package osstest_test

import (
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestObjectTypeAndMD5: HEAD answers X-Oss-Object-Type Multipart and no
// Content-MD5 for an object made by multipart upload, Normal and its
// Content-MD5 for a PutObject, as the Go SDK v2's own integration tests
// expect of OSS (TestUploaderWithSequential, TestPresign).
func TestObjectTypeAndMD5(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			a := auth{kind: kind, key: testKey}
			putObject(t, srv, "put.txt", []byte("put"))
			c := &mpClient{t: t, srv: srv, a: a, key: "mp.bin"}
			c.initiate(nil)
			e1 := c.part(1, []byte("only part"))
			if r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}), nil); r.status != 200 {
				t.Fatalf("complete: %d %s", r.status, r.body)
			}
			for _, tc := range []struct{ key, typ, md5 string }{
				{"put.txt", "Normal", md5B64([]byte("put"))},
				{"mp.bin", "Multipart", ""},
			} {
				req := objReq(t, srv, http.MethodHead, tc.key, "", nil, nil, "")
				a.sign(req, srv.Bucket(), tc.key)
				r := do(t, nil, req)
				_, hasMD5 := r.header["Content-Md5"]
				if r.status != 200 || r.header.Get("X-Oss-Object-Type") != tc.typ || r.header.Get("Content-MD5") != tc.md5 || hasMD5 != (tc.md5 != "") {
					t.Errorf("HEAD %s: %d, type %q, Content-MD5 %q (present %v); want %s, %q", tc.key, r.status,
						r.header.Get("X-Oss-Object-Type"), r.header.Get("Content-MD5"), hasMD5, tc.typ, tc.md5)
				}
			}
		})
	}
}

// TestNoSuchUploadEC: NoSuchUpload carries the EC of the operation:
// 0042-00000104 for UploadPart, 0042-00000311 for UploadPartCopy,
// 0042-00000002 for ListParts and AbortMultipartUpload.
func TestNoSuchUploadEC(t *testing.T) {
	const id = "0004B9894A22E5B1888A1E29F8236E2D"
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			putObject(t, srv, "src.txt", []byte("source"))
			c := &mpClient{t: t, srv: srv, a: auth{kind: kind, key: testKey}, key: "k.bin", id: id}
			for _, tc := range []struct {
				name, method, query string
				header              map[string]string
				ec                  string
			}{
				{"UploadPart", "PUT", fmt.Sprintf("partNumber=1&uploadId=%s", id), nil, "0042-00000104"},
				{"UploadPartCopy", "PUT", fmt.Sprintf("partNumber=1&uploadId=%s", id), map[string]string{"x-oss-copy-source": "/examplebucket/src.txt"}, "0042-00000311"},
				{"ListParts", "GET", "uploadId=" + id, nil, "0042-00000002"},
				{"AbortMultipartUpload", "DELETE", "uploadId=" + id, nil, "0042-00000002"},
			} {
				var body []byte
				if tc.name == "UploadPart" {
					body = []byte("part")
				}
				r := c.do(tc.method, tc.query, body, tc.header)
				if r.status != 404 {
					t.Errorf("%s: %d %s", tc.name, r.status, r.body)
					continue
				}
				if e := r.ossError(t); e.Code != "NoSuchUpload" || e.EC != tc.ec {
					t.Errorf("%s: %s EC %s, want NoSuchUpload EC %s", tc.name, e.Code, e.EC, tc.ec)
				}
			}
		})
	}
}

// TestCompleteNoParts: CompleteMultipartUpload with an empty part list
// stores an empty object, as the Go SDK v2's uploader expects of OSS for an
// empty stream (its TestUploaderUploadFromTeeReader); the upload is gone
// afterwards.
func TestCompleteNoParts(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			c := &mpClient{t: t, srv: srv, a: auth{kind: kind, key: testKey}, key: "empty.bin"}
			c.initiate(nil)
			if r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(), nil); r.status != 200 {
				t.Fatalf("complete: %d %s", r.status, r.body)
			}
			if obj, ok := srv.Object("empty.bin"); !ok || obj.Size != 0 || len(obj.Content) != 0 || !strings.HasSuffix(obj.ETag, `-0"`) {
				t.Errorf("stored %+v, %v; want an empty object with a multipart ETag of 0 parts", obj, ok)
			}
			if r := c.do(http.MethodGet, "uploadId="+c.id, nil, nil); r.status != 404 {
				t.Errorf("ListParts after completion: %d", r.status)
			}
		})
	}
}

// TestCompleteObjectACL: x-oss-object-acl on CompleteMultipartUpload sets
// the object's ACL, as the Go SDK v2's write-only file relies on
// (TestIntegrationWriteOnlyFileMultiPart); a bad one is refused and the
// upload stays.
func TestCompleteObjectACL(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4", key: testKey}, key: "acl.bin"}
	c.initiate(nil)
	e1 := c.part(1, []byte("data"))
	if r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}), map[string]string{"x-oss-object-acl": "public"}); r.status != 400 || r.ossError(t).Code != "InvalidArgument" {
		t.Fatalf("complete with a bad ACL: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}), map[string]string{"x-oss-object-acl": "public-read"}); r.status != 200 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	if obj, ok := srv.Object("acl.bin"); !ok || obj.ACL != "public-read" {
		t.Errorf("stored ACL %q, want public-read", obj.ACL)
	}
}

// TestCRC64Answers: GetObjectMeta and CopyObject carry the object's
// x-oss-hash-crc64ecma, as the Go SDK v2's TestGetObjectMeta and
// TestCopyObject expect of OSS.
func TestCRC64Answers(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			data := []byte("crc me")
			putObject(t, srv, "a.txt", data)
			want := strconv.FormatUint(crc64.Checksum(data, crcTable), 10)
			a := auth{kind: kind, key: testKey}
			meta := objReq(t, srv, http.MethodHead, "a.txt", "objectMeta", nil, nil, "")
			a.sign(meta, srv.Bucket(), "a.txt")
			cp := objReq(t, srv, http.MethodPut, "b.txt", "", nil, map[string]string{"x-oss-copy-source": "/examplebucket/a.txt"}, "")
			a.sign(cp, srv.Bucket(), "b.txt")
			for name, req := range map[string]*http.Request{"GetObjectMeta": meta, "CopyObject": cp} {
				if r := do(t, nil, req); r.status != 200 || r.header.Get("X-Oss-Hash-Crc64ecma") != want {
					t.Errorf("%s: %d, x-oss-hash-crc64ecma %q, want %s", name, r.status, r.header.Get("X-Oss-Hash-Crc64ecma"), want)
				}
			}
		})
	}
}

// TestCompleteAllWithBody: x-oss-complete-all: yes with a part list too is
// refused with OSS's message, spelling included, and EC 0042-00000216, as
// the Go SDK v2's TestCompleteMultipartUpload expects; the upload stays.
func TestCompleteAllWithBody(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := &mpClient{t: t, srv: srv, a: auth{kind: "v4", key: testKey}, key: "all.bin"}
	c.initiate(nil)
	e1 := c.part(1, []byte("data"))
	r := c.do(http.MethodPost, "uploadId="+c.id, completeXML(xmlPart{1, e1}), map[string]string{"x-oss-complete-all": "yes"})
	if r.status != 400 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	if e := r.ossError(t); e.Code != "InvalidArgument" || e.Message != "Should not speficy both complete all header and http body." || e.EC != "0042-00000216" {
		t.Errorf("error %+v", e)
	}
	if ups := srv.MultipartUploads(); len(ups) != 1 {
		t.Errorf("uploads after the refusal: %v", ups)
	}
}

// TestDeleteMultipleControlKeys: DeleteMultipleObjects takes keys with
// control characters written as XML character references, as the Go SDK
// v2 sends them (its TestDeleteMultipleObjects), and answers them
// URL-encoded with encoding-type=url.
func TestDeleteMultipleControlKeys(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			key := "ctl-\x01\x02\a\b\t\n\v\f\r\x1f-end"
			putObject(t, srv, key, []byte("control"))
			putObject(t, srv, "kept.txt", []byte("kept"))
			body := []byte("<Delete><Quiet>false</Quiet><Object><Key>ctl-&#x01;&#x02;&#x07;&#x08;&#x09;&#x0A;&#x0B;&#x0C;&#x0D;&#x1F;-end</Key></Object></Delete>")
			req := objReq(t, srv, http.MethodPost, "", "delete&encoding-type=url", body, map[string]string{"Content-MD5": md5B64(body)}, "")
			auth{kind: kind, key: testKey}.sign(req, srv.Bucket(), "")
			r := do(t, nil, req)
			if r.status != 200 || !strings.Contains(string(r.body), "<Key>ctl-%01%02%07%08%09%0A%0B%0C%0D%1F-end</Key>") {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
			if _, ok := srv.Object(key); ok {
				t.Error("the key with control characters is still stored")
			}
			if _, ok := srv.Object("kept.txt"); !ok {
				t.Error("kept.txt was deleted")
			}
		})
	}
}

// TestSequentialContentMD5: a multipart upload initiated with ?sequential
// gets the whole object's Content-MD5 on completion, as the Go SDK v2's
// TestUploaderWithSequential expects of OSS; other multipart objects none.
func TestSequentialContentMD5(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			a := auth{kind: kind, key: testKey}
			p1, p2 := randomBytes(100<<10, 1), []byte("tail")
			for _, tc := range []struct {
				key, query string
				md5        string
			}{
				{"seq.bin", "&sequential", md5B64(append(append([]byte(nil), p1...), p2...))},
				{"plain.bin", "", ""},
			} {
				c := &mpClient{t: t, srv: srv, a: a, key: tc.key}
				r := c.do(http.MethodPost, "uploads"+tc.query, nil, nil)
				var res struct{ UploadId string }
				if err := xml.Unmarshal(r.body, &res); r.status != 200 || err != nil {
					t.Fatalf("initiate: %d %s", r.status, r.body)
				}
				c.id = res.UploadId
				e1, e2 := c.part(1, p1), c.part(2, p2)
				if r := c.do(http.MethodPost, "uploadId="+c.id+tc.query, completeXML(xmlPart{1, e1}, xmlPart{2, e2}), nil); r.status != 200 {
					t.Fatalf("complete: %d %s", r.status, r.body)
				}
				head := objReq(t, srv, http.MethodHead, tc.key, "", nil, nil, "")
				a.sign(head, srv.Bucket(), tc.key)
				if r := do(t, nil, head); r.header.Get("Content-MD5") != tc.md5 {
					t.Errorf("%s: Content-MD5 %q, want %q", tc.key, r.header.Get("Content-MD5"), tc.md5)
				}
			}
		})
	}
}

// TestPresignedAdditionalHeaderMissing: a V4 presigned URL whose
// x-oss-additional-headers names a header the request lacks is refused
// with 400 (EC 0002-00000077), as the Go SDK v2's TestPresignExtra expects
// of OSS; with the header the same URL works.
func TestPresignedAdditionalHeaderMissing(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	sign := func(header map[string]string) result {
		req := objReq(t, srv, http.MethodPut, "h.txt", "", []byte("x"), header, "")
		auth{kind: "v4query", key: testKey, extra: []string{"email", "name"}}.sign(req, srv.Bucket(), "h.txt")
		if header == nil {
			req.Header.Del("Email")
			req.Header.Del("Name")
		}
		return do(t, nil, req)
	}
	full := map[string]string{"email": "demo@aliyun.com", "name": "aliyun"}
	if r := sign(full); r.status != 200 {
		t.Fatalf("with the headers: %d %s", r.status, r.body)
	}
	r := sign(nil)
	if r.status != 400 {
		t.Fatalf("without them: %d %s", r.status, r.body)
	}
	if e := r.ossError(t); e.Code != "InvalidArgument" || e.EC != "0002-00000077" {
		t.Errorf("without them: %s EC %s", e.Code, e.EC)
	}
}
