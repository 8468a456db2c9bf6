package osstest

import (
	"errors"
	"io"
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
	if obj.Size <= smallObject && plainRead(r) {
		serveSmall(w, r, obj, content)
		return
	}
	http.ServeContent(w, r, "", obj.LastModified, content)
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
