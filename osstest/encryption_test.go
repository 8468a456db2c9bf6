package osstest_test

import (
	"net/http"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestServerSideEncryptionEchoed: x-oss-server-side-encryption (and with
// KMS the data encryption and key id) is stored and echoed by PutObject,
// HEAD and GET; with KMS and no key id a default key id is answered, as
// the Go SDK v2's TestAppendObject expects of OSS; bad values are refused.
func TestServerSideEncryptionEchoed(t *testing.T) {
	for _, kind := range []string{"v1", "v4"} {
		t.Run(kind, func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			a := auth{kind: kind, key: testKey}
			for _, tc := range []struct {
				name      string
				header    map[string]string
				status    int
				sse, data string
				keyID     string // "*" any non-empty
				code      string
			}{
				{"AES256", map[string]string{"x-oss-server-side-encryption": "AES256"}, 200, "AES256", "", "", ""},
				{"SM4", map[string]string{"x-oss-server-side-encryption": "SM4"}, 200, "SM4", "", "", ""},
				{"KMS with its default key", map[string]string{"x-oss-server-side-encryption": "KMS"}, 200, "KMS", "", "*", ""},
				{"KMS with a key and SM4 data", map[string]string{"x-oss-server-side-encryption": "KMS", "x-oss-server-side-encryption-key-id": "key-1", "x-oss-server-side-data-encryption": "SM4"}, 200, "KMS", "SM4", "key-1", ""},
				{"an unknown algorithm", map[string]string{"x-oss-server-side-encryption": "ROT13"}, 400, "", "", "", "InvalidEncryptionAlgorithmError"},
				{"data encryption without KMS", map[string]string{"x-oss-server-side-encryption": "AES256", "x-oss-server-side-data-encryption": "SM4"}, 400, "", "", "", "InvalidArgument"},
			} {
				put := objReq(t, srv, http.MethodPut, "e.txt", "", []byte(tc.name), tc.header, "")
				a.sign(put, srv.Bucket(), "e.txt")
				r := do(t, nil, put)
				if r.status != tc.status {
					t.Errorf("%s: PUT %d %s", tc.name, r.status, r.body)
					continue
				}
				if tc.code != "" {
					if e := r.ossError(t); e.Code != tc.code {
						t.Errorf("%s: %s, want %s", tc.name, e.Code, tc.code)
					}
					continue
				}
				head := objReq(t, srv, http.MethodHead, "e.txt", "", nil, nil, "")
				a.sign(head, srv.Bucket(), "e.txt")
				for _, h := range []http.Header{r.header, do(t, nil, head).header} {
					keyID := h.Get("X-Oss-Server-Side-Encryption-Key-Id")
					if h.Get("X-Oss-Server-Side-Encryption") != tc.sse || h.Get("X-Oss-Server-Side-Data-Encryption") != tc.data ||
						(tc.keyID == "*" && keyID == "") || (tc.keyID != "*" && keyID != tc.keyID) {
						t.Errorf("%s: headers %v", tc.name, h)
					}
				}
			}
		})
	}
}

// TestCopyObjectEncryptionReplaced: a CopyObject with
// x-oss-metadata-directive REPLACE encrypts the copy as the request says,
// key id included, as a PutObject with the same headers would: a KMS
// source copied as AES256 keeps no KMS key id or data encryption; COPY
// keeps the source's (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject).
func TestCopyObjectEncryptionReplaced(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	kms := map[string]string{"x-oss-server-side-encryption": "KMS", "x-oss-server-side-encryption-key-id": "key-1", "x-oss-server-side-data-encryption": "SM4"}
	for _, tc := range []struct {
		name           string
		header         map[string]string
		sse, data, key string // "*" any non-empty
	}{
		{"COPY keeps the source's", map[string]string{}, "KMS", "SM4", "key-1"},
		{"REPLACE with AES256", map[string]string{"x-oss-metadata-directive": "REPLACE", "x-oss-server-side-encryption": "AES256"}, "AES256", "", ""},
		{"REPLACE with SM4", map[string]string{"x-oss-metadata-directive": "REPLACE", "x-oss-server-side-encryption": "SM4"}, "SM4", "", ""},
		{"REPLACE with KMS, default key", map[string]string{"x-oss-metadata-directive": "REPLACE", "x-oss-server-side-encryption": "KMS"}, "KMS", "", "*"},
		{"REPLACE with KMS, another key", map[string]string{"x-oss-metadata-directive": "REPLACE", "x-oss-server-side-encryption": "KMS", "x-oss-server-side-encryption-key-id": "key-2"}, "KMS", "", "key-2"},
		{"REPLACE without encryption", map[string]string{"x-oss-metadata-directive": "REPLACE"}, "", "", ""},
	} {
		if r := bucketReq(t, srv, http.MethodPut, srv.Bucket(), "src.txt", []byte("x"), kms, false); r.status != 200 {
			t.Fatalf("PUT source: %d %s", r.status, r.body)
		}
		tc.header["x-oss-copy-source"] = "/" + srv.Bucket() + "/src.txt"
		if r := bucketReq(t, srv, http.MethodPut, srv.Bucket(), "dst.txt", nil, tc.header, false); r.status != 200 {
			t.Fatalf("%s: copy %d %s", tc.name, r.status, r.body)
		}
		h := bucketReq(t, srv, http.MethodHead, srv.Bucket(), "dst.txt", nil, nil, false).header
		key := h.Get("X-Oss-Server-Side-Encryption-Key-Id")
		if h.Get("X-Oss-Server-Side-Encryption") != tc.sse || h.Get("X-Oss-Server-Side-Data-Encryption") != tc.data ||
			(tc.key == "*" && key == "") || (tc.key != "*" && key != tc.key) {
			t.Errorf("%s: HEAD encryption %q, data %q, key id %q; want %q %q %q", tc.name, h.Get("X-Oss-Server-Side-Encryption"),
				h.Get("X-Oss-Server-Side-Data-Encryption"), key, tc.sse, tc.data, tc.key)
		}
	}
}
