package osstest_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestSequentialSurvivesRestart: with Config.Dir, a multipart upload
// initiated with ?sequential is still sequential after two restarts (the
// first rewrites the journal: part 1 was uploaded twice), and its object
// gets the whole object's Content-MD5 on completion; an upload without it
// gets none.
func TestSequentialSurvivesRestart(t *testing.T) {
	cfg := osstest.Config{Dir: t.TempDir()}
	srv := newServer(t, cfg)
	p1, p2 := randomBytes(100<<10, 1), []byte("tail")
	uploads := []struct {
		key, query string
		md5        string
		c          *mpClient
	}{
		{"seq.bin", "&sequential", md5B64(append(append([]byte(nil), p1...), p2...)), nil},
		{"plain.bin", "", "", nil},
	}
	for i := range uploads {
		u := &uploads[i]
		u.c = &mpClient{t: t, srv: srv, a: auth{kind: "v4", key: testKey}, key: u.key}
		r := u.c.do(http.MethodPost, "uploads"+u.query, nil, nil)
		var res struct{ UploadId string }
		if err := xml.Unmarshal(r.body, &res); r.status != 200 || err != nil {
			t.Fatalf("initiate: %d %s", r.status, r.body)
		}
		u.c.id = res.UploadId
		u.c.part(1, []byte("replaced"))
		u.c.part(1, p1)
	}
	for range 2 {
		srv.Close()
		srv = newServer(t, cfg)
	}
	for _, u := range uploads {
		u.c.srv = srv
		e1, e2 := md5ETag(p1), u.c.part(2, p2)
		if r := u.c.do(http.MethodPost, "uploadId="+u.c.id, completeXML(xmlPart{1, e1}, xmlPart{2, e2}), nil); r.status != 200 {
			t.Fatalf("%s: complete: %d %s", u.key, r.status, r.body)
		}
		head := objReq(t, srv, http.MethodHead, u.key, "", nil, nil, "")
		auth{kind: "v4", key: testKey}.sign(head, srv.Bucket(), u.key)
		if r := do(t, nil, head); r.status != 200 || r.header.Get("Content-MD5") != u.md5 {
			t.Errorf("%s after restarts: %d Content-MD5 %q, want %q", u.key, r.status, r.header.Get("Content-MD5"), u.md5)
		}
	}
}
