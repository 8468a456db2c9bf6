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
	obj, src, oe := e.copyStored(r, key)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	// The copy's CRC-64, which the Go SDK v2's TestCopyObject expects of OSS.
	w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	setVersionHeader(w.Header(), obj) // versioning.go
	if src.VersionID != "" {
		w.Header().Set("X-Oss-Copy-Source-Version-Id", src.VersionID)
	}
	writeXML(w, http.StatusOK, &copyResult{ETag: obj.ETag, LastModified: obj.LastModified.Format(listTimeFormat)})
}

// copyStored runs CopyObject's checks and stores the copy; it returns the
// copy and the source (whose VersionID is "" in a never-versioned bucket).
func (e *Emulator) copyStored(r *http.Request, key string) (Object, Object, *ossError) {
	if oe := validateKey(key); oe != nil {
		return Object{}, Object{}, oe
	}
	ak, oe := e.authenticateRequest(r, e.bucket, key)
	if oe != nil {
		return Object{}, Object{}, oe
	}
	srcBucket, srcKey, srcVersion, oe := copySource(r.Header.Get("X-Oss-Copy-Source"))
	if oe != nil {
		return Object{}, Object{}, oe
	}
	from := e.buckets.get(srcBucket) // buckets.go: a copy may cross buckets
	if from == nil {
		return Object{}, Object{}, errNoSuchBucket(srcBucket)
	}
	content, src, err := from.store.openVersion(srcKey, srcVersion) // versions.go
	if err != nil {
		if errors.Is(err, errNotStored) && ak.ID == "" && !from.publicRead(aclDefault) {
			return Object{}, Object{}, errReadDenied()
		}
		return Object{}, Object{}, copySourceError(err, srcKey, srcVersion)
	}
	defer content.Close()
	obj, oe := e.copyTo(r, ak, key, from, src, content)
	return obj, src, oe
}

// copyTo stores the copy of src, whose content is content, as key.
func (e *Emulator) copyTo(r *http.Request, ak AccessKey, key string, from *Emulator, src Object, content io.Reader) (Object, *ossError) {
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
	obj.VersionID = "" // the copy is a new version of key (versions.go)
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
	if err := e.store.commit(p, &obj, forbid); err != nil {
		if errors.Is(err, errExists) {
			return Object{}, errExistsOSS()
		}
		return Object{}, errInternal(err)
	}
	return obj, nil
}

// copySource splits x-oss-copy-source, "/<bucket>/<URL-encoded key>",
// optionally followed by "?versionId=<id>" to copy that version
// (https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject).
func copySource(v string) (bucket, key, versionID string, oe *ossError) {
	src, versionID, hasVersion := strings.Cut(v, "?versionId=")
	b, k, ok := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if ok {
		k, ok = unescapeKey(k)
	}
	if !ok || b == "" || k == "" || (hasVersion && versionID == "") {
		return "", "", "", newErr(400, "InvalidArgument", "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.").withArg("x-oss-copy-source", v)
	}
	return b, k, versionID, nil
}

// copySourceError answers a copy source that cannot be read: a version id
// that the key does not have (EC 0012-00000203,
// https://www.alibabacloud.com/help/en/oss/support/0012-00000203) or that
// is a delete marker (EC 0016-00000307,
// https://www.alibabacloud.com/help/en/oss/support/0016-00000307); the
// codes and statuses are [inferred].
func copySourceError(err error, key, vid string) *ossError {
	var dm *deleteMarkerError
	switch {
	case errors.As(err, &dm) && !dm.latest:
		return newErr(400, "InvalidArgument", "The version of the copy source is a delete marker.").withEC("0016-00000307").withArg("x-oss-copy-source", vid)
	case errors.Is(err, errVersionNotStored):
		return errNoSuchVersion(vid).withEC("0012-00000203")
	case errors.Is(err, errNotStored):
		return errNoSuchKey().withArg("Key", key)
	}
	return errInternal(err)
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
