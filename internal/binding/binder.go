package binding

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// A Binder encodes one Params again and again with its URLs bound until
// different expiries, as a signer does for every token: the parameters are
// validated and their URLs split once, in NewBinder, so that each Encode
// costs one HMAC-SHA256 per URL. b.Encode(id, key, t) equals Params.Encode of
// p with every URL of its ";" list replaced by Bind(id, key, url, t).
// A Binder is immutable and safe for concurrent use.
type Binder struct {
	vars []string
	urls []binderURL
	// head and tail are the compact JSON of the parameters before and
	// after the characters of callbackUrl's value.
	head, tail []byte
	macs       macPool
}

type binderURL struct {
	json string // the URL and its separator, JSON-escaped, up to ExpiresParam's "="
	rest []byte // MAC input after the secret's ID, up to the expiry digits
}

// NewBinder validates p (as Params.Validate) and prepares its URLs for
// binding (as Bind: each must not carry a fragment, Param or ExpiresParam).
// Errors wrap callbackwire.ErrInvalidParams.
func NewBinder(p callbackwire.Params) (*Binder, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	vars, err := p.Vars()
	if err != nil {
		return nil, err
	}
	b := &Binder{vars: vars}
	for _, u := range strings.Split(p.URL, ";") {
		t, err := parseTarget(u)
		if err != nil {
			return nil, err
		}
		// The expiry's digits follow.
		t = t.with(ExpiresParam + "=")
		j := callbackwire.JSONString(t.url)
		rest := []byte(t.path + "\n" + t.query)
		b.urls = append(b.urls, binderURL{json: string(j[1 : len(j)-1]), rest: rest})
	}
	wire := p
	wire.URL = ""
	j, err := wire.JSON()
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

// Vars returns the variables the callback body references; the
// slice is shared and must not be modified.
func (b *Binder) Vars() []string { return b.vars }

// Encode returns the "callback" parameter with every URL bound with the
// secret (id, key) until notAfter (see Bind; here notAfter may not be zero).
// Errors wrap callbackwire.ErrInvalidParams.
func (b *Binder) Encode(id string, key []byte, notAfter time.Time) (string, error) {
	if id == "" || len(key) == 0 {
		return "", fmt.Errorf("%w: no secret to bind with", errInvalid)
	}
	exp, err := expiry(notAfter)
	if err != nil {
		return "", err
	}
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], exp, 10)
	value := "&" + Param + "=" + id + "."
	n := len(b.head) + len(b.tail)
	for _, u := range b.urls {
		n += len(u.json) + len(d) + len(value) + macLen + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, b.head...)
	m := b.macs.get(id, key)
	m.buf = append(append(append(m.buf[:0], macPrefix...), id...), '\n')
	for i, u := range b.urls {
		if i > 0 {
			buf = append(buf, ';')
		}
		buf = append(buf, u.json...)
		buf = append(buf, d...)
		buf = append(buf, value...)
		m.h.Write(m.buf)
		m.h.Write(u.rest)
		m.h.Write(d)
		buf = base64.RawURLEncoding.AppendEncode(buf, m.h.Sum(m.sum[:0]))
		m.h.Reset()
	}
	b.macs.put(m)
	buf = append(buf, b.tail...)
	return base64.StdEncoding.EncodeToString(buf), nil
}
