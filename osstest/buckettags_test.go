package osstest_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossdirect/ossdirect/osstest"
)

// taggingBody is a PutBucketTags body with the tags of pairs ("k", "v",
// ...).
func taggingBody(pairs ...string) string {
	var b strings.Builder
	b.WriteString("<Tagging><TagSet>")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", pairs[i], pairs[i+1])
	}
	b.WriteString("</TagSet></Tagging>")
	return b.String()
}

// TestBucketTags: PutBucketTags replaces a bucket's tags, GetBucketTags
// reads them (an empty Tagging element for none), DeleteBucketTags removes
// all or the keys listed in ?tagging=k1,k2 and answers 204 also when there
// is nothing to remove; the same sub-resource on an object stays object
// tagging
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbuckettags,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags,
// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebuckettags,
// https://www.alibabacloud.com/help/en/oss/developer-reference/manage-bucket-tagging
// for the replacement).
func TestBucketTags(t *testing.T) {
	for _, kind := range []string{"v1", "v4", "v4query"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			runSteps(t, srv, kind, []step{
				{name: "PutBucket", method: "PUT", bucket: "photos", status: 200},
				{name: "GetBucketTags of an untagged bucket", method: "GET", bucket: "photos", query: "tagging", status: 200, contains: "<Tagging></Tagging>"},
				{name: "DeleteBucketTags of an untagged bucket", method: "DELETE", bucket: "photos", query: "tagging", status: 204},
				{name: "PutBucketTags", method: "PUT", bucket: "photos", query: "tagging", body: taggingBody("key1", "value1", "key2", "value2", "key3", "value3"), status: 200},
				{name: "GetBucketTags", method: "GET", bucket: "photos", query: "tagging", status: 200,
					contains: "<Tagging><TagSet><Tag><Key>key1</Key><Value>value1</Value></Tag><Tag><Key>key2</Key><Value>value2</Value></Tag><Tag><Key>key3</Key><Value>value3</Value></Tag></TagSet></Tagging>"},
				{name: "DeleteBucketTags of key1 and key3", method: "DELETE", bucket: "photos", query: "tagging=key1,key3", status: 204},
				{name: "key2 is left", method: "GET", bucket: "photos", query: "tagging", status: 200,
					contains: "<TagSet><Tag><Key>key2</Key><Value>value2</Value></Tag></TagSet>"},
				{name: "PutBucketTags replaces the set", method: "PUT", bucket: "photos", query: "tagging", body: taggingBody("k", ""), status: 200},
				{name: "only the new tag", method: "GET", bucket: "photos", query: "tagging", status: 200,
					contains: "<TagSet><Tag><Key>k</Key><Value></Value></Tag></TagSet>", lacks: "key2"},
				{name: "the configured bucket has no tags", method: "GET", bucket: "examplebucket", query: "tagging", status: 200, contains: "<Tagging></Tagging>"},
				{name: "DeleteBucketTags", method: "DELETE", bucket: "photos", query: "tagging", status: 204},
				{name: "no tags left", method: "GET", bucket: "photos", query: "tagging", status: 200, contains: "<Tagging></Tagging>"},
				{name: "object tagging of a missing object", method: "PUT", bucket: "photos", key: "a.txt", query: "tagging", body: taggingBody("o", "1"), status: 404, code: "NoSuchKey", ec: "0026-00000001"},
				{name: "PutObject", method: "PUT", bucket: "photos", key: "a.txt", body: "a", status: 200},
				{name: "PutObjectTagging", method: "PUT", bucket: "photos", key: "a.txt", query: "tagging", body: taggingBody("o", "1"), status: 200},
				{name: "the object's tags", method: "GET", bucket: "photos", key: "a.txt", query: "tagging", status: 200, contains: "<Key>o</Key>"},
				{name: "are not the bucket's", method: "GET", bucket: "photos", query: "tagging", status: 200, contains: "<Tagging></Tagging>"},
				{name: "PutBucketTags of a missing bucket", method: "PUT", bucket: "nosuch", query: "tagging", body: taggingBody("k", "v"), status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "GetBucketTags of a missing bucket", method: "GET", bucket: "nosuch", query: "tagging", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "DeleteBucketTags of a missing bucket", method: "DELETE", bucket: "nosuch", query: "tagging", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "an anonymous PutBucketTags", method: "PUT", bucket: "photos", query: "tagging", body: taggingBody("k", "v"), unsigned: true, status: 403, code: "AccessDenied"},
			})
		})
	}
}

// TestBucketTagRules: OSS's rules for bucket tags, EC 0010-00000219
// (https://www.alibabacloud.com/help/en/oss/support/0010-00000219): a key
// of 1 to 64 bytes not starting with http://, https:// or Aliyun (in any
// case), a value of at most 128 bytes, at most 20 tags
// (https://www.alibabacloud.com/help/en/oss/user-guide/manage-bucket-tags).
// A refused set leaves the tags as they were.
func TestBucketTagRules(t *testing.T) {
	many := func(n int) []string {
		var p []string
		for i := range n {
			p = append(p, fmt.Sprintf("k%02d", i), "v")
		}
		return p
	}
	cases := []struct {
		name  string
		pairs []string
		body  string // instead of pairs
		code  string
	}{
		{name: "a 64-byte key", pairs: []string{strings.Repeat("k", 64), "v"}},
		{name: "a 65-byte key", pairs: []string{strings.Repeat("k", 65), "v"}, code: "InvalidTag"},
		{name: "32 two-byte characters (64 bytes)", pairs: []string{strings.Repeat("é", 32), "v"}},
		{name: "33 two-byte characters (66 bytes)", pairs: []string{strings.Repeat("é", 33), "v"}, code: "InvalidTag"},
		{name: "an empty key", pairs: []string{"", "v"}, code: "InvalidTag"},
		{name: "a 128-byte value", pairs: []string{"k", strings.Repeat("v", 128)}},
		{name: "a 129-byte value", pairs: []string{"k", strings.Repeat("v", 129)}, code: "InvalidTag"},
		{name: "an empty value", pairs: []string{"k", ""}},
		{name: "characters object tags refuse", pairs: []string{"team@dept", "a&amp;b"}},
		{name: "http:// key", pairs: []string{"http://x", "v"}, code: "InvalidTag"},
		{name: "HTTPS:// key", pairs: []string{"HTTPS://x", "v"}, code: "InvalidTag"},
		{name: "Aliyun key", pairs: []string{"Aliyun-k", "v"}, code: "InvalidTag"},
		{name: "aliyun key (any case)", pairs: []string{"aLiYuN", "v"}, code: "InvalidTag"},
		{name: "a key containing aliyun", pairs: []string{"my-aliyun", "v"}},
		{name: "20 tags", pairs: many(20)},
		{name: "21 tags", pairs: many(21), code: "InvalidTag"},
		{name: "a key twice", pairs: []string{"k", "1", "k", "2"}, code: "InvalidTag"},
		{name: "not XML", body: "<Tagging><TagSet>", code: "MalformedXML"},
	}
	srv := newServer(t, osstest.Config{})
	runSteps(t, srv, "v4", []step{{name: "PutBucket", method: "PUT", bucket: "rules", status: 200}})
	for _, c := range cases {
		body := c.body
		if body == "" {
			body = taggingBody(c.pairs...)
		}
		s := step{name: c.name, method: "PUT", bucket: "rules", query: "tagging", body: body, status: 200}
		if c.code != "" {
			s.status, s.code = 400, c.code
			if c.code == "InvalidTag" {
				s.ec = "0010-00000219"
			}
		}
		runSteps(t, srv, "v4", []step{
			{name: c.name + ": reset", method: "PUT", bucket: "rules", query: "tagging", body: taggingBody("before", "1"), status: 200},
			s,
		})
		if c.code != "" {
			runSteps(t, srv, "v4", []step{{name: c.name + ": tags unchanged", method: "GET", bucket: "rules", query: "tagging", status: 200, contains: "<Key>before</Key>"}})
		}
	}
}

// listBucketNames runs ListBuckets with query (and header) and returns the
// names listed and the answer.
func listBucketNames(t *testing.T, srv *osstest.Server, kind, query string, header map[string]string) ([]string, bucketList) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	auth{kind: kind, key: testKey}.sign(req, "", "")
	r := do(t, nil, req)
	var l bucketList
	if err := xml.Unmarshal(r.body, &l); r.status != 200 || err != nil {
		t.Fatalf("ListBuckets ?%s: %d %s %v", query, r.status, r.body, err)
	}
	var names []string
	for _, b := range l.Buckets {
		names = append(names, b.Name)
	}
	return names, l
}

type bucketList struct {
	IsTruncated bool
	NextMarker  string
	Buckets     []struct {
		Name            string
		ResourceGroupID string `xml:"ResourceGroupId"`
	} `xml:"Buckets>Bucket"`
}

// TestListBucketsByTag: ListBuckets lists the buckets carrying a tag with
// tag-key (any value, or tag-value), or every pair of tagging, which the
// official Go SDK v2 sends as "k":"v" (its TestListBuckets); filters page
// with max-keys and marker like a plain listing. The SDK documents on
// ListBucketsRequest that tag-value needs tag-key and that tagging goes
// with neither; the 400 InvalidArgument for that is [inferred]. Buckets
// are in the default resource group, rg-default-id
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listbuckets).
func TestListBucketsByTag(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			steps := []step{}
			for i := range 5 {
				steps = append(steps, step{name: "PutBucket", method: "PUT", bucket: fmt.Sprintf("lb-%d", i), status: 200})
			}
			steps = append(steps,
				step{name: "tag lb-1", method: "PUT", bucket: "lb-1", query: "tagging", body: taggingBody("k", "v"), status: 200},
				step{name: "tag lb-2", method: "PUT", bucket: "lb-2", query: "tagging", body: taggingBody("k", "w", "x", "y"), status: 200},
				step{name: "tag lb-3", method: "PUT", bucket: "lb-3", query: "tagging", body: taggingBody("k", "v", "x", "y"), status: 200},
			)
			runSteps(t, srv, kind, steps)
			for _, c := range []struct{ query, want string }{
				{"prefix=lb-", "lb-0 lb-1 lb-2 lb-3 lb-4"},
				{"prefix=lb-&tag-key=k", "lb-1 lb-2 lb-3"},
				{"prefix=lb-&tag-key=k&tag-value=v", "lb-1 lb-3"},
				{"prefix=lb-&tag-key=x", "lb-2 lb-3"},
				{"prefix=lb-&tag-key=nosuch", ""},
				{"prefix=lb-&tagging=" + url.QueryEscape(`"k":"v"`), "lb-1 lb-3"},
				{"prefix=lb-&tagging=" + url.QueryEscape(`"k":"v","x":"y"`), "lb-3"},
				{"prefix=lb-&tagging=" + url.QueryEscape(`{"x":"y"}`), "lb-2 lb-3"},
				{"tag-key=k", "lb-1 lb-2 lb-3"},
			} {
				got, _ := listBucketNames(t, srv, kind, c.query, nil)
				if strings.Join(got, " ") != c.want {
					t.Errorf("?%s: %q, want %q", c.query, got, c.want)
				}
			}
			// Paging a filtered listing.
			var got []string
			marker := ""
			for range 5 {
				names, l := listBucketNames(t, srv, kind, "tag-key=k&max-keys=2&marker="+marker, nil)
				got = append(got, names...)
				if !l.IsTruncated {
					break
				}
				marker = l.NextMarker
			}
			if want := "lb-1 lb-2 lb-3"; strings.Join(got, " ") != want {
				t.Errorf("pages of tag-key=k: %q, want %q", got, want)
			}
			// Resource groups.
			all, l := listBucketNames(t, srv, kind, "prefix=lb-", map[string]string{"X-Oss-Resource-Group-Id": "rg-default-id"})
			if len(all) != 5 || l.Buckets[0].ResourceGroupID != "rg-default-id" {
				t.Errorf("the default resource group: %q, %+v", all, l.Buckets)
			}
			if other, _ := listBucketNames(t, srv, kind, "prefix=lb-", map[string]string{"X-Oss-Resource-Group-Id": "rg-aek27tc1234"}); len(other) != 0 {
				t.Errorf("another resource group: %q, want none", other)
			}
			// Contradictory or malformed filters.
			bad := []step{
				{name: "tag-value without tag-key", method: "GET", query: "tag-value=v", status: 400, code: "InvalidArgument"},
				{name: "tagging with tag-key", method: "GET", query: "tag-key=k&tagging=" + url.QueryEscape(`"k":"v"`), status: 400, code: "InvalidArgument"},
				{name: "tagging not key-value pairs", method: "GET", query: "tagging=k", status: 400, code: "InvalidArgument"},
				{name: "empty tagging", method: "GET", query: "tagging=", status: 400, code: "InvalidArgument"},
			}
			runSteps(t, srv, kind, bad)
		})
	}
}

// TestBucketTagsSurviveRestart: with Dir, the tags of a bucket made with
// PutBucket and of the configured bucket, and an ACL PutBucket gave the
// configured bucket, are there after a restart; Config.ACL, when set, wins
// over the persisted ACL.
func TestBucketTagsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv := newServer(t, osstest.Config{Dir: dir})
	putObject(t, srv, "pub.txt", []byte("public now"))
	runSteps(t, srv, "v4", []step{
		{name: "PutBucket", method: "PUT", bucket: "kept", status: 200},
		{name: "tag kept", method: "PUT", bucket: "kept", query: "tagging", body: taggingBody("team", "media", "env", "test"), status: 200},
		{name: "tag the configured bucket", method: "PUT", bucket: "examplebucket", query: "tagging", body: taggingBody("root", "yes"), status: 200},
		{name: "the configured bucket made public-read", method: "PUT", bucket: "examplebucket", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200},
	})
	srv.Close()
	again := newServer(t, osstest.Config{Dir: dir})
	runSteps(t, again, "v4", []step{
		{name: "kept's tags", method: "GET", bucket: "kept", query: "tagging", status: 200,
			contains: "<Tag><Key>env</Key><Value>test</Value></Tag><Tag><Key>team</Key><Value>media</Value></Tag>"},
		{name: "the configured bucket's tags", method: "GET", bucket: "examplebucket", query: "tagging", status: 200, contains: "<Key>root</Key><Value>yes</Value>"},
		{name: "the configured bucket's ACL", method: "GET", bucket: "examplebucket", query: "bucketInfo", status: 200, contains: "<Grant>public-read</Grant>"},
		{name: "an anonymous read of the public bucket", method: "GET", bucket: "examplebucket", key: "pub.txt", unsigned: true, status: 200, contains: "public now"},
	})
	if got, _ := listBucketNames(t, again, "v4", "tag-key=team", nil); strings.Join(got, " ") != "kept" {
		t.Errorf("ListBuckets tag-key=team after a restart: %q", got)
	}
	if got, _ := listBucketNames(t, again, "v4", "tag-key=root", nil); strings.Join(got, " ") != "examplebucket" {
		t.Errorf("ListBuckets tag-key=root after a restart: %q", got)
	}
	again.Close()
	private := newServer(t, osstest.Config{Dir: dir, ACL: "private"})
	runSteps(t, private, "v4", []step{
		{name: "Config.ACL wins", method: "GET", bucket: "examplebucket", key: "pub.txt", unsigned: true, status: 403, code: "AccessDenied", ec: "0003-00000001"},
		{name: "the tags stay", method: "GET", bucket: "examplebucket", query: "tagging", status: 200, contains: "<Key>root</Key>"},
	})
}

// TestPutBucketACLOfExistingBucket: PutBucket of a bucket the caller owns
// answers 200 and applies x-oss-acl
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket);
// without the header the ACL stays; an unknown ACL is refused as for a new
// bucket.
func TestPutBucketACLOfExistingBucket(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			runSteps(t, srv, kind, []step{
				{name: "PutBucket", method: "PUT", bucket: "photos", status: 200},
				{name: "PutObject", method: "PUT", bucket: "photos", key: "a.txt", body: "photo a", status: 200},
				{name: "private: an anonymous read", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 403, code: "AccessDenied", ec: "0003-00000001"},
				{name: "PutBucket public-read", method: "PUT", bucket: "photos", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200},
				{name: "public-read: an anonymous read", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 200, contains: "photo a"},
				{name: "GetBucketInfo tells", method: "GET", bucket: "photos", query: "bucketInfo", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "PutBucket without x-oss-acl", method: "PUT", bucket: "photos", status: 200},
				{name: "the ACL stays", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 200},
				{name: "an unknown ACL", method: "PUT", bucket: "photos", header: map[string]string{"X-Oss-Acl": "public"}, status: 400, code: "InvalidArgument", ec: "0015-00000204"},
				{name: "PutBucket private", method: "PUT", bucket: "photos", header: map[string]string{"X-Oss-Acl": "private"}, status: 200},
				{name: "private again", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 403, code: "AccessDenied", ec: "0003-00000001"},
				{name: "the configured bucket made public-read-write", method: "PUT", bucket: "examplebucket", header: map[string]string{"X-Oss-Acl": "public-read-write"}, status: 200},
				{name: "an anonymous write", method: "PUT", bucket: "examplebucket", key: "anon.txt", body: "anon", unsigned: true, status: 200},
			})
		})
	}
}

// TestGetBucketInfoFields: GetBucketInfo of a new bucket answers each
// field the GetBucketInfo page lists
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketinfo)
// as the official Go SDK v2's TestGetBucketInfo expects of OSS: features the
// emulator lacks as "Disabled", the default resource group, no logging, an
// empty SSEAlgorithm, and Block Public Access on, as OSS sets it for
// buckets made through the API since October 2025
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucket).
// The endpoints are the address the request reached.
func TestGetBucketInfoFields(t *testing.T) {
	srv := newServer(t, osstest.Config{Region: "cn-shanghai"})
	runSteps(t, srv, "v1", []step{{name: "PutBucket", method: "PUT", bucket: "info", body: "<CreateBucketConfiguration><StorageClass>IA</StorageClass><DataRedundancyType>ZRS</DataRedundancyType></CreateBucketConfiguration>", status: 200}})
	type info struct {
		AccessMonitor, ExtranetEndpoint, IntranetEndpoint, Location, StorageClass string
		TransferAcceleration, CrossRegionReplication, DataRedundancyType          string
		Name, Region                                                              string
		ResourceGroupID                                                           string  `xml:"ResourceGroupId"`
		Grant                                                                     string  `xml:"AccessControlList>Grant"`
		BlockPublicAccess                                                         string  `xml:"BlockPublicAccess"`
		LogBucket                                                                 *string `xml:"BucketPolicy>LogBucket"`
		LogPrefix                                                                 *string `xml:"BucketPolicy>LogPrefix"`
		SSEAlgorithm                                                              *string `xml:"ServerSideEncryptionRule>SSEAlgorithm"`
		Versioning                                                                *string `xml:"Versioning"`
		OwnerID                                                                   string  `xml:"Owner>ID"`
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	empty := ""
	want := info{
		AccessMonitor: "Disabled", ExtranetEndpoint: host, IntranetEndpoint: host, Location: "oss-cn-shanghai", StorageClass: "IA",
		TransferAcceleration: "Disabled", CrossRegionReplication: "Disabled", DataRedundancyType: "ZRS",
		Name: "info", Region: "cn-shanghai", ResourceGroupID: "rg-default-id", Grant: "private", BlockPublicAccess: "true",
		LogBucket: &empty, LogPrefix: &empty, SSEAlgorithm: &empty,
	}
	get := func() info {
		req, _ := http.NewRequest("GET", srv.URL+"/info/?bucketInfo", nil)
		auth{kind: "v4", key: testKey, region: "cn-shanghai"}.sign(req, "info", "")
		r := do(t, nil, req)
		var doc struct {
			Bucket info `xml:"Bucket"`
		}
		if err := xml.Unmarshal(r.body, &doc); r.status != 200 || err != nil {
			t.Fatalf("GetBucketInfo: %d %s %v", r.status, r.body, err)
		}
		if doc.Bucket.OwnerID == "" {
			t.Errorf("GetBucketInfo: no Owner ID in %s", r.body)
		}
		doc.Bucket.OwnerID = ""
		return doc.Bucket
	}
	if diff := cmp.Diff(want, get()); diff != "" {
		t.Errorf("GetBucketInfo (-want +got):\n%s", diff)
	}
	runSteps(t, srv, "v1", []step{{name: "PutBucket public-read", method: "PUT", bucket: "info", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200}})
	want.Grant, want.BlockPublicAccess = "public-read", "false"
	if diff := cmp.Diff(want, get()); diff != "" {
		t.Errorf("GetBucketInfo of a public-read bucket (-want +got):\n%s", diff)
	}
	// Versioning appears once set (the Go SDK v2's BucketInfo.Versioning).
	runSteps(t, srv, "v1", []step{{name: "PutBucketVersioning", method: "PUT", bucket: "info", query: "versioning",
		body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", status: 200}})
	enabled := "Enabled"
	want.Versioning = &enabled
	if diff := cmp.Diff(want, get()); diff != "" {
		t.Errorf("GetBucketInfo of a versioned bucket (-want +got):\n%s", diff)
	}
}

// TestBucketTagsConcurrent: tags set, read and listed, and a bucket's ACL
// changed by PutBucket while anonymous reads check it, from many
// goroutines at once (run with -race).
func TestBucketTagsConcurrent(t *testing.T) {
	srv := newServer(t, osstest.Config{Dir: t.TempDir()})
	runSteps(t, srv, "v4", []step{
		{name: "PutBucket shared", method: "PUT", bucket: "shared", status: 200},
		{name: "PutObject", method: "PUT", bucket: "shared", key: "k", body: "k", status: 200},
	})
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			name := fmt.Sprintf("tagged-%d", i)
			acl := map[bool]string{true: "public-read", false: "private"}[i%2 == 0]
			runSteps(t, srv, "v4", []step{
				{name: "PutBucket", method: "PUT", bucket: name, status: 200},
				{name: "PutBucketTags", method: "PUT", bucket: name, query: "tagging", body: taggingBody("n", name), status: 200},
				{name: "GetBucketTags", method: "GET", bucket: name, query: "tagging", status: 200, contains: "<Value>" + name + "</Value>"},
				{name: "ListBuckets by tag", method: "GET", query: "tag-key=n&tag-value=" + name, status: 200, contains: "<Name>" + name + "</Name>"},
				{name: "PutBucket x-oss-acl", method: "PUT", bucket: "shared", header: map[string]string{"X-Oss-Acl": acl}, status: 200},
				{name: "GetBucketInfo", method: "GET", bucket: "shared", query: "bucketInfo", status: 200, contains: "<Grant>"},
			})
			// Either ACL may hold by now: the read is allowed or refused,
			// never anything else.
			req, _ := http.NewRequest("GET", srv.URL+"/shared/k", nil)
			if r := do(t, nil, req); r.status != 200 && r.status != 403 {
				t.Errorf("an anonymous read while the ACL changes: %d %s", r.status, r.body)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if got, _ := listBucketNames(t, srv, "v4", "tag-key=n", nil); len(got) != 8 {
		t.Errorf("ListBuckets tag-key=n: %q, want the 8 tagged buckets", got)
	}
}
