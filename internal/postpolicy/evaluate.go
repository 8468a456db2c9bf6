package postpolicy

import (
	"strings"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// OSS error codes, statuses and messages for evaluation failures
// (docs/PROTOCOL.md#policy-conditions, docs/PROTOCOL.md#policy-document).
const (
	msgExpired         = "Invalid according to Policy: Policy expired."
	msgConditionFailed = "Invalid according to Policy: Policy Condition failed: "
	msgTooSmall        = "Your proposed upload smaller than the minimum allowed size."
	msgTooLarge        = "Your proposed upload exceeds the maximum allowed size."

	ecFieldAbsent   = "0006-00000226"
	ecConditionFail = "0006-00000227"
	ecTooSmall      = "0006-00000004"
	ecTooLarge      = "0006-00000003"
)

// Check evaluates the policy against a submitted form the way OSS does
// before it accepts the file (docs/PROTOCOL.md#check-order):
//
//  1. The upload must happen before the expiration: now must be strictly
//     before it, otherwise 403 AccessDenied "Invalid according to Policy:
//     Policy expired." wrapping ErrExpired.
//  2. Every condition except content-length-range (see CheckSize) is
//     checked in order; the first failure is returned as 403 AccessDenied
//     "Invalid according to Policy: Policy Condition failed: <condition>"
//     wrapping ErrConditionFailed, with Condition set and EC 0006-00000227
//     (mismatch) or 0006-00000226 (field absent from the form).
//
// fields holds the form fields with their raw values, before ${filename}
// is expanded: OSS evaluates the policy first, so a key of
// "user/eric/${filename}" satisfies starts-with "user/eric/"
// (docs/PROTOCOL.md#object-key). Field names are matched
// case-insensitively; if the form carries the same name in several
// spellings, the condition must hold for every one of them, so the
// ambiguity cannot be used to slip a value past the policy. Fields the
// policy does not mention are accepted (OSS, unlike Amazon S3:
// docs/PROTOCOL.md#unlisted-fields). A "bucket" condition is matched
// against the bucket argument, the bucket the request was addressed to,
// not a form field (docs/PROTOCOL.md#policy-conditions).
//
// Check never allocates unless it returns an error.
func Check(p *policy.Policy, now time.Time, bucket string, fields map[string]string) error {
	if p == nil {
		return invalidf("", "no policy.")
	}
	if !now.Before(p.Expiration) {
		return &Error{Status: 403, Code: "AccessDenied", Message: msgExpired, Err: ErrExpired}
	}
	for i := range p.Conditions {
		c := &p.Conditions[i]
		if c.Op == policy.OpContentLengthRange {
			continue
		}
		if !knownFieldOp(c.Op) {
			// A hand-built policy that skipped Validate: fail closed.
			if err := p.Validate(); err != nil {
				return invalidPolicy(err)
			}
			return invalidf("0006-00000216", "Invalid condition %d: unknown operator %s.", i+1, quote(string(c.Op)))
		}
		if strings.EqualFold(c.Field, "bucket") {
			if !matches(c, bucket) {
				return conditionFailed(c, ecConditionFail)
			}
			continue
		}
		present := false
		for name, value := range fields {
			if !strings.EqualFold(name, c.Field) {
				continue
			}
			present = true
			if !matches(c, value) {
				return conditionFailed(c, ecConditionFail)
			}
		}
		if !present {
			return conditionFailed(c, ecFieldAbsent)
		}
	}
	return nil
}

func knownFieldOp(op policy.Op) bool {
	switch op {
	case policy.OpEq, policy.OpStartsWith, policy.OpIn, policy.OpNotIn:
		return true
	}
	return false
}

// matches reports whether a field value satisfies c. Values are compared
// case-sensitively (docs/PROTOCOL.md#form-upload).
func matches(c *policy.Condition, value string) bool {
	switch c.Op {
	case policy.OpEq:
		return value == c.Value
	case policy.OpStartsWith:
		return strings.HasPrefix(value, c.Value)
	case policy.OpIn:
		for _, v := range c.Values {
			if value == v {
				return true
			}
		}
		return false
	case policy.OpNotIn:
		for _, v := range c.Values {
			if value == v {
				return false
			}
		}
		return true
	}
	return false
}

func conditionFailed(c *policy.Condition, ec string) *Error {
	cc := *c
	return &Error{
		Status:    403,
		Code:      "AccessDenied",
		Message:   msgConditionFailed + c.String(),
		EC:        ec,
		Condition: &cc,
		Err:       ErrConditionFailed,
	}
}

// CheckSize checks the size in bytes of the uploaded file (not of the whole
// request body) against every content-length-range condition, in order;
// bounds are inclusive and all ranges must hold. A failure is 400
// EntityTooSmall (EC 0006-00000004) wrapping ErrEntityTooSmall or 400
// EntityTooLarge (EC 0006-00000003) wrapping ErrEntityTooLarge, with OSS's
// messages (docs/PROTOCOL.md#policy-conditions) and Condition set. A policy without a range
// accepts any size; OSS's own 5 GB limit is not a policy matter.
func CheckSize(p *policy.Policy, size int64) error {
	if p == nil {
		return invalidf("", "no policy.")
	}
	for i := range p.Conditions {
		c := &p.Conditions[i]
		if c.Op != policy.OpContentLengthRange {
			continue
		}
		if size < c.Min {
			cc := *c
			return &Error{Status: 400, Code: "EntityTooSmall", Message: msgTooSmall, EC: ecTooSmall, Condition: &cc, Err: ErrEntityTooSmall}
		}
		if size > c.Max {
			cc := *c
			return &Error{Status: 400, Code: "EntityTooLarge", Message: msgTooLarge, EC: ecTooLarge, Condition: &cc, Err: ErrEntityTooLarge}
		}
	}
	return nil
}

// SizeRange returns the tightest size range allowed by all
// content-length-range conditions together: the largest min and the
// smallest max. ok is false when the policy has no such condition. When
// the ranges do not overlap, min > max and no size passes CheckSize; an
// emulator can use that to refuse early, a browser page to check a file
// before uploading it.
func SizeRange(p *policy.Policy) (min, max int64, ok bool) {
	if p == nil {
		return 0, 0, false
	}
	for i := range p.Conditions {
		c := &p.Conditions[i]
		if c.Op != policy.OpContentLengthRange {
			continue
		}
		if !ok {
			min, max, ok = c.Min, c.Max, true
			continue
		}
		if c.Min > min {
			min = c.Min
		}
		if c.Max < max {
			max = c.Max
		}
	}
	return min, max, ok
}
