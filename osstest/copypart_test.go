package osstest_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestUploadPartCopy: parts copied from objects, of this bucket and of
// another, whole or by x-oss-copy-source-range (inclusive), make the
// completed object, and bad sources get OSS's errors
// (https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy).
func TestUploadPartCopy(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			a := auth{kind: kind, key: testKey}
			src := randomBytes(300<<10, 7)
			putObject(t, srv, "src.bin", src)
			runSteps(t, srv, kind, []step{
				{name: "PutBucket", method: "PUT", bucket: "other", status: 200},
				{name: "PutObject in the other bucket", method: "PUT", bucket: "other", key: "small.txt", body: "from the other bucket", status: 200},
			})
			c := &mpClient{t: t, srv: srv, a: a, key: "copy.bin"}
			c.initiate(nil)
			copyPart := func(n int, source, rng string) result {
				h := map[string]string{"x-oss-copy-source": source}
				if rng != "" {
					h["x-oss-copy-source-range"] = rng
				}
				return c.do(http.MethodPut, fmt.Sprintf("partNumber=%d&uploadId=%s", n, c.id), nil, h)
			}
			r1 := copyPart(1, "/examplebucket/src.bin", "bytes=0-204799")
			r2 := copyPart(2, "/other/small.txt", "")
			for i, r := range []result{r1, r2} {
				if r.status != 200 || r.header.Get("X-Oss-Hash-Crc64ecma") == "" {
					t.Fatalf("part %d: %d %s", i+1, r.status, r.body)
				}
			}
			for _, tc := range []struct {
				name, source, rng string
				status            int
				code              string
			}{
				{"a missing source key", "/examplebucket/missing", "", 404, "NoSuchKey"},
				{"a missing source bucket", "/nobucket/src.bin", "", 404, "NoSuchBucket"},
				{"a range past the end", "/examplebucket/src.bin", "bytes=0-307200", 400, "InvalidArgument"},
				{"a malformed range", "/examplebucket/src.bin", "bytes=5-1", 400, "InvalidArgument"},
			} {
				if r := copyPart(3, tc.source, tc.rng); r.status != tc.status || r.ossError(t).Code != tc.code {
					t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
				}
			}
			etag := func(r result) string {
				var res struct{ ETag string }
				if err := xml.Unmarshal(r.body, &res); err != nil {
					t.Fatal(err)
				}
				return res.ETag
			}
			// ali-oss (uploadPartCopy) and oss2 (upload_part_copy, a
			// PutObjectResult) read the part's ETag from the ETag header,
			// the Go SDK v2 from the body: OSS sends both, the same.
			for i, r := range []result{r1, r2} {
				if h := r.header.Get("ETag"); h == "" || h != etag(r) {
					t.Errorf("part %d: ETag header %q, body %q", i+1, h, etag(r))
				}
			}
			body := completeXML(xmlPart{1, etag(r1)}, xmlPart{2, etag(r2)})
			if r := c.do(http.MethodPost, "uploadId="+c.id, body, nil); r.status != 200 {
				t.Fatalf("complete: %d %s", r.status, r.body)
			}
			got, err := readObject(srv, "copy.bin")
			want := append(append([]byte(nil), src[:204800]...), "from the other bucket"...)
			if err != nil || string(got) != string(want) {
				t.Errorf("completed object: %d bytes, %v; want %d bytes", len(got), err, len(want))
			}
		})
	}
}
