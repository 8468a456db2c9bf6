package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
)

// rawRequest is a captured request split into its parts, to be distorted
// the way proxies and frameworks distort callbacks.
type rawRequest struct {
	method, target string
	header         [][2]string // in order
	body           []byte
}

func readRaw(t *testing.T, name string) rawRequest {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("%s: no blank line after the header", name)
	}
	lines := strings.Split(string(head), "\r\n")
	var r rawRequest
	f := strings.Fields(lines[0])
	r.method, r.target = f[0], f[1]
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		r.header = append(r.header, [2]string{k, v})
	}
	r.body = body
	return r
}

// bytes serialises r with a Content-Length that matches its body, as a
// proxy that changed the body would send it.
func (r rawRequest) bytes() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.method, r.target)
	for _, h := range r.header {
		if !strings.EqualFold(h[0], "Content-Length") {
			fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(r.body))
	b.Write(r.body)
	return b.Bytes()
}

func (r rawRequest) with(edit func(*rawRequest)) rawRequest {
	r.header = append([][2]string(nil), r.header...)
	r.body = append([]byte(nil), r.body...)
	edit(&r)
	return r
}

func (r *rawRequest) setHeader(name, value string) {
	for i, h := range r.header {
		if strings.EqualFold(h[0], name) {
			r.header[i][1] = value
			return
		}
	}
	r.header = append(r.header, [2]string{name, value})
}

func (r *rawRequest) delHeader(name string) {
	var keep [][2]string
	for _, h := range r.header {
		if !strings.EqualFold(h[0], name) {
			keep = append(keep, h)
		}
	}
	r.header = keep
}

type diagnoseCase struct {
	name  string
	req   rawRequest
	flags []string
	code  int
	want  string // in stdout: "verifies" or "likely cause: <cause>"
}

func runDiagnoseCases(t *testing.T, cases []diagnoseCase) {
	t.Helper()
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("case%d.http", i))
			if err := os.WriteFile(file, tc.req.bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runCmd(t, nil, "", append(append([]string{"diagnose"}, tc.flags...), file)...)
			if res.code != tc.code || !strings.Contains(res.stdout, tc.want) {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant exit %d and %q", res.code, res.stdout, res.stderr, tc.code, tc.want)
			}
		})
	}
}

// The callback OSS really sent (internal/testkeys/testdata/real-callback.json
// as a raw request) verifies with OSS's key; each usual distortion on its way
// to the application is refused and named.
func TestDiagnoseRealCallback(t *testing.T) {
	real := readRaw(t, "testdata/real-callback.http")
	if real.target != "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH" {
		t.Fatalf("testdata target %q", real.target)
	}
	stripped := real.with(func(r *rawRequest) {
		r.target = strings.TrimPrefix(r.target, "/api")
		r.setHeader("X-Forwarded-Prefix", "/api")
	})
	keyURL := func(u string) rawRequest {
		return real.with(func(r *rawRequest) { r.setHeader("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte(u))) })
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, real.body, "", "  "); err != nil {
		t.Fatal(err)
	}
	runDiagnoseCases(t, []diagnoseCase{
		{"as captured", real, nil, 0, "verifies: signed by OSS with the key at https://gosspublic.alicdn.com/callback_pub_key_v1.pem"},
		{"prefix stripped by a proxy", stripped, nil, 1, "likely cause: " + string(callback.CausePrefixStripped)},
		{"prefix stripped, put back with -prefix", stripped, []string{"-prefix", "/api"}, 0, "verifies"},
		{"-prefix where nothing strips it", real, []string{"-prefix", "/api"}, 1, "likely cause: " + string(callback.CausePrefixAdded)},
		{"Authorization dropped", real.with(func(r *rawRequest) { r.delHeader("Authorization") }), nil, 1, "likely cause: " + string(callback.CauseAuthorizationDropped)},
		{"body with a trailing newline", real.with(func(r *rawRequest) { r.body = append(r.body, '\n') }), nil, 1, "likely cause: " + string(callback.CauseBodyTrailingNewline)},
		{"JSON body re-indented", real.with(func(r *rawRequest) { r.body = indented.Bytes() }), nil, 1, "likely cause: " + string(callback.CauseBodyJSONReformatted)},
		{"trailing slash added to the path", real.with(func(r *rawRequest) { r.target += "/" }), nil, 1, "likely cause: " + string(callback.CausePathRewritten)},
		// OSS's key is also trusted under its http:// URL (verify.IsOSSKeyURL).
		{"key URL over http", keyURL("http://gosspublic.alicdn.com/callback_pub_key_v1.pem"), nil, 0, "verifies: signed by OSS with the key at http://gosspublic.alicdn.com/callback_pub_key_v1.pem"},
		{"key URL not OSS's", keyURL("https://attacker.example/key.pem"), nil, 1, "likely cause: " + string(callback.CauseKeyURLUntrusted)},
		{"another key given with -key", real, []string{"-key", "../../internal/testkeys/testdata/test_cb_pub_512.pem"}, 1, "likely cause: " + string(callback.CauseWrongKey)},
		{"one size changed in the body", real.with(func(r *rawRequest) { r.body = bytes.Replace(r.body, []byte("114020"), []byte("114021"), 1) }), nil, 1, "likely cause: " + string(callback.CauseChangedInTransit)},
	})
}

// "-" reads the request from standard input, and a capture pasted without
// Content-Length has everything after the header as its body.
func TestDiagnoseStdinAndNoContentLength(t *testing.T) {
	raw, err := os.ReadFile("testdata/real-callback.http")
	if err != nil {
		t.Fatal(err)
	}
	res := runCmd(t, nil, string(raw), "diagnose", "-")
	if res.code != 0 || !strings.Contains(res.stdout, "verifies") {
		t.Errorf("stdin: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	noLength := strings.Replace(string(raw), "Content-Length: 164\r\n", "", 1)
	if noLength == string(raw) {
		t.Fatal("testdata has no Content-Length: 164 line")
	}
	res = runCmd(t, nil, noLength, "diagnose", "-")
	if res.code != 0 || !strings.Contains(res.stdout, "verifies") {
		t.Errorf("without Content-Length: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// A callback with a query (here the emulator's, signed with its test key,
// captured as the application received it) verifies with -key, and a
// reordered query is named.
func TestDiagnoseCallbackWithQuery(t *testing.T) {
	captured := make(chan []byte, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dump, err := httputil.DumpRequest(r, true)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		captured <- dump
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("{}"))
	}))
	defer app.Close()
	srv, err := osstest.NewServer(osstest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := srv.Signer()
	s.CallbackSecret = []byte("0123456789abcdef0123456789abcdef")
	tok, err := s.Sign(context.Background(), signer.Upload{KeyPrefix: "u/", MaxSize: 100, Callback: &callback.Params{
		URL:  app.URL + "/cb?user=42&tag=a",
		Body: callback.FormBody("object", "size"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	postReq, err := osstest.NewPostRequest(context.Background(), osstest.PostForm{Token: tok, FileName: "a.txt", Body: strings.NewReader("hello")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(postReq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: status %d", resp.StatusCode)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "emulator-callback.http")
	if err := os.WriteFile(file, <-captured, 0o644); err != nil {
		t.Fatal(err)
	}
	req := readRaw(t, file)
	path, query, _ := strings.Cut(req.target, "?")
	params := strings.Split(query, "&")
	if len(params) < 3 {
		t.Fatalf("callback query %q, want the app's two parameters and the binding", query)
	}
	params[0], params[1] = params[1], params[0]
	keyFlag := []string{"-key", "../../internal/testkeys/testdata/test_cb_pub_512.pem"}
	runDiagnoseCases(t, []diagnoseCase{
		{"as captured", req, keyFlag, 0, "verifies"},
		{"as captured, OSS's key", req, nil, 1, "likely cause: " + string(callback.CauseKeyURLUntrusted)},
		{"query reordered", req.with(func(r *rawRequest) { r.target = path + "?" + strings.Join(params, "&") }), keyFlag, 1, "likely cause: " + string(callback.CauseQueryReordered)},
		{"form body re-encoded", req.with(func(r *rawRequest) {
			r.body = bytes.Replace(r.body, []byte("object=u%2Fa.txt"), []byte("object=u/a.txt"), 1)
		}), keyFlag, 1, "likely cause: " + string(callback.CauseBodyFormReencoded)},
	})
}
