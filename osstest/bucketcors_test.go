package osstest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// corsBody is a PutBucketCors body with one rule per entry of rules, each
// written as its inner XML.
func corsBody(rules ...string) string {
	var b strings.Builder
	b.WriteString("<CORSConfiguration>")
	for _, r := range rules {
		b.WriteString("<CORSRule>" + r + "</CORSRule>")
	}
	b.WriteString("</CORSConfiguration>")
	return b.String()
}

// uploadRule allows PUT and POST from https://app.example.com with the
// headers an SDK in a page sends, and exposes the ETag.
const uploadRule = "<AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>" +
	"<AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-oss-*</AllowedHeader><AllowedHeader>authorization</AllowedHeader>" +
	"<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>"

// TestBucketACL: PutBucketAcl sets a bucket's ACL from x-oss-acl and the
// next anonymous request obeys it; GetBucketAcl answers the owner and the
// ACL as its Grant; without x-oss-acl the ACL stays; an unknown ACL is
// InvalidArgument, EC 0015-00000204; PutBucketAcl of a missing bucket makes
// it; only the owner may read or set the ACL, even of a public-read-write
// bucket
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketacl,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketacl,
// https://www.alibabacloud.com/help/en/oss/user-guide/0015-00000204).
func TestBucketACL(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			runSteps(t, srv, kind, []step{
				{name: "PutBucket", method: "PUT", bucket: "photos", status: 200},
				{name: "GetBucketAcl of a new bucket", method: "GET", bucket: "photos", query: "acl", status: 200,
					contains: "<AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>"},
				{name: "the owner", method: "GET", bucket: "photos", query: "acl", status: 200, contains: "<Owner><ID>"},
				{name: "PutObject", method: "PUT", bucket: "photos", key: "a.txt", body: "photo a", status: 200},
				{name: "private: an anonymous read", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 403, code: "AccessDenied", ec: "0003-00000001"},
				{name: "PutBucketAcl public-read", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200},
				{name: "public-read: an anonymous read at once", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 200, contains: "photo a"},
				{name: "GetBucketAcl tells", method: "GET", bucket: "photos", query: "acl", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "GetBucketInfo tells", method: "GET", bucket: "photos", query: "bucketInfo", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "public-read: an anonymous write", method: "PUT", bucket: "photos", key: "anon.txt", body: "anon", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "PutBucketAcl without x-oss-acl", method: "PUT", bucket: "photos", query: "acl", status: 200},
				{name: "the ACL stays", method: "GET", bucket: "photos", query: "acl", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "an unknown ACL", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "public"}, status: 400, code: "InvalidArgument", ec: "0015-00000204"},
				{name: "the ACL stays after a refusal", method: "GET", bucket: "photos", query: "acl", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "PutBucketAcl public-read-write", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "public-read-write"}, status: 200},
				{name: "public-read-write: an anonymous write", method: "PUT", bucket: "photos", key: "anon.txt", body: "anon", unsigned: true, status: 200},
				{name: "an anonymous PutBucketAcl of a public-read-write bucket", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "private"}, unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous GetBucketAcl", method: "GET", bucket: "photos", query: "acl", unsigned: true, status: 403, code: "AccessDenied"},
				// The ACL opens the objects, not the bucket's settings.
				{name: "an anonymous PutBucketTags", method: "PUT", bucket: "photos", query: "tagging", body: "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous GetBucketTags", method: "GET", bucket: "photos", query: "tagging", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous DeleteBucketTags", method: "DELETE", bucket: "photos", query: "tagging", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous PutBucketVersioning", method: "PUT", bucket: "photos", query: "versioning", body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous GetBucketVersioning", method: "GET", bucket: "photos", query: "versioning", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous GetBucketInfo", method: "GET", bucket: "photos", query: "bucketInfo", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous DeleteBucket", method: "DELETE", bucket: "photos", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "PutBucketAcl private", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "private"}, status: 200},
				{name: "private again at once", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 403, code: "AccessDenied", ec: "0003-00000001"},
				{name: "the configured bucket's ACL", method: "GET", bucket: "examplebucket", query: "acl", status: 200, contains: "<Grant>private</Grant>"},
				{name: "GetBucketAcl of a missing bucket", method: "GET", bucket: "nosuch", query: "acl", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "PutBucketAcl of a missing bucket makes it", method: "PUT", bucket: "made-by-acl", query: "acl", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200},
				{name: "with that ACL", method: "GET", bucket: "made-by-acl", query: "acl", status: 200, contains: "<Grant>public-read</Grant>"},
				{name: "a bad ACL makes no bucket", method: "PUT", bucket: "not-made", query: "acl", header: map[string]string{"X-Oss-Acl": "public"}, status: 400, code: "InvalidArgument", ec: "0015-00000204"},
				{name: "indeed", method: "GET", bucket: "not-made", query: "acl", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
			})
		})
	}
}

// TestBucketCORS: PutBucketCors sets a bucket's rules, GetBucketCors
// answers them (NoSuchCORSConfiguration, EC 0034-00000001, when there are
// none), PutBucketCors replaces them all, DeleteBucketCors removes them
// (204, also when there were none); each bucket has its own rules, a bucket
// made with PutBucket starts with none, and only the owner may read or set
// them (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketcors,
// https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketcors,
// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucketcors,
// https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000001).
func TestBucketCORS(t *testing.T) {
	other := "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
	for _, kind := range []string{"v1", "v4", "v4query"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{CORS: []osstest.CORSRule{{AllowedOrigins: []string{"https://root.example.com"}, AllowedMethods: []string{"POST"}}}})
			runSteps(t, srv, kind, []step{
				{name: "PutBucket", method: "PUT", bucket: "photos", status: 200},
				{name: "a new bucket has no rules", method: "GET", bucket: "photos", query: "cors", status: 404, code: "NoSuchCORSConfiguration", ec: "0034-00000001"},
				{name: "DeleteBucketCors without rules", method: "DELETE", bucket: "photos", query: "cors", status: 204},
				{name: "PutBucketCors", method: "PUT", bucket: "photos", query: "cors", body: corsBody(uploadRule, other) + "", status: 200},
				{name: "GetBucketCors", method: "GET", bucket: "photos", query: "cors", status: 200,
					contains: "<CORSConfiguration><CORSRule>" + uploadRule + "</CORSRule><CORSRule>" + other + "</CORSRule><ResponseVary>false</ResponseVary></CORSConfiguration>"},
				{name: "the configured bucket keeps Config.CORS", method: "GET", bucket: "examplebucket", query: "cors", status: 200,
					contains: "<AllowedOrigin>https://root.example.com</AllowedOrigin><AllowedMethod>POST</AllowedMethod>", lacks: "app.example.com"},
				{name: "PutBucketCors replaces the rules", method: "PUT", bucket: "photos", query: "cors",
					body: "<CORSConfiguration><CORSRule>" + other + "</CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>", status: 200},
				{name: "only the new rule", method: "GET", bucket: "photos", query: "cors", status: 200,
					contains: "<CORSRule>" + other + "</CORSRule><ResponseVary>true</ResponseVary>", lacks: "app.example.com"},
				{name: "an anonymous PutBucketCors", method: "PUT", bucket: "photos", query: "cors", body: corsBody(uploadRule), unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous GetBucketCors", method: "GET", bucket: "photos", query: "cors", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "an anonymous DeleteBucketCors", method: "DELETE", bucket: "photos", query: "cors", unsigned: true, status: 403, code: "AccessDenied"},
				{name: "DeleteBucketCors", method: "DELETE", bucket: "photos", query: "cors", status: 204},
				{name: "no rules left", method: "GET", bucket: "photos", query: "cors", status: 404, code: "NoSuchCORSConfiguration", ec: "0034-00000001"},
				{name: "DeleteBucketCors of the configured bucket", method: "DELETE", bucket: "examplebucket", query: "cors", status: 204},
				{name: "Config.CORS is gone", method: "GET", bucket: "examplebucket", query: "cors", status: 404, code: "NoSuchCORSConfiguration", ec: "0034-00000001"},
				{name: "PutBucketCors of a missing bucket", method: "PUT", bucket: "nosuch", query: "cors", body: corsBody(other), status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "GetBucketCors of a missing bucket", method: "GET", bucket: "nosuch", query: "cors", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
				{name: "DeleteBucketCors of a missing bucket", method: "DELETE", bucket: "nosuch", query: "cors", status: 404, code: "NoSuchBucket", ec: "0015-00000101"},
			})
		})
	}
}

// TestPutBucketCorsRules: the limits PutBucketCors applies
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketcors):
// AllowedMethod among GET, PUT, DELETE, POST and HEAD (EC 0034-00000011,
// https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000011), at
// least one rule (EC 0034-00000002,
// https://www.alibabacloud.com/help/en/oss/user-guide/0034-00000002), at
// most 20, one "*" per AllowedOrigin and AllowedHeader, none in an
// ExposeHeader, a body of at most 16 KB. A refused configuration leaves the
// rules as they were.
func TestPutBucketCorsRules(t *testing.T) {
	ok := "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
	rules := func(n int) []string {
		r := make([]string, n)
		for i := range r {
			r[i] = ok
		}
		return r
	}
	tests := []struct {
		name, body string
		status     int
		code, ec   string
	}{
		{"20 rules", corsBody(rules(20)...), 200, "", ""},
		{"21 rules", corsBody(rules(21)...), 400, "InvalidArgument", ""},
		{"no rule", "<CORSConfiguration></CORSConfiguration>", 400, "MalformedXML", "0034-00000002"},
		{"not XML", "CORS please", 400, "MalformedXML", ""},
		{"another root element", "<Tagging><CORSRule>" + ok + "</CORSRule></Tagging>", 400, "MalformedXML", ""},
		{"an unknown method", corsBody("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>TEST</AllowedMethod>"), 400, "InvalidArgument", "0034-00000011"},
		{"an empty method", corsBody("<AllowedOrigin>*</AllowedOrigin><AllowedMethod></AllowedMethod>"), 400, "InvalidArgument", "0034-00000011"},
		{"a lower-case method", corsBody("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>"), 400, "InvalidArgument", "0034-00000011"},
		{"every method", corsBody("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>"), 200, "", ""},
		{"no method", corsBody("<AllowedOrigin>*</AllowedOrigin>"), 400, "InvalidArgument", ""},
		{"no origin", corsBody("<AllowedMethod>GET</AllowedMethod>"), 400, "InvalidArgument", ""},
		{"two * in an origin", corsBody("<AllowedOrigin>https://*.*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), 400, "InvalidArgument", ""},
		{"one * in an origin", corsBody("<AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), 200, "", ""},
		{"two * in a header", corsBody(ok + "<AllowedHeader>x-*-*</AllowedHeader>"), 400, "InvalidArgument", ""},
		{"* in an expose header", corsBody(ok + "<ExposeHeader>x-oss-*</ExposeHeader>"), 400, "InvalidArgument", ""},
		{"a negative MaxAgeSeconds", corsBody(ok + "<MaxAgeSeconds>-1</MaxAgeSeconds>"), 400, "InvalidArgument", ""},
		{"a MaxAgeSeconds that is no number", corsBody(ok + "<MaxAgeSeconds>soon</MaxAgeSeconds>"), 400, "MalformedXML", ""},
		{"a ResponseVary that is no boolean", "<CORSConfiguration><CORSRule>" + ok + "</CORSRule><ResponseVary>maybe</ResponseVary></CORSConfiguration>", 400, "MalformedXML", ""},
		{"over 16 KB", corsBody(ok + "<AllowedHeader>" + strings.Repeat("h", 16<<10) + "</AllowedHeader>"), 400, "InvalidArgument", ""},
	}
	srv := newServer(t, osstest.Config{})
	kept := corsBody("<AllowedOrigin>https://kept.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runSteps(t, srv, "v4", []step{
				{name: "the rules before", method: "PUT", bucket: "examplebucket", query: "cors", body: kept, status: 200},
				{name: tc.name, method: "PUT", bucket: "examplebucket", query: "cors", body: tc.body, status: tc.status, code: tc.code, ec: tc.ec},
			})
			if tc.status != 200 {
				runSteps(t, srv, "v4", []step{{name: "the rules stay", method: "GET", bucket: "examplebucket", query: "cors", status: 200, contains: "kept.example.com"}})
			}
		})
	}
}

// preflight sends a browser's OPTIONS preflight for method from origin to
// url.
func preflight(t *testing.T, url, origin, method, headers string) result {
	t.Helper()
	h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
	if headers != "" {
		h["Access-Control-Request-Headers"] = headers
	}
	return get(t, http.MethodOptions, url, "", h)
}

// TestBucketCORSPreflight is what a backend serving browser uploads does:
// it sets its bucket's CORS rules with a signed PutBucketCors, and from
// then on a preflight from the allowed origin gets the CORS headers while
// one from another origin is refused (403 AccessForbidden, no
// Access-Control-Allow-Origin); the upload itself carries the headers;
// after DeleteBucketCors the preflight is refused. The rules are the
// addressed bucket's, path style or virtual-hosted
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbucketcors,
// https://www.alibabacloud.com/help/en/oss/developer-reference/options).
func TestBucketCORSPreflight(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			objURL := srv.URL + "/photos/uploads/a.png"
			runSteps(t, srv, kind, []step{{name: "PutBucket", method: "PUT", bucket: "photos", status: 200}})
			if r := preflight(t, objURL, "https://app.example.com", "PUT", ""); r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("before PutBucketCors: %d %v", r.status, r.header)
			}
			runSteps(t, srv, kind, []step{{name: "PutBucketCors", method: "PUT", bucket: "photos", query: "cors", body: corsBody(uploadRule), status: 200}})

			r := preflight(t, objURL, "https://app.example.com", "PUT", "content-type, x-oss-date, authorization")
			want := map[string]string{
				"Access-Control-Allow-Origin":   "https://app.example.com",
				"Access-Control-Allow-Methods":  "PUT, POST",
				"Access-Control-Allow-Headers":  "content-type, x-oss-date, authorization",
				"Access-Control-Expose-Headers": "ETag, x-oss-request-id",
				"Access-Control-Max-Age":        "600",
			}
			if r.status != 200 {
				t.Fatalf("allowed preflight: %d %s", r.status, r.body)
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("allowed preflight: %s = %q, want %q", k, got, v)
				}
			}
			r = preflight(t, objURL, "https://evil.example.net", "PUT", "")
			if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight from another origin: %d %v", r.status, r.header)
			}
			if e := r.ossError(t); e.Code != "AccessForbidden" {
				t.Errorf("preflight from another origin: %s %s", e.Code, e.Message)
			}
			// The same bucket virtual-hosted; the configured bucket has no rules.
			if r := get(t, http.MethodOptions, srv.URL+"/uploads/a.png", "photos.localhost", map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}); r.status != 200 {
				t.Errorf("virtual-hosted preflight: %d %s", r.status, r.body)
			}
			if r := preflight(t, srv.URL+"/uploads/a.png", "https://app.example.com", "PUT", ""); r.status != 403 {
				t.Errorf("preflight to the configured bucket: %d", r.status)
			}

			// The upload the preflight cleared, signed as the page's SDK signs it.
			put, err := http.NewRequest(http.MethodPut, objURL, strings.NewReader("png"))
			if err != nil {
				t.Fatal(err)
			}
			put.Header.Set("Origin", "https://app.example.com")
			auth{kind: kind, key: testKey}.sign(put, "photos", "uploads/a.png")
			if r := do(t, nil, put); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.header.Get("Access-Control-Expose-Headers") != "ETag, x-oss-request-id" {
				t.Errorf("upload: %d %v", r.status, r.header)
			}

			// A preflight signed for a missing bucket, as the Go SDK v2's
			// OptionObject sends it, is NoSuchBucket (its TestBucketCors
			// expects that of OSS).
			runSteps(t, srv, kind, []step{{name: "a signed OPTIONS to a missing bucket", method: http.MethodOptions, bucket: "nosuch", key: "a.png",
				header: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}, status: 404, code: "NoSuchBucket", ec: "0015-00000101"}})

			runSteps(t, srv, kind, []step{{name: "DeleteBucketCors", method: "DELETE", bucket: "photos", query: "cors", status: 204}})
			if r := preflight(t, objURL, "https://app.example.com", "PUT", ""); r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("after DeleteBucketCors: %d %v", r.status, r.header)
			}
		})
	}
}

// TestBucketCORSResponseVary: with ResponseVary true every answer of the
// bucket carries Vary: Origin, matched or not; with false none does
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbucketcors).
func TestBucketCORSResponseVary(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	rule := "<CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"
	for _, vary := range []string{"true", "false"} {
		runSteps(t, srv, "v4", []step{{name: "PutBucketCors", method: "PUT", bucket: "examplebucket", query: "cors",
			body: "<CORSConfiguration>" + rule + "<ResponseVary>" + vary + "</ResponseVary></CORSConfiguration>", status: 200}})
		for _, origin := range []string{"https://app.example.com", "https://other.example.com", ""} {
			r := get(t, http.MethodGet, srv.URL+"/missing.txt", "", map[string]string{"Origin": origin})
			if got := r.header.Get("Vary") == "Origin"; got != (vary == "true") {
				t.Errorf("ResponseVary %s, Origin %q: Vary %q", vary, origin, r.header.Get("Vary"))
			}
		}
	}
}

// TestBucketSettingsSurviveRestart: with Config.Dir, the CORS rules and
// ACLs set through the API are there after a restart, and the rules set on
// the configured bucket win over Config.CORS; a bucket whose rules were
// deleted stays without.
func TestBucketSettingsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	initial := []osstest.CORSRule{{AllowedOrigins: []string{"https://config.example.com"}, AllowedMethods: []string{"POST"}}}
	srv := newServer(t, osstest.Config{Dir: dir, CORS: initial})
	runSteps(t, srv, "v4", []step{
		{name: "PutBucket photos", method: "PUT", bucket: "photos", status: 200},
		{name: "PutBucketCors photos", method: "PUT", bucket: "photos", query: "cors", body: corsBody(uploadRule), status: 200},
		{name: "PutBucketAcl photos", method: "PUT", bucket: "photos", query: "acl", header: map[string]string{"X-Oss-Acl": "public-read"}, status: 200},
		{name: "PutObject", method: "PUT", bucket: "photos", key: "a.txt", body: "photo a", status: 200},
		{name: "PutBucketCors of the configured bucket", method: "PUT", bucket: "examplebucket", query: "cors",
			body: corsBody("<AllowedOrigin>https://api.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), status: 200},
		{name: "PutBucket docs", method: "PUT", bucket: "docs", status: 200},
		{name: "PutBucketCors docs", method: "PUT", bucket: "docs", query: "cors", body: corsBody(uploadRule), status: 200},
		{name: "DeleteBucketCors docs", method: "DELETE", bucket: "docs", query: "cors", status: 204},
	})
	srv.Close()
	again := newServer(t, osstest.Config{Dir: dir, CORS: initial})
	runSteps(t, again, "v4", []step{
		{name: "photos' rules", method: "GET", bucket: "photos", query: "cors", status: 200, contains: "<CORSRule>" + uploadRule + "</CORSRule>"},
		{name: "photos' ACL", method: "GET", bucket: "photos", query: "acl", status: 200, contains: "<Grant>public-read</Grant>"},
		{name: "an anonymous read of photos", method: "GET", bucket: "photos", key: "a.txt", unsigned: true, status: 200, contains: "photo a"},
		{name: "the configured bucket's API rules win over Config.CORS", method: "GET", bucket: "examplebucket", query: "cors", status: 200,
			contains: "api.example.com", lacks: "config.example.com"},
		{name: "docs has none", method: "GET", bucket: "docs", query: "cors", status: 404, code: "NoSuchCORSConfiguration", ec: "0034-00000001"},
	})
	if r := preflight(t, again.URL+"/photos/a.txt", "https://app.example.com", "PUT", ""); r.status != 200 {
		t.Errorf("preflight to photos after a restart: %d %s", r.status, r.body)
	}
	if r := preflight(t, again.URL+"/a.txt", "https://config.example.com", "POST", ""); r.status != 403 {
		t.Errorf("preflight by Config.CORS after the API replaced it: %d", r.status)
	}
}
