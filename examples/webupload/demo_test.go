package main

import (
	"net"
	"net/http"
	"net/http/httptest"
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
	emu    *osstest.Server
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

	ecfg := emulatorConfig(appURL)
	ecfg.AccessKeys = o.accessKeys
	if o.expires > 0 && o.expires < time.Minute {
		// Short tokens exercise the page's re-fetch rule, which runs on the
		// browser's clock. The emulator's clock lags so that a slow CI machine
		// (seconds between token and upload under -race) cannot turn that
		// test into a "Policy expired." flake; expiry itself is tested in
		// osstest and policy with injected clocks.
		ecfg.Now = func() time.Time { return time.Now().Add(-time.Minute) }
	}
	emu := osstest.NewServer(ecfg)
	t.Cleanup(emu.Close)

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
		Endpoint:     emu.URL,
		Version:      o.version,
		Keys:         emu.KeyFetcher(),
		MaxSize:      o.maxSize,
		ContentTypes: types,
		Expires:      o.expires,
		Mode:         "emulator",
		Now:          o.now,
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
	t.Cleanup(srv.Close)
	return &demo{app: app, appURL: appURL, emu: emu, ossURL: emu.URL}
}

func (d *demo) storedBytes(key string) ([]byte, bool) {
	b, err := d.emu.ReadObject(key)
	return b, err == nil
}

func (d *demo) objectCount() int { return len(d.emu.Objects()) }
