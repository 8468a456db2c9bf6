package osstest_test

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

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// The whole flow against the emulator: the app signs an upload token with
// a callback, the "browser" posts the form, the emulator stores the file
// and calls the app back, the app verifies the callback with the
// emulator's KeyFetcher and its answer reaches the uploader.
func Example() {
	srv, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// The app's callback endpoint trusts only the emulator's key, and only
	// callback URLs the app's Signer bound with the same secret.
	secret := []byte("load-me-from-a-secret-store-0123")
	app := httptest.NewServer((&callback.Verifier{Keys: srv.KeyFetcher(), BindingSecret: secret}).Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		return map[string]any{"stored": ev.Object, "size": ev.Size}, nil
	}))
	defer app.Close()

	ak := srv.AccessKey()
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket:      srv.Bucket(),
		Region:      srv.Region(),
		Endpoint:    srv.URL,
		// Binds the callback URL, which the Verifier checks.
		CallbackSecret: secret,
	}
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "user/42/",
		MaxSize:   1 << 20,
		Callback:  &callback.Params{URL: app.URL + "/oss/callback", Body: callback.FormBody("object", "size")},
	})
	if err != nil {
		panic(err)
	}

	// What the browser does: every token field, then key, then the file.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	names := make([]string, 0, len(tok.Fields))
	for name := range tok.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w.WriteField(name, tok.Fields[name])
	}
	w.WriteField("key", tok.Dir+"${filename}")
	fw, _ := w.CreateFormFile("file", "hello.txt")
	io.WriteString(fw, "hello, oss")
	w.Close()

	resp, err := http.Post(tok.Host, w.FormDataContentType(), &body)
	if err != nil {
		panic(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(answer))

	obj, _ := srv.Object("user/42/hello.txt")
	fmt.Println(obj.Key, obj.Size, obj.ETag)
	fmt.Println(len(srv.Callbacks()), "callback, error:", srv.Callbacks()[0].Err)
	// Output:
	// 200 {"size":10,"stored":"user/42/hello.txt"}
	// user/42/hello.txt 10 "B353A6AC7A6EE89236F6D56F81694BBB"
	// 1 callback, error: <nil>
}

// An Emulator is an http.Handler and can be mounted in a server of your
// own; OSS's XML errors come back like from the real service.
func ExampleNew() {
	emu, err := osstest.New(osstest.Config{Bucket: "photos"})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	defer ts.Close()

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("key", "cat.jpg")
	fw, _ := w.CreateFormFile("file", "cat.jpg")
	fw.Write([]byte("not really a cat"))
	w.Close()

	// No policy or signature: refused, because the bucket is private.
	resp, err := http.Post(ts.URL, w.FormDataContentType(), &body)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	e, _ := osstest.ParseError(resp.StatusCode, b)
	fmt.Println(e.StatusCode, e.Code, e.Message)
	// Output:
	// 403 AccessDenied You have no right to access this object because of bucket acl.
}
