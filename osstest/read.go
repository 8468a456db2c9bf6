package osstest

import (
	"errors"
	"net/http"
	"strconv"
)

// getObject serves GET and HEAD /<key> with the headers OSS returns for a
// stored object; Range and conditional requests are handled by
// http.ServeContent. Access is checked by authorizeRead (acl.go).
func (e *Emulator) getObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	if oe := e.authorizeRead(r, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	content, obj, err := e.store.open(key)
	if err != nil {
		if errors.Is(err, errNotStored) {
			writeError(w, rc, errNoSuchKey().withArg("Key", key))
			return
		}
		writeError(w, rc, errInternal(err))
		return
	}
	defer content.Close()
	h := w.Header()
	h.Set("Content-Type", obj.ContentType)
	h.Set("ETag", obj.ETag)
	if obj.ContentMD5 != "" {
		// OSS gives none for an object made by multipart upload.
		h.Set("Content-MD5", obj.ContentMD5)
	}
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	h.Set("X-Oss-Object-Type", objectType(obj)) // list.go
	h.Set("X-Oss-Storage-Class", obj.StorageClass)
	for name, v := range map[string]string{
		"Cache-Control":       obj.CacheControl,
		"Content-Disposition": obj.ContentDisposition,
		"Content-Encoding":    obj.ContentEncoding,
		"Expires":             obj.Expires,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	setEncryptionHeaders(h, obj) // encryption.go
	setTaggingCount(h, obj)
	for name, v := range obj.Meta {
		h.Set("X-Oss-Meta-"+name, v)
	}
	applyOverrides(h, r) // overrides.go
	http.ServeContent(w, r, "", obj.LastModified, content)
}

// getObjectMeta serves GetObjectMeta, HEAD /<key>?objectMeta: the ETag,
// size and Last-Modified of an object without its other headers
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobjectmeta).
func (e *Emulator) getObjectMeta(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	if oe := e.authorizeRead(r, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	obj, ok := e.store.get(key)
	if !ok {
		writeError(w, rc, errNoSuchKey().withArg("Key", key))
		return
	}
	h := w.Header()
	h.Set("ETag", obj.ETag)
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	// The Go SDK v2's integration test (TestGetObjectMeta) expects OSS's
	// CRC-64 here too.
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	w.WriteHeader(http.StatusOK)
}
