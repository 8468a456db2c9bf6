package main

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/signer"
)

// hooks is a loopback server of the test that e2e/upload.mjs calls (GET
// <url>/<name>) at given moments of a step, so that the test acts exactly
// then: open or close a gate, move the clocks. No sleeps, no polling.
type hooks struct {
	*httptest.Server
	fns map[string]func()
}

func newHooks(t *testing.T, fns map[string]func()) *hooks {
	h := &hooks{fns: fns}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn, ok := h.fns[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		fn()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hooks) url(name string) string { return h.URL + "/" + name }

// writeFile writes a random file of size bytes under dir for the browser to
// pick by path.
func writeFile(t *testing.T, rng *rand.Rand, dir, name string, size int) e2eFile {
	t.Helper()
	f := e2eFile{Name: name, Path: filepath.Join(dir, name), data: randomBytes(rng, size)}
	if err := os.WriteFile(f.Path, f.data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// checkStored asserts that the page shows the app's answer for f and that
// the emulator holds exactly f's bytes under the answer's object.
func checkStored(t *testing.T, env *demo, item e2eItem, f e2eFile) {
	t.Helper()
	if item.State != "done" || item.Answer == nil || item.Mode != "multipart" {
		t.Fatalf("%s: page shows state %q mode %q, answer %v: %q %q; want done by multipart with the app's answer",
			f.Name, item.State, item.Mode, item.Answer, item.Status, item.Text)
	}
	a := item.Answer
	if a.Status != "OK" || a.Size != int64(len(f.data)) || !strings.HasPrefix(a.Object, userDir(a.UID)) {
		t.Errorf("%s: answer %+v, want OK, size %d, under the user's prefix", f.Name, a, len(f.data))
	}
	got, ok := env.storedBytes(a.Object)
	if !ok {
		t.Fatalf("%s: object %q not in the emulator", f.Name, a.Object)
	}
	if !bytes.Equal(got, f.data) {
		t.Errorf("%s: emulator holds %d bytes that differ from the %d bytes of the file", f.Name, len(got), len(f.data))
	}
	if n := len(env.emu.MultipartUploads()); n != 0 {
		t.Errorf("%d multipart uploads left unfinished in the emulator", n)
	}
}

// A 24 MiB file goes in five 5 MiB parts (the last one 4 MiB). The gate
// holds parts 3 and up, so exactly parts 1 and 2 are stored when the page
// reloads. After the reload the page lists the interrupted upload; the same
// file is chosen again, the page asks OSS (ListParts) and sends only parts
// 3, 4 and 5; OSS's callback answer for the completed object is on the page.
// A small file before it still goes by PostObject. The screenshot (with
// OSSDIRECT_SCREENSHOT) is taken during a third upload, held after its
// first part.
func TestBrowserMultipartResumeAfterReload(t *testing.T) {
	node, chromium := needBrowser(t)
	gate := newPartGate(3)
	// The demo's defaults, so that the screenshot shows what
	// `go run ./examples/webupload` shows.
	env := startDemo(t, demoOptions{
		version: signer.V4, maxSize: defaultMaxSize, gate: gate,
		contentTypes: splitList(defaultTypes),
	})
	var beforeReload []int
	h := newHooks(t, map[string]func(){
		"reloaded": func() {
			beforeReload = gate.passedParts()
			gate.open()
		},
		"close": func() { gate.close(2) },
		"open":  gate.open,
	})

	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(10, 10))
	notes := newFile(rng, "notes.txt", "text/plain", 3000)
	video := writeFile(t, rng, dir, "holiday.mp4", 24<<20)
	archive := writeFile(t, rng, dir, "photos.zip", 24<<20)
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport:   e2eViewport{Width: 900, Height: 900},
		Screenshot: os.Getenv("OSSDIRECT_SCREENSHOT"),
		Steps: []e2eStep{
			{Naming: "random", Files: []e2eFile{notes}},
			{Naming: "local", Files: []e2eFile{video}, WaitParts: 2, Then: "reload", Hook: h.url("reloaded")},
			{Naming: "random", Files: []e2eFile{archive}, Before: h.url("close"), WaitParts: 1, Then: "screenshot", Hook: h.url("open")},
		},
	})

	small := res.Steps[0].Items[0]
	if small.State != "done" || small.Mode != "post" || small.Answer == nil || small.Answer.Size != 3000 {
		t.Errorf("small file: state %q mode %q answer %+v; want done by PostObject", small.State, small.Mode, small.Answer)
	}

	if !sameSet(beforeReload, []int{1, 2}) {
		t.Errorf("parts stored before the reload: %v, want [1 2]", beforeReload)
	}
	if gate.heldCount() == 0 {
		t.Errorf("the gate held no part: the reload did not interrupt anything")
	}
	if in := res.Steps[1].Interrupted; len(in) != 1 || in[0].Name != video.Name || in[0].PartsDone != 2 ||
		!strings.Contains(in[0].Status, "2 of 5 parts") {
		t.Errorf("after the reload the page lists %+v; want the interrupted %s with 2 of 5 parts", in, video.Name)
	}
	item := res.Steps[1].Items[0]
	checkStored(t, env, item, video)
	if item.Answer != nil {
		if want := userDir(item.Answer.UID) + video.Name; item.Answer.Object != want {
			t.Errorf("local name: object %q, want %q", item.Answer.Object, want)
		}
	}
	// Parts 3, 4, 5 after the reload (any order), then the second file's
	// five parts; nothing held before the reload reached the emulator.
	after := gate.passedParts()
	if len(after) != 8 || !sameSet(after[:3], []int{3, 4, 5}) || !sameSet(after[3:], []int{1, 2, 3, 4, 5}) {
		t.Errorf("parts passed to the emulator after the reload: %v, want 3 4 5 then 1 to 5", after)
	}
	if n := env.emu.UploadPartRequests(); n != 5+5 {
		t.Errorf("emulator received %d UploadPart requests, want 10 (5 + 5, none twice)", n)
	}
	checkStored(t, env, res.Steps[2].Items[0], archive)

	// The bytes went from the browser to the emulator, never through the app.
	for _, r := range res.Requests {
		if r.Method == "PUT" && !strings.HasPrefix(r.URL, env.ossURL) {
			t.Errorf("part sent to %s", r.URL)
		}
	}
}

func sameSet(a, b []int) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Pause, then resume after the part URLs have expired: the page fetches
// fresh ones and finishes. Cancel aborts the upload at OSS. A file over the
// app's limit is refused by the app's plan (the client check skipped) or by
// the page itself. A part whose connection is cut is sent again. V1
// signatures, a phone viewport, small parts.
func TestBrowserMultipartPauseCancelRefuse(t *testing.T) {
	node, chromium := needBrowser(t)
	gate := newPartGate(3)
	var shift atomic.Int64
	const maxSize = 2 << 20
	env := startDemo(t, demoOptions{
		version: signer.V1, maxSize: maxSize, gate: gate, shift: &shift,
		threshold: 256 << 10, partSize: 256 << 10,
	})
	h := newHooks(t, map[string]func(){
		// The part URLs the page holds (valid 10 minutes) expire at the
		// emulator while paused.
		"paused": func() {
			gate.open()
			shift.Add(int64(time.Hour))
		},
		"close": func() { gate.close(3) },
		"open":  gate.open,
		"cut":   func() { gate.cutNext(2, 2) },
	})

	rng := rand.New(rand.NewPCG(11, 11))
	flaky := newFile(rng, "flaky.txt", "text/plain", 768<<10)    // 3 parts
	paused := newFile(rng, "paused.txt", "text/plain", 1280<<10) // 5 parts of 256 KiB
	canceled := newFile(rng, "canceled.txt", "text/plain", 1280<<10)
	tooLarge := newFile(rng, "too-large.txt", "text/plain", maxSize+1)
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport: e2eViewport{Width: 412, Height: 915},
		Steps: []e2eStep{
			{Files: []e2eFile{paused}, WaitParts: 2, Then: "pause", Hook: h.url("paused")},
			{Files: []e2eFile{canceled}, Before: h.url("close"), WaitParts: 2, Then: "cancel", Hook: h.url("open")},
			{Files: []e2eFile{tooLarge}, SkipChecks: true},
			{Files: []e2eFile{tooLarge}},
			{Files: []e2eFile{flaky}, Before: h.url("cut")},
		},
	})

	p := res.Steps[0].Paused
	if p == nil || p.State != "paused" || !strings.Contains(p.Status, "paused at") || p.PartsDone < 2 {
		t.Errorf("paused: %+v; want the paused state with at least 2 parts stored", p)
	}
	checkStored(t, env, res.Steps[0].Items[0], paused)
	var expired, refreshed int
	for _, r := range res.Responses {
		if r.Method == "PUT" && strings.HasPrefix(r.URL, env.ossURL) && r.Status == http.StatusForbidden {
			expired++
		}
		if r.Method == "POST" && r.URL == env.appURL+"/oss/multipart/parts" {
			refreshed++
		}
	}
	if expired == 0 {
		t.Errorf("no part URL was refused as expired after the pause: the clock shift had no effect")
	}
	// Batches of 4: parts 1-4, part 5, then fresh URLs after the expiry.
	if refreshed < 3 {
		t.Errorf("the page asked for part URLs %d times, want at least 3 (two batches, then fresh ones)", refreshed)
	}

	c := res.Steps[1].Items[0]
	if c.State != "canceled" || c.Mode != "multipart" {
		t.Errorf("canceled: state %q mode %q %q", c.State, c.Mode, c.Status)
	}
	if ups := env.emu.MultipartUploads(); len(ups) != 0 {
		t.Errorf("after cancel the emulator still has unfinished uploads: %+v", ups)
	}
	for _, o := range env.emu.Objects() {
		if strings.HasSuffix(o.Key, ".txt") && o.Size == int64(len(canceled.data)) && o.Key != res.Steps[0].Items[0].Answer.Object {
			t.Errorf("canceled upload stored as %q", o.Key)
		}
	}

	refused := res.Steps[2].Items[0]
	if refused.State != "rejected" || refused.Code != "app HTTP 403" || !strings.Contains(refused.Message, "the limit is 2097152 bytes") {
		t.Errorf("over-size file, client check skipped: state %q code %q message %q; want the app's 403", refused.State, refused.Code, refused.Message)
	}
	if rejected := res.Steps[3].Items[0]; rejected.State != "rejected" || rejected.Code != "client-side check" {
		t.Errorf("over-size file: state %q code %q; want rejected by the page", rejected.State, rejected.Code)
	}

	// Part 2's connection drops twice: the page sends it again after 1 s,
	// then 2 s, and completes.
	checkStored(t, env, res.Steps[4].Items[0], flaky)
	var part2 int
	for _, r := range res.Requests {
		if r.Method == "PUT" && strings.HasPrefix(r.URL, env.ossURL) && strings.Contains(r.URL, "partNumber=2&") &&
			strings.Contains(r.URL, res.Steps[4].Items[0].Answer.Object[strings.LastIndexByte(res.Steps[4].Items[0].Answer.Object, '/')+1:]) {
			part2++
		}
	}
	if gate.cutCount() != 2 || part2 != 3 {
		t.Errorf("cut %d connections; the page sent part 2 %d times, want 3", gate.cutCount(), part2)
	}
	if n := len(env.emu.Objects()); n != 2 {
		t.Errorf("emulator holds %d objects, want 2", n)
	}
}
