package main

import (
	"strings"
	"testing"
)

// -h prints a command's usage on standard output and exits 0; a flag the
// command does not have exits 2 with a message naming it on standard error.
func TestHelpAndBadFlags(t *testing.T) {
	for _, name := range []string{"emulator", "presign", "sign", "diagnose"} {
		t.Run(name+"/-h", func(t *testing.T) {
			res := runCmd(t, nil, "", name, "-h")
			if res.code != 0 || !strings.HasPrefix(res.stdout, "usage: ossdirect "+name) {
				t.Errorf("exit %d, stdout %q; want 0 and usage", res.code, res.stdout)
			}
		})
		t.Run(name+"/bad flag", func(t *testing.T) {
			res := runCmd(t, nil, "", name, "-no-such-flag")
			if res.code != 2 || !strings.Contains(res.stderr, "flag provided but not defined: -no-such-flag") || res.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and the flag named on stderr", res.code, res.stderr, res.stdout)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout for code 0, else stderr
	}{
		{"no command", nil, 2, "usage: ossdirect <command>"},
		{"unknown command", []string{"upload"}, 2, `unknown command "upload"`},
		{"help", []string{"-h"}, 0, "diagnose"},
		{"presign without key", []string{"presign", "-bucket", "b", "-region", "cn-hangzhou"}, 2, "-key is required"},
		{"presign bad method", []string{"presign", "-bucket", "b", "-region", "r", "-key", "k", "-method", "DELETE"}, 2, `-method "DELETE": want PUT or GET`},
		{"presign bad signature", []string{"presign", "-bucket", "b", "-region", "r", "-key", "k", "-signature", "v2"}, 2, `-signature "v2": want v4 or v1`},
		{"presign bad time", []string{"presign", "-bucket", "b", "-region", "r", "-key", "k", "-time", "yesterday"}, 2, "-time: parsing time"},
		{"presign without bucket", []string{"presign", "-key", "k"}, 2, "-bucket and -region are required"},
		{"presign callback body without URL", []string{"presign", "-bucket", "b", "-region", "r", "-key", "k", "-callback-body", "a=${size}"}, 2, "-callback-body needs -callback-url"},
		{"sign without max size", []string{"sign", "-bucket", "b", "-region", "r", "-prefix", "u/"}, 2, "-prefix and a positive -max-size are required"},
		{"sign extra argument", []string{"sign", "-bucket", "b", "-region", "r", "-prefix", "u/", "-max-size", "10", "file.txt"}, 2, `unexpected argument "file.txt"`},
		{"diagnose without file", []string{"diagnose"}, 2, "want one FILE"},
		{"diagnose missing file", []string{"diagnose", "testdata/no-such-file.http"}, 2, "no such file"},
		{"diagnose not a request", []string{"diagnose", "main.go"}, 2, "not an HTTP request"},
		{"diagnose bad key", []string{"diagnose", "-key", "main.go", "testdata/real-callback.http"}, 2, "-key main.go"},
		{"diagnose bad prefix", []string{"diagnose", "-prefix", "api/", "testdata/real-callback.http"}, 2, "StrippedPrefix"},
		{"emulator half a key", []string{"emulator", "-access-key-id", "LTAIx"}, 2, "give both -access-key-id and -access-key-secret"},
		{"emulator unusable address", []string{"emulator", "-addr", "256.0.0.1:1"}, 1, "listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runCmd(t, nil, "", tc.args...)
			out := res.stderr
			if tc.code == 0 {
				out = res.stdout
			}
			if res.code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", res.code, res.stdout, res.stderr, tc.code, tc.want)
			}
		})
	}
}
