package postpolicy_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// The receiving side, as an OSS emulator does it: decode the "policy"
// field, check the form fields (raw, before ${filename} is expanded), then
// the file size once it is known.
func ExampleCheck() {
	// The V1 policy of docs/PROTOCOL.md#worked-example.
	p, err := postpolicy.Decode("eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsiY29udGVudC1sZW5ndGgtcmFuZ2UiLDEsMTA0ODU3NjBdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci9lcmljLyJdXX0=")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)

	fmt.Println(postpolicy.Check(p, now, "examplebucket", map[string]string{"key": "user/eric/${filename}"}))
	fmt.Println(postpolicy.CheckSize(p, 6))

	err = postpolicy.Check(p, now, "examplebucket", map[string]string{"key": "user/mallory/x"})
	var pe *postpolicy.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Status, pe.Code, pe.EC)
		fmt.Println(pe.Message)
	}
	fmt.Println(errors.Is(postpolicy.CheckSize(p, 20<<20), postpolicy.ErrEntityTooLarge))
	fmt.Println(postpolicy.Check(p, now.Add(time.Hour), "examplebucket", nil))
	// Output:
	// <nil>
	// <nil>
	// 403 AccessDenied 0006-00000227
	// Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]
	// true
	// postpolicy: AccessDenied: Invalid according to Policy: Policy expired.
}

func ExampleDecode() {
	_, err := postpolicy.Decode("eyJleHBpcmF0aW9uIjoiMjAyNC0xMi0wM1QxMzowMDowMFoiLCJjb25kaXRpb25zIjpbeyJidWNrZXQiOiJiIiwia2V5IjoiayJ9XX0=")
	fmt.Println(err)
	fmt.Println(errors.Is(err, policy.ErrInvalidPolicy))
	// Output:
	// postpolicy: InvalidPolicyDocument: Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.
	// true
}
