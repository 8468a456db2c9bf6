package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/signer"
)

// statusUpload is one upload through the demo's real handlers: a PostObject
// with a token from GET /oss/token, or a presigned multipart upload
// planned by POST /oss/multipart/plan. refuse runs just before the request
// whose callback the app answers (PostObject, CompleteMultipartUpload).
// It returns the stored key and OSS's status.
func statusUpload(t *testing.T, d *demo, multipart bool, refuse func()) (string, int) {
	t.Helper()
	c := browserClient(t)
	var cfg pageConfig
	getJSON(t, c, d.appURL+"/api/config", &cfg)
	if multipart {
		m := &mpClient{t: t, c: c, env: d, beforeComplete: refuse}
		st, body := m.upload("report.txt", "text/plain", bytes.Repeat([]byte("0123456789abcdef"), 5*minPartSize/2/16), 0)
		// The tag is signed on InitiateMultipartUpload, so the browser
		// cannot leave it out.
		if got := m.initiate.Header["x-oss-tagging"]; got != "status=pending" {
			t.Errorf("InitiateMultipartUpload signs x-oss-tagging %q, want status=pending", got)
		}
		if st != 200 && st != 203 {
			t.Fatalf("complete: %d %s", st, body)
		}
		return userDir(cfg.UID) + "report.txt", st
	}
	var tok signer.Token
	getJSON(t, c, d.appURL+"/oss/token", &tok)
	if refuse != nil {
		refuse()
	}
	key := tok.Dir + "a.txt"
	st, body := post(t, &tok, uploadForm{
		override: map[string]string{"x-oss-content-type": "text/plain"},
		key:      key, fileName: "a.txt", contentType: "text/plain", data: []byte("hello"),
	})
	if st != 200 && st != 203 {
		t.Fatalf("PostObject: %d %s", st, body)
	}
	return key, st
}

// An accepted upload ends tagged status=ready, set by the app after it
// verified the callback, with one log line for the transition. An upload
// whose callback the app refuses (here: it arrives after the bound
// callback URL expired, as in TestCallbackAfterBindingExpiryIsRefused) is
// stored all the same, as OSS does, and stays pending: tagged
// status=pending by a multipart upload, untagged by a PostObject, which
// cannot carry x-oss-tagging.
func TestUploadStatusTag(t *testing.T) {
	tests := []struct {
		name       string
		version    signer.Version
		multipart  bool
		refused    bool
		wantStatus int
		wantTag    string // the stored object's status tag; "" for none
	}{
		{"PostObject V4", signer.V4, false, false, 200, "ready"},
		{"PostObject V1", signer.V1, false, false, 200, "ready"},
		{"multipart V4", signer.V4, true, false, 200, "ready"},
		{"multipart V1", signer.V1, true, false, 200, "ready"},
		{"PostObject refused", signer.V4, false, true, 203, ""},
		{"multipart refused", signer.V4, true, true, 203, "pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			clock := newTestClock(time.Now().Truncate(time.Second))
			d := startDemo(t, demoOptions{
				version: tt.version, maxSize: 5 * minPartSize, threshold: minPartSize, partSize: minPartSize,
				expires: 5 * time.Minute, now: clock.now, logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			var refuse func()
			if tt.refused {
				refuse = func() { clock.advance(24 * time.Hour) }
			}
			key, st := statusUpload(t, d, tt.multipart, refuse)
			if st != tt.wantStatus {
				t.Fatalf("upload answered %d, want %d", st, tt.wantStatus)
			}
			d.app.Wait()
			obj, ok := d.emu.Object(key)
			if !ok {
				t.Fatalf("%s not stored", key)
			}
			if got := obj.Tags[statusTag]; got != tt.wantTag || len(obj.Tags) > 1 {
				t.Errorf("tags %v, want status %q", obj.Tags, tt.wantTag)
			}
			want := 0
			if tt.wantTag == "ready" {
				want = 1
			}
			if n := strings.Count(logs.String(), `msg="`+key+`: pending -> ready"`); n != want {
				t.Errorf("%d transitions logged, want %d; log:\n%s", n, want, logs.String())
			}
		})
	}
}

// The callback's answer does not wait for the status change: here the
// PutObjectTagging is held until the upload has been answered, and only
// then reaches OSS. A status change OSS refuses leaves the object pending
// and is logged with OSS's answer.
func TestUploadStatusInBackground(t *testing.T) {
	release := make(chan struct{})
	held := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-release
		return http.DefaultTransport.RoundTrip(r)
	})}
	d := startDemo(t, demoOptions{maxSize: 1000, client: held})
	key, st := statusUpload(t, d, false, nil)
	if st != 200 {
		t.Fatalf("upload answered %d while the status change was held", st)
	}
	if obj, _ := d.emu.Object(key); obj.Tags[statusTag] != "" {
		t.Errorf("tagged %v before the held request was sent", obj.Tags)
	}
	close(release)
	d.app.Wait()
	if obj, _ := d.emu.Object(key); obj.Tags[statusTag] != "ready" {
		t.Errorf("tags %v after the status change, want status=ready", obj.Tags)
	}

	var logs syncBuffer
	denied := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := "<Error><Code>AccessDenied</Code></Error>"
		return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})}
	d = startDemo(t, demoOptions{maxSize: 1000, client: denied, logger: slog.New(slog.NewTextHandler(&logs, nil))})
	key, st = statusUpload(t, d, false, nil)
	d.app.Wait()
	if obj, _ := d.emu.Object(key); st != 200 || obj.Tags[statusTag] != "" {
		t.Errorf("status %d, tags %v; want 200 and no tag", st, obj.Tags)
	}
	if l := logs.String(); !strings.Contains(l, key+": still pending") || !strings.Contains(l, "AccessDenied") || strings.Contains(l, "-> ready") {
		t.Errorf("log: %s", l)
	}
}
