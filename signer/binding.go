package signer

import (
	"fmt"
	"hash/maphash"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// bindCallback returns the encoded callback parameter for p with every URL
// of its ";" list bound with CallbackSecret until tokenExpiry plus
// CallbackMargin. The binding is computed on each call, since its expiry
// follows the token's; parsing and validating p is not (cachedBinder).
func (s *Signer) bindCallback(p callback.Params, tokenExpiry time.Time) (string, error) {
	b, err := cachedBinder(p)
	if err != nil {
		return "", fmt.Errorf("%w: callback: %w", ErrInvalidUpload, err)
	}
	enc, err := b.Encode(s.CallbackSecret, tokenExpiry.Add(s.callbackMargin()))
	if err != nil {
		return "", fmt.Errorf("%w: callback: %w", ErrInvalidUpload, err)
	}
	return enc, nil
}

var binders slotCache[callback.Params, *callback.Binder]

// cachedBinder is callback.NewBinder through the cache: an application
// signs many tokens for the same callback (one user's files, or a URL
// without a per-user query), and parsing and validating it is most of the
// cost of binding. Needed by BenchmarkSignV4Full: without it 4.5× its
// Baseline and 81 allocs.
func cachedBinder(p callback.Params) (*callback.Binder, error) {
	var h maphash.Hash
	h.SetSeed(cacheSeed)
	h.WriteString(p.URL)
	h.WriteByte(0)
	h.WriteString(p.Body)
	return binders.get(h.Sum64(), p, callback.NewBinder)
}

func (s *Signer) callbackMargin() time.Duration {
	if s.CallbackMargin > 0 {
		return s.CallbackMargin
	}
	return defaultCallbackMargin
}
