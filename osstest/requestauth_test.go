package osstest

import (
	"crypto/rand"
	"hash/crc64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// sdkQuery is the query the OSS Go SDK v2's signer tests start from
// (oss/signer/signer_test.go): keys that need escaping, and empty values.
func sdkQuery() string {
	v := url.Values{}
	v.Add("param1", "value1")
	v.Add("+param1", "value3")
	v.Add("|param1", "value4")
	v.Add("+param2", "")
	v.Add("|param2", "")
	v.Add("param2", "")
	return v.Encode()
}

// sdkRequest builds, as the emulator receives it, the PUT of the SDK's
// signer tests for key "1234+-/123/1.txt" in bucket "bucket", with extra
// query parameters and headers.
func sdkRequest(extraQuery string, header map[string]string) *http.Request {
	q := sdkQuery()
	if extraQuery != "" {
		q += "&" + extraQuery
	}
	r := httptest.NewRequest(http.MethodPut, "http://bucket.oss-cn-hangzhou.aliyuncs.com/1234%2B-/123/1.txt?"+q, nil)
	for _, h := range [][2]string{{"x-oss-head1", "value"}, {"abc", "value"}, {"ZAbc", "value"}, {"XYZ", "value"}} {
		r.Header.Add(h[0], h[1])
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

// TestSDKSignatureVectors: the emulator accepts the signatures of the
// official OSS Go SDK v2's signer tests (V4 header and query, with and
// without STS token and additional headers; V1 header and query) and
// refuses each once a signed input changes.
func TestSDKSignatureVectors(t *testing.T) {
	ak := AccessKey{ID: "ak", Secret: "sk"}
	sts := AccessKey{ID: "ak", Secret: "sk", SecurityToken: "token"}
	cases := []struct {
		name   string
		key    AccessKey
		bucket string
		objKey string
		now    time.Time
		req    *http.Request
		tamper func(r *http.Request)
	}{
		{
			name: "V4 header", key: ak, bucket: "bucket", objKey: "1234+-/123/1.txt", now: time.Unix(1702743657, 0),
			req: sdkRequest("", map[string]string{
				"Content-Type": "text/plain", "X-Oss-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Oss-Date": "20231216T162057Z",
				"Authorization": "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
			}),
			tamper: func(r *http.Request) { r.Header.Set("Content-Type", "text/html") },
		},
		{
			name: "V4 query", key: ak, bucket: "bucket", objKey: "1234+-/123/1.txt", now: time.Unix(1702781677, 0),
			req: sdkRequest("x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe",
				map[string]string{"Content-Type": "application/octet-stream"}),
			tamper: func(r *http.Request) { r.Header.Set("X-Oss-Meta-Extra", "sent but not signed") },
		},
		{
			name: "V4 query with STS token", key: sts, bucket: "bucket", objKey: "1234+-/123/1.txt", now: time.Unix(1702785388, 0),
			req: sdkRequest("x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T035628Z&x-oss-expires=599&x-oss-security-token=token&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5",
				map[string]string{"Content-Type": "application/octet-stream"}),
			tamper: func(r *http.Request) { r.URL.RawQuery += "&param3=x" },
		},
		{
			name: "V4 query with additional headers", key: ak, bucket: "bucket", objKey: "1234+-/123/1.txt", now: time.Unix(1702783809, 0),
			req: sdkRequest("x-oss-additional-headers=abc%3Bzabc&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T033009Z&x-oss-expires=599&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7",
				map[string]string{"Content-Type": "application/octet-stream"}),
			tamper: func(r *http.Request) { r.Header.Set("Abc", "other") },
		},
		{
			name: "V1 header", key: ak, bucket: "examplebucket", objKey: "nelson", now: time.Date(2022, 12, 28, 10, 27, 41, 0, time.UTC),
			req: func() *http.Request {
				r := httptest.NewRequest(http.MethodPut, "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson", nil)
				r.Header.Set("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw==")
				r.Header.Set("Content-Type", "text/html")
				r.Header.Set("X-Oss-Meta-Author", "alice")
				r.Header.Set("X-Oss-Meta-Magic", "abracadabra")
				r.Header.Set("X-Oss-Date", "Wed, 28 Dec 2022 10:27:41 GMT")
				r.Header.Set("Date", "Wed, 28 Dec 2022 10:27:41 GMT")
				r.Header.Set("Authorization", "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=")
				return r
			}(),
			tamper: func(r *http.Request) { r.Header.Set("X-Oss-Meta-Magic", "other") },
		},
		{
			name: "V1 query with STS token", key: sts, bucket: "bucket", objKey: "key+123", now: time.Date(2023, 11, 12, 16, 50, 0, 0, time.UTC),
			req:    httptest.NewRequest(http.MethodGet, "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId", nil),
			tamper: func(r *http.Request) { r.URL.RawQuery += "&response-content-type=text%2Fplain" },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := New(Config{Bucket: c.bucket, AccessKeys: []AccessKey{c.key}, Now: func() time.Time { return c.now }})
			if err != nil {
				t.Fatal(err)
			}
			got, oe := e.authenticateRequest(c.req, c.bucket, c.objKey)
			if oe != nil {
				t.Fatalf("refused: %v\nstring to sign:\n%s\ncanonical request:\n%s", oe, oe.stringToSign, oe.canonicalRequest)
			}
			if got.ID != c.key.ID {
				t.Errorf("signed by %q, want %q", got.ID, c.key.ID)
			}
			c.tamper(c.req)
			if _, oe := e.authenticateRequest(c.req, c.bucket, c.objKey); oe == nil || oe.code != "SignatureDoesNotMatch" || oe.status != 403 {
				t.Errorf("after tampering: %v, want 403 SignatureDoesNotMatch", oe)
			}
		})
	}
}

// TestV4CanonicalRequest pins the canonical request of the SDK's V4 query
// vector with additional headers: keys and values re-encoded with
// upper-case hex, sorted, empty values without "=", the signature left
// out, every x-oss-* header plus Content-Type plus the listed headers.
func TestV4CanonicalRequest(t *testing.T) {
	r := sdkRequest("x-oss-additional-headers=abc%3Bzabc&x-oss-signature=zzz", map[string]string{"Content-Type": "application/octet-stream"})
	got := v4CanonicalRequest(r, "bucket", "1234+-/123/1.txt", []string{"abc", "zabc"}, "x-oss-signature")
	want := "PUT\n/bucket/1234%2B-/123/1.txt\n" +
		"%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2&x-oss-additional-headers=abc%3Bzabc\n" +
		"abc:value\ncontent-type:application/octet-stream\nx-oss-head1:value\nzabc:value\n\n" +
		"abc;zabc\nUNSIGNED-PAYLOAD"
	if got != want {
		t.Errorf("canonical request:\n%s\nwant:\n%s", got, want)
	}
}

// TestCRC64Combine: the CRC of A+B from the CRCs of A and B and B's length
// equals the CRC of A+B computed directly, for empty and odd lengths.
func TestCRC64Combine(t *testing.T) {
	table := crc64.MakeTable(crc64.ECMA)
	data := make([]byte, 300001)
	rand.Read(data)
	for _, cut := range []int{0, 1, 7, 100 << 10, 300000, 300001} {
		a, b := data[:cut], data[cut:]
		got := crc64Combine(crc64.Checksum(a, table), crc64.Checksum(b, table), int64(len(b)))
		if want := crc64.Checksum(data, table); got != want {
			t.Errorf("cut at %d: %d, want %d", cut, got, want)
		}
	}
}

// FuzzRequestAuth: any Authorization header, query string and x-oss-date
// is answered with a signer or an OSS error, never a panic; an accepted
// request is one whose signature really verifies, so a fuzzer finding one
// without the secret would be a bug: the only key's secret is random.
func FuzzRequestAuth(f *testing.F) {
	f.Add("OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a41", "param1=value1&%2Bparam2", "20231216T162057Z")
	f.Add("OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=", "acl&uploads&partNumber=1&uploadId=x", "")
	f.Add("", "x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature=a3", "")
	f.Add("", "Expires=1699807420&OSSAccessKeyId=ak&Signature=dcLT&security-token=token", "")
	f.Add("OSS4-HMAC-SHA256 Credential=,AdditionalHeaders=,Signature=", "x-oss-expires=&x-oss-additional-headers=", "bad")
	secret := make([]byte, 16)
	rand.Read(secret)
	now := time.Unix(1702743657, 0)
	e, err := New(Config{Bucket: "bucket", AccessKeys: []AccessKey{{ID: "ak", Secret: string(secret)}}, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, authz, rawQuery, xdate string) {
		r := httptest.NewRequest(http.MethodPut, "http://bucket.localhost/k", nil)
		r.URL.RawQuery = rawQuery
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		r.Header.Set("X-Oss-Date", xdate)
		r.Header.Set("X-Oss-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
		ak, oe := e.authenticateRequest(r, "bucket", "k")
		if oe == nil {
			t.Fatalf("accepted without the secret as %q", ak.ID)
		}
		if oe.status < 400 || oe.status >= 500 || oe.code == "" || oe.message == "" {
			t.Fatalf("answer %d %q %q", oe.status, oe.code, oe.message)
		}
	})
}
