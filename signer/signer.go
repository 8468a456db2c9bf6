package signer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// Version selects the PostObject signature scheme.
type Version int

const (
	// V4 is OSS4-HMAC-SHA256
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend),
	// the scheme OSS recommends. It is the zero value, so a Signer signs
	// with V4 unless told otherwise.
	V4 Version = iota
	// V1 is the original HMAC-SHA1 scheme
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-1),
	// kept for front ends written against the original demo, which read
	// the legacy Token members accessid, policy, signature and callback.
	V1
)

// String returns "V4" or "V1".
func (v Version) String() string {
	switch v {
	case V4:
		return "V4"
	case V1:
		return "V1"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// Expiry limits for Upload.Expires. A token is a bearer capability, so it
// should live just long enough for the browser to start its upload; the
// original demo refreshes a token 3 s before it expires. MaxExpires also
// catches unit mistakes such as Expires: 3600 * time.Hour.
const (
	DefaultExpires = 10 * time.Minute // used when Upload.Expires is zero
	MaxExpires     = time.Hour        // longer is refused
	// MinExpires catches Expires: 3600 (3.6 µs, not an hour), which would
	// produce a policy that has expired before the browser receives it.
	MinExpires = time.Second
)

// MaxObjectSize is the largest file PostObject accepts (5 GB,
// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// A MaxSize above it could never be used, so Sign refuses it.
const MaxObjectSize = 5 << 30

// maxMetaBytes is OSS's limit on the total user metadata
// (docs/PROTOCOL.md#size-limits).
const maxMetaBytes = 8 << 10

// Errors returned by Sign. Each error wraps exactly one of them (and, where
// there is one, its cause), so callers can pick a response with errors.Is.
var (
	// ErrInvalidUpload: the Upload is refused as asked: no key prefix
	// without AllowAnyKey, no MaxSize, MinSize > MaxSize, a bad callback,
	// an Expires out of range, and so on. It is the application's bug, not
	// the user's.
	ErrInvalidUpload = errors.New("signer: invalid upload")
	// ErrInvalidSigner: the Signer itself is incomplete (no Credentials,
	// Bucket or Region) or has an unknown Version.
	ErrInvalidSigner = errors.New("signer: invalid signer configuration")
	// ErrCredentials: the CredentialsProvider failed or returned unusable
	// credentials. The provider's own error (for example ErrNoCredentials)
	// is wrapped as well.
	ErrCredentials = errors.New("signer: credentials unavailable")
)

// Signer issues signed PostObject tokens for one bucket. Fill it in as a
// struct literal; it is safe for concurrent use once set up, and must not be
// modified while in use.
type Signer struct {
	// Credentials supplies the AccessKey, asked once per Sign. Required.
	Credentials CredentialsProvider

	// Bucket is the bucket name, pinned by a {"bucket": ...} condition in
	// every policy. Required.
	Bucket string

	// Region is the OSS region, "cn-hangzhou" or the endpoint spelling
	// "oss-cn-hangzhou" (the "oss-" prefix is stripped,
	// https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
	// Required for V4, where it is part of the signing scope, and for
	// computing the host when Endpoint is empty.
	Region string

	// Endpoint, if set, is the base URL the browser posts to, used as
	// Token.Host verbatim (without a trailing "/"): a CNAME domain, or an
	// osstest emulator's URL. Empty means the virtual-hosted bucket URL
	// https://<Bucket>.oss-<region>.aliyuncs.com
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
	Endpoint string

	// Version is the signature scheme; the zero value is V4.
	Version Version

	// Secrets bind every callback URL the Signer signs, with
	// Secrets.Current(): give the callback handler's callback.Verifier the
	// same Secrets. A Signer without Secrets signs uploads without a
	// callback only; one with a Callback then fails with ErrInvalidSigner,
	// since an unbound callback URL accepts callbacks from anyone's upload
	// (callback package doc).
	Secrets callback.Secrets

	// CallbackMargin is how long after the token expires its callback is
	// still accepted: the binding's expiry is the token's expiry plus
	// CallbackMargin, on this Signer's clock. It must cover the transfer of
	// the largest file the upload allows and the callback itself. Zero
	// means DefaultCallbackMargin.
	CallbackMargin time.Duration

	// Now returns the current time; nil means time.Now. Expiration and
	// x-oss-date are always computed from its UTC value, never from local
	// time with a "Z" appended
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
	// Tests and golden examples set a fixed clock.
	Now func() time.Time

	binders binderCache // this Signer's recent callbacks, prepared for binding
}

// DefaultCallbackMargin is the CallbackMargin used when it is zero: time
// for a browser to send a few hundred MB after starting just before the
// token expired, and for OSS's callback (OSS waits at most 5 seconds for
// the application's answer).
const DefaultCallbackMargin = 5 * time.Minute

// Validate reports a Signer that cannot sign, naming the field at fault;
// Secrets, when set, must pass Secrets.Validate.
// Sign calls it too; calling it at start-up finds a misconfiguration before
// the first user asks for a token. Errors wrap ErrInvalidSigner.
func (s *Signer) Validate() error {
	switch {
	case s == nil:
		return fmt.Errorf("%w: nil Signer", ErrInvalidSigner)
	case s.Credentials == nil:
		return fmt.Errorf("%w: no Credentials provider", ErrInvalidSigner)
	case s.Bucket == "":
		return fmt.Errorf("%w: empty Bucket", ErrInvalidSigner)
	case s.Version != V4 && s.Version != V1:
		return fmt.Errorf("%w: unknown %v", ErrInvalidSigner, s.Version)
	case StandardRegion(s.Region) == "" && s.Version == V4:
		return fmt.Errorf("%w: empty Region (V4 signs for a region)", ErrInvalidSigner)
	case StandardRegion(s.Region) == "" && s.Endpoint == "":
		return fmt.Errorf("%w: empty Region and Endpoint (one is needed for the upload URL)", ErrInvalidSigner)
	case s.CallbackMargin < 0:
		return fmt.Errorf("%w: negative CallbackMargin %v", ErrInvalidSigner, s.CallbackMargin)
	}
	if len(s.Secrets) > 0 {
		if err := s.Secrets.Validate(); err != nil {
			return fmt.Errorf("%w: Secrets: %w", ErrInvalidSigner, err)
		}
	}
	return nil
}

// Host is the upload URL Sign puts in Token.Host: Endpoint when set (an
// emulator, a CNAME, an internal endpoint), otherwise the bucket's
// virtual-hosted URL, since OSS refuses path-style requests for newer buckets
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
func (s *Signer) Host() string {
	if s.Endpoint != "" {
		return strings.TrimRight(s.Endpoint, "/")
	}
	return "https://" + s.Bucket + ".oss-" + StandardRegion(s.Region) + ".aliyuncs.com"
}
