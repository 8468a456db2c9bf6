// Package binding ties a callback URL to the app that issued it: an
// HMAC-SHA256, keyed with one of the app's callback.Secrets and naming that
// secret's ID, over the URL's decoded path and query (with an optional
// expiry), appended as the last query parameter. The reasons and the
// format are in docs/PROTOCOL.md ("Binding callback URLs").
package binding

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// The query parameters a binding appends: ExpiresParam (the expiry in Unix
// seconds, when there is one) and then Param, whose value is the secret's ID,
// a ".", and the MAC.
const (
	Param        = "ossdirect-binding"
	ExpiresParam = "ossdirect-expires"
)

// The errors callback exports as ErrUnbound and ErrBindingExpired.
var (
	ErrUnbound = errors.New("callback: callback URL not bound by this app")
	ErrExpired = fmt.Errorf("%w: binding expired", ErrUnbound)
)

// errInvalid is callbackwire.ErrInvalidParams, which every refusal to bind
// wraps.
var errInvalid = callbackwire.ErrInvalidParams

// macLen is the length of the unpadded Base64url HMAC-SHA256.
var macLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// maxIDLen is the longest secret ID Check reads from a URL (callback.Secret
// allows 16 characters).
const maxIDLen = 16

// Bind returns callbackURL bound with the secret (id, key) until notAfter;
// a zero notAfter binds without expiry. id and key passed
// callback.Secrets.Validate. callbackURL is one URL (bind each entry of a ";"
// list separately) that passes Params.Validate, without a fragment, whose
// query parses with url.ParseQuery and does not yet carry Param or
// ExpiresParam. Errors wrap callbackwire.errInvalid.
func Bind(id string, key []byte, callbackURL string, notAfter time.Time) (string, error) {
	if id == "" || len(key) == 0 {
		return "", fmt.Errorf("%w: no secret to bind with", errInvalid)
	}
	t, err := parseTarget(callbackURL)
	if err != nil {
		return "", err
	}
	if !notAfter.IsZero() {
		exp, err := expiry(notAfter)
		if err != nil {
			return "", err
		}
		t = t.with(ExpiresParam + "=" + strconv.FormatInt(exp, 10))
	}
	return t.url + t.sep + Param + "=" + id + "." + mac(id, key, t.path, t.query), nil
}

// expiry is notAfter in Unix seconds, rounded up.
func expiry(notAfter time.Time) (int64, error) {
	exp := notAfter.Unix()
	if notAfter.Nanosecond() != 0 {
		exp++
	}
	if exp <= 0 || exp > maxExpires {
		return 0, fmt.Errorf("%w: binding expiry %s is not between 1970 and year 31 billion", errInvalid, notAfter)
	}
	return exp, nil
}

// target is a callback URL prepared for binding.
type target struct {
	url   string // as given
	sep   string // what goes between url and the next parameter: "?", "&" or ""
	path  string // decoded path of the request target OSS will send
	query string // raw query, without "?"
}

// with returns t with the raw query parameter pair appended.
func (t target) with(pair string) target {
	if t.query != "" {
		t.query += "&"
	}
	return target{url: t.url + t.sep + pair, sep: "&", path: t.path, query: t.query + pair}
}

// parseTarget checks that callbackURL can be bound and splits it.
func parseTarget(callbackURL string) (target, error) {
	if strings.Contains(callbackURL, ";") {
		return target{}, fmt.Errorf("%w: bind each URL of a callbackUrl list separately", errInvalid)
	}
	if err := callbackwire.CheckURL(callbackURL); err != nil {
		return target{}, fmt.Errorf("%w: callback URL %q: %w", errInvalid, callbackURL, err)
	}
	if strings.Contains(callbackURL, "#") {
		return target{}, fmt.Errorf("%w: callback URL %q has a fragment, which is never sent", errInvalid, callbackURL)
	}
	// The request target OSS will send: what follows the authority.
	rest := callbackURL
	if _, after, ok := strings.Cut(rest, "://"); ok {
		rest = after
	}
	rawPath, query, _ := strings.Cut(callbackwire.TargetAfterAuthority(rest), "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return target{}, fmt.Errorf("%w: callback URL path %q: %w", errInvalid, rawPath, err)
	}
	if err := callbackwire.Unambiguous(path, query); err != nil {
		return target{}, fmt.Errorf("%w: callback URL %q: %w", errInvalid, callbackURL, err)
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return target{}, fmt.Errorf("%w: callback URL query %q: %w", errInvalid, query, err)
	}
	if _, ok := vals[Param]; ok {
		return target{}, fmt.Errorf("%w: callback URL %q is already bound", errInvalid, callbackURL)
	}
	// Check reads the expiry from the bound query: one the app put there
	// itself would be taken for the binding's.
	if _, ok := vals[ExpiresParam]; ok {
		return target{}, fmt.Errorf("%w: callback URL %q carries %s; bind with an expiry instead", errInvalid, callbackURL, ExpiresParam)
	}
	sep := "&"
	switch {
	case query == "" && strings.HasSuffix(callbackURL, "?"):
		sep = ""
	case query == "":
		sep = "?"
	}
	return target{url: callbackURL, sep: sep, path: path, query: query}, nil
}

// mac is the MAC of a decoded path and a raw query (without its "?") bound
// with the secret (id, key).
func mac(id string, key []byte, path, query string) string {
	m := hmac.New(sha256.New, key)
	writeMACInput(m, id, path, query)
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
}

// macPrefix starts the MAC input of every binding. Version 2 names the
// secret; version 1 (no ID) is no longer accepted.
const macPrefix = "ossdirect callback binding v2\n"

// writeMACInput writes what a binding authenticates: macPrefix, the secret's
// ID, a line break, the decoded path, a line break and the raw query (without
// its "?"). None of the ID, path and query can contain a line break (see
// callbackwire.Unambiguous), so the input splits one way only.
func writeMACInput(w io.Writer, id, path, query string) {
	io.WriteString(w, macPrefix)
	io.WriteString(w, id)
	io.WriteString(w, "\n")
	io.WriteString(w, path)
	io.WriteString(w, "\n")
	io.WriteString(w, query)
}

// A Checker checks bindings, reusing keyed HMAC states between calls.
// The zero Checker is ready; it is safe for concurrent use.
type Checker struct {
	macs macPool
}

// A macPool reuses HMAC states keyed with one secret: keying one costs more
// allocations than the rest of binding a callback or checking its binding.
type macPool struct{ p sync.Pool }

// keyedMAC is an HMAC keyed with one secret, with scratch space.
type keyedMAC struct {
	id   string
	key  []byte
	h    hash.Hash
	buf  []byte
	sum  [sha256.Size]byte
	want [sha256.Size]byte
}

// get returns a reset HMAC keyed with the secret (id, key); put it back
// when done.
func (p *macPool) get(id string, key []byte) *keyedMAC {
	m, _ := p.p.Get().(*keyedMAC)
	if m == nil || m.id != id || !hmac.Equal(m.key, key) {
		return &keyedMAC{id: id, key: bytes.Clone(key), h: hmac.New(sha256.New, key)}
	}
	m.h.Reset()
	return m
}

func (p *macPool) put(m *keyedMAC) { p.p.Put(m) }

// Check verifies the binding at the end of a callback's raw query (with its
// "?" if any) against its decoded path, with the key lookup returns for the
// binding's secret ID, enforces its expiry at now, and returns the query
// without Param and ExpiresParam. Refusals wrap ErrUnbound (ErrExpired once
// expired) and say why, naming an ID that lookup does not know.
func (c *Checker) Check(path, query string, lookup func(id string) ([]byte, bool), now time.Time) (string, error) {
	q := strings.TrimPrefix(query, "?")
	i := strings.LastIndex(q, Param+"=")
	if i < 0 || i > 0 && q[i-1] != '&' {
		return "", fmt.Errorf("%w: no %s parameter at the end of the query", ErrUnbound, Param)
	}
	id, sum, ok := strings.Cut(q[i+len(Param)+1:], ".")
	if !ok || id == "" || len(id) > maxIDLen || len(sum) != macLen {
		return "", fmt.Errorf("%w: malformed %s", ErrUnbound, Param)
	}
	key, ok := lookup(id)
	if !ok {
		return "", fmt.Errorf("%w: bound with secret %q, which is no longer accepted", ErrUnbound, id)
	}
	orig := q[:max(i-1, 0)]
	m := c.macs.get(id, key)
	m.buf = append(m.buf[:0], sum...)
	n, err := base64.RawURLEncoding.Strict().Decode(m.want[:], m.buf)
	m.buf = append(append(append(append(append(append(m.buf[:0], macPrefix...), id...), '\n'), path...), '\n'), orig...)
	m.h.Write(m.buf)
	match := err == nil && n == sha256.Size && hmac.Equal(m.h.Sum(m.sum[:0]), m.want[:])
	c.macs.put(m)
	if !match {
		return "", fmt.Errorf("%w: %s does not match the path and query", ErrUnbound, Param)
	}
	return checkExpiry(orig, now)
}

// maxExpiresDigits keeps ExpiresParam within int64.
const (
	maxExpiresDigits = 18
	maxExpires       = 999_999_999_999_999_999
)

// checkExpiry enforces the ExpiresParam of a bound query whose
// binding Check verified (raw, without "?"), and returns the query
// without it. A query without one is a binding without expiry. The key is
// matched decoded, as url.ParseQuery and parseTarget read it; the value must
// be the decimal digits Bind writes. Since the MAC
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
				return "", fmt.Errorf("%w: %s appears more than once", ErrUnbound, ExpiresParam)
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
		return "", fmt.Errorf("%w: malformed %s %q", ErrUnbound, ExpiresParam, value)
	}
	if notAfter := time.Unix(exp, 0); now.After(notAfter) {
		return "", fmt.Errorf("%w at %s, %s before the callback", ErrExpired, notAfter.UTC().Format(time.RFC3339), now.Sub(notAfter))
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
	if key == ExpiresParam {
		return true
	}
	if !strings.ContainsAny(key, "%+") {
		return false
	}
	k, err := url.QueryUnescape(key)
	return err == nil && k == ExpiresParam
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
