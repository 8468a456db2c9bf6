package signer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/policy"
)

// Version selects the PostObject signature scheme.
type Version int

const (
	// V4 is OSS4-HMAC-SHA256 (SPEC.md §3.2), the scheme OSS recommends. It
	// is the zero value, so a Signer signs with V4 unless told otherwise.
	V4 Version = iota
	// V1 is the original HMAC-SHA1 scheme (SPEC.md §3.1), kept for front
	// ends written against the original demo, which read the legacy Token
	// members accessid, policy, signature and callback.
	V1
)

// String returns "V4" or "V1".
func (v Version) String() string {
	switch v {
	case V4:
		return "V4"
	case V1:
		return "V1"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// Expiry limits for Upload.Expires. A token is a bearer capability, so it
// should live just long enough for the browser to start its upload; the
// original demo refreshes a token 3 s before it expires (SPEC.md §7
// pitfall 6). MaxExpires also catches unit mistakes such as
// Expires: 3600 * time.Hour.
const (
	DefaultExpires = 10 * time.Minute // used when Upload.Expires is zero
	MaxExpires     = time.Hour        // longer is refused
	// MinExpires catches Expires: 3600 (3.6 µs, not an hour), which would
	// produce a policy that has expired before the browser receives it.
	MinExpires = time.Second
)

// MaxObjectSize is the largest file PostObject accepts (5 GB, SPEC.md §1.6).
// A MaxSize above it could never be used, so Sign refuses it.
const MaxObjectSize = 5 << 30

// maxMetaBytes is OSS's limit on the total user metadata (SPEC.md §1.3).
const maxMetaBytes = 8 << 10

// Errors returned by Sign. Each error wraps exactly one of them (and, where
// there is one, its cause), so callers can pick a response with errors.Is.
var (
	// ErrInvalidUpload: the Upload is refused as asked: no key prefix
	// without AllowAnyKey, no MaxSize, MinSize > MaxSize, a bad callback,
	// an Expires out of range, and so on. It is the application's bug, not
	// the user's.
	ErrInvalidUpload = errors.New("signer: invalid upload")
	// ErrInvalidSigner: the Signer itself is incomplete (no Credentials,
	// Bucket or Region) or has an unknown Version.
	ErrInvalidSigner = errors.New("signer: invalid signer configuration")
	// ErrCredentials: the CredentialsProvider failed or returned unusable
	// credentials. The provider's own error (for example ErrNoCredentials)
	// is wrapped as well.
	ErrCredentials = errors.New("signer: credentials unavailable")
)

// Signer issues signed PostObject tokens for one bucket. Fill it in as a
// struct literal; it is safe for concurrent use once set up, and must not be
// modified while in use.
type Signer struct {
	// Credentials supplies the AccessKey, asked once per Sign. Required.
	Credentials CredentialsProvider

	// Bucket is the bucket name, pinned by a {"bucket": ...} condition in
	// every policy. Required.
	Bucket string

	// Region is the OSS region, "cn-hangzhou" or the endpoint spelling
	// "oss-cn-hangzhou" (the "oss-" prefix is stripped, SPEC.md §3.2).
	// Required for V4, where it is part of the signing scope, and for
	// computing the host when Endpoint is empty.
	Region string

	// Endpoint, if set, is the base URL the browser posts to, used as
	// Token.Host verbatim (without a trailing "/"): a CNAME domain, or an
	// osstest emulator's URL. Empty means the virtual-hosted bucket URL
	// https://<Bucket>.oss-<region>.aliyuncs.com (SPEC.md §1.1).
	Endpoint string

	// Version is the signature scheme; the zero value is V4.
	Version Version

	// CallbackSecret binds every callback URL the Signer signs (see
	// callback.BindURLUntil): give the callback handler's
	// callback.Verifier the same secret. It is required, at least
	// callback.MinBindingSecretBytes long, as soon as an Upload has a
	// Callback: OSS signs the callbacks of all its customers with one key,
	// so an unbound callback URL accepts callbacks from anyone's upload.
	CallbackSecret []byte

	// CallbackMargin is how long after the token expires its callback is
	// still accepted: the binding's expiry is the token's expiry plus
	// CallbackMargin, on this Signer's clock. It must cover the transfer of
	// the largest file the upload allows and the callback itself. Zero
	// means DefaultCallbackMargin.
	CallbackMargin time.Duration

	// Now returns the current time; nil means time.Now. Expiration and
	// x-oss-date are always computed from its UTC value (SPEC.md §7
	// pitfall 6). Tests and golden examples set a fixed clock.
	Now func() time.Time
}

// DefaultCallbackMargin is the CallbackMargin used when it is zero: time
// for a browser to send a few hundred MB after starting just before the
// token expired, and for OSS's callback (OSS waits at most 5 seconds for
// the application's answer).
const DefaultCallbackMargin = 5 * time.Minute

// Upload is the application's decision about one upload by one user. Every
// field that is set is pinned by a policy condition, and its form field is
// put into Token.Fields with exactly the pinned value: OSS accepts form
// fields the policy does not mention (SPEC.md §2.4), so an unpinned value
// would be the uploader's to change.
//
// The zero Upload is refused: set KeyPrefix or Key (or AllowAnyKey), and
// MaxSize.
//
// Whatever the Upload leaves unset stays unpinned and is therefore the
// uploader's to choose: the ACL (see ACL), x-oss-storage-class,
// Cache-Control, Content-Disposition, server-side encryption, and custom
// callback variables not listed in CallbackVars.
type Upload struct {
	// Key, if set, is the exact object name the upload must use, pinned
	// with ["eq", "$key", Key] and returned as Token.Key. Server-chosen
	// keys cannot collide or be redirected (SPEC.md §7 pitfall 8). Mutually
	// exclusive with KeyPrefix and AllowAnyKey.
	Key string

	// KeyPrefix is the "directory" the user may write under, pinned with
	// ["starts-with", "$key", KeyPrefix] and returned as Token.Dir. OSS
	// checks the key before expanding ${filename}, so a browser may send
	// KeyPrefix + "${filename}" (SPEC.md §1.5). For the same reason a
	// KeyPrefix containing "${" or ending in "$" (or a Key containing
	// "${") is refused: the uploader's file name could rewrite it.
	KeyPrefix string

	// AllowAnyKey opts out of restricting the key: the policy then says
	// ["starts-with", "$key", ""]. Without it, an Upload with neither Key
	// nor KeyPrefix is refused.
	AllowAnyKey bool

	// MinSize and MaxSize bound the file size in bytes, inclusive, pinned
	// with content-length-range. MaxSize is required (1..MaxObjectSize);
	// MinSize defaults to 0.
	MinSize, MaxSize int64

	// Expires is how long the token is valid: the policy expiration is
	// Now()+Expires, rounded down to a whole second so that it equals
	// Token.Expire. Zero means DefaultExpires; values outside
	// [MinExpires, MaxExpires] are refused.
	Expires time.Duration

	// ContentTypes, if non-empty, are the content types the stored object
	// may have. They are pinned on the x-oss-content-type form field (eq
	// for one type, in for several), because that field is the one OSS
	// stores: its precedence is x-oss-content-type > the file part's
	// Content-Type > the Content-Type form field (SPEC.md §1.3). Pinning the
	// Content-Type form field instead would restrict nothing, since every
	// browser stamps the file part with a type of its own choosing.
	//
	// With one type, Token.Fields carries x-oss-content-type. With several,
	// Token.ContentTypes lists them and the browser must send the type it
	// picked (for example File.type) as the x-oss-content-type form field;
	// without it OSS fails the condition (SPEC.md §2.3).
	ContentTypes []string

	// SuccessActionStatus, if non-zero, is 200, 201 or 204: the status OSS
	// answers the browser with (default 204 without a body, SPEC.md §4.1).
	SuccessActionStatus int

	// ACL, if set, is the object ACL: "default", "private", "public-read"
	// or "public-read-write" (x-oss-object-acl, SPEC.md §1.3).
	//
	// Left empty, the ACL is not pinned and the uploader may send its own
	// x-oss-object-acl, public-read included (as far as the signing RAM
	// identity is allowed to). Set "default" (inherit the bucket's ACL) to
	// take that choice away; it is not the zero value only because an
	// unconditional pin would change every policy, including SPEC.md §3.4's.
	ACL string

	// Meta is user metadata, stored as x-oss-meta-<name> (a name may also
	// be given with that prefix). Total size is limited to 8 KB.
	Meta map[string]string

	// ForbidOverwrite, if set, makes OSS refuse to overwrite an existing
	// object (x-oss-forbid-overwrite: true; ignored by OSS on versioned
	// buckets, SPEC.md §1.3).
	ForbidOverwrite bool

	// Callback, if set, is the upload callback OSS calls before answering
	// the browser (SPEC.md §5). Its Base64 encoding is pinned with
	// {"callback": ...}, so the uploader cannot point it elsewhere.
	Callback *callback.Params

	// CallbackVars are custom callback variables, "x:<name>" -> value
	// (SPEC.md §5.3), each pinned with ["eq", "$x:<name>", value], so that
	// the uploader cannot change them in uploads made with this token (for
	// example "x:uid"). Names must pass callback.ValidateVarName, Callback
	// must be set, and its Body must reference each as ${x:<name>}
	// (OSS sends only referenced variables, SPEC.md §7 pitfall 11).
	//
	// Pinning does not make the callback body trustworthy: OSS signs the
	// callbacks of every account with one key, so an upload to someone
	// else's bucket can name the same callback URL with a body that claims
	// any x:uid. Put the identity in a callback URL bound with
	// callback.BindURL and read it from callback.Event.Query instead.
	//
	// A variable the Body references but CallbackVars does not set is left
	// unpinned on purpose (a page may supply, say, a caption), which means
	// the uploader chooses its value: never trust it in the callback.
	CallbackVars map[string]string
}

// Token is the signed form bundle a browser receives from the token
// endpoint, in the JSON shape the original demo's upload.js reads.
//
// To upload, the browser posts multipart/form-data to Host with every
// entry of Fields as a form field, then "key" (Key, or Dir followed by a
// name of its choosing), then "file" last (SPEC.md §1.2).
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
	// fetch a new token shortly before it (SPEC.md §7 pitfall 6).
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

// prepared is an Upload after validation: the values Sign needs that
// validation already had to compute.
type prepared struct {
	expires  time.Duration
	callback string       // Base64 callback parameter, "" if none
	meta     []fieldValue // sorted by field, ignoring case
	varKeys  []string
}

// Sign validates u, asks the CredentialsProvider for credentials once, and
// returns a token whose policy pins everything u decided. The conditions
// come in a fixed order: bucket; with V4 x-oss-signature-version,
// x-oss-credential, x-oss-date; with STS x-oss-security-token;
// content-length-range; the key; then x-oss-content-type,
// success_action_status, x-oss-object-acl, x-oss-meta-* (sorted, ignoring
// case), x-oss-forbid-overwrite, callback and x: variables (sorted). For
// the inputs of SPEC.md §3.4 this yields exactly its worked policy.
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
	if u.Callback != nil && len(s.CallbackSecret) == 0 {
		return nil, fmt.Errorf("%w: CallbackSecret is required to bind the callback URL of an Upload", ErrInvalidSigner)
	}
	cr, err := s.Credentials.GetCredentials(ctx)
	if err == nil {
		err = cr.check()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// Whole seconds: x-oss-date has no fraction, and Token.Expire (Unix
	// seconds) must equal the policy expiration exactly.
	t := now().UTC().Truncate(time.Second)
	exp := t.Add(pu.expires).Truncate(time.Second)

	// Exact sizes: a map hint over 8 costs a second allocation.
	pins := len(u.Meta) + len(u.CallbackVars) + b2i(cr.SecurityToken != "") + b2i(len(u.ContentTypes) == 1) +
		b2i(u.SuccessActionStatus != 0) + b2i(u.ACL != "") + b2i(u.ForbidOverwrite) + b2i(u.Callback != nil)
	// bucket, size and key conditions; policy, OSSAccessKeyId and Signature fields.
	nConds, nFields := 3+pins+b2i(len(u.ContentTypes) > 1), 3+pins
	if s.Version == V4 {
		// 3 pinned V4 fields; they and x-oss-signature replace the 2 V1 fields.
		nConds, nFields = nConds+3, nFields+2
	}
	conds := make([]policy.Condition, 0, nConds)
	fields := make(map[string]string, nFields)
	pin := func(c policy.Condition, field, value string) {
		conds = append(conds, c)
		fields[field] = value
	}

	conds = append(conds, policy.Bucket(s.Bucket))
	var region, date, dateTime string
	if s.Version == V4 {
		region = StandardRegion(s.Region)
		var buf [len(v4DateTimeLayout)]byte
		dateTime = string(t.AppendFormat(buf[:0], v4DateTimeLayout))
		date = dateTime[:len(v4DateLayout)]
		pin(policy.Exact("x-oss-signature-version", AlgorithmV4), "x-oss-signature-version", AlgorithmV4)
		cred := credentialV4(cr.AccessKeyID, date, region)
		pin(policy.Exact("x-oss-credential", cred), "x-oss-credential", cred)
		pin(policy.Exact("x-oss-date", dateTime), "x-oss-date", dateTime)
	}
	if cr.SecurityToken != "" {
		// Required in a V4 policy (SPEC.md §2.5); harmless in V1, where it
		// also stops anyone swapping the token sent with the form.
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
		fields["x-oss-signature"] = signWithKeyV4(cachedSigningKeyV4(cr.AccessKeySecret, date, region), encoded)
	case V1:
		sig := SignV1(cr.AccessKeySecret, encoded)
		fields["OSSAccessKeyId"] = cr.AccessKeyID
		fields["Signature"] = sig
		tok.AccessID, tok.Policy, tok.Signature, tok.Callback = cr.AccessKeyID, encoded, sig, pu.callback
	}
	return tok, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fieldContentType is the form field policy.ContentTypes conditions, which
// Token.Fields must carry for a single type; see Upload.ContentTypes.
const fieldContentType = "x-oss-content-type"

// Validate reports a Signer that cannot sign, naming the field at fault.
// Sign calls it too; calling it at start-up finds a misconfiguration before
// the first user asks for a token. Errors wrap ErrInvalidSigner.
func (s *Signer) Validate() error {
	switch {
	case s == nil:
		return fmt.Errorf("%w: nil Signer", ErrInvalidSigner)
	case s.Credentials == nil:
		return fmt.Errorf("%w: no Credentials provider", ErrInvalidSigner)
	case s.Bucket == "":
		return fmt.Errorf("%w: empty Bucket", ErrInvalidSigner)
	case s.Version != V4 && s.Version != V1:
		return fmt.Errorf("%w: unknown %v", ErrInvalidSigner, s.Version)
	case StandardRegion(s.Region) == "" && s.Version == V4:
		return fmt.Errorf("%w: empty Region (V4 signs for a region)", ErrInvalidSigner)
	case StandardRegion(s.Region) == "" && s.Endpoint == "":
		return fmt.Errorf("%w: empty Region and Endpoint (one is needed for the upload URL)", ErrInvalidSigner)
	case s.CallbackSecret != nil && len(s.CallbackSecret) < callback.MinBindingSecretBytes:
		return fmt.Errorf("%w: CallbackSecret is %d bytes, want at least %d", ErrInvalidSigner, len(s.CallbackSecret), callback.MinBindingSecretBytes)
	case s.CallbackMargin < 0:
		return fmt.Errorf("%w: negative CallbackMargin %v", ErrInvalidSigner, s.CallbackMargin)
	}
	return nil
}

// Host is the upload URL Sign puts in Token.Host: Endpoint when set (an
// emulator, a CNAME, an internal endpoint), otherwise the bucket's
// virtual-hosted URL, since OSS refuses path-style requests for newer buckets
// (SPEC.md §1.1).
func (s *Signer) Host() string {
	if s.Endpoint != "" {
		return strings.TrimRight(s.Endpoint, "/")
	}
	return "https://" + s.Bucket + ".oss-" + StandardRegion(s.Region) + ".aliyuncs.com"
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidUpload}, args...)...)
}

// prepare validates u. It refuses what would make a policy weaker than the
// application presumably meant (see "Secure by default" in the ossdirect
// package documentation) and what OSS would refuse anyway.
func (u *Upload) prepare() (prepared, error) {
	var pu prepared
	switch {
	case u.Key != "" && (u.KeyPrefix != "" || u.AllowAnyKey):
		return pu, invalid("Key is exclusive with KeyPrefix and AllowAnyKey")
	case u.Key != "":
		if err := checkObjectName("Key", u.Key, false); err != nil {
			return pu, err
		}
	case u.KeyPrefix != "":
		if u.AllowAnyKey {
			return pu, invalid("KeyPrefix is exclusive with AllowAnyKey")
		}
		if err := checkObjectName("KeyPrefix", u.KeyPrefix, true); err != nil {
			return pu, err
		}
	case !u.AllowAnyKey:
		return pu, invalid("no Key or KeyPrefix (set AllowAnyKey to allow any object name)")
	}

	switch {
	case u.MaxSize <= 0:
		return pu, invalid("MaxSize must be set (got %d)", u.MaxSize)
	case u.MaxSize > MaxObjectSize:
		return pu, invalid("MaxSize %d exceeds the PostObject limit of %d bytes", u.MaxSize, int64(MaxObjectSize))
	case u.MinSize < 0:
		return pu, invalid("negative MinSize %d", u.MinSize)
	case u.MinSize > u.MaxSize:
		return pu, invalid("MinSize %d is greater than MaxSize %d", u.MinSize, u.MaxSize)
	}

	switch pu.expires = u.Expires; {
	case pu.expires == 0:
		pu.expires = DefaultExpires
	case pu.expires < MinExpires || pu.expires > MaxExpires:
		return pu, invalid("Expires %v outside [%v, %v]", u.Expires, MinExpires, MaxExpires)
	}

	for _, ct := range u.ContentTypes {
		if !strings.Contains(ct, "/") || !printable(ct) {
			return pu, invalid("content type %q is not of the form type/subtype", ct)
		}
	}

	switch u.SuccessActionStatus {
	case 0, 200, 201, 204:
	default:
		return pu, invalid("SuccessActionStatus %d is not 200, 201 or 204", u.SuccessActionStatus)
	}

	switch u.ACL {
	case "", "default", "private", "public-read", "public-read-write":
	default:
		return pu, invalid("ACL %q is not default, private, public-read or public-read-write", u.ACL)
	}

	if len(u.Meta) > 0 {
		pu.meta = make([]fieldValue, 0, len(u.Meta))
		total := 0
		for name, v := range u.Meta {
			f := metaField(name)
			if len(f) == len(metaPrefix) || !token(f) {
				return pu, invalid("metadata name %q is not an HTTP token", name)
			}
			if !printable(v) {
				return pu, invalid("metadata %q has a control character or invalid UTF-8", name)
			}
			total += len(f) + len(v)
			pu.meta = append(pu.meta, fieldValue{f, v})
		}
		if total > maxMetaBytes {
			return pu, invalid("metadata totals %d bytes, over OSS's %d", total, maxMetaBytes)
		}
		// Field names are case-insensitive (SPEC.md §1.4): sorting without
		// case puts spellings of one name side by side.
		slices.SortFunc(pu.meta, func(a, b fieldValue) int {
			if c := compareFold(a.field, b.field); c != 0 {
				return c
			}
			return strings.Compare(a.field, b.field)
		})
		for i := 1; i < len(pu.meta); i++ {
			if compareFold(pu.meta[i-1].field, pu.meta[i].field) == 0 {
				return pu, invalid("metadata %q and %q are the same field", pu.meta[i-1].field, pu.meta[i].field)
			}
		}
	}

	var cb encodedCallback
	if u.Callback != nil {
		var err error
		if cb, err = cachedCallback(*u.Callback); err != nil { // validates
			return pu, fmt.Errorf("%w: callback: %w", ErrInvalidUpload, err)
		}
	}
	if len(u.CallbackVars) > 0 {
		if u.Callback == nil {
			return pu, invalid("CallbackVars without a Callback")
		}
		pu.varKeys = sortedKeys(u.CallbackVars)
		for _, name := range pu.varKeys {
			if err := callback.ValidateVarName(name); err != nil {
				return pu, fmt.Errorf("%w: callback variable %q: %w", ErrInvalidUpload, name, err)
			}
			if !slices.Contains(cb.vars, name) {
				return pu, invalid("callback variable %q is not referenced as ${%s} in the callback body, so OSS would not send it", name, name)
			}
			if v := u.CallbackVars[name]; !utf8.ValidString(v) {
				return pu, invalid("callback variable %q is not valid UTF-8", name)
			}
		}
	}
	return pu, nil
}

type fieldValue struct{ field, value string }

// compareFold compares ASCII strings as if lower-cased.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// sortedKeys is slices.Sorted(maps.Keys(m)) in one allocation.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const metaPrefix = "x-oss-meta-"

// metaField returns the form field of a metadata name, which may be given
// with or without the x-oss-meta- prefix (as policy.Meta accepts).
func metaField(name string) string {
	if len(name) >= len(metaPrefix) && strings.EqualFold(name[:len(metaPrefix)], metaPrefix) {
		return name
	}
	return metaPrefix + name
}

// checkObjectName applies OSS's object-name rules (SPEC.md §1.5): valid
// UTF-8, at most 1023 bytes, not starting with "/" or "\". It also refuses
// "${" anywhere, and a prefix ending in "$": OSS matches the key against
// the policy before it replaces ${filename} with the uploader's file name
// (§1.5), so a placeholder in the pinned part (a user name "${filename}"
// in "uploads/<name>/", or a prefix "a$" that the key completes to
// "a${filename}") would let the uploader rewrite it and write elsewhere.
func checkObjectName(what, name string, prefix bool) error {
	switch {
	case strings.Contains(name, "${") || prefix && strings.HasSuffix(name, "$"):
		return invalid("%s %q could be rewritten by OSS's ${filename} substitution, which follows the policy check", what, name)
	case len(name) > 1023:
		return invalid("%s is %d bytes, over OSS's 1023", what, len(name))
	case !utf8.ValidString(name):
		return invalid("%s %q is not valid UTF-8", what, name)
	case name[0] == '/' || name[0] == '\\':
		return invalid("%s %q starts with %q, which OSS refuses", what, name, name[:1])
	case prefix && len(name) == 1023:
		return invalid("%s leaves no room for a name (1023 bytes)", what)
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters,
// so it can be stored as an HTTP header value.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// token reports whether s is an HTTP token (RFC 9110 §5.6.2): metadata
// names become response header names.
func token(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return s != ""
}
