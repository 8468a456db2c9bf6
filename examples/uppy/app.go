package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

//go:embed static
var staticFiles embed.FS

// Config is what the app needs; the emulator and a real bucket differ only
// in the values.
type Config struct {
	// PublicURL is the app's base URL as OSS reaches it: the callback URL is
	// PublicURL + "/oss/callback".
	PublicURL string
	// Credentials, Bucket, Region, Endpoint and Version make the Signer.
	Credentials              signer.CredentialsProvider
	Bucket, Region, Endpoint string
	Version                  signer.Version
	// Keys decides which callback signing keys are trusted.
	Keys verify.KeyFetcher
	// MaxSize is the largest file accepted, in bytes (0: 64 MiB).
	MaxSize int64
	// PostBelow is the size under which the page sends a file by one POST
	// policy upload instead of multipart (0: every file by multipart, so
	// that the callback answer reaches the page; see README.md).
	PostBelow int64
	// Dist is the directory of Uppy's bundle (web/dist, made by npm run
	// build).
	Dist string
	// Client sends the handler's own requests to OSS (nil: a client with
	// a 30 s timeout).
	Client *http.Client
	// Logger records refused callbacks and failed requests (nil:
	// slog.Default()).
	Logger *slog.Logger
}

// Answer is the app's callback answer, which OSS relays and the page shows.
type Answer struct {
	Status   string `json:"status"`
	UID      string `json:"uid"`
	Object   string `json:"object"`
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	ETag     string `json:"etag"`
}

const (
	uidCookie    = "ossdirect_uid"
	callbackPath = "/oss/callback"
	uppyPath     = "/uppy/"
)

// App is the example's HTTP application.
type App struct {
	mux  *http.ServeMux
	page *template.Template
	cfg  Config
}

// checkBundle reports a missing Uppy bundle, with the command that makes it.
func checkBundle(dist string) error {
	if _, err := os.Stat(filepath.Join(dist, "uppy.js")); err != nil {
		return fmt.Errorf("Uppy's bundle is missing (%w); make it with: cd examples/uppy/web && npm ci && npm run build", err)
	}
	return nil
}

func randomSecret() callback.Secrets {
	b := make([]byte, 32)
	rand.Read(b)
	return callback.Secrets{{ID: "demo", Key: b}}
}

// newUID is a new visitor's user id: 8 random bytes in hex, the form
// userOf accepts.
func newUID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newApp(cfg Config) (*App, error) {
	if cfg.MaxSize == 0 {
		cfg.MaxSize = 64 << 20
	}
	if err := checkBundle(cfg.Dist); err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// Random secrets: uploads begun before a restart cannot be resumed, and
	// their callbacks are refused. A real deployment shares stable ones.
	secrets := randomSecret()
	s := &signer.Signer{Credentials: cfg.Credentials, Bucket: cfg.Bucket, Region: cfg.Region,
		Endpoint: cfg.Endpoint, Version: cfg.Version, Secrets: secrets}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	verifier := &callback.Verifier{Secrets: secrets, Keys: cfg.Keys, Logger: cfg.Logger}
	if err := verifier.Validate(); err != nil {
		return nil, err
	}
	a := &App{mux: http.NewServeMux(), cfg: cfg}
	var err error
	if a.page, err = template.ParseFS(staticFiles, "static/index.html"); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFiles, "static")
	a.mux.HandleFunc("GET /{$}", a.index)
	a.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	a.mux.Handle("GET /dist/", http.StripPrefix("/dist/", http.FileServer(http.Dir(cfg.Dist))))
	a.mux.Handle(uppyPath, &signer.CompanionHandler{
		Signer: s, Secrets: secrets, Client: client, Logger: cfg.Logger,
		User: userOf, Upload: a.upload,
	})
	a.mux.Handle("POST "+callbackPath, verifier.Handler(a.callback))
	return a, nil
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// index serves the page and gives a new visitor a user id cookie: the demo's
// stand-in for a login.
func (a *App) index(w http.ResponseWriter, r *http.Request) {
	if _, err := userOf(r); err != nil {
		http.SetCookie(w, &http.Cookie{Name: uidCookie, Value: newUID(),
			Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	a.page.Execute(w, map[string]any{"PostBelow": a.cfg.PostBelow, "MaxSize": a.cfg.MaxSize, "Bucket": a.cfg.Bucket})
}

// userOf is the user of a request: its uid cookie.
func userOf(r *http.Request) (string, error) {
	c, err := r.Cookie(uidCookie)
	if err != nil || len(c.Value) != 16 || strings.Trim(c.Value, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: no user id cookie; open the page first", signer.ErrUnauthorized)
	}
	return c.Value, nil
}

// upload is the app's one decision about every upload: under the user's
// own prefix, up to MaxSize, with a callback URL naming the user (bound by
// the Signer, so the callback handler can trust it).
func (a *App) upload(r *http.Request, user string, f signer.File) (signer.Upload, error) {
	return signer.Upload{
		KeyPrefix:           "uppy/" + user + "/",
		MaxSize:             a.cfg.MaxSize,
		SuccessActionStatus: 200,
		ACL:                 "default",
		Callback: &callback.Params{
			URL:  a.cfg.PublicURL + callbackPath + "?uid=" + user,
			Body: callback.FormBody("bucket", "object", "etag", "size", "mimeType"),
		},
	}, nil
}

// callback records the upload and answers what the page shows. A multipart
// upload's callback URL carries its size as the handler planned it.
func (a *App) callback(ctx context.Context, ev *callback.Event) (any, error) {
	uid := ev.Query.Get("uid")
	if ev.Query.Has(signer.SizeParam) {
		if err := signer.CheckSize(ev); err != nil {
			return nil, &callback.HTTPError{Status: http.StatusBadRequest, Message: "size differs from the plan", Err: err}
		}
	}
	if !strings.HasPrefix(ev.Object, "uppy/"+uid+"/") {
		return nil, &callback.HTTPError{Status: http.StatusForbidden, Message: "object outside the user's prefix", Err: errors.New("object outside the user's prefix")}
	}
	return Answer{Status: "ok", UID: uid, Object: ev.Object, Size: ev.Size, MimeType: ev.MimeType, ETag: ev.ETag}, nil
}
