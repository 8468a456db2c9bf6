package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadKeysFile: the forms a -keys file may take.
func TestReadKeysFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, json string
		ids        []string
		err        bool
	}{
		{"array", `[{"AccessKeyId":"a","AccessKeySecret":"s"},{"AccessKeyId":"b","AccessKeySecret":"t","SecurityToken":"tok","Expiration":"2030-01-01T00:00:00Z"}]`, []string{"a", "b"}, false},
		{"one Credentials object", `{"AccessKeyId":"c","AccessKeySecret":"s","SecurityToken":"tok","Expiration":"2030-01-01T00:00:00Z"}`, []string{"c"}, false},
		{"a whole AssumeRole answer", `{"RequestId":"x","Credentials":{"AccessKeyId":"STS.d","AccessKeySecret":"s","SecurityToken":"tok","Expiration":"2030-01-01T00:00:00Z"}}`, []string{"STS.d"}, false},
		{"no secret", `[{"AccessKeyId":"a"}]`, nil, true},
		{"a bad expiration", `[{"AccessKeyId":"a","AccessKeySecret":"s","Expiration":"tomorrow"}]`, nil, true},
		{"not JSON", `AccessKeyId=a`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(dir, tc.name+".json")
			os.WriteFile(name, []byte(tc.json), 0o600)
			keys, err := readKeysFile(name)
			if tc.err {
				if !errors.Is(err, errKeySpec) {
					t.Errorf("err %v, want errKeySpec", err)
				}
				return
			}
			if err != nil || len(keys) != len(tc.ids) {
				t.Fatalf("%v %v", keys, err)
			}
			for i, k := range keys {
				if k.ID != tc.ids[i] {
					t.Errorf("key %d: %q, want %q", i, k.ID, tc.ids[i])
				}
			}
		})
	}
	k, err := parseKeySpec("STS.x:secret:token:2030-01-02T03:04:05Z")
	if err != nil || k.SecurityToken != "token" || !k.Expires.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("-key with an RFC 3339 expiry: %+v %v", k, err)
	}
}

// FuzzKeysFile: any file content gives keys that each have an id and a
// secret, or an error wrapping errKeySpec; never a panic.
func FuzzKeysFile(f *testing.F) {
	f.Add([]byte(`[{"AccessKeyId":"a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T00:00:00Z"}]`))
	f.Add([]byte(`{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"s"}}`))
	f.Add([]byte(`[]`))
	name := filepath.Join(f.TempDir(), "keys.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		keys, err := readKeysFile(name)
		if err != nil {
			if !errors.Is(err, errKeySpec) {
				t.Fatalf("%q: %v", b, err)
			}
			return
		}
		for _, k := range keys {
			if k.ID == "" || k.Secret == "" {
				t.Fatalf("%q: key %+v", b, k)
			}
		}
	})
}

// FuzzKeySpec: any -key value gives a key with an id and a secret, or an
// error wrapping errKeySpec.
func FuzzKeySpec(f *testing.F) {
	f.Add("id:secret")
	f.Add("id:secret:token:2030-01-01T00:00:00Z")
	f.Add("id")
	f.Fuzz(func(t *testing.T, spec string) {
		k, err := parseKeySpec(spec)
		if err != nil {
			if !errors.Is(err, errKeySpec) {
				t.Fatalf("%q: %v", spec, err)
			}
			return
		}
		if k.ID == "" || k.Secret == "" {
			t.Fatalf("%q: %+v", spec, k)
		}
	})
}
