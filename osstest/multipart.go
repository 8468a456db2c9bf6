package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Multipart upload:
// https://www.alibabacloud.com/help/en/oss/developer-reference/initiatemultipartupload,
// .../uploadpart, .../completemultipartupload, .../abortmultipartupload and
// .../listparts.
const (
	maxPartNumber = 10000
	// minPartSize is the least size of every part but the last, checked
	// only by CompleteMultipartUpload, since OSS cannot know at UploadPart
	// which part is the last (https://www.alibabacloud.com/help/en/oss/user-guide/0017-00000219).
	minPartSize = 100 << 10
	// maxCompleteBody bounds the CompleteMultipartUpload XML: 10000 parts
	// of about 100 bytes each [inferred].
	maxCompleteBody = 2 << 20
)

// multipartState holds the uploads in progress. Its zero value is ready.
type multipartState struct {
	mu           sync.Mutex
	uploads      map[string]*mpUpload // by upload id
	partRequests atomic.Int64
}

type mpUpload struct {
	id        string
	key       string
	initiated time.Time
	obj       Object // metadata from InitiateMultipartUpload
	parts     map[int]*mpPart
	// sequential: initiated with ?sequential, the completed object gets a
	// Content-MD5 (sequential.go).
	sequential bool
}

type mpPart struct {
	number   int
	size     int64
	md5      []byte
	crc64    uint64
	modified time.Time
	content  blob
}

func (p *mpPart) etag() string { return `"` + strings.ToUpper(hex.EncodeToString(p.md5)) + `"` }

// MultipartUpload is a multipart upload in progress: initiated, and
// neither completed nor aborted.
type MultipartUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
	// Parts are the parts received so far, by ascending part number.
	Parts []Part
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int
	Size   int64
	// ETag is the quoted upper-case hex MD5 of the part, as UploadPart
	// answered it.
	ETag string
}

// MultipartUploads returns the multipart uploads in progress, by key and
// upload id, so a test can check that an aborted or completed upload left
// nothing behind.
func (e *Emulator) MultipartUploads() []MultipartUpload {
	e.mp.mu.Lock()
	defer e.mp.mu.Unlock()
	out := make([]MultipartUpload, 0, len(e.mp.uploads))
	for _, u := range e.mp.uploads {
		mu := MultipartUpload{Key: u.key, UploadID: u.id, Initiated: u.initiated}
		for _, p := range u.sortedParts() {
			mu.Parts = append(mu.Parts, Part{Number: p.number, Size: p.size, ETag: p.etag()})
		}
		out = append(out, mu)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].UploadID < out[j].UploadID
	})
	return out
}

// UploadPartRequests returns how many UploadPart requests the emulator has
// received, refused ones included.
func (e *Emulator) UploadPartRequests() int64 { return e.mp.partRequests.Load() }

func (u *mpUpload) sortedParts() []*mpPart {
	ps := make([]*mpPart, 0, len(u.parts))
	for _, p := range u.parts {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].number < ps[j].number })
	return ps
}

func errNoSuchUpload(id string) *ossError {
	return newErr(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").withArg("UploadId", id)
}

// The EC of NoSuchUpload depends on the operation: 0042-00000002 for
// AbortMultipartUpload and ListParts, 0042-00000104 for UploadPart,
// 0042-00000311 for UploadPartCopy
// (https://www.alibabacloud.com/help/en/oss/support/0042-00000002,
// https://www.alibabacloud.com/help/en/oss/support/0042-00000104,
// https://www.alibabacloud.com/help/en/oss/support/0042-00000311).
const (
	ecNoSuchUploadAbortList = "0042-00000002"
	ecNoSuchUploadPart      = "0042-00000104"
	ecNoSuchUploadCopy      = "0042-00000311"
)

func errMalformedXML() *ossError {
	return newErr(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
}

// lookupUpload returns upload id if it is one of key's; the caller holds
// e.mp.mu.
func (e *Emulator) lookupUpload(id, key string) (*mpUpload, *ossError) {
	u, ok := e.mp.uploads[id]
	if !ok || u.key != key {
		return nil, errNoSuchUpload(id)
	}
	return u, nil
}

type initiateResult struct {
	XMLName      struct{} `xml:"InitiateMultipartUploadResult"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
	EncodingType string   `xml:"EncodingType,omitempty"`
}

// responseKey applies encoding-type=url to a key in an XML answer.
func responseKey(r *http.Request, key string) (string, string) {
	if r.URL.Query().Get("encoding-type") == "url" {
		return strings.ReplaceAll(url.QueryEscape(key), "+", "%20"), "url"
	}
	return key, ""
}

func (e *Emulator) initiateMultipart(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if oe := validateKey(key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	obj, oe := e.requestObject(key, r.Header) // put.go
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	if forbidOverwrite(r.Header) && e.store.exists(key) {
		writeError(w, rc, errExistsOSS())
		return
	}
	u := &mpUpload{id: strings.ToUpper(randomHex(16)), key: key, initiated: e.now().UTC(), obj: obj, parts: map[int]*mpPart{},
		sequential: r.URL.Query().Has("sequential")} // sequential.go
	if err := e.store.journal.append(initRecord(u)); err != nil { // persist.go
		writeError(w, rc, errInternal(err))
		return
	}
	e.mp.mu.Lock()
	if e.mp.uploads == nil {
		e.mp.uploads = map[string]*mpUpload{}
	}
	e.mp.uploads[u.id] = u
	e.mp.mu.Unlock()
	rk, enc := responseKey(r, key)
	writeXML(w, http.StatusOK, &initiateResult{Bucket: e.bucket, Key: rk, UploadID: u.id, EncodingType: enc})
}

// uploadPart streams one part to the store; a part sent again under the
// same number replaces the earlier one.
func (e *Emulator) uploadPart(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	e.mp.partRequests.Add(1)
	part, oe := e.receivePart(r, key)
	if oe != nil {
		drainBody(r)
		writeError(w, rc, oe)
		return
	}
	h := w.Header()
	h.Set("ETag", part.etag())
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(part.md5))
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(part.crc64, 10))
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func (e *Emulator) receivePart(r *http.Request, key string) (*mpPart, *ossError) {
	n, id, oe := e.partTarget(r, key)
	if oe != nil {
		return nil, oe
	}
	if r.ContentLength > e.maxObjectSize {
		return nil, errEntityTooLarge()
	}
	p, st, oe := e.receiveBody(r)
	if oe != nil {
		return nil, oe
	}
	return e.keepPart(id, key, n, p, st)
}

// partTarget authenticates an UploadPart or UploadPartCopy request and
// returns its part number and upload id, once the upload is known.
func (e *Emulator) partTarget(r *http.Request, key string) (int, string, *ossError) {
	q := r.URL.Query()
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		return 0, "", oe
	}
	if !q.Has("partNumber") {
		// EC 0017-00000219: UploadPart without partNumber.
		return 0, "", newErr(400, "InvalidArgument", "Unexpected query string parameter").withEC("0017-00000219").withArg("ResourceType", "partNumber")
	}
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil || n < 1 || n > maxPartNumber {
		// EC 0017-00000220.
		return 0, "", newErr(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.").withEC("0017-00000220").withArg("PartNumber", q.Get("partNumber"))
	}
	id := q.Get("uploadId")
	e.mp.mu.Lock()
	_, oe := e.lookupUpload(id, key)
	e.mp.mu.Unlock()
	if oe != nil && r.Header.Get("X-Oss-Copy-Source") != "" {
		oe.withEC(ecNoSuchUploadCopy)
	} else if oe != nil {
		oe.withEC(ecNoSuchUploadPart)
	}
	return n, id, oe
}

// keepPart stores received content as part n of upload id, replacing an
// earlier part n.
func (e *Emulator) keepPart(id, key string, n int, p *pending, st *streamed) (*mpPart, *ossError) {
	content, err := e.store.keep(p)
	if err != nil {
		return nil, errInternal(err)
	}
	part := &mpPart{number: n, size: st.size, md5: st.md5, crc64: st.crc64, modified: e.now().UTC(), content: content}
	e.mp.mu.Lock()
	defer e.mp.mu.Unlock()
	// The upload may have been aborted or completed while the part streamed.
	u, oe := e.lookupUpload(id, key)
	if oe != nil {
		e.store.release(content)
		return nil, oe
	}
	if err := e.store.journal.append(partRecord(id, part)); err != nil {
		e.store.release(content)
		return nil, errInternal(err)
	}
	if old := u.parts[n]; old != nil {
		e.store.release(old.content)
	}
	u.parts[n] = part
	return part, nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

type completeResult struct {
	XMLName      struct{} `xml:"CompleteMultipartUploadResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Location     string   `xml:"Location"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	ETag         string   `xml:"ETag"`
}

// completeMultipart assembles the listed parts into the object. With a
// callback, the uploader gets the app's answer (or 203 CallbackFailed)
// instead of the XML result, as for PutObject.
func (e *Emulator) completeMultipart(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	up, oe := e.complete(r, key)
	if oe != nil {
		drainBody(r)
		writeError(w, rc, oe)
		return
	}
	h := w.Header()
	h.Set("ETag", up.obj.ETag)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(up.obj.CRC64, 10))
	setVersionHeader(h, up.obj) // versioning.go
	if up.callback != nil {
		e.runCallback(w, r, rc, up)
		return
	}
	rk, enc := responseKey(r, key)
	writeXML(w, http.StatusOK, &completeResult{
		EncodingType: enc,
		Location:     objectURL(r, key),
		Bucket:       e.bucket,
		Key:          rk,
		ETag:         up.obj.ETag,
	})
}

func (e *Emulator) complete(r *http.Request, key string) (*upload, *ossError) {
	ak, oe := e.authenticateRequest(r, e.bucket, key)
	if oe != nil {
		return nil, oe
	}
	id := r.URL.Query().Get("uploadId")
	e.mp.mu.Lock()
	_, oe = e.lookupUpload(id, key)
	e.mp.mu.Unlock()
	if oe != nil {
		return nil, oe
	}
	up := &upload{operation: "CompleteMultipartUpload", clientIP: clientIP(r), requester: e.requesterID(ak.ID)}
	up.callback, up.vars, oe = callbackFromRequest(r)
	if oe != nil {
		return nil, oe
	}
	list, oe := completeList(r)
	if oe != nil {
		return nil, oe
	}
	// x-oss-object-acl may come with the completion too; the Go SDK v2's
	// write-only file sets its ACL there (TestIntegrationWriteOnlyFileMultiPart).
	acl := r.Header.Get("X-Oss-Object-Acl")
	if acl != "" {
		if oe := checkACL(acl); oe != nil {
			return nil, oe
		}
	}
	forbid := forbidOverwrite(r.Header)
	u, parts, oe := e.claimUpload(id, key, list, forbid)
	if oe != nil {
		return nil, oe
	}
	obj := u.obj
	if acl != "" {
		obj.ACL = acl
	}
	if oe := e.assemble(u, parts, &obj, forbid); oe != nil {
		return nil, oe
	}
	up.obj = obj
	return up, nil
}

// assemble stores the parts of claimed upload u as obj, or puts the upload
// back so the client may retry or abort.
func (e *Emulator) assemble(u *mpUpload, parts []*mpPart, obj *Object, forbid bool) *ossError {
	putBack := func() {
		e.mp.mu.Lock()
		e.mp.uploads[u.id] = u
		e.mp.mu.Unlock()
	}
	md5s := md5.New()
	blobs := make([]blob, len(parts))
	var total int64
	for i, p := range parts {
		md5s.Write(p.md5)
		obj.CRC64 = crc64Combine(obj.CRC64, p.crc64, p.size)
		blobs[i] = p.content
		total += p.size
	}
	// The ETag of a multipart object is the MD5 of the parts' binary
	// MD5s, then "-" and the number of parts, upper-case like every OSS
	// ETag (seen in the OSS Go SDK v2's ListObjects test fixtures, e.g.
	// "29B94424BC241D80B0AF488A4E4B86AF-1"). Multipart objects have no
	// Content-MD5.
	obj.ETag = `"` + strings.ToUpper(hex.EncodeToString(md5s.Sum(nil))) + "-" + strconv.Itoa(len(parts)) + `"`
	obj.Size = total
	obj.Type = objectTypeMultipart
	obj.LastModified = e.now().UTC()
	if u.sequential {
		sum, err := blobsMD5(blobs) // sequential.go
		if err != nil {
			putBack()
			return errInternal(err)
		}
		obj.ContentMD5 = sum
	}
	if err := e.store.commitConcat(blobs, total, obj, forbid, endRecord(u.id)); err != nil {
		putBack()
		if errors.Is(err, errExists) {
			return errExistsOSS()
		}
		return errInternal(err)
	}
	for _, p := range u.parts {
		e.store.release(p.content)
	}
	return nil
}

// completeList reads CompleteMultipartUpload's part list; nil with
// x-oss-complete-all: yes, which takes every uploaded part.
func completeList(r *http.Request) (*completeRequest, *ossError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCompleteBody+1))
	if err != nil {
		return nil, errIncompleteBody()
	}
	if len(body) > maxCompleteBody {
		return nil, errMalformedXML()
	}
	completeAll := strings.EqualFold(r.Header.Get("X-Oss-Complete-All"), "yes")
	var req completeRequest
	switch {
	case completeAll && len(body) > 0:
		// x-oss-complete-all: yes lists the parts itself; a body as well
		// is refused, with OSS's message (its spelling) and EC, as the Go
		// SDK v2's TestCompleteMultipartUpload expects of OSS
		// (https://www.alibabacloud.com/help/en/oss/support/0042-00000216).
		return nil, newErr(400, "InvalidArgument", "Should not speficy both complete all header and http body.").withEC("0042-00000216").withArg("x-oss-complete-all", "yes")
	case !completeAll:
		// An empty part list completes an empty object: the Go SDK v2's
		// uploader sends one for an empty stream, and its integration test
		// (TestUploaderUploadFromTeeReader) expects OSS to store a 0-byte
		// object.
		if err := xml.Unmarshal(body, &req); err != nil {
			return nil, errMalformedXML()
		}
	}
	if completeAll {
		return nil, nil
	}
	return &req, nil
}

// claimUpload takes upload id of key out of the uploads in progress, with
// the parts to assemble: those listed, or with a nil list
// (x-oss-complete-all) all of them. From then on a concurrent UploadPart,
// Complete or Abort gets NoSuchUpload. Nothing is taken if the list does
// not match the parts or forbidOverwrite finds key stored.
func (e *Emulator) claimUpload(id, key string, list *completeRequest, forbidOverwrite bool) (*mpUpload, []*mpPart, *ossError) {
	e.mp.mu.Lock()
	defer e.mp.mu.Unlock()
	u, oe := e.lookupUpload(id, key)
	if oe != nil {
		return nil, nil, oe
	}
	var parts []*mpPart
	if list == nil {
		parts = u.sortedParts()
		if len(parts) == 0 {
			return nil, nil, errMalformedXML()
		}
	} else {
		parts, oe = u.selectParts(*list)
		if oe != nil {
			return nil, nil, oe
		}
	}
	if forbidOverwrite && e.store.exists(key) {
		return nil, nil, errExistsOSS()
	}
	delete(e.mp.uploads, id)
	return u, parts, nil
}

// selectParts checks the part list of a CompleteMultipartUpload against the
// uploaded parts, in OSS's order: ascending part numbers
// (InvalidPartOrder, EC 0042-00000209), every part uploaded with that ETag
// (InvalidPart), every part but the last at least 100 KB (EntityTooSmall,
// EC 0042-00000213). Called with e.mp.mu held.
func (u *mpUpload) selectParts(req completeRequest) ([]*mpPart, *ossError) {
	for i := 1; i < len(req.Parts); i++ {
		if req.Parts[i].PartNumber <= req.Parts[i-1].PartNumber {
			return nil, newErr(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.").withEC("0042-00000209")
		}
	}
	parts := make([]*mpPart, len(req.Parts))
	for i, rp := range req.Parts {
		p := u.parts[rp.PartNumber]
		if p == nil || !strings.EqualFold(strings.Trim(strings.TrimSpace(rp.ETag), `"`), strings.Trim(p.etag(), `"`)) {
			return nil, newErr(400, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.").withArg("ETag", rp.ETag)
		}
		parts[i] = p
	}
	for _, p := range parts[:max(len(parts)-1, 0)] {
		if p.size < minPartSize {
			return nil, newErr(400, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.").withEC("0042-00000213").withArg("PartNumber", strconv.Itoa(p.number))
		}
	}
	return parts, nil
}

func (e *Emulator) abortMultipart(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	id := r.URL.Query().Get("uploadId")
	e.mp.mu.Lock()
	u, oe := e.lookupUpload(id, key)
	if oe != nil {
		oe.withEC(ecNoSuchUploadAbortList)
	}
	if oe == nil {
		if err := e.store.journal.append(endRecord(id)); err != nil {
			oe = errInternal(err)
		} else {
			delete(e.mp.uploads, id)
		}
	}
	e.mp.mu.Unlock()
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	for _, p := range u.parts {
		e.store.release(p.content)
	}
	w.WriteHeader(http.StatusNoContent)
}

type listPartsResult struct {
	XMLName              struct{}   `xml:"ListPartsResult"`
	EncodingType         string     `xml:"EncodingType,omitempty"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	StorageClass         string     `xml:"StorageClass"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	Parts                []listPart `xml:"Part"`
}

type listPart struct {
	PartNumber    int    `xml:"PartNumber"`
	LastModified  string `xml:"LastModified"`
	ETag          string `xml:"ETag"`
	HashCrc64ecma string `xml:"HashCrc64ecma"`
	Size          int64  `xml:"Size"`
}

// listParts answers ListParts with max-parts (default and at most 1000)
// and part-number-marker paging.
func (e *Emulator) listParts(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	q := r.URL.Query()
	maxParts, marker := 1000, 0
	if v := q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, rc, newErr(400, "InvalidArgument", "Argument max-parts must be an integer between 1 and 1000.").withArg("max-parts", v))
			return
		}
		maxParts = n
	}
	if v := q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, rc, newErr(400, "InvalidArgument", "Argument part-number-marker must be a non-negative integer.").withArg("part-number-marker", v))
			return
		}
		marker = n
	}
	id := q.Get("uploadId")
	e.mp.mu.Lock()
	u, oe := e.lookupUpload(id, key)
	var parts []*mpPart
	var storageClass string
	if oe != nil {
		oe.withEC(ecNoSuchUploadAbortList)
	}
	if oe == nil {
		parts = u.sortedParts()
		storageClass = u.obj.StorageClass
	}
	e.mp.mu.Unlock()
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	rk, enc := responseKey(r, key)
	res := listPartsResult{EncodingType: enc, Bucket: e.bucket, Key: rk, UploadID: id, StorageClass: storageClass,
		PartNumberMarker: marker, MaxParts: maxParts}
	for _, p := range parts {
		if p.number <= marker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, listPart{
			PartNumber:    p.number,
			LastModified:  p.modified.Format(listTimeFormat),
			ETag:          p.etag(),
			HashCrc64ecma: strconv.FormatUint(p.crc64, 10),
			Size:          p.size,
		})
		res.NextPartNumberMarker = p.number
	}
	writeXML(w, http.StatusOK, &res)
}

// crc64Combine returns the CRC-64/ECMA of A followed by B from crcA,
// crcB and the length of B, as the x-oss-hash-crc64ecma of a multipart
// object must be computed without reading it again. The CRC is linear: the
// effect of lenB zero bytes on crcA is applied as a GF(2) matrix, squared
// up by powers of two (the method of zlib's crc32_combine).
func crc64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA // B is empty, so crcB is 0
	}
	var even, odd [64]uint64
	odd[0] = 0xC96C5795D7870F42 // reflected ECMA-182 polynomial
	row := uint64(1)
	for n := 1; n < 64; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // one zero byte, then 4, 16, …
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[64]uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
