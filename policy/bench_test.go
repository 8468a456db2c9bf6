package policy_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// Benchmarks come in pairs with a baseline measured in the same run:
//
//	go test -run='^$' -bench=. -benchmem ./policy
//
// BenchmarkEncode is the policy half of a signer's token: canonical JSON +
// Base64. Its baseline only Base64-encodes the already-marshalled bytes,
// i.e. the floor any encoder must pay.
func BenchmarkEncode(b *testing.B) {
	p := specV4Policy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBaseline(b *testing.B) {
	doc := []byte(specV4JSON)
	b.ReportAllocs()
	for b.Loop() {
		_ = base64.StdEncoding.EncodeToString(doc)
	}
}

// BenchmarkEncodeJSONMarshal is the naive way to produce the same bytes:
// encoding/json on generic values, then Base64 (for comparison only).
func BenchmarkEncodeJSONMarshal(b *testing.B) {
	type doc struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}
	exp := time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		out, err := json.Marshal(doc{
			Expiration: exp.UTC().Format("2006-01-02T15:04:05.000Z"),
			Conditions: []any{
				map[string]string{"bucket": "examplebucket"},
				map[string]string{"x-oss-signature-version": "OSS4-HMAC-SHA256"},
				map[string]string{"x-oss-credential": "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"},
				map[string]string{"x-oss-date": "20241203T121212Z"},
				[]any{"content-length-range", 1, 10485760},
				[]any{"starts-with", "$key", "user/eric/"},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		if string(out) != specV4JSON {
			b.Fatalf("baseline JSON differs: %s", out)
		}
		_ = base64.StdEncoding.EncodeToString(out)
	}
}
