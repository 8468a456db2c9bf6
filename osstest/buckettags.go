package osstest

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Bucket tags
// (https://www.alibabacloud.com/help/en/oss/user-guide/manage-bucket-tags):
// at most 20 per bucket; a key of 1 to 64 bytes of UTF-8 that does not start
// with http://, https:// or Aliyun (in any case); a value of at most 128
// bytes of UTF-8, possibly empty (EC 0010-00000219,
// https://www.alibabacloud.com/help/en/oss/support/0010-00000219).
// PutBucketTags replaces the whole set
// (https://www.alibabacloud.com/help/en/oss/developer-reference/manage-bucket-tagging:
// "the original tags added to the bucket are completely overwritten"),
// GetBucketTags reads it, DeleteBucketTags removes it or, with
// ?tagging=k1,k2, the tags with those keys. ListBuckets lists only the
// buckets carrying a tag with tag-key (and tag-value), or all the pairs of
// tagging ("k1":"v1","k2":"v2"). Unlike object tags, bucket tags have no
// character set of their own. The error code InvalidTag and the
// InvalidArgument answers for contradictory ListBuckets filters are
// [inferred]; the EC code is OSS's.

const (
	maxBucketTags        = 20
	maxBucketTagKeyLen   = 64  // bytes
	maxBucketTagValueLen = 128 // bytes
)

// reservedTagPrefixes may not start a bucket tag key, whatever their case.
var reservedTagPrefixes = []string{"http://", "https://", "aliyun"}

// parseBucketTagging reads a PutBucketTags body and applies OSS's rules
// for bucket tags.
func parseBucketTagging(body []byte) (map[string]string, *ossError) {
	var doc taggingXML // tagging.go
	if xml.Unmarshal(body, &doc) != nil {
		return nil, errMalformedXML()
	}
	if len(doc.Tags) > maxBucketTags {
		return nil, errInvalidTag("0010-00000219", "Bucket tags cannot be greater than 20.")
	}
	tags := make(map[string]string, len(doc.Tags))
	for _, t := range doc.Tags {
		if oe := checkBucketTag(t.Key, t.Value); oe != nil {
			return nil, oe
		}
		if _, dup := tags[t.Key]; dup {
			return nil, errInvalidTag("0010-00000219", "Cannot provide multiple Tags with the same key.")
		}
		tags[t.Key] = t.Value
	}
	return tags, nil
}

func checkBucketTag(key, value string) *ossError {
	lower := strings.ToLower(key)
	for _, p := range reservedTagPrefixes {
		if strings.HasPrefix(lower, p) {
			return errInvalidTag("0010-00000219", "The TagKey you have provided must not start with http://, https:// or Aliyun.")
		}
	}
	switch {
	case key == "" || len(key) > maxBucketTagKeyLen || !utf8.ValidString(key):
		return errInvalidTag("0010-00000219", "The TagKey you have provided is invalid.")
	case len(value) > maxBucketTagValueLen || !utf8.ValidString(value):
		return errInvalidTag("0010-00000219", "The TagValue you have provided is invalid.")
	}
	return nil
}

// putBucketTags serves PUT /?tagging on a bucket
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putbuckettags).
func (e *Emulator) putBucketTags(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	defer drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTaggingBody+1))
	if err != nil || len(body) > maxTaggingBody {
		writeError(w, rc, errMalformedXML())
		return
	}
	tags, oe := parseBucketTagging(body)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.changeTags(w, rc, http.StatusOK, func(map[string]string) map[string]string { return tags })
}

// deleteBucketTags serves DELETE /?tagging on a bucket: 204, also when
// there was nothing to delete
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deletebuckettags).
func (e *Emulator) deleteBucketTags(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	keys := r.URL.Query().Get("tagging")
	e.changeTags(w, rc, http.StatusNoContent, func(tags map[string]string) map[string]string {
		if keys == "" {
			return nil
		}
		for _, k := range strings.Split(keys, ",") {
			delete(tags, k)
		}
		return tags
	})
}

// changeTags replaces e's tags with what change makes of a copy of them,
// and answers status.
func (e *Emulator) changeTags(w http.ResponseWriter, rc *reqCtx, status int, change func(map[string]string) map[string]string) {
	e.changeInfo(w, rc, status, func(i *bucketInfo) { // buckets.go
		i.Tags = change(i.Tags)
		if len(i.Tags) == 0 {
			i.Tags = nil
		}
	})
}

// bucketTaggingXML is GetBucketTags' answer: an empty Tagging element for
// a bucket without tags
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getbuckettags).
type bucketTaggingXML struct {
	XMLName struct{}   `xml:"Tagging"`
	TagSet  *tagSetXML `xml:"TagSet"`
}

type tagSetXML struct {
	Tags []tagXML `xml:"Tag"`
}

// getBucketTags serves GET /?tagging on a bucket.
func (e *Emulator) getBucketTags(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	drainBody(r)
	if oe := e.authenticateOwner(r); oe != nil {
		writeError(w, rc, oe)
		return
	}
	tags := e.bucketInfo().Tags
	var doc bucketTaggingXML
	if len(tags) > 0 {
		doc.TagSet = &tagSetXML{}
		for _, k := range sortedTagKeys(tags) { // tagging.go
			doc.TagSet.Tags = append(doc.TagSet.Tags, tagXML{Key: k, Value: tags[k]})
		}
	}
	writeXML(w, http.StatusOK, &doc)
}

// bucketTagFilter is what ListBuckets asks of a bucket's tags: every pair
// of all, or, when keyOnly, a tag with key whatever its value.
type bucketTagFilter struct {
	all     map[string]string
	key     string
	keyOnly bool
}

// parseBucketTagFilter reads ListBuckets' tag-key, tag-value and tagging
// parameters. The official Go SDK v2 documents them on ListBucketsRequest:
// tag-value needs tag-key, and tagging cannot be used with either; its
// TestListBuckets sends tagging as "k":"v", the members of a JSON object
// without braces, which OSS accepts.
func parseBucketTagFilter(q url.Values) (bucketTagFilter, *ossError) {
	var f bucketTagFilter
	switch {
	case q.Has("tagging") && (q.Has("tag-key") || q.Has("tag-value")):
		return f, newErr(400, "InvalidArgument", "The tagging parameter cannot be used with tag-key or tag-value.").withArg("tagging", q.Get("tagging"))
	case q.Has("tag-value") && !q.Has("tag-key"):
		return f, newErr(400, "InvalidArgument", "The tag-value parameter needs a tag-key.").withArg("tag-value", q.Get("tag-value"))
	case q.Has("tag-key") && q.Has("tag-value"):
		f.all = map[string]string{q.Get("tag-key"): q.Get("tag-value")}
	case q.Has("tag-key"):
		f.key, f.keyOnly = q.Get("tag-key"), true
	case q.Has("tagging"):
		all, ok := parseTaggingFilter(q.Get("tagging"))
		if !ok {
			return f, newErr(400, "InvalidArgument", `The tagging parameter must be "key":"value" pairs separated by commas.`).withArg("tagging", q.Get("tagging"))
		}
		f.all = all
	}
	return f, nil
}

// parseTaggingFilter reads `"k1":"v1","k2":"v2"` (braces allowed) as the
// pairs of a JSON object of strings; an empty object is refused.
func parseTaggingFilter(v string) (map[string]string, bool) {
	s := strings.TrimSpace(v)
	if !strings.HasPrefix(s, "{") {
		s = "{" + s + "}"
	}
	var all map[string]string
	if json.Unmarshal([]byte(s), &all) != nil || len(all) == 0 {
		return nil, false
	}
	return all, true
}

// matches reports whether a bucket with tags passes f.
func (f bucketTagFilter) matches(tags map[string]string) bool {
	if f.keyOnly {
		_, ok := tags[f.key]
		return ok
	}
	for k, v := range f.all {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}
