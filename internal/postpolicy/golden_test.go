package postpolicy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// The worked example of docs/PROTOCOL.md#worked-example (checked against
// the official Node SDK ali-oss): exact JSON bytes and Base64 of a V1 and a
// V4 policy. policy's own golden test checks that Encode writes them.
const (
	specV1JSON = `{"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["starts-with","$key","user/eric/"]]}`
	specV1B64  = `eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0=`
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

var exp = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// equalTime compares instants, not zones or monotonic readings.
var equalTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// TestDecodeGolden: decoding the worked example's Base64 gives back the
// policy built with package policy.
func TestDecodeGolden(t *testing.T) {
	tests := []struct {
		name string
		b64  string
		want policy.Policy
	}{
		{"V1", specV1B64, specV1Policy()},
		{"V4", specV4B64, specV4Policy()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, err := postpolicy.Decode(tt.b64)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, *dec, equalTime); diff != "" {
				t.Errorf("Decode mismatch (-built +decoded):\n%s", diff)
			}
		})
	}
}

// checkInvalid asserts err is a 400 InvalidPolicyDocument *Error wrapping
// policy.ErrInvalidPolicy whose message contains wantMsg and whose EC is
// wantEC.
func checkInvalid(t *testing.T, err error, wantMsg, wantEC string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want message containing %q", wantMsg)
	}
	if !errors.Is(err, policy.ErrInvalidPolicy) {
		t.Errorf("errors.Is(%v, ErrInvalidPolicy) = false", err)
	}
	var pe *postpolicy.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err %T is not *postpolicy.Error", err)
	}
	if pe.Status != 400 || pe.Code != "InvalidPolicyDocument" {
		t.Errorf("status/code = %d %s, want 400 InvalidPolicyDocument", pe.Status, pe.Code)
	}
	if !strings.HasPrefix(pe.Message, "Invalid Policy: ") {
		t.Errorf("message %q lacks OSS prefix \"Invalid Policy: \"", pe.Message)
	}
	if !strings.Contains(pe.Message, wantMsg) {
		t.Errorf("message %q does not contain %q", pe.Message, wantMsg)
	}
	if pe.EC != wantEC {
		t.Errorf("EC = %q, want %q", pe.EC, wantEC)
	}
}
