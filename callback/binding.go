package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BindingParam is the query parameter BindURL appends to a callback URL.
const BindingParam = "ossdirect-binding"

// BindingExpiresParam is the query parameter BindURLUntil appends before
// BindingParam: the binding's expiry in Unix seconds, covered by the MAC.
const BindingExpiresParam = "ossdirect-expires"

// MinBindingSecretBytes is the shortest secret BindURL and
// Verifier.BindingSecret accept: 128 bits, the HMAC key of an app that
// must not be guessed.
const MinBindingSecretBytes = 16

// ErrUnbound: Verifier.BindingSecret is set and the callback's URL does not
// carry a valid binding made by BindURL with that secret. The request may
// well be signed by OSS: OSS signs every customer's callbacks with the same
// key, so this is what a callback from someone else's upload looks like.
var ErrUnbound = errors.New("callback: callback URL not bound by this app")

// ErrBindingExpired: the callback's URL carries a valid binding made by
// BindURLUntil, but the callback arrived after the binding's expiry. It
// wraps ErrUnbound, so errors.Is(err, ErrUnbound) holds for it too and code
// that handles ErrUnbound (HTTPStatus: 403) keeps working; test for
// ErrBindingExpired first to tell the two apart.
var ErrBindingExpired = fmt.Errorf("%w: binding expired", ErrUnbound)

// bindingMACLen is the length of the unpadded Base64url HMAC-SHA256.
var bindingMACLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// BindURL returns callbackURL with a BindingParam query parameter appended:
// an HMAC-SHA256, keyed with secret, of the URL's decoded path and its query.
// Use it for Params.URL when the callback handler must know that a callback
// concerns an upload this app authorized, and set Verifier.BindingSecret to
// the same secret.
//
// Why it is needed: OSS signs the callbacks of all its customers with one
// key, and the signature covers only the path, query and body, none of which
// says whose upload it was
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// Anyone with an OSS account can upload to a bucket of their own with a
// callback parameter naming your callback URL and a body template whose
// literal text claims any bucket, object or x: variable (OSS copies template
// text as is); OSS then sends your server a callback that Verify accepts.
// Pinning the callback and its variables in the policy does not help, because
// the forger does not use your tokens. A bound URL does: only holders of the
// secret can make one, and the policy pins it, so the uploader cannot alter
// it either.
//
// Put what the handler must trust (a user id, an upload id) in the query of
// callbackURL before binding it; Handler and Middleware then hand it over as
// Event.Query. The binding cannot stop the user a URL was issued to from
// making OSS send callbacks to it from another account, so check that the
// event's object lies where that user may write, and ask OSS (HeadObject)
// before trusting its size or ETag. OSS signs no timestamp either, so a
// URL bound by BindURL stays usable for as long as the secret does; use
// BindURLUntil to give the binding an expiry.
//
// Like the signature check, the binding relies on OSS sending the URL's path
// and query exactly as given, which OSS's callback documentation implies but
// does not state outright; if it did not, bound callbacks would be refused,
// never wrongly accepted.
//
// callbackURL is one URL (bind each entry of a ";" list separately) that
// passes Params.Validate, without a fragment, whose query parses with
// url.ParseQuery and does not yet carry BindingParam or
// BindingExpiresParam. Errors wrap ErrInvalidParams.
func BindURL(secret []byte, callbackURL string) (string, error) {
	return bind(secret, callbackURL, "")
}

// BindURLUntil is BindURL for a binding that expires: it appends
// BindingExpiresParam (notAfter in Unix seconds, rounded up to a whole
// second) and then BindingParam, whose MAC covers the expiry like the rest
// of the query, so it cannot be removed or changed. A Verifier with the same
// BindingSecret refuses callbacks to the URL that arrive after notAfter
// with ErrBindingExpired; a callback at notAfter exactly is accepted.
//
// OSS signs no timestamp, so without an expiry a captured callback, or one
// the URL's user makes OSS send from another account, can be replayed for as
// long as the secret is valid. OSS calls back right after storing the object
// and gives up after 5 seconds
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
// and the upload must start before the policy expires
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend),
// so a good notAfter is the token's expiry plus a margin for the transfer of
// the largest allowed file and the callback: say a minute for files of a few
// MB. Callbacks can still be replayed until then, so keep the handler
// idempotent.
//
// notAfter must lie after 1970 (Unix time > 0) and have at most 18 digits
// in Unix seconds. Errors wrap
// ErrInvalidParams.
func BindURLUntil(secret []byte, callbackURL string, notAfter time.Time) (string, error) {
	exp, err := bindingExpiry(notAfter)
	if err != nil {
		return "", err
	}
	return bind(secret, callbackURL, strconv.FormatInt(exp, 10))
}

// bindingExpiry is notAfter in Unix seconds, rounded up.
func bindingExpiry(notAfter time.Time) (int64, error) {
	exp := notAfter.Unix()
	if notAfter.Nanosecond() != 0 {
		exp++
	}
	if exp <= 0 || exp > maxExpires {
		return 0, fmt.Errorf("%w: binding expiry %s is not between 1970 and year 31 billion", ErrInvalidParams, notAfter)
	}
	return exp, nil
}

// bind is BindURL, with BindingExpiresParam=expires appended to the query
// before the MAC is computed unless expires is empty.
func bind(secret []byte, callbackURL, expires string) (string, error) {
	if err := checkBindingSecret(secret); err != nil {
		return "", err
	}
	t, err := parseBindTarget(callbackURL)
	if err != nil {
		return "", err
	}
	if expires != "" {
		t = t.with(BindingExpiresParam + "=" + expires)
	}
	return t.url + t.sep + BindingParam + "=" + bindingMAC(secret, t.path, t.query), nil
}

// checkBindingSecret refuses a secret too short to bind with.
func checkBindingSecret(secret []byte) error {
	if len(secret) < MinBindingSecretBytes {
		return fmt.Errorf("%w: binding secret is %d bytes, want at least %d", ErrInvalidParams, len(secret), MinBindingSecretBytes)
	}
	return nil
}

// bindTarget is a callback URL prepared for binding.
type bindTarget struct {
	url   string // as given
	sep   string // what goes between url and the next parameter: "?", "&" or ""
	path  string // decoded path of the request target OSS will send
	query string // raw query, without "?"
}

// with returns t with the raw query parameter pair appended.
func (t bindTarget) with(pair string) bindTarget {
	if t.query != "" {
		t.query += "&"
	}
	return bindTarget{url: t.url + t.sep + pair, sep: "&", path: t.path, query: t.query + pair}
}

// parseBindTarget checks that callbackURL can be bound and splits it.
func parseBindTarget(callbackURL string) (bindTarget, error) {
	if strings.Contains(callbackURL, ";") {
		return bindTarget{}, fmt.Errorf("%w: bind each URL of a callbackUrl list separately", ErrInvalidParams)
	}
	if err := checkURL(callbackURL); err != nil {
		return bindTarget{}, fmt.Errorf("%w: callback URL %q: %w", ErrInvalidParams, callbackURL, err)
	}
	if strings.Contains(callbackURL, "#") {
		return bindTarget{}, fmt.Errorf("%w: callback URL %q has a fragment, which is never sent", ErrInvalidParams, callbackURL)
	}
	// The request target OSS will send: what follows the authority.
	rest := callbackURL
	if _, after, ok := strings.Cut(rest, "://"); ok {
		rest = after
	}
	rawPath, query, _ := strings.Cut(targetAfterAuthority(rest), "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return bindTarget{}, fmt.Errorf("%w: callback URL path %q: %w", ErrInvalidParams, rawPath, err)
	}
	if err := unambiguous(path, query); err != nil {
		return bindTarget{}, fmt.Errorf("%w: callback URL %q: %w", ErrInvalidParams, callbackURL, err)
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return bindTarget{}, fmt.Errorf("%w: callback URL query %q: %w", ErrInvalidParams, query, err)
	}
	if _, ok := vals[BindingParam]; ok {
		return bindTarget{}, fmt.Errorf("%w: callback URL %q is already bound", ErrInvalidParams, callbackURL)
	}
	// The Verifier reads the expiry from the bound query: one the app put
	// there itself would be taken for BindURLUntil's.
	if _, ok := vals[BindingExpiresParam]; ok {
		return bindTarget{}, fmt.Errorf("%w: callback URL %q carries %s; use BindURLUntil", ErrInvalidParams, callbackURL, BindingExpiresParam)
	}
	sep := "&"
	switch {
	case query == "" && strings.HasSuffix(callbackURL, "?"):
		sep = ""
	case query == "":
		sep = "?"
	}
	return bindTarget{url: callbackURL, sep: sep, path: path, query: query}, nil
}

// bindingMAC is the binding of a decoded path and a raw query (without its
// "?").
func bindingMAC(secret []byte, path, query string) string {
	m := hmac.New(sha256.New, secret)
	writeMACInput(m, path, query)
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
}

// bindingPrefix starts the MAC input of every binding.
const bindingPrefix = "ossdirect callback binding v1\n"

// writeMACInput writes what a binding authenticates: bindingPrefix, the
// decoded path, a line break and the raw query (without its "?"). Neither
// can contain a line break (see unambiguous), so the input splits one way
// only.
func writeMACInput(w io.Writer, path, query string) {
	io.WriteString(w, bindingPrefix)
	io.WriteString(w, path)
	io.WriteString(w, "\n")
	io.WriteString(w, query)
}

// checkBinding verifies the binding BindURL put last in the query (raw,
// with its "?" if any) and returns the query without it. secret is a
// BindingSecret that passed Verifier.Validate, so it is long enough.
func checkBinding(secret []byte, path, query string) (string, error) {
	q := strings.TrimPrefix(query, "?")
	param := BindingParam + "="
	i := len(q) - bindingMACLen - len(param)
	if i < 0 || q[i:i+len(param)] != param || i > 0 && q[i-1] != '&' {
		return "", fmt.Errorf("%w: no %s parameter at the end of the query", ErrUnbound, BindingParam)
	}
	orig := q[:max(i-1, 0)]
	if !hmac.Equal([]byte(q[i+len(param):]), []byte(bindingMAC(secret, path, orig))) {
		return "", fmt.Errorf("%w: %s does not match the path and query", ErrUnbound, BindingParam)
	}
	return orig, nil
}

// maxExpiresDigits keeps BindingExpiresParam within int64.
const (
	maxExpiresDigits = 18
	maxExpires       = 999_999_999_999_999_999
)

// checkExpiry enforces the BindingExpiresParam of a bound query whose
// binding checkBinding verified (raw, without "?"), and returns the query
// without it. A query without one is a binding without expiry (BindURL).
// The key is matched decoded, as url.ParseQuery and BindURL read it; the
// value must be the decimal digits BindURLUntil writes. Since the MAC
// covers the query, a malformed or repeated expiry can only come from this
// app's own secret, and is refused rather than guessed at.
func checkExpiry(query string, now time.Time) (string, error) {
	start, end := -1, -1
	value := ""
	for i := 0; i <= len(query); {
		j := strings.IndexByte(query[i:], '&')
		if j < 0 {
			j = len(query)
		} else {
			j += i
		}
		key, val, _ := strings.Cut(query[i:j], "=")
		if isExpiresKey(key) {
			if start >= 0 {
				return "", fmt.Errorf("%w: %s appears more than once", ErrUnbound, BindingExpiresParam)
			}
			start, end, value = i, j, val
		}
		i = j + 1
	}
	if start < 0 {
		return query, nil
	}
	exp, ok := parseExpires(value)
	if !ok {
		return "", fmt.Errorf("%w: malformed %s %q", ErrUnbound, BindingExpiresParam, value)
	}
	if notAfter := time.Unix(exp, 0); now.After(notAfter) {
		return "", fmt.Errorf("%w at %s, %s before the callback", ErrBindingExpired, notAfter.UTC().Format(time.RFC3339), now.Sub(notAfter))
	}
	// Cut the pair and one "&" next to it.
	switch {
	case start > 0:
		start--
	case end < len(query):
		end++
	}
	return query[:start] + query[end:], nil
}

func isExpiresKey(key string) bool {
	if key == BindingExpiresParam {
		return true
	}
	if !strings.ContainsAny(key, "%+") {
		return false
	}
	k, err := url.QueryUnescape(key)
	return err == nil && k == BindingExpiresParam
}

// parseExpires parses 1 to maxExpiresDigits decimal digits.
func parseExpires(s string) (int64, bool) {
	if s == "" || len(s) > maxExpiresDigits {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
