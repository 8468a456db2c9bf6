package signer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// What CompanionHandler itself sends to OSS: InitiateMultipartUpload,
// ListParts, CompleteMultipartUpload and AbortMultipartUpload, each a request
// the Signer presigned, and the parsing of OSS's XML answers
// (https://www.alibabacloud.com/help/en/oss/developer-reference/initiatemultipartupload,
// .../listparts, .../completemultipartupload, .../abortmultipartupload).

// maxOSSAnswer caps what the handler reads of an OSS answer: a ListParts
// page of 1000 parts is about 250 KB, and an application's callback answer
// is small JSON.
const maxOSSAnswer = 4 << 20

// ossError is an OSS error answer, or a transport failure (status 0).
type ossError struct {
	status  int
	code    string
	message string
	cause   error
}

func (e *ossError) Error() string {
	if e.status == 0 {
		return "OSS unreachable: " + e.cause.Error()
	}
	return fmt.Sprintf("OSS answered %d %s: %s", e.status, e.code, e.message)
}

func (e *ossError) Unwrap() error { return e.cause }

// ossAnswer is a successful OSS answer.
type ossAnswer struct {
	status int
	header http.Header
	body   []byte
}

// send makes the presigned request p with body and returns OSS's answer;
// any status but 2xx, and 203 (CallbackFailed: the object is stored but the
// application's callback failed), is an *ossError.
func (c *companionCall) send(p *Presigned, body []byte) (*ossAnswer, error) {
	req, err := http.NewRequestWithContext(c.r.Context(), p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		return nil, &ossError{cause: err}
	}
	for name, v := range p.Header {
		req.Header.Set(name, v)
	}
	client := c.h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &ossError{cause: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxOSSAnswer))
	if err != nil {
		return nil, &ossError{cause: err}
	}
	if resp.StatusCode/100 != 2 || resp.StatusCode == http.StatusNonAuthoritativeInfo {
		return nil, parseOSSError(resp.StatusCode, b)
	}
	return &ossAnswer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// parseOSSError reads OSS's <Error> document; a body that is not one keeps
// the status alone.
func parseOSSError(status int, body []byte) *ossError {
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(body, &doc) != nil || doc.Code == "" {
		doc.Code, doc.Message = "HTTP "+strconv.Itoa(status), fmt.Sprintf("%.200q", body)
	}
	return &ossError{status: status, code: doc.Code, message: doc.Message}
}

// failOSS answers an error of a request to OSS. OSS's refusals of what the
// client asked (no such upload, a part missing or too small) keep their 4xx
// status and code; a failed callback, OSS's own failures and an unreachable
// OSS are 502, logged.
func (c *companionCall) failOSS(err error) {
	var oe *ossError
	switch {
	case !errors.As(err, &oe) || oe.status == 0:
		c.e.fail(c.w, http.StatusBadGateway, "OSS unreachable", err)
	case oe.status == http.StatusNonAuthoritativeInfo:
		c.e.fail(c.w, http.StatusBadGateway, "the object is stored, but the application's upload callback failed: "+oe.message, err)
	case oe.status == http.StatusNotFound, oe.status == http.StatusBadRequest, oe.status == http.StatusConflict:
		c.e.fail(c.w, oe.status, "OSS refused: "+oe.code+": "+oe.message, nil)
	default:
		c.e.fail(c.w, http.StatusBadGateway, "OSS failed", err)
	}
}

// companionPart is a part as Companion lists it (the S3 SDK's Part).
type companionPart struct {
	PartNumber   int    `json:"PartNumber"`
	ETag         string `json:"ETag"`
	Size         int64  `json:"Size"`
	LastModified string `json:"LastModified,omitempty"`
}

// listPartsPage is OSS's ListPartsResult.
type listPartsPage struct {
	NextPartNumberMarker int  `xml:"NextPartNumberMarker"`
	IsTruncated          bool `xml:"IsTruncated"`
	Parts                []struct {
		PartNumber   int    `xml:"PartNumber"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		LastModified string `xml:"LastModified"`
	} `xml:"Part"`
}

// parseListParts reads one ListParts page; part numbers must ascend within
// 1..maxParts, above marker.
func parseListParts(body []byte, marker int) (*listPartsPage, error) {
	var page listPartsPage
	if err := xml.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("ListParts answer: %w", err)
	}
	last := marker
	for _, p := range page.Parts {
		if p.PartNumber <= last || p.PartNumber > maxParts || p.Size < 0 {
			return nil, fmt.Errorf("ListParts answer: part %d after %d", p.PartNumber, last)
		}
		last = p.PartNumber
	}
	if page.IsTruncated && page.NextPartNumberMarker <= marker {
		return nil, fmt.Errorf("ListParts answer: truncated at marker %d after %d", page.NextPartNumberMarker, marker)
	}
	return &page, nil
}

// listParts lists every stored part of the plan's upload, following OSS's
// pages of 1000 parts.
func (c *companionCall) listParts(plan *companionPlan) ([]companionPart, error) {
	parts := []companionPart{}
	for marker := 0; ; {
		req := Request{Method: http.MethodGet, Key: plan.Key, Expires: plan.URLLife, Query: url.Values{"uploadId": {plan.UploadID}}}
		v4Marker := marker > 0 && c.h.Signer.Version == V4
		if v4Marker {
			req.Query.Set("part-number-marker", strconv.Itoa(marker))
		}
		p, err := c.h.Signer.Presign(c.r.Context(), req)
		if err != nil {
			return nil, err
		}
		if marker > 0 && !v4Marker {
			// V1 signs only sub-resources, and OSS ignores any other
			// parameter when it checks a V1 signature, so the marker is
			// added to the signed URL.
			p.URL += "&part-number-marker=" + strconv.Itoa(marker)
		}
		a, err := c.send(p, nil)
		if err != nil {
			return nil, err
		}
		page, err := parseListParts(a.body, marker)
		if err != nil {
			return nil, &ossError{cause: err}
		}
		for _, pt := range page.Parts {
			parts = append(parts, companionPart{PartNumber: pt.PartNumber, ETag: pt.ETag, Size: pt.Size, LastModified: pt.LastModified})
		}
		if !page.IsTruncated {
			return parts, nil
		}
		marker = page.NextPartNumberMarker
	}
}

// completeRequest is the body of POST /s3/multipart/:id/complete.
type completeRequest struct {
	Parts []struct {
		PartNumber int    `json:"PartNumber"`
		ETag       string `json:"ETag"`
	} `json:"parts"`
}

// completeXML is CompleteMultipartUpload's body.
type completeXML struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// selectParts checks the client's part list against the parts OSS holds
// and returns the list to send, with OSS's own ETags, and the object size.
func selectParts(req completeRequest, stored []companionPart) (completeXML, int64, error) {
	var doc completeXML
	if len(req.Parts) == 0 || len(req.Parts) > maxParts {
		return doc, 0, fmt.Errorf("list 1 to %d parts (got %d)", maxParts, len(req.Parts))
	}
	byNumber := make(map[int]companionPart, len(stored))
	for _, p := range stored {
		byNumber[p.PartNumber] = p
	}
	var total int64
	doc.Parts = make([]struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	}, len(req.Parts))
	for i, rp := range req.Parts {
		if i > 0 && rp.PartNumber <= req.Parts[i-1].PartNumber {
			return doc, 0, fmt.Errorf("part numbers must ascend (%d after %d)", rp.PartNumber, req.Parts[i-1].PartNumber)
		}
		p, ok := byNumber[rp.PartNumber]
		if !ok || !strings.EqualFold(strings.Trim(rp.ETag, `"`), strings.Trim(p.ETag, `"`)) {
			return doc, 0, fmt.Errorf("part %d with ETag %q is not stored", rp.PartNumber, rp.ETag)
		}
		doc.Parts[i].PartNumber, doc.Parts[i].ETag = p.PartNumber, p.ETag
		total += p.Size
	}
	return doc, total, nil
}

// complete answers POST /s3/multipart/:id/complete {"parts": [{PartNumber,
// ETag}]}. The handler lists the parts at OSS, checks the object size
// against the plan (aborting an upload that is too large), and completes
// the upload with the callback itself: the client cannot change the part
// list or the callback, and the application's answer comes back here.
func (c *companionCall) complete(plan *companionPlan) {
	var req completeRequest
	if !c.readJSON(&req) {
		return
	}
	stored, err := c.listParts(plan)
	if err != nil {
		c.failOSS(err)
		return
	}
	doc, total, err := selectParts(req, stored)
	if err != nil {
		c.e.fail(c.w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	if total < plan.MinSize || total > plan.MaxSize {
		// The upload cannot become an acceptable object: its parts are
		// discarded rather than left to the bucket's lifecycle rule.
		if p, err := c.h.Signer.PresignAbort(c.r.Context(), plan.multipart(0), plan.UploadID); err == nil {
			c.send(p, nil)
		}
		if total > plan.MaxSize {
			c.e.fail(c.w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is %s, over the %s allowed", mib(total), mib(plan.MaxSize)), nil)
		} else {
			c.e.fail(c.w, http.StatusBadRequest, fmt.Sprintf("the file is %s, under the %s required", mib(total), mib(plan.MinSize)), nil)
		}
		return
	}
	p, err := c.h.Signer.PresignComplete(c.r.Context(), plan.multipart(total), plan.UploadID)
	if err != nil {
		c.e.failSign(c.w, err)
		return
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		c.e.fail(c.w, http.StatusInternalServerError, "internal error", err)
		return
	}
	a, err := c.send(p, append([]byte(xml.Header), body...))
	if err != nil {
		c.failOSS(err)
		return
	}
	c.e.answer(c.w, c.completed(plan, a))
}

// completed is the answer to complete: Companion's {"location", "key",
// "bucket"}, plus "callback", the application's callback answer, when the
// plan has a callback. OSS then answers with that instead of its XML, so
// location is that answer as a data: URL: Uppy's AwsS3 plugin passes on
// only location (as uploadURL) and key.
func (c *companionCall) completed(plan *companionPlan, a *ossAnswer) map[string]any {
	out := map[string]any{"key": plan.Key, "bucket": c.h.Signer.Bucket,
		"location": c.h.Signer.host() + "/" + string(appendEscaped(nil, plan.Key, false))}
	if plan.Callback == nil {
		return out
	}
	typ, _, err := mime.ParseMediaType(a.header.Get("Content-Type"))
	if err != nil {
		typ = "application/octet-stream"
	}
	out["location"] = "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(a.body)
	if json.Valid(a.body) {
		out["callback"] = json.RawMessage(a.body)
	} else {
		out["callback"] = string(a.body)
	}
	return out
}

// mib writes a size for people: bytes below 1 KiB, else KiB or MiB with
// one decimal.
func mib(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
