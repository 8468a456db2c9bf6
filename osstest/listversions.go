package osstest

import (
	"net/http"
	"strconv"
)

// listObjectVersions serves ListObjectVersions (GET /?versions)
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
// OSS lists each object of a bucket that was never versioned once, as its
// latest version with version id "null"; key-marker pages as ListObjects'
// marker does. A versioned bucket's answer lists every version and delete
// marker (versions.go).
func (e *Emulator) listObjectVersions(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	q := r.URL.Query()
	oe := checkVersionListLimits(q) // listlimits.go
	var req listRequest
	if oe == nil {
		q.Set("marker", q.Get("key-marker"))
		req, oe = parseListQuery(q, false)
	}
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	b := newListXML("ListVersionsResult", e.bucket, req) // listhttp.go
	b.elem("KeyMarker", listEncode(req, req.marker))
	b.elem("VersionIdMarker", q.Get("version-id-marker"))
	vp, ok := e.store.versionPage(req, req.marker, q.Get("version-id-marker"))
	if !ok {
		vp = unversionedPage(e.store.page(req))
	}
	b.versions(req, vp, e.bucketOwner())
	b.send(w)
}

// unversionedPage is a page of a bucket that was never versioned as
// ListObjectVersions answers it: each object once, as its latest version
// "null".
func unversionedPage(pg listPage) versionPage {
	vp := versionPage{prefixes: pg.prefixes, truncated: pg.truncated, nextKey: pg.last, nextVersion: nullVersion}
	for _, o := range pg.objects {
		o.VersionID = nullVersion
		vp.versions = append(vp.versions, listedVersion{obj: o, latest: true})
	}
	return vp
}

// versions writes the rest of a ListObjectVersions answer: paging, then
// each Version and DeleteMarker in listing order, then CommonPrefixes.
func (b *listXML) versions(req listRequest, vp versionPage, owner string) {
	b.paging(req, listPage{truncated: vp.truncated})
	if vp.truncated {
		b.elem("NextKeyMarker", listEncode(req, vp.nextKey))
		b.elem("NextVersionIdMarker", vp.nextVersion)
	}
	for _, v := range vp.versions {
		o := v.obj
		elem := "Version"
		if v.marker {
			elem = "DeleteMarker"
		}
		b.WriteString("<" + elem + ">")
		b.elem("Key", listEncode(req, o.Key))
		b.elem("VersionId", o.VersionID)
		b.elem("IsLatest", strconv.FormatBool(v.latest))
		b.elem("LastModified", listTime(o.LastModified))
		if !v.marker {
			b.elem("ETag", o.ETag)
			b.elem("Type", objectType(o))
			b.elemInt("Size", o.Size)
			b.elem("StorageClass", o.StorageClass)
		}
		b.WriteString("<Owner>")
		b.elem("ID", owner)
		b.elem("DisplayName", owner)
		b.WriteString("</Owner></" + elem + ">")
	}
	b.commonPrefixes(req, listPage{prefixes: vp.prefixes})
	b.WriteString("</ListVersionsResult>")
}
