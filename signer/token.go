package signer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// Token is the signed form bundle a browser receives from the token
// endpoint. To upload, the browser posts multipart/form-data to Host with
// every entry of Fields, then "key" (Key, or Dir followed by a name of its
// choosing), then "file" last.
type Token struct {
	// Host is the URL to post the form to.
	Host string `json:"host"`
	// Dir is the key prefix the policy allows ("" for an exact Key or with
	// AllowAnyKey).
	Dir string `json:"dir"`
	// Key is the exact object name the policy allows, if the Upload named
	// one; the browser must send it as the key field.
	Key string `json:"key,omitempty"`
	// Expire is the policy's expiration in Unix seconds: Upload.Expires
	// from now, or earlier when the credentials expire earlier. The
	// browser should fetch a new token shortly before it.
	Expire int64 `json:"expire"`
	// Fields are the form fields to send unchanged: policy, the signature
	// fields, x-oss-security-token with STS, callback and its x:
	// variables, and every other value the Upload pinned. It never holds
	// key or file.
	Fields map[string]string `json:"fields"`
	// ContentTypes lists the allowed types when the Upload allowed several;
	// the browser sends its choice as the x-oss-content-type form field.
	ContentTypes []string `json:"content_types,omitempty"`
}

// Sign validates u, asks the CredentialsProvider for credentials once, and
// returns a token whose policy pins everything u decided, in the order of
// docs/PROTOCOL.md#worked-example. Errors wrap ErrInvalidSigner,
// ErrInvalidUpload or ErrCredentials.
func (s *Signer) Sign(ctx context.Context, u Upload) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	pu, err := u.prepare()
	if err != nil {
		return nil, err
	}
	if pu.binder, err = s.checkCallback(u.Callback, u.CallbackVars, "an Upload"); err != nil {
		return nil, err
	}
	// Whole seconds (s.now): x-oss-date has no fraction, and Token.Expire
	// (Unix seconds) must equal the policy expiration exactly.
	t := s.now()
	cr, err := s.credentials(ctx, t)
	if err != nil {
		return nil, err
	}
	exp, err := expiry(t, pu.expires, cr)
	if err != nil {
		return nil, err
	}
	// On the stack, large enough for a fully pinned upload: the policy is
	// encoded from them in place, and the token's map is made at its final
	// size.
	var condBuf [16]policy.Condition
	var fieldBuf [16]fieldValue
	f := form{conds: append(condBuf[:0], policy.Bucket(s.Bucket)), fields: fieldBuf[:0]}
	var date, region string
	if s.Version == V4 {
		f, date, region = f.pinV4(cr.AccessKeyID, t, s.Region)
	}
	if f, err = s.pinUpload(f, &u, &pu, cr, exp); err != nil {
		return nil, err
	}
	encoded, err := policy.New(exp, f.conds...).Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
	}
	fields := make(map[string]string, len(f.fields)+2) // policy, signature(s)
	for _, fv := range f.fields {
		fields[fv.field] = fv.value
	}
	fields["policy"] = encoded
	switch s.Version {
	case V4:
		// Room after the policy for the MAC (see v4Key.sign).
		msg := append(make([]byte, 0, len(encoded)+sha256.Size), encoded...)
		fields["x-oss-signature"] = s.v4Key(cr.AccessKeySecret, date, region).sign(msg)
	case V1:
		fields["OSSAccessKeyId"] = cr.AccessKeyID
		fields["Signature"] = signV1(cr.AccessKeySecret, encoded)
	}
	tok := &Token{Host: s.host(), Dir: u.KeyPrefix, Key: u.Key, Expire: exp.Unix(), Fields: fields}
	if len(u.ContentTypes) > 1 {
		tok.ContentTypes = slices.Clone(u.ContentTypes)
	}
	return tok, nil
}

// form is a policy under construction and the form fields that go with it.
// It is passed and returned by value, so that escape analysis keeps Sign's
// buffers on the stack (a store through a *form would move them to the heap).
type form struct {
	conds  []policy.Condition
	fields []fieldValue
}

// pin adds condition c and sends value in the form field it conditions,
// so the two cannot disagree. Like append, it returns the form to keep.
func (f form) pin(c policy.Condition, field, value string) form {
	f.conds = append(f.conds, c)
	f.fields = append(f.fields, fieldValue{field, value})
	return f
}

// pinV4 pins the V4 signature fields for accessKeyID at t and returns the
// date and region of the signing key.
func (f form) pinV4(accessKeyID string, t time.Time, region string) (_ form, date, std string) {
	var buf [len(v4DateTimeLayout)]byte
	dateTime := string(t.AppendFormat(buf[:0], v4DateTimeLayout))
	date, std = dateTime[:len(v4DateLayout)], standardRegion(region)
	cred := credentialV4(accessKeyID, date, std)
	f = f.pin(policy.Exact("x-oss-signature-version", algorithmV4), "x-oss-signature-version", algorithmV4)
	f = f.pin(policy.Exact("x-oss-credential", cred), "x-oss-credential", cred)
	f = f.pin(policy.Exact("x-oss-date", dateTime), "x-oss-date", dateTime)
	return f, date, std
}

// pinUpload adds the conditions of u after the bucket and the signature
// fields: the security token, the size, the key, then every pinned field.
func (s *Signer) pinUpload(f form, u *Upload, pu *prepared, cr Credentials, exp time.Time) (form, error) {
	if cr.SecurityToken != "" {
		// Required in a V4 policy (docs/PROTOCOL.md#post-signature-v4);
		// in V1 it stops anyone swapping the token sent with the form.
		f = f.pin(policy.SecurityToken(cr.SecurityToken), "x-oss-security-token", cr.SecurityToken)
	}
	f.conds = append(f.conds, policy.ContentLengthRange(u.MinSize, u.MaxSize))
	switch {
	case u.Key != "":
		f.conds = append(f.conds, policy.Key(u.Key))
	case u.KeyPrefix != "":
		f.conds = append(f.conds, policy.KeyPrefix(u.KeyPrefix))
	default:
		f.conds = append(f.conds, policy.AnyKey())
	}
	switch len(u.ContentTypes) {
	case 0:
	case 1:
		f = f.pin(policy.ContentTypes(u.ContentTypes...), fieldContentType, u.ContentTypes[0])
	default:
		f.conds = append(f.conds, policy.ContentTypes(u.ContentTypes...))
	}
	if u.SuccessActionStatus != 0 {
		v := strconv.Itoa(u.SuccessActionStatus)
		f = f.pin(policy.Eq("success_action_status", v), "success_action_status", v)
	}
	if u.ACL != "" {
		f = f.pin(policy.ObjectACL(u.ACL), "x-oss-object-acl", u.ACL)
	}
	for _, m := range pu.meta {
		f = f.pin(policy.Eq(m.field, m.value), m.field, m.value)
	}
	if u.ForbidOverwrite {
		f = f.pin(policy.ForbidOverwrite(), "x-oss-forbid-overwrite", "true")
	}
	if pu.binder != nil {
		cb, err := s.bindCallback(pu.binder, exp)
		if err != nil {
			return f, err
		}
		f = f.pin(policy.Callback(cb), "callback", cb)
	}
	for _, name := range pu.varKeys {
		f = f.pin(policy.Eq(name, u.CallbackVars[name]), name, u.CallbackVars[name])
	}
	return f, nil
}
