// Package osstest is a local stand-in for an Alibaba Cloud OSS bucket that
// receives browser uploads (PostObject forms, PutObject, multipart upload),
// serves and deletes objects, and sends signed upload callbacks, built like
// net/http/httptest:
//
//	srv, err := osstest.NewServer(osstest.Config{})
//	defer srv.Close()
//	s := srv.Signer() // a signer.Signer for this bucket
//	s.Secrets = secrets // a callback.Secrets keyring
//	tok, _ := s.Sign(ctx, signer.Upload{...})
//	req, _ := osstest.NewPostRequest(ctx, osstest.PostForm{Token: tok, FileName: "a.png", Body: f})
//	res, _ := srv.Client().Do(req)
//	// then check srv.Object(key) and srv.Callbacks(); the app verifies the
//	// callbacks with callback.Verifier{Secrets: secrets, Keys: srv.KeyFetcher()}.
//
// An Emulator is an http.Handler; NewServer runs one on a loopback port. Its
// behaviour follows OSS's documentation (PostObject:
// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject,
// callbacks:
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback),
// summarised in docs/PROTOCOL.md of this module; choices that are only
// inferred are marked [inferred] in the doc comments.
//
// # Addressing
//
// An emulator serves several buckets: Config.Bucket, Config.Buckets and
// those made with PutBucket. The bucket is taken from the Host
// (virtual-host style, "examplebucket.oss-cn-hangzhou.aliyuncs.com" or
// "examplebucket.localhost") or, on a bare host (an IP literal,
// "localhost", one label), from the path: "/<bucket>/<key>" when the first
// segment names an existing bucket (path style, as the SDKs send for an IP
// endpoint), as does a POST to "/<bucket>/". Otherwise, so that tests can
// use srv.URL plus a key, the whole path is a key in the configured bucket,
// unless the request is signed for the path-style reading of an unknown
// bucket: that is PutBucket, or 404 NoSuchBucket. A request signed with an
// AccessKey ID the emulator does not know fails either reading, so it is
// read as OSS reads it: "/<name>/..." is 404 NoSuchBucket when <name> is a
// valid bucket name that no bucket has. A GET of "/" signed for no bucket
// is ListBuckets, also with its tag filter ("?tagging=..."), which signed
// for a bucket is GetBucketTags. So on a bare host a key whose first
// segment is a bucket's name is reached only path style.
//
// # PostObject
//
// POST / with multipart/form-data is parsed as a stream: fields up to the
// "file" part are read (field names case-insensitive), the
// file is hashed (MD5, CRC-64/ECMA) and written to the store as it
// arrives, and nothing after the file is used except to refuse a second
// file. Decisions are made in a
// fixed order, so the same bad request always gets the same OSS error code,
// status and message (OSS does not document its order; this one is
// [inferred]):
//
//  1. the request is multipart/form-data (and declares less than 5 GB);
//  2. the fields up to the file: framing, limits, key before file, a file;
//  3. signature fields complete (V1 trio or V4 quartet), or anonymous on a
//     public-read-write bucket;
//  4. the policy decodes;
//  5. access key, STS token, V4 credential and time window, signature;
//  6. the policy has not expired;
//  7. the policy's conditions hold;
//  8. the key, object settings and callback parameters are valid, and
//     x-oss-forbid-overwrite finds no object;
//  9. the file streams within content-length-range and 5 GB, no second file
//     follows, a Content-MD5 header matches; the object is stored;
//  10. the callback, or the success answer.
//
// Policies are decoded and evaluated by package policy on the raw field values (before
// ${filename} is expanded); fields the policy does not mention are
// accepted, as on OSS and unlike Amazon S3.
//
// Authentication is by form fields only: V1 (OSSAccessKeyId, policy,
// Signature) or V4 (x-oss-signature-version, x-oss-credential, x-oss-date,
// x-oss-signature, policy), recomputed from Config.AccessKeys, with STS
// security tokens and an injectable clock (Config.Now). A bucket whose
// Config.ACL is public-read-write also accepts unsigned uploads.
//
// Every response carries x-oss-request-id (24 upper-case hex digits) and
// Server: AliyunOSS; errors are OSS's XML documents (see ErrorResponse).
// Success is 204 by default, 200 or 201 (PostResponse XML) per
// success_action_status, or a 303 redirect for success_action_redirect,
// with ETag, x-oss-hash-crc64ecma and Content-MD5 headers.
//
// # PutObject and multipart upload
//
// PUT /<key> (PutObject) and the multipart operations (InitiateMultipartUpload,
// UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts) are
// authenticated by a V1 or V4 signature in the Authorization header or in
// the query (presigned URLs, with their expiry), with STS tokens; V4 signs
// Content-Type, Content-MD5 and every x-oss-* header the request carries.
// Bodies are streamed to the store with MD5 and CRC-64, Content-MD5 is
// checked, and a completed multipart object has OSS's ETag, the MD5 of the
// parts' MD5s followed by "-<parts>", and the CRC-64 of the whole. Callbacks
// come from the x-oss-callback(-var) headers or the callback(-var) query
// parameters (not both), and CompleteMultipartUpload then answers with the
// app's JSON instead of XML. MultipartUploads and UploadPartRequests let a
// test see uploads in progress and count parts.
//
// # Operations and access control
//
// The operation is decided first, from the method, the sub-resources of the
// query (?acl, ?tagging, ?uploads, ...) and headers such as
// x-oss-copy-source. Besides the uploads, the emulator serves GetObject,
// HeadObject, GetObjectMeta, AppendObject, Put/GetObjectACL,
// Put/Get/DeleteObjectTagging, CopyObject and UploadPartCopy,
// DeleteMultipleObjects, ListObjects, ListObjectsV2, ListMultipartUploads
// and ListObjectVersions, and on buckets PutBucket, DeleteBucket,
// GetBucketInfo, ListBuckets, Put/GetBucketAcl, Put/Get/DeleteBucketCors,
// Put/Get/DeleteBucketTags and Put/GetBucketVersioning (ServeHTTP lists
// them too); every other OSS operation is answered 501 NotImplemented and
// touches nothing stored. A bucket's settings need a signed request even
// when its ACL is public-read-write, which opens its objects only.
// The bucket is private unless Config.ACL says otherwise: an unsigned GET,
// HEAD or listing is 403 AccessDenied unless the object's ACL
// (x-oss-object-acl on upload, or PutObjectACL), or for "default" the
// bucket's, is public-read or public-read-write, as on OSS. Header
// signatures carry their time in Date or x-oss-date, V1 and V4 alike.
//
// # Storage
//
// Objects are kept in memory, or with Config.Dir in files and a journal
// of changes, so that a new Emulator on the same directory serves them
// again and resumes the multipart uploads in progress; a process killed
// mid-upload leaves no half object, and its temporary files are removed at
// the next start (persist.go says how). An upload becomes visible only when it has been
// received completely and every check passed, so a failed or cut-off
// upload stores nothing. A test reads a stored object, content included,
// with Object and lists them with Objects, or over HTTP with GET and HEAD
// /<key> (Range supported). DELETE /<key> (DeleteObject) is
// authenticated like PutObject and answers 204 whether or not the object
// existed, as OSS does; with Config.Dir its files are removed.
//
// GET / lists objects (ListObjects, with marker) and GET /?list-type=2
// (ListObjectsV2, with continuation-token) in pages of max-keys, 100 by
// default and at most 1000 (more is refused, as OSS refuses it), with
// prefix, delimiter and CommonPrefixes, from a sorted index: a page costs
// the same in a bucket of 100,000 objects as in one of 1,000.
//
// # Versioning
//
// PUT /?versioning (PutBucketVersioning) enables or suspends versioning of
// a bucket, as OSS does
// (https://www.alibabacloud.com/help/en/oss/user-guide/overview-78), and
// GET /?versioning reads the status. Enabled, every write (PutObject,
// PostObject, CopyObject, CompleteMultipartUpload, a first AppendObject)
// makes a version, answered in x-oss-version-id; suspended, a write makes
// the version "null". GetObject, HeadObject, GetObjectMeta, DeleteObject,
// the tagging and ACL operations take ?versionId, and x-oss-copy-source
// takes "?versionId=" for CopyObject and UploadPartCopy. DeleteObject
// without a version id adds a delete marker; with one it deletes that
// version for good. GET /?versions (ListObjectVersions) lists every version
// and delete marker. The status, versions and markers survive a restart
// with Config.Dir; a bucket never versioned answers exactly as before,
// without x-oss-version-id (versions.go says how versions are kept).
//
// # Callbacks
//
// With a callback field, the emulator renders callbackBody with
// callbackwire.Render (system variables, including imageInfo.* for PNG, JPEG
// and GIF files, and the x: fields), POSTs it to each callbackUrl in turn
// (loopback addresses are allowed, unlike OSS) with OSS's headers, signed
// with MD5withRSA by the emulator's own key, and answers the uploader with
// the first app answer that is exactly 200 with a Content-Length and a
// JSON body (or XML declared as application/xml) of at most 1 MB. If every
// URL fails, the uploader gets 203 CallbackFailed; the object is stored
// either way. The public key is served by the emulator at
// <URL>/__osstest__/callback_pub_key_v1.pem (or Config.PublicKeyURL), and
// KeyFetcher returns a verify.KeyFetcher that trusts exactly that URL.
// Callbacks records every attempt; Config.CallbackFault simulates
// unreachable app servers. Server.Close cancels
// callbacks in progress instead of waiting out their timeout.
//
// # Choices where OSS is undocumented
//
// These are [inferred] (docs/PROTOCOL.md marks them too) and deterministic:
//
//   - Field limits: 8 KB of field names (FieldItemTooLong) and 2 MB of
//     field values before the file (MaxPOSTPreDataLengthExceededError), the
//     figures of the PostObject page (the error catalogue says 4 KB).
//   - A field sent twice, in any spelling, is 400 InvalidArgument; a part
//     without a name is 400 InvalidArgument; the file part may carry only
//     Content-Disposition, Content-Type, Content-Transfer-Encoding and
//     Content-Length headers, and is stored as sent (no transfer decoding).
//   - Fields after the file are ignored, a second file is 400
//     IncorrectNumberOfFilesInPOSTRequest (found only after the first file
//     was received; nothing is stored), at most 2 MB may follow the file.
//   - ${filename} is replaced by the base name of the file part's filename
//     (filename*= is decoded); without a filename the key keeps the literal.
//   - Without any content type the key's extension decides (a small fixed
//     table), else application/octet-stream.
//   - Callback parameters, the key rules, ACL, storage class, encryption,
//     metadata size and x-oss-forbid-overwrite are all checked before the
//     file is streamed (still after the policy), so a doomed
//     upload is refused without transferring the file.
//   - V4: x-oss-date may be at most 15 minutes ahead of Config.Now (403
//     RequestTimeTooSkewed) and at most 7 days old (403 AccessDenied
//     "Request has expired."); the policy must mention x-oss-signature-version,
//     x-oss-credential, x-oss-date and, for STS keys, x-oss-security-token
//     (400 InvalidPolicyDocument otherwise).
//   - success_action_redirect answers 303 with bucket, key and etag added to
//     the URL's query, as Amazon S3 does. A callback takes precedence over
//     both success_action_status and success_action_redirect.
//   - Callback answers without Content-Length or over 1 MB fail with the
//     messages "Response has no Content-Length header." and "Response body
//     is too large."; a timeout reports the timeout as its cost, so the
//     message does not depend on the wall clock.
//
// # CORS
//
// Each bucket has its own CORS rules: OPTIONS preflights are answered or
// refused with 403 AccessForbidden by the rules of the bucket they address
// (404 NoSuchBucket for a missing one), and responses to matching
// cross-origin requests carry Access-Control-Allow-Origin and the rule's
// Access-Control-Expose-Headers. Config.CORS is the configured bucket's
// initial rule set; PutBucketCors replaces a bucket's rules and
// DeleteBucketCors removes them, at once (bucketcors.go).
package osstest
