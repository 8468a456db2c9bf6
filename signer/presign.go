package signer

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/binding"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// maxPresignExpires is the longest validity of a presigned request: OSS
// refuses a V4 x-oss-expires above 604800 seconds (7 days), see
// https://www.alibabacloud.com/help/en/oss/developer-reference/add-signatures-to-urls.
// V1 has no such limit, but the same bound is applied so that a unit
// mistake (Expires: 3600 * time.Hour) is caught for both.
const maxPresignExpires = 7 * 24 * time.Hour

// Request is one OSS request to presign with query authentication: the
// signature travels in the URL, so the client (a browser, curl) needs no
// credentials and no Authorization header. Every header in ContentType,
// Header and (with V4) ContentLength is signed and listed in
// Presigned.Header; the client must send exactly those, and no other
// Content-Type, Content-MD5 or x-oss-* header, since OSS includes every such
// header present in the request in the signature it computes.
type Request struct {
	// Method is GET, HEAD, PUT, POST or DELETE; empty means PUT, the upload
	// this package exists for.
	Method string

	// Key is the object name. Required: at most 1023 bytes of UTF-8, not
	// starting with "/" or "\".
	Key string

	// Expires is how long the URL is valid, in whole seconds (a fraction is
	// dropped): x-oss-expires for V4, Expires = now + Expires for V1. Zero
	// means defaultExpires; values outside [minExpires, maxPresignExpires]
	// are refused. OSS checks the expiry when a request arrives, so a long
	// transfer that started in time completes.
	Expires time.Duration

	// ContentType, if set, is the Content-Type the client must send (for a
	// PUT, the stored object's type). Both V1 and V4 sign it, so a browser
	// that sends a different one, or none, gets SignatureDoesNotMatch.
	// Browsers set Content-Type from a Blob's type on their own (File.type
	// for a file picked by the user), so sign exactly that value; leave it
	// empty only if the client sends none (a Blob with an empty type).
	ContentType string

	// ContentLength, if positive, binds the body length (V4 only): the
	// request is signed with content-length as an additional header
	// (x-oss-additional-headers), so OSS refuses a body of any other length.
	// Clients send Content-Length themselves; it is reported in
	// Presigned.ContentLength, not Presigned.Header. V1 cannot sign it and
	// refuses a non-zero ContentLength. Zero leaves the length unbound.
	ContentLength int64

	// Header holds other headers the client will send, every one signed:
	// Content-MD5 and x-oss-* headers (metadata, ACL,
	// x-oss-forbid-overwrite, storage class) with V1 and V4, and with V4 any
	// other header too, which is then listed in x-oss-additional-headers.
	// Names are case-insensitive; several values of one name are sent
	// joined by ",". Host, Content-Length, Authorization, Date and the
	// headers the signature or callback occupy (x-oss-date,
	// x-oss-security-token, x-oss-callback, x-oss-callback-var) are refused:
	// use ContentLength and Callback instead.
	Header http.Header

	// Query holds sub-resources and other query parameters, each with one
	// value ("" for a bare name such as "uploads"): uploadId, partNumber,
	// response-content-disposition and so on. V4 signs every query
	// parameter; V1 signs only OSS's sub-resources and x-oss-* parameters
	// and refuses any other name, which a client could otherwise change.
	// Parameters of the signature itself and callback / callback-var are
	// refused: use Callback and CallbackVars.
	Query url.Values

	// Callback, if set, is the upload callback (PutObject or
	// CompleteMultipartUpload), sent as the signed "callback" query
	// parameter, so a browser needs no extra CORS allowed header. Every URL
	// is bound with the Signer's Secrets (required) until the
	// presigned URL expires plus CallbackMargin, as Sign does.
	Callback *callback.Params

	// CallbackVars are custom callback variables ("x:name" -> value) sent
	// as the signed "callback-var" query parameter. Callback must be set and
	// its Body must reference each one (OSS sends only referenced
	// variables).
	CallbackVars map[string]string
}

// Presigned is a presigned request: what a client needs to make it.
type Presigned struct {
	// Method is the HTTP method to use.
	Method string `json:"method"`
	// URL is the full request URL including the signature.
	URL string `json:"url"`
	// Expires is when OSS stops accepting the URL: the Request's Expires
	// from now, or the credentials' expiry if that is sooner.
	Expires time.Time `json:"expires"`
	// Header holds the headers the client must send, with exactly these
	// values, keyed by lower-case name; nil if there are none. It lists
	// every signed header except Content-Length.
	Header map[string]string `json:"headers,omitempty"`
	// ContentLength, if non-zero, is the body length the signature binds.
	ContentLength int64 `json:"content_length,omitempty"`
}

// Query parameters of query authentication. V4:
// https://www.alibabacloud.com/help/en/oss/developer-reference/add-signatures-to-urls;
// V1: https://www.alibabacloud.com/help/en/oss/developer-reference/ddd-signatures-to-urls.
const (
	paramV4Version    = "x-oss-signature-version"
	paramV4Credential = "x-oss-credential"
	paramV4Date       = "x-oss-date"
	paramV4Expires    = "x-oss-expires"
	paramV4Additional = "x-oss-additional-headers"
	paramV4Token      = "x-oss-security-token"
	paramV4Signature  = "x-oss-signature"
	paramV1KeyID      = "OSSAccessKeyId"
	paramV1Expires    = "Expires"
	paramV1Signature  = "Signature"
	paramV1Token      = "security-token"
	paramCallback     = "callback"
	paramCallbackVar  = "callback-var"
)

// reservedParam reports whether a query parameter is one Presign sets
// itself.
func reservedParam(name string) bool {
	switch name {
	case paramV4Version, paramV4Credential, paramV4Date, paramV4Expires, paramV4Additional, paramV4Token, paramV4Signature,
		paramV1KeyID, paramV1Expires, paramV1Signature, paramV1Token, paramCallback, paramCallbackVar:
		return true
	}
	return false
}

// v1SubResources are the query parameters V1 includes in
// CanonicalizedResource besides x-oss-*, as the official SDKs list them
// (https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header);
// OSS ignores any other parameter when it checks a V1 signature. Sorted.
var v1SubResources = []string{
	"acl", "append", "bucketInfo", "callback", "callback-var", "cloudboxes", "continuation-token", "delete",
	"location", "objectMeta", "partNumber", "position", "regionList",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
	"restore", "security-token", "sequential", "stat", "symlink", "tagging",
	"uploadId", "uploads", "versionId", "versioning", "versions",
}

func v1Signed(name string) bool {
	_, ok := slices.BinarySearch(v1SubResources, name)
	return ok || strings.HasPrefix(name, "x-oss-")
}

// v4UnsignedPayload is the payload hash of a V4 request whose body is not
// hashed; it is what query authentication uses unless the client sends
// x-oss-content-sha256.
const v4UnsignedPayload = "UNSIGNED-PAYLOAD"

type kv struct{ k, v string }

// presignedRequest is a Request after validation.
type presignedRequest struct {
	method  string
	expires int64 // seconds
	headers []kv  // lower-case names, sorted, values trimmed
	extra   int   // how many of headers are V4 additional headers
	query   []kv
	binder  *binding.Binder // of the Callback, set by Presign (checkCallback)
}

// Presign validates req, asks the CredentialsProvider for credentials once
// and returns the presigned request, signed with the Signer's Version. The
// URL's parameters are sorted by name, as the official Go SDK v2 writes
// them. Errors wrap ErrInvalidSigner, ErrInvalidUpload or ErrCredentials.
func (s *Signer) Presign(ctx context.Context, req Request) (*Presigned, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	pr, err := req.prepare(s.Version)
	if err != nil {
		return nil, err
	}
	if pr.binder, err = s.checkCallback(req.Callback, req.CallbackVars, "a Request"); err != nil {
		return nil, err
	}
	t := s.now()
	cr, err := s.credentials(ctx, t)
	if err != nil {
		return nil, err
	}
	return s.presign(&req, pr, cr, t)
}

// presign signs a prepared request with credentials cr at instant t.
func (s *Signer) presign(req *Request, pr presignedRequest, cr Credentials, t time.Time) (*Presigned, error) {
	exp, err := expiry(t, time.Duration(pr.expires)*time.Second, cr)
	if err != nil {
		return nil, err
	}
	pr.expires = int64(exp.Sub(t) / time.Second)
	if pr.binder != nil {
		cb, err := s.bindCallback(pr.binder, exp)
		if err != nil {
			return nil, err
		}
		pr.query = append(pr.query, kv{paramCallback, cb})
		if len(req.CallbackVars) > 0 {
			vars, err := callbackwire.EncodeVars(req.CallbackVars)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
			}
			pr.query = append(pr.query, kv{paramCallbackVar, vars})
		}
	}

	p := &Presigned{Method: pr.method, Expires: exp}
	if req.ContentLength > 0 {
		p.ContentLength = req.ContentLength
	}
	for _, h := range pr.headers {
		if h.k == "content-length" {
			continue
		}
		if p.Header == nil {
			p.Header = make(map[string]string, len(pr.headers))
		}
		p.Header[h.k] = h.v
	}

	switch s.Version {
	case V4:
		p.URL = s.presignV4(&pr, req.Key, cr, t)
	case V1:
		p.URL = s.presignV1(&pr, req.Key, cr, exp)
	}
	return p, nil
}

// presignV4 returns the URL of pr signed with V4 query authentication
// (x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires,
// x-oss-additional-headers when there are additional headers,
// x-oss-security-token with STS, x-oss-signature).
func (s *Signer) presignV4(pr *presignedRequest, key string, cr Credentials, t time.Time) string {
	region := standardRegion(s.Region)
	var dtBuf [len(v4DateTimeLayout)]byte
	dateTime := string(t.AppendFormat(dtBuf[:0], v4DateTimeLayout))
	date := dateTime[:len(v4DateLayout)]
	cred := credentialV4(cr.AccessKeyID, date, region)

	q := pr.query
	if cr.SecurityToken != "" {
		q = append(q, kv{paramV4Token, cr.SecurityToken})
	}
	q = append(q,
		kv{paramV4Version, algorithmV4},
		kv{paramV4Date, dateTime},
		kv{paramV4Expires, strconv.FormatInt(pr.expires, 10)},
		kv{paramV4Credential, cred},
	)
	var additional string
	if pr.extra > 0 {
		names := make([]string, 0, pr.extra)
		for _, h := range pr.headers {
			if !defaultSignedV4(h.k) {
				names = append(names, h.k)
			}
		}
		additional = strings.Join(names, ";")
		q = append(q, kv{paramV4Additional, additional})
	}

	buf := s.canonicalRequestV4(make([]byte, 0, 512), pr, key, q, additional)
	crHash := sha256.Sum256(buf)
	// String to sign: algorithm, x-oss-date, scope, hex hash of the
	// canonical request.
	buf = append(buf[:0], algorithmV4+"\n"...)
	buf = append(buf, dateTime...)
	buf = append(buf, '\n')
	buf = append(buf, cred[len(cr.AccessKeyID)+1:]...) // <date>/<region>/oss/aliyun_v4_request
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, crHash[:])

	q = append(q, kv{paramV4Signature, s.v4Key(cr.AccessKeySecret, date, region).sign(buf)})
	return s.presignedURL(key, q)
}

// canonicalRequestV4 appends the V4 canonical request of pr with query q
// to buf: method, URI, query, headers, additional headers and payload
// hash, separated by "\n". The URI is /<bucket>/<key> even for
// virtual-hosted requests; the query is sorted by encoded name.
func (s *Signer) canonicalRequestV4(buf []byte, pr *presignedRequest, key string, q []kv, additional string) []byte {
	payload := v4UnsignedPayload
	buf = append(buf, pr.method...)
	buf = append(buf, "\n/"...)
	buf = appendEscaped(buf, s.Bucket, false)
	buf = append(buf, '/')
	buf = appendEscaped(buf, key, false)
	buf = append(buf, '\n')
	enc := make([]kv, len(q))
	for i, p := range q {
		enc[i] = kv{escape(p.k), escape(p.v)}
	}
	slices.SortFunc(enc, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for i, p := range enc {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, p.k...)
		if p.v != "" {
			buf = append(buf, '=')
			buf = append(buf, p.v...)
		}
	}
	buf = append(buf, '\n')
	for _, h := range pr.headers {
		buf = append(buf, h.k...)
		buf = append(buf, ':')
		buf = append(buf, h.v...)
		buf = append(buf, '\n')
		if h.k == "x-oss-content-sha256" {
			payload = h.v
		}
	}
	buf = append(buf, '\n')
	buf = append(buf, additional...)
	buf = append(buf, '\n')
	return append(buf, payload...)
}

func (s *Signer) presignV1(pr *presignedRequest, key string, cr Credentials, exp time.Time) string {
	q := pr.query
	if cr.SecurityToken != "" {
		q = append(q, kv{paramV1Token, cr.SecurityToken})
	}
	expires := strconv.FormatInt(exp.Unix(), 10)

	// StringToSign = VERB \n Content-MD5 \n Content-Type \n Expires \n
	// CanonicalizedOSSHeaders CanonicalizedResource, with the Unix expiry
	// where header authentication has the Date
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/ddd-signatures-to-urls).
	// Sub-resource values are signed as they are, not URL-encoded.
	var md5, ctype string
	for _, h := range pr.headers {
		switch h.k {
		case "content-md5":
			md5 = h.v
		case "content-type":
			ctype = h.v
		}
	}
	buf := make([]byte, 0, 512)
	buf = append(buf, pr.method...)
	buf = append(buf, '\n')
	buf = append(buf, md5...)
	buf = append(buf, '\n')
	buf = append(buf, ctype...)
	buf = append(buf, '\n')
	buf = append(buf, expires...)
	buf = append(buf, '\n')
	for _, h := range pr.headers {
		if strings.HasPrefix(h.k, "x-oss-") {
			buf = append(buf, h.k...)
			buf = append(buf, ':')
			buf = append(buf, h.v...)
			buf = append(buf, '\n')
		}
	}
	buf = append(buf, '/')
	buf = append(buf, s.Bucket...)
	buf = append(buf, '/')
	buf = append(buf, key...)
	signed := slices.Clone(q)
	slices.SortFunc(signed, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for i, p := range signed {
		if i == 0 {
			buf = append(buf, '?')
		} else {
			buf = append(buf, '&')
		}
		buf = append(buf, p.k...)
		if p.v != "" {
			buf = append(buf, '=')
			buf = append(buf, p.v...)
		}
	}
	m := hmac.New(sha1.New, []byte(cr.AccessKeySecret))
	m.Write(buf)
	var sum [sha1.Size]byte
	q = append(q,
		kv{paramV1Expires, expires},
		kv{paramV1KeyID, cr.AccessKeyID},
		kv{paramV1Signature, base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))},
	)
	return s.presignedURL(key, q)
}

// presignedURL is Host()/<escaped key>?<q sorted by name, escaped>.
func (s *Signer) presignedURL(key string, q []kv) string {
	slices.SortFunc(q, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	n := len(s.Endpoint) + len(s.Bucket) + len(s.Region) + 32 + len(key)*3/2
	for _, p := range q {
		n += len(p.k) + len(p.v) + 8
	}
	b := s.appendHost(make([]byte, 0, n))
	b = append(b, '/')
	b = appendEscaped(b, key, false)
	for i, p := range q {
		if i == 0 {
			b = append(b, '?')
		} else {
			b = append(b, '&')
		}
		b = appendEscaped(b, p.k, true)
		b = append(b, '=')
		b = appendEscaped(b, p.v, true)
	}
	return string(b)
}

// appendEscaped appends s percent-encoded as OSS's canonical forms want it:
// every byte except the RFC 3986 unreserved characters A-Z a-z 0-9 - . _ ~
// (and "/" unless all is set) as %XX with upper-case hex. Spaces become
// %20, never "+".
func appendEscaped(b []byte, s string, all bool) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && !all {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

func escape(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s, true))
		}
	}
	return s
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// defaultSignedV4 reports whether V4 signs a header whenever it is
// present: Content-Type, Content-MD5 and every x-oss-* header. Any other
// header is signed only when x-oss-additional-headers lists it.
func defaultSignedV4(lower string) bool {
	return lower == "content-type" || lower == "content-md5" || strings.HasPrefix(lower, "x-oss-")
}

// refusedHeader reports the headers a Request may not set in Header.
func refusedHeader(lower string) bool {
	switch lower {
	case "host", "content-length", "authorization", "date",
		"x-oss-date", "x-oss-security-token", "x-oss-callback", "x-oss-callback-var":
		return true
	}
	return false
}

// prepare validates r for a Signer of version v.
func (r *Request) prepare(v Version) (presignedRequest, error) {
	var pr presignedRequest
	switch pr.method = r.Method; pr.method {
	case "":
		pr.method = http.MethodPut
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
	default:
		return pr, invalid("Method %q is not GET, HEAD, PUT, POST or DELETE", r.Method)
	}
	if r.Key == "" {
		return pr, invalid("empty Key")
	}
	if err := checkKey("Key", r.Key); err != nil {
		return pr, err
	}
	exp, err := checkExpires(r.Expires, maxPresignExpires)
	if err != nil {
		return pr, err
	}
	pr.expires = int64(exp / time.Second)
	if err := r.prepareHeaders(v, &pr); err != nil {
		return pr, err
	}
	if pr.query, err = r.prepareQuery(v); err != nil {
		return pr, err
	}
	if _, err := checkCallbackVars(r.Callback, r.CallbackVars); err != nil {
		return pr, err
	}
	return pr, nil
}

// prepareHeaders validates the headers r signs (ContentType, ContentLength
// and Header) and sets pr.headers, sorted by lower-case name, and
// pr.extra.
func (r *Request) prepareHeaders(v Version, pr *presignedRequest) error {
	pr.headers = make([]kv, 0, len(r.Header)+2)
	if r.ContentType != "" {
		if !validContentType(r.ContentType) {
			return invalid("ContentType %q is not of the form type/subtype", r.ContentType)
		}
		pr.headers = append(pr.headers, kv{"content-type", strings.TrimSpace(r.ContentType)})
	}
	switch {
	case r.ContentLength < 0:
		return invalid("negative ContentLength %d", r.ContentLength)
	case r.ContentLength > 0 && v == V1:
		return invalid("ContentLength cannot be signed with V1 (only V4 signs additional headers)")
	case r.ContentLength > 0:
		pr.headers = append(pr.headers, kv{"content-length", strconv.FormatInt(r.ContentLength, 10)})
		pr.extra++
	}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		switch {
		case !token(name):
			return invalid("header name %q is not an HTTP token", name)
		case refusedHeader(lower):
			return invalid("header %q cannot be presigned (see Request.Header)", name)
		case lower == "content-type" && r.ContentType != "":
			return invalid("Content-Type given both as ContentType and in Header")
		case len(values) == 0:
			return invalid("header %q has no value", name)
		}
		if !defaultSignedV4(lower) {
			if v == V1 {
				return invalid("header %q cannot be signed with V1 (only Content-Type, Content-MD5 and x-oss-* are)", name)
			}
			if strings.IndexByte(lower, '_') >= 0 {
				// OSS refuses additional headers with "_" (EC 0002-00000078,
				// https://www.alibabacloud.com/help/en/oss/support/0002-00000078).
				return invalid("header %q contains \"_\", which OSS refuses in x-oss-additional-headers", name)
			}
			pr.extra++
		}
		trimmed := make([]string, len(values))
		for i, val := range values {
			if !printable(val) {
				return invalid("header %q has a control character or invalid UTF-8", name)
			}
			trimmed[i] = strings.TrimSpace(val)
		}
		pr.headers = append(pr.headers, kv{lower, strings.Join(trimmed, ",")})
	}
	slices.SortFunc(pr.headers, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for i := 1; i < len(pr.headers); i++ {
		if pr.headers[i].k == pr.headers[i-1].k {
			return invalid("header %q is given twice (names are case-insensitive)", pr.headers[i].k)
		}
	}
	return nil
}

// prepareQuery validates r.Query and returns its parameters, with room
// for the ones the signature adds.
func (r *Request) prepareQuery(v Version) ([]kv, error) {
	q := make([]kv, 0, len(r.Query)+9)
	for name, values := range r.Query {
		switch {
		case name == "":
			return nil, invalid("empty query parameter name")
		case reservedParam(name):
			return nil, invalid("query parameter %q is set by Presign", name)
		case len(values) != 1:
			return nil, invalid("query parameter %q has %d values, want 1", name, len(values))
		case !utf8.ValidString(name) || !utf8.ValidString(values[0]):
			return nil, invalid("query parameter %q is not valid UTF-8", name)
		case v == V1 && !v1Signed(name):
			return nil, invalid("query parameter %q is not a sub-resource V1 signs, so a client could change it", name)
		}
		q = append(q, kv{name, values[0]})
	}
	return q, nil
}
