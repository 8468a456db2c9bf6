package osstest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	http.ServeContent(w, r, "", obj.LastModified, content)
}

// listBucketResult is a minimal ListObjects (V1) answer.
type listBucketResult struct {
	XMLName     struct{}       `xml:"ListBucketResult"`
	Name        string         `xml:"Name"`
	Prefix      string         `xml:"Prefix"`
	MaxKeys     int            `xml:"MaxKeys"`
	IsTruncated bool           `xml:"IsTruncated"`
	Contents    []listContents `xml:"Contents"`
}

type listContents struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

// listObjects answers GET / with every object whose key starts with the
// prefix query parameter; no paging or delimiter. A private bucket is
// listed only with a signature.
func (e *Emulator) listObjects(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if isSigned(r) || !e.publicRead(aclDefault) {
		if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
			writeError(w, rc, oe)
			return
		}
	}
	prefix := r.URL.Query().Get("prefix")
	res := listBucketResult{Name: e.bucket, Prefix: prefix, MaxKeys: 1000}
	for _, o := range e.store.list() {
		if !strings.HasPrefix(o.Key, prefix) {
			continue
		}
		res.Contents = append(res.Contents, listContents{
			Key:          o.Key,
			LastModified: o.LastModified.UTC().Format(time.RFC3339Nano),
			ETag:         o.ETag,
			Type:         "Normal",
			Size:         o.Size,
			StorageClass: o.StorageClass,
		})
	}
	writeXML(w, http.StatusOK, &res)
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
	w.WriteHeader(http.StatusOK)
}
