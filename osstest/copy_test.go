package osstest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestCopyObject: CopyObject as an app uses it after an upload (move out
// of tmp/, change metadata in place), with OSS's directives and errors
// (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject).
func TestCopyObject(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	a := auth{kind: "v4", key: testKey}
	send := func(key string, h map[string]string) result {
		t.Helper()
		req := objReq(t, srv, http.MethodPut, key, "", nil, h, "")
		a.sign(req, srv.Bucket(), key)
		return do(t, nil, req)
	}
	req := objReq(t, srv, http.MethodPut, "tmp/a.txt", "", []byte("source content"),
		map[string]string{"Content-Type": "text/plain", "x-oss-meta-owner": "u42", "x-oss-tagging": "status=pending"}, "")
	a.sign(req, srv.Bucket(), "tmp/a.txt")
	if r := do(t, nil, req); r.status != 200 {
		t.Fatalf("PUT source: %d %s", r.status, r.body)
	}
	src, _ := srv.Object("tmp/a.txt")

	// COPY (the default) keeps content, metadata, ETag and tags.
	r := send("final/a.txt", map[string]string{"x-oss-copy-source": "/examplebucket/tmp/a.txt"})
	if r.status != 200 {
		t.Fatalf("copy: %d %s", r.status, r.body)
	}
	dst, _ := srv.Object("final/a.txt")
	if string(dst.Content) != "source content" || dst.ETag != src.ETag || dst.ContentType != "text/plain" || dst.Meta["owner"] != "u42" || dst.Tags["status"] != "pending" {
		t.Errorf("COPY: %+v", dst)
	}
	if want := "<ETag>&#34;" + strings.Trim(src.ETag, `"`) + "&#34;</ETag>"; !strings.Contains(string(r.body), want) {
		t.Errorf("answer %s, want %s", r.body, want)
	}

	// REPLACE takes the request's metadata; onto itself it changes only
	// the metadata.
	r = send("tmp/a.txt", map[string]string{"x-oss-copy-source": "/examplebucket/tmp/a.txt", "x-oss-metadata-directive": "REPLACE",
		"Content-Type": "application/json", "x-oss-meta-state": "ready", "x-oss-tagging-directive": "Replace", "x-oss-tagging": "status=ready"})
	if r.status != 200 {
		t.Fatalf("self copy: %d %s", r.status, r.body)
	}
	self, _ := srv.Object("tmp/a.txt")
	if string(self.Content) != "source content" || self.ETag != src.ETag || self.ContentType != "application/json" ||
		self.Meta["state"] != "ready" || self.Meta["owner"] != "" || self.Tags["status"] != "ready" {
		t.Errorf("REPLACE onto itself: %+v", self)
	}

	// A missing source: NoSuchKey, and the target untouched.
	before, _ := srv.Object("final/a.txt")
	r = send("final/a.txt", map[string]string{"x-oss-copy-source": "/examplebucket/tmp/missing"})
	if e := r.ossError(t); r.status != 404 || e.Code != "NoSuchKey" {
		t.Errorf("missing source: %d %s", r.status, e.Code)
	}
	if after, _ := srv.Object("final/a.txt"); string(after.Content) != string(before.Content) || after.ETag != before.ETag {
		t.Errorf("target changed by a failed copy")
	}
	// x-oss-forbid-overwrite keeps the target.
	r = send("final/a.txt", map[string]string{"x-oss-copy-source": "/examplebucket/tmp/a.txt", "x-oss-forbid-overwrite": "true"})
	if e := r.ossError(t); r.status != 409 || e.Code != "FileAlreadyExists" {
		t.Errorf("forbid-overwrite: %d %s", r.status, e.Code)
	}
	// x-oss-copy-source-if-none-match with the source's ETag: 304.
	if r := send("final/b.txt", map[string]string{"x-oss-copy-source": "/examplebucket/tmp/a.txt", "x-oss-copy-source-if-none-match": src.ETag}); r.status != 304 {
		t.Errorf("if-none-match: %d %s", r.status, r.body)
	}
	if _, ok := srv.Object("final/b.txt"); ok {
		t.Error("a copy refused by a condition was stored")
	}
}

// TestCopyObjectSourceACL: an anonymous copy into a public-read-write
// bucket reads its source as an anonymous GET would: a private source is
// refused and nothing is stored; a public-read one is copied.
func TestCopyObjectSourceACL(t *testing.T) {
	srv := newServer(t, osstest.Config{ACL: "public-read-write"})
	putACL(t, srv, "private.txt", "private")
	putACL(t, srv, "public.txt", "public-read")
	for _, tc := range []struct {
		src    string
		status int
	}{{"private.txt", 403}, {"public.txt", 200}} {
		req := objReq(t, srv, http.MethodPut, "copy-of-"+tc.src, "", nil, map[string]string{"x-oss-copy-source": "/examplebucket/" + tc.src}, "")
		r := do(t, nil, req)
		_, stored := srv.Object("copy-of-" + tc.src)
		if r.status != tc.status || stored != (tc.status == 200) || (tc.status != 200 && strings.Contains(string(r.body), "SECRET")) {
			t.Errorf("anonymous copy of %s: %d %s, stored %v", tc.src, r.status, r.body, stored)
		}
	}
}
