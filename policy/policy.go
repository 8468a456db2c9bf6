// Package policy builds the policy document of an OSS PostObject upload:
// the rules a browser's form must satisfy (expiration, bucket, key, size,
// content type, callback) as typed conditions, written as the canonical
// JSON and Base64 text that a signer signs and puts in the "policy" form
// field.
//
// A policy is built with New and the condition constructors, so that the
// usual upload rule reads as one expression:
//
//	p := policy.New(time.Now().Add(10*time.Minute),
//		policy.Bucket("examplebucket"),
//		policy.KeyPrefix("user/42/"),
//		policy.ContentLengthRange(1, 10<<20),
//		policy.ContentTypes("image/png", "image/jpeg"),
//		policy.SuccessActionStatus(200))
//	encoded, err := p.Encode() // the value of the "policy" form field
//
// Validate (and Encode, which calls it) refuses a policy OSS would refuse
// or that is almost certainly a mistake, with a *ValidationError that
// wraps ErrInvalidPolicy. How OSS evaluates a submitted form against a
// policy is the emulator's business (package osstest), not this package's.
package policy

import (
	"errors"
	"fmt"
	"time"
)

// Op is the match operator of a Condition.
type Op string

// The operators OSS understands
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
const (
	OpEq                 Op = "eq"
	OpStartsWith         Op = "starts-with"
	OpIn                 Op = "in"
	OpNotIn              Op = "not-in"
	OpContentLengthRange Op = "content-length-range"
)

// Condition is one entry of a policy's "conditions" list.
//
// Field is the form field name without the leading "$" (for example "key",
// "x-oss-meta-owner", "bucket"). It is kept as written, but OSS compares
// field names case-insensitively and values case-sensitively
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
//
// Which members are used depends on Op; Validate rejects a condition that
// sets a member its Op does not use, so a typo cannot silently widen a policy:
//
//	eq, starts-with:       Field, Value (and Simple for eq)
//	in, not-in:            Field, Values (at least one)
//	content-length-range:  Min, Max (0 <= Min <= Max)
type Condition struct {
	Op     Op
	Field  string   // eq, starts-with, in, not-in
	Value  string   // eq, starts-with
	Values []string // in, not-in
	Min    int64    // content-length-range, inclusive
	Max    int64    // content-length-range, inclusive

	// Simple marks an eq condition written in the object form
	// {"field":"value"} rather than ["eq","$field","value"]. Both forms mean
	// the same to OSS; V4 examples use the object form for the x-oss-* fields.
	Simple bool
}

// Policy is a POST policy document: an expiration and a list of conditions.
//
// Expiration is the instant before which the upload must happen
// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
// It is written in UTC with millisecond precision; Encode truncates finer
// precision, so the encoded policy never outlives the requested instant.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
}

// ErrInvalidPolicy is wrapped by every error Validate, ValidateAt,
// MarshalJSON and Encode return: the policy cannot be encoded as it is.
var ErrInvalidPolicy = errors.New("policy: invalid policy document")

// Defects OSS tells apart (each has its own EC code in OSS's error
// answers). Each also matches ErrInvalidPolicy with errors.Is.
var (
	ErrNoExpiration  = fmt.Errorf("%w: no expiration", ErrInvalidPolicy)                      // Expiration is the zero time
	ErrNoConditions  = fmt.Errorf("%w: no conditions", ErrInvalidPolicy)                      // Conditions is empty
	ErrUnknownOp     = fmt.Errorf("%w: unknown operator", ErrInvalidPolicy)                   // a Condition's Op is not one of the Op constants
	ErrEmptyList     = fmt.Errorf("%w: in or not-in without values", ErrInvalidPolicy)        // an in or not-in Condition has no Values
	ErrRangeReversed = fmt.Errorf("%w: content-length-range max below min", ErrInvalidPolicy) // a content-length-range has Max < Min
)

// ValidationError says why a policy cannot be encoded. Validate,
// ValidateAt, MarshalJSON and Encode return it.
type ValidationError struct {
	// Reason names the defect, and the condition by its 1-based position,
	// e.g. "Invalid condition 2: content-length-range max 9 is less than
	// min 10." It is worded like the message of OSS's InvalidPolicyDocument
	// answer, which carries it after "Invalid Policy: ".
	Reason string

	// Err is the most specific sentinel that applies: one of ErrNoExpiration,
	// ErrNoConditions, ErrUnknownOp, ErrEmptyList, ErrRangeReversed, or
	// else ErrInvalidPolicy.
	Err error
}

// Error returns the reason, prefixed with the package name.
func (e *ValidationError) Error() string { return "policy: " + e.Reason }

// Unwrap returns the sentinel error, for errors.Is.
func (e *ValidationError) Unwrap() error { return e.Err }

// invalidf returns a *ValidationError wrapping err (ErrInvalidPolicy or a
// more specific sentinel).
func invalidf(err error, format string, args ...any) *ValidationError {
	return &ValidationError{Reason: fmt.Sprintf(format, args...), Err: err}
}
