package osstest_test

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// FuzzRouting: whatever the method, query and x-oss-copy-source of a
// correctly signed request, it never panics or answers 5xx other than 501,
// GET and HEAD never change a stored object, and a request naming an
// operation the emulator does not implement changes nothing.
func FuzzRouting(f *testing.F) {
	f.Add(uint8(0), "symlink", "")
	f.Add(uint8(1), "append&position=0", "")
	f.Add(uint8(2), "tagging", "")
	f.Add(uint8(1), "x-oss-process=image/resize,w_1", "")
	f.Add(uint8(2), "", "/examplebucket/b.txt")
	f.Add(uint8(3), "uploads", "")
	f.Add(uint8(4), "acl", "")
	methods := []string{"PUT", "POST", "DELETE", "GET", "HEAD"}
	unimplemented := []string{"symlink", "append", "restore", "x-oss-process", "cors", "lifecycle", "website", "referer", "versioning", "logging"}
	srv := newServer(f, osstest.Config{})
	f.Fuzz(func(t *testing.T, m uint8, rawQuery, copySource string) {
		method := methods[int(m)%len(methods)]
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		if _, err := url.Parse(srv.URL + "/a.txt?" + rawQuery); err != nil {
			return // not a URL a client can send
		}
		putObject(t, srv, "a.txt", []byte("content of a"))
		var h map[string]string
		if copySource != "" {
			h = map[string]string{"x-oss-copy-source": copySource}
		}
		req := objReq(t, srv, method, "a.txt", rawQuery, []byte("body"), h, "")
		if req.Header.Get("X-Oss-Copy-Source") != copySource {
			return // not a value a header can carry
		}
		auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), "a.txt")
		r, err := tryDo(nil, req)
		if err != nil {
			return
		}
		if r.status >= 500 && r.status != 501 {
			t.Fatalf("%s ?%s: %d %s", method, rawQuery, r.status, r.body)
		}
		mustKeep := method == "GET" || method == "HEAD"
		for _, sub := range unimplemented {
			if q.Has(sub) {
				mustKeep = true
			}
		}
		obj, ok := srv.Object("a.txt")
		if mustKeep && (!ok || !bytes.Equal(obj.Content, []byte("content of a"))) {
			t.Fatalf("%s ?%s changed a.txt: %q (stored %v), answer %d", method, rawQuery, obj.Content, ok, r.status)
		}
		if mustKeep && method != http.MethodGet && method != http.MethodHead && r.status < 300 {
			t.Fatalf("%s ?%s answered %d", method, rawQuery, r.status)
		}
	})
}
