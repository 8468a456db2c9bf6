package policy_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// The worked example of docs/PROTOCOL.md#worked-example (cross-checked
// against the official Node SDK, ali-oss):
// exact JSON bytes and Base64 of the V1 and V4 policies.
const (
	specV1JSON = `{"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["starts-with","$key","user/eric/"]]}`
	specV1B64  = `eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0=`
	specV4JSON = `{"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},{"x-oss-signature-version":"OSS4-HMAC-SHA256"},{"x-oss-credential":"LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20241203T121212Z"},["content-length-range",1,10485760],["starts-with","$key","user/eric/"]]}`
	specV4B64  = `eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0RXhhbXBsZUtleUlkLzIwMjQxMjAzL2NuLWhhbmd6aG91L29zcy9hbGl5dW5fdjRfcmVxdWVzdCJ9LHsieC1vc3MtZGF0ZSI6IjIwMjQxMjAzVDEyMTIxMloifSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVzZXIvZXJpYy8iXV19`
)

var specExpiration = time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)

func specV1Policy() policy.Policy {
	return policy.New(specExpiration,
		policy.Bucket("examplebucket"),
		policy.ContentLengthRange(1, 10485760),
		policy.KeyPrefix("user/eric/"),
	)
}

func specV4Policy() policy.Policy {
	return policy.New(specExpiration,
		policy.Bucket("examplebucket"),
		policy.Exact("x-oss-signature-version", "OSS4-HMAC-SHA256"),
		policy.Exact("x-oss-credential", "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"),
		policy.Exact("x-oss-date", "20241203T121212Z"),
		policy.ContentLengthRange(1, 10485760),
		policy.KeyPrefix("user/eric/"),
	)
}

func TestGoldenSpec34(t *testing.T) {
	// The expiration is given in a non-UTC zone on purpose: the canonical
	// form is always UTC, never local time with a Z appended
	// (docs/PROTOCOL.md#policy-document).
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name     string
		p        policy.Policy
		wantJSON string
		wantB64  string
	}{
		{"V1", specV1Policy(), specV1JSON, specV1B64},
		{"V4", specV4Policy(), specV4JSON, specV4B64},
		{"V1 local zone", func() policy.Policy {
			p := specV1Policy()
			p.Expiration = p.Expiration.In(shanghai)
			return p
		}(), specV1JSON, specV1B64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotJSON, err := tt.p.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			if string(gotJSON) != tt.wantJSON {
				t.Errorf("MarshalJSON:\n got %s\nwant %s", gotJSON, tt.wantJSON)
			}
			gotB64, err := tt.p.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if gotB64 != tt.wantB64 {
				t.Errorf("Encode:\n got %s\nwant %s", gotB64, tt.wantB64)
			}
			// The example's Base64 is the Base64 of its JSON.
			if base64.StdEncoding.EncodeToString([]byte(tt.wantJSON)) != tt.wantB64 {
				t.Errorf("test vector inconsistent")
			}
		})
	}
}
