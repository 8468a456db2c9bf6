package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// demo is the app wired to an emulator exactly as `go run` wires it in
// emulator mode, both on loopback ports of their own.
type demo struct {
	app    *App
	appURL string
	emu    *osstest.Emulator
	ossURL string
}

type demoOptions struct {
	version      signer.Version
	maxSize      int64
	contentTypes []string
	expires      time.Duration
	// wrap, if set, wraps the app's handler (to fake failures in front of it).
	wrap func(http.Handler) http.Handler
	// accessKeys are the emulator's; the app signs with the first.
	accessKeys []osstest.AccessKey
	// now is the app's clock (Config.Now); the emulator keeps the real one.
	now func() time.Time

	// Multipart settings (Config.MultipartThreshold, PartSize).
	threshold, partSize int64
	// gate, if set, stands in front of the emulator and holds part uploads.
	gate *partGate
	// shift, if set, moves the clocks of the app and the emulator alike
	// (nanoseconds added to time.Now).
	shift *atomic.Int64
	// logger and client are the app's Config.Logger and Config.Client.
	logger *slog.Logger
	client *http.Client
	// callbackFault is the emulator's Config.CallbackFault.
	callbackFault func(url string) error
}

func startDemo(t *testing.T, o demoOptions) *demo {
	t.Helper()
	// The app's address must be known before the emulator starts (its
	// CORS rule names the app's origin) and before the app is built (the
	// callback URL).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appURL := "http://" + ln.Addr().String()
	// The emulator is served here rather than by osstest.NewServer, so that
	// a gate can stand in front of it.
	ossSrv := httptest.NewUnstartedServer(nil)
	ossURL := "http://" + ossSrv.Listener.Addr().String()

	ecfg := emulatorConfig(appURL)
	ecfg.PublicKeyURL = ossURL + "/__osstest__/callback_pub_key_v1.pem"
	ecfg.AccessKeys = o.accessKeys
	ecfg.CallbackFault = o.callbackFault
	if o.expires > 0 && o.expires < time.Minute {
		// Short tokens exercise the page's re-fetch rule, which runs on the
		// browser's clock. The emulator's clock lags so that a slow CI machine
		// (seconds between token and upload under -race) cannot turn that
		// test into a "Policy expired." flake; expiry itself is tested in
		// osstest and policy with injected clocks.
		ecfg.Now = func() time.Time { return time.Now().Add(-time.Minute) }
	}
	now := o.now
	if o.shift != nil {
		shifted := func() time.Time { return time.Now().Add(time.Duration(o.shift.Load())) }
		ecfg.Now, now = shifted, shifted
	}
	emu, err := osstest.New(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	var oss http.Handler = emu
	if o.gate != nil {
		oss = o.gate.wrap(emu)
	}
	ossSrv.Config.Handler = oss
	ossSrv.Start()
	t.Cleanup(emu.Close)
	t.Cleanup(ossSrv.Close)
	if o.gate != nil {
		// Held requests end before the server closes (cleanups run last
		// first).
		t.Cleanup(o.gate.open)
	}

	types := o.contentTypes
	if types == nil {
		types = []string{"text/plain", "image/png"}
	}
	ak := emu.AccessKey()
	app, err := newApp(Config{
		PublicURL:    appURL,
		Credentials:  signer.StaticCredentials{AccessKeyID: ak.ID, AccessKeySecret: ak.Secret},
		Bucket:       emu.Bucket(),
		Region:       emu.Region(),
		Endpoint:     ossURL,
		Version:      o.version,
		Keys:         emu.KeyFetcher(),
		MaxSize:      o.maxSize,
		ContentTypes: types,
		Expires:      o.expires,
		Mode:         "emulator",
		Now:          now,

		MultipartThreshold: o.threshold,
		PartSize:           o.partSize,
		Logger:             o.logger,
		Client:             o.client,
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	var h http.Handler = app
	if o.wrap != nil {
		h = o.wrap(app)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	// Cleanups run last first: the app server closes, then the app's
	// deletions of refused objects finish, then the emulator closes.
	t.Cleanup(app.Wait)
	t.Cleanup(srv.Close)
	return &demo{app: app, appURL: appURL, emu: emu, ossURL: ossURL}
}

// partGate stands in front of the emulator and, while closed, holds every
// UploadPart request for a part number from `from` on: it reads up to
// 1 MiB of the body (so the page shows the part under way), then waits until the
// gate opens, and then drops the request without passing it on. The
// browser aborts held requests itself when the page reloads, pauses or
// cancels; dropping them on opening makes sure none of them reaches the
// emulator late, so the emulator counts exactly the parts the page sent
// after that. Requests arriving while the gate is open pass.
type partGate struct {
	from int

	mu     sync.Mutex
	opened chan struct{} // closed when the gate opens
	passed []int         // part numbers passed on, in arrival order
	held   int
	cuts   map[int]int // part number -> connections still to cut
	cut    int
}

func newPartGate(from int) *partGate {
	return &partGate{from: from, opened: make(chan struct{})}
}

func (g *partGate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, err := strconv.Atoi(q.Get("partNumber"))
		if r.Method != http.MethodPut || !q.Has("uploadId") || err != nil {
			next.ServeHTTP(w, r)
			return
		}
		g.mu.Lock()
		if g.cuts[n] > 0 {
			// The connection drops in the middle of the answer. (Dropping
			// it before any answer would not reach the page: Chromium
			// retries such a request itself when the connection was a
			// reused one.)
			g.cuts[n]--
			g.cut++
			g.mu.Unlock()
			io.Copy(io.Discard, r.Body)
			if conn, buf, err := http.NewResponseController(w).Hijack(); err == nil {
				buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<?xml")
				buf.Flush()
				conn.Close()
			}
			return
		}
		opened := g.opened
		closed := n >= g.from && !isClosed(opened)
		if closed {
			g.held++
		} else {
			g.passed = append(g.passed, n)
		}
		g.mu.Unlock()
		if !closed {
			next.ServeHTTP(w, r)
			return
		}
		io.CopyN(io.Discard, r.Body, min(r.ContentLength/2, 1<<20))
		select {
		case <-opened:
		case <-r.Context().Done():
		}
		http.Error(w, "held by the test's gate", http.StatusServiceUnavailable)
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

// open lets part uploads through and drops the held ones.
func (g *partGate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !isClosed(g.opened) {
		close(g.opened)
	}
}

// close holds part uploads from part number from on again.
func (g *partGate) close(from int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.from = from
	if isClosed(g.opened) {
		g.opened = make(chan struct{})
	}
}

// cutNext closes the connection of the next `times` uploads of part n
// in the middle of the answer.
func (g *partGate) cutNext(n, times int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cuts == nil {
		g.cuts = map[int]int{}
	}
	g.cuts[n] = times
}

func (g *partGate) cutCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cut
}

// passedParts returns the part numbers passed on to the emulator so far
// and forgets them.
func (g *partGate) passedParts() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.passed
	g.passed = nil
	return p
}

func (g *partGate) heldCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (d *demo) storedBytes(key string) ([]byte, bool) {
	obj, ok := d.emu.Object(key)
	return obj.Content, ok
}

func (d *demo) objectCount() int { return len(d.emu.Objects()) }

// put stores data as key in the emulator with a PUT the app's Signer
// presigns, as if a browser had uploaded it.
func (d *demo) put(t *testing.T, key string, data []byte) {
	t.Helper()
	p, err := d.app.signer.Presign(context.Background(), signer.Request{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, body := sendPresigned(t, p, data); st != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", key, st, body)
	}
}

// sendPresigned makes the presigned request p with body, with the headers
// it was signed with, and returns OSS's status, headers and body.
func sendPresigned(t *testing.T, p *signer.Presigned, body []byte) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(raw)
}
