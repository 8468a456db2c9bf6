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
	if err := s.checkCallback(u.Callback, u.CallbackVars, "an Upload"); err != nil {
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
	nConds, nFields := formSize(s.Version, &u, &pu, cr.SecurityToken != "")
	f := form{fields: make(map[string]string, nFields), conds: make([]policy.Condition, 0, nConds)}
	f.conds = append(f.conds, policy.Bucket(s.Bucket))
	var date, region string
	if s.Version == V4 {
		date, region = f.pinV4(cr.AccessKeyID, t, s.Region)
	}
	if err := s.pinUpload(&f, &u, &pu, cr, exp); err != nil {
		return nil, err
	}
	encoded, err := policy.New(exp, f.conds...).Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
	}
	f.fields["policy"] = encoded
	switch s.Version {
	case V4:
		// Room after the policy for the MAC (see v4Key.sign).
		msg := append(make([]byte, 0, len(encoded)+sha256.Size), encoded...)
		f.fields["x-oss-signature"] = s.v4Key(cr.AccessKeySecret, date, region).sign(msg)
	case V1:
		f.fields["OSSAccessKeyId"] = cr.AccessKeyID
		f.fields["Signature"] = signV1(cr.AccessKeySecret, encoded)
	}
	tok := &Token{Host: s.host(), Dir: u.KeyPrefix, Key: u.Key, Expire: exp.Unix(), Fields: f.fields}
	if len(u.ContentTypes) > 1 {
		tok.ContentTypes = slices.Clone(u.ContentTypes)
	}
	return tok, nil
}

// formSize is how many conditions and form fields Sign makes for u, so that
// it allocates them once and no more: a fixed bound of 12 each made a V1
// token cost 40% more bytes than its actual 4 to 8.
func formSize(v Version, u *Upload, pu *prepared, token bool) (conds, fields int) {
	pins := len(pu.meta) + len(pu.varKeys)
	for _, set := range []bool{token, len(u.ContentTypes) == 1, u.SuccessActionStatus != 0, u.ACL != "", u.ForbidOverwrite, u.Callback != nil} {
		if set {
			pins++
		}
	}
	conds = 3 + pins // bucket, content-length-range, key
	if len(u.ContentTypes) > 1 {
		conds++
	}
	fields = pins + 3 // policy, and OSSAccessKeyId and Signature (V1)
	if v == V4 {
		conds += 3      // x-oss-signature-version, -credential, -date
		fields += 3 - 1 // those, and x-oss-signature
	}
	return conds, fields
}

// form is a policy under construction and the form fields that go with it.
type form struct {
	conds  []policy.Condition
	fields map[string]string
}

// pin adds condition c and sends value in the form field it conditions,
// so the two cannot disagree.
func (f *form) pin(c policy.Condition, field, value string) {
	f.conds = append(f.conds, c)
	f.fields[field] = value
}

// pinV4 pins the V4 signature fields for accessKeyID at t and returns the
// date and region of the signing key.
func (f *form) pinV4(accessKeyID string, t time.Time, region string) (date, std string) {
	var buf [len(v4DateTimeLayout)]byte
	dateTime := string(t.AppendFormat(buf[:0], v4DateTimeLayout))
	date, std = dateTime[:len(v4DateLayout)], standardRegion(region)
	cred := credentialV4(accessKeyID, date, std)
	f.pin(policy.Exact("x-oss-signature-version", algorithmV4), "x-oss-signature-version", algorithmV4)
	f.pin(policy.Exact("x-oss-credential", cred), "x-oss-credential", cred)
	f.pin(policy.Exact("x-oss-date", dateTime), "x-oss-date", dateTime)
	return date, std
}

// pinUpload adds the conditions of u after the bucket and the signature
// fields: the security token, the size, the key, then every pinned field.
func (s *Signer) pinUpload(f *form, u *Upload, pu *prepared, cr Credentials, exp time.Time) error {
	if cr.SecurityToken != "" {
		// Required in a V4 policy (docs/PROTOCOL.md#post-signature-v4);
		// in V1 it stops anyone swapping the token sent with the form.
		f.pin(policy.SecurityToken(cr.SecurityToken), "x-oss-security-token", cr.SecurityToken)
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
		f.pin(policy.ContentTypes(u.ContentTypes...), fieldContentType, u.ContentTypes[0])
	default:
		f.conds = append(f.conds, policy.ContentTypes(u.ContentTypes...))
	}
	if u.SuccessActionStatus != 0 {
		v := strconv.Itoa(u.SuccessActionStatus)
		f.pin(policy.Eq("success_action_status", v), "success_action_status", v)
	}
	if u.ACL != "" {
		f.pin(policy.ObjectACL(u.ACL), "x-oss-object-acl", u.ACL)
	}
	for _, m := range pu.meta {
		f.pin(policy.Eq(m.field, m.value), m.field, m.value)
	}
	if u.ForbidOverwrite {
		f.pin(policy.ForbidOverwrite(), "x-oss-forbid-overwrite", "true")
	}
	if u.Callback != nil {
		cb, err := s.bindCallback(*u.Callback, exp)
		if err != nil {
			return err
		}
		f.pin(policy.Callback(cb), "callback", cb)
	}
	for _, name := range pu.varKeys {
		f.pin(policy.Eq(name, u.CallbackVars[name]), name, u.CallbackVars[name])
	}
	return nil
}
