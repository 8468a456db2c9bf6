package callback

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Binder encodes one Params again and again with its URLs bound until
// different expiries, as a signer does for every token: the parameters are
// validated and their URLs split once, in NewBinder, so that each Encode
// costs one HMAC-SHA256 per URL. b.Encode(secret, t) equals Params.Encode of
// p with every URL of its ";" list replaced by BindURLUntil(secret, url, t).
// A Binder is immutable and safe for concurrent use.
type Binder struct {
	vars []string
	urls []binderURL
	// head and tail are the compact JSON of the parameters before and
	// after the characters of callbackUrl's value.
	head, tail []byte
	// macs holds keyed HMAC states (*binderMAC) for reuse: keying one
	// costs more allocations than the rest of Encode together.
	macs sync.Pool
}

type binderURL struct {
	json   string // the URL and its separator, JSON-escaped, up to BindingExpiresParam's "="
	prefix []byte // MAC input up to the expiry digits
}

type binderMAC struct {
	secret []byte
	h      hash.Hash
}

// NewBinder validates p (as Params.Validate) and prepares its URLs for
// binding (as BindURL: each must not carry a fragment, BindingParam or
// BindingExpiresParam). Errors wrap ErrInvalidParams.
func NewBinder(p Params) (*Binder, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	vars, err := p.Vars()
	if err != nil {
		return nil, err
	}
	b := &Binder{vars: vars}
	for _, u := range strings.Split(p.URL, ";") {
		t, err := parseBindTarget(u)
		if err != nil {
			return nil, err
		}
		// The expiry's digits follow.
		t = t.with(BindingExpiresParam + "=")
		j, err := compactJSON(t.url)
		if err != nil {
			return nil, err
		}
		var prefix bytes.Buffer
		writeMACInput(&prefix, t.path, t.query)
		b.urls = append(b.urls, binderURL{json: string(j[1 : len(j)-1]), prefix: prefix.Bytes()})
	}
	wire := wireParams(p)
	wire.URL = ""
	j, err := compactJSON(wire)
	if err != nil {
		return nil, err
	}
	// callbackUrl is the first member, so the JSON starts with its name
	// and an empty value.
	const start = `{"callbackUrl":"`
	if !bytes.HasPrefix(j, []byte(start+`"`)) {
		return nil, fmt.Errorf("callback: encoding parameters: unexpected JSON %q", j)
	}
	b.head, b.tail = j[:len(start)], j[len(start):]
	return b, nil
}

// Vars returns the variables the body references, as Params.Vars; the
// slice is shared and must not be modified.
func (b *Binder) Vars() []string { return b.vars }

// Encode returns the "callback" parameter with every URL bound with secret
// until notAfter (see BindURLUntil). Errors wrap ErrInvalidParams.
func (b *Binder) Encode(secret []byte, notAfter time.Time) (string, error) {
	if err := checkBindingSecret(secret); err != nil {
		return "", err
	}
	exp, err := bindingExpiry(notAfter)
	if err != nil {
		return "", err
	}
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], exp, 10)
	const macLen = 43 // base64.RawURLEncoding.EncodedLen(sha256.Size)
	n := len(b.head) + len(b.tail)
	for _, u := range b.urls {
		n += len(u.json) + len(d) + len("&"+BindingParam+"=") + macLen + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, b.head...)
	m, _ := b.macs.Get().(*binderMAC)
	if m == nil || !hmac.Equal(m.secret, secret) {
		m = &binderMAC{secret: bytes.Clone(secret), h: hmac.New(sha256.New, secret)}
	}
	var sum [sha256.Size]byte
	for i, u := range b.urls {
		if i > 0 {
			buf = append(buf, ';')
		}
		buf = append(buf, u.json...)
		buf = append(buf, d...)
		buf = append(buf, "&"+BindingParam+"="...)
		m.h.Write(u.prefix)
		m.h.Write(d)
		buf = base64.RawURLEncoding.AppendEncode(buf, m.h.Sum(sum[:0]))
		m.h.Reset()
	}
	b.macs.Put(m)
	buf = append(buf, b.tail...)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// compactJSON is v as Params.Encode writes it: compact, without HTML
// escaping.
func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("callback: encoding parameters: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
