package osstest

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Listing: ListObjects (GetBucket, V1),
// https://www.alibabacloud.com/help/en/oss/developer-reference/listobjects,
// and ListObjectsV2 (GetBucketV2, GET /?list-type=2),
// https://www.alibabacloud.com/help/en/oss/developer-reference/listobjectsv2.
// Both answer at most max-keys entries, objects and common prefixes counted
// alike, in key order. OSS documents max-keys as greater than 0 and at most
// 1000, 100 by default (ListObjects page above); 0, a negative number or
// a non-number is refused with InvalidArgument, and so is a value over
// 1000 for ListObjects and ListObjectsV2 (listlimits.go). ListObjectVersions
// takes a value over 1000 as 1000 and echoes it so [inferred].
const (
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
)

// listTimeFormat is ISO 8601 with milliseconds, as OSS writes the times
// of its XML answers, in listings and elsewhere ("2012-02-24T08:42:32.000Z").
const listTimeFormat = "2006-01-02T15:04:05.000Z"

// listRequest is a parsed listing query.
type listRequest struct {
	prefix    string
	delimiter string
	maxKeys   int
	// start is where the page begins: the first key it may hold. Empty
	// means from the prefix on.
	start string
	// past is set when a marker or start-after rolled up every key that
	// can follow it (after): the listing is empty.
	past bool
	// marker (V1), startAfter and token (V2) are echoed as sent.
	marker, startAfter, token string
	urlEncoding               bool
	fetchOwner                bool
}

// parseListQuery reads a ListObjects (v2 false) or ListObjectsV2 query
// that passed its listing's limits (listlimits.go): max-keys, if sent, is
// an integer from 1 to 1000.
func parseListQuery(q url.Values, v2 bool) (listRequest, *ossError) {
	req := listRequest{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: defaultMaxKeys}
	if v := q.Get("max-keys"); v != "" {
		req.maxKeys, _ = strconv.Atoi(v)
	}
	switch v := q.Get("encoding-type"); v {
	case "":
	case "url":
		req.urlEncoding = true
	default:
		return req, newErr(400, "InvalidArgument", "The encoding-type parameter is invalid, it must be url.").withArg("encoding-type", v)
	}
	if !v2 {
		req.marker = q.Get("marker")
		if req.marker != "" {
			req.start, req.past = req.after(req.marker)
		}
		return req, nil
	}
	req.startAfter = q.Get("start-after")
	if req.startAfter != "" {
		req.start, req.past = req.after(req.startAfter)
	}
	switch v := q.Get("fetch-owner"); v {
	case "", "false":
	case "true":
		req.fetchOwner = true
	default:
		return req, newErr(400, "InvalidArgument", "The fetch-owner parameter is invalid, it must be true or false.").withArg("fetch-owner", v)
	}
	if q.Has("continuation-token") {
		req.token = q.Get("continuation-token")
		start, err := base64.RawURLEncoding.DecodeString(req.token)
		// A token the emulator issued holds a position of at most a key
		// (1023 bytes) and one more byte.
		if err != nil || req.token == "" || len(start) > maxListParamBytes+1 {
			return req, newErr(400, "InvalidArgument", "The continuation-token is not valid.").withEC(ecListContinuationToken).withArg("continuation-token", req.token)
		}
		// A token continues where its page ended, later than any
		// start-after it was made under.
		req.start = max(req.start, string(start))
	}
	return req, nil
}

// after returns where a listing that continues after mark begins: the
// next key, or, when mark is a common prefix of this listing (it ends at
// the first delimiter after the prefix), the first key past every key it
// rolls up, so that no common prefix is answered twice. past is true when
// there is no such key: mark is all 0xff bytes, and every key greater
// than it starts with it.
func (req listRequest) after(mark string) (start string, past bool) {
	// The delimiter must end the part after the prefix, not overlap the
	// prefix: with prefix "a/" and delimiter "/", marker "a/" is no
	// common prefix, and "a/b" comes after it.
	rest, ok := strings.CutPrefix(mark, req.prefix)
	if ok && req.delimiter != "" && strings.HasSuffix(rest, req.delimiter) && strings.Index(rest, req.delimiter) == len(rest)-len(req.delimiter) {
		end := prefixEnd(mark)
		return end, end == ""
	}
	return mark + "\x00", false
}

// listPage is one page of a listing.
type listPage struct {
	objects   []Object // Meta not copied
	prefixes  []string
	truncated bool
	// last is the last object key or common prefix answered; next is
	// where the following page begins (set when truncated).
	last, next string
}

// page answers req from the index: a binary search to the page's start,
// then one step per key answered (a common prefix skips its keys with
// another search), so its cost grows with the page, not the bucket.
func (s *store) page(req listRequest) listPage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pg listPage
	if req.past {
		return pg
	}
	x := &s.index
	p := x.seek(max(req.start, req.prefix))
	for x.valid(p) {
		k := x.key(p)
		if !strings.HasPrefix(k, req.prefix) {
			break
		}
		if len(pg.objects)+len(pg.prefixes) == req.maxKeys {
			pg.truncated = true
			break
		}
		if req.delimiter != "" {
			if i := strings.Index(k[len(req.prefix):], req.delimiter); i >= 0 {
				cp := k[:len(req.prefix)+i+len(req.delimiter)]
				pg.prefixes = append(pg.prefixes, cp)
				pg.last, pg.next = cp, prefixEnd(cp)
				if pg.next == "" {
					break
				}
				p = x.seek(pg.next)
				continue
			}
		}
		o := s.objects[k].obj
		o.Meta = nil
		pg.objects = append(pg.objects, o)
		pg.last, pg.next = k, k+"\x00"
		p = x.next(p)
	}
	if !pg.truncated {
		pg.next = ""
	}
	return pg
}

// continuationToken is the opaque NextContinuationToken for a page that
// ends before start: the same position always gives the same token.
func continuationToken(start string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(start))
}

// objectType is the object's Type if set (Appendable), Multipart for an
// object assembled by CompleteMultipartUpload (its ETag ends in
// "-<parts>"), else Normal.
func objectType(o Object) string {
	if o.Type != "" {
		return o.Type // Appendable (append.go)
	}
	if strings.Contains(o.ETag, "-") {
		return "Multipart"
	}
	return "Normal"
}

// listEncode applies encoding-type=url to a key or prefix in a listing.
func listEncode(req listRequest, s string) string {
	if req.urlEncoding {
		return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	}
	return s
}

func listTime(t time.Time) string { return t.UTC().Format(listTimeFormat) }
