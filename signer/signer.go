package signer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// Version selects the signature scheme.
type Version int

const (
	// V4 is OSS4-HMAC-SHA256, the scheme OSS recommends, and the zero
	// value.
	V4 Version = iota
	// V1 is the original HMAC-SHA1 scheme, for front ends written against
	// the original demo.
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

// Expiry limits of tokens and presigned requests. A token is a bearer
// capability, so it should live just long enough for the browser to start
// its upload; the limits also catch unit mistakes (Expires: 3600 is 3.6 µs,
// Expires: 3600 * time.Hour is five months).
const (
	defaultExpires = 10 * time.Minute
	maxExpires     = time.Hour
	minExpires     = time.Second
)

// maxObjectSize is the largest file PostObject accepts (5 GB).
const maxObjectSize = 5 << 30

// maxMetaBytes is OSS's limit on the total user metadata
// (docs/PROTOCOL.md#size-limits).
const maxMetaBytes = 8 << 10

// Errors returned by the Signer and its handlers. Each error wraps exactly
// one of them (and, where there is one, its cause), so callers can pick a
// response with errors.Is.
var (
	// ErrInvalidUpload: an Upload, Request or Multipart is refused as
	// asked (no MaxSize, a bad callback, an Expires out of range...). It
	// is the application's bug, not the user's.
	ErrInvalidUpload = errors.New("signer: invalid upload")
	// ErrInvalidSigner: a Signer, Handler or MultipartHandler is
	// incomplete or inconsistent.
	ErrInvalidSigner = errors.New("signer: invalid configuration")
	// ErrCredentials: there are no usable credentials: the provider
	// failed, returned an empty key, or credentials that have expired or
	// expire too soon to sign with. The handlers answer it with 503.
	ErrCredentials = errors.New("signer: credentials unavailable")
)

// Signer signs uploads to one bucket: PostObject tokens (Sign), presigned
// requests (Presign) and the steps of multipart uploads (Presign*). Fill it
// in as a struct literal and use it by pointer; it is safe for concurrent
// use and must not be modified once in use.
type Signer struct {
	// Credentials supplies the AccessKey, asked once per signature.
	// Required. Nothing signed outlives the credentials it is signed with
	// (see the package documentation).
	Credentials CredentialsProvider

	// Bucket is the bucket name. Required.
	Bucket string

	// Region is the OSS region, "cn-hangzhou" or the endpoint spelling
	// "oss-cn-hangzhou". Required for V4, which signs for a region, and
	// when Endpoint is empty.
	Region string

	// Endpoint, if set, is the base URL of the bucket, used verbatim: a
	// CNAME domain or an osstest emulator's URL. Empty means
	// https://<Bucket>.oss-<region>.aliyuncs.com.
	Endpoint string

	// Version is the signature scheme; the zero value is V4.
	Version Version

	// CallbackSecret binds every callback URL the Signer signs (see
	// callback.BindURLUntil): give the callback handler's
	// callback.Verifier the same secret. It is required, at least
	// callback.MinBindingSecretBytes long, as soon as an Upload has a
	// Callback: OSS signs the callbacks of all its customers with one key,
	// so an unbound callback URL accepts callbacks from anyone's upload.
	CallbackSecret []byte

	// CallbackMargin is how long after a token or URL expires its callback
	// is still accepted. It must cover the transfer of the largest file
	// allowed and the callback itself. Zero means 5 minutes.
	CallbackMargin time.Duration

	// Now returns the current time; nil means time.Now. Tests and golden
	// examples set a fixed clock.
	Now func() time.Time

	keys v4Keys // derived V4 keys, per (secret, date, region)
}

// defaultCallbackMargin is CallbackMargin when zero: time for a browser to
// send a few hundred MB after starting just before the token expired, and
// for OSS's callback (OSS waits at most 5 seconds for the answer).
const defaultCallbackMargin = 5 * time.Minute

// minCredentialsLife is the least a token or URL may be shortened to when
// the credentials expire before it would (see the package documentation).
const minCredentialsLife = time.Minute

// Validate reports what would make the Signer fail every request: a missing
// or inconsistent field (ErrInvalidSigner), or credentials the provider
// cannot supply now (ErrCredentials). It asks the provider once; call it at
// start-up.
func (s *Signer) Validate() error {
	if err := s.check(); err != nil {
		return err
	}
	_, err := s.credentials(context.Background(), s.now())
	return err
}

// check is Validate without asking for credentials: what every signature
// checks.
func (s *Signer) check() error {
	switch {
	case s == nil:
		return fmt.Errorf("%w: nil Signer", ErrInvalidSigner)
	case s.Credentials == nil:
		return fmt.Errorf("%w: no Credentials provider", ErrInvalidSigner)
	case s.Bucket == "":
		return fmt.Errorf("%w: empty Bucket", ErrInvalidSigner)
	case s.Version != V4 && s.Version != V1:
		return fmt.Errorf("%w: unknown %v", ErrInvalidSigner, s.Version)
	case standardRegion(s.Region) == "" && s.Version == V4:
		return fmt.Errorf("%w: empty Region (V4 signs for a region)", ErrInvalidSigner)
	case standardRegion(s.Region) == "" && s.Endpoint == "":
		return fmt.Errorf("%w: empty Region and Endpoint (one is needed for the upload URL)", ErrInvalidSigner)
	// The binding secret.
	case s.CallbackSecret != nil && len(s.CallbackSecret) < callback.MinBindingSecretBytes:
		return fmt.Errorf("%w: CallbackSecret is %d bytes, want at least %d", ErrInvalidSigner, len(s.CallbackSecret), callback.MinBindingSecretBytes)
	case s.CallbackMargin < 0:
		return fmt.Errorf("%w: negative CallbackMargin %v", ErrInvalidSigner, s.CallbackMargin)
	}
	return nil
}

// host is the bucket's base URL: Endpoint when set, otherwise the
// virtual-hosted URL, since OSS refuses path-style requests for newer
// buckets.
func (s *Signer) host() string {
	if s.Endpoint != "" {
		return strings.TrimRight(s.Endpoint, "/")
	}
	return "https://" + s.Bucket + ".oss-" + standardRegion(s.Region) + ".aliyuncs.com"
}

// credentials asks the provider once and refuses what cannot sign at t:
// an empty key, or credentials already expired. Errors wrap ErrCredentials
// once.
func (s *Signer) credentials(ctx context.Context, t time.Time) (Credentials, error) {
	cr, err := s.Credentials.GetCredentials(ctx)
	if err == nil {
		err = cr.check(t)
	}
	if err != nil {
		return Credentials{}, credentialsError(err)
	}
	return cr, nil
}

// expiry returns when something signed at t with cr and meant to last d
// expires: t+d, or earlier if cr expires earlier. It refuses to shorten
// below minCredentialsLife (or d, if shorter). t is whole seconds, and so
// is the result.
func expiry(t time.Time, d time.Duration, cr Credentials) (time.Time, error) {
	exp := t.Add(d).Truncate(time.Second)
	if cr.Expires.IsZero() || !cr.Expires.Before(exp) {
		return exp, nil
	}
	left := cr.Expires.Truncate(time.Second).Sub(t)
	if left < min(d, minCredentialsLife) {
		return time.Time{}, fmt.Errorf("%w: they expire at %s, in %v, under the %v a signature needs",
			ErrCredentials, cr.Expires.UTC().Format(time.RFC3339), left, min(d, minCredentialsLife))
	}
	return t.Add(left), nil
}

// now is the Signer's clock in UTC, in whole seconds: x-oss-date and
// Expires have no fraction.
func (s *Signer) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Second)
}
