package osstest

import (
	"net/http"
)

// The answers of ListObjects and ListObjectsV2, element for element as
// the OSS Go SDK v2 reads them (ListObjectsResult, ListObjectsV2Result).

type listOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type listContents struct {
	Key          string     `xml:"Key"`
	LastModified string     `xml:"LastModified"`
	ETag         string     `xml:"ETag"`
	Type         string     `xml:"Type"`
	Size         int64      `xml:"Size"`
	StorageClass string     `xml:"StorageClass"`
	Owner        *listOwner `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName        struct{}       `xml:"ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	Contents       []listContents `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

type listBucketResultV2 struct {
	XMLName               struct{}       `xml:"ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	Contents              []listContents `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// listRead checks a listing request's signature, if it has one, and
// parses its query; it writes the error and returns false if either fails.
func (e *Emulator) listRead(w http.ResponseWriter, r *http.Request, rc *reqCtx, v2 bool) (listRequest, bool) {
	if isSigned(r) || !e.publicRead(aclDefault) {
		if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
			writeError(w, rc, oe)
			return listRequest{}, false
		}
	}
	req, oe := parseListQuery(r.URL.Query(), v2)
	if oe != nil {
		writeError(w, rc, oe)
		return listRequest{}, false
	}
	return req, true
}

// listEntries renders a page's objects and common prefixes.
func (e *Emulator) listEntries(req listRequest, pg listPage, owner bool) ([]listContents, []commonPrefix) {
	var o *listOwner
	if owner {
		id := e.requesterID(e.keys[0].ID)
		o = &listOwner{ID: id, DisplayName: id}
	}
	contents := make([]listContents, len(pg.objects))
	for i, obj := range pg.objects {
		contents[i] = listContents{
			Key:          listEncode(req, obj.Key),
			LastModified: listTime(obj.LastModified),
			ETag:         obj.ETag,
			Type:         objectType(obj),
			Size:         obj.Size,
			StorageClass: obj.StorageClass,
			Owner:        o,
		}
	}
	prefixes := make([]commonPrefix, len(pg.prefixes))
	for i, p := range pg.prefixes {
		prefixes[i] = commonPrefix{Prefix: listEncode(req, p)}
	}
	return contents, prefixes
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
	res := listBucketResult{
		Name:        e.bucket,
		Prefix:      listEncode(req, req.prefix),
		Marker:      listEncode(req, req.marker),
		MaxKeys:     req.maxKeys,
		Delimiter:   listEncode(req, req.delimiter),
		IsTruncated: pg.truncated,
	}
	if req.urlEncoding {
		res.EncodingType = "url"
	}
	if pg.truncated {
		res.NextMarker = listEncode(req, pg.last)
	}
	res.Contents, res.CommonPrefixes = e.listEntries(req, pg, true)
	writeXML(w, http.StatusOK, &res)
}

// listObjectsV2 answers ListObjectsV2: continuation-token paging with an
// opaque token, start-after, KeyCount, and owners only with fetch-owner.
func (e *Emulator) listObjectsV2(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	req, ok := e.listRead(w, r, rc, true)
	if !ok {
		return
	}
	pg := e.store.page(req)
	res := listBucketResultV2{
		Name:              e.bucket,
		Prefix:            listEncode(req, req.prefix),
		StartAfter:        listEncode(req, req.startAfter),
		ContinuationToken: req.token,
		MaxKeys:           req.maxKeys,
		Delimiter:         listEncode(req, req.delimiter),
		IsTruncated:       pg.truncated,
		KeyCount:          len(pg.objects) + len(pg.prefixes),
	}
	if req.urlEncoding {
		res.EncodingType = "url"
	}
	if pg.truncated {
		res.NextContinuationToken = continuationToken(pg.next)
	}
	res.Contents, res.CommonPrefixes = e.listEntries(req, pg, req.fetchOwner)
	writeXML(w, http.StatusOK, &res)
}
