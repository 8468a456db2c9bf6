package osstest_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// aclFixture is a private bucket (the default) and a public-read one, each
// holding objects whose content names them, so a leak is easy to see.
type aclFixture struct {
	private, public *osstest.Server
}

var (
	stsKey     = osstest.AccessKey{ID: "STS.Live", Secret: "sts live secret", SecurityToken: "live-token", Expires: t0.Add(time.Hour)}
	stsExpired = osstest.AccessKey{ID: "STS.Old", Secret: "sts old secret", SecurityToken: "old-token", Expires: t0.Add(-time.Minute)}
)

func newACLFixture(t *testing.T) aclFixture {
	keys := []osstest.AccessKey{testKey, stsKey, stsExpired}
	f := aclFixture{
		private: newServer(t, osstest.Config{AccessKeys: keys}),
		public:  newServer(t, osstest.Config{AccessKeys: keys, ACL: "public-read"}),
	}
	for _, srv := range []*osstest.Server{f.private, f.public} {
		putACL(t, srv, "default.txt", "")
		putACL(t, srv, "private.txt", "private")
		putACL(t, srv, "public-read.txt", "public-read")
	}
	// The object ACL also comes from a PostObject field and from
	// InitiateMultipartUpload.
	parts := join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/form-public.txt"), field("x-oss-object-acl", "public-read"),
		file("f.txt", "text/plain", "SECRET user/eric/form-public.txt")})
	if r := postForm(t, f.private.URL, parts); r.status != 204 {
		t.Fatalf("PostObject: %d %s", r.status, r.body)
	}
	mp := &mpClient{t: t, srv: f.private, a: auth{kind: "v4", key: testKey}, key: "mp-public.txt"}
	mp.initiate(map[string]string{"x-oss-object-acl": "public-read"})
	etag := mp.part(1, []byte("SECRET mp-public.txt"))
	if r := mp.do(http.MethodPost, "uploadId="+mp.id, completeXML(xmlPart{1, etag}), nil); r.status != 200 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	return f
}

// putACL stores "SECRET <key>" as key with x-oss-object-acl acl ("" sends
// none: the object ACL is "default").
func putACL(t *testing.T, srv *osstest.Server, key, acl string) {
	t.Helper()
	var h map[string]string
	if acl != "" {
		h = map[string]string{"x-oss-object-acl": acl}
	}
	req := objReq(t, srv, http.MethodPut, key, "", []byte("SECRET "+key), h, "")
	auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), key)
	if r := do(t, nil, req); r.status != 200 {
		t.Fatalf("PUT %s: %d %s", key, r.status, r.body)
	}
}

// TestReadACL: reads and ACL requests, most of them hostile, each answered
// with OSS's status and code, and no answer but an allowed read carries a
// byte of any object. OSS's rules
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-acl): a
// signed request of the bucket's keys reads everything; an anonymous one
// reads only objects whose own ACL, or for "default" the bucket's, is
// public-read or public-read-write.
func TestReadACL(t *testing.T) {
	f := newACLFixture(t)
	v4 := auth{kind: "v4", key: testKey}
	tests := []struct {
		name   string
		srv    *osstest.Server
		method string
		key    string
		query  string
		header map[string]string
		auth   auth
		// signAs, when set, is the bucket and key the signature is made
		// for, to send it with another request.
		signBucket, signKey string
		status              int
		code                string
		ec                  string
	}{
		// Anonymous reads of a private bucket.
		{name: "unsigned GET, default ACL, private bucket", srv: f.private, method: "GET", key: "default.txt", status: 403, code: "AccessDenied", ec: "0003-00000001"},
		{name: "unsigned HEAD, default ACL, private bucket", srv: f.private, method: "HEAD", key: "default.txt", status: 403},
		{name: "unsigned Range GET, private bucket", srv: f.private, method: "GET", key: "default.txt", header: map[string]string{"Range": "bytes=0-3"}, status: 403, code: "AccessDenied"},
		{name: "unsigned GET of an explicitly private object", srv: f.private, method: "GET", key: "private.txt", status: 403, code: "AccessDenied"},
		{name: "unsigned GET of a missing key, private bucket", srv: f.private, method: "GET", key: "missing.txt", status: 403, code: "AccessDenied"},
		{name: "unsigned GetObjectMeta, private bucket", srv: f.private, method: "HEAD", key: "default.txt", query: "objectMeta", status: 403},
		{name: "unsigned ListObjects, private bucket", srv: f.private, method: "GET", key: "", status: 403, code: "AccessDenied"},
		{name: "unsigned GET with a cache-busting query, private bucket", srv: f.private, method: "GET", key: "default.txt", query: "t=123", status: 403, code: "AccessDenied"},
		// Public-read objects under a private bucket.
		{name: "unsigned GET, public-read object (PutObject), private bucket", srv: f.private, method: "GET", key: "public-read.txt", status: 200},
		{name: "unsigned HEAD, public-read object, private bucket", srv: f.private, method: "HEAD", key: "public-read.txt", status: 200},
		{name: "unsigned GET, public-read object (PostObject field)", srv: f.private, method: "GET", key: "user/eric/form-public.txt", status: 200},
		{name: "unsigned GET, public-read object (InitiateMultipartUpload)", srv: f.private, method: "GET", key: "mp-public.txt", status: 200},
		// A public-read bucket.
		{name: "unsigned GET, default ACL, public-read bucket", srv: f.public, method: "GET", key: "default.txt", status: 200},
		{name: "unsigned GET, private object, public-read bucket", srv: f.public, method: "GET", key: "private.txt", status: 403, code: "AccessDenied"},
		{name: "unsigned GET of a missing key, public-read bucket", srv: f.public, method: "GET", key: "missing.txt", status: 404, code: "NoSuchKey"},
		{name: "unsigned ListObjects, public-read bucket", srv: f.public, method: "GET", key: "", status: 200},
		// ACL operations.
		{name: "unsigned GetObjectACL", srv: f.private, method: "GET", key: "default.txt", query: "acl", status: 403, code: "AccessDenied", ec: "0003-00000007"},
		{name: "unsigned PutObjectACL", srv: f.private, method: "PUT", key: "private.txt", query: "acl", header: map[string]string{"x-oss-object-acl": "public-read"}, status: 403, code: "AccessDenied", ec: "0003-00000008"},
		{name: "PutObjectACL with an unknown ACL", srv: f.private, method: "PUT", key: "private.txt", query: "acl", header: map[string]string{"x-oss-object-acl": "public"}, auth: v4, status: 400, code: "InvalidArgument"},
		{name: "signed GetObjectACL", srv: f.private, method: "GET", key: "public-read.txt", query: "acl", auth: v4, status: 200},
		// Signed reads that must not pass.
		{name: "presigned V1 GET after its expiry", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v1query", key: testKey, at: t0.Add(-time.Hour)}, status: 403, code: "AccessDenied", ec: "0002-00000069"},
		{name: "presigned V4 GET after its expiry", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4query", key: testKey, at: t0.Add(-time.Hour)}, status: 403, code: "AccessDenied", ec: "0002-00000069"},
		{name: "presigned GET signed for another key", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4query", key: testKey}, signKey: "public-read.txt", status: 403, code: "SignatureDoesNotMatch"},
		{name: "presigned GET signed for another bucket", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v1query", key: testKey}, signBucket: "otherbucket", status: 403, code: "SignatureDoesNotMatch"},
		{name: "V4 header signed with a wrong secret", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4", key: osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}}, status: 403, code: "SignatureDoesNotMatch"},
		{name: "V1 header with a key the bucket does not know", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v1", key: osstest.AccessKey{ID: "LTAIother", Secret: "x"}}, status: 403, code: "InvalidAccessKeyId"},
		{name: "V4 credential for another region", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4", key: testKey, region: "cn-beijing"}, status: 400, code: "InvalidArgument"},
		{name: "STS key without its token", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4", key: osstest.AccessKey{ID: stsKey.ID, Secret: stsKey.Secret}}, status: 403, code: "InvalidAccessKeyId"},
		{name: "STS key with another key's token", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4query", key: osstest.AccessKey{ID: stsKey.ID, Secret: stsKey.Secret, SecurityToken: stsExpired.SecurityToken}}, status: 403, code: "AccessKeyIdAndSecurityTokenNotMatch", ec: "0002-00000004"},
		{name: "expired STS token, header", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4", key: stsExpired}, status: 403, code: "SecurityTokenExpired", ec: "0002-00000007"},
		{name: "expired STS token, presigned V1", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v1query", key: stsExpired}, status: 403, code: "SecurityTokenExpired"},
		{name: "an Authorization scheme OSS does not know", srv: f.private, method: "GET", key: "private.txt", header: map[string]string{"Authorization": "Bearer x"}, status: 400, code: "InvalidArgument"},
		{name: "unsigned CopyObject of a private object", srv: f.private, method: "PUT", key: "copy.txt", header: map[string]string{"x-oss-copy-source": "/examplebucket/private.txt"}, status: 403, code: "AccessDenied"},
		// Signed reads that pass.
		{name: "live STS token, presigned V4", srv: f.private, method: "GET", key: "private.txt", auth: auth{kind: "v4query", key: stsKey}, status: 200},
		{name: "signed GET of a private object", srv: f.private, method: "GET", key: "private.txt", auth: v4, status: 200},
		{name: "signed GetObjectMeta", srv: f.private, method: "HEAD", key: "private.txt", query: "objectMeta", auth: v4, status: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := objReq(t, tc.srv, tc.method, tc.key, tc.query, nil, tc.header, "")
			if tc.auth.kind != "" {
				bucket, key := tc.srv.Bucket(), tc.key
				if tc.signBucket != "" {
					bucket = tc.signBucket
				}
				if tc.signKey != "" {
					signed := objReq(t, tc.srv, tc.method, tc.signKey, tc.query, nil, tc.header, "")
					tc.auth.sign(signed, bucket, tc.signKey)
					req.URL.RawQuery = signed.URL.RawQuery
				} else {
					tc.auth.sign(req, bucket, key)
				}
			}
			r := do(t, nil, req)
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
			if tc.code != "" || tc.ec != "" {
				if e := r.ossError(t); e.Code != tc.code || e.EC != tc.ec && tc.ec != "" {
					t.Errorf("%s %q EC %q, want %s EC %q", e.Code, e.Message, e.EC, tc.code, tc.ec)
				}
			}
			leaked := bytes.Contains(r.body, []byte("SECRET"))
			switch {
			case r.status == 200 && tc.method == "GET" && tc.query == "" && tc.key != "":
				if want := "SECRET " + tc.key; string(r.body) != want {
					t.Errorf("body %q, want %q", r.body, want)
				}
			case r.status == 200 && tc.key == "":
				if !strings.Contains(string(r.body), "<Key>default.txt</Key>") {
					t.Errorf("listing %s", r.body)
				}
			case leaked:
				t.Errorf("answer carries object content: %s", r.body)
			}
			if r.status >= 400 && r.header.Get("ETag") != "" {
				t.Errorf("refusal carries the object's ETag %q", r.header.Get("ETag"))
			}
		})
	}
	// The refused PutObjectACLs changed nothing.
	if o, _ := f.private.Object("private.txt"); o.ACL != "private" {
		t.Errorf("private.txt ACL %q after refused PutObjectACLs", o.ACL)
	}
}

// TestPutObjectACLChangesReads: PutObjectACL makes a private object
// public-read and back; "default" returns it to the bucket's ACL; the ACL
// survives a restart with Dir.
func TestPutObjectACLChangesReads(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	putACL(t, srv, "k.txt", "")
	anonymous := func(srv *osstest.Server) int {
		return do(t, nil, objReq(t, srv, http.MethodGet, "k.txt", "", nil, nil, "")).status
	}
	setACL := func(acl string) {
		req := objReq(t, srv, http.MethodPut, "k.txt", "acl", nil, map[string]string{"x-oss-object-acl": acl}, "")
		auth{kind: "v1", key: testKey}.sign(req, srv.Bucket(), "k.txt")
		if r := do(t, nil, req); r.status != 200 {
			t.Fatalf("PutObjectACL %s: %d %s", acl, r.status, r.body)
		}
	}
	getACL := func() string {
		req := objReq(t, srv, http.MethodGet, "k.txt", "acl", nil, nil, "")
		auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "k.txt")
		r := do(t, nil, req)
		_, grant, _ := strings.Cut(string(r.body), "<Grant>")
		grant, _, _ = strings.Cut(grant, "</Grant>")
		return grant
	}
	if s, g := anonymous(srv), getACL(); s != 403 || g != "default" {
		t.Errorf("default: anonymous GET %d, grant %q", s, g)
	}
	setACL("public-read")
	if s, g := anonymous(srv), getACL(); s != 200 || g != "public-read" {
		t.Errorf("public-read: anonymous GET %d, grant %q", s, g)
	}
	srv.Close()
	again := newServer(t, osstest.Config{Dir: dir})
	if s := anonymous(again); s != 200 {
		t.Errorf("public-read after a restart: anonymous GET %d", s)
	}
	srv = again
	setACL("default")
	if s, g := anonymous(srv), getACL(); s != 403 || g != "default" {
		t.Errorf("back to default: anonymous GET %d, grant %q", s, g)
	}
}
