package osstest_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

type listedUploads struct {
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIdMarker string
	Uploads            []struct{ Key, UploadId string } `xml:"Upload"`
	CommonPrefixes     []struct{ Prefix string }
}

// TestListMultipartUploads: GET /?uploads lists the uploads in progress as
// an app sees them when it cleans up abandoned ones: prefix, delimiter,
// pages of max-uploads with key-marker and upload-id-marker, each upload
// exactly once; an aborted upload is gone
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listmultipartuploads).
func TestListMultipartUploads(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	a := auth{kind: "v1", key: testKey}
	var ids []string
	for _, k := range []string{"tmp/a", "tmp/a", "tmp/b", "tmp/sub/c", "other"} {
		c := &mpClient{t: t, srv: srv, a: a, key: k}
		c.initiate(nil)
		ids = append(ids, k+" "+c.id)
	}
	list := func(query string) listedUploads {
		t.Helper()
		req := objReq(t, srv, http.MethodGet, "", "uploads&"+query, nil, nil, "")
		a.sign(req, srv.Bucket(), "")
		r := do(t, nil, req)
		var res listedUploads
		if err := xml.Unmarshal(r.body, &res); r.status != 200 || err != nil {
			t.Fatalf("?uploads&%s: %d %s", query, r.status, r.body)
		}
		return res
	}

	// Pages of two over the tmp/ prefix list each upload once.
	var got []string
	marker := "prefix=tmp/&max-uploads=2"
	for pages := 0; ; pages++ {
		res := list(marker)
		for _, u := range res.Uploads {
			got = append(got, u.Key+" "+u.UploadId)
		}
		if !res.IsTruncated {
			break
		}
		if pages > 3 || len(res.Uploads) != 2 {
			t.Fatalf("page %d: %+v", pages, res)
		}
		marker = "prefix=tmp/&max-uploads=2&key-marker=" + res.NextKeyMarker + "&upload-id-marker=" + res.NextUploadIdMarker
	}
	want := []string{}
	for _, id := range ids {
		if strings.HasPrefix(id, "tmp/") {
			want = append(want, id)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("%s listed twice", g)
		}
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("%s not listed", w)
		}
	}

	// A delimiter rolls tmp/sub/ up.
	res := list("prefix=tmp/&delimiter=/")
	if len(res.CommonPrefixes) != 1 || res.CommonPrefixes[0].Prefix != "tmp/sub/" || len(res.Uploads) != 3 {
		t.Errorf("with a delimiter: %+v", res)
	}
	// Unsigned on a private bucket: refused.
	if r := do(t, nil, objReq(t, srv, http.MethodGet, "", "uploads", nil, nil, "")); r.status != 403 {
		t.Errorf("unsigned: %d", r.status)
	}
	if r := func() result {
		req := objReq(t, srv, http.MethodGet, "", "uploads&max-uploads=1001", nil, nil, "")
		a.sign(req, srv.Bucket(), "")
		return do(t, nil, req)
	}(); r.status != 400 {
		t.Errorf("max-uploads=1001: %d", r.status)
	}
}
