package osstest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/objectkey"
	"github.com/ossdirect/ossdirect/internal/ossmsg"
	"github.com/ossdirect/ossdirect/internal/postpolicy"
)

// maxTrailingBytes bounds what is read after the file part (a browser's
// submit button, the closing boundary, an epilogue) [inferred].
const maxTrailingBytes = maxFieldValueBytes

// upload is an accepted and stored object: a PostObject, PutObject or
// CompleteMultipartUpload (form is nil for the last two).
type upload struct {
	operation string // ${operation} in callbacks
	obj       Object
	form      *form
	callback  *callbackwire.Params
	vars      map[string]string // x:name -> value
	sniff     []byte
	clientIP  string
	requester string
}

func (e *Emulator) postObject(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	up, oe := e.receive(r)
	if oe != nil {
		drainBody(r)
		writeError(w, rc, oe)
		return
	}
	e.respond(w, r, rc, up)
}

// receive runs the checks of docs/PROTOCOL.md#check-order and stores the
// object. The order is fixed so that the same bad request always gets the
// same error:
//
//  1. multipart/form-data with a boundary; a declared body of 5 GB or more
//     is refused outright;
//  2. fields up to the file part (framing, size limits, duplicate names,
//     key before file, a file at all);
//  3. to 7. authentication (see authenticate);
//  8. checks that need no file content: ${filename} expansion and the key
//     rules, x-oss-tagging, ACL, storage class, encryption, metadata size,
//     callback parameters and x: names, x-oss-forbid-overwrite. OSS
//     validates the callback before storing; doing all of these before
//     streaming (rather than after, as #check-order lists them) spares the upload
//     of a file that will be refused anyway [inferred];
//  9. streaming the file with MD5, CRC-64 and the size limits (policy
//     content-length-range, 5 GB), then the rest of the body (a second
//     file is refused) and the Content-MD5 header, then an atomic commit.
func (e *Emulator) receive(r *http.Request) (*upload, *ossError) {
	fb, oe := e.openForm(r)
	if oe != nil {
		return nil, oe
	}
	f, oe := readForm(fb.mr)
	if oe != nil {
		return nil, oe
	}
	au, oe := e.authenticate(f, e.bucket)
	if oe != nil {
		return nil, oe
	}

	up := &upload{operation: "PostObject", form: f, clientIP: clientIP(r)}
	up.requester = e.requesterID(au.key.ID)
	obj, oe := objectFromForm(f, r.Header)
	if oe != nil {
		return nil, oe
	}
	objectkey.Note(r.Context(), obj.Key)
	up.callback, up.vars, oe = callbackFromForm(f)
	if oe != nil {
		return nil, oe
	}
	forbid := strings.EqualFold(f.get("x-oss-forbid-overwrite"), "true")
	if forbid && e.store.exists(obj.Key) {
		return nil, errExistsOSS()
	}

	p, err := e.store.begin(r.ContentLength)
	if err != nil {
		return nil, errInternal(err)
	}
	committed := false
	defer func() {
		if !committed {
			p.abort()
		}
	}()
	limit := e.maxObjectSize
	if au.policy != nil {
		if _, max, ok := postpolicy.SizeRange(au.policy); ok && max < limit {
			limit = max
		}
	}
	st, oe := e.streamFile(f.file, p, limit, au.policy)
	if oe != nil {
		return nil, oe
	}
	if au.policy != nil {
		if err := postpolicy.CheckSize(au.policy, st.size); err != nil {
			return nil, policyError(err)
		}
	}
	if oe := fb.finish(); oe != nil {
		return nil, oe
	}

	if oe := e.commitStreamed(p, &obj, st, forbid); oe != nil {
		return nil, oe
	}
	committed = true
	up.obj = obj
	up.sniff = st.sniff
	return up, nil
}

// formBody is the multipart reader of a PostObject body, and the MD5 of
// the whole body when a Content-MD5 header asks for it.
type formBody struct {
	mr      *multipart.Reader
	body    io.Reader
	md5     hash.Hash
	wantMD5 []byte
}

// openForm runs step 1 of receive.
func (e *Emulator) openForm(r *http.Request) (*formBody, *ossError) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errNotMultipart()
	}
	if r.ContentLength >= e.maxObjectSize {
		return nil, newErr(400, "InvalidArgument", "Post body size must be less than 5G.").withEC("0006-00000003")
	}
	fb := &formBody{body: r.Body}
	var oe *ossError
	if fb.wantMD5, oe = contentMD5(r.Header); oe != nil {
		return nil, oe
	}
	if fb.wantMD5 != nil {
		fb.md5 = md5.New()
		fb.body = io.TeeReader(fb.body, fb.md5)
	}
	// multipart.Reader reads through a 4 KB buffer; a larger one below it
	// turns thousands of small socket reads into a few large ones.
	fb.body = bufio.NewReaderSize(fb.body, chunkSize)
	fb.mr = multipart.NewReader(fb.body, params["boundary"])
	return fb, nil
}

// finish reads what follows the file part and checks Content-MD5.
func (fb *formBody) finish() *ossError {
	if oe := readTrailer(fb.mr, fb.body); oe != nil {
		return oe
	}
	if fb.md5 != nil && !bytes.Equal(fb.md5.Sum(nil), fb.wantMD5) {
		return errInvalidDigest()
	}
	return nil
}

func errExistsOSS() *ossError {
	return newErr(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
}

// objectFromForm builds the object's name and metadata from the fields
// (docs/PROTOCOL.md#form-fields, #object-key) and refuses values OSS refuses.
// x-oss-object-acl may also come as an HTTP header; the form field wins
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
func objectFromForm(f *form, header http.Header) (Object, *ossError) {
	key := expandKey(f.get("key"), f.fileName)
	if oe := validateKey(key); oe != nil {
		return Object{}, oe
	}
	// A form upload cannot tag its object. The PostObject reference lists
	// no x-oss-tagging form element or policy condition, and its Chinese
	// edition (2021) says PostObject does not take x-oss-tagging
	// (https://help.aliyun.com/zh/oss/developer-reference/postobject); the
	// tagging pages set tags at upload on PutObject, InitiateMultipartUpload,
	// AppendObject and CopyObject only
	// (https://www.alibabacloud.com/help/en/oss/upload-download-and-manage-objects-configure-object-tagging).
	// An app tags a form upload afterwards, with PutObjectTagging. That OSS
	// refuses the field rather than ignoring it, and the message, are
	// [inferred].
	if f.has("x-oss-tagging") {
		return Object{}, newErr(400, "InvalidArgument", "The x-oss-tagging header cannot be specified in PostObject requests.").withArg("x-oss-tagging", f.get("x-oss-tagging"))
	}
	obj := Object{
		Key:                  key,
		ContentType:          objectContentType(f, key),
		CacheControl:         f.get("cache-control"),
		ContentDisposition:   f.get("content-disposition"),
		ContentEncoding:      f.get("content-encoding"),
		Expires:              f.get("expires"),
		ACL:                  "default",
		StorageClass:         "Standard",
		ServerSideEncryption: f.get("x-oss-server-side-encryption"),
	}
	acl, ok := f.fields["x-oss-object-acl"]
	if !ok {
		acl = header.Get("X-Oss-Object-Acl")
		ok = acl != ""
	}
	if ok {
		if oe := checkACL(acl); oe != nil {
			return Object{}, oe
		}
		obj.ACL = acl
	}
	if v, ok := f.fields["x-oss-storage-class"]; ok {
		if oe := checkStorageClass(v); oe != nil {
			return Object{}, oe
		}
		obj.StorageClass = v
	}
	if v, ok := f.fields["x-oss-server-side-encryption"]; ok {
		if oe := checkEncryption(v); oe != nil {
			return Object{}, oe
		}
	}
	metaBytes := 0
	for l, v := range f.fields {
		name, ok := strings.CutPrefix(l, "x-oss-meta-")
		if !ok {
			continue
		}
		if obj.Meta == nil {
			obj.Meta = map[string]string{}
		}
		obj.Meta[name] = v
		metaBytes += len(l) + len(v)
	}
	if metaBytes > maxMetaBytes {
		return Object{}, errMetaTooLarge()
	}
	return obj, nil
}

// maxMetaBytes bounds the user metadata of an object: 8 KB in all, names
// and values (docs/PROTOCOL.md#size-limits).
const maxMetaBytes = 8 << 10

func errMetaTooLarge() *ossError {
	return newErr(400, "InvalidArgument", "Your metadata headers exceed the maximum allowed metadata size.")
}

// checkACL, checkStorageClass and checkEncryption refuse an
// x-oss-object-acl, x-oss-storage-class or x-oss-server-side-encryption
// value OSS does not know, with OSS's error, whether it came as a form
// field or a header.
func checkACL(acl string) *ossError {
	switch acl {
	case "default", "private", "public-read", "public-read-write":
		return nil
	}
	return newErr(400, "InvalidArgument", "no such object access control exists").withArg("x-oss-object-acl", acl)
}

func checkStorageClass(v string) *ossError {
	switch v {
	case "Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive":
		return nil
	}
	return newErr(400, "InvalidArgument", "Invalid storage class.").withArg("x-oss-storage-class", v)
}

func checkEncryption(v string) *ossError {
	switch v {
	case "AES256", "KMS", "SM4":
		return nil
	}
	return newErr(400, "InvalidEncryptionAlgorithmError", "The encryption algorithm specified is not valid.").withArg("x-oss-server-side-encryption", v)
}

// callbackFromForm decodes the callback field with callbackwire.Decode
// (OSS's checks and messages, docs/PROTOCOL.md#callback-errors) and collects
// the x: fields. An empty callback field means no callback [inferred from
// the callback documentation's "empty means none"].
func callbackFromForm(f *form) (*callbackwire.Params, map[string]string, *ossError) {
	enc := f.get("callback")
	if enc == "" {
		return nil, nil, nil
	}
	p, err := callbackwire.Decode(enc)
	if err != nil {
		oe := paramsError(err)
		if pe := (*callbackwire.ParamsError)(nil); errors.As(err, &pe) && pe.Message == ossmsg.MsgNotJSON {
			dec, _ := base64.StdEncoding.DecodeString(enc)
			oe.withArg("callback", string(dec))
		}
		return nil, nil, oe
	}
	vars := map[string]string{}
	for l, v := range f.fields {
		if !strings.HasPrefix(l, "x:") {
			continue
		}
		name := f.names[l]
		if err := callbackwire.ValidateVarName(name); err != nil {
			// Custom variable keys must be lower case and start with x:
			// (docs/PROTOCOL.md#callback-variables).
			return nil, nil, newErr(400, "InvalidArgument", "The callback var is invalid.").withArg(name, v)
		}
		vars[name] = v
	}
	return &p, vars, nil
}

// readTrailer reads what follows the file part. OSS stops at the file
// (docs/PROTOCOL.md#form-upload): later fields, such as a browser's submit
// button, are ignored, but a second file is refused (IncorrectNumberOfFiles,
// docs/PROTOCOL.md#postobject-errors) and
// broken framing after the file is malformed [inferred]. The whole body is
// consumed so a Content-MD5 header can be checked.
func readTrailer(mr *multipart.Reader, body io.Reader) *ossError {
	var n int64
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errMalformedPOST()
		}
		if name, _, _, ok := partName(p.Header); ok && strings.EqualFold(name, "file") {
			return errFileCount()
		}
		m, err := io.Copy(io.Discard, io.LimitReader(p, maxTrailingBytes-n+1))
		n += m
		if err != nil {
			return errMalformedPOST()
		}
		if n > maxTrailingBytes {
			return errMalformedPOST()
		}
	}
	m, err := io.Copy(io.Discard, io.LimitReader(body, maxTrailingBytes-n+1))
	if err != nil || n+m > maxTrailingBytes {
		return errMalformedPOST()
	}
	return nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
