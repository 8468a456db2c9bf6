package osstest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

const fuzzBoundary = "FuzzBoundary0123456789"

// fuzzSeeds are well-formed uploads for the fuzzer to mutate: anonymous,
// V1 and V4 signed, with a callback, with trailing fields, and the golden
// body of docs/PROTOCOL.md#worked-example (re-framed with fuzzBoundary).
func fuzzSeeds(t testing.TB) [][]byte {
	frame := func(parts []part) []byte {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.SetBoundary(fuzzBoundary)
		body, _ := encodeForm(t, parts)
		// Re-encode with the fixed boundary by parsing the parts back.
		r := multipart.NewReader(bytes.NewReader(body), boundaryOf(body))
		for {
			p, err := r.NextRawPart()
			if err != nil {
				break
			}
			pw, _ := w.CreatePart(p.Header)
			buf2 := new(bytes.Buffer)
			buf2.ReadFrom(p)
			pw.Write(buf2.Bytes())
		}
		w.Close()
		return buf.Bytes()
	}
	exp := t0.Add(time.Hour)
	cb := mustEncodeCB(t, callback.Params{URL: "http://127.0.0.1:9/cb", Body: callback.FormBody("bucket", "object", "x:a")})
	golden, err := os.ReadFile("testdata/v4_form_body.bin")
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{
		frame([]part{field("key", "a/${filename}"), file("x.txt", "text/plain", "hello")}),
		frame(join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/k"), field("success_action_status", "201"), file("f", "", "data")})),
		frame(join(v4Auth(t, testKey, "cn-hangzhou", t0, exp, basePolicy().Conditions...), []part{field("key", "user/eric/v4"), file("f.png", "image/png", "\x89PNG")})),
		frame([]part{field("callback", cb), field("x:a", "1"), field("key", "cb"), file("f", "", "x")}),
		frame([]part{field("key", "t"), field("x-oss-meta-a", "b"), file("f", "", "x"), field("submit", "go"), file("g", "", "y")}),
		frame(join(v1Auth(t, testKey, policy.New(exp, policy.AnyKey(), policy.ContentLengthRange(2, 3))), []part{field("key", "r"), file("f", "", "abcd")})),
		bytes.ReplaceAll(golden, []byte("WorkedExampleBoundary7MA4YWxkTrZu0gW"), []byte(fuzzBoundary)),
	}
}

func boundaryOf(body []byte) string {
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	return strings.TrimPrefix(string(line), "--")
}

var errNoNetwork = errors.New("fuzzing: no callbacks")

// FuzzPostObject feeds arbitrary bodies to the PostObject handler. For
// every input it must answer with an OSS status and request id; an error
// answer is an OSS XML error and stores nothing; a success stores exactly
// one object whose content matches the ETag, Content-MD5, CRC-64 and size
// it reported.
func FuzzPostObject(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	allowed := map[int]bool{200: true, 201: true, 203: true, 204: true, 303: true, 400: true, 403: true, 404: true, 405: true, 409: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		emu, err := osstest.New(osstest.Config{
			AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0), ACL: "public-read-write",
			CallbackFault: func(string) error { return errNoNetwork },
		})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "http://examplebucket.localhost/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)

		status := rec.Code
		if !allowed[status] {
			t.Fatalf("status %d", status)
		}
		if !requestIDRE.MatchString(rec.Header().Get("x-oss-request-id")) {
			t.Fatalf("x-oss-request-id %q", rec.Header().Get("x-oss-request-id"))
		}
		objs := emu.Objects()
		if status >= 400 {
			if _, err := osstest.ParseError(status, rec.Body.Bytes()); err != nil {
				t.Fatalf("status %d with body %q: %v", status, rec.Body.Bytes(), err)
			}
			if len(objs) != 0 {
				t.Fatalf("status %d but stored %v", status, objs)
			}
			return
		}
		if len(objs) != 1 {
			t.Fatalf("status %d with %d objects", status, len(objs))
		}
		obj := objs[0]
		content, err := readObject(emu, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(content)
		etag := `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
		crc := crc64.Checksum(content, crc64.MakeTable(crc64.ECMA))
		if obj.Size != int64(len(content)) || obj.ETag != etag || rec.Header().Get("ETag") != etag ||
			rec.Header().Get("Content-MD5") != base64.StdEncoding.EncodeToString(sum[:]) ||
			obj.CRC64 != crc || rec.Header().Get("x-oss-hash-crc64ecma") != strconv.FormatUint(crc, 10) {
			t.Fatalf("object %+v (%d bytes) vs headers %v", obj, len(content), rec.Header())
		}
		if obj.Key == "" || !strings.Contains(string(body), "--"+fuzzBoundary) {
			t.Fatalf("stored %q from a body without the boundary", obj.Key)
		}
	})
}
