package postpolicy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// TestInvalidPolicy checks the answer OSS gives for each defect package
// policy's Validate reports: 400 InvalidPolicyDocument, the reason after
// "Invalid Policy: ", and the EC code of the defect. Parse relies on it for
// the defects only Validate detects (an empty in-list, a reversed range, an
// empty field name), and Check for hand-built policies.
func TestInvalidPolicy(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := policy.AnyKey()
	tests := []struct {
		name    string
		p       policy.Policy
		wantMsg string
		wantEC  string
	}{
		{"zero expiration", policy.New(time.Time{}, ok), "Missing expiration.", "0006-00000208"},
		{"year 10000", policy.New(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), ok), "outside 0001-9999", ""},
		{"no conditions", policy.New(exp), "conditions must contain at least one item.", "0006-00000215"},
		{"empty conditions slice", policy.Policy{Expiration: exp, Conditions: []policy.Condition{}}, "conditions must contain at least one item.", "0006-00000215"},
		{"KeyPrefix empty", policy.New(exp, ok, policy.KeyPrefix("")), `condition 2: KeyPrefix("") would allow any key; use AnyKey()`, ""},
		{"min > max", policy.New(exp, policy.ContentLengthRange(10, 9)), "max 9 is less than min 10", "0006-00000219"},
		{"negative min", policy.New(exp, policy.ContentLengthRange(-1, 9)), "must not be negative", ""},
		{"empty field eq", policy.New(exp, policy.Eq("", "v")), "condition 1: empty field name", ""},
		{"empty in list", policy.New(exp, policy.In("content-type")), `"in" needs a non-empty list`, "0006-00000224"},
		{"empty not-in list", policy.New(exp, policy.NotIn("content-type")), `"not-in" needs a non-empty list`, "0006-00000224"},
		{"ContentTypes none", policy.New(exp, policy.ContentTypes()), "non-empty list", "0006-00000224"},
		{"unknown op", policy.New(exp, policy.Condition{Op: "EQ", Field: "a"}), `unknown operator "EQ"`, "0006-00000216"},
		{"zero condition", policy.New(exp, policy.Condition{}), `unknown operator ""`, "0006-00000216"},
		{"invalid UTF-8 value", policy.New(exp, policy.Eq("a", "\xff")), "value is not valid UTF-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := tt.p.Validate()
			if verr == nil {
				t.Fatal("Validate = nil, want an error")
			}
			e := invalidPolicy(verr)
			if e.Status != 400 || e.Code != "InvalidPolicyDocument" {
				t.Errorf("status/code = %d %s, want 400 InvalidPolicyDocument", e.Status, e.Code)
			}
			if !strings.HasPrefix(e.Message, "Invalid Policy: ") || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q, want \"Invalid Policy: \" and %q", e.Message, tt.wantMsg)
			}
			if e.EC != tt.wantEC {
				t.Errorf("EC = %q, want %q", e.EC, tt.wantEC)
			}
			// The OSS answer still matches the policy sentinels.
			if !errors.Is(e, policy.ErrInvalidPolicy) || !errors.Is(e, errors.Unwrap(verr)) {
				t.Errorf("errors.Is(%v, %v) = false", e, errors.Unwrap(verr))
			}
		})
	}
	// Anything but a *policy.ValidationError is still an InvalidPolicyDocument.
	if e := invalidPolicy(errors.New("x")); e.Code != "InvalidPolicyDocument" || e.Message != "Invalid Policy: x" || !errors.Is(e, policy.ErrInvalidPolicy) {
		t.Errorf("invalidPolicy(plain error) = %+v", e)
	}
}
