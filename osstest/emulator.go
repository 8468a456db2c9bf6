package osstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// pubKeyPath is where the emulator serves its callback public key. It is
// reserved: an object whose key is "__osstest__/callback_pub_key_v1.pem"
// cannot be read back with GET.
const pubKeyPath = "/__osstest__/callback_pub_key_v1.pem"

// Emulator is an in-process OSS bucket that accepts PostObject uploads
// exactly as OSS does (see the package documentation). It is an
// http.Handler; use NewServer for a real loopback server, or mount an
// Emulator in your own server.
//
// All methods are safe for concurrent use.
type Emulator struct {
	bucket          string
	region          string
	keys            []AccessKey
	keyByID         map[string]AccessKey
	tokens          map[string]string // STS token -> access key id
	now             func() time.Time
	callbackTimeout time.Duration
	acl             string // Config.ACL or private: the bucket's current ACL is info.ACL
	cors            []CORSRule
	client          *http.Client
	sign            *signingKey
	store           *store
	maxObjectSize   int64
	mp              multipartState
	chunks          chunkPool
	v4keys          v4KeyCache
	buckets         *bucketSet // buckets.go
	appends         sync.Mutex // append.go
	info            bucketInfo // guarded by mu; buckets.go

	mu           sync.Mutex
	pubURL       string          // fixed public key URL, if known
	advertised   map[string]bool // URLs put in x-oss-pub-key-url
	callbacks    []CallbackRecord
	fault        func(url string) error
	requesterIDs map[string]string

	// closing is cancelled by Server.Close and Emulator.Close, ending
	// callbacks in progress.
	closing     context.Context
	stopClosing context.CancelFunc
}

// New returns an Emulator for cfg (zero fields take the defaults documented
// on Config), or an error wrapping ErrInvalid for an unsupported
// Config.CallbackKeyBits or Config.ACL, or a Config.Dir it cannot use.
func New(cfg Config) (*Emulator, error) {
	e := &Emulator{
		bucket:          cfg.Bucket,
		region:          cfg.Region,
		now:             cfg.Now,
		callbackTimeout: cfg.CallbackTimeout,
		acl:             cfg.ACL,
		cors:            append([]CORSRule(nil), cfg.CORS...),
		fault:           cfg.CallbackFault,
		keyByID:         map[string]AccessKey{},
		tokens:          map[string]string{},
		advertised:      map[string]bool{},
		requesterIDs:    map[string]string{},
		maxObjectSize:   maxObjectSize,
		pubURL:          cfg.PublicKeyURL,
	}
	if e.acl == "" {
		e.acl = aclPrivate
	}
	if !validBucketACL(e.acl) {
		return nil, fmt.Errorf("%w: Config.ACL %q is not private, public-read or public-read-write", ErrInvalid, cfg.ACL)
	}
	if e.bucket == "" {
		e.bucket = defaultBucket
	}
	if e.region == "" {
		e.region = defaultRegion
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.callbackTimeout <= 0 {
		e.callbackTimeout = defaultCallbackTimeout
	}
	e.keys = append([]AccessKey(nil), cfg.AccessKeys...)
	if len(e.keys) == 0 {
		e.keys = []AccessKey{{ID: "LTAI" + strings.ToUpper(randomHex(10)), Secret: randomHex(15)}}
	}
	for _, k := range e.keys {
		e.keyByID[k.ID] = k
		if k.SecurityToken != "" {
			e.tokens[k.SecurityToken] = k.ID
		}
	}
	key, err := newSigningKey(cfg.CallbackKeyBits)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	e.sign = key
	st, uploads, err := newStore(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	e.store, e.mp.uploads = st, uploads
	e.client = callbackClient(cfg.CallbackClient)
	if e.pubURL != "" {
		e.advertised[e.pubURL] = true
	}
	e.closing, e.stopClosing = context.WithCancel(context.Background())
	if err := e.initBuckets(cfg); err != nil { // buckets.go
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return e, nil
}

// ErrInvalid is wrapped by the errors of New, NewServer, NewPostRequest and
// ParseError: a Config, PostForm or error body osstest cannot use.
var ErrInvalid = errors.New("osstest: invalid input")

// Server is an Emulator listening on a loopback address, like
// httptest.Server. Bucket URLs are URL (the bucket is implied by the bare
// loopback host) or, for virtual-host addressing, any host name whose first
// label is the bucket.
type Server struct {
	// URL is the base URL of the server, "http://127.0.0.1:port", with no
	// trailing slash. Forms are POSTed to URL + "/".
	URL string

	*Emulator

	ts *httptest.Server
}

// NewServer starts an emulator for cfg on a loopback port (see New for
// its errors). The caller must Close it.
func NewServer(cfg Config) (*Server, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(e)
	if cfg.PublicKeyURL == "" {
		e.mu.Lock()
		e.pubURL = ts.URL + pubKeyPath
		e.advertised[e.pubURL] = true
		e.mu.Unlock()
	}
	return &Server{URL: ts.URL, Emulator: e, ts: ts}, nil
}

// Close shuts the server down and blocks until all outstanding requests
// have completed. Callbacks in progress are cancelled rather than waited
// out (up to CallbackTimeout each): their uploads are answered 203
// CallbackFailed, and their objects stay stored, as after any failed
// callback. It then closes the store (the journal of Config.Dir): every
// later write to the Emulator fails with 500 InternalError.
func (s *Server) Close() {
	s.stopClosing()
	s.ts.Close()
	s.client.CloseIdleConnections()
	s.buckets.closeStores() // buckets.go: the journals of Config.Dir
}

// Close cancels the callbacks in progress, whose uploads are then answered
// 203 CallbackFailed with their objects stored, and closes the callback
// client's idle connections. Server.Close does this itself; call it when the
// Emulator is mounted in a server of your own, before shutting that server
// down, so the shutdown does not wait out CallbackTimeout. The Emulator
// keeps serving afterwards, writes included, so that requests in flight
// complete; every later callback fails at once. The journal of Config.Dir
// stays open: only Server.Close, which stops its server first, closes it.
func (e *Emulator) Close() {
	e.stopClosing()
	e.client.CloseIdleConnections()
}

// Client returns an HTTP client configured for the server (as
// httptest.Server.Client does); Close closes its idle connections.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Bucket returns the name of the emulated bucket.
func (e *Emulator) Bucket() string { return e.bucket }

// Region returns the region V4 credentials must name.
func (e *Emulator) Region() string { return e.region }

// AccessKey returns the first configured access key (the generated one if
// Config.AccessKeys was empty).
func (e *Emulator) AccessKey() AccessKey { return e.keys[0] }

// Object returns the stored object key with its Content.
func (e *Emulator) Object(key string) (Object, bool) {
	rc, obj, err := e.store.openVersion(key, "") // versions.go
	if err != nil {
		return Object{}, false
	}
	defer rc.Close()
	obj.Content, err = io.ReadAll(rc)
	return obj, err == nil
}

// Objects returns the stored objects sorted by key, without their Content.
func (e *Emulator) Objects() []Object { return e.store.list() }

// publicKeyURLFor returns the x-oss-pub-key-url for an upload that arrived
// as r, remembering it so KeyFetcher trusts it.
func (e *Emulator) publicKeyURLFor(r *http.Request) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pubURL != "" {
		return e.pubURL
	}
	u := requestScheme(r) + "://" + r.Host + pubKeyPath
	e.advertised[u] = true
	return u
}

func (e *Emulator) trustsKeyURL(u string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.advertised[u]
}

// requesterID returns a stable, made-up numeric account id for an access key,
// sent as x-oss-requester in callbacks (docs/PROTOCOL.md#callback-request).
func (e *Emulator) requesterID(accessKeyID string) string {
	if root := e.buckets.root; root != e {
		return root.requesterID(accessKeyID) // one account for every bucket
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id, ok := e.requesterIDs[accessKeyID]
	if !ok {
		var b [8]byte
		rand.Read(b[:])
		var n uint64
		for _, c := range b {
			n = n<<8 | uint64(c)
		}
		id = fmt.Sprintf("1%015d", n%1e15)
		e.requesterIDs[accessKeyID] = id
	}
	return id
}

// newRequestID returns 24 upper-case hex characters, the shape of OSS's
// x-oss-request-id (docs/PROTOCOL.md#success-response).
func newRequestID() string { return strings.ToUpper(randomHex(12)) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// drainBody reads what is left of a request body we answer early, so the
// client, which may still be writing, reads our error instead of a
// connection reset. Bodies larger than the cap are cut off (and the
// connection closed by net/http), as OSS would.
func drainBody(r *http.Request) {
	const maxDrain = 8 << 20
	buf := make([]byte, 32<<10)
	var n int64
	for n < maxDrain {
		m, err := r.Body.Read(buf)
		n += int64(m)
		if err != nil {
			return
		}
	}
}
