package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
)

// The official OSS Go SDK v2 pointed at the emulator: every request the
// SDK signs (V4 and V1, headers and presigned URLs, with and without an
// STS token) must be accepted, its callbacks must reach a real app server
// on loopback and verify with the emulator's key, and the SDK's own
// checks of the answers (CRC-64 of uploads, callback results) must pass.

var emuKeys = []osstest.AccessKey{
	{ID: testAKID, Secret: testSecret},
	{ID: "STS.interop", Secret: "stsSecret/+=", SecurityToken: testToken},
}

// emuClient is an SDK client for srv: its endpoint (an IP address, so the
// SDK addresses the bucket path style), region and the given key.
func emuClient(srv *osstest.Server, version oss.SignatureVersionType, key osstest.AccessKey) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key.ID, key.Secret, key.SecurityToken)).
		WithRegion(srv.Region()).
		WithEndpoint(srv.URL).
		WithSignatureVersion(version).
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

// appServer is the application's callback endpoint: it verifies each
// callback with the emulator's KeyFetcher and answers with JSON naming the
// object.
type appServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []url.Values
	errs   []error
}

func newAppServer(t *testing.T, srv *osstest.Server) *appServer {
	a := &appServer{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := callback.Verify(r, srv.KeyFetcher())
		b, _ := io.ReadAll(r.Body)
		v, _ := url.ParseQuery(string(b))
		a.mu.Lock()
		a.bodies = append(a.bodies, v)
		a.errs = append(a.errs, err)
		a.mu.Unlock()
		if err != nil {
			http.Error(w, "not from OSS", http.StatusForbidden)
			return
		}
		out := `{"stored":"` + v.Get("object") + `","size":` + v.Get("size") + `}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		io.WriteString(w, out)
	}))
	t.Cleanup(a.Close)
	return a
}

// last returns the latest callback body, after checking it verified.
func (a *appServer) last(t *testing.T) url.Values {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.bodies) == 0 {
		t.Fatal("no callback reached the app")
	}
	if err := a.errs[len(a.errs)-1]; err != nil {
		t.Fatalf("callback.Verify: %v", err)
	}
	return a.bodies[len(a.bodies)-1]
}

func (a *appServer) callbackParams(t *testing.T) (cb, vars string) {
	t.Helper()
	cb, err := callback.Params{URL: a.URL + "/oss", Body: callback.FormBody("bucket", "object", "etag", "size", "mimeType", "operation", "x:uid")}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	vars, err = callback.EncodeVars(map[string]string{"x:uid": "u-7"})
	if err != nil {
		t.Fatal(err)
	}
	return cb, vars
}

// newEmulator starts an emulator for the SDK clients. Its clock is the
// wall clock, which the SDK signs with, plus *skew.
func newEmulator(t *testing.T) *osstest.Server {
	srv, _ := newSkewedEmulator(t)
	return srv
}

func newSkewedEmulator(t *testing.T) (*osstest.Server, *atomic.Int64) {
	skew := new(atomic.Int64)
	srv, err := osstest.NewServer(osstest.Config{Bucket: testBucket, Region: testRegion, AccessKeys: emuKeys,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, skew
}

func randomData(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

type sdkVariant struct {
	name    string
	version oss.SignatureVersionType
	key     osstest.AccessKey
}

var sdkVariants = []sdkVariant{
	{"V4", oss.SignatureVersionV4, emuKeys[0]},
	{"V1", oss.SignatureVersionV1, emuKeys[0]},
	{"V4 STS", oss.SignatureVersionV4, emuKeys[1]},
	{"V1 STS", oss.SignatureVersionV1, emuKeys[1]},
}

// TestSDKPutObjectCallback: the SDK's PutObject with a callback (in the
// x-oss-callback headers) is stored, calls the app back with PutObject's
// variables, and the SDK returns the app's JSON as CallbackResult; the
// SDK's GetObject (with its CRC-64 check) reads the object back.
func TestSDKPutObjectCallback(t *testing.T) {
	srv := newEmulator(t)
	app := newAppServer(t, srv)
	cb, vars := app.callbackParams(t)
	ctx := context.Background()
	for i, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			key := fmt.Sprintf("sdk/put %d+ü.txt", i)
			data := randomData(3000+i, byte(i))
			res, err := client.PutObject(ctx, &oss.PutObjectRequest{
				Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data),
				Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(vars),
			})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			if res.CallbackResult["stored"] != key || res.CallbackResult["size"] != float64(len(data)) {
				t.Errorf("CallbackResult = %v", res.CallbackResult)
			}
			got := app.last(t)
			want := url.Values{"bucket": {testBucket}, "object": {key}, "etag": {strings.Trim(oss.ToString(res.ETag), `"`)},
				"size": {strconv.Itoa(len(data))}, "mimeType": {"text/plain"}, "operation": {"PutObject"}, "x:uid": {"u-7"}}
			if got.Encode() != want.Encode() {
				t.Errorf("callback body %v, want %v", got, want)
			}
			g, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			b, err := io.ReadAll(g.Body)
			g.Body.Close()
			if err != nil || !bytes.Equal(b, data) {
				t.Errorf("GetObject read %d bytes, %v", len(b), err)
			}
		})
	}
}

// TestSDKDeleteObject: the SDK's DeleteObject removes an object the SDK
// put, and OSS answers 204 No Content whether or not the object existed
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobject),
// so a second delete succeeds too.
func TestSDKDeleteObject(t *testing.T) {
	srv := newEmulator(t)
	ctx := context.Background()
	for i, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			key := fmt.Sprintf("sdk/delete %d+ü.txt", i)
			if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: strings.NewReader("doomed")}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			for n := 1; n <= 2; n++ {
				res, err := client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
				if err != nil {
					t.Fatalf("DeleteObject #%d: %v", n, err)
				}
				if res.StatusCode != http.StatusNoContent {
					t.Errorf("DeleteObject #%d: status %d, want 204", n, res.StatusCode)
				}
				if _, ok := srv.Object(key); ok {
					t.Errorf("after DeleteObject #%d the object is still stored", n)
				}
			}
		})
	}
}

// TestSDKUploaderCallback: the SDK's multipart Uploader (parallel parts,
// CRC-64 of the whole checked against the emulator's answer) with a
// callback, which the SDK puts on CompleteMultipartUpload; the app gets
// the whole size, the multipart ETag and operation CompleteMultipartUpload.
func TestSDKUploaderCallback(t *testing.T) {
	srv := newEmulator(t)
	app := newAppServer(t, srv)
	cb, vars := app.callbackParams(t)
	for i, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			u := client.NewUploader(func(o *oss.UploaderOptions) {
				o.PartSize = 100 << 10
				o.ParallelNum = 3
			})
			key := fmt.Sprintf("sdk/uploader-%d.bin", i)
			data := randomData(350<<10+i, byte(10+i))
			before := srv.UploadPartRequests()
			res, err := u.UploadFrom(context.Background(), &oss.PutObjectRequest{
				Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(vars),
			}, bytes.NewReader(data))
			if err != nil {
				t.Fatalf("UploadFrom: %v", err)
			}
			if n := srv.UploadPartRequests() - before; n != 4 {
				t.Errorf("%d UploadPart requests, want 4", n)
			}
			// With a callback the SDK cannot read the ETag from the XML
			// result, which the app's JSON replaced.
			if res.ETag != nil {
				t.Errorf("ETag %q with a callback", *res.ETag)
			}
			obj, _ := srv.Object(key)
			etag := obj.ETag
			if !strings.HasSuffix(etag, `-4"`) {
				t.Errorf("ETag %s, want a multipart ETag of 4 parts", etag)
			}
			got := app.last(t)
			if got.Get("object") != key || got.Get("size") != strconv.Itoa(len(data)) || got.Get("etag") != strings.Trim(etag, `"`) ||
				got.Get("operation") != "CompleteMultipartUpload" || got.Get("x:uid") != "u-7" {
				t.Errorf("callback body %v", got)
			}
			if obj, ok := srv.Object(key); !ok || !bytes.Equal(obj.Content, data) {
				t.Errorf("stored %d bytes, %v", len(obj.Content), ok)
			}
			if ups := srv.MultipartUploads(); len(ups) != 0 {
				t.Errorf("uploads left in progress: %+v", ups)
			}
		})
	}
}

// TestSDKMultipartSteps: InitiateMultipartUpload, UploadPart, ListParts
// and CompleteMultipartUpload called one by one, the last with a
// callback: the SDK returns the app's JSON as CallbackResult. An aborted
// upload leaves nothing in progress.
func TestSDKMultipartSteps(t *testing.T) {
	srv := newEmulator(t)
	app := newAppServer(t, srv)
	cb, vars := app.callbackParams(t)
	ctx := context.Background()
	for _, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			key := "sdk/steps " + v.name + ".bin"
			init, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatalf("InitiateMultipartUpload: %v", err)
			}
			parts := [][]byte{randomData(100<<10, 1), randomData(1234, 2)}
			var done []oss.UploadPart
			for i, p := range parts {
				r, err := client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
					UploadId: init.UploadId, PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
				if err != nil {
					t.Fatalf("UploadPart %d: %v", i+1, err)
				}
				done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: r.ETag})
			}
			lp, err := client.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: init.UploadId})
			if err != nil || len(lp.Parts) != 2 || oss.ToString(lp.Parts[1].ETag) != oss.ToString(done[1].ETag) || lp.Parts[0].Size != 100<<10 {
				t.Fatalf("ListParts: %+v, %v", lp, err)
			}
			res, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
				UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: done},
				Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(vars)})
			if err != nil {
				t.Fatalf("CompleteMultipartUpload: %v", err)
			}
			if res.CallbackResult["stored"] != key || res.CallbackResult["size"] != float64(100<<10+1234) {
				t.Errorf("CallbackResult = %v", res.CallbackResult)
			}
			if got := app.last(t); got.Get("operation") != "CompleteMultipartUpload" || got.Get("object") != key {
				t.Errorf("callback body %v", got)
			}

			aborted, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".aborted")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".aborted"), UploadId: aborted.UploadId}); err != nil {
				t.Fatalf("AbortMultipartUpload: %v", err)
			}
			if ups := srv.MultipartUploads(); len(ups) != 0 {
				t.Errorf("uploads left in progress: %+v", ups)
			}
		})
	}
}

// TestSDKPresignedURLs: URLs the SDK presigns (PUT, with the headers it
// says to send, one with a callback; GET) are accepted by the emulator
// when used by a plain HTTP client, as a browser would, and refused once
// expired or when a signed header is left out.
func TestSDKPresignedURLs(t *testing.T) {
	srv, skew := newSkewedEmulator(t)
	app := newAppServer(t, srv)
	cb, vars := app.callbackParams(t)
	ctx := context.Background()
	send := func(t *testing.T, method, u string, header map[string]string, body []byte) (int, []byte, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	for i, v := range sdkVariants {
		t.Run(v.name, func(t *testing.T) {
			client := emuClient(srv, v.version, v.key)
			key := fmt.Sprintf("sdk/presigned-%d.png", i)
			data := randomData(5000, byte(20+i))
			put, err := client.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
				ContentType: oss.Ptr("image/png"), Metadata: map[string]string{"owner": "eric"}}, oss.PresignExpires(10*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if status, b, _ := send(t, put.Method, put.URL, put.SignedHeaders, data); status != 200 {
				t.Fatalf("presigned PUT: %d %s", status, b)
			}
			if obj, ok := srv.Object(key); !ok || obj.ContentType != "image/png" || obj.Meta["owner"] != "eric" {
				t.Errorf("stored %+v", obj)
			}
			// A browser that drops a signed header is refused.
			partial := map[string]string{}
			for k, val := range put.SignedHeaders {
				if !strings.EqualFold(k, "Content-Type") {
					partial[k] = val
				}
			}
			if status, b, _ := send(t, put.Method, put.URL, partial, data); status != 403 || !bytes.Contains(b, []byte("SignatureDoesNotMatch")) {
				t.Errorf("PUT without the signed Content-Type: %d %s", status, b)
			}

			get, err := client.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)}, oss.PresignExpires(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if status, b, _ := send(t, get.Method, get.URL, get.SignedHeaders, nil); status != 200 || !bytes.Equal(b, data) {
				t.Errorf("presigned GET: %d, %d bytes", status, len(b))
			}
			// Two minutes later the one-minute URL has expired.
			skew.Store(int64(2 * time.Minute))
			status, b, _ := send(t, get.Method, get.URL, get.SignedHeaders, nil)
			skew.Store(0)
			if status != 403 || !bytes.Contains(b, []byte("<Code>AccessDenied</Code><Message>Request has expired.</Message>")) {
				t.Errorf("expired presigned GET: %d %s", status, b)
			}

			withCB, err := client.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key + ".cb"),
				Callback: oss.Ptr(cb), CallbackVar: oss.Ptr(vars)}, oss.PresignExpires(10*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			status, b, _ = send(t, withCB.Method, withCB.URL, withCB.SignedHeaders, data)
			if status != 200 || string(b) != `{"stored":"`+key+`.cb","size":5000}` {
				t.Fatalf("presigned PUT with callback: %d %s", status, b)
			}
			if got := app.last(t); got.Get("object") != key+".cb" || got.Get("operation") != "PutObject" || got.Get("x:uid") != "u-7" {
				t.Errorf("callback body %v", got)
			}
		})
	}
}
