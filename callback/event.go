package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// ErrMalformedEvent: a callback body (verified or not) could not be parsed
// into an Event.
var ErrMalformedEvent = errors.New("callback: malformed callback body")

// Event is a parsed callback body. The typed fields are filled from the body
// fields named after OSS's system variables, which is what
// FormBody and JSONBody templates produce; a field the body does not carry is
// left zero. Custom templates that use other names are read through Raw.
type Event struct {
	Bucket      string `json:"bucket,omitempty"`
	Object      string `json:"object,omitempty"`
	ETag        string `json:"etag,omitempty"`
	Size        int64  `json:"size,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
	ImageHeight int    `json:"imageInfo.height,omitempty"`
	ImageWidth  int    `json:"imageInfo.width,omitempty"`
	ImageFormat string `json:"imageInfo.format,omitempty"`
	// CRC64 is x-oss-hash-crc64ecma; it exceeds 2^53, so JSON bodies are
	// read without a detour through float64.
	CRC64      uint64 `json:"crc64,omitempty"`
	ContentMD5 string `json:"contentMd5,omitempty"`
	VpcID      string `json:"vpcId,omitempty"`
	ClientIP   string `json:"clientIp,omitempty"`
	ReqID      string `json:"reqId,omitempty"`
	Operation  string `json:"operation,omitempty"`
	// Vars holds the custom variables, keyed with their prefix ("x:uid").
	Vars map[string]string `json:"vars,omitempty"`
	// Raw holds every top-level body field as text: form values decoded,
	// JSON strings unquoted, JSON numbers and booleans as written, null as
	// "", nested JSON objects and arrays as compact JSON.
	Raw map[string]string `json:"-"`
	// Query is the callback URL's query as set by Verifier.VerifyEvent
	// (ParseEvent, which sees only the body, leaves it empty). With
	// Secrets it is the query this app bound, without the binding's own
	// parameters; with AllowUnbound it is the whole query, chosen by
	// whoever started the upload, like the body.
	Query url.Values `json:"-"`
}

// ParseEvent parses a callback body sent with the given Content-Type:
// application/x-www-form-urlencoded (also assumed when contentType is empty,
// OSS's default) or application/json, which must be a JSON object. Errors
// wrap ErrMalformedEvent.
//
// Form values are decoded with "+" as space, as OSS URL-encodes them. The
// first occurrence of a repeated form field wins; in JSON the last does.
func ParseEvent(contentType string, body []byte) (*Event, error) {
	mt := BodyTypeForm
	switch {
	case strings.EqualFold(contentType, BodyTypeJSON):
		// What OSS sends for JSON bodies, read without ParseMediaType.
		mt = BodyTypeJSON
	case contentType != "" && !strings.EqualFold(contentType, BodyTypeForm):
		var err error
		mt, _, err = mime.ParseMediaType(contentType)
		if err != nil {
			return nil, fmt.Errorf("%w: Content-Type %q: %w", ErrMalformedEvent, contentType, err)
		}
	}
	var raw map[string]string
	var err error
	switch mt {
	case BodyTypeForm:
		raw, err = parseForm(body)
	case BodyTypeJSON:
		raw, err = parseJSONObject(body)
	default:
		return nil, fmt.Errorf("%w: Content-Type %q is neither %s nor %s", ErrMalformedEvent, mt, BodyTypeForm, BodyTypeJSON)
	}
	if err != nil {
		return nil, err
	}
	return eventFromRaw(raw)
}

// parseForm splits on "&" only: url.ParseQuery also rejects ";", which a
// custom template may legitimately contain as literal text.
func parseForm(body []byte) (map[string]string, error) {
	raw := map[string]string{}
	for _, pair := range strings.Split(string(body), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("%w: form field name %q: %w", ErrMalformedEvent, k, err)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("%w: form field %q: %w", ErrMalformedEvent, key, err)
		}
		if _, dup := raw[key]; !dup {
			raw[key] = val
		}
	}
	return raw, nil
}

// parseJSONObject reads a JSON object body into Raw. A valid object, what
// OSS sends, is read in one pass over one string copy of the body
// (flatJSONObject); anything else goes through encoding/json for its error.
func parseJSONObject(body []byte) (map[string]string, error) {
	if raw, ok := flatJSONObject(body); ok {
		return raw, nil
	}
	return decodeJSONObject(body)
}

// decodeJSONObject is parseJSONObject with encoding/json.
func decodeJSONObject(body []byte) (map[string]string, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if fields == nil {
		return nil, fmt.Errorf("%w: JSON body is null, want an object", ErrMalformedEvent)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformedEvent)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object: %w", ErrMalformedEvent, err)
	}
	raw := make(map[string]string, len(fields))
	for k, v := range fields {
		switch v[0] {
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("%w: field %q: %w", ErrMalformedEvent, k, err)
			}
			raw[k] = s
		case 'n':
			raw[k] = ""
		case '{', '[':
			var b bytes.Buffer
			if err := json.Compact(&b, v); err != nil {
				return nil, fmt.Errorf("%w: field %q: %w", ErrMalformedEvent, k, err)
			}
			raw[k] = b.String()
		default:
			// Numbers and booleans as written, so a crc64 above 2^53 stays
			// exact.
			raw[k] = string(v)
		}
	}
	return raw, nil
}

func eventFromRaw(raw map[string]string) (*Event, error) {
	ev := &Event{
		Bucket:      raw[callbackwire.VarBucket],
		Object:      raw[callbackwire.VarObject],
		ETag:        raw[callbackwire.VarETag],
		MimeType:    raw[callbackwire.VarMimeType],
		ImageFormat: raw[callbackwire.VarImageFormat],
		ContentMD5:  raw[callbackwire.VarContentMD5],
		VpcID:       raw[callbackwire.VarVpcID],
		ClientIP:    raw[callbackwire.VarClientIP],
		ReqID:       raw[callbackwire.VarReqID],
		Operation:   raw[callbackwire.VarOperation],
		Vars:        map[string]string{},
		Raw:         raw,
		Query:       url.Values{},
	}
	for k, v := range raw {
		if strings.HasPrefix(k, "x:") {
			ev.Vars[k] = v
		}
	}
	var err error
	if v := raw[callbackwire.VarSize]; v != "" {
		if ev.Size, err = strconv.ParseInt(v, 10, 64); err != nil || ev.Size < 0 {
			return nil, fmt.Errorf("%w: size %q is not a non-negative integer", ErrMalformedEvent, v)
		}
	}
	if v := raw[callbackwire.VarCRC64]; v != "" {
		if ev.CRC64, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, fmt.Errorf("%w: crc64 %q is not an unsigned 64-bit integer", ErrMalformedEvent, v)
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{callbackwire.VarImageHeight, &ev.ImageHeight}, {callbackwire.VarImageWidth, &ev.ImageWidth}} {
		v := raw[f.name]
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: %s %q is not a non-negative integer", ErrMalformedEvent, f.name, v)
		}
		*f.dst = int(n)
	}
	return ev, nil
}

// flatJSONObject reads body, if it is one JSON object, into Raw in one pass
// without encoding/json's per-value allocations: strings without escapes
// are slices of one copy of the body; escaped strings and nested values go
// through encoding/json, which also checks them. It reports false for
// anything it does not accept, which decodeJSONObject then explains.
func flatJSONObject(body []byte) (map[string]string, bool) {
	s := string(body)
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	raw := make(map[string]string, 16)
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return raw, skipSpace(s, i+1) == len(s)
	}
	for {
		if i >= len(s) || s[i] != '"' {
			return nil, false
		}
		j, ok := endOfJSONString(s, i)
		if !ok {
			return nil, false
		}
		key, ok := jsonUnquote(s[i:j])
		if i = skipSpace(s, j); !ok || i >= len(s) || s[i] != ':' {
			return nil, false
		}
		i = skipSpace(s, i+1)
		if j, ok = endOfJSONValue(s, i); !ok {
			return nil, false
		}
		if raw[key], ok = jsonValue(s[i:j]); !ok {
			return nil, false
		}
		switch i = skipSpace(s, j); {
		case i < len(s) && s[i] == ',':
			i = skipSpace(s, i+1)
		case i < len(s) && s[i] == '}':
			return raw, skipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

// jsonValue is a member's value in Raw: strings unquoted, null as "",
// nested values compacted, numbers and booleans as written (so a crc64
// above 2^53 stays exact).
func jsonValue(v string) (string, bool) {
	switch v[0] {
	case '"':
		return jsonUnquote(v)
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, []byte(v)) != nil {
			return "", false
		}
		return b.String(), true
	case 'n':
		return "", v == "null"
	case 't', 'f':
		return v, v == "true" || v == "false"
	}
	return v, jsonNumber(v)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// endOfJSONString returns the index after the string literal at s[i],
// refusing an unterminated one or one with a control character.
func endOfJSONString(s string, i int) (int, bool) {
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\':
			j++
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return 0, false
		}
	}
	return 0, false
}

// endOfJSONValue returns the index after the value at s[i]. Nested values
// are only delimited here; jsonValue checks them.
func endOfJSONValue(s string, i int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch s[i] {
	case '"':
		return endOfJSONString(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				end, ok := endOfJSONString(s, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(s) && strings.IndexByte(",}] \t\r\n", s[j]) < 0 {
		j++
	}
	return j, j > i
}

// jsonNumber reports whether v is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(v string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(v)
}

// jsonUnquote returns the value of a valid JSON string literal: a slice of
// it when it has no escapes and is valid UTF-8 (which encoding/json would
// keep as is), encoding/json's reading otherwise.
func jsonUnquote(lit string) (string, bool) {
	inner := lit[1 : len(lit)-1]
	if strings.IndexByte(inner, '\\') < 0 && utf8.ValidString(inner) {
		return inner, true
	}
	var v string
	return v, json.Unmarshal([]byte(lit), &v) == nil
}
