package osstest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XML 1.0 forbids control characters, even as character references, and
// encoding/xml refuses "&#x01;". The Go SDK v2 nevertheless writes object
// keys that contain them that way in DeleteMultipleObjects (its escapeXml),
// and OSS accepts them: its TestDeleteMultipleObjects deletes such keys.

// controlRef matches a character reference, decimal or hexadecimal.
var controlRef = regexp.MustCompile(`&#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7});`)

// controlBase is where control characters are parked while encoding/xml
// reads the document: U+E000 to U+E01F, in the Private Use Area.
const controlBase = 0xE000

// parkControlRefs replaces references to control characters with runes of
// the Private Use Area that encoding/xml accepts, and returns the function
// that turns them back in decoded strings. ok is false when the document
// already holds such runes, which would then be ambiguous.
func parkControlRefs(body []byte) (parked []byte, unpark func(string) string, ok bool) {
	if bytes.ContainsFunc(body, func(r rune) bool { return r >= controlBase && r < controlBase+0x20 }) {
		return nil, nil, false
	}
	found := false
	parked = controlRef.ReplaceAllFunc(body, func(ref []byte) []byte {
		num := string(ref[2 : len(ref)-1])
		base := 10
		if strings.HasPrefix(num, "x") {
			num, base = num[1:], 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err != nil || n >= 0x20 || n == '\t' || n == '\n' || n == '\r' {
			return ref
		}
		found = true
		return utf8.AppendRune(nil, rune(controlBase+n))
	})
	unpark = func(s string) string {
		if !found {
			return s
		}
		return strings.Map(func(r rune) rune {
			if r >= controlBase && r < controlBase+0x20 {
				return r - controlBase
			}
			return r
		}, s)
	}
	return parked, unpark, true
}
