// Package policy models the OSS PostObject policy document: typed
// conditions, its canonical JSON and Base64 forms, strict decoding, and the
// evaluation of a submitted form against a policy exactly as OSS performs it
// (SPEC.md §2).
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
// The same package is used on the receiving side (the osstest emulator):
// Decode parses a "policy" form field strictly, and Check / CheckSize
// evaluate a form the way OSS does, returning *Error values that carry the
// HTTP status, OSS error code, message and EC code OSS would answer with.
package policy

import (
	"errors"
	"time"
)

// Op is the match operator of a Condition.
type Op string

// The operators OSS understands (SPEC.md §2.3).
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
// field names case-insensitively and values case-sensitively (SPEC.md §1.4,
// §2.3), and so does Check.
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
// Expiration is the instant before which the upload must happen (SPEC.md
// §2.2). It is written in UTC with millisecond precision; Encode truncates
// finer precision, so the encoded policy never outlives the requested instant.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
}

// Sentinel errors. Every error returned by Decode, Validate and the
// evaluation methods wraps exactly one of them, so callers can use errors.Is.
var (
	ErrInvalidPolicy   = errors.New("policy: invalid policy document")     // 400 InvalidPolicyDocument
	ErrExpired         = errors.New("policy: policy expired")              // 403 AccessDenied
	ErrConditionFailed = errors.New("policy: policy condition failed")     // 403 AccessDenied
	ErrEntityTooSmall  = errors.New("policy: upload smaller than allowed") // 400 EntityTooSmall
	ErrEntityTooLarge  = errors.New("policy: upload larger than allowed")  // 400 EntityTooLarge
)

// Error is the error returned by evaluation and decoding. It carries the OSS
// error code, HTTP status and message an OSS server would answer with
// (SPEC.md §4.3), so an emulator can render it unchanged.
type Error struct {
	Status    int        // HTTP status: 400 or 403
	Code      string     // OSS error code, e.g. "AccessDenied"
	Message   string     // OSS error message, e.g. `Invalid according to Policy: Policy expired.`
	EC        string     // OSS EC code where known, e.g. "0006-00000227"
	Condition *Condition // the condition that failed, if any
	Err       error      // one of the sentinel errors above
}

// Error returns the OSS code and message, prefixed with the package name.
func (e *Error) Error() string { return "policy: " + e.Code + ": " + e.Message }

// Unwrap returns the sentinel error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }
