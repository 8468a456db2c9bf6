package callbackwire

import (
	"fmt"
	"strings"
)

// TargetAfterAuthority returns the origin-form target ("/path?query") of
// what follows "scheme://" in a URL, so that binding a callback URL and
// verifying an absolute-form request target split a URL the same way.
func TargetAfterAuthority(rest string) string {
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return "/"
	}
	if rest[i] == '?' {
		return "/" + rest[i:]
	}
	return rest[i:]
}

// Unambiguous refuses a decoded path and raw query from which the string OSS
// signs could also be produced by a different path, query and body: the
// first "?" must start the query and the first "\n" must end it, as they do
// in every callback OSS sends. OSS does not delimit path, query and body in
// what it signs, so a "?" or a line break that only appears after decoding
// the path (%3F, %0A), or a line break in the query, would let bytes of a
// captured callback move between them without breaking the signature.
func Unambiguous(path, query string) error {
	if i := strings.IndexAny(path, "?\n"); i >= 0 {
		return fmt.Errorf("decoded path contains %q, which makes the signed string ambiguous", path[i])
	}
	if strings.IndexByte(query, '\n') >= 0 {
		return fmt.Errorf("query contains a line break, which makes the signed string ambiguous")
	}
	return nil
}
