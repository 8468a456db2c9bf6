package signer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ossdirect/ossdirect/policy"
)

// Token is the signed form bundle a browser receives from the token
// endpoint, in the JSON shape the original demo's upload.js reads.
//
// To upload, the browser posts multipart/form-data to Host with every entry
// of Fields as a form field, then "key" (Key, or Dir followed by a name of
// its choosing), then "file" last
// (https://www.alibabacloud.com/help/en/oss/developer-reference/postobject).
type Token struct {
	// Host is the URL to post the form to.
	Host string `json:"host"`
	// Dir is the key prefix the policy allows ("" for an exact Key or with
	// AllowAnyKey).
	Dir string `json:"dir"`
	// Key is the exact object name the policy allows, if the Upload named
	// one; the browser must send it as the key field.
	Key string `json:"key,omitempty"`
	// Expire is the policy's expiration in Unix seconds; the browser should
	// fetch a new token shortly before it, since clocks drift
	// (https://www.alibabacloud.com/help/en/oss/developer-reference/signature-version-4-recommend).
	Expire int64 `json:"expire"`
	// Fields are the form fields to send unchanged: policy, the signature
	// fields of the Version, x-oss-security-token with STS, callback and
	// its x: variables, and every other value the Upload pinned. It never
	// holds key or file.
	Fields map[string]string `json:"fields"`
	// ContentTypes lists the allowed types when the Upload allowed several;
	// the browser sends its choice as the x-oss-content-type form field.
	ContentTypes []string `json:"content_types,omitempty"`

	// Legacy members for front ends written against the original demo, set
	// only with V1: accessid (= OSSAccessKeyId), policy, signature and
	// callback duplicate the corresponding Fields.
	AccessID  string `json:"accessid,omitempty"`
	Policy    string `json:"policy,omitempty"`
	Signature string `json:"signature,omitempty"`
	Callback  string `json:"callback,omitempty"`
}

// Sign validates u, asks the CredentialsProvider for credentials once, and
// returns a token whose policy pins everything u decided. The conditions
// come in a fixed order: bucket; with V4 x-oss-signature-version,
// x-oss-credential, x-oss-date; with STS x-oss-security-token;
// content-length-range; the key; then x-oss-content-type,
// success_action_status, x-oss-object-acl, x-oss-meta-* (sorted, ignoring
// case), x-oss-forbid-overwrite, callback and x: variables (sorted). For
// the inputs of docs/PROTOCOL.md#worked-example this yields exactly its
// policy.
//
// The policy expiration and x-oss-date come from the same Now() instant in
// UTC. Errors wrap ErrInvalidSigner, ErrInvalidUpload or ErrCredentials.
func (s *Signer) Sign(ctx context.Context, u Upload) (*Token, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	pu, err := u.prepare()
	if err != nil {
		return nil, err
	}
	if err := s.checkCallback(u.Callback, u.CallbackVars, "an Upload"); err != nil {
		return nil, err
	}
	cr, err := s.credentials(ctx)
	if err != nil {
		return nil, err
	}

	// Whole seconds (s.now): x-oss-date has no fraction, and Token.Expire
	// (Unix seconds) must equal the policy expiration exactly.
	t := s.now()
	exp := t.Add(pu.expires).Truncate(time.Second)

	var conds []policy.Condition
	fields := map[string]string{}
	pin := func(c policy.Condition, field, value string) {
		conds = append(conds, c)
		fields[field] = value
	}

	conds = append(conds, policy.Bucket(s.Bucket))
	var region, date, dateTime string
	if s.Version == V4 {
		region = StandardRegion(s.Region)
		dateTime = t.Format(v4DateTimeLayout)
		date = dateTime[:len(v4DateLayout)]
		pin(policy.Exact("x-oss-signature-version", AlgorithmV4), "x-oss-signature-version", AlgorithmV4)
		cred := credentialV4(cr.AccessKeyID, date, region)
		pin(policy.Exact("x-oss-credential", cred), "x-oss-credential", cred)
		pin(policy.Exact("x-oss-date", dateTime), "x-oss-date", dateTime)
	}
	if cr.SecurityToken != "" {
		// Required in a V4 policy
		// (docs/PROTOCOL.md#post-signature-v4); harmless in V1, where
		// it also stops anyone swapping the token sent with the form.
		pin(policy.SecurityToken(cr.SecurityToken), "x-oss-security-token", cr.SecurityToken)
	}
	conds = append(conds, policy.ContentLengthRange(u.MinSize, u.MaxSize))
	switch {
	case u.Key != "":
		conds = append(conds, policy.Key(u.Key))
	case u.KeyPrefix != "":
		conds = append(conds, policy.KeyPrefix(u.KeyPrefix))
	default:
		conds = append(conds, policy.AnyKey())
	}
	switch len(u.ContentTypes) {
	case 0:
	case 1:
		pin(policy.ContentTypes(u.ContentTypes...), fieldContentType, u.ContentTypes[0])
	default:
		conds = append(conds, policy.ContentTypes(u.ContentTypes...))
	}
	if u.SuccessActionStatus != 0 {
		v := strconv.Itoa(u.SuccessActionStatus)
		pin(policy.Eq("success_action_status", v), "success_action_status", v)
	}
	if u.ACL != "" {
		pin(policy.ObjectACL(u.ACL), "x-oss-object-acl", u.ACL)
	}
	for _, m := range pu.meta {
		pin(policy.Eq(m.field, m.value), m.field, m.value)
	}
	if u.ForbidOverwrite {
		pin(policy.ForbidOverwrite(), "x-oss-forbid-overwrite", "true")
	}
	if u.Callback != nil {
		if pu.callback, err = s.bindCallback(*u.Callback, exp); err != nil {
			return nil, err
		}
		pin(policy.Callback(pu.callback), "callback", pu.callback)
	}
	for _, name := range pu.varKeys {
		pin(policy.Eq(name, u.CallbackVars[name]), name, u.CallbackVars[name])
	}

	// Encode validates the policy; ValidateAt's extra clock check cannot
	// fail here, since exp is at least MinExpires (a whole second) after t.
	encoded, err := policy.New(exp, conds...).Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
	}
	fields["policy"] = encoded

	tok := &Token{
		Host:   s.Host(),
		Dir:    u.KeyPrefix,
		Key:    u.Key,
		Expire: exp.Unix(),
		Fields: fields,
	}
	if len(u.ContentTypes) > 1 {
		tok.ContentTypes = slices.Clone(u.ContentTypes)
	}
	switch s.Version {
	case V4:
		fields["x-oss-signature"] = cachedV4Key(cr.AccessKeySecret, date, region).sign([]byte(encoded))
	case V1:
		sig := SignV1(cr.AccessKeySecret, encoded)
		fields["OSSAccessKeyId"] = cr.AccessKeyID
		fields["Signature"] = sig
		tok.AccessID, tok.Policy, tok.Signature, tok.Callback = cr.AccessKeyID, encoded, sig, pu.callback
	}
	return tok, nil
}
