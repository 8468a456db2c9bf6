package interop

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/ossdirect/ossdirect/signer"
)

// Three ways to presign the same V4 PUT with a Content-Type, run in one
// process so that their ratios mean something:
//
//	go test -run=^$ -bench=Presign -benchmem ./interop
//
// BenchmarkPresignBaseline is the bare cryptography of one V4 signature
// from scratch (the four-HMAC signing-key chain, one HMAC over a string to
// sign of the real length, hex); BenchmarkPresignOurs is signer.Presign;
// BenchmarkPresignSDK is the official Go SDK v2's Client.Presign.

var sink string

const benchKey = "uploads/user-42/photo.jpg"

func BenchmarkPresignOurs(b *testing.B) {
	s := &signer.Signer{
		Credentials: signer.StaticCredentials{AccessKeyID: testAKID, AccessKeySecret: testSecret},
		Bucket:      testBucket, Region: testRegion,
	}
	req := signer.Request{Method: "PUT", Key: benchKey, ContentType: "image/jpeg", Expires: 10 * time.Minute}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.Presign(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		sink = p.URL
	}
}

func BenchmarkPresignSDK(b *testing.B) {
	client := sdkClient(signer.V4, "")
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(benchKey), ContentType: oss.Ptr("image/jpeg")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := client.Presign(ctx, req, oss.PresignExpires(10*time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		sink = p.URL
	}
}

func BenchmarkPresignBaseline(b *testing.B) {
	sts := []byte("OSS4-HMAC-SHA256\n20241203T121212Z\n20241203/cn-hangzhou/oss/aliyun_v4_request\n" + strings.Repeat("0", 64))
	hmacSHA256 := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	b.ReportAllocs()
	for b.Loop() {
		k := hmacSHA256([]byte("aliyun_v4"+testSecret), "20241203")
		k = hmacSHA256(k, testRegion)
		k = hmacSHA256(k, "oss")
		k = hmacSHA256(k, "aliyun_v4_request")
		m := hmac.New(sha256.New, k)
		m.Write(sts)
		sink = hex.EncodeToString(m.Sum(nil))
	}
}
