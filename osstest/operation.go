package osstest

import (
	"net/http"
	"net/url"
)

// Operations are decided from the method, whether an object is addressed,
// the sub-resources in the query and a few headers, before anything else
// (https://www.alibabacloud.com/help/en/oss/developer-reference/list-of-operations-by-function).
// A request that names an operation the emulator does not implement is
// answered NotImplemented and never reaches the plain object handlers, so
// that, for example, PutObjectTagging cannot overwrite the object with its
// tagging XML.

// subResources are the query parameters that select an OSS operation
// other than the plain object or bucket one. Parameters not listed here
// (a browser's cache buster, response-* overrides, signature parameters)
// do not change the operation, as on OSS.
var subResources = []string{
	"acl", "append", "bucketInfo", "cors", "delete", "encryption", "inventory",
	"lifecycle", "list-type", "location", "logging", "objectMeta", "policy",
	"qos", "referer", "replication", "requestPayment", "restore", "stat",
	"symlink", "tagging", "transferAcceleration", "uploadId", "uploads",
	"versioning", "versions", "website", "worm", "x-oss-process",
}

// operationFor names the operation r asks for: one of the names handled
// in ServeHTTP, or the OSS name of an operation the emulator does not
// implement. key is "" for a bucket-level request.
func operationFor(r *http.Request, q url.Values, key string) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
	default:
		return opMethodNotAllowed
	}
	sub := ""
	for _, name := range subResources {
		if q.Has(name) {
			sub = name
			break
		}
	}
	if q.Has("uploadId") || (r.Method == http.MethodPut && q.Has("partNumber")) {
		// UploadPart, also without its uploadId (refused there, never
		// stored as a PutObject); partNumber and the rest go with it.
		sub = "uploadId"
	}
	if key == "" {
		return bucketOperation(r.Method, sub)
	}
	copySource := r.Header.Get("X-Oss-Copy-Source") != ""
	switch r.Method + " " + sub {
	case "GET ", "HEAD ":
		return opGetObject
	case "HEAD objectMeta":
		return opGetObjectMeta
	case "PUT ":
		if copySource {
			return opCopyObject
		}
		return opPutObject
	case "PUT uploadId":
		if copySource {
			return opUploadPartCopy
		}
		return opUploadPart
	case "POST append":
		return opAppendObject
	case "POST uploads":
		return opInitiateMultipart
	case "POST uploadId":
		return opCompleteMultipart
	case "DELETE uploadId":
		return opAbortMultipart
	case "GET uploadId":
		return opListParts
	case "DELETE ":
		return opDeleteObject
	case "PUT tagging":
		return opPutObjectTagging
	case "GET tagging":
		return opGetObjectTagging
	case "DELETE tagging":
		return opDeleteObjectTagging
	case "PUT acl":
		return opPutObjectACL
	case "GET acl":
		return opGetObjectACL
	case "POST ":
		// A POST to /<bucket>/<key> on a virtual host is refused like OSS
		// refuses it; route reads path-style POSTs as PostObject.
		return opPostObject
	}
	if name, ok := unimplementedObjectOps[r.Method+" "+sub]; ok {
		return name
	}
	return unnamedOperation(r.Method, sub)
}

// unnamedOperation names a method and sub-resource combination no table
// lists, for the NotImplemented message.
func unnamedOperation(method, sub string) string {
	if sub == "" {
		return method
	}
	return method + " ?" + sub
}

func bucketOperation(method, sub string) string {
	switch method + " " + sub {
	case "POST ":
		return opPostObject
	case "GET ", "HEAD ":
		return opListObjects
	case "GET list-type":
		return opListObjectsV2
	case "POST delete":
		return opDeleteMultipleObjects
	case "GET uploads":
		return opListMultipartUploads
	case "PUT tagging":
		return opPutBucketTags
	case "GET tagging":
		return opGetBucketTags
	case "DELETE tagging":
		return opDeleteBucketTags
	case "PUT versioning":
		return opPutBucketVersioning // versioning.go
	case "GET versioning":
		return opGetBucketVersioning
	case "PUT ":
		return opPutBucket
	case "DELETE ":
		return opDeleteBucket
	case "GET bucketInfo":
		return opGetBucketInfo
	case "GET versions":
		return opListObjectVersions // listversions.go
	case "PUT acl":
		return opPutBucketACL // acl.go
	case "GET acl":
		return opGetBucketACL
	case "PUT cors":
		return opPutBucketCors // bucketcors.go
	case "GET cors":
		return opGetBucketCors
	case "DELETE cors":
		return opDeleteBucketCors
	}
	if name, ok := unimplementedBucketOps[method+" "+sub]; ok {
		return name
	}
	return unnamedOperation(method, sub) + " on the bucket"
}

// Names of the operations the emulator serves.
const (
	opPostObject        = "PostObject"
	opPutObject         = "PutObject"
	opGetObject         = "GetObject" // and HeadObject
	opGetObjectMeta     = "GetObjectMeta"
	opDeleteObject      = "DeleteObject"
	opInitiateMultipart = "InitiateMultipartUpload"
	opUploadPart        = "UploadPart"
	opCompleteMultipart = "CompleteMultipartUpload"
	opAbortMultipart    = "AbortMultipartUpload"
	opListParts         = "ListParts"
	opListObjects       = "ListObjects"
	opListObjectsV2     = "ListObjectsV2"
	opPutObjectACL      = "PutObjectACL"
	opGetObjectACL      = "GetObjectACL"

	opMethodNotAllowed      = "" // a method OSS has no operation for
	opCopyObject            = "CopyObject"
	opDeleteMultipleObjects = "DeleteMultipleObjects"
	opListMultipartUploads  = "ListMultipartUploads"
	opPutObjectTagging      = "PutObjectTagging"
	opGetObjectTagging      = "GetObjectTagging"
	opDeleteObjectTagging   = "DeleteObjectTagging"

	// Bucket operations. serveBuckets serves PutBucket itself, as the
	// bucket may not exist yet (buckets.go).
	opPutBucket          = "PutBucket"
	opDeleteBucket       = "DeleteBucket"
	opGetBucketInfo      = "GetBucketInfo"
	opListObjectVersions = "ListObjectVersions"
	opPutBucketTags      = "PutBucketTags"
	opGetBucketTags      = "GetBucketTags"
	opDeleteBucketTags   = "DeleteBucketTags"
	opPutBucketACL       = "PutBucketAcl"
	opGetBucketACL       = "GetBucketAcl"
)

// unimplementedObjectOps and unimplementedBucketOps name the operations
// the emulator recognises but does not serve, by "METHOD sub-resource"; a
// combination in neither table is answered with the method and
// sub-resource as its name.
var unimplementedObjectOps = map[string]string{
	"PUT symlink":        "PutSymlink",
	"GET symlink":        "GetSymlink",
	"POST restore":       "RestoreObject",
	"GET x-oss-process":  "GetObject with x-oss-process",
	"POST x-oss-process": "ProcessObject",
}

var unimplementedBucketOps = map[string]string{
	"GET lifecycle": "GetBucketLifecycle",
	"PUT lifecycle": "PutBucketLifecycle",
	"GET location":  "GetBucketLocation",
}

// errNotImplemented is OSS's answer for functionality a server does not
// offer; the message names the operation so a test's author sees what the
// emulator lacks.
func errNotImplemented(operation string) *ossError {
	return newErr(501, "NotImplemented", "The emulator does not implement "+operation+".")
}

func hasSubResource(q url.Values) bool {
	for _, name := range subResources {
		if q.Has(name) {
			return true
		}
	}
	return false
}
