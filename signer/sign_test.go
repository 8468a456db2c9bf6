package signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"testing"
	"time"
)

// The worked example of docs/PROTOCOL.md#worked-example, cross-checked with
// Python and with the official Node SDK ali-oss.
const (
	workedAKID   = "LTAI5tExampleKeyId"
	workedSecret = "ExampleSecretKey1234567890abcd"
	workedBucket = "examplebucket"

	workedPolicyV1     = `{"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},["content-length-range",1,10485760],["starts-with","$key","user/eric/"]]}`
	workedPolicyV1B64  = "eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0="
	workedSignatureV1  = "X8tqkl9IljJipmDs1Ve4DP8THj8="
	workedPolicyV4     = `{"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},{"x-oss-signature-version":"OSS4-HMAC-SHA256"},{"x-oss-credential":"LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20241203T121212Z"},["content-length-range",1,10485760],["starts-with","$key","user/eric/"]]}`
	workedPolicyV4B64  = "eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1vc3Mtc2lnbmF0dXJlLXZlcnNpb24iOiJPU1M0LUhNQUMtU0hBMjU2In0seyJ4LW9zcy1jcmVkZW50aWFsIjoiTFRBSTV0RXhhbXBsZUtleUlkLzIwMjQxMjAzL2NuLWhhbmd6aG91L29zcy9hbGl5dW5fdjRfcmVxdWVzdCJ9LHsieC1vc3MtZGF0ZSI6IjIwMjQxMjAzVDEyMTIxMloifSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVzZXIvZXJpYy8iXV19"
	workedSigningKeyV4 = "8207c812270ab145774ef44b4d02ce5c0deacedd2c4ed55f7e66ef7680b872dc"
	workedSignatureV4  = "5bbaa7dccf181651f144b461cad5ff1390af4b75211afc7288bd7cdc98fc568e"
	workedCredential   = "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"
)

var workedTime = time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)

func TestWorkedExampleEncoding(t *testing.T) {
	// Guards the constants themselves: the Base64 texts are the JSON texts.
	for _, c := range []struct{ name, json, b64 string }{{"V1", workedPolicyV1, workedPolicyV1B64}, {"V4", workedPolicyV4, workedPolicyV4B64}} {
		t.Run(c.name, func(t *testing.T) {
			if got := base64.StdEncoding.EncodeToString([]byte(c.json)); got != c.b64 {
				t.Errorf("base64(%s) = %s, want %s", c.json, got, c.b64)
			}
		})
	}
}

func TestSignV1Worked(t *testing.T) {
	if got := signV1(workedSecret, workedPolicyV1B64); got != workedSignatureV1 {
		t.Errorf("signV1 = %s, want %s (docs/PROTOCOL.md#worked-example)", got, workedSignatureV1)
	}
}

// v4Date is t's UTC date as the V4 scope spells it.
func v4Date(t time.Time) string { return t.UTC().Format(v4DateLayout) }

// signV4 is a V4 POST signature through the primitives: the hex HMAC of the
// Base64 policy under the signing key.
func signV4(secret, region string, t time.Time, encodedPolicy string) string {
	return hex.EncodeToString(refHMAC(func() hashT { return sha256.New() },
		signingKeyV4(secret, v4Date(t), standardRegion(region)), encodedPolicy))
}

func TestSignV4Worked(t *testing.T) {
	for _, region := range []string{"cn-hangzhou", "oss-cn-hangzhou"} {
		if got := hex.EncodeToString(signingKeyV4(workedSecret, v4Date(workedTime), standardRegion(region))); got != workedSigningKeyV4 {
			t.Errorf("signingKeyV4(region %q) = %s, want %s", region, got, workedSigningKeyV4)
		}
		if got := signV4(workedSecret, region, workedTime, workedPolicyV4B64); got != workedSignatureV4 {
			t.Errorf("signV4(region %q) = %s, want %s", region, got, workedSignatureV4)
		}
		if got := credentialV4(workedAKID, v4Date(workedTime), standardRegion(region)); got != workedCredential {
			t.Errorf("credentialV4(region %q) = %s, want %s", region, got, workedCredential)
		}
	}
}

// refHMAC is an independent reference: straight crypto/hmac, no code from
// the package under test.
func refHMAC(h func() hashT, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

type hashT = hash.Hash

func refSigningKeyV4(secret, date, region string) []byte {
	sha := func() hashT { return sha256.New() }
	k := refHMAC(sha, []byte("aliyun_v4"+secret), date)
	k = refHMAC(sha, k, region)
	k = refHMAC(sha, k, "oss")
	return refHMAC(sha, k, "aliyun_v4_request")
}

func TestSignAgainstReferenceHMAC(t *testing.T) {
	tests := []struct {
		name, secret, region, wantRegion, policy string
		at                                       time.Time
		wantDate                                 string
	}{
		{"plain", "s3cr3t", "cn-beijing", "cn-beijing", "eyJhIjoxfQ==", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), "20300102"},
		{"endpoint region", "s3cr3t", "oss-ap-southeast-1", "ap-southeast-1", "e30=", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), "20300102"},
		// 07:30 in Shanghai is still the previous day in UTC: the
		// date must be the UTC one, as x-oss-date is UTC
		// (docs/PROTOCOL.md#post-signature-v4).
		{"non-UTC clock", "k", "cn-shanghai", "cn-shanghai", "e30=", time.Date(2024, 3, 1, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)), "20240229"},
		{"empty secret and policy", "", "cn-hangzhou", "cn-hangzhou", "", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), "20241231"},
		{"non-ASCII secret", "密钥/+=", "us-west-1", "us-west-1", "eyJ4IjoiXHUwMDI2In0=", time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC), "20010909"},
		{"only the prefix is stripped", "k", "oss-oss-x", "oss-x", "e30=", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "20240101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantV1 := base64.StdEncoding.EncodeToString(refHMAC(func() hashT { return sha1.New() }, []byte(tt.secret), tt.policy))
			if got := signV1(tt.secret, tt.policy); got != wantV1 {
				t.Errorf("signV1 = %s, want %s", got, wantV1)
			}
			if got := v4Date(tt.at); got != tt.wantDate {
				t.Errorf("date %s, want %s", got, tt.wantDate)
			}
			if got := standardRegion(tt.region); got != tt.wantRegion {
				t.Errorf("standardRegion(%q) = %s, want %s", tt.region, got, tt.wantRegion)
			}
			key := refSigningKeyV4(tt.secret, tt.wantDate, tt.wantRegion)
			if got := signingKeyV4(tt.secret, tt.wantDate, tt.wantRegion); !hmac.Equal(got, key) {
				t.Errorf("signingKeyV4 = %x, want %x", got, key)
			}
			wantCred := "AK/" + tt.wantDate + "/" + tt.wantRegion + "/oss/aliyun_v4_request"
			if got := credentialV4("AK", tt.wantDate, tt.wantRegion); got != wantCred {
				t.Errorf("credentialV4 = %s, want %s", got, wantCred)
			}
		})
	}
}

func TestStandardRegion(t *testing.T) {
	for in, want := range map[string]string{
		"cn-hangzhou":     "cn-hangzhou",
		"oss-cn-hangzhou": "cn-hangzhou",
		"oss-":            "",
		"":                "",
		"OSS-cn-hangzhou": "OSS-cn-hangzhou", // ali-oss strips only the lower-case prefix
		"cn-oss-x":        "cn-oss-x",
	} {
		if got := standardRegion(in); got != want {
			t.Errorf("standardRegion(%q) = %q, want %q", in, got, want)
		}
	}
}
