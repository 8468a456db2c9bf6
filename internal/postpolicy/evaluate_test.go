package postpolicy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// failed builds the error OSS answers for a failed condition (docs/PROTOCOL.md#policy-conditions).
func failed(c policy.Condition, msg, ec string) *postpolicy.Error {
	return &postpolicy.Error{
		Status:    403,
		Code:      "AccessDenied",
		Message:   "Invalid according to Policy: Policy Condition failed: " + msg,
		EC:        ec,
		Condition: &c,
		Err:       postpolicy.ErrConditionFailed,
	}
}

var errExpired = &postpolicy.Error{Status: 403, Code: "AccessDenied", Message: "Invalid according to Policy: Policy expired.", Err: postpolicy.ErrExpired}

const (
	mismatch = "0006-00000227"
	absent   = "0006-00000226"
)

func TestCheck(t *testing.T) {
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	one := func(c policy.Condition) policy.Policy { return policy.New(later, c) }
	tests := []struct {
		name   string
		p      policy.Policy
		now    time.Time
		bucket string
		fields map[string]string
		want   *postpolicy.Error
	}{
		// Expiration (docs/PROTOCOL.md#policy-document): "the upload must happen before this instant".
		{"before expiration", one(policy.AnyKey()), now, "b", map[string]string{"key": "k"}, nil},
		{"1ns before expiration", one(policy.AnyKey()), later.Add(-time.Nanosecond), "b", map[string]string{"key": "k"}, nil},
		{"at expiration", one(policy.AnyKey()), later, "b", map[string]string{"key": "k"}, errExpired},
		{"after expiration", one(policy.AnyKey()), later.Add(time.Second), "b", map[string]string{"key": "k"}, errExpired},
		{"expiry checked before conditions", one(policy.Key("x")), later, "b", map[string]string{}, errExpired},
		{"expiry in another zone", one(policy.AnyKey()), later.In(time.FixedZone("CST", 8*3600)), "b", map[string]string{"key": "k"}, errExpired},

		// eq, both forms.
		{"eq match", one(policy.Eq("x-oss-meta-a", "v")), now, "b", map[string]string{"x-oss-meta-a": "v"}, nil},
		{"eq mismatch", one(policy.Eq("x-oss-meta-a", "v")), now, "b", map[string]string{"x-oss-meta-a": "w"},
			failed(policy.Eq("x-oss-meta-a", "v"), `["eq", "$x-oss-meta-a", "v"]`, mismatch)},
		{"eq value case-sensitive", one(policy.Eq("x-oss-meta-a", "v")), now, "b", map[string]string{"x-oss-meta-a": "V"},
			failed(policy.Eq("x-oss-meta-a", "v"), `["eq", "$x-oss-meta-a", "v"]`, mismatch)},
		{"eq is not prefix", one(policy.Key("a/b")), now, "b", map[string]string{"key": "a/bc"},
			failed(policy.Key("a/b"), `["eq", "$key", "a/b"]`, mismatch)},
		{"eq empty value matches empty field", one(policy.SecurityToken("")), now, "b", map[string]string{"x-oss-security-token": ""}, nil},
		{"exact match", one(policy.Exact("x-oss-date", "20241203T121212Z")), now, "b", map[string]string{"x-oss-date": "20241203T121212Z"}, nil},
		{"exact mismatch rendered as eq", one(policy.Exact("x-oss-date", "20241203T121212Z")), now, "b", map[string]string{"x-oss-date": "20241203T121213Z"},
			failed(policy.Exact("x-oss-date", "20241203T121212Z"), `["eq", "$x-oss-date", "20241203T121212Z"]`, mismatch)},
		// An absent field fails with the quoted condition, EC 0006-00000226
		// (docs/PROTOCOL.md#policy-conditions).
		{"eq absent field", one(policy.SuccessActionStatus(200)), now, "b", map[string]string{"key": "k"},
			failed(policy.SuccessActionStatus(200), `["eq", "$success_action_status", "200"]`, absent)},
		{"eq absent from nil form", one(policy.SuccessActionStatus(200)), now, "b", nil,
			failed(policy.SuccessActionStatus(200), `["eq", "$success_action_status", "200"]`, absent)},

		// Field-name case (docs/PROTOCOL.md#form-upload): names case-insensitive, both ways.
		{"field name case: form upper", one(policy.Eq("content-type", "image/png")), now, "b", map[string]string{"Content-Type": "image/png"}, nil},
		{"field name case: policy upper", one(policy.Eq("Content-Type", "image/png")), now, "b", map[string]string{"content-type": "image/png"}, nil},
		{"field name case: mixed", one(policy.Meta("UID", "1")), now, "b", map[string]string{"X-Oss-Meta-Uid": "1"}, nil},
		{"same field twice in different case, both match", one(policy.Key("k")), now, "b", map[string]string{"key": "k", "KEY": "k"}, nil},
		{"same field twice in different case, one differs", one(policy.Key("k")), now, "b", map[string]string{"key": "k", "Key": "../x"},
			failed(policy.Key("k"), `["eq", "$key", "k"]`, mismatch)},

		// bucket is the addressed bucket, not a form field (docs/PROTOCOL.md#policy-conditions).
		{"bucket match", one(policy.Bucket("examplebucket")), now, "examplebucket", map[string]string{}, nil},
		{"bucket mismatch", one(policy.Bucket("mingdi-bjx")), now, "other", map[string]string{},
			failed(policy.Bucket("mingdi-bjx"), `["eq", "$bucket", "mingdi-bjx"]`, mismatch)},
		{"bucket form field ignored", one(policy.Bucket("b")), now, "other", map[string]string{"bucket": "b"},
			failed(policy.Bucket("b"), `["eq", "$bucket", "b"]`, mismatch)},
		{"bucket eq form", one(policy.Eq("$bucket", "b")), now, "b", nil, nil},
		{"bucket name case-insensitive", one(policy.Exact("Bucket", "b")), now, "b", nil, nil},
		{"bucket value case-sensitive", one(policy.Bucket("b")), now, "B", nil,
			failed(policy.Bucket("b"), `["eq", "$bucket", "b"]`, mismatch)},
		{"bucket starts-with", one(policy.StartsWith("bucket", "ex")), now, "examplebucket", nil, nil},

		// starts-with on the raw key (docs/PROTOCOL.md#object-key).
		{"starts-with raw ${filename}", one(policy.KeyPrefix("user/eric/")), now, "b", map[string]string{"key": "user/eric/${filename}"}, nil},
		{"starts-with exact prefix", one(policy.KeyPrefix("user/eric/")), now, "b", map[string]string{"key": "user/eric/"}, nil},
		{"starts-with mismatch", one(policy.KeyPrefix("user/eric/")), now, "b", map[string]string{"key": "user/erica/x"},
			failed(policy.KeyPrefix("user/eric/"), `["starts-with", "$key", "user/eric/"]`, mismatch)},
		{"starts-with case-sensitive", one(policy.KeyPrefix("user/eric/")), now, "b", map[string]string{"key": "User/eric/x"},
			failed(policy.KeyPrefix("user/eric/"), `["starts-with", "$key", "user/eric/"]`, mismatch)},
		{"starts-with absent", one(policy.KeyPrefix("user/eric/")), now, "b", map[string]string{"file": "x"},
			failed(policy.KeyPrefix("user/eric/"), `["starts-with", "$key", "user/eric/"]`, absent)},
		{"AnyKey", one(policy.AnyKey()), now, "b", map[string]string{"key": ""}, nil},
		{"AnyKey still needs key", one(policy.AnyKey()), now, "b", map[string]string{},
			failed(policy.AnyKey(), `["starts-with", "$key", ""]`, absent)},

		// in / not-in.
		{"in match", one(policy.In("content-type", "image/png", "image/jpeg")), now, "b", map[string]string{"content-type": "image/jpeg"}, nil},
		{"in mismatch", one(policy.In("content-type", "image/png", "image/jpeg")), now, "b", map[string]string{"content-type": "image/gif"},
			failed(policy.In("content-type", "image/png", "image/jpeg"), `["in", "$content-type", ["image/png", "image/jpeg"]]`, mismatch)},
		// ContentTypes needs the field the stored type comes from; a
		// matching Content-Type field alone does not satisfy it.
		{"ContentTypes ignores Content-Type", one(policy.ContentTypes("image/png")), now, "b", map[string]string{"Content-Type": "image/png"},
			failed(policy.ContentTypes("image/png"), `["eq", "$x-oss-content-type", "image/png"]`, absent)},
		{"in is exact, not prefix", one(policy.In("content-type", "image/png")), now, "b", map[string]string{"content-type": "image/png; x=1"},
			failed(policy.In("content-type", "image/png"), `["in", "$content-type", ["image/png"]]`, mismatch)},
		{"in absent", one(policy.In("content-type", "image/png")), now, "b", map[string]string{},
			failed(policy.In("content-type", "image/png"), `["in", "$content-type", ["image/png"]]`, absent)},
		{"not-in match", one(policy.NotIn("x-oss-object-acl", "public-read", "public-read-write")), now, "b", map[string]string{"x-oss-object-acl": "private"}, nil},
		{"not-in mismatch", one(policy.NotIn("x-oss-object-acl", "public-read", "public-read-write")), now, "b", map[string]string{"x-oss-object-acl": "public-read"},
			failed(policy.NotIn("x-oss-object-acl", "public-read", "public-read-write"), `["not-in", "$x-oss-object-acl", ["public-read", "public-read-write"]]`, mismatch)},
		// A not-in condition names a field, so the field must be sent.
		{"not-in absent", one(policy.NotIn("x-oss-object-acl", "public-read")), now, "b", map[string]string{},
			failed(policy.NotIn("x-oss-object-acl", "public-read"), `["not-in", "$x-oss-object-acl", ["public-read"]]`, absent)},

		// Unlisted fields are accepted (OSS, unlike S3: docs/PROTOCOL.md#unlisted-fields).
		{"unlisted fields accepted", policy.New(later, policy.Bucket("b"), policy.ContentLengthRange(0, 104857600)), now, "b",
			map[string]string{"key": "anything", "Content-Disposition": "attachment", "x-oss-meta-uuid": "1", "callback": "e30=", "x:var1": "v", "x-oss-security-token": ""}, nil},
		// content-length-range is not a form condition; CheckSize does it.
		{"size range ignored by Check", one(policy.ContentLengthRange(10, 20)), now, "b", nil, nil},

		// Conditions in order: the first failure is reported.
		{"first failure wins", policy.New(later, policy.Bucket("b"), policy.KeyPrefix("u/"), policy.SuccessActionStatus(200)), now, "b",
			map[string]string{"key": "x/1"},
			failed(policy.KeyPrefix("u/"), `["starts-with", "$key", "u/"]`, mismatch)},
		{"V4 conditions are plain eq", specV4Policy(), now, "examplebucket", map[string]string{
			"key": "user/eric/${filename}", "success_action_status": "201", "x-oss-signature-version": "OSS4-HMAC-SHA256",
			"x-oss-credential": "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request", "x-oss-date": "20241203T121212Z",
			"policy": specV4B64, "x-oss-signature": "5bbaa7dccf181651f144b461cad5ff1390af4b75211afc7288bd7cdc98fc568e"}, nil},
		{"V4 credential tampered", specV4Policy(), now, "examplebucket", map[string]string{
			"key": "user/eric/a", "x-oss-signature-version": "OSS4-HMAC-SHA256",
			"x-oss-credential": "LTAI5tExampleKeyId/20241203/cn-beijing/oss/aliyun_v4_request", "x-oss-date": "20241203T121212Z"},
			failed(policy.Exact("x-oss-credential", "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"),
				`["eq", "$x-oss-credential", "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request"]`, mismatch)},
		{"message escapes JSON", one(policy.Eq("x-oss-meta-q", "a\"<b>")), now, "b", map[string]string{"x-oss-meta-q": "x"},
			failed(policy.Eq("x-oss-meta-q", "a\"<b>"), `["eq", "$x-oss-meta-q", "a\"<b>"]`, mismatch)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := postpolicy.Check(&tt.p, tt.now, tt.bucket, tt.fields)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var got *postpolicy.Error
			if !errors.As(err, &got) {
				t.Fatalf("Check = %v (%T), want *postpolicy.Error", err, err)
			}
			if diff := cmp.Diff(*tt.want, *got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("Check error mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, tt.want.Err) {
				t.Errorf("errors.Is(err, %v) = false", tt.want.Err)
			}
		})
	}
}

func TestCheckInvalidPolicy(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    *policy.Policy
	}{
		{"nil policy", nil},
		{"unknown op fails closed", &policy.Policy{Expiration: now.Add(time.Hour), Conditions: []policy.Condition{{Op: "ends-with", Field: "key"}}}},
		{"KeyPrefix empty fails closed", &policy.Policy{Expiration: now.Add(time.Hour), Conditions: []policy.Condition{policy.KeyPrefix("")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := postpolicy.Check(tt.p, now, "b", map[string]string{"key": "k"})
			if !errors.Is(err, policy.ErrInvalidPolicy) {
				t.Errorf("Check = %v, want ErrInvalidPolicy", err)
			}
		})
	}
}

func TestCheckSize(t *testing.T) {
	tooSmall := func(c policy.Condition) *postpolicy.Error {
		return &postpolicy.Error{Status: 400, Code: "EntityTooSmall", Message: "Your proposed upload smaller than the minimum allowed size.",
			EC: "0006-00000004", Condition: &c, Err: postpolicy.ErrEntityTooSmall}
	}
	tooLarge := func(c policy.Condition) *postpolicy.Error {
		return &postpolicy.Error{Status: 400, Code: "EntityTooLarge", Message: "Your proposed upload exceeds the maximum allowed size.",
			EC: "0006-00000003", Condition: &c, Err: postpolicy.ErrEntityTooLarge}
	}
	r := policy.ContentLengthRange(1, 10485760)
	r2 := policy.ContentLengthRange(100, 1<<30)
	two := policy.New(exp, r, policy.AnyKey(), r2)
	tests := []struct {
		name string
		p    policy.Policy
		size int64
		want *postpolicy.Error
	}{
		{"inside", policy.New(exp, r), 5, nil},
		{"min inclusive", policy.New(exp, r), 1, nil},
		{"max inclusive", policy.New(exp, r), 10485760, nil},
		{"below min", policy.New(exp, r), 0, tooSmall(r)},
		{"above max", policy.New(exp, r), 10485761, tooLarge(r)},
		{"negative size", policy.New(exp, r), -1, tooSmall(r)},
		{"zero range allows empty file", policy.New(exp, policy.ContentLengthRange(0, 0)), 0, nil},
		{"zero range refuses one byte", policy.New(exp, policy.ContentLengthRange(0, 0)), 1, tooLarge(policy.ContentLengthRange(0, 0))},
		{"no range: any size", policy.New(exp, policy.AnyKey()), 5 << 30, nil},
		{"two ranges: inside both", two, 100, nil},
		{"two ranges: below second", two, 99, tooSmall(r2)},
		{"two ranges: above first", two, 10485761, tooLarge(r)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := postpolicy.CheckSize(&tt.p, tt.size)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckSize = %v, want nil", err)
				}
				return
			}
			var got *postpolicy.Error
			if !errors.As(err, &got) {
				t.Fatalf("CheckSize = %v (%T), want *postpolicy.Error", err, err)
			}
			if diff := cmp.Diff(*tt.want, *got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("CheckSize error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var nilPolicy *policy.Policy
	if err := postpolicy.CheckSize(nilPolicy, 1); !errors.Is(err, policy.ErrInvalidPolicy) {
		t.Errorf("nil CheckSize = %v, want ErrInvalidPolicy", err)
	}
}

func TestSizeRange(t *testing.T) {
	type result struct {
		Min, Max int64
		OK       bool
	}
	tests := []struct {
		name string
		p    *policy.Policy
		want result
	}{
		{"nil", nil, result{}},
		{"none", &policy.Policy{Expiration: exp, Conditions: []policy.Condition{policy.AnyKey()}}, result{}},
		{"one", &policy.Policy{Expiration: exp, Conditions: []policy.Condition{policy.ContentLengthRange(1, 10)}}, result{1, 10, true}},
		{"tightest of two", &policy.Policy{Expiration: exp, Conditions: []policy.Condition{
			policy.ContentLengthRange(1, 10), policy.AnyKey(), policy.ContentLengthRange(5, 100)}}, result{5, 10, true}},
		{"disjoint", &policy.Policy{Expiration: exp, Conditions: []policy.Condition{
			policy.ContentLengthRange(1, 10), policy.ContentLengthRange(20, 30)}}, result{20, 10, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			got.Min, got.Max, got.OK = postpolicy.SizeRange(tt.p)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SizeRange mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckNoAllocs pins the "Check allocates nothing on success" promise,
// which keeps the emulator's hot path cheap.
func TestCheckNoAllocs(t *testing.T) {
	p := specV4Policy()
	now := time.Date(2024, 12, 3, 12, 30, 0, 0, time.UTC)
	fields := map[string]string{
		"key": "user/eric/${filename}", "success_action_status": "201", "X-OSS-Signature-Version": "OSS4-HMAC-SHA256",
		"x-oss-credential": "LTAI5tExampleKeyId/20241203/cn-hangzhou/oss/aliyun_v4_request", "x-oss-date": "20241203T121212Z",
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := postpolicy.Check(&p, now, "examplebucket", fields); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Check allocates %v times per call, want 0", allocs)
	}
}
