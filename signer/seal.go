package signer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ossdirect/ossdirect/callback"
)

// A sealing MACs a JSON payload with a callback secret so a handler can
// hand its state to the browser and take it back unchanged. Sealed values
// are the secret's ID "." base64url(JSON) "." base64url(HMAC-SHA256): no
// "/" or "%", so they travel unchanged in a path element. The error texts
// follow ErrInvalidTicket in what open returns.
type sealing struct {
	context   string // separates this MAC from any other use of the secret
	malformed string // a value not of the form id.payload.mac
	retired   string // a value sealed with a secret no longer accepted; %q is its ID
	forged    string // a MAC that does not match
	payload   string // prefixes a payload that does not decode
}

func (s *sealing) mac(secret callback.Secret, payload string) string {
	m := hmac.New(sha256.New, secret.Key)
	m.Write([]byte(s.context))
	m.Write([]byte(secret.ID))
	m.Write([]byte{'\n'})
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal returns v sealed with secret.
func (s *sealing) seal(secret callback.Secret, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return secret.ID + "." + payload + "." + s.mac(secret, payload), nil
}

// open verifies sealed with the one of secrets it names and decodes its
// payload into v, refusing unknown fields. Errors wrap ErrInvalidTicket.
func (s *sealing) open(secrets callback.Secrets, sealed string, v any) error {
	id, rest, ok1 := strings.Cut(sealed, ".")
	payload, mac, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || len(sealed) > maxHandlerBody {
		return fmt.Errorf("%w: %s", ErrInvalidTicket, s.malformed)
	}
	secret, ok := secrets.Lookup(id)
	if !ok {
		return fmt.Errorf("%w: "+s.retired, ErrInvalidTicket, id)
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac(secret, payload))) {
		return fmt.Errorf("%w: %s", ErrInvalidTicket, s.forged)
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("%w: %s%w", ErrInvalidTicket, s.payload, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s%w", ErrInvalidTicket, s.payload, err)
	}
	return nil
}
