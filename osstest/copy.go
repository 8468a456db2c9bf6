package osstest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CopyObject: PUT /<key> with x-oss-copy-source: /<bucket>/<source key>
// (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject).
// x-oss-metadata-directive COPY (the default) keeps the source's metadata,
// REPLACE takes the request's, which is how an app changes an object's
// metadata in place; x-oss-tagging-directive does the same for tags. The
// x-oss-copy-source-if-* conditions, x-oss-forbid-overwrite and
// x-oss-object-acl (for the copy) apply. A source the requester may not
// read is refused as a GET of it would be.

// copyResult is CopyObject's answer.
type copyResult struct {
	XMLName      struct{} `xml:"CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

func (e *Emulator) copyObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	obj, oe := e.copyStored(r, key)
	if oe != nil && oe.status == http.StatusNotModified {
		w.WriteHeader(oe.status) // a 304 has no body
		return
	}
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	// The copy's CRC-64, which the Go SDK v2's TestCopyObject expects of OSS.
	w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	writeXML(w, http.StatusOK, &copyResult{ETag: obj.ETag, LastModified: obj.LastModified.Format("2006-01-02T15:04:05.000Z")})
}

// copyStored runs CopyObject's checks and stores the copy.
func (e *Emulator) copyStored(r *http.Request, key string) (Object, *ossError) {
	if oe := validateKey(key); oe != nil {
		return Object{}, oe
	}
	ak, oe := e.authenticateRequest(r, e.bucket, key)
	if oe != nil {
		return Object{}, oe
	}
	srcBucket, srcKey, oe := copySource(r.Header.Get("X-Oss-Copy-Source"))
	if oe != nil {
		return Object{}, oe
	}
	from := e.buckets.get(srcBucket) // buckets.go: a copy may cross buckets
	if from == nil {
		return Object{}, errNoSuchBucket(srcBucket)
	}
	content, src, err := from.store.open(srcKey)
	if err != nil {
		if errors.Is(err, errNotStored) {
			if ak.ID == "" && !from.publicRead(aclDefault) {
				return Object{}, errReadDenied()
			}
			return Object{}, errNoSuchKey().withArg("Key", srcKey)
		}
		return Object{}, errInternal(err)
	}
	defer content.Close()
	if ak.ID == "" && !from.publicRead(src.ACL) {
		// An anonymous copy (public-read-write bucket) reads the source
		// as an anonymous GET would.
		return Object{}, errReadDenied()
	}
	if oe := copyConditions(r.Header, src); oe != nil {
		return Object{}, oe
	}
	obj, oe := e.copiedObject(r.Header, key, src)
	if oe != nil {
		return Object{}, oe
	}
	obj.LastModified = e.now().UTC()
	forbid := forbidOverwrite(r.Header)
	if forbid && e.store.exists(key) {
		return Object{}, errExistsOSS()
	}
	p, err := e.store.begin(src.Size)
	if err != nil {
		return Object{}, errInternal(err)
	}
	if _, err := io.Copy(p, content); err != nil {
		p.abort()
		return Object{}, errInternal(err)
	}
	if err := e.store.commit(p, obj, forbid); err != nil {
		if errors.Is(err, errExists) {
			return Object{}, errExistsOSS()
		}
		return Object{}, errInternal(err)
	}
	return obj, nil
}

// copySource splits x-oss-copy-source, "/<bucket>/<URL-encoded key>"
// (a ?versionId suffix is ignored: the emulator keeps one version).
func copySource(v string) (bucket, key string, oe *ossError) {
	v, _, _ = strings.Cut(v, "?versionId=")
	b, k, ok := strings.Cut(strings.TrimPrefix(v, "/"), "/")
	if ok {
		k, ok = unescapeKey(k)
	}
	if !ok || b == "" || k == "" {
		return "", "", newErr(400, "InvalidArgument", "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.").withArg("x-oss-copy-source", v)
	}
	return b, k, nil
}

func unescapeKey(k string) (string, bool) {
	u, err := url.PathUnescape(k)
	return u, err == nil
}

// copyConditions applies x-oss-copy-source-if-match, -if-none-match,
// -if-unmodified-since and -if-modified-since: 412 PreconditionFailed, or
// 304 Not Modified for the last two kinds, as CopyObject documents.
func copyConditions(h http.Header, src Object) *ossError {
	failed := newErr(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
	if v := h.Get("X-Oss-Copy-Source-If-Match"); v != "" && strings.Trim(v, `"`) != strings.Trim(src.ETag, `"`) {
		return failed
	}
	if v := h.Get("X-Oss-Copy-Source-If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && src.LastModified.Truncate(time.Second).After(t) {
			return failed
		}
	}
	notModified := newErr(304, "NotModified", "The source object was not modified.")
	if v := h.Get("X-Oss-Copy-Source-If-None-Match"); v != "" && strings.Trim(v, `"`) == strings.Trim(src.ETag, `"`) {
		return notModified
	}
	if v := h.Get("X-Oss-Copy-Source-If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !src.LastModified.Truncate(time.Second).After(t) {
			return notModified
		}
	}
	return nil
}

// copiedObject is the copy's metadata: the source's content fields, and the
// source's metadata (COPY) or the request's (REPLACE).
func (e *Emulator) copiedObject(h http.Header, key string, src Object) (Object, *ossError) {
	fromRequest, oe := objectFromHeader(key, h)
	if oe != nil {
		return Object{}, oe
	}
	obj := src.clone()
	obj.Key = key
	obj.ACL = fromRequest.ACL // the copy's own ACL, "default" unless sent
	switch d := h.Get("X-Oss-Metadata-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		obj.ContentType, obj.CacheControl = fromRequest.ContentType, fromRequest.CacheControl
		obj.ContentDisposition, obj.ContentEncoding = fromRequest.ContentDisposition, fromRequest.ContentEncoding
		obj.Expires, obj.Meta, obj.StorageClass = fromRequest.Expires, fromRequest.Meta, fromRequest.StorageClass
		// The copy is encrypted as the request says, KMS key id and data
		// encryption included: none of the source's stays with a new algorithm.
		obj.ServerSideEncryption = fromRequest.ServerSideEncryption
		obj.ServerSideDataEncryption, obj.ServerSideEncryptionKeyID = "", ""
		if oe := e.takeEncryption(h, &obj); oe != nil {
			return Object{}, oe
		}
	default:
		return Object{}, newErr(400, "InvalidArgument", "The x-oss-metadata-directive header must be COPY or REPLACE.").withArg("x-oss-metadata-directive", d)
	}
	switch d := h.Get("X-Oss-Tagging-Directive"); d {
	case "", "Copy":
	case "Replace":
		obj.Tags = fromRequest.Tags
	default:
		return Object{}, newErr(400, "InvalidArgument", "The x-oss-tagging-directive header must be Copy or Replace.").withArg("x-oss-tagging-directive", d)
	}
	return obj, nil
}
