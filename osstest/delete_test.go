package osstest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// putObject stores content as key on srv with a V4 header signature.
func putObject(t *testing.T, srv *osstest.Server, key string, content []byte) {
	t.Helper()
	req := objReq(t, srv, http.MethodPut, key, "", content, nil, "")
	auth{kind: "v4", key: testKey}.sign(req, srv.Bucket(), key)
	if r := do(t, nil, req); r.status != 200 {
		t.Fatalf("PUT %s: %d %s", key, r.status, r.body)
	}
}

// TestDeleteObject: DELETE /<key>, signed in the header or the query, V1
// or V4, answers 204 No Content with an empty body and removes the object
// (also its files and metadata in a directory store, so a new Emulator on
// the directory does not bring it back); deleting it again, or a key never
// stored, is 204 too, as OSS documents
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject).
// Other objects stay, and a reader opened before the delete still reads
// the content.
func TestDeleteObject(t *testing.T) {
	for _, dir := range []string{"", "dir"} {
		for _, kind := range []string{"v1", "v4", "v1query", "v4query"} {
			t.Run(fmt.Sprintf("dir=%v/%s", dir != "", kind), func(t *testing.T) {
				if dir != "" {
					dir = t.TempDir()
				}
				srv := newServer(t, osstest.Config{Dir: dir})
				a := auth{kind: kind, key: testKey}
				key := "user/eric/a file.txt"
				putObject(t, srv, key, []byte("doomed"))
				putObject(t, srv, "user/eric/keep.txt", []byte("kept"))
				open, err := osstest.Open(srv.Emulator, key)
				if err != nil {
					t.Fatal(err)
				}
				defer open.Close()

				for i, k := range []string{key, key, "user/eric/never-stored"} {
					req := objReq(t, srv, http.MethodDelete, k, "", nil, nil, "")
					a.sign(req, srv.Bucket(), k)
					r := do(t, nil, req)
					if r.status != http.StatusNoContent || len(r.body) != 0 || r.header.Get("X-Oss-Request-Id") == "" {
						t.Errorf("DELETE #%d %s: %d %v %q, want 204 with an empty body", i+1, k, r.status, r.header, r.body)
					}
				}
				if _, ok := srv.Object(key); ok {
					t.Errorf("%s still stored", key)
				}
				getReq := objReq(t, srv, http.MethodGet, key, "", nil, nil, "")
				auth{kind: "v4", key: testKey}.sign(getReq, srv.Bucket(), key)
				if r := do(t, nil, getReq); r.status != 404 || r.ossError(t).Code != "NoSuchKey" {
					t.Errorf("GET after DELETE: %d %s", r.status, r.body)
				}
				if b, err := readObject(srv, "user/eric/keep.txt"); err != nil || string(b) != "kept" {
					t.Errorf("other object: %q %v", b, err)
				}
				if b, err := io.ReadAll(open); err != nil || string(b) != "doomed" {
					t.Errorf("reader opened before DELETE read %q %v", b, err)
				}
				if dir == "" {
					return
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != 2 {
					t.Errorf("files left in the directory: %v, want keep.txt's content and metadata", entries)
				}
				again, err := osstest.NewServer(osstest.Config{Dir: dir})
				if err != nil {
					t.Fatal(err)
				}
				defer again.Close()
				var keys []string
				for _, o := range again.Objects() {
					keys = append(keys, o.Key)
				}
				if len(keys) != 1 || keys[0] != "user/eric/keep.txt" {
					t.Errorf("a new emulator on the directory serves %v", keys)
				}
			})
		}
	}
}

// TestDeleteObjectAnonymous: an unsigned DELETE removes the object only
// from a public-read-write bucket; a private bucket refuses it with
// AccessDenied and keeps the object.
func TestDeleteObjectAnonymous(t *testing.T) {
	for _, public := range []bool{false, true} {
		t.Run(fmt.Sprintf("public-read-write=%v", public), func(t *testing.T) {
			srv := newServer(t, osstest.Config{ACL: map[bool]string{true: "public-read-write"}[public]})
			putObject(t, srv, "k", []byte("x"))
			r := do(t, nil, objReq(t, srv, http.MethodDelete, "k", "", nil, nil, ""))
			_, stored := srv.Object("k")
			if public {
				if r.status != 204 || stored {
					t.Errorf("anonymous DELETE on a public-read-write bucket: %d, stored %v", r.status, stored)
				}
				return
			}
			if e := r.ossError(t); r.status != 403 || e.Code != "AccessDenied" || !stored {
				t.Errorf("anonymous DELETE on a private bucket: %d %s, stored %v", r.status, e.Code, stored)
			}
		})
	}
}

// TestDeleteObjectCORS: a page on an allowed origin may preflight DELETE
// and read the answer; a rule set without DELETE refuses the preflight.
func TestDeleteObjectCORS(t *testing.T) {
	rule := osstest.CORSRule{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"PUT", "DELETE"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"x-oss-request-id"},
	}
	srv := newServer(t, osstest.Config{CORS: []osstest.CORSRule{rule}})
	origin := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"}
	pre := get(t, http.MethodOptions, srv.URL+"/examplebucket/k", "", origin)
	if pre.status != 200 || pre.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "DELETE") {
		t.Errorf("preflight %d %v", pre.status, pre.header)
	}
	putObject(t, srv, "k", []byte("x"))
	req := objReq(t, srv, http.MethodDelete, "k", "", nil, map[string]string{"Origin": "https://app.example.com"}, "")
	auth{kind: "v4query", key: testKey}.sign(req, srv.Bucket(), "k")
	r := do(t, nil, req)
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.header.Get("Access-Control-Expose-Headers") != "x-oss-request-id" {
		t.Errorf("DELETE %d %v", r.status, r.header)
	}
	if _, ok := srv.Object("k"); ok {
		t.Error("object still stored")
	}

	rule.AllowedMethods = []string{"PUT"}
	putOnly := newServer(t, osstest.Config{CORS: []osstest.CORSRule{rule}})
	if pre := get(t, http.MethodOptions, putOnly.URL+"/examplebucket/k", "", origin); pre.status != 403 || pre.ossError(t).Code != "AccessForbidden" {
		t.Errorf("preflight of DELETE without a rule for it: %d", pre.status)
	}
}

// TestPresignedDelete: a DELETE presigned by package signer (V4 and V1,
// with its own signing code) removes the object; a URL presigned two
// minutes ago for one minute is refused as expired and removes nothing.
func TestPresignedDelete(t *testing.T) {
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		t.Run(v.String(), func(t *testing.T) {
			srv := newServer(t, osstest.Config{})
			presign := func(key string, at time.Time) *http.Request {
				s := &signer.Signer{
					Credentials: signer.StaticCredentials(signer.Credentials{AccessKeyID: testKey.ID, AccessKeySecret: testKey.Secret}),
					Bucket:      srv.Bucket(),
					Region:      "cn-hangzhou",
					Endpoint:    srv.URL,
					Version:     v,
					Now:         clock(at),
				}
				p, err := s.Presign(context.Background(), signer.Request{Method: "DELETE", Key: key, Expires: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				if p.Method != http.MethodDelete {
					t.Fatalf("presigned method %s", p.Method)
				}
				req, err := http.NewRequest(p.Method, p.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				return req
			}
			for _, key := range []string{"user/eric/gone.txt", "user/eric/late.txt"} {
				putObject(t, srv, key, []byte("x"))
			}
			if r := do(t, nil, presign("user/eric/gone.txt", t0)); r.status != 204 {
				t.Errorf("presigned DELETE: %d %s", r.status, r.body)
			}
			if _, ok := srv.Object("user/eric/gone.txt"); ok {
				t.Error("object still stored after a presigned DELETE")
			}
			r := do(t, nil, presign("user/eric/late.txt", t0.Add(-2*time.Minute)))
			if r.status != 403 || r.ossError(t).Message != "Request has expired." {
				t.Errorf("expired presigned DELETE: %d %s", r.status, r.body)
			}
			if _, ok := srv.Object("user/eric/late.txt"); !ok {
				t.Error("an expired presigned DELETE removed the object")
			}
		})
	}
}
