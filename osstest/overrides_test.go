package osstest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestResponseOverrides: the response-* parameters of a signed GET (header
// or presigned, V1 and V4) replace the stored headers in the answer,
// and an unsigned GET's are ignored
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobject).
func TestResponseOverrides(t *testing.T) {
	q := url.Values{
		"response-content-type":        {"text/csv"},
		"response-content-disposition": {`attachment; filename="report 2024.csv"`},
		"response-cache-control":       {"no-cache"},
		"response-content-language":    {"zh-CN"},
		"response-expires":             {"Thu, 01 Dec 1994 16:00:00 GMT"},
		"response-content-encoding":    {"identity"},
	}
	want := map[string]string{"Content-Type": "text/csv", "Content-Disposition": `attachment; filename="report 2024.csv"`,
		"Cache-Control": "no-cache", "Content-Language": "zh-CN", "Expires": "Thu, 01 Dec 1994 16:00:00 GMT", "Content-Encoding": "identity"}
	for _, kind := range []string{"v1", "v4", "v1query", "v4query", "unsigned"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{ACL: "public-read"})
			putObject(t, srv, "r.bin", []byte("a,b\n"))
			req := objReq(t, srv, http.MethodGet, "r.bin", q.Encode(), nil, nil, "")
			if kind != "unsigned" {
				auth{kind: kind, key: testKey}.sign(req, srv.Bucket(), "r.bin")
			}
			r := do(t, nil, req)
			if r.status != 200 || string(r.body) != "a,b\n" {
				t.Fatalf("GET: %d %s", r.status, r.body)
			}
			for name, v := range want {
				got := r.header.Get(name)
				if kind == "unsigned" && got == v {
					t.Errorf("unsigned GET: %s overridden to %q", name, got)
				}
				if kind != "unsigned" && got != v {
					t.Errorf("%s %q, want %q", name, got, v)
				}
			}
		})
	}
}
