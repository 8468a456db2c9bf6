package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// ossdirectBin is the ossdirect command, built once by TestMain so that the
// tests run it as a user would.
var ossdirectBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "interop-ossdirect-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ossdirectBin = filepath.Join(dir, "ossdirect")
	if out, err := exec.Command("go", "build", "-o", ossdirectBin, "github.com/ossdirect/ossdirect/cmd/ossdirect").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building ossdirect: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if path := os.Getenv("INTEROP_MATRIX"); path != "" {
		if err := writeMatrix(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// ossdirect runs the command with extra environment variables and returns
// its standard output; a non-zero exit fails the test. The variables the
// command reads are not inherited, so that a developer's own (an STS
// OSS_SESSION_TOKEN, say) never leak in.
func ossdirect(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(ossdirectBin, args...)
	cmd.Env = []string{} // not nil, which would inherit everything
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", "OSSDIRECT_CALLBACK_SECRET":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ossdirect %q: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// emulator is a running "ossdirect emulator".
type emulator struct {
	cmd              *exec.Cmd
	url, pubKeyURL   string
	lines            chan string
	stderr           bytes.Buffer
	keyID, keySecret string
}

var (
	listeningRE = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+)$`)
	pubKeyRE    = regexp.MustCompile(`^callbacks are signed with the public key at (\S+)$`)
)

// startEmulator starts "ossdirect emulator" on a free port with the given
// key, and reads the address from its first line of output.
func startEmulator(t *testing.T, keyID, keySecret string, args ...string) *emulator {
	t.Helper()
	e := &emulator{lines: make(chan string, 1024), keyID: keyID, keySecret: keySecret}
	e.cmd = exec.Command(ossdirectBin, append([]string{"emulator", "-addr", "127.0.0.1:0",
		"-access-key-id", keyID, "-access-key-secret", keySecret}, args...)...)
	e.cmd.Stderr = &e.stderr
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			e.lines <- sc.Text()
		}
		close(e.lines)
	}()
	t.Cleanup(func() { e.stop(t) })
	m := listeningRE.FindStringSubmatch(e.next(t))
	if m == nil {
		t.Fatal("first line of the emulator is not its address")
	}
	e.url = m[1]
	e.pubKeyURL = e.waitLine(t, pubKeyRE)[1]
	return e
}

func (e *emulator) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-e.lines:
		if !ok {
			t.Fatalf("emulator output ended; stderr: %s", e.stderr.String())
		}
		return l
	case <-time.After(30 * time.Second): // a failure bound, never a delay
		t.Fatal("no output from the emulator")
	}
	return ""
}

func (e *emulator) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for range 100 {
		if m := re.FindStringSubmatch(e.next(t)); m != nil {
			return m
		}
	}
	t.Fatalf("no emulator line matching %q", re)
	return nil
}

// stop interrupts the emulator and requires a clean exit.
func (e *emulator) stop(t *testing.T) {
	if e.cmd.ProcessState != nil {
		return
	}
	e.cmd.Process.Signal(syscall.SIGINT)
	for range e.lines {
	}
	if err := e.cmd.Wait(); err != nil {
		t.Errorf("emulator exit: %v; stderr: %s", err, e.stderr.String())
	}
}

// sdk is the official Go SDK v2 with the emulator as its endpoint, path
// style (http://127.0.0.1:port/<bucket>/<key>) or as a CNAME
// (http://127.0.0.1:port/<key>).
func (e *emulator) sdk(cname bool) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(e.keyID, e.keySecret)).
		WithRegion(testRegion).
		WithEndpoint(e.url).
		WithRetryMaxAttempts(1)
	if cname {
		cfg = cfg.WithUseCName(true)
	} else {
		cfg = cfg.WithUsePathStyle(true)
	}
	return oss.NewClient(cfg)
}

const cmdCallbackSecret = "interop-binding-secret-0123456789"

// callbackApp verifies callbacks with the emulator's key, fetched from the
// URL the emulator printed, and URLs bound with cmdCallbackSecret.
func callbackApp(t *testing.T, pubKeyURL string) (*httptest.Server, chan *callback.Event) {
	t.Helper()
	resp, err := http.Get(pubKeyURL)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pub, err := verify.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	v := &callback.Verifier{Secrets: callback.Secrets{{ID: "default", Key: []byte(cmdCallbackSecret)}}, Keys: verify.StaticKeys{pubKeyURL: pub}}
	events := make(chan *callback.Event, 10)
	app := httptest.NewServer(v.Handler(func(_ context.Context, ev *callback.Event) (any, error) {
		events <- ev
		return map[string]any{"ok": true, "object": ev.Object, "uid": ev.Query.Get("uid")}, nil
	}))
	t.Cleanup(app.Close)
	return app, events
}

// sdkCallback is the x-oss-callback value for the SDK: a bound URL and a
// JSON body.
func sdkCallback(t *testing.T, appURL, uid string) *string {
	t.Helper()
	bound, err := callback.BindURL(callback.Secrets{{ID: "default", Key: []byte(cmdCallbackSecret)}}, appURL+"/cb?uid="+uid, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := callback.Params{URL: bound, Body: callback.JSONBody("bucket", "object", "etag", "size", "mimeType"), BodyType: callback.BodyTypeJSON}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return oss.Ptr(enc)
}

// stored is what a test uploaded and expects to read back.
type stored struct {
	key, contentType string
	content          []byte
	etag             string
}

// The standalone emulator serves the official Go SDK v2 over loopback:
// a PostObject form signed by "ossdirect sign", PutObject with a callback
// and a multipart upload with a callback on completion, each read back
// with GetObject; after a restart with the same -dir the objects are there
// with the same bytes, ETag and type.
func TestCmdEmulatorWithOfficialSDK(t *testing.T) {
	dir := t.TempDir()
	const keyID, keySecret = "LTAI5tInteropCmdKey", "interop-cmd-secret"
	e := startEmulator(t, keyID, keySecret, "-dir", dir)
	app, events := callbackApp(t, e.pubKeyURL)
	ctx := context.Background()
	var want []stored

	t.Run("PostObject with a token from ossdirect sign", func(t *testing.T) {
		out := ossdirect(t, []string{"OSS_ACCESS_KEY_ID=" + keyID, "OSS_ACCESS_KEY_SECRET=" + keySecret, "OSSDIRECT_CALLBACK_SECRET=" + cmdCallbackSecret},
			"sign", "-bucket", testBucket, "-region", testRegion, "-endpoint", e.url, "-prefix", "forms/", "-max-size", "4096",
			"-content-type", "text/plain", "-callback-url", app.URL+"/cb?uid=form")
		var tok signer.Token
		if err := json.Unmarshal([]byte(out), &tok); err != nil {
			t.Fatal(err)
		}
		content := []byte("a form upload\n")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range tok.Fields {
			mw.WriteField(k, v)
		}
		mw.WriteField("key", tok.Dir+"hello.txt")
		fw, _ := mw.CreateFormFile("file", "hello.txt")
		fw.Write(content)
		mw.Close()
		resp, err := http.Post(tok.Host+"/", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(answer, []byte(`"uid":"form"`)) {
			t.Fatalf("PostObject: %d %s", resp.StatusCode, answer)
		}
		if ev := <-events; ev.Object != "forms/hello.txt" || ev.Size != int64(len(content)) {
			t.Errorf("callback %+v", ev)
		}
		want = append(want, stored{key: "forms/hello.txt", contentType: "text/plain", content: content, etag: resp.Header.Get("ETag")})
	})

	t.Run("PutObject with callback", func(t *testing.T) {
		content := randomData(70_000, 30)
		res, err := e.sdk(false).PutObject(ctx, &oss.PutObjectRequest{
			Bucket: oss.Ptr(testBucket), Key: oss.Ptr("sdk/put.bin"), ContentType: oss.Ptr("application/x-test"),
			Metadata: map[string]string{"owner": "u7"},
			Body:     bytes.NewReader(content), Callback: sdkCallback(t, app.URL, "put"),
		})
		if err != nil {
			t.Fatalf("SDK PutObject: %v", err)
		}
		if res.CallbackResult["uid"] != "put" || res.CallbackResult["object"] != "sdk/put.bin" {
			t.Errorf("SDK CallbackResult %v", res.CallbackResult)
		}
		ev := <-events
		if ev.Object != "sdk/put.bin" || ev.Size != int64(len(content)) || ev.MimeType != "application/x-test" || `"`+ev.ETag+`"` != oss.ToString(res.ETag) {
			t.Errorf("callback %+v, SDK ETag %s", ev, oss.ToString(res.ETag))
		}
		want = append(want, stored{key: "sdk/put.bin", contentType: "application/x-test", content: content, etag: oss.ToString(res.ETag)})
	})

	t.Run("multipart with callback", func(t *testing.T) {
		client := e.sdk(true) // as a CNAME this time
		key := "sdk/multi part.bin"
		parts := [][]byte{randomData(100<<10, 31), randomData(100<<10, 32), randomData(12345, 33)}
		init, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), ContentType: oss.Ptr("video/mp4")})
		if err != nil {
			t.Fatalf("SDK InitiateMultipartUpload: %v", err)
		}
		var done []oss.UploadPart
		for i, p := range parts {
			res, err := client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId, PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
			if err != nil {
				t.Fatalf("SDK UploadPart %d: %v", i+1, err)
			}
			done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
		}
		res, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{
			Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: done},
			Callback:                sdkCallback(t, app.URL, "multi"),
		})
		if err != nil {
			t.Fatalf("SDK CompleteMultipartUpload: %v", err)
		}
		if res.CallbackResult["uid"] != "multi" {
			t.Errorf("SDK CallbackResult %v", res.CallbackResult)
		}
		content := bytes.Join(parts, nil)
		if ev := <-events; ev.Object != key || ev.Size != int64(len(content)) {
			t.Errorf("callback %+v", ev)
		}
		want = append(want, stored{key: key, contentType: "video/mp4", content: content})
	})
	e.waitLine(t, regexp.MustCompile(`^\S+ POST "sdk/multi part.bin" complete-multipart 200 \d+ms$`))

	readBack := func(t *testing.T, e *emulator) {
		t.Helper()
		for _, cname := range []bool{false, true} {
			for _, w := range want {
				res, err := e.sdk(cname).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(w.key)})
				if err != nil {
					t.Errorf("SDK GetObject %q: %v", w.key, err)
					continue
				}
				got, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || !bytes.Equal(got, w.content) {
					t.Errorf("GetObject %q: %d bytes (%v), want the %d uploaded", w.key, len(got), err, len(w.content))
				}
				if oss.ToString(res.ContentType) != w.contentType || (w.etag != "" && oss.ToString(res.ETag) != w.etag) {
					t.Errorf("GetObject %q: type %q ETag %q, want %q %q", w.key, oss.ToString(res.ContentType), oss.ToString(res.ETag), w.contentType, w.etag)
				}
				if w.key == "sdk/put.bin" && res.Metadata["owner"] != "u7" {
					t.Errorf("GetObject %q: metadata %v", w.key, res.Metadata)
				}
			}
		}
	}
	t.Run("read back", func(t *testing.T) { readBack(t, e) })
	if len(want) != 3 {
		t.Fatalf("only %d of 3 uploads succeeded", len(want))
	}

	e.stop(t)
	e = startEmulator(t, keyID, keySecret, "-dir", dir)
	t.Run("read back after restart", func(t *testing.T) { readBack(t, e) })
}

// "ossdirect presign -time T" prints the URL the official SDK presigns at
// the same instant T, for V4 and V1, PUT with a content type and GET, with
// and without an STS token.
func TestCmdPresignEqualsSDK(t *testing.T) {
	expiration := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	type cmdCase struct {
		name   string
		sdkReq any
		args   []string
	}
	cases := []cmdCase{
		{"PUT with content type",
			&oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("uploads/a b+c/photo 1.jpg"), ContentType: oss.Ptr("image/jpeg")},
			[]string{"-key", "uploads/a b+c/photo 1.jpg", "-content-type", "image/jpeg"}},
		{"GET",
			&oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("中文/ü~x.txt")},
			[]string{"-method", "GET", "-key", "中文/ü~x.txt"}},
	}
	sdkRequest := func(c cmdCase) (string, any) { return c.name, c.sdkReq }
	eachSDKPresign(t, expiration, cases, sdkRequest, func(t *testing.T, tc cmdCase, want sdkPresigned) {
		env := []string{"OSS_ACCESS_KEY_ID=" + testAKID, "OSS_ACCESS_KEY_SECRET=" + testSecret, "OSS_SESSION_TOKEN=" + want.token}
		args := append([]string{"presign", "-bucket", testBucket, "-region", testRegion,
			"-signature", strings.ToLower(want.version.String()), "-time", want.now.Format(time.RFC3339),
			"-expires", strconv.Itoa(int(want.expires / time.Second))}, tc.args...)
		got := ossdirect(t, env, args...)
		if got != want.URL+"\n" {
			t.Errorf("ossdirect presign:\n%s\nSDK:\n%s", got, want.URL)
		}
	})
}
