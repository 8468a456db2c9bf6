package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// pubKeyPath is where the osstest emulator serves its callback public key
// (see osstest.Config.PublicKeyURL).
const pubKeyPath = "/__osstest__/callback_pub_key_v1.pem"

const emulatorNotes = `
The first line printed is "listening on http://HOST:PORT" (use -addr
127.0.0.1:0 for a free port). Point any OSS client at that URL as a custom
endpoint, path style (/<bucket>/<key>) or as a CNAME (/<key>). Callbacks are
signed with a fixed test key published at the printed public key URL; an
application verifies them by trusting that URL (or that key) instead of
OSS's. SIGINT or SIGTERM shut the emulator down.`

// runEmulator serves an osstest emulator until ctx is cancelled.
func runEmulator(ctx context.Context, args []string, env *environ) int {
	fs := newFlags("emulator", "[flags]", emulatorNotes)
	addr := fs.String("addr", "127.0.0.1:9000", "`host:port` to listen on")
	bucket := fs.String("bucket", "examplebucket", "bucket `name`")
	region := fs.String("region", "cn-hangzhou", "bucket `region` V4 signatures must name")
	keyID := fs.String("access-key-id", "", "AccessKey `id` uploads are signed with (generated when absent)")
	keySecret := fs.String("access-key-secret", "", "AccessKey `secret` (generated when absent)")
	dir := fs.String("dir", "", "keep objects and their metadata in this `directory` (created if missing) across restarts; default in memory")
	var origins multiFlag
	fs.Var(&origins, "cors-origin", "allow browser pages on this `origin` (repeatable; \"*\" for any)")
	publicRW := fs.Bool("public-read-write", false, "bucket ACL public-read-write: accept unsigned uploads too")
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(env, fs, "unexpected argument %q", fs.Arg(0))
	}
	if (*keyID == "") != (*keySecret == "") {
		return usageError(env, fs, "give both -access-key-id and -access-key-secret, or neither")
	}

	cfg := osstest.Config{Bucket: *bucket, Region: *region}
	if *publicRW {
		cfg.ACL = "public-read-write"
	}
	if *keyID != "" {
		cfg.AccessKeys = []osstest.AccessKey{{ID: *keyID, Secret: *keySecret}}
	}
	if *dir != "" {
		// osstest.New panics on an unusable directory (a test's setup
		// mistake); here it is the user's input, so check it first.
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return fail(env, "emulator", fmt.Errorf("-dir: %w", err))
		}
		cfg.Dir = *dir
	}
	if len(origins) > 0 {
		cfg.CORS = []osstest.CORSRule{{
			AllowedOrigins: origins,
			AllowedMethods: []string{"GET", "HEAD", "POST", "PUT", "DELETE"},
			AllowedHeaders: []string{"*"},
			// What browser upload code reads: the stored object's ETag
			// (multipart completion needs each part's) and OSS's ids.
			ExposeHeaders: []string{"ETag", "x-oss-request-id", "x-oss-hash-crc64ecma", "x-oss-version-id"},
			MaxAgeSeconds: 600,
		}}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(env, "emulator", err)
	}
	base := "http://" + advertisedHost(ln.Addr().(*net.TCPAddr))
	cfg.PublicKeyURL = base + pubKeyPath
	out := &lockedWriter{w: env.stdout}
	cbTransport := http.DefaultTransport.(*http.Transport).Clone()
	cbTransport.DisableCompression = true
	cfg.CallbackClient = &http.Client{Transport: &callbackLog{out: out, rt: cbTransport}}

	emu, err := newEmulator(cfg)
	if err != nil {
		ln.Close()
		return fail(env, "emulator", err)
	}
	ak := emu.AccessKey()
	fmt.Fprintf(out, "listening on %s\n", base)
	fmt.Fprintf(out, "bucket %s, region %s: path style %s/%s/<key>, or %s/<key>\n", emu.Bucket(), emu.Region(), base, emu.Bucket(), base)
	fmt.Fprintf(out, "access key id %s\naccess key secret %s\n", ak.ID, ak.Secret)
	fmt.Fprintf(out, "callbacks are signed with the public key at %s\n", emu.PublicKeyURL())
	if cfg.Dir != "" {
		fmt.Fprintf(out, "objects in %s (%d stored)\n", cfg.Dir, len(emu.Objects()))
	}

	srv := &http.Server{
		Handler:           &requestLog{next: emu, out: out, bucket: emu.Bucket()},
		ReadHeaderTimeout: 30 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		emu.Close()
		return fail(env, "emulator", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down")
	// Cancel callbacks in progress first, so that Shutdown does not wait
	// out their timeout (osstest.Emulator.Close).
	emu.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fail(env, "emulator", fmt.Errorf("shutdown: %w", err))
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fail(env, "emulator", err)
	}
	return exitOK
}

// newEmulator is osstest.New with its setup panics (an unusable -dir, or
// metadata there it cannot read) turned into an error.
func newEmulator(cfg osstest.Config) (emu *osstest.Emulator, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return osstest.New(cfg), nil
}

// advertisedHost is the host:port clients and the public key URL use: an
// unspecified listen address (":9000", "0.0.0.0:9000") is reached on
// loopback from this machine.
func advertisedHost(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// lockedWriter serialises log lines written from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// requestLog writes one line per request: method, object key (with the
// operation's sub-resource), status and milliseconds.
type requestLog struct {
	next   http.Handler
	out    io.Writer
	bucket string
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	l.next.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	fmt.Fprintf(l.out, "%s %s %q%s %d %dms\n", start.Format("15:04:05.000"), r.Method, l.key(r), operation(r), sw.status, time.Since(start).Milliseconds())
}

// key is the object key a request names: its path without the leading
// "/", and without the bucket for a path-style request on a host that does
// not name the bucket.
func (l *requestLog) key(r *http.Request) string {
	k := strings.TrimPrefix(r.URL.Path, "/")
	if host, _, _ := strings.Cut(r.Host, "."); host != l.bucket || !strings.Contains(r.Host, ".") {
		if rest, ok := strings.CutPrefix(k, l.bucket+"/"); ok {
			return rest
		}
		if k == l.bucket {
			return ""
		}
	}
	return k
}

// operation names the upload step a request makes, if the key and
// method do not say it.
func operation(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case q.Has("uploads"):
		return " initiate-multipart"
	case q.Has("partNumber"):
		return " part " + q.Get("partNumber")
	case q.Has("uploadId") && r.Method == http.MethodPost:
		return " complete-multipart"
	case q.Has("uploadId") && r.Method == http.MethodDelete:
		return " abort-multipart"
	case q.Has("uploadId"):
		return " list-parts"
	case r.Method == http.MethodPost && r.URL.RawQuery == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
		// The key of a form upload is a form field (PostObject).
		return " form-upload"
	}
	return ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// callbackLog is the transport of the emulator's callback client: it
// writes one line per callback attempt (URL and the app's status, or why
// there is none). Like OSS, callbacks carry no Accept-Encoding header, so
// compression is off (see osstest.Config.CallbackClient).
type callbackLog struct {
	out io.Writer
	rt  *http.Transport // with DisableCompression
}

func (c *callbackLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err != nil {
		fmt.Fprintf(c.out, "%s callback %s failed: %v\n", time.Now().Format("15:04:05.000"), r.URL, err)
		return nil, err
	}
	fmt.Fprintf(c.out, "%s callback %s %d\n", time.Now().Format("15:04:05.000"), r.URL, resp.StatusCode)
	return resp, nil
}

// CloseIdleConnections lets osstest.Emulator.Close close the callback
// connections.
func (c *callbackLog) CloseIdleConnections() { c.rt.CloseIdleConnections() }
