package policy

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// opEmptyKeyPrefix is what KeyPrefix("") returns. It is not an operator OSS
// knows, so Validate (and therefore Encode) rejects it with a message that
// points at AnyKey. A starts-with "$key" "" condition is perfectly valid OSS
// (it allows any key), so Validate cannot reject that shape; instead the
// constructor whose empty argument is almost certainly a bug produces
// something that cannot be encoded, and AnyKey is the explicit opt-out.
const opEmptyKeyPrefix Op = "starts-with (empty KeyPrefix)"

// New returns a policy that expires at expiration and holds conds in order.
// The conds slice is used as is, not copied.
func New(expiration time.Time, conds ...Condition) Policy {
	return Policy{Expiration: expiration, Conditions: conds}
}

// fieldName drops one leading "$", so Eq("$key", v) and Eq("key", v) build
// the same condition; OSS itself tolerates a missing "$": its own error
// example writes ["eq", "success_action_status", "200"]
// (https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000227).
func fieldName(field string) string {
	return strings.TrimPrefix(field, "$")
}

// Eq returns ["eq", "$field", value]: the form field must equal value exactly.
func Eq(field, value string) Condition {
	return Condition{Op: OpEq, Field: fieldName(field), Value: value}
}

// Exact returns the object form {"field": value} of an exact match. OSS
// treats it exactly like Eq; it exists because OSS's own examples write the
// bucket and the V4 x-oss-* conditions this way
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
func Exact(field, value string) Condition {
	return Condition{Op: OpEq, Field: fieldName(field), Value: value, Simple: true}
}

// StartsWith returns ["starts-with", "$field", prefix].
func StartsWith(field, prefix string) Condition {
	return Condition{Op: OpStartsWith, Field: fieldName(field), Value: prefix}
}

// In returns ["in", "$field", [values...]]: the field must equal one of
// values. The values slice is used as is, not copied.
func In(field string, values ...string) Condition {
	return Condition{Op: OpIn, Field: fieldName(field), Values: values}
}

// NotIn returns ["not-in", "$field", [values...]]: the field must differ
// from every one of values. The values slice is used as is, not copied.
func NotIn(field string, values ...string) Condition {
	return Condition{Op: OpNotIn, Field: fieldName(field), Values: values}
}

// ContentLengthRange returns ["content-length-range", min, max]: the size
// of the uploaded file in bytes must lie in [min, max], both inclusive.
func ContentLengthRange(min, max int64) Condition {
	return Condition{Op: OpContentLengthRange, Min: min, Max: max}
}

// Bucket returns {"bucket": name}. OSS matches it against the bucket the
// request is addressed to, not against a form field
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
func Bucket(name string) Condition { return Exact("bucket", name) }

// Key returns ["eq", "$key", key]: the upload must use exactly this object
// name. Server-chosen keys pinned this way cannot collide or be redirected
// by the uploader, unlike keys built from the uploader's ${filename}.
func Key(key string) Condition { return Eq("key", key) }

// KeyPrefix returns ["starts-with", "$key", prefix]. OSS checks the key
// before it expands ${filename}
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject),
// so KeyPrefix("user/42/") accepts a key of "user/42/${filename}".
//
// An empty prefix would allow any key; KeyPrefix("") therefore returns a
// condition that Validate and Encode reject. Use AnyKey to allow any key
// on purpose.
func KeyPrefix(prefix string) Condition {
	if prefix == "" {
		return Condition{Op: opEmptyKeyPrefix, Field: "key"}
	}
	return StartsWith("key", prefix)
}

// AnyKey returns ["starts-with", "$key", ""], which allows every object
// name. It is the explicit opt-out from pinning the key.
func AnyKey() Condition { return StartsWith("key", "") }

// ContentTypes restricts the type the object is stored with: one type gives
// ["eq", "$x-oss-content-type", t], several give ["in",
// "$x-oss-content-type", [...]]. No types gives an empty in-list, which
// Validate rejects.
//
// The field is x-oss-content-type, not Content-Type, because OSS stores
// x-oss-content-type if present, else the file part's own Content-Type, and
// only then the Content-Type form field
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
// Browsers always stamp the file part, so a condition on the Content-Type
// field would not bound the stored type at all. The form must carry x-oss-content-type
// with the chosen type; without it the condition fails.
func ContentTypes(types ...string) Condition {
	if len(types) == 1 {
		return Eq(fieldContentType, types[0])
	}
	return In(fieldContentType, types...)
}

// fieldContentType is the form field whose value OSS stores as the object's
// type ahead of any other (docs/PROTOCOL.md#form-fields).
const fieldContentType = "x-oss-content-type"

// SuccessActionStatus returns ["eq", "$success_action_status", "<status>"].
// OSS answers 204 without a body unless the form asks for 200 or 201
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject);
// pinning it keeps a callback's JSON reply reachable.
func SuccessActionStatus(status int) Condition {
	return Eq("success_action_status", strconv.Itoa(status))
}

// ObjectACL returns ["eq", "$x-oss-object-acl", acl].
func ObjectACL(acl string) Condition { return Eq("x-oss-object-acl", acl) }

// Meta returns ["eq", "$x-oss-meta-<name>", value]. A name that already
// starts with "x-oss-meta-" (in any case) is used as is.
func Meta(name, value string) Condition {
	const prefix = "x-oss-meta-"
	if len(name) < len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		name = prefix + name
	}
	return Eq(name, value)
}

// ForbidOverwrite returns ["eq", "$x-oss-forbid-overwrite", "true"].
func ForbidOverwrite() Condition { return Eq("x-oss-forbid-overwrite", "true") }

// SecurityToken returns {"x-oss-security-token": token}. V4 requires the
// STS token in the policy when temporary credentials sign it
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
func SecurityToken(token string) Condition { return Exact("x-oss-security-token", token) }

// Callback returns {"callback": encoded}, pinning the Base64 callback
// parameter. Without it an uploader can replace the callback: OSS checks
// the callback field only if the policy lists it
// (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
func Callback(encoded string) Condition { return Exact("callback", encoded) }

// CallbackVar returns ["eq", "$x:<name>", value], pinning one custom
// callback variable. A name that already starts with "x:" is used as is.
func CallbackVar(name, value string) Condition {
	if !strings.HasPrefix(name, "x:") {
		name = "x:" + name
	}
	return Eq(name, value)
}

// String renders the condition the way OSS quotes it in a "Policy
// Condition failed" message: a JSON array with ", " separators, e.g.
// ["starts-with", "$key", "user/eric/"]. The object form is rendered as an
// eq array too, as OSS does
// (https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000227).
func (c Condition) String() string {
	return string(c.appendString(make([]byte, 0, 32+len(c.Field)+len(c.Value))))
}

func (c Condition) appendString(b []byte) []byte {
	b = append(b, '[')
	b = appendJSONString(b, string(c.Op), false)
	switch c.Op {
	case OpContentLengthRange:
		b = append(b, ", "...)
		b = strconv.AppendInt(b, c.Min, 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, c.Max, 10)
	case OpIn, OpNotIn:
		b = append(b, ", "...)
		b = appendField(b, c.Field, false)
		b = append(b, ", ["...)
		for i, v := range c.Values {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, v, false)
		}
		b = append(b, ']')
	default:
		b = append(b, ", "...)
		b = appendField(b, c.Field, false)
		b = append(b, ", "...)
		b = appendJSONString(b, c.Value, false)
	}
	return append(b, ']')
}

// Validate reports whether p can be encoded: it has an expiration and at
// least one condition, and every condition is well formed for its Op. The
// error is a *ValidationError wrapping ErrInvalidPolicy (and, where one
// applies, a more specific sentinel such as ErrRangeReversed).
//
// Validate does not look at the clock; see ValidateAt.
func (p Policy) Validate() error {
	if err := p.validate(); err != nil {
		return err
	}
	return nil
}

// ValidateAt is Validate plus the check a signer needs: the expiration, as
// encoded (truncated to milliseconds), must be after now, or the policy
// would be refused as expired on arrival.
func (p Policy) ValidateAt(now time.Time) error {
	if err := p.validate(); err != nil {
		return err
	}
	if !p.Expiration.Truncate(time.Millisecond).After(now) {
		return invalidf(ErrInvalidPolicy, "Invalid expiration: %s is not after %s.",
			p.Expiration.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// validate returns a typed nil-able *ValidationError so hot paths avoid
// interface conversions; exported wrappers convert it to error.
func (p *Policy) validate() *ValidationError {
	if p.Expiration.IsZero() {
		return invalidf(ErrNoExpiration, "Missing expiration.")
	}
	if y := p.Expiration.UTC().Year(); y < 1 || y > 9999 {
		// The canonical text form has a four-digit year.
		return invalidf(ErrInvalidPolicy, "Invalid expiration: year %d is outside 0001-9999.", y)
	}
	if len(p.Conditions) == 0 {
		return invalidf(ErrNoConditions, "conditions must contain at least one item.")
	}
	for i := range p.Conditions {
		if err := validateCondition(i, &p.Conditions[i]); err != nil {
			return err
		}
	}
	return nil
}

// validateCondition checks one condition; i is its 0-based position.
// The emulator's decoder runs Validate on every policy it parses, so
// anything it accepts Encode accepts too, and the two report a defect with
// the same words.
func validateCondition(i int, c *Condition) *ValidationError {
	n := i + 1
	switch c.Op {
	case OpEq, OpStartsWith:
		if err := validateField(n, c); err != nil {
			return err
		}
		if c.Simple && c.Op != OpEq {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: only eq has an object form, not %q.", n, c.Op)
		}
		if len(c.Values) != 0 || c.Min != 0 || c.Max != 0 {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: %q takes a field and one value; Values/Min/Max must be empty.", n, c.Op)
		}
		if !utf8.ValidString(c.Value) {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: value is not valid UTF-8.", n)
		}
	case OpIn, OpNotIn:
		if err := validateField(n, c); err != nil {
			return err
		}
		if c.Simple || c.Value != "" || c.Min != 0 || c.Max != 0 {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: %q takes a field and a list; Value/Min/Max/Simple must be empty.", n, c.Op)
		}
		if len(c.Values) == 0 {
			return invalidf(ErrEmptyList, "Invalid condition %d: %q needs a non-empty list of values.", n, c.Op)
		}
		for _, v := range c.Values {
			if !utf8.ValidString(v) {
				return invalidf(ErrInvalidPolicy, "Invalid condition %d: value is not valid UTF-8.", n)
			}
		}
	case OpContentLengthRange:
		if c.Simple || c.Field != "" || c.Value != "" || len(c.Values) != 0 {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: %q takes only min and max; Field/Value/Values/Simple must be empty.", n, c.Op)
		}
		if c.Min < 0 || c.Max < 0 {
			return invalidf(ErrInvalidPolicy, "Invalid condition %d: content-length-range bounds must not be negative, got %d and %d.", n, c.Min, c.Max)
		}
		if c.Max < c.Min {
			return invalidf(ErrRangeReversed, "Invalid condition %d: content-length-range max %d is less than min %d.", n, c.Max, c.Min)
		}
	case opEmptyKeyPrefix:
		return invalidf(ErrInvalidPolicy, "Invalid condition %d: KeyPrefix(\"\") would allow any key; use AnyKey() to allow any key on purpose.", n)
	default:
		return invalidf(ErrUnknownOp, "Invalid condition %d: unknown operator %q.", n, c.Op)
	}
	return nil
}

func validateField(n int, c *Condition) *ValidationError {
	if c.Field == "" {
		return invalidf(ErrInvalidPolicy, "Invalid condition %d: empty field name.", n)
	}
	if !utf8.ValidString(c.Field) {
		return invalidf(ErrInvalidPolicy, "Invalid condition %d: field name is not valid UTF-8.", n)
	}
	return nil
}
