package verify

import (
	"crypto/md5"
	"crypto/rsa"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
)

// VerifyPKCS1v15MD5 reports whether sig is a valid RSASSA-PKCS1-v1_5
// signature with MD5 of msg under pub, the scheme OSS signs callbacks with.
// It returns nil on success, an error wrapping ErrBadKey for an unusable key,
// and one wrapping ErrBadSignature otherwise. Keys under 1024 bits, such as
// OSS's own, are checked with math/big (see the package doc).
func VerifyPKCS1v15MD5(pub *rsa.PublicKey, msg, sig []byte) error {
	d := md5.Sum(msg)
	return pkcs1md5.VerifyDigest(pub, d[:], sig)
}
