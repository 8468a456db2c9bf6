package verify

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ossKeyHost is the only host whose keys OSS documents as trusted: the
// decoded URL must start with http://gosspublic.alicdn.com/ or
// https://gosspublic.alicdn.com/
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
const ossKeyHost = "gosspublic.alicdn.com"

// ossKeyPath is the path of the key embedded in this package.
const ossKeyPath = "/callback_pub_key_v1.pem"

// ossKeyURLHTTP is the http:// form of OSSKeyURL, which OSS's older
// documentation shows (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
const ossKeyURLHTTP = "http://" + ossKeyHost + ossKeyPath

// Defaults for the zero Fetcher.
const (
	// defaultFetchTimeout bounds one key fetch, matching the 5 s OSS gives the
	// whole callback
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback): a
	// slower fetch would fail the callback anyway.
	defaultFetchTimeout = 5 * time.Second
	// defaultKeyTTL is how long a fetched key is reused. OSS says the key
	// content never changes
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
	defaultKeyTTL = 24 * time.Hour
	// defaultMaxKeyBytes caps the PEM read from the key server; an 8192-bit
	// SPKI PEM is under 1.5 KiB.
	defaultMaxKeyBytes = 16 << 10
	// maxKeyURLLen bounds the URL we are willing to look at.
	maxKeyURLLen = 2048
	// maxCacheEntries bounds the cache: attackers can name arbitrary paths on
	// the trusted host, and only real keys are stored, but stay bounded anyway.
	maxCacheEntries = 128
	// maxInflightFetches bounds the distinct key fetches running at once.
	// Anyone can send callbacks naming arbitrary paths on the trusted host,
	// each fetch may take the whole timeout, and it outlives the request
	// that started it; OSS's own key needs no fetch at all.
	maxInflightFetches = 8
)

// Fetcher is the default KeyFetcher: it trusts only OSS's key host, answers
// OSS's own key URL from the embedded copy (no network), and fetches any other
// key on that host over https, once per burst (singleflight) and then from a
// TTL cache. The zero value is ready to use and locked to
// gosspublic.alicdn.com; the fields marked "for tests" exist so tests can
// point it at a local server. A Fetcher must not be copied after first use.
type Fetcher struct {
	// Client makes the key requests; nil means http.DefaultTransport. Its
	// redirect policy is replaced: redirects are refused, because a key must
	// come from the trusted host itself.
	Client *http.Client
	// Timeout bounds one fetch; 0 means 5 s, the time OSS gives the whole
	// callback. The fetch is
	// shared by every caller waiting for the same key, so it is not cut short
	// when one of them gives up.
	Timeout time.Duration
	// TTL is how long a fetched key is reused; 0 means 24 h.
	TTL time.Duration
	// MaxKeyBytes caps the key server's answer; 0 means 16 KiB.
	MaxKeyBytes int64
	// Now is the clock for cache expiry; nil means time.Now.
	Now func() time.Time

	// BaseURL, for tests, replaces "https://gosspublic.alicdn.com" when a
	// trusted key is fetched, e.g. with an httptest server's URL. The trust
	// decision still looks at the URL OSS named.
	BaseURL string
	// Trust, for tests and private deployments, replaces the allowlist: it
	// reports whether a parsed key URL is trusted. URLs it trusts are fetched
	// as given (or below BaseURL when that is set). nil means only
	// http(s)://gosspublic.alicdn.com/... is trusted, fetched over https.
	Trust func(u *url.URL) bool

	group    singleflight.Group
	mu       sync.Mutex
	cache    map[string]cachedKey
	inflight chan struct{} // semaphore of maxInflightFetches; made under mu
}

type cachedKey struct {
	key     *rsa.PublicKey
	expires time.Time
}

var defaultFetcher = &Fetcher{}

// DefaultFetcher returns the shared zero-value Fetcher: OSS's key host only,
// embedded key for OSSKeyURL, default timeout, TTL and size cap.
func DefaultFetcher() KeyFetcher { return defaultFetcher }

// IsOSSKeyURL reports whether rawURL is on OSS's documented allowlist:
// http://gosspublic.alicdn.com/ or https://gosspublic.alicdn.com/ followed by
// a path, with no userinfo, port, fragment, whitespace, backslash or
// non-ASCII byte. The prefix test alone already refuses look-alikes such as
// https://gosspublic.alicdn.com.evil.com/ and https://gosspublic.alicdn.com@evil.com/;
// the parsed form is checked as well so that the URL fetched is the URL
// judged.
func IsOSSKeyURL(rawURL string) bool {
	_, ok := parseOSSKeyURL(rawURL)
	return ok
}

func parseOSSKeyURL(rawURL string) (*url.URL, bool) {
	if len(rawURL) > maxKeyURLLen {
		return nil, false
	}
	if !strings.HasPrefix(rawURL, "https://"+ossKeyHost+"/") && !strings.HasPrefix(rawURL, "http://"+ossKeyHost+"/") {
		return nil, false
	}
	if !plainURLBytes(rawURL) {
		return nil, false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, false
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host != ossKeyHost || u.User != nil ||
		u.Opaque != "" || u.Fragment != "" || u.Port() != "" || !strings.HasPrefix(u.EscapedPath(), "/") {
		return nil, false
	}
	return u, true
}

// plainURLBytes refuses bytes that have no business in a key URL and that
// parsers disagree about (whitespace, controls, backslash, '#', non-ASCII).
func plainURLBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' {
			return false
		}
	}
	return true
}

// pathAndQuery is the request target of u, as sent.
func pathAndQuery(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		p += "?" + u.RawQuery
	}
	return p
}

// resolve decides trust and returns where to fetch the key from and whether
// the URL is OSS's own key (served from the embedded copy).
func (f *Fetcher) resolve(rawURL string) (fetchURL string, embedded bool, err error) {
	if f.Trust == nil {
		u, ok := parseOSSKeyURL(rawURL)
		if !ok {
			return "", false, fmt.Errorf("%w: %q is not on gosspublic.alicdn.com", ErrUntrustedKeyURL, rawURL)
		}
		target := pathAndQuery(u)
		base := "https://" + ossKeyHost
		if f.BaseURL != "" {
			base = strings.TrimSuffix(f.BaseURL, "/")
		}
		// Fetched over https even when OSS names the http:// form: the
		// key is what every later signature is checked against.
		return base + target, target == ossKeyPath, nil
	}
	if len(rawURL) > maxKeyURLLen || !plainURLBytes(rawURL) {
		return "", false, fmt.Errorf("%w: %q", ErrUntrustedKeyURL, rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() || !f.Trust(u) {
		return "", false, fmt.Errorf("%w: %q", ErrUntrustedKeyURL, rawURL)
	}
	_, isOSS := parseOSSKeyURL(rawURL)
	embedded = isOSS && pathAndQuery(u) == ossKeyPath
	if f.BaseURL != "" {
		return strings.TrimSuffix(f.BaseURL, "/") + pathAndQuery(u), embedded, nil
	}
	return u.String(), embedded, nil
}

// FetchKey returns the key named by rawURL (the decoded x-oss-pub-key-url).
// An untrusted URL yields ErrUntrustedKeyURL before any request; OSS's own
// key URL is answered from the embedded copy; other trusted URLs come from
// the cache or from one shared fetch, whose failure (ErrKeyFetch) is
// reported to every waiting caller and not remembered. At most 8 distinct
// fetches run at once; beyond that FetchKey fails with ErrKeyFetch at once,
// so callbacks naming made-up key paths cannot pile up outbound requests.
// The returned key is shared and must not be modified.
func (f *Fetcher) FetchKey(ctx context.Context, rawURL string) (*rsa.PublicKey, error) {
	// The steady-state case, OSS's own key, without parsing anything.
	if f.Trust == nil && (rawURL == OSSKeyURL || rawURL == ossKeyURLHTTP) {
		return ossKey, nil
	}
	fetchURL, embedded, err := f.resolve(rawURL)
	if err != nil {
		return nil, err
	}
	if embedded {
		return ossKey, nil
	}
	if k := f.cached(fetchURL); k != nil {
		return k, nil
	}
	ch := f.group.DoChan(fetchURL, func() (any, error) {
		// A flight that started after another one stored the key must not
		// fetch again: this makes "one fetch per cold burst" hold however
		// the goroutines interleave.
		if k := f.cached(fetchURL); k != nil {
			return k, nil
		}
		sem := f.semaphore()
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		default:
			return nil, fmt.Errorf("%w: %s: %d other key fetches in progress", ErrKeyFetch, fetchURL, maxInflightFetches)
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout())
		defer cancel()
		k, err := f.fetch(fctx, fetchURL)
		if err != nil {
			return nil, err
		}
		f.store(fetchURL, k)
		return k, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*rsa.PublicKey), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyFetch, fetchURL, ctx.Err())
	}
}

func (f *Fetcher) semaphore() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight == nil {
		f.inflight = make(chan struct{}, maxInflightFetches)
	}
	return f.inflight
}

func (f *Fetcher) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return defaultFetchTimeout
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) cached(fetchURL string) *rsa.PublicKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.cache[fetchURL]
	if !ok {
		return nil
	}
	if !f.now().Before(e.expires) {
		delete(f.cache, fetchURL)
		return nil
	}
	return e.key
}

func (f *Fetcher) store(fetchURL string, k *rsa.PublicKey) {
	ttl := f.TTL
	if ttl <= 0 {
		ttl = defaultKeyTTL
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cache == nil {
		f.cache = make(map[string]cachedKey)
	}
	if len(f.cache) >= maxCacheEntries {
		for u, e := range f.cache {
			if !now.Before(e.expires) {
				delete(f.cache, u)
			}
		}
		for u := range f.cache {
			if len(f.cache) < maxCacheEntries {
				break
			}
			delete(f.cache, u)
		}
	}
	f.cache[fetchURL] = cachedKey{key: k, expires: now.Add(ttl)}
}

var errRedirect = errors.New("redirect refused")

func (f *Fetcher) fetch(ctx context.Context, fetchURL string) (*rsa.PublicKey, error) {
	var c http.Client
	if f.Client != nil {
		c = *f.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fetchURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyFetch, fetchURL, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: status %d", ErrKeyFetch, fetchURL, resp.StatusCode)
	}
	limit := f.MaxKeyBytes
	if limit <= 0 {
		limit = defaultMaxKeyBytes
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %s: key is %d bytes, limit %d", ErrKeyFetch, fetchURL, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyFetch, fetchURL, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: %s: key exceeds %d bytes", ErrKeyFetch, fetchURL, limit)
	}
	k, err := ParsePublicKeyPEM(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyFetch, fetchURL, err)
	}
	return k, nil
}
