package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A presigned PUT from "ossdirect presign" uploads to "ossdirect emulator"
// (with the signed Content-Type, and a callback in the query), and a
// presigned GET reads the bytes back, for V4 and V1.
func TestPresignAgainstEmulator(t *testing.T) {
	p := startEmulator(t)
	app, events := callbackApp(t, p.PubKeyURL)
	env := []string{"OSS_ACCESS_KEY_ID=" + p.KeyID, "OSS_ACCESS_KEY_SECRET=" + p.KeySecret, envCallbackSecret + "=" + testSecret}
	base := []string{"presign", "-bucket", "examplebucket", "-region", "cn-hangzhou", "-endpoint", p.URL}
	for _, sig := range []string{"v4", "v1"} {
		t.Run(sig, func(t *testing.T) {
			key := "presigned/" + sig + "/a b+c.txt"
			content := []byte("uploaded with a presigned URL, " + sig)
			res := runCmd(t, env, "", append(base, "-signature", sig, "-key", key, "-content-type", "text/plain",
				"-callback-url", app.URL+"/cb", "-callback-body", `{"object":${object},"size":${size}}`)...)
			if res.code != 0 || strings.Count(res.stdout, "\n") != 1 {
				t.Fatalf("presign PUT: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
			}
			if res.stderr != "send header: content-type: text/plain\n" {
				t.Errorf("stderr %q, want the header to send", res.stderr)
			}
			putURL := strings.TrimSpace(res.stdout)
			resp, body := httpDo(t, "PUT", putURL, http.Header{"Content-Type": {"text/plain"}}, content)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"stored":"`+key+`"`) {
				t.Fatalf("PUT: %d %s", resp.StatusCode, body)
			}
			if ev := <-events; ev.Object != key || ev.Size != int64(len(content)) {
				t.Errorf("callback event %+v", ev)
			}
			p.waitLine(t, regexp.MustCompile(`^\S+ PUT "`+regexp.QuoteMeta(key)+`" 200 \d+ms$`))

			// The signed Content-Type is part of the signature.
			resp, body = httpDo(t, "PUT", putURL, http.Header{"Content-Type": {"text/html"}}, content)
			if resp.StatusCode != 403 || !strings.Contains(string(body), "SignatureDoesNotMatch") {
				t.Errorf("PUT with another Content-Type: %d %s", resp.StatusCode, body)
			}

			res = runCmd(t, env, "", append(base, "-signature", sig, "-method", "GET", "-key", key, "-expires", "60")...)
			if res.code != 0 {
				t.Fatalf("presign GET: exit %d: %s", res.code, res.stderr)
			}
			resp, body = httpDo(t, "GET", strings.TrimSpace(res.stdout), nil, nil)
			if resp.StatusCode != 200 || string(body) != string(content) {
				t.Errorf("GET: %d %q, want %q", resp.StatusCode, body, content)
			}
		})
	}
}

// -time makes the output reproducible: the same instant gives the same
// URL, signed as of that instant, on the default endpoint.
func TestPresignTime(t *testing.T) {
	env := []string{"OSS_ACCESS_KEY_ID=LTAI5tExampleKeyID", "OSS_ACCESS_KEY_SECRET=ExampleSecret", "OSS_SESSION_TOKEN=CAIS+sts/token=="}
	args := []string{"presign", "-bucket", "examplebucket", "-region", "cn-hangzhou", "-key", "a/b.txt", "-time", "2025-01-02T03:04:05+08:00", "-expires", "900"}
	first := runCmd(t, env, "", args...)
	second := runCmd(t, env, "", args...)
	if first.code != 0 || first.stdout != second.stdout || strings.Count(first.stdout, "\n") != 1 {
		t.Fatalf("two runs: %+v and %+v", first, second)
	}
	u, err := url.Parse(strings.TrimSpace(first.stdout))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "examplebucket.oss-cn-hangzhou.aliyuncs.com" || u.Path != "/a/b.txt" ||
		q.Get("x-oss-date") != "20250101T190405Z" || q.Get("x-oss-expires") != "900" ||
		q.Get("x-oss-credential") != "LTAI5tExampleKeyID/20250101/cn-hangzhou/oss/aliyun_v4_request" ||
		q.Get("x-oss-security-token") != "CAIS+sts/token==" {
		t.Errorf("URL %s", u)
	}
	other := runCmd(t, env, "", append(args[:len(args)-4], "-time", "2025-01-02T03:04:06+08:00")...)
	if other.stdout == first.stdout {
		t.Error("another instant gave the same URL")
	}
}

// Missing credentials and a callback without the binding secret are
// refused with a message naming the environment variable.
func TestPresignRefusals(t *testing.T) {
	args := []string{"presign", "-bucket", "b", "-region", "cn-hangzhou", "-key", "k"}
	res := runCmd(t, nil, "", args...)
	if res.code != 1 || !strings.Contains(res.stderr, "OSS_ACCESS_KEY_ID") || res.stdout != "" {
		t.Errorf("without credentials: exit %d, stderr %q", res.code, res.stderr)
	}
	creds := []string{"OSS_ACCESS_KEY_ID=id", "OSS_ACCESS_KEY_SECRET=secret"}
	for _, env := range [][]string{creds, append(creds, envCallbackSecret+"=short")} {
		for _, cmd := range [][]string{append(args, "-callback-url", "https://app.example.com/cb"),
			{"sign", "-bucket", "b", "-region", "r", "-prefix", "p/", "-max-size", "1", "-callback-url", "https://app.example.com/cb"}} {
			res := runCmd(t, env, "", cmd...)
			if res.code != 2 || !strings.Contains(res.stderr, envCallbackSecret) {
				t.Errorf("%s with %q: exit %d, stderr %q", cmd[0], env, res.code, res.stderr)
			}
		}
	}
	res = runCmd(t, creds, "", append(args, "-expires", "604801")...)
	if res.code != 2 || !strings.Contains(res.stderr, "-expires 604801: want 1 to 604800 seconds") {
		t.Errorf("-expires above 7 days: exit %d, stderr %q", res.code, res.stderr)
	}
}
