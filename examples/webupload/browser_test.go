package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/internal/browsertest"
	"github.com/ossdirect/ossdirect/signer"
)

// The browser test drives the real page in Debian's headless Chromium via
// playwright-core (e2e/upload.mjs); browsertest skips it where they are
// missing, but for ./test.sh, which installs them.
func needBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	return browsertest.Need(t, "cd examples/webupload/e2e && npm ci", filepath.Join("e2e", "node_modules", "playwright-core", "package.json"))
}

// e2eSpec and e2eResult mirror the JSON that e2e/upload.mjs reads and writes.
type e2eSpec struct {
	Viewport   e2eViewport `json:"viewport"`
	Screenshot string      `json:"screenshot"`
	Steps      []e2eStep   `json:"steps"`
}

type e2eViewport struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type e2eStep struct {
	Naming     string    `json:"naming"`
	SkipChecks bool      `json:"skipChecks"`
	Files      []e2eFile `json:"files"`
	// Large files (see e2e/upload.mjs): hooks fetched before the step and
	// after the action, which is taken once WaitParts parts are stored.
	Before    string `json:"before,omitempty"`
	WaitParts int    `json:"waitParts,omitempty"`
	Ready     string `json:"ready,omitempty"`
	Then      string `json:"then,omitempty"`
	Hook      string `json:"hook,omitempty"`
}

type e2eFile struct {
	Name     string `json:"name,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	Base64   string `json:"base64,omitempty"`
	// Path, if set, is a file on disk the browser picks (its mtime is the
	// File's lastModified, the same on every pick).
	Path string `json:"path,omitempty"`
	data []byte
}

type e2eResult struct {
	Steps []struct {
		Items       []e2eItem `json:"items"`
		Paused      *e2eItem  `json:"paused"`
		Interrupted []e2eItem `json:"interrupted"`
		ResumeNote  string    `json:"resumeNote"`
	} `json:"steps"`
	Responses []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
		Status int    `json:"status"`
	} `json:"responses"`
	ConsoleErrors      []string `json:"consoleErrors"`
	HorizontalOverflow bool     `json:"horizontalOverflow"`
	Injected           bool     `json:"injected"`
	SkipLabel          string   `json:"skipLabel"`
	QueueNote          string   `json:"queueNote"`
	Dialogs            []string `json:"dialogs"`
	PageErrors         []string `json:"pageErrors"`
	Requests           []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"requests"`
}

type e2eItem struct {
	Name    string  `json:"name"`
	State   string  `json:"state"`
	Status  string  `json:"status"`
	Answer  *Record `json:"answer"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Text    string  `json:"text"`
	// Mode is "post" or "multipart"; PartsDone counts the parts OSS holds.
	Mode      string `json:"mode"`
	PartsDone int    `json:"partsDone"`
	// Resend lists the parts a pause cut off in flight ("3,4,5"); Bar is
	// the progress bar's value.
	Resend    string `json:"resend"`
	Bar       int    `json:"bar"`
	BarHidden bool   `json:"barHidden"`
}

func newFile(rng *rand.Rand, name, mimeType string, size int) e2eFile {
	data := randomBytes(rng, size)
	return e2eFile{Name: name, MimeType: mimeType, Base64: base64.StdEncoding.EncodeToString(data), data: data}
}

func randomBytes(rng *rand.Rand, size int) []byte {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	return data
}

// runBrowser runs e2e/upload.mjs against appURL and returns what the page showed.
func runBrowser(t *testing.T, node, chromium, appURL string, spec e2eSpec) e2eResult {
	t.Helper()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "spec.json")
	resultPath := filepath.Join(dir, "result.json")
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(specPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "upload.mjs"), appURL, specPath, resultPath)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node e2e/upload.mjs: %v\n%s", err, out.String())
	}
	b, err = os.ReadFile(resultPath)
	if err != nil {
		t.Fatalf("no result from e2e/upload.mjs: %v\n%s", err, out.String())
	}
	var res e2eResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("result.json: %v\n%s", err, b)
	}
	if len(res.Steps) != len(spec.Steps) {
		t.Fatalf("browser ran %d steps, want %d\n%s", len(res.Steps), len(spec.Steps), b)
	}
	if len(res.PageErrors) > 0 {
		t.Errorf("uncaught errors in the page: %q", res.PageErrors)
	}
	if res.Injected || len(res.Dialogs) > 0 {
		t.Errorf("markup became live in the page (dialogs %q)", res.Dialogs)
	}
	if res.HorizontalOverflow {
		t.Errorf("the page is wider than the %dpx viewport", spec.Viewport.Width)
	}
	return res
}

func TestBrowserUpload(t *testing.T) {
	node, chromium := needBrowser(t)

	tests := []struct {
		name     string
		version  signer.Version
		viewport e2eViewport
		// The page re-fetches a token that expires within 3 s: with 10
		// minute tokens one fetch serves all four uploads; with 3 s tokens
		// every batch that reaches OSS needs a fresh one (the two files of
		// the first batch share it; the last batch never leaves the page).
		expires   time.Duration
		tokenGets int
	}{
		{name: "v1 phone", version: signer.V1, viewport: e2eViewport{Width: 412, Height: 915},
			tokenGets: 1},
		{name: "v4 desktop 3s tokens", version: signer.V4, viewport: e2eViewport{Width: 900, Height: 800},
			expires: 3 * time.Second, tokenGets: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const maxSize = 64 << 10
			env := startDemo(t, demoOptions{version: tt.version, maxSize: maxSize, expires: tt.expires})

			rng := rand.New(rand.NewPCG(1, uint64(tt.version)))
			notes := newFile(rng, "notes.txt", "text/plain", 3000)
			picture := newFile(rng, "holiday photo.png", "image/png", 40<<10)
			local := newFile(rng, "field report.txt", "text/plain", 1234)
			tooLarge := newFile(rng, "too-large.txt", "text/plain", maxSize+1)
			spec := e2eSpec{
				Viewport: tt.viewport,
				Steps: []e2eStep{
					{Naming: "random", Files: []e2eFile{notes, picture}},
					{Naming: "local", Files: []e2eFile{local}},
					// The page's own size check would stop this one; skip it
					// so OSS's server-side check answers.
					{Naming: "random", SkipChecks: true, Files: []e2eFile{tooLarge}},
					{Naming: "random", Files: []e2eFile{tooLarge}},
				},
			}
			res := runBrowser(t, node, chromium, env.appURL, spec)

			uploaded := append(res.Steps[0].Items, res.Steps[1].Items...)
			want := []e2eFile{notes, picture, local}
			var uid string
			var counts []int // the answers' uploads fields
			for i, item := range uploaded {
				f := want[i]
				if item.Name != f.Name || item.State != "done" || item.Answer == nil {
					t.Errorf("%s: page shows state %q, answer %v, %q; want done with the app's answer", f.Name, item.State, item.Answer, item.Text)
					continue
				}
				a := item.Answer
				if uid == "" {
					uid = a.UID
				}
				if a.UID != uid || !validUID(a.UID) {
					t.Errorf("%s: answer uid %q, want one user id %q", f.Name, a.UID, uid)
				}
				if !strings.HasPrefix(a.Object, userDir(a.UID)) {
					t.Errorf("%s: object %q outside the user's prefix %q", f.Name, a.Object, userDir(a.UID))
				}
				if a.Size != int64(len(f.data)) {
					t.Errorf("%s: answer size %d, want %d", f.Name, a.Size, len(f.data))
				}
				// The page says what the answer's uploads field counts.
				counts = append(counts, a.Uploads)
				s := "s"
				if a.Uploads == 1 {
					s = ""
				}
				if want := fmt.Sprintf("uploads %d: the app has recorded %d upload%s for you so far, this one included.", a.Uploads, a.Uploads, s); !strings.Contains(item.Text, want) {
					t.Errorf("%s: the page does not explain the uploads field (%q) in %q", f.Name, want, item.Text)
				}
				got, ok := env.storedBytes(a.Object)
				if !ok {
					t.Errorf("%s: object %q is not in the emulator", f.Name, a.Object)
				} else if !bytes.Equal(got, f.data) {
					t.Errorf("%s: emulator holds %d bytes for %q that differ from the %d bytes uploaded", f.Name, len(got), a.Object, len(f.data))
				}
			}
			if len(uploaded) == 3 && uploaded[2].Answer != nil {
				// ${filename}: OSS names the object after the file part's name.
				if got, want := uploaded[2].Answer.Object, userDir(uid)+local.Name; got != want {
					t.Errorf("local name: object %q, want %q", got, want)
				}
			}
			// The first two files go up together, in either order.
			if len(counts) != 3 || !sameSet(counts[:2], []int{1, 2}) || counts[2] != 3 {
				t.Errorf("answers' uploads fields %v, want 1 and 2 (either order), then 3", counts)
			}
			if got := env.app.Records(uid); len(got) != 3 {
				t.Errorf("app recorded %d uploads for %s, want 3: %+v", len(got), uid, got)
			}

			over := res.Steps[2].Items[0]
			if over.State != "error" || over.Code != "EntityTooLarge" ||
				over.Message != "Your proposed upload exceeds the maximum allowed size." {
				t.Errorf("over-size upload: page shows state %q %q %q; want OSS's EntityTooLarge error", over.State, over.Code, over.Message)
			}
			if !strings.Contains(over.Text, "EntityTooLarge") {
				t.Errorf("over-size upload: OSS's error code is not on the page: %q", over.Text)
			}
			rejected := res.Steps[3].Items[0]
			if rejected.State != "rejected" || rejected.Status != "not sent" || rejected.Code != "client-side check" {
				t.Errorf("over-size upload with client checks: state %q %q code %q, want not sent, refused by the page", rejected.State, rejected.Status, rejected.Code)
			}
			if over.Status != "failed" {
				t.Errorf("over-size upload refused by OSS: status %q, want failed", over.Status)
			}
			if !strings.Contains(res.QueueNote, "after a reload, finished uploads are no longer listed") {
				t.Errorf("the page does not say that finished uploads are not listed after a reload: note %q", res.QueueNote)
			}
			if n := env.objectCount(); n != 3 {
				t.Errorf("emulator holds %d objects, want 3", n)
			}

			// The bytes went from the browser to the emulator, never through the app.
			var toOSS, toApp, tokenGets int
			for _, r := range res.Requests {
				if r.Method == "GET" && r.URL == env.appURL+"/oss/token" {
					tokenGets++
				}
				if r.Method != "POST" {
					continue
				}
				switch {
				case strings.HasPrefix(r.URL, env.ossURL):
					toOSS++
				case strings.HasPrefix(r.URL, env.appURL):
					toApp++
				}
			}
			if toOSS != 4 || toApp != 0 {
				t.Errorf("browser POSTed %d times to OSS and %d times to the app; want 4 and 0", toOSS, toApp)
			}
			if tokenGets != tt.tokenGets {
				t.Errorf("page fetched a token %d times, want %d", tokenGets, tt.tokenGets)
			}
		})
	}
}

// When OSS cannot get an answer from the app it still stores the object and
// tells the browser 203 CallbackFailed (docs/PROTOCOL.md#callback-outcome);
// the page must say that the file is stored but the app was not told.
func TestBrowserCallbackFailure(t *testing.T) {
	node, chromium := needBrowser(t)
	env := startDemo(t, demoOptions{maxSize: 64 << 10, callbackFault: func(string) error { return errors.New("app server unreachable") }})

	rng := rand.New(rand.NewPCG(2, 2))
	f := newFile(rng, "orphan.txt", "text/plain", 500)
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport: e2eViewport{Width: 412, Height: 915},
		Steps:    []e2eStep{{Naming: "local", Files: []e2eFile{f}}},
	})
	item := res.Steps[0].Items[0]
	t.Logf("page shows: %s %s", item.Status, item.Text)
	if item.State != "stored" || item.Code != "CallbackFailed" || item.Answer != nil {
		t.Errorf("page shows state %q, code %q, answer %v: %q; want stored with OSS's CallbackFailed", item.State, item.Code, item.Answer, item.Text)
	}
	objs := env.emu.Objects()
	if len(objs) != 1 || !strings.HasSuffix(objs[0].Key, "/orphan.txt") {
		t.Fatalf("emulator holds %+v, want the one uploaded object", objs)
	}
	if got, _ := env.storedBytes(objs[0].Key); !bytes.Equal(got, f.data) {
		t.Errorf("stored bytes differ from the uploaded ones")
	}
}

// File names and answers are shown as text, never parsed as HTML: a file
// named like markup, uploaded under its own name (${filename}), comes back
// in the app's answer and must not create elements or run script.
func TestBrowserHostileFileName(t *testing.T) {
	node, chromium := needBrowser(t)
	env := startDemo(t, demoOptions{maxSize: 64 << 10})
	// No '"': browsers send it as %22 in the multipart filename (HTML's
	// form encoding), and OSS stores what it gets.
	const name = `<img src=x onerror=window.__xss=1>&amp;<b>.txt`
	rng := rand.New(rand.NewPCG(3, 3))
	f := newFile(rng, name, "text/plain", 100)
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport: e2eViewport{Width: 412, Height: 915},
		Steps:    []e2eStep{{Naming: "local", Files: []e2eFile{f}}},
	})
	item := res.Steps[0].Items[0]
	if item.State != "done" || item.Answer == nil {
		t.Fatalf("page shows state %q, %q; want done with the app's answer", item.State, item.Text)
	}
	if item.Name != name || !strings.HasSuffix(item.Answer.Object, "/"+name) || !strings.Contains(item.Text, name) {
		t.Errorf("name %q, object %q, text %q; want the literal name %q", item.Name, item.Answer.Object, item.Text, name)
	}
}

// When the token endpoint fails, every file of the batch says so with the
// app's status, nothing is sent to OSS, and a long error body neither
// floods nor widens the page.
func TestBrowserTokenFailure(t *testing.T) {
	node, chromium := needBrowser(t)
	long := "upstream_error_" + strings.Repeat("x", 2000)
	env := startDemo(t, demoOptions{maxSize: 64 << 10, wrap: func(app http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/oss/token" {
				http.Error(w, long, http.StatusBadGateway)
				return
			}
			app.ServeHTTP(w, r)
		})
	}})
	rng := rand.New(rand.NewPCG(4, 4))
	files := []e2eFile{newFile(rng, "a.txt", "text/plain", 10), newFile(rng, "b.txt", "text/plain", 20)}
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport: e2eViewport{Width: 412, Height: 915},
		Steps:    []e2eStep{{Naming: "random", Files: files}},
	})
	for _, item := range res.Steps[0].Items {
		if item.State != "error" || item.Code != "app" || !strings.Contains(item.Message, "HTTP 502") || !strings.Contains(item.Message, "upstream_error_") {
			t.Errorf("%s: state %q code %q message %q; want the token endpoint's 502", item.Name, item.State, item.Code, item.Message)
		}
		if len(item.Message) > 500 {
			t.Errorf("%s: the whole %d-byte error body is on the page", item.Name, len(item.Message))
		}
	}
	for _, r := range res.Requests {
		if r.Method == "POST" {
			t.Errorf("the page posted to %s without a token", r.URL)
		}
	}
	if n := env.objectCount(); n != 0 {
		t.Errorf("emulator holds %d objects", n)
	}
}
