package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
)

// mpClient drives the app's multipart endpoints and the emulator the way
// the page does, as one user (cookie jar).
type mpClient struct {
	t   *testing.T
	c   *http.Client
	env *demo
	// beforeComplete, if set, runs between presigning and sending
	// CompleteMultipartUpload.
	beforeComplete func()
	// initiate is the last InitiateMultipartUpload request presigned.
	initiate *signer.Presigned
}

type mpPlan struct {
	Ticket    string            `json:"ticket"`
	Key       string            `json:"key"`
	Size      int64             `json:"size"`
	PartSize  int64             `json:"part_size"`
	PartCount int               `json:"part_count"`
	Initiate  *signer.Presigned `json:"initiate"`
}

// step POSTs body to /oss/multipart/<name>; it returns the status and the
// answer, decoded into out when 200.
func (m *mpClient) step(name string, body, out any) (int, string) {
	m.t.Helper()
	b, _ := json.Marshal(body)
	res, err := m.c.Post(m.env.appURL+"/oss/multipart/"+name, "application/json", bytes.NewReader(b))
	if err != nil {
		m.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			m.t.Fatalf("%s: %v in %s", name, err, raw)
		}
	}
	return res.StatusCode, string(raw)
}

// upload plans, initiates and sends data's parts, then completes listing
// only the first `list` parts (all if 0). It returns Complete's status and
// body.
func (m *mpClient) upload(name, typ string, data []byte, list int) (int, string) {
	m.t.Helper()
	var plan mpPlan
	if st, body := m.step("plan?naming=local", signer.File{Name: name, Size: int64(len(data)), Type: typ}, &plan); st != 200 {
		m.t.Fatalf("plan: %d %s", st, body)
	}
	m.initiate = plan.Initiate
	st, _, body := sendPresigned(m.t, plan.Initiate, nil)
	var ini struct{ UploadId string }
	if st != 200 || xml.Unmarshal([]byte(body), &ini) != nil {
		m.t.Fatalf("initiate: %d %s", st, body)
	}
	nums := make([]int, plan.PartCount)
	for i := range nums {
		nums[i] = i + 1
	}
	var parts struct{ Parts []signer.Part }
	if st, body := m.step("parts", map[string]any{"ticket": plan.Ticket, "upload_id": ini.UploadId, "parts": nums}, &parts); st != 200 {
		m.t.Fatalf("parts: %d %s", st, body)
	}
	var xmlParts strings.Builder
	for i, p := range parts.Parts {
		start := int64(p.Number-1) * plan.PartSize
		st, h, body := sendPresigned(m.t, &p.Presigned, data[start:min(start+plan.PartSize, int64(len(data)))])
		if st != 200 {
			m.t.Fatalf("part %d: %d %s", p.Number, st, body)
		}
		if list == 0 || i < list {
			fmt.Fprintf(&xmlParts, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p.Number, h.Get("ETag"))
		}
	}
	var complete struct{ Request *signer.Presigned }
	if st, body := m.step("complete", map[string]any{"ticket": plan.Ticket, "upload_id": ini.UploadId}, &complete); st != 200 {
		m.t.Fatalf("complete: %d %s", st, body)
	}
	if m.beforeComplete != nil {
		m.beforeComplete()
	}
	st, _, body = sendPresigned(m.t, complete.Request, []byte("<CompleteMultipartUpload>"+xmlParts.String()+"</CompleteMultipartUpload>"))
	return st, body
}

// The app's side of a multipart upload against the emulator: the whole
// file is recorded as for PostObject; a Complete that leaves out a part
// stores a smaller object, which the callback handler refuses
// (signer.CheckSize), so OSS reports CallbackFailed, the app records
// nothing and deletes the object, while the accepted one stays; a plan over the app's limit is refused with 413, one of a type it
// does not allow with 415, each with a reason a person can read.
func TestMultipartThroughEmulator(t *testing.T) {
	const partSize = minPartSize
	env := startDemo(t, demoOptions{maxSize: 5 * partSize, threshold: partSize, partSize: partSize})
	m := &mpClient{t: t, c: browserClient(t), env: env}
	data := bytes.Repeat([]byte("0123456789abcdef"), 5*partSize/2/16) // 2.5 parts

	st, body := m.upload("report.txt", "text/plain", data, 0)
	var rec Record
	if st != 200 || json.Unmarshal([]byte(body), &rec) != nil {
		t.Fatalf("complete: %d %s; want 200 with the app's answer", st, body)
	}
	if rec.Status != "OK" || rec.Size != int64(len(data)) || rec.Object != userDir(rec.UID)+"report.txt" || rec.MimeType != "text/plain" {
		t.Errorf("answer %+v", rec)
	}
	if got, _ := env.storedBytes(rec.Object); !bytes.Equal(got, data) {
		t.Errorf("stored bytes differ from the uploaded ones")
	}

	st, body = m.upload("short.txt", "text/plain", data, 2)
	if st != 203 || !strings.Contains(body, "CallbackFailed") {
		t.Errorf("complete without the last part: %d %s; want 203 CallbackFailed", st, body)
	}
	if got := env.app.Records(rec.UID); len(got) != 1 {
		t.Errorf("app recorded %d uploads, want only the complete one: %+v", len(got), got)
	}
	env.app.Wait()
	if _, ok := env.storedBytes(userDir(rec.UID) + "short.txt"); ok {
		t.Errorf("the refused object is still stored")
	}
	if got, _ := env.storedBytes(rec.Object); !bytes.Equal(got, data) {
		t.Errorf("the accepted object is gone or changed")
	}

	for _, tt := range []struct {
		name   string
		file   signer.File
		status int
		want   string
	}{
		{"over the limit", signer.File{Name: "big.txt", Size: 5*partSize + 1, Type: "text/plain"}, http.StatusRequestEntityTooLarge,
			`{"error":"the file is 500.0 KiB (512001 bytes), over the limit of 500 KiB"}`},
		{"type not allowed", signer.File{Name: "x.exe", Size: 2 * partSize, Type: "application/x-msdownload"}, http.StatusUnsupportedMediaType,
			`{"error":"files of type \"application/x-msdownload\" are not accepted"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if st, body := m.step("plan", tt.file, nil); st != tt.status || strings.TrimSpace(body) != tt.want {
				t.Errorf("plan: %d %s; want %d %s", st, body, tt.status, tt.want)
			}
		})
	}
}

// onUpload refuses an object whose size differs from the multipart plan
// bound in the callback URL, or exceeds the app's limit, whichever path
// it came by, and deletes it from the bucket (OSS keeps it whatever the
// callback answers); an accepted object stays, and so does a refused one
// that a callback places in another bucket. Each deletion is logged.
func TestCallbackSizeChecks(t *testing.T) {
	var logs syncBuffer
	env := startDemo(t, demoOptions{maxSize: 1000, logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const uid = "0123456789abcdef"
	tests := []struct {
		name    string
		size    int64
		planned string // SizeParam in the bound query; "" for PostObject
		bucket  string // "" for the app's bucket
		wantErr error
		status  int // the HTTPError's status when refused
	}{
		{"PostObject within the limit", 1000, "", "", nil, 0},
		{"PostObject over the limit", 1001, "", "", errTooLarge, http.StatusRequestEntityTooLarge},
		{"multipart as planned", 900, "900", "", nil, 0},
		{"multipart smaller than planned", 899, "900", "", signer.ErrSizeMismatch, http.StatusBadRequest},
		{"multipart as planned, over the limit", 2000, "2000", "", errTooLarge, http.StatusRequestEntityTooLarge},
		{"over the limit in another bucket", 1001, "", "otherbucket", errTooLarge, http.StatusRequestEntityTooLarge},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("%sf%d", userDir(uid), i)
			env.put(t, key, []byte("content"))
			q := url.Values{"uid": {uid}}
			if tt.planned != "" {
				q.Set(signer.SizeParam, tt.planned)
			}
			bucket := env.emu.Bucket()
			if tt.bucket != "" {
				bucket = tt.bucket
			}
			ev := &callback.Event{Bucket: bucket, Object: key, Size: tt.size, Vars: map[string]string{uidVar: uid}, Query: q}
			_, err := env.app.onUpload(context.Background(), ev)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("onUpload: %v, want %v", err, tt.wantErr)
			}
			var he *callback.HTTPError
			if err != nil && (!errors.As(err, &he) || he.Status != tt.status) {
				t.Errorf("error %v is not a %d HTTPError", err, tt.status)
			}
			env.app.Wait()
			_, stored := env.storedBytes(key)
			deleted := err != nil && tt.bucket == ""
			if stored == deleted {
				t.Errorf("object stored: %v; want %v", stored, !deleted)
			}
			if logged := strings.Contains(logs.String(), `msg="refused object deleted" object=`+key+" "); logged != deleted {
				t.Errorf("deletion logged: %v, want %v; log:\n%s", logged, deleted, logs.String())
			}
		})
	}
}

// A deletion that fails is logged with OSS's answer, and the callback is
// refused all the same.
func TestRefusedObjectDeleteFailure(t *testing.T) {
	var logs syncBuffer
	denied := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := "<Error><Code>AccessDenied</Code></Error>"
		return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})}
	env := startDemo(t, demoOptions{maxSize: 10, logger: slog.New(slog.NewTextHandler(&logs, nil)), client: denied})
	const uid = "0123456789abcdef"
	key := userDir(uid) + "big"
	env.put(t, key, []byte("content"))
	ev := &callback.Event{Bucket: env.emu.Bucket(), Object: key, Size: 11, Vars: map[string]string{uidVar: uid}, Query: url.Values{"uid": {uid}}}
	if _, err := env.app.onUpload(context.Background(), ev); !errors.Is(err, errTooLarge) {
		t.Fatalf("onUpload: %v, want errTooLarge", err)
	}
	env.app.Wait()
	if _, ok := env.storedBytes(key); !ok {
		t.Error("object gone although the DELETE was refused")
	}
	if l := logs.String(); !strings.Contains(l, "refused object not deleted") || !strings.Contains(l, "403 Forbidden") || !strings.Contains(l, "AccessDenied") {
		t.Errorf("log: %s", l)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// syncBuffer is a bytes.Buffer that the app's goroutines may write to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
