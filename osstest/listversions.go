package osstest

import "net/http"

// listVersionsResult is ListObjectVersions' answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
type listVersionsResult struct {
	XMLName             struct{}        `xml:"ListVersionsResult"`
	Name                string          `xml:"Name"`
	Prefix              string          `xml:"Prefix"`
	KeyMarker           string          `xml:"KeyMarker"`
	VersionIDMarker     string          `xml:"VersionIdMarker"`
	NextKeyMarker       string          `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string          `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int             `xml:"MaxKeys"`
	Delimiter           string          `xml:"Delimiter"`
	IsTruncated         bool            `xml:"IsTruncated"`
	EncodingType        string          `xml:"EncodingType,omitempty"`
	Versions            []listedVersion `xml:"Version"`
	CommonPrefixes      []commonPrefix  `xml:"CommonPrefixes"`
}

type listedVersion struct {
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Type         string    `xml:"Type"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        listOwner `xml:"Owner"`
}

// listObjectVersions serves ListObjectVersions (GET /?versions). The
// emulator's buckets are never versioned, and OSS lists each object of an
// unversioned bucket once, as its latest version with version id "null"
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectversions).
func (e *Emulator) listObjectVersions(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	// Read as ListObjects: key-marker is its marker.
	q := r.URL.Query()
	q.Set("marker", q.Get("key-marker"))
	req, oe := parseListQuery(q, false)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	pg := e.store.page(req)
	res := listVersionsResult{Name: e.bucket, Prefix: listEncode(req, req.prefix), KeyMarker: listEncode(req, req.marker),
		MaxKeys: req.maxKeys, Delimiter: listEncode(req, req.delimiter), IsTruncated: pg.truncated}
	if req.urlEncoding {
		res.EncodingType = "url"
	}
	if pg.truncated {
		res.NextKeyMarker, res.NextVersionIDMarker = listEncode(req, pg.last), "null"
	}
	contents, prefixes := e.listEntries(req, pg, true)
	for _, c := range contents {
		res.Versions = append(res.Versions, listedVersion{Key: c.Key, VersionID: "null", IsLatest: true,
			LastModified: c.LastModified, ETag: c.ETag, Type: c.Type, Size: c.Size, StorageClass: c.StorageClass, Owner: *c.Owner})
	}
	res.CommonPrefixes = prefixes
	writeXML(w, http.StatusOK, &res)
}
