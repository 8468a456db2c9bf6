package osstest

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// reqCtx carries what every response of one request needs.
type reqCtx struct {
	id   string // x-oss-request-id
	host string // HostId in error bodies
}

// ServeHTTP implements the bucket's HTTP interface:
//
//   - POST / — PostObject (form upload);
//   - PUT /<key> — PutObject;
//   - POST /<key>?uploads — InitiateMultipartUpload;
//   - PUT /<key>?partNumber=N&uploadId=ID — UploadPart;
//   - POST /<key>?uploadId=ID — CompleteMultipartUpload;
//   - DELETE /<key>?uploadId=ID — AbortMultipartUpload;
//   - DELETE /<key> — DeleteObject;
//   - GET /<key>?uploadId=ID — ListParts;
//   - GET, HEAD /<key> — read a stored object: a signed request's
//     signature is checked, an unsigned one is served (the emulator trusts
//     its tests);
//   - GET / — ListObjects; GET /?list-type=2 — ListObjectsV2 (listhttp.go);
//   - OPTIONS — CORS preflight;
//   - GET /__osstest__/callback_pub_key_v1.pem — the callback public key.
//
// Every path may also be prefixed with "/<bucket>" (path style), see route.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &reqCtx{id: newRequestID(), host: r.Host}
	h := w.Header()
	h.Set("X-Oss-Request-Id", rc.id)
	h.Set("Server", "AliyunOSS")

	if r.Method == http.MethodOptions {
		e.preflight(w, r, rc)
		return
	}
	e.applyCORS(w, r)

	if r.URL.Path == pubKeyPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.Set("Content-Type", "application/x-pem-file")
		h.Set("Content-Length", fmt.Sprint(len(e.sign.pubPEM)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(e.sign.pubPEM)
		}
		return
	}

	bucket, key, pathStyle := e.route(r)
	if bucket != e.bucket {
		drainBody(r)
		writeError(w, rc, newErr(404, "NoSuchBucket", "The specified bucket does not exist.").withArg("BucketName", bucket))
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && key != "" && q.Has("uploads"):
		e.initiateMultipart(w, r, rc, key)
	case r.Method == http.MethodPost && key != "" && q.Has("uploadId"):
		e.completeMultipart(w, r, rc, key)
	case r.Method == http.MethodPost:
		if key != "" && !pathStyle {
			drainBody(r)
			writeError(w, rc, errMethodNotAllowed())
			return
		}
		e.postObject(w, r, rc)
	case r.Method == http.MethodPut && key != "" && (q.Has("uploadId") || q.Has("partNumber")):
		e.uploadPart(w, r, rc, key)
	case r.Method == http.MethodPut && key != "":
		e.putObject(w, r, rc, key)
	case r.Method == http.MethodDelete && key != "" && q.Has("uploadId"):
		e.abortMultipart(w, r, rc, key)
	case r.Method == http.MethodDelete && key != "":
		e.deleteObject(w, r, rc, key)
	case r.Method == http.MethodGet && key != "" && q.Has("uploadId"):
		e.listParts(w, r, rc, key)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		if key == "" && q.Get("list-type") == "2" {
			e.listObjectsV2(w, r, rc) // listhttp.go
			return
		}
		if key == "" {
			e.listObjects(w, r, rc)
			return
		}
		e.getObject(w, r, rc, key)
	default:
		drainBody(r)
		writeError(w, rc, errMethodNotAllowed())
	}
}

func errMethodNotAllowed() *ossError {
	return newErr(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
}

// route finds the bucket and object key a request addresses
// (docs/PROTOCOL.md#form-upload). A host whose first label is followed by
// more labels is virtual-hosted
// ("examplebucket.oss-cn-hangzhou.aliyuncs.com", "examplebucket.localhost").
// An IP literal, "localhost" or a single-label host is path style: a
// PostObject (POST without ?uploads or ?uploadId) to "/<bucket>" or
// "/<bucket>/" names its bucket, "/" the configured one; any other request
// whose first path segment is the configured bucket
// ("/examplebucket/dir/key", as the OSS SDKs send for an IP endpoint)
// addresses the rest of the path in it, and otherwise the whole path is a key
// in the configured bucket (as an SDK in CNAME mode sends). So on a bare host
// a key whose first segment is the bucket's name can only be reached path
// style.
func (e *Emulator) route(r *http.Request) (bucket, key string, pathStyle bool) {
	path := r.URL.Path
	if hb := bucketFromHost(r.Host); hb != "" {
		return hb, strings.TrimPrefix(path, "/"), false
	}
	trimmed := strings.TrimPrefix(path, "/")
	q := r.URL.Query()
	if r.Method == http.MethodPost && !q.Has("uploads") && !q.Has("uploadId") {
		if trimmed == "" {
			return e.bucket, "", false
		}
		b, rest, _ := strings.Cut(trimmed, "/")
		return b, rest, true
	}
	if b, rest, _ := strings.Cut(trimmed, "/"); b == e.bucket {
		return b, rest, true
	}
	return e.bucket, trimmed, false
}

func bucketFromHost(host string) string {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	if name == "" || net.ParseIP(name) != nil || strings.EqualFold(name, "localhost") {
		return ""
	}
	label, rest, ok := strings.Cut(name, ".")
	if !ok || rest == "" {
		return ""
	}
	return strings.ToLower(label)
}
