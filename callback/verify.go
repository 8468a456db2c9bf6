package callback

import (
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
	"github.com/ossdirect/ossdirect/verify"
)

// Errors of a callback request itself; verify.ErrUntrustedKeyURL,
// verify.ErrKeyFetch and verify.ErrBadSignature complete the list. Like
// Stripe's webhook errors, each says which response fits (see HTTPStatus).
var (
	// ErrMissingSignature: no Authorization or no x-oss-pub-key-url header
	// (400). When only Authorization is missing, the error is a *Diagnosis:
	// some Apache and nginx setups drop that header.
	ErrMissingSignature = errors.New("callback: missing signature header")
	// ErrMalformedRequest: there is no request, a header is not the Base64
	// OSS sends, the target cannot be turned into the string OSS signed, or
	// the body could not be read completely (400).
	ErrMalformedRequest = errors.New("callback: malformed request")
	// ErrBodyTooLarge: the body exceeds Verifier.MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("callback: request body too large")
)

// defaultMaxBodyBytes is the body size accepted when Verifier.MaxBodyBytes
// is 0. OSS callback bodies are small: the template (the whole callback
// parameter is at most 5 KB) plus URL-encoded variable values.
const defaultMaxBodyBytes = 1 << 20

// Header limits, far above anything OSS sends (an 8192-bit signature is
// 1368 Base64 characters), so decoding stays cheap on hostile input.
const (
	maxAuthHeaderLen   = 2048
	maxKeyURLHeaderLen = 4096
)

// Verify checks only that r carries a valid OSS signature, with the key keys
// supplies for its x-oss-pub-key-url (nil means verify.DefaultFetcher()). It
// neither parses the body nor checks the URL's binding, so it accepts
// callbacks OSS sent for anyone's upload; handlers use Verifier. It reads the
// body (up to 1 MiB) and puts an identical one back, and builds the string to
// sign from r.RequestURI as it arrived (package doc, "Verification").
// Errors wrap ErrMissingSignature, ErrMalformedRequest, ErrBodyTooLarge,
// verify.ErrUntrustedKeyURL, verify.ErrKeyFetch or verify.ErrBadSignature,
// and are a *Diagnosis when the cause of a failure can be told.
func Verify(r *http.Request, keys verify.KeyFetcher) error {
	sr, err := readSigned(r, "", defaultMaxBodyBytes)
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
	msg    []byte // the string OSS signed: path, query, "\n", body
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
			return nil, &Diagnosis{Err: err, Cause: string(causeAuthorizationDropped), Detail: "x-oss-pub-key-url is present, so OSS signed this request, but the Authorization header did not reach the application: a web server or proxy in front of it dropped it (Apache needs CGIPassAuth On or a SetEnvIf rule, see the README)"}
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
	msg, body, err := readBody(r, maxBody, path, query)
	if err != nil {
		return nil, err
	}
	return &signed{sig: sig, keyURL: keyURL, path: path, query: query, body: body, msg: msg}, nil
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
		if errors.Is(err, verify.ErrUntrustedKeyURL) {
			return diagnoseKeyURL(r, keys, s.keyURL, err)
		}
		return err
	}
	digest := md5.Sum(s.msg)
	err = pkcs1md5.VerifyDigest(key, digest[:], s.sig)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, verify.ErrBadKey):
		return fmt.Errorf("%w: key for %q: %w", verify.ErrKeyFetch, s.keyURL, err)
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
		return nil, fmt.Errorf("%w: %w", verify.ErrKeyFetch, err)
	case key == nil:
		return nil, fmt.Errorf("%w: key fetcher returned no key for %q", verify.ErrKeyFetch, keyURL)
	}
	return key, nil
}

// errMalformedAuth and errMalformedKeyURL start the reasons of
// ErrMalformedRequest for the two signature headers.
var (
	errMalformedAuth   = fmt.Errorf("%w: Authorization", ErrMalformedRequest)
	errMalformedKeyURL = fmt.Errorf("%w: x-oss-pub-key-url", ErrMalformedRequest)
)

func signatureFrom(h http.Header) ([]byte, error) {
	vals := h.Values("Authorization")
	if len(vals) == 0 || len(vals) == 1 && vals[0] == "" {
		return nil, fmt.Errorf("%w: Authorization", ErrMissingSignature)
	}
	if len(vals) > 1 {
		return nil, fmt.Errorf("%w: %d Authorization headers", errMalformedAuth, len(vals))
	}
	if len(vals[0]) > maxAuthHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes long", errMalformedAuth, len(vals[0]))
	}
	// OSS sends the bare Base64 signature, without a scheme prefix such as
	// "OSS ", unlike the Authorization of requests made to OSS.
	sig, err := base64.StdEncoding.Strict().DecodeString(vals[0])
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: not Base64", errMalformedAuth)
	}
	return sig, nil
}

// ossKeyURLBase64 and ossKeyURLHTTPBase64 are x-oss-pub-key-url naming
// OSS's key, in the two forms OSS sends.
var (
	ossKeyURLHTTP       = "http://" + strings.TrimPrefix(verify.OSSKeyURL, "https://")
	ossKeyURLBase64     = base64.StdEncoding.EncodeToString([]byte(verify.OSSKeyURL))
	ossKeyURLHTTPBase64 = base64.StdEncoding.EncodeToString([]byte(ossKeyURLHTTP))
)

func keyURLFrom(h http.Header) (string, error) {
	vals := h.Values("X-Oss-Pub-Key-Url")
	if len(vals) == 0 || len(vals) == 1 && vals[0] == "" {
		return "", fmt.Errorf("%w: x-oss-pub-key-url", ErrMissingSignature)
	}
	if len(vals) > 1 {
		return "", fmt.Errorf("%w: %d x-oss-pub-key-url headers", errMalformedKeyURL, len(vals))
	}
	if len(vals[0]) > maxKeyURLHeaderLen {
		return "", fmt.Errorf("%w: %d bytes long", errMalformedKeyURL, len(vals[0]))
	}
	// OSS names its own key in nearly every callback: no copy for it.
	switch vals[0] {
	case ossKeyURLBase64:
		return verify.OSSKeyURL, nil
	case ossKeyURLHTTPBase64:
		return ossKeyURLHTTP, nil
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(vals[0])
	if err != nil || len(raw) == 0 {
		return "", fmt.Errorf("%w: not Base64", errMalformedKeyURL)
	}
	if !utf8.Valid(raw) {
		return "", fmt.Errorf("%w: not UTF-8", errMalformedKeyURL)
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("%w: control character in %q", errMalformedKeyURL, string(raw))
		}
	}
	return string(raw), nil
}
