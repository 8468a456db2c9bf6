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
		in[0].Status != "interrupted at 41% (2 of 5 parts stored): to resume, choose the same file again and press Upload; only the missing parts are sent" {
		t.Errorf("after the reload the page lists %+v; want the interrupted %s with 2 of 5 parts", in, video.Name)
	}
	if want := "holiday.mp4: interrupted before; press Upload to send only the missing parts."; res.Steps[1].ResumeNote != want {
		t.Errorf("after choosing the file again the page says %q, want %q", res.Steps[1].ResumeNote, want)
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

// Pause with parts in flight: the page shows the stored parts' progress
// and names the parts it cut off, and Resume sends only those (and none of
// the stored ones) again, after the part URLs have expired: the page
// fetches fresh ones and finishes. Cancel aborts the upload at OSS. A file
// over the app's limit is "not sent": refused by the app's plan with 413
// (the client check skipped) or by the page itself. A part whose
// connection is cut is sent again. V1 signatures, a phone viewport, small
// parts.
func TestBrowserMultipartPauseCancelRefuse(t *testing.T) {
	node, chromium := needBrowser(t)
	gate := newPartGate(3)
	var shift atomic.Int64
	const maxSize = 2 << 20
	env := startDemo(t, demoOptions{
		version: signer.V1, maxSize: maxSize, gate: gate, shift: &shift,
		threshold: 256 << 10, partSize: 256 << 10,
	})
	var heldAtPause, afterResume []int
	h := newHooks(t, map[string]func(){
		// Parts 1 and 2 are stored; Pause is clicked once parts 3, 4 and 5
		// are all on their way, held by the gate.
		"inflight": func() { gate.waitHeld(t, 3) },
		// The part URLs the page holds (valid 10 minutes) expire at the
		// emulator while paused.
		"paused": func() {
			heldAtPause = gate.heldParts()
			gate.passedParts()
			gate.open()
			shift.Add(int64(time.Hour))
		},
		"close": func() {
			afterResume = gate.passedParts()
			gate.close(3)
		},
		"open": gate.open,
		"cut":  func() { gate.cutNext(2, 2) },
	})

	rng := rand.New(rand.NewPCG(11, 11))
	flaky := newFile(rng, "flaky.txt", "text/plain", 768<<10)    // 3 parts
	paused := newFile(rng, "paused.txt", "text/plain", 1280<<10) // 5 parts of 256 KiB
	canceled := newFile(rng, "canceled.txt", "text/plain", 1280<<10)
	tooLarge := newFile(rng, "too-large.txt", "text/plain", maxSize+1)
	res := runBrowser(t, node, chromium, env.appURL, e2eSpec{
		Viewport: e2eViewport{Width: 412, Height: 915},
		Steps: []e2eStep{
			{Files: []e2eFile{paused}, WaitParts: 2, Ready: h.url("inflight"), Then: "pause", Hook: h.url("paused")},
			{Files: []e2eFile{canceled}, Before: h.url("close"), WaitParts: 2, Then: "cancel", Hook: h.url("open")},
			{Files: []e2eFile{tooLarge}, SkipChecks: true},
			{Files: []e2eFile{tooLarge}},
			{Files: []e2eFile{flaky}, Before: h.url("cut")},
		},
	})

	// Paused, the bar shows the two stored parts of five; the page names
	// the three parts cut off in flight, and only those go to OSS again.
	p := res.Steps[0].Paused
	const wantPaused = "paused at 40% (2 of 5 parts stored) — 3 parts (3, 4, 5) were in flight and will be sent again"
	if p == nil || p.State != "paused" || p.Status != wantPaused || p.PartsDone != 2 || p.Bar != 40 || p.Resend != "3,4,5" {
		t.Errorf("paused: %+v; want %q, the bar at 40 and parts 3,4,5 to send again", p, wantPaused)
	}
	if !sameSet(heldAtPause, []int{3, 4, 5}) {
		t.Errorf("parts in flight when paused: %v, want 3 4 5", heldAtPause)
	}
	// Each is sent once with its expired URL, then again with a fresh
	// one; parts 1 and 2 are never sent again.
	if !sameSet(slices.Compact(slices.Sorted(slices.Values(afterResume))), []int{3, 4, 5}) || len(afterResume) > 6 {
		t.Errorf("parts the emulator received after Resume: %v, want only 3, 4 and 5 (at most twice each)", afterResume)
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

	// Refused before anything was sent: by the app's plan with 413, or
	// by the page.
	refused := res.Steps[2].Items[0]
	const wantRefusal = "the file is 2.0 MiB (2097153 bytes), over the limit of 2 MiB"
	if refused.State != "rejected" || refused.Status != "not sent" || !refused.BarHidden || refused.Code != "app HTTP 413" || refused.Message != wantRefusal {
		t.Errorf("over-size file, client check skipped: %+v; want not sent, the app's 413 %q", refused, wantRefusal)
	}
	rejected := res.Steps[3].Items[0]
	const wantCheck = "too large: 2.0 MiB (2,097,153 bytes), the limit is 2 MiB"
	if rejected.State != "rejected" || rejected.Status != "not sent" || !rejected.BarHidden || rejected.Code != "client-side check" || rejected.Message != wantCheck {
		t.Errorf("over-size file: %+v; want not sent, refused by the page with %q", rejected, wantCheck)
	}
	if !strings.Contains(res.SkipLabel, "OSS (the signed policy) for files up to 256 KiB, the app for larger ones") {
		t.Errorf("skip-checks label %q does not say who refuses which files", res.SkipLabel)
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
