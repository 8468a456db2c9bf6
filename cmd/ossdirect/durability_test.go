package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// v1Client signs requests to the standalone emulator with V1 header
// signatures (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header),
// written out here so that the test depends on no client library.
type v1Client struct {
	url, id, secret, bucket string
}

// request builds a signed request for key with the given subresource query
// ("uploads", "partNumber=1&uploadId=X", ...), already in sorted order.
func (c v1Client) request(t *testing.T, method, key, subresource string, body io.Reader, size int64) *http.Request {
	t.Helper()
	u := c.url + "/" + c.bucket + "/" + key
	resource := "/" + c.bucket + "/" + key
	if subresource != "" {
		u += "?" + subresource
		resource += "?" + subresource
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Content-Type", "application/octet-stream")
	m := hmac.New(sha1.New, []byte(c.secret))
	m.Write([]byte(method + "\n\napplication/octet-stream\n" + date + "\n" + resource))
	req.Header.Set("Authorization", "OSS "+c.id+":"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	return req
}

func (c v1Client) do(t *testing.T, method, key, subresource string, body []byte, want int) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(c.request(t, method, key, subresource, bytes.NewReader(body), int64(len(body))))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s?%s: %d %s", method, key, subresource, resp.StatusCode, b)
	}
	return resp, b
}

// killedMidUpload sends a body of cutSize bytes to the emulator as method
// key?subresource, declared 2*cutSize long, and SIGKILLs the emulator once
// the body is half sent. Writes to the request body block while the
// emulator does not read, so once cutSize bytes are written all but what
// the loopback socket buffers hold has reached it: its temporary file must
// exist then, which the test checks before the kill.
func killedMidUpload(t *testing.T, p *emulatorProc, c v1Client, dir string, uploads ...[2]string) {
	t.Helper()
	const cutSize = 32 << 20
	chunk := make([]byte, 1<<20)
	done := make(chan error, len(uploads))
	var writers []*io.PipeWriter
	for _, up := range uploads {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req := c.request(t, http.MethodPut, up[0], up[1], pr, 2*cutSize)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				err = fmt.Errorf("answered %d before the end of the body", resp.StatusCode)
			}
			done <- err
		}()
	}
	for _, pw := range writers {
		for range cutSize / len(chunk) {
			if _, err := pw.Write(chunk); err != nil {
				t.Fatalf("writing the body: %v", err)
			}
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".upload-*.tmp")); len(tmp) != len(uploads) {
		t.Fatalf("temporary files mid-upload: %v, want %d", tmp, len(uploads))
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	for _, pw := range writers {
		pw.CloseWithError(errKilled)
	}
	for range uploads {
		if err := <-done; err == nil || strings.Contains(err.Error(), "answered") {
			t.Errorf("upload cut off by SIGKILL: %v", err)
		}
	}
}

var errKilled = errors.New("emulator killed")

// tempFiles returns the temporary files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, ".*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func etagOf(b []byte) string {
	s := md5.Sum(b)
	return `"` + strings.ToUpper(hex.EncodeToString(s[:])) + `"`
}

type listParts struct {
	Part []struct {
		PartNumber int
		ETag       string
	}
}

// TestEmulatorSurvivesSIGKILL kills the standalone emulator with SIGKILL
// while PUTs (an overwrite and a new object) and then an UploadPart stream
// in, and restarts it on the same -dir each time: the old object is intact,
// the new one does not exist (no half object), no temporary file remains,
// and the multipart upload resumes with its stored parts (ListParts) and
// completes with the multipart ETag of its parts.
func TestEmulatorSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-access-key-id", "LTAI5tKillTest", "-access-key-secret", "kill-test-secret", "-dir", dir}
	p := startEmulator(t, args...)
	c := v1Client{url: p.URL, id: "LTAI5tKillTest", secret: "kill-test-secret", bucket: "examplebucket"}
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}

	old := random(1 << 20)
	c.do(t, http.MethodPut, "keep.bin", "", old, 200)
	_, body := c.do(t, http.MethodPost, "big.bin", "uploads", nil, 200)
	var initiated struct{ UploadId string }
	if err := xml.Unmarshal(body, &initiated); err != nil || initiated.UploadId == "" {
		t.Fatalf("initiate: %s", body)
	}
	id := initiated.UploadId
	part1 := random(256 << 10)
	resp, _ := c.do(t, http.MethodPut, "big.bin", "partNumber=1&uploadId="+id, part1, 200)
	etag1 := resp.Header.Get("ETag")

	killedMidUpload(t, p, c, dir, [2]string{"keep.bin", ""}, [2]string{"half.bin", ""})
	p = startEmulator(t, args...)
	c.url = p.URL
	resp, got := c.do(t, http.MethodGet, "keep.bin", "", nil, 200)
	if !bytes.Equal(got, old) || resp.Header.Get("ETag") != etagOf(old) {
		t.Errorf("keep.bin after the kill: %d bytes, ETag %s", len(got), resp.Header.Get("ETag"))
	}
	c.do(t, http.MethodGet, "half.bin", "", nil, 404)
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files after restart: %v", tmp)
	}

	killedMidUpload(t, p, c, dir, [2]string{"big.bin", "partNumber=2&uploadId=" + id})
	p = startEmulator(t, args...)
	c.url = p.URL
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files after restart: %v", tmp)
	}
	_, body = c.do(t, http.MethodGet, "big.bin", "uploadId="+id, nil, 200)
	var lp listParts
	if err := xml.Unmarshal(body, &lp); err != nil || len(lp.Part) != 1 || lp.Part[0].PartNumber != 1 || lp.Part[0].ETag != etag1 {
		t.Fatalf("ListParts after the kill: %s", body)
	}
	part2 := random(1000)
	resp, _ = c.do(t, http.MethodPut, "big.bin", "partNumber=2&uploadId="+id, part2, 200)
	complete := fmt.Sprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"+
		"<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>", etag1, resp.Header.Get("ETag"))
	resp, _ = c.do(t, http.MethodPost, "big.bin", "uploadId="+id, []byte(complete), 200)
	h := md5.New()
	for _, part := range [][]byte{part1, part2} {
		s := md5.Sum(part)
		h.Write(s[:])
	}
	if want := `"` + strings.ToUpper(hex.EncodeToString(h.Sum(nil))) + `-2"`; resp.Header.Get("ETag") != want {
		t.Errorf("completed ETag %s, want %s", resp.Header.Get("ETag"), want)
	}
	_, got = c.do(t, http.MethodGet, "big.bin", "", nil, 200)
	if !bytes.Equal(got, slices.Concat(part1, part2)) {
		t.Errorf("big.bin: %d bytes", len(got))
	}
	// What remains: the journal and one content file per object.
	names, _ := os.ReadDir(dir)
	var kinds []string
	for _, d := range names {
		kind, _, _ := strings.Cut(d.Name(), "-")
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	if want := []string{"journal", "obj", "obj"}; !slices.Equal(kinds, want) {
		t.Errorf("files in -dir: %v", names)
	}
}
