package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// PutObject: https://www.alibabacloud.com/help/en/oss/developer-reference/putobject

// maxCallbackParamBytes bounds the Base64 callback and callback-var values
// of PutObject and CompleteMultipartUpload (5 KB; PostObject has no such
// limit): https://www.alibabacloud.com/help/en/oss/developer-reference/callback
const maxCallbackParamBytes = 5 << 10

// Callback parameters outside PostObject: headers, or query parameters for
// presigned URLs.
const (
	headerCallback    = "X-Oss-Callback"
	headerCallbackVar = "X-Oss-Callback-Var"
	queryCallback     = "callback"
	queryCallbackVar  = "callback-var"
)

// putObject stores the request body as key. The checks that need no body
// come first (key, signature, object settings, callback parameters,
// x-oss-forbid-overwrite), so a doomed upload is refused before it is
// streamed; then the body is hashed and stored, Content-MD5 compared, and
// the object committed atomically.
func (e *Emulator) putObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	up, oe := e.receivePut(r, key)
	if oe != nil {
		drainBody(r)
		writeError(w, rc, oe)
		return
	}
	h := w.Header()
	setObjectHeaders(h, up.obj)
	if up.callback != nil {
		e.runCallback(w, r, rc, up)
		return
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func (e *Emulator) receivePut(r *http.Request, key string) (*upload, *ossError) {
	if oe := validateKey(key); oe != nil {
		return nil, oe
	}
	ak, oe := e.authenticateRequest(r, e.bucket, key)
	if oe != nil {
		return nil, oe
	}
	obj, oe := e.requestObject(key, r.Header)
	if oe != nil {
		return nil, oe
	}
	up := &upload{operation: "PutObject", clientIP: clientIP(r), requester: e.requesterID(ak.ID)}
	up.callback, up.vars, oe = callbackFromRequest(r)
	if oe != nil {
		return nil, oe
	}
	forbid := forbidOverwrite(r.Header)
	if forbid && e.store.exists(key) {
		return nil, errExistsOSS()
	}
	if r.ContentLength > e.maxObjectSize {
		return nil, errEntityTooLarge()
	}
	p, st, oe := e.receiveBody(r)
	if oe != nil {
		return nil, oe
	}
	if oe := e.commitStreamed(p, &obj, st, forbid); oe != nil {
		return nil, oe
	}
	up.obj = obj
	up.sniff = st.sniff
	return up, nil
}

// forbidOverwrite reports whether x-oss-forbid-overwrite: true asks that an
// existing object be kept (FileAlreadyExists) rather than overwritten.
func forbidOverwrite(h http.Header) bool {
	return strings.EqualFold(h.Get("X-Oss-Forbid-Overwrite"), "true")
}

// receiveBody streams a PUT body into pending content (MD5, CRC-64, at
// most maxObjectSize bytes) and checks a Content-MD5 header. The caller
// owns the pending content on success; on failure it is discarded.
func (e *Emulator) receiveBody(r *http.Request) (*pending, *streamed, *ossError) {
	wantMD5, oe := contentMD5(r.Header)
	if oe != nil {
		return nil, nil, oe
	}
	p, err := e.store.begin(r.ContentLength)
	if err != nil {
		return nil, nil, errInternal(err)
	}
	body := &bodyReader{r: r.Body}
	st, oe := e.streamFile(body, p, e.maxObjectSize, nil)
	if oe != nil {
		p.abort()
		if body.err != nil {
			// The client stopped sending before Content-Length bytes.
			return nil, nil, errIncompleteBody()
		}
		return nil, nil, oe
	}
	if wantMD5 != nil && !bytes.Equal(st.md5, wantMD5) {
		p.abort()
		return nil, nil, errInvalidDigest()
	}
	return p, st, nil
}

// contentMD5 decodes a Content-MD5 header: nil when there is none,
// InvalidDigest when it is not the Base64 of an MD5.
func contentMD5(h http.Header) ([]byte, *ossError) {
	v := h.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != md5.Size {
		return nil, errInvalidDigest()
	}
	return b, nil
}

// bodyReader remembers a read error other than io.EOF, which streamFile
// (written for form parts) does not pass on.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func errInvalidDigest() *ossError {
	return newErr(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
}

func errIncompleteBody() *ossError {
	return newErr(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

// requestObject is the metadata a request for a new object (PutObject,
// InitiateMultipartUpload, a first AppendObject) gives it: objectFromHeader
// with the request's encryption taken in (encryption.go).
func (e *Emulator) requestObject(key string, h http.Header) (Object, *ossError) {
	obj, oe := objectFromHeader(key, h)
	if oe == nil {
		oe = e.takeEncryption(h, &obj)
	}
	return obj, oe
}

// objectFromHeader builds an object's metadata from PutObject or
// InitiateMultipartUpload headers and refuses values OSS refuses, as
// objectFromForm does for PostObject fields.
func objectFromHeader(key string, h http.Header) (Object, *ossError) {
	obj := Object{
		Key:                  key,
		ContentType:          h.Get("Content-Type"),
		CacheControl:         h.Get("Cache-Control"),
		ContentDisposition:   h.Get("Content-Disposition"),
		ContentEncoding:      h.Get("Content-Encoding"),
		Expires:              h.Get("Expires"),
		ACL:                  "default",
		StorageClass:         "Standard",
		ServerSideEncryption: h.Get("X-Oss-Server-Side-Encryption"),
	}
	if obj.ContentType == "" {
		// Without a Content-Type OSS picks one from the key's extension.
		obj.ContentType = contentTypeByExtension(key)
	}
	if acl := h.Get("X-Oss-Object-Acl"); acl != "" {
		if oe := checkACL(acl); oe != nil {
			return Object{}, oe
		}
		obj.ACL = acl
	}
	if v := h.Get("X-Oss-Tagging"); v != "" {
		tags, oe := parseTaggingHeader(v) // tagging.go
		if oe != nil {
			return Object{}, oe
		}
		obj.Tags = tags
	}
	if v := h.Get("X-Oss-Storage-Class"); v != "" {
		if oe := checkStorageClass(v); oe != nil {
			return Object{}, oe
		}
		obj.StorageClass = v
	}
	if v := obj.ServerSideEncryption; v != "" {
		if oe := checkEncryption(v); oe != nil {
			return Object{}, oe
		}
	}
	metaBytes := 0
	for name, vs := range h {
		l := strings.ToLower(name)
		meta, ok := strings.CutPrefix(l, "x-oss-meta-")
		if !ok {
			continue
		}
		if obj.Meta == nil {
			obj.Meta = map[string]string{}
		}
		obj.Meta[meta] = vs[0]
		metaBytes += len(l) + len(vs[0])
	}
	if metaBytes > maxMetaBytes {
		return Object{}, errMetaTooLarge()
	}
	return obj, nil
}

// callbackFromRequest reads the callback parameters of a PutObject or
// CompleteMultipartUpload: the x-oss-callback and x-oss-callback-var
// headers, or the callback and callback-var query parameters of a
// presigned URL, never both
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// An empty value means no callback [inferred, as for PostObject].
func callbackFromRequest(r *http.Request) (*callbackwire.Params, map[string]string, *ossError) {
	q := r.URL.Query()
	enc, oe := oneOf(r.Header.Get(headerCallback), q.Get(queryCallback),
		"Either the callback query string parameter or the x-oss-callback header should be specified, not both.")
	if oe != nil {
		return nil, nil, oe
	}
	encVars, oe := oneOf(r.Header.Get(headerCallbackVar), q.Get(queryCallbackVar),
		"Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both.")
	if oe != nil {
		return nil, nil, oe
	}
	if enc == "" {
		return nil, nil, nil
	}
	if len(enc) > maxCallbackParamBytes {
		return nil, nil, newErr(400, "InvalidArgument", "The length of callback exceed max value.")
	}
	if len(encVars) > maxCallbackParamBytes {
		return nil, nil, newErr(400, "InvalidArgument", "The length of callback var exceed max value.")
	}
	p, err := callbackwire.Decode(enc)
	if err != nil {
		return nil, nil, paramsError(err)
	}
	vars, oe := decodeCallbackVars(encVars)
	if oe != nil {
		return nil, nil, oe
	}
	return &p, vars, nil
}

// paramsError is OSS's answer to callback parameters that
// callbackwire.Decode refuses: InvalidArgument with OSS's message and EC.
func paramsError(err error) *ossError {
	var pe *callbackwire.ParamsError
	if errors.As(err, &pe) {
		return newErr(400, "InvalidArgument", pe.Message).withEC(pe.EC)
	}
	return newErr(400, "InvalidArgument", err.Error())
}

// oneOf returns whichever of a header and a query value is set, refusing
// both at once with msg.
func oneOf(header, query, msg string) (string, *ossError) {
	if header != "" && query != "" {
		return "", newErr(400, "InvalidArgument", msg)
	}
	return header + query, nil
}

// decodeCallbackVars decodes callback-var: Base64 of a JSON object whose
// members are "x:"-prefixed lower-case names with string values.
func decodeCallbackVars(enc string) (map[string]string, *ossError) {
	if enc == "" {
		return nil, nil
	}
	notJSON := newErr(400, "InvalidArgument", "The callback var is not expecten json.")
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || !utf8.Valid(raw) {
		return nil, notJSON
	}
	var vars map[string]string
	if err := json.Unmarshal(raw, &vars); err != nil {
		return nil, notJSON.withArg("callback-var", string(raw))
	}
	for name, v := range vars {
		if err := callbackwire.ValidateVarName(name); err != nil {
			return nil, newErr(400, "InvalidArgument", "The callback var is invalid.").withArg(name, v)
		}
	}
	return vars, nil
}
