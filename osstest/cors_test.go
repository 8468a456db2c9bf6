package osstest_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/ossdirect/ossdirect/osstest"
)

func TestCORSPreflight(t *testing.T) {
	srv := newServer(t, osstest.Config{CORS: []osstest.CORSRule{
		{
			AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"},
			AllowedMethods: []string{"POST", "GET"},
			AllowedHeaders: []string{"content-type", "x-oss-*"},
			ExposeHeaders:  []string{"ETag", "x-oss-request-id"},
			MaxAgeSeconds:  600,
		},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}})
	const refused = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec."
	tests := []struct {
		name            string
		origin, method  string
		reqHeaders      string
		status          int
		code, msg       string
		wantAllowOrigin string
		wantHeaders     map[string]string
	}{
		{name: "allowed POST with headers", origin: "https://app.example.com", method: "POST", reqHeaders: "Content-Type, X-OSS-Meta-A",
			status: 200, wantAllowOrigin: "https://app.example.com", wantHeaders: map[string]string{
				"Access-Control-Allow-Methods":  "POST, GET",
				"Access-Control-Allow-Headers":  "content-type, x-oss-meta-a",
				"Access-Control-Expose-Headers": "ETag, x-oss-request-id",
				"Access-Control-Max-Age":        "600",
			}},
		{name: "wildcard origin", origin: "https://upload.example.org", method: "POST", status: 200, wantAllowOrigin: "https://upload.example.org"},
		{name: "second rule", origin: "https://elsewhere.test", method: "GET", status: 200, wantAllowOrigin: "https://elsewhere.test",
			wantHeaders: map[string]string{"Access-Control-Allow-Methods": "GET", "Access-Control-Expose-Headers": ""}},
		{name: "scheme differs", origin: "http://upload.example.org", method: "POST", status: 403, code: "AccessForbidden", msg: refused},
		{name: "method not allowed", origin: "https://app.example.com", method: "PUT", status: 403, code: "AccessForbidden", msg: refused},
		{name: "header not allowed", origin: "https://app.example.com", method: "POST", reqHeaders: "authorization", status: 403, code: "AccessForbidden", msg: refused},
		{name: "no Origin", method: "POST", status: 400, code: "BadRequest", msg: "Insufficient information. Origin request header needed."},
		{name: "no method", origin: "https://app.example.com", status: 400, code: "BadRequest", msg: "Invalid Access-Control-Request-Method: null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.origin != "" {
				h["Origin"] = tc.origin
			}
			if tc.method != "" {
				h["Access-Control-Request-Method"] = tc.method
			}
			if tc.reqHeaders != "" {
				h["Access-Control-Request-Headers"] = tc.reqHeaders
			}
			r := get(t, http.MethodOptions, srv.URL+"/", "", h)
			checkCommonHeaders(t, r)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tc.wantAllowOrigin {
				t.Errorf("Allow-Origin = %q, want %q", got, tc.wantAllowOrigin)
			}
			for k, v := range tc.wantHeaders {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.code != "" {
				if e := r.ossError(t); e.Code != tc.code || e.Message != tc.msg {
					t.Errorf("error %s %q", e.Code, e.Message)
				}
			}
		})
	}

	// Without rules every preflight is refused.
	bare := newServer(t, osstest.Config{})
	r := get(t, http.MethodOptions, bare.URL+"/", "", map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
	if r.status != 403 {
		t.Errorf("no rules: %d", r.status)
	}
}

// TestCORSActualRequests: uploads from an allowed origin carry the CORS
// headers on success and on errors, so the page can read either; other
// origins are served without them.
func TestCORSActualRequests(t *testing.T) {
	srv := newServer(t, osstest.Config{CORS: []osstest.CORSRule{{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"POST"},
		ExposeHeaders:  []string{"ETag", "x-oss-request-id"},
	}}})
	send := func(origin string, parts []part) result {
		body, ct := encodeForm(t, parts)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", origin)
		return do(t, nil, req)
	}
	good := join(v1Auth(t, testKey, basePolicy()), []part{field("key", "user/eric/cors"), file("f", "", "x")})
	bad := with(good, "Signature", "AAAA")
	tests := []struct {
		name, origin string
		parts        []part
		status       int
		cors         bool
	}{
		{"allowed origin, success", "https://app.example.com", good, 204, true},
		{"allowed origin, error", "https://app.example.com", bad, 403, true},
		{"other origin, success", "https://evil.example", good, 204, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(tc.origin, tc.parts)
			if r.status != tc.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			wantOrigin, wantExpose := "", ""
			if tc.cors {
				wantOrigin, wantExpose = tc.origin, "ETag, x-oss-request-id"
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != wantOrigin {
				t.Errorf("Allow-Origin = %q, want %q", got, wantOrigin)
			}
			if got := r.header.Get("Access-Control-Expose-Headers"); got != wantExpose {
				t.Errorf("Expose-Headers = %q, want %q", got, wantExpose)
			}
		})
	}
}
