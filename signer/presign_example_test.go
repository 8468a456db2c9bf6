package signer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
)

// A presigned PUT for a browser: the page sends the file with exactly
// p.Header (here the Content-Type it will send anyway, File.type), and OSS
// calls the app back, on a URL bound to this upload, before it answers.
func ExampleSigner_Presign() {
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: "LTAI5tExampleKeyId", AccessKeySecret: "ExampleSecretKey1234567890abcd"},
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     callback.Secrets{{ID: "k1", Key: []byte("an app secret of 16+ bytes")}},
		Now:         func() time.Time { return time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC) },
	}
	p, err := s.Presign(context.Background(), signer.Request{
		Method:      "PUT",
		Key:         "users/42/avatar.png",
		ContentType: "image/png",
		Expires:     5 * time.Minute,
		Callback:    &callback.Params{URL: "https://app.example.com/oss/callback?uid=42", Body: "object=${object}&size=${size}"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Method, p.Expires.Format(time.RFC3339))
	fmt.Println(p.Header)
	// The URL carries the bound callback and the V4 query signature.
	for _, param := range strings.Split(p.URL[strings.IndexByte(p.URL, '?')+1:], "&") {
		name, _, _ := strings.Cut(param, "=")
		fmt.Println(name)
	}
	// Output:
	// PUT 2024-12-03T12:17:12Z
	// map[content-type:image/png]
	// callback
	// x-oss-credential
	// x-oss-date
	// x-oss-expires
	// x-oss-signature
	// x-oss-signature-version
}

// A multipart upload endpoint: each user uploads large files under a
// prefix of their own. The browser asks "plan" with its file's name, size
// and type, then calls OSS with the presigned requests it gets from
// "parts", "complete" (which carries the callback), "abort" and "list".
func ExampleMultipartHandler() {
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: "LTAI5tExampleKeyId", AccessKeySecret: "ExampleSecretKey1234567890abcd"},
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     callback.Secrets{{ID: "k1", Key: []byte("an app secret of 16+ bytes")}},
	}
	h := &signer.MultipartHandler{
		Signer:  s,
		Secrets: callback.Secrets{{ID: "k1", Key: []byte("another secret of 16+ bytes")}},
		User: func(r *http.Request) (string, error) {
			if u := r.Header.Get("X-User"); u != "" { // the app's session check
				return u, nil
			}
			return "", signer.ErrUnauthorized
		},
		Plan: func(r *http.Request, user string, f signer.File) (signer.Multipart, error) {
			if f.Size > 20<<30 {
				return signer.Multipart{}, fmt.Errorf("%w: over the 20 GiB quota", signer.ErrForbidden)
			}
			return signer.Multipart{
				Key:         "users/" + user + "/upload-1", // server-chosen key
				Size:        f.Size,
				PartSize:    16 << 20,
				ContentType: "video/mp4",
				Callback:    &callback.Params{URL: "https://app.example.com/oss/callback?uid=" + user, Body: "object=${object}&size=${size}"},
			}, nil
		},
	}
	mux := http.NewServeMux()
	mux.Handle("/oss/multipart/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/oss/multipart/plan", strings.NewReader(`{"name":"holiday.mp4","size":1073741824,"type":"video/mp4"}`))
	req.Header.Set("X-User", "42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var plan struct {
		Key       string            `json:"key"`
		PartCount int               `json:"part_count"`
		Initiate  *signer.Presigned `json:"initiate"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&plan); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, plan.Key, plan.PartCount, "parts")
	fmt.Println(plan.Initiate.Method, plan.Initiate.Header)
	// Output:
	// 200 users/42/upload-1 64 parts
	// POST map[content-type:video/mp4]
}

// The callback handler of a multipart upload checks the size OSS stored
// against the plan.
func ExampleCheckSize() {
	// ev comes from a callback.Verifier with the Signer's CallbackSecret.
	ev := &callback.Event{Object: "users/42/upload-1", Size: 1 << 20, Query: map[string][]string{signer.SizeParam: {"1073741824"}}}
	err := signer.CheckSize(ev)
	fmt.Println(errors.Is(err, signer.ErrSizeMismatch))
	// Output: true
}
