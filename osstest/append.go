package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// AppendObject (POST /<key>?append&position=<n>) adds the request body at
// the end of an Appendable object, or makes one at position 0
// (https://www.alibabacloud.com/help/en/oss/developer-reference/appendobject):
// the position must be the object's current length (409
// PositionNotEqualToLength otherwise, with the length in
// x-oss-next-append-position), the object must be Appendable (409
// ObjectNotAppendable for a Normal or Multipart one), and the headers of
// PutObject (Content-Type, x-oss-meta-*, x-oss-object-acl, server-side
// encryption, ...) count on the first append only. The answer names the
// next position and the CRC-64 of the whole object.

const (
	opAppendObject = "AppendObject"
	typeAppendable = "Appendable"
)

func (e *Emulator) appendObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	obj, oe := e.appendStored(r, key)
	if oe != nil {
		drainBody(r)
		if oe.code == "PositionNotEqualToLength" {
			w.Header().Set("X-Oss-Next-Append-Position", oe.argVal)
		}
		writeError(w, rc, oe)
		return
	}
	h := w.Header()
	setVersionHeader(h, obj) // versioning.go
	h.Set("ETag", obj.ETag)
	h.Set("X-Oss-Next-Append-Position", strconv.FormatInt(obj.Size, 10))
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	setEncryptionHeaders(h, obj) // encryption.go
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// appendStored checks and stores one append. Appends to a bucket are
// serialised, so that two appends at one position cannot both succeed.
func (e *Emulator) appendStored(r *http.Request, key string) (Object, *ossError) {
	if oe := validateKey(key); oe != nil {
		return Object{}, oe
	}
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		return Object{}, oe
	}
	if r.URL.Query().Has("versionId") {
		// https://www.alibabacloud.com/help/en/oss/user-guide/0016-00000504
		// (the status and code are [inferred]).
		return Object{}, newErr(400, "InvalidArgument", "AppendObject does not take a versionId.").withEC("0016-00000504").withArg("versionId", r.URL.Query().Get("versionId"))
	}
	if !r.URL.Query().Has("position") {
		// https://www.alibabacloud.com/help/en/oss/support/0016-00000501
		return Object{}, newErr(400, "InvalidArgument", "Missing position parameter.").withEC("0016-00000501").withArg("position", "")
	}
	pos, err := strconv.ParseInt(r.URL.Query().Get("position"), 10, 64)
	if err != nil || pos < 0 {
		return Object{}, newErr(400, "InvalidArgument", "Argument position must be a non-negative integer.").withArg("position", r.URL.Query().Get("position"))
	}
	e.appends.Lock()
	defer e.appends.Unlock()
	old, content, oe := e.appendTarget(key, pos)
	if oe != nil {
		return Object{}, oe
	}
	if content != nil {
		defer content.Close()
	}
	obj := old
	if content == nil {
		obj, oe = e.requestObject(key, r.Header) // put.go
		if oe != nil {
			return Object{}, oe
		}
		obj.Type = typeAppendable
	}
	if pos+r.ContentLength > e.maxObjectSize {
		return Object{}, errEntityTooLarge()
	}
	p, err := e.store.begin(pos + max(r.ContentLength, 0))
	if err != nil {
		return Object{}, errInternal(err)
	}
	if content != nil {
		if _, err := io.Copy(p, content); err != nil {
			p.abort()
			return Object{}, errInternal(err)
		}
	}
	st, oe := e.appendBody(r, p)
	if oe != nil {
		return Object{}, oe
	}
	obj.Size = pos + st.size
	obj.CRC64 = crc64Combine(old.CRC64, st.crc64, st.size)
	obj.ETag = appendETag(old.ETag, st.md5)
	obj.ContentMD5 = ""
	obj.LastModified = e.now().UTC()
	if err := e.store.commit(p, &obj, false); err != nil {
		return Object{}, errInternal(err)
	}
	return obj, nil
}

// appendTarget returns the object an append at pos goes to and its
// content, or a zero Object and nil content for a new object (pos 0).
func (e *Emulator) appendTarget(key string, pos int64) (Object, io.ReadCloser, *ossError) {
	// In a versioned bucket, an append grows the current version in place,
	// and a delete marker reads as no object (versions.go).
	content, old, err := e.store.openVersion(key, "")
	if errors.Is(err, errNotStored) {
		if pos != 0 {
			return Object{}, nil, errPositionNotEqual(0)
		}
		return Object{}, nil, nil
	}
	if err != nil {
		return Object{}, nil, errInternal(err)
	}
	switch {
	case objectType(old) != typeAppendable:
		content.Close()
		return Object{}, nil, newErr(409, "ObjectNotAppendable", "The object is not appendable")
	case pos != old.Size:
		content.Close()
		return Object{}, nil, errPositionNotEqual(old.Size)
	}
	return old, content, nil
}

func errPositionNotEqual(length int64) *ossError {
	return newErr(409, "PositionNotEqualToLength", "Position is not equal to file length").withArg("x-oss-next-append-position", strconv.FormatInt(length, 10))
}

// appendBody streams the request body onto p, after what it holds, and
// checks Content-MD5 against the body alone.
func (e *Emulator) appendBody(r *http.Request, p *pending) (*streamed, *ossError) {
	wantMD5, oe := contentMD5(r.Header)
	if oe != nil {
		p.abort()
		return nil, oe
	}
	body := &bodyReader{r: r.Body}
	st, oe := e.streamFile(body, p, e.maxObjectSize, nil)
	if oe != nil {
		p.abort()
		if body.err != nil {
			return nil, errIncompleteBody()
		}
		return nil, oe
	}
	if wantMD5 != nil && !bytes.Equal(st.md5, wantMD5) {
		p.abort()
		return nil, errInvalidDigest()
	}
	return st, nil
}

// appendETag chains the ETag over appends. OSS documents the ETag of an
// appendable object as computed by its own rule, not the MD5 of the
// content (https://www.alibabacloud.com/help/en/oss/developer-reference/common-http-headers):
// here it is the MD5 of the previous ETag and the appended bytes' MD5.
func appendETag(prev string, appended []byte) string {
	h := md5.New()
	h.Write([]byte(prev))
	h.Write(appended)
	return `"` + strings.ToUpper(hex.EncodeToString(h.Sum(nil))) + `"`
}
