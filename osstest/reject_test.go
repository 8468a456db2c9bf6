package osstest_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

// with returns a copy of parts with the first field called name set to
// value.
func with(parts []part, name, value string) []part {
	out := append([]part(nil), parts...)
	for i := range out {
		if out[i].name == name {
			out[i].value = value
			return out
		}
	}
	panic("no field " + name)
}

// without returns a copy of parts without the field called name.
func without(parts []part, name string) []part {
	var out []part
	for _, p := range parts {
		if p.name != name {
			out = append(out, p)
		}
	}
	return out
}

// v4AuthRaw signs p as is (no V4 conditions added).
func v4AuthRaw(t testing.TB, ak osstest.AccessKey, region string, at time.Time, p policy.Policy) []part {
	enc := mustEncode(t, p)
	return []part{
		field("x-oss-signature-version", "OSS4-HMAC-SHA256"),
		field("x-oss-credential", ak.ID+"/"+at.UTC().Format("20060102")+"/"+region+"/oss/aliyun_v4_request"),
		field("x-oss-date", at.UTC().Format("20060102T150405Z")),
		field("policy", enc),
		field("x-oss-signature", signV4(ak.Secret, region, at, enc)),
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

type rejectCase struct {
	name   string
	parts  []part
	raw    []byte            // raw body instead of parts
	ctype  string            // Content-Type instead of the form's
	header map[string]string // extra request headers
	host   string            // Host instead of the server's
	key    string            // must not be stored afterwards
	status int
	code   string
	msg    string // exact message
	prefix bool   // msg is only a prefix
	ec     string
}

// TestRejectedUploads is the table of uploads OSS refuses, with the error
// code, status and message OSS answers each with
// (docs/PROTOCOL.md#postobject-errors, #callback-errors) and the precedence
// of #check-order where a request has several defects. After every case the
// object must not exist and no callback may have been sent.
func TestRejectedUploads(t *testing.T) {
	sts := osstest.AccessKey{ID: "STS.NTmpKey", Secret: "stsSecret", SecurityToken: "tokenA"}
	sts2 := osstest.AccessKey{ID: "STS.Other", Secret: "otherSecret", SecurityToken: "tokenB"}
	stsOld := osstest.AccessKey{ID: "STS.Old", Secret: "oldSecret", SecurityToken: "tokenC", Expires: t0.Add(-time.Minute)}
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey, sts, sts2, stsOld}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var appHits atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		appHits.Add(1)
		w.Write([]byte(`{"Status":"OK"}`))
	}))
	defer app.Close()

	// An object for the forbid-overwrite case.
	if r := postForm(t, srv.URL, join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/existing"), file("a", "", "old")})); r.status != 204 {
		t.Fatalf("setup upload: %d %s", r.status, r.body)
	}

	exp := t0.Add(time.Hour)
	v1 := v1Auth(t, testKey, basePolicy())
	v4 := v4Auth(t, testKey, "cn-hangzhou", t0, exp, basePolicy().Conditions...)
	body := func(key string) []part { return []part{field("key", key), file("a.txt", "text/plain", "hello")} }
	goodCB := mustEncodeCB(t, callback.Params{URL: app.URL, Body: "bucket=${bucket}"})
	cbField := func(v string) []part { return []part{field("callback", v)} }
	validBody, validCT := encodeForm(t, join(v1, body("user/eric/truncated")))
	const condFailed = "Invalid according to Policy: Policy Condition failed: "

	cases := []rejectCase{
		// Step 1: multipart?
		{name: "not multipart", raw: []byte("key=a&file=b"), ctype: "application/x-www-form-urlencoded",
			status: 400, code: "RequestIsNotMultiPartContent", msg: "Bucket POST must be of the enclosure-type multipart/form-data."},
		{name: "multipart without boundary", raw: validBody, ctype: "multipart/form-data",
			status: 400, code: "RequestIsNotMultiPartContent", msg: "Bucket POST must be of the enclosure-type multipart/form-data."},
		{name: "no Content-Type", raw: validBody, ctype: "-",
			status: 400, code: "RequestIsNotMultiPartContent", msg: "Bucket POST must be of the enclosure-type multipart/form-data."},

		// Step 2: framing and fields before the file.
		{name: "malformed multipart", raw: []byte("this is not multipart at all"), ctype: "multipart/form-data; boundary=XYZ",
			status: 400, code: "MalformedPOSTRequest", msg: "The body of your POST request is not well-formed multipart/form-data."},
		{name: "body cut off inside the file", raw: validBody[:len(validBody)-40], ctype: validCT, key: "user/eric/truncated",
			status: 400, code: "MalformedPOSTRequest", msg: "The body of your POST request is not well-formed multipart/form-data."},
		{name: "missing file", parts: join(v1, []part{field("key", "user/eric/nofile")}), key: "user/eric/nofile",
			status: 400, code: "IncorrectNumberOfFilesInPOSTRequest", msg: "POST requires exactly one file upload per request."},
		{name: "two files", parts: join(v1, body("user/eric/twofiles"), []part{file("b.txt", "text/plain", "second")}), key: "user/eric/twofiles",
			status: 400, code: "IncorrectNumberOfFilesInPOSTRequest", msg: "POST requires exactly one file upload per request."},
		{name: "key after file", parts: join(v1, []part{file("a.txt", "text/plain", "x"), field("key", "user/eric/late")}), key: "user/eric/late",
			status: 400, code: "InvalidArgument", msg: "The bucket POST must contain the specified 'key'. If it is specified, please check the order of the fields", ec: "0006-00000103"},
		{name: "missing key", parts: join(v1, []part{file("a.txt", "text/plain", "x")}),
			status: 400, code: "InvalidArgument", msg: "The bucket POST must contain the specified 'key'. If it is specified, please check the order of the fields", ec: "0006-00000103"},
		{name: "part without a name", parts: join(v1, []part{{name: "x", value: "v", header: map[string]string{"Content-Disposition": "form-data"}}}, body("user/eric/noname")),
			key: "user/eric/noname", status: 400, code: "InvalidArgument", msg: "The bucket POST must contain the specified field name."},
		{name: "duplicate field, different case", parts: join(v1, []part{field("Key", "user/eric/dup1")}, body("user/eric/dup2")), key: "user/eric/dup2",
			status: 400, code: "InvalidArgument", msg: "The bucket POST contains duplicate field name."},
		{name: "custom header in the file part", parts: join(v1, []part{field("key", "user/eric/hdr"),
			{name: "file", value: "x", file: true, filename: "a.txt", ctype: "text/plain", header: map[string]string{"X-Custom": "1"}}}),
			key: "user/eric/hdr", status: 400, code: "InvalidArgument", msg: "The bucket POST contains unrecognized field name."},
		{name: "field names too long", parts: join(v1, []part{field(strings.Repeat("n", 9000), "v")}, body("user/eric/longname")), key: "user/eric/longname",
			status: 400, code: "FieldItemTooLong", msg: "Your name of form field is too long."},
		{name: "fields before the file too large", parts: join(v1, []part{field("x-oss-meta-big", strings.Repeat("v", 2<<20))}, body("user/eric/bigfields")),
			key: "user/eric/bigfields", status: 400, code: "MaxPOSTPreDataLengthExceededError", msg: "Your POST request fields preceding the upload file were too large."},

		// Step 3: completeness of the signature fields.
		{name: "anonymous upload to a private bucket", parts: body("user/eric/anon"), key: "user/eric/anon",
			status: 403, code: "AccessDenied", msg: "You have no right to access this object because of bucket acl."},
		{name: "V1 without OSSAccessKeyId", parts: join(without(v1, "OSSAccessKeyId"), body("user/eric/noak")), key: "user/eric/noak",
			status: 400, code: "InvalidArgument", msg: "Post request accessKeyId is empty.", ec: "0002-00000706"},
		{name: "V1 with empty OSSAccessKeyId", parts: join(with(v1, "OSSAccessKeyId", ""), body("user/eric/emptyak")), key: "user/eric/emptyak",
			status: 400, code: "InvalidArgument", msg: "Post request accessKeyId is empty.", ec: "0002-00000707"},
		{name: "V1 without Signature", parts: join(without(v1, "Signature"), body("user/eric/nosig")), key: "user/eric/nosig",
			status: 400, code: "InvalidArgument", msg: "Post request signature is empty.", ec: "0002-00000703"},
		{name: "V1 without policy", parts: join(without(v1, "policy"), body("user/eric/nopolicy")), key: "user/eric/nopolicy",
			status: 400, code: "InvalidArgument", msg: "Post request policy is empty.", ec: "0002-00000702"},
		{name: "V4 without x-oss-signature", parts: join(without(v4, "x-oss-signature"), body("user/eric/v4nosig")), key: "user/eric/v4nosig",
			status: 400, code: "InvalidArgument", msg: "Post request signature is empty.", ec: "0002-00000703"},
		{name: "V4 without x-oss-date", parts: join(without(v4, "x-oss-date"), body("user/eric/v4nodate")), key: "user/eric/v4nodate",
			status: 400, code: "InvalidArgument", msg: "Post request x-oss-date is empty."},
		{name: "V4 with an unknown signature version", parts: join(with(v4, "x-oss-signature-version", "OSS2"), body("user/eric/v4ver")), key: "user/eric/v4ver",
			status: 400, code: "InvalidArgument", msg: "Invalid signature version.", ec: "0002-00000701"},

		// Step 4: the policy document.
		{name: "policy not Base64", parts: join(with(v1, "policy", "not base64!"), body("user/eric/b64")), key: "user/eric/b64",
			status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: ", prefix: true},
		{name: "policy not JSON", parts: join(with(v1, "policy", b64(`{"expiration":`)), body("user/eric/json")), key: "user/eric/json",
			status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: ", prefix: true},
		{name: "policy without conditions", parts: join(with(v1, "policy", b64(`{"expiration":"2024-12-03T13:00:00.000Z","conditions":[]}`)), body("user/eric/nocond")),
			key: "user/eric/nocond", status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: ", prefix: true, ec: "0006-00000215"},

		// Step 5: who signed.
		{name: "unknown AccessKeyId", parts: join(v1Auth(t, osstest.AccessKey{ID: "LTAInobody", Secret: "x"}, basePolicy()), body("user/eric/unknownak")),
			key: "user/eric/unknownak", status: 403, code: "InvalidAccessKeyId", msg: "The OSS Access Key Id you provided does not exist in our records."},
		{name: "V1 wrong signature", parts: join(with(v1, "Signature", signV1("wrong secret", v1[1].value)), body("user/eric/badsig")), key: "user/eric/badsig",
			status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000705"},
		{name: "V1 signature of another policy", parts: join(with(v1, "policy", mustEncode(t, basePolicy(policy.AnyKey()))), body("user/eric/otherpol")), key: "user/eric/otherpol",
			status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000705"},
		{name: "V4 wrong secret", parts: join(v4Auth(t, osstest.AccessKey{ID: testKey.ID, Secret: "wrong"}, "cn-hangzhou", t0, exp, basePolicy().Conditions...), body("user/eric/v4badsig")),
			key: "user/eric/v4badsig", status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000705"},
		{name: "V4 credential of another region", parts: join(v4Auth(t, testKey, "cn-beijing", t0, exp, basePolicy().Conditions...), body("user/eric/region")),
			key: "user/eric/region", status: 400, code: "InvalidArgument", msg: "The signing region in credential is invalid.", ec: "0002-00000715"},
		{name: "V4 credential not ending in aliyun_v4_request", parts: join(with(v4, "x-oss-credential", testKey.ID+"/20241203/cn-hangzhou/oss/abc"), body("user/eric/cred")),
			key: "user/eric/cred", status: 400, code: "InvalidArgument", msg: "The x-oss-credential field is invalid.", ec: "0002-00000710"},
		{name: "V4 credential date not YYYYMMDD", parts: join(with(v4, "x-oss-credential", testKey.ID+"/2024-12-03/cn-hangzhou/oss/aliyun_v4_request"), body("user/eric/creddate")),
			key: "user/eric/creddate", status: 400, code: "InvalidArgument", msg: "The SignDate in x-oss-credential is invalid.", ec: "0002-00000223"},
		{name: "V4 credential date differs from x-oss-date", parts: join(with(v4, "x-oss-credential", testKey.ID+"/20241202/cn-hangzhou/oss/aliyun_v4_request"), body("user/eric/credday")),
			key: "user/eric/credday", status: 400, code: "InvalidArgument", msg: "The SignDate in x-oss-credential does not match x-oss-date.", ec: "0002-00000709"},
		{name: "V4 x-oss-date 20 minutes ahead", parts: join(v4Auth(t, testKey, "cn-hangzhou", t0.Add(20*time.Minute), exp, basePolicy().Conditions...), body("user/eric/skew")),
			key: "user/eric/skew", status: 403, code: "RequestTimeTooSkewed", msg: "The difference between the request time and the current time is too large."},
		{name: "V4 x-oss-date 8 days old", parts: join(v4Auth(t, testKey, "cn-hangzhou", t0.Add(-8*24*time.Hour), exp, basePolicy().Conditions...), body("user/eric/old")),
			key: "user/eric/old", status: 403, code: "AccessDenied", msg: "Request has expired."},
		{name: "V4 policy without x-oss-credential", parts: join(v4AuthRaw(t, testKey, "cn-hangzhou", t0, policy.New(exp,
			policy.Exact("x-oss-signature-version", "OSS4-HMAC-SHA256"), policy.Exact("x-oss-date", "20241203T123000Z"), policy.KeyPrefix("user/eric/"))),
			body("user/eric/v4pol")), key: "user/eric/v4pol",
			status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: x-oss-credential must be specified in the policy conditions when the V4 signature is used."},
		{name: "STS key without its token", parts: join(v1Auth(t, sts, basePolicy()), body("user/eric/sts1")), key: "user/eric/sts1",
			status: 403, code: "InvalidAccessKeyId", msg: "The OSS Access Key Id you provided does not exist in our records."},
		{name: "STS key with a wrong token", parts: join(v1Auth(t, sts, basePolicy()), []part{field("x-oss-security-token", "bogus")}, body("user/eric/sts2")),
			key: "user/eric/sts2", status: 403, code: "InvalidSecurityToken", msg: "The security token you provided is invalid."},
		{name: "STS key with another key's token", parts: join(v1Auth(t, sts, basePolicy()), []part{field("x-oss-security-token", "tokenB")}, body("user/eric/sts3")),
			key: "user/eric/sts3", status: 403, code: "AccessKeyIdAndSecurityTokenNotMatch", msg: "The OSS access key id and security token you provided does not match."},
		{name: "expired STS token", parts: join(v1Auth(t, stsOld, basePolicy()), []part{field("x-oss-security-token", "tokenC")}, body("user/eric/sts4")),
			key: "user/eric/sts4", status: 403, code: "SecurityTokenExpired", msg: "The security token you provided has expired."},
		{name: "permanent key with a token", parts: join(v1, []part{field("x-oss-security-token", "tokenA")}, body("user/eric/sts5")),
			key: "user/eric/sts5", status: 403, code: "InvalidSecurityToken", msg: "The security token you provided is invalid."},
		{name: "V4 STS policy without the token", parts: join(v4AuthRaw(t, sts, "cn-hangzhou", t0, policy.New(exp,
			policy.Exact("x-oss-signature-version", "OSS4-HMAC-SHA256"), policy.Exact("x-oss-credential", sts.ID+"/20241203/cn-hangzhou/oss/aliyun_v4_request"),
			policy.Exact("x-oss-date", "20241203T123000Z"), policy.KeyPrefix("user/eric/"))), []part{field("x-oss-security-token", "tokenA")}, body("user/eric/sts6")),
			key: "user/eric/sts6", status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: x-oss-security-token must be specified in the policy conditions when the V4 signature is used."},

		// Steps 6–7: expiration and conditions, on raw values.
		{name: "expired policy", parts: join(v1Auth(t, testKey, policy.New(t0.Add(-time.Second), basePolicy().Conditions...)), body("user/eric/expired")),
			key: "user/eric/expired", status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired."},
		{name: "policy expiring this instant", parts: join(v1Auth(t, testKey, policy.New(t0, basePolicy().Conditions...)), body("user/eric/expnow")),
			key: "user/eric/expnow", status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired."},
		{name: "eq fails", parts: join(v1Auth(t, testKey, basePolicy(policy.SuccessActionStatus(200))), []part{field("success_action_status", "201")}, body("user/eric/eq")),
			key: "user/eric/eq", status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$success_action_status", "200"]`, ec: "0006-00000227"},
		{name: "key outside the prefix", parts: join(v1, body("user/mallory/a.txt")), key: "user/mallory/a.txt",
			status: 403, code: "AccessDenied", msg: condFailed + `["starts-with", "$key", "user/eric/"]`, ec: "0006-00000227"},
		{name: "in fails", parts: join(v1Auth(t, testKey, basePolicy(policy.In("x-oss-content-type", "image/png", "image/jpeg"))),
			[]part{field("x-oss-content-type", "text/html")}, body("user/eric/in")), key: "user/eric/in",
			status: 403, code: "AccessDenied", msg: condFailed + `["in", "$x-oss-content-type", ["image/png", "image/jpeg"]]`, ec: "0006-00000227"},
		{name: "not-in fails (condition and field differ in case)", parts: join(v1Auth(t, testKey, basePolicy(policy.NotIn("content-type", "text/html"))),
			[]part{field("Content-Type", "text/html")}, body("user/eric/notin")), key: "user/eric/notin",
			status: 403, code: "AccessDenied", msg: condFailed + `["not-in", "$content-type", ["text/html"]]`, ec: "0006-00000227"},
		{name: "condition on an absent field", parts: join(v1Auth(t, testKey, basePolicy(policy.Meta("owner", "eric"))), body("user/eric/absent")),
			key: "user/eric/absent", status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$x-oss-meta-owner", "eric"]`, ec: "0006-00000226"},
		{name: "bucket condition names another bucket", parts: join(v1Auth(t, testKey, policy.New(exp, policy.Bucket("otherbucket"), policy.KeyPrefix("user/eric/"))),
			body("user/eric/bucket")), key: "user/eric/bucket",
			status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$bucket", "otherbucket"]`, ec: "0006-00000227"},
		{name: "object-form condition fails", parts: join(v1Auth(t, testKey, basePolicy(policy.Exact("x-oss-object-acl", "private"))),
			[]part{field("x-oss-object-acl", "public-read")}, body("user/eric/exact")), key: "user/eric/exact",
			status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$x-oss-object-acl", "private"]`, ec: "0006-00000227"},
		{name: "pinned callback swapped", parts: join(v1Auth(t, testKey, basePolicy(policy.Callback(goodCB))),
			cbField(mustEncodeCB(t, callback.Params{URL: "http://evil.example/", Body: "bucket=${bucket}"})), body("user/eric/cbswap")), key: "user/eric/cbswap",
			status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$callback", "` + goodCB + `"]`, ec: "0006-00000227"},
		{name: "pinned x: variable changed", parts: join(v1Auth(t, testKey, basePolicy(policy.CallbackVar("uid", "42"))),
			[]part{field("x:uid", "43")}, body("user/eric/xvar")), key: "user/eric/xvar",
			status: 403, code: "AccessDenied", msg: condFailed + `["eq", "$x:uid", "42"]`, ec: "0006-00000227"},

		// Step 8: checks before the file is stored.
		{name: "key with a leading slash", parts: join(v1Auth(t, testKey, policy.New(exp, policy.AnyKey())), body("/user/eric/slash")), key: "/user/eric/slash",
			status: 400, code: "InvalidObjectName", msg: "The specified object is not valid."},
		{name: "key of 1024 bytes", parts: join(v1Auth(t, testKey, policy.New(exp, policy.AnyKey())), body("user/eric/"+strings.Repeat("k", 1014))),
			status: 400, code: "InvalidObjectName", msg: "The Length of Object name must be less than 1024"},
		{name: "empty key", parts: join(v1Auth(t, testKey, policy.New(exp, policy.AnyKey())), body("")),
			status: 400, code: "InvalidObjectName", msg: "The Object name can not be empty"},
		{name: "${filename} expands the key past 1023 bytes", parts: join(v1, []part{field("key", "user/eric/${filename}"), file(strings.Repeat("n", 1014), "", "x")}),
			status: 400, code: "InvalidObjectName", msg: "The Length of Object name must be less than 1024"},
		{name: "${filename} of invalid UTF-8", parts: join(v1, []part{field("key", "user/eric/${filename}"), file("bad\xff.txt", "", "x")}), key: "user/eric/bad\xff.txt",
			status: 400, code: "InvalidObjectName", msg: "The specified object is not valid."},
		{name: "user metadata over 8 KB", parts: join(v1, []part{field("x-oss-meta-a", strings.Repeat("a", 4<<10)), field("x-oss-meta-b", strings.Repeat("b", 4<<10))}, body("user/eric/meta")),
			key: "user/eric/meta", status: 400, code: "InvalidArgument", msg: "Your metadata headers exceed the maximum allowed metadata size."},
		{name: "unknown object ACL in the HTTP header", parts: join(v1, body("user/eric/aclhdr")), header: map[string]string{"x-oss-object-acl": "everyone"},
			key: "user/eric/aclhdr", status: 400, code: "InvalidArgument", msg: "no such object access control exists"},
		{name: "x-oss-tagging", parts: join(v1, []part{field("x-oss-tagging", "a=b")}, body("user/eric/tag")), key: "user/eric/tag",
			status: 400, code: "InvalidArgument", msg: "The x-oss-tagging header cannot be specified in PostObject requests."},
		{name: "unknown encryption algorithm", parts: join(v1, []part{field("x-oss-server-side-encryption", "DES")}, body("user/eric/sse")), key: "user/eric/sse",
			status: 400, code: "InvalidEncryptionAlgorithmError", msg: "The encryption algorithm specified is not valid."},
		{name: "unknown object ACL", parts: join(v1, []part{field("x-oss-object-acl", "everyone")}, body("user/eric/acl")), key: "user/eric/acl",
			status: 400, code: "InvalidArgument", msg: "no such object access control exists"},
		{name: "callback not Base64", parts: join(v1, cbField("%%%"), body("user/eric/cb1")), key: "user/eric/cb1",
			status: 400, code: "InvalidArgument", msg: "The callback configuration is not base64 encoded.", ec: "0007-00000002"},
		{name: "callback not JSON", parts: join(v1, cbField(b64(`{"callbackUrl":"http://a/","callbackBody":"a="b"}`)), body("user/eric/cb2")), key: "user/eric/cb2",
			status: 400, code: "InvalidArgument", msg: "The callback configuration is not json format."},
		{name: "callback with six URLs", parts: join(v1, cbField(b64(`{"callbackUrl":"http://a/;http://b/;http://c/;http://d/;http://e/;http://f/","callbackBody":"a=1"}`)),
			body("user/eric/cb3")), key: "user/eric/cb3",
			status: 400, code: "InvalidArgument", msg: "The number of callback url exceed max value.", ec: "0007-00000005"},
		{name: "callback URL with a non-numeric port", parts: join(v1, cbField(b64(`{"callbackUrl":"http://host:test/","callbackBody":"a=1"}`)), body("user/eric/cb4")),
			key: "user/eric/cb4", status: 400, code: "InvalidArgument", msg: "The callback url configuration is invalid.", ec: "0007-00000004"},
		{name: "callback without a body", parts: join(v1, cbField(b64(`{"callbackUrl":"http://a/","callbackBody":""}`)), body("user/eric/cb5")), key: "user/eric/cb5",
			status: 400, code: "InvalidArgument", msg: "The callback body is empty.", ec: "0007-00000011"},
		{name: "callback body type text/plain", parts: join(v1, cbField(b64(`{"callbackUrl":"http://a/","callbackBody":"a=1","callbackBodyType":"text/plain"}`)),
			body("user/eric/cb6")), key: "user/eric/cb6",
			status: 400, code: "InvalidArgument", msg: "The callback body type configuration is invalid."},
		{name: "callbackSNI as a string", parts: join(v1, cbField(b64(`{"callbackUrl":"http://a/","callbackBody":"a=1","callbackSNI":"true"}`)), body("user/eric/cb7")),
			key: "user/eric/cb7", status: 400, code: "InvalidArgument", msg: "The callback sni is invalid"},
		{name: "upper-case custom variable", parts: join(v1, cbField(goodCB), []part{field("x:UID", "1")}, body("user/eric/cb8")), key: "user/eric/cb8",
			status: 400, code: "InvalidArgument", msg: "The callback var is invalid."},
		{name: "forbid-overwrite on an existing key", parts: join(v1, []part{field("x-oss-forbid-overwrite", "true")}, body("user/eric/existing")),
			status: 409, code: "FileAlreadyExists", msg: "The object you specified already exists and can not be overwritten."},

		// Step 9: the file itself, then the rest of the body.
		{name: "file larger than content-length-range", parts: join(v1, []part{field("key", "user/eric/large"), file("a", "", strings.Repeat("x", 1025))}),
			key: "user/eric/large", status: 400, code: "EntityTooLarge", msg: "Your proposed upload exceeds the maximum allowed size.", ec: "0006-00000003"},
		{name: "empty file below content-length-range", parts: join(v1, []part{field("key", "user/eric/small"), file("a", "", "")}),
			key: "user/eric/small", status: 400, code: "EntityTooSmall", msg: "Your proposed upload smaller than the minimum allowed size.", ec: "0006-00000004"},
		{name: "Content-MD5 of another body", parts: join(v1, body("user/eric/md5")), header: map[string]string{"Content-MD5": "XUFAKrxLKna5cZ2REBfFkg=="},
			key: "user/eric/md5", status: 400, code: "InvalidDigest", msg: "The Content-MD5 you specified was invalid."},
		{name: "Content-MD5 not Base64 MD5", parts: join(v1, body("user/eric/md5b")), header: map[string]string{"Content-MD5": "abc"},
			key: "user/eric/md5b", status: 400, code: "InvalidDigest", msg: "The Content-MD5 you specified was invalid."},

		// Routing.
		{name: "unknown bucket", parts: join(v1, body("user/eric/nobucket")), host: "otherbucket.oss-cn-hangzhou.aliyuncs.com", key: "user/eric/nobucket",
			status: 404, code: "NoSuchBucket", msg: "The specified bucket does not exist."},

		// Precedence (docs/PROTOCOL.md#check-order): the earlier step's error
		// wins.
		{name: "order: missing key before bad signature", parts: join(with(v1, "Signature", "AAAA"), []part{file("a", "", "x")}),
			status: 400, code: "InvalidArgument", msg: "The bucket POST must contain the specified 'key'. If it is specified, please check the order of the fields", ec: "0006-00000103"},
		{name: "order: bad policy before unknown key", parts: join(with(with(v1, "OSSAccessKeyId", "LTAInobody"), "policy", "!!"), body("user/eric/o2")), key: "user/eric/o2",
			status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: ", prefix: true},
		{name: "order: signature before expiration", parts: join(with(v1Auth(t, testKey, policy.New(t0.Add(-time.Hour), basePolicy().Conditions...)), "Signature", "AAAA"),
			body("user/eric/o3")), key: "user/eric/o3",
			status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000705"},
		{name: "order: expiration before conditions", parts: join(v1Auth(t, testKey, policy.New(t0.Add(-time.Hour), basePolicy().Conditions...)), body("other/o4")),
			key: "other/o4", status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired."},
		{name: "order: conditions before callback", parts: join(v1, cbField("%%%"), body("other/o5")), key: "other/o5",
			status: 403, code: "AccessDenied", msg: condFailed + `["starts-with", "$key", "user/eric/"]`, ec: "0006-00000227"},
		{name: "order: callback before file size", parts: join(v1, cbField("%%%"), []part{field("key", "user/eric/o6"), file("a", "", strings.Repeat("x", 2000))}),
			key: "user/eric/o6", status: 400, code: "InvalidArgument", msg: "The callback configuration is not base64 encoded.", ec: "0007-00000002"},
		{name: "order: file size before a second file", parts: join(v1, []part{field("key", "user/eric/o7"), file("a", "", strings.Repeat("x", 2000)), file("b", "", "x")}),
			key: "user/eric/o7", status: 400, code: "EntityTooLarge", msg: "Your proposed upload exceeds the maximum allowed size.", ec: "0006-00000003"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, ct := tc.raw, tc.ctype
			if raw == nil {
				var formCT string
				raw, formCT = encodeForm(t, tc.parts)
				if ct == "" {
					ct = formCT
				}
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if ct != "-" {
				req.Header.Set("Content-Type", ct)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			r := do(t, nil, req)
			checkCommonHeaders(t, r)
			if r.status != tc.status {
				t.Errorf("status = %d, want %d", r.status, tc.status)
			}
			if got := r.header.Get("Content-Type"); got != "application/xml" {
				t.Errorf("Content-Type = %q", got)
			}
			e := r.ossError(t)
			if e.Code != tc.code {
				t.Errorf("Code = %s, want %s (message %q)", e.Code, tc.code, e.Message)
			}
			if tc.prefix && !strings.HasPrefix(e.Message, tc.msg) || !tc.prefix && e.Message != tc.msg {
				t.Errorf("Message = %q, want %q", e.Message, tc.msg)
			}
			if tc.ec != "" && e.EC != tc.ec {
				t.Errorf("EC = %q, want %q", e.EC, tc.ec)
			}
			if e.RequestID != r.header.Get("x-oss-request-id") {
				t.Errorf("RequestId %q != header %q", e.RequestID, r.header.Get("x-oss-request-id"))
			}
			if want := req.Host; e.HostID != want {
				t.Errorf("HostId = %q, want %q", e.HostID, want)
			}
			if tc.key != "" {
				if _, ok := srv.Object(tc.key); ok {
					t.Errorf("object %q was stored", tc.key)
				}
			}
		})
	}
	if n := len(cases); n < 30 {
		t.Errorf("only %d cases", n)
	}
	if got := srv.Objects(); len(got) != 1 || got[0].Key != "user/eric/existing" {
		t.Errorf("objects after the table: %v", got)
	}
	if data, _ := readObject(srv, "user/eric/existing"); string(data) != "old" {
		t.Errorf("existing object was overwritten: %q", data)
	}
	if n := appHits.Load(); n != 0 {
		t.Errorf("app server got %d callbacks", n)
	}
	if n := len(srv.Callbacks()); n != 0 {
		t.Errorf("%d callbacks recorded", n)
	}
}

func mustEncodeCB(t testing.TB, p callback.Params) string {
	t.Helper()
	enc, err := p.Encode()
	if err != nil {
		t.Fatalf("callback.Params.Encode: %v", err)
	}
	return enc
}

// TestBodySizeLimit checks OSS's 5 GB limits, lowered for the test: a
// declared body at the limit is refused before reading, a chunked body
// whose file passes the limit while streaming is EntityTooLarge.
func TestBodySizeLimit(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	osstest.SetMaxObjectSize(srv.Emulator, 4096)
	pol := policy.New(t0.Add(time.Hour), policy.AnyKey())
	raw, ct := encodeForm(t, join(v1Auth(t, testKey, pol), []part{field("key", "big"), file("a", "", strings.Repeat("x", 5000))}))

	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	r := do(t, nil, req)
	if e := r.ossError(t); r.status != 400 || e.Code != "InvalidArgument" || e.Message != "Post body size must be less than 5G." {
		t.Errorf("declared length: %d %s %q", r.status, e.Code, e.Message)
	}

	req, _ = http.NewRequest(http.MethodPost, srv.URL, struct{ *bytes.Reader }{bytes.NewReader(raw)}) // unknown length: chunked
	req.Header.Set("Content-Type", ct)
	r = do(t, nil, req)
	if e := r.ossError(t); r.status != 400 || e.Code != "EntityTooLarge" || e.Message != "Your proposed upload exceeds the maximum allowed size." {
		t.Errorf("chunked: %d %s %q", r.status, e.Code, e.Message)
	}
	if len(srv.Objects()) != 0 {
		t.Errorf("stored %v", srv.Objects())
	}
}
