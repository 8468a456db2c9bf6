// Package ossmsg holds the texts and EC codes OSS answers a bad callback
// parameter with (400 InvalidArgument). package callback reports them in
// its ParamsError and the osstest emulator answers with them verbatim, so
// they live in one place and must not be reworded. See
// https://www.alibabacloud.com/help/en/oss/developer-reference/callback.
package ossmsg

// OSS's InvalidArgument messages for a bad callback parameter.
const (
	MsgNotBase64       = "The callback configuration is not base64 encoded."
	MsgNotJSON         = "The callback configuration is not json format."
	MsgURLInvalid      = "The callback url configuration is invalid."
	MsgTooManyURLs     = "The number of callback url exceed max value."
	MsgHostInvalid     = "The callback host configuration is invalid."
	MsgBodyEmpty       = "The callback body is empty."
	MsgBodyInvalid     = "The callback body is invalid."
	MsgBodyTypeInvalid = "The callback body type configuration is invalid."
	MsgSNIInvalid      = "The callback sni is invalid"
)

// ecs holds the EC codes OSS documents for these messages; the others have
// none.
var ecs = map[string]string{
	MsgNotBase64:   "0007-00000002",
	MsgURLInvalid:  "0007-00000004",
	MsgTooManyURLs: "0007-00000005",
	MsgBodyEmpty:   "0007-00000011",
}

// EC returns the EC code OSS sends with msg, or "" if it documents none.
func EC(msg string) string { return ecs[msg] }
