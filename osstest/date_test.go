package osstest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
)

// TestHeaderSignatureDates: the date headers of header signatures as OSS
// takes them, each row a fact from a client's source or OSS's
// documentation:
//
//   - ali-oss (lib/common/utils/createRequest.js) sends x-oss-date and no
//     Date, RFC 1123 for V1 and ISO 8601 for V4; for V1 it signs that value
//     on the date line (lib/common/signUtils.js buildCanonicalString:
//     expires || headers['x-oss-date']) and again among the x-oss-* headers.
//   - The Go SDK v2 (oss/signer/v1.go) sends Date only for V1; for V4
//     (v4.go) both x-oss-date and Date.
//   - OSS takes Date (GMT) or x-oss-date in a header signature and refuses a
//     request with neither (error pages 0002-00000502 and 0002-00000503,
//     whose V4 example carries Date and no x-oss-date; the 0002-00000503
//     example gives a V1 request an ISO 8601 x-oss-date).
//   - A request time more than 15 minutes from the server's is
//     RequestTimeTooSkewed, either way.
func TestHeaderSignatureDates(t *testing.T) {
	tests := []struct {
		name   string
		auth   auth
		status int
		code   string
	}{
		{"V1 Date (Go SDK v2)", auth{kind: "v1"}, 200, ""},
		{"V1 x-oss-date RFC 1123 only (ali-oss)", auth{kind: "v1", dates: "x-oss-date"}, 200, ""},
		{"V1 x-oss-date ISO 8601 only", auth{kind: "v1", dates: "x-oss-date-iso"}, 200, ""},
		{"V1 Date and x-oss-date", auth{kind: "v1", dates: "both"}, 200, ""},
		{"V1 x-oss-date 14 min behind", auth{kind: "v1", dates: "x-oss-date", at: t0.Add(-14 * time.Minute)}, 200, ""},
		{"V1 x-oss-date 16 min behind", auth{kind: "v1", dates: "x-oss-date", at: t0.Add(-16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"V1 x-oss-date 16 min ahead", auth{kind: "v1", dates: "x-oss-date", at: t0.Add(16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"V1 Date 16 min ahead", auth{kind: "v1", at: t0.Add(16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"V1 Date 14 min ahead", auth{kind: "v1", at: t0.Add(14 * time.Minute)}, 200, ""},
		{"V4 x-oss-date (ali-oss)", auth{kind: "v4"}, 200, ""},
		{"V4 Date only", auth{kind: "v4", dates: "Date"}, 200, ""},
		{"V4 Date and x-oss-date (Go SDK v2)", auth{kind: "v4", dates: "both"}, 200, ""},
		{"V4 Date only, 14 min behind", auth{kind: "v4", dates: "Date", at: t0.Add(-14 * time.Minute)}, 200, ""},
		{"V4 Date only, 16 min behind", auth{kind: "v4", dates: "Date", at: t0.Add(-16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"V4 x-oss-date 16 min ahead", auth{kind: "v4", at: t0.Add(16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"V4 x-oss-date 16 min behind", auth{kind: "v4", at: t0.Add(-16 * time.Minute)}, 403, "RequestTimeTooSkewed"},
	}
	srv := newServer(t, osstest.Config{})
	putObject(t, srv, "dated.txt", []byte("dated"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.auth.key = testKey
			req := objReq(t, srv, http.MethodGet, "dated.txt", "", nil, nil, "")
			tc.auth.sign(req, srv.Bucket(), "dated.txt")
			r := do(t, nil, req)
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.code != "" {
				if e := r.ossError(t); e.Code != tc.code {
					t.Errorf("code %s %q, want %s", e.Code, e.Message, tc.code)
				}
			} else if string(r.body) != "dated" {
				t.Errorf("body %q", r.body)
			}
		})
	}
}

// TestHeaderSignatureBadDates: a header signature without any date, or with
// one in the wrong format, is refused with OSS's EC codes (0002-00000503,
// 0002-00000502).
func TestHeaderSignatureBadDates(t *testing.T) {
	srv := newServer(t, osstest.Config{})
	tests := []struct {
		name    string
		kind    string
		headers map[string]string
		status  int
		ec      string
	}{
		{"V1 without a date", "v1", nil, 403, "0002-00000503"},
		{"V4 without a date", "v4", nil, 403, "0002-00000503"},
		{"V1 Date in ISO 8601", "v1", map[string]string{"Date": "20241203T123000Z"}, 403, "0002-00000502"},
		{"V1 x-oss-date not a date", "v1", map[string]string{"X-Oss-Date": "yesterday"}, 403, "0002-00000502"},
		{"V4 Date in ISO 8601", "v4", map[string]string{"Date": "20241203T123000Z"}, 400, "0002-00000502"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := objReq(t, srv, http.MethodGet, "k", "", nil, tc.headers, "")
			req.Header.Set("X-Oss-Content-Sha256", "UNSIGNED-PAYLOAD")
			if tc.kind == "v1" {
				req.Header.Set("Authorization", "OSS "+testKey.ID+":c2lnbmF0dXJl")
			} else {
				req.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+testKey.ID+"/20241203/cn-hangzhou/oss/aliyun_v4_request,Signature=00")
			}
			r := do(t, nil, req)
			if e := r.ossError(t); r.status != tc.status || e.EC != tc.ec {
				t.Errorf("%d %s %q EC %s, want %d EC %s", r.status, e.Code, e.Message, e.EC, tc.status, tc.ec)
			}
		})
	}
}
