package osstest_test

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestDeleteMultipleObjects: POST /?delete removes the listed keys,
// answering each in <Deleted> (verbose) or none (quiet); a missing key
// counts as deleted; Content-MD5 is required and checked, and a refused
// request deletes nothing
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletemultipleobjects).
func TestDeleteMultipleObjects(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	for _, k := range []string{"a", "b/c d", "e", "keep"} {
		putObject(t, srv, k, []byte(k))
	}
	send := func(body, md5Header, query string, a auth) result {
		t.Helper()
		h := map[string]string{"Content-Type": "application/xml"}
		if md5Header != "" {
			h["Content-MD5"] = md5Header
		}
		req := objReq(t, srv, http.MethodPost, "", "delete"+query, []byte(body), h, "")
		a.sign(req, srv.Bucket(), "")
		return do(t, nil, req)
	}
	sum := func(s string) string { m := md5.Sum([]byte(s)); return base64.StdEncoding.EncodeToString(m[:]) }
	v4 := auth{kind: "v4", key: testKey}
	stored := func() string {
		var keys []string
		for _, o := range srv.Objects() {
			keys = append(keys, o.Key)
		}
		return strings.Join(keys, ",")
	}

	body := "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b/c d</Key></Object><Object><Key>missing</Key></Object></Delete>"
	for _, tc := range []struct {
		name, md5, query string
		a                auth
		status           int
		code             string
	}{
		{"unsigned", sum(body), "", auth{}, 403, "AccessDenied"},
		{"without Content-MD5", "", "", v4, 400, "InvalidDigest"},
		{"with a wrong Content-MD5", sum("other"), "", v4, 400, "InvalidDigest"},
	} {
		if r := send(body, tc.md5, tc.query, tc.a); r.status != tc.status || r.ossError(t).Code != tc.code {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if got := stored(); got != "a,b/c d,e,keep" {
		t.Fatalf("a refused batch deleted objects: %s", got)
	}

	r := send(body, sum(body), "&encoding-type=url", auth{kind: "v1", key: testKey})
	want := "<DeleteResult><EncodingType>url</EncodingType><Deleted><Key>a</Key></Deleted><Deleted><Key>b%2Fc%20d</Key></Deleted><Deleted><Key>missing</Key></Deleted></DeleteResult>"
	if r.status != 200 || !strings.HasSuffix(string(r.body), want) {
		t.Errorf("verbose: %d %s", r.status, r.body)
	}
	if got := stored(); got != "e,keep" {
		t.Errorf("after the batch: %s", got)
	}
	quiet := "<Delete><Quiet>true</Quiet><Object><Key>e</Key></Object></Delete>"
	if r := send(quiet, sum(quiet), "", v4); r.status != 200 || !strings.HasSuffix(string(r.body), "<DeleteResult></DeleteResult>") {
		t.Errorf("quiet: %d %s", r.status, r.body)
	}
	if got := stored(); got != "keep" {
		t.Errorf("after the quiet batch: %s", got)
	}
}
