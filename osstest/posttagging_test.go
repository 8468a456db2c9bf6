package osstest_test

import (
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/osstest"
	"github.com/ossdirect/ossdirect/policy"
)

// TestPostObjectCannotTag: a form upload cannot tag its object, so no policy
// can pin its tags. OSS sets tags at upload on PutObject,
// InitiateMultipartUpload, AppendObject and CopyObject only
// (https://www.alibabacloud.com/help/en/oss/upload-download-and-manage-objects-configure-object-tagging;
// "Configure object tags (OSS SDK for PHP V2)",
// https://help.aliyun.com/en/oss/developer-reference/set-object-tags-using-oss-sdk-for-php-v2).
// The PostObject reference's form-element and policy-condition tables have
// no x-oss-tagging (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject:
// Alibaba's doc-repo copies of 2021 in English and Chinese; searches of the
// current page, last updated 2025-12-05, find none either), and the Chinese
// edition says in so many words that PostObject does not take x-oss-tagging.
// The official clients agree: the Go and Python SDK v2 PostObject samples
// (sample/post_object.go, sample/post_object.py) send no tag, and ali-oss
// 6.23.0 builds no form.
//
// So a form that carries x-oss-tagging is refused even when a valid policy
// pins that very value, and a policy that pins it admits no form at all:
// without the field, the pinned condition fails. An app tags a form upload
// with PutObjectTagging once the callback has arrived
// (examples/webupload/status.go).
func TestPostObjectCannotTag(t *testing.T) {
	srv, err := osstest.NewServer(osstest.Config{AccessKeys: []osstest.AccessKey{testKey}, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	pin := policy.Eq("x-oss-tagging", "status=pending")
	exp := t0.Add(time.Hour)
	auth := map[string]func(conds ...policy.Condition) []part{
		"V1": func(conds ...policy.Condition) []part { return v1Auth(t, testKey, basePolicy(conds...)) },
		"V4": func(conds ...policy.Condition) []part {
			return v4Auth(t, testKey, "cn-hangzhou", t0, exp, basePolicy(conds...).Conditions...)
		},
	}
	body := func(key string) []part { return []part{field("key", key), file("a.txt", "text/plain", "hello")} }
	tagged := []part{field("x-oss-tagging", "status=pending")}

	for name, sign := range auth {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name   string
				parts  []part
				key    string
				status int
				code   string
				msg    string
			}{
				{"tag pinned by the policy and sent", join(sign(pin), tagged, body("user/eric/pinned-"+name)), "user/eric/pinned-" + name,
					400, "InvalidArgument", "The x-oss-tagging header cannot be specified in PostObject requests."},
				{"tag sent, not pinned", join(sign(), tagged, body("user/eric/free-"+name)), "user/eric/free-" + name,
					400, "InvalidArgument", "The x-oss-tagging header cannot be specified in PostObject requests."},
				{"tag pinned by the policy, not sent", join(sign(pin), body("user/eric/dropped-"+name)), "user/eric/dropped-" + name,
					403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$x-oss-tagging", "status=pending"]`},
			}
			for _, tc := range cases {
				r := postForm(t, srv.URL, tc.parts)
				if r.status != tc.status {
					t.Errorf("%s: status %d, want %d (%s)", tc.name, r.status, tc.status, r.body)
					continue
				}
				if e := r.ossError(t); e.Code != tc.code || e.Message != tc.msg {
					t.Errorf("%s: %s %q, want %s %q", tc.name, e.Code, e.Message, tc.code, tc.msg)
				}
				if _, ok := srv.Object(tc.key); ok {
					t.Errorf("%s: %s was stored", tc.name, tc.key)
				}
			}

			// The same form without the tag is stored, untagged.
			key := "user/eric/untagged-" + name
			if r := postForm(t, srv.URL, join(sign(), body(key))); r.status != 204 {
				t.Fatalf("form without a tag: %d %s", r.status, r.body)
			}
			if obj, ok := srv.Object(key); !ok || len(obj.Tags) != 0 {
				t.Errorf("form without a tag: stored %v, tags %v", ok, obj.Tags)
			}
		})
	}
}
