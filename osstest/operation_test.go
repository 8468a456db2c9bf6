package osstest_test

import (
	"bytes"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// storedState is every stored object's key, ETag and content.
func storedState(t *testing.T, srv *osstest.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range srv.Objects() {
		b, err := readObject(srv, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = o.ETag + " " + string(b)
	}
	return out
}

// TestNoFallThrough: a request naming an operation the emulator does not
// implement, by a sub-resource or a header, gets an error (501
// NotImplemented for OSS operations the emulator lacks) and never reaches
// the plain object handlers: every stored object is byte-identical
// afterwards. Each request is signed with a valid V4 signature, so that
// authentication is not what refuses it.
func TestNoFallThrough(t *testing.T) {
	tests := []struct {
		name, method, key, query string
		header                   map[string]string
		body                     string
		status                   int
		code                     string
	}{
		{"PutSymlink", "PUT", "a.txt", "symlink", map[string]string{"x-oss-symlink-target": "b.txt"}, "", 501, "NotImplemented"},
		{"GetSymlink", "GET", "a.txt", "symlink", nil, "", 501, "NotImplemented"},
		{"AppendObject to a Normal object", "POST", "a.txt", "append&position=12", nil, "appended", 409, "ObjectNotAppendable"},
		{"RestoreObject", "POST", "a.txt", "restore", nil, "", 501, "NotImplemented"},
		{"x-oss-process", "GET", "a.txt", "x-oss-process=image%2Fresize%2Cw_100", nil, "", 501, "NotImplemented"},
		{"CopyObject from a missing source", "PUT", "a.txt", "", map[string]string{"x-oss-copy-source": "/examplebucket/missing"}, "", 404, "NoSuchKey"},
		{"CopyObject from another bucket", "PUT", "a.txt", "", map[string]string{"x-oss-copy-source": "/otherbucket/b.txt"}, "", 404, "NoSuchBucket"},
		{"CopyObject failing x-oss-copy-source-if-match", "PUT", "a.txt", "", map[string]string{"x-oss-copy-source": "/examplebucket/b.txt", "x-oss-copy-source-if-match": `"0"`}, "", 412, "PreconditionFailed"},
		{"UploadPartCopy", "PUT", "a.txt", "partNumber=1&uploadId=0004B9894A22E5B1888A1E29F823****", map[string]string{"x-oss-copy-source": "/examplebucket/b.txt"}, "", 404, "NoSuchUpload"},
		{"UploadPart without an uploadId", "PUT", "a.txt", "partNumber=1", nil, "part", 404, "NoSuchUpload"},
		{"ListMultipartUploads", "GET", "", "uploads", nil, "", 200, ""},
		{"DeleteMultipleObjects without Content-MD5", "POST", "", "delete", nil, "<Delete><Object><Key>a.txt</Key></Object></Delete>", 400, "InvalidDigest"},
		{"PutBucketLifecycle", "PUT", "", "lifecycle", nil, "<LifecycleConfiguration/>", 501, "NotImplemented"},
		{"GetBucketLocation", "GET", "", "location", nil, "", 501, "NotImplemented"},
		// Bucket settings, touching no object (bucketcors_test.go).
		{"GetBucketCors without rules", "GET", "", "cors", nil, "", 404, "NoSuchCORSConfiguration"},
		{"PutBucketCors without a rule", "PUT", "", "cors", nil, "<CORSConfiguration/>", 400, "MalformedXML"},
		{"GetBucketAcl", "GET", "", "acl", nil, "", 200, ""},
		// Implemented, and touching no content.
		{"PutObjectTagging", "PUT", "a.txt", "tagging", nil, "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", 200, ""},
		{"PutObjectTagging with a malformed body", "PUT", "a.txt", "tagging", nil, "content of a", 400, "MalformedXML"},
		{"GetObjectTagging", "GET", "a.txt", "tagging", nil, "", 200, ""},
		{"DeleteObjectTagging", "DELETE", "a.txt", "tagging", nil, "", 204, ""},
		{"PutObjectTagging on a missing key", "PUT", "missing", "tagging", nil, "<Tagging><TagSet/></Tagging>", 404, "NoSuchKey"},
		{"GetObjectMeta", "HEAD", "a.txt", "objectMeta", nil, "", 200, ""},
		{"GetObjectACL", "GET", "a.txt", "acl", nil, "", 200, ""},
		{"PutObjectACL", "PUT", "a.txt", "acl", map[string]string{"x-oss-object-acl": "private"}, "", 200, ""},
		{"PutObjectACL without the header", "PUT", "a.txt", "acl", nil, "", 400, "InvalidArgument"},
		{"PutObjectACL on a missing key", "PUT", "missing", "acl", map[string]string{"x-oss-object-acl": "private"}, "", 404, "NoSuchKey"},
	}
	srv := newServer(t, osstest.Config{})
	putObject(t, srv, "a.txt", []byte("content of a"))
	putObject(t, srv, "b.txt", []byte("content of b"))
	before := storedState(t, srv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			req := objReq(t, srv, tc.method, tc.key, tc.query, body, tc.header, "")
			auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), tc.key)
			r := do(t, nil, req)
			if r.status != tc.status {
				t.Errorf("%s %s?%s: %d %s, want %d", tc.method, tc.key, tc.query, r.status, r.body, tc.status)
			}
			if tc.code != "" {
				if e := r.ossError(t); e.Code != tc.code {
					t.Errorf("code %s %q, want %s", e.Code, e.Message, tc.code)
				}
			}
			if bytes.Contains(r.body, []byte("content of")) {
				t.Errorf("answer carries stored content: %s", r.body)
			}
			after := storedState(t, srv)
			if len(after) != len(before) {
				t.Fatalf("objects after: %v, before: %v", after, before)
			}
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s changed: %q -> %q", k, v, after[k])
				}
			}
		})
	}
}

// TestNotImplementedNamesTheOperation: the NotImplemented message says
// what the emulator lacks, also for combinations no table lists.
func TestNotImplementedNamesTheOperation(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	putObject(t, srv, "a.txt", []byte("x"))
	for _, tc := range []struct{ method, key, query, want string }{
		{"PUT", "a.txt", "symlink", "PutSymlink"},
		{"GET", "a.txt", "objectMeta", "GET ?objectMeta"},
		{"GET", "", "website", "GET ?website on the bucket"},
		{"PUT", "", "worm", "PUT ?worm on the bucket"},
	} {
		req := objReq(t, srv, tc.method, tc.key, tc.query, nil, nil, "")
		auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), tc.key)
		r := do(t, nil, req)
		if e := r.ossError(t); r.status != 501 || e.Message != "The emulator does not implement "+tc.want+"." {
			t.Errorf("%s %s?%s: %d %q", tc.method, tc.key, tc.query, r.status, e.Message)
		}
	}
	// A method OSS has no operation for is 405, as before.
	req := objReq(t, srv, "PATCH", "a.txt", "", nil, nil, "")
	if r := do(t, nil, req); r.status != 405 || r.ossError(t).Code != "MethodNotAllowed" {
		t.Errorf("PATCH: %d %s", r.status, r.body)
	}
}
