package callback

import (
	"bytes"
	"errors"
	"testing"
)

func TestSecretsValidate(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	for _, tc := range []struct {
		name string
		s    Secrets
		ok   bool
	}{
		{"one", Secrets{{ID: "a", Key: key}}, true},
		{"two", Secrets{{ID: "2026-12", Key: key}, {ID: "2026_11", Key: key}}, true},
		{"none", nil, false},
		{"empty ID", Secrets{{Key: key}}, false},
		{"long ID", Secrets{{ID: "abcdefghijklmnopq", Key: key}}, false},
		{"ID with dot", Secrets{{ID: "a.b", Key: key}}, false},
		{"short key", Secrets{{ID: "a", Key: key[:15]}}, false},
		{"repeated ID", Secrets{{ID: "a", Key: key}, {ID: "a", Key: key}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrSecret) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestSecretsCurrentAndLookup(t *testing.T) {
	a, b := Secret{ID: "a", Key: []byte("aaaaaaaaaaaaaaaa")}, Secret{ID: "b", Key: []byte("bbbbbbbbbbbbbbbb")}
	s := Secrets{b, a}
	if s.Current().ID != "b" {
		t.Errorf("Current() = %q, want b", s.Current().ID)
	}
	if got, ok := s.Lookup("a"); !ok || !bytes.Equal(got.Key, a.Key) {
		t.Errorf("Lookup(a) = %v, %v", got, ok)
	}
	if _, ok := s.Lookup("c"); ok {
		t.Error("Lookup(c) found a secret")
	}
	if (Secrets{}).Current().ID != "" {
		t.Error("empty Secrets has a current secret")
	}
}
