// Package postpolicy is OSS's side of a PostObject policy, for the
// emulator: it decodes the "policy" form field strictly (Decode, Parse),
// evaluates a submitted form against it (Check, CheckSize, SizeRange), and
// reports every failure as the *Error OSS would answer with: HTTP status,
// OSS error code, message and EC code.
//
// It works on the policy.Policy and policy.Condition types that backends
// build with package policy; a backend never needs this package.
package postpolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ossdirect/ossdirect/policy"
)

// Sentinel errors for evaluation failures. A document that cannot be
// decoded, or a hand-built policy that is not valid, gives an *Error
// wrapping policy.ErrInvalidPolicy (and the more specific policy sentinel
// where one applies). Every error this package returns is an *Error.
var (
	ErrExpired         = errors.New("postpolicy: policy expired")              // 403 AccessDenied
	ErrConditionFailed = errors.New("postpolicy: policy condition failed")     // 403 AccessDenied
	ErrEntityTooSmall  = errors.New("postpolicy: upload smaller than allowed") // 400 EntityTooSmall
	ErrEntityTooLarge  = errors.New("postpolicy: upload larger than allowed")  // 400 EntityTooLarge
)

// Error is the error returned by decoding and evaluation. It carries the
// HTTP status, OSS error code, message and EC code an OSS server answers
// with, so an emulator can render it unchanged.
type Error struct {
	Status    int               // HTTP status: 400 or 403
	Code      string            // OSS error code, e.g. "AccessDenied"
	Message   string            // OSS error message, e.g. `Invalid according to Policy: Policy expired.`
	EC        string            // OSS EC code where known, e.g. "0006-00000227"
	Condition *policy.Condition // the condition that failed, if any
	Err       error             // a sentinel: one of the above or a policy sentinel
}

// Error returns the OSS code and message, prefixed with the package name.
func (e *Error) Error() string { return "postpolicy: " + e.Code + ": " + e.Message }

// Unwrap returns the sentinel error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// OSS answers a malformed policy document with 400 InvalidPolicyDocument
// and a message that starts with "Invalid Policy: ".
const (
	codeInvalidPolicy = "InvalidPolicyDocument"
	msgInvalidPolicy  = "Invalid Policy: "
)

// invalidf returns a 400 InvalidPolicyDocument error wrapping
// policy.ErrInvalidPolicy.
func invalidf(ec, format string, args ...any) *Error {
	return &Error{
		Status:  400,
		Code:    codeInvalidPolicy,
		Message: msgInvalidPolicy + fmt.Sprintf(format, args...),
		EC:      ec,
		Err:     policy.ErrInvalidPolicy,
	}
}

// validationEC maps the defects package policy tells apart to the EC codes
// of OSS's answers for them.
var validationEC = []struct {
	err error
	ec  string
}{
	{policy.ErrNoExpiration, "0006-00000208"},
	{policy.ErrNoConditions, "0006-00000215"},
	{policy.ErrUnknownOp, "0006-00000216"},
	{policy.ErrRangeReversed, "0006-00000219"},
	{policy.ErrEmptyList, "0006-00000224"},
}

// invalidPolicy turns an error from policy.Policy.Validate into OSS's
// 400 InvalidPolicyDocument answer, with the validation's reason as the
// message and the EC code of its defect.
func invalidPolicy(err error) *Error {
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		return invalidf("", "%v", err)
	}
	e := &Error{Status: 400, Code: codeInvalidPolicy, Message: msgInvalidPolicy + ve.Reason, Err: ve.Err}
	for _, m := range validationEC {
		if errors.Is(ve.Err, m.err) {
			e.EC = m.ec
			break
		}
	}
	return e
}

// fieldName drops one leading "$": OSS accepts a condition's field name
// with or without it, as package policy's constructors do.
func fieldName(field string) string {
	return strings.TrimPrefix(field, "$")
}

// quote renders s for a message as a JSON string, without HTML escaping,
// the way package policy renders a condition for OSS's messages.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}
