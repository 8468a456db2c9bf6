// Package signer decides who may upload what: it turns an application's
// decision about one user's upload into something the user's browser can
// send straight to OSS without credentials: a signed PostObject form bundle
// (Upload → Token), a presigned PUT or GET URL (Request → Presigned), or the
// presigned steps of a multipart upload (Multipart, MultipartHandler).
//
// For form uploads, three layers, from plain to convenient:
//
//   - SignV1, SigningKeyV4 and SignV4 are the bare signature primitives,
//     with no policy logic at all: V1 is described in
//     https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-1
//     and V4 in
//     https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend.
//   - Signer.Sign builds the POST policy, pins every field the application
//     decided by a policy condition, signs it with V4 (the default) or V1,
//     and returns the Token whose Fields carry exactly the pinned values, so
//     condition and form field cannot disagree.
//   - Handler is the token endpoint (GET /oss/token, step 1 of the flow in
//     the ossdirect package documentation): it asks the application for
//     the current user's Upload and answers the Token as JSON, with
//     no-store caching and optional CORS.
//
// Why so much pinning: unlike Amazon S3, OSS accepts form fields that the
// policy does not mention
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// A value that is only sent, not pinned, is the uploader's to change,
// including the callback, its x: variables (for example the user id the
// callback reports) and the ACL. Pinning governs uploads made with a token,
// not callbacks: OSS signs every account's callbacks with one key, so a
// callback handler trusts only what a callback URL bound with
// callback.BindURL carries.
//
// Presigned requests use query authentication, V4 by default
// (https://www.alibabacloud.com/help/en/oss/developer-reference/add-signatures-to-urls),
// and carry the callback in the signed query. OSS V4 signs Content-Type,
// Content-MD5 and every x-oss-* header a request carries, so a client must
// send exactly Presigned.Header.
//
// Credentials come from a one-method CredentialsProvider (static,
// environment, or any func), so STS tokens can be refreshed per request.
package signer
