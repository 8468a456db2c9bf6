package signer

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/callback"
	"github.com/ossdirect/ossdirect/internal/binding"
	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// Upload is the application's decision about one upload by one user. Every
// field that is set is pinned by a policy condition and sent in
// Token.Fields with exactly the pinned value; what is left unset is the
// uploader's to choose (see Pinning in the package documentation). The zero
// Upload is refused: set KeyPrefix or Key (or AllowAnyKey), and MaxSize.
type Upload struct {
	// Key, if set, is the exact object name the upload must use, returned
	// as Token.Key. Exclusive with KeyPrefix and AllowAnyKey.
	Key string

	// KeyPrefix is the "directory" the user may write under, returned as
	// Token.Dir. The browser may send KeyPrefix + "${filename}". A prefix
	// containing "${" or ending in "$" is refused: the uploader's file name
	// could rewrite it.
	KeyPrefix string

	// AllowAnyKey opts out of restricting the key.
	AllowAnyKey bool

	// MinSize and MaxSize bound the file size in bytes, inclusive. MaxSize
	// is required, at most 5 GB; MinSize defaults to 0.
	MinSize, MaxSize int64

	// Expires is how long the token is valid, rounded down to a whole
	// second: zero means 10 minutes, at most an hour. It is shortened when
	// the credentials expire sooner.
	Expires time.Duration

	// ContentTypes, if non-empty, are the types the stored object may
	// have, pinned on the x-oss-content-type form field, which takes
	// precedence over the type of the file part that browsers choose
	// themselves. With one type, Token.Fields carries it; with several,
	// Token.ContentTypes lists them and the browser must send its choice
	// (for example File.type) as x-oss-content-type.
	ContentTypes []string

	// SuccessActionStatus, if non-zero, is 200, 201 or 204: the status OSS
	// answers the browser with (default 204 without a body).
	SuccessActionStatus int

	// ACL, if set, is the object ACL: "default", "private", "public-read"
	// or "public-read-write". Left empty, the uploader may send its own
	// x-oss-object-acl, public-read included; set "default" (inherit the
	// bucket's ACL) to take that choice away.
	ACL string

	// Meta is user metadata, stored as x-oss-meta-<name> (a name may also
	// be given with that prefix). Total size is limited to 8 KB.
	Meta map[string]string

	// ForbidOverwrite, if set, makes OSS refuse to overwrite an existing
	// object (ignored by OSS on versioned buckets).
	ForbidOverwrite bool

	// Callback, if set, is the upload callback OSS calls before answering
	// the browser. Its URLs are bound with the Signer's CallbackSecret
	// until the token expires plus CallbackMargin.
	Callback *callback.Params

	// CallbackVars are custom callback variables, "x:<name>" -> value,
	// each pinned, so the uploader cannot change them; the Callback's Body
	// must reference each as ${x:<name>}. Pinning does not make them
	// trustworthy in the callback (OSS signs every account's callbacks
	// with one key): put the identity in the callback URL, which is bound,
	// and read it from callback.Event.Query. A variable the Body
	// references but CallbackVars does not set is the uploader's to choose.
	CallbackVars map[string]string
}

// prepared is an Upload after validation: the values Sign needs that
// validation already had to compute.
type prepared struct {
	expires time.Duration
	meta    []fieldValue // sorted by field, ignoring case
	varKeys []string
	binder  *binding.Binder // of the Callback, set by Sign (checkCallback)
}

// fieldContentType is the form field policy.ContentTypes conditions, which
// Token.Fields must carry for a single type; see Upload.ContentTypes.
const fieldContentType = "x-oss-content-type"

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidUpload}, args...)...)
}

// prepare validates u. It refuses what would make a policy weaker than the
// application presumably meant (see "Secure by default" in the ossdirect
// package documentation) and what OSS would refuse anyway.
func (u *Upload) prepare() (prepared, error) {
	var pu prepared
	if err := u.checkKeyRule(); err != nil {
		return pu, err
	}
	switch {
	case u.MaxSize <= 0:
		return pu, invalid("MaxSize must be set (got %d)", u.MaxSize)
	case u.MaxSize > maxObjectSize:
		return pu, invalid("MaxSize %d exceeds the PostObject limit of %d bytes", u.MaxSize, int64(maxObjectSize))
	case u.MinSize < 0:
		return pu, invalid("negative MinSize %d", u.MinSize)
	case u.MinSize > u.MaxSize:
		return pu, invalid("MinSize %d is greater than MaxSize %d", u.MinSize, u.MaxSize)
	}
	var err error
	if pu.expires, err = checkExpires(u.Expires, maxExpires); err != nil {
		return pu, err
	}
	for _, ct := range u.ContentTypes {
		if !validContentType(ct) {
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
	if pu.meta, err = prepareMeta(u.Meta); err != nil {
		return pu, err
	}
	if pu.varKeys, err = checkCallbackVars(u.Callback, u.CallbackVars); err != nil {
		return pu, err
	}
	for _, name := range pu.varKeys {
		if v := u.CallbackVars[name]; !utf8.ValidString(v) {
			return pu, invalid("callback variable %q is not valid UTF-8", name)
		}
	}
	return pu, nil
}

// checkKeyRule checks that u restricts the key in exactly one way: Key,
// KeyPrefix or AllowAnyKey.
func (u *Upload) checkKeyRule() error {
	switch {
	case u.Key != "" && (u.KeyPrefix != "" || u.AllowAnyKey):
		return invalid("Key is exclusive with KeyPrefix and AllowAnyKey")
	case u.Key != "":
		return checkObjectName("Key", u.Key, false)
	case u.KeyPrefix != "" && u.AllowAnyKey:
		return invalid("KeyPrefix is exclusive with AllowAnyKey")
	case u.KeyPrefix != "":
		return checkObjectName("KeyPrefix", u.KeyPrefix, true)
	case !u.AllowAnyKey:
		return invalid("no Key or KeyPrefix (set AllowAnyKey to allow any object name)")
	}
	return nil
}

// prepareMeta validates user metadata and returns its form fields, sorted
// by name ignoring case.
func prepareMeta(meta map[string]string) ([]fieldValue, error) {
	if len(meta) == 0 {
		return nil, nil
	}
	fields := make([]fieldValue, 0, len(meta))
	total := 0
	for name, v := range meta {
		f := metaField(name)
		if len(f) == len(metaPrefix) || !token(f) {
			return nil, invalid("metadata name %q is not an HTTP token", name)
		}
		if !printable(v) {
			return nil, invalid("metadata %q has a control character or invalid UTF-8", name)
		}
		total += len(f) + len(v)
		fields = append(fields, fieldValue{f, v})
	}
	if total > maxMetaBytes {
		return nil, invalid("metadata totals %d bytes, over OSS's %d", total, maxMetaBytes)
	}
	// Field names are case-insensitive (docs/PROTOCOL.md#form-upload):
	// sorting without case puts spellings of one name side by side.
	slices.SortFunc(fields, func(a, b fieldValue) int {
		if c := compareFold(a.field, b.field); c != 0 {
			return c
		}
		return strings.Compare(a.field, b.field)
	})
	for i := 1; i < len(fields); i++ {
		if compareFold(fields[i-1].field, fields[i].field) == 0 {
			return nil, invalid("metadata %q and %q are the same field", fields[i-1].field, fields[i].field)
		}
	}
	return fields, nil
}

// checkExpires returns the validity d asks for: defaultExpires if d is
// zero; d outside [minExpires, max] is refused.
func checkExpires(d, max time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return defaultExpires, nil
	case d < minExpires || d > max:
		return 0, invalid("Expires %v outside [%v, %v]", d, minExpires, max)
	}
	return d, nil
}

// validContentType reports whether ct looks like a MIME type, type/subtype,
// and can be sent as a header value.
func validContentType(ct string) bool {
	return strings.Contains(ct, "/") && printable(ct)
}

// checkCallbackVars validates the custom variables of an Upload or Request,
// and returns their names, sorted. Each must be a valid name, and there are
// none without a callback; bindCallback checks that the body references
// them.
func checkCallbackVars(cb *callback.Params, vars map[string]string) ([]string, error) {
	if cb == nil {
		if len(vars) > 0 {
			return nil, invalid("CallbackVars without a Callback")
		}
		return nil, nil
	}
	if len(vars) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := callbackwire.ValidateVarName(name); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidUpload, err)
		}
	}
	return names, nil
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

const metaPrefix = "x-oss-meta-"

// metaField returns the form field of a metadata name, which may be given
// with or without the x-oss-meta- prefix (as policy.Meta accepts).
func metaField(name string) string {
	if len(name) >= len(metaPrefix) && strings.EqualFold(name[:len(metaPrefix)], metaPrefix) {
		return name
	}
	return metaPrefix + name
}

// checkObjectName applies OSS's object-name rules
// (docs/PROTOCOL.md#object-key): valid UTF-8, at most 1023 bytes, not
// starting with "/" or "\". It also refuses "${" anywhere, and a prefix
// ending in "$": OSS matches the key against the policy before it replaces
// ${filename} with the uploader's file name, so a placeholder in the pinned
// part (a user name "${filename}" in "uploads/<name>/", or a prefix "a$" that
// the key completes to "a${filename}") would let the uploader rewrite it and
// write elsewhere.
func checkObjectName(what, name string, prefix bool) error {
	if strings.Contains(name, "${") || prefix && strings.HasSuffix(name, "$") {
		return invalid("%s %q could be rewritten by OSS's ${filename} substitution, which follows the policy check", what, name)
	}
	if err := checkKey(what, name); err != nil {
		return err
	}
	if prefix && len(name) == 1023 {
		return invalid("%s leaves no room for a name (1023 bytes)", what)
	}
	return nil
}

// checkKey applies OSS's object-name rules to a non-empty name
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-naming-conventions):
// valid UTF-8, at most 1023 bytes, not starting with "/" or "\".
func checkKey(what, name string) error {
	switch {
	case len(name) > 1023:
		return invalid("%s is %d bytes, over OSS's 1023", what, len(name))
	case !utf8.ValidString(name):
		return invalid("%s %q is not valid UTF-8", what, name)
	case name[0] == '/' || name[0] == '\\':
		return invalid("%s %q starts with %q, which OSS refuses", what, name, name[:1])
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
