package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/postpolicy"
)

// lockedBuffer is a log sink safe to read while the server may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const testOrigin = "https://app.example.com"

// userUpload is a typical application decision: the user named by the
// X-User header (standing in for a session) may write under users/<name>/,
// and the callback carries the user id, pinned.
func userUpload(r *http.Request) (Upload, error) {
	user := r.Header.Get("X-User")
	switch user {
	case "":
		return Upload{}, fmt.Errorf("%w: log in first", ErrUnauthorized)
	case "mallory":
		return Upload{}, fmt.Errorf("%w: uploads disabled for this account", ErrForbidden)
	case "db-down":
		return Upload{}, errors.New("users: connection refused to 10.0.0.5:5432")
	case "buggy":
		return Upload{MaxSize: 1}, nil // no key prefix: Sign refuses it
	}
	return Upload{
		KeyPrefix: "users/" + user + "/",
		MaxSize:   1 << 20,
		Callback:  &callback.Params{URL: "https://app.example.com/oss/callback", Body: "object=${object}&uid=${x:uid}"},
		CallbackVars: map[string]string{
			"x:uid": user,
		},
	}, nil
}

func newTokenServer(t *testing.T, creds CredentialsProvider) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	h := &Handler{
		Signer:       &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", CallbackSecret: signCallbackSecret},
		Upload:       userUpload,
		AllowOrigins: []string{testOrigin, "http://localhost:3000"},
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, logs
}

func do(t *testing.T, srv *httptest.Server, method string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/oss/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Two users get tokens whose policies allow only their own prefix, and
// whose callback reports their own, pinned, user id.
func TestHandlerPerUserTokens(t *testing.T) {
	srv, _ := newTokenServer(t, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"})
	tokens := map[string]*Token{}
	for _, user := range []string{"alice", "bob"} {
		resp, body := do(t, srv, http.MethodGet, map[string]string{"X-User": user})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", user, resp.StatusCode, body)
		}
		gotHdr := map[string]string{
			"Cache-Control": resp.Header.Get("Cache-Control"),
			"Content-Type":  resp.Header.Get("Content-Type"),
		}
		if diff := cmp.Diff(map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"}, gotHdr); diff != "" {
			t.Errorf("%s: headers (-want +got):\n%s", user, diff)
		}
		var tok Token
		if err := json.Unmarshal(body, &tok); err != nil {
			t.Fatalf("%s: %v: %s", user, err, body)
		}
		if tok.Dir != "users/"+user+"/" || tok.Fields["x:uid"] != user {
			t.Errorf("%s: dir %q, x:uid %q", user, tok.Dir, tok.Fields["x:uid"])
		}
		tokens[user] = &tok
	}

	now := time.Now()
	for user, tok := range tokens {
		p, err := postpolicy.Decode(tok.Fields["policy"])
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{"alice", "bob"} {
			form := map[string]string{}
			for k, v := range tok.Fields {
				form[k] = v
			}
			form["key"] = "users/" + target + "/${filename}"
			err := postpolicy.Check(p, now, "b", form)
			if target == user && err != nil {
				t.Errorf("%s cannot write own prefix: %v", user, err)
			}
			if target != user && !errors.Is(err, postpolicy.ErrConditionFailed) {
				t.Errorf("%s writing under %s/: err = %v, want ErrConditionFailed", user, target, err)
			}
		}
		// The uploader cannot claim to be someone else in the callback.
		form := map[string]string{"key": tok.Dir + "f"}
		for k, v := range tok.Fields {
			form[k] = v
		}
		form["x:uid"] = "admin"
		if err := postpolicy.Check(p, now, "b", form); !errors.Is(err, postpolicy.ErrConditionFailed) {
			t.Errorf("%s forging x:uid: err = %v, want ErrConditionFailed", user, err)
		}
	}
}

func TestHandlerResponses(t *testing.T) {
	okSrv, okLogs := newTokenServer(t, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"})
	stsDown := CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		return Credentials{}, errors.New("sts: AssumeRole: 503 from sts.aliyuncs.com")
	})
	badSrv, badLogs := newTokenServer(t, stsDown)
	emptyEnvSrv, _ := newTokenServer(t, StaticCredentials{})

	tests := []struct {
		name       string
		srv        *httptest.Server
		logs       *lockedBuffer
		method     string
		hdr        map[string]string
		wantStatus int
		wantError  string            // the JSON error message; "" for a token
		wantHdr    map[string]string // "" value: header must be absent
		wantLog    string            // must appear in the error log
	}{
		{"no user", okSrv, okLogs, "GET", nil, 401, "signer: unauthorized: log in first", nil, ""},
		{"refused user", okSrv, okLogs, "GET", map[string]string{"X-User": "mallory"}, 403, "signer: forbidden: uploads disabled for this account", nil, ""},
		{"app failure", okSrv, okLogs, "GET", map[string]string{"X-User": "db-down"}, 500, "internal error", nil, "10.0.0.5:5432"},
		{"app bug", okSrv, okLogs, "GET", map[string]string{"X-User": "buggy"}, 500, "internal error", nil, "no Key or KeyPrefix"},
		{"credentials down", badSrv, badLogs, "GET", map[string]string{"X-User": "alice"}, 503, "upload credentials unavailable", nil, "AssumeRole"},
		{"no credentials", emptyEnvSrv, nil, "GET", map[string]string{"X-User": "alice"}, 503, "upload credentials unavailable", nil, ""},
		{"POST", okSrv, okLogs, "POST", map[string]string{"X-User": "alice"}, 405, "method POST not allowed", map[string]string{"Allow": "GET, HEAD, OPTIONS"}, ""},
		{"HEAD", okSrv, okLogs, "HEAD", map[string]string{"X-User": "alice"}, 200, "", map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}, ""},
		{"listed origin", okSrv, okLogs, "GET", map[string]string{"X-User": "alice", "Origin": testOrigin}, 200, "",
			map[string]string{"Access-Control-Allow-Origin": testOrigin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}, ""},
		{"origin case", okSrv, okLogs, "GET", map[string]string{"X-User": "alice", "Origin": "HTTP://LOCALHOST:3000"}, 200, "",
			map[string]string{"Access-Control-Allow-Origin": "HTTP://LOCALHOST:3000"}, ""},
		{"unlisted origin", okSrv, okLogs, "GET", map[string]string{"X-User": "alice", "Origin": "https://evil.example"}, 200, "",
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": "Origin"}, ""},
		{"error keeps CORS", okSrv, okLogs, "GET", map[string]string{"Origin": testOrigin}, 401, "signer: unauthorized: log in first",
			map[string]string{"Access-Control-Allow-Origin": testOrigin, "Cache-Control": "no-store"}, ""},
		{"preflight", okSrv, okLogs, "OPTIONS", map[string]string{"Origin": testOrigin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}, 204, "",
			map[string]string{"Access-Control-Allow-Origin": testOrigin, "Access-Control-Allow-Methods": "GET, HEAD",
				"Access-Control-Allow-Headers": "authorization", "Access-Control-Max-Age": "600"}, ""},
		{"preflight unlisted", okSrv, okLogs, "OPTIONS", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, 403, "origin not allowed",
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}, ""},
		{"plain OPTIONS", okSrv, okLogs, "OPTIONS", nil, 204, "", map[string]string{"Allow": "GET, HEAD, OPTIONS", "Access-Control-Allow-Methods": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.srv, tt.method, tt.hdr)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
			}
			for k, want := range tt.wantHdr {
				if got := strings.Join(resp.Header.Values(k), ", "); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			switch {
			case tt.wantError != "":
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("error Content-Type = %q", ct)
				}
				var e map[string]string
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("error body is not JSON: %v: %q", err, body)
				}
				if diff := cmp.Diff(map[string]string{"error": tt.wantError}, e); diff != "" {
					t.Errorf("error body (-want +got):\n%s", diff)
				}
			case resp.StatusCode == 200 && tt.method == "GET":
				var tok Token
				if err := json.Unmarshal(body, &tok); err != nil || tok.Fields["policy"] == "" {
					t.Errorf("no token: %v: %s", err, body)
				}
			case len(body) != 0:
				t.Errorf("unexpected body %q", body)
			}
			if tt.wantLog != "" {
				if !strings.Contains(tt.logs.String(), tt.wantLog) {
					t.Errorf("log %q lacks %q", tt.logs.String(), tt.wantLog)
				}
				if strings.Contains(string(body), tt.wantLog) {
					t.Errorf("internal detail %q sent to the client: %s", tt.wantLog, body)
				}
			}
		})
	}
}

// Without AllowOrigins there are no CORS headers and no Vary at all.
func TestHandlerNoCORS(t *testing.T) {
	h := &Handler{
		Signer: &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: "cn-hangzhou", CallbackSecret: signCallbackSecret},
		Upload: userUpload,
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, body := do(t, srv, "GET", map[string]string{"X-User": "alice", "Origin": testOrigin})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary"} {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("%s = %q, want none", k, v)
		}
	}
}

// "*" and "null" in AllowOrigins never match: echoed with
// Access-Control-Allow-Credentials they would hand a user's tokens to any
// page ("null" is the origin of sandboxed iframes and file: pages).
func TestHandlerWildcardOriginsNeverMatch(t *testing.T) {
	h := &Handler{
		Signer:       &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: "cn-hangzhou", CallbackSecret: signCallbackSecret},
		Upload:       userUpload,
		AllowOrigins: []string{"*", "null", "NULL", testOrigin},
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tests := []struct {
		method, origin string
		wantStatus     int
		wantACAO       string
	}{
		{"GET", "*", 200, ""},
		{"GET", "null", 200, ""},
		{"GET", "https://evil.example", 200, ""},
		{"OPTIONS", "null", 403, ""},
		{"OPTIONS", "*", 403, ""},
		{"GET", testOrigin, 200, testOrigin}, // control
	}
	for _, tt := range tests {
		t.Run(tt.method+" from "+tt.origin, func(t *testing.T) {
			resp, body := do(t, srv, tt.method, map[string]string{"X-User": "alice", "Origin": tt.origin, "Access-Control-Request-Method": "GET"})
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s from %q: status %d, want %d: %s", tt.method, tt.origin, resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("%s from %q: Access-Control-Allow-Origin = %q, want %q", tt.method, tt.origin, got, tt.wantACAO)
			}
			if got, want := resp.Header.Get("Access-Control-Allow-Credentials"), map[bool]string{true: "true"}[tt.wantACAO != ""]; got != want {
				t.Errorf("%s from %q: Access-Control-Allow-Credentials = %q, want %q", tt.method, tt.origin, got, want)
			}
		})
	}
}

func TestHandlerMisconfigured(t *testing.T) {
	logs := &lockedBuffer{}
	srv := httptest.NewServer(&Handler{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	defer srv.Close()
	resp, body := do(t, srv, "GET", nil)
	if resp.StatusCode != 500 || !strings.Contains(string(body), "internal error") {
		t.Errorf("status %d body %s; want 500 internal error", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "Handler needs Signer and Upload") {
		t.Errorf("log %q does not explain the misconfiguration", logs.String())
	}
}
