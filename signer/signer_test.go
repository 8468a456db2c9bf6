package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// workedSigner and workedUpload reproduce the inputs of
// docs/PROTOCOL.md#worked-example.
func workedSigner(v Version) *Signer {
	return &Signer{
		Credentials: StaticCredentials{AccessKeyID: workedAKID, AccessKeySecret: workedSecret},
		Bucket:      workedBucket,
		Region:      "oss-cn-hangzhou",
		Version:     v,
		Now:         fixedClock(workedTime),
	}
}

var workedUpload = Upload{KeyPrefix: "user/eric/", MinSize: 1, MaxSize: 10485760, Expires: 47*time.Minute + 48*time.Second}

// Sign with the worked example's inputs must reproduce
// docs/PROTOCOL.md#worked-example byte for byte: the policy text (so the
// condition order is the example's) and the
// signature that ali-oss computed for it.
func TestSignWorkedExample(t *testing.T) {
	const host = "https://examplebucket.oss-cn-hangzhou.aliyuncs.com"
	expire := time.Date(2024, 12, 3, 13, 0, 0, 0, time.UTC).Unix()
	tests := []struct {
		version Version
		want    *Token
	}{
		{V4, &Token{
			Host: host, Dir: "user/eric/", Expire: expire,
			Fields: map[string]string{
				"policy":                  workedPolicyV4B64,
				"x-oss-signature-version": "OSS4-HMAC-SHA256",
				"x-oss-credential":        workedCredential,
				"x-oss-date":              "20241203T121212Z",
				"x-oss-signature":         workedSignatureV4,
			},
		}},
		{V1, &Token{
			Host: host, Dir: "user/eric/", Expire: expire,
			Fields: map[string]string{
				"policy":         workedPolicyV1B64,
				"OSSAccessKeyId": workedAKID,
				"Signature":      workedSignatureV1,
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.version.String(), func(t *testing.T) {
			got, err := workedSigner(tt.version).Sign(context.Background(), workedUpload)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
		})
	}
}

// The token JSON carries what a browser needs, the same members for both
// versions: the signature fields are in fields.
func TestTokenJSON(t *testing.T) {
	tests := []struct {
		version  Version
		wantKeys []string
	}{
		{V4, []string{"dir", "expire", "fields", "host"}},
		{V1, []string{"dir", "expire", "fields", "host"}},
	}
	for _, tt := range tests {
		t.Run(tt.version.String(), func(t *testing.T) {
			tok, err := workedSigner(tt.version).Sign(context.Background(), workedUpload)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(tok)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			got := make([]string, 0, len(m))
			for k := range m {
				got = append(got, k)
			}
			if diff := cmp.Diff(tt.wantKeys, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("JSON members (-want +got):\n%s\n%s", diff, b)
			}
		})
	}
}

const testCallbackBody = "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}&tenant=${x:tenant}"

// fullUpload sets every Upload field that pins something.
func fullUpload() Upload {
	return Upload{
		KeyPrefix:           "user/42/",
		MinSize:             10,
		MaxSize:             1 << 20,
		Expires:             5 * time.Minute,
		ContentTypes:        []string{"image/png"},
		SuccessActionStatus: 200,
		ACL:                 "private",
		Meta:                map[string]string{"owner": "42", "x-oss-meta-Origin": "web"},
		ForbidOverwrite:     true,
		Callback:            &callback.Params{URL: "https://app.example.com/oss/callback", Body: testCallbackBody},
		CallbackVars:        map[string]string{"x:uid": "42", "x:tenant": "acme & co"},
	}
}

// signCallbackSecret is the CallbackSecret of the Signers in this file that
// sign callbacks.
var signCallbackSecret = []byte("0123456789abcdef-signer-tests")

var stsCreds = StaticCredentials{AccessKeyID: "STS.NTempId", AccessKeySecret: "tempSecret", SecurityToken: "CAIS+token/with=chars"}

// authFields are the fields that carry the signature itself rather than a
// pinned value.
var authFields = map[string]bool{"policy": true, "x-oss-signature": true, "Signature": true, "OSSAccessKeyId": true}

// Every field Sign puts into Token.Fields (other than the signature
// fields) must be pinned by an eq condition with the very same value, the
// policy must accept the form as sent, and changing or dropping any pinned
// field must make the policy refuse it, checked with the policy package's
// OSS-equivalent evaluation.
func TestSignPinsEveryField(t *testing.T) {
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	for _, v := range []Version{V4, V1} {
		t.Run(v.String(), func(t *testing.T) {
			s := &Signer{Credentials: stsCreds, Bucket: "b1", Region: "cn-shanghai", Version: v, Now: fixedClock(now), Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}}
			tok, err := s.Sign(context.Background(), fullUpload())
			if err != nil {
				t.Fatal(err)
			}
			p, err := postpolicy.Decode(tok.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			if got, want := p.Expiration.Unix(), tok.Expire; got != want {
				t.Errorf("policy expiration %d != token expire %d", got, want)
			}
			if got, want := p.Expiration, now.Add(5*time.Minute); !got.Equal(want) {
				t.Errorf("policy expiration %v, want %v", got, want)
			}
			pinned := 0
			for name, value := range tok.Fields {
				if authFields[name] {
					continue
				}
				pinned++
				var found bool
				for _, c := range p.Conditions {
					if c.Op == policy.OpEq && strings.EqualFold(c.Field, name) {
						found = true
						if c.Value != value {
							t.Errorf("field %s = %q but its condition says %q", name, value, c.Value)
						}
					}
				}
				if !found {
					t.Errorf("field %s = %q is sent but not pinned", name, value)
				}
			}
			// sts token, content type, status, acl, 2 meta, forbid, callback, 2 vars (+3 V4 fields)
			wantPinned := 10
			if v == V4 {
				wantPinned += 3
			}
			if pinned != wantPinned {
				t.Errorf("%d pinned fields, want %d: %v", pinned, wantPinned, tok.Fields)
			}
			if min, max, ok := postpolicy.SizeRange(p); !ok || min != 10 || max != 1<<20 {
				t.Errorf("SizeRange = %d, %d, %v; want 10, %d", min, max, ok, 1<<20)
			}

			form := maps.Clone(tok.Fields)
			form["key"] = tok.Dir + "${filename}"
			if err := postpolicy.Check(p, now.Add(time.Minute), "b1", form); err != nil {
				t.Fatalf("policy refuses the form it was signed for: %v", err)
			}
			if err := postpolicy.Check(p, now.Add(time.Minute), "other-bucket", form); !errors.Is(err, postpolicy.ErrConditionFailed) {
				t.Errorf("another bucket: err = %v, want ErrConditionFailed", err)
			}
			if err := postpolicy.Check(p, now.Add(5*time.Minute), "b1", form); !errors.Is(err, postpolicy.ErrExpired) {
				t.Errorf("at expiry: err = %v, want ErrExpired", err)
			}
			for name := range form {
				if authFields[name] {
					continue
				}
				changed := maps.Clone(form)
				changed[name] = "../evil/" + form[name] + "x"
				if err := postpolicy.Check(p, now, "b1", changed); !errors.Is(err, postpolicy.ErrConditionFailed) {
					t.Errorf("changed %s: err = %v, want ErrConditionFailed", name, err)
				}
				delete(changed, name)
				if err := postpolicy.Check(p, now, "b1", changed); !errors.Is(err, postpolicy.ErrConditionFailed) {
					t.Errorf("dropped %s: err = %v, want ErrConditionFailed", name, err)
				}
			}
		})
	}
}

// condShape is a condition without its values, to compare the order.
func condShape(c policy.Condition) string {
	if c.Op == policy.OpContentLengthRange {
		return string(c.Op)
	}
	return string(c.Op) + " " + c.Field
}

func TestSignConditionOrder(t *testing.T) {
	tests := []struct {
		name  string
		v     Version
		creds CredentialsProvider
		u     Upload
		want  []string
	}{
		{"V4 worked", V4, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, workedUpload,
			[]string{"eq bucket", "eq x-oss-signature-version", "eq x-oss-credential", "eq x-oss-date", "content-length-range", "starts-with key"}},
		{"V1 worked", V1, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, workedUpload,
			[]string{"eq bucket", "content-length-range", "starts-with key"}},
		{"V4 full STS", V4, stsCreds, fullUpload(),
			[]string{"eq bucket", "eq x-oss-signature-version", "eq x-oss-credential", "eq x-oss-date", "eq x-oss-security-token",
				"content-length-range", "starts-with key", "eq x-oss-content-type", "eq success_action_status", "eq x-oss-object-acl",
				"eq x-oss-meta-Origin", "eq x-oss-meta-owner", "eq x-oss-forbid-overwrite", "eq callback", "eq x:tenant", "eq x:uid"}},
		{"V1 full STS", V1, stsCreds, fullUpload(),
			[]string{"eq bucket", "eq x-oss-security-token",
				"content-length-range", "starts-with key", "eq x-oss-content-type", "eq success_action_status", "eq x-oss-object-acl",
				"eq x-oss-meta-Origin", "eq x-oss-meta-owner", "eq x-oss-forbid-overwrite", "eq callback", "eq x:tenant", "eq x:uid"}},
		{"exact key, several types", V4, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"},
			Upload{Key: "avatars/42.png", MaxSize: 100, ContentTypes: []string{"image/png", "image/jpeg"}},
			[]string{"eq bucket", "eq x-oss-signature-version", "eq x-oss-credential", "eq x-oss-date", "content-length-range", "eq key", "in x-oss-content-type"}},
		{"any key", V1, StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Upload{AllowAnyKey: true, MaxSize: 1},
			[]string{"eq bucket", "content-length-range", "starts-with key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signer{Credentials: tt.creds, Bucket: "b", Region: "cn-hangzhou", Version: tt.v, Now: fixedClock(workedTime), Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}}
			tok, err := s.Sign(context.Background(), tt.u)
			if err != nil {
				t.Fatal(err)
			}
			p, err := postpolicy.Decode(tok.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(p.Conditions))
			for i, c := range p.Conditions {
				got[i] = condShape(c)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("conditions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSignKeyAndContentTypes(t *testing.T) {
	creds := StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}
	tests := []struct {
		name      string
		u         Upload
		wantDir   string
		wantKey   string
		wantTypes []string
		wantField string // x-oss-content-type in Fields
		wantCond  policy.Condition
	}{
		{"prefix, one type", Upload{KeyPrefix: "u/1/", MaxSize: 1, ContentTypes: []string{"image/png"}}, "u/1/", "", nil, "image/png",
			policy.Condition{Op: policy.OpEq, Field: "x-oss-content-type", Value: "image/png"}},
		{"exact key, two types", Upload{Key: "u/1/a.bin", MaxSize: 1, ContentTypes: []string{"image/png", "image/gif"}}, "", "u/1/a.bin", []string{"image/png", "image/gif"}, "",
			policy.Condition{Op: policy.OpIn, Field: "x-oss-content-type", Values: []string{"image/png", "image/gif"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Now: fixedClock(workedTime)}
			tok, err := s.Sign(context.Background(), tt.u)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Dir != tt.wantDir || tok.Key != tt.wantKey {
				t.Errorf("Dir, Key = %q, %q; want %q, %q", tok.Dir, tok.Key, tt.wantDir, tt.wantKey)
			}
			if diff := cmp.Diff(tt.wantTypes, tok.ContentTypes); diff != "" {
				t.Errorf("ContentTypes (-want +got):\n%s", diff)
			}
			if got := tok.Fields["x-oss-content-type"]; got != tt.wantField {
				t.Errorf("x-oss-content-type field = %q, want %q", got, tt.wantField)
			}
			p, err := postpolicy.Decode(tok.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			var got []policy.Condition
			for _, c := range p.Conditions {
				if c.Field == "x-oss-content-type" {
					got = append(got, c)
				}
			}
			if diff := cmp.Diff([]policy.Condition{tt.wantCond}, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("content-type condition (-want +got):\n%s", diff)
			}
			// The browser sends one of the allowed types; anything else
			// (or nothing) is refused.
			form := maps.Clone(tok.Fields)
			form["key"] = tt.wantKey
			if form["key"] == "" {
				form["key"] = tt.wantDir + "f"
			}
			form["x-oss-content-type"] = tt.u.ContentTypes[len(tt.u.ContentTypes)-1]
			if err := postpolicy.Check(p, workedTime, "b", form); err != nil {
				t.Errorf("allowed type refused: %v", err)
			}
			form["x-oss-content-type"] = "text/html"
			if err := postpolicy.Check(p, workedTime, "b", form); !errors.Is(err, postpolicy.ErrConditionFailed) {
				t.Errorf("text/html: err = %v, want ErrConditionFailed", err)
			}
		})
	}
}

// Expiration and x-oss-date come from one instant, in UTC, in whole
// seconds (docs/PROTOCOL.md#policy-document), whatever the clock's zone.
func TestSignClock(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name     string
		now      time.Time
		expires  time.Duration
		wantExp  time.Time
		wantDate string
	}{
		{"default expiry", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 0, time.Date(2025, 1, 1, 0, 10, 0, 0, time.UTC), "20250101T000000Z"},
		{"local zone, fraction", time.Date(2025, 1, 1, 7, 59, 59, 900_000_000, cst), time.Hour, time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC).Add(time.Hour), "20241231T235959Z"},
		{"sub-second expires", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 1500 * time.Millisecond, time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC), "20250101T000000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: "cn-hangzhou", Now: fixedClock(tt.now)}
			tok, err := s.Sign(context.Background(), Upload{AllowAnyKey: true, MaxSize: 1, Expires: tt.expires})
			if err != nil {
				t.Fatal(err)
			}
			p, err := postpolicy.Decode(tok.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			if !p.Expiration.Equal(tt.wantExp) || tok.Expire != tt.wantExp.Unix() {
				t.Errorf("expiration %v / expire %d, want %v", p.Expiration, tok.Expire, tt.wantExp)
			}
			if got := tok.Fields["x-oss-date"]; got != tt.wantDate {
				t.Errorf("x-oss-date = %s, want %s", got, tt.wantDate)
			}
			if got, want := tok.Fields["x-oss-credential"], "a/"+tt.wantDate[:8]+"/cn-hangzhou/oss/aliyun_v4_request"; got != want {
				t.Errorf("x-oss-credential = %s, want %s", got, want)
			}
		})
	}
}

func TestSignHost(t *testing.T) {
	tests := []struct {
		region, endpoint, want string
		v                      Version
	}{
		{"cn-hangzhou", "", "https://b.oss-cn-hangzhou.aliyuncs.com", V4},
		{"oss-cn-hangzhou", "", "https://b.oss-cn-hangzhou.aliyuncs.com", V4},
		{"cn-hangzhou", "http://127.0.0.1:8080/", "http://127.0.0.1:8080", V4},
		{"", "https://files.example.com", "https://files.example.com", V1}, // a CNAME needs no region with V1
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("region %q endpoint %q", tt.region, tt.endpoint), func(t *testing.T) {
			s := &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: tt.region, Endpoint: tt.endpoint, Version: tt.v}
			tok, err := s.Sign(context.Background(), Upload{AllowAnyKey: true, MaxSize: 1})
			if err != nil {
				t.Errorf("%+v: %v", tt, err)
				return
			}
			if tok.Host != tt.want {
				t.Errorf("Host = %q, want %q", tok.Host, tt.want)
			}
		})
	}
}

// With the real clock (Now nil) the token is valid from now on.
func TestSignRealClock(t *testing.T) {
	s := &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: "cn-hangzhou"}
	before := time.Now()
	tok, err := s.Sign(context.Background(), Upload{AllowAnyKey: true, MaxSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := postpolicy.Decode(tok.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	if err := postpolicy.Check(p, before, "b", map[string]string{"key": "k", "x-oss-signature-version": algorithmV4,
		"x-oss-credential": tok.Fields["x-oss-credential"], "x-oss-date": tok.Fields["x-oss-date"]}); err != nil {
		t.Errorf("fresh token refused: %v", err)
	}
}

func TestSignInvalidUpload(t *testing.T) {
	cb := &callback.Params{URL: "https://app.example.com/cb", Body: "object=${object}&uid=${x:uid}"}
	tests := []struct {
		name    string
		u       Upload
		wantMsg string
	}{
		{"zero upload", Upload{}, "no Key or KeyPrefix"},
		{"no key prefix", Upload{MaxSize: 1}, "AllowAnyKey"},
		{"no max size", Upload{KeyPrefix: "u/"}, "MaxSize must be set"},
		{"negative max size", Upload{KeyPrefix: "u/", MaxSize: -1}, "MaxSize must be set"},
		{"over 5 GB", Upload{KeyPrefix: "u/", MaxSize: 5<<30 + 1}, "PostObject limit"},
		{"negative min", Upload{KeyPrefix: "u/", MinSize: -1, MaxSize: 1}, "negative MinSize"},
		{"min > max", Upload{KeyPrefix: "u/", MinSize: 2, MaxSize: 1}, "greater than MaxSize"},
		{"key and prefix", Upload{Key: "u/a", KeyPrefix: "u/", MaxSize: 1}, "exclusive"},
		{"key and any", Upload{Key: "u/a", AllowAnyKey: true, MaxSize: 1}, "exclusive"},
		{"prefix and any", Upload{KeyPrefix: "u/", AllowAnyKey: true, MaxSize: 1}, "exclusive"},
		{"leading slash", Upload{KeyPrefix: "/u/", MaxSize: 1}, "starts with"},
		{"leading backslash", Upload{Key: `\u`, MaxSize: 1}, "starts with"},
		{"key too long", Upload{Key: strings.Repeat("k", 1024), MaxSize: 1}, "1023"},
		{"prefix fills name", Upload{KeyPrefix: strings.Repeat("k", 1023), MaxSize: 1}, "no room"},
		{"invalid UTF-8 key", Upload{Key: "u/\xff", MaxSize: 1}, "UTF-8"},
		// OSS checks the key before it expands ${filename}
		// (docs/PROTOCOL.md#object-key):
		// a prefix or key holding the placeholder (say, from a user name)
		// lets the uploader's file name rewrite it, e.g. into another
		// user's directory.
		{"${filename} in prefix", Upload{KeyPrefix: "uploads/${filename}/", MaxSize: 1}, "${"},
		{"prefix ending in $", Upload{KeyPrefix: "uploads/a$", MaxSize: 1}, "${"},
		{"prefix ending in ${file", Upload{KeyPrefix: "uploads/${file", MaxSize: 1}, "${"},
		{"${filename} in key", Upload{Key: "uploads/${filename}.png", MaxSize: 1}, "${"},
		{"negative expires", Upload{KeyPrefix: "u/", MaxSize: 1, Expires: -time.Minute}, "Expires"},
		{"expires in ns", Upload{KeyPrefix: "u/", MaxSize: 1, Expires: 3600}, "Expires"},
		{"expires too long", Upload{KeyPrefix: "u/", MaxSize: 1, Expires: 2 * time.Hour}, "Expires"},
		{"bad content type", Upload{KeyPrefix: "u/", MaxSize: 1, ContentTypes: []string{"png"}}, "type/subtype"},
		{"content type with newline", Upload{KeyPrefix: "u/", MaxSize: 1, ContentTypes: []string{"text/plain\r\nX: y"}}, "type/subtype"},
		{"status", Upload{KeyPrefix: "u/", MaxSize: 1, SuccessActionStatus: 302}, "SuccessActionStatus"},
		{"acl", Upload{KeyPrefix: "u/", MaxSize: 1, ACL: "public"}, "ACL"},
		{"meta name", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"a b": "v"}}, "HTTP token"},
		{"empty meta name", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"x-oss-meta-": "v"}}, "HTTP token"},
		{"meta twice", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"a": "1", "X-OSS-META-A": "2"}}, "same field"},
		{"meta twice, not adjacent in byte order", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"Owner": "1", "b": "3", "x-oss-meta-owner": "2"}}, "same field"},
		{"meta value", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"a": "1\n2"}}, "control"},
		{"meta too large", Upload{KeyPrefix: "u/", MaxSize: 1, Meta: map[string]string{"a": strings.Repeat("v", 8<<10)}}, "8192"},
		{"callback invalid", Upload{KeyPrefix: "u/", MaxSize: 1, Callback: &callback.Params{URL: "ftp://x", Body: "a=b"}}, "callback"},
		{"vars without callback", Upload{KeyPrefix: "u/", MaxSize: 1, CallbackVars: map[string]string{"x:uid": "1"}}, "without a Callback"},
		{"var name upper", Upload{KeyPrefix: "u/", MaxSize: 1, Callback: cb, CallbackVars: map[string]string{"x:UID": "1"}}, "lower case"},
		{"var name prefix", Upload{KeyPrefix: "u/", MaxSize: 1, Callback: cb, CallbackVars: map[string]string{"uid": "1"}}, "x:"},
		{"var not in body", Upload{KeyPrefix: "u/", MaxSize: 1, Callback: cb, CallbackVars: map[string]string{"x:uid": "1", "x:role": "admin"}}, "not referenced"},
		{"var invalid UTF-8", Upload{KeyPrefix: "u/", MaxSize: 1, Callback: cb, CallbackVars: map[string]string{"x:uid": "\xff"}}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			s := &Signer{
				Credentials: CredentialsProviderFunc(func(context.Context) (Credentials, error) {
					calls.Add(1)
					return Credentials{AccessKeyID: "a", AccessKeySecret: "s"}, nil
				}),
				Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}},
			}
			tok, err := s.Sign(context.Background(), tt.u)
			if !errors.Is(err, ErrInvalidUpload) {
				t.Fatalf("Sign = %+v, %v; want ErrInvalidUpload", tok, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("credentials fetched %d times for an invalid upload", n)
			}
		})
	}
}

// A "$" that cannot start a ${filename} placeholder is an ordinary
// character of an object name.
func TestSignDollarInKey(t *testing.T) {
	s := &Signer{Credentials: StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}, Bucket: "b", Region: "cn-hangzhou"}
	for _, u := range []Upload{{KeyPrefix: "u/$1/", MaxSize: 1}, {Key: "u/a$b", MaxSize: 1}, {Key: "u/a$", MaxSize: 1}} {
		if _, err := s.Sign(context.Background(), u); err != nil {
			t.Errorf("Sign(%+v): %v", u, err)
		}
	}
}

func TestSignInvalidSigner(t *testing.T) {
	creds := StaticCredentials{AccessKeyID: "a", AccessKeySecret: "s"}
	tests := []struct {
		name string
		s    *Signer
	}{
		{"nil", nil},
		{"no credentials", &Signer{Bucket: "b", Region: "cn-hangzhou"}},
		{"no bucket", &Signer{Credentials: creds, Region: "cn-hangzhou"}},
		{"V4 without region", &Signer{Credentials: creds, Bucket: "b", Endpoint: "https://cdn.example.com"}},
		{"V4 with only oss-", &Signer{Credentials: creds, Bucket: "b", Region: "oss-"}},
		{"V1 without region or endpoint", &Signer{Credentials: creds, Bucket: "b", Version: V1}},
		{"unknown version", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Version: 7}},
		{"secret too short", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret[:15]}}}},
		{"empty secret", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: []byte{}}}}},
		{"secret without ID", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{Key: signCallbackSecret}}}},
		{"secret ID twice", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}, {ID: "k1", Key: signCallbackSecret}}}},
		{"negative CallbackMargin", &Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}, CallbackMargin: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); !errors.Is(err, ErrInvalidSigner) {
				t.Errorf("Validate = %v, want ErrInvalidSigner", err)
			}
			_, err := tt.s.Sign(context.Background(), workedUpload)
			if !errors.Is(err, ErrInvalidSigner) {
				t.Errorf("err = %v, want ErrInvalidSigner", err)
			}
		})
	}
	// The control: the same Signer fields, complete, are valid.
	if err := (&Signer{Credentials: creds, Bucket: "b", Region: "cn-hangzhou", Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}, CallbackMargin: time.Second}).Validate(); err != nil {
		t.Errorf("valid Signer: Validate = %v", err)
	}
}

// An Upload with a Callback needs the Signer's Secrets: callback.Secrets{{ID: "k1", Key: without it}}
// Sign refuses, before asking for credentials, rather than sign a callback
// URL any OSS account could also name.
func TestSignCallbackNeedsSecret(t *testing.T) {
	var calls atomic.Int32
	s := &Signer{
		Credentials: CredentialsProviderFunc(func(context.Context) (Credentials, error) {
			calls.Add(1)
			return Credentials{AccessKeyID: "a", AccessKeySecret: "s"}, nil
		}),
		Bucket: "b", Region: "cn-hangzhou",
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate = %v: a Signer without Secrets is valid for uploads without callback", err)
	}
	if _, err := s.Sign(context.Background(), workedUpload); err != nil {
		t.Fatalf("upload without callback: %v", err)
	}
	tok, err := s.Sign(context.Background(), fullUpload())
	if !errors.Is(err, ErrInvalidSigner) || !strings.Contains(err.Error(), "Secrets") {
		t.Errorf("upload with callback: Sign = %+v, %v; want ErrInvalidSigner naming Secrets", tok, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("credentials fetched %d times, want 2 (by Validate, and for the upload without callback)", n)
	}
}

// Sign binds every callback URL with CallbackSecret until the token's
// expiry plus CallbackMargin (defaultCallbackMargin when zero): the encoded
// callback is the Upload's, with each URL of its ";" list replaced by what
// callback.BindURL makes of it, and the same bound URL is what the
// policy pins.
func TestSignBindsCallback(t *testing.T) {
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	cb := callback.Params{URL: "https://app.example.com/oss/callback?uid=42;http://backup.example.com:8080/cb", Host: "app.example.com",
		Body: testCallbackBody, BodyType: callback.BodyTypeForm}
	tests := []struct {
		name   string
		v      Version
		margin time.Duration
		want   time.Duration // after the token's expiry
	}{
		{"V4, default margin", V4, 0, defaultCallbackMargin},
		{"V1, default margin", V1, 0, defaultCallbackMargin},
		{"V4, one minute", V4, time.Minute, time.Minute},
		{"V1, 90 s", V1, 90 * time.Second, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Signer{Credentials: stsCreds, Bucket: "b1", Region: "cn-shanghai", Version: tt.v, Now: fixedClock(now),
				Secrets: callback.Secrets{{ID: "k1", Key: signCallbackSecret}}, CallbackMargin: tt.margin}
			u := fullUpload()
			u.Callback = &cb
			tok, err := s.Sign(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if cb.URL != "https://app.example.com/oss/callback?uid=42;http://backup.example.com:8080/cb" {
				t.Fatalf("Sign changed the caller's Params: %q", cb.URL)
			}
			notAfter := time.Unix(tok.Expire, 0).Add(tt.want)
			if want := now.Add(u.Expires + tt.want); !notAfter.Equal(want) {
				t.Fatalf("token expiry + margin = %v, want %v", notAfter, want)
			}
			var bound []string
			for _, u := range strings.Split(cb.URL, ";") {
				b, err := callback.BindURL(callback.Secrets{{ID: "k1", Key: signCallbackSecret}}, u, notAfter)
				if err != nil {
					t.Fatal(err)
				}
				bound = append(bound, b)
			}
			want := cb
			want.URL = strings.Join(bound, ";")
			got, err := callbackwire.Decode(tok.Fields["callback"])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(callbackwire.Params(want), got); diff != "" {
				t.Errorf("encoded callback (-want +got):\n%s", diff)
			}
			// The bound URL carries the expiry in Unix seconds.
			if !strings.Contains(got.URL, "ossdirect-expires="+strconv.FormatInt(notAfter.Unix(), 10)+"&ossdirect-binding=k1.") {
				t.Errorf("callback URL %q does not carry expiry %d", got.URL, notAfter.Unix())
			}
			p, err := postpolicy.Decode(tok.Fields["policy"])
			if err != nil {
				t.Fatal(err)
			}
			pinned := ""
			for _, c := range p.Conditions {
				if c.Op == policy.OpEq && c.Field == "callback" {
					pinned = c.Value
				}
			}
			if pinned != tok.Fields["callback"] {
				t.Errorf("policy pins callback %q, the form sends %q", pinned, tok.Fields["callback"])
			}
			// Another secret binds differently: the binding depends on it.
			other := &Signer{Credentials: s.Credentials, Bucket: s.Bucket, Region: s.Region, Version: s.Version, Now: s.Now, CallbackMargin: s.CallbackMargin,
				Secrets: callback.Secrets{{ID: "k1", Key: []byte("another-secret-of-16+bytes")}}}
			tok2, err := other.Sign(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if tok2.Fields["callback"] == tok.Fields["callback"] {
				t.Error("two secrets gave the same bound callback")
			}
			// With a keyring, the first secret binds and is named.
			other.Secrets = callback.Secrets{{ID: "k2", Key: []byte("the-next-secret-of-16+bytes")}, {ID: "k1", Key: signCallbackSecret}}
			tok3, err := other.Sign(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			got3, err := callbackwire.Decode(tok3.Fields["callback"])
			if err != nil || strings.Count(got3.URL, "&ossdirect-binding=k2.") != 2 {
				t.Errorf("keyring: callback URL %q, %v; want both URLs bound with k2", got3.URL, err)
			}
		})
	}
}

func TestSignCredentialErrors(t *testing.T) {
	boom := errors.New("sts: throttled")
	tests := []struct {
		name     string
		p        CredentialsProvider
		wantLeaf error
	}{
		{"provider error", CredentialsProviderFunc(func(context.Context) (Credentials, error) { return Credentials{}, boom }), boom},
		{"empty static", StaticCredentials{}, ErrCredentials},
		{"func returns empty secret", CredentialsProviderFunc(func(context.Context) (Credentials, error) {
			return Credentials{AccessKeyID: "a"}, nil
		}), ErrCredentials},
		{"canceled context", CredentialsProviderFunc(func(ctx context.Context) (Credentials, error) { return Credentials{}, ctx.Err() }), context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			s := &Signer{Credentials: tt.p, Bucket: "b", Region: "cn-hangzhou"}
			_, err := s.Sign(ctx, workedUpload)
			if !errors.Is(err, ErrCredentials) || !errors.Is(err, tt.wantLeaf) {
				t.Errorf("err = %v, want ErrCredentials wrapping %v", err, tt.wantLeaf)
			}
		})
	}
}

// The provider is asked on every Sign, so rotated STS credentials are used
// at once, and the V4 key cache must not serve the previous secret's key.
func TestSignRotatingCredentials(t *testing.T) {
	var n atomic.Int32
	s := &Signer{
		Credentials: CredentialsProviderFunc(func(context.Context) (Credentials, error) {
			i := n.Add(1)
			return Credentials{AccessKeyID: "STS.id" + string(rune('0'+i)), AccessKeySecret: "secret" + string(rune('0'+i)), SecurityToken: "tok" + string(rune('0'+i))}, nil
		}),
		Bucket: "b", Region: "cn-hangzhou", Now: fixedClock(workedTime),
	}
	for i := 1; i <= 3; i++ {
		tok, err := s.Sign(context.Background(), workedUpload)
		if err != nil {
			t.Fatal(err)
		}
		d := string(rune('0' + i))
		if got := tok.Fields["x-oss-security-token"]; got != "tok"+d {
			t.Errorf("sign %d: token %q", i, got)
		}
		if got, want := tok.Fields["x-oss-signature"], signV4("secret"+d, "cn-hangzhou", workedTime, tok.Fields["policy"]); got != want {
			t.Errorf("sign %d: signature %s, want %s (signed with secret%s)", i, got, want, d)
		}
	}
}
