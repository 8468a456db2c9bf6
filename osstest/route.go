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
	head bool   // a HEAD request: errors go in x-oss-err
}

// ServeHTTP serves the emulator's buckets over HTTP: the bucket operations
// (PutBucket, DeleteBucket, GetBucketInfo, ListBuckets, ListObjects and
// ListObjectsV2, ListMultipartUploads, ListObjectVersions,
// DeleteMultipleObjects, Put/Get/DeleteBucketTags, Put/GetBucketVersioning,
// Put/GetBucketAcl, Put/Get/DeleteBucketCors),
// the object operations (PostObject, PutObject, AppendObject, CopyObject,
// GetObject, HeadObject, GetObjectMeta, DeleteObject, the multipart upload
// operations with UploadPartCopy, Put/GetObjectACL, tagging), CORS
// preflights and the callback public key
// (see the package documentation and buckets.go for addressing). Any other
// operation is answered 501 NotImplemented without touching stored objects.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &reqCtx{id: newRequestID(), host: r.Host, head: r.Method == http.MethodHead}
	h := w.Header()
	h.Set("X-Oss-Request-Id", rc.id)
	h.Set("Server", "AliyunOSS")

	if r.URL.Path == pubKeyPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		e.applyCORS(w, r)
		e.servePublicKey(w, r)
		return
	}

	e.serveBuckets(w, r, rc) // buckets.go
}

// dispatch calls the handler of op, the operation r names (operationFor,
// decided in serveBuckets).
func (e *Emulator) dispatch(w http.ResponseWriter, r *http.Request, rc *reqCtx, op, key string, pathStyle bool) {
	switch op {
	case opPostObject:
		if key != "" && !pathStyle {
			drainBody(r)
			writeError(w, rc, errMethodNotAllowed())
			return
		}
		e.postObject(w, r, rc)
	case opPutObject:
		e.putObject(w, r, rc, key)
	case opGetObject:
		e.getObject(w, r, rc, key)
	case opGetObjectMeta:
		e.getObjectMeta(w, r, rc, key)
	case opDeleteObject:
		e.deleteObject(w, r, rc, key)
	case opInitiateMultipart:
		e.initiateMultipart(w, r, rc, key)
	case opUploadPart:
		e.uploadPart(w, r, rc, key)
	case opAppendObject:
		e.appendObject(w, r, rc, key) // append.go
	case opUploadPartCopy:
		e.uploadPartCopy(w, r, rc, key) // copypart.go
	case opCompleteMultipart:
		e.completeMultipart(w, r, rc, key)
	case opAbortMultipart:
		e.abortMultipart(w, r, rc, key)
	case opListParts:
		e.listParts(w, r, rc, key)
	case opPutObjectACL:
		e.putObjectACL(w, r, rc, key)
	case opGetObjectACL:
		e.getObjectACL(w, r, rc, key)
	case opCopyObject:
		e.copyObject(w, r, rc, key)
	case opPutObjectTagging:
		e.putObjectTagging(w, r, rc, key)
	case opGetObjectTagging:
		e.getObjectTagging(w, r, rc, key)
	case opDeleteObjectTagging:
		e.deleteObjectTagging(w, r, rc, key)
	case opMethodNotAllowed:
		drainBody(r)
		writeError(w, rc, errMethodNotAllowed())
	default:
		e.dispatchBucket(w, r, rc, op)
	}
}

// dispatchBucket calls the handler of a bucket operation: listings, the
// batch delete and the bucket's settings; any other is NotImplemented.
func (e *Emulator) dispatchBucket(w http.ResponseWriter, r *http.Request, rc *reqCtx, op string) {
	switch op {
	case opListObjects:
		e.listObjects(w, r, rc)
	case opListMultipartUploads:
		e.listMultipartUploads(w, r, rc)
	case opDeleteMultipleObjects:
		e.deleteMultipleObjects(w, r, rc)
	case opListObjectsV2:
		e.listObjectsV2(w, r, rc) // listhttp.go
	case opPutBucketVersioning:
		e.putBucketVersioning(w, r, rc) // versioning.go
	case opGetBucketVersioning:
		e.getBucketVersioning(w, r, rc)
	case opDeleteBucket:
		e.deleteBucket(w, r, rc) // bucketops.go
	case opGetBucketInfo:
		e.getBucketInfo(w, r, rc)
	case opPutBucketACL:
		e.putBucketACL(w, r, rc) // acl.go
	case opGetBucketACL:
		e.getBucketACL(w, r, rc)
	case opPutBucketCors:
		e.putBucketCors(w, r, rc) // bucketcors.go
	case opGetBucketCors:
		e.getBucketCors(w, r, rc)
	case opDeleteBucketCors:
		e.deleteBucketCors(w, r, rc)
	case opPutBucketTags:
		e.putBucketTags(w, r, rc) // buckettags.go
	case opGetBucketTags:
		e.getBucketTags(w, r, rc)
	case opDeleteBucketTags:
		e.deleteBucketTags(w, r, rc)
	case opListObjectVersions:
		e.listObjectVersions(w, r, rc) // listversions.go
	default:
		drainBody(r)
		writeError(w, rc, errNotImplemented(op))
	}
}

func (e *Emulator) servePublicKey(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/x-pem-file")
	h.Set("Content-Length", fmt.Sprint(len(e.sign.pubPEM)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(e.sign.pubPEM)
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
// PostObject (POST without a sub-resource) to "/<bucket>" or
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
	if r.Method == http.MethodPost && !hasSubResource(q) {
		if trimmed == "" {
			return e.bucket, "", false
		}
		b, rest, _ := strings.Cut(trimmed, "/")
		return b, rest, true
	}
	if b, rest, _ := strings.Cut(trimmed, "/"); e.buckets.get(b) != nil {
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
