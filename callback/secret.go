package callback

import (
	"errors"
	"fmt"
)

// ErrSecret reports Secrets that cannot be used: none, a key too short, or an
// ID that is empty, malformed or given twice.
var ErrSecret = errors.New("callback: invalid secret")

// minSecretBytes is the shortest Secret.Key accepted: 128 bits.
const minSecretBytes = 16

// maxSecretIDLen keeps the ID, which travels in every bound URL, short.
const maxSecretIDLen = 16

// Secret is one key an app binds callback URLs and multipart tickets with.
type Secret struct {
	// ID names the key in everything it binds, so a verifier picks the
	// right key at once: 1 to 16 characters from A-Z a-z 0-9 _ -, such as
	// "2026-12". It is public.
	ID string

	// Key is at least 16 random bytes, kept on the server.
	Key []byte
}

// Secrets is an app's keyring, shared by its Signer, Verifier and
// MultipartHandler: the first Secret signs, every one is accepted. To rotate,
// append the new Secret everywhere, then move it first, then drop the old
// one once the longest token it signed has expired (README, "Rotating the
// secret").
type Secrets []Secret

// Validate reports an empty keyring, an ID that is empty, malformed or
// repeated, and a key shorter than 16 bytes. Errors wrap ErrSecret.
func (s Secrets) Validate() error {
	if len(s) == 0 {
		return fmt.Errorf("%w: no secret given", ErrSecret)
	}
	for i, sec := range s {
		if err := checkSecretID(sec.ID); err != nil {
			return fmt.Errorf("%w: secret %d: %w", ErrSecret, i, err)
		}
		if len(sec.Key) < minSecretBytes {
			return fmt.Errorf("%w: secret %q: key is %d bytes, want at least %d", ErrSecret, sec.ID, len(sec.Key), minSecretBytes)
		}
		for _, prev := range s[:i] {
			if prev.ID == sec.ID {
				return fmt.Errorf("%w: secret ID %q given twice", ErrSecret, sec.ID)
			}
		}
	}
	return nil
}

// Current is the Secret that signs: the first. It is the zero Secret when s
// is empty.
func (s Secrets) Current() Secret {
	if len(s) == 0 {
		return Secret{}
	}
	return s[0]
}

// Lookup returns the Secret with the given ID.
func (s Secrets) Lookup(id string) (Secret, bool) {
	for _, sec := range s {
		if sec.ID == id {
			return sec, true
		}
	}
	return Secret{}, false
}

func checkSecretID(id string) error {
	if id == "" || len(id) > maxSecretIDLen {
		return fmt.Errorf("ID %q is not 1 to %d characters", id, maxSecretIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("ID %q has %q; use A-Z a-z 0-9 _ -", id, c)
		}
	}
	return nil
}

// key is the Key of the Secret with the given ID, for checking a binding.
func (s Secrets) key(id string) ([]byte, bool) {
	for i := range s {
		if s[i].ID == id {
			return s[i].Key, true
		}
	}
	return nil, false
}
