package osstest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// ErrorResponse is the XML error body OSS answers with
// (https://www.alibabacloud.com/help/en/document_detail/32005.html):
//
//	<Error><Code>AccessDenied</Code><Message>…</Message><RequestId>…</RequestId>
//	<HostId>…</HostId><EC>0006-00000227</EC></Error>
//
// Tests decode the emulator's (and OSS's) errors with ParseError.
type ErrorResponse struct {
	XMLName       xml.Name `xml:"Error"`
	Code          string   `xml:"Code"`
	Message       string   `xml:"Message"`
	RequestID     string   `xml:"RequestId"`
	HostID        string   `xml:"HostId"`
	ArgumentName  string   `xml:"ArgumentName,omitempty"`
	ArgumentValue string   `xml:"ArgumentValue,omitempty"`
	EC            string   `xml:"EC,omitempty"`
	RecommendDoc  string   `xml:"RecommendDoc,omitempty"`
	// StringToSign and CanonicalRequest come with SignatureDoesNotMatch
	// for a header or query signature: the server's side of the
	// computation, to compare with the client's.
	StringToSign     string `xml:"StringToSign,omitempty"`
	CanonicalRequest string `xml:"CanonicalRequest,omitempty"`

	// StatusCode is the HTTP status the error came with; it is not part
	// of the XML.
	StatusCode int `xml:"-"`
}

// ParseError decodes an OSS XML error body; status is recorded in the
// result's StatusCode. A body that is not one is an error wrapping
// ErrInvalid.
func ParseError(status int, body []byte) (*ErrorResponse, error) {
	var e ErrorResponse
	if err := xml.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: not an OSS error document: %w", ErrInvalid, err)
	}
	if e.Code == "" {
		return nil, fmt.Errorf("%w: not an OSS error document: no Code element", ErrInvalid)
	}
	e.StatusCode = status
	return &e, nil
}

// ossError is an error the emulator answers with.
type ossError struct {
	status  int
	code    string
	message string
	ec      string
	argName string
	argVal  string

	stringToSign, canonicalRequest string
}

func (e *ossError) Error() string { return strconv.Itoa(e.status) + " " + e.code + ": " + e.message }

func newErr(status int, code, message string) *ossError {
	return &ossError{status: status, code: code, message: message}
}

func (e *ossError) withEC(ec string) *ossError { e.ec = ec; return e }

func (e *ossError) withArg(name, value string) *ossError {
	e.argName, e.argVal = name, value
	return e
}

// Errors with fixed texts (docs/PROTOCOL.md#postobject-errors). Each call
// returns a fresh value so handlers may decorate it.
func errNotMultipart() *ossError {
	return newErr(400, "RequestIsNotMultiPartContent", "Bucket POST must be of the enclosure-type multipart/form-data.")
}

func errMalformedPOST() *ossError {
	return newErr(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
}

func errNoKey() *ossError {
	return newErr(400, "InvalidArgument", "The bucket POST must contain the specified 'key'. If it is specified, please check the order of the fields").withEC("0006-00000103")
}

func errFileCount() *ossError {
	return newErr(400, "IncorrectNumberOfFilesInPOSTRequest", "POST requires exactly one file upload per request.")
}

func errEntityTooLarge() *ossError {
	return newErr(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.").withEC("0006-00000003")
}

// errNoSuchKey: EC 0026-00000001
// (https://www.alibabacloud.com/help/en/oss/support/0026-00000001).
func errNoSuchKey() *ossError {
	return newErr(404, "NoSuchKey", "The specified key does not exist.").withEC("0026-00000001")
}

func errInternal(err error) *ossError {
	return newErr(500, "InternalError", "We encountered an internal error. Please try again. ("+err.Error()+")")
}

// xmlHeader is emitted before every XML body; OSS's transcripts do not show
// it, but it is the safe choice (docs/PROTOCOL.md#error-xml).
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// writeError sends e as OSS's XML error document; a 304, which has no
// body, as its status alone.
func writeError(w http.ResponseWriter, rc *reqCtx, e *ossError) {
	if e.status == http.StatusNotModified {
		w.WriteHeader(e.status)
		return
	}
	body := ErrorResponse{
		Code:          e.code,
		Message:       e.message,
		RequestID:     rc.id,
		HostID:        rc.host,
		ArgumentName:  e.argName,
		ArgumentValue: e.argVal,
		EC:            e.ec,

		StringToSign:     e.stringToSign,
		CanonicalRequest: e.canonicalRequest,
	}
	if e.ec != "" {
		body.RecommendDoc = "https://api.aliyun.com/troubleshoot?q=" + e.ec
		w.Header().Set("X-Oss-Ec", e.ec)
	}
	if rc.head {
		// A HEAD answer has no body: OSS sends the error document
		// Base64-encoded in x-oss-err, which SDKs decode (the Go SDK v2
		// reports BadErrorResponse without it).
		b, err := xml.Marshal(&body)
		if err == nil {
			w.Header().Set("X-Oss-Err", base64.StdEncoding.EncodeToString(append([]byte(xmlHeader), b...)))
		}
	}
	writeXML(w, e.status, &body)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		// Only string fields are marshalled, so this is not expected.
		http.Error(w, "osstest: marshal XML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b = append([]byte(xmlHeader), b...)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
