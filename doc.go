// Package ossdirect is server-signed direct upload to Alibaba Cloud OSS with
// upload callback, for Go backends. This root package holds only the
// overview; the code lives in the packages below.
//
// # The flow
//
// A browser uploads a file straight to the bucket, so the bytes never pass
// through the app, yet the app decides who may upload what and learns about
// every upload before the browser is answered:
//
//  1. Browser → app: GET /oss/token, after the app has authenticated its user.
//  2. App → browser: a signed POST policy bundle (signer.Token): the host to
//     post to, the form fields (policy, signature, encoded callback, pinned
//     callback variables), the expiry and the user's key prefix.
//  3. Browser → OSS: a multipart/form-data POST with those fields, then key,
//     then the file last.
//  4. OSS → app: after storing the object, a callback POST describing it,
//     signed with OSS's RSA key.
//  5. App → OSS: 200 with a JSON answer, after verifying the signature.
//  6. OSS → browser: the app's JSON answer (or 203 CallbackFailed if step 5
//     failed; the object is stored either way).
//
// # Packages
//
//   - [github.com/ossdirect/ossdirect/policy]: the POST policy document:
//     typed conditions, canonical JSON and Base64.
//   - [github.com/ossdirect/ossdirect/signer]: steps 1–2. Credentials
//     (static, environment, STS, or any provider), V4 and V1 POST
//     signatures, the signer.Token bundle and the token net/http.Handler,
//     callback URLs bound with the app's secret, presigned PUT and
//     multipart requests.
//   - [github.com/ossdirect/ossdirect/callback]: steps 4–5. The callback
//     parameters and body templates; callback.Verifier.VerifyEvent, the one
//     entry point that checks OSS's signature and the URL's binding and
//     returns the typed callback.Event, with a diagnosis when a signature
//     does not verify; the callback handler and middleware built on it; and
//     callback.Verify, the bare signature check.
//   - [github.com/ossdirect/ossdirect/verify]: trust and crypto under
//     callback: the RSA PKCS#1 v1.5 MD5 check that works with OSS's 512-bit
//     key on current Go, and key fetching with an allowlist and a cache.
//   - [github.com/ossdirect/ossdirect/osstest]: steps 3, 4 and 6 in
//     process, like net/http/httptest: an OSS PostObject emulator with real
//     signature and policy checks, OSS's error XML, CORS, and signed
//     callbacks.
//   - examples/webupload: the whole flow in a browser, on the emulator by
//     default (go run ./examples/webupload).
//
// # Secure by default
//
//   - Every policy carries an expiry, a size range and a key prefix (or an
//     exact key); signing without a key restriction needs an explicit
//     signer.Upload.AllowAnyKey.
//   - Every value the app decides is pinned by a policy condition, including
//     the callback and its x: variables, because OSS accepts form fields the
//     policy does not mention: an unpinned user id would be the uploader's to
//     forge.
//   - A verified callback proves that OSS sent it, not whose upload it was:
//     OSS signs the callbacks of all its customers with one key, and anyone
//     can point an upload to their own bucket at your callback URL with a body
//     claiming anything. signer.Signer.CallbackSecret binds every callback
//     URL it signs (with the user id in its query) to a secret of the app's
//     until shortly after the token expires, and callback.Verifier, which
//     needs the same secret to pass Validate, refuses callbacks to URLs the
//     app did not issue, or after that expiry; read the user from
//     callback.Event.Query.
//   - Misconfiguration shows at start-up: signer.Signer.Validate and
//     callback.Verifier.Validate name the field at fault, and a Verifier
//     used anyway answers 500 and logs why. Every refused callback is logged
//     through log/slog with its reason and, for a bad signature, its likely
//     cause (a proxy that stripped a path prefix or the Authorization
//     header, a framework that re-serialised the body, ...).
//   - Callback verification trusts only OSS's own key (embedded, or fetched
//     from gosspublic.alicdn.com and cached): a callback that names any other
//     key URL is refused without a network request, so it cannot be forged
//     with an attacker's key or used for SSRF.
//   - Verification builds the signed string from the request line as it
//     arrived (r.RequestURI), so routers and net/http.StripPrefix cannot
//     break it (callback.Verifier.StrippedPrefix covers a proxy in front),
//     caps the body size, and needs no GODEBUG setting: OSS's key is
//     512-bit RSA, which crypto/rsa refuses since Go 1.24.
//
// The example below runs steps 2 to 6 in one process, with the emulator in
// place of the bucket and osstest.NewPostRequest in place of the browser.
package ossdirect
