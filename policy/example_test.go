package policy_test

import (
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

// KeyPrefix("") would silently allow every key, so it cannot be encoded;
// AnyKey says so on purpose.
func ExampleKeyPrefix() {
	exp := time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC)
	_, err := policy.New(exp, policy.KeyPrefix("")).Encode()
	fmt.Println(err)
	_, err = policy.New(exp, policy.AnyKey()).Encode()
	fmt.Println(err)
	// Output:
	// policy: Invalid condition 1: KeyPrefix("") would allow any key; use AnyKey() to allow any key on purpose.
	// <nil>
}
