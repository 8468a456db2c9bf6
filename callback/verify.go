package callback

import (
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
	"github.com/ossdirect/ossdirect/verify"
)

// Errors returned by Verify and Verifier.VerifyEvent. Like Stripe's webhook
// errors, they say which response fits: malformed requests are 400,
// signatures that do not verify, untrusted keys and unbound URLs 403,
// oversized bodies 413, key fetch failures 502 and a misconfigured Verifier
// 500 (see HTTPStatus).
var (
	// ErrMissingSignature: no Authorization header. Some Apache and nginx
	// setups drop it before the app sees it; when x-oss-pub-key-url is
	// present the error is a *Diagnosis saying so.
	ErrMissingSignature = errors.New("callback: missing Authorization header")
	// ErrMalformedSignature: Authorization is not a single Base64 value.
	ErrMalformedSignature = errors.New("callback: malformed Authorization header")
	// ErrMissingKeyURL: no x-oss-pub-key-url header.
	ErrMissingKeyURL = errors.New("callback: missing x-oss-pub-key-url header")
	// ErrMalformedKeyURL: x-oss-pub-key-url is not Base64 of a URL.
	ErrMalformedKeyURL = errors.New("callback: malformed x-oss-pub-key-url header")
	// ErrMalformedRequest: there is no request, or its target cannot be
	// turned into the string OSS signed (e.g. a path with an invalid
	// %-escape).
	ErrMalformedRequest = errors.New("callback: malformed request")
	// ErrUntrustedKeyURL: the key URL is not trusted by the KeyFetcher.
	ErrUntrustedKeyURL = verify.ErrUntrustedKeyURL
	// ErrKeyFetch: the trusted key could not be obtained, or the KeyFetcher
	// returned an unusable key.
	ErrKeyFetch = verify.ErrKeyFetch
	// ErrBadSignature: the signature does not match the request.
	ErrBadSignature = verify.ErrBadSignature
	// ErrBodyTooLarge: the body exceeds Verifier.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("callback: request body too large")
	// ErrBodyRead: the body is missing (a nil Body) or could not be read
	// completely (connection error, or shorter than its Content-Length).
	ErrBodyRead = errors.New("callback: reading request body failed")
)

// DefaultMaxBodyBytes is the body size accepted when Verifier.MaxBodyBytes
// is 0. OSS callback bodies are small: the template (the whole callback
// parameter is at most 5 KB) plus URL-encoded variable values.
const DefaultMaxBodyBytes = 1 << 20

// Header limits, far above anything OSS sends (an 8192-bit signature is
// 1368 Base64 characters), so decoding stays cheap on hostile input.
const (
	maxAuthHeaderLen   = 2048
	maxKeyURLHeaderLen = 4096
)

// Verify checks only that r carries a valid OSS signature: it is the
// low-level check, for code that does everything else itself. It does not
// parse the body, does not check that the callback URL was bound by this
// application (so it accepts callbacks OSS sent for anyone's upload, see
// BindURLUntil), and logs nothing. Handlers should use Verifier.VerifyEvent,
// Verifier.Handler or Verifier.Middleware instead.
//
// keys supplies the public key named (Base64) by x-oss-pub-key-url; nil
// means verify.DefaultFetcher(): OSS's embedded key, other keys on
// gosspublic.alicdn.com fetched and cached, nothing else trusted.
//
// OSS's Authorization header is the Base64 RSA PKCS#1 v1.5 MD5 signature of
//
//	url_decode(path) + ["?" + raw query] + "\n" + body
//
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// The path and query come from r.RequestURI, the request line as it
// arrived, so Verify works behind http.StripPrefix and routers that rewrite
// r.URL; an absolute-form request line ("POST http://host/path") is
// accepted. Only when RequestURI is empty, as for requests built with
// http.NewRequest, is r.URL used. The path is percent-decoded ("+" stays
// "+"); the query is kept raw, with its "?" whenever the request line has
// one, even if the query is empty, as OSS's own sample verifiers do.
//
// OSS does not delimit path, query and body in what it signs, so a "?" or a
// line break that only appears after decoding the path (%3F, %0A), or a line
// break in the query, would let bytes of a captured callback move between
// path, query and body without breaking the signature. Such targets are
// refused with ErrMalformedRequest; OSS callback URLs have no reason to
// contain them.
//
// The body is read once, up to DefaultMaxBodyBytes, and r.Body is replaced
// by an identical reader so handlers can read it again.
//
// Errors wrap one of ErrMalformedRequest, ErrMissingSignature,
// ErrMalformedSignature, ErrMissingKeyURL, ErrMalformedKeyURL,
// ErrUntrustedKeyURL, ErrKeyFetch, ErrBodyTooLarge, ErrBodyRead or
// ErrBadSignature. When the cause of a failure can be told, the error is a
// *Diagnosis that names it (errors.As); a diagnosis never changes whether a
// request verifies.
func Verify(r *http.Request, keys verify.KeyFetcher) error {
	sr, err := readSigned(r, "", DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	return sr.check(r, keys, "")
}

// signed is a callback request reduced to what OSS signed.
type signed struct {
	sig    []byte
	keyURL string
	path   string // decoded, with a stripped prefix put back
	query  string // raw, with its "?" if the request line had one
	body   []byte
}

// readSigned reads the signature, key URL, target and body of r. prefix is
// put back in front of the path a reverse proxy stripped it from.
func readSigned(r *http.Request, prefix string, maxBody int64) (*signed, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil *http.Request", ErrMalformedRequest)
	}
	sig, err := signatureFrom(r.Header)
	if err != nil {
		if errors.Is(err, ErrMissingSignature) && len(r.Header.Values("X-Oss-Pub-Key-Url")) > 0 {
			return nil, &Diagnosis{Err: err, Cause: CauseAuthorizationDropped, Detail: "x-oss-pub-key-url is present, so OSS signed this request, but the Authorization header did not reach the application: a web server or proxy in front of it dropped it (Apache needs CGIPassAuth On or a SetEnvIf rule, see the README)"}
		}
		return nil, err
	}
	keyURL, err := keyURLFrom(r.Header)
	if err != nil {
		return nil, err
	}
	path, query, err := signedTarget(r)
	if err != nil {
		return nil, err
	}
	if prefix != "" {
		path = prefix + path
	}
	body, err := readBody(r, maxBody)
	if err != nil {
		return nil, err
	}
	return &signed{sig: sig, keyURL: keyURL, path: path, query: query, body: body}, nil
}

// check fetches the key named by s.keyURL and verifies the signature,
// diagnosing a failure. strippedPrefix is the prefix readSigned put back,
// for the diagnosis.
func (s *signed) check(r *http.Request, keys verify.KeyFetcher, strippedPrefix string) error {
	if keys == nil {
		keys = verify.DefaultFetcher()
	}
	key, err := fetchKey(r, keys, s.keyURL)
	if err != nil {
		if errors.Is(err, ErrUntrustedKeyURL) {
			return diagnoseKeyURL(r, keys, s.keyURL, err)
		}
		return err
	}
	err = pkcs1md5.VerifyDigest(key, signedDigest(s.path, s.query, s.body), s.sig)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, verify.ErrBadKey):
		return fmt.Errorf("%w: key for %q: %w", ErrKeyFetch, s.keyURL, err)
	}
	return diagnoseSignature(r, key, s, strippedPrefix, err)
}

// signedDigest is the MD5 of the string OSS signs: the decoded path, the
// raw query, a line break and the body.
func signedDigest(path, query string, body []byte) []byte {
	h := md5.New()
	io.WriteString(h, path)
	io.WriteString(h, query)
	h.Write([]byte{'\n'})
	h.Write(body)
	return h.Sum(nil)
}

func fetchKey(r *http.Request, keys verify.KeyFetcher, keyURL string) (*rsa.PublicKey, error) {
	key, err := keys.FetchKey(r.Context(), keyURL)
	switch {
	case errors.Is(err, verify.ErrUntrustedKeyURL):
		return nil, err
	case err != nil && errors.Is(err, verify.ErrKeyFetch):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrKeyFetch, err)
	case key == nil:
		return nil, fmt.Errorf("%w: key fetcher returned no key for %q", ErrKeyFetch, keyURL)
	}
	return key, nil
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
	// OSS sends the bare Base64 signature, without a scheme prefix such as
	// "OSS ", unlike the Authorization of requests made to OSS.
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
	raw, err := base64.StdEncoding.Strict().DecodeString(vals[0])
	if err != nil || len(raw) == 0 {
		return "", fmt.Errorf("%w: not Base64", ErrMalformedKeyURL)
	}
	if !utf8.Valid(raw) {
		return "", fmt.Errorf("%w: not UTF-8", ErrMalformedKeyURL)
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("%w: control character in %q", ErrMalformedKeyURL, string(raw))
		}
	}
	return string(raw), nil
}
