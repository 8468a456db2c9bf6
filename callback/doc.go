// Package callback implements the OSS upload-callback protocol
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback):
// the callback parameter and body templates an application asks OSS for
// (Params, FormBody, JSONBody), and the receiving side, where OSS calls the
// application back with a request signed with its RSA key.
//
// Verifier.VerifyEvent is the one entry point for a callback, in the spirit
// of Stripe's webhook.ConstructEvent: it checks OSS's signature, checks that
// the callback URL was bound by this application and has not expired, and
// returns the parsed Event with the bound query; Verifier.Handler and
// Verifier.Middleware are thin wrappers on it. Verify is the bare signature
// check underneath.
//
// A verified signature proves that OSS sent the callback, not whose upload
// it reports: OSS signs every customer's callbacks with the same key, and
// any upload may name any callback URL with a body of its own. The
// application's signer.Signer therefore binds every callback URL it signs
// with a secret (BindURLUntil, Binder), and a Verifier with the same
// BindingSecret refuses callbacks to URLs it did not issue.
//
// When a signature does not verify, the error is a *Diagnosis naming the
// most likely cause (a proxy that stripped a path prefix or the
// Authorization header, a framework that re-serialised the body, ...), and
// every refusal is logged through log/slog.
package callback
