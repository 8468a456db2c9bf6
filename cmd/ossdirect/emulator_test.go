package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

const testSecret = "0123456789abcdef0123456789abcdef" // OSSDIRECT_CALLBACK_SECRET in tests

func httpDo(t *testing.T, method, url string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// The emulator starts on a free port, says where, serves its callback key
// at the URL it prints, logs each request, and exits 0 on SIGINT or
// SIGTERM.
func TestEmulatorStartLogStop(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			p := startEmulator(t)
			if !strings.HasPrefix(p.KeyID, "LTAI") || len(p.KeySecret) < 20 {
				t.Errorf("generated access key %q / %q", p.KeyID, p.KeySecret)
			}
			if want := p.URL + "/__osstest__/callback_pub_key_v1.pem"; p.PubKeyURL != want {
				t.Errorf("public key URL %q, want %q", p.PubKeyURL, want)
			}
			resp, pemBytes := httpDo(t, "GET", p.PubKeyURL, nil, nil)
			if _, err := verify.ParsePublicKeyPEM(pemBytes); resp.StatusCode != 200 || err != nil {
				t.Errorf("GET public key: %d, %v", resp.StatusCode, err)
			}
			p.waitLine(t, regexp.MustCompile(`^\S+ GET "__osstest__/callback_pub_key_v1.pem" 200 \d+ms$`))

			// The bucket is private: an unsigned GET is refused, whether
			// or not the object exists.
			resp, body := httpDo(t, "GET", p.URL+"/examplebucket/no/such.txt", nil, nil)
			if resp.StatusCode != 403 || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) {
				t.Errorf("GET missing object: %d %s", resp.StatusCode, body)
			}
			p.waitLine(t, regexp.MustCompile(`^\S+ GET "no/such.txt" 403 AccessDenied \d+ms$`))
			// The log names the error code, of a HEAD too (from x-oss-err).
			if resp, _ := httpDo(t, "HEAD", p.URL+"/examplebucket/no/such.txt", nil, nil); resp.StatusCode != 403 {
				t.Errorf("HEAD missing object: %d", resp.StatusCode)
			}
			p.waitLine(t, regexp.MustCompile(`^\S+ HEAD "no/such.txt" 403 AccessDenied \d+ms$`))

			code, rest := p.stop(t, sig)
			if code != 0 || !strings.Contains(rest, "shutting down") {
				t.Errorf("after %v: exit %d, output %q", sig, code, rest)
			}
		})
	}
}

// callbackApp is an application's callback endpoint verifying with the
// emulator's key (fetched from the URL the emulator printed) and the
// secret the CLI bound the URL with.
func callbackApp(t *testing.T, pubKeyURL string) (*httptest.Server, chan *callback.Event) {
	t.Helper()
	_, pemBytes := httpDo(t, "GET", pubKeyURL, nil, nil)
	pub, err := verify.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	v := &callback.Verifier{Secrets: callback.Secrets{{ID: defaultCallbackSecretID, Key: []byte(testSecret)}}, Keys: verify.StaticKeys{pubKeyURL: pub}}
	events := make(chan *callback.Event, 10)
	app := httptest.NewServer(v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		events <- ev
		return map[string]any{"stored": ev.Object}, nil
	}))
	t.Cleanup(app.Close)
	return app, events
}

// postForm posts file with a token as a browser would: the token's fields,
// key, the file last (plain mime/multipart, not the library's helper).
func postForm(t *testing.T, tok *signer.Token, key string, content []byte) (*http.Response, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range tok.Fields {
		mw.WriteField(k, v)
	}
	mw.WriteField("key", key)
	fw, err := mw.CreateFormFile("file", filepath.Base(key))
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return httpDo(t, "POST", tok.Host+"/", http.Header{"Content-Type": {mw.FormDataContentType()}}, buf.Bytes())
}

// A token from "ossdirect sign" uploads to "ossdirect emulator" with a
// callback the application verifies; the emulator logs the callback, and
// a restart with the same -dir still serves the object and its metadata.
func TestSignUploadCallbackRestart(t *testing.T) {
	dir := t.TempDir()
	keyArgs := []string{"-access-key-id", "LTAI5tCmdTestKey", "-access-key-secret", "cmd-test-secret", "-dir", dir}
	p := startEmulator(t, keyArgs...)
	if p.KeyID != "LTAI5tCmdTestKey" {
		t.Fatalf("access key id %q", p.KeyID)
	}
	app, events := callbackApp(t, p.PubKeyURL)
	env := []string{"OSS_ACCESS_KEY_ID=" + p.KeyID, "OSS_ACCESS_KEY_SECRET=" + p.KeySecret, envCallbackSecret + "=" + testSecret}
	res := runCmd(t, env, "", "sign", "-bucket", "examplebucket", "-region", "cn-hangzhou", "-endpoint", p.URL,
		"-prefix", "u42/", "-max-size", "1000", "-content-type", "text/plain", "-callback-url", app.URL+"/oss/callback")
	if res.code != 0 {
		t.Fatalf("sign: exit %d: %s", res.code, res.stderr)
	}
	var tok signer.Token
	if err := json.Unmarshal([]byte(res.stdout), &tok); err != nil {
		t.Fatalf("sign output is not a token: %v\n%s", err, res.stdout)
	}
	if tok.Host != p.URL || tok.Dir != "u42/" || tok.Fields["x-oss-content-type"] != "text/plain" {
		t.Errorf("token host %q dir %q fields %v", tok.Host, tok.Dir, tok.Fields)
	}

	content := []byte("hello from the command line\n")
	resp, body := postForm(t, &tok, "u42/notes.txt", content)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"stored":"u42/notes.txt"`)) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	ev := <-events
	if ev.Object != "u42/notes.txt" || ev.Size != int64(len(content)) || ev.MimeType != "text/plain" {
		t.Errorf("callback event %+v", ev)
	}
	p.waitLine(t, regexp.MustCompile(`^\S+ callback `+regexp.QuoteMeta(app.URL)+`/oss/callback\?\S+ 200$`))
	p.waitLine(t, regexp.MustCompile(`^\S+ POST "u42/notes.txt" form-upload 200 \d+ms$`))

	// A forged copy of the token cannot change the pinned prefix.
	resp, body = postForm(t, &tok, "elsewhere/notes.txt", content)
	if resp.StatusCode != 403 {
		t.Errorf("upload outside the prefix: %d %s", resp.StatusCode, body)
	}

	// The bucket is private: reads go through a presigned GET.
	presignedGet := func() string {
		res := runCmd(t, env, "", "presign", "-method", "GET", "-key", "u42/notes.txt", "-bucket", "examplebucket",
			"-region", "cn-hangzhou", "-endpoint", p.URL)
		if res.code != 0 {
			t.Fatalf("presign GET: exit %d: %s", res.code, res.stderr)
		}
		return strings.TrimSpace(res.stdout)
	}
	if resp, body := httpDo(t, "GET", p.URL+"/u42/notes.txt", nil, nil); resp.StatusCode != 403 || bytes.Contains(body, content) {
		t.Errorf("unsigned GET: %d %q", resp.StatusCode, body)
	}
	resp, before := httpDo(t, "GET", presignedGet(), nil, nil)
	etag := resp.Header.Get("ETag")
	if code, _ := p.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}

	p = startEmulator(t, keyArgs...)
	p.waitLine(t, regexp.MustCompile(`^objects in `+regexp.QuoteMeta(dir)+` \(1 stored\)$`))
	resp, after := httpDo(t, "GET", presignedGet(), nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(after, content) || !bytes.Equal(before, content) {
		t.Errorf("GET after restart: %d %q, want %q", resp.StatusCode, after, content)
	}
	if resp.Header.Get("ETag") != etag || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("after restart ETag %q Content-Type %q, want %q text/plain", resp.Header.Get("ETag"), resp.Header.Get("Content-Type"), etag)
	}
}

// "sign -curl FILE" prints a command that uploads FILE with curl.
func TestSignCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	p := startEmulator(t, "-acl", "public-read")
	dir := t.TempDir()
	file := filepath.Join(dir, "it's; a,file.txt")
	content := []byte("@not a file reference\n")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"OSS_ACCESS_KEY_ID=" + p.KeyID, "OSS_ACCESS_KEY_SECRET=" + p.KeySecret}
	for _, sig := range []string{"v4", "v1"} {
		t.Run(sig, func(t *testing.T) {
			res := runCmd(t, env, "", "sign", "-bucket", "examplebucket", "-region", "cn-hangzhou", "-endpoint", p.URL,
				"-prefix", "curl-"+sig+"/", "-max-size", "100", "-content-type", "text/plain", "-content-type", "image/png",
				"-signature", sig, "-curl", file)
			if res.code != 0 || strings.Count(res.stdout, "\n") != 1 || !strings.HasPrefix(res.stdout, "curl ") {
				t.Fatalf("sign -curl: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
			}
			cmd := exec.Command("sh", "-c", res.stdout)
			cmd.Env = append(cleanEnv(), "PATH="+filepath.Dir(curl)+":"+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.HasSuffix(string(out), "HTTP 204\n") {
				t.Fatalf("running the curl command: %v\n%s", err, out)
			}
			resp, got := httpDo(t, "GET", p.URL+"/curl-"+sig+"/"+filepath.Base(file), nil, nil)
			if resp.StatusCode != 200 || !bytes.Equal(got, content) || resp.Header.Get("Content-Type") != "text/plain" {
				t.Errorf("stored: %d %q type %q", resp.StatusCode, got, resp.Header.Get("Content-Type"))
			}
		})
	}
	res := runCmd(t, env, "", "sign", "-bucket", "examplebucket", "-region", "cn-hangzhou", "-prefix", "p/", "-max-size", "100",
		"-content-type", "image/png", "-content-type", "image/jpeg", "-curl", file)
	if res.code != 2 || !strings.Contains(res.stderr, `its type "text/plain"`) {
		t.Errorf("-curl with a type not allowed: exit %d, stderr %q", res.code, res.stderr)
	}
}

// -cors-origin answers browsers' preflights; -public-read-write accepts an
// upload without any signature.
func TestEmulatorCORSAndPublicReadWrite(t *testing.T) {
	p := startEmulator(t, "-cors-origin", "https://app.example.com", "-cors-origin", "http://localhost:5173", "-public-read-write")
	for _, tc := range []struct {
		origin string
		status int
		allow  string
	}{
		{"https://app.example.com", 200, "https://app.example.com"},
		{"http://localhost:5173", 200, "http://localhost:5173"},
		{"https://evil.example", 403, ""},
	} {
		t.Run(tc.origin, func(t *testing.T) {
			resp, _ := httpDo(t, "OPTIONS", p.URL+"/", http.Header{"Origin": {tc.origin}, "Access-Control-Request-Method": {"POST"}}, nil)
			if resp.StatusCode != tc.status || resp.Header.Get("Access-Control-Allow-Origin") != tc.allow {
				t.Errorf("preflight: %d, allow %q; want %d, %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tc.status, tc.allow)
			}
		})
	}
	resp, body := postForm(t, &signer.Token{Host: p.URL}, "anonymous.txt", []byte("no signature"))
	if resp.StatusCode != 204 {
		t.Fatalf("unsigned upload: %d %s", resp.StatusCode, body)
	}
	if _, got := httpDo(t, "GET", p.URL+"/anonymous.txt", nil, nil); string(got) != "no signature" {
		t.Errorf("stored %q", got)
	}
}

// Keys from -key and a -keys file (the Credentials of an STS answer) are
// all accepted; an STS key needs its token, and once expired it is refused
// with SecurityTokenExpired. -public-url names the public key URL.
func TestEmulatorKeysAndPublicURL(t *testing.T) {
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys.json")
	keys := `[{"AccessKeyId": "STS.Live", "AccessKeySecret": "live-secret", "SecurityToken": "live-token", "Expiration": "2999-01-01T00:00:00Z"},
	          {"AccessKeyId": "STS.Old", "AccessKeySecret": "old-secret", "SecurityToken": "old-token", "Expiration": "2020-01-01T00:00:00Z"}]`
	if err := os.WriteFile(keysFile, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startEmulator(t, "-key", "LTAIperm:perm-secret", "-keys", keysFile, "-public-url", "http://emulator:9000")
	if p.KeyID != "LTAIperm" || p.KeySecret != "perm-secret" || p.PubKeyURL != "http://emulator:9000/__osstest__/callback_pub_key_v1.pem" {
		t.Errorf("banner: key %q/%q, public key URL %q", p.KeyID, p.KeySecret, p.PubKeyURL)
	}
	// The bucket's path-style URL, which names the bucket whatever the key:
	// with p.URL alone an unknown key's "/keys/..." reads as the bucket
	// "keys", which does not exist (osstest's addressing rule).
	endpoint := p.URL + "/examplebucket"
	put := func(id, secret, token, key string) (*http.Response, []byte) {
		env := []string{"OSS_ACCESS_KEY_ID=" + id, "OSS_ACCESS_KEY_SECRET=" + secret}
		if token != "" {
			env = append(env, "OSS_SESSION_TOKEN="+token)
		}
		res := runCmd(t, env, "", "presign", "-method", "PUT", "-key", key, "-bucket", "examplebucket",
			"-region", "cn-hangzhou", "-endpoint", endpoint)
		if res.code != 0 {
			t.Fatalf("presign: exit %d: %s", res.code, res.stderr)
		}
		return httpDo(t, "PUT", strings.TrimSpace(res.stdout), nil, []byte("content"))
	}
	for _, tc := range []struct {
		name, id, secret, token string
		status                  int
		code                    string
	}{
		{"permanent -key", "LTAIperm", "perm-secret", "", 200, ""},
		{"STS key from the file", "STS.Live", "live-secret", "live-token", 200, ""},
		{"STS key without its token", "STS.Live", "live-secret", "", 403, "InvalidAccessKeyId"},
		{"STS key with another key's token", "STS.Live", "live-secret", "old-token", 403, "AccessKeyIdAndSecurityTokenNotMatch"},
		{"expired STS key", "STS.Old", "old-secret", "old-token", 403, "SecurityTokenExpired"},
		{"unknown key", "LTAIunknown", "x", "", 403, "InvalidAccessKeyId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := put(tc.id, tc.secret, tc.token, "keys/"+tc.id)
			if resp.StatusCode != tc.status || (tc.code != "" && !bytes.Contains(body, []byte("<Code>"+tc.code+"</Code>"))) {
				t.Errorf("PUT: %d %s, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
		})
	}
	// Without the bucket in the URL, an unknown key's request is read as
	// OSS reads it on an IP host, path style: no bucket "keys".
	endpoint = p.URL
	if resp, body := put("LTAIunknown", "x", "", "keys/x"); resp.StatusCode != 404 || !bytes.Contains(body, []byte("<Code>NoSuchBucket</Code>")) {
		t.Errorf("PUT /keys/x with an unknown key: %d %s, want 404 NoSuchBucket", resp.StatusCode, body)
	}
	// The request log says why, with OSS's code.
	p.waitLine(t, regexp.MustCompile(`^\S+ PUT "keys/x" 404 NoSuchBucket \d+ms$`))
}

// Unusable key flags are usage errors (exit 2).
func TestEmulatorBadKeyFlags(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"AccessKeyId": "x"}]`), 0o600)
	for _, args := range [][]string{
		{"-key", "no-secret"},
		{"-key", "id:secret:token:not-a-time"},
		{"-keys", bad},
		{"-acl", "public"},
		{"-public-url", "emulator:9000"},
	} {
		res := runCmd(t, nil, "", append([]string{"emulator", "-addr", "127.0.0.1:0"}, args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, args[0]) {
			t.Errorf("emulator %q: exit %d, stderr %q; want 2 naming %s", args, res.code, res.stderr, args[0])
		}
	}
}

// -bucket is repeatable: every bucket named exists from the start, each
// with its own objects, reached path style.
func TestEmulatorBuckets(t *testing.T) {
	p := startEmulator(t, "-bucket", "first", "-bucket", "second", "-key", "LTAIbuckets:buckets-secret")
	env := []string{"OSS_ACCESS_KEY_ID=LTAIbuckets", "OSS_ACCESS_KEY_SECRET=buckets-secret"}
	presign := func(method, bucket string) string {
		res := runCmd(t, env, "", "presign", "-method", method, "-key", "same/key.txt", "-bucket", bucket,
			"-region", "cn-hangzhou", "-endpoint", p.URL+"/"+bucket) // path style
		if res.code != 0 {
			t.Fatalf("presign: exit %d: %s", res.code, res.stderr)
		}
		return strings.TrimSpace(res.stdout)
	}
	for _, b := range []string{"first", "second"} {
		if resp, body := httpDo(t, "PUT", presign("PUT", b), nil, []byte("in "+b)); resp.StatusCode != 200 {
			t.Fatalf("PUT in %s: %d %s", b, resp.StatusCode, body)
		}
	}
	for _, b := range []string{"first", "second"} {
		if resp, body := httpDo(t, "GET", presign("GET", b), nil, nil); resp.StatusCode != 200 || string(body) != "in "+b {
			t.Errorf("GET from %s: %d %q", b, resp.StatusCode, body)
		}
	}
	if resp, body := httpDo(t, "GET", presign("GET", "third"), nil, nil); resp.StatusCode != 404 || !bytes.Contains(body, []byte("<Code>NoSuchBucket</Code>")) {
		t.Errorf("GET from a bucket never made: %d %s", resp.StatusCode, body)
	}
}
