package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
)

// DeleteMultipleObjects: POST /?delete with a <Delete> list of keys
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletemultipleobjects).
// Content-MD5 is required and checked; at most 1000 keys; verbose mode
// lists every key in <Deleted>, quiet mode none (a key that does not exist
// counts as deleted, as with DeleteObject). The missing Content-MD5 error
// (400 InvalidDigest) and the refusal of more than 1000 keys (400
// MalformedXML) are [inferred].

const (
	maxBatchDelete     = 1000
	maxBatchDeleteBody = 2 << 20 // 1000 keys of at most 1023 bytes, escaped
)

type deleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"` // versions.go
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName      struct{}         `xml:"DeleteResult"`
	EncodingType string           `xml:"EncodingType,omitempty"`
	Deleted      []deletedElement `xml:"Deleted"`
}

// deletedElement names a deleted key and, in a versioned bucket, the
// version deleted or the delete marker added
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletemultipleobjects).
type deletedElement struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

func (e *Emulator) deleteMultipleObjects(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	defer drainBody(r)
	req, oe := e.readDeleteRequest(r)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	res := deleteResult{}
	if r.URL.Query().Get("encoding-type") == "url" {
		res.EncodingType = "url"
	}
	for _, o := range req.Objects {
		out, err := e.store.deleteVersion(o.Key, o.VersionID, e.now())
		if err != nil {
			writeError(w, rc, errInternal(err)) // not answered as deleted
			return
		}
		if !req.Quiet {
			k, _ := responseKey(r, o.Key)
			d := deletedElement{Key: k, VersionID: o.VersionID, DeleteMarker: out.marker}
			if out.marker {
				d.DeleteMarkerVersionID = out.versionID
			}
			res.Deleted = append(res.Deleted, d)
		}
	}
	writeXML(w, http.StatusOK, &res)
}

// readDeleteRequest authenticates the request, checks Content-MD5 and
// decodes the key list, refusing an invalid key before anything is
// deleted.
func (e *Emulator) readDeleteRequest(r *http.Request) (*deleteRequest, *ossError) {
	if _, oe := e.authenticateRequest(r, e.bucket, ""); oe != nil {
		return nil, oe
	}
	want, oe := contentMD5(r.Header)
	if oe != nil {
		return nil, oe
	}
	if want == nil {
		return nil, newErr(400, "InvalidDigest", "The Content-MD5 header is required for DeleteMultipleObjects.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBatchDeleteBody+1))
	if err != nil {
		return nil, errIncompleteBody()
	}
	if sum := md5.Sum(body); !bytes.Equal(sum[:], want) {
		return nil, errInvalidDigest()
	}
	var req deleteRequest
	parked, unpark, ok := parkControlRefs(body) // xmlrefs.go: keys with control characters
	if !ok || len(body) > maxBatchDeleteBody || xml.Unmarshal(parked, &req) != nil || len(req.Objects) == 0 || len(req.Objects) > maxBatchDelete {
		return nil, errMalformedXML()
	}
	for i := range req.Objects {
		req.Objects[i].Key = unpark(req.Objects[i].Key)
	}
	for _, o := range req.Objects {
		if oe := validateKey(o.Key); oe != nil {
			return nil, oe
		}
	}
	return &req, nil
}
