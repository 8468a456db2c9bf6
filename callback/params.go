// Package callback implements the OSS upload-callback protocol: the callback
// parameter and body templates an app asks OSS for, verifying the signed
// callback request OSS sends (Verify), parsing it into a typed Event, and the
// http.Handler and middleware that answer OSS (SPEC.md §5).
package callback

// Body types OSS accepts for callbackBodyType (SPEC.md §5.2).
const (
	BodyTypeForm = "application/x-www-form-urlencoded"
	BodyTypeJSON = "application/json"
)

// Params is the upload-callback configuration OSS receives Base64-encoded in
// the "callback" form field (SPEC.md §5.2).
type Params struct {
	// URL is callbackUrl: up to five URLs separated by ";", tried in order.
	URL string
	// Host is callbackHost, the Host header of the callback request; empty
	// means the host of URL.
	Host string
	// Body is callbackBody, a template with ${var} placeholders.
	Body string
	// BodyType is callbackBodyType; empty means BodyTypeForm.
	BodyType string
	// SNI is callbackSNI: send TLS SNI for https callback URLs.
	SNI bool
}

// STUB: the callback helper replaces these with real implementations.

func (p Params) Validate() error                  { return nil }
func (p Params) Encode() (string, error)          { return "", nil }
func DecodeParams(encoded string) (Params, error) { return Params{}, nil }
func ValidateVarName(name string) error           { return nil }
