package callback_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/verify"
)

var (
	captureOnce                sync.Once
	formCB, jsonCB, nonASCIICB captured
)

// callbacks captures, once for the package, a form and a JSON callback
// from the emulator to /api/oss/callback?uid=42&note=a%20b, and a JSON
// callback whose object name is not ASCII.
func callbacks(t *testing.T) (form, js, nonASCII captured) {
	t.Helper()
	captureOnce.Do(func() {
		formCB = captureCallback(t, "/api/oss/callback?uid=42&note=a%20b", callback.BodyTypeForm, "photo 1.png")
		jsonCB = captureCallback(t, "/api/oss/callback?uid=42&note=a%20b", callback.BodyTypeJSON, "photo.png")
		nonASCIICB = captureCallback(t, "/api/oss/callback?uid=42", callback.BodyTypeJSON, "grüße.png")
	})
	if formCB.body == nil {
		t.Fatal("capturing the callbacks failed")
	}
	return formCB, jsonCB, nonASCIICB
}

// stripAPI removes the "/api" prefix from a captured target, as a proxy
// mounted at /api/ does.
func stripAPI(target string) string { return strings.TrimPrefix(target, "/api") }

func TestDiagnosis(t *testing.T) {
	form, js, nonASCII := callbacks(t)
	path, query, _ := strings.Cut(form.target, "?")

	tests := []struct {
		name    string
		cb      captured
		distort func(c *captured, v *callback.Verifier)
		want    error // sentinel
		cause   string
	}{
		{"Authorization dropped by the web server", form, func(c *captured, v *callback.Verifier) {
			c.header.Del("Authorization")
		}, callback.ErrMissingSignature, "authorization-dropped"},
		{"key URL not trusted", form, func(c *captured, v *callback.Verifier) {
			c.header.Set("X-Oss-Pub-Key-Url", base64.StdEncoding.EncodeToString([]byte("https://keys.example.com/callback_pub_key_v1.pem")))
		}, verify.ErrUntrustedKeyURL, "key-url-untrusted"},
		{"key URL trusted over https, sent over http", form, func(c *captured, v *callback.Verifier) {
			raw, _ := base64.StdEncoding.DecodeString(c.header.Get("X-Oss-Pub-Key-Url"))
			key, err := c.keys.FetchKey(t.Context(), string(raw))
			if err != nil {
				t.Fatal(err)
			}
			v.Keys = verify.StaticKeys{strings.Replace(string(raw), "http://", "https://", 1): key}
		}, verify.ErrUntrustedKeyURL, "key-url-scheme"},
		{"signed with another key", form, func(c *captured, v *callback.Verifier) {
			raw, _ := base64.StdEncoding.DecodeString(c.header.Get("X-Oss-Pub-Key-Url"))
			v.Keys = verify.StaticKeys{string(raw): verify.OSSPublicKey()}
		}, verify.ErrBadSignature, "wrong-key"},
		{"prefix stripped, X-Forwarded-Prefix", form, func(c *captured, v *callback.Verifier) {
			c.target = stripAPI(c.target)
			c.header.Set("X-Forwarded-Prefix", "/api")
		}, verify.ErrBadSignature, "path-prefix-stripped"},
		{"prefix stripped, X-Original-URI", form, func(c *captured, v *callback.Verifier) {
			c.header.Set("X-Original-URI", c.target)
			c.target = stripAPI(c.target)
		}, verify.ErrBadSignature, "path-prefix-stripped"},
		{"prefix stripped, X-Forwarded-Uri", form, func(c *captured, v *callback.Verifier) {
			c.header.Set("X-Forwarded-Uri", c.target)
			c.target = stripAPI(c.target)
		}, verify.ErrBadSignature, "path-prefix-stripped"},
		{"prefix stripped, X-Rewrite-URL", form, func(c *captured, v *callback.Verifier) {
			c.header.Set("X-Rewrite-URL", c.target)
			c.target = stripAPI(c.target)
		}, verify.ErrBadSignature, "path-prefix-stripped"},
		{"prefix added", form, func(c *captured, v *callback.Verifier) {
			c.target = "/backend" + c.target
		}, verify.ErrBadSignature, "path-prefix-added"},
		{"StrippedPrefix set where nothing strips", form, func(c *captured, v *callback.Verifier) {
			v.StrippedPrefix = "/api"
		}, verify.ErrBadSignature, "path-prefix-added"},
		{"trailing slash added", form, func(c *captured, v *callback.Verifier) {
			c.target = path + "/?" + query
		}, verify.ErrBadSignature, "path-rewritten"},
		{"query dropped, X-Original-URI", form, func(c *captured, v *callback.Verifier) {
			c.header.Set("X-Original-URI", c.target)
			c.target = path
		}, verify.ErrBadSignature, "query-dropped"},
		{"query reordered", form, func(c *captured, v *callback.Verifier) {
			pairs := strings.Split(query, "&")
			pairs[0], pairs[len(pairs)-1] = pairs[len(pairs)-1], pairs[0]
			c.target = path + "?" + strings.Join(pairs, "&")
		}, verify.ErrBadSignature, "query-reordered"},
		{"query re-encoded", form, func(c *captured, v *callback.Verifier) {
			c.target = path + "?" + strings.Replace(query, "a%20b", "a+b", 1)
		}, verify.ErrBadSignature, "query-re-encoded"},
		{"trailing newline appended to the body", form, func(c *captured, v *callback.Verifier) {
			c.body = append(c.body, '\n')
		}, verify.ErrBadSignature, "body-trailing-newline"},
		{"form body re-serialised", form, func(c *captured, v *callback.Verifier) {
			vals, err := url.ParseQuery(string(c.body))
			if err != nil {
				t.Fatal(err)
			}
			c.body = []byte(vals.Encode()) // sorted, as Go, PHP and others write it
		}, verify.ErrBadSignature, "body-form-re-encoded"},
		{"JSON body re-indented", js, func(c *captured, v *callback.Verifier) {
			var b bytes.Buffer
			if err := json.Indent(&b, c.body, "", "  "); err != nil {
				t.Fatal(err)
			}
			c.body = b.Bytes()
		}, verify.ErrBadSignature, "body-json-reformatted"},
		{"JSON body re-serialised through a map", js, func(c *captured, v *callback.Verifier) {
			var m map[string]any
			dec := json.NewDecoder(bytes.NewReader(c.body))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(m) // sorted keys
			if err != nil {
				t.Fatal(err)
			}
			c.body = b
		}, verify.ErrBadSignature, "body-json-reformatted"},
		{"JSON body converted to ISO-8859-1", nonASCII, func(c *captured, v *callback.Verifier) {
			var out []byte
			for _, r := range string(c.body) {
				out = append(out, byte(r))
			}
			c.body = out
		}, verify.ErrBadSignature, "body-charset-changed"},
		{"body changed otherwise", form, func(c *captured, v *callback.Verifier) {
			c.body = bytes.Replace(c.body, []byte("size=5"), []byte("size=9"), 1)
		}, verify.ErrBadSignature, "changed-in-transit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cb
			c.header = c.header.Clone()
			c.body = bytes.Clone(c.body)
			logs := &logRecorder{}
			v := &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: c.keys, Logger: logs.logger()}
			tt.distort(&c, v)
			if tt.cause == "body-charset-changed" && utf8.Valid(c.body) {
				t.Fatal("the distortion left the body UTF-8")
			}
			ev, err := v.VerifyEvent(c.request())
			if err == nil || ev != nil {
				t.Fatalf("VerifyEvent accepted the distorted callback: %v", ev)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			var d *callback.Diagnosis
			if !errors.As(err, &d) {
				t.Fatalf("error %v has no diagnosis", err)
			}
			if d.Cause != tt.cause {
				t.Errorf("cause %s, want %s (%v)", d.Cause, tt.cause, err)
			}
			if !strings.Contains(err.Error(), string(tt.cause)) {
				t.Errorf("error text %q does not name the cause", err)
			}
			if log := logs.String(); !strings.Contains(log, `"cause":"`+string(tt.cause)+`"`) {
				t.Errorf("log %s does not name the cause", log)
			}
			// The bare signature check diagnoses the same way, unless
			// the distortion was in the Verifier's own settings.
			if v.StrippedPrefix == "" && v.Keys == c.keys {
				err := callback.Verify(c.request(), c.keys)
				if !errors.As(err, &d) || d.Cause != tt.cause {
					t.Errorf("Verify: %v, want cause %s", err, tt.cause)
				}
			}
		})
	}
}

// TestDiagnosisControls checks that the captured callbacks verify as they
// arrived, so each distortion above is the only reason for its failure.
func TestDiagnosisControls(t *testing.T) {
	form, js, nonASCII := callbacks(t)
	for name, c := range map[string]captured{"form": form, "json": js, "non-ASCII": nonASCII} {
		t.Run(name, func(t *testing.T) {
			v := &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: c.keys}
			ev, err := v.VerifyEvent(c.request())
			if err != nil {
				t.Fatal(err)
			}
			if ev.Query.Get("uid") != "42" || ev.Vars["x:uid"] != "42" {
				t.Errorf("query %v, vars %v", ev.Query, ev.Vars)
			}
		})
	}
}

// TestStrippedPrefix: the same stripped callbacks verify once the Verifier
// is told about the proxy, and a prefix header counts only when named.
func TestStrippedPrefix(t *testing.T) {
	form, _, _ := callbacks(t)
	stripped := form
	stripped.target = stripAPI(form.target)

	v := &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: form.keys, StrippedPrefix: "/api"}
	if _, err := v.VerifyEvent(stripped.request()); err != nil {
		t.Errorf("StrippedPrefix: %v", err)
	}

	withHeader := stripped
	withHeader.header = form.header.Clone()
	withHeader.header.Set("X-Forwarded-Prefix", "/api")
	v = &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: form.keys, PrefixHeader: "X-Forwarded-Prefix", Logger: discardLogger}
	if _, err := v.VerifyEvent(withHeader.request()); err != nil {
		t.Errorf("PrefixHeader: %v", err)
	}
	v = &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: form.keys, Logger: discardLogger}
	if _, err := v.VerifyEvent(withHeader.request()); !errors.Is(err, verify.ErrBadSignature) {
		t.Errorf("X-Forwarded-Prefix trusted without PrefixHeader: %v", err)
	}
	v = &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: form.keys, PrefixHeader: "X-Forwarded-Prefix", Logger: discardLogger}
	bad := withHeader
	bad.header = withHeader.header.Clone()
	bad.header.Set("X-Forwarded-Prefix", "/api?x")
	if _, err := v.VerifyEvent(bad.request()); !errors.Is(err, callback.ErrMalformedRequest) {
		t.Errorf("malformed prefix header: %v", err)
	}
}

// FuzzDiagnosis sends the captured form callback with a fuzzed target,
// body and X-Forwarded-Prefix / X-Original-URI headers through the
// Verifier and the bare check. Neither panics, a refusal that is a
// *Diagnosis wraps a sentinel, and a request is accepted only when it
// still carries exactly the string OSS signed.
func FuzzDiagnosis(f *testing.F) {
	f.Add("/api/oss/callback?uid=42", []byte("bucket=b&object=o"), "/api", "/api/oss/callback?uid=42")
	f.Add("/oss/callback", []byte("{\"a\":1}\n"), "", "")
	f.Add("/api/oss/callback/", []byte(""), "/x", "http://h/api/oss/callback?a=1&b=2")
	f.Fuzz(func(t *testing.T, target string, body []byte, prefix, original string) {
		form, _, _ := callbacks(t)
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") || len(target) > 2048 {
			return
		}
		if _, err := url.ParseRequestURI(target); err != nil {
			return // net/http answers such a request line 400 itself
		}
		path, query, _ := strings.Cut(form.target, "?")
		want := mustUnescape(t, path) + "?" + query + "\n" + string(form.body)
		r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		r.Header = form.header.Clone()
		if prefix != "" && !strings.ContainsAny(prefix, "\r\n") {
			r.Header.Set("X-Forwarded-Prefix", prefix)
		}
		if original != "" && !strings.ContainsAny(original, "\r\n") {
			r.Header.Set("X-Original-URI", original)
		}
		v := &callback.Verifier{Secrets: callback.Secrets{{ID: "k1", Key: testSecret}}, Keys: form.keys, PrefixHeader: "X-Forwarded-Prefix", Logger: discardLogger}
		ev, err := v.VerifyEvent(r)
		var d *callback.Diagnosis
		if errors.As(err, &d) && (d.Err == nil || d.Cause == "" || callback.HTTPStatus(err) == http.StatusInternalServerError) {
			t.Fatalf("diagnosis without a failure: %#v", d)
		}
		if err == nil {
			p, q, hasQ := strings.Cut(target, "?")
			got := r.Header.Get("X-Forwarded-Prefix") + mustUnescape(t, p)
			if hasQ {
				got += "?" + q
			}
			if got+"\n"+string(body) != want || ev == nil {
				t.Fatalf("accepted %q with body %q", target, body)
			}
		}
	})
}

func mustUnescape(t *testing.T, p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return "\x00invalid"
	}
	return s
}
