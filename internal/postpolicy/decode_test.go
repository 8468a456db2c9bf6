package postpolicy_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// doc wraps condition JSON in a policy with a fixed expiration.
func doc(conds string) string {
	return `{"expiration":"2030-01-02T03:04:05.000Z","conditions":[` + conds + `]}`
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want policy.Policy
	}{
		{"object form", doc(`{"bucket":"johnsmith"}`),
			policy.New(exp, policy.Bucket("johnsmith"))},
		{"object form with $ tolerated", doc(`{"$bucket":"johnsmith"}`),
			policy.New(exp, policy.Bucket("johnsmith"))},
		{"eq", doc(`["eq","$success_action_status","200"]`),
			policy.New(exp, policy.SuccessActionStatus(200))},
		// OSS's error example omits the "$" (docs/PROTOCOL.md#policy-conditions).
		{"eq without $", doc(`["eq","success_action_status","200"]`),
			policy.New(exp, policy.SuccessActionStatus(200))},
		{"field case kept", doc(`["eq","$Content-Type","text/plain"]`),
			policy.New(exp, policy.Eq("Content-Type", "text/plain"))},
		{"starts-with", doc(`["starts-with","$key","user/eric/"]`),
			policy.New(exp, policy.KeyPrefix("user/eric/"))},
		{"starts-with empty (any key)", doc(`["starts-with","$key",""]`),
			policy.New(exp, policy.AnyKey())},
		{"in", doc(`["in","$content-type",["image/jpg","image/png"]]`),
			policy.New(exp, policy.In("content-type", "image/jpg", "image/png"))},
		{"not-in", doc(`["not-in","$cache-control",["no-cache"]]`),
			policy.New(exp, policy.NotIn("cache-control", "no-cache"))},
		{"content-length-range min 0", doc(`["content-length-range",0,104857600]`),
			policy.New(exp, policy.ContentLengthRange(0, 104857600))},
		{"content-length-range equal bounds", doc(`["content-length-range",5,5]`),
			policy.New(exp, policy.ContentLengthRange(5, 5))},
		{"content-length-range max int64", doc(`["content-length-range",0,9223372036854775807]`),
			policy.New(exp, policy.ContentLengthRange(0, 1<<63-1))},
		{"whitespace and escapes", "\n{ \"conditions\" : [ [\"eq\", \"$x-oss-meta-a\", \"\\u0041\\/\\$b\\n\"] ],\r\n\t\"expiration\": \"2030-01-02T03:04:05.000Z\" }\n",
			policy.New(exp, policy.Eq("x-oss-meta-a", "A/$b\n"))},
		// OSS documents \$ as the escape for a literal "$" (docs/PROTOCOL.md#policy-conditions).
		{"dollar escapes", doc(`["eq","$a","x\\$y\$z"]`),
			policy.New(exp, policy.Eq("a", `x\$y$z`))},
		{"expiration without fraction", `{"expiration":"2030-01-02T03:04:05Z","conditions":[["starts-with","$key",""]]}`,
			policy.New(exp, policy.AnyKey())},
		{"expiration with offset", `{"expiration":"2030-01-02T11:04:05+08:00","conditions":[["starts-with","$key",""]]}`,
			policy.New(exp, policy.AnyKey())},
		{"expiration nanoseconds", `{"expiration":"2030-01-02T03:04:05.000000001Z","conditions":[["starts-with","$key",""]]}`,
			policy.New(exp.Add(time.Nanosecond), policy.AnyKey())},
		{"documented example, pretty-printed", `{ "expiration": "2014-12-01T12:00:00.000Z",
  "conditions": [ {"bucket": "johnsmith"}, ["starts-with", "$key", "user/eric/"] ] }`,
			policy.New(time.Date(2014, 12, 1, 12, 0, 0, 0, time.UTC), policy.Bucket("johnsmith"), policy.KeyPrefix("user/eric/"))},
		{"Python SDK example", `{"expiration":"2030-01-02T03:04:05Z","conditions":[["eq","$bucket","b"],["content-length-range",0,104857600]]}`,
			policy.New(exp, policy.Eq("bucket", "b"), policy.ContentLengthRange(0, 104857600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := postpolicy.Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got, equalTime); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if got.Expiration.Location() != time.UTC {
				t.Errorf("expiration location = %v, want UTC", got.Expiration.Location())
			}
			viaDecode, err := postpolicy.Decode(b64(tt.doc))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(got, viaDecode, equalTime); diff != "" {
				t.Errorf("Decode differs from Parse:\n%s", diff)
			}
		})
	}
}

// manyMembers returns an unterminated object with n distinct members.
func manyMembers(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"a%d":%d`, i, i)
	}
	return b.String()
}

func TestParseEmpty(t *testing.T) {
	for _, in := range [][]byte{nil, {}} {
		_, err := postpolicy.Parse(in)
		checkInvalid(t, err, "Invalid JSON: unexpected end of document", "")
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		encoded string // the policy form field
		wantMsg string
		wantEC  string
	}{
		// Base64 layer.
		{"empty field", "", "Invalid Policy: Policy is empty.", "0006-00000205"},
		{"bad base64", "eyJ!", "Invalid Policy: Invalid Base64: illegal base64 data at input byte 3", ""},
		{"unpadded base64", "eyJh", "Invalid Policy: Invalid JSON:", ""}, // "{"a" decodes, then fails as JSON
		{"missing padding", strings.TrimRight(specV1B64, "="), "Invalid Base64", ""},
		{"line break", specV1B64[:10] + "\n" + specV1B64[10:], "Invalid Base64: line break at input byte 10", ""},
		{"URL alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(b64(doc(`{"a":"???>>>"}`))), "Invalid Base64", ""},

		// JSON layer.
		{"not UTF-8", b64("{\"expiration\":\"\xff\"}"), "Invalid JSON: document is not valid UTF-8", ""},
		{"dollar escape outside string", b64(`{\$}`), "Invalid JSON: invalid character '\\\\'", ""},
		{"whitespace only", b64("  \n"), "Invalid JSON: unexpected end of document", ""},
		// OSS: "Invalid JSON: unknown char e" for a bare word (docs/PROTOCOL.md#postobject-errors).
		{"bare word", b64("expiration"), "Invalid JSON: invalid character 'e'", ""},
		{"missing comma", b64(`{"expiration":"2030-01-02T03:04:05Z" "conditions":[]}`), "Invalid JSON: invalid character '\"' after object key:value pair", ""},
		{"missing bracket", b64(`{"expiration":"2030-01-02T03:04:05Z","conditions":[["eq","$a","b"]}`), "Invalid JSON: invalid character '}' after array element", ""},
		{"truncated", b64(specV1JSON[:40]), "Invalid JSON: unexpected end of document", ""},
		{"trailing data", b64(specV1JSON + `{}`), "Invalid JSON: data after the policy object", ""},
		{"trailing garbage", b64(specV1JSON + `x`), "Invalid JSON: invalid character 'x'", ""},
		{"top-level array", b64(`[]`), "the policy must be a JSON object, not an array", ""},
		{"top-level string", b64(`"x"`), `the policy must be a JSON object, not the string "x"`, ""},
		{"duplicate member among many", b64(manyMembers(20) + `,"a5":0}`), `duplicate member "a5"`, ""},
		{"many distinct members", b64(manyMembers(20) + `}`), `Unexpected member "a0"`, "0006-00000206"},
		{"duplicate member", b64(`{"expiration":"2030-01-02T03:04:05Z","expiration":"2031-01-02T03:04:05Z","conditions":[["starts-with","$key",""]]}`), `duplicate member "expiration"`, ""},

		// Document structure (docs/PROTOCOL.md#policy-error-codes).
		{"extra member", b64(`{"expiration":"2030-01-02T03:04:05Z","conditions":[{"a":"b"}],"Version":"1"}`), `Unexpected member "Version"`, "0006-00000206"},
		{"member case matters", b64(`{"Expiration":"2030-01-02T03:04:05Z","conditions":[{"a":"b"}]}`), `Unexpected member "Expiration"`, "0006-00000206"},
		{"missing conditions", b64(`{"expiration":"2030-01-02T03:04:05Z"}`), "Missing conditions.", "0006-00000207"},
		{"missing expiration", b64(`{"conditions":[{"a":"b"}]}`), "Missing expiration.", "0006-00000208"},
		{"missing both", b64(`{}`), "Missing expiration and conditions.", "0006-00000209"},
		{"conditions empty", b64(doc(``)), "conditions must contain at least one item.", "0006-00000215"},
		{"conditions not array", b64(`{"expiration":"2030-01-02T03:04:05Z","conditions":{"a":"b"}}`), "conditions must be an array, not an object", ""},
		{"conditions null", b64(`{"expiration":"2030-01-02T03:04:05Z","conditions":null}`), "conditions must be an array, not null", ""},

		// Expiration (docs/PROTOCOL.md#policy-document).
		{"expiration number", b64(`{"expiration":1733230800,"conditions":[{"a":"b"}]}`), "Invalid expiration: must be a string, not the number 1733230800", ""},
		{"expiration no zone", b64(`{"expiration":"2030-01-02T03:04:05","conditions":[{"a":"b"}]}`), `Invalid expiration "2030-01-02T03:04:05"`, ""},
		{"expiration date only", b64(`{"expiration":"2030-01-02","conditions":[{"a":"b"}]}`), `Invalid expiration "2030-01-02"`, ""},
		{"expiration space", b64(`{"expiration":"2030-01-02 03:04:05Z","conditions":[{"a":"b"}]}`), `Invalid expiration`, ""},
		{"expiration comma fraction", b64(`{"expiration":"2030-01-02T03:04:05,000Z","conditions":[{"a":"b"}]}`), `Invalid expiration`, ""},
		{"expiration lower-case z", b64(`{"expiration":"2030-01-02T03:04:05.000z","conditions":[{"a":"b"}]}`), `Invalid expiration`, ""},
		{"expiration month 13", b64(`{"expiration":"2030-13-02T03:04:05.000Z","conditions":[{"a":"b"}]}`), `month out of range`, ""},
		{"expiration hour 24", b64(`{"expiration":"2030-01-02T24:00:00Z","conditions":[{"a":"b"}]}`), `hour out of range`, ""},
		{"expiration zero time", b64(`{"expiration":"0001-01-01T00:00:00Z","conditions":[{"a":"b"}]}`), `must lie after 0001-01-01T00:00:00Z`, ""},
		{"expiration before year 1", b64(`{"expiration":"0001-01-01T00:00:00+01:00","conditions":[{"a":"b"}]}`), `must lie after 0001-01-01T00:00:00Z`, ""},
		{"expiration after 9999 in UTC", b64(`{"expiration":"9999-12-31T23:59:59-01:00","conditions":[{"a":"b"}]}`), `before year 10000`, ""},

		// Conditions (docs/PROTOCOL.md#policy-conditions).
		{"condition string", b64(doc(`"bucket"`)), `condition 1: must be a JSON object or array, not the string "bucket"`, "0006-00000222"},
		{"condition number", b64(doc(`{"a":"b"},1`)), "condition 2: must be a JSON object or array, not the number 1", "0006-00000222"},
		{"condition null", b64(doc(`null`)), "condition 1: must be a JSON object or array, not null", "0006-00000222"},
		{"simple two properties", b64(doc(`{"bucket":"b","key":"k"}`)), "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.", ""},
		{"simple no property", b64(doc(`{}`)), "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.", ""},
		{"simple duplicate property", b64(doc(`{"bucket":"b","bucket":"c"}`)), `duplicate member "bucket"`, ""},
		{"simple number", b64(doc(`{"success_action_status":200}`)), `the value of "success_action_status" must be a string, not the number 200`, "0006-00000224"},
		{"simple array", b64(doc(`{"bucket":["b"]}`)), `must be a string, not an array`, "0006-00000224"},
		{"simple empty field", b64(doc(`{"":"b"}`)), "condition 1: empty field name", ""},
		{"simple $ field", b64(doc(`{"$":"b"}`)), "condition 1: empty field name", ""},
		{"array empty", b64(doc(`[]`)), "condition 1: no match operator", "0006-00000216"},
		{"array without operator", b64(doc(`["$key"]`)), "condition 1: no match operator", "0006-00000216"},
		{"array field first", b64(doc(`["$key","eq","v"]`)), "no match operator", "0006-00000216"},
		{"array number first", b64(doc(`[1,2,3]`)), "no match operator", "0006-00000216"},
		{"unknown operator", b64(doc(`["ends-with","$key","x"]`)), `condition 1: unknown operator "ends-with"`, "0006-00000216"},
		{"operator case", b64(doc(`["EQ","$key","x"]`)), `unknown operator "EQ"`, "0006-00000216"},
		{"eq one operand", b64(doc(`["eq","$key"]`)), `condition 1: "eq" takes 2 operands, got 1`, ""},
		{"eq three operands", b64(doc(`["eq","$key","a","b"]`)), `"eq" takes 2 operands, got 3`, ""},
		{"range one operand", b64(doc(`["content-length-range",1]`)), `"content-length-range" takes 2 operands, got 1`, ""},
		{"field not string", b64(doc(`["eq",1,"v"]`)), `the field of "eq" must be a string, not the number 1`, "0006-00000224"},
		{"empty field", b64(doc(`["eq","$","v"]`)), "condition 1: empty field name", ""},
		{"eq number value", b64(doc(`["eq","$success_action_status",200]`)), `the value of "eq" must be a string, not the number 200`, "0006-00000224"},
		{"starts-with null", b64(doc(`["starts-with","$key",null]`)), `the value of "starts-with" must be a string, not null`, "0006-00000224"},
		{"in string", b64(doc(`["in","$content-type","image/png"]`)), `"in" needs an array of strings, not the string "image/png"`, "0006-00000224"},
		{"not-in string", b64(doc(`["not-in","$content-type","image/png"]`)), `"not-in" needs an array of strings`, "0006-00000224"},
		{"in number element", b64(doc(`["in","$content-type",["a",1]]`)), `"in" needs an array of strings, found the number 1`, "0006-00000224"},
		{"in nested array", b64(doc(`["in","$content-type",[["a"]]]`)), `found an array`, "0006-00000224"},
		{"in empty list", b64(doc(`["in","$content-type",[]]`)), `"in" needs a non-empty list`, "0006-00000224"},
		{"range max < min", b64(doc(`["content-length-range",10,9]`)), "max 9 is less than min 10", "0006-00000219"},
		{"range negative min", b64(doc(`["content-length-range",-1,9]`)), "min -1 is negative", ""},
		{"range negative max", b64(doc(`["content-length-range",0,-9]`)), "max -9 is negative", ""},
		{"range fraction", b64(doc(`["content-length-range",1.5,9]`)), "min 1.5 is not an integer", ""},
		{"range exponent", b64(doc(`["content-length-range",0,1e6]`)), "max 1e6 is not an integer", ""},
		{"range overflow", b64(doc(`["content-length-range",0,9223372036854775808]`)), "max 9223372036854775808 is not an integer in range", ""},
		{"range string", b64(doc(`["content-length-range","1","9"]`)), `min must be an integer, not the string "1"`, ""},
		{"range bool", b64(doc(`["content-length-range",0,true]`)), `max must be an integer, not a boolean`, ""},
		// A policy is four levels deep; without a bound, the recursive
		// parser would use a stack proportional to the input, and a few
		// MB of "[" overflow Go's 1 GB stack limit, which is fatal.
		{"deep nesting", b64(doc(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))), "Invalid JSON: nested more than 32 levels deep.", ""},
		{"deep nesting in an object", b64(`{"expiration":` + strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 41)), "Invalid JSON: nested more than 32 levels deep.", ""},
		{"error in later condition", b64(doc(`{"bucket":"b"},["starts-with","$key","u/"],["eq","$a"]`)), "condition 3:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := postpolicy.Decode(tt.encoded)
			if p != nil {
				t.Errorf("Decode returned a policy with an error: %+v", p)
			}
			checkInvalid(t, err, tt.wantMsg, tt.wantEC)
		})
	}
}

// TestRoundTrip: Decode(Encode(p)) gives back p for policies built with
// every constructor.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    policy.Policy
	}{
		{"worked example V1", specV1Policy()},
		{"worked example V4", specV4Policy()},
		{"every constructor", policy.New(time.Date(2025, 6, 7, 8, 9, 10, 11e6, time.UTC),
			policy.Bucket("b"), policy.Key("k"), policy.KeyPrefix("p/"), policy.AnyKey(),
			policy.ContentTypes("a/b"), policy.ContentTypes("a/b", "c/d"), policy.SuccessActionStatus(201),
			policy.ObjectACL("private"), policy.Meta("m", "v"), policy.ForbidOverwrite(),
			policy.SecurityToken("t"), policy.Callback("cb"), policy.CallbackVar("uid", "1"),
			policy.Eq("f", "v"), policy.Exact("F", "V"), policy.StartsWith("s", ""), policy.In("i", "1"),
			policy.NotIn("n", "1", "2"), policy.ContentLengthRange(0, 0), policy.ContentLengthRange(1<<62, 1<<63-1))},
		// Field is the name without "$"; a name that itself starts with
		// "$" must survive the object form, whose keys Decode also strips
		// of one "$".
		{"field names starting with $", policy.New(exp,
			policy.Exact("$$x", "v"), policy.Eq("$$y", "v"), policy.Exact("$$$z", "v"))},
		{"hostile strings", policy.New(exp,
			policy.Eq("x-oss-meta-\u2028", "\"\\\b\f\n\r\t\x00\x1f<>&\u2029\U0001F600 $"),
			policy.In("content-type", "", "\x7f", "é"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.p.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := postpolicy.Decode(enc)
			if err != nil {
				t.Fatalf("Decode(Encode(p)): %v", err)
			}
			if diff := cmp.Diff(tt.p, *got, equalTime); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
