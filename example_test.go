package ossdirect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// Example runs the whole flow in process: the emulator stands in for the
// bucket, osstest.Server.PostObject for the browser.
func Example() {
	// OSS. In production: your bucket, and nothing to start.
	oss, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer oss.Close()

	// One secret binds callback URLs to this app: the Signer binds every
	// URL it signs, the Verifier refuses callbacks to URLs it did not.
	secret := []byte("a stable secret of at least 16 bytes")

	// The app's callback endpoint (steps 4–5). It trusts only the key that
	// signs the callbacks: here the emulator's; in production Keys is nil,
	// which trusts only OSS's own key.
	verifier := &callback.Verifier{BindingSecret: secret, Keys: oss.KeyFetcher()}
	if err := verifier.Validate(); err != nil {
		log.Fatal(err)
	}
	app := httptest.NewServer(verifier.Handler(
		func(ctx context.Context, ev *callback.Event) (any, error) {
			// ev is verified and parsed; the user comes from the bound URL.
			// Whatever is returned goes to the browser.
			return map[string]any{"object": ev.Object, "size": ev.Size, "uid": ev.Query.Get("uid")}, nil
		}))
	defer app.Close()

	// The app signs a token for user 42 (steps 1–2); signer.Handler serves
	// the same as JSON at GET /oss/token. The Signer binds the callback
	// URL until a few minutes after the token expires.
	s := oss.Signer() // in production: a signer.Signer with your bucket, region and credentials
	s.CallbackSecret = secret
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "uploads/42/",
		MaxSize:   1 << 20,
		Expires:   time.Minute,
		Callback: &callback.Params{
			URL:      app.URL + "/oss/callback?uid=42",
			Body:     callback.JSONBody(callback.VarObject, callback.VarSize),
			BodyType: callback.BodyTypeJSON,
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The browser posts the form straight to OSS (step 3): the token's
	// fields, then key, then the file last.
	postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{
		Token: tok, FileName: "hello.txt", Body: strings.NewReader("Hello, OSS!\n"),
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := oss.Client().Do(postReq)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)

	// OSS relays the app's answer (step 6).
	fmt.Println(res.StatusCode, string(answer))
	stored, _ := oss.Object("uploads/42/hello.txt")
	fmt.Printf("stored: %q\n", stored.Content)
	// Output:
	// 200 {"object":"uploads/42/hello.txt","size":12,"uid":"42"}
	// stored: "Hello, OSS!\n"
}

// currentUser stands for the application's session lookup.
func currentUser(r *http.Request) string { return "42" }

// saveUpload stands for the application's bookkeeping.
func saveUpload(uid, object string, size int64) {}

// Example_tokenEndpoint is the README's "Sign a policy" snippet.
func Example_tokenEndpoint() {
	secret := []byte(os.Getenv("CALLBACK_SECRET")) // ≥ 16 bytes, the same on every instance
	s := &signer.Signer{
		Credentials:    signer.EnvCredentials(), // OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN
		Bucket:         "examplebucket",
		Region:         "cn-hangzhou",
		CallbackSecret: secret, // binds every callback URL until the token expires + CallbackMargin
	}
	if err := s.Validate(); err != nil {
		log.Fatal(err) // e.g. "CallbackSecret is 0 bytes, want at least 16"
	}
	http.Handle("GET /oss/token", &signer.Handler{
		Signer: s,
		Upload: func(r *http.Request) (signer.Upload, error) {
			uid := currentUser(r) // your session
			return signer.Upload{
				KeyPrefix: "uploads/" + uid + "/",
				MaxSize:   10 << 20,
				Expires:   5 * time.Minute, // the token's lifetime, stated once
				Callback: &callback.Params{
					URL:      "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
					Body:     callback.JSONBody(callback.VarObject, callback.VarSize),
					BodyType: callback.BodyTypeJSON,
				},
			}, nil
		},
	})
}

// Example_callbackHandler is the README's "Verify the callback" snippet.
func Example_callbackHandler() {
	secret := []byte(os.Getenv("CALLBACK_SECRET"))
	v := &callback.Verifier{BindingSecret: secret} // Keys nil: only OSS's own key (embedded, allowlisted)
	if err := v.Validate(); err != nil {
		log.Fatal(err) // a short or missing secret is found here, not at the first upload
	}
	http.Handle("POST /oss/callback", v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		// ev is verified: OSS's RSA signature, and the URL bound by this app.
		uid := ev.Query.Get("uid")
		if !strings.HasPrefix(ev.Object, "uploads/"+uid+"/") {
			return nil, &callback.HTTPError{Status: http.StatusForbidden, Message: "not your upload"}
		}
		saveUpload(uid, ev.Object, ev.Size)
		return map[string]any{"status": "OK", "object": ev.Object}, nil // relayed to the browser
	}))
}

// Example_middleware is the README's snippet for an application's own
// middleware or framework.
func Example_middleware() {
	v := &callback.Verifier{BindingSecret: []byte(os.Getenv("CALLBACK_SECRET"))}
	handler := func(w http.ResponseWriter, r *http.Request) {
		ev, err := v.VerifyEvent(r) // signature, binding and body; refusals are logged with their cause
		if err != nil {
			// 400 malformed, 403 bad signature or unbound URL, 500 misconfigured Verifier, ...
			http.Error(w, "callback refused", callback.HTTPStatus(err))
			return
		}
		saveUpload(ev.Query.Get("uid"), ev.Object, ev.Size)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "15")
		io.WriteString(w, `{"status":"OK"}`) // OSS needs 200, JSON and a Content-Length
	}
	http.HandleFunc("POST /oss/callback", handler)
}

// Example_behindProxy is the README's reverse-proxy snippet: nginx serves
// the app under /api/ and strips that prefix.
func Example_behindProxy() {
	v := &callback.Verifier{
		BindingSecret:  []byte(os.Getenv("CALLBACK_SECRET")),
		StrippedPrefix: "/api", // OSS signed /api/oss/callback; the app sees /oss/callback
	}
	http.Handle("POST /oss/callback", v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return nil, nil
	}))
}

// Example_presignedPut is the README's presigned PUT snippet: the browser
// sends the file with one PUT, OSS calls the app back before it answers.
func Example_presignedPut() {
	s := &signer.Signer{
		Credentials:    signer.EnvCredentials(),
		Bucket:         "examplebucket",
		Region:         "cn-hangzhou",
		CallbackSecret: []byte(os.Getenv("CALLBACK_SECRET")),
	}
	http.HandleFunc("GET /oss/put-url", func(w http.ResponseWriter, r *http.Request) {
		uid := currentUser(r)
		p, err := s.Presign(r.Context(), signer.Request{
			Method:      http.MethodPut,
			Key:         "uploads/" + uid + "/avatar.png",
			ContentType: "image/png", // the browser must send exactly p.Header
			Expires:     5 * time.Minute,
			Callback: &callback.Params{ // signed into the URL's query: no extra CORS headers
				URL:  "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
				Body: callback.FormBody(callback.VarObject, callback.VarSize),
			},
		})
		if err != nil {
			http.Error(w, "cannot sign", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(p) // {"method", "url", "expires", "header"}
	})
}

// Example_multipartEndpoint is the README's multipart snippet: large files
// go in parts, straight from the browser, with no credentials in it.
func Example_multipartEndpoint() {
	s := &signer.Signer{
		Credentials:    signer.EnvCredentials(),
		Bucket:         "examplebucket",
		Region:         "cn-hangzhou",
		CallbackSecret: []byte(os.Getenv("CALLBACK_SECRET")),
	}
	http.Handle("/oss/multipart/", &signer.MultipartHandler{ // plan, parts, complete, abort, list
		Signer:       s,
		TicketSecret: []byte(os.Getenv("TICKET_SECRET")),
		User: func(r *http.Request) (string, error) {
			return currentUser(r), nil
		},
		Plan: func(r *http.Request, uid string, f signer.File) (signer.Multipart, error) {
			if f.Size > 5<<30 {
				return signer.Multipart{}, fmt.Errorf("%w: larger than 5 GiB", signer.ErrForbidden)
			}
			return signer.Multipart{
				Key:      "uploads/" + uid + "/" + path.Base(f.Name),
				Size:     f.Size,
				PartSize: 8 << 20,
				Callback: &callback.Params{ // on CompleteMultipartUpload, bound with the planned size
					URL:  "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
					Body: callback.FormBody(callback.VarObject, callback.VarSize),
				},
			}, nil
		},
	})
	// In the callback handler: signer.CheckSize(ev) refuses an object whose
	// size differs from the plan (a browser can leave parts out).
}
