package signer

import (
	"fmt"
	"hash/maphash"
	"slices"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/binding"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// checkCallback reports, before any credentials are fetched, a callback
// the Signer cannot bind: no Secrets, parameters OSS would refuse, or a
// custom variable in vars that p's body does not reference (OSS sends only
// referenced variables). what names the request, for the error. It returns
// p's Binder for bindCallback, or nil when p is nil.
func (s *Signer) checkCallback(p *callback.Params, vars map[string]string, what string) (*binding.Binder, error) {
	if p == nil {
		return nil, nil
	}
	if len(s.Secrets) == 0 {
		return nil, fmt.Errorf("%w: Secrets are required to bind the callback URL of %s", ErrInvalidSigner, what)
	}
	b, err := s.cachedBinder(callbackwire.Params(*p))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
	}
	for name := range vars {
		if !slices.Contains(b.Vars(), name) {
			return nil, invalid("callback variable %q is not referenced as ${%s} in the callback body, so OSS would not send it", name, name)
		}
	}
	return b, nil
}

// bindCallback returns the encoded callback parameter of b, which
// checkCallback returned, with every URL of its ";" list bound with
// Secrets.Current() until tokenExpiry plus CallbackMargin. The binding is
// computed on each call, since its expiry follows the token's; parsing and
// validating the parameters is not (cachedBinder).
func (s *Signer) bindCallback(b *binding.Binder, tokenExpiry time.Time) (string, error) {
	cur := s.Secrets.Current()
	enc, err := b.Encode(cur.ID, cur.Key, tokenExpiry.Add(s.callbackMargin()))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidUpload, err)
	}
	return enc, nil
}

// binderCache holds the Binders of a Signer's recent callbacks.
type binderCache = slotCache[callbackwire.Params, *binding.Binder]

// cachedBinder is binding.NewBinder through the Signer's cache: an
// application signs many tokens for the same callback (one user's files, or
// a URL without a per-user query), and parsing and validating it is most of
// the cost of binding. Needed by BenchmarkSignV4Full: without it 4.5× its
// Baseline and 81 allocs.
func (s *Signer) cachedBinder(p callbackwire.Params) (*binding.Binder, error) {
	var h maphash.Hash
	h.SetSeed(cacheSeed)
	h.WriteString(p.URL)
	h.WriteByte(0)
	h.WriteString(p.Body)
	return s.binders.get(h.Sum64(), p, binding.NewBinder)
}

func (s *Signer) callbackMargin() time.Duration {
	if s.CallbackMargin > 0 {
		return s.CallbackMargin
	}
	return defaultCallbackMargin
}
