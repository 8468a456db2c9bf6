package osstest

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// opUploadPartCopy names UploadPartCopy, an UploadPart with
// x-oss-copy-source.
const opUploadPartCopy = "UploadPartCopy"

// copyPartResult is UploadPartCopy's answer
// (https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy).
type copyPartResult struct {
	XMLName      struct{} `xml:"CopyPartResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// uploadPartCopy serves UploadPartCopy: part partNumber of the upload is
// the bytes of x-oss-copy-source (an object of any bucket of the emulator)
// in x-oss-copy-source-range ("bytes=first-last", inclusive), or the whole
// object without it, under the copy conditions CopyObject takes.
func (e *Emulator) uploadPartCopy(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	e.mp.partRequests.Add(1)
	part, srcVersion, oe := e.copyPart(r, key)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(part.crc64, 10))
	// In the header too, as UploadPart answers it: ali-oss's uploadPartCopy
	// and the Python SDK's upload_part_copy read it from there.
	w.Header().Set("ETag", part.etag())
	if srcVersion != "" {
		// The source's version id, which the Go SDK v2's TestUploadPartCopy
		// expects of a versioned source.
		w.Header().Set("X-Oss-Copy-Source-Version-Id", srcVersion)
	}
	writeXML(w, http.StatusOK, &copyPartResult{ETag: part.etag(), LastModified: part.modified.Format(listTimeFormat)})
}

// copyPart stores the part and returns it with the source's version id
// ("" in a never-versioned bucket).
func (e *Emulator) copyPart(r *http.Request, key string) (*mpPart, string, *ossError) {
	n, id, oe := e.partTarget(r, key)
	if oe != nil {
		return nil, "", oe
	}
	srcBucket, srcKey, srcVersion, oe := copySource(r.Header.Get("X-Oss-Copy-Source"))
	if oe != nil {
		return nil, "", oe
	}
	from := e.buckets.get(srcBucket)
	if from == nil {
		return nil, "", errNoSuchBucket(srcBucket)
	}
	content, src, err := from.store.openVersion(srcKey, srcVersion) // versions.go
	if err != nil {
		return nil, "", copySourceError(err, srcKey, srcVersion) // copy.go
	}
	defer content.Close()
	part, oe := e.copyRangeTo(r, id, key, n, src, content)
	return part, src.VersionID, oe
}

// copyRangeTo stores x-oss-copy-source-range of src as part n of upload id.
func (e *Emulator) copyRangeTo(r *http.Request, id, key string, n int, src Object, content io.ReadSeeker) (*mpPart, *ossError) {
	if oe := copyConditions(r.Header, src); oe != nil {
		return nil, oe
	}
	first, last, oe := copyRange(r.Header.Get("X-Oss-Copy-Source-Range"), src.Size)
	if oe != nil {
		return nil, oe
	}
	if _, err := content.Seek(first, io.SeekStart); err != nil {
		return nil, errInternal(err)
	}
	size := last - first + 1
	p, err := e.store.begin(size)
	if err != nil {
		return nil, errInternal(err)
	}
	st, oe := e.streamFile(io.LimitReader(content, size), p, e.maxObjectSize, nil)
	if oe != nil {
		p.abort()
		return nil, oe
	}
	return e.keepPart(id, key, n, p, st)
}

// copyRange reads x-oss-copy-source-range, "bytes=first-last", against an
// object of size bytes; without it the whole object is copied. A range
// that is malformed or ends past the object is refused [inferred: the
// documentation gives no error for it].
func copyRange(v string, size int64) (first, last int64, oe *ossError) {
	if v == "" {
		return 0, size - 1, nil
	}
	bad := newErr(400, "InvalidArgument", "The x-oss-copy-source-range header is invalid.").withArg("x-oss-copy-source-range", v)
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 {
		return 0, 0, bad
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first || last >= size {
		return 0, 0, bad
	}
	return first, last, nil
}
