package osstest

import (
	"net/http"
	"strconv"
	"strings"
)

// ListMultipartUploads: GET /?uploads, the uploads in progress by key and
// upload id, with prefix, delimiter, key-marker, upload-id-marker,
// max-uploads (1 to 1000, default 1000) and encoding-type=url
// (https://www.alibabacloud.com/help/en/oss/developer-reference/listmultipartuploads).
// An app uses it to abort abandoned uploads. The InvalidArgument answer to a
// max-uploads outside 1 to 1000 is [inferred].

const maxListUploads = 1000

type listUploadsResult struct {
	XMLName            struct{}         `xml:"ListMultipartUploadsResult"`
	Bucket             string           `xml:"Bucket"`
	EncodingType       string           `xml:"EncodingType,omitempty"`
	KeyMarker          string           `xml:"KeyMarker"`
	UploadIDMarker     string           `xml:"UploadIdMarker"`
	NextKeyMarker      string           `xml:"NextKeyMarker"`
	NextUploadIDMarker string           `xml:"NextUploadIdMarker"`
	Delimiter          string           `xml:"Delimiter"`
	Prefix             string           `xml:"Prefix"`
	MaxUploads         int              `xml:"MaxUploads"`
	IsTruncated        bool             `xml:"IsTruncated"`
	Uploads            []listedUpload   `xml:"Upload"`
	CommonPrefixes     []commonPrefixes `xml:"CommonPrefixes"`
}

type listedUpload struct {
	Key       string `xml:"Key"`
	UploadID  string `xml:"UploadId"`
	Initiated string `xml:"Initiated"`
}

type commonPrefixes struct {
	Prefix string `xml:"Prefix"`
}

func (e *Emulator) listMultipartUploads(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		writeError(w, rc, oe)
		return
	}
	q := r.URL.Query()
	res := listUploadsResult{Bucket: e.bucket, KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"),
		Delimiter: q.Get("delimiter"), Prefix: q.Get("prefix"), MaxUploads: maxListUploads}
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListUploads {
			writeError(w, rc, newErr(400, "InvalidArgument", "Argument max-uploads must be an integer between 1 and 1000.").withArg("max-uploads", v))
			return
		}
		res.MaxUploads = n
	}
	seen := map[string]bool{}
	for _, u := range e.MultipartUploads() { // sorted by key, then upload id
		if !strings.HasPrefix(u.Key, res.Prefix) || !afterMarkers(u, res.KeyMarker, res.UploadIDMarker) {
			continue
		}
		common := ""
		if i := strings.Index(u.Key[len(res.Prefix):], res.Delimiter); res.Delimiter != "" && i >= 0 {
			common = u.Key[:len(res.Prefix)+i+len(res.Delimiter)]
		}
		if common != "" && seen[common] {
			res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
			continue // rolled up in a common prefix already listed
		}
		if len(res.Uploads)+len(res.CommonPrefixes) == res.MaxUploads {
			res.IsTruncated = true
			break
		}
		if common != "" {
			seen[common] = true
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefixes{Prefix: common})
			res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
			continue
		}
		res.Uploads = append(res.Uploads, listedUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated.UTC().Format(listTimeFormat)})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	if q.Get("encoding-type") == "url" {
		encodeUploadsResult(r, &res)
	}
	writeXML(w, http.StatusOK, &res)
}

// afterMarkers reports whether u comes after key-marker and
// upload-id-marker: a later key, or the marker key with a later upload id.
func afterMarkers(u MultipartUpload, keyMarker, uploadIDMarker string) bool {
	if keyMarker == "" {
		return true
	}
	if u.Key != keyMarker {
		return u.Key > keyMarker
	}
	return uploadIDMarker != "" && u.UploadID > uploadIDMarker
}

func encodeUploadsResult(r *http.Request, res *listUploadsResult) {
	enc := func(s string) string { k, _ := responseKey(r, s); return k }
	res.EncodingType = "url"
	res.KeyMarker, res.NextKeyMarker = enc(res.KeyMarker), enc(res.NextKeyMarker)
	res.Delimiter, res.Prefix = enc(res.Delimiter), enc(res.Prefix)
	for i := range res.Uploads {
		res.Uploads[i].Key = enc(res.Uploads[i].Key)
	}
	for i := range res.CommonPrefixes {
		res.CommonPrefixes[i].Prefix = enc(res.CommonPrefixes[i].Prefix)
	}
}
