package callback

import (
	"strings"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// Body types OSS accepts for callbackBodyType.
const (
	BodyTypeForm = "application/x-www-form-urlencoded"
	BodyTypeJSON = "application/json"
)

// ErrInvalidParams ("callback: invalid callback parameters"): callback
// parameters OSS would refuse, or that would break the callback silently
// (see Params.Validate).
var ErrInvalidParams = callbackwire.ErrInvalidParams

// Params is the upload-callback configuration OSS receives Base64-encoded in
// the "callback" form field or header.
type Params struct {
	// URL is callbackUrl: up to five URLs separated by ";", tried in
	// order. Non-ASCII characters and spaces must already be
	// percent-encoded; Validate refuses them rather than guess an
	// encoding. The scheme may be omitted (OSS then uses http).
	URL string
	// Host is callbackHost, the Host header of the callback request; empty
	// means the host of URL.
	Host string
	// Body is callbackBody, a template with ${var} placeholders; build it
	// with FormBody or JSONBody.
	Body string
	// BodyType is callbackBodyType; empty means BodyTypeForm.
	BodyType string
	// SNI is callbackSNI: send TLS SNI for https callback URLs.
	SNI bool
}

// Validate reports whether OSS would accept p, and refuses mistakes OSS would
// accept but that break the callback silently: a variable that is neither a
// system variable nor a lower-case x: name, a percent-encoded placeholder,
// a template that is not UTF-8, or a JSON template that does not render to
// JSON. Errors wrap ErrInvalidParams.
func (p Params) Validate() error { return callbackwire.Params(p).Validate() }

// Encode validates p and returns the value of the "callback" form field:
// standard Base64 of compact JSON. Errors wrap ErrInvalidParams.
func (p Params) Encode() (string, error) { return callbackwire.Params(p).Encode() }

// FormBody returns a callbackBody template for BodyTypeForm that sends each
// variable under its own name: FormBody("bucket", "x:uid") is
// "bucket=${bucket}&x:uid=${x:uid}", which is what lets ParseEvent fill
// Event from the body.
func FormBody(vars ...string) string {
	var b strings.Builder
	for i, v := range vars {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(v)
		b.WriteString("=${")
		b.WriteString(v)
		b.WriteByte('}')
	}
	return b.String()
}

// JSONBody returns a callbackBody template for BodyTypeJSON that sends each
// variable under its own name: JSONBody("bucket", "size") is
// {"bucket":${bucket},"size":${size}}. The placeholders are not quoted: OSS
// replaces them with whole JSON values.
func JSONBody(vars ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vars {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(callbackwire.JSONString(v))
		b.WriteString(":${")
		b.WriteString(v)
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}
