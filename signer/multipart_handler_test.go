package signer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

var (
	testTicketSecret  = callback.Secret{ID: "t1", Key: []byte("ticket-secret-0123456789abcdef!!")}
	testTicketSecrets = callback.Secrets{testTicketSecret}
)

// planForUser is a typical application decision: the user named by X-User
// uploads under users/<name>/ with the file's type, up to 1 GiB, and the
// callback names the user in its (bound) URL.
func planForUser(r *http.Request, user string, f File) (Multipart, error) {
	switch {
	case user == "db-down":
		return Multipart{}, errors.New("users: connection refused")
	case f.Size > 1<<30:
		return Multipart{}, fmt.Errorf("%w: files over 1 GiB need a bigger plan", ErrForbidden)
	case user == "buggy":
		return Multipart{Size: f.Size}, nil // no key: the app's bug
	}
	return Multipart{
		Key: "users/" + user + "/" + baseName(f.Name), Size: f.Size, PartSize: minPartSize, ContentType: f.Type,
		Callback: &callback.Params{URL: "https://app.example.com/oss/callback?uid=" + user, Body: "object=${object}&size=${size}"},
	}, nil
}

// baseName is the last element of a browser-supplied file name, with "/"
// or "\\" separators.
func baseName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func userFromHeader(r *http.Request) (string, error) {
	switch u := r.Header.Get("X-User"); u {
	case "":
		return "", fmt.Errorf("%w: log in first", ErrUnauthorized)
	case "mallory":
		return "", fmt.Errorf("%w: account suspended", ErrForbidden)
	default:
		return u, nil
	}
}

type multipartServer struct {
	*httptest.Server
	now  atomic.Int64 // Unix seconds of the signer's clock
	logs *lockedBuffer
}

func newMultipartServer(t *testing.T, creds CredentialsProvider) *multipartServer {
	t.Helper()
	ms := &multipartServer{logs: &lockedBuffer{}}
	ms.now.Store(1702781677)
	s := &Signer{Credentials: creds, Bucket: "bucket", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: testBindingSecret}},
		Now: func() time.Time { return time.Unix(ms.now.Load(), 0) }}
	ms.Server = httptest.NewServer(http.StripPrefix("/oss/multipart", &MultipartHandler{
		Signer: s, Secrets: testTicketSecrets, User: userFromHeader, Plan: planForUser,
		AllowOrigins: []string{testOrigin}, Logger: slog.New(slog.NewTextHandler(ms.logs, nil)),
	}))
	t.Cleanup(ms.Close)
	return ms
}

var testCreds = StaticCredentials{AccessKeyID: "ak", AccessKeySecret: "sk"}

// call POSTs body as JSON to endpoint as user and decodes the answer into
// out (if not nil) when it is 200.
func (ms *multipartServer) call(t *testing.T, user, endpoint string, body any, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest("POST", ms.URL+"/oss/multipart/"+endpoint, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	resp, err := ms.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Cache-Control %q, Content-Type %q", endpoint, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s answer %s: %v", endpoint, raw, err)
		}
	}
	return resp.StatusCode, string(raw)
}

type planReply struct {
	Ticket    string     `json:"ticket"`
	Key       string     `json:"key"`
	Size      int64      `json:"size"`
	PartSize  int64      `json:"part_size"`
	PartCount int        `json:"part_count"`
	Expires   time.Time  `json:"expires"`
	Initiate  *Presigned `json:"initiate"`
}

func TestMultipartHandlerFlow(t *testing.T) {
	ms := newMultipartServer(t, testCreds)
	var plan planReply
	const size = 250 << 10 // three parts of 100 KiB, 100 KiB, 50 KiB
	if st, body := ms.call(t, "alice", "plan", File{Name: "C:\\x/holiday.mp4", Size: size, Type: "video/mp4"}, &plan); st != 200 {
		t.Fatalf("plan: %d %s", st, body)
	}
	if plan.Key != "users/alice/holiday.mp4" || plan.Size != size || plan.PartSize != minPartSize || plan.PartCount != 3 {
		t.Errorf("plan %+v", plan)
	}
	if want := time.Unix(1702781677, 0).Add(defaultTicketExpires); !plan.Expires.Equal(want) {
		t.Errorf("ticket expires %v, want %v", plan.Expires, want)
	}
	if plan.Initiate == nil || plan.Initiate.Method != "POST" || plan.Initiate.Header["content-type"] != "video/mp4" ||
		!strings.Contains(plan.Initiate.URL, "/users/alice/holiday.mp4?uploads=") {
		t.Errorf("initiate %+v", plan.Initiate)
	}

	var parts struct{ Parts []Part }
	if st, body := ms.call(t, "alice", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "UP1", Parts: []int{3, 1}}, &parts); st != 200 {
		t.Fatalf("parts: %d %s", st, body)
	}
	if len(parts.Parts) != 2 || parts.Parts[0].Number != 3 || parts.Parts[0].ContentLength != 50<<10 ||
		parts.Parts[1].Number != 1 || parts.Parts[1].ContentLength != minPartSize {
		t.Errorf("parts %+v", parts.Parts)
	}

	for _, step := range []struct{ name, method string }{{"complete", "POST"}, {"abort", "DELETE"}, {"list", "GET"}} {
		t.Run(step.name, func(t *testing.T) {
			var ans struct{ Request *Presigned }
			if st, body := ms.call(t, "alice", step.name, stepRequest{Ticket: plan.Ticket, UploadID: "UP1"}, &ans); st != 200 {
				t.Fatalf("%d %s", st, body)
			}
			q := mustQuery(t, ans.Request.URL)
			if ans.Request.Method != step.method || q.Get("uploadId") != "UP1" {
				t.Errorf("%+v", ans.Request)
			}
			if step.name == "complete" {
				cb, err := callbackwire.Decode(q.Get("callback"))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(cb.URL, "uid=alice&ossdirect-size=256000&ossdirect-expires=") {
					t.Errorf("complete callback URL %s lacks the user and planned size", cb.URL)
				}
			}
		})
	}
}

func TestMultipartHandlerRefuses(t *testing.T) {
	ms := newMultipartServer(t, testCreds)
	var plan planReply
	if st, body := ms.call(t, "alice", "plan", File{Name: "a.bin", Size: 1 << 20}, &plan); st != 200 {
		t.Fatalf("plan: %d %s", st, body)
	}
	id, rest, _ := strings.Cut(plan.Ticket, ".")
	payload, mac, _ := strings.Cut(rest, ".")
	forged := func(edit func(*ticket)) string {
		tk, err := openTicket(testTicketSecrets, plan.Ticket, "alice", time.Unix(1702781677, 0))
		if err != nil {
			t.Fatal(err)
		}
		edit(tk)
		s, err := sealTicket(callback.Secret{ID: "t1", Key: []byte("another-secret-0123456789abcdef!")}, tk)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name, user, endpoint string
		body                 any
		status               int
	}{
		{"not logged in", "", "plan", File{Size: 1}, 401},
		{"suspended", "mallory", "plan", File{Size: 1}, 403},
		{"plan refuses the size", "alice", "plan", File{Name: "a", Size: 2 << 30}, 403},
		{"plan fails", "db-down", "plan", File{Size: 1}, 500},
		{"plan is invalid", "buggy", "plan", File{Size: 1}, 500},
		{"zero size", "alice", "plan", File{Name: "a"}, 400},
		{"size over the largest object", "alice", "plan", File{Name: "a", Size: maxMultipartSize + 1}, 400},
		{"plan body not JSON", "alice", "plan", "size=1", 400},
		{"unknown endpoint", "alice", "delete-everything", stepRequest{}, 404},
		{"step body not JSON", "alice", "parts", "[1,2]", 400},
		{"body over 64 KiB", "alice", "parts", `{"ticket":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
		{"no ticket", "alice", "parts", stepRequest{UploadID: "U", Parts: []int{1}}, 403},
		{"ticket of another user", "bob", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "U", Parts: []int{1}}, 403},
		{"ticket with a changed payload", "alice", "parts", stepRequest{Ticket: id + "." + strings.Replace(payload, "a", "b", 1) + "." + mac, UploadID: "U", Parts: []int{1}}, 403},
		{"ticket without MAC", "alice", "parts", stepRequest{Ticket: id + "." + payload, UploadID: "U", Parts: []int{1}}, 403},
		{"ticket without ID", "alice", "parts", stepRequest{Ticket: payload + "." + mac, UploadID: "U", Parts: []int{1}}, 403},
		{"ticket naming another ID", "alice", "parts", stepRequest{Ticket: "t0." + payload + "." + mac, UploadID: "U", Parts: []int{1}}, 403},
		{"ticket sealed with another secret", "alice", "parts", stepRequest{Ticket: forged(func(*ticket) {}), UploadID: "U", Parts: []int{1}}, 403},
		{"ticket for a bigger file, forged", "alice", "complete", stepRequest{Ticket: forged(func(tk *ticket) { tk.Size *= 10 }), UploadID: "U"}, 403},
		{"part 0", "alice", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "U", Parts: []int{0}}, 400},
		{"part after the last", "alice", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "U", Parts: []int{1, 12}}, 400},
		{"no parts", "alice", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "U"}, 400},
		{"too many parts", "alice", "parts", stepRequest{Ticket: plan.Ticket, UploadID: "U", Parts: make([]int, maxPartBatch+1)}, 400},
		{"no upload id", "alice", "complete", stepRequest{Ticket: plan.Ticket}, 400},
		{"upload id with control characters", "alice", "abort", stepRequest{Ticket: plan.Ticket, UploadID: "U\r\nX"}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st, body := ms.call(t, tt.user, tt.endpoint, tt.body, nil); st != tt.status || !strings.Contains(body, `"error":`) {
				t.Fatalf("status %d %s, want %d with a JSON error", st, body, tt.status)
			}
		})
	}
	logs := ms.logs.String()
	if !strings.Contains(logs, "connection refused") || !strings.Contains(logs, "empty Key") {
		t.Errorf("5xx causes not logged: %q", logs)
	}

	// The ticket expires defaultTicketExpires after the plan.
	ms.now.Add(int64(defaultTicketExpires/time.Second) + 1)
	if st, body := ms.call(t, "alice", "list", stepRequest{Ticket: plan.Ticket, UploadID: "U"}, nil); st != 403 || !strings.Contains(body, "expired") {
		t.Errorf("expired ticket: %d %s", st, body)
	}
}

func TestMultipartHandlerCredentialsDown(t *testing.T) {
	ms := newMultipartServer(t, CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		return Credentials{}, errors.New("sts: AssumeRole throttled")
	}))
	if st, body := ms.call(t, "alice", "plan", File{Name: "a", Size: 1}, nil); st != 503 || !strings.Contains(ms.logs.String(), "throttled") {
		t.Fatalf("status %d %s; want 503 with the cause logged", st, body)
	}
}

func TestMultipartHandlerHTTP(t *testing.T) {
	ms := newMultipartServer(t, testCreds)
	do := func(method, origin, reqMethod string) *http.Response {
		req, _ := http.NewRequest(method, ms.URL+"/oss/multipart/plan", nil)
		req.Header.Set("X-User", "alice")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if reqMethod != "" {
			req.Header.Set("Access-Control-Request-Method", reqMethod)
			req.Header.Set("Access-Control-Request-Headers", "content-type")
		}
		resp, err := ms.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("GET", "", ""); r.StatusCode != 405 || r.Header.Get("Allow") != "POST, OPTIONS" {
		t.Errorf("GET: %d, Allow %q", r.StatusCode, r.Header.Get("Allow"))
	}
	r := do("OPTIONS", testOrigin, "POST")
	if r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != testOrigin ||
		r.Header.Get("Access-Control-Allow-Methods") != "POST" || r.Header.Get("Access-Control-Allow-Headers") != "content-type" ||
		r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight from the app: %d %v", r.StatusCode, r.Header)
	}
	if r := do("OPTIONS", "https://evil.example", "POST"); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.StatusCode, r.Header)
	}
	if r := do("OPTIONS", "null", "POST"); r.StatusCode != 403 {
		t.Errorf("preflight from origin null: %d", r.StatusCode)
	}
}

func TestTicketRoundTrip(t *testing.T) {
	in := &ticket{User: "alice", Expires: 1702781677, Key: "k", Size: 5, PartSize: minPartSize, ContentType: "a/b",
		Header: http.Header{"X-Oss-Meta-A": {"1"}}, URLExpires: time.Minute,
		Callback: &callback.Params{URL: "https://a/cb", Body: "s=${size}"}, Vars: map[string]string{"x:a": "1"}}
	sealed, err := sealTicket(testTicketSecret, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := openTicket(testTicketSecrets, sealed, "alice", time.Unix(1702781677, 0))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, cmp.AllowUnexported(ticket{})); diff != "" {
		t.Errorf("round trip (-sealed +opened):\n%s", diff)
	}
	// Valid until and including its expiry second.
	if _, err := openTicket(testTicketSecrets, sealed, "alice", time.Unix(1702781678, 0)); !errors.Is(err, ErrInvalidTicket) {
		t.Errorf("a second after expiry: %v, want ErrInvalidTicket", err)
	}
}

// FuzzOpenTicket: openTicket must never panic, and must accept nothing
// but a ticket this secret sealed. Seeds are in testdata/fuzz/FuzzOpenTicket.
func FuzzOpenTicket(f *testing.F) {
	good, _ := sealTicket(testTicketSecret, &ticket{User: "alice", Expires: 2e9, Key: "k", Size: 1})
	f.Add(good)
	f.Add("")
	f.Add(".")
	f.Add("e30.")
	f.Fuzz(func(t *testing.T, s string) {
		tk, err := openTicket(testTicketSecrets, s, "alice", time.Unix(1702781677, 0))
		if err != nil {
			if !errors.Is(err, ErrInvalidTicket) {
				t.Fatalf("error %v does not wrap ErrInvalidTicket", err)
			}
			return
		}
		id, rest, _ := strings.Cut(s, ".")
		payload, mac, _ := strings.Cut(rest, ".")
		if id != testTicketSecret.ID || mac != ticketSeal.mac(testTicketSecret, payload) || tk.User != "alice" {
			t.Fatalf("accepted %q", s)
		}
	})
}

// FuzzPresign: whatever the key, header and query values, Presign either
// refuses with ErrInvalidUpload or returns a URL that parses back to the
// same key and parameter values, and a header set naming each header once.
func FuzzPresign(f *testing.F) {
	f.Add("a/b c.txt", "x-oss-meta-a", " v ", "partNumber", "1", true)
	f.Add("中文/ü~x+y", "Range", "bytes=0-1", "uploads", "", false)
	f.Add("%2F..%00", "x-oss-meta-\n", "\x00", "callback", "e30=", true)
	f.Fuzz(func(t *testing.T, key, hname, hvalue, qname, qvalue string, v1 bool) {
		s := vectorSigner(1702781677, "tok")
		s.Endpoint = ""
		if v1 {
			s.Version = V1
		}
		p, err := s.Presign(context.Background(), Request{Key: key, Header: http.Header{hname: {hvalue}}, Query: url.Values{qname: {qvalue}}})
		if err != nil {
			if !errors.Is(err, ErrInvalidUpload) {
				t.Fatalf("error %v does not wrap ErrInvalidUpload", err)
			}
			return
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			t.Fatalf("URL %q does not parse: %v", p.URL, err)
		}
		if u.Path != "/"+key {
			t.Errorf("path %q, want /%s", u.Path, key)
		}
		if q := u.Query(); len(q[qname]) != 1 || q.Get(qname) != qvalue {
			t.Errorf("query %q = %q, want %q", qname, q[qname], qvalue)
		}
		if got := p.Header[strings.ToLower(hname)]; got != strings.TrimSpace(hvalue) {
			t.Errorf("header %q = %q, want %q", hname, got, strings.TrimSpace(hvalue))
		}
	})
}

// TestTicketRotation: a ticket names the secret that sealed it, so a
// handler whose keyring still holds that secret opens it whatever secret
// now seals, and one that dropped it refuses it, naming the secret.
func TestTicketRotation(t *testing.T) {
	a := callback.Secret{ID: "A", Key: []byte("ticket-secret-A-0123456789abcdef")}
	b := callback.Secret{ID: "B", Key: []byte("ticket-secret-B-0123456789abcdef")}
	now := time.Unix(1702781677, 0)
	sealed, err := sealTicket(a, &ticket{User: "alice", Expires: now.Unix() + 60, Key: "k", Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "A.") {
		t.Errorf("ticket %q does not name its secret", sealed)
	}
	for _, keyring := range []callback.Secrets{{a}, {a, b}, {b, a}} {
		if _, err := openTicket(keyring, sealed, "alice", now); err != nil {
			t.Errorf("keyring %v: %v", keyring, err)
		}
	}
	_, err = openTicket(callback.Secrets{b}, sealed, "alice", now)
	if !errors.Is(err, ErrInvalidTicket) || !strings.Contains(err.Error(), `secret "A", which is no longer accepted`) {
		t.Errorf("keyring without A: %v, want ErrInvalidTicket naming A", err)
	}
	// A ticket naming B but sealed with A's key is refused.
	forged := "B." + strings.TrimPrefix(sealed, "A.")
	if _, err := openTicket(callback.Secrets{a, b}, forged, "alice", now); !errors.Is(err, ErrInvalidTicket) {
		t.Errorf("ticket relabelled B: %v, want ErrInvalidTicket", err)
	}
}

// TestMultipartHandlerValidate: Validate names what the first request would
// otherwise fail on, and ServeHTTP answers 500 until it passes.
func TestMultipartHandlerValidate(t *testing.T) {
	s := &Signer{Credentials: testCreds, Bucket: "bucket", Region: "cn-hangzhou"}
	good := func() *MultipartHandler {
		return &MultipartHandler{Signer: s, Secrets: testTicketSecrets, User: userFromHeader, Plan: planForUser, Logger: slog.New(slog.DiscardHandler)}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	for _, tt := range []struct {
		name, want string
		edit       func(h *MultipartHandler)
	}{
		{"no Signer", "Signer", func(h *MultipartHandler) { h.Signer = nil }},
		{"invalid Signer", "Bucket", func(h *MultipartHandler) { h.Signer = &Signer{Credentials: testCreds, Region: "cn-hangzhou"} }},
		{"no User", "User", func(h *MultipartHandler) { h.User = nil }},
		{"no Plan", "Plan", func(h *MultipartHandler) { h.Plan = nil }},
		{"no Secrets", "Secrets", func(h *MultipartHandler) { h.Secrets = nil }},
		{"short secret", "Secrets", func(h *MultipartHandler) { h.Secrets = callback.Secrets{{ID: "t1", Key: []byte("short")}} }},
		{"negative TicketExpires", "TicketExpires", func(h *MultipartHandler) { h.TicketExpires = -time.Second }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := good()
			tt.edit(h)
			if err := h.Validate(); !errors.Is(err, ErrInvalidSigner) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want ErrInvalidSigner naming %s", err, tt.want)
			}
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/plan", strings.NewReader(`{"name":"a","size":1}`))
			r.Header.Set("X-User", "alice")
			h.ServeHTTP(w, r)
			if w.Code != http.StatusInternalServerError {
				t.Errorf("ServeHTTP answered %d, want 500", w.Code)
			}
		})
	}
}
