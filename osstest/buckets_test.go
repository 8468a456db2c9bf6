package osstest_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// step is one request of a scenario, path style on the bare loopback
// host: "/<bucket>/<key>?<query>", signed for bucket and key, and the
// answer it must get.
type step struct {
	name, method, bucket, key, query string
	body                             string
	header                           map[string]string // set before signing
	unsigned                         bool
	as                               *osstest.AccessKey // signs instead of testKey
	status                           int
	code, ec                         string
	contains                         string // in the answer body
	lacks                            string // not in the answer body
}

// runSteps runs steps in order against srv, signed with kind.
func runSteps(t *testing.T, srv *osstest.Server, kind string, steps []step) {
	t.Helper()
	for _, s := range steps {
		u := srv.URL + "/"
		if s.bucket != "" {
			u += s.bucket + "/" + s.key
		}
		if s.query != "" {
			u += "?" + s.query
		}
		var body io.Reader
		if s.body != "" {
			body = strings.NewReader(s.body)
		}
		req, err := http.NewRequest(s.method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range s.header {
			req.Header.Set(k, v)
		}
		if !s.unsigned {
			key := testKey
			if s.as != nil {
				key = *s.as
			}
			auth{kind: kind, key: key}.sign(req, s.bucket, s.key)
		}
		r := do(t, nil, req)
		if r.status != s.status {
			t.Errorf("%s: %s %s: %d %s, want %d", s.name, s.method, u, r.status, r.body, s.status)
			continue
		}
		if s.code != "" {
			e := r.ossError(t)
			if e.Code != s.code || e.EC != s.ec {
				t.Errorf("%s: code %s EC %s (%s), want %s EC %s", s.name, e.Code, e.EC, e.Message, s.code, s.ec)
			}
		}
		if s.contains != "" && !bytes.Contains(r.body, []byte(s.contains)) {
			t.Errorf("%s: answer %s lacks %q", s.name, r.body, s.contains)
		}
		if s.lacks != "" && bytes.Contains(r.body, []byte(s.lacks)) {
			t.Errorf("%s: answer %s has %q", s.name, r.body, s.lacks)
		}
	}
}

// TestBuckets: PutBucket, DeleteBucket, GetBucketInfo, ListBuckets and the
// objects of a second bucket, path style on an IP host as the SDKs send
// them for an IP endpoint (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket,
// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucket).
func TestBuckets(t *testing.T) {
	for _, kind := range []string{"v1", "v4", "v4query"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			putObject(t, srv, "a.txt", []byte("configured bucket's a"))
			runSteps(t, srv, kind, []step{
				{name: "an unknown bucket", method: "GET", bucket: "photos", key: "a.txt", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "PutBucket", method: "PUT", bucket: "photos", status: 200},
				{name: "PutBucket again (same account: 200)", method: "PUT", bucket: "photos", body: "<CreateBucketConfiguration><StorageClass>Standard</StorageClass></CreateBucketConfiguration>", status: 200},
				{name: "a missing key of the new bucket", method: "GET", bucket: "photos", key: "a.txt", status: 404, code: "NoSuchKey", ec: "0026-00000001"},
				{name: "PutObject", method: "PUT", bucket: "photos", key: "a.txt", body: "photos' a", status: 200},
				{name: "GetObject", method: "GET", bucket: "photos", key: "a.txt", status: 200, contains: "photos' a"},
				{name: "the configured bucket keeps its own a.txt", method: "GET", bucket: "examplebucket", key: "a.txt", status: 200, contains: "configured bucket's a"},
				{name: "ListObjects of the new bucket", method: "GET", bucket: "photos", status: 200, contains: "<Name>photos</Name>"},
				{name: "GetBucketInfo", method: "GET", bucket: "photos", query: "bucketInfo", status: 200, contains: "<Name>photos</Name>"},
				{name: "ListBuckets (signed for no bucket)", method: "GET", status: 200, contains: "<Name>examplebucket</Name>"},
				{name: "ListBuckets with a prefix", method: "GET", query: "prefix=ph", status: 200, contains: "<Name>photos</Name>"},
				{name: "DeleteBucket with an object", method: "DELETE", bucket: "photos", status: 409, code: "BucketNotEmpty", ec: "0015-00000301"},
				{name: "DeleteObject", method: "DELETE", bucket: "photos", key: "a.txt", status: 204},
				{name: "DeleteBucket", method: "DELETE", bucket: "photos", status: 204},
				{name: "the deleted bucket", method: "GET", bucket: "photos", key: "a.txt", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "DeleteBucket again", method: "DELETE", bucket: "photos", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "the configured bucket is not deleted", method: "DELETE", bucket: "examplebucket", status: 403, code: "AccessDenied"},
			})
		})
	}
}

// TestBucketsUnknownAccessKey: a request signed with an AccessKey ID the
// emulator does not know is read path style on a bare host, as OSS reads
// it: OSS looks the bucket up first, so a missing bucket is 404
// NoSuchBucket whatever the key, and an existing one is 403
// InvalidAccessKeyId (the SDK's IsObjectExist and IsBucketExist rely on
// both, https://www.alibabacloud.com/help/en/oss/support/0015-00000101).
// A path whose first segment cannot be a bucket name stays a key of the
// configured bucket.
func TestBucketsUnknownAccessKey(t *testing.T) {
	stranger := &osstest.AccessKey{ID: "LTAI5tNotKnownHere", Secret: "NotKnownSecret0123456789abcdef"}
	for _, kind := range []string{"v1", "v4", "v4query"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			putObject(t, srv, "a.txt", []byte("a"))
			runSteps(t, srv, kind, []step{
				{name: "PutBucket photos", method: "PUT", bucket: "photos", status: 200},
				{name: "a missing bucket", method: "HEAD", bucket: "nosuchbucket", key: "a.txt", as: stranger, status: 404},
				{name: "a missing bucket, GET", method: "GET", bucket: "nosuchbucket", key: "a.txt", as: stranger, status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "a missing bucket, bucket ACL", method: "GET", bucket: "nosuchbucket", query: "acl", as: stranger, status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "an existing bucket", method: "GET", bucket: "photos", key: "a.txt", as: stranger, status: 403, code: "InvalidAccessKeyId"},
				{name: "the configured bucket", method: "GET", bucket: "examplebucket", key: "a.txt", as: stranger, status: 403, code: "InvalidAccessKeyId"},
			})
			// Server.URL plus a key whose first segment is no bucket name.
			req, _ := http.NewRequest("GET", srv.URL+"/a.txt", nil)
			auth{kind: kind, key: *stranger}.sign(req, "examplebucket", "a.txt")
			if r := do(t, nil, req); r.status != 403 || r.ossError(t).Code != "InvalidAccessKeyId" {
				t.Errorf("GET /a.txt with an unknown key: %d %s, want 403 InvalidAccessKeyId", r.status, r.body)
			}
		})
	}
}

// TestBucketsUnsignedConvenience: on a bare host an unsigned request whose
// first path segment is no bucket is a key in the configured bucket, so
// that Server.URL plus a key keeps working for public buckets.
func TestBucketsUnsignedConvenience(t *testing.T) {
	srv := newServer(t, osstest.Config{ACL: "public-read"})
	putObject(t, srv, "dir/a.txt", []byte("public a"))
	resp, err := http.Get(srv.URL + "/dir/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "public a" {
		t.Errorf("GET /dir/a.txt: %d %q", resp.StatusCode, b)
	}
}

// TestBucketsListed: ListBuckets pages by max-keys with a NextMarker.
func TestBucketsListed(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	var steps []step
	for _, name := range []string{"b-one", "b-two", "b-three"} {
		steps = append(steps, step{name: "PutBucket " + name, method: "PUT", bucket: name, status: 200})
	}
	runSteps(t, srv, "v4", steps)
	type listing struct {
		IsTruncated bool
		NextMarker  string
		Names       []string `xml:"Buckets>Bucket>Name"`
	}
	var got []string
	marker := ""
	for range 5 {
		req, _ := http.NewRequest("GET", srv.URL+"/?prefix=b-&max-keys=2&marker="+marker, nil)
		auth{kind: "v4", key: testKey}.sign(req, "", "")
		r := do(t, nil, req)
		var l listing
		if err := xml.Unmarshal(r.body, &l); r.status != 200 || err != nil {
			t.Fatalf("ListBuckets: %d %s %v", r.status, r.body, err)
		}
		if len(l.Names) > 2 {
			t.Errorf("page of %d buckets, max-keys 2", len(l.Names))
		}
		got = append(got, l.Names...)
		if !l.IsTruncated {
			break
		}
		marker = l.NextMarker
	}
	if want := "b-one b-three b-two"; strings.Join(got, " ") != want {
		t.Errorf("buckets %q, want %q", got, want)
	}
}

// TestBucketsSurviveRestart: with Dir, a bucket made with PutBucket and its
// objects are there after a restart on the same directory, and a deleted
// bucket stays deleted.
func TestBucketsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	runSteps(t, srv, "v4", []step{
		{name: "PutBucket", method: "PUT", bucket: "kept", status: 200},
		{name: "PutBucket", method: "PUT", bucket: "gone", status: 200},
		{name: "PutObject", method: "PUT", bucket: "kept", key: "k.txt", body: "kept content", status: 200},
		{name: "DeleteBucket", method: "DELETE", bucket: "gone", status: 204},
	})
	srv.Close()
	again := newServer(t, osstest.Config{Dir: dir})
	runSteps(t, again, "v4", []step{
		{name: "the object after a restart", method: "GET", bucket: "kept", key: "k.txt", status: 200, contains: "kept content"},
		{name: "the deleted bucket after a restart", method: "GET", bucket: "gone", key: "k.txt", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
	})
}

// TestConfigBuckets: Config.Buckets exist from the start; a name OSS
// would refuse is an ErrInvalid.
func TestConfigBuckets(t *testing.T) {
	srv := newServer(t, osstest.Config{Buckets: []string{"media", "logs"}})
	runSteps(t, srv, "v4", []step{
		{name: "PutObject in media", method: "PUT", bucket: "media", key: "m.txt", body: "m", status: 200},
		{name: "GetObject from media", method: "GET", bucket: "media", key: "m.txt", status: 200, contains: "m"},
		{name: "ListObjects of logs", method: "GET", bucket: "logs", status: 200, contains: "<Name>logs</Name>"},
	})
	if _, err := osstest.New(osstest.Config{Buckets: []string{"Bad_Name"}}); !errors.Is(err, osstest.ErrInvalid) {
		t.Errorf("New with bucket Bad_Name: %v, want ErrInvalid", err)
	}
}

// TestBucketsConcurrent: buckets made, used, listed and deleted from many
// goroutines at once (run with -race).
func TestBucketsConcurrent(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			name := fmt.Sprintf("bucket-%d", i)
			runSteps(t, srv, "v4", []step{
				{name: "PutBucket", method: "PUT", bucket: name, status: 200},
				{name: "PutObject", method: "PUT", bucket: name, key: "k", body: name, status: 200},
				{name: "ListBuckets", method: "GET", status: 200, contains: "<Name>" + name + "</Name>"},
				{name: "GetObject", method: "GET", bucket: name, key: "k", status: 200, contains: name},
				{name: "DeleteObject", method: "DELETE", bucket: name, key: "k", status: 204},
				{name: "DeleteBucket", method: "DELETE", bucket: name, status: 204},
			})
		}()
	}
	for range 8 {
		<-done
	}
}
