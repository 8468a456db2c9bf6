package interop

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/signer"
)

const (
	testAKID   = "LTAI5tExampleKeyID"
	testSecret = "ExampleSecret+/With=Symbols"
	testToken  = "CAIS+example/STS==token"
	testBucket = "examplebucket"
	testRegion = "cn-hangzhou"
)

// sdkClient is the official Go SDK v2 configured as ossdirect's Signer is:
// same credentials, bucket region and signature version, default
// (virtual-hosted, https) endpoint.
func sdkClient(v signer.Version, token string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testAKID, testSecret, token)).
		WithRegion(testRegion)
	if v == signer.V1 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	return oss.NewClient(cfg)
}

// sdkInstant returns the signing instant and validity of an SDK presigned
// URL. The SDK's V4 presigner reads the clock itself (x-oss-date is
// time.Now()), so the same instant is recovered from its URL; V1 signs
// only the expiry, which the caller fixes.
func sdkInstant(t *testing.T, v signer.Version, rawURL string, expiration time.Time) (time.Time, time.Duration) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if v == signer.V1 {
		exp, err := strconv.ParseInt(q.Get("Expires"), 10, 64)
		if err != nil || exp != expiration.Unix() {
			t.Fatalf("SDK V1 Expires = %q, want %d", q.Get("Expires"), expiration.Unix())
		}
		now := expiration.Add(-10 * time.Minute)
		return now, 10 * time.Minute
	}
	date, err := time.Parse("20060102T150405Z", q.Get("x-oss-date"))
	if err != nil {
		t.Fatalf("SDK x-oss-date: %v", err)
	}
	secs, err := strconv.Atoi(q.Get("x-oss-expires"))
	if err != nil {
		t.Fatalf("SDK x-oss-expires: %v", err)
	}
	return date, time.Duration(secs) * time.Second
}

// sdkPresigned is a URL the official SDK presigned, with the signing
// configuration and the instant and validity ours must use to sign the same.
type sdkPresigned struct {
	*oss.PresignResult
	version signer.Version
	token   string
	now     time.Time
	expires time.Duration
}

// eachSDKPresign has the official SDK presign each case's request, to
// expire at expiration, for V4 and V1, without and with an STS token, in a
// subtest named "V4/<name>[/STS]", and hands check the case and what the
// SDK signed. sdkRequest returns a case's name and its SDK request.
func eachSDKPresign[C any](t *testing.T, expiration time.Time, cases []C, sdkRequest func(C) (string, any), check func(*testing.T, C, sdkPresigned)) {
	t.Helper()
	for _, v := range []signer.Version{signer.V4, signer.V1} {
		for _, token := range []string{"", testToken} {
			client := sdkClient(v, token)
			for _, tc := range cases {
				name, sdkReq := sdkRequest(tc)
				name = v.String() + "/" + name
				if token != "" {
					name += "/STS"
				}
				t.Run(name, func(t *testing.T) {
					want, err := client.Presign(context.Background(), sdkReq, oss.PresignExpiration(expiration))
					if err != nil {
						t.Fatalf("SDK Presign: %v", err)
					}
					now, expires := sdkInstant(t, v, want.URL, expiration)
					check(t, tc, sdkPresigned{PresignResult: want, version: v, token: token, now: now, expires: expires})
				})
			}
		}
	}
}

// Our presigned URLs must be byte-for-byte the official SDK's for the same
// request, credentials and instant, for V4 and V1, with and without an STS
// token: same path escaping, same parameters in the same order, same
// signature, and the same headers the client must send.
func TestPresignEqualsSDK(t *testing.T) {
	// Whole seconds in the future, so the SDK does not refuse it and V1's
	// Expires is exact.
	expiration := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	cases := []presignCase{
		{"PUT with content type",
			&oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("uploads/a b+c/photo 1.jpg"), ContentType: oss.Ptr("image/jpeg")},
			signer.Request{Method: "PUT", Key: "uploads/a b+c/photo 1.jpg", ContentType: "image/jpeg"}},
		{"PUT with metadata and ACL",
			&oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("docs/report.pdf"), ContentType: oss.Ptr("application/pdf"),
				Acl: oss.ObjectACLPrivate, Metadata: map[string]string{"owner": "u42"}, ForbidOverwrite: oss.Ptr("true")},
			signer.Request{Method: "PUT", Key: "docs/report.pdf", ContentType: "application/pdf",
				Header: map[string][]string{"x-oss-object-acl": {"private"}, "x-oss-meta-owner": {"u42"}, "x-oss-forbid-overwrite": {"true"}}}},
		{"GET",
			&oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("中文/ü~x.txt")},
			signer.Request{Method: "GET", Key: "中文/ü~x.txt"}},
		{"GET with response-content-disposition",
			&oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("a.txt"), ResponseContentDisposition: oss.Ptr(`attachment; filename="a b.txt"`)},
			signer.Request{Method: "GET", Key: "a.txt", Query: url.Values{"response-content-disposition": {`attachment; filename="a b.txt"`}}}},
		{"InitiateMultipartUpload",
			&oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("big/video.mp4"), ContentType: oss.Ptr("video/mp4")},
			signer.Request{Method: "POST", Key: "big/video.mp4", ContentType: "video/mp4", Query: url.Values{"uploads": {""}}}},
		{"UploadPart",
			&oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("big/video.mp4"), PartNumber: 7, UploadId: oss.Ptr("0004B9895DBBB6EC98E36")},
			signer.Request{Method: "PUT", Key: "big/video.mp4", Query: url.Values{"partNumber": {"7"}, "uploadId": {"0004B9895DBBB6EC98E36"}}}},
		{"AbortMultipartUpload",
			&oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("big/video.mp4"), UploadId: oss.Ptr("0004B9895DBBB6EC98E36")},
			signer.Request{Method: "DELETE", Key: "big/video.mp4", Query: url.Values{"uploadId": {"0004B9895DBBB6EC98E36"}}}},
	}
	eachSDKPresign(t, expiration, cases, presignCase.sdkRequest, func(t *testing.T, tc presignCase, want sdkPresigned) {
		s := &signer.Signer{
			Credentials: signer.StaticCredentials{AccessKeyID: testAKID, AccessKeySecret: testSecret, SecurityToken: want.token},
			Bucket:      testBucket,
			Region:      testRegion,
			Version:     want.version,
			Now:         func() time.Time { return want.now },
		}
		req := tc.ours
		req.Expires = want.expires
		got, err := s.Presign(context.Background(), req)
		if err != nil {
			t.Fatalf("Presign: %v", err)
		}
		if got.URL != want.URL {
			t.Errorf("URL differs from the SDK's\n got: %s\nwant: %s", got.URL, want.URL)
		}
		if got.Method != want.Method {
			t.Errorf("Method = %s, SDK says %s", got.Method, want.Method)
		}
		if !got.Expires.Equal(want.Expiration) {
			t.Errorf("Expires = %v, SDK says %v", got.Expires, want.Expiration)
		}
		if diff := cmp.Diff(lowerKeys(want.SignedHeaders), got.Header); diff != "" {
			t.Errorf("headers to send differ from the SDK's signed headers (-sdk +ours):\n%s", diff)
		}
	})
}

// presignCase is a request for the SDK to presign and the same request
// for signer.Presign.
type presignCase struct {
	name   string
	sdkReq any
	ours   signer.Request
}

func (c presignCase) sdkRequest() (string, any) { return c.name, c.sdkReq }

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
