package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/signer"
	"github.com/ossdirect/ossdirect/verify"
)

// clearOSSEnv unsets every variable that selects or configures a real
// bucket, for the duration of the test.
func clearOSSEnv(t *testing.T) {
	t.Helper()
	for _, name := range []string{envAccessKeyID, envAccessKeySecret, envSessionToken, envBucket, envRegion, envEndpoint} {
		t.Setenv(name, "")
	}
}

// TestRealModeEnvironment: with OSS_ACCESS_KEY_ID set, every other
// variable a real bucket needs is checked at start, and the error names
// each missing one.
func TestRealModeEnvironment(t *testing.T) {
	full := map[string]string{
		envAccessKeyID: "LTAIexample", envAccessKeySecret: "secret", envBucket: "bkt", envRegion: "cn-hangzhou",
	}
	tests := []struct {
		name        string
		unset       []string
		wantMissing []string
	}{
		{"no secret", []string{envAccessKeySecret}, []string{envAccessKeySecret}},
		{"no bucket", []string{envBucket}, []string{envBucket}},
		{"no region", []string{envRegion}, []string{envRegion}},
		{"only the key id", []string{envAccessKeySecret, envBucket, envRegion}, []string{envAccessKeySecret, envBucket, envRegion}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOSSEnv(t)
			for k, v := range full {
				t.Setenv(k, v)
			}
			for _, k := range tt.unset {
				t.Setenv(k, "")
			}
			var cfg Config
			err := realBucket(&cfg)
			if !errors.Is(err, errConfig) {
				t.Fatalf("realBucket = %v, want an error wrapping errConfig", err)
			}
			_, notSet, _ := strings.Cut(err.Error(), "; ")
			for _, name := range tt.wantMissing {
				if !strings.Contains(notSet, name) {
					t.Errorf("error %q does not name %s as missing", err, name)
				}
			}
			if got := exitCode(err); got != 1 {
				t.Errorf("exit code %d, want 1", got)
			}

			// run stops at start with the same error, before serving.
			err = run(t.Context(), []string{"-addr", "127.0.0.1:0"}, io.Discard)
			if !errors.Is(err, errConfig) {
				t.Errorf("run = %v, want the config error", err)
			}
		})
	}
}

// TestRealModeTrustsOnlyOSSKey: the real-bucket configuration verifies
// callbacks with OSS's key and nothing else. An emulator stands in for the
// bucket (OSS_ENDPOINT), so its callback is signed with the emulator's key:
// the app must refuse it, and the uploader gets 203 CallbackFailed.
func TestRealModeTrustsOnlyOSSKey(t *testing.T) {
	emu, err := osstest.NewServer(osstest.Config{Bucket: "bkt", Region: "cn-shanghai",
		AccessKeys: []osstest.AccessKey{{ID: "LTAIrealmode", Secret: "real mode secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	clearOSSEnv(t)
	t.Setenv(envAccessKeyID, "LTAIrealmode")
	t.Setenv(envAccessKeySecret, "real mode secret")
	t.Setenv(envBucket, "bkt")
	t.Setenv(envRegion, "cn-shanghai")
	t.Setenv(envEndpoint, emu.URL)

	cfg := Config{MaxSize: 1000}
	if err := realBucket(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != "oss" || cfg.Endpoint != emu.URL || cfg.Bucket != "bkt" || cfg.Region != "cn-shanghai" {
		t.Fatalf("config %+v", cfg)
	}
	pub, err := cfg.Keys.FetchKey(t.Context(), verify.OSSKeyURL)
	if err != nil || !pub.Equal(verify.OSSPublicKey()) {
		t.Errorf("OSS's key URL: %v", err)
	}
	if _, err := cfg.Keys.FetchKey(t.Context(), emu.URL+"/__osstest__/callback_pub_key_v1.pem"); !errors.Is(err, verify.ErrUntrustedKeyURL) {
		t.Errorf("emulator's key URL: %v, want ErrUntrustedKeyURL", err)
	}

	d := startApp(t, cfg)
	c := browserClient(t)
	var pc pageConfig
	getJSON(t, c, d+"/api/config", &pc)
	var tok signer.Token
	getJSON(t, c, d+"/oss/token", &tok)
	if tok.Host != emu.URL {
		t.Fatalf("token host %q, want OSS_ENDPOINT %q", tok.Host, emu.URL)
	}
	status, body := post(t, &tok, uploadForm{key: tok.Dir + "a.txt", fileName: "a.txt", contentType: "text/plain", data: []byte("hello")})
	if e, err := osstest.ParseError(status, body); status != 203 || err != nil || e.Code != "CallbackFailed" {
		t.Errorf("upload answered %d %s; want 203 CallbackFailed (the app refused a callback not signed by OSS)", status, body)
	}
	recs := emu.Callbacks()
	if len(recs) != 1 || recs[0].Status != http.StatusForbidden && recs[0].Status != http.StatusBadRequest {
		t.Errorf("callback attempts %+v, want one refused by the app", recs)
	}
}

// startApp serves an App for cfg (its PublicURL set to where it listens)
// and returns its URL.
func startApp(t *testing.T, cfg Config) string {
	t.Helper()
	ln := listen(t)
	cfg.PublicURL = "http://" + ln.Addr().String()
	app, err := newApp(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return cfg.PublicURL
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// logLines feeds what run logs, line by line, to a channel.
func logLines(t *testing.T) (io.Writer, <-chan string) {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return pw, lines
}

// waitLine returns the value after prefix in the first line that starts
// with it, failing if the log ends first.
func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	for line := range lines {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return rest
		}
	}
	t.Fatalf("log ended without a line starting %q", prefix)
	return ""
}

// TestRunServesAndShutsDown: with -addr 127.0.0.1:0 run picks a free port,
// logs the URL to open, serves the page's API with the emulator, and on
// cancellation (what Ctrl-C and SIGTERM do in main) shuts both servers
// down and returns nil.
func TestRunServesAndShutsDown(t *testing.T) {
	clearOSSEnv(t)
	logw, lines := logLines(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-signature", "v1"}, logw) }()

	ossURL, _, _ := strings.Cut(waitLine(t, lines, "OSS emulator (bucket examplebucket) on "), " ")
	appURL, _, _ := strings.Cut(waitLine(t, lines, "open "), " ")
	appURL = strings.TrimSuffix(appURL, "/")
	if !strings.HasPrefix(appURL, "http://127.0.0.1:") || strings.HasSuffix(appURL, ":0") {
		t.Fatalf("logged URL %q, want the port actually bound", appURL)
	}
	var pc pageConfig
	getJSON(t, browserClient(t), appURL+"/api/config", &pc)
	if pc.Mode != "emulator" || pc.Host != ossURL || pc.Signature != "V1 (HMAC-SHA1)" {
		t.Errorf("config %+v, want emulator mode at %s with V1", pc, ossURL)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("run did not return after cancellation")
	}
	if got := waitLine(t, lines, "shutting down"); got != "" {
		t.Errorf("unexpected text after 'shutting down': %q", got)
	}
	for _, u := range []string{appURL, ossURL} {
		if res, err := http.Get(u + "/"); err == nil {
			res.Body.Close()
			t.Errorf("%s still answers after shutdown", u)
		}
	}
}

func TestRunCommandLine(t *testing.T) {
	clearOSSEnv(t)
	tests := []struct {
		args     []string
		wantCode int
	}{
		{[]string{"-h"}, 0},
		{[]string{"-no-such-flag"}, 2},
		{[]string{"-max-size", "ten"}, 2},
		{[]string{"-signature", "v9"}, 1},
		{[]string{"-addr", "not an address"}, 1},
	}
	for _, tt := range tests {
		err := run(t.Context(), tt.args, io.Discard)
		if err == nil {
			t.Errorf("run %q returned nil", tt.args)
		}
		if got := exitCode(err); got != tt.wantCode {
			t.Errorf("run %q: %v, exit code %d, want %d", tt.args, err, got, tt.wantCode)
		}
	}
	if exitCode(nil) != 0 || !errors.Is(run(t.Context(), []string{"-help"}, io.Discard), flag.ErrHelp) {
		t.Error("a clean exit or -help is not status 0")
	}
}

// mainProcessEnv makes the test binary run main() instead of the tests
// (see TestMainSignals).
const mainProcessEnv = "WEBUPLOAD_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainProcessEnv) == "1" {
		os.Args = append([]string{"webupload"}, strings.Fields(os.Getenv(mainProcessEnv+"_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestMainSignals runs the real main in a child process (this test binary)
// and stops it with SIGINT and SIGTERM: it must log the URL, shut down and
// exit with status 0.
func TestMainSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT/SIGTERM delivery to a child on Windows")
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), mainProcessEnv+"=1", mainProcessEnv+"_ARGS=-addr 127.0.0.1:0",
				envAccessKeyID+"=")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 64)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			appURL, _, _ := strings.Cut(waitLine(t, lines, "open "), " ")
			res, err := http.Get(appURL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("GET %s: %s", appURL, res.Status)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for line := range lines {
				rest = append(rest, line)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("after %v: %v; log: %q", sig, err, rest)
			}
			if len(rest) == 0 || rest[0] != "shutting down" {
				t.Errorf("log after the signal: %q, want \"shutting down\"", rest)
			}
		})
	}
}

// TestConfigHostIsTokenHost: the page's "Uploads go to" (GET /api/config)
// is the URL tokens post to, for a bucket named by region (with or without
// the "oss-" prefix) and for an Endpoint.
func TestConfigHostIsTokenHost(t *testing.T) {
	for _, tc := range []struct{ region, endpoint, want string }{
		{"cn-hangzhou", "", "https://bkt.oss-cn-hangzhou.aliyuncs.com"},
		{"oss-cn-hangzhou", "", "https://bkt.oss-cn-hangzhou.aliyuncs.com"},
		{"cn-shanghai", "https://uploads.example.com/", "https://uploads.example.com"},
		{"cn-shanghai", "http://127.0.0.1:9000", "http://127.0.0.1:9000"}, // the emulator (main.go)
	} {
		d := startApp(t, Config{Mode: "oss", Bucket: "bkt", Region: tc.region, Endpoint: tc.endpoint,
			Credentials: signer.StaticCredentials{AccessKeyID: "id", AccessKeySecret: "secret"}, Keys: verify.DefaultFetcher()})
		c := browserClient(t)
		var pc pageConfig
		getJSON(t, c, d+"/api/config", &pc)
		var tok signer.Token
		getJSON(t, c, d+"/oss/token", &tok)
		if pc.Host != tc.want || tok.Host != tc.want {
			t.Errorf("region %q endpoint %q: config host %q, token host %q, want %q", tc.region, tc.endpoint, pc.Host, tok.Host, tc.want)
		}
	}
}

// TestConfigWhileCredentialsDown: the bucket URL GET /api/config shows is
// learned once, when newApp presigns with credentials that work; when the
// provider fails later the page still gets its settings, and GET
// /oss/token answers 503 "upload credentials unavailable".
func TestConfigWhileCredentialsDown(t *testing.T) {
	var down atomic.Bool // up while newApp checks the credentials
	creds := signer.CredentialsProviderFunc(func(context.Context) (signer.Credentials, error) {
		if down.Load() {
			return signer.Credentials{}, errors.New("metadata service unreachable")
		}
		return signer.Credentials{AccessKeyID: "id", AccessKeySecret: "secret"}, nil
	})
	d := startApp(t, Config{Mode: "oss", Bucket: "bkt", Region: "cn-hangzhou", Credentials: creds, Keys: verify.DefaultFetcher()})
	down.Store(true)
	c := browserClient(t)
	var pc pageConfig
	getJSON(t, c, d+"/api/config", &pc)
	if want := "https://bkt.oss-cn-hangzhou.aliyuncs.com"; pc.Host != want {
		t.Errorf("config host %q, want %q", pc.Host, want)
	}
	res, err := c.Get(d + "/oss/token")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "upload credentials unavailable") {
		t.Errorf("GET /oss/token: %s %s, want 503 upload credentials unavailable", res.Status, b)
	}
}
