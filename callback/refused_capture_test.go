package callback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/testkeys"
)

// refusedRequests are callbacks a Verifier with bindingSecrets refuses, each
// for another reason, and what "ossdirect diagnose" must say of each.
func refusedRequests(t *testing.T) []struct {
	name     string
	req      func() *http.Request
	status   int
	diagnose string // in diagnose's output
	exit     int
} {
	priv := testkeys.Private(512)
	bound, err := callback.BindURL(bindingSecrets, "https://app.example.com/oss/callback?uid=7", testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(bound, "https://app.example.com")
	const body = "object=uploads%2F7%2Fa.png&size=5"
	return []struct {
		name     string
		req      func() *http.Request
		status   int
		diagnose string
		exit     int
	}{
		{"body with a trailing newline", func() *http.Request {
			return newSignedRequest(priv, target, body+"\n", target+"\n"+body)
		}, http.StatusForbidden, "likely cause: body-trailing-newline", 1},
		{"unbound, from another account's upload", func() *http.Request {
			r := newSignedRequest(priv, "/oss/callback?uid=8", body, "/oss/callback?uid=8\n"+body)
			r.Header.Set("Cookie", "session=do-not-keep")
			return r
		}, http.StatusForbidden, "verifies: signed by OSS", 0},
		{"Authorization dropped by a proxy", func() *http.Request {
			r := newSignedRequest(priv, target, body, target+"\n"+body)
			r.Header.Del("Authorization")
			return r
		}, http.StatusBadRequest, "likely cause: authorization-dropped", 1},
	}
}

// testNow is the clock of the capture tests' Verifiers.
var testNow = time.Unix(1700000000, 0)

// capturedFiles lists dir's files, oldest first.
func capturedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// serve answers r with v's Handler.
func serve(v *callback.Verifier, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	v.Handler(func(context.Context, *callback.Event) (any, error) { return nil, nil }).ServeHTTP(w, r)
	return w
}

// TestCaptureDiagnose: every refused callback lands in the capture
// directory as one file that "ossdirect diagnose" (the CLI, built from this
// tree) reads and diagnoses as it would the request itself; the answers to
// OSS are those of a Verifier without Capture, and the files hold neither
// the app's secret nor cookies.
func TestCaptureDiagnose(t *testing.T) {
	dir := t.TempDir()
	capture := &callback.Capture{Dir: dir}
	keys := staticKeys(testkeys.Private(512))
	v := &callback.Verifier{Secrets: bindingSecrets, Keys: keys, Capture: capture, Logger: discardLogger, Now: func() time.Time { return testNow }}
	plain := &callback.Verifier{Secrets: bindingSecrets, Keys: keys, Logger: discardLogger, Now: func() time.Time { return testNow }}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := refusedRequests(t)
	for _, c := range cases {
		w, want := serve(v, c.req()), serve(plain, c.req())
		if w.Code != c.status || w.Code != want.Code || w.Body.String() != want.Body.String() {
			t.Errorf("%s: answered %d %s; without Capture %d %s; want %d", c.name, w.Code, w.Body, want.Code, want.Body, c.status)
		}
		capture.WaitIdle()
	}
	files := capturedFiles(t, dir)
	if len(files) != len(cases) || capture.Dropped() != 0 {
		t.Fatalf("captured %q, dropped %d; want %d files", files, capture.Dropped(), len(cases))
	}

	bin := filepath.Join(t.TempDir(), "ossdirect")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ossdirect/ossdirect/cmd/ossdirect").CombinedOutput(); err != nil {
		t.Fatalf("building ossdirect: %v\n%s", err, out)
	}
	pemFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(pemFile, testkeys.PublicPEM(512), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		path := filepath.Join(dir, files[i])
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: file mode %v, want 0600", c.name, fi.Mode().Perm())
		}
		if bytes.Contains(raw, bindingSecret) || bytes.Contains(raw, []byte("do-not-keep")) {
			t.Errorf("%s: capture holds the secret or a cookie:\n%s", c.name, raw)
		}
		out, err := exec.Command(bin, "diagnose", "-key", pemFile, path).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.exit || !strings.Contains(string(out), c.diagnose) {
			t.Errorf("%s: diagnose exited %d:\n%s\nwant exit %d and %q\ncapture:\n%s", c.name, code, out, c.exit, c.diagnose, raw)
		}
	}
}

// TestCaptureBounds: the directory keeps at most MaxFiles files and
// MaxBytes bytes, the newest, counting captures already there from an
// earlier run; a request larger than MaxBytes alone is dropped and counted.
func TestCaptureBounds(t *testing.T) {
	req := refusedRequests(t)[1].req
	size := func() int {
		dir := t.TempDir()
		c := &callback.Capture{Dir: dir}
		serve(&callback.Verifier{Secrets: bindingSecrets, Keys: staticKeys(testkeys.Private(512)), Capture: c, Logger: discardLogger}, req())
		c.WaitIdle()
		b, err := os.ReadFile(filepath.Join(dir, capturedFiles(t, dir)[0]))
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}()

	for _, tt := range []struct {
		name      string
		maxFiles  int
		maxBytes  int64
		earlier   int // captures already in the directory
		send      int
		wantFiles int
		dropped   int64
	}{
		{"file count", 3, 0, 0, 10, 3, 0},
		{"file count with earlier captures", 3, 0, 2, 2, 3, 0},
		{"bytes", 0, int64(2*size + size/2), 0, 5, 2, 0},
		{"larger than MaxBytes", 0, int64(size - 1), 0, 2, 0, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range tt.earlier {
				name := fmt.Sprintf("refused-20000101T000000.000000000Z-%d.http", i)
				if err := os.WriteFile(filepath.Join(dir, name), bytes.Repeat([]byte("x"), size), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not ours"), 0o600); err != nil {
				t.Fatal(err)
			}
			c := &callback.Capture{Dir: dir, MaxFiles: tt.maxFiles, MaxBytes: tt.maxBytes}
			v := &callback.Verifier{Secrets: bindingSecrets, Keys: staticKeys(testkeys.Private(512)), Capture: c, Logger: discardLogger}
			for range tt.send {
				serve(v, req())
				c.WaitIdle()
			}
			files := slices.DeleteFunc(capturedFiles(t, dir), func(n string) bool { return n == "notes.txt" })
			total := 0
			for _, f := range files {
				fi, err := os.Stat(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				total += int(fi.Size())
			}
			// The oldest go first: of the earlier captures, only the last
			// ones that fit stay.
			if removed := tt.earlier + tt.send - tt.wantFiles; tt.earlier > 0 && removed < tt.earlier {
				if want := fmt.Sprintf("refused-20000101T000000.000000000Z-%d.http", removed); len(files) == 0 || files[0] != want {
					t.Errorf("files %q, want the oldest kept to be %s", files, want)
				}
			}
			if len(files) != tt.wantFiles || c.Dropped() != tt.dropped {
				t.Errorf("%d files %q, dropped %d; want %d files, %d dropped", len(files), files, c.Dropped(), tt.wantFiles, tt.dropped)
			}
			if max := c.MaxBytes; max > 0 && int64(total) > max {
				t.Errorf("%d bytes kept, MaxBytes %d", total, max)
			}
			if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
				t.Errorf("a file that is not a capture was removed: %v", err)
			}
		})
	}
}

// TestCaptureUnwritable: when the capture directory cannot be written (here
// it has become a file), every answer is still the one a Verifier without
// Capture gives, each request is counted as dropped, and the failure is
// logged once, not once per request.
func TestCaptureUnwritable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "refused")
	if err := os.WriteFile(dir, []byte("a file where the directory was"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs logRecorder
	c := &callback.Capture{Dir: dir}
	keys := staticKeys(testkeys.Private(512))
	v := &callback.Verifier{Secrets: bindingSecrets, Keys: keys, Capture: c, Logger: logs.logger(), Now: func() time.Time { return testNow }}
	plain := &callback.Verifier{Secrets: bindingSecrets, Keys: keys, Logger: discardLogger, Now: func() time.Time { return testNow }}
	if err := v.Validate(); !errors.Is(err, callback.ErrConfig) {
		t.Errorf("Validate = %v, want ErrConfig for a Dir that is a file", err)
	}
	n := 0
	for range 3 {
		for _, r := range refusedRequests(t) {
			w, want := serve(v, r.req()), serve(plain, r.req())
			if w.Code != want.Code || w.Body.String() != want.Body.String() {
				t.Errorf("%s: answered %d %s, without Capture %d %s", r.name, w.Code, w.Body, want.Code, want.Body)
			}
			n++
			c.WaitIdle()
		}
	}
	if c.Dropped() != int64(n) {
		t.Errorf("dropped %d, want %d", c.Dropped(), n)
	}
	warnings := 0
	logs.mu.Lock()
	for _, r := range logs.records {
		if r.Message == "OSS callback refused, not captured" {
			warnings++
		}
	}
	logs.mu.Unlock()
	if warnings != 1 {
		t.Errorf("%d log lines about the capture failure, want 1", warnings)
	}
}

// TestCaptureBurst: refusals arriving faster than the writer are each either
// written or dropped and counted, never lost silently, and never more files
// than the bound; the answers do not wait for the disk.
func TestCaptureBurst(t *testing.T) {
	dir := t.TempDir()
	c := &callback.Capture{Dir: dir, MaxFiles: 1000}
	v := &callback.Verifier{Secrets: bindingSecrets, Keys: staticKeys(testkeys.Private(512)), Capture: c, Logger: discardLogger}
	req := refusedRequests(t)[1].req
	const n = 200
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / 8 {
				if w := serve(v, req()); w.Code != http.StatusForbidden {
					t.Errorf("answered %d", w.Code)
				}
			}
		}()
	}
	wg.Wait()
	c.WaitIdle()
	files := capturedFiles(t, dir)
	if int64(len(files))+c.Dropped() != n {
		t.Errorf("%d files + %d dropped, want %d requests accounted for", len(files), c.Dropped(), n)
	}
}
