package osstest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/osstest"
)

// TestObjectTagging: tags from x-oss-tagging on PutObject and
// InitiateMultipartUpload, and from PutObjectTagging; read back with
// GetObjectTagging and counted in x-oss-tagging-count; removed with
// DeleteObjectTagging; kept across a restart with Dir; OSS's limits
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-tagging-8)
// refused with their EC codes. No tagging request changes the content.
func TestObjectTagging(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	a := auth{kind: "v4", key: testKey}
	send := func(method, key, query string, body string, h map[string]string) result {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		req := objReq(t, srv, method, key, query, b, h, "")
		a.sign(req, srv.Bucket(), key)
		return do(t, nil, req)
	}
	tagsOf := func(key string) map[string]string {
		t.Helper()
		obj, ok := srv.Object(key)
		if !ok {
			t.Fatalf("%s not stored", key)
		}
		return obj.Tags
	}

	if r := send("PUT", "a.txt", "", "content", map[string]string{"x-oss-tagging": "status=pending&owner=u%2042"}); r.status != 200 {
		t.Fatalf("PUT with x-oss-tagging: %d %s", r.status, r.body)
	}
	if diff := cmp.Diff(map[string]string{"status": "pending", "owner": "u 42"}, tagsOf("a.txt")); diff != "" {
		t.Errorf("tags from x-oss-tagging (-want +got):\n%s", diff)
	}
	if r := send("HEAD", "a.txt", "", "", nil); r.header.Get("X-Oss-Tagging-Count") != "2" {
		t.Errorf("x-oss-tagging-count %q", r.header.Get("X-Oss-Tagging-Count"))
	}

	mp := &mpClient{t: t, srv: srv, a: a, key: "mp.bin"}
	mp.initiate(map[string]string{"x-oss-tagging": "kind=multipart"})
	etag := mp.part(1, []byte("part"))
	if r := mp.do(http.MethodPost, "uploadId="+mp.id, completeXML(xmlPart{1, etag}), nil); r.status != 200 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	if tags := tagsOf("mp.bin"); tags["kind"] != "multipart" || len(tags) != 1 {
		t.Errorf("multipart tags %v", tags)
	}

	// The demo's flow: "pending" until the callback, then "ready".
	put := `<Tagging><TagSet><Tag><Key>status</Key><Value>ready</Value></Tag></TagSet></Tagging>`
	if r := send("PUT", "a.txt", "tagging", put, nil); r.status != 200 {
		t.Fatalf("PutObjectTagging: %d %s", r.status, r.body)
	}
	r := send("GET", "a.txt", "tagging", "", nil)
	want := `<Tagging><TagSet><Tag><Key>status</Key><Value>ready</Value></Tag></TagSet></Tagging>`
	if r.status != 200 || !strings.HasSuffix(string(r.body), want) {
		t.Errorf("GetObjectTagging: %d %s", r.status, r.body)
	}
	restarted := newServer(t, osstest.Config{Dir: dir})
	if obj, _ := restarted.Object("a.txt"); obj.Tags["status"] != "ready" || string(obj.Content) != "content" {
		t.Errorf("after a restart: tags %v, content %q", obj.Tags, obj.Content)
	}
	if r := send("DELETE", "a.txt", "tagging", "", nil); r.status != 204 || len(tagsOf("a.txt")) != 0 {
		t.Errorf("DeleteObjectTagging: %d, tags %v", r.status, tagsOf("a.txt"))
	}
	if r := send("GET", "a.txt", "tagging", "", nil); !strings.HasSuffix(string(r.body), "<Tagging><TagSet></TagSet></Tagging>") {
		t.Errorf("GetObjectTagging without tags: %s", r.body)
	}

	tag := func(k, v string) string { return "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>" }
	var eleven string
	for i := range 11 {
		eleven += tag("k"+string(rune('a'+i)), "v")
	}
	for _, tc := range []struct {
		name, query, body string
		header            map[string]string
		ec                string
	}{
		{"11 tags", "tagging", "<Tagging><TagSet>" + eleven + "</TagSet></Tagging>", nil, "0010-00000217"},
		{"a duplicate key", "tagging", "<Tagging><TagSet>" + tag("k", "1") + tag("k", "2") + "</TagSet></Tagging>", nil, "0010-00000217"},
		{"a 129-character key", "tagging", "<Tagging><TagSet>" + tag(strings.Repeat("k", 129), "v") + "</TagSet></Tagging>", nil, "0010-00000209"},
		{"a 257-character value", "tagging", "<Tagging><TagSet>" + tag("k", strings.Repeat("v", 257)) + "</TagSet></Tagging>", nil, "0010-00000214"},
		{"a character OSS refuses", "tagging", "<Tagging><TagSet>" + tag("k", "a*b") + "</TagSet></Tagging>", nil, "0010-00000217"},
		{"x-oss-tagging aa=bb=cc", "", "new", map[string]string{"x-oss-tagging": "aa=bb=cc"}, "0010-00000219"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send("PUT", "a.txt", tc.query, tc.body, tc.header)
			if e := r.ossError(t); r.status != 400 || e.EC != tc.ec {
				t.Errorf("%d %s EC %s, want 400 EC %s", r.status, e.Code, e.EC, tc.ec)
			}
			if obj, _ := srv.Object("a.txt"); string(obj.Content) != "content" || len(obj.Tags) != 0 {
				t.Errorf("object changed: %q %v", obj.Content, obj.Tags)
			}
		})
	}
	// Tagging needs a signature on a private bucket.
	req := objReq(t, srv, http.MethodPut, "a.txt", "tagging", []byte(put), nil, "")
	if r := do(t, nil, req); r.status != 403 || len(tagsOf("a.txt")) != 0 {
		t.Errorf("unsigned PutObjectTagging: %d, tags %v", r.status, tagsOf("a.txt"))
	}
}
