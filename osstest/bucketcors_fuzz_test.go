package osstest

import (
	"strings"
	"testing"
)

// FuzzCORSConfiguration: any PutBucketCors body is a rule set within OSS's
// limits (bucketcors.go) or refused with a 400 MalformedXML or
// InvalidArgument; never a panic. Seeds: testdata/fuzz/FuzzCORSConfiguration.
func FuzzCORSConfiguration(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		conf, oe := parseCORSConfiguration(body)
		if oe != nil {
			if oe.status != 400 || (oe.code != "MalformedXML" && oe.code != "InvalidArgument") {
				t.Fatalf("%q: %v", body, oe)
			}
			return
		}
		if len(conf.Rules) == 0 || len(conf.Rules) > maxCORSRules || len(body) > maxCORSBody {
			t.Fatalf("%q: %d rules accepted", body, len(conf.Rules))
		}
		for _, r := range conf.Rules {
			if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 || r.MaxAgeSeconds < 0 {
				t.Fatalf("%q: rule %+v accepted", body, r)
			}
			for _, m := range r.AllowedMethods {
				if !corsMethods[m] {
					t.Fatalf("%q: method %q accepted", body, m)
				}
			}
			for _, o := range append(r.AllowedOrigins, r.AllowedHeaders...) {
				if strings.Count(o, "*") > 1 {
					t.Fatalf("%q: %q accepted", body, o)
				}
			}
			for _, h := range r.ExposeHeaders {
				if strings.Contains(h, "*") {
					t.Fatalf("%q: expose header %q accepted", body, h)
				}
			}
			// What GetBucketCors answers matches again.
			if matchCORS(conf.Rules, r.AllowedOrigins[0], r.AllowedMethods[0], nil) == nil && !strings.Contains(r.AllowedOrigins[0], "*") {
				t.Fatalf("%q: rule %+v does not match its own origin and method", body, r)
			}
		}
	})
}
