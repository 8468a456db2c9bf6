package interop

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/browsertest"
)

// The client × signature × credentials × operation matrix: every official
// client drives the standalone emulator ("ossdirect emulator", built by
// TestMain) through the operations an application and its users perform.
// interop/README.md shows it; TestMain writes it as Markdown to the file
// named by $INTEROP_MATRIX.

// Operations of the matrix, in the order they run (each later one reads
// what an earlier one stored).
var matrixOps = append([]string{"putCallback", "multipartCallback", "get", "head", "presignedPut", "presignedGet", "delete"}, afterOps...)

var opTitles = map[string]string{
	"putCallback":       "PutObject + callback",
	"multipartCallback": "multipart + callback",
	"get":               "GetObject",
	"head":              "HeadObject",
	"presignedPut":      "presigned PUT",
	"presignedGet":      "presigned GET",
	"delete":            "DeleteObject",
	"browserSTS":        "refreshSTSToken",
	"browserMultipart":  "multipartUpload 12 MiB, CORS + callback",
}

// opResult is what a client saw doing one operation; the JSON form is
// what alioss/node.mjs prints.
type opResult struct {
	OK     bool           `json:"ok"`
	Error  string         `json:"error"`
	Status int            `json:"status"`
	MD5    string         `json:"md5"`
	Size   int64          `json:"size"`
	Data   map[string]any `json:"data"` // the application's answer to the callback
	After  string         `json:"after"`
	Got    string         `json:"got"` // what an after-upload operation read back (matrixafter_test.go)
}

// matrixRow is one client, signature and kind of credentials.
type matrixRow struct {
	client, sig, creds string
}

var (
	matrixMu    sync.Mutex
	matrixCells = map[matrixRow]map[string]string{} // op -> "pass" or "FAIL"
)

// record notes a cell's outcome, "pass" or "FAIL".
func record(row matrixRow, op, outcome string) {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if matrixCells[row] == nil {
		matrixCells[row] = map[string]string{}
	}
	matrixCells[row][op] = outcome
}

// writeMatrix writes the recorded cells as a Markdown table.
func writeMatrix(path string) error {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	rows := make([]matrixRow, 0, len(matrixCells))
	var ops []string
	for row, cells := range matrixCells {
		rows = append(rows, row)
		for op := range cells {
			if !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
	}
	order := append(slices.Clone(matrixOps), "browserSTS", "browserMultipart")
	slices.SortFunc(ops, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	slices.SortFunc(rows, func(a, b matrixRow) int {
		return strings.Compare(a.client+a.sig+a.creds, b.client+b.sig+b.creds)
	})
	var b strings.Builder
	b.WriteString("| client | signature | credentials |")
	for _, op := range ops {
		title, ok := opTitles[op]
		if !ok {
			title = afterTitles[op]
		}
		b.WriteString(" " + title + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(ops)) + "\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |", row.client, row.sig, row.creds)
		for _, op := range ops {
			cell, ok := matrixCells[row][op]
			if !ok {
				cell = "–"
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// matrixData is what the Go clients upload; alioss/node.mjs makes its own
// and reports the MD5.
var (
	matrixSmall = randomData(70_000, 40)
	matrixParts = [][]byte{randomData(100<<10, 41), randomData(100<<10, 42), randomData(12345, 43)}
	matrixPut   = randomData(5000, 44)
)

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// matrixCreds are the credentials a row signs with.
type matrixCreds struct {
	name                 string
	id, secret, stsToken string
}

// Every official client, V1 and V4, with a permanent AccessKey and with
// STS credentials, through the standalone emulator.
func TestClientMatrix(t *testing.T) {
	const keyID, keySecret = "LTAI5tMatrixKey", "matrix-secret"
	sts := matrixCreds{name: "STS", id: "STS.NTMatrixTemporary", secret: "matrix-sts-secret", stsToken: "CAIS-matrix-security-token"}
	e := startEmulator(t, keyID, keySecret, "-bucket", testBucket, "-bucket", matrixBucket2,
		"-key", fmt.Sprintf("%s:%s:%s:%s", sts.id, sts.secret, sts.stsToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	app, events := callbackApp(t, e.pubKeyURL)
	creds := []matrixCreds{{name: "AccessKey", id: keyID, secret: keySecret}, sts}

	type driver struct {
		client string
		run    func(t *testing.T, v4 bool, c matrixCreds, prefix string) map[string]opResult
	}
	drivers := []driver{
		{"Go SDK v2", func(t *testing.T, v4 bool, c matrixCreds, prefix string) map[string]opResult {
			return goSDKOps(t, e, app.URL, v4, c, prefix)
		}},
		{"ali-oss Node", func(t *testing.T, v4 bool, c matrixCreds, prefix string) map[string]opResult {
			return aliOSSNodeOps(t, e, app.URL, v4, c, prefix)
		}},
	}
	for _, d := range drivers {
		for _, v4 := range []bool{true, false} {
			sig := map[bool]string{true: "V4", false: "V1"}[v4]
			for _, c := range creds {
				row := matrixRow{d.client, sig, c.name}
				t.Run(d.client+"/"+sig+"/"+c.name, func(t *testing.T) {
					drain(events)
					prefix := strings.NewReplacer(" ", "-").Replace(strings.ToLower(d.client+"/"+sig+"/"+c.name)) + "/"
					results := d.run(t, v4, c, prefix)
					for _, op := range matrixOps {
						t.Run(op, func(t *testing.T) {
							checkOp(t, row, op, results, events, prefix)
						})
					}
				})
			}
		}
	}
}

// drain drops callbacks left by an earlier row.
func drain(events chan *callback.Event) {
	for {
		select {
		case <-events:
		default:
			return
		}
	}
}

// checkOp checks one cell against what the application and the emulator
// saw, and records it.
func checkOp(t *testing.T, row matrixRow, op string, results map[string]opResult, events chan *callback.Event, prefix string) {
	if err := opError(op, results[op], results, events, prefix); err != nil {
		record(row, op, "FAIL")
		t.Error(err)
		return
	}
	record(row, op, "pass")
}

// opError says what is wrong with an operation's result, nil if nothing.
func opError(op string, r opResult, results map[string]opResult, events chan *callback.Event, prefix string) error {
	if !r.OK {
		return fmt.Errorf("%s: %s", op, r.Error)
	}
	want := func(cond bool, format string, args ...any) error {
		if cond {
			return nil
		}
		return fmt.Errorf("%s: "+format, append([]any{op}, args...)...)
	}
	switch op {
	case "putCallback", "multipartCallback":
		uid := map[string]string{"putCallback": "put", "multipartCallback": "multi"}[op]
		key := prefix + uid + ".bin"
		if err := want(r.Status == 200 && r.Data["uid"] == uid && r.Data["object"] == key, "status %d, application's answer %v", r.Status, r.Data); err != nil {
			return err
		}
		select {
		case ev := <-events:
			return want(ev.Object == key && ev.Size == r.Size && ev.Query.Get("uid") == uid, "callback %+v, want object %q size %d", ev, key, r.Size)
		default:
			return want(false, "the application received no callback")
		}
	case "get":
		return want(r.Status == 200 && r.MD5 == results["putCallback"].MD5 && r.Size == results["putCallback"].Size,
			"status %d, %d bytes md5 %s; want the PutObject's %d bytes", r.Status, r.Size, r.MD5, results["putCallback"].Size)
	case "head":
		return want(r.Status == 200 && r.Size == results["multipartCallback"].Size, "status %d, size %d; want the multipart object's %d", r.Status, r.Size, results["multipartCallback"].Size)
	case "presignedPut":
		return want(r.Status == 200, "status %d", r.Status)
	case "presignedGet":
		return want(r.Status == 200 && r.MD5 == results["presignedPut"].MD5, "status %d, md5 %s, want the presigned PUT's %s", r.Status, r.MD5, results["presignedPut"].MD5)
	case "delete":
		return want(r.Status == 204 && strings.HasPrefix(r.After, "404"), "status %d, then HEAD: %s", r.Status, r.After)
	}
	return afterError(op, r, results)
}

// matrixCallbackURL is a callback URL of the application bound with
// cmdCallbackSecret, for callbacks the application answers with uid.
func matrixCallbackURL(t *testing.T, appURL, uid string) string {
	bound, err := callback.BindURL(callback.Secrets{{ID: "default", Key: []byte(cmdCallbackSecret)}}, appURL+"/cb?uid="+uid, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return bound
}

// aliOSSNodeOps runs alioss/node.mjs with ali-oss against the emulator.
func aliOSSNodeOps(t *testing.T, e *emulator, appURL string, v4 bool, c matrixCreds, prefix string) map[string]opResult {
	node := needNode(t)
	spec := map[string]any{
		// localhost, not 127.0.0.1: ali-oss refuses to presign V1 URLs for
		// an IP address endpoint.
		"endpoint": strings.Replace(e.url, "127.0.0.1", "localhost", 1),
		"bucket":   testBucket, "bucket2": matrixBucket2, "region": testRegion, "v4": v4,
		"disposition": matrixDisposition,
		"accessKeyId": c.id, "accessKeySecret": c.secret, "stsToken": c.stsToken,
		"prefix":       prefix,
		"rowBucket":    matrixRowBucket(prefix),
		"tagsBucket":   matrixTagsBucket(prefix),
		"partRanges":   matrixPartRanges,
		"callbackURLs": map[string]string{"put": matrixCallbackURL(t, appURL, "put"), "multi": matrixCallbackURL(t, appURL, "multi")},
		"ops":          matrixOps,
	}
	specFile := filepath.Join(t.TempDir(), "spec.json")
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(specFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "node.mjs", specFile)
	cmd.Dir = "alioss"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node alioss/node.mjs: %v\n%s", err, stderr.String())
	}
	var results map[string]opResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("node alioss/node.mjs printed %q: %v", out, err)
	}
	return results
}

// aliOSSPackage is there once ali-oss is installed in alioss/.
var aliOSSPackage = filepath.Join("alioss", "node_modules", "ali-oss", "package.json")

// needNode returns node, with ali-oss installed in alioss/.
func needNode(t *testing.T) string {
	t.Helper()
	return browsertest.Node(t, "ali-oss", "cd interop/alioss && npm ci", aliOSSPackage)
}

// goSDKOps runs the matrix operations with the official Go SDK v2.
func goSDKOps(t *testing.T, e *emulator, appURL string, v4 bool, c matrixCreds, prefix string) map[string]opResult {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.id, c.secret, c.stsToken)).
		WithRegion(testRegion).WithEndpoint(e.url).WithUsePathStyle(true).WithRetryMaxAttempts(1)
	if !v4 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	client := oss.NewClient(cfg)
	ctx := context.Background()
	bucket := oss.Ptr(testBucket)
	res := map[string]opResult{}
	run := func(op string, f func() (opResult, error)) {
		r, err := f()
		if err != nil {
			r = opResult{Error: err.Error()}
		} else {
			r.OK = true
		}
		res[op] = r
	}
	run("putCallback", func() (opResult, error) {
		out, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "put.bin"), Body: bytes.NewReader(matrixSmall),
			Callback: encodedCallback(t, matrixCallbackURL(t, appURL, "put"))})
		if err != nil {
			return opResult{}, err
		}
		return opResult{Status: out.StatusCode, Data: out.CallbackResult, MD5: md5hex(matrixSmall), Size: int64(len(matrixSmall))}, nil
	})
	run("multipartCallback", func() (opResult, error) {
		key := oss.Ptr(prefix + "multi.bin")
		init, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket, Key: key})
		if err != nil {
			return opResult{}, err
		}
		var done []oss.UploadPart
		for i, p := range matrixParts {
			up, err := client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: bucket, Key: key, UploadId: init.UploadId, PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
			if err != nil {
				return opResult{}, err
			}
			done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: up.ETag})
		}
		out, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: bucket, Key: key, UploadId: init.UploadId,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: done}, Callback: encodedCallback(t, matrixCallbackURL(t, appURL, "multi"))})
		if err != nil {
			return opResult{}, err
		}
		all := bytes.Join(matrixParts, nil)
		return opResult{Status: out.StatusCode, Data: out.CallbackResult, MD5: md5hex(all), Size: int64(len(all))}, nil
	})
	run("get", func() (opResult, error) {
		out, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "put.bin")})
		if err != nil {
			return opResult{}, err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return opResult{Status: out.StatusCode, MD5: md5hex(b), Size: int64(len(b))}, err
	})
	run("head", func() (opResult, error) {
		out, err := client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "multi.bin")})
		if err != nil {
			return opResult{}, err
		}
		return opResult{Status: out.StatusCode, Size: out.ContentLength}, nil
	})
	presigned := func(req any, body []byte) (opResult, error) {
		p, err := client.Presign(ctx, req, oss.PresignExpires(time.Minute))
		if err != nil {
			return opResult{}, err
		}
		hreq, err := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
		if err != nil {
			return opResult{}, err
		}
		for k, v := range p.SignedHeaders {
			hreq.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(hreq)
		if err != nil {
			return opResult{}, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return opResult{}, fmt.Errorf("%s presigned: %d %s", p.Method, resp.StatusCode, b)
		}
		if p.Method == "PUT" {
			b = body
		}
		return opResult{Status: resp.StatusCode, MD5: md5hex(b), Size: int64(len(b))}, nil
	}
	run("presignedPut", func() (opResult, error) {
		return presigned(&oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "presigned.txt"), ContentType: oss.Ptr("text/plain")}, matrixPut)
	})
	run("presignedGet", func() (opResult, error) {
		return presigned(&oss.GetObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "presigned.txt")}, nil)
	})
	run("delete", func() (opResult, error) {
		out, err := client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "put.bin")})
		if err != nil {
			return opResult{}, err
		}
		r := opResult{Status: out.StatusCode, After: "still there"}
		_, err = client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: bucket, Key: oss.Ptr(prefix + "put.bin")})
		if se := (*oss.ServiceError)(nil); errors.As(err, &se) {
			r.After = fmt.Sprintf("%d %s", se.StatusCode, se.Code)
		}
		return r, nil
	})
	goSDKAfterOps(client, prefix, res)
	return res
}

// encodedCallback is the x-oss-callback value for a bound URL with a JSON
// body, as the Go SDK sends it.
func encodedCallback(t *testing.T, boundURL string) *string {
	enc, err := callback.Params{URL: boundURL, Body: callback.JSONBody("bucket", "object", "etag", "size", "mimeType"), BodyType: callback.BodyTypeJSON}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return oss.Ptr(enc)
}
