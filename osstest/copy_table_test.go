package osstest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
)

// bucketReq is a path-style request to bucket/key on srv's bare loopback
// host, V4-signed with testKey unless anonymous.
func bucketReq(t *testing.T, srv *osstest.Server, method, bucket, key string, body []byte, h map[string]string, anonymous bool) result {
	t.Helper()
	u := srv.URL + "/" + bucket + "/" + strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	if !anonymous {
		auth{kind: "v4", key: testKey}.sign(req, bucket, key)
	}
	return do(t, nil, req)
}

// copiedView is what a copy may change of a stored object.
type copiedView struct {
	Content                                      string
	ETag, ContentType, CacheControl, Disposition string
	Meta, Tags                                   map[string]string
}

func viewOf(o osstest.Object) copiedView {
	return copiedView{string(o.Content), o.ETag, o.ContentType, o.CacheControl, o.ContentDisposition, o.Meta, o.Tags}
}

// TestCopyObjectMetadataDirective: x-oss-metadata-directive COPY (also the
// default) keeps the source's metadata and ignores the request's; REPLACE
// takes the request's, and the metadata it leaves out is gone; onto itself,
// REPLACE changes only the metadata: content and ETag stay, and tags
// follow x-oss-tagging-directive, not the metadata directive
// (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject).
func TestCopyObjectMetadataDirective(t *testing.T) {
	const content = "source content"
	srcHeader := map[string]string{"Content-Type": "text/plain", "Cache-Control": "no-cache", "Content-Disposition": "attachment",
		"x-oss-meta-owner": "u42", "x-oss-tagging": "status=pending"}
	newMeta := map[string]string{"Content-Type": "application/json", "x-oss-meta-state": "ready"}
	withSource := func(h map[string]string) map[string]string {
		out := map[string]string{"x-oss-copy-source": "/examplebucket/tmp/a.txt"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	srcView := copiedView{Content: content, ContentType: "text/plain", CacheControl: "no-cache", Disposition: "attachment",
		Meta: map[string]string{"owner": "u42"}, Tags: map[string]string{"status": "pending"}}
	replaced := copiedView{Content: content, ContentType: "application/json",
		Meta: map[string]string{"state": "ready"}, Tags: map[string]string{"status": "pending"}}
	for _, tc := range []struct {
		name   string
		target string
		header map[string]string
		want   copiedView // ETag is always the source's
	}{
		{"default is COPY", "final/a.txt", withSource(nil), srcView},
		{"COPY ignores the request's metadata", "final/a.txt", withSource(map[string]string{"x-oss-metadata-directive": "COPY",
			"Content-Type": "application/json", "x-oss-meta-state": "ready"}), srcView},
		{"REPLACE takes the request's metadata", "final/a.txt", withSource(mergeMaps(newMeta, map[string]string{"x-oss-metadata-directive": "REPLACE"})), replaced},
		{"REPLACE onto itself", "tmp/a.txt", withSource(mergeMaps(newMeta, map[string]string{"x-oss-metadata-directive": "REPLACE"})), replaced},
		{"REPLACE onto itself, tags replaced too", "tmp/a.txt", withSource(mergeMaps(newMeta, map[string]string{"x-oss-metadata-directive": "REPLACE",
			"x-oss-tagging-directive": "Replace", "x-oss-tagging": "status=ready"})),
			copiedView{Content: content, ContentType: "application/json", Meta: map[string]string{"state": "ready"}, Tags: map[string]string{"status": "ready"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			if r := bucketReq(t, srv, http.MethodPut, "examplebucket", "tmp/a.txt", []byte(content), srcHeader, false); r.status != 200 {
				t.Fatalf("PUT source: %d %s", r.status, r.body)
			}
			src, _ := srv.Object("tmp/a.txt")
			r := bucketReq(t, srv, http.MethodPut, "examplebucket", tc.target, nil, tc.header, false)
			if r.status != 200 {
				t.Fatalf("copy: %d %s", r.status, r.body)
			}
			got, _ := srv.Object(tc.target)
			want := tc.want
			want.ETag = src.ETag
			if diff := cmp.Diff(want, viewOf(got)); diff != "" {
				t.Errorf("copy (-want +got):\n%s", diff)
			}
			if tc.target != "tmp/a.txt" {
				if after, _ := srv.Object("tmp/a.txt"); !cmp.Equal(viewOf(after), viewOf(src)) {
					t.Errorf("the source changed: %+v", viewOf(after))
				}
			}
		})
	}
}

func mergeMaps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestCopyObjectAcrossBuckets: a copy reads its source with the
// requester's rights on the source bucket and writes the target with its
// rights on the target bucket. The owner's key copies anything, a private
// object included. An anonymous copy, possible only into a
// public-read-write bucket, reads the source as an anonymous GET would:
// refused from a private bucket unless the object itself is public-read,
// refused for a private object of a public-read bucket; and it cannot
// write into a public-read or private bucket. A missing source is 404
// NoSuchKey where the requester may read the bucket (403 where it may not,
// so an anonymous requester learns nothing of a private bucket), and an
// unknown bucket is 404 NoSuchBucket. Every refused copy leaves the
// target as it was.
func TestCopyObjectAcrossBuckets(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	for bucket, acl := range map[string]string{"src-private": "private", "src-public": "public-read", "dst-open": "public-read-write", "dst-public": "public-read"} {
		r := bucketReq(t, srv, http.MethodPut, bucket, "", nil, map[string]string{"x-oss-acl": acl}, false)
		if r.status != 200 {
			t.Fatalf("PutBucket %s: %d %s", bucket, r.status, r.body)
		}
	}
	for _, o := range []struct{ bucket, key, acl string }{
		{"src-private", "default.txt", ""}, {"src-private", "public.txt", "public-read"},
		{"src-public", "default.txt", ""}, {"src-public", "private.txt", "private"},
	} {
		var h map[string]string
		if o.acl != "" {
			h = map[string]string{"x-oss-object-acl": o.acl}
		}
		if r := bucketReq(t, srv, http.MethodPut, o.bucket, o.key, []byte("from "+o.bucket+"/"+o.key), h, false); r.status != 200 {
			t.Fatalf("PUT %s/%s: %d %s", o.bucket, o.key, r.status, r.body)
		}
	}
	for i, tc := range []struct {
		name      string
		anonymous bool
		source    string // x-oss-copy-source
		target    string // bucket
		status    int
		code      string
	}{
		{"owner: private bucket to private bucket", false, "/src-private/default.txt", "examplebucket", 200, ""},
		{"owner: private object of a public-read bucket", false, "/src-public/private.txt", "dst-open", 200, ""},
		{"anonymous: private bucket", true, "/src-private/default.txt", "dst-open", 403, "AccessDenied"},
		{"anonymous: public-read object of a private bucket", true, "/src-private/public.txt", "dst-open", 200, ""},
		{"anonymous: public-read bucket", true, "/src-public/default.txt", "dst-open", 200, ""},
		{"anonymous: private object of a public-read bucket", true, "/src-public/private.txt", "dst-open", 403, "AccessDenied"},
		{"anonymous: into a public-read bucket", true, "/src-public/default.txt", "dst-public", 403, "AccessDenied"},
		{"anonymous: into a private bucket", true, "/src-public/default.txt", "examplebucket", 403, "AccessDenied"},
		{"owner: missing source", false, "/src-private/missing.txt", "dst-open", 404, "NoSuchKey"},
		{"anonymous: missing source in a public-read bucket", true, "/src-public/missing.txt", "dst-open", 404, "NoSuchKey"},
		{"anonymous: missing source in a private bucket", true, "/src-private/missing.txt", "dst-open", 403, "AccessDenied"},
		{"owner: unknown source bucket", false, "/no-such-bucket/a.txt", "dst-open", 404, "NoSuchBucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("copies/%02d.txt", i)
			if r := bucketReq(t, srv, http.MethodPut, tc.target, key, []byte("old target"), nil, false); r.status != 200 {
				t.Fatalf("PUT target: %d %s", r.status, r.body)
			}
			r := bucketReq(t, srv, http.MethodPut, tc.target, key, nil, map[string]string{"x-oss-copy-source": tc.source}, tc.anonymous)
			if r.status != tc.status {
				t.Fatalf("copy: %d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.code != "" {
				if e := r.ossError(t); e.Code != tc.code {
					t.Errorf("code %s (%s), want %s", e.Code, e.Message, tc.code)
				}
				if bytes.Contains(r.body, []byte("from ")) {
					t.Errorf("a refused copy shows the source: %s", r.body)
				}
			}
			want := "old target"
			if tc.status == 200 {
				want = "from " + strings.TrimPrefix(tc.source, "/")
			}
			got := bucketReq(t, srv, http.MethodGet, tc.target, key, nil, nil, false)
			if got.status != 200 || string(got.body) != want {
				t.Errorf("target now %d %q, want %q", got.status, got.body, want)
			}
		})
	}
}
