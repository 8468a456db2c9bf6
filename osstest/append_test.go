package osstest_test

import (
	"hash/crc64"
	"net/http"
	"strconv"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestAppendObject: appends at the object's length grow an Appendable
// object, answering the next position and the CRC-64 of the whole object;
// a wrong position gets 409 PositionNotEqualToLength with the length in
// x-oss-next-append-position; a Normal object is not appendable; the
// first append's headers make the object's metadata
// (https://www.alibabacloud.com/help/en/oss/developer-reference/appendobject).
func TestAppendObject(t *testing.T) {
	for _, kind := range []string{"v1", "v4", "v4query"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			a := auth{kind: kind, key: testKey}
			putObject(t, srv, "normal.txt", []byte("normal"))
			send := func(key string, pos int, body string, header map[string]string) result {
				q := "append&position=" + strconv.Itoa(pos)
				if pos < 0 {
					q = "append"
				}
				req := objReq(t, srv, http.MethodPost, key, q, []byte(body), header, "")
				a.sign(req, srv.Bucket(), key)
				return do(t, nil, req)
			}
			var whole string
			for i, tc := range []struct {
				pos    int
				body   string
				header map[string]string
			}{
				{0, "first;", map[string]string{"Content-Type": "text/plain", "x-oss-meta-step": "one", "x-oss-server-side-encryption": "KMS"}},
				{6, "second;", map[string]string{"Content-Type": "image/png", "x-oss-meta-step": "two"}},
				{13, "", nil},
				{13, "third", map[string]string{"Content-MD5": md5B64([]byte("third"))}},
			} {
				r := send("log.txt", tc.pos, tc.body, tc.header)
				whole += tc.body
				crc := strconv.FormatUint(crc64.Checksum([]byte(whole), crcTable), 10)
				if r.status != 200 || r.header.Get("X-Oss-Next-Append-Position") != strconv.Itoa(len(whole)) || r.header.Get("X-Oss-Hash-Crc64ecma") != crc {
					t.Fatalf("append %d: %d %s, next %q crc %q; want next %d crc %s", i, r.status, r.body,
						r.header.Get("X-Oss-Next-Append-Position"), r.header.Get("X-Oss-Hash-Crc64ecma"), len(whole), crc)
				}
				if r.header.Get("X-Oss-Server-Side-Encryption") != "KMS" || r.header.Get("X-Oss-Server-Side-Encryption-Key-Id") == "" {
					t.Errorf("append %d: encryption headers %v", i, r.header)
				}
			}
			obj, ok := srv.Object("log.txt")
			if !ok || string(obj.Content) != whole || obj.Type != "Appendable" || obj.ContentType != "text/plain" || obj.Meta["step"] != "one" {
				t.Errorf("stored %+v", obj)
			}
			head := objReq(t, srv, http.MethodHead, "log.txt", "", nil, nil, "")
			a.sign(head, srv.Bucket(), "log.txt")
			if r := do(t, nil, head); r.header.Get("X-Oss-Object-Type") != "Appendable" || r.header.Get("Content-Length") != strconv.Itoa(len(whole)) {
				t.Errorf("HEAD: %d %v", r.status, r.header)
			}
			for _, tc := range []struct {
				name, key string
				pos       int
				body      string
				header    map[string]string
				status    int
				code, ec  string
				next      string
			}{
				{"a position before the end", "log.txt", 0, "x", nil, 409, "PositionNotEqualToLength", "", strconv.Itoa(len(whole))},
				{"a position past the end", "log.txt", 100, "x", nil, 409, "PositionNotEqualToLength", "", strconv.Itoa(len(whole))},
				{"a new object not at 0", "new.txt", 3, "x", nil, 409, "PositionNotEqualToLength", "", "0"},
				{"a Normal object", "normal.txt", 6, "x", nil, 409, "ObjectNotAppendable", "", ""},
				{"no position", "log.txt", -1, "x", nil, 400, "InvalidArgument", "0016-00000501", ""},
				{"a wrong Content-MD5", "log.txt", len(whole), "x", map[string]string{"Content-MD5": md5B64([]byte("y"))}, 400, "InvalidDigest", "", ""},
			} {
				r := send(tc.key, tc.pos, tc.body, tc.header)
				if r.status != tc.status {
					t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
					continue
				}
				if e := r.ossError(t); e.Code != tc.code || e.EC != tc.ec || r.header.Get("X-Oss-Next-Append-Position") != tc.next {
					t.Errorf("%s: %s EC %s next %q, want %s EC %s next %q", tc.name, e.Code, e.EC, r.header.Get("X-Oss-Next-Append-Position"), tc.code, tc.ec, tc.next)
				}
			}
			if obj, _ := srv.Object("log.txt"); string(obj.Content) != whole {
				t.Errorf("refused appends changed the object: %q", obj.Content)
			}
			if _, ok := srv.Object("new.txt"); ok {
				t.Error("a refused append made an object")
			}
		})
	}
}
