package osstest

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
)

// The answers of ListObjects and ListObjectsV2 are written element by
// element, as the OSS Go SDK v2 reads them (ListObjectsResult,
// ListObjectsV2Result): encoding/xml took four fifths of the time of a
// 1000-key page.

// listXML builds a listing answer.
type listXML struct{ bytes.Buffer }

func (b *listXML) elem(name, value string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}

func (b *listXML) elemInt(name string, v int64) {
	b.WriteString("<" + name + ">")
	b.WriteString(strconv.FormatInt(v, 10))
	b.WriteString("</" + name + ">")
}

// optional writes an element only when its value is not empty.
func (b *listXML) optional(name, value string) {
	if value != "" {
		b.elem(name, value)
	}
}

// entries writes a page's Contents and CommonPrefixes, with Owner if
// owner is not empty.
func (b *listXML) entries(req listRequest, pg listPage, owner string) {
	for _, o := range pg.objects {
		b.WriteString("<Contents>")
		b.elem("Key", listEncode(req, o.Key))
		b.elem("LastModified", listTime(o.LastModified))
		b.elem("ETag", o.ETag)
		b.elem("Type", objectType(o))
		b.elemInt("Size", o.Size)
		b.elem("StorageClass", o.StorageClass)
		if owner != "" {
			b.WriteString("<Owner>")
			b.elem("ID", owner)
			b.elem("DisplayName", owner)
			b.WriteString("</Owner>")
		}
		b.WriteString("</Contents>")
	}
	b.commonPrefixes(req, pg)
}

// commonPrefixes writes a page's CommonPrefixes.
func (b *listXML) commonPrefixes(req listRequest, pg listPage) {
	for _, p := range pg.prefixes {
		b.WriteString("<CommonPrefixes>")
		b.elem("Prefix", listEncode(req, p))
		b.WriteString("</CommonPrefixes>")
	}
}

// paging writes what every listing answers between its markers and its
// next marker: MaxKeys, Delimiter, EncodingType and IsTruncated.
func (b *listXML) paging(req listRequest, pg listPage) {
	b.elemInt("MaxKeys", int64(req.maxKeys))
	b.elem("Delimiter", listEncode(req, req.delimiter))
	if req.urlEncoding {
		b.elem("EncodingType", "url")
	}
	b.elem("IsTruncated", strconv.FormatBool(pg.truncated))
}

func (b *listXML) send(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// newListXML starts a listing answer: its root element, Name and Prefix.
func newListXML(root, bucket string, req listRequest) *listXML {
	b := &listXML{}
	b.Grow(4096 + 400*req.maxKeys)
	b.WriteString(xmlHeader)
	b.WriteString("<" + root + ">")
	b.elem("Name", bucket)
	b.elem("Prefix", listEncode(req, req.prefix))
	return b
}

// bucketOwner is the account id listings name as owner: the first access
// key's.
func (e *Emulator) bucketOwner() string { return e.requesterID(e.keys[0].ID) }

// listRead checks a listing request's signature, if it has one, and
// parses its query; it writes the error and returns false if either fails.
func (e *Emulator) listRead(w http.ResponseWriter, r *http.Request, rc *reqCtx, v2 bool) (listRequest, bool) {
	if isSigned(r) || !e.publicRead(aclDefault) {
		if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
			writeError(w, rc, oe)
			return listRequest{}, false
		}
	}
	q := r.URL.Query()
	oe := checkListLimits(q, v2) // listlimits.go
	var req listRequest
	if oe == nil {
		req, oe = parseListQuery(q, v2)
	}
	if oe != nil {
		writeError(w, rc, oe)
		return listRequest{}, false
	}
	return req, true
}

// listObjects answers ListObjects (V1): marker paging, with NextMarker the
// last key or common prefix of a truncated page. Every entry names its
// owner, the bucket owner's account (the first access key's).
func (e *Emulator) listObjects(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	req, ok := e.listRead(w, r, rc, false)
	if !ok {
		return
	}
	pg := e.store.page(req)
	b := newListXML("ListBucketResult", e.bucket, req)
	b.elem("Marker", listEncode(req, req.marker))
	b.paging(req, pg)
	if pg.truncated {
		b.elem("NextMarker", listEncode(req, pg.last))
	}
	b.entries(req, pg, e.bucketOwner())
	b.WriteString("</ListBucketResult>")
	b.send(w)
}

// listObjectsV2 answers ListObjectsV2: continuation-token paging with an
// opaque token, start-after, KeyCount, and owners only with fetch-owner.
func (e *Emulator) listObjectsV2(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	req, ok := e.listRead(w, r, rc, true)
	if !ok {
		return
	}
	pg := e.store.page(req)
	b := newListXML("ListBucketResult", e.bucket, req)
	b.optional("StartAfter", listEncode(req, req.startAfter))
	b.optional("ContinuationToken", req.token)
	b.paging(req, pg)
	if pg.truncated {
		b.elem("NextContinuationToken", continuationToken(pg.next))
	}
	b.elemInt("KeyCount", int64(len(pg.objects)+len(pg.prefixes)))
	owner := ""
	if req.fetchOwner {
		owner = e.bucketOwner()
	}
	b.entries(req, pg, owner)
	b.WriteString("</ListBucketResult>")
	b.send(w)
}
