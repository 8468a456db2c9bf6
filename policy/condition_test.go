package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/policy"
)

var exp = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// conditionJSON returns the JSON of one condition as MarshalJSON writes it.
func conditionJSON(t *testing.T, c policy.Condition) string {
	t.Helper()
	b, err := policy.New(exp, c).MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON(%#v): %v", c, err)
	}
	s := strings.TrimPrefix(string(b), `{"expiration":"2030-01-02T03:04:05.000Z","conditions":[`)
	return strings.TrimSuffix(s, `]}`)
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name     string
		got      policy.Condition
		want     policy.Condition
		wantJSON string
		wantStr  string
	}{
		{"Eq", policy.Eq("x-oss-meta-a", "v"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-meta-a", Value: "v"},
			`["eq","$x-oss-meta-a","v"]`, `["eq", "$x-oss-meta-a", "v"]`},
		{"Eq with $", policy.Eq("$key", "a/b"),
			policy.Condition{Op: policy.OpEq, Field: "key", Value: "a/b"},
			`["eq","$key","a/b"]`, `["eq", "$key", "a/b"]`},
		{"Eq keeps case", policy.Eq("Content-Type", "text/plain"),
			policy.Condition{Op: policy.OpEq, Field: "Content-Type", Value: "text/plain"},
			`["eq","$Content-Type","text/plain"]`, `["eq", "$Content-Type", "text/plain"]`},
		{"Exact", policy.Exact("x-oss-date", "20241203T121212Z"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-date", Value: "20241203T121212Z", Simple: true},
			`{"x-oss-date":"20241203T121212Z"}`, `["eq", "$x-oss-date", "20241203T121212Z"]`},
		{"StartsWith", policy.StartsWith("Cache-Control", "max-age"),
			policy.Condition{Op: policy.OpStartsWith, Field: "Cache-Control", Value: "max-age"},
			`["starts-with","$Cache-Control","max-age"]`, `["starts-with", "$Cache-Control", "max-age"]`},
		{"In", policy.In("content-type", "image/png", "image/jpeg"),
			policy.Condition{Op: policy.OpIn, Field: "content-type", Values: []string{"image/png", "image/jpeg"}},
			`["in","$content-type",["image/png","image/jpeg"]]`, `["in", "$content-type", ["image/png", "image/jpeg"]]`},
		{"NotIn", policy.NotIn("x-oss-object-acl", "public-read-write"),
			policy.Condition{Op: policy.OpNotIn, Field: "x-oss-object-acl", Values: []string{"public-read-write"}},
			`["not-in","$x-oss-object-acl",["public-read-write"]]`, `["not-in", "$x-oss-object-acl", ["public-read-write"]]`},
		{"ContentLengthRange", policy.ContentLengthRange(0, 104857600),
			policy.Condition{Op: policy.OpContentLengthRange, Min: 0, Max: 104857600},
			`["content-length-range",0,104857600]`, `["content-length-range", 0, 104857600]`},
		{"Bucket", policy.Bucket("mingdi-bjx"),
			policy.Condition{Op: policy.OpEq, Field: "bucket", Value: "mingdi-bjx", Simple: true},
			// OSS quotes a bucket condition in exactly this rendering
			// (docs/PROTOCOL.md#policy-conditions).
			`{"bucket":"mingdi-bjx"}`, `["eq", "$bucket", "mingdi-bjx"]`},
		{"Key", policy.Key("user/42/a.png"),
			policy.Condition{Op: policy.OpEq, Field: "key", Value: "user/42/a.png"},
			`["eq","$key","user/42/a.png"]`, `["eq", "$key", "user/42/a.png"]`},
		{"KeyPrefix", policy.KeyPrefix("user/eric/"),
			policy.Condition{Op: policy.OpStartsWith, Field: "key", Value: "user/eric/"},
			`["starts-with","$key","user/eric/"]`, `["starts-with", "$key", "user/eric/"]`},
		{"AnyKey", policy.AnyKey(),
			policy.Condition{Op: policy.OpStartsWith, Field: "key", Value: ""},
			`["starts-with","$key",""]`, `["starts-with", "$key", ""]`},
		// x-oss-content-type, not Content-Type: the stored type is
		// x-oss-content-type > the file part's type > the Content-Type
		// field (docs/PROTOCOL.md#form-fields), and browsers always stamp the file part.
		{"ContentTypes one", policy.ContentTypes("image/png"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-content-type", Value: "image/png"},
			`["eq","$x-oss-content-type","image/png"]`, `["eq", "$x-oss-content-type", "image/png"]`},
		{"ContentTypes many", policy.ContentTypes("image/png", "image/jpeg"),
			policy.Condition{Op: policy.OpIn, Field: "x-oss-content-type", Values: []string{"image/png", "image/jpeg"}},
			`["in","$x-oss-content-type",["image/png","image/jpeg"]]`, `["in", "$x-oss-content-type", ["image/png", "image/jpeg"]]`},
		{"SuccessActionStatus", policy.SuccessActionStatus(200),
			policy.Condition{Op: policy.OpEq, Field: "success_action_status", Value: "200"},
			// https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000227 quotes this rendering.
			`["eq","$success_action_status","200"]`, `["eq", "$success_action_status", "200"]`},
		{"ObjectACL", policy.ObjectACL("private"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-object-acl", Value: "private"},
			`["eq","$x-oss-object-acl","private"]`, `["eq", "$x-oss-object-acl", "private"]`},
		{"Meta", policy.Meta("uid", "42"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-meta-uid", Value: "42"},
			`["eq","$x-oss-meta-uid","42"]`, `["eq", "$x-oss-meta-uid", "42"]`},
		{"Meta prefixed", policy.Meta("X-OSS-Meta-uid", "42"),
			policy.Condition{Op: policy.OpEq, Field: "X-OSS-Meta-uid", Value: "42"},
			`["eq","$X-OSS-Meta-uid","42"]`, `["eq", "$X-OSS-Meta-uid", "42"]`},
		{"ForbidOverwrite", policy.ForbidOverwrite(),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-forbid-overwrite", Value: "true"},
			`["eq","$x-oss-forbid-overwrite","true"]`, `["eq", "$x-oss-forbid-overwrite", "true"]`},
		{"SecurityToken", policy.SecurityToken("CAIS+tok/="),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-security-token", Value: "CAIS+tok/=", Simple: true},
			`{"x-oss-security-token":"CAIS+tok/="}`, `["eq", "$x-oss-security-token", "CAIS+tok/="]`},
		{"Callback", policy.Callback("eyJjYWxsYmFja1VybCI6Imh0dHBzOi8vYS5iIn0="),
			policy.Condition{Op: policy.OpEq, Field: "callback", Value: "eyJjYWxsYmFja1VybCI6Imh0dHBzOi8vYS5iIn0=", Simple: true},
			`{"callback":"eyJjYWxsYmFja1VybCI6Imh0dHBzOi8vYS5iIn0="}`, `["eq", "$callback", "eyJjYWxsYmFja1VybCI6Imh0dHBzOi8vYS5iIn0="]`},
		{"CallbackVar", policy.CallbackVar("uid", "42"),
			policy.Condition{Op: policy.OpEq, Field: "x:uid", Value: "42"},
			`["eq","$x:uid","42"]`, `["eq", "$x:uid", "42"]`},
		{"CallbackVar prefixed", policy.CallbackVar("x:uid", "42"),
			policy.Condition{Op: policy.OpEq, Field: "x:uid", Value: "42"},
			`["eq","$x:uid","42"]`, `["eq", "$x:uid", "42"]`},
		{"escaping", policy.Eq("x-oss-meta-q", "a\"b\\c<d>&\n\u2028é"),
			policy.Condition{Op: policy.OpEq, Field: "x-oss-meta-q", Value: "a\"b\\c<d>&\n\u2028é"},
			// MarshalJSON escapes like encoding/json (HTML-safe), String
			// like an OSS message (no HTML escaping).
			`["eq","$x-oss-meta-q","a\"b\\c\u003cd\u003e\u0026\n\u2028é"]`, `["eq", "$x-oss-meta-q", "a\"b\\c<d>&\n\u2028é"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("condition mismatch (-want +got):\n%s", diff)
			}
			if got := conditionJSON(t, tt.got); got != tt.wantJSON {
				t.Errorf("JSON:\n got %s\nwant %s", got, tt.wantJSON)
			}
			if got := tt.got.String(); got != tt.wantStr {
				t.Errorf("String:\n got %s\nwant %s", got, tt.wantStr)
			}
		})
	}
}

func TestNewReadable(t *testing.T) {
	p := policy.New(exp,
		policy.Bucket("b"),
		policy.KeyPrefix("user/42/"),
		policy.ContentLengthRange(1, 10<<20),
		policy.ContentTypes("image/png", "image/jpeg"),
		policy.SuccessActionStatus(200),
	)
	got, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"expiration":"2030-01-02T03:04:05.000Z","conditions":[{"bucket":"b"},["starts-with","$key","user/42/"],["content-length-range",1,10485760],["in","$x-oss-content-type",["image/png","image/jpeg"]],["eq","$success_action_status","200"]]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestExpirationFormatting(t *testing.T) {
	tests := []struct {
		name string
		exp  time.Time
		want string
	}{
		{"UTC", time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC), "2024-12-03T13:00:00.000Z"},
		{"zone converted to UTC", time.Date(2024, 12, 3, 21, 0, 0, 0, time.FixedZone("CST", 8*3600)), "2024-12-03T13:00:00.000Z"},
		{"milliseconds kept", time.Date(2024, 12, 3, 13, 0, 0, 123e6, time.UTC), "2024-12-03T13:00:00.123Z"},
		// Truncated, never rounded up: the policy must not outlive the
		// requested instant.
		{"sub-millisecond truncated", time.Date(2024, 12, 3, 13, 0, 0, 999999999, time.UTC), "2024-12-03T13:00:00.999Z"},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC), "0001-01-01T00:00:00.001Z"},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "9999-12-31T23:59:59.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := policy.New(tt.exp, policy.AnyKey()).MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			want := `{"expiration":"` + tt.want + `","conditions":[["starts-with","$key",""]]}`
			if string(b) != want {
				t.Errorf("got  %s\nwant %s", b, want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := policy.AnyKey()
	tests := []struct {
		name    string
		p       policy.Policy
		wantMsg string // substring of ValidationError.Reason; "" means valid
		wantErr error  // the specific sentinel, besides ErrInvalidPolicy; nil if none
	}{
		{"valid", policy.New(exp, ok), "", nil},
		{"valid min 0", policy.New(exp, policy.ContentLengthRange(0, 0)), "", nil},
		{"valid starts-with key empty by hand", policy.New(exp, policy.Condition{Op: policy.OpStartsWith, Field: "key"}), "", nil},
		{"zero expiration", policy.New(time.Time{}, ok), "Missing expiration.", policy.ErrNoExpiration},
		{"year 10000", policy.New(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), ok), "outside 0001-9999", nil},
		{"year 0 after UTC conversion", policy.New(time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), ok), "outside 0001-9999", nil},
		{"no conditions", policy.New(exp), "conditions must contain at least one item.", policy.ErrNoConditions},
		{"empty conditions slice", policy.Policy{Expiration: exp, Conditions: []policy.Condition{}}, "conditions must contain at least one item.", policy.ErrNoConditions},
		{"KeyPrefix empty", policy.New(exp, ok, policy.KeyPrefix("")), `condition 2: KeyPrefix("") would allow any key; use AnyKey()`, nil},
		{"min > max", policy.New(exp, policy.ContentLengthRange(10, 9)), "max 9 is less than min 10", policy.ErrRangeReversed},
		{"negative min", policy.New(exp, policy.ContentLengthRange(-1, 9)), "must not be negative", nil},
		{"negative max", policy.New(exp, policy.ContentLengthRange(0, -1)), "must not be negative", nil},
		{"empty field eq", policy.New(exp, policy.Eq("", "v")), "condition 1: empty field name", nil},
		{"only $ field", policy.New(exp, policy.Eq("$", "v")), "empty field name", nil},
		{"empty field exact", policy.New(exp, policy.Exact("", "v")), "empty field name", nil},
		{"empty field in", policy.New(exp, policy.In("", "v")), "empty field name", nil},
		{"empty in list", policy.New(exp, policy.In("content-type")), `"in" needs a non-empty list`, policy.ErrEmptyList},
		{"empty not-in list", policy.New(exp, policy.NotIn("content-type")), `"not-in" needs a non-empty list`, policy.ErrEmptyList},
		{"ContentTypes none", policy.New(exp, policy.ContentTypes()), "non-empty list", policy.ErrEmptyList},
		{"unknown op", policy.New(exp, policy.Condition{Op: "EQ", Field: "a"}), `unknown operator "EQ"`, policy.ErrUnknownOp},
		{"zero condition", policy.New(exp, policy.Condition{}), `unknown operator ""`, policy.ErrUnknownOp},
		{"simple starts-with", policy.New(exp, policy.Condition{Op: policy.OpStartsWith, Field: "a", Simple: true}), "only eq has an object form", nil},
		{"eq with values", policy.New(exp, policy.Condition{Op: policy.OpEq, Field: "a", Values: []string{"x"}}), "Values/Min/Max must be empty", nil},
		{"eq with max", policy.New(exp, policy.Condition{Op: policy.OpEq, Field: "a", Max: 1}), "Values/Min/Max must be empty", nil},
		{"in with value", policy.New(exp, policy.Condition{Op: policy.OpIn, Field: "a", Value: "x", Values: []string{"x"}}), "Value/Min/Max/Simple must be empty", nil},
		{"range with field", policy.New(exp, policy.Condition{Op: policy.OpContentLengthRange, Field: "a", Max: 1}), "Field/Value/Values/Simple must be empty", nil},
		{"invalid UTF-8 value", policy.New(exp, policy.Eq("a", "\xff")), "value is not valid UTF-8", nil},
		{"invalid UTF-8 in value", policy.New(exp, policy.In("a", "ok", "\xc3")), "value is not valid UTF-8", nil},
		{"invalid UTF-8 field", policy.New(exp, policy.Eq("\xff", "v")), "field name is not valid UTF-8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			_, encErr := tt.p.Encode()
			_, marshalErr := tt.p.MarshalJSON()
			if tt.wantMsg == "" {
				if err != nil || encErr != nil || marshalErr != nil {
					t.Fatalf("Validate = %v, Encode err = %v, MarshalJSON err = %v; want nil", err, encErr, marshalErr)
				}
				return
			}
			checkInvalid(t, err, tt.wantMsg, tt.wantErr)
			// Encode and MarshalJSON refuse with the same error.
			if encErr == nil || encErr.Error() != err.Error() {
				t.Errorf("Encode error %v differs from Validate error %v", encErr, err)
			}
			if marshalErr == nil || marshalErr.Error() != err.Error() {
				t.Errorf("MarshalJSON error %v differs from Validate error %v", marshalErr, err)
			}
		})
	}
}

// checkInvalid asserts err is a *policy.ValidationError wrapping
// ErrInvalidPolicy and wantErr (unless nil) whose reason contains wantMsg.
// Without a more specific sentinel, Err is ErrInvalidPolicy itself. The
// OSS answer for each defect (status, code, EC) is checked by the
// emulator's policy package, internal/postpolicy.
func checkInvalid(t *testing.T, err error, wantMsg string, wantErr error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want reason containing %q", wantMsg)
	}
	if !errors.Is(err, policy.ErrInvalidPolicy) {
		t.Errorf("errors.Is(%v, ErrInvalidPolicy) = false", err)
	}
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %T is not *policy.ValidationError", err)
	}
	if !strings.Contains(ve.Reason, wantMsg) {
		t.Errorf("reason %q does not contain %q", ve.Reason, wantMsg)
	}
	if err.Error() != "policy: "+ve.Reason {
		t.Errorf("Error() = %q, want \"policy: \" + reason", err.Error())
	}
	if wantErr == nil {
		wantErr = policy.ErrInvalidPolicy
	}
	if ve.Err != wantErr {
		t.Errorf("Err = %v, want %v", ve.Err, wantErr)
	}
}

func TestValidateAt(t *testing.T) {
	now := time.Date(2024, 12, 3, 12, 12, 12, 0, time.UTC)
	tests := []struct {
		name    string
		exp     time.Time
		wantMsg string
	}{
		{"a millisecond ahead", now.Add(time.Millisecond), ""},
		// The encoded form has millisecond precision and Encode truncates,
		// so this policy would say it expires at now: expired on arrival.
		{"less than a millisecond ahead", now.Add(time.Millisecond - time.Nanosecond), "is not after"},
		{"an hour ahead", now.Add(time.Hour), ""},
		{"equal to now", now, "is not after"},
		{"past", now.Add(-time.Second), "is not after"},
		{"zero", time.Time{}, "Missing expiration."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := policy.New(tt.exp, policy.AnyKey()).ValidateAt(now)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("ValidateAt = %v, want nil", err)
				}
				return
			}
			var ve *policy.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, policy.ErrInvalidPolicy) || !strings.Contains(ve.Reason, tt.wantMsg) {
				t.Fatalf("ValidateAt = %v, want InvalidPolicy containing %q", err, tt.wantMsg)
			}
		})
	}
}
