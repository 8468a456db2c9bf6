package ossdirect_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sort"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// Example runs the whole flow in process: the emulator stands in for the
// bucket, a Go multipart POST for the browser.
func Example() {
	// OSS. In production: your bucket, and nothing to start.
	oss := osstest.NewServer(osstest.Config{})
	defer oss.Close()

	// The app's callback endpoint (steps 4–5). It trusts only the key that
	// signs the callbacks: here the emulator's; in production Keys is nil,
	// which trusts only OSS's own key. OSS signs every account's callbacks
	// with that key, so the app also binds its callback URLs with a secret
	// of its own and refuses callbacks to URLs it did not issue.
	secret := []byte("a stable secret of at least 16 bytes")
	verifier := &callback.Verifier{Keys: oss.KeyFetcher(), BindingSecret: secret}
	app := httptest.NewServer(verifier.Handler(
		func(ctx context.Context, ev *callback.Event) (any, error) {
			// ev is verified and parsed; the user comes from the bound URL.
			// Whatever is returned goes to the browser.
			return map[string]any{"object": ev.Object, "size": ev.Size, "uid": ev.Query.Get("uid")}, nil
		}))
	defer app.Close()

	// The app signs a token for user 42 (steps 1–2); signer.Handler serves
	// the same as JSON at GET /oss/token. The callback URL stays bound until
	// a minute after the token expires, so it cannot be replayed for ever.
	const tokenLifetime = time.Minute
	callbackURL, err := callback.BindURLUntil(secret, app.URL+"/oss/callback?uid=42", time.Now().Add(tokenLifetime+time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	ak := oss.AccessKey()
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket:      oss.Bucket(),
		Region:      oss.Region(),
		Endpoint:    oss.URL, // in production: empty, for https://<bucket>.oss-<region>.aliyuncs.com
	}
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "uploads/42/",
		MaxSize:   1 << 20,
		Expires:   tokenLifetime,
		Callback: &callback.Params{
			URL:      callbackURL,
			Body:     callback.JSONBody(callback.VarObject, callback.VarSize),
			BodyType: callback.BodyTypeJSON,
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The browser posts the form straight to OSS (step 3): the token's
	// fields, then key, then the file last.
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	names := make([]string, 0, len(tok.Fields))
	for name := range tok.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		form.WriteField(name, tok.Fields[name])
	}
	form.WriteField("key", tok.Dir+"hello.txt")
	file, _ := form.CreateFormFile("file", "hello.txt")
	io.WriteString(file, "Hello, OSS!\n")
	form.Close()

	res, err := http.Post(tok.Host+"/", form.FormDataContentType(), &body)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)

	// OSS relays the app's answer (step 6).
	fmt.Println(res.StatusCode, string(answer))
	stored, _ := oss.ReadObject("uploads/42/hello.txt")
	fmt.Printf("stored: %q\n", stored)
	// Output:
	// 200 {"object":"uploads/42/hello.txt","size":12,"uid":"42"}
	// stored: "Hello, OSS!\n"
}
