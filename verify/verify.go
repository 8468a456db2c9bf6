// Package verify holds the trust and crypto side of OSS upload callbacks:
// which public-key URLs are trusted, fetching and caching those keys, and the
// RSA PKCS#1 v1.5 MD5 signature check. OSS documents the scheme and the
// trusted key host in
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
//
// OSS's callback key is 512 bits. crypto/rsa refuses keys under 1024 bits on
// Go 1.24+ unless the main module sets GODEBUG, which a library cannot do for
// its users, so VerifyPKCS1v15MD5 does the public-key operation for such keys
// with math/big (verification involves no secret, so variable-time arithmetic
// leaks nothing) and leaves larger keys to crypto/rsa.
package verify

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
)

// KeyFetcher returns the RSA public key published at url. Implementations
// decide which URLs they trust; an untrusted URL must yield an error wrapping
// ErrUntrustedKeyURL without any network request.
type KeyFetcher interface {
	FetchKey(ctx context.Context, url string) (*rsa.PublicKey, error)
}

// Sentinel errors; every error returned by this package wraps one of them so
// callers can choose a response with errors.Is.
var (
	// ErrUntrustedKeyURL: the x-oss-pub-key-url names a key this fetcher does
	// not trust. Fetching an attacker-chosen key would let anyone forge
	// callbacks (OSS tells verifiers to check the key host:
	// https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
	// so this is decided before any request is made.
	ErrUntrustedKeyURL = errors.New("verify: untrusted public key URL")
	// ErrKeyFetch: a trusted key could not be obtained (network error, non-200
	// answer, oversized or unparsable key).
	ErrKeyFetch = errors.New("verify: public key fetch failed")
	// ErrBadKey ("verify: bad public key"): a public key is unusable (not
	// RSA, too small or too large, even modulus, bad exponent, malformed PEM).
	ErrBadKey = pkcs1md5.ErrBadKey
	// ErrBadSignature ("verify: bad signature"): the signature does not
	// verify with the key.
	ErrBadSignature = pkcs1md5.ErrBadSignature
)

// OSSKeyURL is the URL OSS names in x-oss-pub-key-url for its callback
// signing key (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// OSS also sends the http:// form of it.
const OSSKeyURL = "https://gosspublic.alicdn.com/callback_pub_key_v1.pem"

// ossKeyPEM is OSS's callback key as published at OSSKeyURL. The key never
// changes (OSS says to cache it:
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
// so embedding it means steady-state verification makes no network request
// at all.
//
//go:embed oss_callback_pub_key_v1.pem
var ossKeyPEM []byte

var ossKey = mustParseEmbedded()

func mustParseEmbedded() *rsa.PublicKey {
	k, err := ParsePublicKeyPEM(ossKeyPEM)
	if err != nil {
		// The file is part of the source tree; failing here is a build defect.
		panic("verify: embedded OSS key: " + err.Error())
	}
	return k
}

// OSSPublicKey returns the embedded copy of OSS's 512-bit callback key, the
// key published at OSSKeyURL. Each call returns a fresh copy, so callers may
// not alter the key the default fetcher uses.
func OSSPublicKey() *rsa.PublicKey {
	return &rsa.PublicKey{N: new(big.Int).Set(ossKey.N), E: ossKey.E}
}

// Key size limits. OSS's key is 512 bits (docs/PROTOCOL.md#512-bit-key),
// so 512 is the floor; the ceiling bounds the cost of one verification for
// keys from elsewhere.
const (
	// MinKeyBits is the smallest modulus accepted: OSS's own key's size.
	MinKeyBits = 512
	// MaxKeyBits is the largest modulus accepted.
	MaxKeyBits = 8192
)

// ParsePublicKeyPEM parses one PEM-encoded RSA public key: a
// SubjectPublicKeyInfo ("PUBLIC KEY", the form OSS publishes) or PKCS#1
// ("RSA PUBLIC KEY"). Anything but whitespace after the block is refused.
// Errors wrap ErrBadKey.
func ParsePublicKeyPEM(pemBytes []byte) (*rsa.PublicKey, error) {
	block, rest := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrBadKey)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, fmt.Errorf("%w: unexpected data after the PEM block", ErrBadKey)
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not an RSA key", ErrBadKey, k)
		}
		pub = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
		pub = k
	default:
		return nil, fmt.Errorf("%w: PEM block type %q is not a public key", ErrBadKey, block.Type)
	}
	if err := pkcs1md5.CheckKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// StaticKeys is a KeyFetcher that trusts exactly the URLs it maps and makes no
// network requests. Tests and emulators use it to trust their own key; the
// map must not be modified while in use.
type StaticKeys map[string]*rsa.PublicKey

// FetchKey returns the key for url, or an error wrapping ErrUntrustedKeyURL
// when url is not in the map (compared byte for byte).
func (s StaticKeys) FetchKey(_ context.Context, url string) (*rsa.PublicKey, error) {
	k, ok := s[url]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUntrustedKeyURL, url)
	}
	if err := pkcs1md5.CheckKey(k); err != nil {
		return nil, fmt.Errorf("%w: key for %q: %w", ErrKeyFetch, url, err)
	}
	return k, nil
}
