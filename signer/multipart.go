package signer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/callback"
)

// Multipart upload limits
// (https://www.alibabacloud.com/help/en/oss/user-guide/multipart-upload):
// every part but the last must be at least minPartSize (OSS refuses
// CompleteMultipartUpload with EntityTooSmall otherwise), a part is at most
// maxPartSize, and an upload has at most maxParts parts, numbered from 1.
const (
	minPartSize      = 100 << 10
	maxPartSize      = 5 << 30
	maxParts         = 10000
	maxMultipartSize = maxParts * maxPartSize
	defaultPartSize  = 8 << 20
)

// SizeParam is the query parameter PresignComplete adds to every callback
// URL of a Multipart: the planned object size in bytes, read by CheckSize.
const SizeParam = "ossdirect-size"

// ErrSizeMismatch: a completed multipart upload's callback reports another
// object size than the one planned (see CheckSize).
var ErrSizeMismatch = errors.New("signer: object size differs from the planned size")

// Multipart is the application's decision about one multipart upload by a
// client without credentials: the object, its exact size and type, and how
// it is cut into parts. The Signer presigns each step of the upload for
// it (PresignInitiate, PresignParts, PresignListParts, PresignComplete,
// PresignAbort). What OSS enforces and what the callback handler must check
// (CheckSize) is described in the package documentation.
type Multipart struct {
	// Key is the object name. Required.
	Key string
	// Size is the object's size in bytes, at most 10000 parts of 5 GiB.
	// Required.
	Size int64
	// PartSize is the size of every part but the last, 100 KiB to 5 GiB.
	// Zero means 8 MiB, or the smallest multiple of 1 MiB that keeps the
	// parts within 10000 for larger objects.
	PartSize int64
	// ContentType is the stored object's type, signed on
	// InitiateMultipartUpload (where OSS takes it from). Empty leaves the
	// type to OSS's default; the client must then send no Content-Type.
	ContentType string
	// Header holds x-oss-* headers signed on InitiateMultipartUpload:
	// metadata (x-oss-meta-*), x-oss-object-acl, x-oss-storage-class,
	// x-oss-forbid-overwrite. x-oss-forbid-overwrite is signed on
	// CompleteMultipartUpload too, where OSS checks it again.
	Header http.Header
	// Expires is the validity of each presigned request, as
	// Request.Expires. OSS checks a URL's expiry when the request arrives,
	// so a part upload that started in time finishes.
	Expires time.Duration
	// Callback, if set, is sent with CompleteMultipartUpload, whose answer
	// to the client is then the application's callback answer, as for
	// PostObject. PresignComplete adds SizeParam to each of its URLs and
	// binds them (the Signer's Secrets are required).
	Callback *callback.Params
	// CallbackVars are custom callback variables, as Request.CallbackVars.
	CallbackVars map[string]string
}

// Part is one presigned UploadPart request.
type Part struct {
	// Number is the part number, 1..count.
	Number int `json:"part_number"`
	Presigned
}

// Parts returns the part size and the number of parts m is cut into, or
// an error wrapping ErrInvalidUpload.
func (m *Multipart) Parts() (partSize int64, count int, err error) {
	switch {
	case m.Size <= 0:
		return 0, 0, invalid("multipart Size must be positive (got %d)", m.Size)
	case m.Size > maxMultipartSize:
		return 0, 0, invalid("multipart Size %d exceeds %d bytes (%d parts of %d)", m.Size, int64(maxMultipartSize), maxParts, int64(maxPartSize))
	}
	partSize = m.PartSize
	switch {
	case partSize == 0:
		partSize = defaultPartSize
		if least := (m.Size + maxParts - 1) / maxParts; least > partSize {
			partSize = (least + 1<<20 - 1) &^ (1<<20 - 1)
		}
	case partSize < minPartSize || partSize > maxPartSize:
		return 0, 0, invalid("PartSize %d outside [%d, %d]", partSize, minPartSize, int64(maxPartSize))
	}
	n := (m.Size + partSize - 1) / partSize
	if n > maxParts {
		return 0, 0, invalid("PartSize %d cuts %d bytes into %d parts, over OSS's %d", partSize, m.Size, n, maxParts)
	}
	return partSize, int(n), nil
}

// partLength returns the length of part number n (1-based) for the given
// part size: partSize, except for the last part, which holds the rest.
func (m *Multipart) partLength(partSize int64, count, n int) int64 {
	if n < count {
		return partSize
	}
	return m.Size - int64(count-1)*partSize
}

// validate checks m and returns its layout.
func (m *Multipart) validate(s *Signer) (partSize int64, count int, err error) {
	if err := s.check(); err != nil {
		return 0, 0, err
	}
	if partSize, count, err = m.Parts(); err != nil {
		return 0, 0, err
	}
	for name := range m.Header {
		if !strings.HasPrefix(strings.ToLower(name), "x-oss-") {
			return 0, 0, invalid("multipart header %q is not an x-oss-* header", name)
		}
	}
	if _, err := s.checkCallback(m.Callback, m.CallbackVars, "a Multipart"); err != nil {
		return 0, 0, err
	}
	if m.Callback == nil && len(m.CallbackVars) > 0 {
		return 0, 0, invalid("CallbackVars without a Callback")
	}
	return partSize, count, nil
}

// checkUploadID refuses an upload id that cannot be one OSS issued: OSS
// upload ids are short tokens of letters and digits; anything longer or
// with control characters is a client's mistake or an attack on the URL.
func checkUploadID(id string) error {
	if id == "" || len(id) > 256 {
		return invalid("upload id of %d bytes", len(id))
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return invalid("upload id %q has a space, control or non-ASCII character", id)
		}
	}
	return nil
}

// PresignInitiate presigns InitiateMultipartUpload (POST ?uploads) for m,
// signing its ContentType and Header. OSS answers the client an XML
// document whose UploadId the later steps need.
func (s *Signer) PresignInitiate(ctx context.Context, m Multipart) (*Presigned, error) {
	if _, _, err := m.validate(s); err != nil {
		return nil, err
	}
	return s.presignInitiate(ctx, m)
}

// presignInitiate is PresignInitiate of an m already validated.
func (s *Signer) presignInitiate(ctx context.Context, m Multipart) (*Presigned, error) {
	return s.Presign(ctx, Request{
		Method: http.MethodPost, Key: m.Key, Expires: m.Expires, ContentType: m.ContentType,
		Header: m.Header, Query: url.Values{"uploads": {""}},
	})
}

// PresignParts presigns UploadPart (PUT ?partNumber=N&uploadId=...) for
// each of the given part numbers, which must lie in 1..count of
// m.Parts(). With V4 each URL binds its part's exact length. The client
// must send each part without a Content-Type (a Blob slice has none).
// Credentials are asked once for the whole batch.
func (s *Signer) PresignParts(ctx context.Context, m Multipart, uploadID string, partNumbers ...int) ([]Part, error) {
	partSize, count, err := m.validate(s)
	if err != nil {
		return nil, err
	}
	if err := checkUploadID(uploadID); err != nil {
		return nil, err
	}
	reqs := make([]Request, len(partNumbers))
	prs := make([]presignedRequest, len(partNumbers))
	for i, n := range partNumbers {
		if n < 1 || n > count {
			return nil, invalid("part number %d outside 1..%d", n, count)
		}
		reqs[i] = Request{
			Method: http.MethodPut, Key: m.Key, Expires: m.Expires,
			Query: url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {uploadID}},
		}
		if s.Version == V4 {
			reqs[i].ContentLength = m.partLength(partSize, count, n)
		}
		if prs[i], err = reqs[i].prepare(s.Version); err != nil {
			return nil, err
		}
	}
	ps, err := s.presignAll(ctx, reqs, prs)
	if err != nil {
		return nil, err
	}
	parts := make([]Part, len(partNumbers))
	for i, n := range partNumbers {
		parts[i] = Part{Number: n, Presigned: *ps[i]}
	}
	return parts, nil
}

// presignAll presigns reqs, prepared as prs, asking for credentials once
// and signing all at the same instant.
func (s *Signer) presignAll(ctx context.Context, reqs []Request, prs []presignedRequest) ([]*Presigned, error) {
	t := s.now()
	cr, err := s.credentials(ctx, t)
	if err != nil {
		return nil, err
	}
	ps := make([]*Presigned, len(reqs))
	for i := range reqs {
		if ps[i], err = s.presign(&reqs[i], prs[i], cr, t); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// PresignComplete presigns CompleteMultipartUpload (POST ?uploadId=...)
// carrying m's callback, whose URLs get SizeParam=m.Size and are bound
// until this URL expires plus CallbackMargin. The client must send the
// part list as XML with Content-Type application/xml (signed, since a
// browser would otherwise label a string body text/plain).
func (s *Signer) PresignComplete(ctx context.Context, m Multipart, uploadID string) (*Presigned, error) {
	req := Request{Method: http.MethodPost, ContentType: "application/xml", CallbackVars: m.CallbackVars}
	for name, v := range m.Header {
		// Header names may be in any case (an http.Header literal need
		// not be canonical).
		if strings.EqualFold(name, "x-oss-forbid-overwrite") {
			req.Header = http.Header{name: v}
		}
	}
	if m.Callback != nil {
		cb := *m.Callback
		urls := strings.Split(cb.URL, ";")
		for i, u := range urls {
			urls[i] = withQueryParam(u, SizeParam, strconv.FormatInt(m.Size, 10))
		}
		cb.URL = strings.Join(urls, ";")
		req.Callback = &cb
	}
	return s.presignStep(ctx, m, uploadID, req)
}

// withQueryParam appends name=value to a callback URL's query, before any
// fragment.
func withQueryParam(u, name, value string) string {
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
		if strings.HasSuffix(u, "?") || strings.HasSuffix(u, "&") {
			sep = ""
		}
	}
	return u + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value) + frag
}

// PresignAbort presigns AbortMultipartUpload (DELETE ?uploadId=...), which
// discards the uploaded parts.
func (s *Signer) PresignAbort(ctx context.Context, m Multipart, uploadID string) (*Presigned, error) {
	return s.presignStep(ctx, m, uploadID, Request{Method: http.MethodDelete})
}

// PresignListParts presigns ListParts (GET ?uploadId=...), with which a
// client resumes an upload: it lists the parts OSS already has (up to
// 1000, OSS's default page).
func (s *Signer) PresignListParts(ctx context.Context, m Multipart, uploadID string) (*Presigned, error) {
	return s.presignStep(ctx, m, uploadID, Request{Method: http.MethodGet})
}

// presignStep validates m and uploadID and presigns req, a request on the
// upload uploadID of m: its key and ?uploadId=, with m's Expires.
func (s *Signer) presignStep(ctx context.Context, m Multipart, uploadID string, req Request) (*Presigned, error) {
	if _, _, err := m.validate(s); err != nil {
		return nil, err
	}
	if err := checkUploadID(uploadID); err != nil {
		return nil, err
	}
	req.Key, req.Expires, req.Query = m.Key, m.Expires, url.Values{"uploadId": {uploadID}}
	return s.Presign(ctx, req)
}

// CheckSize checks the callback of a completed multipart upload against
// its plan: the planned size that PresignComplete bound in the callback URL
// (SizeParam) must equal the size OSS reports (the callback body must carry
// ${size}). Call it on an Event from a Verifier with the Signer's secret.
// OSS keeps the object whatever the callback answers, so the application
// should refuse a mismatch and delete the object (a presigned DELETE, sent
// without delaying the answer). Errors wrap ErrSizeMismatch.
func CheckSize(ev *callback.Event) error {
	want := ev.Query.Get(SizeParam)
	if want == "" {
		return fmt.Errorf("%w: callback URL has no %s parameter", ErrSizeMismatch, SizeParam)
	}
	if want != strconv.FormatInt(ev.Size, 10) {
		return fmt.Errorf("%w: object %q is %d bytes, planned %s", ErrSizeMismatch, ev.Object, ev.Size, want)
	}
	return nil
}
