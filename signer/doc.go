// Package signer decides who may upload what: it turns an application's
// decision about one user's upload into something the user's browser can
// send straight to OSS without credentials: a signed PostObject form
// (Upload → Signer.Sign → Token), a presigned request (Request →
// Signer.Presign → Presigned), or the presigned steps of a multipart
// upload (Multipart → Signer.PresignInitiate and the other Presign
// methods). Handler and MultipartHandler serve them to browsers.
//
// # Pinning
//
// Unlike Amazon S3, OSS accepts form fields that the policy does not
// mention (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// A value that is only sent, not pinned, is the uploader's to change,
// including the callback, its x: variables and the ACL. Sign therefore pins
// every field the Upload sets with a policy condition and puts exactly the
// pinned value in Token.Fields, so condition and form field cannot
// disagree; what the Upload leaves unset (the ACL, storage class, headers
// such as Content-Disposition) stays the uploader's choice. Pinning
// governs uploads, not callbacks: OSS signs every account's callbacks with
// one key (https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
// so a callback handler trusts only what a callback URL bound by the
// Signer (callback.BindURL) carries. A key prefix containing "${" is
// refused, because OSS checks the key before it substitutes ${filename}.
//
// Object tags cannot be pinned on a form: PostObject takes no x-oss-tagging
// field or policy condition
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// A presigned PUT (Request.Header) or a multipart upload (Multipart.Header)
// signs x-oss-tagging like any x-oss-* header; a form upload is tagged
// after its callback, with PutObjectTagging.
//
// # Signatures
//
// Tokens are signed with V4 (OSS4-HMAC-SHA256,
// https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend)
// unless the Signer says V1. Presigned requests use query authentication
// (https://www.alibabacloud.com/help/en/oss/developer-reference/add-signatures-to-urls)
// and carry the callback in the signed query. V4 signs Content-Type,
// Content-MD5 and every x-oss-* header a request carries, so a client must
// send exactly Presigned.Header. The signing key is derived once a day per
// AccessKey and kept in the Signer.
//
// # Credentials that expire
//
// Credentials come from a CredentialsProvider, asked once per signature.
// STS credentials (RAM roles, RRSA, AssumeRole) carry an expiry, and OSS
// refuses a request whose security token has expired, whatever the URL or
// policy says. So nothing the Signer issues outlives the credentials that
// sign it: a token, presigned URL or multipart step that would is
// shortened to the credentials' expiry, which Token.Expire and
// Presigned.Expires report, and the callback binding follows. Shortening
// rather than refusing keeps uploads working in the last minutes of every
// credential's life; only when less than a minute (or less than the
// validity asked for, if shorter) is left does the Signer refuse, with
// ErrCredentials, as it does for credentials that have expired. Handlers
// answer ErrCredentials with 503 and log it. Wrap a provider that makes a
// network call in CachedCredentials: it refreshes ahead of expiry, once for
// all concurrent callers, and keeps serving valid credentials when a
// refresh fails.
//
// # Multipart uploads
//
// Multipart is planned by the application; the browser then talks to OSS
// (https://www.alibabacloud.com/help/en/oss/user-guide/multipart-upload):
//
//	PresignInitiate   POST   /<key>?uploads                  InitiateMultipartUpload
//	PresignParts      PUT    /<key>?partNumber=N&uploadId=U  UploadPart, part N
//	PresignListParts  GET    /<key>?uploadId=U               ListParts (to resume)
//	PresignComplete   POST   /<key>?uploadId=U               CompleteMultipartUpload, with the callback
//	PresignAbort      DELETE /<key>?uploadId=U               AbortMultipartUpload
//
// OSS enforces the key, method and sub-resources of each URL, its expiry,
// the Content-Type and x-oss-* headers of InitiateMultipartUpload and, with
// V4, each part's exact length. Nothing binds which parts the client lists
// in CompleteMultipartUpload (the body is not signed), so the object may be
// smaller than planned (with V1, larger too), and OSS stores it anyway. The
// callback handler must compare the size OSS reports with the plan: put
// ${size} in the callback body and call CheckSize, which reads the planned
// size that PresignComplete put in the bound callback URL.
//
// MultipartHandler serves a browser's multipart upload with these
// endpoints, each a POST with a JSON body answered with JSON:
//
//	plan      File                                   {"ticket", "key", "size", "part_size", "part_count", "expires", "initiate": Presigned}
//	parts     {"ticket", "upload_id", "parts": [n]}  {"parts": [Part]}   (1 to 100 numbers in 1..part_count)
//	complete  {"ticket", "upload_id"}                {"request": Presigned}
//	abort     {"ticket", "upload_id"}                {"request": Presigned}
//	list      {"ticket", "upload_id"}                {"request": Presigned}
//
// "plan" asks the application's Plan for the Multipart and seals it in a
// ticket (HMAC-SHA256); the other endpoints accept only a ticket the handler
// issued, unexpired, to the same user, and presign only for the ticket's
// key and part numbers, and OSS refuses an upload id that belongs to
// another key. The bucket's CORS rules
// (https://www.alibabacloud.com/help/en/oss/user-guide/cors) must allow the
// page's origin for POST, PUT, GET and DELETE with the headers of each
// Presigned.Header, and expose ETag, which the browser reads from each
// UploadPart answer.
//
// # Handlers
//
// Handler and MultipartHandler never let a response be cached (a token is
// a per-user bearer capability) and answer CORS only for the origins they
// list by name. Failures are JSON {"error": "..."} with a status that says
// whose fault it is:
//
//	the application's func returned ErrUnauthorized   401, its message
//	the application's func returned ErrForbidden      403, its message
//	it returned a *callback.HTTPError with a 4xx      that Status, its Message
//	a bad ticket (MultipartHandler)                   403
//	a malformed request (MultipartHandler)            400 (404 for an unknown endpoint)
//	ErrCredentials                                    503, logged
//	anything else                                     500, logged
//
// Other application errors are 500 rather than 403 because they are usually
// failures (a database down), and their text is logged, not sent, because
// it may describe internals.
package signer
