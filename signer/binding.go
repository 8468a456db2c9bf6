package signer

import (
	"fmt"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// bindCallback returns the encoded callback parameter for p with every URL
// of its ";" list bound with CallbackSecret until tokenExpiry plus
// CallbackMargin. The binding is computed on each call, since its expiry
// follows the token's.
func (s *Signer) bindCallback(p callback.Params, tokenExpiry time.Time) (string, error) {
	notAfter := tokenExpiry.Add(s.callbackMargin())
	urls := strings.Split(p.URL, ";")
	for i, u := range urls {
		bound, err := callback.BindURLUntil(s.CallbackSecret, u, notAfter)
		if err != nil {
			return "", fmt.Errorf("%w: callback: %w", ErrInvalidUpload, err)
		}
		urls[i] = bound
	}
	p.URL = strings.Join(urls, ";")
	enc, err := p.Encode()
	if err != nil {
		return "", fmt.Errorf("%w: callback: %w", ErrInvalidUpload, err)
	}
	return enc, nil
}

// checkCallback validates p and returns the variables its body references.
func checkCallback(p callback.Params) ([]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p.Vars()
}

func (s *Signer) callbackMargin() time.Duration {
	if s.CallbackMargin > 0 {
		return s.CallbackMargin
	}
	return DefaultCallbackMargin
}
