package osstest

import "net/http"

// listObjectVersions serves ListObjectVersions (GET /?versions). The
// emulator's buckets are never versioned, and OSS lists each object of an
// unversioned bucket once, as its latest version with version id "null"
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
// key-marker pages as ListObjects' marker does.
func (e *Emulator) listObjectVersions(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	q := r.URL.Query()
	q.Set("marker", q.Get("key-marker"))
	req, oe := parseListQuery(q, false)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	pg := e.store.page(req)
	b := newListXML("ListVersionsResult", e.bucket, req) // listhttp.go
	b.elem("KeyMarker", listEncode(req, req.marker))
	b.elem("VersionIdMarker", q.Get("version-id-marker"))
	b.paging(req, pg)
	if pg.truncated {
		b.elem("NextKeyMarker", listEncode(req, pg.last))
		b.elem("NextVersionIdMarker", "null")
	}
	owner := e.bucketOwner()
	for _, o := range pg.objects {
		b.WriteString("<Version>")
		b.elem("Key", listEncode(req, o.Key))
		b.elem("VersionId", "null")
		b.elem("IsLatest", "true")
		b.elem("LastModified", listTime(o.LastModified))
		b.elem("ETag", o.ETag)
		b.elem("Type", objectType(o))
		b.elemInt("Size", o.Size)
		b.elem("StorageClass", o.StorageClass)
		b.WriteString("<Owner>")
		b.elem("ID", owner)
		b.elem("DisplayName", owner)
		b.WriteString("</Owner></Version>")
	}
	b.commonPrefixes(req, pg)
	b.WriteString("</ListVersionsResult>")
	b.send(w)
}
