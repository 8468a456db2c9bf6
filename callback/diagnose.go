package callback

import (
	"bytes"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
	"github.com/ossdirect/ossdirect/verify"
)

// cause names the most likely reason a callback did not verify; the package
// doc lists the names a Diagnosis gives. Most are found by recovering the
// digest OSS signed from the signature and trying the usual distortions of
// path, query and body against it: the first distortion that reproduces the
// digest is named.
type cause string

// The causes a Diagnosis can name.
const (
	// causeAuthorizationDropped: x-oss-pub-key-url arrived but Authorization
	// did not; a web server or proxy dropped it.
	causeAuthorizationDropped cause = "authorization-dropped"
	// causeKeyURLUntrusted: the key URL is not one the KeyFetcher trusts.
	causeKeyURLUntrusted cause = "key-url-untrusted"
	// causeKeyURLScheme: the key URL is trusted with the other scheme
	// (http instead of https or the reverse).
	causeKeyURLScheme cause = "key-url-scheme"
	// causeWrongKey: the signature was not made with the key the request
	// names, or was altered.
	causeWrongKey cause = "wrong-key"
	// causePrefixStripped: OSS signed a longer path; a proxy stripped a
	// prefix (see Verifier.StrippedPrefix).
	causePrefixStripped cause = "path-prefix-stripped"
	// causePrefixAdded: OSS signed a shorter path; a prefix was added, or
	// Verifier.StrippedPrefix is set where nothing strips it.
	causePrefixAdded cause = "path-prefix-added"
	// causePathRewritten: a proxy rewrote the path otherwise (a header
	// such as X-Original-URI names the original, or a trailing slash was
	// added or removed).
	causePathRewritten cause = "path-rewritten"
	// causeQueryDropped: OSS signed a query the request no longer has.
	causeQueryDropped cause = "query-dropped"
	// causeQueryReordered: the query's parameters arrived in another order.
	causeQueryReordered cause = "query-reordered"
	// causeQueryReencoded: the query's parameters were re-encoded.
	causeQueryReencoded cause = "query-re-encoded"
	// causeBodyTrailingNewline: a line break was appended to the body.
	causeBodyTrailingNewline cause = "body-trailing-newline"
	// causeBodyJSONReformatted: a JSON body was re-serialised (indented,
	// compacted, keys reordered or escaped differently).
	causeBodyJSONReformatted cause = "body-json-reformatted"
	// causeBodyFormReencoded: a form body was re-serialised (fields
	// reordered or escaped differently).
	causeBodyFormReencoded cause = "body-form-re-encoded"
	// causeBodyCharset: the body was converted between UTF-8 and
	// ISO-8859-1.
	causeBodyCharset cause = "body-charset-changed"
	// causeChangedInTransit: the signature was made with this key over a
	// different path, query or body, and no known distortion explains how.
	causeChangedInTransit cause = "changed-in-transit"
)

// Diagnosis is a verification failure that comes with its most likely
// cause. It wraps the failure, so errors.Is and HTTPStatus see the same
// sentinel as without it; it only explains, and never makes a request
// verify.
type Diagnosis struct {
	Err    error  // the failure, wrapping one of the sentinels
	Cause  string // the most likely cause, such as "path-prefix-stripped"
	Detail string // what was found, and what to change
}

// Error returns the failure followed by its likely cause.
func (d *Diagnosis) Error() string {
	return d.Err.Error() + " (likely cause: " + string(d.Cause) + ": " + d.Detail + ")"
}

// Unwrap returns the failure.
func (d *Diagnosis) Unwrap() error { return d.Err }

// diagnoseKeyURL explains an untrusted key URL.
func diagnoseKeyURL(r *http.Request, keys verify.KeyFetcher, keyURL string, err error) error {
	other := ""
	switch {
	case strings.HasPrefix(keyURL, "http://"):
		other = "https://" + keyURL[len("http://"):]
	case strings.HasPrefix(keyURL, "https://"):
		other = "http://" + keyURL[len("https://"):]
	}
	if other != "" {
		if k, e := keys.FetchKey(r.Context(), other); e == nil && k != nil {
			return &Diagnosis{Err: err, Cause: string(causeKeyURLScheme), Detail: fmt.Sprintf("the callback names the key URL %s, but the KeyFetcher trusts only %s: trust both spellings", keyURL, other)}
		}
	}
	return &Diagnosis{Err: err, Cause: string(causeKeyURLUntrusted), Detail: fmt.Sprintf("the callback names the key URL %q, which the KeyFetcher does not trust; OSS's own key is %s", keyURL, verify.OSSKeyURL)}
}

// Bounds on the work a diagnosis does for one request: a captured OSS
// signature with a changed body reaches the diagnosis, so its cost must
// stay small whatever the request.
const (
	diagnoseHashBudget  = 1 << 20 // bytes hashed in all
	diagnosePermuteMax  = 6       // parameters or fields reordered at most
	diagnosePermuteBody = 2 << 10 // largest body whose fields are reordered
)

// diagnoseSignature explains a signature that did not verify under key.
func diagnoseSignature(r *http.Request, key *rsa.PublicKey, s *signed, strippedPrefix string, err error) error {
	digest, derr := pkcs1md5.SignedDigest(key, s.sig)
	if derr != nil {
		return &Diagnosis{Err: err, Cause: string(causeWrongKey), Detail: fmt.Sprintf("the signature was not made with the key at %s (or was altered): the request was not signed by OSS, or names the wrong key", s.keyURL)}
	}
	t := &trier{digest: digest, budget: diagnoseHashBudget}
	f := t.path(r, s, strippedPrefix)
	if f == nil {
		f = t.query(s)
	}
	if f == nil {
		f = t.body(s)
	}
	switch {
	case f != nil:
	case t.budget < 0:
		f = found(causeChangedInTransit, "the signature was made with the key at %s over a different path, query or body than the application received; the request is too large to try every known distortion", s.keyURL)
	default:
		f = found(causeChangedInTransit, "the signature was made with the key at %s over a different path, query or body than the application received, and no known distortion (proxy prefix, query order, body re-encoding) explains the change", s.keyURL)
	}
	return &Diagnosis{Err: err, Cause: string(f.cause), Detail: f.detail}
}

// finding is a cause found, with what was found.
type finding struct {
	cause  cause
	detail string
}

func found(c cause, format string, args ...any) *finding {
	return &finding{cause: c, detail: fmt.Sprintf(format, args...)}
}

// path tries the distortions of the path: a prefix put back that nothing
// stripped, one a proxy stripped or added, a rewrite a proxy header names,
// and a trailing slash.
func (t *trier) path(r *http.Request, s *signed, strippedPrefix string) *finding {
	path, query, body := s.path, s.query, s.body
	if strippedPrefix != "" {
		if p := strings.TrimPrefix(path, strippedPrefix); t.try(p, query, body) {
			return found(causePrefixAdded, "OSS signed the path %q without the prefix %q that the Verifier puts back: nothing in front of the application strips it, so leave StrippedPrefix (or the prefix header) unset", p, strippedPrefix)
		}
	}
	for _, v := range r.Header.Values("X-Forwarded-Prefix") {
		if checkPrefix(v) == nil && v != "" && t.try(v+path, query, body) {
			return found(causePrefixStripped, "OSS signed %q, but a proxy stripped %q before the application saw it (the X-Forwarded-Prefix header says so): set Verifier.StrippedPrefix to %q", v+path, v, v)
		}
	}
	if f := t.originalTarget(r, s); f != nil {
		return f
	}
	for i := 1; i < len(path); i++ {
		if path[i] == '/' && t.try(path[i:], query, body) {
			return found(causePrefixAdded, "OSS signed the path %q, but the application saw %q: something in front of it added %q", path[i:], path, path[:i])
		}
	}
	if p, ok := strings.CutSuffix(path, "/"); ok && p != "" && t.try(p, query, body) {
		return found(causePathRewritten, "OSS signed the path %q without a trailing slash, but the application saw %q (a router or proxy added it)", p, path)
	}
	if t.try(path+"/", query, body) {
		return found(causePathRewritten, "OSS signed the path %q with a trailing slash, but the application saw %q (a router or proxy removed it)", path+"/", path)
	}
	return nil
}

// originalTarget tries the original request targets proxies record in
// headers.
func (t *trier) originalTarget(r *http.Request, s *signed) *finding {
	path, query, body := s.path, s.query, s.body
	for _, h := range []string{"X-Original-URI", "X-Forwarded-Uri", "X-Rewrite-URL", "X-Original-URL"} {
		for _, v := range r.Header.Values(h) {
			op, oq, ok := splitTarget(v)
			if !ok || !(t.try(op, oq, body) || oq != query && t.try(op, query, body)) {
				continue
			}
			if op == path && query == "" && oq != "" {
				return found(causeQueryDropped, "OSS signed the query %q, which a proxy dropped before the application saw the request (the %s header has the original)", oq, h)
			}
			if strings.HasSuffix(op, path) && len(op) > len(path) {
				p := op[:len(op)-len(path)]
				return found(causePrefixStripped, "OSS signed %q, but a proxy stripped %q before the application saw %q (the %s header has the original): set Verifier.StrippedPrefix to %q", op, p, path, h, p)
			}
			return found(causePathRewritten, "OSS signed %q, but a proxy rewrote the request to %q (the %s header has the original)", v, path+query, h)
		}
	}
	return nil
}

// query tries the distortions of the query: dropped, reordered, re-encoded.
func (t *trier) query(s *signed) *finding {
	path, query, body := s.path, s.query, s.body
	if query == "" && t.try(path, "?", body) {
		return found(causeQueryDropped, `OSS signed the path followed by an empty query ("?"), which a proxy dropped`)
	}
	if pairs := strings.Split(strings.TrimPrefix(query, "?"), "&"); len(pairs) > 1 && len(pairs) <= diagnosePermuteMax {
		q := ""
		if permute(len(pairs), true, func(idx []int) bool {
			q = "?" + joinIndexed(pairs, idx, "&")
			return q != query && t.try(path, q, body)
		}) {
			return found(causeQueryReordered, "OSS signed the query %q, but its parameters reached the application reordered as %q", q, query)
		}
	}
	if query != "" {
		for _, c := range requery(query) {
			if c != query && t.try(path, c, body) {
				return found(causeQueryReencoded, "OSS signed the query %q, but it reached the application re-encoded as %q", c, query)
			}
		}
	}
	return nil
}

// body tries the distortions of the body: a trailing line break, a charset
// conversion, a JSON or form body re-serialised.
func (t *trier) body(s *signed) *finding {
	path, query, body := s.path, s.query, s.body
	for _, nl := range []string{"\r\n", "\n"} {
		if b, ok := bytes.CutSuffix(body, []byte(nl)); ok && t.try(path, query, b) {
			return found(causeBodyTrailingNewline, "OSS signed the body without the trailing %q that reached the application (a proxy or test client appended it)", nl)
		}
	}
	if b, ok := utf8ToLatin1(body); ok && t.try(path, query, b) {
		return found(causeBodyCharset, "OSS signed the body in ISO-8859-1, but it reached the application converted to UTF-8")
	}
	if b := latin1ToUTF8(body); !bytes.Equal(b, body) && t.try(path, query, b) {
		return found(causeBodyCharset, "OSS signed the body in UTF-8, but it reached the application converted to ISO-8859-1 (or GBK)")
	}
	if json.Valid(body) {
		if t.jsonBody(path, query, body) {
			return found(causeBodyJSONReformatted, "OSS signed a JSON body that reached the application re-serialised (indentation, key order or escaping changed): verify the raw body before any JSON decoding")
		}
	} else if t.formBody(path, query, body) {
		return found(causeBodyFormReencoded, "OSS signed a form body that reached the application re-serialised (field order or escaping changed): verify the raw body before any form parsing")
	}
	return nil
}

// trier tries candidate strings to sign against the digest OSS signed,
// within a budget of bytes hashed.
type trier struct {
	digest []byte
	budget int
}

func (t *trier) try(path, query string, body []byte) bool {
	t.budget -= len(path) + len(query) + 1 + len(body)
	if t.budget < 0 {
		return false
	}
	return subtle.ConstantTimeCompare(signedDigest(path, query, body), t.digest) == 1
}

// splitTarget splits an original request target taken from a proxy header
// into its decoded path and raw query.
func splitTarget(v string) (path, query string, ok bool) {
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		v = callbackwire.TargetAfterAuthority(v[strings.Index(v, "://")+3:])
	}
	if !strings.HasPrefix(v, "/") {
		return "", "", false
	}
	raw := v
	if i := strings.IndexByte(v, '?'); i >= 0 {
		raw, query = v[:i], v[i:]
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", "", false
	}
	return p, query, true
}

// requery returns re-encodings of a raw query that OSS may have signed:
// each pair decoded and escaped again as OSS and common frameworks do.
func requery(query string) []string {
	pairs := strings.Split(strings.TrimPrefix(query, "?"), "&")
	var plus, pct, raw []string
	for _, p := range pairs {
		k, v, hasEq := strings.Cut(p, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil
		}
		eq := ""
		if hasEq {
			eq = "="
		}
		plus = append(plus, url.QueryEscape(dk)+eq+url.QueryEscape(dv))
		pct = append(pct, strings.ReplaceAll(url.QueryEscape(dk), "+", "%20")+eq+strings.ReplaceAll(url.QueryEscape(dv), "+", "%20"))
		raw = append(raw, dk+eq+dv)
	}
	return []string{"?" + strings.Join(plus, "&"), "?" + strings.Join(pct, "&"), "?" + strings.Join(raw, "&")}
}

// jsonBody tries re-serialisations of a JSON object body: its members in
// every order (up to diagnosePermuteMax of them), strings escaped as OSS
// writes them, with the usual separators.
func (t *trier) jsonBody(path, query string, body []byte) bool {
	members, ok := jsonMembers(body)
	if !ok {
		return false
	}
	// The members as "key:value" and as "key: value".
	compact, spaced := make([]string, len(members)), make([]string, len(members))
	for i, m := range members {
		compact[i], spaced[i] = m[0]+":"+m[1], m[0]+": "+m[1]
	}
	layouts := []struct {
		sep     string
		members []string
	}{{",", compact}, {", ", spaced}, {",", spaced}, {", ", compact}}
	all := len(members) <= diagnosePermuteMax && len(body) <= diagnosePermuteBody
	return permute(len(members), all, func(idx []int) bool {
		for _, l := range layouts {
			if t.try(path, query, []byte("{"+joinIndexed(l.members, idx, l.sep)+"}")) {
				return true
			}
		}
		return false
	})
}

// jsonMembers returns the members of a JSON object as [key, value] pairs,
// both re-encoded compactly the way OSS renders them (no HTML or non-ASCII
// escaping).
func jsonMembers(body []byte) ([][2]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var members [][2]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		var val string
		if raw[0] == '"' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, false
			}
			val = string(callbackwire.JSONString(s))
		} else {
			var b bytes.Buffer
			if json.Compact(&b, raw) != nil {
				return nil, false
			}
			val = b.String()
		}
		members = append(members, [2]string{string(callbackwire.JSONString(key)), val})
	}
	return members, true
}

// formBody tries re-serialisations of a form body: its fields in every
// order (up to diagnosePermuteMax of them), values escaped as OSS escapes
// them, names as received or escaped alike.
func (t *trier) formBody(path, query string, body []byte) bool {
	if !utf8.Valid(body) || !bytes.Contains(body, []byte("=")) {
		return false
	}
	// The fields with their names as received and with them escaped.
	var fields, escFields []string
	for _, p := range strings.Split(string(body), "&") {
		k, v, _ := strings.Cut(p, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return false
		}
		ev := "=" + url.QueryEscape(dv)
		fields, escFields = append(fields, dk+ev), append(escFields, url.QueryEscape(dk)+ev)
	}
	all := len(fields) <= diagnosePermuteMax && len(body) <= diagnosePermuteBody
	return permute(len(fields), all, func(idx []int) bool {
		return t.try(path, query, []byte(joinIndexed(fields, idx, "&"))) ||
			t.try(path, query, []byte(joinIndexed(escFields, idx, "&")))
	})
}

// permute calls f with the identity permutation of 0..n-1 and then, if all
// is set, with every other one (Heap's algorithm), until f returns true; it
// reports whether f did.
func permute(n int, all bool, f func([]int) bool) bool {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if f(idx) {
		return true
	}
	if !all {
		return false
	}
	c := make([]int, n)
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				idx[0], idx[i] = idx[i], idx[0]
			} else {
				idx[c[i]], idx[i] = idx[i], idx[c[i]]
			}
			if f(idx) {
				return true
			}
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return false
}

// joinIndexed joins parts in the order idx gives.
func joinIndexed(parts []string, idx []int, sep string) string {
	var b strings.Builder
	for i, j := range idx {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(parts[j])
	}
	return b.String()
}

// utf8ToLatin1 returns body as ISO-8859-1, if it is UTF-8 with only runes
// below 256 and at least one above 127.
func utf8ToLatin1(body []byte) ([]byte, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	out := make([]byte, 0, len(body))
	changed := false
	for _, r := range string(body) {
		if r > 0xff {
			return nil, false
		}
		changed = changed || r > 0x7f
		out = append(out, byte(r))
	}
	return out, changed
}

// latin1ToUTF8 reads body as ISO-8859-1 and returns it as UTF-8.
func latin1ToUTF8(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for _, c := range body {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}
