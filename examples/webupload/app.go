package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

//go:embed static
var staticFiles embed.FS

// Config is everything the app needs; the emulator and a real bucket differ
// only in the values (credentials, bucket, region, endpoint, trusted keys),
// never in the code that uses them.
type Config struct {
	// PublicURL is the app's base URL as OSS reaches it: callbackUrl is
	// PublicURL + "/oss/callback". Real OSS refuses private and loopback
	// callback addresses
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
	// so with a real bucket this must be publicly reachable.
	PublicURL string

	// Credentials sign the POST policy.
	Credentials signer.CredentialsProvider
	// Bucket and Region name the bucket; Endpoint, when set, replaces the
	// https://<bucket>.oss-<region>.aliyuncs.com upload URL (the emulator's
	// URL, or a CNAME).
	Bucket, Region, Endpoint string
	// Version is the POST signature version (zero value: V4).
	Version signer.Version

	// Keys decides which callback signing keys are trusted: OSS's own key
	// with a real bucket, only the emulator's key in emulator mode.
	Keys verify.KeyFetcher

	// MaxSize is the largest file the app accepts, in bytes (0: 64 MiB),
	// by either path: the POST policy's content-length-range and the
	// multipart plan both stop at it, and the callback handler refuses a
	// larger object.
	MaxSize int64
	// MultipartThreshold is the size above which the page sends a file by
	// presigned multipart upload instead of one PostObject (0: 8 MiB). The
	// POST policy allows at most min(MaxSize, MultipartThreshold), so a
	// token cannot be used to post one large file that could not be
	// resumed.
	MultipartThreshold int64
	// PartSize is the size of every part but the last (0: 5 MiB, at least
	// minPartSize).
	PartSize int64
	// PartExpires is how long each presigned multipart request (initiate,
	// part, complete, abort, list) stays valid (0: 10 minutes).
	// The page fetches new part URLs when these expire.
	PartExpires time.Duration
	// ContentTypes, when not empty, is the list of content types the policy
	// allows.
	ContentTypes []string
	// Expires is how long a token stays valid (0: the signer's default).
	Expires time.Duration

	// Mode is shown on the page: "emulator" or "oss".
	Mode string

	// Secrets bind callback URLs to the tokens this app issued and seal
	// the multipart tickets: the Signer, the Verifier and the
	// MultipartHandler share them. nil means one random secret for this
	// process, so callbacks of tokens issued, and multipart uploads begun,
	// before a restart are refused. A real deployment with several
	// instances shares one stable keyring (README, "Rotating the secret").
	Secrets callback.Secrets

	// Now is the app's clock (nil: time.Now): it dates tokens, the expiry
	// of their bound callback URLs, and the callbacks checked against it.
	// Tests set it to move time forward without waiting.
	Now func() time.Time

	// Client sends the DeleteObject requests for objects the callback
	// handler refuses and the PutObjectTagging requests for the ones it
	// accepts (nil: a client whose requests time out after deleteTimeout).
	Client *http.Client

	// Logger records those deletions, status changes and the callbacks
	// the app refuses
	// (nil: slog.Default()).
	Logger *slog.Logger
}

// App is the demo's HTTP application: the page, the token endpoint and the
// callback endpoint.
type App struct {
	cfg    Config
	signer *signer.Signer
	mux    *http.ServeMux
	host   string // the bucket URL tokens post to, for GET /api/config

	// background counts the deletions of refused objects (refused.go)
	// and the status changes (status.go) in progress.
	background sync.WaitGroup

	mu      sync.Mutex
	records map[string][]Record // by user id
}

// Record is what the app stores about an upload when OSS calls it back, and
// what its callback answer (relayed by OSS to the browser) contains.
type Record struct {
	Status   string `json:"status"`
	UID      string `json:"uid"`
	Object   string `json:"object"`
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	ETag     string `json:"etag"`
	Bucket   string `json:"bucket"`
	// Uploads counts the uploads the app has recorded for this user,
	// this one included: the answer is made by the app, so it can carry
	// what only the app knows (here a count, in a real app a database id).
	// The page explains it under the answer.
	Uploads int `json:"uploads"`
}

// Upload paths.
const (
	defaultMaxSize            = 64 << 20
	defaultMultipartThreshold = 8 << 20
	defaultPartSize           = 5 << 20
	// OSS's part sizes: every part but the last is at least 100 KiB, and
	// at most 5 GiB
	// (https://www.alibabacloud.com/help/en/oss/user-guide/multipart-upload).
	minPartSize = 100 << 10
	maxPartSize = 5 << 30
)

const (
	uidCookie     = "ossdirect_uid"
	uidVar        = "x:uid"
	callbackPath  = "/oss/callback"
	multipartPath = "/oss/multipart/"
)

// errForeignObject marks a callback whose object lies outside the uploading
// user's prefix, or whose body names another user than its bound URL. The
// app's own tokens make both impossible; seeing one means the callback comes
// from an upload the app did not sign (OSS signs every account's callbacks
// with the same key; see the callback package doc).
var errForeignObject = errors.New("webupload: callback does not match the user's token")

// errTooLarge marks a callback of an object larger than Config.MaxSize.
var errTooLarge = errors.New("webupload: object over the size limit")

// errConfig is wrapped by every error newApp returns for an incomplete Config.
var errConfig = errors.New("webupload: bad config")

func newApp(cfg Config) (*App, error) {
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: no credentials", errConfig)
	}
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("%w: no bucket", errConfig)
	}
	if cfg.Keys == nil {
		return nil, fmt.Errorf("%w: no trusted callback keys", errConfig)
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: public URL %q is not an absolute http(s) URL", errConfig, cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = defaultMaxSize
	}
	if cfg.MultipartThreshold <= 0 {
		cfg.MultipartThreshold = defaultMultipartThreshold
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = defaultPartSize
	}
	if cfg.PartSize < minPartSize || cfg.PartSize > maxPartSize {
		return nil, fmt.Errorf("%w: part size %d outside %d..%d", errConfig, cfg.PartSize, minPartSize, int64(maxPartSize))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Secrets == nil {
		key := make([]byte, 32)
		rand.Read(key)
		cfg.Secrets = callback.Secrets{{ID: "process", Key: key}}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: deleteTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &App{
		cfg: cfg,
		signer: &signer.Signer{
			Credentials: cfg.Credentials,
			Bucket:      cfg.Bucket,
			Region:      cfg.Region,
			Endpoint:    cfg.Endpoint,
			Version:     cfg.Version,
			Now:         cfg.Now,
			// The signer binds each token's callback URL with the app's
			// secret until the token expires plus callbackMargin.
			Secrets:        cfg.Secrets,
			CallbackMargin: callbackMargin,
		},
		mux:     http.NewServeMux(),
		records: make(map[string][]Record),
	}

	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(static)
	a.mux.Handle("GET /{$}", withUser(files))
	a.mux.Handle("GET /app.js", files)
	a.mux.Handle("GET /style.css", files)
	a.mux.Handle("GET /api/config", withUser(http.HandlerFunc(a.serveConfig)))
	a.mux.Handle("GET /oss/token", withUser(&signer.Handler{Signer: a.signer, Upload: a.upload}))
	// Large files: the page asks for a plan, then for presigned requests
	// step by step, and talks to OSS itself. The ticket carries the plan,
	// so the app keeps no state between the steps.
	a.mux.Handle("POST "+multipartPath, withUser(&signer.MultipartHandler{
		Signer:        a.signer,
		Secrets:       cfg.Secrets,
		User:          func(r *http.Request) (string, error) { return userOf(r) },
		Plan:          a.plan,
		TicketExpires: ticketExpires,
	}))
	// OSS's callback carries no cookie, and OSS signs the callbacks of every
	// account with the same key: the user comes from the callback URL's
	// query, which this app bound with its secret when it issued the token.
	// Refusals are logged through the app's Logger: OSS tells the uploader
	// only "CallbackFailed".
	verifier := &callback.Verifier{
		Keys:    cfg.Keys,
		Secrets: cfg.Secrets,
		Logger:  cfg.Logger,
		Now:     cfg.Now,
	}
	// Presigning checks the Signer and its credentials as Validate does.
	if a.host, err = a.uploadHost(context.Background()); err != nil {
		return nil, fmt.Errorf("%w: %w", errConfig, err)
	}
	if err := verifier.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", errConfig, err)
	}
	a.mux.Handle("POST "+callbackPath, verifier.Handler(a.onUpload))
	return a, nil
}

// ServeHTTP serves the page, GET /api/config, GET /oss/token,
// POST /oss/multipart/{plan,parts,complete,abort,list} and POST /oss/callback.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	a.mux.ServeHTTP(w, r)
}

// userDir is the only prefix a user may upload to.
func userDir(uid string) string { return "uploads/" + uid + "/" }

// callbackMargin is how long after its token expires a bound callback URL is
// still accepted (signer.Signer.CallbackMargin): the upload must start
// before the policy expires, then the file travels to OSS and OSS calls
// back within 5 seconds. A minute covers a PostObject of the demo's 8 MiB
// multipart threshold on a slow link.
const callbackMargin = time.Minute

// upload is the policy for one token: the user's own prefix, the size and
// type limits, and a JSON callback to a URL bound to this user (so no other
// OSS account can make OSS call the app in this user's name) until shortly
// after the token expires (so a captured callback cannot be replayed later),
// whose x:uid is pinned in the policy (so the browser cannot claim to be
// someone else).
func (a *App) upload(r *http.Request) (signer.Upload, error) {
	uid, err := userOf(r)
	if err != nil {
		return signer.Upload{}, err
	}
	return signer.Upload{
		KeyPrefix:    userDir(uid),
		MaxSize:      a.postMaxSize(),
		Expires:      a.cfg.Expires,
		ContentTypes: a.cfg.ContentTypes,
		Callback:     a.callbackFor(uid),
		CallbackVars: map[string]string{uidVar: uid},
	}, nil
}

// postMaxSize is the POST policy's size limit: files above the multipart
// threshold go by multipart upload.
func (a *App) postMaxSize() int64 { return min(a.cfg.MaxSize, a.cfg.MultipartThreshold) }

// callbackFor is the callback of every upload of uid, PostObject and
// multipart alike; the signer binds its URL.
func (a *App) callbackFor(uid string) *callback.Params {
	return &callback.Params{
		URL:      a.cfg.PublicURL + callbackPath + "?uid=" + url.QueryEscape(uid),
		Body:     callback.JSONBody("bucket", "object", "etag", "size", "mimeType", uidVar),
		BodyType: callback.BodyTypeJSON,
	}
}

// userOf is the request's user. The signer's handlers answer a
// callback.HTTPError with its status and message, which the page shows
// as they are: people read them, so they name no package.
func userOf(r *http.Request) (string, error) {
	uid, ok := userFrom(r.Context())
	if !ok {
		return "", &callback.HTTPError{Status: http.StatusUnauthorized, Message: "no user session: reload the page",
			Err: fmt.Errorf("%w: no user id", signer.ErrUnauthorized)}
	}
	return uid, nil
}

// uploadHost is the bucket's URL the page uploads to, the one the Signer
// puts in tokens. The Signer does not export it, so it is read off a
// presigned URL (the base URL, "/", the key) rather than built a second
// time here.
func (a *App) uploadHost(ctx context.Context) (string, error) {
	const key = "k" // nothing to escape
	p, err := a.signer.Presign(ctx, signer.Request{Method: http.MethodHead, Key: key})
	if err != nil {
		return "", err
	}
	base, _, _ := strings.Cut(p.URL, "?")
	return strings.TrimSuffix(base, "/"+key), nil
}

// ticketExpires is how long a large upload can be resumed: a day, as
// the default of signer.MultipartHandler.TicketExpires, said here because
// the page tells the user.
const ticketExpires = 24 * time.Hour

// namingParam is the query parameter of a "plan" request with the page's
// naming choice: "local" names the object after the file, like
// ${filename} in a PostObject key; anything else picks a random name.
const namingParam = "naming"

// maxLocalName bounds an object name taken from the browser's file name;
// longer names get a random one.
const maxLocalName = 255

// plan is the app's decision about a large file (signer.MultipartHandler's
// Plan): the same limits as the POST policy, but for a size the browser
// states and the app then holds it to (signer.CheckSize in the callback).
// The content type is signed on InitiateMultipartUpload, where OSS takes
// the stored object's type from
// (https://www.alibabacloud.com/help/en/oss/developer-reference/initiatemultipartupload).
func (a *App) plan(r *http.Request, uid string, f signer.File) (signer.Multipart, error) {
	if f.Size > a.cfg.MaxSize {
		return signer.Multipart{}, &callback.HTTPError{
			Status:  http.StatusRequestEntityTooLarge,
			Message: tooLarge("the file", f.Size, a.cfg.MaxSize),
			Err:     fmt.Errorf("%w: %d bytes, limit %d", signer.ErrForbidden, f.Size, a.cfg.MaxSize),
		}
	}
	if len(a.cfg.ContentTypes) > 0 && !slices.Contains(a.cfg.ContentTypes, f.Type) {
		return signer.Multipart{}, &callback.HTTPError{
			Status:  http.StatusUnsupportedMediaType,
			Message: fmt.Sprintf("files of type %q are not accepted", f.Type),
			Err:     fmt.Errorf("%w: type %q", signer.ErrForbidden, f.Type),
		}
	}
	name := ""
	if r.URL.Query().Get(namingParam) == "local" {
		name = localName(f.Name)
	}
	if name == "" {
		name = newUID() + newUID() + extension(f.Name)
	}
	return signer.Multipart{
		Key:         userDir(uid) + name,
		Size:        f.Size,
		PartSize:    a.cfg.PartSize,
		ContentType: f.Type,
		// Stored as pending until the callback is accepted (status.go).
		Header:       http.Header{"x-oss-tagging": {pendingTagging}},
		Expires:      a.cfg.PartExpires,
		Callback:     a.callbackFor(uid),
		CallbackVars: map[string]string{uidVar: uid},
	}, nil
}

// tooLarge says that what, of size bytes, is over the limit, in the units
// people read: exact bytes only when the sizes would otherwise look equal.
func tooLarge(what string, size, limit int64) string {
	s, l := sizeText(size), sizeText(limit)
	if strings.Replace(s, ".0 ", " ", 1) == l {
		s += " (" + strconv.FormatInt(size, 10) + " bytes)"
	}
	return fmt.Sprintf("%s is %s, over the limit of %s", what, s, l)
}

// sizeText is n in bytes, KiB or MiB: whole units bare, as the page
// writes them, others with one decimal.
func sizeText(n int64) string {
	unit, name := int64(1), "bytes"
	switch {
	case n >= 1<<20:
		unit, name = 1<<20, "MiB"
	case n >= 1<<10:
		unit, name = 1<<10, "KiB"
	}
	if n%unit == 0 {
		return fmt.Sprintf("%d %s", n/unit, name)
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(unit), name)
}

// localName is the last element of a browser's file name, or "" when it
// cannot be an object name as it is (empty, "." or "..", too long, not
// UTF-8, or with control characters).
func localName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || name == "." || name == ".." || len(name) > maxLocalName || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return ""
	}
	return name
}

// extension is the file name's extension, lower case, as the page keeps
// it for random names: a dot and 1 to 10 letters or digits, else "".
func extension(name string) string {
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || dot == len(name)-1 {
		return ""
	}
	ext := strings.ToLower(name[dot:])
	if len(ext) > 11 || strings.ContainsFunc(ext[1:], func(c rune) bool { return !('a' <= c && c <= 'z' || '0' <= c && c <= '9') }) {
		return ""
	}
	return ext
}

func (a *App) onUpload(_ context.Context, ev *callback.Event) (any, error) {
	uid := ev.Query.Get("uid")
	if uid == "" || ev.Vars[uidVar] != uid || !strings.HasPrefix(ev.Object, userDir(uid)) {
		return nil, &callback.HTTPError{
			Status:  http.StatusForbidden,
			Message: "callback does not match the user's token",
			Err:     fmt.Errorf("%w: %q for user %q", errForeignObject, ev.Object, uid),
		}
	}
	// A multipart upload's size is the browser's to choose: the list of
	// parts in CompleteMultipartUpload is not signed, so OSS stores what it
	// is given. PresignComplete put the planned size in the bound callback
	// URL; PostObject callbacks carry none, their size is the policy's.
	// OSS keeps an object whatever the callback answers, so the app
	// deletes the one it refuses (refused.go).
	if ev.Query.Has(signer.SizeParam) {
		if err := signer.CheckSize(ev); err != nil {
			return nil, a.refuse(ev, &callback.HTTPError{
				Status:  http.StatusBadRequest,
				Message: fmt.Sprintf("object is %d bytes, not the planned %s", ev.Size, ev.Query.Get(signer.SizeParam)),
				Err:     err,
			})
		}
	}
	if ev.Size > a.cfg.MaxSize {
		return nil, a.refuse(ev, &callback.HTTPError{
			Status:  http.StatusRequestEntityTooLarge,
			Message: tooLarge("the object", ev.Size, a.cfg.MaxSize),
			Err:     fmt.Errorf("%w: %q is %d bytes, limit %d", errTooLarge, ev.Object, ev.Size, a.cfg.MaxSize),
		})
	}
	rec := Record{
		Status:   "OK",
		UID:      uid,
		Object:   ev.Object,
		Size:     ev.Size,
		MimeType: ev.MimeType,
		ETag:     ev.ETag,
		Bucket:   ev.Bucket,
	}
	a.mu.Lock()
	rec.Uploads = len(a.records[uid]) + 1
	a.records[uid] = append(a.records[uid], rec)
	a.mu.Unlock()
	if ev.Bucket == a.cfg.Bucket {
		a.markReady(ev.Object)
	}
	return rec, nil
}

// Records returns what the app recorded for a user, oldest first.
func (a *App) Records(uid string) []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Record(nil), a.records[uid]...)
}

// pageConfig is GET /api/config: what the page needs to mirror the policy's
// checks and to tell the user where the files go.
type pageConfig struct {
	UID          string   `json:"uid"`
	Dir          string   `json:"dir"`
	Host         string   `json:"host"`
	Bucket       string   `json:"bucket"`
	Mode         string   `json:"mode"`
	Signature    string   `json:"signature"`
	MinSize      int64    `json:"minSize"`
	MaxSize      int64    `json:"maxSize"`
	ContentTypes []string `json:"contentTypes"`
	// MultipartThreshold: larger files go by multipart upload.
	MultipartThreshold int64 `json:"multipartThreshold"`
	// ResumeHours is how long an interrupted large upload can be resumed.
	ResumeHours int `json:"resumeHours"`
}

func (a *App) serveConfig(w http.ResponseWriter, r *http.Request) {
	uid, _ := userFrom(r.Context())
	sig := "V4 (OSS4-HMAC-SHA256)"
	if a.cfg.Version == signer.V1 {
		sig = "V1 (HMAC-SHA1)"
	}
	types := a.cfg.ContentTypes
	if types == nil {
		types = []string{}
	}
	writeJSON(w, pageConfig{
		UID:          uid,
		Dir:          userDir(uid),
		Host:         a.host,
		Bucket:       a.cfg.Bucket,
		Mode:         a.cfg.Mode,
		Signature:    sig,
		MaxSize:      a.cfg.MaxSize,
		ContentTypes: types,

		MultipartThreshold: a.cfg.MultipartThreshold,
		ResumeHours:        int(ticketExpires / time.Hour),
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

type userKey struct{}

func userFrom(ctx context.Context) (string, bool) {
	uid, ok := ctx.Value(userKey{}).(string)
	return uid, ok
}

// withUser identifies the visitor the simplest honest way for a demo: a
// random id in a cookie, issued on first visit. Anyone can choose their
// cookie, so this shows the per-user isolation the policy enforces, not
// authentication; a real app takes the user from its own session.
func withUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid := ""
		if c, err := r.Cookie(uidCookie); err == nil && validUID(c.Value) {
			uid = c.Value
		} else {
			uid = newUID()
			http.SetCookie(w, &http.Cookie{
				Name:     uidCookie,
				Value:    uid,
				Path:     "/",
				HttpOnly: true,
				SameSite: http.SameSiteLaxMode,
				MaxAge:   int((30 * 24 * time.Hour).Seconds()),
			})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, uid)))
	})
}

const uidLen = 16 // hex characters

func newUID() string {
	var b [uidLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validUID(s string) bool {
	if len(s) != uidLen {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
