package osstest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Object tagging
// (https://www.alibabacloud.com/help/en/oss/user-guide/object-tagging-8):
// at most 10 tags, unique keys of at most 128 characters, values of at most
// 256, letters, digits, spaces and + - = . _ : / only, set with
// x-oss-tagging on PutObject and InitiateMultipartUpload or with
// PutObjectTagging, read with GetObjectTagging, removed with
// DeleteObjectTagging; GetObject and HeadObject report the count in
// x-oss-tagging-count. The error code InvalidTag is [inferred]; the EC codes
// are OSS's.

const (
	maxTags        = 10
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	// maxTaggingBody bounds a PutObjectTagging body: 10 tags of the
	// longest key and value with their XML fit well within it [inferred].
	maxTaggingBody = 64 << 10
)

type taggingXML struct {
	XMLName struct{} `xml:"Tagging"`
	Tags    []tagXML `xml:"TagSet>Tag"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return nil
	}
	c := make(map[string]string, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

func errInvalidTag(ec, msg string) *ossError {
	return newErr(400, "InvalidTag", msg).withEC(ec)
}

// validTagChars reports whether s has only the characters a tag allows
// (EC 0010-00000217).
func validTagChars(s string) bool {
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.ContainsRune(" +-=._:/", c):
		default:
			return false
		}
	}
	return true
}

// checkTags applies OSS's rules to a tag set and returns it as a map.
func checkTags(tags []tagXML) (map[string]string, *ossError) {
	if len(tags) > maxTags {
		return nil, errInvalidTag("0010-00000217", "Object tags cannot be greater than 10.")
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKeyLen:
			return nil, errInvalidTag("0010-00000209", "The TagKey you have provided is invalid.")
		case utf8.RuneCountInString(t.Value) > maxTagValueLen:
			return nil, errInvalidTag("0010-00000214", "The TagValue you have provided is invalid.")
		case !validTagChars(t.Key) || !validTagChars(t.Value):
			return nil, errInvalidTag("0010-00000217", "The tag you have provided is invalid.")
		}
		if _, dup := out[t.Key]; dup {
			return nil, errInvalidTag("0010-00000217", "Cannot provide multiple Tags with the same key.")
		}
		out[t.Key] = t.Value
	}
	return out, nil
}

// parseTaggingHeader reads x-oss-tagging: "k1=v1&k2=v2", keys and values
// URL-encoded; "aa=bb=cc" is refused (EC 0010-00000219).
func parseTaggingHeader(v string) (map[string]string, *ossError) {
	var tags []tagXML
	for _, item := range strings.Split(v, "&") {
		if strings.Count(item, "=") > 1 {
			return nil, errInvalidTag("0010-00000219", "The x-oss-tagging header is not in the key or key=value format.").withArg("x-oss-tagging", v)
		}
		k, val, _ := strings.Cut(item, "=")
		ku, err1 := url.QueryUnescape(k)
		vu, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			return nil, errInvalidTag("0010-00000219", "The x-oss-tagging header is not URL-encoded.").withArg("x-oss-tagging", v)
		}
		tags = append(tags, tagXML{Key: ku, Value: vu})
	}
	return checkTags(tags)
}

// putObjectTagging serves PUT /<key>?tagging
// (https://www.alibabacloud.com/help/en/oss/developer-reference/putobjecttagging).
func (e *Emulator) putObjectTagging(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	defer drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTaggingBody+1))
	var doc taggingXML
	if err != nil || len(body) > maxTaggingBody || xml.Unmarshal(body, &doc) != nil {
		writeError(w, rc, errMalformedXML())
		return
	}
	tags, oe := checkTags(doc.Tags)
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.updateObject(w, r, rc, key, http.StatusOK, func(o *Object) { o.Tags = tags })
}

// deleteObjectTagging serves DELETE /<key>?tagging
// (https://www.alibabacloud.com/help/en/oss/developer-reference/deleteobjecttagging).
func (e *Emulator) deleteObjectTagging(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	e.updateObject(w, r, rc, key, http.StatusNoContent, func(o *Object) { o.Tags = nil })
}

// updateObject applies change to the metadata of key's version that r
// names (versionId, else the latest) and answers status, or NoSuchKey.
func (e *Emulator) updateObject(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string, status int, change func(*Object)) {
	vid, oe := versionParam(r) // versioning.go
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	obj, err := e.store.updateVersion(key, vid, change)
	if err != nil {
		writeError(w, rc, versionError(w.Header(), err, key, vid))
		return
	}
	setVersionHeader(w.Header(), obj)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// getObjectTagging serves GET /<key>?tagging
// (https://www.alibabacloud.com/help/en/oss/developer-reference/getobjecttagging).
func (e *Emulator) getObjectTagging(w http.ResponseWriter, r *http.Request, rc *reqCtx, key string) {
	drainBody(r)
	if _, oe := e.authenticateRequest(r, e.bucket, key); oe != nil {
		writeError(w, rc, oe)
		return
	}
	obj, oe := e.versionAsked(w.Header(), r, key) // versioning.go
	if oe != nil {
		writeError(w, rc, oe)
		return
	}
	doc := taggingXML{Tags: []tagXML{}}
	for _, k := range sortedTagKeys(obj.Tags) {
		doc.Tags = append(doc.Tags, tagXML{Key: k, Value: obj.Tags[k]})
	}
	writeXML(w, http.StatusOK, &doc)
}

func sortedTagKeys(t map[string]string) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setTaggingCount sets x-oss-tagging-count on a GET or HEAD answer.
func setTaggingCount(h http.Header, obj Object) {
	if len(obj.Tags) > 0 {
		h.Set("X-Oss-Tagging-Count", strconv.Itoa(len(obj.Tags)))
	}
}
