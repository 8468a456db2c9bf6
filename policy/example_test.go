package policy_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// The usual upload rule, built as one expression and encoded for the
// "policy" form field. A signer signs exactly this Base64 text.
func Example() {
	expires := time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)
	p := policy.New(expires,
		policy.Bucket("examplebucket"),
		policy.KeyPrefix("user/42/"),
		policy.ContentLengthRange(1, 10<<20),
		policy.ContentTypes("image/png", "image/jpeg"),
		policy.SuccessActionStatus(200),
	)
	doc, err := p.MarshalJSON()
	if err != nil {
		fmt.Println(err)
		return
	}
	encoded, err := p.Encode()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(doc))
	fmt.Println(encoded)
	// Output:
	// {"expiration":"2024-12-03T13:00:00.000Z","conditions":[{"bucket":"examplebucket"},["starts-with","$key","user/42/"],["content-length-range",1,10485760],["in","$x-oss-content-type",["image/png","image/jpeg"]],["eq","$success_action_status","200"]]}
	// eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci80Mi8iXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbImluIiwiJHgtb3NzLWNvbnRlbnQtdHlwZSIsWyJpbWFnZS9wbmciLCJpbWFnZS9qcGVnIl1dLFsiZXEiLCIkc3VjY2Vzc19hY3Rpb25fc3RhdHVzIiwiMjAwIl1dfQ==
}

// The receiving side, as an OSS emulator does it: decode the "policy"
// field, check the form fields (raw, before ${filename} is expanded), then
// the file size once it is known.
func ExamplePolicy_Check() {
	// The V1 policy of SPEC.md §3.4.
	p, err := policy.Decode("eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0=")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)

	fmt.Println(p.Check(now, "examplebucket", map[string]string{"key": "user/eric/${filename}"}))
	fmt.Println(p.CheckSize(6))

	err = p.Check(now, "examplebucket", map[string]string{"key": "user/mallory/x"})
	var pe *policy.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Status, pe.Code, pe.EC)
		fmt.Println(pe.Message)
	}
	fmt.Println(errors.Is(p.CheckSize(20<<20), policy.ErrEntityTooLarge))
	fmt.Println(p.Check(now.Add(time.Hour), "examplebucket", nil))
	// Output:
	// <nil>
	// <nil>
	// 403 AccessDenied 0006-00000227
	// Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]
	// true
	// policy: AccessDenied: Invalid according to Policy: Policy expired.
}

// KeyPrefix("") would silently allow every key, so it cannot be encoded;
// AnyKey says so on purpose.
func ExampleKeyPrefix() {
	exp := time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)
	_, err := policy.New(exp, policy.KeyPrefix("")).Encode()
	fmt.Println(err)
	_, err = policy.New(exp, policy.AnyKey()).Encode()
	fmt.Println(err)
	// Output:
	// policy: InvalidPolicyDocument: Invalid Policy: Invalid condition 1: KeyPrefix("") would allow any key; use AnyKey() to allow any key on purpose.
	// <nil>
}

func ExampleDecode() {
	_, err := policy.Decode("eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMFoiLCJjb25kaXRpb25zIjpbeyJidWNrZXQiOiJiIiwia2V5IjoiayJ9XX0=")
	fmt.Println(err)
	fmt.Println(errors.Is(err, policy.ErrInvalidPolicy))
	// Output:
	// policy: InvalidPolicyDocument: Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.
	// true
}
