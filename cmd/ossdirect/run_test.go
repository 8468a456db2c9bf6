package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunExitCodes calls the command's run function as main does, with
// its streams captured: every usage error exits 2 with a message on
// standard error, a failure of the environment (no credentials) exits 1,
// and flags are accepted before, between or after positional arguments.
func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.txt")
	if err := os.WriteFile(photo, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{"OSS_ACCESS_KEY_ID": "LTAIexample", "OSS_ACCESS_KEY_SECRET": "secret"}
	bucket := []string{"-bucket", "b", "-region", "cn-hangzhou", "-time", "2025-01-02T03:04:05Z"}
	sign := append([]string{"sign", "-prefix", "u/", "-max-size", "100"}, bucket...)
	presign := append([]string{"presign", "-key", "k"}, bucket...)
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		want   string // in stdout for exit 0, else in stderr
		reject string // must not appear in stderr
	}{
		{"sign", creds, sign, 0, `"x-oss-signature"`, ""},
		{"sign expires over an hour", creds, with(sign, "-expires", "7200"), 2, "-expires 7200: want 1 to 3600 seconds", ""},
		{"sign expires zero", creds, with(sign, "-expires", "0"), 2, "-expires 0", ""},
		{"sign curl", creds, with(sign, "-curl", photo), 0, "curl -sS", ""},
		{"sign curl missing file", creds, with(sign, "-curl", filepath.Join(dir, "missing.png")), 2, "missing.png: no such file", ""},
		{"sign curl directory", creds, with(sign, "-curl", dir), 2, "is not a regular file", ""},
		{"sign curl type not allowed", creds, with(sign, "-content-type", "image/png", "-content-type", "image/jpeg", "-curl", photo), 2, "not one of the allowed", ""},
		{"sign key prefix OSS refuses", creds, with(sign, "-prefix", "/abs/"), 2, "signer: invalid upload: KeyPrefix", ""},
		{"sign without credentials", nil, sign, 1, "signer: credentials unavailable: environment variable OSS_ACCESS_KEY_ID is not set", "no OSS credentials"},
		{"sign callback without secret", creds, with(sign, "-callback-url", "https://app.example.com/cb"), 2, "OSSDIRECT_CALLBACK_SECRET", ""},
		{"sign positional argument", creds, with(sign, "file.txt"), 2, `unexpected argument "file.txt"`, ""},
		{"presign", creds, presign, 0, "x-oss-signature=", ""},
		{"presign DELETE", creds, with(presign, "-method", "DELETE"), 2, `-method "DELETE": want PUT or GET`, ""},
		{"presign expires over 7 days", creds, with(presign, "-expires", "604801"), 2, "-expires 604801: want 1 to 604800 seconds", ""},
		{"presign key OSS refuses", creds, with(presign, "-key", "/k"), 2, "signer: invalid upload: Key", ""},
		{"presign without credentials", nil, presign, 1, "credentials unavailable", ""},
		{"diagnose flags after the file", nil, []string{"diagnose", "testdata/real-callback.http", "-key", filepath.Join(dir, "x.pem")}, 2, "-key: open", "arguments"},
		{"diagnose flags around the file", nil, []string{"diagnose", "-prefix", "api/", "testdata/real-callback.http", "-key", "main.go"}, 2, "-key main.go", ""},
		{"diagnose two files", nil, []string{"diagnose", "a.http", "-prefix", "/x", "b.http"}, 2, `want one FILE (or - for standard input), got 2: ["a.http" "b.http"]`, ""},
		{"diagnose file after --", nil, []string{"diagnose", "--", "-no-such.http"}, 2, "open -no-such.http: no such file", ""},
		{"emulator -dir is a file", nil, []string{"emulator", "-addr", "127.0.0.1:0", "-dir", photo}, 2, "-dir: mkdir", ""},
		{"emulator positional argument", nil, []string{"emulator", "-addr", "127.0.0.1:0", "extra"}, 2, `unexpected argument "extra"`, ""},
		{"diagnose verifies", nil, []string{"diagnose", "testdata/real-callback.http"}, 0, "verifies", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", envCallbackSecret} {
				t.Setenv(name, tt.env[name])
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &environ{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
			out := stderr.String()
			if tt.code == 0 {
				out = stdout.String()
			}
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout.String(), stderr.String(), tt.code, tt.want)
			}
			if tt.reject != "" && strings.Contains(stderr.String(), tt.reject) {
				t.Errorf("stderr %q contains %q", stderr.String(), tt.reject)
			}
			if strings.Count(stderr.String(), "signer:") > 1 {
				t.Errorf("stderr %q stutters", stderr.String())
			}
		})
	}
}
