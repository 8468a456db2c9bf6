package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// BindingParam is the query parameter BindURL appends to a callback URL.
const BindingParam = "ossdirect-binding"

// MinBindingSecretBytes is the shortest secret BindURL and
// Verifier.BindingSecret accept: 128 bits, the HMAC key of an app that
// must not be guessed.
const MinBindingSecretBytes = 16

// ErrUnbound: Verifier.BindingSecret is set and the callback's URL does not
// carry a valid binding made by BindURL with that secret. The request may
// well be signed by OSS: OSS signs every customer's callbacks with the same
// key, so this is what a callback from someone else's upload looks like.
var ErrUnbound = errors.New("callback: callback URL not bound by this app")

// bindingMACLen is the length of the unpadded Base64url HMAC-SHA256.
var bindingMACLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// BindURL returns callbackURL with a BindingParam query parameter appended:
// an HMAC-SHA256, keyed with secret, of the URL's decoded path and its query.
// Use it for Params.URL when the callback handler must know that a callback
// concerns an upload this app authorized, and set Verifier.BindingSecret to
// the same secret.
//
// Why it is needed: OSS signs the callbacks of all its customers with one
// key, and the signature covers only the path, query and body (SPEC.md
// §5.6), none of which says whose upload it was. Anyone with an OSS account
// can upload to a bucket of their own with a callback parameter naming your
// callback URL and a body template whose literal text claims any bucket,
// object or x: variable (SPEC.md §5.4: template text is copied as is); OSS
// then sends your server a callback that Verify accepts. Pinning the
// callback and its variables in the policy does not help, because the
// forger does not use your tokens. A bound URL does: only holders of the
// secret can make one, and the policy pins it, so the uploader cannot alter
// it either.
//
// Put what the handler must trust (a user id, an upload id) in the query of
// callbackURL before binding it; Handler and Middleware then hand it over as
// Event.Query. The binding cannot stop the user a URL was issued to from
// making OSS send callbacks to it from another account, so check that the
// event's object lies where that user may write, and ask OSS (HeadObject)
// before trusting its size or ETag. OSS signs no timestamp either, so a
// bound URL stays usable for as long as the secret does; to limit that, put
// an expiry in the query before binding (say the token's expiry plus a
// minute, as exp=<unix seconds>) and refuse later callbacks in the handler.
//
// Like the signature check, the binding relies on OSS sending the URL's
// path and query exactly as given (SPEC.md §5.5, [inferred]); if it did
// not, bound callbacks would be refused, never wrongly accepted.
//
// callbackURL is one URL (bind each entry of a ";" list separately) that
// passes Params.Validate, without a fragment, whose query parses with
// url.ParseQuery and does not yet carry BindingParam. Errors wrap
// ErrInvalidParams.
func BindURL(secret []byte, callbackURL string) (string, error) {
	if len(secret) < MinBindingSecretBytes {
		return "", fmt.Errorf("%w: binding secret is %d bytes, want at least %d", ErrInvalidParams, len(secret), MinBindingSecretBytes)
	}
	if strings.Contains(callbackURL, ";") {
		return "", fmt.Errorf("%w: bind each URL of a callbackUrl list separately", ErrInvalidParams)
	}
	if err := checkURL(callbackURL); err != nil {
		return "", fmt.Errorf("%w: callback URL %q: %w", ErrInvalidParams, callbackURL, err)
	}
	if strings.Contains(callbackURL, "#") {
		return "", fmt.Errorf("%w: callback URL %q has a fragment, which is never sent", ErrInvalidParams, callbackURL)
	}
	// The request target OSS will send: what follows the authority.
	rest := callbackURL
	if _, after, ok := strings.Cut(rest, "://"); ok {
		rest = after
	}
	rawPath, query, _ := strings.Cut(targetAfterAuthority(rest), "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return "", fmt.Errorf("%w: callback URL path %q: %w", ErrInvalidParams, rawPath, err)
	}
	if err := unambiguous(path, query); err != nil {
		return "", fmt.Errorf("%w: callback URL %q: %w", ErrInvalidParams, callbackURL, err)
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("%w: callback URL query %q: %w", ErrInvalidParams, query, err)
	}
	if _, ok := vals[BindingParam]; ok {
		return "", fmt.Errorf("%w: callback URL %q is already bound", ErrInvalidParams, callbackURL)
	}
	sep := "&"
	switch {
	case query == "" && strings.HasSuffix(callbackURL, "?"):
		sep = ""
	case query == "":
		sep = "?"
	}
	return callbackURL + sep + BindingParam + "=" + bindingMAC(secret, path, query), nil
}

// bindingMAC is the binding of a decoded path and a raw query (without its
// "?"). Neither can contain a line break (see unambiguous), so the input
// splits one way only.
func bindingMAC(secret []byte, path, query string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ossdirect callback binding v1\n"))
	m.Write([]byte(path))
	m.Write([]byte{'\n'})
	m.Write([]byte(query))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
}

// checkBinding verifies the binding BindURL put last in the query (raw,
// with its "?" if any) and returns the query without it.
func checkBinding(secret []byte, path, query string) (string, error) {
	if len(secret) < MinBindingSecretBytes {
		return "", fmt.Errorf("%w: Verifier.BindingSecret is %d bytes, want at least %d", ErrUnbound, len(secret), MinBindingSecretBytes)
	}
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
