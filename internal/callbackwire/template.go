package callbackwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/ossdirect/ossdirect/internal/ossmsg"
)

// OSS system variables usable as ${name} in callbackBody
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
// Names are case-sensitive.
const (
	VarBucket      = "bucket"
	VarObject      = "object"
	VarETag        = "etag"
	VarSize        = "size"
	VarMimeType    = "mimeType"
	VarImageHeight = "imageInfo.height"
	VarImageWidth  = "imageInfo.width"
	VarImageFormat = "imageInfo.format"
	VarCRC64       = "crc64"
	VarContentMD5  = "contentMd5"
	VarVpcID       = "vpcId"
	VarClientIP    = "clientIp"
	VarReqID       = "reqId"
	VarOperation   = "operation"
)

// varKind says how OSS inserts a system variable into a JSON body.
type varKind int

const (
	kindString varKind = iota
	// kindNumber: inserted as a bare JSON number (docs/PROTOCOL.md#callback-variables).
	kindNumber
	// kindNullable: a JSON string, or null when empty (vpcId,
	// docs/PROTOCOL.md#callback-variables).
	kindNullable
)

var systemVars = map[string]varKind{
	VarBucket: kindString, VarObject: kindString, VarETag: kindString, VarSize: kindNumber,
	VarMimeType: kindString, VarImageHeight: kindNumber, VarImageWidth: kindNumber,
	VarImageFormat: kindString, VarCRC64: kindNumber, VarContentMD5: kindString,
	VarVpcID: kindNullable, VarClientIP: kindString, VarReqID: kindString, VarOperation: kindString,
}

// SystemVars lists every OSS system variable, in the order of
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
func SystemVars() []string {
	return []string{VarBucket, VarObject, VarETag, VarSize, VarMimeType, VarImageHeight, VarImageWidth,
		VarImageFormat, VarCRC64, VarContentMD5, VarVpcID, VarClientIP, VarReqID, VarOperation}
}

// segment is literal template text or, when isVar, a variable name.
type segment struct {
	text  string
	isVar bool
}

// parseTemplate splits a callbackBody into literal text and ${name}
// placeholders. An unterminated "${", an empty name, or a name containing
// "$" or "{" is "The callback body is invalid." (OSS knows only ${...}
// syntax and answers InvalidArgument for anything else,
// docs/PROTOCOL.md#callback-errors). A "$" or "}" on its
// own is literal text.
func parseTemplate(body string) ([]segment, error) {
	var segs []segment
	rest := body
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			if rest != "" {
				segs = append(segs, segment{text: rest})
			}
			return segs, nil
		}
		if i > 0 {
			segs = append(segs, segment{text: rest[:i]})
		}
		rest = rest[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return nil, newParamsError(ossmsg.MsgBodyInvalid, "unterminated ${ in callbackBody")
		}
		name := rest[:j]
		if name == "" || strings.ContainsAny(name, "${") {
			return nil, newParamsError(ossmsg.MsgBodyInvalid, fmt.Sprintf("bad variable name %q in callbackBody", name))
		}
		segs = append(segs, segment{text: name, isVar: true})
		rest = rest[j+1:]
	}
}

// Render builds the callback body OSS would send for p with the given
// variable values (system variables by name, custom ones as "x:name"); the
// emulator uses it. Template text is copied as is.
//
// Form bodies: each value is URL-encoded with url.QueryEscape. A space
// becomes "+" there; OSS does not document "+" versus "%20" [inferred], and
// url.ParseQuery (and every form decoder) reads both.
//
// JSON bodies: each placeholder becomes a whole JSON value. size,
// imageInfo.height, imageInfo.width and crc64 are bare numbers when the value
// is a decimal integer, null when empty (not images, [inferred]) and a string
// otherwise; vpcId is null when empty; everything else, including custom and
// unknown variables, is a JSON string with standard escaping and no HTML
// escaping [inferred].
//
// Variables absent from values render as empty [inferred].
// Errors are *ParamsError.
func Render(p Params, values map[string]string) ([]byte, error) {
	segs, err := parseTemplate(p.Body)
	if err != nil {
		return nil, err
	}
	var isJSON bool
	switch p.BodyType {
	case "", BodyTypeForm:
	case BodyTypeJSON:
		isJSON = true
	default:
		return nil, newParamsError(ossmsg.MsgBodyTypeInvalid, fmt.Sprintf("callbackBodyType %q", p.BodyType))
	}
	return render(segs, isJSON, values), nil
}

func render(segs []segment, isJSON bool, values map[string]string) []byte {
	var b bytes.Buffer
	for _, s := range segs {
		if !s.isVar {
			b.WriteString(s.text)
			continue
		}
		v := values[s.text]
		if !isJSON {
			b.WriteString(url.QueryEscape(v))
			continue
		}
		switch systemVars[s.text] {
		case kindNumber:
			switch {
			case v == "":
				b.WriteString("null")
			case isDecimal(v):
				b.WriteString(v)
			default:
				b.Write(JSONString(v))
			}
		case kindNullable:
			if v == "" {
				b.WriteString("null")
			} else {
				b.Write(JSONString(v))
			}
		default:
			b.Write(JSONString(v))
		}
	}
	return b.Bytes()
}

// isDecimal reports whether s is a valid JSON integer without sign or
// leading zeros, so inserting it bare yields valid JSON.
func isDecimal(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// JSONString returns s as a JSON string literal without HTML escaping, as OSS
// writes strings into JSON bodies.
func JSONString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
