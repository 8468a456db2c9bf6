package postpolicy_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// Benchmarks come in pairs with a baseline measured in the same run:
//
//	go test -run='^$' -bench=. -benchmem ./internal/postpolicy
var benchFields = map[string]string{
	"key":                     "user/eric/${filename}",
	"success_action_status":   "201",
	"x-oss-signature-version": "OSS4-HMAC-SHA256",
	"x-oss-credential":        "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request",
	"x-oss-date":              "20241203T121212Z",
	"policy":                  specV4B64,
	"x-oss-signature":         "5bbaa7dccf181651f144b461cad5ff1390af4b75211afc7288bd7cdc98fc568e",
	"Content-Type":            "text/plain",
}

// BenchmarkCheck evaluates the V4 policy of docs/PROTOCOL.md#worked-example against its golden form.
func BenchmarkCheck(b *testing.B) {
	p := specV4Policy()
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if err := postpolicy.Check(&p, now, "examplebucket", benchFields); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckBaseline is the floor: one exact-case map lookup and one
// comparison per condition, with none of OSS's case-insensitivity.
func BenchmarkCheckBaseline(b *testing.B) {
	p := specV4Policy()
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if !now.Before(p.Expiration) {
			b.Fatal("expired")
		}
		for _, c := range p.Conditions {
			if c.Op == policy.OpContentLengthRange {
				continue
			}
			v, ok := benchFields[c.Field]
			if c.Field == "bucket" {
				v, ok = "examplebucket", true
			}
			if !ok || (c.Op == policy.OpEq && v != c.Value) || (c.Op == policy.OpStartsWith && !strings.HasPrefix(v, c.Value)) {
				b.Fatal("condition failed")
			}
		}
	}
}

// BenchmarkDecode is the emulator's cost per request for the policy field;
// the baseline is Base64 + encoding/json into generic values, which checks
// nothing.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := postpolicy.Decode(specV4B64); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBaseline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		doc, err := base64.StdEncoding.DecodeString(specV4B64)
		if err != nil {
			b.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}
