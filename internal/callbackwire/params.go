// Package callbackwire is the upload-callback parameter as OSS reads it,
// shared by callback (which exports Params), signer and the osstest emulator:
// validation, the encoded "callback" and "callback-var" values, decoding as
// OSS decodes, template parsing and rendering of the body OSS sends, and the
// system variables. OSS documents all of it in
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
package callbackwire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/ossmsg"
)

// Body types OSS accepts for callbackBodyType
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
const (
	BodyTypeForm = "application/x-www-form-urlencoded"
	BodyTypeJSON = "application/json"
)

// MaxCallbackURLs is how many ";"-separated callbackUrl entries OSS accepts
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
const MaxCallbackURLs = 5

// Params mirrors callback.Params field for field, so that each converts to
// the other.
type Params struct {
	URL      string
	Host     string
	Body     string
	BodyType string
	SNI      bool
}

// MaxResponseBytes caps the JSON answer an app sends OSS. OSS's documentation
// quotes both 1 MB (body) and 3 MB (Content-Length)
// (https://www.alibabacloud.com/help/en/oss/user-guide/0007-00000205); the
// smaller limit satisfies both.
const MaxResponseBytes = 1 << 20

// ErrInvalidParams is wrapped by every *ParamsError; callback exports it.
var ErrInvalidParams = errors.New("callback: invalid callback parameters")

// ParamsError is a callback parameter OSS would refuse with 400
// InvalidArgument. Message is OSS's exact text
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback) and EC its
// error code where documented; Detail says what exactly was wrong, for
// humans. It wraps ErrInvalidParams.
type ParamsError struct {
	Message string
	EC      string
	Detail  string
}

func newParamsError(msg, detail string) *ParamsError {
	return &ParamsError{Message: msg, EC: ossmsg.EC(msg), Detail: detail}
}

// Error returns the OSS message and the detail.
func (e *ParamsError) Error() string {
	if e.Detail == "" {
		return "callback: " + e.Message
	}
	return "callback: " + e.Message + " (" + e.Detail + ")"
}

// Unwrap returns ErrInvalidParams.
func (e *ParamsError) Unwrap() error { return ErrInvalidParams }

// Validate reports whether OSS would accept p, and also refuses mistakes OSS
// would accept but that break the callback silently: a template that is not
// valid UTF-8 (JSON cannot carry it unchanged), variables that are
// neither a system variable nor a valid x: name (OSS sends only the
// variables it knows), placeholders that were percent-encoded (OSS leaves
// them unreplaced), and a JSON body type whose template does not render to
// JSON (e.g. "${object}" in quotes, which OSS would double-quote).
// Errors are *ParamsError.
func (p Params) Validate() error {
	segs, err := checkCommon(p)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if !s.isVar {
			continue
		}
		if _, ok := systemVars[s.text]; ok {
			continue
		}
		if err := ValidateVarName(s.text); err != nil {
			return newParamsError(ossmsg.MsgBodyInvalid, fmt.Sprintf("${%s} is neither an OSS system variable nor a custom x: variable", s.text))
		}
	}
	if !utf8.ValidString(p.Body) {
		// encoding/json would silently turn the bad bytes into U+FFFD, so
		// OSS would render a template other than the one asked for.
		return newParamsError(ossmsg.MsgBodyInvalid, "the template is not valid UTF-8")
	}
	lower := strings.ToLower(p.Body)
	if strings.Contains(lower, "%24%7b") || strings.Contains(lower, "$%7b") {
		return newParamsError(ossmsg.MsgBodyInvalid, "the template contains a percent-encoded ${...} placeholder, which OSS would send back unreplaced")
	}
	if p.BodyType == BodyTypeJSON {
		if !json.Valid(render(segs, true, sampleValues)) {
			return newParamsError(ossmsg.MsgBodyInvalid, "the JSON template does not render to valid JSON; leave placeholders unquoted, OSS inserts whole JSON values")
		}
	}
	return nil
}

// sampleValues exercises every kind of substitution when Validate renders a
// JSON template to check it.
var sampleValues = map[string]string{
	VarBucket: "b", VarObject: `o"\`, VarSize: "1", VarImageHeight: "", VarImageWidth: "2",
	VarCRC64: "18446744073709551615", VarVpcID: "",
}

// checkCommon holds the checks OSS itself makes, shared by Validate and
// Decode. The order among them is [inferred].
// It returns the parsed template.
func checkCommon(p Params) ([]segment, error) {
	if err := checkURLs(p.URL); err != nil {
		return nil, err
	}
	if p.Host != "" && !validHost(p.Host) {
		return nil, newParamsError(ossmsg.MsgHostInvalid, fmt.Sprintf("callbackHost %q", p.Host))
	}
	if p.Body == "" {
		return nil, newParamsError(ossmsg.MsgBodyEmpty, "")
	}
	segs, err := parseTemplate(p.Body)
	if err != nil {
		return nil, err
	}
	if p.BodyType != "" && p.BodyType != BodyTypeForm && p.BodyType != BodyTypeJSON {
		return nil, newParamsError(ossmsg.MsgBodyTypeInvalid, fmt.Sprintf("callbackBodyType %q; want %q or %q", p.BodyType, BodyTypeForm, BodyTypeJSON))
	}
	return segs, nil
}

// checkURLs applies OSS's callbackUrl rules
// (docs/PROTOCOL.md#callback-parameter). Real OSS additionally refuses
// private and loopback addresses ("Private address is forbidden to
// callback.", EC-0007-00000008); that is left out on purpose, because the
// emulator (osstest) must call back to loopback test servers, and whether an
// address is private depends on DNS at upload time, not on the parameter.
func checkURLs(s string) error {
	if s == "" {
		return newParamsError(ossmsg.MsgURLInvalid, "callbackUrl is empty")
	}
	urls := strings.Split(s, ";")
	if len(urls) > MaxCallbackURLs {
		return newParamsError(ossmsg.MsgTooManyURLs, fmt.Sprintf("%d URLs, at most %d", len(urls), MaxCallbackURLs))
	}
	for _, u := range urls {
		if err := CheckURL(u); err != nil {
			return newParamsError(ossmsg.MsgURLInvalid, fmt.Sprintf("%q: %s", u, err))
		}
	}
	return nil
}

// CheckURL checks one entry of a callbackUrl list as OSS does.
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("empty URL")
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= 0x20 || c >= 0x7f {
			return errors.New("spaces, control and non-ASCII characters must be percent-encoded")
		}
	}
	withScheme := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		switch strings.ToLower(raw[:i]) {
		case "http", "https":
		default:
			return fmt.Errorf("scheme %q is not http or https", raw[:i])
		}
	} else {
		// OSS's own examples omit the scheme (docs/PROTOCOL.md#callback-parameter).
		withScheme = "http://" + raw
	}
	u, err := url.Parse(withScheme)
	if err != nil {
		return err
	}
	if u.User != nil {
		return errors.New("userinfo is not allowed")
	}
	return checkHostPort(u.Host)
}

// checkHostPort refuses IPv6 literals (OSS has no IPv6 callbacks,
// docs/PROTOCOL.md#callback-parameter) and non-numeric ports ("host:test", EC-0007-00000004).
func checkHostPort(hostport string) error {
	if hostport == "" {
		return errors.New("no host")
	}
	if strings.ContainsAny(hostport, "[]") {
		return errors.New("IPv6 literals are not supported by OSS callbacks")
	}
	host, port := hostport, ""
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("port %q is not a number in 1-65535", port)
		}
	}
	if host == "" {
		return errors.New("no host")
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return errors.New("IPv6 addresses are not supported by OSS callbacks")
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return fmt.Errorf("host %q contains %q", host, c)
		}
	}
	return nil
}

func validHost(h string) bool { return checkHostPort(h) == nil }

// wireParams is the JSON OSS reads, in the field order ali-oss uses
// (docs/PROTOCOL.md#callback-parameter). Optional fields are left out when unset so that a policy
// condition pinning the encoded value stays stable.
type wireParams struct {
	URL      string `json:"callbackUrl"`
	Host     string `json:"callbackHost,omitempty"`
	Body     string `json:"callbackBody"`
	BodyType string `json:"callbackBodyType,omitempty"`
	SNI      bool   `json:"callbackSNI,omitempty"`
}

// Encode validates p and returns the value of the "callback" form field:
// standard Base64 of compact JSON. HTML escaping is off so that "&" in a form
// template stays "&" rather than "\u0026". callbackSNI is sent only when
// true, as a JSON boolean: OSS refuses a string
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
func (p Params) Encode() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	j, err := p.JSON()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(j), nil
}

// JSON is the compact JSON Encode encodes, without validating p: HTML
// escaping is off, optional fields are left out when unset.
func (p Params) JSON() ([]byte, error) {
	return compactJSON(wireParams(p))
}

// compactJSON is v compact, without HTML escaping.
func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("callback: encoding parameters: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Decode decodes a "callback" parameter the way OSS does before it accepts an
// upload, returning *ParamsError with OSS's exact message when OSS would
// answer 400 InvalidArgument. It checks only
// what OSS checks: unknown fields are ignored (a misspelt
// "calbackBodyType" silently means the default), unknown
// ${...} variables are allowed, and, unlike real OSS, private callback
// addresses are accepted (see checkURLs).
func Decode(encoded string) (Params, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) == 0 {
		return Params{}, newParamsError(ossmsg.MsgNotBase64, "")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Params{}, newParamsError(ossmsg.MsgNotJSON, "decoded value: "+strconv.Quote(string(raw)))
	}
	var p Params
	str := func(name, msg string) (string, error) {
		v, ok := fields[name]
		if !ok {
			return "", nil
		}
		var s *string
		if err := json.Unmarshal(v, &s); err != nil || s == nil {
			return "", newParamsError(msg, name+" is not a JSON string")
		}
		return *s, nil
	}
	if p.URL, err = str("callbackUrl", ossmsg.MsgURLInvalid); err != nil {
		return Params{}, err
	}
	if p.Host, err = str("callbackHost", ossmsg.MsgHostInvalid); err != nil {
		return Params{}, err
	}
	if p.Body, err = str("callbackBody", ossmsg.MsgBodyInvalid); err != nil {
		return Params{}, err
	}
	if p.BodyType, err = str("callbackBodyType", ossmsg.MsgBodyTypeInvalid); err != nil {
		return Params{}, err
	}
	if _, err := checkCommon(p); err != nil {
		return Params{}, err
	}
	if v, ok := fields["callbackSNI"]; ok {
		// Only a JSON boolean is accepted; the Android SDK's string "true"
		// is refused by OSS (docs/PROTOCOL.md#callback-parameter).
		switch string(bytes.TrimSpace(v)) {
		case "true":
			p.SNI = true
		case "false":
		default:
			return Params{}, newParamsError(ossmsg.MsgSNIInvalid, "callbackSNI is not a JSON boolean")
		}
	}
	return p, nil
}

// ValidateVarName reports whether name is a valid custom callback variable
// name: "x:" followed by one or more lower-case ASCII letters, digits, "_",
// "-" or ".". OSS requires the x: prefix and lower case; the narrower character set is ours, so that a name is safe in a
// form field name, a ${...} placeholder and a form or JSON key alike.
// Errors wrap ErrInvalidParams.
func ValidateVarName(name string) error {
	rest, ok := strings.CutPrefix(name, "x:")
	if !ok {
		return fmt.Errorf("%w: custom variable %q must start with \"x:\"", ErrInvalidParams, name)
	}
	if rest == "" {
		return fmt.Errorf("%w: custom variable %q has an empty name", ErrInvalidParams, name)
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c >= 'A' && c <= 'Z' {
			return fmt.Errorf("%w: custom variable %q must be lower case", ErrInvalidParams, name)
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("%w: custom variable %q contains %q", ErrInvalidParams, name, c)
		}
	}
	return nil
}

// Vars returns the names of the variables p.Body references, in order of
// first use, e.g. ["bucket", "x:uid"]. Custom variables sent with an upload
// but missing here never reach the app, so the signer checks its
// CallbackVars against this list.
func (p Params) Vars() ([]string, error) {
	segs, err := parseTemplate(p.Body)
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range segs {
		if s.isVar && !seen[s.text] {
			seen[s.text] = true
			names = append(names, s.text)
		}
	}
	return names, nil
}

// EncodeVars returns the x-oss-callback-var header (or callback-var query)
// value for PutObject and CompleteMultipartUpload: standard Base64 of a JSON
// object such as {"x:uid":"42"}. Every name must pass
// ValidateVarName, and values must be valid UTF-8, which OSS requires
// before Base64 and which encoding/json would otherwise silently
// replace. PostObject does not use this: there each variable is its own
// "x:name" form field with the raw value. Errors wrap ErrInvalidParams.
func EncodeVars(vars map[string]string) (string, error) {
	for name, v := range vars {
		if err := ValidateVarName(name); err != nil {
			return "", err
		}
		if !utf8.ValidString(v) {
			return "", fmt.Errorf("%w: value of %q is not valid UTF-8", ErrInvalidParams, name)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vars); err != nil {
		return "", fmt.Errorf("callback: encoding variables: %w", err)
	}
	return base64.StdEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
