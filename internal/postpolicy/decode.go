package postpolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/policy"
)

// Decode parses the value of a "policy" form field: standard padded Base64
// of a UTF-8 JSON policy document. See Parse for what is checked. Line
// breaks, which encoding/base64 would silently skip, are rejected, because
// the signature covers the field's exact text (docs/PROTOCOL.md#exact-bytes).
func Decode(encoded string) (*policy.Policy, error) {
	if encoded == "" {
		// OSS: policy present but empty (docs/PROTOCOL.md#policy-error-codes).
		return nil, invalidf("0006-00000205", "Policy is empty.")
	}
	if i := strings.IndexAny(encoded, "\r\n"); i >= 0 {
		return nil, invalidf("", "Invalid Base64: line break at input byte %d.", i)
	}
	doc, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return nil, invalidf("", "Invalid Base64: %v.", err)
	}
	return Parse(doc)
}

// Parse parses a JSON policy document strictly and reports the first
// defect precisely, as an *Error (400 InvalidPolicyDocument) wrapping
// policy.ErrInvalidPolicy, with the EC code OSS documents for the defect
// where one is known (docs/PROTOCOL.md#policy-error-codes):
//
//   - the document must be valid UTF-8 and one JSON object, nothing after it,
//     nested at most 32 levels deep;
//   - exactly the members "expiration" and "conditions", each once;
//   - expiration: RFC 3339 with optional fractional seconds and a Z or
//     explicit ±hh:mm offset (docs/PROTOCOL.md#policy-document);
//   - conditions: a non-empty array of objects with exactly one string
//     property, or arrays ["op", "$field", operand] / ["content-length-range",
//     min, max];
//   - eq and starts-with take a string; in and not-in a non-empty array of
//     strings; content-length-range two JSON integers 0 <= min <= max. OSS
//     asks for integer bounds; 0 is allowed as min because
//     OSS's own examples use it. Numbers with a fraction or exponent, and
//     numbers written as strings, are rejected;
//   - field names may be written with or without "$"; the
//     Field member holds the name without it, as written otherwise;
//   - operators are matched exactly (lower case), as OSS documents them;
//   - inside strings, OSS's documented escape \$ for a literal "$" is
//     accepted besides the JSON escapes.
//
// (Conditions: docs/PROTOCOL.md#policy-conditions.) OSS documents EC codes
// 220/221/223 for bad content-length-range bounds without saying which is
// which, so those errors carry no EC.
//
// Every policy Parse returns passes Validate, and Parse(MarshalJSON(p))
// gives back p (with the expiration truncated to milliseconds).
func Parse(doc []byte) (*policy.Policy, error) {
	if !utf8.Valid(doc) {
		return nil, invalidf("", "Invalid JSON: document is not valid UTF-8.")
	}
	root, err := parseJSON(unescapeDollar(doc))
	if err != nil {
		return nil, err
	}
	if root.kind != '{' {
		return nil, invalidf("", "Invalid JSON: the policy must be a JSON object, not %s.", root.describe())
	}
	var exp, conds *node
	for i, k := range root.keys {
		v := &root.items[i]
		switch k {
		case "expiration":
			exp = v
		case "conditions":
			conds = v
		default:
			return nil, invalidf("0006-00000206", "Unexpected member %s: a policy has only \"expiration\" and \"conditions\".", quote(k))
		}
	}
	switch {
	case exp == nil && conds == nil:
		return nil, invalidf("0006-00000209", "Missing expiration and conditions.")
	case exp == nil:
		return nil, invalidf("0006-00000208", "Missing expiration.")
	case conds == nil:
		return nil, invalidf("0006-00000207", "Missing conditions.")
	}

	p := &policy.Policy{}
	if p.Expiration, err = parseExpiration(exp); err != nil {
		return nil, err
	}
	if conds.kind != '[' {
		return nil, invalidf("", "conditions must be an array, not %s.", conds.describe())
	}
	if len(conds.items) == 0 {
		return nil, invalidf("0006-00000215", "conditions must contain at least one item.")
	}
	p.Conditions = make([]policy.Condition, len(conds.items))
	for i := range conds.items {
		c, err := parseCondition(i, &conds.items[i])
		if err != nil {
			return nil, err
		}
		p.Conditions[i] = c
	}
	if err := p.Validate(); err != nil {
		return nil, invalidPolicy(err)
	}
	return p, nil
}

// unescapeDollar rewrites the escape \$ inside JSON strings to a plain $.
// OSS documents \$ as the way to write a literal "$"
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend) although
// JSON has no such escape; everything else is left for the JSON parser.
// Documents without "\$" are returned unchanged, without copying.
func unescapeDollar(doc []byte) []byte {
	if !bytes.Contains(doc, []byte(`\$`)) {
		return doc
	}
	out := make([]byte, 0, len(doc))
	inString := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(doc):
			if doc[i+1] == '$' {
				i++
				c = '$'
			} else {
				// Copy the escaped byte too, so \\ and \" cannot end
				// or start anything.
				out = append(out, c)
				i++
				c = doc[i]
			}
		}
		out = append(out, c)
	}
	return out
}

// rfc3339 is the accepted expiration syntax. time.Parse alone is more
// lenient (it takes a comma before the fraction), so the shape is checked
// first.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$`)

func parseExpiration(v *node) (time.Time, error) {
	if v.kind != 's' {
		return time.Time{}, invalidf("", "Invalid expiration: must be a string, not %s.", v.describe())
	}
	if !rfc3339.MatchString(v.s) {
		return time.Time{}, invalidf("", "Invalid expiration %s: want ISO 8601 UTC like \"2014-12-01T12:00:00.000Z\".", quote(v.s))
	}
	t, err := time.Parse(time.RFC3339Nano, v.s)
	if err != nil {
		return time.Time{}, invalidf("", "Invalid expiration %s: %v.", quote(v.s), err)
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 || t.IsZero() {
		// Validate reserves the zero time for "not set"; the canonical
		// form has a four-digit year.
		return time.Time{}, invalidf("", "Invalid expiration %s: must lie after 0001-01-01T00:00:00Z and before year 10000.", quote(v.s))
	}
	return t, nil
}

func parseCondition(i int, v *node) (policy.Condition, error) {
	n := i + 1
	switch v.kind {
	case '{':
		if len(v.keys) != 1 {
			// OSS's exact wording (docs/PROTOCOL.md#postobject-errors).
			return policy.Condition{}, invalidf("", "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		val := &v.items[0]
		if val.kind != 's' {
			return policy.Condition{}, invalidf("0006-00000224", "Invalid Simple-Condition: the value of %s must be a string, not %s.", quote(v.keys[0]), val.describe())
		}
		return policy.Condition{Op: policy.OpEq, Field: fieldName(v.keys[0]), Value: val.s, Simple: true}, nil
	case '[':
	default:
		return policy.Condition{}, invalidf("0006-00000222", "Invalid condition %d: must be a JSON object or array, not %s.", n, v.describe())
	}
	if len(v.items) == 0 || v.items[0].kind != 's' || strings.HasPrefix(v.items[0].s, "$") {
		return policy.Condition{}, invalidf("0006-00000216", "Invalid condition %d: no match operator; want [\"eq\"|\"starts-with\"|\"in\"|\"not-in\", \"$field\", value] or [\"content-length-range\", min, max].", n)
	}
	op := policy.Op(v.items[0].s)
	switch op {
	case policy.OpEq, policy.OpStartsWith, policy.OpIn, policy.OpNotIn, policy.OpContentLengthRange:
	default:
		return policy.Condition{}, invalidf("0006-00000216", "Invalid condition %d: unknown operator %s.", n, quote(string(op)))
	}
	if len(v.items) != 3 {
		return policy.Condition{}, invalidf("", "Invalid condition %d: %s takes 2 operands, got %d.", n, quote(string(op)), len(v.items)-1)
	}
	a, b := &v.items[1], &v.items[2]
	if op == policy.OpContentLengthRange {
		lo, err := parseBound(n, "min", a)
		if err != nil {
			return policy.Condition{}, err
		}
		hi, err := parseBound(n, "max", b)
		if err != nil {
			return policy.Condition{}, err
		}
		return policy.Condition{Op: op, Min: lo, Max: hi}, nil
	}
	if a.kind != 's' {
		return policy.Condition{}, invalidf("0006-00000224", "Invalid condition %d: the field of %s must be a string, not %s.", n, quote(string(op)), a.describe())
	}
	c := policy.Condition{Op: op, Field: fieldName(a.s)}
	if op == policy.OpIn || op == policy.OpNotIn {
		if b.kind != '[' {
			return policy.Condition{}, invalidf("0006-00000224", "Invalid condition %d: %s needs an array of strings, not %s.", n, quote(string(op)), b.describe())
		}
		c.Values = make([]string, len(b.items))
		for j := range b.items {
			if b.items[j].kind != 's' {
				return policy.Condition{}, invalidf("0006-00000224", "Invalid condition %d: %s needs an array of strings, found %s.", n, quote(string(op)), b.items[j].describe())
			}
			c.Values[j] = b.items[j].s
		}
		return c, nil
	}
	if b.kind != 's' {
		return policy.Condition{}, invalidf("0006-00000224", "Invalid condition %d: the value of %s must be a string, not %s.", n, quote(string(op)), b.describe())
	}
	c.Value = b.s
	return c, nil
}

// parseBound accepts a JSON integer literal that fits in int64 and is not
// negative. OSS documents three EC codes (220/221/223) for bad bounds
// without saying which is which, so no EC is set here.
func parseBound(n int, which string, v *node) (int64, error) {
	if v.kind != 'n' {
		return 0, invalidf("", "Invalid condition %d: content-length-range %s must be an integer, not %s.", n, which, v.describe())
	}
	x, err := strconv.ParseInt(string(v.num), 10, 64)
	if err != nil {
		return 0, invalidf("", "Invalid condition %d: content-length-range %s %s is not an integer in range.", n, which, v.num)
	}
	if x < 0 {
		return 0, invalidf("", "Invalid condition %d: content-length-range %s %d is negative.", n, which, x)
	}
	return x, nil
}

// node is a parsed JSON value. Objects keep their members in order, so
// duplicates and the one-property rule of simple conditions can be checked,
// which decoding into a map would hide.
type node struct {
	kind  byte // '{' object, '[' array, 's' string, 'n' number, 'b' bool, '0' null
	s     string
	num   json.Number
	keys  []string // object member names, parallel to items
	items []node   // object member values or array elements
}

func (v *node) describe() string {
	switch v.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 's':
		return "the string " + quote(v.s)
	case 'n':
		return "the number " + string(v.num)
	case 'b':
		return "a boolean"
	default:
		return "null"
	}
}

// maxDepth bounds how deeply arrays and objects may nest. A valid policy
// needs four levels (document, conditions, condition, in-list); the bound
// keeps the recursive parser's stack small on hostile input, which could
// otherwise exhaust Go's stack limit, a fatal error rather than a panic.
const maxDepth = 32

func parseJSON(doc []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	root, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return nil, invalidf("", "Invalid JSON: data after the policy object.")
		}
		return nil, jsonError(err)
	}
	return &root, nil
}

func jsonError(err error) *Error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidf("", "Invalid JSON: unexpected end of document.")
	}
	return invalidf("", "Invalid JSON: %v.", err)
}

// hasKey reports whether k is among keys and records it. Policy objects
// have one or two members, so a scan is cheapest; a map takes over for
// hostile documents with many members, to stay linear.
func hasKey(keys []string, k string, seen *map[string]bool) bool {
	const scanLimit = 16
	if len(keys) < scanLimit {
		for _, x := range keys {
			if x == k {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(keys))
		for _, x := range keys {
			(*seen)[x] = true
		}
	}
	if (*seen)[k] {
		return true
	}
	(*seen)[k] = true
	return false
}

func parseValue(dec *json.Decoder, depth int) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, jsonError(err)
	}
	return parseToken(dec, tok, depth)
}

// parseToken parses the value starting with tok; depth counts the arrays
// and objects around it.
func parseToken(dec *json.Decoder, tok json.Token, depth int) (node, error) {
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return node{}, invalidf("", "Invalid JSON: nested more than %d levels deep.", maxDepth)
		}
		if t == '[' {
			v := node{kind: '['}
			for dec.More() {
				item, err := parseValue(dec, depth+1)
				if err != nil {
					return node{}, err
				}
				v.items = append(v.items, item)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return node{}, jsonError(err)
			}
			return v, nil
		}
		// The decoder only hands out '{' or '[' here; '}' and ']' are
		// consumed by the loops that expect them.
		v := node{kind: '{'}
		var seen map[string]bool
		for dec.More() {
			ktok, err := dec.Token()
			if err != nil {
				return node{}, jsonError(err)
			}
			k, _ := ktok.(string) // the decoder guarantees a string key here
			if hasKey(v.keys, k, &seen) {
				return node{}, invalidf("", "Invalid JSON: duplicate member %s.", quote(k))
			}
			item, err := parseValue(dec, depth+1)
			if err != nil {
				return node{}, err
			}
			v.keys = append(v.keys, k)
			v.items = append(v.items, item)
		}
		if _, err := dec.Token(); err != nil { // '}'
			return node{}, jsonError(err)
		}
		return v, nil
	case string:
		return node{kind: 's', s: t}, nil
	case json.Number:
		return node{kind: 'n', num: t}, nil
	case bool:
		return node{kind: 'b'}, nil
	default:
		return node{kind: '0'}, nil
	}
}
