package osstest

import (
	"errors"
	"net/http"
	"strconv"
)

// getObject serves GET and HEAD /<key> with the headers OSS returns for a
// stored object; Range and conditional requests are handled by
// http.ServeContent. A signed read (a presigned URL, an SDK's GetObject)
// has its signature checked like any request; an unsigned one is served
// whatever the bucket's ACL: the emulator is a test fixture and its tests
// read back what they uploaded.
func (e *Emulator) getObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	if isSigned(r) {
		if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
			writeError(w, rc, oe)
			return
		}
	}
	content, obj, err := e.store.open(key)
	if err != nil {
		if errors.Is(err, ErrNoSuchKey) {
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
	h.Set("Content-MD5", obj.ContentMD5)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	h.Set("X-Oss-Object-Type", "Normal")
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
	if obj.ServerSideEncryption != "" {
		h.Set("X-Oss-Server-Side-Encryption", obj.ServerSideEncryption)
	}
	for name, v := range obj.Meta {
		h.Set("X-Oss-Meta-"+name, v)
	}
	if obj.Size <= smallObject {
		// Without io.ReaderFrom, ServeContent writes the body through the
		// response's buffer, so headers and body leave in one write; with
		// it (for sendfile) they take two, which doubled the syscalls of a
		// small GET.
		w = struct{ http.ResponseWriter }{w}
	}
	http.ServeContent(w, r, "", obj.LastModified, content)
}

// smallObject is the size up to which a GET answer is sent in one write.
const smallObject = 64 << 10
