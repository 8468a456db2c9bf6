package osstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// Form field names (lower-cased; matching is case-insensitive,
// docs/PROTOCOL.md#form-upload).
const (
	fieldAccessKeyID   = "ossaccesskeyid"
	fieldPolicy        = "policy"
	fieldSignature     = "signature"
	fieldSigVersion    = "x-oss-signature-version"
	fieldCredential    = "x-oss-credential"
	fieldDate          = "x-oss-date"
	fieldV4Signature   = "x-oss-signature"
	fieldSecurityToken = "x-oss-security-token"
)

const (
	v4Algorithm = "OSS4-HMAC-SHA256"
	v4Terminal  = "aliyun_v4_request"
	v4DateFmt   = "20060102T150405Z"

	// V4 time windows [inferred from two statements of the V4 signature
	// page, docs/PROTOCOL.md#post-signature-v4]:
	// x-oss-date may be at most 15 min ahead of the server clock, and the
	// signature is honoured for at most 7 days after it.
	v4MaxSkew = 15 * time.Minute
	v4MaxAge  = 7 * 24 * time.Hour
)

// auth is the outcome of authentication; an anonymous upload to a
// public-read-write bucket has the zero AccessKey and no policy.
type auth struct {
	key    AccessKey
	policy *policy.Policy
}

// authenticate runs steps 3–7 of docs/PROTOCOL.md#check-order: field
// completeness, policy decoding, signature (V1 or V4) with access key and STS
// checks, then expiration and conditions via postpolicy.Check.
func (e *Emulator) authenticate(f *form, bucket string) (*auth, *ossError) {
	now := e.now()
	v4 := f.has(fieldSigVersion) || f.has(fieldCredential) || f.has(fieldV4Signature)
	v1 := f.has(fieldAccessKeyID) || f.has(fieldSignature) || f.has(fieldPolicy)

	// Step 3: completeness.
	switch {
	case v4:
		if oe := requireV4(f); oe != nil {
			return nil, oe
		}
	case v1:
		if oe := requireV1(f); oe != nil {
			return nil, oe
		}
	default:
		if e.bucketACL() == aclPublicReadWrite {
			return &auth{}, nil
		}
		return nil, newErr(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
	}

	// Step 4: the policy document.
	pol, err := postpolicy.Decode(f.get(fieldPolicy))
	if err != nil {
		return nil, policyError(err)
	}

	// Step 5: who signed, and did they sign this policy.
	var key AccessKey
	var oe *ossError
	if v4 {
		key, oe = e.checkV4(f, pol, now)
	} else {
		key, oe = e.checkV1(f, now)
	}
	if oe != nil {
		return nil, oe
	}

	// Steps 6–7: expiration, then conditions on the raw values.
	if err := postpolicy.Check(pol, now, bucket, f.rawFields()); err != nil {
		return nil, policyError(err)
	}
	return &auth{key: key, policy: pol}, nil
}

func emptyField(f *form, name, what, ecMissing, ecEmpty string) *ossError {
	if !f.has(name) {
		return newErr(400, "InvalidArgument", "Post request "+what+" is empty.").withEC(ecMissing)
	}
	if f.get(name) == "" {
		return newErr(400, "InvalidArgument", "Post request "+what+" is empty.").withEC(ecEmpty)
	}
	return nil
}

// requireV1: if any of OSSAccessKeyId, policy, Signature is present, all
// three are required (docs/PROTOCOL.md#form-upload). Messages from the 400
// error catalogue (docs/PROTOCOL.md#post-signature-v1). The EC pages
// 0002-00000706 and 0002-00000707 document a missing and an empty AccessKey
// ID in a PostObject; the policy message and the other EC pairings follow
// that pattern [inferred].
func requireV1(f *form) *ossError {
	if oe := emptyField(f, fieldAccessKeyID, "accessKeyId", "0002-00000706", "0002-00000707"); oe != nil {
		return oe
	}
	if oe := emptyField(f, fieldPolicy, "policy", "0002-00000702", "0006-00000205"); oe != nil {
		return oe
	}
	return emptyField(f, fieldSignature, "signature", "0002-00000703", "0002-00000704")
}

// requireV4 checks the V4 quartet plus policy
// (docs/PROTOCOL.md#post-signature-v4).
func requireV4(f *form) *ossError {
	if oe := emptyField(f, fieldSigVersion, "x-oss-signature-version", "", ""); oe != nil {
		return oe
	}
	if v := f.get(fieldSigVersion); v != v4Algorithm {
		return errSignatureVersion(v)
	}
	if oe := emptyField(f, fieldCredential, "x-oss-credential", "", ""); oe != nil {
		return oe
	}
	if oe := emptyField(f, fieldDate, "x-oss-date", "", ""); oe != nil {
		return oe
	}
	if oe := emptyField(f, fieldPolicy, "policy", "0002-00000702", "0006-00000205"); oe != nil {
		return oe
	}
	return emptyField(f, fieldV4Signature, "signature", "0002-00000703", "0002-00000704")
}

func policyError(err error) *ossError {
	var pe *postpolicy.Error
	if errors.As(err, &pe) {
		return &ossError{status: pe.Status, code: pe.Code, message: pe.Message, ec: pe.EC}
	}
	return newErr(400, "InvalidPolicyDocument", "Invalid Policy: "+err.Error())
}

func errSignature() *ossError {
	return newErr(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.").withEC("0002-00000705")
}

// errSignatureVersion: EC 0002-00000701, an x-oss-signature-version other
// than OSS4-HMAC-SHA256, in a form or a query.
func errSignatureVersion(v string) *ossError {
	return newErr(400, "InvalidArgument", "Invalid signature version.").withEC("0002-00000701").withArg(fieldSigVersion, v)
}

// codeInvalidAccessKeyID is the code of an AccessKey ID OSS does not know.
const codeInvalidAccessKeyID = "InvalidAccessKeyId"

func errInvalidAccessKeyID(id string) *ossError {
	return newErr(403, codeInvalidAccessKeyID, "The OSS Access Key Id you provided does not exist in our records.").withArg("OSSAccessKeyId", id)
}

// errInvalidSecurityToken: EC 0002-00000006
// (https://www.alibabacloud.com/help/en/oss/support/0002-00000006).
func errInvalidSecurityToken() *ossError {
	return newErr(403, "InvalidSecurityToken", "The security token you provided is invalid.").withEC("0002-00000006")
}

// lookupKey finds the access key and checks the STS token sent with it
// and its expiry (docs/PROTOCOL.md#form-fields, #postobject-errors).
func (e *Emulator) lookupKey(id, token string, now time.Time) (AccessKey, *ossError) {
	key, ok := e.keyByID[id]
	if !ok {
		return AccessKey{}, errInvalidAccessKeyID(id)
	}
	switch {
	case key.SecurityToken == "" && token != "":
		// An empty token with a permanent key is what the official
		// Python example sends and is accepted (docs/PROTOCOL.md#form-fields).
		return AccessKey{}, errInvalidSecurityToken()
	case key.SecurityToken != "" && token == "":
		// An STS AccessKey id without its token is unknown (PostObject page).
		return AccessKey{}, errInvalidAccessKeyID(id)
	case key.SecurityToken != "" && !hmac.Equal([]byte(token), []byte(key.SecurityToken)):
		if _, other := e.tokens[token]; other {
			// EC 0002-00000004 (https://www.alibabacloud.com/help/en/oss/support/0002-00000004).
			return AccessKey{}, newErr(403, "AccessKeyIdAndSecurityTokenNotMatch", "The OSS access key id and security token you provided does not match.").withEC("0002-00000004")
		}
		return AccessKey{}, errInvalidSecurityToken()
	}
	if !key.Expires.IsZero() && !now.Before(key.Expires) {
		if key.SecurityToken != "" {
			// EC 0002-00000007 (https://www.alibabacloud.com/help/en/oss/support/0002-00000007).
			return AccessKey{}, newErr(403, "SecurityTokenExpired", "The security token you provided has expired.").withEC("0002-00000007")
		}
		return AccessKey{}, errInvalidAccessKeyID(id)
	}
	return key, nil
}

// checkV1 verifies Signature = base64(HMAC-SHA1(secret, policy field))
// (docs/PROTOCOL.md#post-signature-v1).
func (e *Emulator) checkV1(f *form, now time.Time) (AccessKey, *ossError) {
	key, oe := e.lookupKey(f.get(fieldAccessKeyID), f.get(fieldSecurityToken), now)
	if oe != nil {
		return key, oe
	}
	if !hmac.Equal([]byte(signV1(key.Secret, f.get(fieldPolicy))), []byte(f.get(fieldSignature))) {
		return key, errSignature()
	}
	return key, nil
}

// checkV4 verifies the V4 fields (docs/PROTOCOL.md#post-signature-v4):
// credential shape, date and region consistency, the time window, the key,
// the signature, and that the policy pins the V4 fields (and the STS token).
func (e *Emulator) checkV4(f *form, pol *policy.Policy, now time.Time) (AccessKey, *ossError) {
	id, date, t, oe := e.checkCredential(f.get(fieldCredential), f.get(fieldDate))
	if oe != nil {
		return AccessKey{}, oe
	}
	xdate := f.get(fieldDate)
	if t.After(now.Add(v4MaxSkew)) {
		return AccessKey{}, errTooSkewed(fieldDate, xdate)
	}
	if now.After(t.Add(v4MaxAge)) {
		return AccessKey{}, newErr(403, "AccessDenied", "Request has expired.").withArg(fieldDate, xdate)
	}
	key, oe := e.lookupKey(id, f.get(fieldSecurityToken), now)
	if oe != nil {
		return key, oe
	}
	// The V4 POST signature is the Base64 policy signed directly with the
	// derived key, no canonical request (docs/PROTOCOL.md#post-signature-v4).
	if !hmac.Equal([]byte(e.v4keys.sign(key.Secret, e.region, date, f.get(fieldPolicy))), []byte(f.get(fieldV4Signature))) { // v4key.go
		return key, errSignature()
	}
	required := []string{fieldSigVersion, fieldCredential, fieldDate}
	if key.SecurityToken != "" {
		required = append(required, fieldSecurityToken)
	}
	for _, name := range required {
		if !policyMentions(pol, name) {
			return key, newErr(400, "InvalidPolicyDocument", "Invalid Policy: "+name+" must be specified in the policy conditions when the V4 signature is used.")
		}
	}
	return key, nil
}

// checkCredential checks a V4 credential
// "<id>/<date>/<region>/oss/aliyun_v4_request" and the x-oss-date it must
// agree with (docs/PROTOCOL.md#post-signature-v4), for forms, headers and
// queries alike, and returns the access key id, the sign date and the parsed
// x-oss-date.
func (e *Emulator) checkCredential(cred, xdate string) (id, date string, t time.Time, oe *ossError) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[3] != "oss" || parts[4] != v4Terminal {
		return "", "", t, newErr(400, "InvalidArgument", "The x-oss-credential field is invalid.").withEC("0002-00000710").withArg(fieldCredential, cred)
	}
	if parts[0] == "" {
		return "", "", t, newErr(400, "InvalidArgument", "The AccessKeyId in x-oss-credential is empty.").withEC("0002-00000708").withArg(fieldCredential, cred)
	}
	signDate, err := time.Parse("20060102", parts[1])
	if err != nil || len(parts[1]) != 8 {
		// EC 0002-00000223: a SignDate such as "2022-12-20"
		// (docs/PROTOCOL.md#post-signature-v4).
		return "", "", t, newErr(400, "InvalidArgument", "The SignDate in x-oss-credential is invalid.").withEC("0002-00000223").withArg(fieldCredential, cred)
	}
	t, err = time.Parse(v4DateFmt, xdate)
	if err != nil {
		return "", "", t, newErr(400, "InvalidArgument", "The x-oss-date field is invalid.").withArg(fieldDate, xdate)
	}
	if !signDate.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)) {
		return "", "", t, newErr(400, "InvalidArgument", "The SignDate in x-oss-credential does not match x-oss-date.").withEC("0002-00000709").withArg(fieldCredential, cred)
	}
	if parts[2] != e.region {
		return "", "", t, newErr(400, "InvalidArgument", "The signing region in credential is invalid.").withEC("0002-00000715").withArg(fieldCredential, cred)
	}
	return parts[0], parts[1], t, nil
}

// signV1 is Base64(HMAC-SHA1(secret, s)): the V1 signature of a POST
// policy or of a request's string to sign.
func signV1(secret, s string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func policyMentions(p *policy.Policy, field string) bool {
	for _, c := range p.Conditions {
		if c.Op != policy.OpContentLengthRange && strings.EqualFold(strings.TrimPrefix(c.Field, "$"), field) {
			return true
		}
	}
	return false
}
