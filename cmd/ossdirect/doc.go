// Command ossdirect is the command line of the ossdirect library: a local
// OSS bucket to test against, presigned URLs and POST tokens from the shell,
// and a diagnosis of callbacks that do not verify.
//
// Usage:
//
//	ossdirect emulator [flags]      serve an emulated OSS bucket
//	ossdirect presign -key KEY ...  print one presigned URL
//	ossdirect sign -prefix P ...    print a PostObject token (or a curl command)
//	ossdirect diagnose FILE|-       check a captured callback request
//
// Install with "go install github.com/ossdirect/ossdirect/cmd/ossdirect@latest"
// or run from a checkout with "go run ./cmd/ossdirect <command>". Every
// command prints its flags with -h. Flags may come before or after a
// command's FILE argument ("--" ends them). Every command exits 2 for a
// usage error (an unknown flag, a value out of range, an input it cannot
// use such as a -curl file that does not exist), 1 when the command fails
// for another reason (no credentials in the environment, a callback that
// does not verify), and 0 otherwise.
//
// # emulator
//
// Serves package osstest's emulator on -addr (default 127.0.0.1:9000): one
// bucket (-bucket, -region) that accepts PostObject forms, PutObject and
// multipart uploads with upload callbacks. Any OSS client in any language
// can use it as a custom endpoint, path style
// (http://127.0.0.1:9000/<bucket>/<key>) or as a CNAME
// (http://127.0.0.1:9000/<key>). Its first line of output is
// "listening on http://HOST:PORT", so scripts started with -addr
// 127.0.0.1:0 learn the port. It then prints the bucket, the access keys and
// the URL of the public key its callbacks are signed with (give it to the
// application's callback verifier), and one line per request (method,
// object key, also for form uploads, status with OSS's error code when
// refused, milliseconds) and per callback (URL, status). SIGINT or SIGTERM shut it down cleanly.
//
// Keys: -access-key-id with -access-key-secret; any number of -key
// ID:SECRET[:TOKEN[:EXPIRATION]]; -keys FILE, a JSON array of objects with
// AccessKeyId, AccessKeySecret and, for STS keys, SecurityToken and
// Expiration (RFC 3339), the Credentials of an STS AssumeRole answer. An STS
// key is accepted only with its token (header, presigned query or form
// field) and refused with 403 SecurityTokenExpired after its expiry. With no
// key given, one permanent key is generated.
//
// -acl sets the bucket ACL: private (the default: unsigned GET, HEAD and
// listings are refused with 403 AccessDenied, as on OSS), public-read or
// public-read-write (-public-read-write is short for the last); objects
// may carry their own ACL (x-oss-object-acl, PutObjectACL). -public-url
// names the URL clients reach the emulator at, such as
// http://emulator:9000 from another container; the public key URL uses it.
// -dir keeps objects and their metadata in a directory across restarts;
// -cors-origin (repeatable) allows browser pages on that origin: the
// configured bucket's first CORS rule, until PutBucketCors replaces it. Operations
// the emulator does not implement are answered 501 NotImplemented and never
// touch stored objects.
//
// # presign
//
// Prints one URL on one line, signed with query authentication for -method
// (PUT, the default, or GET) on -key, valid for -expires seconds (at most
// 604800, 7 days), with the credentials of OSS_ACCESS_KEY_ID,
// OSS_ACCESS_KEY_SECRET and, for STS, OSS_SESSION_TOKEN. -signature v4 (default) or v1; -content-type is signed
// and must then be sent; -callback-url and -callback-body put an upload
// callback in the signed query; -time signs as of an RFC 3339 instant, for
// reproducible output. The URL points at -endpoint, by default
// https://<bucket>.oss-<region>.aliyuncs.com.
//
// # sign
//
// Prints the JSON token a browser posts a form with (the answer of a token
// endpoint) for -bucket, -region, -prefix and -max-size, with optional
// -content-type (repeatable), -callback-url, -callback-body, -signature,
// -time, -expires (at most 3600 seconds) and -endpoint. With -curl FILE it
// prints instead a curl command that uploads FILE with that token; FILE must
// be a readable regular file.
//
// Callback URLs are bound to the token or URL they are signed in (see
// callback.BindURL), with the secret in OSSDIRECT_CALLBACK_SECRET (at least
// 16 bytes) under the ID in OSSDIRECT_CALLBACK_SECRET_ID (default
// "default"), a callback.Secret the application's callback.Verifier must
// hold in its Secrets. presign and sign refuse a -callback-url without it.
//
// # diagnose
//
// Reads one raw HTTP request as captured (request line, headers, a blank
// line, body; "-" reads standard input) and says whether it is a callback
// signed by OSS: it verifies with OSS's public key (or the PEM key in -key),
// putting back the path prefix given with -prefix that a proxy stripped. If
// it does not verify, it prints the failure and the library's diagnosis of
// the likely cause (a dropped Authorization header, a stripped prefix, a
// re-encoded body, ...). It exits 0 only when the request verifies, 1 when
// it does not, and 2 when the command line or the file is unusable.
package main
