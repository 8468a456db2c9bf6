// Package verify holds the trust and crypto side of OSS upload callbacks:
// which public-key URLs are trusted, fetching and caching those keys, and the
// RSA PKCS#1 v1.5 MD5 signature check, which works for OSS's 512-bit key on
// current Go without GODEBUG (SPEC.md §5.6, §5.7).
package verify

import (
	"context"
	"crypto/rsa"
)

// KeyFetcher returns the RSA public key published at url. Implementations
// decide which URLs they trust; an untrusted URL must yield an error wrapping
// ErrUntrustedKeyURL without any network request.
type KeyFetcher interface {
	FetchKey(ctx context.Context, url string) (*rsa.PublicKey, error)
}
