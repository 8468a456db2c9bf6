package signer

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// FuzzSign checks Sign's contract on arbitrary application input: it
// either refuses the Upload with ErrInvalidUpload, or returns a token whose
// policy decodes strictly, accepts exactly the form the token describes,
// pins every non-signature field to the value sent, and carries a valid V4
// signature. It never panics.
func FuzzSign(f *testing.F) {
	f.Add("user/eric/", "", int64(1), int64(10485760), "image/png", "owner", "eric", "42", "private", 200, false)
	f.Add("", "avatars/42.png", int64(0), int64(1), "text/plain;charset=utf-8", "x-oss-meta-a", "", "", "", 0, true)
	f.Add("dir with space/\u00e9\u2028<&>\"\\$/", "", int64(0), int64(5<<30), "a/b", "", "", "\u0000", "default", 204, false)
	f.Add("", "", int64(-1), int64(0), "png", "a b", "\n", "\xff", "public", 302, true)
	f.Fuzz(func(t *testing.T, prefix, key string, minSize, maxSize int64, ct, metaName, metaValue, uid, acl string, status int, forbid bool) {
		u := Upload{
			KeyPrefix: prefix, Key: key, MinSize: minSize, MaxSize: maxSize,
			ACL: acl, SuccessActionStatus: status, ForbidOverwrite: forbid,
		}
		if key == "" && prefix == "" {
			u.AllowAnyKey = true
		}
		if ct != "" {
			u.ContentTypes = strings.Split(ct, ",")
		}
		if metaName != "" {
			u.Meta = map[string]string{metaName: metaValue}
		}
		if uid != "" {
			u.Callback = &callback.Params{URL: "https://app.example.com/cb", Body: "object=${object}&uid=${x:uid}"}
			u.CallbackVars = map[string]string{"x:uid": uid}
		}
		now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		s := &Signer{Credentials: stsCreds, Bucket: "b", Region: "cn-hangzhou", Now: fixedClock(now), CallbackSecret: signCallbackSecret}
		tok, err := s.Sign(context.Background(), u)
		if err != nil {
			if !errors.Is(err, ErrInvalidUpload) {
				t.Fatalf("error %v does not wrap ErrInvalidUpload", err)
			}
			return
		}
		p, err := postpolicy.Decode(tok.Fields["policy"])
		if err != nil {
			t.Fatalf("signed policy does not decode: %v", err)
		}
		if u.Callback != nil {
			// The callback URL is bound until the token's expiry plus the
			// default margin.
			want, err := callback.BindURLUntil(signCallbackSecret, u.Callback.URL, time.Unix(tok.Expire, 0).Add(defaultCallbackMargin))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := callback.DecodeParams(tok.Fields["callback"]); err != nil || got.URL != want || got.Body != u.Callback.Body {
				t.Fatalf("callback %+v, %v; want URL %q and body %q", got, err, want, u.Callback.Body)
			}
		}
		if got, want := tok.Fields["x-oss-signature"], signV4(stsCreds.AccessKeySecret, "cn-hangzhou", now, tok.Fields["policy"]); got != want {
			t.Fatalf("signature %s, want %s", got, want)
		}
		form := maps.Clone(tok.Fields)
		form["key"] = tok.Key
		if tok.Key == "" {
			form["key"] = tok.Dir + "${filename}"
		}
		if len(tok.ContentTypes) > 0 {
			form["x-oss-content-type"] = tok.ContentTypes[0]
		}
		if err := postpolicy.Check(p, now, "b", form); err != nil {
			t.Fatalf("policy refuses its own form: %v\nform %q", err, form)
		}
		if min, max, ok := postpolicy.SizeRange(p); !ok || min != u.MinSize || max != u.MaxSize {
			t.Fatalf("SizeRange = %d, %d, %v; want %d, %d", min, max, ok, u.MinSize, u.MaxSize)
		}
		for name, value := range tok.Fields {
			if authFields[name] {
				continue
			}
			pinned := false
			for _, c := range p.Conditions {
				if c.Op == policy.OpEq && strings.EqualFold(c.Field, name) && c.Value == value {
					pinned = true
				}
			}
			if !pinned {
				t.Fatalf("field %s = %q is not pinned", name, value)
			}
		}
	})
}
