package signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// AlgorithmV4 is the value of the x-oss-signature-version form field and
// policy condition for V4 signatures
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
const AlgorithmV4 = "OSS4-HMAC-SHA256"

// Time layouts of the V4 fields (docs/PROTOCOL.md#post-signature-v4):
// x-oss-date and the date in x-oss-credential and the signing key. Both are
// UTC.
const (
	v4DateTimeLayout = "20060102T150405Z"
	v4DateLayout     = "20060102"
)

// SignV1 returns the V1 PostObject signature of an encoded policy:
// Base64(HMAC-SHA1(secret, encodedPolicy))
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-1).
// encodedPolicy is the exact Base64 text sent in the policy field; signing
// any other serialisation of the same JSON gives a signature OSS refuses.
func SignV1(secret, encodedPolicy string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(encodedPolicy))
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))
}

// SigningKeyV4 derives the V4 signing key for secret on t's UTC date in
// region
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend):
//
//	kDate    = HMAC-SHA256("aliyun_v4" + secret, yyyymmdd)
//	kRegion  = HMAC-SHA256(kDate, region)
//	kService = HMAC-SHA256(kRegion, "oss")
//	kSigning = HMAC-SHA256(kService, "aliyun_v4_request")
//
// region is the bare region id; a leading "oss-" (the endpoint spelling,
// "oss-cn-hangzhou") is stripped first, as ali-oss does, because a key
// derived for "oss-cn-hangzhou" never matches what OSS computes.
func SigningKeyV4(secret string, t time.Time, region string) []byte {
	var date [len(v4DateLayout)]byte
	return signingKeyV4(secret, string(t.UTC().AppendFormat(date[:0], v4DateLayout)), StandardRegion(region))
}

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

// SignV4 returns the V4 PostObject signature of an encoded policy: lower-case
// hex of HMAC-SHA256(SigningKeyV4(secret, t, region), encodedPolicy)
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
// Unlike header signing there is no canonical request: the Base64 policy text
// itself is the string to sign. t must be the instant sent as x-oss-date;
// only its UTC date enters the key.
func SignV4(secret, region string, t time.Time, encodedPolicy string) string {
	return signWithKeyV4(SigningKeyV4(secret, t, region), encodedPolicy)
}

func signWithKeyV4(key []byte, encodedPolicy string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(encodedPolicy))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// CredentialV4 returns the x-oss-credential value
// "<accessKeyID>/<yyyymmdd>/<region>/oss/aliyun_v4_request" for t's UTC date
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend),
// with region normalised by StandardRegion.
func CredentialV4(accessKeyID string, t time.Time, region string) string {
	var date [len(v4DateLayout)]byte
	return credentialV4(accessKeyID, string(t.UTC().AppendFormat(date[:0], v4DateLayout)), StandardRegion(region))
}

func credentialV4(accessKeyID, date, region string) string {
	return accessKeyID + "/" + date + "/" + region + "/oss/aliyun_v4_request"
}

// StandardRegion returns the bare region id V4 signatures use: region without
// a leading "oss-" ("oss-cn-hangzhou" -> "cn-hangzhou"). OSS endpoints spell
// the region with the prefix, the V4 scope without it
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend;
// ali-oss getStandardRegion does the same).
func StandardRegion(region string) string {
	return strings.TrimPrefix(region, "oss-")
}
