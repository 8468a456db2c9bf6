package osstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Request authentication for every operation but PostObject: a signature
// in the Authorization header or in the query string, V1 (HMAC-SHA1) or V4
// (OSS4-HMAC-SHA256). This is an implementation of its own, written from
// OSS's documentation, not shared with package signer, so that each checks
// the other:
//
//   - V1 header: https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header
//   - V1 query: https://www.alibabacloud.com/help/en/oss/developer-reference/ddd-signatures-to-urls
//   - V4 header: https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4
//   - V4 query: https://www.alibabacloud.com/help/en/oss/developer-reference/add-signatures-to-urls
const (
	v4UnsignedPayload = "UNSIGNED-PAYLOAD"
	// v4MaxExpires is the longest x-oss-expires OSS accepts: 7 days.
	v4MaxExpires = 604800
	// headerMaxSkew is how far the Date (V1) or x-oss-date (V4) of a
	// header-signed request may be from the server's clock.
	headerMaxSkew = 15 * time.Minute
)

// Query parameters of V1 and V4 query authentication.
const (
	qAccessKeyID   = "OSSAccessKeyId"
	qExpires       = "Expires"
	qSignature     = "Signature"
	qSecurityToken = "security-token" // V1 STS token
	qV4Expires     = "x-oss-expires"
	qV4Additional  = "x-oss-additional-headers"
)

// v1SubResources are the query parameters V1 puts in the
// CanonicalizedResource (besides every x-oss-* parameter); others, such as
// OSSAccessKeyId, are not signed.
var v1SubResources = map[string]bool{
	"acl": true, "append": true, "bucketInfo": true, "callback": true, "callback-var": true,
	"continuation-token": true, "cors": true, "delete": true, "lifecycle": true, "location": true,
	"logging": true, "objectMeta": true, "partNumber": true, "position": true, "referer": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-content-type": true, "response-expires": true,
	"restore": true, qSecurityToken: true, "sequential": true, "stat": true, "symlink": true,
	"tagging": true, "uploadId": true, "uploads": true, "versionId": true, "versioning": true,
	"versions": true, "website": true,
}

// authenticateRequest checks the signature of a request that addresses
// key in bucket and returns the key that signed it (the zero AccessKey for
// an anonymous request to a public-read-write bucket).
func (e *Emulator) authenticateRequest(r *http.Request, bucket, key string) (AccessKey, *ossError) {
	now := e.now()
	q := r.URL.Query()
	authz := r.Header.Get("Authorization")
	inQuery := v4InQuery(q) || v1InQuery(q)
	switch {
	case authz != "" && inQuery:
		// OSS documents no answer for both at once; refusing is the only
		// choice that cannot let one signature pass and the other be
		// believed [inferred].
		return AccessKey{}, newErr(400, "InvalidArgument", "Only one auth mechanism allowed; only the signature query string parameter or the Authorization header should be specified.")
	case strings.HasPrefix(authz, v4Algorithm+" "):
		return e.checkV4Header(r, bucket, key, now)
	case strings.HasPrefix(authz, "OSS "):
		return e.checkV1Header(r, bucket, key, now)
	case authz != "":
		return AccessKey{}, errAuthorizationHeader(authz)
	case v4InQuery(q):
		return e.checkV4Query(r, bucket, key, now)
	case inQuery:
		return e.checkV1Query(r, bucket, key, now)
	case e.bucketACL() == aclPublicReadWrite:
		return AccessKey{}, nil
	}
	return AccessKey{}, newErr(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
}

// errSignatureFor is SignatureDoesNotMatch with the server's string to
// sign (and, for V4, canonical request), which OSS returns so that a
// client can compare them with its own.
func errSignatureFor(stringToSign, canonicalRequest string) *ossError {
	oe := errSignature()
	oe.stringToSign, oe.canonicalRequest = stringToSign, canonicalRequest
	return oe
}

func errAuthorizationHeader(authz string) *ossError {
	return newErr(400, "InvalidArgument", "Authorization header is invalid.").withArg("Authorization", authz)
}

func errTooSkewed(name, value string) *ossError {
	return newErr(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.").withArg(name, value)
}

// errURLExpired: EC 0002-00000069, a signed URL used after its expiry
// (https://www.alibabacloud.com/help/en/oss/support/0002-00000069).
func errURLExpired() *ossError {
	return newErr(403, "AccessDenied", "Request has expired.").withEC("0002-00000069")
}

// checkV1Header verifies "Authorization: OSS <id>:<signature>".
func (e *Emulator) checkV1Header(r *http.Request, bucket, key string, now time.Time) (AccessKey, *ossError) {
	authz := r.Header.Get("Authorization")
	id, sig, ok := strings.Cut(strings.TrimPrefix(authz, "OSS "), ":")
	if !ok || id == "" || sig == "" {
		return AccessKey{}, errAuthorizationHeader(authz)
	}
	date, oe := v1RequestDate(r.Header, now)
	if oe != nil {
		return AccessKey{}, oe
	}
	ak, oe := e.lookupKey(id, r.Header.Get(fieldSecurityToken), now)
	if oe != nil {
		return ak, oe
	}
	sts := v1StringToSign(r, date, bucket, key)
	if !hmac.Equal([]byte(signV1(ak.Secret, sts)), []byte(sig)) {
		return ak, errSignatureFor(sts, "")
	}
	return ak, nil
}

// v1RequestDate checks the request time of a V1 header signature and
// returns the date line of its string to sign. A client that cannot set
// Date (a browser; ali-oss everywhere) sends x-oss-date instead, RFC 1123
// or ISO 8601, and signs it on the date line as well as among the x-oss-*
// headers; OSS takes either header
// (https://www.alibabacloud.com/help/en/oss/support/0002-00000503). With
// both, x-oss-date is the request time and Date the date line, as the V1
// formula names it [inferred].
func v1RequestDate(h http.Header, now time.Time) (string, *ossError) {
	date, xdate := h.Get("Date"), h.Get("X-Oss-Date")
	name, value := "Date", date
	if xdate != "" {
		name, value = fieldDate, xdate
	}
	if value == "" {
		return "", errNoDate()
	}
	t, err := http.ParseTime(value)
	if err != nil && name == fieldDate {
		t, err = time.Parse(v4DateFmt, value)
	}
	if err != nil {
		return "", newErr(403, "AccessDenied", "Invalid date format of the "+name+" header.").withEC("0002-00000502").withArg(name, value)
	}
	if t.Before(now.Add(-headerMaxSkew)) || t.After(now.Add(headerMaxSkew)) {
		return "", errTooSkewed(name, value)
	}
	if date == "" {
		return xdate, nil
	}
	return date, nil
}

// errNoDate: EC 0002-00000503, a header signature without Date or
// x-oss-date.
func errNoDate() *ossError {
	return newErr(403, "AccessDenied", "The request does not contain a valid Date or x-oss-date header.").withEC("0002-00000503")
}

// v4RequestDate returns the V4 timestamp of a header signature:
// x-oss-date (ISO 8601), or, without it, the Date header (GMT) in ISO 8601
// form, which is then what the string to sign carries; OSS takes either
// header (https://www.alibabacloud.com/help/en/oss/support/0002-00000502,
// 0002-00000503).
func v4RequestDate(h http.Header) (string, *ossError) {
	if xdate := h.Get("X-Oss-Date"); xdate != "" {
		return xdate, nil // checkCredential checks its format
	}
	date := h.Get("Date")
	if date == "" {
		return "", errNoDate()
	}
	t, err := time.Parse(http.TimeFormat, date)
	if err != nil {
		return "", newErr(400, "InvalidArgument", "The Date header is not a GMT date.").withEC("0002-00000502").withArg("Date", date)
	}
	return t.UTC().Format(v4DateFmt), nil
}

// checkV1Query verifies OSSAccessKeyId, Expires and Signature in the
// query; Expires, a Unix time, takes the place of the Date.
func (e *Emulator) checkV1Query(r *http.Request, bucket, key string, now time.Time) (AccessKey, *ossError) {
	q := r.URL.Query()
	for _, name := range []string{qAccessKeyID, qExpires, qSignature} {
		if q.Get(name) == "" {
			return AccessKey{}, newErr(400, "InvalidArgument", "The query parameter "+name+" is missing or empty.").withArg(name, q.Get(name))
		}
	}
	exp, err := strconv.ParseInt(q.Get(qExpires), 10, 64)
	if err != nil || exp < 0 {
		// EC 0002-00000070: Expires is not a Unix time.
		return AccessKey{}, newErr(400, "InvalidArgument", "The Expires parameter is invalid.").withEC("0002-00000070").withArg(qExpires, q.Get(qExpires))
	}
	if now.Unix() > exp {
		return AccessKey{}, errURLExpired()
	}
	ak, oe := e.lookupKey(q.Get(qAccessKeyID), q.Get(qSecurityToken), now)
	if oe != nil {
		return ak, oe
	}
	sts := v1StringToSign(r, q.Get(qExpires), bucket, key)
	if !hmac.Equal([]byte(signV1(ak.Secret, sts)), []byte(q.Get(qSignature))) {
		return ak, errSignatureFor(sts, "")
	}
	return ak, nil
}

// v1StringToSign is VERB, Content-MD5, Content-Type, the date (Date or
// Expires), CanonicalizedOSSHeaders and CanonicalizedResource.
func v1StringToSign(r *http.Request, date, bucket, key string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(r.Header.Get("Content-Md5") + "\n")
	b.WriteString(r.Header.Get("Content-Type") + "\n")
	b.WriteString(date + "\n")
	for _, name := range ossHeaderNames(r.Header) {
		b.WriteString(name + ":" + joinedValues(r.Header, name) + "\n")
	}
	b.WriteString(canonicalPath(bucket, key))
	q := r.URL.Query()
	var names []string
	for name := range q {
		if v1SubResources[name] || strings.HasPrefix(name, "x-oss-") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for i, name := range names {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		if v := q.Get(name); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

// canonicalPath is "/<bucket>/<key>" for V1's CanonicalizedResource and,
// percent-encoded, V4's canonical URI; "/" when no bucket is addressed.
func canonicalPath(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + key
}

// ossHeaderNames returns the lower-cased x-oss-* header names, sorted.
func ossHeaderNames(h http.Header) []string {
	var names []string
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-oss-") {
			names = append(names, l)
		}
	}
	sort.Strings(names)
	return names
}

// joinedValues is a header's values, each trimmed, joined by commas.
func joinedValues(h http.Header, name string) string {
	vs := h.Values(name)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.TrimSpace(v)
	}
	return strings.Join(out, ",")
}

// v4Params are the parts of a V4 signature, from the Authorization header
// or the query.
type v4Params struct {
	credential string
	date       string // x-oss-date
	additional []string
	signature  string
}

// checkV4Header verifies "Authorization: OSS4-HMAC-SHA256
// Credential=…,AdditionalHeaders=…,Signature=…" with x-oss-date and
// x-oss-content-sha256 headers.
func (e *Emulator) checkV4Header(r *http.Request, bucket, key string, now time.Time) (AccessKey, *ossError) {
	authz := r.Header.Get("Authorization")
	var p v4Params
	for _, item := range strings.Split(strings.TrimPrefix(authz, v4Algorithm+" "), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(item), "=")
		switch name {
		case "Credential":
			p.credential = value
		case "AdditionalHeaders":
			if value == "" {
				// EC 0002-00000209: AdditionalHeaders present but empty.
				return AccessKey{}, newErr(400, "InvalidArgument", "The AdditionalHeaders in the Authorization header is empty.").withEC("0002-00000209").withArg("Authorization", authz)
			}
			p.additional = strings.Split(value, ";")
		case "Signature":
			p.signature = value
		default:
			return AccessKey{}, errAuthorizationHeader(authz)
		}
	}
	if p.credential == "" || p.signature == "" {
		return AccessKey{}, errAuthorizationHeader(authz)
	}
	var oe *ossError
	// EC 0002-00000214: the payload hash must be UNSIGNED-PAYLOAD
	// (https://www.alibabacloud.com/help/en/oss/support/0002-00000214).
	if v := r.Header.Get("X-Oss-Content-Sha256"); v != v4UnsignedPayload {
		return AccessKey{}, newErr(400, "InvalidArgument", "The x-oss-content-sha256 header is missing or invalid.").withEC("0002-00000214").withArg("x-oss-content-sha256", v)
	}
	if p.date, oe = v4RequestDate(r.Header); oe != nil {
		return AccessKey{}, oe
	}
	id, date, t, oe := e.checkCredential(p.credential, p.date)
	if oe != nil {
		return AccessKey{}, oe
	}
	if t.Before(now.Add(-headerMaxSkew)) || t.After(now.Add(headerMaxSkew)) {
		return AccessKey{}, errTooSkewed(fieldDate, p.date)
	}
	ak, oe := e.lookupKey(id, r.Header.Get(fieldSecurityToken), now)
	if oe != nil {
		return ak, oe
	}
	return ak, e.checkV4Signature(r, bucket, key, ak, date, p, "")
}

// checkV4Query verifies x-oss-signature-version, x-oss-credential,
// x-oss-date, x-oss-expires, x-oss-additional-headers and x-oss-signature
// in the query.
func (e *Emulator) checkV4Query(r *http.Request, bucket, key string, now time.Time) (AccessKey, *ossError) {
	q := r.URL.Query()
	if v := q.Get(fieldSigVersion); v != v4Algorithm {
		return AccessKey{}, errSignatureVersion(v)
	}
	// EC 0002-00000215 and 0002-00000216: x-oss-expires missing or empty.
	if !q.Has(qV4Expires) {
		return AccessKey{}, newErr(400, "InvalidArgument", "The x-oss-expires parameter is missing.").withEC("0002-00000215")
	}
	if q.Get(qV4Expires) == "" {
		return AccessKey{}, newErr(400, "InvalidArgument", "The x-oss-expires parameter is empty.").withEC("0002-00000216")
	}
	for _, name := range []string{fieldCredential, fieldDate, fieldV4Signature} {
		if q.Get(name) == "" {
			return AccessKey{}, newErr(400, "InvalidArgument", "The query parameter "+name+" is missing or empty.").withArg(name, "")
		}
	}
	// x-oss-expires is a duration from x-oss-date, 1 to 604800 seconds.
	expires, err := strconv.Atoi(q.Get(qV4Expires))
	if err != nil || expires < 1 || expires > v4MaxExpires {
		return AccessKey{}, newErr(400, "InvalidArgument", "The x-oss-expires parameter is invalid.").withEC("0002-00000070").withArg(qV4Expires, q.Get(qV4Expires))
	}
	p := v4Params{credential: q.Get(fieldCredential), date: q.Get(fieldDate), signature: q.Get(fieldV4Signature)}
	if v, ok := q[qV4Additional]; ok {
		if v[0] == "" {
			// https://www.alibabacloud.com/help/en/oss/support/0002-00000076
			return AccessKey{}, newErr(400, "InvalidArgument", "The x-oss-additional-headers parameter is empty.").withEC("0002-00000076").withArg(qV4Additional, "")
		}
		p.additional = strings.Split(v[0], ";")
		for _, name := range p.additional {
			// A header the URL signs must come with the request
			// (https://www.alibabacloud.com/help/en/oss/support/0002-00000077);
			// the Go SDK v2's TestPresignExtra expects 400.
			if _, ok := r.Header[http.CanonicalHeaderKey(name)]; !ok && !strings.EqualFold(name, "host") {
				return AccessKey{}, newErr(400, "InvalidArgument", "The request lacks the header "+name+" that x-oss-additional-headers names.").withEC("0002-00000077").withArg(qV4Additional, v[0])
			}
		}
	}
	id, date, t, oe := e.checkCredential(p.credential, p.date)
	if oe != nil {
		return AccessKey{}, oe
	}
	if t.After(now.Add(headerMaxSkew)) {
		return AccessKey{}, errTooSkewed(fieldDate, p.date)
	}
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return AccessKey{}, errURLExpired()
	}
	ak, oe := e.lookupKey(id, q.Get(fieldSecurityToken), now)
	if oe != nil {
		return ak, oe
	}
	return ak, e.checkV4Signature(r, bucket, key, ak, date, p, fieldV4Signature)
}

// checkV4Signature recomputes the V4 signature; skipParam is the query
// parameter that carries the signature itself and is not signed.
func (e *Emulator) checkV4Signature(r *http.Request, bucket, key string, ak AccessKey, date string, p v4Params, skipParam string) *ossError {
	canonical := v4CanonicalRequest(r, bucket, key, p.additional, skipParam)
	sum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + e.region + "/oss/" + v4Terminal
	sts := v4Algorithm + "\n" + p.date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	if !hmac.Equal([]byte(e.v4keys.sign(ak.Secret, e.region, date, sts)), []byte(p.signature)) {
		return errSignatureFor(sts, canonical)
	}
	return nil
}

// v4CanonicalRequest is VERB, canonical URI, canonical query, canonical
// headers, additional header names and the payload hash, one per line.
// Every x-oss-* header present is signed, and Content-Type and
// Content-MD5 when present, whether or not the signer meant to: that is
// why a browser that adds a Content-Type the presigner did not expect
// gets SignatureDoesNotMatch.
func v4CanonicalRequest(r *http.Request, bucket, key string, additional []string, skipParam string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(uriEncode(canonicalPath(bucket, key), false) + "\n")

	type pair struct{ k, v string }
	var pairs []pair
	for _, item := range strings.Split(r.URL.RawQuery, "&") {
		if item == "" {
			continue
		}
		k, v, _ := strings.Cut(item, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if k == skipParam {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if p.v != "" {
			b.WriteString("=" + p.v)
		}
	}
	b.WriteByte('\n')

	signed := map[string]bool{}
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-oss-") || l == "content-type" || l == "content-md5" {
			signed[l] = true
		}
	}
	for _, name := range additional {
		l := strings.ToLower(name)
		if l == "host" || r.Header.Get(l) != "" {
			signed[l] = true
		}
	}
	names := make([]string, 0, len(signed))
	for name := range signed {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := joinedValues(r.Header, name)
		if name == "host" {
			v = r.Host
		}
		b.WriteString(name + ":" + v + "\n")
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(additional, ";") + "\n")
	payload := r.Header.Get("X-Oss-Content-Sha256")
	if payload == "" {
		payload = v4UnsignedPayload
	}
	b.WriteString(payload)
	return b.String()
}

// queryUnescape decodes a query component, "+" as a space; a malformed
// escape is kept as it is (the signature will then not match).
func queryUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// uriEncode percent-encodes every byte but the unreserved characters
// A–Z a–z 0–9 - . _ ~ (and "/" unless encodeSlash), with upper-case hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// isSigned reports whether r carries a header or query signature.
func isSigned(r *http.Request) bool {
	q := r.URL.Query()
	return r.Header.Get("Authorization") != "" || v4InQuery(q) || v1InQuery(q)
}

// v4InQuery and v1InQuery report whether a query carries any parameter of
// a V4 or a V1 query signature.
func v4InQuery(q url.Values) bool {
	return q.Has(fieldSigVersion) || q.Has(fieldCredential) || q.Has(fieldV4Signature)
}

func v1InQuery(q url.Values) bool { return q.Has(qAccessKeyID) || q.Has(qSignature) }

// authenticateOwner checks a request only the bucket's owner may make (its
// ACL, CORS rules, tags, versioning, information, deletion): it must be
// signed, even on a public-read-write bucket, whose ACL opens its objects,
// not its settings
// (https://www.alibabacloud.com/help/en/oss/user-guide/bucket-acl).
func (e *Emulator) authenticateOwner(r *http.Request) *ossError {
	if !isSigned(r) {
		return newErr(403, "AccessDenied", "You have no right to access this bucket.")
	}
	_, oe := e.authenticateRequest(r, e.bucket, "")
	return oe
}
