// Package pkcs1md5 is the RSA PKCS#1 v1.5 MD5 arithmetic behind verify and
// callback: the check of a precomputed digest, and the recovery of the digest
// a signature signs (for explaining a failed verification). It does the
// public-key operation with math/big for keys under 1024 bits, which
// crypto/rsa refuses on Go 1.24+ without GODEBUG
// (docs/PROTOCOL.md#512-bit-key). Verification involves no secret, so
// variable-time arithmetic leaks nothing.
package pkcs1md5

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
)

// The errors verify exports under the same names (verify.ErrBadKey,
// verify.ErrBadSignature): this package is their implementation, verify their
// only public home.
var (
	ErrBadKey       = errors.New("verify: bad public key")
	ErrBadSignature = errors.New("verify: bad signature")
)

// Key size limits. OSS's key is 512 bits (docs/PROTOCOL.md#512-bit-key), so
// 512 is the floor; the ceiling bounds the cost of one verification.
const (
	MinKeyBits = 512
	MaxKeyBits = 8192
)

// md5DigestInfo is the DER prefix of DigestInfo{md5, NULL, OCTET STRING(16)}
// that PKCS#1 v1.5 puts before the digest (RFC 8017 §9.2 note 1).
var md5DigestInfo = []byte{0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10}

// cryptoRSAMinBits is the smallest key crypto/rsa accepts on Go 1.24+ without
// GODEBUG=rsa1024min=0 (https://go.dev/doc/go1.24#cryptorsapkgcryptorsa).
const cryptoRSAMinBits = 1024

// CheckKey rejects keys the verification arithmetic must not be run with.
// crypto/rsa performs equivalent checks for the keys it accepts; the math/big
// path for small keys needs them spelled out. Errors wrap ErrBadKey.
func CheckKey(pub *rsa.PublicKey) error {
	if pub == nil || pub.N == nil {
		return fmt.Errorf("%w: nil key", ErrBadKey)
	}
	if pub.N.Sign() <= 0 || pub.N.Bit(0) == 0 {
		return fmt.Errorf("%w: modulus must be positive and odd", ErrBadKey)
	}
	if bits := pub.N.BitLen(); bits < MinKeyBits || bits > MaxKeyBits {
		return fmt.Errorf("%w: %d-bit modulus outside [%d, %d]", ErrBadKey, bits, MinKeyBits, MaxKeyBits)
	}
	if pub.E < 3 || pub.E&1 == 0 || int64(pub.E) > 1<<31-1 {
		return fmt.Errorf("%w: public exponent %d must be odd and in [3, 2^31-1]", ErrBadKey, pub.E)
	}
	return nil
}

// VerifyDigest reports whether sig is a valid RSASSA-PKCS1-v1_5 MD5
// signature of the digest under pub: nil on success, an error wrapping
// ErrBadKey for an unusable key, and one wrapping ErrBadSignature otherwise
// (including a digest that is not 16 bytes long).
func VerifyDigest(pub *rsa.PublicKey, digest, sig []byte) error {
	if err := CheckKey(pub); err != nil {
		return err
	}
	if len(digest) != md5.Size {
		return fmt.Errorf("%w: digest is %d bytes, want %d", ErrBadSignature, len(digest), md5.Size)
	}
	k := (pub.N.BitLen() + 7) / 8
	// PKCS#1 signatures are exactly as long as the modulus (RFC 8017 §8.2.2
	// step 1); a shorter or longer one is refused rather than padded.
	if len(sig) != k {
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrBadSignature, len(sig), k)
	}
	if pub.N.BitLen() >= cryptoRSAMinBits {
		if err := rsa.VerifyPKCS1v15(pub, crypto.MD5, digest, sig); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return nil
	}
	if !verifySmall(pub, digest, sig, k) {
		return ErrBadSignature
	}
	return nil
}

// verifySmall is RSAVP1 + EMSA-PKCS1-v1_5 encoding + comparison (RFC 8017
// §8.2.2) with math/big. The expected encoded message is built in full and
// compared in one constant-shape step, rather than parsed out of the
// recovered one, so there is no padding parser to get wrong.
func verifySmall(pub *rsa.PublicKey, digest, sig []byte, k int) bool {
	// RFC 8017 §9.2 step 3: at least 8 bytes of 0xff padding.
	if k < len(md5DigestInfo)+len(digest)+11 {
		return false
	}
	em, ok := publicOp(pub, sig, k)
	return ok && subtle.ConstantTimeCompare(em, md5EM(k, digest)) == 1
}

// publicOp is RSAVP1 (RFC 8017 §5.2.2): sig^e mod n as k bytes, or false
// if sig is not below n.
func publicOp(pub *rsa.PublicKey, sig []byte, k int) ([]byte, bool) {
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return nil, false
	}
	return new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k)), true
}

// md5EM is EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of an MD5 digest for a k-byte
// modulus, k at least len(md5DigestInfo)+len(digest)+11:
// 00 01 FF…FF 00 DigestInfo digest.
func md5EM(k int, digest []byte) []byte {
	tLen := len(md5DigestInfo) + len(digest)
	em := make([]byte, k)
	em[0], em[1] = 0x00, 0x01
	ps := em[2 : k-tLen-1]
	for i := range ps {
		ps[i] = 0xff
	}
	em[k-tLen-1] = 0x00
	copy(em[k-tLen:], md5DigestInfo)
	copy(em[k-len(digest):], digest)
	return em
}

// SignedDigest returns the MD5 digest that sig, a PKCS#1 v1.5 MD5 signature,
// signs under pub: the public-key operation is undone and the encoding
// checked, without comparing with any message. It explains a failed
// verification (which message did the signer sign?) and never accepts one.
// ErrBadSignature means sig was not made with the matching private key (or
// was altered); ErrBadKey, that pub is unusable.
func SignedDigest(pub *rsa.PublicKey, sig []byte) ([]byte, error) {
	if err := CheckKey(pub); err != nil {
		return nil, err
	}
	k := (pub.N.BitLen() + 7) / 8
	tLen := len(md5DigestInfo) + md5.Size
	if len(sig) != k || k < tLen+11 {
		return nil, fmt.Errorf("%w: signature is %d bytes, want %d", ErrBadSignature, len(sig), k)
	}
	em, ok := publicOp(pub, sig, k)
	if !ok {
		return nil, fmt.Errorf("%w: signature out of range", ErrBadSignature)
	}
	// The digest is whatever em ends with; the rest must be the encoding
	// of it, compared as verifySmall compares.
	digest := em[k-md5.Size:]
	if subtle.ConstantTimeCompare(em, md5EM(k, digest)) != 1 {
		return nil, fmt.Errorf("%w: not a PKCS#1 v1.5 MD5 signature under this key", ErrBadSignature)
	}
	return digest, nil
}
