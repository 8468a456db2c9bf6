package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/internal/browsertest"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// The browser tests drive the page, and so the real @uppy/aws-s3 plugin, in
// Debian's Chromium via playwright-core (web/e2e.mjs); browsertest skips
// them where these are missing, but for ./test.sh, which installs them.
func needBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	return browsertest.Need(t, "cd examples/uppy/web && npm ci && npm run build", "web/node_modules/playwright-core/package.json", "web/dist/uppy.js")
}

// gate stands in front of the emulator and holds the UploadPart requests of
// part numbers from `from` on until it is opened, or until the browser
// drops them (a reload, a pause), so a test acts at a known point: Uppy
// sends each file's parts one after the other.
type gate struct {
	mu      sync.Mutex
	from    int
	opened  chan struct{}
	held    chan int // a part number, when its request is held
	drops   chan int // a part number, when the browser drops its held request
	dropped []int    // held requests the browser gave up
	passed  []int    // part numbers that reached the emulator, in order
}

func newGate() *gate {
	g := &gate{opened: make(chan struct{}), held: make(chan int, 16), drops: make(chan int, 16)}
	close(g.opened)
	return g
}

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, err := strconv.Atoi(q.Get("partNumber"))
		if r.Method != http.MethodPut || err != nil {
			next.ServeHTTP(w, r)
			return
		}
		g.mu.Lock()
		opened := g.opened
		hold := g.from > 0 && n >= g.from && !isClosed(opened)
		if !hold {
			g.passed = append(g.passed, n)
		}
		g.mu.Unlock()
		if !hold {
			next.ServeHTTP(w, r)
			return
		}
		// The whole body is read, so that the server watches the
		// connection and ends the request's context when the browser
		// drops it (net/http does so only once the body is consumed).
		io.Copy(io.Discard, r.Body)
		g.held <- n
		select {
		case <-opened:
			http.Error(w, "held by the test's gate", http.StatusServiceUnavailable)
		case <-r.Context().Done():
			g.mu.Lock()
			g.dropped = append(g.dropped, n)
			g.mu.Unlock()
			g.drops <- n
		}
	})
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// close holds parts from part number from on.
func (g *gate) close(from int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.from = from
	if isClosed(g.opened) {
		g.opened = make(chan struct{})
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !isClosed(g.opened) {
		close(g.opened)
	}
}

// waitHeld waits until a part request is held and returns its number.
func (g *gate) waitHeld() (int, error) {
	select {
	case n := <-g.held:
		return n, nil
	case <-time.After(time.Minute):
		return 0, errors.New("no part request was held within a minute")
	}
}

// waitDropped waits until the browser gives up a held request: the
// server ends the request's context when it sees the connection close.
func (g *gate) waitDropped() error {
	select {
	case <-g.drops:
		return nil
	case <-time.After(time.Minute):
		return errors.New("the browser did not drop the held request within a minute")
	}
}

func (g *gate) snapshot() (passed, dropped []int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.passed), slices.Clone(g.dropped)
}

type env struct {
	emu    *osstest.Emulator
	ossURL string
	appURL string
	gate   *gate
}

// start runs the app on loopback against the emulator behind a gate, as
// main does: another origin, so the browser applies the bucket's CORS rule.
func start(t *testing.T, version signer.Version, postBelow int64) *env {
	t.Helper()
	var app http.Handler
	appSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) }))
	t.Cleanup(appSrv.Close)
	e := &env{appURL: appSrv.URL, gate: newGate()}
	emu, err := osstest.New(osstest.Config{CORS: []osstest.CORSRule{corsRule(appSrv.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	e.emu = emu
	t.Cleanup(e.emu.Close)
	ossSrv := httptest.NewServer(e.gate.wrap(e.emu))
	t.Cleanup(ossSrv.Close)
	// Before the server's Close, which waits for held requests.
	t.Cleanup(e.gate.open)
	e.ossURL = ossSrv.URL
	ak := e.emu.AccessKey()
	a, err := newApp(Config{
		PublicURL: appSrv.URL, Credentials: signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket: e.emu.Bucket(), Region: e.emu.Region(), Endpoint: ossSrv.URL, Version: version, Keys: e.emu.KeyFetcher(),
		PostBelow: postBelow, Dist: "web/dist",
	})
	if err != nil {
		t.Fatal(err)
	}
	app = a
	return e
}

// hooks is a loopback server web/e2e.mjs calls: each GET runs one function
// of the test, which may wait for a state, and answers 200 or its error.
func hooks(t *testing.T, fns map[string]func() error) func(name string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn := fns[strings.TrimPrefix(r.URL.Path, "/")]
		if fn == nil {
			http.NotFound(w, r)
			return
		}
		if err := fn(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return func(name string) string { return srv.URL + "/" + name }
}

type step struct {
	Do      string   `json:"do"`
	Files   []string `json:"files,omitempty"`
	URL     string   `json:"url,omitempty"`
	Answers int      `json:"answers,omitempty"`
	Path    string   `json:"path,omitempty"`
	WaitFor string   `json:"waitFor,omitempty"`
}

type pageAnswer struct {
	Name, State, Text string
}

type result struct {
	Answers  [][]pageAnswer `json:"answers"`
	Requests []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
		Status int    `json:"status"`
	} `json:"requests"`
	ConsoleErrors []string `json:"consoleErrors"`
	PageErrors    []string `json:"pageErrors"`
}

func runBrowser(t *testing.T, node, chromium, appURL string, steps []step) result {
	t.Helper()
	dir := t.TempDir()
	spec, _ := json.Marshal(map[string]any{"url": appURL + "/", "chromium": chromium,
		"viewport": map[string]int{"width": 900, "height": 900}, "steps": steps})
	specPath, resultPath := filepath.Join(dir, "spec.json"), filepath.Join(dir, "result.json")
	if err := os.WriteFile(specPath, spec, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e.mjs", specPath, resultPath)
	cmd.Dir = "web"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	var res result
	if b, err := os.ReadFile(resultPath); err == nil {
		json.Unmarshal(b, &res)
	}
	if runErr != nil {
		t.Fatalf("node web/e2e.mjs: %v\n%s\nrequests: %+v\nconsole: %q", runErr, out.String(), res.Requests, res.ConsoleErrors)
	}
	if len(res.PageErrors) > 0 {
		t.Errorf("uncaught errors in the page: %q", res.PageErrors)
	}
	return res
}

func writeFile(t *testing.T, rng *rand.Rand, dir, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// checkAnswer asserts that the page shows the app's callback answer for the
// file and that the emulator stores exactly its bytes under that object.
func checkAnswer(t *testing.T, e *env, a pageAnswer, name string, data []byte) {
	t.Helper()
	var ans Answer
	if a.Name != name || a.State != "done" || json.Unmarshal([]byte(a.Text), &ans) != nil {
		t.Fatalf("page shows %+v for %s; want the app's callback answer", a, name)
	}
	if ans.Status != "ok" || ans.Size != int64(len(data)) || !strings.HasPrefix(ans.Object, "uppy/"+ans.UID+"/") ||
		!strings.HasSuffix(ans.Object, "-"+name) || ans.UID == "" {
		t.Errorf("answer %+v for %s (%d bytes)", ans, name, len(data))
	}
	got, ok := e.emu.Object(ans.Object)
	if !ok || !bytes.Equal(got.Content, data) {
		t.Errorf("emulator holds %d bytes under %q (stored: %v), want the file's %d", len(got.Content), ans.Object, ok, len(data))
	}
}

// A 100 KiB file, then a 24 MiB file by multipart (Uppy's 5 MiB parts:
// five) with a reload after two parts: GoldenRetriever restores the file
// and its upload, Upload resumes it, and only parts 3, 4 and 5 are sent.
// Both show the app's callback answer. With OSSDIRECT_SCREENSHOT=path the
// page is photographed at the end (the README's screenshot).
func TestBrowserUploadAndReload(t *testing.T) {
	node, chromium := needBrowser(t)
	e := start(t, signer.V4, 0)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	smallPath, small := writeFile(t, rng, dir, "notes.txt", 100<<10)
	bigPath, big := writeFile(t, rng, dir, "holiday.mp4", 24<<20)

	var atReload []osstest.MultipartUpload
	var requestsAtReload int64
	hook := hooks(t, map[string]func() error{
		"hold3": func() error { e.gate.close(3); return nil },
		"held": func() error {
			if n, err := e.gate.waitHeld(); err != nil || n != 3 {
				return fmt.Errorf("held part %d: %v", n, err)
			}
			atReload = e.emu.MultipartUploads()
			requestsAtReload = e.emu.UploadPartRequests()
			return nil
		},
		"reloaded": func() error {
			if err := e.gate.waitDropped(); err != nil {
				return err
			}
			e.gate.open()
			return nil
		},
	})
	steps := []step{
		{Do: "add", Files: []string{smallPath}}, {Do: "upload"}, {Do: "wait", Answers: 1},
		{Do: "hook", URL: hook("hold3")},
		{Do: "add", Files: []string{bigPath}}, {Do: "upload"},
		{Do: "hook", URL: hook("held")}, {Do: "reload"}, {Do: "hook", URL: hook("reloaded")},
		{Do: "upload"}, {Do: "wait", Answers: 1},
	}
	if p := os.Getenv("OSSDIRECT_SCREENSHOT"); p != "" {
		abs, _ := filepath.Abs(p)
		// Once the status bar has settled on "Complete".
		steps = append(steps, step{Do: "screenshot", Path: abs, WaitFor: ".uppy-StatusBar-actionBtn--done"})
	}
	res := runBrowser(t, node, chromium, e.appURL, steps)

	checkAnswer(t, e, res.Answers[0][0], "notes.txt", small)
	checkAnswer(t, e, res.Answers[1][0], "holiday.mp4", big)
	if len(atReload) != 1 || len(atReload[0].Parts) != 2 || requestsAtReload != 1+2 {
		t.Fatalf("at the reload: uploads %+v, %d UploadPart requests; want parts 1 and 2 stored after 3 requests (1 + 2)", atReload, requestsAtReload)
	}
	passed, dropped := e.gate.snapshot()
	// notes.txt: part 1; holiday.mp4: parts 1, 2, then after the reload 3, 4, 5.
	if want := []int{1, 1, 2, 3, 4, 5}; !slices.Equal(passed, want) || !slices.Equal(dropped, []int{3}) {
		t.Errorf("parts sent to OSS %v (dropped %v), want %v (part 3 dropped by the reload)", passed, dropped, want)
	}
	if n := e.emu.UploadPartRequests(); n != 1+5 {
		t.Errorf("emulator received %d UploadPart requests, want 6: no part sent twice", n)
	}
	if ups := e.emu.MultipartUploads(); len(ups) != 0 {
		t.Errorf("uploads left in progress: %+v", ups)
	}
	for _, r := range res.Requests {
		if r.Method == "PUT" && !strings.HasPrefix(r.URL, e.ossURL) {
			t.Errorf("part sent to %s, not OSS", r.URL)
		}
	}
}

// Pause during a multipart upload drops the part in flight; Resume sends
// the rest, each part once. Cancel aborts the upload at OSS. A small file
// below -post-below goes by the POST policy (GET /s3/params): OSS stores
// it and calls the app back. V1 signatures.
func TestBrowserPauseCancelPost(t *testing.T) {
	node, chromium := needBrowser(t)
	e := start(t, signer.V1, 1<<20)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	postPath, post := writeFile(t, rng, dir, "small.txt", 100<<10)
	pausedPath, paused := writeFile(t, rng, dir, "paused.bin", 12<<20)
	canceledPath, _ := writeFile(t, rng, dir, "canceled.bin", 12<<20)

	var canceled []osstest.MultipartUpload
	hook := hooks(t, map[string]func() error{
		"hold2": func() error { e.gate.close(2); return nil },
		"held": func() error {
			n, err := e.gate.waitHeld()
			if err == nil && n != 2 {
				err = fmt.Errorf("held part %d, want 2", n)
			}
			canceled = e.emu.MultipartUploads()
			return err
		},
		"paused": func() error {
			if err := e.gate.waitDropped(); err != nil {
				return err
			}
			e.gate.open()
			return nil
		},
	})
	res := runBrowser(t, node, chromium, e.appURL, []step{
		{Do: "add", Files: []string{postPath}}, {Do: "upload"}, {Do: "wait", Answers: 1},
		{Do: "hook", URL: hook("hold2")},
		{Do: "add", Files: []string{pausedPath}}, {Do: "upload"}, {Do: "hook", URL: hook("held")},
		{Do: "pause"}, {Do: "hook", URL: hook("paused")}, {Do: "resume"}, {Do: "wait", Answers: 2},
		{Do: "hook", URL: hook("hold2")},
		{Do: "add", Files: []string{canceledPath}}, {Do: "upload"}, {Do: "hook", URL: hook("held")},
		{Do: "cancel"},
	})

	// The POST policy upload: OSS's answer (the app's) does not reach Uppy,
	// which reads only ETag; the page names the object, and the emulator
	// called the app back for it.
	a := res.Answers[0][0]
	if a.Name != "small.txt" || a.State != "stored" {
		t.Fatalf("POST upload: page shows %+v", a)
	}
	var stored string
	for _, cb := range e.emu.Callbacks() {
		if cb.Err == nil && cb.Status == 200 && strings.HasSuffix(cb.Object, "-small.txt") {
			stored = cb.Object
		}
	}
	if got, ok := e.emu.Object(stored); stored == "" || !ok || !bytes.Equal(got.Content, post) {
		t.Errorf("POST upload: callback for %q, stored %d bytes (stored: %v)", stored, len(got.Content), ok)
	}

	checkAnswer(t, e, res.Answers[1][1], "paused.bin", paused)
	if err := e.gate.waitDropped(); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	passed, dropped := e.gate.snapshot()
	// paused.bin: part 1, part 2 dropped by Pause, then 2 and 3 once each;
	// canceled.bin: part 1, part 2 dropped by Cancel.
	if want := []int{1, 2, 3, 1}; !slices.Equal(passed, want) || !slices.Equal(dropped, []int{2, 2}) {
		t.Errorf("parts sent to OSS %v (dropped %v), want %v (dropped [2 2])", passed, dropped, want)
	}
	if len(canceled) != 1 || !strings.HasSuffix(canceled[0].Key, "-canceled.bin") {
		t.Fatalf("before Cancel: uploads %+v, want canceled.bin's", canceled)
	}
	if ups := e.emu.MultipartUploads(); len(ups) != 0 {
		t.Errorf("Cancel left uploads at OSS: %+v", ups)
	}
	if _, ok := e.emu.Object(canceled[0].Key); ok {
		t.Errorf("canceled upload stored as %s", canceled[0].Key)
	}
}
