package osstest

import (
	"net/http"
	"time"
)

// AccessKey is one credential the emulated bucket accepts. A bucket may
// have several (rotation, several RAM users, STS tokens side by side).
type AccessKey struct {
	// ID is the AccessKey ID sent as OSSAccessKeyId (V1) or inside
	// x-oss-credential (V4).
	ID string
	// Secret is the AccessKey secret the signatures are recomputed with.
	Secret string
	// SecurityToken, when non-empty, makes this an STS temporary key: the
	// form must carry the same value in x-oss-security-token, and a V4 policy
	// must pin it
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
	// Empty means a permanent key.
	SecurityToken string
	// Expires, when non-zero, is the instant (compared with Config.Now)
	// from which the key is refused: 403 SecurityTokenExpired for an STS
	// key, 403 InvalidAccessKeyId for a permanent one
	// (https://www.alibabacloud.com/help/en/document_detail/32005.html).
	Expires time.Time
}

// CORSRule is one rule of a bucket's CORS configuration, as set with
// OSS's PutBucketCors. Browsers on another origin need a matching rule to
// POST a form with fetch/XHR and to read the answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
type CORSRule struct {
	// AllowedOrigins lists origins such as "https://app.example.com"; each
	// entry may contain one "*" wildcard ("https://*.example.com"), and "*"
	// alone allows every origin.
	AllowedOrigins []string
	// AllowedMethods lists methods such as "POST", "GET"; "*" allows all.
	AllowedMethods []string
	// AllowedHeaders lists the headers a preflight may ask for
	// (case-insensitive, one "*" wildcard each); "*" allows all.
	AllowedHeaders []string
	// ExposeHeaders is sent as Access-Control-Expose-Headers so that page
	// scripts can read, for example, ETag and x-oss-request-id.
	ExposeHeaders []string
	// MaxAgeSeconds is sent as Access-Control-Max-Age when positive.
	MaxAgeSeconds int
}

// Config describes the emulated bucket. The zero value is usable: bucket
// "examplebucket" in region "cn-hangzhou", one random access key, a
// private bucket (signed requests only), objects kept in memory, 5 s
// callback timeout and a 512-bit callback key like OSS's.
type Config struct {
	// Bucket is the bucket name; default "examplebucket".
	Bucket string
	// Buckets names more buckets that exist from the start, as if made
	// with PutBucket, with the ACL below (see buckets.go for how requests
	// name them).
	Buckets []string
	// Region is the bare region id V4 credentials must name (not
	// "oss-cn-hangzhou"); default "cn-hangzhou".
	Region string
	// AccessKeys are the accepted credentials; empty means one randomly
	// generated permanent key, available from Emulator.AccessKey.
	AccessKeys []AccessKey
	// Now is the clock for policy expiration, V4 time windows, STS expiry
	// and Last-Modified; nil means time.Now.
	Now func() time.Time
	// CallbackTimeout bounds each callback attempt (connect, request and
	// response body); zero means 5 s, OSS's fixed value
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
	CallbackTimeout time.Duration
	// CallbackKeyBits is the size of the RSA key callbacks are signed with. 0
	// or 512 selects a fixed, embedded 512-bit test key pair (the key of the
	// test vector in docs/PROTOCOL.md#512-bit-key), as small as OSS's real
	// key, so verifiers are exercised on the key size they will meet in
	// production. 1024, 2048, 3072 or 4096 generate a fresh key. Other values
	// make New fail.
	CallbackKeyBits int
	// Dir, when non-empty, stores object content in files under this
	// existing directory instead of memory (for large uploads), with a
	// journal of changes. A new Emulator on the same directory serves the
	// objects stored there before and resumes its multipart uploads in
	// progress; what a killed process left half-written is removed when it
	// starts. A stored object's file is removed when it is overwritten or
	// deleted (DeleteObject). The buckets made with PutBucket and every
	// bucket's settings (ACL, tags, versioning, CORS rules) persist there
	// too.
	Dir string
	// CORS is the configured bucket's initial CORS rule set; the first
	// matching rule applies, and answers carry Vary: Origin. Empty means no
	// CORS headers and every preflight is refused. PutBucketCors and
	// DeleteBucketCors replace it (persisted in Dir, where they win over
	// it); other buckets start without rules.
	CORS []CORSRule
	// ACL is the bucket ACL: "private" (the default: only signed requests
	// read or write), "public-read" (anonymous GET and HEAD too) or
	// "public-read-write" (anonymous uploads and deletes too). An object's
	// own ACL, from x-oss-object-acl, overrides it unless it is "default"
	// (https://www.alibabacloud.com/help/en/oss/user-guide/object-acl).
	// PutBucketAcl (or PutBucket with x-oss-acl) changes it; set, it wins
	// over an ACL persisted in Dir.
	ACL string
	// PublicKeyURL overrides the URL advertised in x-oss-pub-key-url. By
	// default NewServer uses <server URL>/__osstest__/callback_pub_key_v1.pem
	// and a bare Emulator derives the same path from each request's Host.
	// The emulator serves its public key at that path itself.
	PublicKeyURL string
	// CallbackClient sends the callbacks (for example, one that trusts an
	// httptest.NewTLSServer app); nil means a dedicated client. Its
	// CheckRedirect is always replaced: OSS does not follow redirects
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
	// and its Timeout is superseded by CallbackTimeout. An *http.Transport
	// (or a nil Transport, meaning http.DefaultTransport) is cloned with
	// DisableCompression set, so that callbacks carry no Accept-Encoding
	// header, as OSS's do not
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback);
	// any other RoundTripper is used as it is.
	CallbackClient *http.Client
	// CallbackFault, when set, is called before each callback attempt with
	// the callback URL (with "http://" added if callbackUrl omitted the
	// scheme); a non-nil error makes the attempt fail as if the
	// app server could not be reached, without sending anything. Tests use
	// it to simulate unreachable app servers.
	CallbackFault func(url string) error
}

const (
	defaultBucket          = "examplebucket"
	defaultRegion          = "cn-hangzhou"
	defaultCallbackTimeout = 5 * time.Second

	// maxObjectSize is OSS's PostObject limit (docs/PROTOCOL.md#size-limits).
	maxObjectSize = 5 << 30
)
