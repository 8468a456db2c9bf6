package callback

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/verify"
)

// Errors returned by Verify. Like Stripe's webhook errors, they say which
// response fits: malformed requests are 400, signatures that do not verify
// and untrusted keys 403, oversized bodies 413, key fetch failures 502 (see
// HTTPStatus).
var (
	// ErrMissingSignature: no Authorization header. Some Apache/PHP and
	// nginx setups strip it before the app sees it (SPEC.md §7 pitfall 1).
	ErrMissingSignature = errors.New("callback: missing Authorization header")
	// ErrMalformedSignature: Authorization is not a single Base64 value.
	ErrMalformedSignature = errors.New("callback: malformed Authorization header")
	// ErrMissingKeyURL: no x-oss-pub-key-url header.
	ErrMissingKeyURL = errors.New("callback: missing x-oss-pub-key-url header")
	// ErrMalformedKeyURL: x-oss-pub-key-url is not Base64 of a URL.
	ErrMalformedKeyURL = errors.New("callback: malformed x-oss-pub-key-url header")
	// ErrMalformedRequest: the request target cannot be turned into the
	// string OSS signed (e.g. a path with an invalid %-escape).
	ErrMalformedRequest = errors.New("callback: malformed request target")
	// ErrUntrustedKeyURL: the key URL is not trusted by the KeyFetcher.
	ErrUntrustedKeyURL = verify.ErrUntrustedKeyURL
	// ErrKeyFetch: the trusted key could not be obtained, or the KeyFetcher
	// returned an unusable key.
	ErrKeyFetch = verify.ErrKeyFetch
	// ErrBadSignature: the signature does not match the request.
	ErrBadSignature = verify.ErrBadSignature
	// ErrBodyTooLarge: the body exceeds Verifier.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("callback: request body too large")
	// ErrBodyRead: the body could not be read completely (connection
	// error, or shorter than its Content-Length).
	ErrBodyRead = errors.New("callback: reading request body failed")
)

// DefaultMaxBodyBytes is the body size Verify accepts when
// Verifier.MaxBodyBytes is 0. OSS callback bodies are small: the template
// (the whole callback parameter is at most 5 KB, SPEC.md §5.3) plus
// URL-encoded variable values.
const DefaultMaxBodyBytes = 1 << 20

// Header limits, far above anything OSS sends (an 8192-bit signature is
// 1368 Base64 characters), so decoding stays cheap on hostile input.
const (
	maxAuthHeaderLen   = 2048
	maxKeyURLHeaderLen = 4096
)

// Verifier checks OSS callback requests. The zero value, like a nil
// *Verifier, uses the default fetcher and DefaultMaxBodyBytes. It is safe
// for concurrent use.
type Verifier struct {
	// Keys supplies the public key named by x-oss-pub-key-url; nil means
	// verify.DefaultFetcher(): OSS's embedded key, other keys on
	// gosspublic.alicdn.com fetched and cached, nothing else trusted.
	Keys verify.KeyFetcher
	// MaxBodyBytes caps the body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// OnError, if set, is told why Handler or Middleware refused a request
	// (or why the app's function failed). OSS reports any failure to the
	// uploader only as 203 CallbackFailed (SPEC.md §5.9), so this is where
	// the real reason can be logged.
	OnError func(r *http.Request, err error)
	// BindingSecret, if set, must be the secret callback URLs were bound
	// with (BindURL, at least MinBindingSecretBytes long): callbacks whose
	// URL carries no valid binding are refused with ErrUnbound, before any
	// key is fetched. OSS signs every customer's callbacks with the same
	// key, so without a binding a verified callback may stem from anyone's
	// upload (see BindURL). URLs bound by BindURLUntil are also refused,
	// with ErrBindingExpired, once their expiry has passed. nil accepts
	// unbound callbacks and enforces no expiry.
	BindingSecret []byte
	// Now returns the time a binding's expiry is compared with; nil means
	// time.Now. It exists for tests.
	Now func() time.Time
}

// Verify checks that r is a callback signed by OSS, with the default fetcher
// when keys is nil; it is (&Verifier{Keys: keys}).Verify(r).
func Verify(r *http.Request, keys verify.KeyFetcher) error {
	v := Verifier{Keys: keys}
	return v.Verify(r)
}

// Verify checks that r is a callback signed by OSS (SPEC.md §5.6):
// Authorization is the Base64 RSA PKCS#1 v1.5 MD5 signature of
//
//	url_decode(path) + ["?" + raw query] + "\n" + body
//
// under the key named (Base64) by x-oss-pub-key-url.
//
// The path and query come from r.RequestURI, the request line as it arrived,
// so Verify works behind http.StripPrefix and routers that rewrite r.URL; an
// absolute-form request line ("POST http://host/path") is accepted. Only when
// RequestURI is empty, as for requests built with http.NewRequest, is r.URL
// used. The path is percent-decoded ("+" stays "+"); the query is kept raw,
// with its "?" whenever the request line has one, even if the query is
// empty, as OSS's reference verifier does (SPEC.md §7 pitfall 2).
//
// OSS does not delimit path, query and body in what it signs, so a "?" or a
// line break that only appears after decoding the path (%3F, %0A), or a line
// break in the query, would let bytes of a captured callback move between
// path, query and body without breaking the signature. Such targets are
// refused with ErrMalformedRequest; OSS callback URLs have no reason to
// contain them.
//
// The body is read once, up to MaxBodyBytes, and r.Body is replaced by an
// identical reader so handlers can read it again. When Verify fails the body
// may have been partly consumed.
//
// What a verified callback proves: that OSS sent it, not that it concerns
// an upload this app authorized. OSS signs every customer's callbacks with
// the same key, and anyone's upload can name this server's callback URL with
// a body that claims any bucket, object or x: variable. Bind callback URLs
// (BindURLUntil or BindURL, BindingSecret) before trusting an identity a
// callback carries.
//
// Errors wrap one of the sentinels above (ErrMissingSignature,
// ErrMalformedSignature, ErrMissingKeyURL, ErrMalformedKeyURL,
// ErrMalformedRequest, ErrUnbound, ErrUntrustedKeyURL, ErrKeyFetch,
// ErrBodyTooLarge, ErrBodyRead, ErrBadSignature); expired bindings wrap
// ErrBindingExpired, which wraps ErrUnbound.
func (v *Verifier) Verify(r *http.Request) error {
	_, err := v.verify(r)
	return err
}

// verified is what verify learnt about a request it accepted.
type verified struct {
	body  []byte
	query string // the raw query without "?", the binding and its expiry
}

// verify is Verify, also returning the body it read and the query.
func (v *Verifier) verify(r *http.Request) (verified, error) {
	if v == nil {
		v = &Verifier{}
	}
	sig, err := signatureFrom(r.Header)
	if err != nil {
		return verified{}, err
	}
	keyURL, err := keyURLFrom(r.Header)
	if err != nil {
		return verified{}, err
	}
	path, query, err := signedTarget(r)
	if err != nil {
		return verified{}, err
	}
	appQuery := strings.TrimPrefix(query, "?")
	if v.BindingSecret != nil {
		if appQuery, err = checkBinding(v.BindingSecret, path, query); err != nil {
			return verified{}, err
		}
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		if appQuery, err = checkExpiry(appQuery, now()); err != nil {
			return verified{}, err
		}
	}
	keys := v.Keys
	if keys == nil {
		keys = verify.DefaultFetcher()
	}
	key, err := keys.FetchKey(r.Context(), keyURL)
	switch {
	case errors.Is(err, verify.ErrUntrustedKeyURL):
		return verified{}, err
	case err != nil && errors.Is(err, verify.ErrKeyFetch):
		return verified{}, err
	case err != nil:
		return verified{}, fmt.Errorf("%w: %w", ErrKeyFetch, err)
	case key == nil:
		return verified{}, fmt.Errorf("%w: key fetcher returned no key for %q", ErrKeyFetch, keyURL)
	}
	body, err := v.readBody(r)
	if err != nil {
		return verified{}, err
	}

	h := md5.New()
	io.WriteString(h, path)
	io.WriteString(h, query)
	h.Write([]byte{'\n'})
	h.Write(body)
	err = verify.VerifyPKCS1v15MD5Digest(key, h.Sum(nil), sig)
	if errors.Is(err, verify.ErrBadKey) {
		return verified{}, fmt.Errorf("%w: key for %q: %w", ErrKeyFetch, keyURL, err)
	}
	if err != nil {
		return verified{}, err
	}
	return verified{body: body, query: appQuery}, nil
}

func signatureFrom(h http.Header) ([]byte, error) {
	vals := h.Values("Authorization")
	if len(vals) == 0 || len(vals) == 1 && vals[0] == "" {
		return nil, ErrMissingSignature
	}
	if len(vals) > 1 {
		return nil, fmt.Errorf("%w: %d Authorization headers", ErrMalformedSignature, len(vals))
	}
	if len(vals[0]) > maxAuthHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes long", ErrMalformedSignature, len(vals[0]))
	}
	// OSS sends the bare Base64 signature, without an "OSS " scheme prefix
	// (SPEC.md §5.5).
	sig, err := base64.StdEncoding.Strict().DecodeString(vals[0])
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: not Base64", ErrMalformedSignature)
	}
	return sig, nil
}

func keyURLFrom(h http.Header) (string, error) {
	vals := h.Values("X-Oss-Pub-Key-Url")
	if len(vals) == 0 || len(vals) == 1 && vals[0] == "" {
		return "", ErrMissingKeyURL
	}
	if len(vals) > 1 {
		return "", fmt.Errorf("%w: %d x-oss-pub-key-url headers", ErrMalformedKeyURL, len(vals))
	}
	if len(vals[0]) > maxKeyURLHeaderLen {
		return "", fmt.Errorf("%w: %d bytes long", ErrMalformedKeyURL, len(vals[0]))
	}
	// Decoded into a stack buffer: the common value is OSS's own key URL,
	// which is then returned as a constant without allocating.
	var buf [256]byte
	raw := buf[:0]
	if n := base64.StdEncoding.DecodedLen(len(vals[0])); n > len(buf) {
		raw = make([]byte, 0, n)
	}
	n, err := base64.StdEncoding.Strict().Decode(raw[:cap(raw)], []byte(vals[0]))
	if err != nil || n == 0 {
		return "", fmt.Errorf("%w: not Base64", ErrMalformedKeyURL)
	}
	raw = raw[:n]
	if !utf8.Valid(raw) {
		return "", fmt.Errorf("%w: not UTF-8", ErrMalformedKeyURL)
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("%w: control character in %q", ErrMalformedKeyURL, string(raw))
		}
	}
	for _, known := range knownKeyURLs {
		if string(raw) == known {
			return known, nil
		}
	}
	return string(raw), nil
}

// knownKeyURLs are the key URLs OSS sends (SPEC.md §5.6).
var knownKeyURLs = [...]string{verify.OSSKeyURL, "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"}

// signedTarget returns the decoded path and the raw query (with its "?")
// that OSS signed.
func signedTarget(r *http.Request) (path, query string, err error) {
	target := r.RequestURI
	if target == "" {
		if r.URL == nil {
			return "", "", fmt.Errorf("%w: no request URI", ErrMalformedRequest)
		}
		// Client-built request: r.URL.Path is already decoded once.
		path = r.URL.Path
		if path == "" {
			path = "/"
		}
		if r.URL.RawQuery != "" || r.URL.ForceQuery {
			query = "?" + r.URL.RawQuery
		}
		return path, query, unambiguous(path, query)
	}
	if !strings.HasPrefix(target, "/") {
		target, err = originForm(target)
		if err != nil {
			return "", "", err
		}
	}
	rawPath := target
	if i := strings.IndexByte(target, '?'); i >= 0 {
		rawPath, query = target[:i], target[i:]
	}
	// Decode the path exactly once, from the raw request line: decoding
	// r.URL.Path again, as the official Go sample does, breaks paths that
	// contain %25 (SPEC.md §7 pitfall 2).
	path, err = url.PathUnescape(rawPath)
	if err != nil {
		return "", "", fmt.Errorf("%w: path %q: %w", ErrMalformedRequest, rawPath, err)
	}
	return path, query, unambiguous(path, query)
}

// unambiguous refuses a decoded path and raw query from which the string
// to sign could also be produced by a different path, query and body: the
// first "?" must start the query and the first "\n" must end it, as they do
// in every callback OSS sends.
func unambiguous(path, query string) error {
	if i := strings.IndexAny(path, "?\n"); i >= 0 {
		return fmt.Errorf("%w: decoded path contains %q, which makes the signed string ambiguous", ErrMalformedRequest, path[i])
	}
	if strings.IndexByte(query, '\n') >= 0 {
		return fmt.Errorf("%w: query contains a line break, which makes the signed string ambiguous", ErrMalformedRequest)
	}
	return nil
}

// originForm turns an absolute-form request target (RFC 9112 §3.2.2, as
// sent to proxies) into its path and query.
func originForm(target string) (string, error) {
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return "", fmt.Errorf("%w: request target %q is neither origin nor absolute form", ErrMalformedRequest, target)
	}
	return targetAfterAuthority(rest), nil
}

// targetAfterAuthority returns the origin-form target ("/path?query") of
// what follows "scheme://" in a URL: BindURL for the URL it binds, Verify
// for an absolute-form request target, so both split a URL the same way.
func targetAfterAuthority(rest string) string {
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return "/"
	}
	if rest[i] == '?' {
		return "/" + rest[i:]
	}
	return rest[i:]
}

func (v *Verifier) maxBody() int64 {
	if v.MaxBodyBytes > 0 {
		return v.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// readBody reads the whole body and puts an identical reader back.
func (v *Verifier) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		if r.ContentLength > 0 {
			return nil, fmt.Errorf("%w: no body but Content-Length %d", ErrBodyRead, r.ContentLength)
		}
		return nil, nil
	}
	limit := v.maxBody()
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	var body []byte
	// A client request (built in-process, RequestURI empty) with a
	// non-nil Body and ContentLength 0 has a body of unknown length; on
	// server requests net/http sets Body to NoBody for length 0.
	if r.ContentLength > 0 || r.ContentLength == 0 && r.RequestURI != "" {
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
		}
		// A body longer than its Content-Length (possible only for
		// requests built in-process) would otherwise be verified short.
		var one [1]byte
		n, err := r.Body.Read(one[:])
		if n > 0 {
			return nil, fmt.Errorf("%w: body longer than Content-Length %d", ErrBodyRead, r.ContentLength)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
		}
	} else {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
		}
		if int64(len(body)) > limit {
			return nil, fmt.Errorf("%w: body exceeds %d bytes", ErrBodyTooLarge, limit)
		}
	}
	rb := &bodyReader{}
	rb.Reset(body)
	r.Body = rb
	return body, nil
}

// bodyReader is the body Verify puts back: one allocation instead of
// io.NopCloser(bytes.NewReader(body))'s two.
type bodyReader struct{ bytes.Reader }

// Close does nothing; the original body is closed by net/http.
func (*bodyReader) Close() error { return nil }
