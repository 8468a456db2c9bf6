package osstest

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// sdkEscape escapes a key as the Go SDK v2's escapeXml does: control
// characters as hexadecimal character references, the XML specials as
// entities.
func sdkEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r < 0x20:
			fmt.Fprintf(&b, "&#x%02X;", r)
		default:
			xml.EscapeText(&b, []byte(string(r)))
		}
	}
	return b.String()
}

// FuzzParkControlRefs: a key escaped as the SDK escapes it decodes back to
// itself, control characters included; a document with runes of the
// parking range is refused rather than misread.
func FuzzParkControlRefs(f *testing.F) {
	f.Add("sdk-oss-test-go-object-abc\x01\x02\a\b\t\n\v\f\r\x1f")
	f.Add("plain/key.txt")
	f.Add("\ue001 parked already")
	f.Add("&#x01; literal")
	f.Fuzz(func(t *testing.T, key string) {
		if !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
			return
		}
		body := []byte("<Delete><Object><Key>" + sdkEscape(key) + "</Key></Object></Delete>")
		parked, unpark, ok := parkControlRefs(body)
		if !ok {
			if !strings.ContainsFunc(key, func(r rune) bool { return r >= controlBase && r < controlBase+0x20 }) {
				t.Fatalf("refused %q", body)
			}
			return
		}
		var req deleteRequest
		if err := xml.Unmarshal(parked, &req); err != nil {
			// encoding/xml refuses some runes (U+FFFE, ...) OSS may take;
			// only control characters are this parser's business.
			return
		}
		if len(req.Objects) != 1 || unpark(req.Objects[0].Key) != key {
			t.Fatalf("key %q decoded as %+v", key, req.Objects)
		}
	})
}
