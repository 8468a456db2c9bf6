package osstest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// respond sends the success answer (docs/PROTOCOL.md#success-response,
// #callback-outcome).
func (e *Emulator) respond(w http.ResponseWriter, r *http.Request, rc *reqCtx, up *upload) {
	h := w.Header()
	setObjectHeaders(h, up.obj)
	if up.callback != nil {
		// With a callback the uploader gets the app's answer (200) or
		// CallbackFailed (203), whatever success_action_status says
		// (docs/PROTOCOL.md#callback-outcome, [inferred]); the same goes for
		// a redirect.
		e.runCallback(w, r, rc, up)
		return
	}
	if redirect := up.form.get("success_action_redirect"); redirect != "" {
		// OSS documents only that it redirects; status and query follow
		// Amazon S3: 303 with bucket, key and etag appended [inferred].
		q := url.Values{"bucket": {e.bucket}, "key": {up.obj.Key}, "etag": {up.obj.ETag}}
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		h.Set("Location", redirect+sep+q.Encode())
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch up.form.get("success_action_status") {
	case "200":
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(w, http.StatusCreated, &postResponse{
			Bucket:   e.bucket,
			Location: objectURL(r, up.obj.Key),
			Key:      up.obj.Key,
			ETag:     strings.Trim(up.obj.ETag, `"`),
		})
	default:
		// Absent or any other value: 204 (docs/PROTOCOL.md#success-response).
		w.WriteHeader(http.StatusNoContent)
	}
}

// setObjectHeaders sets the headers that describe the object a PostObject
// or PutObject stored, with or without a callback.
func setObjectHeaders(h http.Header, obj Object) {
	h.Set("ETag", obj.ETag)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	setVersionHeader(h, obj) // versioning.go
	if obj.ContentMD5 != "" {
		h.Set("Content-MD5", obj.ContentMD5)
	}
	setEncryptionHeaders(h, obj) // encryption.go
}

// postResponse is the 201 body; element order and the unquoted ETag follow
// a real OSS response (docs/PROTOCOL.md#success-response).
type postResponse struct {
	XMLName  struct{} `xml:"PostResponse"`
	Bucket   string   `xml:"Bucket"`
	Location string   `xml:"Location"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// escapeKey percent-encodes an object key for a URL path, keeping "/".
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// objectURL is the URL of key on the host r was sent to, as OSS writes it
// in Location elements.
func objectURL(r *http.Request, key string) string {
	return requestScheme(r) + "://" + r.Host + "/" + escapeKey(key)
}

// requestScheme is the scheme r arrived over.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
