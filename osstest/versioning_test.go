package osstest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/osstest"
)

// Bucket versioning as Alibaba documents it
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78). The
// tests run on the configured bucket and on one made with PutBucket, signed
// V1 and V4.

// vClient sends signed path-style requests to one bucket of srv.
type vClient struct {
	t      *testing.T
	srv    *osstest.Server
	bucket string
	kind   string // "v1" or "v4"
}

// do sends method to key ("" for the bucket) with query, body and headers.
func (c vClient) do(method, key, query string, body []byte, h map[string]string) result {
	c.t.Helper()
	u := c.srv.URL + "/" + c.bucket + "/" + strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	auth{kind: c.kind, key: testKey}.sign(req, c.bucket, key)
	return do(c.t, nil, req)
}

// want fails the test unless r has status and, for an error, code.
func (c vClient) want(r result, status int, code, what string) {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("%s: %d %s, want %d", what, r.status, r.body, status)
	}
	if code != "" {
		if e := r.ossError(c.t); e.Code != code {
			c.t.Fatalf("%s: %s (%s), want %s", what, e.Code, e.Message, code)
		}
	}
}

// put stores content as key and returns its x-oss-version-id.
func (c vClient) put(key, content string) string {
	c.t.Helper()
	r := c.do("PUT", key, "", []byte(content), nil)
	c.want(r, 200, "", "PUT "+key)
	return r.header.Get("X-Oss-Version-Id")
}

func (c vClient) setVersioning(status string) {
	c.t.Helper()
	body := "<VersioningConfiguration><Status>" + status + "</Status></VersioningConfiguration>"
	c.want(c.do("PUT", "", "versioning", []byte(body), nil), 200, "", "PutBucketVersioning "+status)
}

// get reads key (version vid if not "") and returns the answer.
func (c vClient) get(key, vid string) result {
	c.t.Helper()
	q := ""
	if vid != "" {
		q = "versionId=" + url.QueryEscape(vid)
	}
	return c.do("GET", key, q, nil, nil)
}

// content checks that version vid of key reads as want.
func (c vClient) content(key, vid, want string) {
	c.t.Helper()
	r := c.get(key, vid)
	if r.status != 200 || string(r.body) != want {
		c.t.Fatalf("GET %s version %q: %d %q, want %q", key, vid, r.status, r.body, want)
	}
	if vid != "" && r.header.Get("X-Oss-Version-Id") != vid {
		c.t.Fatalf("GET %s version %q: x-oss-version-id %q", key, vid, r.header.Get("X-Oss-Version-Id"))
	}
}

// listedVersion is one Version or DeleteMarker of ListObjectVersions.
type listedVersion struct {
	XMLName   xml.Name
	Key       string
	VersionID string `xml:"VersionId"`
	IsLatest  bool
	Size      int64
}

func (v listedVersion) String() string {
	return fmt.Sprintf("%s %s %s latest=%v", v.XMLName.Local, v.Key, v.VersionID, v.IsLatest)
}

type versionsAnswer struct {
	Items               []listedVersion `xml:",any"`
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string   `xml:"NextVersionIdMarker"`
	Prefixes            []string `xml:"CommonPrefixes>Prefix"`
}

// listVersions lists every version, maxKeys a page, and returns them in
// order as "Version key id latest=…" lines, with the common prefixes.
func (c vClient) listVersions(query string, maxKeys int) (versions, prefixes []string) {
	c.t.Helper()
	keyMarker, vidMarker := "", ""
	for page := 0; ; page++ {
		q := fmt.Sprintf("versions&max-keys=%d&key-marker=%s&version-id-marker=%s%s", maxKeys, url.QueryEscape(keyMarker), url.QueryEscape(vidMarker), query)
		r := c.do("GET", "", q, nil, nil)
		c.want(r, 200, "", "ListObjectVersions")
		var a versionsAnswer
		if err := xml.Unmarshal(r.body, &a); err != nil {
			c.t.Fatal(err)
		}
		n := len(a.Prefixes)
		for _, v := range a.Items {
			if v.XMLName.Local == "Version" || v.XMLName.Local == "DeleteMarker" {
				versions = append(versions, v.String())
				n++
			}
		}
		prefixes = append(prefixes, a.Prefixes...)
		if n > maxKeys {
			c.t.Fatalf("page %d: %d entries, max-keys %d", page, n, maxKeys)
		}
		if !a.IsTruncated {
			return versions, prefixes
		}
		if page > 100 {
			c.t.Fatal("ListObjectVersions does not end")
		}
		keyMarker, vidMarker = a.NextKeyMarker, a.NextVersionIDMarker
	}
}

// forEachBucket runs test on the configured bucket and on one made with
// PutBucket, signed V1 and V4.
func forEachBucket(t *testing.T, cfg osstest.Config, test func(c vClient)) {
	for _, kind := range []string{"v1", "v4"} {
		for _, made := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/putbucket=%v", kind, made), func(t *testing.T) {
				srv := newServer(t, cfg)
				c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: kind}
				if made {
					c.bucket = "versions-bucket"
					c.want(c.do("PUT", "", "", nil, nil), 200, "", "PutBucket")
				}
				test(c)
			})
		}
	}
}

// TestBucketVersioningConfiguration: a bucket never versioned answers
// GetBucketVersioning without Status
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketversioning)
// and its objects carry no x-oss-version-id; PutBucketVersioning takes
// Enabled or Suspended
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketversioning)
// and refuses any other body (400 MalformedXML [inferred]), so a versioned
// bucket can be suspended but never unversioned again.
func TestBucketVersioningConfiguration(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		status := func() string {
			r := c.do("GET", "", "versioning", nil, nil)
			c.want(r, 200, "", "GetBucketVersioning")
			var conf struct {
				XMLName xml.Name `xml:"VersioningConfiguration"`
				Status  *string
			}
			if err := xml.Unmarshal(r.body, &conf); err != nil {
				c.t.Fatalf("GetBucketVersioning: %v: %s", err, r.body)
			}
			if conf.Status == nil {
				return "(none)"
			}
			return *conf.Status
		}
		if s := status(); s != "(none)" {
			c.t.Errorf("never versioned: Status %q", s)
		}
		if vid := c.put("a.txt", "a"); vid != "" {
			c.t.Errorf("PUT in a never-versioned bucket: x-oss-version-id %q", vid)
		}
		if r := c.get("a.txt", ""); r.header.Get("X-Oss-Version-Id") != "" {
			c.t.Errorf("GET in a never-versioned bucket: x-oss-version-id %q", r.header.Get("X-Oss-Version-Id"))
		}
		for _, body := range []string{"", "<VersioningConfiguration/>", "<Other><Status>Enabled</Status></Other>", "<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>", "<Versioning"} {
			c.want(c.do("PUT", "", "versioning", []byte(body), nil), 400, "MalformedXML", fmt.Sprintf("PutBucketVersioning %q", body))
		}
		for _, s := range []string{"Enabled", "Suspended", "Enabled"} {
			c.setVersioning(s)
			if got := status(); got != s {
				c.t.Errorf("after %s: Status %q", s, got)
			}
		}
	})
}

// TestVersionIDNeverVersioned: in a bucket that was never versioned, a
// read by a version id is refused, EC 0012-00000301
// (https://help.aliyun.com/en/oss/user-guide/0012-00000301; status and
// code [inferred]), except "null", the version of an object stored before
// versioning (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78);
// DeleteObject of a version the key does not have answers 204 and deletes
// nothing, as DeleteObject answers 204 whether or not the object exists
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
func TestVersionIDNeverVersioned(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.put("k.txt", "data")
		for _, q := range []string{"versionId=abc", "objectMeta&versionId=abc", "tagging&versionId=abc", "acl&versionId=abc"} {
			method := "GET"
			if q == "objectMeta&versionId=abc" {
				method = "HEAD"
			}
			r := c.do(method, "k.txt", q, nil, nil)
			if r.status != 400 {
				c.t.Fatalf("%s ?%s: %d %s, want 400", method, q, r.status, r.body)
			}
			if method == "GET" {
				if e := r.ossError(c.t); e.Code != "InvalidArgument" || e.EC != "0012-00000301" {
					c.t.Errorf("%s ?%s: %s EC %s", method, q, e.Code, e.EC)
				}
			}
		}
		if r := c.get("k.txt", "null"); r.status != 200 || string(r.body) != "data" {
			c.t.Errorf("GET versionId=null: %d %q", r.status, r.body)
		}
		c.want(c.do("DELETE", "k.txt", "versionId=abc", nil, nil), 204, "", "DELETE versionId=abc")
		c.content("k.txt", "", "data")
		// The Go SDK v2's TestDeleteObject expects no x-oss-version-id here
		// (client_integration_object_basic_test.go).
		r := c.do("DELETE", "k.txt", "versionId=null", nil, nil)
		c.want(r, 204, "", "DELETE versionId=null")
		if v := r.header.Get("X-Oss-Version-Id"); v != "" {
			c.t.Errorf("DELETE versionId=null: x-oss-version-id %q", v)
		}
		c.want(c.get("k.txt", ""), 404, "NoSuchKey", "GET after DELETE versionId=null")
	})
}

// TestVersioningWrites: enabled, every write makes a version with its own
// id in x-oss-version-id, and each version reads back by id with its
// content; the latest without one. An object stored before versioning is
// the version "null"
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78). An
// unknown id is 404 NoSuchVersion [inferred code]; an empty one is 400,
// EC 0012-00000201 (https://www.alibabacloud.com/help/en/oss/support/0012-00000201).
func TestVersioningWrites(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.put("k.txt", "before")
		c.setVersioning("Enabled")
		c.content("k.txt", "null", "before")
		id1, id2 := c.put("k.txt", "one"), c.put("k.txt", "two")
		if id1 == "" || id2 == "" || id1 == id2 || id1 == "null" {
			c.t.Fatalf("version ids %q and %q", id1, id2)
		}
		c.content("k.txt", "", "two")
		if got := c.get("k.txt", "").header.Get("X-Oss-Version-Id"); got != id2 {
			c.t.Errorf("GET latest: x-oss-version-id %q, want %q", got, id2)
		}
		c.content("k.txt", id1, "one")
		c.content("k.txt", id2, "two")
		c.content("k.txt", "null", "before")
		meta := c.do("HEAD", "k.txt", "objectMeta&versionId="+id1, nil, nil)
		if meta.status != 200 || meta.header.Get("X-Oss-Version-Id") != id1 || meta.header.Get("Content-Length") != "3" {
			c.t.Errorf("GetObjectMeta of %s: %d %v", id1, meta.status, meta.header)
		}
		c.want(c.get("k.txt", "no-such-id"), 404, "NoSuchVersion", "GET an unknown version")
		r := c.do("GET", "k.txt", "versionId=", nil, nil)
		c.want(r, 400, "InvalidArgument", "GET versionId=")
		if ec := r.ossError(c.t).EC; ec != "0012-00000201" {
			c.t.Errorf("GET versionId=: EC %s", ec)
		}
		// A multipart upload's completion makes a version too.
		r = c.do("POST", "k.txt", "uploads", nil, nil)
		c.want(r, 200, "", "InitiateMultipartUpload")
		var init struct {
			UploadID string `xml:"UploadId"`
		}
		xml.Unmarshal(r.body, &init)
		part := c.do("PUT", "k.txt", "partNumber=1&uploadId="+init.UploadID, []byte("three"), nil)
		c.want(part, 200, "", "UploadPart")
		body := []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + part.header.Get("ETag") + `</ETag></Part></CompleteMultipartUpload>`)
		r = c.do("POST", "k.txt", "uploadId="+init.UploadID, body, nil)
		c.want(r, 200, "", "CompleteMultipartUpload")
		id3 := r.header.Get("X-Oss-Version-Id")
		if id3 == "" || id3 == id2 || id3 == id1 {
			c.t.Fatalf("CompleteMultipartUpload: x-oss-version-id %q", id3)
		}
		c.content("k.txt", id3, "three")
		c.content("k.txt", id2, "two")
	})
}

// TestVersioningForbidOverwrite: in a versioned bucket a write with
// x-oss-forbid-overwrite makes a new version instead of failing
// (https://help.aliyun.com/en/oss/user-guide/0026-00000201: "Enable
// versioning for the bucket so that a new version is created on each
// write instead of overwriting").
func TestVersioningForbidOverwrite(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.put("k.txt", "one")
		h := map[string]string{"x-oss-forbid-overwrite": "true"}
		c.want(c.do("PUT", "k.txt", "", []byte("two"), h), 409, "FileAlreadyExists", "unversioned overwrite")
		c.setVersioning("Enabled")
		r := c.do("PUT", "k.txt", "", []byte("two"), h)
		c.want(r, 200, "", "versioned write with x-oss-forbid-overwrite")
		c.content("k.txt", "", "two")
		c.content("k.txt", "null", "one")
	})
}

// TestVersioningDeleteMarker: DeleteObject without a version id adds a
// delete marker (x-oss-delete-marker: true and its version id); the key
// then reads as 404 NoSuchKey with x-oss-delete-marker: true, the marker
// asked for by id is 405 MethodNotAllowed, ListObjects leaves the key out,
// and the older versions stay readable; deleting the marker by id brings
// the object back
// (https://www.alibabacloud.com/help/en/oss/user-guide/delete-marker,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getobject).
// A second delete stacks a second marker.
func TestVersioningDeleteMarker(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1 := c.put("k.txt", "one")
		r := c.do("DELETE", "k.txt", "", nil, nil)
		c.want(r, 204, "", "DeleteObject")
		m := r.header.Get("X-Oss-Version-Id")
		if r.header.Get("X-Oss-Delete-Marker") != "true" || m == "" || m == id1 {
			c.t.Fatalf("DeleteObject: %v", r.header)
		}
		for _, method := range []string{"GET", "HEAD"} {
			r = c.do(method, "k.txt", "", nil, nil)
			if r.status != 404 || r.header.Get("X-Oss-Delete-Marker") != "true" || r.header.Get("X-Oss-Version-Id") != m {
				c.t.Errorf("%s behind a delete marker: %d %v", method, r.status, r.header)
			}
		}
		c.want(c.get("k.txt", ""), 404, "NoSuchKey", "GET behind a delete marker")
		r = c.get("k.txt", m)
		c.want(r, 405, "MethodNotAllowed", "GET of the delete marker")
		if r.header.Get("X-Oss-Delete-Marker") != "true" {
			c.t.Errorf("GET of the delete marker: %v", r.header)
		}
		c.want(c.do("GET", "k.txt", "tagging", nil, nil), 404, "NoSuchKey", "GetObjectTagging behind a delete marker")
		c.content("k.txt", id1, "one")
		if r := c.do("GET", "", "", nil, nil); bytes.Contains(r.body, []byte("k.txt")) {
			c.t.Errorf("ListObjects lists a deleted key: %s", r.body)
		}
		r = c.do("DELETE", "k.txt", "", nil, nil)
		m2 := r.header.Get("X-Oss-Version-Id")
		if m2 == m || r.header.Get("X-Oss-Delete-Marker") != "true" {
			c.t.Errorf("second DeleteObject: %v", r.header)
		}
		for _, marker := range []string{m2, m} {
			r = c.do("DELETE", "k.txt", "versionId="+marker, nil, nil)
			c.want(r, 204, "", "DeleteObject of a delete marker")
			if r.header.Get("X-Oss-Delete-Marker") != "true" || r.header.Get("X-Oss-Version-Id") != marker {
				c.t.Errorf("DeleteObject of a delete marker: %v", r.header)
			}
		}
		c.content("k.txt", "", "one")
	})
}

// TestVersioningDeleteForGood: DeleteObject with a version id removes that
// version for good; when it was the latest, the next older one is current
// again (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
func TestVersioningDeleteForGood(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1, id2 := c.put("k.txt", "one"), c.put("k.txt", "two")
		r := c.do("DELETE", "k.txt", "versionId="+id2, nil, nil)
		c.want(r, 204, "", "DeleteObject of the current version")
		if r.header.Get("X-Oss-Version-Id") != id2 || r.header.Get("X-Oss-Delete-Marker") != "" {
			c.t.Errorf("DeleteObject of %s: %v", id2, r.header)
		}
		c.want(c.get("k.txt", id2), 404, "NoSuchVersion", "GET a deleted version")
		c.content("k.txt", "", "one")
		c.want(c.do("DELETE", "k.txt", "versionId="+id1, nil, nil), 204, "", "DeleteObject of the last version")
		r = c.get("k.txt", "")
		c.want(r, 404, "NoSuchKey", "GET after every version went")
		if r.header.Get("X-Oss-Delete-Marker") != "" {
			c.t.Errorf("GET after every version went: %v", r.header)
		}
		if v, _ := c.listVersions("", 10); len(v) != 0 {
			c.t.Errorf("versions left: %v", v)
		}
	})
}

// TestVersioningCopy: x-oss-copy-source with ?versionId copies that
// version, and CopyObject and UploadPartCopy answer it in
// x-oss-copy-source-version-id; the copy is a new version of its key
// (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject,
// https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy).
// A delete marker cannot be copied (EC 0016-00000307,
// https://www.alibabacloud.com/help/en/oss/support/0016-00000307), nor a
// version that does not exist (EC 0012-00000203,
// https://www.alibabacloud.com/help/en/oss/support/0012-00000203).
func TestVersioningCopy(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1 := c.put("src.txt", "one")
		c.put("src.txt", "two")
		src := func(vid string) map[string]string {
			return map[string]string{"x-oss-copy-source": "/" + c.bucket + "/src.txt?versionId=" + vid}
		}
		r := c.do("PUT", "dst.txt", "", nil, src(id1))
		c.want(r, 200, "", "CopyObject of a version")
		if r.header.Get("X-Oss-Copy-Source-Version-Id") != id1 || r.header.Get("X-Oss-Version-Id") == "" {
			c.t.Errorf("CopyObject: %v", r.header)
		}
		c.content("dst.txt", r.header.Get("X-Oss-Version-Id"), "one")
		r = c.do("POST", "mp.txt", "uploads", nil, nil)
		var init struct {
			UploadID string `xml:"UploadId"`
		}
		xml.Unmarshal(r.body, &init)
		r = c.do("PUT", "mp.txt", "partNumber=1&uploadId="+init.UploadID, nil, src(id1))
		c.want(r, 200, "", "UploadPartCopy of a version")
		sum := md5.Sum([]byte("one"))
		if r.header.Get("X-Oss-Copy-Source-Version-Id") != id1 || !bytes.Contains(r.body, []byte(strings.ToUpper(fmt.Sprintf("%x", sum)))) {
			c.t.Errorf("UploadPartCopy: %v %s", r.header, r.body)
		}
		m := c.do("DELETE", "src.txt", "", nil, nil).header.Get("X-Oss-Version-Id")
		for _, tc := range []struct {
			vid      string
			status   int
			code, ec string
			what     string
		}{
			{m, 400, "InvalidArgument", "0016-00000307", "a delete marker"},
			{"no-such-id", 404, "NoSuchVersion", "0012-00000203", "an unknown version"},
		} {
			r = c.do("PUT", "dst.txt", "", nil, src(tc.vid))
			c.want(r, tc.status, tc.code, "CopyObject of "+tc.what)
			if ec := r.ossError(c.t).EC; ec != tc.ec {
				c.t.Errorf("CopyObject of %s: EC %s, want %s", tc.what, ec, tc.ec)
			}
		}
		c.want(c.do("PUT", "dst.txt", "", nil, map[string]string{"x-oss-copy-source": "/" + c.bucket + "/src.txt"}), 404, "NoSuchKey", "CopyObject behind a delete marker")
	})
}

// TestVersioningTaggingAndACL: Put/Get/DeleteObjectTagging and
// Put/GetObjectACL take versionId and change or read that version only,
// answering its id in x-oss-version-id
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putobjecttagging,
// https://www.alibabacloud.com/help/en/oss/developer-reference/putobjectacl).
func TestVersioningTaggingAndACL(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1, id2 := c.put("k.txt", "one"), c.put("k.txt", "two")
		tags := []byte("<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag></TagSet></Tagging>")
		r := c.do("PUT", "k.txt", "tagging&versionId="+id1, tags, nil)
		c.want(r, 200, "", "PutObjectTagging of a version")
		if r.header.Get("X-Oss-Version-Id") != id1 {
			c.t.Errorf("PutObjectTagging: %v", r.header)
		}
		for vid, want := range map[string]bool{id1: true, id2: false, "": false} {
			q := "tagging"
			if vid != "" {
				q += "&versionId=" + vid
			}
			r = c.do("GET", "k.txt", q, nil, nil)
			c.want(r, 200, "", "GetObjectTagging")
			if got := bytes.Contains(r.body, []byte("<Key>k1</Key>")); got != want {
				c.t.Errorf("GetObjectTagging of %q: %s", vid, r.body)
			}
		}
		c.want(c.do("DELETE", "k.txt", "tagging&versionId="+id1, nil, nil), 204, "", "DeleteObjectTagging of a version")
		if r = c.do("GET", "k.txt", "tagging&versionId="+id1, nil, nil); bytes.Contains(r.body, []byte("k1")) {
			c.t.Errorf("tags after DeleteObjectTagging: %s", r.body)
		}
		c.want(c.do("PUT", "k.txt", "acl&versionId="+id1, nil, map[string]string{"x-oss-object-acl": "public-read"}), 200, "", "PutObjectACL of a version")
		for vid, want := range map[string]string{id1: "public-read", id2: "default"} {
			r = c.do("GET", "k.txt", "acl&versionId="+vid, nil, nil)
			if !bytes.Contains(r.body, []byte("<Grant>"+want+"</Grant>")) || r.header.Get("X-Oss-Version-Id") != vid {
				c.t.Errorf("GetObjectACL of %s: %v %s, want %s", vid, r.header, r.body, want)
			}
		}
	})
}

// TestVersioningAppend: in a versioned bucket an append grows the current
// Appendable version in place, without a new version, and AppendObject
// takes no versionId (EC 0016-00000504)
// (https://www.alibabacloud.com/help/en/oss/developer-reference/appendobject,
// https://www.alibabacloud.com/help/en/oss/user-guide/0016-00000504).
func TestVersioningAppend(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		r := c.do("POST", "log.txt", "append&position=0", []byte("ab"), nil)
		c.want(r, 200, "", "first append")
		id := r.header.Get("X-Oss-Version-Id")
		r = c.do("POST", "log.txt", "append&position=2", []byte("cd"), nil)
		c.want(r, 200, "", "second append")
		if id == "" || r.header.Get("X-Oss-Version-Id") != id {
			c.t.Errorf("appends: version ids %q and %q", id, r.header.Get("X-Oss-Version-Id"))
		}
		c.content("log.txt", id, "abcd")
		if v, _ := c.listVersions("", 10); len(v) != 1 {
			c.t.Errorf("versions after two appends: %v", v)
		}
		r = c.do("POST", "log.txt", "append&position=4&versionId="+id, []byte("e"), nil)
		c.want(r, 400, "InvalidArgument", "append with versionId")
		if ec := r.ossError(c.t).EC; ec != "0016-00000504" {
			c.t.Errorf("append with versionId: EC %s", ec)
		}
	})
}

// TestListObjectVersionsVersioned: ListObjectVersions lists keys in order
// and each key's versions and delete markers newest first, IsLatest on the
// latest; max-keys pages continue at NextKeyMarker and NextVersionIdMarker,
// also in the middle of a key's versions; a delimiter rolls keys up into
// CommonPrefixes
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
func TestListObjectVersionsVersioned(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.put("a.txt", "a0") // the null version
		c.setVersioning("Enabled")
		a1, a2 := c.put("a.txt", "a1"), c.put("a.txt", "a2")
		b1 := c.put("b.txt", "b1")
		bm := c.do("DELETE", "b.txt", "", nil, nil).header.Get("X-Oss-Version-Id")
		d1 := c.put("dir/c.txt", "c1")
		want := []string{
			"Version a.txt " + a2 + " latest=true",
			"Version a.txt " + a1 + " latest=false",
			"Version a.txt null latest=false",
			"DeleteMarker b.txt " + bm + " latest=true",
			"Version b.txt " + b1 + " latest=false",
			"Version dir/c.txt " + d1 + " latest=true",
		}
		for _, maxKeys := range []int{1, 2, 4, 100} {
			got, _ := c.listVersions("", maxKeys)
			if diff := cmp.Diff(want, got); diff != "" {
				c.t.Errorf("max-keys %d (-want +got):\n%s", maxKeys, diff)
			}
		}
		got, prefixes := c.listVersions("&delimiter=/", 2)
		if diff := cmp.Diff(want[:5], got); diff != "" || !cmp.Equal(prefixes, []string{"dir/"}) {
			c.t.Errorf("delimiter /: prefixes %v (-want +got):\n%s", prefixes, diff)
		}
		if r := c.do("GET", "", "", nil, nil); !bytes.Contains(r.body, []byte("a.txt")) || bytes.Contains(r.body, []byte("b.txt")) {
			c.t.Errorf("ListObjects: %s", r.body)
		}
	})
}

// TestVersioningSuspended: suspended, a write makes the version "null",
// replacing an earlier null version, while versions with ids stay; a
// delete adds a delete marker whose id is null, replacing the null version
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketversioning,
// https://www.alibabacloud.com/help/en/oss/user-guide/delete-marker).
func TestVersioningSuspended(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1 := c.put("k.txt", "one")
		c.setVersioning("Suspended")
		for _, content := range []string{"two", "three"} {
			if vid := c.put("k.txt", content); vid != "null" {
				c.t.Fatalf("PUT while suspended: x-oss-version-id %q", vid)
			}
		}
		c.content("k.txt", "null", "three")
		c.content("k.txt", id1, "one")
		got, _ := c.listVersions("", 10)
		want := []string{"Version k.txt null latest=true", "Version k.txt " + id1 + " latest=false"}
		if diff := cmp.Diff(want, got); diff != "" {
			c.t.Errorf("suspended (-want +got):\n%s", diff)
		}
		r := c.do("DELETE", "k.txt", "", nil, nil)
		if r.header.Get("X-Oss-Version-Id") != "null" || r.header.Get("X-Oss-Delete-Marker") != "true" {
			c.t.Errorf("DeleteObject while suspended: %v", r.header)
		}
		got, _ = c.listVersions("", 10)
		want = []string{"DeleteMarker k.txt null latest=true", "Version k.txt " + id1 + " latest=false"}
		if diff := cmp.Diff(want, got); diff != "" {
			c.t.Errorf("after the delete (-want +got):\n%s", diff)
		}
	})
}

// TestVersioningDeleteMultipleObjects: DeleteMultipleObjects takes a
// VersionId per key and answers DeleteMarker and DeleteMarkerVersionId
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletemultipleobjects).
func TestVersioningDeleteMultipleObjects(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.setVersioning("Enabled")
		id1 := c.put("a.txt", "one")
		c.put("b.txt", "b")
		body := []byte("<Delete><Quiet>false</Quiet><Object><Key>a.txt</Key><VersionId>" + id1 + "</VersionId></Object><Object><Key>b.txt</Key></Object></Delete>")
		sum := md5.Sum(body)
		r := c.do("POST", "", "delete", body, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
		c.want(r, 200, "", "DeleteMultipleObjects")
		var res struct {
			Deleted []struct {
				Key                   string
				VersionID             string `xml:"VersionId"`
				DeleteMarker          bool
				DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId"`
			}
		}
		if err := xml.Unmarshal(r.body, &res); err != nil || len(res.Deleted) != 2 {
			c.t.Fatalf("DeleteMultipleObjects: %v %s", err, r.body)
		}
		if d := res.Deleted[0]; d.VersionID != id1 || d.DeleteMarker {
			c.t.Errorf("a.txt: %+v", d)
		}
		if d := res.Deleted[1]; !d.DeleteMarker || d.DeleteMarkerVersionID == "" {
			c.t.Errorf("b.txt: %+v", d)
		}
		c.want(c.get("a.txt", id1), 404, "NoSuchVersion", "GET a version deleted in a batch")
		c.want(c.get("b.txt", ""), 404, "NoSuchKey", "GET behind a batch's delete marker")
	})
}

// TestVersioningBucketNotEmpty: DeleteBucket answers 409 BucketNotEmpty
// while noncurrent versions or delete markers remain, though ListObjects
// lists nothing (https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucket).
func TestVersioningBucketNotEmpty(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := vClient{t: t, srv: srv, bucket: "versions-bucket", kind: "v4"}
	c.want(c.do("PUT", "", "", nil, nil), 200, "", "PutBucket")
	c.setVersioning("Enabled")
	id := c.put("k.txt", "one")
	m := c.do("DELETE", "k.txt", "", nil, nil).header.Get("X-Oss-Version-Id")
	if r := c.do("GET", "", "", nil, nil); bytes.Contains(r.body, []byte("<Contents>")) {
		c.t.Fatalf("ListObjects: %s", r.body)
	}
	c.want(c.do("DELETE", "", "", nil, nil), 409, "BucketNotEmpty", "DeleteBucket with versions")
	c.want(c.do("DELETE", "k.txt", "versionId="+id, nil, nil), 204, "", "delete the version")
	c.want(c.do("DELETE", "", "", nil, nil), 409, "BucketNotEmpty", "DeleteBucket with a delete marker")
	c.want(c.do("DELETE", "k.txt", "versionId="+m, nil, nil), 204, "", "delete the marker")
	c.want(c.do("DELETE", "", "", nil, nil), 204, "", "DeleteBucket once empty")
}

// TestVersioningRestart: with Config.Dir, a new emulator on the directory
// serves the versioning status, every version and delete marker, the
// tags of a noncurrent version, and the deletions, of the configured
// bucket and of one made with PutBucket.
func TestVersioningRestart(t *testing.T) {
	for _, made := range []bool{false, true} {
		t.Run(fmt.Sprintf("putbucket=%v", made), func(t *testing.T) {
			dir := t.TempDir()
			cfg := osstest.Config{Dir: dir, AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)}
			open := func() vClient {
				srv, err := osstest.NewServer(cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(srv.Close)
				c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: "v4"}
				if made {
					c.bucket = "versions-bucket"
				}
				return c
			}
			c := open()
			if made {
				c.want(c.do("PUT", "", "", nil, nil), 200, "", "PutBucket")
			}
			c.put("k.txt", "zero")
			c.setVersioning("Enabled")
			id1, id2 := c.put("k.txt", "one"), c.put("k.txt", "two")
			c.do("DELETE", "k.txt", "", nil, nil)
			c.put("gone.txt", "x")
			c.do("DELETE", "gone.txt", "", nil, nil)
			tags := []byte("<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag></TagSet></Tagging>")
			c.want(c.do("PUT", "k.txt", "tagging&versionId="+id1, tags, nil), 200, "", "PutObjectTagging")
			before, _ := c.listVersions("", 100)
			c.srv.Close()

			c = open()
			if r := c.do("GET", "", "versioning", nil, nil); !bytes.Contains(r.body, []byte("<Status>Enabled</Status>")) {
				t.Errorf("GetBucketVersioning after a restart: %s", r.body)
			}
			after, _ := c.listVersions("", 100)
			if diff := cmp.Diff(before, after); diff != "" || len(after) != 6 {
				t.Errorf("versions after a restart (-before +after):\n%s", diff)
			}
			c.content("k.txt", "null", "zero")
			c.content("k.txt", id1, "one")
			c.content("k.txt", id2, "two")
			if r := c.do("GET", "k.txt", "tagging&versionId="+id1, nil, nil); !bytes.Contains(r.body, []byte("<Key>k1</Key>")) {
				t.Errorf("tags of a noncurrent version after a restart: %s", r.body)
			}
			c.want(c.get("k.txt", ""), 404, "NoSuchKey", "GET behind a delete marker after a restart")
			c.want(c.do("DELETE", "k.txt", "versionId="+id1, nil, nil), 204, "", "delete a version")
			c.srv.Close()

			c = open()
			c.want(c.get("k.txt", id1), 404, "NoSuchVersion", "GET a version deleted before a restart")
			c.content("k.txt", id2, "two")
			if vid := c.put("k.txt", "three"); vid == "" || vid == "null" {
				t.Errorf("PUT after a restart: version id %q", vid)
			}
		})
	}
}

// TestVersioningPostObject: a form upload to a versioned bucket makes a
// version too, and the earlier one stays readable
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78).
func TestVersioningPostObject(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: "v4"}
	c.setVersioning("Enabled")
	postFile(t, srv, "form.txt", "text/plain", "one")
	postFile(t, srv, "form.txt", "text/plain", "two")
	got, _ := c.listVersions("", 10)
	if len(got) != 2 || !strings.Contains(got[0], "latest=true") || !strings.Contains(got[1], "latest=false") {
		t.Fatalf("versions after two form uploads: %v", got)
	}
	older := strings.Fields(got[1])[2]
	c.content("form.txt", older, "one")
	c.content("form.txt", "", "two")
}

// TestVersioningConcurrentWrites: concurrent writes to one key of a
// versioned bucket each make their own version; none is lost.
func TestVersioningConcurrentWrites(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: "v4"}
	c.setVersioning("Enabled")
	const n = 8
	ids := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			req := objReq(t, srv, "PUT", "k.txt", "", []byte(fmt.Sprint("content ", i)), nil, "")
			auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "k.txt")
			r, err := tryDo(nil, req)
			if err == nil && r.status != 200 {
				err = fmt.Errorf("PUT: %d %s", r.status, r.body)
			}
			errs <- err
			ids <- r.header.Get("X-Oss-Version-Id")
		}(i)
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-ids] = true
	}
	got, _ := c.listVersions("", 100)
	if len(seen) != n || len(got) != n {
		t.Fatalf("%d distinct version ids, %d versions listed, want %d: %v", len(seen), len(got), n, got)
	}
	for id := range seen {
		if r := c.get("k.txt", id); r.status != 200 || !strings.HasPrefix(string(r.body), "content ") {
			t.Errorf("version %s: %d %s", id, r.status, r.body)
		}
	}
}

// TestListObjectVersionsLimits: ListObjectVersions refuses what its EC
// pages name, 400 InvalidArgument with the EC (listlimits.go): max-keys
// outside 1 to 1000 (0012-00000102), a prefix (0012-00000103) or
// key-marker (0012-00000104) of 1024 bytes or more, a delimiter of more
// than one character (0012-00000107), a version-id-marker without
// key-marker (0012-00000106); and takes the longest values it allows.
func TestListObjectVersionsLimits(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		c.put("a", "a")
		long := strings.Repeat("k", 1023)
		for _, versioned := range []bool{false, true} {
			if versioned {
				c.setVersioning("Enabled")
			}
			for _, tc := range []struct{ query, ec string }{
				{"max-keys=1000", ""},
				{"max-keys=1001", "0012-00000102"},
				{"max-keys=0", "0012-00000102"},
				{"max-keys=x", "0012-00000102"},
				{"prefix=" + long, ""},
				{"prefix=" + long + "k", "0012-00000103"},
				{"key-marker=" + long, ""},
				{"key-marker=" + long + "k", "0012-00000104"},
				{"delimiter=" + url.QueryEscape("中"), ""},
				{"delimiter=abc", "0012-00000107"},
				{"key-marker=a&version-id-marker=null", ""},
				{"version-id-marker=null", "0012-00000106"},
			} {
				r := c.do("GET", "", "versions&"+tc.query, nil, nil)
				name := fmt.Sprintf("versioned=%v %s", versioned, tc.query[:min(len(tc.query), 40)])
				if tc.ec == "" {
					c.want(r, 200, "", name)
					continue
				}
				c.want(r, 400, "InvalidArgument", name)
				if ec := r.ossError(c.t).EC; ec != tc.ec {
					c.t.Errorf("%s: EC %s, want %s", name, ec, tc.ec)
				}
			}
		}
	})
}

// TestVersioningConcurrentStatus: PutBucketVersioning requests racing
// each other leave GetBucketVersioning's status and the status writes
// follow the same: a write makes the version "null" exactly when the
// answered status is Suspended.
func TestVersioningConcurrentStatus(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: "v4"}
	for round := range 30 {
		done := make(chan int, 2)
		for _, s := range []string{"Enabled", "Suspended"} {
			go func() {
				body := "<VersioningConfiguration><Status>" + s + "</Status></VersioningConfiguration>"
				done <- c.do("PUT", "", "versioning", []byte(body), nil).status
			}()
		}
		if a, b := <-done, <-done; a != 200 || b != 200 {
			t.Fatalf("round %d: PutBucketVersioning %d, %d", round, a, b)
		}
		r := c.do("GET", "", "versioning", nil, nil)
		var conf struct{ Status string }
		if err := xml.Unmarshal(r.body, &conf); err != nil {
			t.Fatal(err)
		}
		if vid := c.put("k.txt", "x"); (vid == "null") != (conf.Status == "Suspended") {
			t.Fatalf("round %d: status %s, a write's version %q", round, conf.Status, vid)
		}
	}
}

// TestVersioningAccessors: Emulator.Object and Objects answer an object
// stored before versioning was enabled with VersionID "null", as GET's
// x-oss-version-id does, and "" while the bucket was never versioned.
func TestVersioningAccessors(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	c := vClient{t: t, srv: srv, bucket: srv.Bucket(), kind: "v4"}
	c.put("k.txt", "before")
	check := func(want string) {
		t.Helper()
		o, ok := srv.Object("k.txt")
		all := srv.Objects()
		if !ok || o.VersionID != want || len(all) != 1 || all[0].VersionID != want {
			t.Errorf("Object: %q %v, Objects: %+v, want VersionID %q", o.VersionID, ok, all, want)
		}
	}
	check("")
	c.setVersioning("Enabled")
	check("null")
	if got := c.get("k.txt", "").header.Get("X-Oss-Version-Id"); got != "null" {
		t.Errorf("GET: x-oss-version-id %q", got)
	}
}

// TestListObjectVersionsNeverVersioned: a bucket never versioned lists each
// object once, as its latest version "null", paging at NextKeyMarker
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
func TestListObjectVersionsNeverVersioned(t *testing.T) {
	forEachBucket(t, osstest.Config{}, func(c vClient) {
		for _, k := range []string{"a.txt", "b.txt", "dir/c.txt", "dir/d.txt"} {
			c.put(k, "x")
		}
		want := []string{"Version a.txt null latest=true", "Version b.txt null latest=true", "Version dir/c.txt null latest=true", "Version dir/d.txt null latest=true"}
		for _, maxKeys := range []int{1, 3, 100} {
			if got, _ := c.listVersions("", maxKeys); !cmp.Equal(got, want) {
				c.t.Errorf("max-keys %d: %v", maxKeys, got)
			}
		}
		if got, prefixes := c.listVersions("&delimiter=/", 1); !cmp.Equal(got, want[:2]) || !cmp.Equal(prefixes, []string{"dir/"}) {
			c.t.Errorf("delimiter /: %v, prefixes %v", got, prefixes)
		}
	})
}
