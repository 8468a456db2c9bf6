// Package callback implements the receiving side of the OSS upload callback
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback) and
// the parameters an app asks OSS for (Params, FormBody, JSONBody).
//
// # Verification
//
// Verifier.VerifyEvent is the one entry point for a callback, in the spirit of
// Stripe's webhook.ConstructEvent: it checks OSS's signature, checks that the
// callback URL was bound by this app and has not expired, and returns the
// parsed Event with the bound query; Verifier.Handler and Verifier.Middleware
// wrap it. Verify is the bare signature check underneath.
//
// OSS's Authorization header is the Base64 RSA PKCS#1 v1.5 MD5 signature of
// url_decode(path) + ["?" + raw query] + "\n" + body. Verify takes the path
// and query from r.RequestURI, the request line as it arrived, so it works
// behind http.StripPrefix and routers that rewrite r.URL (only a request built
// in-process, with an empty RequestURI, is read from r.URL). The path is
// decoded once ("+" stays "+"); the query is kept raw, with its "?" whenever
// the request line has one. OSS does not delimit path, query and body in what
// it signs, so a "?" or line break that only appears after decoding the path,
// or a line break in the query, is refused with ErrMalformedRequest: it would
// let bytes of a captured callback move between the parts. The body is read
// once and r.Body replaced by an identical reader.
//
// # Binding
//
// A verified signature proves that OSS sent the callback, not whose upload it
// reports: OSS signs every customer's callbacks with the same key, over
// nothing that names the account, and any upload may name any callback URL
// with a body template of its own (OSS copies template text as is). Pinning
// the callback in the policy does not help, since a forger does not use your
// tokens. So the app's signer.Signer binds every callback URL it signs: it
// appends an expiry and an HMAC-SHA256 over the URL's path and query, made
// with the first of the app's Secrets and naming that Secret's ID, and the
// Verifier, holding the same Secrets, refuses callbacks to URLs it did not
// issue (ErrUnbound) or after their expiry (ErrBindingExpired). Naming the ID
// makes a check cost one HMAC however many Secrets are accepted, and lets the
// keyring rotate (README, "Rotating the secret"). Put what the handler must
// trust (a user id) in the URL's query: the Verifier hands it over as
// Event.Query. The user a URL was issued to can still make OSS send it from
// another account until it expires, so check that the object lies where that
// user may write, and ask OSS (HeadObject) before trusting its size or ETag.
// A good expiry is the token's plus a margin for the transfer and the
// callback, which OSS sends right after storing the object.
//
// # Diagnosis
//
// When a signature does not verify, the error is a *Diagnosis naming the most
// likely cause, found by recovering the digest OSS signed and trying the usual
// distortions of path, query and body against it: authorization-dropped,
// key-url-untrusted, key-url-scheme, wrong-key, path-prefix-stripped,
// path-prefix-added, path-rewritten, query-dropped, query-reordered,
// query-re-encoded, body-trailing-newline, body-json-reformatted,
// body-form-re-encoded, body-charset-changed or changed-in-transit. A
// diagnosis never changes whether a request verifies. Every refusal is logged
// through log/slog, and a Verifier with a Capture saves each refused request
// for "ossdirect diagnose".
package callback
