package ossdirect_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// Example runs the whole flow in process: the emulator stands in for the
// bucket, osstest.NewPostRequest for the browser.
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
	verifier := &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: secret}}, Keys: oss.KeyFetcher()}
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
	s.Secrets = callback.Secrets{{ID: "k1", Key: secret}}
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "uploads/42/",
		MaxSize:   1 << 20,
		Expires:   time.Minute,
		Callback: &callback.Params{
			URL:      app.URL + "/oss/callback?uid=42",
			Body:     callback.JSONBody("object", "size"),
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

// secretKey stands for the application's secret store: the key of the
// binding secret with the given ID, the same on every instance.
func secretKey(id string) []byte { return []byte("key of " + id + " from the secret store") }

// loadSecrets stands for the application's configuration: its keyring.
func loadSecrets() callback.Secrets {
	return callback.Secrets{{ID: "2026-12", Key: secretKey("2026-12")}}
}

// ossCallback is OSS's real callback (unbound: it predates binding), as the
// app's mux sees it at /oss/callback.
func ossCallback() *http.Request {
	r := testkeys.RealCallback().Request()
	r.URL.Path = "/oss/callback" // what a router matches; the Verifier reads r.RequestURI
	return r
}

// saveUpload stands for the application's bookkeeping.
func saveUpload(uid, object string, size int64) {}

// Example_tokenEndpoint is the README's "Sign a policy" snippet: a browser
// asks it for a token and uploads with it, and OSS calls the app back.
func Example_tokenEndpoint() {
	d := deploy() // the environment's credentials, the bucket, the app's callback endpoint
	defer d.close()
	mux := d.mux // the app's routes

	s := &signer.Signer{
		Credentials: signer.EnvCredentials(), // OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     loadSecrets(), // bind every callback URL until the token expires + CallbackMargin
	}
	if err := s.Validate(); err != nil {
		log.Fatal(err) // a missing field, a short secret, or no credentials in the environment
	}
	mux.Handle("GET /oss/token", &signer.Handler{
		Signer: s,
		Upload: func(r *http.Request) (signer.Upload, error) {
			uid := currentUser(r) // your session
			return signer.Upload{
				KeyPrefix: "uploads/" + uid + "/",
				MaxSize:   10 << 20,
				Expires:   5 * time.Minute, // the token's lifetime, stated once
				Callback: &callback.Params{
					URL:      "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
					Body:     callback.JSONBody("object", "size"),
					BodyType: callback.BodyTypeJSON,
				},
			}, nil
		},
	})

	// The page fetches a token, then posts the form straight to OSS.
	var tok signer.Token
	d.getJSON("https://app.example.com/oss/token", &tok)
	fmt.Println("token for", tok.Host, tok.Dir)
	fmt.Println(d.postForm(&tok, "", "hello.txt", "Hello, OSS!\n"))
	// Output:
	// token for https://examplebucket.oss-cn-hangzhou.aliyuncs.com uploads/42/
	// 200 {"object":"uploads/42/hello.txt","size":12,"uid":"42"}
}

// Example_callbackHandler is the README's "Verify the callback" snippet. OSS's
// real callback verifies but was not sent to a URL this app bound: refused.
func Example_callbackHandler() {
	mux := http.NewServeMux()
	v := &callback.Verifier{Secrets: loadSecrets()} // Keys nil: only OSS's own key (embedded, allowlisted)
	if err := v.Validate(); err != nil {
		log.Fatal(err) // a short or missing secret is found here, not at the first upload
	}
	mux.Handle("POST /oss/callback", v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		// ev is verified: OSS's RSA signature, and the URL bound by this app.
		uid := ev.Query.Get("uid")
		if !strings.HasPrefix(ev.Object, "uploads/"+uid+"/") {
			return nil, &callback.HTTPError{Status: http.StatusForbidden, Message: "not your upload"}
		}
		saveUpload(uid, ev.Object, ev.Size)
		return map[string]any{"status": "OK", "object": ev.Object}, nil // relayed to the browser
	}))

	v.Logger = slog.New(slog.DiscardHandler)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, ossCallback())
	fmt.Println(w.Code, w.Body)
	// Output:
	// 403 {"error":"callback: callback URL not bound by this app"}
}

// Example_middleware is the README's snippet for an application's own
// middleware or framework.
func Example_middleware() {
	v := &callback.Verifier{Secrets: loadSecrets()}
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

	v.Logger = slog.New(slog.DiscardHandler)
	w := httptest.NewRecorder()
	handler(w, ossCallback())
	fmt.Print(w.Code, " ", w.Body)
	// Output:
	// 403 callback refused
}

// Example_rotation is the README's "Rotating the secret" snippet: step 2 of
// a rotation, where a callback bound by an instance still at step 1 is
// accepted, and the same callback is refused once the old secret is dropped.
func Example_rotation() {
	s := &signer.Signer{Credentials: signer.EnvCredentials(), Bucket: "examplebucket", Region: "cn-hangzhou"}
	h := &signer.MultipartHandler{Signer: s}
	v := &callback.Verifier{Logger: slog.New(slog.DiscardHandler)}

	// Step 2 of 3: every instance accepts both; "2027-01" now signs.
	secrets := callback.Secrets{
		{ID: "2027-01", Key: secretKey("2027-01")}, // first: signs new tokens and tickets
		{ID: "2026-12", Key: secretKey("2026-12")}, // still accepted
	}
	s.Secrets = secrets // signer.Signer: binds callback URLs
	h.Secrets = secrets // signer.MultipartHandler: seals tickets
	v.Secrets = secrets // callback.Verifier: checks bindings

	// A callback URL an instance still at step 1 bound, and OSS's
	// callback to it (signed here with a test key the Verifier trusts).
	old := callback.Secrets{{ID: "2026-12", Key: secretKey("2026-12")}}
	bound, _ := callback.BindURL(old, "https://app.example.com/oss/callback?uid=42", time.Now().Add(time.Hour))
	target := strings.TrimPrefix(bound, "https://app.example.com")
	v.Keys = testKeys
	_, err := v.VerifyEvent(signedCallback(target, "object=uploads%2F42%2Fa.png"))
	fmt.Println("step 2:", err)

	// Step 3, once the longest token bound with "2026-12" has expired.
	v.Secrets = secrets[:1]
	_, err = v.VerifyEvent(signedCallback(target, "object=uploads%2F42%2Fa.png"))
	fmt.Println("step 3:", err)
	// Output:
	// step 2: <nil>
	// step 3: callback: callback URL not bound by this app: bound with secret "2026-12", which is no longer accepted
}

// The test key that signs callbacks in Example_rotation, published at a
// URL the Verifier is told to trust.
const testKeyURL = "https://gosspublic.alicdn.com/example_test_key.pem"

var testKeys = verify.StaticKeys{testKeyURL: &testkeys.Private(512).PublicKey}

// signedCallback is a callback to target signed as OSS signs it, with the
// test key.
func signedCallback(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	path, query, _ := strings.Cut(target, "?")
	sig := testkeys.SignMD5(testkeys.Private(512), []byte(path+"?"+query+"\n"+body))
	r.Header.Set("Authorization", base64.StdEncoding.EncodeToString(sig))
	r.Header.Set("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(testKeyURL)))
	r.Header.Set("Content-Type", callback.BodyTypeForm)
	return r
}

// Example_capture is the README's diagnose snippet: refused callbacks are
// saved, raw, for "ossdirect diagnose".
func Example_capture() {
	captureDir, err := os.MkdirTemp("", "refused")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(captureDir)

	v := &callback.Verifier{
		Secrets: loadSecrets(),
		Capture: &callback.Capture{Dir: captureDir}, // an existing directory; at most 100 files and 16 MiB
	}
	fmt.Println(v.Validate())

	v.Capture = &callback.Capture{Dir: filepath.Join(captureDir, "missing")}
	fmt.Println(v.Validate() != nil)
	// Output:
	// <nil>
	// true
}

// Example_behindProxy is the README's reverse-proxy snippet: nginx serves
// the app under /api/ and strips that prefix.
func Example_behindProxy() {
	d := deploy()
	defer d.close()
	mux := http.NewServeMux() // the app's routes, behind the proxy
	app := httptest.NewServer(mux)
	defer app.Close()
	appURL, _ := url.Parse(app.URL)
	nginx := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(appURL) // location /api/ { proxy_pass http://app/; }
		r.Out.URL.Path, r.Out.URL.RawPath = strings.TrimPrefix(r.In.URL.Path, "/api"), ""
	}})
	defer nginx.Close()
	d.dns.hosts["app.example.com"] = nginx.URL

	v := &callback.Verifier{
		Secrets:        loadSecrets(),
		StrippedPrefix: "/api", // OSS signed /api/oss/callback; the app sees /oss/callback
	}
	mux.Handle("POST /oss/callback", v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return nil, nil
	}))

	v.Keys = d.oss.KeyFetcher() // the emulator's key instead of OSS's
	v.Logger = slog.New(slog.DiscardHandler)
	s := d.oss.Signer()
	s.Secrets = loadSecrets()
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "uploads/42/", MaxSize: 1 << 20,
		Callback: &callback.Params{URL: "https://app.example.com/api/oss/callback?uid=42", Body: callback.FormBody("object")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.postForm(tok, "", "a.txt", "through the proxy"))
	cb := d.oss.Callbacks()
	fmt.Println(len(cb), strings.Split(cb[0].URL, "?")[0])
	// Output:
	// 200 {"Status":"OK"}
	// 1 https://app.example.com/api/oss/callback
}

// Example_presignedPut is the README's presigned PUT snippet: the browser
// sends the file with one PUT, OSS calls the app back before it answers.
func Example_presignedPut() {
	d := deploy()
	defer d.close()
	mux := d.mux

	s := &signer.Signer{
		Credentials: signer.EnvCredentials(),
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     loadSecrets(),
	}
	mux.HandleFunc("GET /oss/put-url", func(w http.ResponseWriter, r *http.Request) {
		uid := currentUser(r)
		p, err := s.Presign(r.Context(), signer.Request{
			Method:      http.MethodPut,
			Key:         "uploads/" + uid + "/avatar.png",
			ContentType: "image/png", // the browser must send exactly p.Header
			Expires:     5 * time.Minute,
			Callback: &callback.Params{ // signed into the URL's query: no extra CORS headers
				URL:  "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
				Body: callback.FormBody("object", "size"),
			},
		})
		if err != nil {
			http.Error(w, "cannot sign", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(p) // {"method", "url", "expires", "header"}
	})

	// The page asks for the URL, then sends the file with exactly p.Header.
	var p signer.Presigned
	d.getJSON("https://app.example.com/oss/put-url", &p)
	fmt.Println(p.Method, strings.Split(p.URL, "?")[0], p.Header)
	fmt.Println(d.do(p.Method, p.URL, p.Header, "\x89PNG not really"))
	stored, _ := d.oss.Object("uploads/42/avatar.png")
	fmt.Println(stored.ContentType, stored.Size)
	// Output:
	// PUT https://examplebucket.oss-cn-hangzhou.aliyuncs.com/uploads/42/avatar.png map[content-type:image/png]
	// 200 {"object":"uploads/42/avatar.png","size":15,"uid":"42"}
	// image/png 15
}

// Example_multipartEndpoint is the README's multipart snippet: large files
// go in parts, straight from the browser, with no credentials in it.
func Example_multipartEndpoint() {
	d := deploy()
	defer d.close()
	mux := d.mux

	s := &signer.Signer{
		Credentials: signer.EnvCredentials(),
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     loadSecrets(),
	}
	mux.Handle("/oss/multipart/", &signer.MultipartHandler{ // plan, parts, complete, abort, list
		Signer:  s,
		Secrets: s.Secrets, // seal the tickets: the same keyring
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
					Body: callback.FormBody("object", "size"),
				},
			}, nil
		},
	})
	// In the callback handler: signer.CheckSize(ev) refuses an object whose
	// size differs from the plan (a browser can leave parts out).

	// The page: plan, initiate, one part, complete (deploy's callback
	// endpoint calls CheckSize).
	const file = "a small video, sent in one part"
	var plan struct {
		Ticket    string           `json:"ticket"`
		Key       string           `json:"key"`
		PartCount int              `json:"part_count"`
		Initiate  signer.Presigned `json:"initiate"`
	}
	d.postJSON("https://app.example.com/oss/multipart/plan", signer.File{Name: "clip.mp4", Size: int64(len(file))}, &plan)
	fmt.Println("plan:", plan.Key, plan.PartCount, "part")
	_, initiated := d.do(plan.Initiate.Method, plan.Initiate.URL, plan.Initiate.Header, "")
	var upload struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal([]byte(initiated), &upload); err != nil {
		log.Fatal(err)
	}
	var parts struct {
		Parts []signer.Part `json:"parts"`
	}
	d.postJSON("https://app.example.com/oss/multipart/parts", map[string]any{"ticket": plan.Ticket, "upload_id": upload.UploadID, "parts": []int{1}}, &parts)
	etag := d.sendPart(parts.Parts[0].Presigned, file)
	var complete struct {
		Request signer.Presigned `json:"request"`
	}
	d.postJSON("https://app.example.com/oss/multipart/complete", map[string]any{"ticket": plan.Ticket, "upload_id": upload.UploadID}, &complete)
	fmt.Println(d.do(complete.Request.Method, complete.Request.URL, complete.Request.Header,
		"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"+etag+"</ETag></Part></CompleteMultipartUpload>"))
	stored, _ := d.oss.Object(plan.Key)
	fmt.Println(stored.Type, string(stored.Content) == file)
	// Output:
	// plan: uploads/42/clip.mp4 1 part
	// 200 {"object":"uploads/42/clip.mp4","size":31,"uid":"42"}
	// Multipart true
}

// Example_temporaryCredentials is the README's "Temporary credentials
// (STS)" snippet: credentials that expire in ten minutes sign a token asked
// for an hour, which is shortened to their expiry.
func Example_temporaryCredentials() {
	sts := signer.CredentialsProviderFunc(func(ctx context.Context) (signer.Credentials, error) {
		return assumeRole(ctx) // your STS call: key id, secret, security token and expiry
	})
	s := &signer.Signer{
		Credentials: &signer.CachedCredentials{Provider: sts, RefreshBefore: 5 * time.Minute},
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
	}

	tok, err := s.Sign(context.Background(), signer.Upload{KeyPrefix: "uploads/42/", MaxSize: 10 << 20, Expires: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	left := time.Until(time.Unix(tok.Expire, 0))
	fmt.Println("token valid for at most 10 minutes:", left <= 10*time.Minute && left > 9*time.Minute)
	fmt.Println("token carries the STS token:", tok.Fields["x-oss-security-token"] != "")
	// Output:
	// token valid for at most 10 minutes: true
	// token carries the STS token: true
}

// assumeRole stands for an STS AssumeRole call.
func assumeRole(context.Context) (signer.Credentials, error) {
	return signer.Credentials{
		AccessKeyID: "STS.NTempKeyId", AccessKeySecret: "temporary secret", SecurityToken: "CAIS-security-token",
		Expires: time.Now().Add(10 * time.Minute),
	}, nil
}

// Example_uppy is the README's Uppy snippet: Uppy's AwsS3 plugin with
// companionEndpoint "/uppy" uploads straight to OSS, with the callback.
func Example_uppy() {
	d := deploy()
	defer d.close()
	mux := d.mux

	s := &signer.Signer{
		Credentials: signer.EnvCredentials(),
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Secrets:     loadSecrets(),
	}
	mux.Handle("/uppy/", &signer.CompanionHandler{ // Companion's /s3/... routes
		Signer:  s,
		Secrets: s.Secrets,
		User: func(r *http.Request) (string, error) {
			return currentUser(r), nil
		},
		Upload: func(r *http.Request, uid string, f signer.File) (signer.Upload, error) {
			return signer.Upload{
				KeyPrefix: "uploads/" + uid + "/", // + a random name and f.Name
				MaxSize:   1 << 30,
				Callback: &callback.Params{
					URL:  "https://app.example.com/oss/callback?uid=" + url.QueryEscape(uid),
					Body: callback.FormBody("object", "size"),
				},
			}, nil
		},
	})

	// Uppy's AwsS3 plugin asks for the form's parameters, then posts the
	// file straight to OSS with them.
	var params struct {
		Method string            `json:"method"`
		URL    string            `json:"url"`
		Fields map[string]string `json:"fields"`
	}
	d.getJSON("https://app.example.com/uppy/s3/params?filename=notes.txt&type=text/plain", &params)
	key := params.Fields["key"]
	delete(params.Fields, "key")
	fmt.Println(params.Method, params.URL, path.Dir(key), path.Ext(key))
	status, answer := d.postForm(&signer.Token{Host: params.URL, Fields: params.Fields}, key, "notes.txt", "some notes")
	var ev struct{ Object, UID string }
	if err := json.Unmarshal([]byte(answer), &ev); err != nil {
		log.Fatal(status, answer)
	}
	fmt.Println(status, ev.Object == key, ev.UID)
	// Output:
	// POST https://examplebucket.oss-cn-hangzhou.aliyuncs.com uploads/42 .txt
	// 200 true 42
}

// Example_testingInProcess is the README's "Testing your app" snippet for
// the in-process emulator: the app's own Verifier trusts the emulator's key
// and accepts its callback.
func Example_testingInProcess() {
	ctx := context.Background() // in a test: t.Context()

	srv, err := osstest.NewServer(osstest.Config{}) // bucket "examplebucket", private, a random access key
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// The app's callback endpoint, with its real Verifier trusting the emulator's key.
	v := &callback.Verifier{Secrets: loadSecrets(), Keys: srv.KeyFetcher()}
	app := httptest.NewServer(v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return map[string]any{"object": ev.Object, "size": ev.Size, "uid": ev.Query.Get("uid")}, nil
	}))
	defer app.Close()

	// The app's Signer, pointed at the emulator: its bucket, region, access key and URL.
	s := srv.Signer()
	s.Secrets = loadSecrets()
	tok, err := s.Sign(ctx, signer.Upload{
		KeyPrefix: "uploads/42/",
		MaxSize:   1 << 20,
		Callback: &callback.Params{
			URL:  app.URL + "/oss/callback?uid=42",
			Body: callback.FormBody("object", "size"),
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The browser's form upload: the emulator calls the app back before it answers.
	req, err := osstest.NewPostRequest(ctx, osstest.PostForm{Token: tok, FileName: "a.txt", Body: strings.NewReader("hello")})
	if err != nil {
		log.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, string(answer)) // the app's answer; 203 CallbackFailed had it refused

	obj, _ := srv.Object("uploads/42/a.txt") // what was stored, content included
	fmt.Printf("%d bytes: %q\n", obj.Size, obj.Content)

	// The bucket is private: the object cannot be read without a signature.
	get, err := srv.Client().Get(srv.URL + "/uploads/42/a.txt")
	if err != nil {
		log.Fatal(err)
	}
	get.Body.Close()
	fmt.Println("unsigned GET:", get.StatusCode)
	// Output:
	// 200 {"object":"uploads/42/a.txt","size":5,"uid":"42"}
	// 5 bytes: "hello"
	// unsigned GET: 403
}

// Example_testingStandalone is the README's "Testing your app" snippet for
// the standalone emulator: the app, configured from its environment, trusts
// the key at the URL "ossdirect emulator" printed and accepts its callback.
func Example_testingStandalone() {
	// ossdirect emulator -addr 127.0.0.1:0 -access-key-id test-id -access-key-secret test-secret,
	// in process: the command's emulator, its key published at the path it prints.
	emu := httptest.NewUnstartedServer(nil)
	base := "http://" + emu.Listener.Addr().String()
	e, err := osstest.New(osstest.Config{
		AccessKeys:   []osstest.AccessKey{{ID: "test-id", Secret: "test-secret"}},
		PublicKeyURL: base + "/__osstest__/callback_pub_key_v1.pem",
	})
	if err != nil {
		log.Fatal(err)
	}
	emu.Config.Handler = e
	emu.Start()
	defer emu.Close()
	defer e.Close()
	// The app's environment in the test.
	os.Setenv("OSS_ACCESS_KEY_ID", "test-id")
	os.Setenv("OSS_ACCESS_KEY_SECRET", "test-secret")
	os.Setenv("OSS_EMULATOR_URL", base)
	defer os.Unsetenv("OSS_ACCESS_KEY_ID")
	defer os.Unsetenv("OSS_ACCESS_KEY_SECRET")
	defer os.Unsetenv("OSS_EMULATOR_URL")

	emulator := os.Getenv("OSS_EMULATOR_URL") // "http://127.0.0.1:9000" in tests, empty in production
	s := &signer.Signer{
		Credentials: signer.EnvCredentials(),
		Bucket:      "examplebucket",
		Region:      "cn-hangzhou",
		Endpoint:    emulator, // empty: the bucket's own endpoint
		Secrets:     loadSecrets(),
	}
	keys := verify.KeyFetcher(nil) // nil: only OSS's own key
	if emulator != "" {
		// The URL the emulator printed; fetch its key once, at start-up.
		keyURL := emulator + "/__osstest__/callback_pub_key_v1.pem"
		res, err := http.Get(keyURL)
		if err != nil {
			log.Fatal(err)
		}
		pem, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			log.Fatal(err)
		}
		key, err := verify.ParsePublicKeyPEM(pem)
		if err != nil {
			log.Fatal(err)
		}
		keys = verify.StaticKeys{keyURL: key} // the emulator's key, and nothing else
	}
	v := &callback.Verifier{Secrets: loadSecrets(), Keys: keys}

	if err := errors.Join(s.Validate(), v.Validate()); err != nil {
		log.Fatal(err)
	}
	app := httptest.NewServer(v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		return map[string]any{"object": ev.Object, "uid": ev.Query.Get("uid")}, nil
	}))
	defer app.Close()
	tok, err := s.Sign(context.Background(), signer.Upload{
		KeyPrefix: "uploads/42/", MaxSize: 1 << 20,
		Callback: &callback.Params{URL: app.URL + "/oss/callback?uid=42", Body: callback.FormBody("object")},
	})
	if err != nil {
		log.Fatal(err)
	}
	req, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, FileName: "b.txt", Body: strings.NewReader("standalone")})
	if err != nil {
		log.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(tok.Host == base, res.StatusCode, string(answer))
	// Output:
	// true 200 {"object":"uploads/42/b.txt","uid":"42"}
}

// deployment is what the README's snippets run in, in process: the
// environment's credentials, the bucket (an emulator) and the app's server,
// reached by their production names (fakeDNS). Its callback endpoint,
// POST /oss/callback on mux, is the README's with the emulator's key trusted.
type deployment struct {
	mux     *http.ServeMux // the app's routes
	app     *httptest.Server
	oss     *osstest.Server
	dns     *fakeDNS
	browser *http.Client // the user's browser
}

// The deployment's credentials, as its environment holds them.
const (
	envKeyID     = "LTAI5tExampleKeyId"
	envKeySecret = "ExampleKeySecretOfTheDeployment"
)

func deploy() *deployment {
	// Stands for the deployment's environment, where EnvCredentials reads
	// the bucket's credentials.
	os.Setenv("OSS_ACCESS_KEY_ID", envKeyID)
	os.Setenv("OSS_ACCESS_KEY_SECRET", envKeySecret)
	os.Unsetenv("OSS_SESSION_TOKEN")

	d := &deployment{mux: http.NewServeMux(), dns: newFakeDNS()}
	d.app = httptest.NewServer(d.mux)
	oss, err := osstest.NewServer(osstest.Config{
		AccessKeys:     []osstest.AccessKey{{ID: envKeyID, Secret: envKeySecret}},
		CallbackClient: &http.Client{Transport: d.dns},
	})
	if err != nil {
		log.Fatal(err)
	}
	d.oss = oss
	d.dns.hosts["app.example.com"] = d.app.URL
	d.dns.hosts["examplebucket.oss-cn-hangzhou.aliyuncs.com"] = oss.URL
	d.browser = &http.Client{Transport: d.dns}

	v := &callback.Verifier{Secrets: loadSecrets(), Keys: oss.KeyFetcher(), Logger: slog.New(slog.DiscardHandler)}
	d.mux.Handle("POST /oss/callback", v.Handler(func(ctx context.Context, ev *callback.Event) (any, error) {
		if ev.Query.Has(signer.SizeParam) { // a multipart upload's: check its plan
			if err := signer.CheckSize(ev); err != nil {
				return nil, &callback.HTTPError{Status: http.StatusForbidden, Message: "size differs from the plan", Err: err}
			}
		}
		return map[string]any{"object": ev.Object, "size": ev.Size, "uid": ev.Query.Get("uid")}, nil
	}))
	return d
}

func (d *deployment) close() {
	d.oss.Close()
	d.app.Close()
	d.dns.transport.CloseIdleConnections()
	os.Unsetenv("OSS_ACCESS_KEY_ID")
	os.Unsetenv("OSS_ACCESS_KEY_SECRET")
}

// sendPart sends one presigned UploadPart and returns the part's ETag.
func (d *deployment) sendPart(p signer.Presigned, body string) string {
	req, err := http.NewRequest(p.Method, p.URL, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	for k, v := range p.Header {
		req.Header.Set(k, v)
	}
	res, err := d.browser.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		log.Fatal("UploadPart: ", res.Status)
	}
	return res.Header.Get("ETag")
}

// do sends a request as the browser does and returns the status and body
// of the answer.
func (d *deployment) do(method, rawURL string, header map[string]string, body string) (int, string) {
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := d.browser.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		log.Fatal(err)
	}
	if res.StatusCode/100 != 2 {
		log.Fatalf("%s %s: %s %s", method, rawURL, res.Status, b)
	}
	return res.StatusCode, strings.TrimSpace(string(b))
}

// getJSON asks the app for JSON, as a page's fetch does.
func (d *deployment) getJSON(rawURL string, v any) {
	_, body := d.do(http.MethodGet, rawURL, nil, "")
	if err := json.Unmarshal([]byte(body), v); err != nil {
		log.Fatal(err)
	}
}

// postJSON posts JSON to the app and decodes its JSON answer.
func (d *deployment) postJSON(rawURL string, in, out any) {
	b, err := json.Marshal(in)
	if err != nil {
		log.Fatal(err)
	}
	_, body := d.do(http.MethodPost, rawURL, map[string]string{"Content-Type": "application/json"}, string(b))
	if err := json.Unmarshal([]byte(body), out); err != nil {
		log.Fatal(err)
	}
}

// postForm uploads a file with a token as a browser's form does and
// returns OSS's answer.
func (d *deployment) postForm(tok *signer.Token, key, name, content string) (int, string) {
	req, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{
		Token: tok, Key: key, FileName: name, Body: strings.NewReader(content),
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := d.browser.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// fakeDNS stands for DNS and TLS in the Examples: a request to one of its
// hosts goes, over plain HTTP, to the loopback server standing for it, with
// its Host header unchanged. Other hosts are reached as they are.
type fakeDNS struct {
	hosts     map[string]string // host name -> "http://127.0.0.1:port"
	transport *http.Transport
}

func newFakeDNS() *fakeDNS {
	// No Accept-Encoding, as OSS's callbacks carry none.
	return &fakeDNS{hosts: map[string]string{}, transport: &http.Transport{DisableCompression: true}}
}

func (d *fakeDNS) RoundTrip(r *http.Request) (*http.Response, error) {
	if base, ok := d.hosts[r.URL.Host]; ok {
		to, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		if r.Host == "" {
			r.Host = r.URL.Host
		}
		r.URL.Scheme, r.URL.Host = to.Scheme, to.Host
	}
	return d.transport.RoundTrip(r)
}
