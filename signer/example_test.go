package signer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
)

// Signing the worked upload of docs/PROTOCOL.md with a fixed clock gives
// exactly its V4 policy and signature. In production, leave Now nil and take
// credentials from signer.EnvCredentials() or an STS-backed provider.
func ExampleSigner_Sign() {
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{
			AccessKeyID:     "LTAI5tExampleKeyId",
			AccessKeySecret: "ExampleSecretKey1234567890abcd",
		},
		Bucket: "examplebucket",
		Region: "oss-cn-hangzhou",
		Now:    func() time.Time { return time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC) },
	}
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "user/eric/",
		MinSize:   1,
		MaxSize:   10 << 20,
		Expires:   47*time.Minute + 48*time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(tok)
	// Output:
	// {
	//   "host": "https://examplebucket.oss-cn-hangzhou.aliyuncs.com",
	//   "dir": "user/eric/",
	//   "expire": 1733230800,
	//   "fields": {
	//     "policy": "eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0RXhhbXBsZUtleUlkLzIwMjQxMjAzL2NuLWhhbmd6aG91L29zcy9hbGl5dW5fdjRfcmVxdWVzdCJ9LHsieC1vc3MtZGF0ZSI6IjIwMjQxMjAzVDEyMTIxMloifSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVzZXIvZXJpYy8iXV19",
	//     "x-oss-credential": "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request",
	//     "x-oss-date": "20241203T121212Z",
	//     "x-oss-signature": "5bbaa7dccf181651f144b461cad5ff1390af4b75211afc7288bd7cdc98fc568e",
	//     "x-oss-signature-version": "OSS4-HMAC-SHA256"
	//   }
	// }
}

// A token endpoint: each signed-in user may write only under their own
// prefix, and the callback reports their id as a pinned x:uid the uploader
// cannot change.
func ExampleHandler() {
	h := &signer.Handler{
		Signer: &signer.Signer{
			Credentials: signer.StaticCredentials{AccessKeyID: "LTAI5tExampleKeyId", AccessKeySecret: "ExampleSecretKey1234567890abcd"},
			Bucket:      "examplebucket",
			Region:      "cn-hangzhou",
			// Binds each callback URL; the callback handler's
			// callback.Verifier gets the same BindingSecret.
			CallbackSecret: []byte("load-me-from-a-secret-store-0123"),
		},
		Upload: func(r *http.Request) (signer.Upload, error) {
			uid := r.Header.Get("X-User") // stands in for the app's session lookup
			if uid == "" {
				return signer.Upload{}, fmt.Errorf("%w: please sign in", signer.ErrUnauthorized)
			}
			return signer.Upload{
				KeyPrefix:           "uploads/" + uid + "/",
				MaxSize:             10 << 20,
				ContentTypes:        []string{"image/png", "image/jpeg"},
				SuccessActionStatus: 200,
				Callback: &callback.Params{
					URL:  "https://app.example.com/oss/callback",
					Body: callback.FormBody(callback.VarObject, callback.VarSize, callback.VarMimeType, "x:uid"),
				},
				CallbackVars: map[string]string{"x:uid": uid},
			}, nil
		},
		AllowOrigins: []string{"https://app.example.com"},
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, user := range []string{"", "42"} {
		req, _ := http.NewRequest("GET", srv.URL+"/oss/token", nil)
		req.Header.Set("X-User", user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Printf("%d %s", resp.StatusCode, body)
			continue
		}
		var tok signer.Token
		json.Unmarshal(body, &tok)
		fmt.Println(resp.StatusCode, resp.Header.Get("Cache-Control"))
		fmt.Println("dir:", tok.Dir)
		fmt.Println("x:uid:", tok.Fields["x:uid"], "status:", tok.Fields["success_action_status"])
		fmt.Println("content types:", tok.ContentTypes)
		cb, _ := callback.DecodeParams(tok.Fields["callback"])
		fmt.Println("callback bound:", strings.Contains(cb.URL, "&"+callback.BindingParam+"="))
	}
	// Output:
	// 401 {"error":"signer: unauthorized: please sign in"}
	// 200 no-store
	// dir: uploads/42/
	// x:uid: 42 status: 200
	// content types: [image/png image/jpeg]
	// callback bound: true
}
