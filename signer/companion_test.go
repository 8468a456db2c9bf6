package signer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// The Companion S3 route protocol these tests rely on, as @uppy/aws-s3
// 6.3.1 (src/s3-client/CompanionS3.ts) sends it and @uppy/companion 6.2.2
// (lib/server/controllers/s3.js) answers it; the browser test of
// examples/uppy drives the same routes from the real plugin:
//
//	GET    /s3/params?filename=&type=           {"method": "POST", "url", "fields"}; the plugin posts fields, then "file"
//	POST   /s3/multipart {"filename", "type"}   {"key", "uploadId", "bucket"}
//	GET    /s3/multipart/:uploadId?key=         [{"PartNumber", "ETag", "Size"}]
//	GET    /s3/multipart/:uploadId/:n?key=      {"url", "expires"}; the plugin PUTs part n there and reads ETag
//	GET    /s3/multipart/:uploadId/batch?key=&partNumbers=1,2  {"presignedUrls": {"1": url, "2": url}}
//	POST   /s3/multipart/:uploadId/complete?key= {"parts": [{"PartNumber", "ETag"}]}  {"location", "key", "bucket"}
//	DELETE /s3/multipart/:uploadId?key=         {}
//
// Any status but 2xx is a failure to the plugin.

var companionSecret = []byte("companion-ticket-secret-0123456789")

type companionEnv struct {
	srv   *osstest.Server
	app   *httptest.Server
	h     *signer.CompanionHandler
	now   time.Time
	fault atomic.Value // of error: set, every callback attempt fails with it
}

// newCompanionEnv is an app with a CompanionHandler under /uppy/ and a
// callback endpoint that answers {"object", "size", "user"}, against the
// emulator. Users come from X-User; "db-down" makes Upload fail, "blocked"
// is refused, and user "small" may upload at most 300 KiB.
func newCompanionEnv(t testing.TB, version signer.Version) *companionEnv {
	t.Helper()
	env := &companionEnv{now: time.Now()}
	srv, err := osstest.NewServer(osstest.Config{Now: func() time.Time { return env.now }, CallbackFault: func(string) error {
		err, _ := env.fault.Load().(error)
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	t.Cleanup(env.srv.Close)
	s := env.srv.Signer()
	s.Version = version
	s.Secrets = callback.Secrets{{ID: "cb", Key: []byte("callback-binding-secret-0123456789")}}
	s.Now = func() time.Time { return env.now }
	verifier := &callback.Verifier{Secrets: s.Secrets, Keys: env.srv.KeyFetcher()}
	mux := http.NewServeMux()
	env.app = httptest.NewServer(mux)
	t.Cleanup(env.app.Close)
	env.h = &signer.CompanionHandler{
		Signer:  s,
		Secrets: callback.Secrets{{ID: "t1", Key: companionSecret}},
		Client:  env.srv.Client(),
		User: func(r *http.Request) (string, error) {
			if u := r.Header.Get("X-User"); u != "" {
				return u, nil
			}
			return "", fmt.Errorf("%w: log in first", signer.ErrUnauthorized)
		},
		Upload: func(r *http.Request, user string, f signer.File) (signer.Upload, error) {
			switch user {
			case "db-down":
				return signer.Upload{}, errors.New("users: connection refused")
			case "blocked":
				return signer.Upload{}, fmt.Errorf("%w: account blocked", signer.ErrForbidden)
			}
			u := signer.Upload{
				KeyPrefix: "users/" + user + "/", MaxSize: 64 << 20, SuccessActionStatus: 200,
				ContentTypes: []string{"image/png", "application/octet-stream"},
				Callback: &callback.Params{URL: env.app.URL + "/cb?user=" + user,
					Body: "object=${object}&size=${size}&mimeType=${mimeType}"},
			}
			if user == "small" {
				u.MaxSize = 300 << 10
			}
			return u, nil
		},
	}
	mux.Handle("/uppy/", env.h)
	mux.HandleFunc("/cb", func(w http.ResponseWriter, r *http.Request) {
		ev, err := verifier.VerifyEvent(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": ev.Object, "size": ev.Size, "user": ev.Query.Get("user")})
	})
	return env
}

// call sends a request to the handler as user and decodes the JSON answer.
func (env *companionEnv) call(t testing.TB, method, path, user string, body any) (int, map[string]any, []byte) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.app.URL+path, rd)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

// create begins a multipart upload for user and returns its key and handle.
func (env *companionEnv) create(t *testing.T, user string) (key, id string) {
	t.Helper()
	st, m, raw := env.call(t, "POST", "/uppy/s3/multipart", user, map[string]any{"filename": "photo.png", "type": "image/png", "metadata": map[string]string{"name": "photo.png"}})
	if st != 200 {
		t.Fatalf("create: %d %s", st, raw)
	}
	return m["key"].(string), m["uploadId"].(string)
}

// putPart signs part n and sends data there as the plugin does; it returns
// the ETag without quotes, as the plugin keeps it.
func (env *companionEnv) putPart(t *testing.T, user, key, id string, n int, data []byte) string {
	t.Helper()
	st, m, raw := env.call(t, "GET", fmt.Sprintf("/uppy/s3/multipart/%s/%d?key=%s", id, n, url.QueryEscape(key)), user, nil)
	if st != 200 {
		t.Fatalf("sign part %d: %d %s", n, st, raw)
	}
	req, _ := http.NewRequest("PUT", m["url"].(string), bytes.NewReader(data))
	resp, err := env.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("UploadPart %d: %d", n, resp.StatusCode)
	}
	return strings.Trim(resp.Header.Get("ETag"), `"`)
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

// A whole multipart upload through the routes, with V4 and V1: the parts go
// to OSS, the handler completes with the callback, and the application's
// answer comes back in the complete answer, as "callback" and as the data:
// URL in "location" that Uppy passes on as uploadURL.
func TestCompanionMultipart(t *testing.T) {
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		t.Run(v.String(), func(t *testing.T) {
			env := newCompanionEnv(t, v)
			key, id := env.create(t, "ann")
			if !strings.HasPrefix(key, "users/ann/") || !strings.HasSuffix(key, "-photo.png") {
				t.Fatalf("key %q: want users/ann/<random>-photo.png", key)
			}
			if strings.Contains(id, "/") || strings.Contains(id, "%") {
				t.Fatalf("uploadId %q must travel unescaped in a path element", id)
			}
			p1, p2 := pattern(200<<10, 1), pattern(50<<10, 2)
			e1 := env.putPart(t, "ann", key, id, 1, p1)
			e2 := env.putPart(t, "ann", key, id, 2, p2)

			st, _, raw := env.call(t, "GET", "/uppy/s3/multipart/"+id+"?key="+url.QueryEscape(key), "ann", nil)
			var listed []struct {
				PartNumber int
				ETag       string
				Size       int64
			}
			if err := json.Unmarshal(raw, &listed); st != 200 || err != nil || len(listed) != 2 || listed[0].PartNumber != 1 || listed[1].Size != 50<<10 {
				t.Fatalf("list: %d %s", st, raw)
			}

			st, m, raw := env.call(t, "POST", "/uppy/s3/multipart/"+id+"/complete?key="+url.QueryEscape(key), "ann",
				map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}}})
			if st != 200 {
				t.Fatalf("complete: %d %s", st, raw)
			}
			want := fmt.Sprintf(`{"object":%q,"size":%d,"user":"ann"}`, key, 250<<10)
			cb, _ := json.Marshal(m["callback"])
			if string(cb) != want {
				t.Errorf("callback answer %s, want %s", cb, want)
			}
			loc := m["location"].(string)
			enc, ok := strings.CutPrefix(loc, "data:application/json;base64,")
			dec, _ := base64.StdEncoding.DecodeString(enc)
			if !ok || strings.TrimSpace(string(dec)) != want {
				t.Errorf("location %q does not carry the callback answer", loc)
			}
			if m["key"] != key || m["bucket"] != env.srv.Bucket() {
				t.Errorf("key, bucket = %v, %v", m["key"], m["bucket"])
			}
			got, ok := env.srv.Object(key)
			if !ok || !bytes.Equal(got.Content, append(p1, p2...)) {
				t.Fatalf("stored object: stored %v, %d bytes", ok, len(got.Content))
			}
			if obj, _ := env.srv.Object(key); obj.ContentType != "image/png" {
				t.Errorf("stored type %q, want the file's image/png", obj.ContentType)
			}
			if ups := env.srv.MultipartUploads(); len(ups) != 0 {
				t.Errorf("uploads left in progress: %v", ups)
			}
		})
	}
}

// GET /s3/params answers a POST policy for a concrete key that the plugin
// posts as is; OSS calls the app back and relays its answer.
func TestCompanionParams(t *testing.T) {
	env := newCompanionEnv(t, signer.V4)
	st, m, raw := env.call(t, "GET", "/uppy/s3/params?filename=a%2Fb.png&type=image%2Fpng&metadata%5Bname%5D=b.png", "ann", nil)
	if st != 200 || m["method"] != "POST" {
		t.Fatalf("params: %d %s", st, raw)
	}
	fields := m["fields"].(map[string]any)
	key, _ := fields["key"].(string)
	if !strings.HasPrefix(key, "users/ann/") || !strings.HasSuffix(key, "-b.png") || fields["x-oss-content-type"] != "image/png" {
		t.Fatalf("fields %v", fields)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v.(string))
	}
	fw, _ := w.CreateFormFile("file", "b.png")
	fw.Write(pattern(100<<10, 3))
	w.Close()
	resp, err := env.srv.Client().Post(m["url"].(string), w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf(`{"object":%q,"size":%d,"user":"ann"}`, key, 100<<10)
	if resp.StatusCode != 200 || strings.TrimSpace(string(answer)) != want {
		t.Fatalf("PostObject: %d %s, want 200 %s", resp.StatusCode, answer, want)
	}
}

// Every route refuses bad input with a 4xx and an {"error"} answer, and a
// handle is accepted only from its user, for its key, unexpired.
func TestCompanionRoutes(t *testing.T) {
	env := newCompanionEnv(t, signer.V4)
	key, id := env.create(t, "ann")
	q := "?key=" + url.QueryEscape(key)
	other, otherID := env.create(t, "bob")
	forged := id[:len(id)-2] + "AA"
	part := env.putPart(t, "ann", key, id, 1, pattern(10<<10, 4))

	cases := []struct {
		name, method, path, user string
		body                     any
		status                   int
		errHas                   string
	}{
		{"unknown route", "GET", "/uppy/s3/nothing", "ann", nil, 404, "no such route"},
		{"not under s3", "GET", "/uppy/params", "ann", nil, 404, "no such route"},
		{"params by POST", "POST", "/uppy/s3/params", "ann", nil, 405, "not allowed"},
		{"create by GET", "GET", "/uppy/s3/multipart", "ann", nil, 405, "not allowed"},
		{"complete by GET", "GET", "/uppy/s3/multipart/" + id + "/complete" + q, "ann", nil, 405, "not allowed"},
		{"not logged in", "GET", "/uppy/s3/params?filename=a.png&type=image/png", "", nil, 401, "log in first"},
		{"app refuses", "GET", "/uppy/s3/params?filename=a.png&type=image/png", "blocked", nil, 403, "account blocked"},
		{"app fails", "POST", "/uppy/s3/multipart", "db-down", map[string]string{"filename": "a.png", "type": "image/png"}, 500, "internal error"},
		{"params filename with ${", "GET", "/uppy/s3/params?filename=%24%7Bfilename%7D.png&type=image/png", "ann", nil, 200, ""},
		{"create filename with control characters", "POST", "/uppy/s3/multipart", "ann", map[string]string{"filename": "a\x00\n/..", "type": "image/png"}, 200, ""},
		{"preflight", "OPTIONS", "/uppy/s3/multipart", "", nil, 204, ""},
		{"params without filename", "GET", "/uppy/s3/params?type=image/png", "ann", nil, 400, "filename"},
		{"params bad type", "GET", "/uppy/s3/params?filename=a&type=png", "ann", nil, 400, "type/subtype"},
		{"params type refused", "GET", "/uppy/s3/params?filename=a.html&type=text/html", "ann", nil, 415, "text/html"},
		{"create not JSON", "POST", "/uppy/s3/multipart", "ann", "{", 400, "JSON"},
		{"create without filename", "POST", "/uppy/s3/multipart", "ann", map[string]string{"type": "image/png"}, 400, "filename"},
		{"create type refused", "POST", "/uppy/s3/multipart", "ann", map[string]string{"filename": "a", "type": "text/html"}, 415, "text/html"},
		{"list", "GET", "/uppy/s3/multipart/" + id + q, "ann", nil, 200, ""},
		{"list by another user", "GET", "/uppy/s3/multipart/" + id + q, "bob", nil, 403, "another user"},
		{"list of another key", "GET", "/uppy/s3/multipart/" + id + "?key=" + url.QueryEscape(other), "ann", nil, 403, "another key"},
		{"list without key", "GET", "/uppy/s3/multipart/" + id, "ann", nil, 403, "another key"},
		{"bob's handle with ann's key", "GET", "/uppy/s3/multipart/" + otherID + q, "ann", nil, 403, "another user"},
		{"forged handle", "GET", "/uppy/s3/multipart/" + forged + q, "ann", nil, 403, "not one this handler issued"},
		{"raw OSS upload id", "GET", "/uppy/s3/multipart/0004B9894A22E5B1888A1E29F823" + q, "ann", nil, 403, "not one this handler issued"},
		{"sign part 0", "GET", "/uppy/s3/multipart/" + id + "/0" + q, "ann", nil, 400, "part number"},
		{"sign part 10001", "GET", "/uppy/s3/multipart/" + id + "/10001" + q, "ann", nil, 400, "part number"},
		{"sign part x", "GET", "/uppy/s3/multipart/" + id + "/x" + q, "ann", nil, 400, "part number"},
		{"sign part by another user", "GET", "/uppy/s3/multipart/" + id + "/1" + q, "bob", nil, 403, "another user"},
		{"batch", "GET", "/uppy/s3/multipart/" + id + "/batch" + q + "&partNumbers=1,2", "ann", nil, 200, ""},
		{"batch bad number", "GET", "/uppy/s3/multipart/" + id + "/batch" + q + "&partNumbers=1,0", "ann", nil, 400, "part number"},
		{"batch none", "GET", "/uppy/s3/multipart/" + id + "/batch" + q, "ann", nil, 400, "part number"},
		{"complete not JSON", "POST", "/uppy/s3/multipart/" + id + "/complete" + q, "ann", "[", 400, "JSON"},
		{"complete no parts", "POST", "/uppy/s3/multipart/" + id + "/complete" + q, "ann", map[string]any{"parts": []any{}}, 400, "list 1 to"},
		{"complete part not stored", "POST", "/uppy/s3/multipart/" + id + "/complete" + q, "ann",
			map[string]any{"parts": []map[string]any{{"PartNumber": 2, "ETag": part}}}, 400, "not stored"},
		{"complete wrong ETag", "POST", "/uppy/s3/multipart/" + id + "/complete" + q, "ann",
			map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": "0123"}}}, 400, "not stored"},
		{"complete parts out of order", "POST", "/uppy/s3/multipart/" + id + "/complete" + q, "ann",
			map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": part}, {"PartNumber": 1, "ETag": part}}}, 400, "ascend"},
		{"abort by another user", "DELETE", "/uppy/s3/multipart/" + id + q, "bob", nil, 403, "another user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, m, raw := env.call(t, tc.method, tc.path, tc.user, tc.body)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, raw)
			}
			if tc.errHas != "" {
				if msg, _ := m["error"].(string); !strings.Contains(msg, tc.errHas) {
					t.Errorf("error %q, want it to mention %q", msg, tc.errHas)
				}
			}
		})
	}
	if ups := env.srv.MultipartUploads(); len(ups) != 3 || len(ups[0].Parts)+len(ups[1].Parts)+len(ups[2].Parts) != 1 {
		t.Fatalf("refused requests changed the uploads: %+v", ups)
	}

	// Abort removes the upload at OSS; after it, the handle finds nothing.
	if st, _, raw := env.call(t, "DELETE", "/uppy/s3/multipart/"+id+q, "ann", nil); st != 200 {
		t.Fatalf("abort: %d %s", st, raw)
	}
	if st, m, _ := env.call(t, "GET", "/uppy/s3/multipart/"+id+q, "ann", nil); st != 404 || !strings.Contains(m["error"].(string), "NoSuchUpload") {
		t.Fatalf("list after abort: %d %v", st, m)
	}
	for _, u := range env.srv.MultipartUploads() {
		if u.Key == key {
			t.Fatalf("aborted upload still in progress: %+v", u)
		}
	}

	// A day later the handle has expired.
	env.now = env.now.Add(24*time.Hour + time.Minute)
	if st, m, _ := env.call(t, "GET", "/uppy/s3/multipart/"+otherID+"?key="+url.QueryEscape(other), "bob", nil); st != 403 || !strings.Contains(m["error"].(string), "expired") {
		t.Fatalf("expired handle: %d %v", st, m)
	}
}

// Complete refuses an object over the user's MaxSize with 413, and aborts
// the upload so that its parts do not linger at OSS.
func TestCompanionCompleteTooLarge(t *testing.T) {
	env := newCompanionEnv(t, signer.V4)
	key, id := env.create(t, "small")
	e1 := env.putPart(t, "small", key, id, 1, pattern(200<<10, 5))
	e2 := env.putPart(t, "small", key, id, 2, pattern(200<<10, 6))
	st, m, _ := env.call(t, "POST", "/uppy/s3/multipart/"+id+"/complete?key="+url.QueryEscape(key), "small",
		map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}}})
	if st != 413 || m["error"] != "the file is 400.0 KiB, over the 300.0 KiB allowed" {
		t.Fatalf("complete: %d %v", st, m)
	}
	if ups := env.srv.MultipartUploads(); len(ups) != 0 {
		t.Fatalf("refused upload left at OSS: %+v", ups)
	}
	if _, ok := env.srv.Object(key); ok {
		t.Fatal("refused upload stored")
	}
}

// A handler without its required fields answers 500 and sends nothing.
func TestCompanionMisconfigured(t *testing.T) {
	for _, h := range []*signer.CompanionHandler{
		{},
		{Signer: &signer.Signer{}, User: func(*http.Request) (string, error) { return "a", nil },
			Upload: func(*http.Request, string, signer.File) (signer.Upload, error) { return signer.Upload{}, nil }, Secrets: callback.Secrets{{ID: "t1", Key: []byte("short")}}},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/s3/params?filename=a", nil))
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal error") {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	}
}

// ListParts comes in pages of 1000 parts: the handler follows
// NextPartNumberMarker, signed as a query parameter with V4 and appended to
// the signed URL with V1, whose signature covers only OSS's sub-resources
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listparts).
func TestCompanionListPartsPages(t *testing.T) {
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		t.Run(v.String(), func(t *testing.T) {
			env := newCompanionEnv(t, v)
			key, id := env.create(t, "ann")
			const parts = 1001
			st, m, raw := env.call(t, "GET", "/uppy/s3/multipart/"+id+"/batch?key="+url.QueryEscape(key)+"&partNumbers=1,1000,1001", "ann", nil)
			if st != 200 {
				t.Fatalf("batch: %d %s", st, raw)
			}
			urls := m["presignedUrls"].(map[string]any)
			for n := 1; n <= parts; n++ {
				u, _ := urls[strconv.Itoa(n)].(string)
				if u == "" {
					env.putPart(t, "ann", key, id, n, []byte{byte(n)})
					continue
				}
				req, _ := http.NewRequest("PUT", u, bytes.NewReader([]byte{byte(n)}))
				resp, err := env.srv.Client().Do(req)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("UploadPart %d by a batch URL: %v %v", n, err, resp)
				}
				resp.Body.Close()
			}
			st, _, raw = env.call(t, "GET", "/uppy/s3/multipart/"+id+"?key="+url.QueryEscape(key), "ann", nil)
			var listed []struct{ PartNumber int }
			if err := json.Unmarshal(raw, &listed); st != 200 || err != nil || len(listed) != parts || listed[parts-1].PartNumber != parts {
				t.Fatalf("list: %d, %d parts: %.300s", st, len(listed), raw)
			}
		})
	}
}

// When the application's callback fails, OSS stores the object and
// answers 203 CallbackFailed; the handler reports it as 502, naming both.
func TestCompanionCallbackFailed(t *testing.T) {
	env := newCompanionEnv(t, signer.V4)
	env.fault.Store(errors.New("connection refused"))
	key, id := env.create(t, "ann")
	e1 := env.putPart(t, "ann", key, id, 1, pattern(1000, 7))
	st, m, _ := env.call(t, "POST", "/uppy/s3/multipart/"+id+"/complete?key="+url.QueryEscape(key), "ann",
		map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": e1}}})
	if msg, _ := m["error"].(string); st != 502 || !strings.Contains(msg, "the object is stored, but the application's upload callback failed") {
		t.Fatalf("complete: %d %v", st, m)
	}
	if _, ok := env.srv.Object(key); !ok {
		t.Error("object not stored")
	}
}

// BenchmarkCompanionSignPart is the route the plugin calls for every part:
// open the handle, check the user and key, presign UploadPart. Compare with
// BenchmarkCompanionSignPartBaseline, the presigning alone.
func BenchmarkCompanionSignPart(b *testing.B) {
	env := newCompanionEnv(b, signer.V4)
	st, m, _ := env.call(b, "POST", "/uppy/s3/multipart", "ann", map[string]string{"filename": "a.png", "type": "image/png"})
	if st != 200 {
		b.Fatalf("create: %d", st)
	}
	req := httptest.NewRequest("GET", "/uppy/s3/multipart/"+m["uploadId"].(string)+"/7?key="+url.QueryEscape(m["key"].(string)), nil)
	req.Header.Set("X-User", "ann")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		env.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkCompanionSignPartBaseline(b *testing.B) {
	env := newCompanionEnv(b, signer.V4)
	r := signer.Request{Method: "PUT", Key: "users/ann/0123456789abcdef-a.png",
		Query: url.Values{"partNumber": {"7"}, "uploadId": {"0004B9894A22E5B1888A1E29F823"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.h.Signer.Presign(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
