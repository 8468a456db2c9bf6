package signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// algorithmV4 is the value of the x-oss-signature-version form field and
// query parameter for V4 signatures.
const algorithmV4 = "OSS4-HMAC-SHA256"

// Time layouts of the V4 fields (docs/PROTOCOL.md#post-signature-v4):
// x-oss-date and the date in x-oss-credential and the signing key. Both are
// UTC.
const (
	v4DateTimeLayout = "20060102T150405Z"
	v4DateLayout     = "20060102"
)

// signV1 returns the V1 PostObject signature of an encoded policy,
// Base64(HMAC-SHA1(secret, encodedPolicy)). encodedPolicy is the exact
// Base64 text sent in the policy field; signing any other serialisation of
// the same JSON gives a signature OSS refuses.
func signV1(secret, encodedPolicy string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(encodedPolicy))
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))
}

// signingKeyV4 derives the V4 signing key for secret on date (yyyymmdd) in
// region (already standardRegion'd):
//
//	kDate    = HMAC-SHA256("aliyun_v4" + secret, yyyymmdd)
//	kRegion  = HMAC-SHA256(kDate, region)
//	kService = HMAC-SHA256(kRegion, "oss")
//	kSigning = HMAC-SHA256(kService, "aliyun_v4_request")
//
// A V4 POST signature is then the lower-case hex HMAC-SHA256 of the Base64
// policy text under this key: unlike header signing there is no canonical
// request.
func signingKeyV4(secret, date, region string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "oss")
	return hmacSHA256(k, "aliyun_v4_request")
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// credentialV4 returns the x-oss-credential value
// "<accessKeyID>/<yyyymmdd>/<region>/oss/aliyun_v4_request".
func credentialV4(accessKeyID, date, region string) string {
	return accessKeyID + "/" + date + "/" + region + "/oss/aliyun_v4_request"
}

// standardRegion returns the bare region id V4 signatures use: region
// without a leading "oss-" ("oss-cn-hangzhou" -> "cn-hangzhou"). OSS
// endpoints spell the region with the prefix, the V4 scope without it, and a
// key derived for "oss-cn-hangzhou" never matches what OSS computes (ali-oss
// getStandardRegion strips it too).
func standardRegion(region string) string {
	return strings.TrimPrefix(region, "oss-")
}
