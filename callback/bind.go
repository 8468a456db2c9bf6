package callback

import (
	"time"

	"github.com/ossdirect/ossdirect/internal/binding"
)

// Errors of a callback URL's binding (see Verifier.Secrets).
var (
	// ErrUnbound ("callback: callback URL not bound by this app"): the
	// callback's URL carries no valid binding made with one of the
	// Verifier's Secrets. The request may well be signed by OSS,
	// which signs every customer's callbacks with the same key.
	ErrUnbound = binding.ErrUnbound
	// ErrBindingExpired ("...: binding expired"): the binding is valid but
	// expired. It wraps
	// ErrUnbound, so test for it first to tell the two apart.
	ErrBindingExpired = binding.ErrExpired
)

// BindURL returns callbackURL bound with secrets.Current() until notAfter,
// for a backend that signs uploads without signer.Signer (which binds by
// itself). A zero notAfter binds for as long as the secret is accepted. See
// the package doc for what a binding proves. Errors wrap ErrInvalidParams or
// ErrSecret.
func BindURL(secrets Secrets, callbackURL string, notAfter time.Time) (string, error) {
	if err := secrets.Validate(); err != nil {
		return "", err
	}
	cur := secrets.Current()
	return binding.Bind(cur.ID, cur.Key, callbackURL, notAfter)
}
