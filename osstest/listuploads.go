package osstest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// listMultipartUploadsResult is ListMultipartUploads' answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listmultipartuploads).
type listMultipartUploadsResult struct {
	XMLName            struct{}       `xml:"ListMultipartUploadsResult"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter"`
	Prefix             string         `xml:"Prefix"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []listedUpload `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

type listedUpload struct {
	Key       string `xml:"Key"`
	UploadID  string `xml:"UploadId"`
	Initiated string `xml:"Initiated"`
}

// listMultipartUploads serves ListMultipartUploads (GET /?uploads): the
// uploads in progress in (key, upload id) order, after key-marker (and,
// with upload-id-marker, after that upload of key-marker), with prefix,
// delimiter (a CommonPrefixes entry per group), at most max-uploads
// (default and at most 1000) entries, encoding-type=url.
func (e *Emulator) listMultipartUploads(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	q := r.URL.Query()
	req := listRequest{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), urlEncoding: q.Get("encoding-type") == "url"}
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	maxUploads := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, rc, newErr(400, "InvalidArgument", "Argument max-uploads must be an integer between 1 and 1000.").withArg("max-uploads", v))
			return
		}
		maxUploads = n
	}
	res := listMultipartUploadsResult{Bucket: e.bucket, KeyMarker: listEncode(req, keyMarker), UploadIDMarker: idMarker,
		Delimiter: listEncode(req, req.delimiter), Prefix: listEncode(req, req.prefix), MaxUploads: maxUploads}
	if req.urlEncoding {
		res.EncodingType = "url"
	}
	seen := map[string]bool{}
	for _, u := range e.uploadsAfter(req.prefix, keyMarker, idMarker) {
		if len(res.Uploads)+len(res.CommonPrefixes) == maxUploads {
			res.IsTruncated = true
			break
		}
		if req.delimiter != "" {
			if i := strings.Index(u.key[len(req.prefix):], req.delimiter); i >= 0 {
				cp := u.key[:len(req.prefix)+i+len(req.delimiter)]
				if !seen[cp] {
					seen[cp] = true
					res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: listEncode(req, cp)})
				}
				res.NextKeyMarker, res.NextUploadIDMarker = listEncode(req, u.key), u.id
				continue
			}
		}
		res.Uploads = append(res.Uploads, listedUpload{Key: listEncode(req, u.key), UploadID: u.id,
			Initiated: u.initiated.UTC().Format("2006-01-02T15:04:05.000Z")})
		res.NextKeyMarker, res.NextUploadIDMarker = listEncode(req, u.key), u.id
	}
	writeXML(w, http.StatusOK, &res)
}

// uploadsAfter returns the uploads in progress under prefix that come after
// (keyMarker, idMarker), sorted by key, then upload id.
func (e *Emulator) uploadsAfter(prefix, keyMarker, idMarker string) []mpUpload {
	e.mp.mu.Lock()
	var out []mpUpload
	for _, u := range e.mp.uploads {
		after := u.key > keyMarker || (idMarker != "" && u.key == keyMarker && u.id > idMarker)
		if strings.HasPrefix(u.key, prefix) && after {
			out = append(out, mpUpload{id: u.id, key: u.key, initiated: u.initiated})
		}
	}
	e.mp.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		return out[i].id < out[j].id
	})
	return out
}

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
