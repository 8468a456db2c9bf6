package osstest

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// getObject serves GET and HEAD /<key> with the headers OSS returns for a
// stored object; Range and conditional requests are handled by
// http.ServeContent. Access is checked by authorizeRead (acl.go). With
// versionId, the version asked for is read (versioning.go).
func (e *Emulator) getObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	if oe := e.authorizeRead(r, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	vid, oe := versionParam(r)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	content, obj, err := e.store.openVersion(key, vid)
	if err != nil {
		writeError(w, rc, versionError(w.Header(), err, key, vid))
		return
	}
	defer content.Close()
	h := w.Header()
	setVersionHeader(h, obj)
	h.Set("Content-Type", obj.ContentType)
	h.Set("ETag", obj.ETag)
	if obj.ContentMD5 != "" { // multipart objects have none
		h.Set("Content-MD5", obj.ContentMD5)
	}
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	h.Set("X-Oss-Object-Type", obj.objectType())
	if obj.Type == typeAppendable { // where the next append goes: https://help.aliyun.com/en/oss/user-guide/0026-00000017
		h.Set("X-Oss-Next-Append-Position", strconv.FormatInt(obj.Size, 10))
	}
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
	if isSigned(r) {
		setResponseOverrides(h, r.URL.Query())
	}
	for name, v := range obj.Meta {
		h.Set("X-Oss-Meta-"+name, v)
	}
	if obj.Size <= smallObject && plainRead(r) {
		serveSmall(w, r, obj, content)
		return
	}
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
	obj, oe := e.versionAsked(w.Header(), r, key) // versioning.go
	if oe != nil {
		writeError(w, rc, oe)
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

// responseOverrides are the query parameters a signed GET uses to set the
// answer's headers, as a download that saves under the original name does
// with response-content-disposition
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobject).
// An unsigned request's are ignored [inferred].
var responseOverrides = [...][2]string{
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
	{"response-content-language", "Content-Language"},
	{"response-content-type", "Content-Type"},
	{"response-expires", "Expires"},
}

func setResponseOverrides(h http.Header, q url.Values) {
	for _, o := range responseOverrides {
		if v := q.Get(o[0]); v != "" {
			h.Set(o[1], v)
		}
	}
}

const objectTypeMultipart = "Multipart"

// objectType is the x-oss-object-type of o; objects stored before Type
// existed, and every upload but a multipart one, are Normal.
func (o Object) objectType() string {
	if o.Type == "" {
		return "Normal"
	}
	return o.Type
}

// smallObject is the size up to which a plain GET is answered by
// serveSmall.
const smallObject = 64 << 10

// plainRead reports whether r asks for the whole object unconditionally:
// no Range and no If-* header, nothing for http.ServeContent to decide.
func plainRead(r *http.Request) bool {
	for _, name := range []string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if _, ok := r.Header[name]; ok {
			return false
		}
	}
	return true
}

// serveSmall answers a plain GET or HEAD of a small object with the
// headers ServeContent would send, headers and body in one write: the
// ServeContent path took two writes (headers, then the body by ReadFrom)
// and most of the time of a 1 KiB GET went to it.
func serveSmall(w http.ResponseWriter, r *http.Request, obj Object, content io.Reader) {
	h := w.Header()
	h["Last-Modified"] = []string{obj.LastModified.UTC().Format(http.TimeFormat)}
	h["Accept-Ranges"] = []string{"bytes"}
	h["Content-Length"] = []string{strconv.FormatInt(obj.Size, 10)}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(w, content)
	}
}
