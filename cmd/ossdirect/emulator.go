package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossdirect/ossdirect/internal/objectkey"
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
OSS's. SIGINT or SIGTERM shut the emulator down.

Keys: -access-key-id/-access-key-secret, any number of -key
ID:SECRET[:TOKEN[:EXPIRATION]], and -keys FILE, a JSON array of
{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"} (the
Credentials of an STS AssumeRole answer; one object is accepted too). A key
with a SecurityToken is an STS key: requests must send the token, and after
its Expiration (RFC 3339) it is refused with SecurityTokenExpired. Without
any key, one permanent key is generated and printed.

The bucket is private (-acl): unsigned reads and listings are refused with
403 AccessDenied unless -acl public-read or an object's own ACL
(x-oss-object-acl) allows them. Operations the emulator does not implement
are answered 501 NotImplemented.`

// emulatorFlags are the flags of "ossdirect emulator".
type emulatorFlags struct {
	addr, region, dir, acl, publicURL, keysFile string
	keyID, keySecret                            string
	buckets, keys, origins                      multiFlag
	publicRW                                    bool
}

func (f *emulatorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9000", "`host:port` to listen on")
	fs.Var(&f.buckets, "bucket", "bucket `name` (repeatable: the first is the default one, default examplebucket; more can be made with PutBucket)")
	fs.StringVar(&f.region, "region", "cn-hangzhou", "bucket `region` V4 signatures must name")
	fs.StringVar(&f.keyID, "access-key-id", "", "AccessKey `id` requests are signed with (one key is generated when no key is given)")
	fs.StringVar(&f.keySecret, "access-key-secret", "", "AccessKey `secret` of -access-key-id")
	fs.Var(&f.keys, "key", "accept this `ID:SECRET[:TOKEN[:EXPIRATION]]` key (repeatable; with TOKEN an STS key, EXPIRATION in RFC 3339)")
	fs.StringVar(&f.keysFile, "keys", "", "accept the keys in this JSON `file` (see below)")
	fs.StringVar(&f.dir, "dir", "", "keep objects and their metadata in this `directory` (created if missing) across restarts; default in memory")
	fs.Var(&f.origins, "cors-origin", "allow browser pages on this `origin` (repeatable; \"*\" for any)")
	fs.StringVar(&f.acl, "acl", "private", "bucket `ACL`: private, public-read (anonymous reads) or public-read-write (anonymous uploads too)")
	fs.BoolVar(&f.publicRW, "public-read-write", false, "same as -acl public-read-write")
	fs.StringVar(&f.publicURL, "public-url", "", "`URL` clients reach the emulator at (e.g. http://emulator:9000 from a container), used in the callback public key URL and printed URLs; default the listening address")
}

// config turns the flags into an osstest.Config; its error is a usage
// error.
func (f *emulatorFlags) config() (osstest.Config, error) {
	cfg := osstest.Config{Region: f.region, ACL: f.acl}
	if len(f.buckets) > 0 {
		cfg.Bucket, cfg.Buckets = f.buckets[0], f.buckets[1:]
	}
	if f.publicRW {
		cfg.ACL = "public-read-write"
	}
	switch cfg.ACL {
	case "private", "public-read", "public-read-write":
	default:
		return cfg, fmt.Errorf("-acl %q is not private, public-read or public-read-write", cfg.ACL)
	}
	if (f.keyID == "") != (f.keySecret == "") {
		return cfg, errors.New("give both -access-key-id and -access-key-secret, or neither")
	}
	if f.keyID != "" {
		cfg.AccessKeys = append(cfg.AccessKeys, osstest.AccessKey{ID: f.keyID, Secret: f.keySecret})
	}
	for _, spec := range f.keys {
		k, err := parseKeySpec(spec)
		if err != nil {
			return cfg, fmt.Errorf("-key: %w", err)
		}
		cfg.AccessKeys = append(cfg.AccessKeys, k)
	}
	if f.keysFile != "" {
		keys, err := readKeysFile(f.keysFile)
		if err != nil {
			return cfg, fmt.Errorf("-keys: %w", err)
		}
		cfg.AccessKeys = append(cfg.AccessKeys, keys...)
	}
	if f.publicURL != "" {
		u, err := url.Parse(f.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return cfg, fmt.Errorf("-public-url %q is not an http(s)://host[:port] URL", f.publicURL)
		}
	}
	if len(f.origins) > 0 {
		cfg.CORS = []osstest.CORSRule{{
			AllowedOrigins: f.origins,
			AllowedMethods: []string{"GET", "HEAD", "POST", "PUT", "DELETE"},
			AllowedHeaders: []string{"*"},
			// What browser upload code reads: the stored object's ETag
			// (multipart completion needs each part's) and OSS's ids.
			ExposeHeaders: []string{"ETag", "x-oss-request-id", "x-oss-hash-crc64ecma", "x-oss-version-id"},
			MaxAgeSeconds: 600,
		}}
	}
	return cfg, nil
}

// runEmulator serves an osstest emulator until ctx is cancelled.
func runEmulator(ctx context.Context, args []string, env *environ) int {
	fs := newFlags("emulator", "[flags]", emulatorNotes)
	var f emulatorFlags
	f.register(fs)
	positional, code, ok := parseFlags(fs, args, env)
	if !ok {
		return code
	}
	if len(positional) > 0 {
		return usageError(env, fs, "unexpected argument %q", positional[0])
	}
	cfg, err := f.config()
	if err != nil {
		return usageError(env, fs, "%v", err)
	}
	if f.dir != "" {
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			return usageError(env, fs, "-dir: %v", err)
		}
		cfg.Dir = f.dir
	}

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fail(env, "emulator", err)
	}
	listening := "http://" + advertisedHost(ln.Addr().(*net.TCPAddr))
	base := listening
	if f.publicURL != "" {
		base = strings.TrimSuffix(f.publicURL, "/")
	}
	cfg.PublicKeyURL = base + pubKeyPath
	out := &lockedWriter{w: env.stdout}
	cbTransport := http.DefaultTransport.(*http.Transport).Clone()
	cbTransport.DisableCompression = true
	cfg.CallbackClient = &http.Client{Transport: &callbackLog{out: out, rt: cbTransport}}

	emu, err := osstest.New(cfg)
	if err != nil {
		// The emulator refuses only its configuration: the flags.
		ln.Close()
		return usageError(env, fs, "%v", err)
	}
	fmt.Fprintf(out, "listening on %s\n", listening)
	if base != listening {
		fmt.Fprintf(out, "public URL %s\n", base)
	}
	printBanner(out, emu, cfg, base)
	return serveEmulator(ctx, env, out, ln, emu)
}

// printBanner prints what a client needs: the bucket and its URLs, the
// keys and the public key URL.
func printBanner(out io.Writer, emu *osstest.Emulator, cfg osstest.Config, base string) {
	ak := emu.AccessKey()
	fmt.Fprintf(out, "bucket %s, region %s, ACL %s: path style %s/%s/<key>, or %s/<key>\n", emu.Bucket(), emu.Region(), cfg.ACL, base, emu.Bucket(), base)
	for _, b := range cfg.Buckets {
		fmt.Fprintf(out, "bucket %s: path style %s/%s/<key>\n", b, base, b)
	}
	fmt.Fprintf(out, "access key id %s\naccess key secret %s\n", ak.ID, ak.Secret)
	if ak.SecurityToken != "" {
		fmt.Fprintf(out, "security token %s\n", ak.SecurityToken)
	}
	for _, k := range cfg.AccessKeys[min(1, len(cfg.AccessKeys)):] {
		kind := "permanent"
		if k.SecurityToken != "" {
			kind = "STS"
		}
		if !k.Expires.IsZero() {
			kind += ", expires " + k.Expires.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(out, "access key id %s (%s)\n", k.ID, kind)
	}
	fmt.Fprintf(out, "callbacks are signed with the public key at %s\n", cfg.PublicKeyURL)
	if cfg.Dir != "" {
		fmt.Fprintf(out, "objects in %s (%d stored)\n", cfg.Dir, len(emu.Objects()))
	}
}

// serveEmulator serves emu on ln until ctx is cancelled, logging each
// request to out.
func serveEmulator(ctx context.Context, env *environ, out io.Writer, ln net.Listener, emu *osstest.Emulator) int {
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
// operation's sub-resource), status (with OSS's error code, for a refusal)
// and milliseconds.
type requestLog struct {
	next   http.Handler
	out    io.Writer
	bucket string
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	ctx, formKey := objectkey.Watch(r.Context())
	l.next.ServeHTTP(sw, r.WithContext(ctx))
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	key := l.key(r)
	if k := formKey(); k != "" {
		key = k // a PostObject names its key in the form
	}
	status := strconv.Itoa(sw.status)
	if code := sw.errorCode(); code != "" {
		status += " " + code
	}
	fmt.Fprintf(l.out, "%s %s %q%s %s %dms\n", start.Format("15:04:05.000"), r.Method, key, operation(r), status, time.Since(start).Milliseconds())
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
	status  int
	errHead []byte // the start of an error answer's body
}

// maxErrHead is how much of an error body statusWriter keeps: OSS puts
// <Code> right after the XML declaration.
const maxErrHead = 256

// errorCode is the OSS error code of the answer, if it was an error: from
// its body, or for HEAD (which has none) from x-oss-err, OSS's error
// document Base64-encoded, so that the log says NoSuchBucket or
// SignatureDoesNotMatch, not only 404 or 403.
func (s *statusWriter) errorCode() string {
	if s.status < 400 {
		return ""
	}
	doc := s.errHead
	if len(doc) == 0 {
		doc, _ = base64.StdEncoding.DecodeString(s.Header().Get("X-Oss-Err"))
	}
	_, rest, ok := bytes.Cut(doc, []byte("<Code>"))
	code, _, ok2 := bytes.Cut(rest, []byte("</Code>"))
	if !ok || !ok2 {
		return ""
	}
	return string(code)
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
	if s.status >= 400 && len(s.errHead) < maxErrHead {
		s.errHead = append(s.errHead, b[:min(len(b), maxErrHead-len(s.errHead))]...)
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
